/*
 * labhub-warden: the warden (sandbox/warden.c) as its own small program.
 *
 * The future warden is a clone() of the supervisor, so until it execs it maps
 * a copy-on-write image of the whole server: every page the server writes
 * after the clone (its heap, stack, library data) is duplicated and the old
 * copy stays with the warden, and the warden's own mallocs write into the
 * server's heap.  A warden then costs about as much as the server's dirty
 * memory at clone time (0.7 MB per cell at 20 sessions, 1.1 MB at 200).
 * child_main() (sandbox/cell.c) therefore does the contain steps in the clone
 * and, last, execs this program, which links only libc and jansson: the cell
 * then holds ~0.1 MB of its own, whatever the size of the server.
 *
 * Usage (by child_main() only, after seccomp):
 *   labhub-warden SOCK LEARNER_UID LAB_UID UNPRIV LIFETIME_S IDLE_S
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/contain.h"
#include "server/log.h"

/* as in cell.c (userns.o needs it; linking cell.o would pull in the whole server) */
int
contain_fail(struct contain_err *e, const char *fmt, ...)
{
	va_list ap;

	e->err = errno;
	va_start(ap, fmt);
	vsnprintf(e->what, sizeof e->what, fmt, ap);
	va_end(ap);
	errno = e->err;
	return -1;
}

static int
num(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && end != s && *end == 0 && *v <= max ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct contain_ctx x;
	unsigned long v[6];
	int i;

	if (argc != 7) {
		fprintf(stderr, "labhub-warden: started by labhub for a cell, not by hand\n");
		return 2;
	}
	for (i = 0; i < 6; i++)
		if (num(argv[i + 1], i == 3 ? 1 : 0xffffffffUL, &v[i]) < 0) {
			fprintf(stderr, "labhub-warden: bad argument %s\n", argv[i + 1]);
			return 2;
		}
	memset(&x, 0, sizeof x);
	x.ws_fd = x.lab_fd = x.exe_fd = x.tool_fd = x.ws_mnt_fd = -1;
	x.cg_fds[0] = x.cg_fds[1] = x.cg_fds[2] = -1;
	x.learner_uid = (unsigned)v[1];
	x.lab_uid = (unsigned)v[2];
	x.unpriv = (int)v[3];
	x.limits.lifetime_s = (unsigned)v[4];
	x.limits.idle_s = (unsigned)v[5];
	log_set_tag("warden");
	warden_main((int)v[0], &x);
}
