# server/: the labhub daemon and CLI.
liblabhub_a_SOURCES += \
	server/log.c server/log.h
