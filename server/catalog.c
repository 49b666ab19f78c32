/*
 * catalog: see catalog.h.  The lab runtime runs in a throwaway cell (tmpfs
 * home, the lab folder read-only at /lab) with a bounded time; the cell
 * caps what it can print, so nothing a lab says can grow the server.
 */
#include "config.h"

#include <cmark.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/cell.h"
#include "server/catalog.h"
#include "server/log.h"

#define EXEC_OUT_MAX (1024 * 1024)
#define STEP_FILE_MAX (256 * 1024)

static json_t *tracks;

json_t *
catalog_tracks(void)
{
	if (tracks == NULL)
		tracks = json_array();
	return tracks;
}

void
catalog_free(void)
{
	json_decref(tracks);
	tracks = NULL;
}

/* The throwaway cell for one `lab exec` (tmpfs home, mount_dir at /lab) and its argv. */
static void
exec_spec(const char *mount_dir, const char *const *args, int timeout_ms, struct cell_spec *spec,
    char *id, size_t idlen, const char **argv)
{
	static unsigned serial;
	size_t n = 0;
	int i;

	argv[n++] = "/run/labhub/labhub";
	for (i = 0; args[i] != NULL && n < CELL_MAX_ARGV - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	snprintf(id, idlen, "catalog-%ld-%u", (long)getpid(), serial++);
	memset(spec, 0, sizeof *spec);
	spec->id = id;
	spec->workspace = NULL;		/* a throwaway tmpfs home */
	spec->lab_dir = mount_dir;
	cell_limits_default(&spec->limits);
	spec->limits.lifetime_s = (unsigned)(timeout_ms / 1000 + 5);
}

/* "lab exec ... values" for the log, cut to len. */
static void
describe(const char *const *args, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; args[i] != NULL && n + 1 < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i > 0 ? " " : "", args[i]);
}

json_t *
catalog_exec_result(const struct cell_event *ev, const char *what)
{
	json_error_t jerr;
	json_t *j;

	if (ev->type != CELL_EV_RESULT || ev->tag != CATALOG_EXEC_TAG)
		return NULL;
	if (ev->timed_out) {
		log_error("catalog: '%s' took too long and was killed", what);
		return NULL;
	}
	j = json_loadb(ev->out != NULL ? ev->out : "", ev->outlen, 0, &jerr);
	if (j == NULL)
		log_error("catalog: '%s': lab runtime output is not JSON (%s): %.200s", what, jerr.text,
		    ev->err != NULL ? ev->err : "");
	return j;
}

