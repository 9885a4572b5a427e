/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Full-NAT rewrites (see dp_nat.h). Each changed field adds its delta to
 * every checksum that covers it: an IPv4 address to the IP header checksum
 * and the TCP/UDP (pseudo-header) checksum; inside an ICMP error, every
 * byte of the quote (its own checksums too, once fixed) to the ICMP
 * checksum, and for ICMPv6 the outer addresses as well.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <netinet/in.h>

#include "dp_csum.h"
#include "dp_fwd.h"
#include "dp_nat.h"
#include "dp_tcp.h"

#define ETH_LEN 14
#define IP4_SRC 12 /* offsets in the IPv4 header */
#define IP4_CSUM 10
#define IP6_SRC 8 /* in the IPv6 header */
#define TCP_SEQ 4 /* in the TCP header */
#define TCP_ACK 8
#define TCP_CSUM 16
#define UDP_CSUM 6
#define ICMP_CSUM 2

/*
 * The L2 header becomes plain Ethernet: VLAN tags go (the next hop is on
 * the port's own segment, as for the tunnel), the offsets follow.
 */
static uint8_t *set_eth(struct rte_mbuf *m, struct dp_pkt *pkt, const uint8_t *dmac,
			const struct rte_ether_addr *smac)
{
	uint16_t cut = (uint16_t)(pkt->l2_len - ETH_LEN);
	uint8_t *e;

	if (cut) {
		rte_pktmbuf_adj(m, cut);
		pkt->l2_len = ETH_LEN;
		pkt->l4_off -= cut;
		if (pkt->icmp_error) {
			pkt->inner_off -= cut;
			pkt->inner_l4_off -= cut;
		}
	}
	e = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(e, dmac, RTE_ETHER_ADDR_LEN);
	memcpy(e + RTE_ETHER_ADDR_LEN, smac, RTE_ETHER_ADDR_LEN);
	dp_st16(e + 12, pkt->key.af == SL_AF_INET ? RTE_BE16(RTE_ETHER_TYPE_IPV4)
						  : RTE_BE16(RTE_ETHER_TYPE_IPV6));
	return e;
}

/* Store @n bytes of @to at @p, adding their delta to *@d. */
static inline void put(uint8_t *p, const void *to, unsigned int n, uint32_t *d)
{
	*d = dp_csum_delta(*d, p, to, n);
	memcpy(p, to, n);
}

/* The address bytes of @a as they sit in a header of family @af. */
static inline const void *addr_bytes(const struct sl_addr *a, uint8_t af)
{
	return af == SL_AF_INET ? (const void *)&a->a32[3] : (const void *)a->a8;
}

/*
 * Set the source and destination of the IP header at @ip (family @af) to
 * @src and @dst. Returns the delta of the addresses (for the pseudo-header);
 * an IPv4 header's own checksum is fixed here.
 */
static uint32_t set_addrs(uint8_t *ip, uint8_t af, const struct sl_addr *src,
			  const struct sl_addr *dst)
{
	uint32_t d = 0;

	if (af == SL_AF_INET) {
		put(ip + IP4_SRC, addr_bytes(src, af), 4, &d);
		put(ip + IP4_SRC + 4, addr_bytes(dst, af), 4, &d);
		dp_csum_apply(ip + IP4_CSUM, d);
	} else {
		put(ip + IP6_SRC, addr_bytes(src, af), 16, &d);
		put(ip + IP6_SRC + 16, addr_bytes(dst, af), 16, &d);
	}
	return d;
}

/* Apply @d to the TCP or UDP checksum of the header at @l4. */
static inline void fix_l4(uint8_t *l4, uint8_t proto, uint32_t d)
{
	if (proto == IPPROTO_TCP)
		dp_csum_apply(l4 + TCP_CSUM, d);
	else
		dp_csum_apply_udp(l4 + UDP_CSUM, d);
}

