/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast path's parser (see dp_parse.h). Every length is checked against
 * what the frame holds before it is read, and every refusal names its reason.
 * Lengths from the IP header bound what follows: a TCP header that runs past
 * the IPv4 total length is truncated even if the frame has padding there.
 */
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <netinet/in.h>

#include "dp_parse.h"
#include "sl_addr.h"

/* wire-order constants, so no swap per packet */
#define BE_ETH_P_IP RTE_BE16(RTE_ETHER_TYPE_IPV4)
#define BE_ETH_P_IPV6 RTE_BE16(RTE_ETHER_TYPE_IPV6)
#define BE_ETH_P_8021Q RTE_BE16(RTE_ETHER_TYPE_VLAN)
#define BE_ETH_P_8021AD RTE_BE16(RTE_ETHER_TYPE_QINQ)
#define BE_IP4_MF_OFFSET RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)
#define BE_IP4_OFFSET RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)

#define ICMP4_DEST_UNREACH 3
#define ICMP4_TIME_EXCEEDED 11
#define ICMP6_ERROR_LAST 4 /* 1 unreachable, 2 too big, 3 time exceeded, 4 parameter problem */
#define ICMP_HDR_LEN 8
#define ICMP_QUOTE_L4 8 /* RFC 792: an error quotes at least 8 bytes past the IP header */

#define IP6_HDR_LEN 40
#define IP6_FRAG_HDR_LEN 8
#define IP6_FRAG_OFFSET 0xfff8 /* host order, of the fragment header's second word */
#define IP6_FRAG_MORE 0x0001

static inline uint16_t load_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int ip6_is_exthdr(uint8_t nh)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_ESP:
	case IPPROTO_AH:
	case IPPROTO_DSTOPTS:
	case IPPROTO_MH:
	case 139: /* HIP */
	case 140: /* Shim6 */
	case 253: /* experiments (RFC 3692) */
	case 254:
		return 1;
	default:
		return 0;
	}
}

/* Where an IPv6 extension-header walk stands. */
struct ip6_walk {
	uint32_t off; /* offset of the header named by nh */
	uint8_t nh;
	uint8_t frag; /* enum dp_frag_kind */
	__be32 frag_id;
};

/*
 * Walk from @w->off, whose header is @w->nh, past at most SL_IP6_EXT_MAX
 * extension headers to the first other one, within @end. A fragment header
 * says what the packet is: an atomic fragment walks on, a first fragment
 * walks on to its L4 header, a later one stops (no more headers follow).
 */
static unsigned int ip6_walk(const uint8_t *p, uint32_t end, struct ip6_walk *w)
{
	int frag_seen = 0;

	for (unsigned int i = 0; ip6_is_exthdr(w->nh); i++) {
		uint32_t hlen;

		if (i == SL_IP6_EXT_MAX)
			return SL_DROP_IP6_EXT_LIMIT;
		if (w->nh != IPPROTO_HOPOPTS && w->nh != IPPROTO_ROUTING &&
		    w->nh != IPPROTO_DSTOPTS && w->nh != IPPROTO_FRAGMENT)
			return SL_DROP_IP6_EXTHDR;
		if (end - w->off < 8)
			return SL_DROP_IP6_EXTHDR;
		if (w->nh == IPPROTO_FRAGMENT) {
			uint16_t offlg = rte_be_to_cpu_16(load_be16(p + w->off + 2));

			if (frag_seen++)
				return SL_DROP_IP6_EXTHDR; /* one fragment header at most */
			w->nh = p[w->off];
			if (offlg & (IP6_FRAG_OFFSET | IP6_FRAG_MORE)) {
				w->frag = offlg & IP6_FRAG_OFFSET ? DP_FRAG_LATER : DP_FRAG_FIRST;
				memcpy(&w->frag_id, p + w->off + 4, 4);
			}
			w->off += IP6_FRAG_HDR_LEN;
			if (w->frag == DP_FRAG_LATER)
				return DP_PARSE_OK;
			continue;
		}
		hlen = ((uint32_t)p[w->off + 1] + 1) * 8;
		if (hlen > end - w->off)
			return SL_DROP_IP6_EXTHDR;
		w->nh = p[w->off];
		w->off += hlen;
	}
	return DP_PARSE_OK;
}

/*
 * The quoted packet of an ICMP error at @in (its IP header, @end bounding
 * the quote) gives the key: the quote went from the VIP (which must be
 * where the error is addressed) to a client, so the key is reversed.
 */
