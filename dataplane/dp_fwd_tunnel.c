/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tunnel encapsulation (Katran/GLB style): the client's IP packet, unchanged,
 * inside an outer IPv4 or IPv6 header (protocol 4 or 41), or inside UDP
 * (GUE variant 1) when the VIP asks for it. The outer family is the
 * backend's. The outer source and the IPv6 flow label / GUE source port
 * vary with the flow hash, so a backend's RSS spreads flows over its queues.
 * Checksums are computed here: af_xdp ports have no TX offload.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include <netinet/in.h>

#include "dp_fwd.h"
#include "sl_addr.h"

#define BE_ETH_P_IP RTE_BE16(RTE_ETHER_TYPE_IPV4)
#define BE_ETH_P_IPV6 RTE_BE16(RTE_ETHER_TYPE_IPV6)
#define BE_IP4_DF RTE_BE16(RTE_IPV4_HDR_DF_FLAG)

void dp_tunnel_src(const struct sl_vip *vip, const struct sl_backend *be, uint32_t hash,
		   struct sl_addr *src)
{
	unsigned int bits = be->af == SL_AF_INET ? 32 : 128;
	unsigned int host;
	uint32_t mask;

	if (vip->tunnel_src_plen == 0 || vip->tunnel_src_plen > bits ||
	    sl_addr_is_v4(&vip->tunnel_src) != (be->af == SL_AF_INET)) {
		*src = be->src;
		return;
	}
	*src = vip->tunnel_src;
	host = bits - vip->tunnel_src_plen;
	if (host == 0)
		return;
	/* the hash has 32 bits: longer IPv6 host parts keep the prefix's upper host bits */
	mask = host >= 32 ? UINT32_MAX : (1u << host) - 1;
	src->a32[3] = rte_cpu_to_be_32((rte_be_to_cpu_32(src->a32[3]) & ~mask) | (hash & mask));
}

/*
 * The IPv4 header checksum of a 20-byte header (checksum field zero): the
 * same ones' complement sum as rte_ipv4_cksum(), taken over five 32-bit
 * words instead of a loop of 16-bit ones (a 32-bit word is congruent to the
 * sum of its halves mod 0xffff, and the sum is never zero: version_ihl),
 * so the bytes are identical at a quarter of the instructions.
 */
static inline uint16_t ip4_hdr_cksum(const struct rte_ipv4_hdr *h)
{
	uint32_t w[5];
	uint64_t s;

	memcpy(w, h, sizeof(w));
	s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4]; /* < 2^35 */
	s = (s & 0xffff) + (s >> 16);			/* < 2^20 */
	s = (s & 0xffff) + (s >> 16);			/* < 2^16 + 2^4 */
	s = (s & 0xffff) + (s >> 16);			/* <= 0xffff */
	return (uint16_t)~s;
}

static uint16_t udp6_cksum(const struct rte_mbuf *m, const struct rte_ipv6_hdr *ip6,
			   uint32_t l4_off)
{
	uint16_t raw;
	uint32_t sum;

	if (rte_raw_cksum_mbuf(m, l4_off, rte_be_to_cpu_16(ip6->payload_len), &raw))
		return 0xffff;
	sum = (uint32_t)raw + rte_ipv6_phdr_cksum(ip6, 0);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (~sum) & 0xffff;
	return sum == 0 ? 0xffff : (uint16_t)sum; /* RFC 768: zero is sent as all ones */
}

