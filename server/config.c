/*
 * config: defaults, the `key = value` file and per-key validation.  The
 * table below is the single list of keys: the file reader, the flag
 * parser of `serve` and the example config all follow it.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/cell.h"
#include "server/config.h"

#define SYSCONF_FILE LABHUB_SYSCONFDIR "/labhub/labhub.conf"

static int
copy_str(char *dst, size_t len, const char *src, const char *key, char *err, size_t errlen)
{
	if (strlen(src) >= len) {
		snprintf(err, errlen, "%s: value is too long (at most %zu bytes)", key, len - 1);
		return -1;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int
parse_int(const char *v, long lo, long hi, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

/* "64K", "1M", "65536" -> bytes. */
static int
parse_size(const char *v, size_t lo, size_t hi, size_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	if (!isdigit((unsigned char)*v))
		return -1;
	n = strtoull(v, &end, 10);
	if (errno != 0 || end == v)
		return -1;
	switch (*end) {
	case 'k': case 'K': n *= 1024; end++; break;
	case 'm': case 'M': n *= 1024 * 1024; end++; break;
	case '\0': break;
	default: return -1;
	}
	if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
		end += strlen(end);
	if (*end != '\0' || n < lo || n > hi)
		return -1;
	*out = (size_t)n;
	return 0;
}

/* "host:port", "[v6]:port" or ":port". */
static int
parse_listen(struct config *c, const char *v, char *err, size_t errlen)
{
	const char *colon = strrchr(v, ':');
	const char *host = v;
	size_t hostlen;
	long port;

	if (colon == NULL || parse_int(colon + 1, 0, 65535, &port) != 0) {
		snprintf(err, errlen, "listen: '%s' is not ADDRESS:PORT (e.g. 127.0.0.1:8080)", v);
		return -1;
	}
	hostlen = (size_t)(colon - v);
	if (hostlen >= 2 && host[0] == '[' && host[hostlen - 1] == ']') {
		host++;
		hostlen -= 2;
	}
	if (hostlen >= sizeof c->listen_host) {
		snprintf(err, errlen, "listen: address is too long");
		return -1;
	}
	memcpy(c->listen_host, host, hostlen);
	c->listen_host[hostlen] = '\0';
	c->listen_port = (int)port;
	return 0;
}

static int
parse_origins(struct config *c, const char *v, char *err, size_t errlen)
{
	char buf[CONFIG_ORIGINS_MAX * 256];
	char *save = NULL, *tok;

	if (strlen(v) >= sizeof buf) {
		snprintf(err, errlen, "origins: value is too long");
		return -1;
	}
	memcpy(buf, v, strlen(v) + 1);
	c->norigins = 0;
	for (tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
		if (c->norigins == CONFIG_ORIGINS_MAX) {
			snprintf(err, errlen, "origins: at most %d origins", CONFIG_ORIGINS_MAX);
			return -1;
		}
		if (strncmp(tok, "http://", 7) != 0 && strncmp(tok, "https://", 8) != 0) {
			snprintf(err, errlen, "origins: '%s' must start with http:// or https://", tok);
			return -1;
		}
		if (copy_str(c->origins[c->norigins], sizeof c->origins[0], tok, "origins", err, errlen))
			return -1;
		c->norigins++;
	}
	return 0;
}

/* "LAB-ID LIMITS": a lab's own cell limits (sandbox/cell.h syntax), checked now. */
static int
parse_lab_limits(struct config *c, const char *v, char *err, size_t errlen)
{
	struct cell_limits l;
	char why[256];
	size_t n = strcspn(v, " \t");
	const char *lim = v + n;
	int i;

	while (*lim == ' ' || *lim == '\t')
		lim++;
	if (n == 0 || n >= sizeof c->lab_limits[0].lab || *lim == '\0') {
		snprintf(err, errlen, "lab-limits: expected 'LAB-ID LIMITS', e.g. 'rpki-roa workspace=256M'");
		return -1;
	}
	for (i = 0; i < (int)n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') || v[i] == '-')) {
			snprintf(err, errlen, "lab-limits: '%.*s' is not a lab id ([a-z0-9-])", (int)n, v);
			return -1;
		}
	cell_limits_default(&l);
	if (strlen(lim) >= sizeof c->lab_limits[0].limits ||
	    cell_limits_parse(&l, lim, why, sizeof why) != 0) {
		snprintf(err, errlen, "lab-limits: %.*s: %s", (int)n, v,
		    strlen(lim) >= sizeof c->lab_limits[0].limits ? "too long" : why);
		return -1;
	}
	for (i = 0; i < c->nlab_limits; i++)	/* a later line for the same lab wins */
		if (strlen(c->lab_limits[i].lab) == n && strncmp(c->lab_limits[i].lab, v, n) == 0)
			break;
	if (i == CONFIG_LAB_LIMITS_MAX) {
		snprintf(err, errlen, "lab-limits: at most %d labs", CONFIG_LAB_LIMITS_MAX);
		return -1;
	}
	snprintf(c->lab_limits[i].lab, sizeof c->lab_limits[i].lab, "%.*s", (int)n, v);
	snprintf(c->lab_limits[i].limits, sizeof c->lab_limits[i].limits, "%s", lim);
	if (i == c->nlab_limits)
		c->nlab_limits++;
	return 0;
}

