/*
 * serve: `labhub serve` — resolves the configuration, opens the store,
 * loads the lab catalog, optionally seeds a demo, then runs the one lws
 * event loop that serves HTTP, the labhub.v1 WebSocket protocol and the
 * learners' cells until SIGINT/SIGTERM.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "server/auth.h"
#include "server/catalog.h"
#include "server/hasher.h"
#include "server/cli.h"
#include "server/log.h"
#include "server/server.h"
#include "server/ws_term.h"
#include "sandbox/cell.h"	/* cell_workspace_image_available(), cell_pool_*() */

struct server *the_server;
static volatile sig_atomic_t stopping;
static uv_loop_t uv_loop;		/* the event loop when event-loop is uv */
static uv_signal_t uv_sigs[2];
size_t http_req_size(void);

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: labhub serve [--config FILE] [--listen ADDR:PORT] [--data DIR] [--demo]\n"
	    "                    [--web DIR] [--labs DIR] [--tls-cert FILE --tls-key FILE]\n"
	    "                    [--origins LIST] [--KEY VALUE ...]\n"
	    "\n"
	    "Serves labhub on ADDR:PORT (default 127.0.0.1:8080; port 0 picks a free one).\n"
	    "Every setting of the config file can be given as --KEY VALUE and wins over the\n"
	    "file (see labhub.conf.example): data, listen, web, labs, tls-cert, tls-key,\n"
	    "origins, session-hours, login-rate, message-rate, max-message, max-queued,\n"
	    "cell-grace, cell-limits, lab-limits, cell-spares, workspace-spares, event-loop,\n"
	    "ws-deflate, busy-output-rate.\n"
	    "\n"
	    "  --demo    create (once) an instructor 'teacher' and a cohort 'Demo workshop'\n"
	    "            with every lab enabled, and print the sign-in details\n"
	    "\n"
	    "The first line on stdout is \"labhub: serving URL\" once it accepts connections.\n");
}

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
	if (the_server != NULL && the_server->ctx != NULL)
		lws_cancel_service(the_server->ctx);
}

