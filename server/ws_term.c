/*
 * ws_term: see ws_term.h.  All of it runs on the lws loop: the cell's IPC
 * socket and the PTY master are adopted as raw file descriptors (the cell
 * keeps its own fd; lws owns a dup), events from the warden are read when
 * the socket is readable, and every pending request is keyed by a tag.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/cell.h"
#include "server/catalog.h"
#include "server/log.h"
#include "server/ws.h"
#include "server/ws_term.h"

#define TERM_MAX_PENDING 4
#define TAG_SETUP 1
#define TAG_SHELL_BASE 10		/* shells get 10..99 */
#define TAG_RUN_BASE 100
#define TERM_INPUT_MAX (64 * 1024)
#define PTY_FRAME_MAX (64 * 1024)
#define SETUP_TIMEOUT_MS 65000
#define CHECK_TIMEOUT_MS 25000	/* the runtime gives up at 10 s + 3 s; margin for a loaded host */

struct pending {
	unsigned tag;			/* 0: free */
	int started;			/* request sent to the warden */
	enum ws_run_kind kind;
	struct conn *conn;		/* NULL once the learner has gone */
	json_t *id;
	char step[STORE_STEP_ID_MAX + 1];
	int index;
	char *answer;
};

struct term {
	struct term *next;
	struct store_attempt a;
	struct cell *cell;
	struct lws *ipc_wsi, *pty_wsi;
	struct conn *conn;
	int ready;			/* setup finished */
	unsigned shell_tag;		/* the live shell's tag, 0 none */
	int shell_requested;
	int paused;			/* the browser is behind: PTY not read */
	int throttled;			/* over its share while others type: PTY not read */
	int flow_off;			/* what lws was last told */
	int64_t tokens;			/* output allowance in bytes (busy-output-rate) */
	lws_usec_t tokens_at;
	lws_sorted_usec_list_t sul_throttle;
	int fresh;
	int destroy_now;		/* set by an event handler: end the cell after it */
	unsigned rows, cols;
	int attach_pending;
	json_t *attach_id;
	char *in;			/* keystrokes not yet written to the PTY (TERM_INPUT_MAX, on demand) */
	size_t in_len;
	lws_sorted_usec_list_t sul_input;	/* retries in[] (see input_pending()) */
	unsigned input_retry_ms;	/* its next delay: 2 ms, doubled while nothing is taken */
	time_t last_activity_sent;
	lws_sorted_usec_list_t sul_grace;
	struct pending pend[TERM_MAX_PENDING];
	unsigned next_tag;
	unsigned next_shell;
};

static struct term *terms;
static unsigned cell_serial;
static struct {
	const struct term *t;
	lws_usec_t at;
} typed[2];				/* the two most recent terminals with input, newest first */

static void values_forget_conn(struct conn *c);

/* ---- helpers ---------------------------------------------------------- */

static void
seed_text(const struct store_attempt *a, char *buf, size_t len)
{
	snprintf(buf, len, "%016llx", (unsigned long long)a->seed);
}

static void
tell(struct term *t, json_t *j)
{
	if (t->conn != NULL)
		ws_send_json(t->conn, NULL, j);
	else
		json_decref(j);
}

static int
mkdir_owned(const char *path, mode_t mode, uid_t uid)
{
	struct stat st;

	if (mkdir(path, mode) != 0 && errno != EEXIST)
		return -1;
	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (uid != (uid_t)-1 && st.st_uid != uid && chown(path, uid, uid) != 0)
		return -1;
	return 0;
}

/* <data>/workspaces/<user id>/<lab id>, owned by the learner's host uid. */
static int
workspace_for(const struct store_attempt *a, char *buf, size_t len)
{
	const struct config *cfg = &the_server->cfg;
	uid_t learner = geteuid() == 0 ? CELL_HOST_ID_BASE + CELL_LEARNER_UID : (uid_t)-1;
	char dir[PATH_MAX + 64];

	snprintf(dir, sizeof dir, "%s/workspaces", cfg->data_dir);
	if (mkdir_owned(dir, 0711, (uid_t)-1) != 0)
		return -1;
	snprintf(dir, sizeof dir, "%s/workspaces/%lld", cfg->data_dir, (long long)a->user_id);
	if (mkdir_owned(dir, 0711, (uid_t)-1) != 0)
		return -1;
	if ((size_t)snprintf(buf, len, "%s/%s", dir, a->lab_id) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdir_owned(buf, 0700, learner);
}

/* ---- discarded workspaces (an instructor's reset) ------------------- */

/*
 * <data>/workspaces/<user>/.discarded-<lab>-<attempt>[.img]: a name no lab id
 * can have (lab ids never start with a dot), beside the workspace, so the
 * rename stays on one file system.  Deleted with cell_workspace_remove()
 * (never follows a symlink) once no cell has the image attached: the reset's
 * cell is being reaped off the loop, so the first tries may find it busy.
 */
#define DISCARD_PREFIX ".discarded-"
#define DISCARD_TRIES 300		/* one a second: five minutes, then the next start */

struct discard {
	struct discard *next;
	int tries;
	char path[];
};

static struct discard *discards;
static lws_sorted_usec_list_t sul_discard;

/*
 * Deletes a directory tree in a grandchild, so that a workspace of many
 * thousands of files does not hold up the loop (nobody waits for it: what it
 * leaves behind, the next start's sweep finds).  Returns 0 once it runs.
 */
static int
remove_tree_later(const char *path)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (fork() == 0) {
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			syscall(SYS_close_range, 3, ~0u, 0);	/* no PTY or socket kept open by us */
			if (cell_workspace_remove(path) != 0 && errno != ENOENT)
				log_warn("could not delete the reset workspace %s: %s (the next start "
				    "tries again)", path, strerror(errno));
			_exit(0);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

static void
discard_run(lws_sorted_usec_list_t *sul)
{
	struct discard **pp = &discards, *d;

	(void)sul;
	while ((d = *pp) != NULL) {
		/* the image here (this process knows whether a cell still has it), the rest off the loop */
		if (cell_workspace_remove_image(d->path) == 0 && remove_tree_later(d->path) == 0) {
			log_info("deleting the reset workspace %s", d->path);
		} else if (++d->tries < DISCARD_TRIES) {
			pp = &d->next;
			continue;
		} else {
			log_warn("could not delete the reset workspace %s: %s (the next start tries again)",
			    d->path, strerror(errno));
		}
		*pp = d->next;
		free(d);
	}
	if (discards != NULL && the_server->ctx != NULL)
		lws_sul_schedule(the_server->ctx, 0, &sul_discard, discard_run, LWS_US_PER_SEC);
}

static void
discard_later(const char *path)
{
	size_t n = strlen(path) + 1;
	struct discard *d = malloc(sizeof *d + n);

	if (d == NULL)
		return;		/* the next start's sweep finds it */
	memcpy(d->path, path, n);
	d->tries = 0;
	d->next = discards;
	discards = d;
}

int
ws_term_workspace_discard(const struct store_attempt *a)
{
	const char *data = the_server->cfg.data_dir;
	char dir[PATH_MAX], trash[PATH_MAX], img[PATH_MAX + 8], timg[PATH_MAX + 8];

	if ((size_t)snprintf(dir, sizeof dir, "%s/workspaces/%lld/%s", data, (long long)a->user_id,
	    a->lab_id) >= sizeof dir ||
	    (size_t)snprintf(trash, sizeof trash, "%s/workspaces/%lld/" DISCARD_PREFIX "%s-%lld", data,
	    (long long)a->user_id, a->lab_id, (long long)a->id) >= sizeof trash) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(img, sizeof img, "%s.img", dir);
	snprintf(timg, sizeof timg, "%s.img", trash);
	/* the image first: a directory without its image would be migrated into a new one */
	if (rename(img, timg) != 0 && errno != ENOENT)
		return -1;
	if (rename(dir, trash) != 0 && errno != ENOENT)
		return -1;
	discard_later(trash);
	discard_run(NULL);
	return 0;
}

void
ws_term_workspace_sweep(void)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *u, *e;
	DIR *top, *user;

	if ((size_t)snprintf(dir, sizeof dir, "%s/workspaces", the_server->cfg.data_dir) >= sizeof dir ||
	    (top = opendir(dir)) == NULL)
		return;
	while ((u = readdir(top)) != NULL) {
		if (u->d_name[0] == '.' || (u->d_type != DT_DIR && u->d_type != DT_UNKNOWN))
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, u->d_name) >= sizeof path ||
		    (user = opendir(path)) == NULL)
			continue;
		while ((e = readdir(user)) != NULL) {
			size_t n = strlen(e->d_name);

			if (strncmp(e->d_name, DISCARD_PREFIX, strlen(DISCARD_PREFIX)) != 0)
				continue;
			if (n > 4 && strcmp(e->d_name + n - 4, ".img") == 0)
				n -= 4;		/* the image goes with its directory's name */
			if ((size_t)snprintf(path, sizeof path, "%s/%s/%.*s", dir, u->d_name, (int)n,
			    e->d_name) < sizeof path)
				discard_later(path);
		}
		closedir(user);
	}
	closedir(top);
	discard_run(NULL);
}

