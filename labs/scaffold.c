/*
 * scaffold: `labhub lab new ID` writes a minimal lab folder that passes
 * `lab lint` and `lab test`, so authors start from something that works.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "server/cli.h"

int lab_new_main(int argc, char **argv);

static int
put(const char *dir, const char *rel, const char *text, mode_t mode)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	f = fopen(path, "wx");
	if (f == NULL) {
		fprintf(stderr, "labhub lab new: cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	fputs(text, f);
	if (fclose(f) != 0 || chmod(path, mode) != 0)
		return -1;
	return 0;
}

static int
id_ok(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > 64 || id[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '-'))
			return 0;
	return 1;
}

int
lab_new_main(int argc, char **argv)
{
	const char *parent = ".", *id = NULL;
	char dir[PATH_MAX], sub[PATH_MAX + 16], lab[4096];
	static const char *const subs[] = { "steps", "files", "solution", "broken" };
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: labhub lab new ID [--dir PARENT]\n\n"
			    "Creates PARENT/ID (default ./ID) with a one-step lab that passes\n"
			    "'labhub lab lint' and 'labhub lab test'.  ID: lowercase letters, digits, '-'.\n");
			return 0;
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			parent = argv[++i];
		} else if (argv[i][0] == '-' || id != NULL) {
			fprintf(stderr, "labhub lab new: unexpected argument '%s' (try --help)\n", argv[i]);
			return EXIT_USAGE;
		} else {
			id = argv[i];
		}
	}
	if (id == NULL || !id_ok(id)) {
		fprintf(stderr, "labhub lab new: give an id of lowercase letters, digits and '-' (e.g. my-lab)\n");
		return EXIT_USAGE;
	}
	snprintf(dir, sizeof dir, "%s/%s", parent, id);
	if (mkdir(dir, 0755) < 0) {
		fprintf(stderr, "labhub lab new: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < 4; i++) {
		snprintf(sub, sizeof sub, "%s/%s", dir, subs[i]);
		if (mkdir(sub, 0755) < 0)
			return 1;
	}
	snprintf(lab, sizeof lab,
	    "-- %s: see labs/README.md for the whole API.\n"
	    "lab {\n"
	    "  id = \"%s\", title = \"TODO: a title\", version = 1,\n"
	    "  summary = \"TODO: one sentence on what the learner will do.\",\n"
	    "  audience = { \"university\" }, minutes = 15,\n"
	    "  objectives = { \"TODO: what the learner can do afterwards\" },\n"
	    "  needs = { \"sh\" },\n"
	    "}\n"
	    "\n"
	    "step {\n"
	    "  id = \"greet\", title = \"Write a greeting\", text = \"steps/01-greet.md\", points = 10,\n"
	    "  hints = { { text = \"echo hello > greeting.txt\", cost = 2 } },\n"
	    "  check = function(c)\n"
	    "    local s = c:read(\"greeting.txt\")\n"
	    "    c:expect(s:find(\"hello\", 1, true), \"greeting.txt should say hello, it says: %%s\", s)\n"
	    "  end,\n"
	    "}\n", id, id);
	if (put(dir, "lab.lua", lab, 0644) < 0 ||
	    put(dir, "steps/01-greet.md", "# Write a greeting\n\nCreate a file `greeting.txt` that says `hello`.\n", 0644) < 0 ||
	    put(dir, "files/README.txt", "Files in files/ are copied into the learner's home directory.\n", 0644) < 0 ||
	    put(dir, "solution/greet.sh", "#!/bin/sh\necho hello > greeting.txt\n", 0755) < 0 ||
	    put(dir, "broken/wrong-word.sh", "#!/bin/sh\n# step: greet\n# expect: should say hello\necho goodbye > greeting.txt\n", 0755) < 0 ||
	    put(dir, "broken/no-file.sh", "#!/bin/sh\n# step: greet\n# expect: There is no file greeting.txt\n:\n", 0755) < 0)
		return 1;
	printf("created %s; next: labhub lab lint %s && labhub lab test %s\n", dir, dir, dir);
	return 0;
}
