/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP segments the appliance writes itself (the SYN proxy's SYN-ACKs,
 * backend SYNs and RSTs, the HTTP answers): a plain IP header (no IPv4
 * options, no IPv6 extension headers) and a TCP header written over a
 * frame, and their checksums computed in full (the segments are small;
 * nothing relies on checksum offload). A segment written over the one it
 * answers reads what it needs of the original first (dp_seg_ends_of),
 * since the plain IP header may start the TCP header earlier than the
 * original's options or extension headers did.
 */
#ifndef DP_SEG_H
#define DP_SEG_H

#include <stdint.h>

#include <rte_tcp.h>

#include "dp_parse.h"

#define DP_SEG_TCP_HDR_LEN 20
#define DP_SEG_TS_OPT_LEN 12 /* NOP, NOP, timestamps */
#define DP_SEG_TTL 64	     /* TTL or hop limit of what the appliance makes */

/* The end points of a parsed segment, as its IP header holds them. */
struct dp_seg_ends {
	uint8_t src[16], dst[16];
	uint8_t v6, ttl, tos;
	uint16_t id; /* IPv4 identification, wire order */
};

void dp_seg_ends_of(const uint8_t *f, const struct dp_pkt *pkt, struct dp_seg_ends *e);

static inline uint32_t dp_seg_ip_len(const struct dp_seg_ends *e)
{
	return e->v6 ? 40 : 20;
}

/*
 * A plain IP header at @l3 (the family of @e) from @src to @dst for @l4_len
 * bytes of TCP; IPv4 with DF and identification @id (wire order: a
 * segment rewritten keeps its own, one the appliance makes has 0).
 */
void dp_seg_put_ip(uint8_t *l3, const struct dp_seg_ends *e, const uint8_t *src, const uint8_t *dst,
		   uint32_t l4_len, uint8_t ttl, uint8_t tos, uint16_t id);

/*
 * A TCP header (ports in wire order, the rest host order) followed by
 * @olen bytes of options at @opt; the checksum is left to dp_seg_cksum().
 */
void dp_seg_put_tcp(struct rte_tcp_hdr *th, uint16_t sport, uint16_t dport, uint32_t seq,
		    uint32_t ack, uint8_t flags, uint16_t window, const uint8_t *opt,
		    uint32_t olen);

/* The TCP checksum of the segment after the plain IP header at @l3. */
void dp_seg_cksum(uint8_t *l3, const struct dp_seg_ends *e);

/* Swap an Ethernet header's addresses: a reply goes back where the frame came from. */
void dp_seg_swap_macs(uint8_t *f);

/* NOP, NOP, timestamps at @p: the options of every segment after the handshake. */
uint32_t dp_seg_put_ts(uint8_t *p, uint32_t tsval, uint32_t tsecr);

#endif /* DP_SEG_H */
