/*
 * proc: run commands for checks with capped output and a timeout, and keep
 * lab services alive between `lab exec` processes through pidfiles.  A
 * pidfile records pid and start time (/proc/PID/stat field 22) so a reused
 * pid is never mistaken for the service, or signalled.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "labs/proc.h"

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void
child_exec(const struct proc_spec *spec, int in, int out, int err)
{
	static const char nostart[] = "labhub: cannot start the program\n";
	sigset_t none;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
	if (syscall(SYS_close_range, 3, ~0U, 0) != 0)	/* may be denied by a seccomp filter */
		for (fd = 3; fd < 4096; fd++)
			close(fd);
	if (spec->cwd != NULL && chdir(spec->cwd) < 0)
		_exit(127);
	if (spec->run_as_other) {
		/* Our pipes are root's 0600 inodes: the other user could use the
		 * fds but not reopen them (`openssl ... -in /dev/stdin` is
		 * /proc/self/fd/0), as it can in a cell where nobody switches. */
		for (fd = 0; fd <= 2; fd++)
			(void)!fchown(fd, spec->uid, spec->gid);
		if (setgroups(0, NULL) < 0 || setgid(spec->gid) < 0 || setuid(spec->uid) < 0)
			_exit(127);
	}
	execvpe(spec->argv[0], (char *const *)spec->argv, (char *const *)spec->env);
	(void)!write(2, nostart, sizeof nostart - 1);
	_exit(127);
}

static void
keep(char **buf, size_t *len, size_t max, const char *data, size_t n, int *truncated)
{
	size_t take = n;

	if (*len + take > max) {
		take = max - *len;
		*truncated = 1;
	}
	memcpy(*buf + *len, data, take);
	*len += take;
}

int
proc_run(const struct proc_spec *spec, struct proc_result *res)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	size_t max = spec->out_max ? spec->out_max : PROC_OUT_MAX, in_off = 0;
	long long deadline = now_ms() + spec->timeout_ms, exited_at = -1;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int status = 0, done = 0, open_fds;
	char chunk[16384];
	pid_t pid;

	memset(res, 0, sizeof *res);
	res->out = malloc(max + 1);
	res->err = malloc(max + 1);
	if (res->out == NULL || res->err == NULL)
		goto fail;
	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0)
		goto fail;
	sigaction(SIGPIPE, &ign, &old);
	pid = fork();
	if (pid < 0) {
		sigaction(SIGPIPE, &old, NULL);
		goto fail;
	}
	if (pid == 0) {
		setpgid(0, 0);
		child_exec(spec, pin[0], pout[1], perr[1]);
	}
	setpgid(pid, pid);
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	pin[0] = pout[1] = perr[1] = -1;
	fcntl(pin[1], F_SETFL, O_NONBLOCK);
	if (spec->stdin_data == NULL || spec->stdin_len == 0) {
		close(pin[1]);
		pin[1] = -1;
	}
	for (;;) {
		struct pollfd pf[3];
		int nf = 0, wait_ms;
		long long now = now_ms();

		if (!done && waitpid(pid, &status, WNOHANG) == pid) {
			done = 1;
			exited_at = now;
		}
		open_fds = (pout[0] >= 0) + (perr[0] >= 0);
		/* Output still open after exit means a background child holds it: give it 200 ms. */
		if (done && (open_fds == 0 || now - exited_at > 200))
			break;
		if (!done && now >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			res->timed_out = 1;
			break;
		}
		if (pin[1] >= 0)
			pf[nf++] = (struct pollfd){ .fd = pin[1], .events = POLLOUT };
		if (pout[0] >= 0)
			pf[nf++] = (struct pollfd){ .fd = pout[0], .events = POLLIN };
		if (perr[0] >= 0)
			pf[nf++] = (struct pollfd){ .fd = perr[0], .events = POLLIN };
		wait_ms = done ? 20 : (int)(deadline - now < 50 ? deadline - now : 50);
		if (nf == 0) {
			struct timespec ts = { 0, 20 * 1000000L };

			nanosleep(&ts, NULL);
			continue;
		}
		if (poll(pf, (nfds_t)nf, wait_ms) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < nf; i++) {
			ssize_t n;

			if (pf[i].revents == 0)
				continue;
			if (pf[i].fd == pin[1]) {
				n = write(pin[1], spec->stdin_data + in_off, spec->stdin_len - in_off);
				if (n > 0)
					in_off += (size_t)n;
				if ((n < 0 && errno != EAGAIN) || in_off == spec->stdin_len ||
				    (pf[i].revents & (POLLERR | POLLHUP))) {
					close(pin[1]);
					pin[1] = -1;
				}
				continue;
			}
			n = read(pf[i].fd, chunk, sizeof chunk);
			if (n > 0) {
				if (pf[i].fd == pout[0])
					keep(&res->out, &res->out_len, max, chunk, (size_t)n, &res->truncated);
				else
					keep(&res->err, &res->err_len, max, chunk, (size_t)n, &res->truncated);
			} else if (n == 0 || errno != EAGAIN) {
				if (pf[i].fd == pout[0]) {
					close(pout[0]);
					pout[0] = -1;
				} else {
					close(perr[0]);
					perr[0] = -1;
				}
			}
		}
	}
	sigaction(SIGPIPE, &old, NULL);
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
	}
	res->out[res->out_len] = '\0';
	res->err[res->err_len] = '\0';
	if (WIFSIGNALED(status)) {
		res->signal = WTERMSIG(status);
		res->code = 128 + res->signal;
	} else {
		res->code = WEXITSTATUS(status);
	}
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
	}
	proc_result_free(res);
	return -1;
}

