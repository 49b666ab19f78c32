# sandbox/: cells (see sandbox/cell.h).  One file per kernel mechanism.
liblabhub_a_SOURCES += \
	sandbox/cell.c sandbox/cell.h sandbox/contain.h \
	sandbox/userns.c sandbox/mount.c sandbox/net.c sandbox/cgroup.c \
	sandbox/rlimit.c sandbox/seccomp.c sandbox/seccomp_load.c sandbox/pty.c \
	sandbox/ipc.c sandbox/ipc.h sandbox/warden.c sandbox/spare.c sandbox/pool.c \
	sandbox/cell_cli.c sandbox/workspace.c sandbox/workspace.h

# The seccomp filter is built once, at build time, by libseccomp from the
# rules in sandbox/seccomp.c (compiled with -DSECCOMP_GENERATOR it prints
# the BPF program as C, which sandbox/seccomp_load.c includes): a cell start
# then costs no libseccomp work, and code that starts cells links without it.
sandbox/seccomp_bpf.h: $(srcdir)/sandbox/seccomp.c $(srcdir)/sandbox/contain.h $(srcdir)/sandbox/cell.h
	$(AM_V_GEN)$(MKDIR_P) sandbox && \
	$(CC) -DSECCOMP_GENERATOR -I$(top_srcdir) -I$(top_builddir) $(SECCOMP_CFLAGS) \
	    -o sandbox/seccomp-gen$(EXEEXT) $(srcdir)/sandbox/seccomp.c $(SECCOMP_LIBS) && \
	./sandbox/seccomp-gen$(EXEEXT) >$@-t && mv $@-t $@ && rm -f sandbox/seccomp-gen$(EXEEXT)
sandbox/seccomp_load.$(OBJEXT): sandbox/seccomp_bpf.h
DISTCLEANFILES += sandbox/seccomp_bpf.h

# Tests: unit suite (also under ASan), escape, lifecycle, workspace and
# spare-warden (pool) suites in real cells (skipped with LABHUB_TEST_LEVEL=unit), the attack program they
# run inside cells, and the script tests of `labhub cell run`.
if HAVE_CHECK
check_PROGRAMS += tests/check_sandbox tests/check_sandbox_escape tests/check_sandbox_life \
	tests/check_sandbox_ws tests/check_sandbox_pool
TESTS += tests/check_sandbox tests/check_sandbox_escape tests/check_sandbox_life \
	tests/check_sandbox_ws tests/check_sandbox_pool
tests_check_sandbox_SOURCES = tests/check_sandbox.c
tests_check_sandbox_CFLAGS = $(UNIT_CFLAGS_ALL)
tests_check_sandbox_LDADD = $(UNIT_LIBS)
tests_check_sandbox_escape_SOURCES = tests/check_sandbox_escape.c tests/sandbox/celltest.h
tests_check_sandbox_escape_CFLAGS = $(UNIT_CFLAGS_ALL)
tests_check_sandbox_escape_LDADD = $(UNIT_LIBS)
tests_check_sandbox_life_SOURCES = tests/check_sandbox_life.c tests/sandbox/celltest.h
tests_check_sandbox_life_CFLAGS = $(UNIT_CFLAGS_ALL)
tests_check_sandbox_life_LDADD = $(UNIT_LIBS)
tests_check_sandbox_ws_SOURCES = tests/check_sandbox_ws.c tests/sandbox/celltest.h
tests_check_sandbox_ws_CFLAGS = $(UNIT_CFLAGS_ALL)
tests_check_sandbox_ws_LDADD = $(UNIT_LIBS)
tests_check_sandbox_pool_SOURCES = tests/check_sandbox_pool.c tests/sandbox/celltest.h
tests_check_sandbox_pool_CFLAGS = $(UNIT_CFLAGS_ALL)
tests_check_sandbox_pool_LDADD = $(UNIT_LIBS)
endif
# Runs inside cells: plain C, no sanitizers (they need ptrace and /proc/self/maps tricks).
check_PROGRAMS += tests/sandbox/attack
tests_sandbox_attack_SOURCES = tests/sandbox/attack.c
tests_sandbox_attack_CFLAGS = $(WARN_CFLAGS) -O2
tests_sandbox_attack_CPPFLAGS =
tests_sandbox_attack_LDFLAGS =
TESTS += tests/sandbox/cell-run.sh tests/sandbox/unpriv.sh tests/sandbox/warden-image.sh \
	tests/sandbox/cell-front.sh
EXTRA_DIST += tests/sandbox/cell-run.sh tests/sandbox/unpriv.sh tests/sandbox/warden-image.sh \
	tests/sandbox/cell-front.sh \
	tests/bench/cell-start sandbox/README.md
# tests/bench/cell-start: the start-up benchmark (run by hand, not in `make check`)
check_PROGRAMS += tests/bench/cell-start-helper
tests_bench_cell_start_helper_SOURCES = tests/bench/cell-start-helper.c tests/bench/bench.h
tests_bench_cell_start_helper_LDADD = liblabhub.a $(LABHUB_LIBS)
# tests/bench/ws-start-helper: what an image workspace adds to a cell start (by hand, as root)
check_PROGRAMS += tests/bench/ws-start-helper
tests_bench_ws_start_helper_SOURCES = tests/bench/ws-start-helper.c tests/bench/bench.h
tests_bench_ws_start_helper_LDADD = liblabhub.a $(LABHUB_LIBS)

# labhub-warden: the warden as a small program that child_main() execs as the
# last contain step, so a cell does not keep a copy-on-write image of the
# server (sandbox/warden_exe.c).  Found next to the labhub program a cell
# binds (labhub-full, in $(pkglibexecdir)), like labhub-roa; without it the
# clone itself serves as the warden.
pkglibexec_PROGRAMS += labhub-warden
labhub_warden_SOURCES = sandbox/warden_exe.c
labhub_warden_CFLAGS = $(WARN_CFLAGS) $(DEBUG_CFLAGS) $(JANSSON_CFLAGS)
labhub_warden_LDADD = liblabhub.a $(JANSSON_LIBS)
labhub_warden_LDFLAGS = $(AM_LDFLAGS) $(STATIC_LDFLAGS)
