/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "Packet too big" answers for the tunnel mode: a client packet that would
 * exceed the TX port's MTU once encapsulated gets an ICMP "fragmentation
 * needed" (IPv4 with DF) or ICMPv6 "packet too big", from the VIP, so the
 * client's path MTU discovery lowers its segment size.
 */
#ifndef DP_ICMP_H
#define DP_ICMP_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_parse.h"

#define DP_ICMP_TTL 64
#define DP_ICMP4_MAX_LEN 576  /* bytes of IP packet: RFC 1812 4.3.2.3 */
#define DP_ICMP6_MAX_LEN 1280 /* bytes of IP packet: RFC 4443 2.4 (c) */
#define DP_IP4_MIN_MTU 68
#define DP_IP6_MIN_MTU 1280

/*
 * Build the answer to @m (parsed as @pkt) saying that at most @mtu bytes of
 * IP packet fit. The reply keeps @m's L2 header (VLAN tags included) with
 * the MAC addresses swapped, so it leaves by the port @m came in. @m is not
 * modified. On SL_DROP_TOO_BIG, *@reply is the packet to send; on any
 * other verdict (SL_DROP_TOO_BIG_NO_ICMP: IPv4 without DF; SL_DROP_NO_MBUF)
 * *@reply is NULL. @m is the caller's to free either way.
 */
unsigned int dp_icmp_too_big(struct rte_mempool *mp, const struct rte_mbuf *m,
			     const struct dp_pkt *pkt, uint32_t mtu, struct rte_mbuf **reply);

#endif /* DP_ICMP_H */