unsigned int dp_nat_rewrite(struct rte_mbuf *m, struct dp_pkt *pkt, const struct sl_flow_key *out,
			    const uint8_t *dmac, const struct rte_ether_addr *smac)
{
	uint8_t *f = set_eth(m, pkt, dmac, smac), *l4 = f + pkt->l4_off;
	uint32_t d = set_addrs(f + pkt->l2_len, pkt->key.af, &out->src, &out->dst);

	put(l4, &out->sport, 2, &d);
	put(l4 + 2, &out->dport, 2, &d);
	fix_l4(l4, pkt->key.proto, d);
	return DP_FWD_OK;
}

int dp_nat_clamp_mss(struct rte_mbuf *m, const struct dp_pkt *pkt, uint16_t mss)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, pkt->l4_off);
	struct dp_tcpopt o;

	if (dp_tcp_opt_len(th) == 0)
		return 0;
	dp_tcpopt_parse(th, &o);
	return dp_tcp_clamp_mss(th, &o, mss);
}

/* Add @add to the 32-bit big-endian number at @p, its delta into *@d. */
static inline void add32(uint8_t *p, uint32_t add, uint32_t *d)
{
	uint32_t v = rte_cpu_to_be_32(rte_be_to_cpu_32(dp_ld32(p)) + add);

	put(p, &v, 4, d);
}

/* Apply @d to the checksum at @ck, adding what that changed to *@outer. */
static inline void apply_tracked(uint8_t *ck, uint32_t d, int udp, uint32_t *outer)
{
	uint16_t before = dp_ld16(ck);

	if (udp)
		dp_csum_apply_udp(ck, d);
	else
		dp_csum_apply(ck, d);
	*outer = dp_csum_delta16(*outer, before, dp_ld16(ck));
}

unsigned int dp_nat_icmp(struct rte_mbuf *m, struct dp_pkt *pkt, const struct dp_nat_icmp *x,
			 const uint8_t *dmac, const struct rte_ether_addr *smac)
{
	uint8_t *f = set_eth(m, pkt, dmac, smac), af = pkt->key.af, proto = pkt->key.proto;
	uint8_t *ip = f + pkt->l2_len, *icmp = f + pkt->l4_off, *in = f + pkt->inner_off;
	uint8_t *l4 = f + pkt->inner_l4_off;
	uint32_t quoted = (uint32_t)(pkt->l2_len + pkt->l3_len) - pkt->inner_l4_off;
	uint32_t d_outer, d_addrs = 0, d_rest = 0, d_icmp = 0;

	/* outer header: an ICMPv6 checksum covers the addresses, ICMPv4's does not */
	d_outer = set_addrs(ip, af, &x->src, &x->dst);
	if (af == SL_AF_INET6)
		d_icmp = d_outer;
	/* the quote's addresses (and its IPv4 header checksum), ports and numbers */
	if (af == SL_AF_INET) {
		put(in + IP4_SRC, addr_bytes(&x->quote.src, af), 4, &d_addrs);
		put(in + IP4_SRC + 4, addr_bytes(&x->quote.dst, af), 4, &d_addrs);
		apply_tracked(in + IP4_CSUM, d_addrs, 0, &d_icmp);
	} else {
		put(in + IP6_SRC, addr_bytes(&x->quote.src, af), 16, &d_addrs);
		put(in + IP6_SRC + 16, addr_bytes(&x->quote.dst, af), 16, &d_addrs);
	}
	put(l4, &x->quote.sport, 2, &d_rest);
	put(l4 + 2, &x->quote.dport, 2, &d_rest);
	if (proto == IPPROTO_TCP) {
		if (x->seq_add)
			add32(l4 + TCP_SEQ, x->seq_add, &d_rest);
		if (x->ack_add && quoted >= TCP_ACK + 4)
			add32(l4 + TCP_ACK, x->ack_add, &d_rest);
	}
	d_icmp += d_addrs + d_rest;
	/* the quoted segment's checksum (pseudo-header included), where the quote holds it */
	if (quoted >= (proto == IPPROTO_TCP ? TCP_CSUM : UDP_CSUM) + 2u)
		apply_tracked(l4 + (proto == IPPROTO_TCP ? TCP_CSUM : UDP_CSUM), d_addrs + d_rest,
			      proto == IPPROTO_UDP, &d_icmp);
	dp_csum_apply(icmp + ICMP_CSUM, d_icmp);
	return DP_FWD_OK;
}
