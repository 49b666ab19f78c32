# sandbox/: cells (see sandbox/cell.h).  One file per kernel mechanism.
liblabhub_a_SOURCES += \
	sandbox/cell.c sandbox/cell.h sandbox/contain.h \
	sandbox/userns.c sandbox/mount.c sandbox/net.c sandbox/cgroup.c \
	sandbox/rlimit.c sandbox/seccomp.c sandbox/pty.c \
	sandbox/ipc.c sandbox/ipc.h sandbox/warden.c \
	sandbox/cell_cli.c
