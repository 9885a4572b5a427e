/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whole test frames for the stateful modes' fixtures: Ethernet (optionally
 * one VLAN tag), IPv4 or IPv6, TCP (sequence numbers, flags, options) or
 * UDP, payload, and ICMP errors quoting such a packet, every checksum
 * computed from the bytes with the harness's reference sum. A test builds
 * both the frame it sends and the one it expects back with these, so the
 * rewrite's incremental checksums are checked against sums computed from
 * scratch.
 */
#ifndef DP_FRAMES_H
#define DP_FRAMES_H

#include <stdint.h>

struct dpt_frame {
	const uint8_t *dmac, *smac;
	uint16_t vlan; /* 0: untagged */
	const char *src, *dst;
	uint8_t proto;
	uint16_t sport, dport; /* host order */
	uint8_t flags;	       /* TCP */
	uint32_t seq, ack;     /* TCP */
	const uint8_t *opt;    /* TCP options, olen bytes (a multiple of 4) */
	uint8_t olen;
	uint16_t payload;      /* bytes after the L4 header: data's, or i * 7 + 3 */
	const uint8_t *data;   /* the payload's bytes, NULL: the pattern above */
	uint16_t window;       /* TCP; 0: 0xffff */
	uint8_t window_zero;   /* TCP: window 0 (an RST's), whatever window says */
	uint8_t udp_csum_none; /* UDP over IPv4 with checksum 0 */
	uint8_t made;	       /* the appliance's own segment: IPv4 id 0, TTL 64 */
};

/*
 * Build @s at @f: IPv4 (id 0x1234, DF, TTL 61) or IPv6 (hop limit 61) by
 * the address family (made: id 0, TTL 64), TCP window 0xffff. Padded to 60 bytes. Returns the
 * frame's length.
 */
uint32_t dpt_frame(uint8_t *f, const struct dpt_frame *s);

/*
 * An ICMP error from @src to @dst at @f (Ethernet @dmac <- @smac; IPv4 id
 * 0x4321, TTL 62, or hop limit 62): @type, @code, the 32 bits @info after
 * the checksum (a next-hop MTU), quoting the IP header of @q and the first
 * @quote_l4 bytes after it. Returns the frame's length.
 */
uint32_t dpt_icmp_frame(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, const char *src,
			const char *dst, uint8_t type, uint8_t code, uint32_t info,
			const struct dpt_frame *q, uint32_t quote_l4);

#endif /* DP_FRAMES_H */