/* Cells exec labhub-warden from beside this executable (sandbox/cell.c); say when it is not there. */
static void
warn_without_warden(void)
{
	char exe[PATH_MAX], path[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;

	if (n <= 0)
		return;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return;
	*slash = '\0';
	snprintf(path, sizeof path, "%s/labhub-warden", exe);
	if (access(path, X_OK) != 0)
		log_warn("%s is missing: each cell's warden will be a copy of this server "
		    "(about 1 MB more per learner); install it next to labhub-full", path);
}

/* libuv delivers SIGINT/SIGTERM on the loop: shut the cells down while lws is whole. */
static void
on_uv_signal(uv_signal_t *h, int sig)
{
	(void)h;
	if (stopping)
		return;
	log_info("signal %d: stopping", sig);
	stopping = 1;
	uv_stop(&uv_loop);
}

static const struct lws_extension extensions[] = {
	{ "permessage-deflate", lws_extension_callback_pm_deflate,
	    "permessage-deflate; client_no_context_takeover; client_max_window_bits" },
	{ NULL, NULL, NULL }
};

static const struct lws_protocols protocols[] = {
	{ "http", http_callback, 0, 0, 0, NULL, 0 },
	{ SERVER_WS_PROTOCOL, ws_callback, 0, 0, 0, NULL, 0 },
	{ WS_TERM_RAW_PROTOCOL, ws_term_raw_callback, 0, 0, 0, NULL, 0 },
	{ HASHER_PROTOCOL, hasher_raw_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_protocol_vhost_options security_headers[] = {
	{ &security_headers[1], NULL, "x-content-type-options:", "nosniff" },
	{ &security_headers[2], NULL, "x-frame-options:", "DENY" },
	{ &security_headers[3], NULL, "referrer-policy:", "no-referrer" },
	{ NULL, NULL, "content-security-policy:",
	  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
	  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'" },
};

/* lws knows the common types; these are the ones the front-end needs beyond them. */
static const struct lws_protocol_vhost_options mimetypes[] = {
	{ &mimetypes[1], NULL, ".mjs", "text/javascript" },
	{ &mimetypes[2], NULL, ".js", "text/javascript" },
	{ &mimetypes[3], NULL, ".json", "application/json" },
	{ &mimetypes[4], NULL, ".svg", "image/svg+xml" },
	{ &mimetypes[5], NULL, ".woff2", "font/woff2" },
	{ NULL, NULL, ".txt", "text/plain; charset=utf-8" },
};

/* Reads the demo instructor's password, or makes one and keeps it (0600) beside the store. */
static int
demo_password(const struct config *cfg, char pw[AUTH_GENPASS_SIZE], int *fresh)
{
	char path[PATH_MAX + 32];
	FILE *f;
	int fd;

	snprintf(path, sizeof path, "%s/demo-credentials", cfg->data_dir);
	f = fopen(path, "re");
	*fresh = 0;
	if (f != NULL) {
		int ok = fgets(pw, AUTH_GENPASS_SIZE, f) != NULL;

		fclose(f);
		pw[strcspn(pw, "\n")] = '\0';
		if (ok && pw[0] != '\0')
			return 0;
	}
	auth_password_generate(pw);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, pw, strlen(pw)) < 0) {
		log_error_errno("demo: %s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	*fresh = 1;
	return 0;
}

static int
first_cohort_cb(const struct store_cohort *c, void *arg)
{
	*(struct store_cohort *)arg = *c;
	return 1;
}

static int
seed_demo(struct server *s, char *url)
{
	char pw[AUTH_GENPASS_SIZE], hash[AUTH_PWHASH_SIZE], code[AUTH_JOIN_CODE_SIZE];
	char shown[AUTH_JOIN_CODE_SIZE + 1];
	struct store_user u;
	struct store_cohort c;
	int fresh, rc;
	int64_t id;

	if (demo_password(&s->cfg, pw, &fresh) != 0)
		return -1;
	rc = store_user_get_by_name(s->store, "teacher", &u);
	if (rc == STORE_NOTFOUND || fresh) {
		if (auth_password_hash(pw, strlen(pw), hash) != 0)
			return -1;
		if (rc == STORE_NOTFOUND) {
			if (store_user_add(s->store, "teacher", STORE_ROLE_INSTRUCTOR, hash, &id) != STORE_OK)
				return -1;
			store_audit_add(s->store, "demo", "user.add", "teacher", "instructor");
		} else if (store_user_set_password(s->store, u.id, hash) != STORE_OK) {
			return -1;
		}
		if (store_user_get_by_name(s->store, "teacher", &u) != STORE_OK)
			return -1;
	}
	memset(&c, 0, sizeof c);
	store_cohort_list(s->store, u.id, first_cohort_cb, &c);
	if (c.id == 0) {
		do {
			auth_join_code_new(code);
			rc = store_cohort_create(s->store, "Demo workshop", code, u.id, &id);
		} while (rc == STORE_EXISTS);
		if (rc != STORE_OK || store_cohort_get(s->store, id, &c) != STORE_OK)
			return -1;
		store_audit_add(s->store, "demo", "cohort.create", "Demo workshop", code);
	}
	catalog_enable_all(s, c.id);
	auth_join_code_format(c.join_code, shown);
	printf("labhub demo:\n"
	    "  instructor  %s  sign in as 'teacher' with password '%s'\n"
	    "  learners    open %s and join with the code %s and any nickname\n",
	    url, pw, url, shown);
	return 0;
}

/* First pass: --config and --help; second pass: every --KEY VALUE. */
static int
parse_args(int argc, char **argv, struct config *cfg, int *demo)
{
	const char *config_path = NULL;
	char err[512];
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "labhub serve: --config needs a FILE\n");
				return -1;
			}
			config_path = argv[++i];
		}
	}
	if (config_resolve(cfg, config_path, NULL, err, sizeof err) != 0) {
		fprintf(stderr, "labhub serve: %s\n", err);
		return -1;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--config") == 0) {
			i++;
			continue;
		}
		if (strcmp(a, "--demo") == 0) {
			*demo = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			fprintf(stderr, "labhub serve: unexpected argument '%s' (try --help)\n", a);
			return -1;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "labhub serve: %s needs a value\n", a);
			return -1;
		}
		if (config_set(cfg, a + 2, argv[i + 1], err, sizeof err) != 0) {
			fprintf(stderr, "labhub serve: %s (try --help)\n", err);
			return -1;
		}
		i++;
	}
	if ((cfg->tls_cert[0] != '\0') != (cfg->tls_key[0] != '\0')) {
		fprintf(stderr, "labhub serve: TLS needs both tls-cert and tls-key\n");
		return -1;
	}
	return 0;
}