static struct term *
find_term(int64_t attempt_id)
{
	struct term *t;

	for (t = terms; t != NULL; t = t->next)
		if (t->a.id == attempt_id)
			return t;
	return NULL;
}

static void
kill_wsi(struct lws **wsi)
{
	if (*wsi == NULL)
		return;
	lws_set_opaque_user_data(*wsi, NULL);
	lws_set_timeout(*wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
	*wsi = NULL;
}

static void
pending_clear(struct pending *p)
{
	json_decref(p->id);
	free(p->answer);
	memset(p, 0, sizeof *p);
}

static void values_retire(struct cell *cell);

static void
term_destroy(struct term *t, const char *why)
{
	struct term **pp;
	int i;

	for (pp = &terms; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	lws_sul_cancel(&t->sul_grace);
	lws_sul_cancel(&t->sul_throttle);
	lws_sul_cancel(&t->sul_input);
	for (i = 0; i < 2; i++)
		if (typed[i].t == t)
			typed[i].t = NULL;
	for (i = 0; i < TERM_MAX_PENDING; i++) {
		if (t->pend[i].tag != 0 && t->pend[i].conn != NULL)
			ws_send_error(t->pend[i].conn, t->pend[i].id, PROTO_E_CELL_FAILED, NULL, why);
		pending_clear(&t->pend[i]);
	}
	if (t->conn != NULL) {
		ws_send_json(t->conn, NULL, json_pack("{ss sI ss}", "type", "cell.exit",
		    "attempt", (json_int_t)t->a.id, "message", why));
		t->conn->term = NULL;
	}
	json_decref(t->attach_id);
	kill_wsi(&t->pty_wsi);
	kill_wsi(&t->ipc_wsi);
	free(t->in);
	if (t->cell != NULL) {
		values_retire(t->cell);	/* SIGKILL now, reaped off the loop */
		the_server->m.cells_active--;
	}
	log_info("cell of attempt %lld ended: %s", (long long)t->a.id, why);
	free(t);
}

static void
grace_expired(lws_sorted_usec_list_t *sul)
{
	struct term *t = lws_container_of(sul, struct term, sul_grace);

	term_destroy(t, "The lab machine was stopped after you left; your files are kept.");
}

static void
pty_flow(struct term *t)
{
	int off = t->paused || t->throttled;

	if (t->pty_wsi == NULL || t->flow_off == off)
		return;
	t->flow_off = off;
	lws_rx_flow_control(t->pty_wsi, off ? 0 : 1);
}

static void
pty_pause(struct term *t, int pause)
{
	t->paused = pause;
	pty_flow(t);
}

/*
 * Fair share of output.  One learner's `cat /dev/urandom | base64` costs a
 * core in the cell, most of one in the browser and a good part of the
 * server's, and every other learner's echo waits for those cores.  While
 * anyone else has typed within TYPING_WINDOW_US, a terminal may send at most
 * busy-output-rate bytes per second (a token bucket; the PTY is not read while
 * it is empty, so the producer in the cell blocks and gives its CPU back).
 * Alone, a terminal is never throttled.
 */
#define TYPING_WINDOW_US (2 * LWS_US_PER_SEC)

static void
note_input(const struct term *t)
{
	if (typed[0].t != t)
		typed[1] = typed[0];
	typed[0].t = t;
	typed[0].at = lws_now_usecs();
}

static int
others_typing(const struct term *t, lws_usec_t now)
{
	lws_usec_t at = typed[0].t != t ? typed[0].at : typed[1].at;

	return at != 0 && now - at < TYPING_WINDOW_US;
}

static void
throttle_over(lws_sorted_usec_list_t *sul)
{
	struct term *t = lws_container_of(sul, struct term, sul_throttle);

	t->throttled = 0;
	pty_flow(t);
}

/* How many bytes pty_read() may take now; 0: none, and the PTY rests until the bucket refills. */
static size_t
output_allowance(struct term *t, size_t want)
{
	int64_t rate = (int64_t)the_server->cfg.busy_output_rate, burst, need;
	lws_usec_t now = lws_now_usecs();

	burst = rate / 4 > PTY_FRAME_MAX ? rate / 4 : PTY_FRAME_MAX;
	if (rate == 0 || !others_typing(t, now)) {
		t->tokens = burst;
		t->tokens_at = now;
		return want;
	}
	if (t->tokens_at == 0 || now - t->tokens_at >= LWS_US_PER_SEC)
		t->tokens = burst;
	else
		t->tokens += (int64_t)(now - t->tokens_at) * rate / LWS_US_PER_SEC;
	t->tokens_at = now;
	if (t->tokens > burst)
		t->tokens = burst;
	if (t->tokens >= 4096)
		return (size_t)t->tokens < want ? (size_t)t->tokens : want;
	need = 16384 - t->tokens;		/* rest until a useful frame's worth is back */
	t->throttled = 1;
	pty_flow(t);
	the_server->m.term_throttled++;
	lws_sul_schedule(the_server->ctx, 0, &t->sul_throttle, throttle_over,
	    (lws_usec_t)(need * LWS_US_PER_SEC / rate));
	return 0;
}

/*
 * Spare wardens (sandbox/cell.h): a cell start takes one, and the pool is
 * topped up here, POOL_TOPUP_DELAY_MS after the last start (a burst of
 * starts pushes it back, so it does not compete with cells being built),
 * one spare per timer run (a clone and the id maps, ~1 ms of the loop;
 * nothing waits), not in cell_stop() (serve.c turns that off).
 */
#define POOL_TOPUP_DELAY_MS 200
#define POOL_TOPUP_NEXT_MS 20
static lws_sorted_usec_list_t pool_sul;

static void
pool_topup(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	if (cell_pool_fill(1) > 0)
		lws_sul_schedule(the_server->ctx, 0, &pool_sul, pool_topup,
		    POOL_TOPUP_NEXT_MS * LWS_US_PER_MS);
}

static void
pool_after_start(void)
{
	if (cell_pool_spares() < cell_pool_size())
		lws_sul_schedule(the_server->ctx, 0, &pool_sul, pool_topup,
		    POOL_TOPUP_DELAY_MS * LWS_US_PER_MS);
}

/*
 * Spare workspace images (sandbox/cell.h): a learner's first cell needs an
 * ext4 image of the workspace cap, and making one (mkfs.ext4, syncfs,
 * fsync: ~8 ms here) on the loop froze every terminal while a class
 * started at once (30 first starts: a ping waited 443 ms).  So images of
 * the default cap are made ahead in <data>/workspaces/.spares by
 * short-lived processes (double-forked: nothing to reap), up to
 * workspace-spares (default 32), WS_IMAGE_MAKERS at a time; a first cell takes one by
 * rename().  While idle the server also attaches them ahead (loop device and
 * mount, one per tick), so that such a start costs a rename and an
 * open_tree().  Labs with another cap, and starts beyond the spares, still
 * make theirs on the loop.
 */
#define WS_IMAGE_MAKERS 2
#define WS_IMAGE_TOPUP_DELAY_MS 300
#define WS_IMAGE_TOPUP_NEXT_MS 50
static uint64_t image_cap;		/* of the spares; 0: none made */
static unsigned image_forks_in_vain, image_last_ready;
static lws_sorted_usec_list_t image_sul;

static void __attribute__((noreturn))
image_maker(void)
{
	char err[512];
	sigset_t none;
	int sig, fd;

	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* nothing of the server's: its sockets, PTYs and database stay its own */
	if (syscall(SYS_close_range, 3, ~0U, 0) < 0)
		for (fd = 3; fd < 65536; fd++)
			close(fd);
	log_set_tag("labhub-ws-spare");
	if (cell_workspace_spare_make(image_cap, err, sizeof err) < 0) {
		log_warn("spare workspace image: %s", err);
		_exit(1);
	}
	_exit(0);
}

static void
image_topup(lws_sorted_usec_list_t *sul)
{
	unsigned ready, making, want = (unsigned)the_server->cfg.workspace_spares, more;
	pid_t pid;
	int st;

	(void)sul;
	if (image_cap == 0)
		return;
	cell_workspace_spares_count(image_cap, &ready, &making);
	if (ready > image_last_ready)
		image_forks_in_vain = 0;
	image_last_ready = ready;
	if (ready + making < want && image_forks_in_vain > 2 * want + 2 * WS_IMAGE_MAKERS) {
		log_warn("spare workspace images: none came of the last %u tries; first cells make "
		    "their images themselves (see the lines above)", image_forks_in_vain);
		image_cap = 0;
		return;
	}
	for (; making < WS_IMAGE_MAKERS && ready + making < want; making++) {
		pid = fork();
		if (pid == 0) {
			pid_t b = fork();

			if (b == 0)
				image_maker();
			_exit(b < 0);
		}
		if (pid < 0) {
			log_warn_errno("spare workspace image: fork");
			break;
		}
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		image_forks_in_vain++;
	}
	/* one loop device and mount per tick (~2 ms), made here while idle rather
	 * than by a learner's first start */
	more = cell_workspace_spares_attach(image_cap, want);
	if (ready + making < want || more > 0)
		lws_sul_schedule(the_server->ctx, 0, &image_sul, image_topup,
		    WS_IMAGE_TOPUP_NEXT_MS * LWS_US_PER_MS);
}

static void
image_after_start(void)
{
	if (image_cap != 0)
		lws_sul_schedule(the_server->ctx, 0, &image_sul, image_topup,
		    WS_IMAGE_TOPUP_DELAY_MS * LWS_US_PER_MS);
}

void
ws_term_spare_images(void)
{
	const struct config *cfg = &the_server->cfg;
	struct cell_limits l;
	char dir[PATH_MAX], why[256];
	int n;

	if (cfg->workspace_spares == 0 || !cell_workspace_image_available(why, sizeof why))
		return;
	cell_limits_default(&l);
	if (cfg->cell_limits[0] != '\0')
		cell_limits_parse(&l, cfg->cell_limits, why, sizeof why);
	if (l.workspace == 0)
		return;
	if ((size_t)snprintf(dir, sizeof dir, "%s/workspaces", cfg->data_dir) >= sizeof dir ||
	    mkdir_owned(dir, 0711, (uid_t)-1) != 0)
		return;
	if ((size_t)snprintf(dir, sizeof dir, "%s/workspaces/.spares", cfg->data_dir) >= sizeof dir ||
	    mkdir_owned(dir, 0700, (uid_t)-1) != 0) {
		log_warn_errno("spare workspace images: %s", dir);
		return;
	}
	cell_workspace_spares_dir(dir);
	image_cap = l.workspace;
	if ((n = cell_workspace_spares_clean(image_cap)) > 0)
		log_info("spare workspace images: removed %d unfinished or of another cap", n);
	lws_sul_schedule(the_server->ctx, 0, &image_sul, image_topup, LWS_US_PER_SEC);
}

static int
adopt(struct term *t, int fd, struct lws **out)
{
	lws_sock_file_fd_type u;
	int dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	if (dupfd < 0)
		return -1;
	u.filefd = dupfd;
	*out = lws_adopt_descriptor_vhost(the_server->vhost, LWS_ADOPT_RAW_FILE_DESC, u,
	    WS_TERM_RAW_PROTOCOL, NULL);
	if (*out == NULL) {
		close(dupfd);
		return -1;
	}
	lws_set_opaque_user_data(*out, t);
	return 0;
}

static int
request_shell(struct term *t)
{
	unsigned tag = TAG_SHELL_BASE + (t->next_shell++ % (TAG_RUN_BASE - TAG_SHELL_BASE));

	if (cell_request_shell(t->cell, tag, t->rows, t->cols) != 0)
		return -1;
	t->shell_requested = 1;
	t->shell_tag = tag;
	return 0;
}

static void
start_pending(struct term *t, struct pending *p)
{
	char seed[32], n[16];
	const char *argv[16];
	int i = 0;

	seed_text(&t->a, seed, sizeof seed);
	argv[i++] = "/run/labhub/labhub";
	argv[i++] = "lab";
	argv[i++] = "exec";
	argv[i++] = "--lab";
	argv[i++] = "/lab";
	argv[i++] = "--workspace";
	argv[i++] = "/home/learner";
	argv[i++] = "--seed";
	argv[i++] = seed;
	argv[i++] = p->kind == WS_RUN_CHECK ? "check" : "hint";
	argv[i++] = p->step;
	if (p->kind == WS_RUN_HINT) {
		snprintf(n, sizeof n, "%d", p->index + 1);
		argv[i++] = n;
	}
	argv[i] = NULL;
	if (cell_request_exec(t->cell, p->tag, argv, CELL_AS_LEARNER, p->answer,
	    p->answer != NULL ? strlen(p->answer) : 0, CHECK_TIMEOUT_MS) != 0) {
		if (p->conn != NULL)
			ws_send_error(p->conn, p->id, PROTO_E_CELL_FAILED, NULL,
			    "The lab machine is busy; try again in a moment.");
		pending_clear(p);
		return;
	}
	p->started = 1;
}

static void
on_ready(struct term *t)
{
	int i;

	t->ready = 1;
	if (t->attach_pending && !t->shell_requested && request_shell(t) != 0)
		term_destroy(t, "The lab machine could not start a shell.");
	else
		for (i = 0; i < TERM_MAX_PENDING; i++)
			if (t->pend[i].tag != 0 && !t->pend[i].started)
				start_pending(t, &t->pend[i]);
}

static int
run_setup(struct term *t)
{
	char seed[32];
	const char *argv[] = { "/run/labhub/labhub", "lab", "exec", "--lab", "/lab", "--workspace",
	    "/home/learner", "--seed", seed, "setup", NULL };

	seed_text(&t->a, seed, sizeof seed);
	return cell_request_exec(t->cell, TAG_SETUP, argv, CELL_AS_LEARNER, NULL, 0, SETUP_TIMEOUT_MS);
}

static struct term *
term_start(const struct store_attempt *a, char *err, size_t errlen)
{
	struct cell_spec spec;
	char ws[4096], labdir[4096], id[CELL_ID_MAX + 1], why[256];
	struct term *t;

	if (workspace_for(a, ws, sizeof ws) != 0) {
		log_error_errno("workspace for attempt %lld", (long long)a->id);
		snprintf(err, errlen, "Your workspace could not be prepared.");
		return NULL;
	}
	if (catalog_lab_dir(the_server, a->lab_id, labdir, sizeof labdir) != 0) {
		snprintf(err, errlen, "This lab is no longer installed.");
		return NULL;
	}
	t = calloc(1, sizeof *t);
	if (t == NULL) {
		snprintf(err, errlen, "The server is out of memory.");
		return NULL;
	}
	t->a = *a;
	t->rows = 24;
	t->cols = 80;
	t->next_tag = TAG_RUN_BASE;
	/* unique on the host: several servers (tests, instances) may run side by side */
	/* a serial too: the attempt's previous cell may not be reaped yet (its cgroups keep the id) */
	snprintf(id, sizeof id, "s%ld-a%lld-%u", (long)getpid(), (long long)a->id, ++cell_serial);
	memset(&spec, 0, sizeof spec);
	spec.id = id;
	spec.workspace = ws;
	spec.lab_dir = labdir;
	cell_limits_default(&spec.limits);
	if (the_server->cfg.cell_limits[0] != '\0')
		cell_limits_parse(&spec.limits, the_server->cfg.cell_limits, why, sizeof why);
	if (config_lab_limits(&the_server->cfg, a->lab_id) != NULL)
		cell_limits_parse(&spec.limits, config_lab_limits(&the_server->cfg, a->lab_id), why, sizeof why);
	spec.workspace_image = CELL_WS_IMAGE_AUTO;	/* a total cap where we can (sandbox/README.md) */
	/* not waiting for the warden's "ready": requests queue until it reads them,
	 * and the loop stays free while the cell builds its mounts */
	if (cell_start_nowait(&spec, &t->cell, why, sizeof why) != 0) {
		log_error("cell for attempt %lld could not start: %s", (long long)a->id, why);
		the_server->m.cell_failures++;
		snprintf(err, errlen, "Your lab machine could not start (%s). Tell your instructor.", why);
		free(t);
		return NULL;
	}
	the_server->m.cells_started++;
	the_server->m.cells_active++;
	pool_after_start();
	image_after_start();
	if (adopt(t, cell_fd(t->cell), &t->ipc_wsi) != 0 || run_setup(t) != 0) {
		the_server->m.cell_failures++;
		cell_stop(t->cell);
		the_server->m.cells_active--;
		kill_wsi(&t->ipc_wsi);
		free(t);
		snprintf(err, errlen, "Your lab machine could not start. Tell your instructor.");
		return NULL;
	}
	t->fresh = 1;
	t->next = terms;
	terms = t;
	if (cell_degraded(t->cell))
		log_warn("cell of attempt %lld runs degraded: %s", (long long)a->id,
		    cell_degraded_text(t->cell));
	log_info("cell of attempt %lld started (pid %ld)", (long long)a->id, (long)cell_pid(t->cell));
	return t;
}

static void
term_attach_conn(struct term *t, struct conn *c)
{
	if (c->term != NULL && c->term != t)
		ws_term_detach(c);
	if (t->conn != NULL && t->conn != c) {
		ws_send_json(t->conn, NULL, json_pack("{ss sI ss}", "type", "cell.detached",
		    "attempt", (json_int_t)t->a.id, "message", "This lab was opened in another window."));
		t->conn->term = NULL;
	}
	lws_sul_cancel(&t->sul_grace);
	t->conn = c;
	c->term = t;
}

/* ---- server-facing API ---------------------------------------------- */

void
ws_on_cell_attach(struct conn *c, const struct proto_msg *m)
{
	struct store_attempt a;
	struct term *t;
	char err[320];

	if (ws_attempt_for(c, m->id, proto_int(m, "attempt"), 1, &a) != 0)
		return;
	if (a.reset != 0) {
		ws_send_error(c, m->id, PROTO_E_NOT_FOUND, "attempt", "This attempt was reset. Open the lab again.");
		return;
	}
	t = find_term(a.id);
	if (t == NULL && (t = term_start(&a, err, sizeof err)) == NULL) {
		ws_send_error(c, m->id, PROTO_E_CELL_FAILED, NULL, err);
		return;
	}
	term_attach_conn(t, c);
	if (proto_has(m, "rows") && proto_has(m, "cols")) {
		t->rows = (unsigned)proto_int(m, "rows");
		t->cols = (unsigned)proto_int(m, "cols");
	}
	if (t->pty_wsi != NULL) {
		struct winsize wsz = { (unsigned short)t->rows, (unsigned short)t->cols, 0, 0 };

		ioctl(lws_get_socket_fd(t->pty_wsi), TIOCSWINSZ, &wsz);
		pty_pause(t, 0);
		ws_send_json(c, m->id, json_pack("{ss sI sb}", "type", "cell.ready",
		    "attempt", (json_int_t)a.id, "fresh", 0));
		/* Ask the shell to redraw its prompt for the new screen. */
		ws_term_input(c, "\f", 1);
		return;
	}
	json_decref(t->attach_id);
	t->attach_id = json_incref(m->id);
	t->attach_pending = 1;
	if (t->ready && !t->shell_requested && request_shell(t) != 0)
		term_destroy(t, "The lab machine could not start a shell.");
}

void
ws_on_cell_resize(struct conn *c, const struct proto_msg *m)
{
	struct term *t = c->term;
	struct winsize wsz;

	if (t == NULL)
		return;
	t->rows = (unsigned)proto_int(m, "rows");
	t->cols = (unsigned)proto_int(m, "cols");
	if (t->pty_wsi == NULL)
		return;
	memset(&wsz, 0, sizeof wsz);
	wsz.ws_row = (unsigned short)t->rows;
	wsz.ws_col = (unsigned short)t->cols;
	if (ioctl(lws_get_socket_fd(t->pty_wsi), TIOCSWINSZ, &wsz) != 0)
		log_warn_errno("TIOCSWINSZ");
}

void
ws_on_cell_detach(struct conn *c, const struct proto_msg *m)
{
	(void)m;
	ws_term_detach(c);
}

void
ws_term_detach(struct conn *c)
{
	struct term *t = c->term;

	if (t == NULL)
		return;
	c->term = NULL;
	t->conn = NULL;
	t->attach_pending = 0;
	pty_pause(t, 1);
	lws_sul_schedule(the_server->ctx, 0, &t->sul_grace, grace_expired,
	    (lws_usec_t)the_server->cfg.cell_grace_s * LWS_US_PER_SEC);
}

/* The connection is going away: no reply may be sent to it any more. */
void
ws_term_conn_closed(struct conn *c)
{
	struct term *u;
	int i;

	values_forget_conn(c);
	for (u = terms; u != NULL; u = u->next)
		for (i = 0; i < TERM_MAX_PENDING; i++)
			if (u->pend[i].conn == c)
				u->pend[i].conn = NULL;
	ws_term_detach(c);
}

static int pty_write(struct term *t, struct lws *wsi);

static void
input_retry(lws_sorted_usec_list_t *sul)
{
	struct term *t = lws_container_of(sul, struct term, sul_input);

	if (t->pty_wsi != NULL && pty_write(t, t->pty_wsi) < 0)
		log_warn("terminal of attempt %lld: input to the shell failed: %s", (long long)t->a.id,
		    strerror(errno));
}

/*
 * Keystrokes wait in in[] because the PTY is full (a paste).  POLLOUT is
 * asked for, but on libuv (epoll) it can stay unreported: the PTY master does
 * not always wake its writers when the shell side drains (a 24 KB paste
 * stalled for good, tests/integration/cell.test.mjs).  poll() looked again
 * at every loop turn and hid that.  So a timer tries again as well: after
 * 2 ms, doubled up to 128 ms while the shell takes nothing (a program that
 * does not read its input), back to 2 ms as soon as it takes some.
 */
#define INPUT_RETRY_MIN_MS 2
#define INPUT_RETRY_MAX_MS 128	/* a program that never reads its input costs ~8 wakeups a second */

static void
input_pending(struct term *t, int progress)
{
	if (progress || t->input_retry_ms < INPUT_RETRY_MIN_MS)
		t->input_retry_ms = INPUT_RETRY_MIN_MS;
	else if (t->input_retry_ms < INPUT_RETRY_MAX_MS)
		t->input_retry_ms *= 2;
	lws_callback_on_writable(t->pty_wsi);
	lws_sul_schedule(the_server->ctx, 0, &t->sul_input, input_retry,
	    (lws_usec_t)t->input_retry_ms * LWS_US_PER_MS);
}

void
ws_term_input(struct conn *c, const char *data, size_t len)
{
	struct term *t = c->term;
	time_t now;

	if (t == NULL || t->pty_wsi == NULL)
		return;
	note_input(t);
	/*
	 * Nothing waiting: write now instead of a loop turn later (a keystroke's
	 * echo then costs one wakeup less, and most sessions never need in[]).
	 */
	if (t->in_len == 0) {
		ssize_t n = write(lws_get_socket_fd(t->pty_wsi), data, len);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
		}
	}
	if (len > 0) {
		if (t->in == NULL && (t->in = malloc(TERM_INPUT_MAX)) == NULL)
			return;
		if (len > TERM_INPUT_MAX - t->in_len)
			len = TERM_INPUT_MAX - t->in_len;	/* a paste larger than 64 KiB in flight is cut */
		memcpy(t->in + t->in_len, data, len);
		t->in_len += len;
		input_pending(t, 1);
	}
	now = time(NULL);
	if (now - t->last_activity_sent >= 10) {
		t->last_activity_sent = now;
		cell_notify_activity(t->cell);
	}
}

void
ws_term_drained(struct conn *c)
{
	struct term *t = c->term;

	if (t != NULL && t->paused && c->queued < the_server->cfg.max_queued / 4)
		pty_pause(t, 0);
}

void
ws_term_attempt_reset(struct server *s, int64_t attempt_id)
{
	struct term *t = find_term(attempt_id);

	(void)s;
	if (t != NULL)
		term_destroy(t, "Your instructor reset this lab. Open it again to start afresh.");
}

void
ws_term_run(struct conn *c, const json_t *id, const struct store_attempt *a, enum ws_run_kind kind,
    const char *step, int index, const char *answer)
{
	struct term *t = find_term(a->id);
	struct pending *p = NULL;
	char err[320];
	int i;

	if (t == NULL && (t = term_start(a, err, sizeof err)) == NULL) {
		ws_send_error(c, id, PROTO_E_CELL_FAILED, NULL, err);
		return;
	}
	for (i = 0; i < TERM_MAX_PENDING; i++)
		if (t->pend[i].tag == 0) {
			p = &t->pend[i];
			break;
		}
	if (p == NULL) {
		ws_send_error(c, id, PROTO_E_RATE_LIMITED, NULL, "A check is still running; wait for its result.");
		return;
	}
	p->tag = t->next_tag++;
	if (t->next_tag == 0)
		t->next_tag = TAG_RUN_BASE;
	p->kind = kind;
	p->conn = c;
	p->id = json_incref((json_t *)id);
	snprintf(p->step, sizeof p->step, "%s", step);
	p->index = index;
	p->answer = answer != NULL ? strdup(answer) : NULL;
	if (t->conn == NULL)
		lws_sul_schedule(the_server->ctx, 0, &t->sul_grace, grace_expired,
		    (lws_usec_t)the_server->cfg.cell_grace_s * LWS_US_PER_SEC);
	if (t->ready)
		start_pending(t, p);
}

/* ---- per-learner values (lab.open) ------------------------------------ */

/*
 * The values of an attempt ({{zone}} in the step texts) are computed once
 * per lab content by `lab exec values` in a throwaway cell (catalog.c: an
 * empty tmpfs home, so they depend on the lab and the seed only, never on
 * the workspace or on what the learner runs there), then kept in the store
 * and read from it by every later lab.open, also after a restart.  The
 * throwaway cell's IPC socket is adopted on the loop like an attempt
 * cell's (opaque data NULL: a job is found by its wsi), so nothing waits
 * for it; every lab.open of the same attempt meanwhile waits on one job.
 *
 * values() only derives strings from the seed: well under a second.  The
 * whole job (queueing included) is bounded below the web client's 20 s
 * request timeout, so the learner reads our error instead of "timeout".
 */
#define VALUES_EXEC_TIMEOUT_MS 15000	/* the warden kills `lab exec values` then */
#define VALUES_TIMEOUT_MS 18000		/* then the job ends with an error reply */
#define VALUES_RUNNING_MAX 16		/* throwaway cells at once; more jobs queue */
#define VALUES_WAITERS_MAX 8		/* lab.open requests waiting on one attempt */

struct values_wait {
	struct conn *conn;		/* NULL once the connection has gone */
	json_t *id;
	char lang[16];			/* "" = the connection's default */
	int created;
};

struct values_job {
	struct values_job *next;
	struct store_attempt a;
	char hash[STORE_HASH_HEX_MAX + 1];	/* of the lab content the values come from */
	int started;			/* counted in values_running */
	struct cell *cell;
	struct lws *wsi;		/* the adopted IPC socket */
	lws_sorted_usec_list_t sul_timeout;
	struct values_wait wait[VALUES_WAITERS_MAX];
	unsigned nwait;
	lws_usec_t t0;
};

/* A finished job's cell, SIGKILLed and waiting to be reaped. */
struct values_reap {
	struct values_reap *next;
	struct cell *cell;
};

static struct values_job *values_jobs;	/* oldest first: queued jobs start in order */
static unsigned values_running;
static int values_stopping;
static lws_sorted_usec_list_t values_sul_kick, values_sul_reap;
static struct values_reap *values_reaping;

static void values_start_queued(void);
static int conn_live(const struct conn *c);

static void
values_reap(lws_sorted_usec_list_t *sul)
{
	struct values_reap **pp = &values_reaping, *r;
	struct pollfd p;

	(void)sul;
	while ((r = *pp) != NULL) {
		p.fd = cell_pidfd(r->cell);
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, 0) == 1) {
			*pp = r->next;
			cell_stop(r->cell);	/* exited: the wait inside is immediate */
			free(r);
		} else {
			pp = &r->next;
		}
	}
	if (values_reaping != NULL)
		lws_sul_schedule(the_server->ctx, 0, &values_sul_reap, values_reap, 10 * LWS_US_PER_MS);
}

