# server/: the labhub daemon and CLI.
liblabhub_a_SOURCES += \
	server/log.c server/log.h \
	server/config.c server/config.h \
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
