/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * struct sl_addr (sl_shm_types.h) holds either family, IPv4 as the
 * IPv4-mapped IPv6 address ::ffff:a.b.c.d, so one compare covers both.
 * These helpers build and test that form and convert it to and from the
 * socket API's addresses, for every module that talks to the kernel about
 * an instance or a VIP.
 */
#ifndef SL_ADDR_H
#define SL_ADDR_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "sl_shm_types.h"

static inline void sl_addr_from_v4(struct sl_addr *a, uint32_t be_addr)
{
	a->a32[0] = 0;
	a->a32[1] = 0;
	a->a32[2] = htonl(0xffff);
	a->a32[3] = be_addr;
}

static inline int sl_addr_is_v4(const struct sl_addr *a)
{
	return a->a32[0] == 0 && a->a32[1] == 0 && a->a32[2] == htonl(0xffff);
}

/* @a:@port (host order) as a sockaddr of @a's family; returns its length. */
static inline socklen_t sl_addr_to_sockaddr(const struct sl_addr *a, uint16_t port,
					    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (sl_addr_is_v4(a)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, &a->a32[3], 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, a->a8, 16);
	return sizeof(*sin6);
}

/* The address and port (host order) of @ss, AF_INET or AF_INET6. 0, or -EAFNOSUPPORT. */
static inline int sl_addr_from_sockaddr(const struct sockaddr_storage *ss, struct sl_addr *a,
					uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		sl_addr_from_v4(a, sin->sin_addr.s_addr);
		*port = ntohs(sin->sin_port);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		memcpy(a->a8, &sin6->sin6_addr, 16);
		*port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

#endif /* SL_ADDR_H */
