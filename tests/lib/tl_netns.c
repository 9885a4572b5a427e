/* SPDX-License-Identifier: BSD-3-Clause */
/* A private network namespace with lo and a veth pair (see tl_netns.h). */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sluice_xdp.skel.h"
#include "tl_netns.h"

int tl_netns_if_up(const char *ifname)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
		ret = -errno;
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)
		ret = -errno;
out:
	close(fd);
	return ret;
}

/* Run the command @fmt makes; 0, or -1 with it on stderr. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) == 0)
		return 0;
	fprintf(stderr, "%s: failed\n", cmd);
	return -1;
}

int tl_netns_enter(const char *veth, const char *peer, const char *cidr)
{
	int rc;

	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	rc = tl_netns_if_up("lo");
	if (rc) {
		fprintf(stderr, "lo up: %s\n", strerror(-rc));
		return -1;
	}
	if (!veth)
		return 0;
	if (sh("ip link add %s type veth peer name %s", veth, peer))
		return -1;
	if ((rc = tl_netns_if_up(veth)) != 0 || (rc = tl_netns_if_up(peer)) != 0) {
		fprintf(stderr, "veth %s/%s up: %s\n", veth, peer, strerror(-rc));
		return -1;
	}
	return cidr ? sh("ip addr add %s dev %s", cidr, veth) : 0;
}

struct sluice_xdp *tl_netns_enter_xdp(const char *veth, const char *peer)
{
	struct sluice_xdp *skel;

	if (tl_netns_enter(veth, peer, NULL))
		return NULL;
	skel = sluice_xdp__open_and_load();
	if (!skel)
		fprintf(stderr, "sluice_xdp: load failed: %s\n", strerror(errno));
	return skel;
}
