/*
 * userns: the identity mapping of a cell's user namespace.  As root the
 * parent maps 65536 ids (inside 0..65535 -> host CELL_HOST_ID_BASE..), so
 * learner (1000) and lab (1001) are distinct unprivileged host ids.  As an
 * ordinary user, without newuidmap, the kernel lets us map exactly one id:
 * our own uid becomes inside 1000, setgroups is denied, and learner and lab
 * user share it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/contain.h"

static int
write_file(const char *path, const char *s)
{
	int fd, r = 0;
	size_t n = strlen(s);

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, s, n) != (ssize_t)n)
		r = -1;
	if (close(fd) < 0)
		r = -1;
	return r;
}

int
userns_write_maps(pid_t pid, int unpriv, char *err, size_t errlen)
{
	char path[64], map[64];

	if (unpriv) {
		snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
		if (write_file(path, "deny") < 0)
			goto fail;
		snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
		snprintf(map, sizeof map, "%u %u 1\n", CELL_LEARNER_UID, (unsigned)geteuid());
		if (write_file(path, map) < 0)
			goto fail;
		snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
		snprintf(map, sizeof map, "%u %u 1\n", CELL_LEARNER_UID, (unsigned)getegid());
		if (write_file(path, map) < 0)
			goto fail;
		return 0;
	}
	snprintf(map, sizeof map, "0 %u 65536\n", CELL_HOST_ID_BASE);
	snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
	if (write_file(path, map) < 0)
		goto fail;
	snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
	if (write_file(path, map) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "write %s: %s", path, strerror(errno));
	return -1;
}

int
userns_become_root(const struct contain_ctx *x, struct contain_err *e)
{
	if (x->unpriv)
		return 0;	/* we are inside 1000 with a full set of caps in the userns */
	if (setgroups(0, NULL) < 0)
		return contain_fail(e, "userns: setgroups");
	if (setresgid(0, 0, 0) < 0)
		return contain_fail(e, "userns: setresgid(0)");
	if (setresuid(0, 0, 0) < 0)
		return contain_fail(e, "userns: setresuid(0)");
	return 0;
}

/*
 * The warden kept its capabilities across the exec of labhub-warden as
 * ambient (and so inheritable) ones (cell.c, exec_spare()); it execs
 * nothing itself, so once it is root of its userns it needs neither.
 */
int
userns_clear_ambient(struct contain_err *e)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return contain_fail(e, "userns: clear ambient capabilities");
	if (syscall(SYS_capget, &h, d) < 0)
		return contain_fail(e, "userns: capget");
	d[0].inheritable = d[1].inheritable = 0;
	if (syscall(SYS_capset, &h, d) < 0)
		return contain_fail(e, "userns: capset");
	return 0;
}

/*
 * In a child about to exec learner or lab code: become `uid` (the lab user
 * also gets the learner's group as a supplementary group) and drop every
 * capability (bounding, ambient, effective, permitted, inheritable).  In
 * one-uid mode the uid does not change, so the kernel would not clear the
 * caps by itself: capset() does.
 */
int
userns_drop_to(unsigned uid, int unpriv)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	int cap;

	for (cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -1;
	/* the lab user is in the learner's group: checks read what the learner
	 * made group-readable, and the learner cannot touch the check process */
	if (!unpriv) {
		gid_t learner = CELL_LEARNER_UID;

		if (setgroups(uid == CELL_LAB_UID ? 1 : 0, &learner) < 0)
			return -1;
	}
	if (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0)
		return -1;
	memset(d, 0, sizeof d);
	if (syscall(SYS_capset, &h, d) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return 0;
}
