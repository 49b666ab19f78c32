/*
 * main: the full labhub program (labhub-full), one binary with subcommands
 * (serve, user, cohort, db, cell, lab, version).  This file only dispatches;
 * each subcommand lives in its own file and parses its own options.  The
 * `labhub` users run is server/front.c, which runs `cell` itself and execs
 * this program, argv unchanged, for everything else.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "server/cli.h"
#include "server/log.h"

struct subcommand {
	const char *name;
	int (*main)(int, char **);
	const char *summary;
};

static int version_main(int argc, char **argv);

static const struct subcommand subcommands[] = {
	/* LABHUB-SUBCOMMANDS (one line each, kept in help order) */
	{ "serve", serve_main, "serve labs over HTTP and WebSocket (the daemon)" },
	{ "user", cli_user_main, "add, list and disable accounts; set passwords" },
	{ "cohort", cli_cohort_main, "create cohorts (prints the join code) and list them" },
	{ "db", cli_db_main, "migrate the database schema; online backup" },
	{ "cell", cell_cli_main, "run a command in a fresh cell (debugging, authoring)" },
	{ "lab", lab_cli_main, "lint, test, grade and scaffold labs" },
	{ "version", version_main, "print the version and the libraries it was built with" },
};

static void
usage(FILE *out)
{
	size_t i;

	fprintf(out,
	    "usage: labhub COMMAND [OPTIONS]\n"
	    "\n"
	    "labhub serves hands-on security labs: a real shell in an isolated cell\n"
	    "beside step-by-step instructions, checked by the lab's own scripts.\n"
	    "\n"
	    "Commands:\n");
	for (i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		fprintf(out, "  %-9s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\nRun 'labhub COMMAND --help' for the options of one command.\n");
}

static int
version_main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: labhub version\n\nPrints the version of labhub.\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "labhub version: unexpected argument '%s'\n", argv[1]);
		return EXIT_USAGE;
	}
	printf("labhub %s\n", PACKAGE_VERSION);
	return 0;
}

int
main(int argc, char **argv)
{
	size_t i;

	log_init_from_env();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return version_main(1, argv + 1);
	for (i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "labhub: unknown command '%s' (try 'labhub --help')\n", argv[1]);
	return EXIT_USAGE;
}
