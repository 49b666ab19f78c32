/*
 * cli: entry points of the labhub subcommands.  Each takes the arguments
 * after the subcommand name (argv[0] is the subcommand) and returns the
 * process exit status: 0 success, 1 failure at run time, 2 bad usage.
 * Every entry point prints its own --help.
 */
#ifndef LABHUB_CLI_H
#define LABHUB_CLI_H

#define EXIT_USAGE 2

int serve_main(int argc, char **argv);	/* server/serve.c */
int cli_user_main(int argc, char **argv);	/* server/cli_user.c */
int cli_cohort_main(int argc, char **argv);	/* server/cli_cohort.c */
int cli_db_main(int argc, char **argv);	/* server/cli_db.c */
int cell_cli_main(int argc, char **argv);	/* sandbox/cell_cli.c */
int lab_cli_main(int argc, char **argv);	/* labs/lab_cli.c */

#endif