static unsigned int quoted_flow(const uint8_t *p, uint32_t in, uint32_t end, struct dp_pkt *pkt)
{
	struct sl_addr qsrc, qdst;
	uint32_t l4;
	uint8_t proto;

	if (pkt->key.af == SL_AF_INET) {
		uint32_t ihl, a;

		if (end - in < sizeof(struct rte_ipv4_hdr))
			return SL_DROP_ICMP_TRUNCATED;
		if ((p[in] >> 4) != 4)
			return SL_DROP_ICMP_UNMATCHED;
		ihl = (uint32_t)(p[in] & 0x0f) * 4;
		if (ihl < sizeof(struct rte_ipv4_hdr) || end - in < ihl + ICMP_QUOTE_L4)
			return SL_DROP_ICMP_TRUNCATED;
		if (load_be16(p + in + 6) & BE_IP4_OFFSET)
			return SL_DROP_ICMP_UNMATCHED; /* a later fragment: no ports */
		proto = p[in + 9];
		memcpy(&a, p + in + 12, 4);
		sl_addr_from_v4(&qsrc, a);
		memcpy(&a, p + in + 16, 4);
		sl_addr_from_v4(&qdst, a);
		l4 = in + ihl;
	} else {
		struct ip6_walk w;
		unsigned int v;

		if (end - in < IP6_HDR_LEN)
			return SL_DROP_ICMP_TRUNCATED;
		if ((p[in] >> 4) != 6)
			return SL_DROP_ICMP_UNMATCHED;
		w = (struct ip6_walk){.off = in + IP6_HDR_LEN, .nh = p[in + 6]};
		v = ip6_walk(p, end, &w);
		if (v != DP_PARSE_OK || w.frag == DP_FRAG_LATER)
			return SL_DROP_ICMP_UNMATCHED;
		if (end - w.off < ICMP_QUOTE_L4)
			return SL_DROP_ICMP_TRUNCATED;
		proto = w.nh;
		memcpy(qsrc.a8, p + in + 8, 16);
		memcpy(qdst.a8, p + in + 24, 16);
		l4 = w.off;
	}
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return SL_DROP_ICMP_UNMATCHED;
	if (qsrc.a64[0] != pkt->key.dst.a64[0] || qsrc.a64[1] != pkt->key.dst.a64[1])
		return SL_DROP_ICMP_UNMATCHED; /* not about a packet from where it is addressed */
	pkt->key.src = qdst;
	pkt->key.dst = qsrc;
	pkt->key.sport = load_be16(p + l4 + 2);
	pkt->key.dport = load_be16(p + l4);
	pkt->key.proto = proto;
	pkt->inner_off = (uint16_t)in;
	pkt->inner_l4_off = (uint16_t)l4;
	pkt->icmp_error = 1;
	return DP_PARSE_OK;
}

/* Cold: ICMP is rare on a VIP, and only errors are forwarded. */
static __rte_noinline unsigned int parse_icmp(const uint8_t *p, uint32_t off, uint32_t end,
					      struct dp_pkt *pkt)
{
	uint8_t type;

	if (pkt->frag != DP_FRAG_NONE)
		return SL_DROP_L4_UNSUPPORTED; /* errors are small: never fragmented */
	if (end - off < ICMP_HDR_LEN)
		return SL_DROP_L4_TRUNCATED;
	type = p[off];
	if (pkt->key.af == SL_AF_INET ? type != ICMP4_DEST_UNREACH && type != ICMP4_TIME_EXCEEDED
				      : type < 1 || type > ICMP6_ERROR_LAST)
		return SL_DROP_ICMP_NOT_ERROR;
	pkt->l4_off = off;
	pkt->tcp_flags = 0;
	return quoted_flow(p, off + ICMP_HDR_LEN, end, pkt);
}

/*
 * Parse TCP or UDP at @off (@end is where the L3 packet ends), or hand
 * anything else to the cold paths. Inlined into both IP parsers: this is
 * the fast path.
 */
static __rte_always_inline unsigned int parse_l4(const uint8_t *p, uint32_t off, uint32_t end,
						 uint8_t proto, struct dp_pkt *pkt)
{
	const uint8_t *l4 = p + off;

	if (unlikely(proto != IPPROTO_TCP && proto != IPPROTO_UDP)) {
		if (proto == (pkt->key.af == SL_AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6))
			return parse_icmp(p, off, end, pkt);
		return SL_DROP_L4_UNSUPPORTED;
	}
	pkt->l4_off = off;
	pkt->key.proto = proto;
	if (proto == IPPROTO_TCP) {
		uint32_t doff;

		if (end - off < sizeof(struct rte_tcp_hdr))
			return SL_DROP_L4_TRUNCATED;
		doff = (uint32_t)(l4[12] >> 4) * 4;
		if (doff < sizeof(struct rte_tcp_hdr) || doff > end - off)
			return SL_DROP_TCP_BAD_DOFF;
		pkt->tcp_flags = l4[13];
	} else {
		if (end - off < sizeof(struct rte_udp_hdr))
			return SL_DROP_L4_TRUNCATED;
		pkt->tcp_flags = 0;
	}
	pkt->key.sport = load_be16(l4);
	pkt->key.dport = load_be16(l4 + 2);
	return DP_PARSE_OK;
}

/*
 * Cold: a fragment (pkt->frag set). A later one has no L4 header: ports 0,
 * placed by its datagram's identification. A first one must hold its whole
 * TCP/UDP header (RFC 7112), or it is counted as a fragment.
 */
