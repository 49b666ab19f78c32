/*
 * seccomp: the system calls a cell may make.  An allowlist in the spirit
 * of Docker's default profile, enough for bash, coreutils, compilers and
 * the lab daemons (nsd, unbound, bird, rpki-client, busybox).  Unknown or
 * new system calls fail with ENOSYS (so libc falls back, e.g. clone3 ->
 * clone, where the flags can be inspected); the calls that widen the
 * kernel surface (SANDBOX-TESTS.md) fail with EPERM; loading kernel code
 * or a new kernel kills the process (SIGSYS).  Other architectures' entry
 * points (i386 int 0x80, x32) kill.
 *
 * The filter is compiled by libseccomp at build time (this file built with
 * -DSECCOMP_GENERATOR prints it as C, see sandbox/local.mk; a unit test
 * checks that it equals what libseccomp builds at run time), so the parent
 * only hands it to the child; it is loaded inside the cell, by the warden
 * after every other contain step, with no_new_privs: all processes of the
 * cell inherit it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/contain.h"

static const char *const allow[] = {
	"accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk", "capget",
	"capset", "chdir", "chmod", "chown", "clock_getres", "clock_gettime",
	"clock_nanosleep", "close", "close_range", "connect", "copy_file_range", "creat",
	"dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait",
	"epoll_pwait2", "epoll_wait", "eventfd", "eventfd2", "execve", "execveat", "exit",
	"exit_group", "faccessat", "faccessat2", "fadvise64", "fallocate", "fchdir",
	"fchmod", "fchmodat", "fchown", "fchownat", "fcntl", "fdatasync", "fgetxattr",
	"flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstatfs",
	"fsync", "ftruncate", "futex", "futex_waitv", "get_mempolicy", "get_robust_list",
	"getcpu", "getcwd", "getdents", "getdents64", "getegid", "geteuid", "getgid",
	"getgroups", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid",
	"getpriority", "getrandom", "getresgid", "getresuid", "getrlimit", "getrusage",
	"getsid", "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid",
	"getxattr", "inotify_add_watch", "inotify_init", "inotify_init1",
	"inotify_rm_watch", "io_cancel", "io_destroy", "io_getevents", "io_pgetevents",
	"io_setup", "io_submit", "ioprio_get", "ioprio_set", "kill", "landlock_add_rule",
	"landlock_create_ruleset", "landlock_restrict_self", "lchown", "lgetxattr", "link",
	"linkat", "listen", "listxattr", "llistxattr", "lremovexattr", "lseek", "lsetxattr",
	"lstat", "madvise", "mbind", "membarrier", "memfd_create", "mincore", "mkdir",
	"mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mprotect",
	"mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedsend",
	"mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock",
	"munlockall", "munmap", "nanosleep", "newfstatat", "open", "openat", "openat2",
	"pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "poll", "ppoll",
	"prctl", "pread64", "preadv", "preadv2", "prlimit64", "pselect6", "pwrite64",
	"pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv",
	"recvfrom", "recvmmsg", "recvmsg", "remap_file_pages", "removexattr", "rename",
	"renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction",
	"rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
	"rt_sigsuspend", "rt_sigtimedwait", "rt_tgsigqueueinfo", "sched_get_priority_max",
	"sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam",
	"sched_getscheduler", "sched_rr_get_interval", "sched_setaffinity",
	"sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
	"select", "semctl", "semget", "semop", "semtimedop", "sendfile", "sendmmsg",
	"sendmsg", "sendto", "set_mempolicy", "set_robust_list", "set_thread_area",
	"set_tid_address", "setfsgid", "setfsuid", "setgid", "setgroups", "setitimer",
	"setpgid", "setpriority", "setregid", "setresgid", "setresuid", "setreuid",
	"setrlimit", "setsid", "setsockopt", "setuid", "setxattr", "shmat", "shmctl",
	"shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4", "socket",
	"socketpair", "splice", "stat", "statfs", "statx", "symlink", "symlinkat", "sync",
	"sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
	"timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime",
	"timerfd_create", "timerfd_gettime", "timerfd_settime", "times", "tkill",
	"truncate", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat", "utimes",
	"vfork", "wait4", "waitid", "write", "writev", "getpmsg", "process_mrelease",
	"cachestat", "map_shadow_stack", "fchmodat2",
};

/* Refused with EPERM: each widens what a cell can reach (SANDBOX-TESTS.md). */
static const char *const deny[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
	"keyctl", "add_key", "request_key", "bpf", "userfaultfd", "perf_event_open",
	"io_uring_setup", "io_uring_enter", "io_uring_register", "unshare", "setns",
	"mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount",
	"fspick", "open_tree", "move_mount", "mount_setattr", "swapon", "swapoff",
	"reboot", "syslog", "acct", "quotactl", "quotactl_fd", "lookup_dcookie",
	"name_to_handle_at", "open_by_handle_at", "sethostname", "setdomainname",
	"iopl", "ioperm", "settimeofday", "clock_settime", "adjtimex", "clock_adjtime",
	"vhangup", "uselib", "ustat", "sysfs", "_sysctl", "fanotify_init", "fanotify_mark",
	"memfd_secret", "nfsservctl", "mseal",
};

