/*
 * lint: `labhub lab lint DIR...` checks a lab folder before any learner
 * sees it: lab.lua loads and declares a valid lab (the same VM and API as
 * in a cell), the folder name is the lab id, every step text exists and
 * is valid CommonMark (UTF-8, renders to HTML), hints cost no more than
 * the step, needed programs are installed, every step has a solution and
 * the lab has broken attempts whose headers name real steps.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmark.h>
#include <dirent.h>

#include "labs/exec.h"
#include "labs/labdir.h"
#include "server/cli.h"

int lab_lint_main(int argc, char **argv);
int lab_lint_dir(const char *dir, FILE *out);

static int problems;

static void
problem(FILE *out, const char *dir, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "%s: ", dir);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	problems++;
}

static int
valid_utf8(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);

	json_decref(j);
	return j != NULL;
}

static void
lint_markdown(FILE *out, const char *dir, const char *rel)
{
	char path[PATH_MAX * 2], *buf, *html;
	struct stat st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		problem(out, dir, "step text %s does not exist", rel);
		return;
	}
	if (st.st_size == 0 || st.st_size > (1 << 20)) {
		problem(out, dir, "step text %s is %s", rel, st.st_size == 0 ? "empty" : "larger than 1 MiB");
		return;
	}
	f = fopen(path, "r");
	buf = f != NULL ? malloc((size_t)st.st_size) : NULL;
	n = buf != NULL ? fread(buf, 1, (size_t)st.st_size, f) : 0;
	if (f != NULL)
		fclose(f);
	if (buf == NULL || n != (size_t)st.st_size) {
		problem(out, dir, "step text %s cannot be read", rel);
		free(buf);
		return;
	}
	if (!valid_utf8(buf, n))
		problem(out, dir, "step text %s is not valid UTF-8 (or contains NUL bytes)", rel);
	else {
		html = cmark_markdown_to_html(buf, n, CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_SAFE);
		if (html == NULL || strstr(html, "<!-- raw HTML omitted -->") != NULL)
			problem(out, dir, "step text %s uses raw HTML, which the learner will not see", rel);
		free(html);
	}
	free(buf);
}

/* Translations: steps/<lang>/X.md must translate an existing steps/X.md. */
static void
lint_translations(FILE *out, const char *dir, json_t *steps)
{
	char sdir[PATH_MAX * 2], ldir[PATH_MAX * 3], rel[PATH_MAX];
	struct dirent *de, *fe;
	DIR *d, *l;
	size_t i;

	snprintf(sdir, sizeof sdir, "%s/steps", dir);
	d = opendir(sdir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		snprintf(ldir, sizeof ldir, "%s/%s", sdir, de->d_name);
		if (de->d_name[0] == '.' || stat(ldir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		l = opendir(ldir);
		while (l != NULL && (fe = readdir(l)) != NULL) {
			int known = 0;

			if (fe->d_name[0] == '.')
				continue;
			for (i = 0; i < json_array_size(steps); i++) {
				const char *t = json_string_value(json_object_get(json_array_get(steps, i), "text"));
				const char *b = t != NULL ? strrchr(t, '/') : NULL;

				known |= b != NULL && strcmp(b + 1, fe->d_name) == 0;
			}
			snprintf(rel, sizeof rel, "steps/%s/%s", de->d_name, fe->d_name);
			if (!known)
				problem(out, dir, "%s translates no step text", rel);
			else
				lint_markdown(out, dir, rel);
		}
		if (l != NULL)
			closedir(l);
	}
	closedir(d);
}

int
lab_lint_dir(const char *dir, FILE *out)
{
	struct lab_opts o = { .labdir = dir };
	char path[PATH_MAX * 2], msg[512], *base, rdir[PATH_MAX];
	struct broken *brokens = NULL;
	json_t *man, *lab, *steps, *needs;
	size_t i, j, nb = 0;
	int status, before = problems;
	struct stat st;

	snprintf(path, sizeof path, "%s/lab.lua", dir);
	if (stat(path, &st) < 0) {
		problem(out, dir, "not a lab folder: there is no lab.lua");
		return 1;
	}
	man = lab_exec(&o, "manifest", NULL, NULL, NULL, 0, &status);
	if (status != 0) {
		problem(out, dir, "%s", json_string_value(json_object_get(json_object_get(man, "lab_error"), "detail")));
		json_decref(man);
		return 1;
	}
	lab = json_object_get(man, "lab");
	steps = json_object_get(man, "steps");
	if (realpath(dir, rdir) != NULL && (base = strrchr(rdir, '/')) != NULL &&
	    strcmp(base + 1, json_string_value(json_object_get(lab, "id"))) != 0)
		problem(out, dir, "lab id '%s' differs from the folder name '%s'",
		    json_string_value(json_object_get(lab, "id")), base + 1);
	if (json_string_length(json_object_get(lab, "summary")) == 0)
		problem(out, dir, "lab.summary is missing");
	if (json_array_size(json_object_get(lab, "audience")) == 0)
		problem(out, dir, "lab.audience is missing (youth, university, industry)");
	if (json_is_null(json_object_get(lab, "minutes")))
		problem(out, dir, "lab.minutes is missing");
	if (json_array_size(json_object_get(lab, "objectives")) == 0)
		problem(out, dir, "lab.objectives is missing");
	needs = json_object_get(lab, "missing");
	for (i = 0; i < json_array_size(needs); i++)
		problem(out, dir, "needs '%s', which is not installed here (add its Debian package to scripts/dev)",
		    json_string_value(json_array_get(needs, i)));
	for (i = 0; i < json_array_size(steps); i++) {
		json_t *s = json_array_get(steps, i);
		const char *id = json_string_value(json_object_get(s, "id"));
		json_t *hints = json_object_get(s, "hints");
		json_int_t cost = 0, points = json_integer_value(json_object_get(s, "points"));
		int question = json_is_object(json_object_get(s, "question"));

		lint_markdown(out, dir, json_string_value(json_object_get(s, "text")));
		for (j = 0; j < json_array_size(hints); j++)
			cost += json_integer_value(json_object_get(json_array_get(hints, j), "cost"));
		if (cost > points)
			problem(out, dir, "step %s: its hints cost %lld points, more than the step is worth (%lld)",
			    id, (long long)cost, (long long)points);
		snprintf(path, sizeof path, "%s/solution/%s.%s", dir, id, question ? "answer" : "sh");
		if (stat(path, &st) < 0)
			problem(out, dir, "step %s has no solution/%s.%s", id, id, question ? "answer" : "sh");
	}
	lint_translations(out, dir, steps);
	{
		/* The warden relays at most 16 KiB of a lab exec verdict. */
		char *text = json_dumps(man, JSON_COMPACT);
		size_t len = text != NULL ? strlen(text) : 0;

		if (len > 12288)
			problem(out, dir, "the manifest is %zu bytes; keep it under 12 KiB (shorter titles/objectives)", len);
		free(text);
	}
	if (labdir_brokens(dir, &brokens, &nb, msg, sizeof msg) < 0)
		problem(out, dir, "%s", msg);
	else if (nb == 0)
		problem(out, dir, "there are no broken attempts (broken/*.sh)");
	for (i = 0; i < nb; i++) {
		int found = 0;

		for (j = 0; j < json_array_size(steps); j++)
			found |= strcmp(json_string_value(json_object_get(json_array_get(steps, j), "id")),
			    brokens[i].step) == 0;
		if (!found)
			problem(out, dir, "broken/%s names step '%s', which the lab does not have",
			    brokens[i].name, brokens[i].step);
	}
	free(brokens);
	json_decref(man);
	return problems > before;
}

int
lab_lint_main(int argc, char **argv)
{
	int d, bad = 0;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: labhub lab lint DIR...\n\n"
		    "Checks lab folders: lab.lua loads and is valid, step texts exist and are valid\n"
		    "CommonMark, needed programs are installed, every step has a solution and the lab has\n"
		    "broken attempts naming real steps.  Exit 1 if any problem is found.\n");
		return 0;
	}
	if (argc < 2) {
		fprintf(stderr, "labhub lab lint: which lab folder? (try --help)\n");
		return EXIT_USAGE;
	}
	for (d = 1; d < argc; d++) {
		if (argv[d][0] == '-') {
			fprintf(stderr, "labhub lab lint: unknown option '%s'\n", argv[d]);
			return EXIT_USAGE;
		}
		if (lab_lint_dir(argv[d], stdout) == 0)
			printf("%s: ok\n", argv[d]);
		else
			bad = 1;
	}
	return bad;
}