unsigned int dp_fwd_tunnel(struct rte_mbuf *m, const struct dp_pkt *pkt, const struct sl_vip *vip,
			   const struct sl_backend *be, uint32_t hash, const struct dp_port_ctx *tx)
{
	const uint8_t *inner = rte_pktmbuf_mtod_offset(m, const uint8_t *, pkt->l2_len);
	uint32_t overhead = dp_tunnel_overhead(vip, be);
	uint32_t hdr_len = sizeof(struct rte_ether_hdr) + overhead;
	int gue = !!(vip->flags & SL_VIP_F_GUE);
	uint8_t inner_proto, tos;
	uint32_t l3_off, l4_off;
	struct rte_ether_hdr *eth;
	struct sl_addr src;
	__be16 id = 0, frag = BE_IP4_DF;
	uint8_t *p;

	/* Ethernet padding must not travel inside the tunnel */
	if (rte_pktmbuf_pkt_len(m) > (uint32_t)pkt->l2_len + pkt->l3_len)
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - pkt->l2_len - pkt->l3_len);

	if (pkt->key.af == SL_AF_INET) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)inner;

		inner_proto = IPPROTO_IPIP;
		tos = ip->type_of_service;
		id = ip->packet_id;
		frag = ip->fragment_offset & BE_IP4_DF;
	} else {
		inner_proto = IPPROTO_IPV6;
		tos = (uint8_t)(((inner[0] & 0x0f) << 4) | (inner[1] >> 4));
	}

	/* the inner L2 header (with its VLAN tags) is replaced, not kept */
	if (hdr_len > pkt->l2_len) {
		p = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)(hdr_len - pkt->l2_len));
		if (!p)
			return SL_DROP_NO_HEADROOM;
	} else {
		p = (uint8_t *)rte_pktmbuf_adj(m, (uint16_t)(pkt->l2_len - hdr_len));
	}

	eth = (struct rte_ether_hdr *)p;
	dp_fwd_set_macs(eth, be, tx);
	dp_tunnel_src(vip, be, hash, &src);
	l3_off = sizeof(*eth);

	if (be->af == SL_AF_INET) {
		struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)(p + l3_off);

		eth->ether_type = BE_ETH_P_IP;
		o->version_ihl = RTE_IPV4_VHL_DEF;
		o->type_of_service = tos;
		o->total_length = rte_cpu_to_be_16((uint16_t)(pkt->l3_len + overhead));
		o->packet_id = id;
		o->fragment_offset = frag;
		o->time_to_live = DP_TUNNEL_TTL;
		o->next_proto_id = gue ? IPPROTO_UDP : inner_proto;
		o->hdr_checksum = 0;
		o->src_addr = src.a32[3];
		o->dst_addr = be->addr.a32[3];
		o->hdr_checksum = ip4_hdr_cksum(o);
		l4_off = l3_off + sizeof(*o);
		if (gue) {
			struct rte_udp_hdr *u = (struct rte_udp_hdr *)(p + l4_off);

			u->src_port = rte_cpu_to_be_16(dp_gue_sport(hash));
			u->dst_port = vip->gue_port;
			u->dgram_len = rte_cpu_to_be_16((uint16_t)(DP_GUE_HDR_LEN + pkt->l3_len));
			u->dgram_cksum = 0; /* optional over IPv4; the inner packet has its own */
		}
	} else {
		struct rte_ipv6_hdr *o = (struct rte_ipv6_hdr *)(p + l3_off);

		eth->ether_type = BE_ETH_P_IPV6;
		o->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tos << 20 |
					       dp_tunnel_flow_label(hash));
		o->payload_len = rte_cpu_to_be_16((uint16_t)(pkt->l3_len + overhead - sizeof(*o)));
		o->proto = gue ? IPPROTO_UDP : inner_proto;
		o->hop_limits = DP_TUNNEL_TTL;
		memcpy(o->src_addr, src.a8, 16);
		memcpy(o->dst_addr, be->addr.a8, 16);
		l4_off = l3_off + sizeof(*o);
		if (gue) {
			struct rte_udp_hdr *u = (struct rte_udp_hdr *)(p + l4_off);

			u->src_port = rte_cpu_to_be_16(dp_gue_sport(hash));
			u->dst_port = vip->gue_port;
			u->dgram_len = o->payload_len;
			u->dgram_cksum = 0;
			u->dgram_cksum = udp6_cksum(m, o, l4_off); /* mandatory over IPv6 */
		}
	}
	return DP_FWD_OK;
}
