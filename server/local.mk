# server/: the labhub daemon and CLI.
liblabhub_a_SOURCES += \
	server/log.c server/log.h \
	server/config.c server/config.h \
	server/exe.c server/exe.h \
	server/proto.c server/proto.h

# config suite (lead)
if HAVE_CHECK
check_PROGRAMS += tests/check_config
TESTS += tests/check_config
tests_check_config_SOURCES = tests/check_config.c
tests_check_config_CFLAGS = $(UNIT_CFLAGS_ALL)
tests_check_config_LDADD = $(UNIT_LIBS)
endif

# proto suite (lead)
if HAVE_CHECK
check_PROGRAMS += tests/check_proto
TESTS += tests/check_proto
tests_check_proto_SOURCES = tests/check_proto.c
tests_check_proto_CFLAGS = $(UNIT_CFLAGS_ALL)
tests_check_proto_LDADD = $(UNIT_LIBS)
endif

# store, auth, rate limiter (store/auth/cli)
liblabhub_a_SOURCES += \
	server/store.c server/store.h \
	server/auth.c server/auth.h \
	server/ratelimit.c server/ratelimit.h \
	server/cliutil.c server/cliutil.h \
	server/cli_user.c server/cli_cohort.c server/cli_db.c

# store/auth/cli suites
if HAVE_CHECK
check_PROGRAMS += tests/check_store
TESTS += tests/check_store
tests_check_store_SOURCES = tests/check_store.c
tests_check_store_CFLAGS = $(UNIT_CFLAGS_ALL)
tests_check_store_LDADD = $(UNIT_LIBS)
check_PROGRAMS += tests/check_auth
TESTS += tests/check_auth
tests_check_auth_SOURCES = tests/check_auth.c
tests_check_auth_CFLAGS = $(UNIT_CFLAGS_ALL)
tests_check_auth_LDADD = $(UNIT_LIBS)
check_PROGRAMS += tests/check_cli
TESTS += tests/check_cli
tests_check_cli_SOURCES = tests/check_cli.c
tests_check_cli_CFLAGS = $(UNIT_CFLAGS_ALL)
tests_check_cli_LDADD = $(UNIT_LIBS)
endif
