/*
 * hasher: see hasher.h.  A child computes one answer, writes it (one
 * status byte, then the new hash for HASHER_HASH) and exits; the parent
 * reads to EOF, reaps that pid (never waitpid(-1): cells are children too)
 * and calls back.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "server/hasher.h"
#include "server/log.h"

struct hasher_job {
	struct hasher_job *next;	/* the FIFO, or the running list */
	enum hasher_op op;
	char stored[AUTH_PWHASH_SIZE];
	char pw[AUTH_PASSWORD_MAX + 1];
	size_t len;
	hasher_done_fn done;
	void *arg;			/* NULL fn after hasher_cancel() */
	struct lws_vhost *vh;
	struct lws *wsi;		/* the adopted pipe */
	pid_t pid;
	char out[AUTH_PWHASH_SIZE + 1];
	size_t outlen;
};

static struct hasher_job *queue_head, *queue_tail, *running;
static unsigned nqueued, nrunning;

unsigned
hasher_pending(void)
{
	return nqueued + nrunning;
}

static void
job_free(struct hasher_job *j)
{
	sodium_memzero(j->pw, sizeof j->pw);
	free(j);
}

static void __attribute__((noreturn))
child(struct hasher_job *j, int fd)
{
	char buf[AUTH_PWHASH_SIZE + 1];
	size_t n = 1;

	buf[0] = '0';
	switch (j->op) {
	case HASHER_VERIFY:
		buf[0] = auth_password_verify(j->stored, j->pw, j->len) == 0 ? '1' : '0';
		break;
	case HASHER_DUMMY:
		auth_password_verify_dummy(j->pw, j->len);
		break;
	case HASHER_HASH:
		if (auth_password_hash(j->pw, j->len, buf + 1) == 0) {
			buf[0] = '1';
			n += strlen(buf + 1);
		}
		break;
	}
	if (write(fd, buf, n) != (ssize_t)n)
		_exit(1);
	_exit(0);
}

static void finish(struct hasher_job *j, int ok);

static void
start_next(void)
{
	struct hasher_job *j;
	lws_sock_file_fd_type u;
	int p[2];

	while (nrunning < HASHER_PARALLEL && queue_head != NULL) {
		j = queue_head;
		queue_head = j->next;
		if (queue_head == NULL)
			queue_tail = NULL;
		nqueued--;
		j->next = running;
		running = j;
		nrunning++;
		if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) {
			log_error_errno("hasher: pipe");
			finish(j, -1);
			continue;
		}
		j->pid = fork();
		if (j->pid < 0) {
			log_error_errno("hasher: fork");
			close(p[0]);
			close(p[1]);
			finish(j, -1);
			continue;
		}
		if (j->pid == 0) {
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			close(p[0]);
			child(j, p[1]);
		}
		close(p[1]);
		sodium_memzero(j->pw, sizeof j->pw);	/* the child has its copy */
		u.filefd = p[0];
		j->wsi = lws_adopt_descriptor_vhost(j->vh, LWS_ADOPT_RAW_FILE_DESC, u, HASHER_PROTOCOL, NULL);
		if (j->wsi == NULL) {
			log_error("hasher: cannot adopt the pipe");
			close(p[0]);
			kill(j->pid, SIGKILL);
			finish(j, -1);
			continue;
		}
		lws_set_opaque_user_data(j->wsi, j);
	}
}

/* Reaps the child, takes the job off the running list, calls back, starts the next one. */
static void
finish(struct hasher_job *j, int ok)
{
	struct hasher_job **pp;
	int status;

	for (pp = &running; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			nrunning--;
			break;
		}
	if (j->pid > 0)
		while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
			;
	if (j->done != NULL)
		j->done(j->arg, ok, ok == 1 && j->op == HASHER_HASH ? j->out + 1 : NULL);
	job_free(j);
	start_next();
}

struct hasher_job *
hasher_submit(struct lws_vhost *vh, enum hasher_op op, const char *stored, const char *pw,
    size_t len, hasher_done_fn done, void *arg)
{
	struct hasher_job *j;

	if (nqueued >= HASHER_QUEUE_MAX || len > AUTH_PASSWORD_MAX)
		return NULL;
	j = calloc(1, sizeof *j);
	if (j == NULL)
		return NULL;
	j->op = op;
	if (stored != NULL)
		snprintf(j->stored, sizeof j->stored, "%s", stored);
	memcpy(j->pw, pw, len);
	j->len = len;
	j->done = done;
	j->arg = arg;
	j->vh = vh;
	if (queue_tail != NULL)
		queue_tail->next = j;
	else
		queue_head = j;
	queue_tail = j;
	nqueued++;
	start_next();
	return j;
}

void
hasher_cancel(struct hasher_job *job)
{
	job->done = NULL;
	job->arg = NULL;
}

int
hasher_raw_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
    size_t len)
{
	struct hasher_job *j = lws_get_opaque_user_data(wsi);
	ssize_t n;

	(void)user;
	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (j == NULL)
			return -1;
		n = read(lws_get_socket_fd(wsi), j->out + j->outlen, sizeof j->out - 1 - j->outlen);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n > 0) {
			j->outlen += (size_t)n;
			if (j->outlen < sizeof j->out - 1)
				return 0;
		}
		return -1;		/* EOF (or full): the answer is complete; close below */
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (j == NULL)
			return 0;
		lws_set_opaque_user_data(wsi, NULL);
		j->wsi = NULL;
		/* a hang-up may be reported before the last bytes were read */
		while (lws_get_socket_fd(wsi) >= 0 && j->outlen < sizeof j->out - 1 &&
		    (n = read(lws_get_socket_fd(wsi), j->out + j->outlen, sizeof j->out - 1 - j->outlen)) > 0)
			j->outlen += (size_t)n;
		j->out[j->outlen] = '\0';
		finish(j, j->outlen >= 1 ? (j->out[0] == '1' ? 1 : 0) : -1);
		return 0;
	default:
		break;
	}
	return 0;
}