int
serve_main(int argc, char **argv)
{
	struct server s;
	struct lws_context_creation_info info;
	struct lws_http_mount mount_files, mount_api, mount_health, mount_metrics;
	char dbpath[PATH_MAX + 16], err[512], url[300];
	int demo = 0, rc = 1, port, n;
	struct stat st;

	memset(&s, 0, sizeof s);
	log_set_tag("labhub serve");
	if (parse_args(argc, argv, &s.cfg, &demo) != 0)
		return EXIT_USAGE;
	if (auth_init() != 0) {
		log_error("libsodium could not start");
		return 1;
	}
	if (stat(s.cfg.web_dir, &st) != 0 || !S_ISDIR(st.st_mode))
		log_warn("web directory %s is missing: only the API will work (set --web DIR)", s.cfg.web_dir);
	if (config_ensure_data_dir(&s.cfg) != 0) {
		log_error_errno("cannot create the data directory %s", s.cfg.data_dir);
		return 1;
	}
	if (config_db_path(&s.cfg, dbpath, sizeof dbpath) != 0 ||
	    store_open(dbpath, 0, &s.store, err, sizeof err) != STORE_OK) {
		log_error("cannot open the store %s: %s", dbpath, err);
		return 1;
	}
	s.rl_addr = ratelimit_new(8192, (unsigned)s.cfg.login_rate_per_min, 60000, NULL, NULL);
	s.rl_account = ratelimit_new(8192, (unsigned)s.cfg.login_rate_per_min, 60000, NULL, NULL);
	if (s.rl_addr == NULL || s.rl_account == NULL) {
		log_error("out of memory");
		goto out;
	}
	s.tls = s.cfg.tls_cert[0] != '\0';
	s.m.started = (int64_t)time(NULL);
	the_server = &s;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	n = catalog_load(&s);
	log_info("%d labs in the catalog", n);

	memset(&mount_files, 0, sizeof mount_files);
	mount_files.mountpoint = "/";
	mount_files.mountpoint_len = 1;
	mount_files.origin = s.cfg.web_dir;
	mount_files.def = "index.html";
	mount_files.origin_protocol = LWSMPRO_FILE;
	mount_files.cache_max_age = 0;
	mount_files.extra_mimetypes = mimetypes;
	mount_api = mount_files;
	mount_api.mount_next = &mount_files;
	mount_api.mountpoint = "/api";
	mount_api.mountpoint_len = 4;
	mount_api.origin = "http";
	mount_api.def = NULL;
	mount_api.extra_mimetypes = NULL;
	mount_api.origin_protocol = LWSMPRO_CALLBACK;
	mount_health = mount_api;
	mount_health.mount_next = &mount_api;
	mount_health.mountpoint = "/healthz";
	mount_health.mountpoint_len = 8;
	mount_metrics = mount_api;
	mount_metrics.mount_next = &mount_health;
	mount_metrics.mountpoint = "/metrics";
	mount_metrics.mountpoint_len = 8;

	/* LABHUB_LWS_LOG=<lws level bits> shows libwebsockets' own diagnostics. */
	lws_set_log_level(getenv("LABHUB_LWS_LOG") ? atoi(getenv("LABHUB_LWS_LOG")) : LLL_ERR | LLL_WARN, NULL);
	memset(&info, 0, sizeof info);
	info.port = s.cfg.listen_port == 0 ? CONTEXT_PORT_NO_LISTEN_SERVER : s.cfg.listen_port;
	if (s.cfg.listen_port == 0)
		info.port = 0;
	info.iface = s.cfg.listen_host;
	info.protocols = protocols;
	info.mounts = &mount_metrics;
	info.headers = security_headers;
	info.user = &s;
	info.timeout_secs = 30;
	if (s.cfg.ws_deflate)
		info.extensions = extensions;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
	if (strchr(s.cfg.listen_host, ':') != NULL)
		info.options &= ~(uint64_t)LWS_SERVER_OPTION_DISABLE_IPV6;
	if (s.tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = s.cfg.tls_cert;
		info.ssl_private_key_filepath = s.cfg.tls_key;
	}
	/* per-session data sizes are known only at run time */
	{
		static struct lws_protocols p[5];

		memcpy(p, protocols, sizeof p);
		p[0].per_session_data_size = http_req_size();
		p[1].per_session_data_size = ws_conn_size();
		/*
		 * lws allocates this per connection when it is established and
		 * keeps it: 4 KiB (what ttyd gets from lws's default) instead of
		 * 16 saves 12 KiB per learner.  Larger messages (a paste) come in
		 * pieces and are put together in ws.c.
		 */
		p[1].rx_buffer_size = 4096;
		info.protocols = p;
	}
	/*
	 * libuv (epoll) unless told otherwise: lws's own loop is poll(), which
	 * costs every wakeup a pass over all descriptors, about four per session.
	 */
	if (strcmp(s.cfg.event_loop, "poll") != 0) {
		static void *foreign[1];

		if (uv_loop_init(&uv_loop) != 0) {
			log_error("libuv: cannot create an event loop");
			goto out;
		}
		foreign[0] = &uv_loop;
		info.foreign_loops = foreign;
		info.options |= LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN;
		s.ctx = lws_create_context(&info);
		if (s.ctx != NULL)
			s.uv = 1;
		else if (strcmp(s.cfg.event_loop, "uv") == 0)
			log_error("libwebsockets cannot use libuv (is libwebsockets-evlib-uv installed?)");
		else
			log_warn("libwebsockets cannot use libuv (install libwebsockets-evlib-uv): "
			    "using poll(), which is slower with many learners");
		if (s.ctx == NULL) {
			uv_loop_close(&uv_loop);
			info.foreign_loops = NULL;
			info.options &= ~(uint64_t)(LWS_SERVER_OPTION_LIBUV |
			    LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN);
		}
	}
	if (s.ctx == NULL && (strcmp(s.cfg.event_loop, "uv") != 0))
		s.ctx = lws_create_context(&info);
	if (s.ctx == NULL) {
		log_error("cannot listen on %s:%d (in use, or a bad address or TLS file?)",
		    s.cfg.listen_host, s.cfg.listen_port);
		goto out;
	}
	s.vhost = lws_get_vhost_by_name(s.ctx, "default");
	port = s.vhost != NULL ? lws_get_vhost_listen_port(s.vhost) : s.cfg.listen_port;
	snprintf(url, sizeof url, "%s://%s%s%s:%d/", s.tls ? "https" : "http",
	    strchr(s.cfg.listen_host, ':') ? "[" : "", s.cfg.listen_host,
	    strchr(s.cfg.listen_host, ':') ? "]" : "", port);
	if (demo && seed_demo(&s, url) != 0) {
		log_error("could not seed the demo");
		goto out;
	}
	printf("labhub: serving %s (data in %s)\n", url, s.cfg.data_dir);
	fflush(stdout);
	log_info("serving %s, data %s, web %s, labs %s", url, s.cfg.data_dir, s.cfg.web_dir, s.cfg.labs_dir);
	if (cell_workspace_image_available(err, sizeof err))
		log_info("workspaces: ext4 images, each capped in total at its workspace limit");
	else
		log_warn("workspaces are capped per file only, not in total (%s): a learner can fill "
		    "the disk of %s with many files (sandbox/README.md)", err, s.cfg.data_dir);
	warn_without_warden();
	ws_term_workspace_sweep();
	ws_term_spare_images();
	/* spare wardens: made ahead on the loop when idle (ws_term.c), so that the
	 * stop of a learner's cell does not pay the clone of the next one */
	cell_pool_set_size((unsigned)s.cfg.cell_spares);
	cell_pool_refill_on_stop(0);

	if (s.uv) {
		int i, sigs[2] = { SIGINT, SIGTERM };

		for (i = 0; i < 2; i++) {
			uv_signal_init(&uv_loop, &uv_sigs[i]);
			uv_signal_start(&uv_sigs[i], on_uv_signal, sigs[i]);
		}
		while (!stopping)
			uv_run(&uv_loop, UV_RUN_DEFAULT);
	} else
		while (!stopping)
			if (lws_service(s.ctx, 0) < 0)
				break;
	log_info("stopping");
	ws_term_shutdown(&s);
	rc = 0;
out:
	if (s.ctx != NULL)
		lws_context_destroy(s.ctx);
	if (s.uv) {
		int i;

		if (uv_sigs[0].signal_cb != NULL)
			for (i = 0; i < 2; i++)
				uv_close((uv_handle_t *)&uv_sigs[i], NULL);
		/*
		 * On a foreign loop, lws_context_destroy() only starts closing
		 * lws's handles; once the loop has run them down, a second call
		 * frees the vhosts and the context itself.
		 */
		for (i = 0; i < 1000 && uv_run(&uv_loop, UV_RUN_NOWAIT) != 0; i++)
			;
		lws_context_destroy(s.ctx);
		for (i = 0; i < 1000 && uv_run(&uv_loop, UV_RUN_NOWAIT) != 0; i++)
			;
		if (uv_loop_close(&uv_loop) != 0)
			log_warn("libuv: handles left open at exit");
	}
	catalog_free();
	ratelimit_free(s.rl_addr);
	ratelimit_free(s.rl_account);
	store_close(s.store);
	the_server = NULL;
	return rc;
}
