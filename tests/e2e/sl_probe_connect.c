// SPDX-License-Identifier: BSD-3-Clause
/*
 * One health check the way sluiced makes it, for the probe_tunnel e2e:
 * (tunnel: attach sluice_probe to IFACE's egress), prepare a TCP socket to
 * BACKEND:PORT, register it in sl_probes (direct, or through the tunnel of
 * VIP:VIPPORT), connect within 2 s, send one line, print the first reply
 * line and the peer the socket sees, remove the entry. Exit 0 when the
 * backend answered, 1 otherwise, 2 on usage errors.
 *
 *   sl_probe_connect IFACE BACKEND PORT [--tunnel VIP VIPPORT [--gue GUEPORT]]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cp_probe_tc.h"
#include "cp_xdp.h"
#include "sl_shm.h"

#define TIMEOUT_MS 2000

static int parse_addr(const char *text, struct sl_addr *a)
{
	uint32_t v4;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET6, text, a->a8) == 1)
		return 0;
	if (inet_pton(AF_INET, text, &v4) != 1)
		return -1;
	sl_addr_from_v4(a, v4);
	return 0;
}

static int wait_for(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};

	return poll(&p, 1, TIMEOUT_MS) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sl_addr backend, vip, local;
	struct sl_probe_value v;
	struct sockaddr_storage ss, peer;
	socklen_t len, plen = sizeof(peer);
	const char *ifname;
	char buf[256], host[INET6_ADDRSTRLEN];
	uint16_t port, vip_port = 0, gue_port = 0, local_port;
	int tunnel = 0, fd = -1, ret = 1, err = 0, registered = 0;
	ssize_t n;

	if (argc != 4 && argc != 7 && argc != 9)
		goto usage;
	ifname = argv[1];
	if (parse_addr(argv[2], &backend))
		goto usage;
	port = (uint16_t)atoi(argv[3]);
	if (argc >= 7) {
		if (strcmp(argv[4], "--tunnel") || parse_addr(argv[5], &vip))
			goto usage;
		vip_port = (uint16_t)atoi(argv[6]);
		tunnel = 1;
	}
	if (argc == 9) {
		if (strcmp(argv[7], "--gue"))
			goto usage;
		gue_port = (uint16_t)atoi(argv[8]);
	}
	if (tunnel) {
		err = cp_probe_tc_attach(ifname);
		if (err < 0) {
			fprintf(stderr, "sl_probe_connect: attach sluice_probe to %s: %s\n", ifname,
				strerror(-err));
			return 1;
		}
		printf("sluice_probe on %s: %s\n", ifname, err ? "attached" : "already current");
		err = cp_probe_tc_tunnel_value(&v, &backend, port, &vip, vip_port, htons(gue_port));
		if (err) {
			fprintf(stderr, "sl_probe_connect: tunnel value: %s\n", strerror(-err));
			return 1;
		}
	}
	fd = socket(sl_addr_is_v4(&backend) ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		perror("sl_probe_connect: socket");
		return 1;
	}
	err = cp_probe_tc_socket_prepare(fd, &backend, port, tunnel, &local, &local_port);
	if (err) {
		fprintf(stderr, "sl_probe_connect: prepare: %s\n", strerror(-err));
		goto out;
	}
	err = cp_xdp_probe_add(ifname, &local, local_port, IPPROTO_TCP, tunnel ? &v : NULL);
	if (err) {
		fprintf(stderr, "sl_probe_connect: sl_probes on %s: %s\n", ifname, strerror(-err));
		goto out;
	}
	registered = 1;
	memset(&ss, 0, sizeof(ss));
	if (sl_addr_is_v4(&backend)) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, backend.a8 + 12, 4);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, backend.a8, 16);
		len = sizeof(*s);
	}
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS) {
		perror("sl_probe_connect: connect");
		goto out;
	}
	len = sizeof(err);
	if (wait_for(fd, POLLOUT) || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		fprintf(stderr, "sl_probe_connect: connect to %s port %u: %s\n", argv[2], port,
			err ? strerror(err) : "timed out");
		goto out;
	}
	if (send(fd, "hello\n", 6, 0) != 6 || wait_for(fd, POLLIN)) {
		fprintf(stderr, "sl_probe_connect: no reply\n");
		goto out;
	}
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0) {
		fprintf(stderr, "sl_probe_connect: connection closed without a reply\n");
		goto out;
	}
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	getpeername(fd, (struct sockaddr *)&peer, &plen);
	if (peer.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&peer)->sin_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&peer)->sin6_addr, host, sizeof(host));
	printf("peer %s reply %s\n", host, buf);
	ret = 0;
out:
	if (registered && (err = cp_xdp_probe_del(ifname, &local, local_port, IPPROTO_TCP)))
		fprintf(stderr, "sl_probe_connect: removing the probe: %s\n", strerror(-err));
	close(fd);
	return ret;
usage:
	fprintf(stderr, "usage: sl_probe_connect IFACE BACKEND PORT "
			"[--tunnel VIP VIPPORT [--gue GUEPORT]]\n");
	return 2;
}
