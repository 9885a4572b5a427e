/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast path's parser (see dp_parse.h). Every length is checked against
 * what the frame holds before it is read, and every refusal names its reason.
 * Lengths from the IP header bound what follows: a TCP header that runs past
 * the IPv4 total length is truncated even if the frame has padding there.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <netinet/in.h>

#include "dp_parse.h"
#include "sl_shm.h"

/* wire-order constants, so no swap per packet */
#define BE_ETH_P_IP RTE_BE16(RTE_ETHER_TYPE_IPV4)
#define BE_ETH_P_IPV6 RTE_BE16(RTE_ETHER_TYPE_IPV6)
#define BE_ETH_P_8021Q RTE_BE16(RTE_ETHER_TYPE_VLAN)
#define BE_ETH_P_8021AD RTE_BE16(RTE_ETHER_TYPE_QINQ)
#define BE_IP4_MF_OFFSET RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)

#define DP_VLAN_MAX 2

#define IP6_EXT_HOPOPTS 0
#define IP6_EXT_ROUTING 43
#define IP6_EXT_FRAGMENT 44
#define IP6_EXT_ESP 50
#define IP6_EXT_AH 51
#define IP6_EXT_DSTOPTS 60
#define IP6_EXT_MOBILITY 135
#define IP6_EXT_HIP 139
#define IP6_EXT_SHIM6 140
#define IP6_EXT_EXP1 253
#define IP6_EXT_EXP2 254

static inline uint16_t load_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Parse TCP or UDP at @off; @end is where the L3 packet ends. */
static unsigned int parse_l4(const uint8_t *p, uint32_t off, uint32_t end, uint8_t proto,
			     struct dp_pkt *pkt)
{
	const uint8_t *l4 = p + off;

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
	} else if (proto == IPPROTO_UDP) {
		if (end - off < sizeof(struct rte_udp_hdr))
			return SL_DROP_L4_TRUNCATED;
		pkt->tcp_flags = 0;
	} else {
		return SL_DROP_L4_UNSUPPORTED;
	}
	pkt->key.sport = load_be16(l4);
	pkt->key.dport = load_be16(l4 + 2);
	return DP_PARSE_OK;
}

static unsigned int parse_ip4(const uint8_t *p, uint32_t len, struct dp_pkt *pkt)
{
	uint32_t off = pkt->l2_len, ihl, tot;
	const struct rte_ipv4_hdr *ip;
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
	if (load_be16(p + off + 6) & BE_IP4_MF_OFFSET)
		return SL_DROP_FRAGMENT;

	pkt->l3_len = tot;
	pkt->key.af = SL_AF_INET;
	memcpy(&a, p + off + 12, 4);
	sl_addr_from_v4(&pkt->key.src, a);
	memcpy(&a, p + off + 16, 4);
	sl_addr_from_v4(&pkt->key.dst, a);
	return parse_l4(p, off + ihl, off + tot, ip->next_proto_id, pkt);
}

static int ip6_is_exthdr(uint8_t nh)
{
	switch (nh) {
	case IP6_EXT_HOPOPTS:
	case IP6_EXT_ROUTING:
	case IP6_EXT_FRAGMENT:
	case IP6_EXT_ESP:
	case IP6_EXT_AH:
	case IP6_EXT_DSTOPTS:
	case IP6_EXT_MOBILITY:
	case IP6_EXT_HIP:
	case IP6_EXT_SHIM6:
	case IP6_EXT_EXP1:
	case IP6_EXT_EXP2:
		return 1;
	default:
		return 0;
	}
}

static unsigned int parse_ip6(const uint8_t *p, uint32_t len, struct dp_pkt *pkt)
{
	uint32_t off = pkt->l2_len, end, l4;
	const struct rte_ipv6_hdr *ip;
	uint8_t nh;

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

	nh = ip->proto;
	l4 = off + sizeof(struct rte_ipv6_hdr);
	for (int i = 0; ip6_is_exthdr(nh); i++) {
		uint32_t hlen;

		if (nh == IP6_EXT_FRAGMENT)
			return SL_DROP_FRAGMENT;
		if (i == DP_PARSE_IP6_EXT_MAX ||
		    (nh != IP6_EXT_HOPOPTS && nh != IP6_EXT_ROUTING && nh != IP6_EXT_DSTOPTS))
			return SL_DROP_IP6_EXTHDR;
		if (end - l4 < 8)
			return SL_DROP_IP6_EXTHDR;
		hlen = ((uint32_t)p[l4 + 1] + 1) * 8;
		if (hlen > end - l4)
			return SL_DROP_IP6_EXTHDR;
		nh = p[l4];
		l4 += hlen;
	}
	return parse_l4(p, l4, end, nh, pkt);
}

unsigned int dp_parse(const uint8_t *p, uint32_t len, struct dp_pkt *pkt)
{
	uint32_t off = sizeof(struct rte_ether_hdr);
	uint16_t type;

	if (len < sizeof(struct rte_ether_hdr))
		return SL_DROP_ETH_TRUNCATED;
	pkt->key.pad = 0;
	pkt->n_vlans = 0;
	type = load_be16(p + 12);
	while (type == BE_ETH_P_8021Q || type == BE_ETH_P_8021AD) {
		if (pkt->n_vlans == DP_VLAN_MAX)
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
