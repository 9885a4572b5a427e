/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP/ICMPv6 "too big" replies (see dp_icmp.h). The reply quotes as much
 * of the offending packet as the RFCs allow (576 bytes of IPv4, 1280 of
 * IPv6 in total), taken from the first segment.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <netinet/in.h>

#include "dp_icmp.h"

#define BE_IP4_DF RTE_BE16(RTE_IPV4_HDR_DF_FLAG)
#define ICMP_DEST_UNREACH 3
#define ICMP_FRAG_NEEDED 4
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP_HDR_LEN 8

static uint8_t *start_reply(struct rte_mbuf *r, const uint8_t *frame, uint32_t l2_len,
			    uint32_t total)
{
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(r, (uint16_t)total);

	if (!p)
		return NULL;
	/* back to the sender, from the address it sent to; tags and type as they were */
	memcpy(p, frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	memcpy(p + RTE_ETHER_ADDR_LEN, frame, RTE_ETHER_ADDR_LEN);
	memcpy(p + 2 * RTE_ETHER_ADDR_LEN, frame + 2 * RTE_ETHER_ADDR_LEN,
	       l2_len - 2 * RTE_ETHER_ADDR_LEN);
	return p + l2_len;
}

static unsigned int reply4(struct rte_mbuf *r, const uint8_t *frame, const struct dp_pkt *pkt,
			   uint32_t quote, uint32_t mtu)
{
	uint32_t len = sizeof(struct rte_ipv4_hdr) + ICMP_HDR_LEN + quote;
	struct rte_ipv4_hdr *ip;
	uint8_t *icmp;
	uint16_t ck;

	ip = (struct rte_ipv4_hdr *)start_reply(r, frame, pkt->l2_len, pkt->l2_len + len);
	if (!ip)
		return SL_DROP_NO_MBUF;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = IPTOS_PREC_INTERNETCONTROL;
	ip->total_length = rte_cpu_to_be_16((uint16_t)len);
	ip->packet_id = 0;
	ip->fragment_offset = 0;
	ip->time_to_live = DP_ICMP_TTL;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->hdr_checksum = 0;
	ip->src_addr = pkt->key.dst.a32[3]; /* the VIP: what the client talks to */
	ip->dst_addr = pkt->key.src.a32[3];
	ip->hdr_checksum = rte_ipv4_cksum(ip);

	icmp = (uint8_t *)(ip + 1);
	icmp[0] = ICMP_DEST_UNREACH;
	icmp[1] = ICMP_FRAG_NEEDED;
	memset(icmp + 2, 0, 4);
	mtu = RTE_MAX(mtu, (uint32_t)DP_IP4_MIN_MTU);
	icmp[6] = (uint8_t)(mtu >> 8);
	icmp[7] = (uint8_t)mtu;
	memcpy(icmp + ICMP_HDR_LEN, frame + pkt->l2_len, quote);
	ck = (uint16_t)~rte_raw_cksum(icmp, ICMP_HDR_LEN + quote);
	memcpy(icmp + 2, &ck, 2);
	return SL_DROP_TOO_BIG;
}

static unsigned int reply6(struct rte_mbuf *r, const uint8_t *frame, const struct dp_pkt *pkt,
			   uint32_t quote, uint32_t mtu)
{
	uint32_t plen = ICMP_HDR_LEN + quote;
	struct rte_ipv6_hdr *ip;
	uint8_t *icmp;
	uint32_t be_mtu;
	uint16_t ck;

	ip = (struct rte_ipv6_hdr *)start_reply(r, frame, pkt->l2_len,
						pkt->l2_len + sizeof(*ip) + plen);
	if (!ip)
		return SL_DROP_NO_MBUF;
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)plen);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = DP_ICMP_TTL;
	memcpy(ip->src_addr, pkt->key.dst.a8, 16);
	memcpy(ip->dst_addr, pkt->key.src.a8, 16);

	icmp = (uint8_t *)(ip + 1);
	icmp[0] = ICMP6_PACKET_TOO_BIG;
	icmp[1] = 0;
	icmp[2] = icmp[3] = 0;
	/* a link must carry 1280 bytes: never ask for less */
	be_mtu = rte_cpu_to_be_32(RTE_MAX(mtu, (uint32_t)DP_IP6_MIN_MTU));
	memcpy(icmp + 4, &be_mtu, 4);
	memcpy(icmp + ICMP_HDR_LEN, frame + pkt->l2_len, quote);
	ck = rte_ipv6_udptcp_cksum(ip, icmp);
	memcpy(icmp + 2, &ck, 2);
	return SL_DROP_TOO_BIG;
}

unsigned int dp_icmp_too_big(struct rte_mempool *mp, const struct rte_mbuf *m,
			     const struct dp_pkt *pkt, uint32_t mtu, struct rte_mbuf **reply)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t avail = rte_pktmbuf_data_len(m) - pkt->l2_len;
	uint32_t quote = RTE_MIN((uint32_t)pkt->l3_len, avail);
	unsigned int verdict;
	struct rte_mbuf *r;

	*reply = NULL;
	if (pkt->key.af == SL_AF_INET) {
		uint16_t frag;

		memcpy(&frag, frame + pkt->l2_len + 6, 2);
		if (!(frag & BE_IP4_DF))
			return SL_DROP_TOO_BIG_NO_ICMP;
		quote = RTE_MIN(quote,
				DP_ICMP4_MAX_LEN - sizeof(struct rte_ipv4_hdr) - ICMP_HDR_LEN);
	} else {
		quote = RTE_MIN(quote,
				DP_ICMP6_MAX_LEN - sizeof(struct rte_ipv6_hdr) - ICMP_HDR_LEN);
	}
	r = rte_pktmbuf_alloc(mp);
	if (!r)
		return SL_DROP_NO_MBUF;
	if (pkt->key.af == SL_AF_INET)
		verdict = reply4(r, frame, pkt, quote, mtu);
	else
		verdict = reply6(r, frame, pkt, quote, mtu);
	if (verdict != SL_DROP_TOO_BIG) {
		rte_pktmbuf_free(r);
		return verdict;
	}
	*reply = r;
	return verdict;
}
