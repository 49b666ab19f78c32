/*
 * ipc: the frame format of sandbox/ipc.h.  Encoding is strict in both
 * directions; decoding rejects every frame that is not exactly what the
 * sender should have produced, because the peer may be a compromised cell.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox/contain.h"
#include "sandbox/ipc.h"

static const char *const type_names[IPC_TYPE_MAX] = {
	[IPC_READY] = "ready", [IPC_SPAWN] = "spawn", [IPC_SPAWNED] = "spawned",
	[IPC_EXIT] = "exit", [IPC_EXEC] = "exec", [IPC_RESULT] = "result",
	[IPC_ACTIVITY] = "activity", [IPC_STOP] = "stop", [IPC_ENDING] = "ending",
	[IPC_ERROR] = "error", [IPC_SPEC] = "spec",
};

const char *
ipc_type_name(int type)
{
	if (type <= 0 || type >= IPC_TYPE_MAX)
		return "?";
	return type_names[type];
}

int
ipc_send(int sock, int type, json_t *obj, const int *fds, int nfds)
{
	unsigned char buf[IPC_MAX_FRAME];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * IPC_MAX_FDS)];
	} ctl;
	struct msghdr msg = { 0 };
	struct iovec iov;
	size_t n;
	uint32_t len;
	ssize_t w;

	if (type <= 0 || type >= IPC_TYPE_MAX || nfds < 0 || nfds > IPC_MAX_FDS) {
		errno = EINVAL;
		return -1;
	}
	n = json_dumpb(obj, (char *)buf + 5, sizeof buf - 5, JSON_COMPACT);
	if (n == 0 || n > sizeof buf - 5) {
		errno = EMSGSIZE;
		return -1;
	}
	len = htonl((uint32_t)(n + 1));
	memcpy(buf, &len, 4);
	buf[4] = (unsigned char)type;
	iov.iov_base = buf;
	iov.iov_len = n + 5;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof ctl);
		msg.msg_control = ctl.b;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	do
		w = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -1;
	if ((size_t)w != n + 5) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int
ipc_decode(const unsigned char *buf, size_t len, int *type, json_t **obj)
{
	uint32_t n;
	json_t *o;

	if (len < 6 || len > IPC_MAX_FRAME)
		goto proto;
	memcpy(&n, buf, 4);
	n = ntohl(n);
	if ((size_t)n != len - 4)
		goto proto;
	if (buf[4] == 0 || buf[4] >= IPC_TYPE_MAX)
		goto proto;
	o = json_loadb((const char *)buf + 5, len - 5, JSON_REJECT_DUPLICATES, NULL);
	if (o == NULL)
		goto proto;
	if (!json_is_object(o)) {
		json_decref(o);
		goto proto;
	}
	*type = buf[4];
	*obj = o;
	return 0;
proto:
	errno = EPROTO;
	return -1;
}

int
ipc_recv(int sock, int *type, json_t **obj, int *fds, int *nfds)
{
	unsigned char buf[IPC_MAX_FRAME + 1];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * IPC_MAX_FDS)];
	} ctl;
	struct msghdr msg = { 0 };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct cmsghdr *c;
	int got[IPC_MAX_FDS], ngot = 0, i;
	ssize_t r;

	if (nfds != NULL)
		*nfds = 0;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.b;
	msg.msg_controllen = sizeof ctl.b;
	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	if (r == 0) {
		errno = ECONNRESET;
		return -1;
	}
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			goto proto;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (ngot + (int)k > IPC_MAX_FDS)
			goto proto;
		memcpy(got + ngot, CMSG_DATA(c), k * sizeof(int));
		ngot += (int)k;
	}
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		goto proto;
	if (ngot > 0 && fds == NULL)
		goto proto;
	if (ipc_decode(buf, (size_t)r, type, obj) < 0)
		goto proto;
	for (i = 0; i < ngot; i++)
		fds[i] = got[i];
	if (nfds != NULL)
		*nfds = ngot;
	return 0;
proto:
	for (i = 0; i < ngot; i++)
		close(got[i]);
	errno = EPROTO;
	return -1;
}

int
ipc_wait(int sock, int timeout_ms)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r;
}

void
ipc_fail_exit(int sock, const char *what, int err)
{
	char msg[256];
	json_t *o;

	snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
	o = json_pack("{s:i,s:s}", "tag", 0, "message", msg);
	if (o)
		ipc_send(sock, IPC_ERROR, o, NULL, 0);
	_exit(1);
}

/*
 * contain_fail() lives here, beside ipc_fail_exit(), so that labhub-warden
 * links it without cell.o (which would pull in the whole cell supervisor).
 */
int
contain_fail(struct contain_err *e, const char *fmt, ...)
{
	va_list ap;

	e->err = errno;
	va_start(ap, fmt);
	vsnprintf(e->what, sizeof e->what, fmt, ap);
	va_end(ap);
	errno = e->err;
	return -1;
}
