/*
 * ws-start-helper: what an image workspace (sandbox/workspace.c) adds to a
 * cell start.  Run as root, by hand (not in make check):
 *
 *   ws-start-helper N [CAP]
 *
 * dir and image round robin, N rounds, so a changing machine load hits both
 * alike; then N of attach, then N of create:
 *   delta  image - dir of the same round (median: what the image adds)
 *   dir    cell_start + spawn /bin/true + its exit + cell_stop, workspace a directory
 *   image  the same, workspace an image (cached mount: open_tree + move_mount)
 *   cached workspace_attach of a cached image: the supervisor's part of "image"
 *   attach workspace_attach of an idle image after workspace_flush() (loop + mount)
 *   create workspace_attach of a new workspace (sparse file + mkfs.ext4 + loop + mount)
 * One "name median p99" line each, microseconds, then the load average.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/cell.h"
#include "sandbox/workspace.h"
#include "tests/bench/bench.h"

static void
report(const char *name, double *v, int n)
{
	double median, p99;

	median_p99(v, n, &median, &p99);
	printf("%-7s %8.0f %8.0f\n", name, median, p99);
}

static int
cycle(const char *ws, int mode, uint64_t cap, double *us)
{
	static const char *const argv[] = { "/bin/true", NULL };
	static int serial;
	struct cell_spec spec = { 0 };
	struct cell *c;
	char id[64], err[512];
	double t = now_us();

	snprintf(id, sizeof id, "wsbench%d-%d", (int)getpid(), serial++);
	spec.id = id;
	spec.workspace = ws;
	spec.workspace_image = mode;
	spec.labhub_exe = getenv("LABHUB_FULL");
	cell_limits_default(&spec.limits);
	spec.limits.workspace = cap;
	if (cell_start(&spec, &c, err, sizeof err) < 0) {
		fprintf(stderr, "ws-start-helper: %s\n", err);
		return -1;
	}
	cell_request_spawn(c, 1, argv, CELL_AS_LEARNER, 0, 0, 0, NULL);
	if (wait_exit(c) != 0) {
		cell_stop(c);
		return -1;
	}
	cell_stop(c);
	*us = now_us() - t;
	return 0;
}

static double
attach_once(const char *ws, uint64_t cap)
{
	struct workspace *w;
	char err[512];
	double t;
	int m;

	t = now_us();
	if (workspace_attach(ws, cap, -1, &w, &m, err, sizeof err) != 0) {
		fprintf(stderr, "ws-start-helper: %s\n", err);
		exit(1);
	}
	t = now_us() - t;
	close(m);
	workspace_release(w);
	return t;
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/labhub-wsbench-XXXXXX", img[] = "/tmp/labhub-wsbench-XXXXXX";
	char fresh[64], why[256];
	int n = argc > 1 ? atoi(argv[1]) : 50, i;
	uint64_t cap = argc > 2 ? strtoull(argv[2], NULL, 0) : 64ull << 20;
	double *v[6], la[3] = { 0, 0, 0 };
	FILE *f;

	if (n < 1 || !cell_workspace_image_available(why, sizeof why)) {
		fprintf(stderr, "ws-start-helper: %s\n", n < 1 ? "N >= 1" : why);
		return 77;
	}
	if (mkdtemp(dir) == NULL || mkdtemp(img) == NULL)
		return 1;
	for (i = 0; i < 6; i++)
		v[i] = calloc((size_t)n, sizeof(double));
	if (cycle(img, CELL_WS_IMAGE, cap, &v[1][0]) < 0)	/* creates the image */
		return 1;
	/* the start path alone first: the other two write (mkfs, syncfs) and would load it */
	for (i = 0; i < n; i++) {
		if (cycle(dir, CELL_WS_DIR, cap, &v[0][i]) < 0 || cycle(img, CELL_WS_IMAGE, cap, &v[1][i]) < 0)
			return 1;
		v[5][i] = v[1][i] - v[0][i];	/* paired: the two ran back to back */
	}
	for (i = 0; i < n; i++)
		v[4][i] = attach_once(img, cap);
	for (i = 0; i < n; i++) {
		workspace_flush();
		v[2][i] = attach_once(img, cap);
	}
	for (i = 0; i < n; i++) {
		snprintf(fresh, sizeof fresh, "%s-%d", dir, i);
		if (mkdir(fresh, 0700) < 0)
			return 1;
		v[3][i] = attach_once(fresh, cap);
		cell_workspace_remove(fresh);
	}
	report("dir", v[0], n);
	report("image", v[1], n);
	report("delta", v[5], n);
	report("cached", v[4], n);
	report("attach", v[2], n);
	report("create", v[3], n);
	f = fopen("/proc/loadavg", "re");
	if (f && fscanf(f, "%lf %lf %lf", &la[0], &la[1], &la[2]) == 3)
		printf("load %.2f %.2f %.2f\n", la[0], la[1], la[2]);
	if (f)
		fclose(f);
	workspace_flush();
	cell_workspace_remove(dir);
	cell_workspace_remove(img);
	return 0;
}