void
proc_result_free(struct proc_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}

int
proc_service_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > 64 || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && strchr("_.-", name[i]) == NULL)
			return 0;
	return 1;
}

static int
state_path(char *buf, size_t len, const char *dir, const char *name, const char *ext)
{
	return snprintf(buf, len, "%s/%s.%s", dir, name, ext) < (int)len ? 0 : -1;
}

/* /proc/PID/stat: state (field 3) and start time (field 22). */
static int
proc_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL || p[1] == '\0')
		return -1;
	*state = p[2];
	for (field = 3, p += 2; field < 22 && p != NULL; field++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	*start = p != NULL ? strtoull(p, NULL, 10) : 0;
	return 0;
}

static pid_t
service_pid(const char *statedir, const char *name)
{
	char path[PATH_MAX], buf[128], state;
	unsigned long long start, want;
	ssize_t n;
	long pid;
	int fd;

	if (state_path(path, sizeof path, statedir, name, "pid") < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%ld %llu", &pid, &want) != 2 || pid <= 1)
		return -1;
	waitpid((pid_t)pid, NULL, WNOHANG);	/* reap it if it was our own child */
	if (proc_stat((pid_t)pid, &state, &start) < 0 || start != want || state == 'Z' || state == 'X')
		return -1;
	return (pid_t)pid;
}

int
proc_service_running(const char *statedir, const char *name)
{
	return service_pid(statedir, name) > 0;
}

static int
write_file(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX];
	int fd;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	return rename(tmp, path);
}

int
proc_service_start(const char *statedir, const char *name, const struct proc_spec *spec,
    char *msg, size_t msglen)
{
	char path[PATH_MAX], buf[128], argvbuf[8192];
	unsigned long long start;
	size_t off = 0;
	pid_t mid, pid = -1;
	int p[2], logfd, devnull, i, st;
	char state;

	if (!proc_service_name_ok(name)) {
		snprintf(msg, msglen, "bad service name '%s'", name);
		return -1;
	}
	if (proc_service_running(statedir, name))
		return 0;
	mkdir(statedir, 0700);
	for (i = 0; spec->argv[i] != NULL; i++) {
		size_t l = strlen(spec->argv[i]) + 1;

		if (off + l > sizeof argvbuf) {
			snprintf(msg, msglen, "service %s: argv too long", name);
			return -1;
		}
		memcpy(argvbuf + off, spec->argv[i], l);
		off += l;
	}
	if (state_path(path, sizeof path, statedir, name, "argv") < 0 ||
	    write_file(path, argvbuf, off) < 0 ||
	    state_path(path, sizeof path, statedir, name, "log") < 0) {
		snprintf(msg, msglen, "service %s: cannot write to %s: %s", name, statedir, strerror(errno));
		return -1;
	}
	logfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (logfd < 0 || devnull < 0 || pipe2(p, O_CLOEXEC) < 0) {
		snprintf(msg, msglen, "service %s: %s", name, strerror(errno));
		if (logfd >= 0)
			close(logfd);
		if (devnull >= 0)
			close(devnull);
		return -1;
	}
	if (spec->run_as_other)
		(void)!fchown(logfd, spec->uid, spec->gid);
	mid = fork();
	if (mid == 0) {
		pid_t g;

		setsid();
		g = fork();
		if (g == 0) {
			setpgid(0, 0);
			child_exec(spec, devnull, logfd, logfd);
		}
		(void)!write(p[1], &g, sizeof g);
		_exit(0);
	}
	close(p[1]);
	close(logfd);
	close(devnull);
	if (mid > 0) {
		if (read(p[0], &pid, sizeof pid) != (ssize_t)sizeof pid)
			pid = -1;
		waitpid(mid, NULL, 0);
	}
	close(p[0]);
	if (pid <= 0 || proc_stat(pid, &state, &start) < 0) {
		snprintf(msg, msglen, "service %s could not be started", name);
		return -1;
	}
	snprintf(buf, sizeof buf, "%d %llu\n", (int)pid, start);
	if (state_path(path, sizeof path, statedir, name, "pid") < 0 ||
	    write_file(path, buf, strlen(buf)) < 0) {
		kill(-pid, SIGKILL);
		snprintf(msg, msglen, "service %s: cannot write its pidfile: %s", name, strerror(errno));
		return -1;
	}
	/* A daemon that cannot start usually says so at once. */
	for (i = 0; i < 3; i++) {
		struct timespec ts = { 0, 50 * 1000000L };

		nanosleep(&ts, NULL);
	}
	if (!proc_service_running(statedir, name)) {
		size_t len;
		char *log = proc_service_log(statedir, name, 300, &len);

		snprintf(msg, msglen, "service %s exited right after starting: %s", name,
		    log != NULL && *log != '\0' ? log : "(no output)");
		free(log);
		return -1;
	}
	(void)st;
	return 0;
}

