/*
 * log: formats one line into a stack buffer and writes it with a single
 * write(2), so lines from the server and its cells do not interleave.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "server/log.h"

static enum log_level min_level = LOG_LEVEL_INFO;
static const char *tag = "labhub";

void
log_set_level(enum log_level level)
{
	min_level = level;
}

void
log_init_from_env(void)
{
	const char *v = getenv("LABHUB_LOG");

	if (v == NULL)
		return;
	if (strcasecmp(v, "debug") == 0)
		min_level = LOG_LEVEL_DEBUG;
	else if (strcasecmp(v, "warn") == 0)
		min_level = LOG_LEVEL_WARN;
	else if (strcasecmp(v, "error") == 0)
		min_level = LOG_LEVEL_ERROR;
}

void
log_set_tag(const char *t)
{
	tag = t;
}

void
log_msg(enum log_level level, int with_errno, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	int saved = errno;
	char buf[1024];
	size_t n;
	int r;
	va_list ap;

	if (level < min_level)
		return;
	r = snprintf(buf, sizeof buf, "%s[%ld] %s: ", tag, (long)getpid(), names[level]);
	n = r < 0 ? 0 : (size_t)r;
	if (n < sizeof buf) {
		va_start(ap, fmt);
		r = vsnprintf(buf + n, sizeof buf - n, fmt, ap);
		va_end(ap);
		if (r > 0)
			n += (size_t)r;
	}
	if (with_errno && n < sizeof buf) {
		r = snprintf(buf + n, sizeof buf - n, ": %s", strerror(saved));
		if (r > 0)
			n += (size_t)r;
	}
	if (n > sizeof buf - 2)
		n = sizeof buf - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, n) < 0) {
		/* nowhere left to report it */
	}
	errno = saved;
}