/*
 * Ends a cell (a throwaway values cell, or a learner's) without waiting for
 * the kernel to tear it down (cell_stop()'s reap took up to 170 ms on a loaded
 * host): SIGKILL now, cell_stop() once its pidfd says the warden has exited.
 */
static void
values_retire(struct cell *cell)
{
	struct values_reap *r;

	if (values_stopping || cell_pidfd(cell) < 0 || (r = malloc(sizeof *r)) == NULL) {
		cell_stop(cell);	/* kernels before 5.3: no pidfd, the reap waits */
		return;
	}
	if (kill(cell_pid(cell), SIGKILL) != 0) {
		log_warn_errno("values: kill(%ld)", (long)cell_pid(cell));
		free(r);
		cell_stop(cell);
		return;
	}
	r->cell = cell;
	r->next = values_reaping;
	values_reaping = r;
	lws_sul_schedule(the_server->ctx, 0, &values_sul_reap, values_reap, 10 * LWS_US_PER_MS);
}

/* Ends j: stops its cell, answers everyone waiting (values, or code + msg), frees it. */
static void
values_finish(struct values_job *j, const json_t *values, const char *code, const char *msg)
{
	struct values_job **pp;
	unsigned i;

	for (pp = &values_jobs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	lws_sul_cancel(&j->sul_timeout);
	kill_wsi(&j->wsi);
	if (j->cell != NULL)
		values_retire(j->cell);
	if (j->started)
		values_running--;
	if (values != NULL)
		the_server->m.values_computed++;
	else
		the_server->m.values_failed++;
	for (i = 0; i < j->nwait; i++) {
		struct values_wait *w = &j->wait[i];

		if (w->conn != NULL && conn_live(w->conn)) {
			if (values != NULL)
				ws_lab_open_reply(w->conn, w->id, &j->a, w->lang[0] != '\0' ? w->lang : NULL,
				    w->created, values);
			else
				ws_send_error(w->conn, w->id, code, NULL, msg);
		}
		json_decref(w->id);
	}
	free(j);
	values_start_queued();
}

static void
values_timeout(lws_sorted_usec_list_t *sul)
{
	struct values_job *j = lws_container_of(sul, struct values_job, sul_timeout);

	log_warn("values of attempt %lld (lab %s): no answer within %d ms", (long long)j->a.id,
	    j->a.lab_id, VALUES_TIMEOUT_MS);
	values_finish(j, NULL, PROTO_E_CELL_FAILED, "Your lab could not be prepared in time. Try "
	    "again in a moment, or tell your instructor if it happens again.");
}

static void
values_start(struct values_job *j)
{
	char dir[4096], seed[32];
	const char *args[] = { "lab", "exec", "--lab", "/lab", "--workspace", "/home/learner",
	    "--seed", seed, "values", NULL };

	j->started = 1;
	values_running++;
	if (catalog_lab_dir(the_server, j->a.lab_id, dir, sizeof dir) != 0) {
		values_finish(j, NULL, PROTO_E_NOT_FOUND, "This lab is no longer installed.");
		return;
	}
	seed_text(&j->a, seed, sizeof seed);
	if (catalog_exec_start(dir, args, NULL, VALUES_EXEC_TIMEOUT_MS, &j->cell) != 0 ||
	    adopt(NULL, cell_fd(j->cell), &j->wsi) != 0) {
		the_server->m.cell_failures++;
		values_finish(j, NULL, PROTO_E_CELL_FAILED, "Your lab could not be prepared (no lab "
		    "machine could start). Try again in a moment, or tell your instructor.");
	}
	pool_after_start();
}

/*
 * Starts the oldest queued job, one per loop iteration: a cell start costs
 * the loop a clone and the id maps, and a burst of lab.open must not add
 * those up in front of everyone else's messages.
 */
static void
values_kick(lws_sorted_usec_list_t *sul)
{
	struct values_job *j;

	(void)sul;
	if (values_stopping || values_running >= VALUES_RUNNING_MAX)
		return;
	for (j = values_jobs; j != NULL && j->started; j = j->next)
		;
	if (j == NULL)
		return;
	values_start(j);	/* may end j at once */
	values_start_queued();
}

static void
values_start_queued(void)
{
	struct values_job *j;

	if (values_stopping || values_running >= VALUES_RUNNING_MAX)
		return;
	for (j = values_jobs; j != NULL && j->started; j = j->next)
		;
	if (j != NULL)
		lws_sul_schedule(the_server->ctx, 0, &values_sul_kick, values_kick, 1);
}

/* What the lab runtime said: store and answer, or an error reply.  j is gone afterwards. */
static void
values_result(struct values_job *j, const struct cell_event *ev)
{
	json_t *r = ev->timed_out ? NULL : catalog_exec_result(ev, "lab exec values");
	json_t *v = json_object_get(r, "values"), *lerr = json_object_get(r, "lab_error");
	char *text;
	int rc;

	if (json_is_true(json_object_get(r, "ok")) && json_is_object(v) &&
	    (text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)) != NULL) {
		rc = store_attempt_values_set(the_server->store, j->a.id, j->hash, text);
		if (rc != STORE_OK)	/* still shown; the next lab.open computes them again */
			log_warn("values of attempt %lld not stored: %s", (long long)j->a.id,
			    store_strerror(rc));
		free(text);
		log_info("values of attempt %lld (lab %s) computed in %lld ms", (long long)j->a.id,
		    j->a.lab_id, (long long)((lws_now_usecs() - j->t0) / 1000));
		values_finish(j, v, NULL, NULL);
		json_decref(r);
		return;
	}
	log_warn("values of attempt %lld (lab %s): lab error %s: %s", (long long)j->a.id, j->a.lab_id,
	    json_string_value(json_object_get(lerr, "ref")) ? json_string_value(json_object_get(lerr, "ref")) : "-",
	    ev->timed_out ? "lab exec values timed out" :
	    json_string_value(json_object_get(lerr, "detail")) ? json_string_value(json_object_get(lerr, "detail")) :
	    "no usable answer from the lab runtime");
	values_finish(j, NULL, PROTO_E_LAB_ERROR,
	    ev->timed_out ? "This lab took too long to prepare its texts. Tell your instructor." :
	    json_string_value(json_object_get(lerr, "message")) ? json_string_value(json_object_get(lerr, "message")) :
	    "This lab has a problem preparing its texts. Please tell your instructor.");
	json_decref(r);
}