int
catalog_exec_start(const char *mount_dir, const char *const *args, const char *stdin_text,
    int timeout_ms, struct cell **out)
{
	const char *argv[CELL_MAX_ARGV];
	char id[CELL_ID_MAX + 1], why[256], what[128];
	struct cell_spec spec;

	*out = NULL;
	exec_spec(mount_dir, args, timeout_ms, &spec, id, sizeof id, argv);
	if (cell_start_nowait(&spec, out, why, sizeof why) != 0) {
		describe(args, what, sizeof what);
		log_error("catalog: no cell for '%s': %s", what, why);
		*out = NULL;
		return -1;
	}
	/* the warden reads it once it is ready */
	if (cell_request_exec(*out, CATALOG_EXEC_TAG, argv, CELL_AS_LEARNER, stdin_text,
	    stdin_text != NULL ? strlen(stdin_text) : 0, (unsigned)timeout_ms) != 0) {
		log_error_errno("catalog: exec request");
		cell_stop(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

json_t *
catalog_exec(const char *mount_dir, const char *const *args, const char *stdin_text, int timeout_ms)
{
	const char *argv[CELL_MAX_ARGV];
	char id[CELL_ID_MAX + 1], why[256], what[128];
	struct cell_spec spec;
	struct cell_event ev;
	struct cell *cell;
	json_t *j = NULL;
	int r;

	describe(args, what, sizeof what);
	exec_spec(mount_dir, args, timeout_ms, &spec, id, sizeof id, argv);
	if (cell_start(&spec, &cell, why, sizeof why) != 0) {
		log_error("catalog: no cell for '%s': %s", what, why);
		return NULL;
	}
	if (cell_request_exec(cell, CATALOG_EXEC_TAG, argv, CELL_AS_LEARNER, stdin_text,
	    stdin_text != NULL ? strlen(stdin_text) : 0, (unsigned)timeout_ms) != 0) {
		log_error_errno("catalog: exec request");
		cell_stop(cell);
		return NULL;
	}
	for (;;) {
		memset(&ev, 0, sizeof ev);
		ev.fd = -1;
		r = cell_wait_event(cell, &ev, timeout_ms + 2000);
		if (r <= 0) {
			log_error("catalog: the lab runtime did not answer ('%s')", what);
			break;
		}
		if (ev.type == CELL_EV_RESULT && ev.tag == CATALOG_EXEC_TAG) {
			j = catalog_exec_result(&ev, what);
			cell_event_clear(&ev);
			break;
		}
		if (ev.type == CELL_EV_ERROR || ev.type == CELL_EV_ENDING) {
			log_error("catalog: cell: %s", ev.message);
			cell_event_clear(&ev);
			break;
		}
		cell_event_clear(&ev);
	}
	cell_stop(cell);
	return j;
}

static int
safe_name(const char *s)
{
	if (s[0] == '\0' || s[0] == '.')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

int
catalog_lab_dir(const struct server *s, const char *lab_id, char *buf, size_t len)
{
	int n;

	if (!safe_name(lab_id))
		return -1;
	n = snprintf(buf, len, "%s/labs/%s", s->cfg.labs_dir, lab_id);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* SHA-256 of lab.lua and the manifest: a new lab version is noticed. */
static void
content_hash(const char *dir, const char *manifest, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE], chunk[8192];
	unsigned int mdlen = 0, i;
	char path[8192];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	FILE *f;
	size_t r;

	out[0] = '\0';
	if (ctx == NULL)
		return;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	snprintf(path, sizeof path, "%s/lab.lua", dir);
	f = fopen(path, "re");
	if (f != NULL) {
		while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
			EVP_DigestUpdate(ctx, chunk, r);
		fclose(f);
	}
	EVP_DigestUpdate(ctx, manifest, strlen(manifest));
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int
load_one(struct server *s, const char *id)
{
	char dir[4096];
	const char *args[] = { "lab", "exec", "--lab", "/lab", "--workspace", "/home/learner",
	    "manifest", NULL };
	struct store_lab lab;
	json_t *j, *labj;
	char *text;
	int rc;

	if (catalog_lab_dir(s, id, dir, sizeof dir) != 0)
		return -1;
	j = catalog_exec(dir, args, NULL, 20000);
	if (j == NULL || !json_is_true(json_object_get(j, "ok"))) {
		log_error("catalog: lab '%s' has a problem and is not offered: %s", id,
		    j != NULL ? json_string_value(json_object_get(json_object_get(j, "lab_error"),
		    "detail")) : "no answer from the lab runtime");
		json_decref(j);
		return -1;
	}
	labj = json_object_get(j, "lab");
	json_object_del(j, "ok");
	json_object_del(j, "action");
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	memset(&lab, 0, sizeof lab);
	snprintf(lab.id, sizeof lab.id, "%.64s", id);
	lab.version = (int)json_integer_value(json_object_get(labj, "version"));
	snprintf(lab.title, sizeof lab.title, "%.200s", json_string_value(json_object_get(labj, "title")) ?
	    json_string_value(json_object_get(labj, "title")) : id);
	content_hash(dir, text != NULL ? text : "", lab.content_hash);
	lab.manifest = text;
	lab.enabled = 1;
	rc = text != NULL ? store_lab_upsert(s->store, &lab) : STORE_ERROR;
	free(text);
	json_decref(j);
	if (rc != STORE_OK) {
		log_error("catalog: storing lab '%s': %s", id, store_strerror(rc));
		return -1;
	}
	log_info("catalog: lab '%s' version %d", id, lab.version);
	return 0;
}

int
catalog_load(struct server *s)
{
	char dir[PATH_MAX + 64];
	struct dirent **names = NULL;
	const char *args[] = { "lab", "tracks", "--json", "/lab", NULL };
	int n, i, loaded = 0;
	json_t *t;

	snprintf(dir, sizeof dir, "%s/labs", s->cfg.labs_dir);
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		log_warn_errno("catalog: no labs in %s", dir);
		return 0;
	}
	for (i = 0; i < n; i++) {
		char lua[8192];
		struct stat st;

		if (safe_name(names[i]->d_name)) {
			snprintf(lua, sizeof lua, "%s/%s/lab.lua", dir, names[i]->d_name);
			if (stat(lua, &st) == 0 && load_one(s, names[i]->d_name) == 0)
				loaded++;
		}
		free(names[i]);
	}
	free(names);
	snprintf(dir, sizeof dir, "%s", s->cfg.labs_dir);
	t = catalog_exec(dir, args, NULL, 20000);
	json_decref(tracks);
	tracks = json_incref(json_object_get(t, "tracks"));
	if (!json_is_array(tracks)) {
		json_decref(tracks);
		tracks = json_array();
	}
	json_decref(t);
	log_info("catalog: %d labs, %zu tracks from %s", loaded, json_array_size(tracks), s->cfg.labs_dir);
	return loaded;
}

static int
enable_cb(const struct store_lab *lab, void *arg)
{
	int64_t *cohort = arg;

	store_cohort_lab_enable(the_server->store, *cohort, lab->id, 1);
	return 0;
}

void
catalog_enable_all(struct server *s, int64_t cohort_id)
{
	store_lab_list(s->store, enable_cb, &cohort_id);
}

static char *
read_small(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	char *buf;
	ssize_t r;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > STEP_FILE_MAX) {
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return NULL;
	}
	r = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (r < 0) {
		free(buf);
		return NULL;
	}
	buf[r] = '\0';
	return buf;
}

/* {{name}} -> values[name]; unknown names are left as they are. */
static char *
substitute(char *md, const json_t *values)
{
	size_t cap = strlen(md) + 1024, len = 0;
	char *out, *p = md;

	if (values == NULL || json_object_size(values) == 0)
		return md;
	out = malloc(cap);
	if (out == NULL)
		return md;
	while (*p != '\0') {
		char *close = NULL;
		const char *val = NULL;
		size_t vlen, need;

		if (p[0] == '{' && p[1] == '{' && (close = strstr(p + 2, "}}")) != NULL &&
		    close - p < 66) {
			char key[64];

			memcpy(key, p + 2, (size_t)(close - p - 2));
			key[close - p - 2] = '\0';
			val = json_string_value(json_object_get(values, key));
		}
		vlen = val != NULL ? strlen(val) : 1;
		need = len + vlen + 1;
		if (need > cap) {
			char *n;

			cap = need * 2;
			n = realloc(out, cap);
			if (n == NULL) {
				free(out);
				return md;
			}
			out = n;
		}
		if (val != NULL) {
			memcpy(out + len, val, vlen);
			len += vlen;
			p = close + 2;
		} else {
			out[len++] = *p++;
		}
	}
	out[len] = '\0';
	free(md);
	return out;
}

char *
catalog_render_step(const struct server *s, const char *lab_id, const char *file,
    const json_t *texts, const char *lang, const json_t *values)
{
	char dir[4096], path[8192];
	const char *rel = file;
	char *md = NULL, *html;

	if (file == NULL || strstr(file, "..") != NULL || file[0] == '/' ||
	    catalog_lab_dir(s, lab_id, dir, sizeof dir) != 0)
		return NULL;
	if (lang != NULL && json_is_string(json_object_get(texts, lang))) {
		const char *t = json_string_value(json_object_get(texts, lang));

		if (strstr(t, "..") == NULL && t[0] != '/') {
			snprintf(path, sizeof path, "%s/%s", dir, t);
			md = read_small(path);
		}
	}
	if (md == NULL) {
		snprintf(path, sizeof path, "%s/%s", dir, rel);
		md = read_small(path);
	}
	if (md == NULL)
		return NULL;
	md = substitute(md, values);
	html = cmark_markdown_to_html(md, strlen(md), CMARK_OPT_SAFE | CMARK_OPT_SMART);
	free(md);
	return html;
}