static __rte_noinline unsigned int parse_fragment(const uint8_t *p, uint32_t off, uint32_t end,
						  uint8_t proto, struct dp_pkt *pkt)
{
	unsigned int v;

	if (pkt->frag == DP_FRAG_LATER) {
		if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
			return SL_DROP_L4_UNSUPPORTED;
		pkt->l4_off = off;
		pkt->key.proto = proto;
		pkt->tcp_flags = 0;
		pkt->key.sport = 0;
		pkt->key.dport = 0;
		return DP_PARSE_OK;
	}
	v = parse_l4(p, off, end, proto, pkt);
	if (v == SL_DROP_L4_TRUNCATED || v == SL_DROP_TCP_BAD_DOFF)
		return SL_DROP_FRAGMENT;
	return v;
}

static unsigned int parse_ip4(const uint8_t *p, uint32_t len, struct dp_pkt *pkt)
{
	uint32_t off = pkt->l2_len, ihl, tot;
	const struct rte_ipv4_hdr *ip;
	uint16_t frag;
	uint32_t a;

	if (len - off < sizeof(struct rte_ipv4_hdr))
		return SL_DROP_IP4_TRUNCATED;
	ip = (const struct rte_ipv4_hdr *)(p + off);
	if ((ip->version_ihl >> 4) != 4)
		return SL_DROP_IP4_BAD_VERSION;
	ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	if (ihl < sizeof(struct rte_ipv4_hdr) || ihl > len - off)
		return SL_DROP_IP4_BAD_IHL;
	tot = rte_be_to_cpu_16(load_be16(p + off + 2));
	if (tot < ihl || tot > len - off)
		return SL_DROP_IP4_BAD_LENGTH;

	pkt->l3_len = tot;
	pkt->key.af = SL_AF_INET;
	memcpy(&a, p + off + 12, 4);
	sl_addr_from_v4(&pkt->key.src, a);
	memcpy(&a, p + off + 16, 4);
	sl_addr_from_v4(&pkt->key.dst, a);
	frag = load_be16(p + off + 6);
	if (unlikely(frag & BE_IP4_MF_OFFSET)) {
		pkt->frag = frag & BE_IP4_OFFSET ? DP_FRAG_LATER : DP_FRAG_FIRST;
		pkt->frag_id = load_be16(p + off + 4);
		return parse_fragment(p, off + ihl, off + tot, ip->next_proto_id, pkt);
	}
	return parse_l4(p, off + ihl, off + tot, ip->next_proto_id, pkt);
}

static unsigned int parse_ip6(const uint8_t *p, uint32_t len, struct dp_pkt *pkt)
{
	uint32_t off = pkt->l2_len, end;
	const struct rte_ipv6_hdr *ip;
	struct ip6_walk w;
	unsigned int v;

	if (len - off < sizeof(struct rte_ipv6_hdr))
		return SL_DROP_IP6_TRUNCATED;
	ip = (const struct rte_ipv6_hdr *)(p + off);
	if ((p[off] >> 4) != 6)
		return SL_DROP_IP6_BAD_VERSION;
	end = sizeof(struct rte_ipv6_hdr) + rte_be_to_cpu_16(load_be16(p + off + 4));
	if (end > len - off)
		return SL_DROP_IP6_BAD_LENGTH;
	end += off;

	pkt->l3_len = end - off;
	pkt->key.af = SL_AF_INET6;
	memcpy(pkt->key.src.a8, ip->src_addr, 16);
	memcpy(pkt->key.dst.a8, ip->dst_addr, 16);

	w = (struct ip6_walk){.off = off + sizeof(struct rte_ipv6_hdr), .nh = ip->proto};
	if (unlikely(ip6_is_exthdr(w.nh))) {
		v = ip6_walk(p, end, &w);
		if (v != DP_PARSE_OK)
			return v;
		if (w.frag != DP_FRAG_NONE) {
			pkt->frag = w.frag;
			pkt->frag_id = w.frag_id;
			return parse_fragment(p, w.off, end, w.nh, pkt);
		}
	}
	return parse_l4(p, w.off, end, w.nh, pkt);
}

unsigned int dp_parse(const uint8_t *p, uint32_t len, struct dp_pkt *pkt)
{
	uint32_t off = sizeof(struct rte_ether_hdr);
	uint16_t type;

	if (len < sizeof(struct rte_ether_hdr))
		return SL_DROP_ETH_TRUNCATED;
	pkt->key.pad = 0;
	pkt->n_vlans = 0;
	pkt->frag = DP_FRAG_NONE;
	pkt->icmp_error = 0;
	pkt->inner_off = 0;
	pkt->frag_id = 0;
	type = load_be16(p + 12);
	while (type == BE_ETH_P_8021Q || type == BE_ETH_P_8021AD) {
		if (pkt->n_vlans == SL_VLAN_MAX)
			return SL_DROP_NOT_IP;
		if (len - off < sizeof(struct rte_vlan_hdr))
			return SL_DROP_VLAN_TRUNCATED;
		type = load_be16(p + off + 2);
		off += sizeof(struct rte_vlan_hdr);
		pkt->n_vlans++;
	}
	pkt->l2_len = off;
	if (type == BE_ETH_P_IP)
		return parse_ip4(p, len, pkt);
	if (type == BE_ETH_P_IPV6)
		return parse_ip6(p, len, pkt);
	return SL_DROP_NOT_IP;
}