static struct values_job *
values_job_of(struct lws *wsi)
{
	struct values_job *j;

	for (j = values_jobs; j != NULL; j = j->next)
		if (j->wsi == wsi)
			return j;
	return NULL;
}

/* The raw-fd callback for a throwaway values cell's IPC socket. */
static int
values_raw(struct values_job *j, struct lws *wsi, enum lws_callback_reasons reason)
{
	struct cell_event ev;
	int r;

	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		for (;;) {
			r = cell_read(j->cell, &ev);
			if (r == 0)
				return 0;
			if (r < 0) {
				j->wsi = NULL;	/* lws closes it after we return -1 */
				values_finish(j, NULL, PROTO_E_CELL_FAILED, "Your lab could not be prepared "
				    "(its lab machine stopped). Try again, or tell your instructor.");
				return -1;
			}
			if (ev.type == CELL_EV_RESULT && ev.tag == CATALOG_EXEC_TAG) {
				values_result(j, &ev);
				cell_event_clear(&ev);
				return 0;	/* j is gone; values_finish() closes wsi */
			}
			if (ev.type == CELL_EV_ERROR) {
				char msg[400];

				log_warn("values of attempt %lld: cell: %s", (long long)j->a.id, ev.message);
				snprintf(msg, sizeof msg, "Your lab could not be prepared (%s). Try again, or "
				    "tell your instructor.", ev.message);
				cell_event_clear(&ev);
				values_finish(j, NULL, PROTO_E_CELL_FAILED, msg);
				return 0;
			}
			cell_event_clear(&ev);	/* ENDING: the socket closes next */
		}
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		(void)wsi;
		j->wsi = NULL;
		values_finish(j, NULL, PROTO_E_CELL_FAILED, "Your lab could not be prepared (its lab "
		    "machine stopped). Try again, or tell your instructor.");
		return 0;
	default:
		return 0;
	}
}

