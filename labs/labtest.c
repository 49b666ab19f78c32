/*
 * labtest: `labhub lab test` and `labhub lab grade`.  A scenario (the
 * reference solution, one broken attempt, or grading a copied workspace)
 * runs in a fresh workspace inside one isolation unit, so lab services
 * started by setup live as long as the scenario: a real cell when `labhub
 * cell run` works, else (reported in the output) directly on the host.
 * Inside it, `lab test --inner` drives `lab exec` and prints the rows as
 * JSON; the outer process prints the table.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "labs/exec.h"
#include "labs/labdir.h"
#include "labs/proc.h"
#include "server/cli.h"
#include "server/log.h"

int lab_test_main(int argc, char **argv);
int lab_grade_main(int argc, char **argv);

enum iso { ISO_CELL, ISO_NONE };

static const char *const iso_names[] = {
	"labhub cell", "none: labhub cell cannot start cells here, running on the host",
};

#define SCRIPT_TIMEOUT_MS 60000

static const char *
env_path(void)
{
	const char *p = getenv("PATH");

	return p != NULL ? p : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
}

/* Run a shell script as the learner in WS; returns its proc_result code (-1 not started). */
static int
run_script(const char *script, const char *ws, const char *labdir, char *err, size_t errlen)
{
	char pathenv[4096], home[PATH_MAX + 8], lab[PATH_MAX + 16];
	const char *argv[] = { "sh", script, NULL };
	const char *env[] = { pathenv, home, lab, "LANG=C.UTF-8", "TERM=dumb", NULL };
	struct proc_spec spec = { 0 };
	struct proc_result res;
	struct stat st;
	int code;

	snprintf(pathenv, sizeof pathenv, "PATH=%s", env_path());
	snprintf(home, sizeof home, "HOME=%s", ws);
	snprintf(lab, sizeof lab, "LABHUB_LAB=%s", labdir);
	spec.argv = argv;
	spec.env = env;
	spec.cwd = ws;
	spec.timeout_ms = SCRIPT_TIMEOUT_MS;
	if (geteuid() == 0 && stat(ws, &st) == 0 && st.st_uid != 0) {
		spec.run_as_other = 1;
		spec.uid = st.st_uid;
		spec.gid = st.st_gid;
	}
	if (proc_run(&spec, &res) < 0) {
		snprintf(err, errlen, "cannot run sh: %s", strerror(errno));
		return -1;
	}
	snprintf(err, errlen, "%s%s", res.timed_out ? "timed out; " : "", res.err_len > 300 ?
	    res.err + res.err_len - 300 : res.err);
	code = res.code;
	proc_result_free(&res);
	return code;
}

static void
add_row(json_t *rows, const char *scenario, const char *step, const char *expect, const char *got,
    int ok, const char *note)
{
	json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "scenario", scenario,
	    "step", step, "expect", expect, "got", got, "ok", ok,
	    "note", lab_json_text(note, strlen(note))));
}

static const char *
verdict_of(json_t *j, const char **note)
{
	json_t *le = json_object_get(j, "lab_error");

	if (le != NULL) {
		*note = json_string_value(json_object_get(le, "detail"));
		if (*note == NULL)
			*note = "lab error";
		return "lab error";
	}
	*note = json_string_value(json_object_get(j, "feedback"));
	if (*note == NULL)
		*note = "";
	return json_is_true(json_object_get(j, "passed")) ? "pass" : "fail";
}

