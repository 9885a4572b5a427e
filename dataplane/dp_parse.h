/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet parser of the fast path: Ethernet, up to two VLAN tags (802.1Q,
 * 802.1ad), IPv4 or IPv6 (hop-by-hop, routing, destination options and
 * fragment headers), then TCP, UDP, or an ICMP/ICMPv6 error. The result is
 * the flow key and the offsets the forwarding code needs, or the exact
 * reason the packet is dropped. dp_parse() is a pure function over bytes so
 * it is tested without DPDK.
 *
 * Fragments parse: the first one (offset 0) carries the ports, a later one
 * has ports 0 and is placed by its datagram's identification (dp_worker.c).
 * An IPv6 atomic fragment (offset 0, no more fragments) is an ordinary
 * packet. An ICMP error (IPv4 types 3 and 11, ICMPv6 types 1-4) yields the
 * key of the flow its quoted packet belongs to, reversed: the quote is a
 * packet an instance sent from the VIP, so the reversed key is the client's
 * flow towards the VIP and finds the instance like any of its packets.
 */
#ifndef DP_PARSE_H
#define DP_PARSE_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "sl_drop_types.h"
#include "sl_hash.h"
#include "sl_parse_limits.h"

/* Verdict of a parse that succeeded; any other verdict is an enum sl_drop. */
#define DP_PARSE_OK SL_DROP_MAX

/* TCP flags (byte 13 of the TCP header) */
#define DP_TCP_FIN 0x01
#define DP_TCP_SYN 0x02
#define DP_TCP_RST 0x04
#define DP_TCP_ACK 0x10

/* dp_pkt.frag */
enum dp_frag_kind {
	DP_FRAG_NONE = 0,  /* not a fragment (an IPv6 atomic fragment included) */
	DP_FRAG_FIRST = 1, /* offset 0, more fragments follow: ports are known */
	DP_FRAG_LATER = 2, /* offset > 0: no L4 header, ports 0 in the key */
};

struct dp_pkt {
	struct sl_flow_key key; /* addresses IPv4-mapped for IPv4, ports wire order */
	uint16_t l2_len;	/* Ethernet header and VLAN tags = offset of L3 */
	uint16_t l4_off;	/* offset of the TCP/UDP/ICMP header from the frame start */
	uint16_t l3_len;	/* IPv4 total length, or 40 + IPv6 payload length */
	uint8_t tcp_flags;	/* 0 for UDP, fragments after the first and ICMP errors */
	uint8_t n_vlans;
	uint8_t frag;	       /* enum dp_frag_kind */
	uint8_t icmp_error;    /* 1: an ICMP error; key is its quoted flow, reversed */
	uint16_t inner_off;    /* ICMP error: offset of the quoted IP header */
	__be32 frag_id;	       /* fragments: identification (IPv4: 16 bits, zero-extended) */
	uint16_t inner_l4_off; /* ICMP error: offset of the quoted TCP/UDP header (else unset) */
};

/*
 * Parse the frame at @p of @len bytes into @pkt. Returns DP_PARSE_OK, or the
 * SL_DROP_* reason; @pkt is only meaningful on DP_PARSE_OK. Bytes after the
 * L3 length (Ethernet padding) are ignored.
 */
unsigned int dp_parse(const uint8_t *p, uint32_t len, struct dp_pkt *pkt);

/* The same over an mbuf: headers must sit in the first segment. */
static inline unsigned int dp_parse_mbuf(const struct rte_mbuf *m, struct dp_pkt *pkt)
{
	return dp_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), pkt);
}

#endif /* DP_PARSE_H */