/*
 * Called from ws_term_conn_closed(), once ws.c has taken the connection off
 * the_server->conns; the check keeps a live connection's lab.open replies
 * should it ever be called for one.
 */
static int
conn_live(const struct conn *c)
{
	const struct conn *live;

	for (live = the_server->conns; live != NULL; live = live->next)
		if (live == c)
			return 1;
	return 0;
}

static void
values_forget_conn(struct conn *c)
{
	struct values_job *j;
	unsigned i;

	if (conn_live(c))
		return;
	for (j = values_jobs; j != NULL; j = j->next)
		for (i = 0; i < j->nwait; i++)
			if (j->wait[i].conn == c)
				j->wait[i].conn = NULL;
}

void
ws_term_values(struct conn *c, const json_t *id, const struct store_attempt *a,
    const char *content_hash, const char *lang, int created)
{
	struct values_job *j, **pp;
	struct values_wait *w;
	char *text = NULL;
	json_t *v;

	if (store_attempt_values_get(the_server->store, a->id, content_hash, &text) == STORE_OK) {
		v = json_loads(text, 0, NULL);
		free(text);
		if (json_is_object(v)) {
			ws_lab_open_reply(c, id, a, lang, created, v);
			json_decref(v);
			return;
		}
		json_decref(v);		/* unreadable: compute them again */
	}
	for (j = values_jobs; j != NULL && j->a.id != a->id; j = j->next)
		;
	if (j == NULL) {
		if ((j = calloc(1, sizeof *j)) == NULL) {
			ws_send_error(c, id, PROTO_E_INTERNAL, NULL, "The lab could not be opened.");
			return;
		}
		j->a = *a;
		snprintf(j->hash, sizeof j->hash, "%s", content_hash != NULL ? content_hash : "");
		j->t0 = lws_now_usecs();
		for (pp = &values_jobs; *pp != NULL; pp = &(*pp)->next)
			;
		*pp = j;
		lws_sul_schedule(the_server->ctx, 0, &j->sul_timeout, values_timeout,
		    (lws_usec_t)VALUES_TIMEOUT_MS * LWS_US_PER_MS);
	}
	if (j->nwait == VALUES_WAITERS_MAX) {
		ws_send_error(c, id, PROTO_E_RATE_LIMITED, NULL,
		    "This lab is still being prepared; wait for it.");
		return;
	}
	w = &j->wait[j->nwait++];
	w->conn = c;
	w->id = json_incref((json_t *)id);
	snprintf(w->lang, sizeof w->lang, "%s", lang != NULL ? lang : "");
	w->created = created;
	values_start_queued();
}

