/*
 * warden: PID 1 of a cell.  It reaps every process of the cell (orphans
 * are reparented to it), serves the supervisor's requests from the IPC
 * socket, and ends the cell when the supervisor asks, when the socket
 * closes (the supervisor died), or when the lifetime or idle limit passes.
 * When it exits the kernel kills everything left in the pid namespace.
 *
 * Requests (sandbox/ipc.h):
 *   spawn {tag, argv, as, tty, rows, cols} [+3 stdio fds]  -> spawned {tag, pid} [+PTY master]
 *                                                          ... exit {tag, pid, status|signal}
 *   exec  {tag, argv, as, stdin, timeout_ms}               -> result {tag, status|signal,
 *                                                             stdout, stderr, timed_out, truncated}
 *   activity {} (resets idle), stop {}                     -> ending {reason}
 * Every request field is checked; a malformed frame ends the cell.
 *
 * Single-threaded poll() loop: signalfd for SIGCHLD, the IPC socket, and
 * the pipes of running exec requests.  No request can block it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/contain.h"
#include "sandbox/ipc.h"

#define MAX_PROCS 64
#define EXIT_GRACE_MS 200	/* after an exec child exits, wait this long for its pipes */

struct wproc {
	int used;
	pid_t pid;
	unsigned tag;
	int is_exec, exited, status;
	int in_fd, out_fd, err_fd;
	char *in;
	size_t inlen, inoff;
	char out[CELL_EXEC_MAX_STDOUT], err[CELL_EXEC_MAX_STDERR];
	size_t outlen, errlen;
	int truncated, timed_out;
	long long deadline, exit_at;
};

static struct wproc procs[MAX_PROCS];
static const struct contain_ctx *ctx;
static int sock;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void __attribute__((noreturn))
end(const char *reason)
{
	json_t *o = json_pack("{s:s}", "reason", reason);

	if (o) {
		ipc_send(sock, IPC_ENDING, o, NULL, 0);
		json_decref(o);
	}
	_exit(0);
}

