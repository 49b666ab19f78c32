/*
 * tests/bench/pty-rate: the ceiling of terminal output on this machine.
 *
 *   pty-rate [SHELL-COMMAND]     (default: head -c 100M /dev/zero | base64)
 *
 * Runs the command on a fresh PTY (default termios, as a terminal server
 * gives its shell) and reads the master side the way a terminal server's
 * loop does, poll() and then read until EAGAIN into a 64 KiB buffer, but
 * with nothing else to do: no WebSocket, no frames, no other sessions.
 * It is not a strict upper bound (how much a read finds depends on when the
 * reader wakes), but it shows what one PTY gives on this machine: a server
 * far above it would be measuring something else.  Prints one JSON object:
 * {"bytes":N,"seconds":S,"mbps":MB/s (10^6),"reads":R}.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static char buf[65536];
	const char *cmd = argc > 1 ? argv[1] : "head -c 100M /dev/zero | base64";
	long long total = 0, reads = 0;
	double t0, secs;
	int master, status;
	pid_t pid;

	if (argc > 2 || (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))) {
		fprintf(argc > 2 ? stderr : stdout, "usage: pty-rate [SHELL-COMMAND]\n");
		return argc > 2 ? 2 : 0;
	}
	t0 = now_s();
	pid = forkpty(&master, NULL, NULL, NULL);
	if (pid < 0) {
		fprintf(stderr, "pty-rate: forkpty: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	for (;;) {
		struct pollfd pfd = { .fd = master, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			break;
		while ((n = read(master, buf, sizeof buf)) > 0) {
			total += n;
			reads++;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		break;		/* EIO or 0: the command and the slave side are gone */
	}
	secs = now_s() - t0;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "pty-rate: the command failed\n");
		return 1;
	}
	printf("{\"bytes\":%lld,\"seconds\":%.3f,\"mbps\":%.2f,\"reads\":%lld}\n", total, secs,
	    (double)total / 1e6 / secs, reads);
	return 0;
}