int
proc_service_stop(const char *statedir, const char *name)
{
	char path[PATH_MAX];
	pid_t pid = service_pid(statedir, name);
	int i;

	if (pid > 0) {
		kill(-pid, SIGTERM);
		kill(pid, SIGTERM);
		for (i = 0; i < 40 && proc_service_running(statedir, name); i++) {
			struct timespec ts = { 0, 50 * 1000000L };

			nanosleep(&ts, NULL);
		}
		if (proc_service_running(statedir, name)) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		}
	}
	if (state_path(path, sizeof path, statedir, name, "pid") == 0)
		unlink(path);
	return 0;
}

char **
proc_service_argv(const char *statedir, const char *name)
{
	char path[PATH_MAX], buf[8192];
	char **argv;
	size_t n = 0, i, off;
	ssize_t len;
	int fd;

	if (state_path(path, sizeof path, statedir, name, "argv") < 0)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	len = read(fd, buf, sizeof buf);
	close(fd);
	if (len <= 0 || buf[len - 1] != '\0')
		return NULL;
	for (i = 0; i < (size_t)len; i++)
		n += buf[i] == '\0';
	argv = calloc(n + 1, sizeof *argv);
	if (argv == NULL)
		return NULL;
	for (i = 0, off = 0; i < n; i++) {
		argv[i] = strdup(buf + off);
		off += strlen(buf + off) + 1;
	}
	return argv;
}

char *
proc_service_log(const char *statedir, const char *name, size_t max, size_t *len)
{
	char path[PATH_MAX], *buf;
	struct stat st;
	ssize_t n;
	off_t from;
	int fd;

	*len = 0;
	buf = malloc(max + 1);
	if (buf == NULL)
		return NULL;
	buf[0] = '\0';
	if (state_path(path, sizeof path, statedir, name, "log") < 0)
		return buf;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return buf;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		from = st.st_size > (off_t)max ? st.st_size - (off_t)max : 0;
		n = pread(fd, buf, max, from);
		if (n > 0)
			*len = (size_t)n;
	}
	close(fd);
	buf[*len] = '\0';
	return buf;
}

void
proc_service_stop_all(const char *statedir)
{
	char path[PATH_MAX], name[128];
	size_t l;
	glob_t g;
	size_t i;

	if (snprintf(path, sizeof path, "%s/*.pid", statedir) >= (int)sizeof path)
		return;
	if (glob(path, 0, NULL, &g) != 0)
		return;
	for (i = 0; i < g.gl_pathc; i++) {
		const char *b = strrchr(g.gl_pathv[i], '/') + 1;

		l = strlen(b) - 4;
		if (l >= sizeof name)
			continue;
		memcpy(name, b, l);
		name[l] = '\0';
		proc_service_stop(statedir, name);
	}
	globfree(&g);
}
