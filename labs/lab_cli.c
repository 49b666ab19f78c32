/*
 * lab_cli: `labhub lab SUBCOMMAND`: exec (inside cells), and the authoring
 * commands lint, test, grade, new, tracks.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "labs/exec.h"
#include "server/cli.h"

int lab_lint_main(int argc, char **argv);
int lab_test_main(int argc, char **argv);
int lab_grade_main(int argc, char **argv);
int lab_new_main(int argc, char **argv);
int lab_tracks_main(int argc, char **argv);

static const struct {
	const char *name;
	int (*main)(int, char **);
	const char *summary;
} lab_cmds[] = {
	{ "lint", lab_lint_main, "check lab folders (schema, files, Markdown, needs, solutions)" },
	{ "test", lab_test_main, "prove labs solvable and their broken attempts rejected" },
	{ "grade", lab_grade_main, "run every check of a lab against a copy of a workspace" },
	{ "new", lab_new_main, "scaffold a lab folder that passes lint and test" },
	{ "tracks", lab_tracks_main, "list the curriculum's tracks and check their labs exist" },
	{ "exec", lab_exec_main, "run one lab action inside a cell, print one JSON object" },
};

static void
lab_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: labhub lab COMMAND [OPTIONS]\n\nCommands:\n");
	for (i = 0; i < sizeof lab_cmds / sizeof lab_cmds[0]; i++)
		fprintf(f, "  %-7s %s\n", lab_cmds[i].name, lab_cmds[i].summary);
	fprintf(f, "\nRun 'labhub lab COMMAND --help' for details; the lab API is in labs/README.md.\n");
}

int
lab_cli_main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		lab_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		lab_usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof lab_cmds / sizeof lab_cmds[0]; i++)
		if (strcmp(argv[1], lab_cmds[i].name) == 0)
			return lab_cmds[i].main(argc - 1, argv + 1);
	fprintf(stderr, "labhub lab: unknown command '%s' (try 'labhub lab --help')\n", argv[1]);
	return EXIT_USAGE;
}