/* Inner: one scenario in the current isolation.  MODE: "solution", "broken", "grade". */
static json_t *
inner(const char *labdir, const char *ws, const char *state, const char *seed, const char *mode,
    const char *broken_name)
{
	json_t *rows = json_array(), *man, *setup, *steps;
	struct broken *brokens = NULL, *target = NULL;
	char path[PATH_MAX * 2], answer[LAB_ANSWER_MAX + 1], err[512], scen[300];
	size_t nb = 0, i;

	man = labdir_exec(labdir, ws, state, seed, "manifest", NULL, NULL);
	if (json_object_get(man, "lab_error") != NULL) {
		const char *note;

		verdict_of(man, &note);
		add_row(rows, mode, "-", "manifest", "lab error", 0, note);
		json_decref(man);
		return rows;
	}
	snprintf(scen, sizeof scen, "%s", mode);
	if (strcmp(mode, "broken") == 0) {
		if (labdir_brokens(labdir, &brokens, &nb, err, sizeof err) < 0)
			nb = 0;
		for (i = 0; i < nb; i++)
			if (strcmp(brokens[i].name, broken_name) == 0)
				target = &brokens[i];
		snprintf(scen, sizeof scen, "broken/%s", broken_name);
		if (target == NULL) {
			add_row(rows, scen, "-", "fail", "missing", 0, "no such broken attempt (or bad header)");
			goto done;
		}
	}
	setup = labdir_exec(labdir, ws, state, seed, "setup", NULL, NULL);
	if (json_object_get(setup, "lab_error") != NULL) {
		const char *note;

		verdict_of(setup, &note);
		add_row(rows, scen, "(setup)", "ok", "lab error", 0, note);
		json_decref(setup);
		goto done;
	}
	json_decref(setup);
	steps = json_object_get(man, "steps");
	for (i = 0; i < json_array_size(steps); i++) {
		json_t *s = json_array_get(steps, i), *v;
		const char *id = json_string_value(json_object_get(s, "id")), *got, *note;
		int question = json_is_object(json_object_get(s, "question")), is_target, code;

		is_target = target != NULL && strcmp(target->step, id) == 0;
		answer[0] = '\0';
		if (strcmp(mode, "grade") != 0) {
			if (is_target)
				snprintf(path, sizeof path, "%s/broken/%s", labdir, target->name);
			else
				snprintf(path, sizeof path, "%s/solution/%s.sh", labdir, id);
			if (access(path, F_OK) == 0) {
				code = run_script(path, ws, labdir, err, sizeof err);
				if (code != 0 && !is_target) {
					char note2[700];

					snprintf(note2, sizeof note2, "solution/%s.sh exited %d: %s", id, code, err);
					add_row(rows, scen, id, "pass", "script failed", 0, note2);
					break;
				}
			}
			if (is_target && target->has_answer)
				snprintf(answer, sizeof answer, "%s", target->answer);
			else if (question) {
				snprintf(path, sizeof path, "%s/solution/%s.answer", labdir, id);
				labdir_read_small(path, answer, sizeof answer);
			}
		} else if (question) {
			add_row(rows, scen, id, "-", "skipped", 1, "question step: answered in the UI");
			continue;
		}
		if (target != NULL && !is_target)
			continue;	/* earlier steps of a broken scenario: solution only */
		v = labdir_exec(labdir, ws, state, seed, "check", id, answer);
		got = verdict_of(v, &note);
		if (strcmp(mode, "grade") == 0) {
			add_row(rows, scen, id, "-", got, strcmp(got, "lab error") != 0, note);
		} else if (is_target) {
			int ok = strcmp(got, "fail") == 0 && strstr(note, target->expect) != NULL;
			char note2[1200];

			if (strcmp(got, "fail") == 0 && !ok)
				snprintf(note2, sizeof note2, "feedback \"%s\" does not contain \"%s\"", note,
				    target->expect);
			else
				snprintf(note2, sizeof note2, "%s", note);
			add_row(rows, scen, id, "fail", got, ok, note2);
			json_decref(v);
			break;
		} else if (target == NULL) {
			add_row(rows, scen, id, "pass", got, strcmp(got, "pass") == 0, note);
		}
		json_decref(v);
	}
	if (target != NULL && json_array_size(rows) == 0)
		add_row(rows, scen, target->step, "fail", "missing", 0, "the lab has no such step");
done:
	free(brokens);
	json_decref(man);
	return rows;
}

/*
 * On the host (isolation none) a lab finds the tools that ship with labhub
 * (labhub-roa) where a cell has them, next to the labhub executable: a build
 * tree or a prefix that is not in PATH has them nowhere else.
 */
