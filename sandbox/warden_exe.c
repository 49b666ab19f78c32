/*
 * labhub-warden: the warden (sandbox/warden.c) as its own small program.
 *
 * The future warden is a clone() of the supervisor, so until it execs it maps
 * a copy-on-write image of the whole server: every page the server writes
 * after the clone (its heap, stack, library data) is duplicated and the old
 * copy stays with the warden, and the warden's own mallocs write into the
 * server's heap.  A warden then costs about as much as the server's dirty
 * memory at clone time (0.7 MB per cell at 20 sessions, 1.1 MB at 200).
 * The clone (birth_main() in sandbox/cell.c) therefore does only what is the
 * same for every cell and execs this program, which links only libc and
 * jansson: a warden, spare or serving, then holds little of its own,
 * whatever the size of the server, and nothing the server had in memory.
 * Here it waits as a spare for its cell's spec, builds the cell and serves
 * (sandbox/spare.c).
 *
 * Usage (by birth_main() only, as root of the cell's user namespace):
 *   labhub-warden spare SOCK SYNC LEARNER_UID LAB_UID UNPRIV
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/contain.h"
#include "server/log.h"


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
	unsigned long v[5];
	int i;

	if (argc != 7 || strcmp(argv[1], "spare") != 0) {
		fprintf(stderr, "labhub-warden: started by labhub for a cell, not by hand\n");
		return 2;
	}
	for (i = 0; i < 5; i++)
		if (num(argv[i + 2], i == 4 ? 1 : i < 2 ? 65535 : 0xffffffffUL, &v[i]) < 0) {
			fprintf(stderr, "labhub-warden: bad argument %s\n", argv[i + 2]);
			return 2;
		}
	log_init_from_env();
	log_set_tag("warden");
	spare_ctx_init(&x, (int)v[4]);
	x.learner_uid = (unsigned)v[2];
	x.lab_uid = (unsigned)v[3];
	spare_main((int)v[0], (int)v[1], &x);
}
