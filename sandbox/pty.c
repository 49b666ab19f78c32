/*
 * pty: the learner's terminal, allocated from the cell's private devpts
 * (mounted newinstance at /dev/pts, /dev/ptmx -> pts/ptmx), so no pty of
 * the host or of another cell is ever visible.  The master fd goes to the
 * supervisor; resizing is TIOCSWINSZ on it.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox/contain.h"

int
pty_open(unsigned rows, unsigned cols, int *master, char *slave, size_t slavelen)
{
	struct winsize ws = { .ws_row = (unsigned short)(rows ? rows : 24),
		.ws_col = (unsigned short)(cols ? cols : 80) };
	int m;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -1;
	if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, slave, slavelen) != 0)
		goto fail;
	if (ioctl(m, TIOCSWINSZ, &ws) < 0)
		goto fail;
	*master = m;
	return 0;
fail:
	close(m);
	return -1;
}

/* In the child: new session, the slave as controlling terminal and stdio. */
int
pty_make_controlling(const char *slave)
{
	int s;

	if (setsid() < 0)
		return -1;
	s = open(slave, O_RDWR | O_NOCTTY);
	if (s < 0)
		return -1;
	if (ioctl(s, TIOCSCTTY, 0) < 0)
		return -1;
	if (dup2(s, 0) < 0 || dup2(s, 1) < 0 || dup2(s, 2) < 0)
		return -1;
	if (s > 2)
		close(s);
	return 0;
}