static void
reply_error(unsigned tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
reply_error(unsigned tag, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	o = json_pack("{s:I,s:s}", "tag", (json_int_t)tag, "message", msg);
	if (o) {
		ipc_send(sock, IPC_ERROR, o, NULL, 0);
		json_decref(o);
	}
}

/*
 * fork() without the atfork handlers: the warden is a clone of the server,
 * whose libraries registered handlers for the server's own descriptors
 * (libuv's reopens its signal pipe in the child, closing whatever the warden
 * now has at those numbers, e.g. the pipe meant to be the child's stdout).
 */
static pid_t
warden_fork(void)
{
	return _Fork();
}

static struct wproc *
slot(void)
{
	int i;

	for (i = 0; i < MAX_PROCS; i++)
		if (!procs[i].used) {
			memset(&procs[i], 0, sizeof procs[i]);
			procs[i].used = 1;
			procs[i].in_fd = procs[i].out_fd = procs[i].err_fd = -1;
			return &procs[i];
		}
	return NULL;
}

/* argv from JSON: array of 1..CELL_MAX_ARGV strings, argv[0] absolute. */
static int
parse_argv(json_t *a, const char **argv)
{
	size_t i, n;

	if (!json_is_array(a) || (n = json_array_size(a)) == 0 || n > CELL_MAX_ARGV)
		return -1;
	for (i = 0; i < n; i++) {
		json_t *s = json_array_get(a, i);

		if (!json_is_string(s))
			return -1;
		argv[i] = json_string_value(s);
	}
	argv[n] = NULL;
	return argv[0][0] == '/' ? 0 : -1;
}

static void __attribute__((noreturn))
child_exec(const char **argv, int as, int tty)
{
	static const char *const learner_env[] = {
		"PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin:/run/labhub",
		"HOME=/home/learner", "USER=learner", "LOGNAME=learner", "SHELL=/bin/bash",
		"LANG=C.UTF-8", NULL, NULL, NULL,
	};
	const char *env[9];
	unsigned uid = as == CELL_AS_LAB ? ctx->lab_uid : ctx->learner_uid;
	sigset_t all;
	int i;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	memcpy(env, learner_env, sizeof env);
	if (as == CELL_AS_LAB) {
		env[1] = "HOME=/lab";
		env[2] = "USER=lab";
		env[3] = "LOGNAME=lab";
	}
	env[6] = tty ? "TERM=xterm-256color" : "TERM=dumb";
#ifdef LABHUB_DEBUG
	/* sanitizer builds: LeakSanitizer needs ptrace, which cells refuse */
	env[7] = "ASAN_OPTIONS=detect_leaks=0";
#endif
	if (userns_drop_to(uid, ctx->unpriv) < 0) {
		dprintf(2, "labhub warden: dropping privileges failed: %s\n", strerror(errno));
		_exit(126);
	}
	if (chdir("/home/learner") < 0 && chdir("/") < 0)
		_exit(126);
	syscall(SYS_close_range, 3, ~0u, 0);
	execve(argv[0], (char *const *)argv, (char *const *)env);
	dprintf(2, "labhub: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static void
do_spawn(json_t *o, int *fds, int nfds)
{
	const char *argv[CELL_MAX_ARGV + 1];
	json_int_t tag = 0, rows = 24, cols = 80, as = 0;
	int tty = 0, master = -1, i;
	char slave[64];
	json_t *a = NULL, *r;
	struct wproc *p;
	pid_t pid;

	if (json_unpack(o, "{s:I,s:o,s?I,s?b,s?I,s?I}", "tag", &tag, "argv", &a, "as", &as,
		"tty", &tty, "rows", &rows, "cols", &cols) < 0 || parse_argv(a, argv) < 0 ||
	    tag < 0 || tag > 0xffffffffLL || (as != CELL_AS_LEARNER && as != CELL_AS_LAB) ||
	    rows < 1 || rows > 1000 || cols < 1 || cols > 1000 || (nfds != 0 && nfds != 3) ||
	    (tty && nfds)) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		end("malformed spawn request");
	}
	p = slot();
	if (p == NULL) {
		reply_error((unsigned)tag, "spawn: too many processes in flight");
		goto out;
	}
	if (tty && pty_open((unsigned)rows, (unsigned)cols, &master, slave, sizeof slave) < 0) {
		reply_error((unsigned)tag, "spawn: open pty: %s", strerror(errno));
		p->used = 0;
		goto out;
	}
	pid = warden_fork();
	if (pid < 0) {
		reply_error((unsigned)tag, "spawn: fork: %s", strerror(errno));
		p->used = 0;
		goto out;
	}
	if (pid == 0) {
		if (tty) {
			if (pty_make_controlling(slave) < 0)
				_exit(126);
		} else {
			int null = open("/dev/null", O_RDWR);

			setsid();
			for (i = 0; i < 3; i++)
				if (dup2(nfds ? fds[i] : null, i) < 0)
					_exit(126);
		}
		child_exec(argv, (int)as, tty);
	}
	p->pid = pid;
	p->tag = (unsigned)tag;
	r = json_pack("{s:I,s:i}", "tag", tag, "pid", (int)pid);
	if (r == NULL || ipc_send(sock, IPC_SPAWNED, r, master >= 0 ? &master : NULL, master >= 0) < 0)
		end("ipc send failed");
	json_decref(r);
out:
	if (master >= 0)
		close(master);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

static void
do_exec(json_t *o)
{
	const char *argv[CELL_MAX_ARGV + 1];
	json_int_t tag = 0, as = 0, timeout = 10000;
	const char *in = "";
	size_t inlen = 0;
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	json_t *a = NULL;
	struct wproc *p;
	pid_t pid;

	if (json_unpack(o, "{s:I,s:o,s?I,s?s%,s?I}", "tag", &tag, "argv", &a, "as", &as,
		"stdin", &in, &inlen, "timeout_ms", &timeout) < 0 || parse_argv(a, argv) < 0 ||
	    tag < 0 || tag > 0xffffffffLL || (as != CELL_AS_LEARNER && as != CELL_AS_LAB) ||
	    inlen > CELL_EXEC_MAX_STDIN || timeout < 1 || timeout > 24 * 3600 * 1000)
		end("malformed exec request");
	p = slot();
	if (p == NULL) {
		reply_error((unsigned)tag, "exec: too many processes in flight");
		return;
	}
	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0) {
		reply_error((unsigned)tag, "exec: pipe: %s", strerror(errno));
		goto fail;
	}
	pid = warden_fork();
	if (pid < 0) {
		reply_error((unsigned)tag, "exec: fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		setsid();
		if (dup2(pin[0], 0) < 0 || dup2(pout[1], 1) < 0 || dup2(perr[1], 2) < 0)
			_exit(126);
		child_exec(argv, (int)as, 0);
	}
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	fcntl(pin[1], F_SETFL, O_NONBLOCK);
	fcntl(pout[0], F_SETFL, O_NONBLOCK);
	fcntl(perr[0], F_SETFL, O_NONBLOCK);
	p->pid = pid;
	p->tag = (unsigned)tag;
	p->is_exec = 1;
	p->in_fd = pin[1];
	p->out_fd = pout[0];
	p->err_fd = perr[0];
	p->deadline = now_ms() + timeout;
	if (inlen) {
		p->in = malloc(inlen);
		if (p->in == NULL)
			end("out of memory");
		memcpy(p->in, in, inlen);
		p->inlen = inlen;
	} else {
		close(p->in_fd);
		p->in_fd = -1;
	}
	return;
fail:
	p->used = 0;
	close(pin[0]), close(pin[1]), close(pout[0]), close(pout[1]), close(perr[0]), close(perr[1]);
}

/* JSON strings must be UTF-8: if the output is not, replace non-ASCII bytes. */
static json_t *
text(char *buf, size_t len)
{
	json_t *s = json_stringn(buf, len);
	size_t i;

	if (s)
		return s;
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] >= 0x80 || buf[i] == 0)
			buf[i] = '?';
	return json_stringn(buf, len);
}

static void
finish_exec(struct wproc *p)
{
	json_t *r;

	r = json_pack("{s:I,s:i,s:i,s:o,s:o,s:b,s:b}", "tag", (json_int_t)p->tag,
	    "status", WIFEXITED(p->status) ? WEXITSTATUS(p->status) : -1,
	    "signal", WIFSIGNALED(p->status) ? WTERMSIG(p->status) : 0,
	    "stdout", text(p->out, p->outlen), "stderr", text(p->err, p->errlen),
	    "timed_out", p->timed_out, "truncated", p->truncated);
	if (r == NULL || ipc_send(sock, IPC_RESULT, r, NULL, 0) < 0)
		end("ipc send failed");
	json_decref(r);
	if (p->in_fd >= 0)
		close(p->in_fd);
	if (p->out_fd >= 0)
		close(p->out_fd);
	if (p->err_fd >= 0)
		close(p->err_fd);
	free(p->in);
	p->used = 0;
}

static void
drain(struct wproc *p, int *fd, char *buf, size_t cap, size_t *len)
{
	char junk[4096];
	ssize_t n;

	for (;;) {
		if (*len < cap)
			n = read(*fd, buf + *len, cap - *len);
		else
			n = read(*fd, junk, sizeof junk);
		if (n > 0) {
			if (*len < cap)
				*len += (size_t)n;
			else
				p->truncated = 1;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(*fd);
			*fd = -1;
		}
		return;
	}
}

static void
reap(void)
{
	int status, i;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < MAX_PROCS; i++) {
			struct wproc *p = &procs[i];
			json_t *r;

			if (!p->used || p->pid != pid || p->exited)
				continue;
			p->exited = 1;
			p->status = status;
			p->exit_at = now_ms();
			if (p->is_exec) {
				/* grandchildren holding the pipes die with the session */
				kill(-pid, SIGKILL);
				break;
			}
			r = json_pack("{s:I,s:i,s:i,s:i}", "tag", (json_int_t)p->tag, "pid", (int)pid,
			    "status", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			    "signal", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
			if (r == NULL || ipc_send(sock, IPC_EXIT, r, NULL, 0) < 0)
				end("ipc send failed");
			json_decref(r);
			p->used = 0;
			break;
		}
	}
}