static void
host_path_with_tools(void)
{
	static int done;
	char dir[PATH_MAX], *slash;
	const char *old = env_path();
	size_t n;
	char *p;

	if (done++)
		return;
	snprintf(dir, sizeof dir, "%s", labdir_self());
	if ((slash = strrchr(dir, '/')) == NULL)
		return;
	*slash = '\0';
	n = strlen(dir) + strlen(old) + 2;
	if ((p = malloc(n)) == NULL)
		return;
	snprintf(p, n, "%s:%s", dir, old);
	setenv("PATH", p, 1);
	free(p);
}

static enum iso
pick_isolation(void)
{
	const char *force = getenv("LABHUB_LAB_ISOLATION");
	/* A real start, not --help: a host without user namespaces has the
	 * command but cannot start cells. */
	const char *argv[] = { labdir_self(), "cell", "run", "--", "/bin/true", NULL };
	const char *env[] = { "PATH=/usr/bin:/bin", NULL };
	struct proc_spec spec = { .argv = argv, .env = env, .cwd = "/", .timeout_ms = 10000 };
	struct proc_result res;
	int cell = 0;

	if (force != NULL && strcmp(force, "none") == 0)
		return ISO_NONE;
	if (force == NULL || strcmp(force, "cell") == 0) {
		if (proc_run(&spec, &res) == 0) {
			cell = res.code == 0;
			proc_result_free(&res);
		}
		/* Forced: use cells even if the probe failed, so the failure shows. */
		if (cell || force != NULL)
			return ISO_CELL;
	}
	return ISO_NONE;
}

/*
 * Give a fresh workspace (WS, in the scenario directory TMP) to an
 * unprivileged learner when we are root, so that solution scripts do not
 * run as root.  mkdtemp() made TMP 0700: the learner could not reach its
 * own $HOME by path (only a cwd entered as root works), so setup's and the
 * solution's `mkdir -p "$HOME/..."` failed on the host (isolation none).
 * TMP becomes 0711: searchable, not listable, still root's, so the learner
 * cannot swap the root-owned state directory beside WS.
 */
static void
own_workspace(const char *tmp, const char *ws)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return;
	pw = getpwnam("nobody");
	if (pw != NULL && chown(ws, pw->pw_uid, pw->pw_gid) == 0)
		(void)!chmod(tmp, 0711);
}

