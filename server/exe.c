/*
 * exe: finds labhub-full, the program behind every command but `labhub
 * cell` (see server/exe.h), the way cells find labhub-warden: next to the
 * running executable first, so a build tree uses its own.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server/exe.h"

int
exe_full(char *out, size_t len, char *err, size_t errlen)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			if ((size_t)snprintf(out, len, "%s/" EXE_FULL_NAME, self) < len &&
			    access(out, X_OK) == 0)
				return 0;
		}
	} else
		snprintf(self, sizeof self, "/proc/self/exe (unreadable)");
	if ((size_t)snprintf(out, len, "%s/" EXE_FULL_NAME, LABHUB_LIBEXECDIR) < len &&
	    access(out, X_OK) == 0)
		return 0;
	snprintf(err, errlen, EXE_FULL_NAME " (the program behind every command but 'cell') "
	    "is neither in %s nor in %s: labhub is not completely installed", self,
	    LABHUB_LIBEXECDIR);
	return -1;
}