const char *
config_lab_limits(const struct config *c, const char *lab_id)
{
	int i;

	for (i = 0; i < c->nlab_limits; i++)
		if (strcmp(c->lab_limits[i].lab, lab_id) == 0)
			return c->lab_limits[i].limits;
	return NULL;
}

static void
default_data_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (geteuid() == 0) {
		snprintf(buf, len, "%s/lib/labhub", LABHUB_LOCALSTATEDIR);
		return;
	}
	if (xdg != NULL && xdg[0] == '/') {
		snprintf(buf, len, "%s/labhub", xdg);
		return;
	}
	if (home == NULL || home[0] != '/') {
		pw = getpwuid(geteuid());
		home = pw != NULL ? pw->pw_dir : "/tmp";
	}
	snprintf(buf, len, "%s/.local/share/labhub", home);
}

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	default_data_dir(c->data_dir, sizeof c->data_dir);
	snprintf(c->listen_host, sizeof c->listen_host, "127.0.0.1");
	c->listen_port = 8080;
	snprintf(c->web_dir, sizeof c->web_dir, "%s", LABHUB_WEBDIR);
	snprintf(c->labs_dir, sizeof c->labs_dir, "%s", LABHUB_LABSDIR);
	c->session_hours = 12;
	c->login_rate_per_min = 10;
	c->max_message = 64 * 1024;
	c->max_queued = 1024 * 1024;
	c->max_msgs_per_sec = 50;
	c->cell_grace_s = 600;
	c->cell_spares = CELL_POOL_DEFAULT;
	c->workspace_spares = 32;	/* a class starting at once */
	snprintf(c->event_loop, sizeof c->event_loop, "auto");
	c->ws_deflate = 1;
	c->busy_output_rate = 2 * 1024 * 1024;
}