static json_t *
scenario(enum iso iso, const char *labdir, const char *src_ws, const char *seed, const char *mode,
    const char *broken)
{
	char tmp[PATH_MAX], ws[PATH_MAX + 8], state[PATH_MAX + 8], rlab[PATH_MAX];
	const char *argv[64];
	struct proc_spec spec = { 0 };
	struct proc_result res;
	json_t *rows = NULL;
	json_error_t jerr;
	const char *env[] = { NULL, "LANG=C.UTF-8", NULL, NULL };
	char pathenv[4096], asan[512];
	const char *as = getenv("ASAN_OPTIONS");
	int a = 0;

	if (realpath(labdir, rlab) == NULL || labdir_tmp(tmp, sizeof tmp, "test") < 0) {
		rows = json_array();
		add_row(rows, mode, "-", "-", "error", 0, strerror(errno));
		return rows;
	}
	snprintf(ws, sizeof ws, "%s/ws", tmp);
	snprintf(state, sizeof state, "%s/state", tmp);
	mkdir(ws, 0755);
	mkdir(state, 0700);
	if (src_ws != NULL) {
		const char *cp[] = { "cp", "-a", "--", NULL, ws, NULL };
		const char *cpenv[] = { "PATH=/usr/bin:/bin", NULL };
		char srcdot[PATH_MAX + 4];
		struct proc_spec c = { .argv = cp, .env = cpenv, .cwd = "/", .timeout_ms = 60000 };

		snprintf(srcdot, sizeof srcdot, "%s/.", src_ws);
		cp[3] = srcdot;
		if (proc_run(&c, &res) == 0)
			proc_result_free(&res);
	}
	own_workspace(tmp, ws);
	if (iso == ISO_NONE) {
		host_path_with_tools();
		rows = inner(rlab, ws, state, seed, mode, broken);
		proc_service_stop_all(state);
		goto out;
	}
	snprintf(pathenv, sizeof pathenv, "PATH=%s", env_path());
	env[0] = pathenv;
	if (as != NULL) {
		snprintf(asan, sizeof asan, "ASAN_OPTIONS=%s", as);
		env[2] = asan;
	}
	if (iso == ISO_CELL) {
		argv[a++] = labdir_self();
		argv[a++] = "cell";
		argv[a++] = "run";
		argv[a++] = "--workspace";
		argv[a++] = ws;
		argv[a++] = "--lab";
		argv[a++] = rlab;
		/* The cell gives /home/learner to the learner (0700): the lab user
		 * cannot read it, so the scenario runs as the learner for now. */
		argv[a++] = "--as";
		argv[a++] = "learner";
		argv[a++] = "--";
	}
	argv[a++] = "/run/labhub/labhub";
	argv[a++] = "lab";
	argv[a++] = "test";
	argv[a++] = "--inner";
	argv[a++] = mode;
	argv[a++] = "--seed";
	argv[a++] = seed;
	if (broken != NULL) {
		argv[a++] = "--broken";
		argv[a++] = broken;
	}
	argv[a++] = "/lab";
	argv[a] = NULL;
	spec.argv = argv;
	spec.env = env;
	spec.cwd = "/";
	spec.timeout_ms = 15 * 60 * 1000;
	if (proc_run(&spec, &res) < 0) {
		rows = json_array();
		add_row(rows, mode, "-", "-", "error", 0, "cannot start the isolation");
		goto out;
	}
	rows = json_loadb(res.out, res.out_len, 0, &jerr);
	if (!json_is_array(rows)) {
		char note[800];

		json_decref(rows);
		rows = json_array();
		snprintf(note, sizeof note, "the %s run printed no result (exit %d): %.500s",
		    "cell", res.code, res.err);
		add_row(rows, broken != NULL ? broken : mode, "-", "-", "error", 0, note);
	}
	proc_result_free(&res);
out:
	labdir_rm_rf(tmp);
	return rows;
}

static void
print_table(FILE *f, json_t *rows)
{
	int w = 8, ws = 4;
	size_t i;

	for (i = 0; i < json_array_size(rows); i++) {
		json_t *r = json_array_get(rows, i);
		int l = (int)json_string_length(json_object_get(r, "scenario"));
		int m = (int)json_string_length(json_object_get(r, "step"));

		w = l > w ? l : w;
		ws = m > ws ? m : ws;
	}
	fprintf(f, "%-*s %-*s %-6s %-13s %-8s %s\n", w, "SCENARIO", ws, "STEP", "EXPECT", "GOT", "RESULT",
	    "FEEDBACK");
	for (i = 0; i < json_array_size(rows); i++) {
		json_t *r = json_array_get(rows, i);
		const char *note = json_string_value(json_object_get(r, "note"));
		char shortnote[161];

		snprintf(shortnote, sizeof shortnote, "%s", note != NULL ? note : "");
		for (char *p = shortnote; *p; p++)
			if (*p == '\n' || *p == '\t')
				*p = ' ';
		fprintf(f, "%-*s %-*s %-6s %-13s %-8s %s\n", w,
		    json_string_value(json_object_get(r, "scenario")), ws,
		    json_string_value(json_object_get(r, "step")),
		    json_string_value(json_object_get(r, "expect")),
		    json_string_value(json_object_get(r, "got")),
		    json_is_true(json_object_get(r, "ok")) ? "ok" : "MISMATCH", shortnote);
	}
}

static int
count_bad(json_t *rows)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < json_array_size(rows); i++)
		bad += !json_is_true(json_object_get(json_array_get(rows, i), "ok"));
	return bad;
}