/* Kill: loading code into, or replacing, the kernel. */
static const char *const kill_calls[] = {
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
	"create_module",
};

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
	CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME)

static int
add_list(scmp_filter_ctx ctx, uint32_t action, const char *const *names, size_t n)
{
	size_t i;
	int nr;

	for (i = 0; i < n; i++) {
		nr = seccomp_syscall_resolve_name(names[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;	/* not on this architecture / libseccomp */
		if (seccomp_rule_add(ctx, action, nr, 0) < 0)
			return -1;
	}
	return 0;
}

/*
 * ioctl: everything but TIOCSTI and TIOCLINUX (typing into a terminal,
 * CVE-2017-5226; console control).  The kernel reads the request as an
 * unsigned int, so only the low 32 bits may be compared, and libseccomp
 * allows one comparison per argument per rule.  So: allow every request
 * that differs from the denied ones in a bit where those agree (one
 * masked rule per bit), and decide the few remaining values one by one.
 */
static int
add_ioctl(scmp_filter_ctx ctx)
{
	static const uint32_t denied[] = { TIOCSTI, TIOCLINUX };
	const size_t nd = sizeof denied / sizeof denied[0];
	uint32_t differ = 0, v, sub;
	size_t i;
	int b;

	for (i = 1; i < nd; i++)
		differ |= denied[i] ^ denied[0];
	for (b = 0; b < 32; b++) {
		uint32_t bit = 1u << b;

		if (differ & bit)
			continue;
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
			SCMP_A1(SCMP_CMP_MASKED_EQ, bit, ~denied[0] & bit)) < 0)
			return -1;
	}
	/* every value that agrees with the denied ones outside `differ` */
	sub = 0;
	do {
		uint32_t action = SCMP_ACT_ALLOW;

		v = (denied[0] & ~differ) | sub;
		for (i = 0; i < nd; i++)
			if (v == denied[i])
				action = SCMP_ACT_ERRNO(EPERM);
		if (seccomp_rule_add(ctx, action, SCMP_SYS(ioctl), 1,
			SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, v)) < 0)
			return -1;
		sub = (sub - differ) & differ;	/* next subset of differ */
	} while (sub != 0);
	return 0;
}

