/*
 * front: the `labhub` program users run.  `labhub cell ...` runs here, in a
 * process that maps only libc, jansson and the cell code, because loading
 * the server's libraries (libwebsockets, OpenSSL, SQLite, Lua, libuv,
 * libsodium, cmark) and resolving their symbols took longer than starting
 * the cell itself (sandbox/README.md, Performance).  Every other command,
 * help, version and bad usage included, is the full program (server/main.c,
 * labhub-full; server/exe.h says where it is), exec'd with argv unchanged:
 * the same output, the same exit status, the same pid.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server/cli.h"
#include "server/exe.h"
#include "server/log.h"

int
main(int argc, char **argv)
{
	char full[PATH_MAX], err[2 * PATH_MAX + 128];

	if (argc >= 2 && strcmp(argv[1], "cell") == 0) {
		log_init_from_env();
		return cell_cli_main(argc - 1, argv + 1);
	}
	if (exe_full(full, sizeof full, err, sizeof err) < 0) {
		fprintf(stderr, "labhub: %s\n", err);
		return 1;
	}
	execv(full, argv);
	fprintf(stderr, "labhub: %s: %s\n", full, strerror(errno));
	return 1;
}