/* Run the scenarios of one lab, up to JOBS at a time (each in its own
 * process and cell); rows come back in scenario order. */
static json_t *
run_all(enum iso iso, const char *labdir, const char *seed, struct broken *brokens, size_t nb, int jobs)
{
	size_t total = nb + 1, next = 0, done = 0, i;
	pid_t *pids = calloc(total, sizeof *pids);
	json_t *rows = json_array();
	char dir[PATH_MAX], path[PATH_MAX + 32];
	json_error_t jerr;

	if (pids == NULL || labdir_tmp(dir, sizeof dir, "jobs") < 0) {
		free(pids);
		add_row(rows, "solution", "-", "-", "error", 0, "cannot start the scenarios");
		return rows;
	}
	fflush(stdout);
	while (done < total) {
		int running = 0, st;
		pid_t p;

		for (i = 0; i < total; i++)
			running += pids[i] > 0;
		if (next < total && running < jobs) {
			p = fork();
			if (p == 0) {
				json_t *r = scenario(iso, labdir, NULL, seed, next == 0 ? "solution" : "broken",
				    next == 0 ? NULL : brokens[next - 1].name);

				snprintf(path, sizeof path, "%s/%zu.json", dir, next);
				json_dump_file(r, path, JSON_COMPACT);
				_exit(0);
			}
			if (p < 0) {
				json_t *r = scenario(iso, labdir, NULL, seed, next == 0 ? "solution" : "broken",
				    next == 0 ? NULL : brokens[next - 1].name);

				snprintf(path, sizeof path, "%s/%zu.json", dir, next);
				json_dump_file(r, path, JSON_COMPACT);
				json_decref(r);
				done++;
			} else {
				pids[next] = p;
			}
			next++;
			continue;
		}
		p = wait(&st);
		if (p < 0)
			break;
		for (i = 0; i < total; i++)
			if (pids[i] == p) {
				pids[i] = -1;
				done++;
			}
	}
	for (i = 0; i < total; i++) {
		json_t *r;

		snprintf(path, sizeof path, "%s/%zu.json", dir, i);
		r = json_load_file(path, 0, &jerr);
		if (!json_is_array(r)) {
			json_decref(r);
			r = json_array();
			add_row(r, i == 0 ? "solution" : brokens[i - 1].name, "-", "-", "error", 0,
			    "the scenario process died");
		}
		json_array_extend(rows, r);
		json_decref(r);
	}
	labdir_rm_rf(dir);
	free(pids);
	return rows;
}

static void
test_usage(FILE *f)
{
	fprintf(f,
	    "usage: labhub lab test [--seed SEED] [--jobs N] DIR...\n"
	    "\n"
	    "Proves each lab solvable and its broken attempts rejected: in a fresh workspace, runs\n"
	    "setup, then every solution/<step>.sh (as the learner) and the step's check, which must\n"
	    "pass; then, for each broken/<name>.sh, a fresh workspace with the solutions of the\n"
	    "earlier steps and the broken script: the named step must fail with the expected\n"
	    "feedback.  Prints a table; exits 1 on any mismatch.\n"
	    "Scenarios run N at a time (default: the number of CPUs).\n"
	    "Each scenario runs in a fresh labhub cell (LABHUB_LAB_ISOLATION=none: on the host).\n");
}

