/*
 * seccomp_load: the half of the seccomp mechanism that runs in the warden:
 * the compiled filter carried from the supervisor over the sync pipe, and
 * its load as the last contain step.  Apart from seccomp.c (which builds
 * the filter with libseccomp) so that labhub-warden, which links this, does
 * not load libseccomp into every cell.
 */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/contain.h"

int
seccomp_filter_send(int fd, const void *p)
{
	const struct sock_fprog *prog = p;
	uint16_t n = prog->len;
	size_t len = (size_t)n * sizeof(struct sock_filter);

	if (write(fd, &n, sizeof n) != (ssize_t)sizeof n ||
	    write(fd, prog->filter, len) != (ssize_t)len)
		return -1;
	return 0;
}

const void *
seccomp_filter_receive(int fd)
{
	struct sock_fprog *prog;
	uint16_t n;
	size_t len, got = 0;

	if (read(fd, &n, sizeof n) != (ssize_t)sizeof n || n == 0)
		return NULL;
	len = (size_t)n * sizeof(struct sock_filter);
	prog = malloc(sizeof *prog + len);
	if (prog == NULL)
		return NULL;
	prog->len = n;
	prog->filter = (struct sock_filter *)(prog + 1);
	while (got < len) {
		ssize_t r = read(fd, (char *)prog->filter + got, len - got);

		if (r <= 0) {
			free(prog);
			return NULL;
		}
		got += (size_t)r;
	}
	return prog;
}

int
seccomp_filter_load(const void *p, struct contain_err *e)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return contain_fail(e, "seccomp: PR_SET_NO_NEW_PRIVS");
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, p) < 0)
		return contain_fail(e, "seccomp: SECCOMP_SET_MODE_FILTER");
	return 0;
}
