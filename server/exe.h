/*
 * exe: where the full labhub program is.  The `labhub` users run is a small
 * front (server/front.c) that runs `labhub cell` itself and execs the full
 * program, labhub-full (server/main.c), for every other command.  A cell
 * binds the full program at /run/labhub/labhub, since `lab exec` runs there.
 */
#ifndef LABHUB_EXE_H
#define LABHUB_EXE_H

#include <stddef.h>

#define EXE_FULL_NAME "labhub-full"

/*
 * The full program: labhub-full next to the running executable (in a build
 * tree, and for the full program itself), else in LABHUB_LIBEXECDIR (where
 * make install puts it).  Returns 0 with its path in out (len bytes), or -1
 * with err saying where it looked.
 */
int exe_full(char *out, size_t len, char *err, size_t errlen);

#endif