void
ws_term_shutdown(struct server *s)
{
	(void)s;
	lws_sul_cancel(&pool_sul);
	lws_sul_cancel(&image_sul);
	image_cap = 0;
	cell_pool_set_size(0);	/* the spares end now, none is made again */
	while (terms != NULL)
		term_destroy(terms, "The server is shutting down; your files are kept.");
	values_stopping = 1;
	lws_sul_cancel(&values_sul_kick);
	while (values_jobs != NULL)
		values_finish(values_jobs, NULL, PROTO_E_CELL_FAILED, "The server is shutting down.");
	lws_sul_cancel(&values_sul_reap);
	while (values_reaping != NULL) {
		struct values_reap *r = values_reaping;

		values_reaping = r->next;
		cell_stop(r->cell);
		free(r);
	}
	values_stopping = 0;
	/* every cell is stopped now: what a reset left is no longer attached */
	lws_sul_cancel(&sul_discard);
	while (discards != NULL) {
		struct discard *d = discards;

		discards = d->next;
		if (cell_workspace_remove(d->path) != 0 && errno != ENOENT)
			log_warn("could not delete the reset workspace %s: %s (the next start tries again)",
			    d->path, strerror(errno));
		free(d);
	}
}

/* ---- events from the warden ------------------------------------------ */

