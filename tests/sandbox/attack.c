/*
 * attack: one hostile action per invocation, run inside a real cell by
 * tests/check_sandbox_escape.c.  It prints what the kernel said (an errno
 * name, "OK", or a measurement) on stdout and exits 0; the test decides
 * whether that is the expected outcome.  Kept free of sanitizers and
 * libraries so it runs the same in every build.
 *
 *   attack NAME [ARGS...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef __NR_fsopen
#define __NR_fsopen 430
#endif
#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif
#ifndef __NR_move_mount
#define __NR_move_mount 429
#endif

static const char *
ename(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOSYS: return "ENOSYS";
	case EINVAL: return "EINVAL";
	case ENETUNREACH: return "ENETUNREACH";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ESRCH: return "ESRCH";
	case EAGAIN: return "EAGAIN";
	case ENOSPC: return "ENOSPC";
	case EFBIG: return "EFBIG";
	case EROFS: return "EROFS";
	case ENOENT: return "ENOENT";
	case EFAULT: return "EFAULT";
	case EBADF: return "EBADF";
	case EBUSY: return "EBUSY";
	case ENOMEM: return "ENOMEM";
	default: {
		static char buf[32];
		snprintf(buf, sizeof buf, "E%d", e);
		return buf;
	}
	}
}

/* print the outcome of a syscall-like call: OK or the errno name */
static int
say(long r)
{
	puts(r < 0 ? ename(errno) : "OK");
	return 0;
}

static int
do_fill(const char *path)
{
	char buf[65536];
	long long total = 0;
	int fd;

	signal(SIGXFSZ, SIG_IGN);
	memset(buf, 'x', sizeof buf);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return say(-1);
	for (;;) {
		ssize_t w = write(fd, buf, sizeof buf);

		if (w < 0) {
			printf("%s %lld\n", ename(errno), total);
			return 0;
		}
		total += w;
		if (total > (1ll << 32)) {
			printf("OK %lld\n", total);
			return 0;
		}
	}
}

static int
do_forkbomb(void)
{
	int n = 0, err = 0;
	pid_t p;

	for (;;) {
		p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			err = errno;
			break;
		}
		if (++n > 100000)
			break;
	}
	printf("%s %d\n", err ? ename(err) : "OK", n);
	fflush(stdout);
	kill(0, SIGKILL);
	return 0;
}

static int
do_alloc(long mb)
{
	long i;

	for (i = 0; i < mb; i++) {
		char *p = malloc(1 << 20);

		if (p == NULL) {
			printf("ENOMEM %ld\n", i);
			return 0;
		}
		memset(p, 1, 1 << 20);
	}
	printf("OK %ld\n", mb);
	return 0;
}

static int
do_spin(long ms)
{
	struct timespec a, b;
	struct rusage ru;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
	getrusage(RUSAGE_SELF, &ru);
	printf("%ld\n", ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 +
	    ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000);
	return 0;
}

static int
do_connect(const char *ip, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int s = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, ip, &sa.sin_addr);
	return say(connect(s, (struct sockaddr *)&sa, sizeof sa));
}

