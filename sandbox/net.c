/*
 * net: a cell's own network namespace has only `lo`; bring it up so lab
 * services can listen on 127.0.0.1 and nothing else is reachable.  Also
 * names the UTS namespace.
 */
#include "config.h"

#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox/contain.h"

int
net_setup(struct contain_err *e)
{
	struct ifreq ifr;
	int s;

	if (sethostname("cell", 4) < 0)
		return contain_fail(e, "net: sethostname");
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return contain_fail(e, "net: socket");
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		close(s);
		return contain_fail(e, "net: SIOCGIFFLAGS lo");
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
		close(s);
		return contain_fail(e, "net: SIOCSIFFLAGS lo");
	}
	close(s);
	return 0;
}