static int
add_rules(scmp_filter_ctx ctx)
{
	static const unsigned long personas[] = { 0, 0x0008 /* PER_LINUX32 */,
		0x20000 /* UNAME26 */, 0xffffffff /* query */ };
	unsigned long f;
	size_t i;

	if (add_list(ctx, SCMP_ACT_ALLOW, allow, sizeof allow / sizeof allow[0]) < 0 ||
	    add_list(ctx, SCMP_ACT_ERRNO(EPERM), deny, sizeof deny / sizeof deny[0]) < 0 ||
	    add_list(ctx, SCMP_ACT_KILL_PROCESS, kill_calls, sizeof kill_calls / sizeof kill_calls[0]) < 0)
		return -1;
	if (add_ioctl(ctx) < 0)
		return -1;
	/* clone: threads and forks yes, new namespaces no */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
		SCMP_A0(SCMP_CMP_MASKED_EQ, NS_FLAGS, 0)) < 0)
		return -1;
	for (f = 1; f; f <<= 1) {
		if (!(f & NS_FLAGS))
			continue;
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
			SCMP_A0(SCMP_CMP_MASKED_EQ, f, f)) < 0)
			return -1;
	}
	/* clone3 hides its flags in memory: it gets the default ENOSYS, and glibc
	 * falls back to clone, whose flags are checked above */
	for (i = 0; i < sizeof personas / sizeof personas[0]; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1,
			SCMP_A0(SCMP_CMP_EQ, personas[i])) < 0)
			return -1;
	return 0;
}

static struct sock_fprog *cached;

const void *
seccomp_filter_cached(void)
{
	return cached;
}

/* libseccomp builds the program from the rules above: a malloc'd struct
 * sock_fprog with the program after it, or NULL with err. */
const void *
seccomp_filter_build(char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	struct sock_fprog *prog = NULL;
	off_t len;
	int fd = -1;

	ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
	if (ctx == NULL) {
		snprintf(err, errlen, "seccomp: seccomp_init failed");
		return NULL;
	}
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0 || add_rules(ctx) < 0) {
		snprintf(err, errlen, "seccomp: building the filter failed");
		goto out;
	}
	fd = memfd_create("labhub-seccomp", MFD_CLOEXEC);
	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0 || (len = lseek(fd, 0, SEEK_END)) <= 0 ||
	    len % (off_t)sizeof(struct sock_filter) != 0) {
		snprintf(err, errlen, "seccomp: export of the filter failed");
		goto out;
	}
	prog = malloc(sizeof *prog + (size_t)len);
	if (prog == NULL ||
	    pread(fd, (char *)(prog + 1), (size_t)len, 0) != (ssize_t)len) {
		snprintf(err, errlen, "seccomp: reading the filter failed");
		free(prog);
		prog = NULL;
		goto out;
	}
	prog->len = (unsigned short)(len / (off_t)sizeof(struct sock_filter));
	prog->filter = (struct sock_filter *)(prog + 1);
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return prog;
}

#ifndef SECCOMP_GENERATOR
/* seccomp_bpf_prog[]: this file's rules, built by libseccomp at build time
 * (see sandbox/local.mk), so starting a cell costs no libseccomp work. */
#include "sandbox/seccomp_bpf.h"

const void *
seccomp_filter_compile(char *err, size_t errlen)
{
	static struct sock_fprog pre = {
		.len = sizeof seccomp_bpf_prog / sizeof seccomp_bpf_prog[0],
		.filter = seccomp_bpf_prog,
	};

	(void)err;
	(void)errlen;
	cached = &pre;
	return cached;
}
#else
/* The build-time generator: print the program as C. */
int
contain_fail(struct contain_err *e, const char *fmt, ...)
{
	(void)e;
	(void)fmt;
	return -1;
}

int main(void);

int
main(void)
{
	char err[256];
	const struct sock_fprog *p = seccomp_filter_build(err, sizeof err);
	unsigned i;

	if (p == NULL) {
		fprintf(stderr, "seccomp-gen: %s\n", err);
		return 1;
	}
	printf("/* Generated at build time from sandbox/seccomp.c by libseccomp. Do not edit. */\n"
	    "static struct sock_filter seccomp_bpf_prog[] = {\n");
	for (i = 0; i < p->len; i++)
		printf("\t{ 0x%04x, %u, %u, 0x%08xu },\n", p->filter[i].code, p->filter[i].jt,
		    p->filter[i].jf, p->filter[i].k);
	printf("};\n");
	return 0;
}
#endif