/*
 * Every cell has its own devpts instance; the kernel lets all of them
 * together hold kernel.pty.max - kernel.pty.reserve PTYs (3072 by default),
 * the host's own terminals counted in.  Said once a minute at most.
 */
static void
warn_pty_limit(void)
{
	static time_t last;
	long max = 0, reserve = 0;
	time_t now = time(NULL);
	FILE *f;

	if (now - last < 60)
		return;
	last = now;
	if ((f = fopen("/proc/sys/kernel/pty/max", "re")) != NULL) {
		if (fscanf(f, "%ld", &max) != 1)
			max = 0;
		fclose(f);
	}
	if ((f = fopen("/proc/sys/kernel/pty/reserve", "re")) != NULL) {
		if (fscanf(f, "%ld", &reserve) != 1)
			reserve = 0;
		fclose(f);
	}
	log_error("no PTY left for a learner's shell: all cells together may hold kernel.pty.max - "
	    "kernel.pty.reserve = %ld PTYs on this host; raise it for more learners at once "
	    "(sysctl -w kernel.pty.max=%ld, and in /etc/sysctl.d to keep it)", max - reserve,
	    max > 0 ? 2 * max : 8192);
}

static void
on_event(struct term *t, struct cell_event *ev)
{
	struct pending *p = NULL;
	json_t *result;
	int i;

	switch (ev->type) {
	case CELL_EV_RESULT:
		if (ev->tag == TAG_SETUP) {
			result = json_loads(ev->out != NULL ? ev->out : "", 0, NULL);
			if (!json_is_true(json_object_get(result, "ok"))) {
				log_warn("setup of lab %s for attempt %lld failed: %s", t->a.lab_id,
				    (long long)t->a.id, ev->err != NULL ? ev->err : "");
				tell(t, json_pack("{ss ss ss}", "type", "error", "code", PROTO_E_LAB_ERROR,
				    "message", "This lab has a problem setting up; some steps may not work. "
				    "Tell your instructor."));
			}
			json_decref(result);
			on_ready(t);
			return;
		}
		for (i = 0; i < TERM_MAX_PENDING; i++)
			if (t->pend[i].tag == ev->tag)
				p = &t->pend[i];
		if (p == NULL)
			return;
		result = ev->timed_out ? NULL : json_loads(ev->out != NULL ? ev->out : "", 0, NULL);
		if (ev->timed_out)
			result = json_pack("{sb s{ss ss ss}}", "ok", 0, "lab_error", "ref", "LAB-TIMEOUT",
			    "message", "The check took too long. Tell your instructor if this happens again.",
			    "detail", "lab exec did not finish in time");
		ws_lab_record(p->conn, p->id, &t->a, p->kind, p->step, p->index, p->answer, result);
		json_decref(result);
		pending_clear(p);
		return;
	case CELL_EV_SPAWNED:
		if (ev->tag != t->shell_tag || ev->fd < 0)
			return;
		if (adopt(t, ev->fd, &t->pty_wsi) != 0) {
			tell(t, json_pack("{ss ss ss}", "type", "error", "code", PROTO_E_CELL_FAILED,
			    "message", "The terminal could not be connected."));
			return;
		}
		{
			struct winsize wsz = { (unsigned short)t->rows, (unsigned short)t->cols, 0, 0 };

			ioctl(ev->fd, TIOCSWINSZ, &wsz);
		}
		if (t->conn != NULL && t->attach_pending) {
			ws_send_json(t->conn, t->attach_id, json_pack("{ss sI sb}", "type", "cell.ready",
			    "attempt", (json_int_t)t->a.id, "fresh", t->fresh));
			t->fresh = 0;
		} else {
			pty_pause(t, 1);
		}
		t->attach_pending = 0;
		return;
	case CELL_EV_EXIT:
		if (ev->tag == t->shell_tag) {
			t->shell_tag = 0;
			t->shell_requested = 0;
			tell(t, json_pack("{ss sI ss}", "type", "cell.exit", "attempt", (json_int_t)t->a.id,
			    "message", "Your shell has ended. Open the lab again for a new one."));
		}
		return;
	case CELL_EV_ERROR:
		if (!cell_is_ready(t->cell)) {
			/* the cell itself could not be built; term_destroy() tells the learner */
			log_error("cell of attempt %lld could not start: %s", (long long)t->a.id, ev->message);
			the_server->m.cell_failures++;
			if (t->conn != NULL && t->attach_pending) {
				char msg[400];

				snprintf(msg, sizeof msg, "Your lab machine could not start (%s). Tell your "
				    "instructor.", ev->message);
				ws_send_error(t->conn, t->attach_id, PROTO_E_CELL_FAILED, NULL, msg);
				t->attach_pending = 0;
			}
			t->destroy_now = 1;
			return;
		}
		if (ev->tag == TAG_SETUP && !t->ready) {
			log_warn("setup of attempt %lld could not run: %s", (long long)t->a.id, ev->message);
			tell(t, json_pack("{ss ss ss}", "type", "error", "code", PROTO_E_LAB_ERROR,
			    "message", "This lab could not set up its machine; some steps may not work. "
			    "Tell your instructor."));
			on_ready(t);
			return;
		}
		if (ev->tag != 0 && ev->tag == t->shell_tag) {
			int no_pty = strstr(ev->message, "open pty") != NULL &&
			    strstr(ev->message, strerror(ENOSPC)) != NULL;

			t->shell_tag = 0;
			t->shell_requested = 0;
			if (t->conn != NULL && t->attach_pending)
				ws_send_error(t->conn, t->attach_id, PROTO_E_CELL_FAILED, NULL, no_pty ?
				    "The server has no terminals left for your lab machine. Tell your "
				    "instructor (the server's log says what to change)." :
				    "Your lab machine could not start a shell (it may be out of processes "
				    "or memory). Try again, or tell your instructor.");
			t->attach_pending = 0;
			log_warn("shell of attempt %lld could not start: %s", (long long)t->a.id, ev->message);
			if (no_pty)
				warn_pty_limit();
			return;
		}
		for (i = 0; i < TERM_MAX_PENDING; i++)
			if (t->pend[i].tag == ev->tag && ev->tag != 0) {
				if (t->pend[i].conn != NULL)
					ws_send_error(t->pend[i].conn, t->pend[i].id, PROTO_E_CELL_FAILED, NULL,
					    "The lab machine could not run the check.");
				pending_clear(&t->pend[i]);
			}
		log_warn("cell of attempt %lld: %s", (long long)t->a.id, ev->message);
		return;
	case CELL_EV_ENDING:
		/* the socket closes next; term_destroy happens there */
		log_info("cell of attempt %lld is ending: %s", (long long)t->a.id, ev->message);
		return;
	}
}

