/*
 * cell_cli: `labhub cell run`, a command in a fresh cell from the command
 * line, for lab authors, tests and benchmarks.  It exits with the
 * command's status the way bwrap or unshare do (128+N when killed by
 * signal N), 125 when the cell could not be made, 2 for bad usage.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/cell.h"
#include "server/cli.h"
#include "server/exe.h"
#include "server/log.h"

#define EXIT_CELL 125

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: labhub cell run [OPTIONS] -- CMD [ARG...]\n"
	    "\n"
	    "Runs CMD in a fresh cell (new user, pid, mount, net, ipc, uts and cgroup\n"
	    "namespaces, seccomp, limits) and exits with its status.\n"
	    "\n"
	    "Options:\n"
	    "  --workspace DIR   bind DIR at /home/learner (default: an empty tmpfs)\n"
	    "  --workspace-image keep DIR in the ext4 image DIR.img of the workspace limit\n"
	    "                    (a total cap; root with loop devices, else the start fails)\n"
	    "  --lab DIR         bind DIR read-only at /lab\n"
	    "  --limits LIST     e.g. memory=256M,pids=128,cpu=1,cputime=60,workspace=64M,\n"
	    "                    lifetime=4h,idle=30m (defaults shown; 0 = no limit)\n"
	    "  --as WHO          learner (default) or lab\n"
	    "  --tty             run CMD on a pseudo-terminal of the cell\n"
	    "  --id ID           cell id, in messages (default cli-PID)\n"
	    "  -v, --verbose     say what the cell lacks on this host (degraded mode)\n"
	    "  -h, --help        this text\n"
	    "\n"
	    "CMD is looked up in the cell's PATH if it has no slash.\n"
	    "Exit status: CMD's status, 128+N if it was killed by signal N,\n"
	    "125 if the cell could not be started, 2 for bad usage.\n");
}

static volatile sig_atomic_t winch;

static void
on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

/* Relay between our terminal and the PTY master until the process exits. */
static int
relay(struct cell *c, int master, unsigned tag)
{
	struct termios saved, raw;
	int have_tty = isatty(0) && tcgetattr(0, &saved) == 0, code = EXIT_CELL, in_open = 1;
	time_t last_activity = 0;
	char buf[8192];

	if (have_tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
		signal(SIGWINCH, on_winch);
	}
	for (;;) {
		struct pollfd p[3] = { { cell_fd(c), POLLIN, 0 }, { master, POLLIN, 0 },
			{ in_open ? 0 : -1, POLLIN, 0 } };
		struct cell_event ev;
		ssize_t n;

		if (winch) {
			struct winsize ws;

			winch = 0;
			if (ioctl(0, TIOCGWINSZ, &ws) == 0)
				ioctl(master, TIOCSWINSZ, &ws);
		}
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			n = read(master, buf, sizeof buf);
			if (n > 0 && write(1, buf, (size_t)n) < 0)
				break;
		}
		if (p[2].revents) {
			n = read(0, buf, sizeof buf);
			if (n <= 0)
				in_open = 0;
			else if (write(master, buf, (size_t)n) < 0)
				break;
			else if (time(NULL) >= last_activity + 10) {
				/* typing keeps the cell from its idle end; at most every 10 s */
				last_activity = time(NULL);
				cell_notify_activity(c);
			}
		}
		if (p[0].revents) {
			int r = cell_read(c, &ev);

			if (r < 0)
				break;
			if (r == 0)
				continue;
			if (ev.type == CELL_EV_EXIT && ev.tag == tag) {
				/* drain what the process wrote last */
				fcntl(master, F_SETFL, O_NONBLOCK);
				while ((n = read(master, buf, sizeof buf)) > 0 && write(1, buf, (size_t)n) > 0)
					;
				code = ev.signal ? 128 + ev.signal : ev.status;
				cell_event_clear(&ev);
				break;
			}
			if (ev.type == CELL_EV_ENDING) {
				fprintf(stderr, "labhub cell: the cell ended (%s)\n", ev.message);
				cell_event_clear(&ev);
				break;
			}
			cell_event_clear(&ev);
		}
	}
	if (have_tty)
		tcsetattr(0, TCSANOW, &saved);
	return code;
}