static void
handle_frame(long long *last_activity)
{
	int type, fds[IPC_MAX_FDS], nfds = 0;
	json_t *o;

	if (ipc_recv(sock, &type, &o, fds, &nfds) < 0) {
		if (errno == EAGAIN)
			return;
		end(errno == ECONNRESET ? "supervisor gone" : "malformed frame");
	}
	*last_activity = now_ms();
	switch (type) {
	case IPC_SPAWN:
		do_spawn(o, fds, nfds);
		nfds = 0;
		break;
	case IPC_EXEC:
		do_exec(o);
		break;
	case IPC_ACTIVITY:
		break;
	case IPC_STOP:
		end("stop");
	default:
		end("unexpected frame");
	}
	while (nfds > 0)
		close(fds[--nfds]);
	json_decref(o);
}

void
warden_main(int s, const struct contain_ctx *x)
{
	struct pollfd pfd[2 + 3 * MAX_PROCS];
	struct wproc *map[2 + 3 * MAX_PROCS];
	long long started = now_ms(), last_activity = started, t, next;
	sigset_t chld;
	int sfd, n, i, k, timeout;
	json_t *o;

	sock = s;
	ctx = x;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		end("signalfd failed");
	fcntl(sock, F_SETFL, O_NONBLOCK);
	o = json_pack("{s:i,s:i}", "learner_uid", (int)x->learner_uid, "lab_uid", (int)x->lab_uid);
	if (o == NULL || ipc_send(sock, IPC_READY, o, NULL, 0) < 0)
		_exit(1);
	json_decref(o);

	for (;;) {
		t = now_ms();
		if (x->limits.lifetime_s && t >= started + x->limits.lifetime_s * 1000LL)
			end("lifetime");
		if (x->limits.idle_s && t >= last_activity + x->limits.idle_s * 1000LL)
			end("idle");
		next = t + 60000;
		if (x->limits.lifetime_s && started + x->limits.lifetime_s * 1000LL < next)
			next = started + x->limits.lifetime_s * 1000LL;
		if (x->limits.idle_s && last_activity + x->limits.idle_s * 1000LL < next)
			next = last_activity + x->limits.idle_s * 1000LL;
		n = 0;
		pfd[n].fd = sock, pfd[n].events = POLLIN, map[n++] = NULL;
		pfd[n].fd = sfd, pfd[n].events = POLLIN, map[n++] = NULL;
		for (i = 0; i < MAX_PROCS; i++) {
			struct wproc *p = &procs[i];

			if (!p->used || !p->is_exec)
				continue;
			if (!p->exited && t >= p->deadline) {
				p->timed_out = 1;
				kill(-p->pid, SIGKILL);
				kill(p->pid, SIGKILL);
			}
			if (p->exited && ((p->out_fd < 0 && p->err_fd < 0) || t >= p->exit_at + EXIT_GRACE_MS)) {
				finish_exec(p);
				continue;
			}
			if (!p->exited && p->deadline < next)
				next = p->deadline;
			if (p->exited && p->exit_at + EXIT_GRACE_MS < next)
				next = p->exit_at + EXIT_GRACE_MS;
			if (p->in_fd >= 0)
				pfd[n].fd = p->in_fd, pfd[n].events = POLLOUT, map[n++] = p;
			if (p->out_fd >= 0)
				pfd[n].fd = p->out_fd, pfd[n].events = POLLIN, map[n++] = p;
			if (p->err_fd >= 0)
				pfd[n].fd = p->err_fd, pfd[n].events = POLLIN, map[n++] = p;
		}
		timeout = next > t ? (int)(next - t) : 0;
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			end("poll failed");
		}
		if (pfd[1].revents) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof si) > 0)
				;
			reap();
		}
		for (k = 2; k < n; k++) {
			struct wproc *p = map[k];

			if (!pfd[k].revents || !p->used)
				continue;
			if (pfd[k].fd == p->in_fd) {
				ssize_t w = write(p->in_fd, p->in + p->inoff, p->inlen - p->inoff);

				if (w > 0)
					p->inoff += (size_t)w;
				if ((w < 0 && errno != EAGAIN) || p->inoff == p->inlen) {
					close(p->in_fd);
					p->in_fd = -1;
				}
			} else if (pfd[k].fd == p->out_fd) {
				drain(p, &p->out_fd, p->out, sizeof p->out, &p->outlen);
			} else if (pfd[k].fd == p->err_fd) {
				drain(p, &p->err_fd, p->err, sizeof p->err, &p->errlen);
			}
		}
		if (pfd[0].revents)
			handle_frame(&last_activity);
	}
}