static int
pty_write(struct term *t, struct lws *wsi)
{
	ssize_t n;

	if (t->in_len == 0)
		return 0;
	n = write(lws_get_socket_fd(wsi), t->in, t->in_len);
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return -1;
	if (n > 0) {
		memmove(t->in, t->in + n, t->in_len - (size_t)n);
		t->in_len -= (size_t)n;
	}
	if (t->in_len > 0) {
		input_pending(t, n > 0);
	} else {
		lws_sul_cancel(&t->sul_input);
		free(t->in);		/* a paste's 64 KiB are not kept for the rest of the session */
		t->in = NULL;
	}
	return 0;
}

/*
 * Reads what the shell has written, up to PTY_FRAME_MAX, into one frame: a
 * PTY hands out about 4 KiB per read, and one frame per read would cost a
 * loop iteration and a WebSocket header for every 4 KiB of output.
 */
static int
pty_read(struct term *t, struct lws *wsi)
{
	char buf[PTY_FRAME_MAX];
	size_t len = 0, max;
	ssize_t n;
	int gone = 0;

	if (t->conn == NULL) {
		pty_pause(t, 1);
		return 0;
	}
	if ((max = output_allowance(t, sizeof buf)) == 0)
		return 0;
	while (len < max) {
		n = read(lws_get_socket_fd(wsi), buf + len, max - len);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (n < 0 && errno != EAGAIN))
			gone = 1;	/* EIO: the shell side is gone */
		break;
	}
	t->tokens -= (int64_t)len;
	if (len > 0 && ws_queue(t->conn, buf, len, 1) == 0 &&
	    t->conn->queued > the_server->cfg.max_queued / 2)
		pty_pause(t, 1);
	return gone ? -1 : 0;
}

int
ws_term_raw_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
    size_t len)
{
	struct term *t = lws_get_opaque_user_data(wsi);
	struct values_job *vj;
	struct cell_event ev;
	int r;

	(void)user;
	(void)in;
	(void)len;
	if (values_jobs != NULL && (vj = values_job_of(wsi)) != NULL)
		return values_raw(vj, wsi, reason);
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (t == NULL)
			return -1;
		if (wsi == t->pty_wsi)
			return pty_read(t, wsi);
		for (;;) {
			memset(&ev, 0, sizeof ev);
			ev.fd = -1;
			r = cell_read(t->cell, &ev);
			if (r == 0)
				return 0;
			if (r < 0) {
				t->ipc_wsi = NULL;	/* lws closes it after we return -1 */
				lws_set_opaque_user_data(wsi, NULL);
				term_destroy(t, "Your lab machine stopped (its time or idle limit, or a "
				    "problem). Your files are kept; open the lab again.");
				return -1;
			}
			on_event(t, &ev);
			cell_event_clear(&ev);
			if (lws_get_opaque_user_data(wsi) == NULL)
				return 0;	/* the cell was ended while handling the event */
			if (t->destroy_now) {
				t->ipc_wsi = NULL;
				lws_set_opaque_user_data(wsi, NULL);
				term_destroy(t, "Your lab machine could not start. Tell your instructor.");
				return -1;
			}
		}
	case LWS_CALLBACK_RAW_WRITEABLE_FILE:
		if (t == NULL || wsi != t->pty_wsi)
			return 0;
		return pty_write(t, wsi);
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (t == NULL)
			return 0;
		if (wsi == t->pty_wsi) {
			t->pty_wsi = NULL;
			t->paused = 0;
			t->throttled = 0;
			t->flow_off = 0;
			lws_sul_cancel(&t->sul_throttle);
			lws_sul_cancel(&t->sul_input);
		} else if (wsi == t->ipc_wsi) {
			t->ipc_wsi = NULL;
			term_destroy(t, "Your lab machine stopped. Your files are kept; open the lab again.");
		}
		return 0;
	default:
		break;
	}
	return 0;
}