static int
run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "workspace", required_argument, NULL, 'w' },
		{ "workspace-image", no_argument, NULL, 'W' },
		{ "lab", required_argument, NULL, 'l' },
		{ "limits", required_argument, NULL, 'L' },
		{ "as", required_argument, NULL, 'a' },
		{ "tty", no_argument, NULL, 't' },
		{ "id", required_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cell_spec spec = { 0 };
	enum cell_as as = CELL_AS_LEARNER;
	char err[2 * PATH_MAX + 128], id[CELL_ID_MAX + 1], path[512], exe[PATH_MAX];
	const char *cmd[CELL_MAX_ARGV + 1];
	int tty = 0, verbose = 0, o, i, code = EXIT_CELL;
	struct cell *c;
	struct cell_event ev;
	const unsigned tag = 1;
	const int stdio[3] = { 0, 1, 2 };

	cell_limits_default(&spec.limits);
	optind = 1;
	while ((o = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (o) {
		case 'w': spec.workspace = optarg; break;
		case 'W': spec.workspace_image = CELL_WS_IMAGE; break;
		case 'l': spec.lab_dir = optarg; break;
		case 'L':
			if (cell_limits_parse(&spec.limits, optarg, err, sizeof err) < 0) {
				fprintf(stderr, "labhub cell run: %s\n", err);
				return EXIT_USAGE;
			}
			break;
		case 'a':
			if (strcmp(optarg, "learner") == 0)
				as = CELL_AS_LEARNER;
			else if (strcmp(optarg, "lab") == 0)
				as = CELL_AS_LAB;
			else {
				fprintf(stderr, "labhub cell run: --as takes 'learner' or 'lab', not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 't': tty = 1; break;
		case 'i': spec.id = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "labhub cell run: try --help\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "labhub cell run: no command given (usage: labhub cell run [OPTIONS] -- CMD [ARG...])\n");
		return EXIT_USAGE;
	}
	if (argc - optind > CELL_MAX_ARGV) {
		fprintf(stderr, "labhub cell run: at most %d arguments\n", CELL_MAX_ARGV);
		return EXIT_USAGE;
	}
	for (i = optind; i < argc; i++)
		cmd[i - optind] = argv[i];
	cmd[argc - optind] = NULL;
	if (strchr(cmd[0], '/') == NULL) {
		/* the cell's PATH: the host /usr is the cell's /usr */
		static const char *const dirs[] = { "/usr/local/bin", "/usr/bin", "/bin",
			"/usr/local/sbin", "/usr/sbin", "/sbin" };
		size_t d;

		for (d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
			snprintf(path, sizeof path, "%s/%s", dirs[d], cmd[0]);
			if (strncmp(dirs[d], "/usr/local", 10) != 0 && access(path, X_OK) == 0)
				break;
		}
		if (d == sizeof dirs / sizeof dirs[0]) {
			fprintf(stderr, "labhub cell run: %s: command not found in the cell's PATH\n", cmd[0]);
			return 127;
		}
		cmd[0] = path;
	}
	/* the cell binds the full program at /run/labhub/labhub (`lab exec` runs
	 * it there), also when this is the small `labhub` of server/front.c */
	if (exe_full(exe, sizeof exe, err, sizeof err) < 0) {
		fprintf(stderr, "labhub cell run: %s\n", err);
		return EXIT_CELL;
	}
	spec.labhub_exe = exe;
	if (spec.id == NULL) {
		snprintf(id, sizeof id, "cli-%d", (int)getpid());
		spec.id = id;
	}
	/* one cell, and this small process holds nothing it must not see */
	cell_single_use();
	if (cell_start(&spec, &c, err, sizeof err) < 0) {
		fprintf(stderr, "labhub cell run: %s\n", err);
		return EXIT_CELL;
	}
	if (verbose && cell_degraded(c))
		fprintf(stderr, "labhub cell run: degraded: %s\n", cell_degraded_text(c));
	if (cell_request_spawn(c, tag, cmd, as, tty, 0, 0, tty ? NULL : stdio) < 0) {
		fprintf(stderr, "labhub cell run: spawn request: %s\n", strerror(errno));
		cell_stop(c);
		return EXIT_CELL;
	}
	for (;;) {
		int r = cell_wait_event(c, &ev, -1);

		if (r < 0) {
			fprintf(stderr, "labhub cell run: lost the cell: %s\n", strerror(errno));
			break;
		}
		if (r == 0)
			continue;
		if (ev.type == CELL_EV_ERROR) {
			fprintf(stderr, "labhub cell run: %s\n", ev.message);
			cell_event_clear(&ev);
			break;
		}
		if (ev.type == CELL_EV_ENDING) {
			fprintf(stderr, "labhub cell run: the cell ended (%s)\n", ev.message);
			code = 124;
			cell_event_clear(&ev);
			break;
		}
		if (ev.type == CELL_EV_SPAWNED && ev.tag == tag) {
			if (tty) {
				int master = ev.fd;

				ev.fd = -1;
				cell_event_clear(&ev);
				if (master < 0) {
					fprintf(stderr, "labhub cell run: no terminal from the cell\n");
					break;
				}
				code = relay(c, master, tag);
				close(master);
				break;
			}
			cell_event_clear(&ev);
			continue;
		}
		if (ev.type == CELL_EV_EXIT && ev.tag == tag) {
			code = ev.signal ? 128 + ev.signal : ev.status;
			cell_event_clear(&ev);
			break;
		}
		cell_event_clear(&ev);
	}
	cell_stop(c);
	return code;
}

int
cell_cli_main(int argc, char **argv)
{
	log_set_tag("cell");
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "run") == 0)
		return run(argc - 1, argv + 1);
	fprintf(stderr, "labhub cell: unknown command '%s' (try 'labhub cell --help')\n", argv[1]);
	return EXIT_USAGE;
}