int
config_set(struct config *c, const char *key, const char *v, char *err, size_t errlen)
{
	long n;

	if (strcmp(key, "data") == 0)
		return copy_str(c->data_dir, sizeof c->data_dir, v, key, err, errlen);
	if (strcmp(key, "listen") == 0)
		return parse_listen(c, v, err, errlen);
	if (strcmp(key, "web") == 0)
		return copy_str(c->web_dir, sizeof c->web_dir, v, key, err, errlen);
	if (strcmp(key, "labs") == 0)
		return copy_str(c->labs_dir, sizeof c->labs_dir, v, key, err, errlen);
	if (strcmp(key, "tls-cert") == 0)
		return copy_str(c->tls_cert, sizeof c->tls_cert, v, key, err, errlen);
	if (strcmp(key, "tls-key") == 0)
		return copy_str(c->tls_key, sizeof c->tls_key, v, key, err, errlen);
	if (strcmp(key, "origins") == 0)
		return parse_origins(c, v, err, errlen);
	if (strcmp(key, "session-hours") == 0) {
		if (parse_int(v, 1, 24 * 90, &n) != 0)
			goto bad_int;
		c->session_hours = (int)n;
		return 0;
	}
	if (strcmp(key, "login-rate") == 0) {
		if (parse_int(v, 1, 10000, &n) != 0)
			goto bad_int;
		c->login_rate_per_min = (int)n;
		return 0;
	}
	if (strcmp(key, "message-rate") == 0) {
		if (parse_int(v, 1, 100000, &n) != 0)
			goto bad_int;
		c->max_msgs_per_sec = (int)n;
		return 0;
	}
	if (strcmp(key, "cell-grace") == 0) {
		if (parse_int(v, 0, 7 * 24 * 3600, &n) != 0)
			goto bad_int;
		c->cell_grace_s = (int)n;
		return 0;
	}
	if (strcmp(key, "cell-spares") == 0) {
		if (parse_int(v, 0, CELL_POOL_MAX, &n) != 0)
			goto bad_int;
		c->cell_spares = (int)n;
		return 0;
	}
	if (strcmp(key, "workspace-spares") == 0) {
		if (parse_int(v, 0, 256, &n) != 0)
			goto bad_int;
		c->workspace_spares = (int)n;
		return 0;
	}
	if (strcmp(key, "busy-output-rate") == 0) {
		if (strcmp(v, "0") != 0 && parse_size(v, 64 * 1024, (size_t)1 << 30, &c->busy_output_rate) != 0)
			goto bad_size;
		if (strcmp(v, "0") == 0)
			c->busy_output_rate = 0;
		return 0;
	}
	if (strcmp(key, "ws-deflate") == 0) {
		if (strcmp(v, "yes") == 0 || strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
			c->ws_deflate = 1;
		else if (strcmp(v, "no") == 0 || strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
			c->ws_deflate = 0;
		else {
			snprintf(err, errlen, "ws-deflate: '%s' is not yes or no", v);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "event-loop") == 0) {
		if (strcmp(v, "auto") != 0 && strcmp(v, "uv") != 0 && strcmp(v, "poll") != 0) {
			snprintf(err, errlen, "event-loop: '%s' is not one of auto, uv, poll", v);
			return -1;
		}
		return copy_str(c->event_loop, sizeof c->event_loop, v, key, err, errlen);
	}
	if (strcmp(key, "cell-limits") == 0)
		return copy_str(c->cell_limits, sizeof c->cell_limits, v, key, err, errlen);
	if (strcmp(key, "lab-limits") == 0)
		return parse_lab_limits(c, v, err, errlen);
	if (strcmp(key, "max-message") == 0) {
		if (parse_size(v, 1024, 16 * 1024 * 1024, &c->max_message) != 0)
			goto bad_size;
		return 0;
	}
	if (strcmp(key, "max-queued") == 0) {
		if (parse_size(v, 16 * 1024, 256 * 1024 * 1024, &c->max_queued) != 0)
			goto bad_size;
		return 0;
	}
	snprintf(err, errlen, "unknown setting '%s'", key);
	return -1;
bad_int:
	snprintf(err, errlen, "%s: '%s' is not a whole number in range", key, v);
	return -1;
bad_size:
	snprintf(err, errlen, "%s: '%s' is not a size in range (e.g. 64K, 1M)", key, v);
	return -1;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
config_load_file(struct config *c, const char *path, int must_exist, char *err, size_t errlen)
{
	char line[4096], msg[512];
	char *key, *val, *eq, *hash;
	unsigned lineno = 0;
	FILE *f;

	f = fopen(path, "re");
	if (f == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line is too long", path, lineno);
			goto fail;
		}
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		key = trim(line);
		if (*key == '\0')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%u: expected 'key = value'", path, lineno);
			goto fail;
		}
		*eq = '\0';
		val = trim(eq + 1);
		key = trim(key);
		if (config_set(c, key, val, msg, sizeof msg) != 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
			goto fail;
		}
	}
	fclose(f);
	snprintf(c->config_file, sizeof c->config_file, "%s", path);
	return 0;
fail:
	fclose(f);
	return -1;
}

int
config_resolve(struct config *c, const char *config_path, const char *data_dir,
    char *err, size_t errlen)
{
	const char *env = getenv("LABHUB_CONFIG");

	config_defaults(c);
	if (config_path != NULL) {
		if (config_load_file(c, config_path, 1, err, errlen) != 0)
			return -1;
	} else if (env != NULL && env[0] != '\0') {
		if (config_load_file(c, env, 1, err, errlen) != 0)
			return -1;
	} else if (config_load_file(c, SYSCONF_FILE, 0, err, errlen) != 0) {
		return -1;
	}
	if (data_dir != NULL)
		return config_set(c, "data", data_dir, err, errlen);
	return 0;
}

int
config_db_path(const struct config *c, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/labhub.db", c->data_dir);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
config_ensure_data_dir(const struct config *c)
{
	char path[PATH_MAX];
	char *p;
	size_t n = strlen(c->data_dir);

	if (n == 0 || n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, c->data_dir, n + 1);
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}
