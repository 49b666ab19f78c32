/*
 * seccomp_load: the cell's seccomp filter at run time.  The program is the
 * one libseccomp built at build time from the rules in sandbox/seccomp.c
 * (sandbox/seccomp_bpf.h, see sandbox/local.mk): the parent only hands it
 * to the child, which loads it after every other contain step.  Kept apart
 * from the rules so that a program that starts cells (the small `labhub`
 * of server/front.c, labhub-warden) links without libseccomp.
 */
#include "config.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/contain.h"

/* seccomp_bpf_prog[]: the rules of sandbox/seccomp.c, built by libseccomp
 * at build time, so starting a cell costs no libseccomp work. */
#include "sandbox/seccomp_bpf.h"

static struct sock_fprog *cached;

const void *
seccomp_filter_cached(void)
{
	return cached;
}

const void *
seccomp_filter_compile(char *err, size_t errlen)
{
	static struct sock_fprog pre = {
		.len = sizeof seccomp_bpf_prog / sizeof seccomp_bpf_prog[0],
		.filter = seccomp_bpf_prog,
	};

	(void)err;
	(void)errlen;
	cached = &pre;
	return cached;
}

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
