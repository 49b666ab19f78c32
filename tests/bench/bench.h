/*
 * Shared by the tests/bench helpers: a monotonic clock in microseconds,
 * median and p99 of a sample, and waiting for a spawned command's exit.
 */
#ifndef LABHUB_BENCH_H
#define LABHUB_BENCH_H

#include <stdlib.h>
#include <time.h>

#include "sandbox/cell.h"

static inline double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static inline int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v and gives its median and 99th percentile. */
static inline void
median_p99(double *v, int n, double *median, double *p99)
{
	qsort(v, (size_t)n, sizeof v[0], cmp_double);
	*median = v[n / 2];
	*p99 = v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
}

/*
 * Waits for the exit of what cell_request_spawn() started.  A cell started
 * with cell_start_nowait() first turns ready (a 0 from cell_wait_event()
 * with cell_is_ready()).  0, or -1 on an error event or a 5 s silence.
 */
static inline int
wait_exit(struct cell *c)
{
	struct cell_event ev;
	int r;

	for (;;) {
		r = cell_wait_event(c, &ev, 5000);
		if (r == 0 && cell_is_ready(c))
			continue;
		if (r != 1 || ev.type == CELL_EV_ERROR)
			return -1;
		if (ev.type == CELL_EV_EXIT) {
			cell_event_clear(&ev);
			return 0;
		}
		cell_event_clear(&ev);
	}
}

#endif
