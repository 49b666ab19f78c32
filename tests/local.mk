# Unit suites (Check), one per module: tests/check_<module>.c.
# A suite is added with:
#   check_PROGRAMS += tests/check_foo
#   tests_check_foo_SOURCES = tests/check_foo.c
#   tests_check_foo_CFLAGS = $(UNIT_CFLAGS_ALL)
#   tests_check_foo_LDADD = $(UNIT_LIBS)
# Integration, sandbox, lab and browser tests are scripts in TESTS too.
UNIT_CFLAGS_ALL = $(AM_CFLAGS) $(CHECK_CFLAGS)
UNIT_LIBS = liblabhub.a $(LABHUB_LIBS) $(CHECK_LIBS)

AM_TESTS_ENVIRONMENT = \
	LABHUB='$(abs_top_builddir)/labhub'; export LABHUB; \
	LABHUB_FULL='$(abs_top_builddir)/labhub-full'; export LABHUB_FULL; \
	LABHUB_SRCDIR='$(abs_top_srcdir)'; export LABHUB_SRCDIR; \
	LABHUB_BUILDDIR='$(abs_top_builddir)'; export LABHUB_BUILDDIR; \
	CK_DEFAULT_TIMEOUT=30; export CK_DEFAULT_TIMEOUT;

# tests/bench/pty-rate: terminal output through one PTY read by a bare loop, the
# ceiling tests/bench/ws-echo compares both servers' throughput with (by hand)
check_PROGRAMS += tests/bench/pty-rate
tests_bench_pty_rate_SOURCES = tests/bench/pty-rate.c
tests_bench_pty_rate_CFLAGS = $(WARN_CFLAGS) -O2
tests_bench_pty_rate_CPPFLAGS =
tests_bench_pty_rate_LDFLAGS =
tests_bench_pty_rate_LDADD = -lutil
EXTRA_DIST += tests/bench/ws-echo tests/bench/ws-echo.mjs tests/bench/ws-echo.md \
	tests/bench/class-start tests/bench/class-start.mjs