int
lab_test_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "inner", required_argument, NULL, 'i' },
		{ "broken", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *inner_mode = NULL, *broken = NULL, *seed = "labhub-test-seed";
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int c, bad = 0, d, jobs = ncpu > 0 ? (int)ncpu : 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			inner_mode = optarg;
			break;
		case 'b':
			broken = optarg;
			break;
		case 's':
			seed = optarg;
			break;
		case 'j':
			jobs = atoi(optarg);
			if (jobs < 1 || jobs > 64) {
				fprintf(stderr, "labhub lab test: --jobs takes 1..64\n");
				return EXIT_USAGE;
			}
			break;
		case 'h':
			test_usage(stdout);
			return 0;
		default:
			test_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "labhub lab test: which lab folder? (try --help)\n");
		return EXIT_USAGE;
	}
	if (inner_mode != NULL) {
		/* Inside the cell or sandbox: the workspace is the learner's home. */
		const char *ws = access("/home/learner", W_OK) == 0 ? "/home/learner" : ".";
		json_t *rows = inner(argv[optind], ws, NULL, seed, inner_mode, broken);

		json_dumpf(rows, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(rows);
		return 0;
	}
	for (d = optind; d < argc; d++) {
		enum iso iso = pick_isolation();
		struct broken *brokens = NULL;
		char msg[512], lab[PATH_MAX + 16];
		size_t nb = 0;
		json_t *rows;
		struct stat st;

		snprintf(lab, sizeof lab, "%s/lab.lua", argv[d]);
		if (stat(lab, &st) < 0) {
			fprintf(stderr, "labhub lab test: %s is not a lab folder (no lab.lua)\n", argv[d]);
			bad++;
			continue;
		}
		printf("lab %s (isolation: %s)\n", argv[d], iso == ISO_NONE && getenv("LABHUB_LAB_ISOLATION") != NULL ?
		    "none (LABHUB_LAB_ISOLATION=none): running on the host" : iso_names[iso]);
		if (iso == ISO_NONE && jobs > 1) {
			/* on the host, scenarios share one network: two nsd or unbound would want one port */
			printf("one scenario at a time on the host (--jobs %d applies to cells only)\n", jobs);
			jobs = 1;
		}
		if (labdir_brokens(argv[d], &brokens, &nb, msg, sizeof msg) < 0) {
			free(brokens);
			brokens = NULL;
			nb = 0;
			rows = run_all(iso, argv[d], seed, brokens, nb, jobs);
			add_row(rows, "broken/", "-", "fail", "bad header", 0, msg);
		} else {
			rows = run_all(iso, argv[d], seed, brokens, nb, jobs);
		}
		if (nb == 0)
			add_row(rows, "broken/", "-", "fail", "none", 0, "the lab has no broken attempts");
		free(brokens);
		print_table(stdout, rows);
		c = count_bad(rows);
		printf("%s: %zu rows, %d mismatched%s\n\n", argv[d], json_array_size(rows), c,
		    c ? "  <-- FAILED" : "");
		bad += c;
		json_decref(rows);
	}
	fflush(stdout);
	return bad ? 1 : 0;
}

static void
grade_usage(FILE *f)
{
	fprintf(f,
	    "usage: labhub lab grade DIR --workspace PATH [--seed SEED] [--json]\n"
	    "\n"
	    "Copies the workspace PATH into a fresh cell, runs the lab's setup, then every check,\n"
	    "and prints each step's verdict and feedback (question steps are skipped: their answers\n"
	    "are given in the UI).  Exit 0 unless the lab itself is broken.\n");
}

int
lab_grade_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "workspace", required_argument, NULL, 'w' },
		{ "seed", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ws = NULL, *seed = "";
	int c, as_json = 0, bad;
	struct stat st;
	json_t *rows;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			ws = optarg;
			break;
		case 's':
			seed = optarg;
			break;
		case 'j':
			as_json = 1;
			break;
		case 'h':
			grade_usage(stdout);
			return 0;
		default:
			grade_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || ws == NULL) {
		fprintf(stderr, "labhub lab grade: need a lab folder and --workspace PATH (try --help)\n");
		return EXIT_USAGE;
	}
	if (stat(ws, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "labhub lab grade: workspace %s is not a directory\n", ws);
		return EXIT_USAGE;
	}
	rows = scenario(pick_isolation(), argv[optind], ws, seed, "grade", NULL);
	if (as_json) {
		json_dumpf(rows, stdout, JSON_COMPACT);
		fputc('\n', stdout);
	} else {
		print_table(stdout, rows);
	}
	bad = count_bad(rows);
	json_decref(rows);
	return bad ? 1 : 0;
}
