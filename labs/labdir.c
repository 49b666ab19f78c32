/*
 * labdir: host-side helpers for lint, test and grade.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labs/labdir.h"
#include "labs/proc.h"

static int
cmp_broken(const void *a, const void *b)
{
	return strcmp(((const struct broken *)a)->name, ((const struct broken *)b)->name);
}

static void
header_value(const char *line, const char *key, char *out, size_t len, int *found)
{
	size_t kl = strlen(key);
	const char *v;

	if (strncmp(line, key, kl) != 0)
		return;
	v = line + kl;
	while (*v == ' ' || *v == '\t')
		v++;
	snprintf(out, len, "%s", v);
	while (*out && (out[strlen(out) - 1] == '\n' || out[strlen(out) - 1] == '\r' ||
	    out[strlen(out) - 1] == ' '))
		out[strlen(out) - 1] = '\0';
	if (found != NULL)
		*found = 1;
}

int
labdir_brokens(const char *labdir, struct broken **out, size_t *n, char *msg, size_t msglen)
{
	char dir[PATH_MAX], path[PATH_MAX * 2], line[LAB_ANSWER_MAX + 64];
	struct broken *list = NULL, *b;
	struct dirent *de;
	DIR *d;
	FILE *f;

	*out = NULL;
	*n = 0;
	snprintf(dir, sizeof dir, "%s/broken", labdir);
	d = opendir(dir);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || l < 4 || strcmp(de->d_name + l - 3, ".sh") != 0)
			continue;
		b = realloc(list, (*n + 1) * sizeof *list);
		if (b == NULL)
			break;
		list = b;
		b = &list[(*n)++];
		memset(b, 0, sizeof *b);
		snprintf(b->name, sizeof b->name, "%s", de->d_name);
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof line, f) != NULL && line[0] == '#') {
			header_value(line, "# step:", b->step, sizeof b->step, NULL);
			header_value(line, "# expect:", b->expect, sizeof b->expect, NULL);
			header_value(line, "# answer:", b->answer, sizeof b->answer, &b->has_answer);
		}
		fclose(f);
	}
	closedir(d);
	if (*n > 1)
		qsort(list, *n, sizeof *list, cmp_broken);
	*out = list;
	for (size_t i = 0; i < *n; i++)
		if (list[i].step[0] == '\0' || list[i].expect[0] == '\0') {
			snprintf(msg, msglen, "broken/%s: needs '# step: ID' and '# expect: TEXT' header lines",
			    list[i].name);
			return -1;
		}
	return 0;
}

int
labdir_read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(p) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(p) < 0 && errno != ENOENT ? -1 : 0;
}

int
labdir_rm_rf(const char *path)
{
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

const char *
labdir_self(void)
{
	static char self[PATH_MAX];
	ssize_t n;

	if (self[0] != '\0')
		return self;
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		snprintf(self, sizeof self, "labhub");
	else
		self[n] = '\0';
	return self;
}

int
labdir_tmp(char *out, size_t len, const char *prefix)
{
	const char *t = getenv("TMPDIR");

	snprintf(out, len, "%s/labhub-%s-XXXXXX", t != NULL && *t ? t : "/tmp", prefix);
	return mkdtemp(out) != NULL ? 0 : -1;
}

json_t *
labdir_exec(const char *labdir, const char *ws, const char *state, const char *seed,
    const char *action, const char *arg, const char *answer)
{
	const char *argv[16], *env[8];
	struct proc_spec spec = { 0 };
	struct proc_result res;
	char pathenv[4096], logenv[64];
	const char *p = getenv("PATH"), *lg = getenv("LABHUB_LOG"), *as = getenv("ASAN_OPTIONS");
	char asenv[512];
	json_error_t err;
	json_t *j;
	int a = 0, e = 0;

	argv[a++] = labdir_self();
	argv[a++] = "lab";
	argv[a++] = "exec";
	argv[a++] = "--lab";
	argv[a++] = labdir;
	argv[a++] = "--workspace";
	argv[a++] = ws;
	argv[a++] = "--seed";
	argv[a++] = seed != NULL ? seed : "";
	if (state != NULL) {
		argv[a++] = "--state";
		argv[a++] = state;
	}
	argv[a++] = action;
	if (arg != NULL)
		argv[a++] = arg;
	argv[a] = NULL;
	snprintf(pathenv, sizeof pathenv, "PATH=%s", p != NULL ? p : "/usr/local/bin:/usr/bin:/bin");
	env[e++] = pathenv;
	env[e++] = "LANG=C.UTF-8";
	if (lg != NULL) {
		snprintf(logenv, sizeof logenv, "LABHUB_LOG=%s", lg);
		env[e++] = logenv;
	}
	if (as != NULL) {
		snprintf(asenv, sizeof asenv, "ASAN_OPTIONS=%s", as);
		env[e++] = asenv;
	}
	env[e] = NULL;
	spec.argv = argv;
	spec.env = env;
	spec.cwd = "/";
	spec.stdin_data = answer;
	spec.stdin_len = answer != NULL ? strlen(answer) : 0;
	spec.timeout_ms = (LAB_SETUP_MS + 10000);
	if (proc_run(&spec, &res) < 0)
		return json_pack("{s:b, s:{s:s}}", "ok", 0, "lab_error", "detail", "cannot run lab exec");
	j = json_loadb(res.out, res.out_len, 0, &err);
	if (j == NULL || !json_is_object(j)) {
		char detail[1024];

		json_decref(j);
		snprintf(detail, sizeof detail, "lab exec %s printed no JSON (exit %d): %.600s", action, res.code,
		    res.err);
		j = json_pack("{s:b, s:{s:s}}", "ok", 0, "lab_error", "detail", detail);
	}
	if (res.err_len > 0 && getenv("LABHUB_LAB_VERBOSE") != NULL)
		fprintf(stderr, "%s", res.err);
	proc_result_free(&res);
	return j;
}