static int
do_listen(int port, int secs)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 8) < 0)
		return say(-1);
	puts("LISTENING");
	fflush(stdout);
	sleep((unsigned)secs);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *a = argc > 1 ? argv[1] : "";
	char c = 'Q';

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(a, "ptrace_traceme"))
		return say(ptrace(PTRACE_TRACEME, 0, 0, 0));
	if (!strcmp(a, "ptrace_attach")) {
		pid_t p = fork();

		if (p == 0) {
			pause();
			_exit(0);
		}
		say(ptrace(PTRACE_ATTACH, p, 0, 0));
		kill(p, SIGKILL);
		return 0;
	}
	if (!strcmp(a, "tiocsti"))
		return say(ioctl(0, TIOCSTI, &c));
	if (!strcmp(a, "tioclinux")) {
		char sub = 12;	/* TIOCL_GETKMSGREDIRECT */

		return say(ioctl(0, TIOCLINUX, &sub));
	}
	if (!strcmp(a, "keyctl"))
		return say(syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
	if (!strcmp(a, "add_key"))
		return say(syscall(SYS_add_key, "user", "x", "y", 1, -3));
	if (!strcmp(a, "request_key"))
		return say(syscall(SYS_request_key, "user", "x", NULL, -3));
	if (!strcmp(a, "bpf")) {
		union bpf_attr at;

		memset(&at, 0, sizeof at);
		at.map_type = BPF_MAP_TYPE_ARRAY;
		at.key_size = 4;
		at.value_size = 4;
		at.max_entries = 1;
		return say(syscall(SYS_bpf, BPF_MAP_CREATE, &at, sizeof at));
	}
	if (!strcmp(a, "userfaultfd"))
		return say(syscall(SYS_userfaultfd, 0));
	if (!strcmp(a, "perf_event_open")) {
		struct perf_event_attr pe;

		memset(&pe, 0, sizeof pe);
		pe.type = PERF_TYPE_SOFTWARE;
		pe.size = sizeof pe;
		pe.config = PERF_COUNT_SW_CPU_CLOCK;
		return say(syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0));
	}
	if (!strcmp(a, "io_uring")) {
		char params[120];

		memset(params, 0, sizeof params);
		return say(syscall(__NR_io_uring_setup, 8, params));
	}
	if (!strcmp(a, "unshare_user"))
		return say(unshare(CLONE_NEWUSER));
	if (!strcmp(a, "unshare_net"))
		return say(unshare(CLONE_NEWNET));
	if (!strcmp(a, "clone_newns") || !strcmp(a, "clone_newuser")) {
		long r = syscall(SYS_clone, (!strcmp(a, "clone_newns") ? CLONE_NEWNS : CLONE_NEWUSER) | SIGCHLD,
		    NULL, NULL, NULL, NULL);

		if (r == 0)
			_exit(0);
		if (r > 0)
			waitpid((pid_t)r, NULL, 0);
		return say(r);
	}
	if (!strcmp(a, "clone3_newuser")) {
		uint64_t args[11];
		long r;

		memset(args, 0, sizeof args);
		args[0] = CLONE_NEWUSER;
		args[4] = SIGCHLD;	/* exit_signal */
		r = syscall(__NR_clone3, args, 88);
		if (r == 0)
			_exit(0);
		return say(r);
	}
	if (!strcmp(a, "mount"))
		return say(mount("tmpfs", "/tmp", "tmpfs", 0, NULL));
	if (!strcmp(a, "umount2"))
		return say(umount2("/usr", MNT_DETACH));
	if (!strcmp(a, "pivot_root"))
		return say(syscall(SYS_pivot_root, "/tmp", "/tmp"));
	if (!strcmp(a, "fsopen"))
		return say(syscall(__NR_fsopen, "tmpfs", 0));
	if (!strcmp(a, "open_tree"))
		return say(syscall(__NR_open_tree, AT_FDCWD, "/usr", 1 /* OPEN_TREE_CLONE */));
	if (!strcmp(a, "move_mount"))
		return say(syscall(__NR_move_mount, AT_FDCWD, "/usr", AT_FDCWD, "/tmp", 0));
	if (!strcmp(a, "setns")) {
		int fd = open("/proc/1/ns/mnt", O_RDONLY);

		if (fd < 0)
			fd = 0;
		return say(setns(fd, 0));
	}
	if (!strcmp(a, "chroot"))
		return say(chroot("/tmp"));
	if (!strcmp(a, "init_module"))
		return say(syscall(SYS_init_module, NULL, 0, ""));
	if (!strcmp(a, "finit_module"))
		return say(syscall(SYS_finit_module, 0, "", 0));
	if (!strcmp(a, "kexec_load"))
		return say(syscall(SYS_kexec_load, 0, 0, NULL, 0));
	if (!strcmp(a, "status")) {
		char line[256];
		FILE *f = fopen("/proc/self/status", "r");

		while (f && fgets(line, sizeof line, f))
			if (!strncmp(line, "CapEff:", 7) || !strncmp(line, "CapPrm:", 7) ||
			    !strncmp(line, "NoNewPrivs:", 11) || !strncmp(line, "Seccomp:", 8))
				fputs(line, stdout);
		return 0;
	}
	if (!strcmp(a, "euid")) {
		printf("%d %d\n", (int)getuid(), (int)geteuid());
		return 0;
	}
	if (!strcmp(a, "nosuid")) {
		struct statvfs v;

		if (statvfs(argc > 2 ? argv[2] : "/usr", &v) < 0)
			return say(-1);
		puts(v.f_flag & ST_NOSUID ? "NOSUID" : "SUID");
		return 0;
	}
	if (!strcmp(a, "su")) {
		pid_t p = fork();
		int st;

		if (p == 0) {
			int null = open("/dev/null", O_RDONLY);

			dup2(null, 0);
			execl("/usr/bin/su", "su", "-c", "/usr/bin/id -u", "root", (char *)NULL);
			_exit(127);
		}
		waitpid(p, &st, 0);
		printf("%d %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1, (int)geteuid());
		return 0;
	}
	if (!strcmp(a, "open") && argc > 2) {
		int fd = open(argv[2], O_RDONLY);

		return say(fd);
	}
	if (!strcmp(a, "write") && argc > 2)
		return say(open(argv[2], O_WRONLY | O_CREAT, 0644));
	if (!strcmp(a, "kill_all"))
		return say(kill(-1, SIGKILL));
	if (!strcmp(a, "kill") && argc > 2)
		return say(kill(atoi(argv[2]), SIGKILL));
	if (!strcmp(a, "procs")) {
		DIR *d = opendir("/proc");
		struct dirent *de;
		int n = 0;

		while (d && (de = readdir(d)))
			if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
				n++;
		printf("%d\n", n);
		return 0;
	}
	if (!strcmp(a, "pslist")) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		while (d && (de = readdir(d)))
			if (de->d_name[0] >= '0' && de->d_name[0] <= '9') {
				char p[300], buf[300] = "";
				FILE *f;

				snprintf(p, sizeof p, "/proc/%s/stat", de->d_name);
				if ((f = fopen(p, "r"))) {
					if (!fgets(buf, sizeof buf, f))
						buf[0] = 0;
					fclose(f);
				}
				buf[strcspn(buf, "\n")] = 0;
				printf("[%s] ", buf);
			}
		puts("");
		return 0;
	}
	if (!strcmp(a, "ifaces")) {
		struct if_nameindex *ifs = if_nameindex(), *i;

		for (i = ifs; i && i->if_index; i++)
			printf("%s%s", i == ifs ? "" : " ", i->if_name);
		puts("");
		return 0;
	}
	if (!strcmp(a, "abstract") && argc > 2) {
		struct sockaddr_un su = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		size_t n = strlen(argv[2]);

		memcpy(su.sun_path + 1, argv[2], n < sizeof su.sun_path - 1 ? n : sizeof su.sun_path - 2);
		return say(connect(fd, (struct sockaddr *)&su, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)));
	}
	if (!strcmp(a, "connect") && argc > 3)
		return do_connect(argv[2], atoi(argv[3]));
	if (!strcmp(a, "listen") && argc > 3)
		return do_listen(atoi(argv[2]), atoi(argv[3]));
	if (!strcmp(a, "fill") && argc > 2)
		return do_fill(argv[2]);
	if (!strcmp(a, "forkbomb"))
		return do_forkbomb();
	if (!strcmp(a, "alloc") && argc > 2)
		return do_alloc(atol(argv[2]));
	if (!strcmp(a, "spin") && argc > 2)
		return do_spin(atol(argv[2]));
	if (!strcmp(a, "daemon")) {
		if (fork() == 0) {
			setsid();
			if (fork() == 0) {
				close(0), close(1), close(2);
				for (;;)
					pause();
			}
			_exit(0);
		}
		wait(NULL);
		puts("OK");
		return 0;
	}
	if (!strcmp(a, "symlink") && argc > 3)
		return say(symlink(argv[2], argv[3]));
	if (!strcmp(a, "sethostname"))
		return say(sethostname("evil", 4));
	if (!strcmp(a, "mknod"))
		return say(mknod("/tmp/null", S_IFCHR | 0666, makedev(1, 3)));
	fprintf(stderr, "attack: unknown '%s'\n", a);
	return 2;
}
