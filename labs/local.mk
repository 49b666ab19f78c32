# labs/: the lab runtime (restricted Lua 5.4 inside cells), the lab API and
# the `labhub lab ...` commands.  Lua sources (the API prelude and labkit
# modules) are compiled into the binary: cells only see /run/labhub/labhub.
LABS_LUA = \
	prelude=$(srcdir)/labs/prelude.lua \
	labkit.text=$(srcdir)/labs/labkit/text.lua \
	labkit.kv=$(srcdir)/labs/labkit/kv.lua \
	labkit.passwd=$(srcdir)/labs/labkit/passwd.lua \
	labkit.zone=$(srcdir)/labs/labkit/zone.lua
LABS_LUA_FILES = labs/prelude.lua labs/labkit/text.lua labs/labkit/kv.lua \
	labs/labkit/passwd.lua labs/labkit/zone.lua

liblabhub_a_SOURCES += \
	labs/vm.c labs/vm.h \
	labs/wsfs.c labs/wsfs.h \
	labs/proc.c labs/proc.h \
	labs/ctx.c labs/ctx.h \
	labs/exec.c labs/exec.h \
	labs/labdir.c labs/labdir.h \
	labs/lint.c labs/labtest.c labs/scaffold.c labs/tracks.c \
	labs/lab_cli.c labs/embedded.h
nodist_liblabhub_a_SOURCES = labs/embedded.c

labs/embedded.c: $(LABS_LUA_FILES:%=$(srcdir)/%) $(srcdir)/labs/embed.sh
	$(AM_V_GEN)mkdir -p labs && $(SHELL) $(srcdir)/labs/embed.sh $@ $(LABS_LUA)

EXTRA_DIST += labs/README.md labs/embed.sh $(LABS_LUA_FILES)

# Unit suites of the lab runtime.
if HAVE_CHECK
check_PROGRAMS += tests/check_labvm tests/check_labfs tests/check_labapi
TESTS += tests/check_labvm tests/check_labfs tests/check_labapi
tests_check_labvm_SOURCES = tests/check_labvm.c
tests_check_labvm_CFLAGS = $(UNIT_CFLAGS_ALL)
tests_check_labvm_LDADD = $(UNIT_LIBS)
tests_check_labfs_SOURCES = tests/check_labfs.c
tests_check_labfs_CFLAGS = $(UNIT_CFLAGS_ALL)
tests_check_labfs_LDADD = $(UNIT_LIBS)
tests_check_labapi_SOURCES = tests/check_labapi.c
tests_check_labapi_CFLAGS = $(UNIT_CFLAGS_ALL)
tests_check_labapi_LDADD = $(UNIT_LIBS)
endif

# `lab test` on the host as root (no cells, so at every test level).
TESTS += tests/labs/none-as-root.sh
# `lab test` on the host finds labhub-roa next to labhub and runs one scenario at a time.
TESTS += tests/labs/none-tools.sh
