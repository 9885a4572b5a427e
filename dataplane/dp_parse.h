/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet parser of the fast path: Ethernet, up to two VLAN tags (802.1Q,
 * 802.1ad), IPv4 or IPv6 (with hop-by-hop, routing and destination options
 * headers), then TCP or UDP. The result is the flow key and the offsets the
 * forwarding code needs, or the exact reason the packet is dropped.
 * dp_parse() is a pure function over bytes so it is tested without DPDK.
 */
#ifndef DP_PARSE_H
#define DP_PARSE_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "sl_drop_types.h"
#include "sl_hash.h"

/* Verdict of a parse that succeeded; any other verdict is an enum sl_drop. */
#define DP_PARSE_OK SL_DROP_MAX

/* At most this many IPv6 extension headers are walked before giving up. */
#define DP_PARSE_IP6_EXT_MAX 8

/* TCP flags (byte 13 of the TCP header) */
#define DP_TCP_FIN 0x01
#define DP_TCP_SYN 0x02
#define DP_TCP_RST 0x04
#define DP_TCP_ACK 0x10

struct dp_pkt {
	struct sl_flow_key key; /* addresses IPv4-mapped for IPv4, ports wire order */
	uint16_t l2_len;        /* Ethernet header and VLAN tags = offset of L3 */
	uint16_t l4_off;        /* offset of the TCP/UDP header from the frame start */
	uint16_t l3_len;        /* IPv4 total length, or 40 + IPv6 payload length */
	uint8_t tcp_flags;      /* 0 for UDP */
	uint8_t n_vlans;
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
