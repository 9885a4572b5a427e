/* SPDX-License-Identifier: BSD-3-Clause */
/* The segments the appliance writes itself (see dp_seg.h). */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "dp_csum.h"
#include "dp_seg.h"
#include "dp_tcp.h"

void dp_seg_ends_of(const uint8_t *f, const struct dp_pkt *pkt, struct dp_seg_ends *e)
{
	const uint8_t *l3 = f + pkt->l2_len;

	e->v6 = pkt->key.af == SL_AF_INET6;
	if (e->v6) {
		const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)l3;
		uint32_t vtc = rte_be_to_cpu_32(ip->vtc_flow);

		memcpy(e->src, ip->src_addr, 16);
		memcpy(e->dst, ip->dst_addr, 16);
		e->ttl = ip->hop_limits;
		e->tos = (uint8_t)(vtc >> 20);
	} else {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)l3;

		memcpy(e->src, &ip->src_addr, 4);
		memcpy(e->dst, &ip->dst_addr, 4);
		e->ttl = ip->time_to_live;
		e->tos = ip->type_of_service;
		e->id = ip->packet_id;
	}
}

void dp_seg_put_ip(uint8_t *l3, const struct dp_seg_ends *e, const uint8_t *src, const uint8_t *dst,
		   uint32_t l4_len, uint8_t ttl, uint8_t tos, uint16_t id)
{
	if (e->v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tos << 20);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)l4_len);
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = ttl;
		memcpy(ip->src_addr, src, 16);
		memcpy(ip->dst_addr, dst, 16);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		ip->version_ihl = 0x45;
		ip->type_of_service = tos;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + l4_len));
		ip->packet_id = id;
		ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = ttl;
		ip->next_proto_id = IPPROTO_TCP;
		memcpy(&ip->src_addr, src, 4);
		memcpy(&ip->dst_addr, dst, 4);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
}

void dp_seg_cksum(uint8_t *l3, const struct dp_seg_ends *e)
{
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(l3 + dp_seg_ip_len(e));

	th->cksum = 0;
	th->cksum = e->v6 ? rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)l3, th)
			  : rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)l3, th);
}

void dp_seg_put_tcp(struct rte_tcp_hdr *th, uint16_t sport, uint16_t dport, uint32_t seq,
		    uint32_t ack, uint8_t flags, uint16_t window, const uint8_t *opt, uint32_t olen)
{
	th->src_port = sport;
	th->dst_port = dport;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((DP_SEG_TCP_HDR_LEN + olen) / 4 << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(window);
	th->cksum = 0;
	th->tcp_urp = 0;
	if (olen)
		memcpy(th + 1, opt, olen);
}

void dp_seg_swap_macs(uint8_t *f)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_ether_addr a = eth->dst_addr;

	eth->dst_addr = eth->src_addr;
	eth->src_addr = a;
}

uint32_t dp_seg_put_ts(uint8_t *p, uint32_t tsval, uint32_t tsecr)
{
	p[0] = DP_TCPOPT_NOP;
	p[1] = DP_TCPOPT_NOP;
	p[2] = DP_TCPOPT_TS;
	p[3] = 10;
	dp_st32(p + 4, rte_cpu_to_be_32(tsval));
	dp_st32(p + 8, rte_cpu_to_be_32(tsecr));
	return DP_SEG_TS_OPT_LEN;
}
