/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding a parsed packet to its backend: dsr (MAC rewrite, inline here)
 * and tunnel (IPIP/IP6IP6/GUE encapsulation, dp_fwd_tunnel.c). Each returns
 * DP_FWD_OK when the mbuf is ready for the backend's TX port, or the
 * SL_DROP_* reason (the caller frees and counts).
 */
#ifndef DP_FWD_H
#define DP_FWD_H

#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dp_parse.h"
#include "dp_types.h"

#define DP_FWD_OK SL_DROP_MAX

#define DP_TUNNEL_TTL 64
#define DP_GUE_HDR_LEN 8 /* GUE variant 1: a bare UDP header */

/* Outer UDP source port of GUE: from the flow hash, in 32768-65535. */
static inline uint16_t dp_gue_sport(uint32_t hash)
{
	return (uint16_t)(0x8000 | (hash >> 17));
}

/* Outer IPv6 flow label: the low 20 bits of the flow hash. */
static inline uint32_t dp_tunnel_flow_label(uint32_t hash)
{
	return hash & 0xfffff;
}

/* Bytes the tunnel adds in front of the inner L3 packet (Ethernet excluded). */
static inline uint32_t dp_tunnel_overhead(const struct sl_vip *vip, const struct sl_backend *be)
{
	return (be->af == SL_AF_INET ? 20u : 40u) +
	       (vip->flags & SL_VIP_F_GUE ? DP_GUE_HDR_LEN : 0);
}

static inline void dp_fwd_set_macs(struct rte_ether_hdr *eth, const struct sl_backend *be,
				   const struct dp_port_ctx *tx)
{
	memcpy(&eth->dst_addr, be->dst_mac, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(&tx->mac, &eth->src_addr);
}

/* dsr: the frame goes to the backend's MAC from our port's MAC, otherwise untouched. */
static inline unsigned int dp_fwd_dsr(struct rte_mbuf *m, const struct sl_backend *be,
				      const struct dp_port_ctx *tx)
{
	dp_fwd_set_macs(rte_pktmbuf_mtod(m, struct rte_ether_hdr *), be, tx);
	return DP_FWD_OK;
}

/*
 * Outer source address of a tunnelled flow: the VIP's tunnel source prefix
 * with the host bits from @hash (a prefix length counts bits of the
 * address in its own family: /24 for an IPv4 prefix), or the backend's
 * route source when the VIP has no prefix of the backend's family.
 */
void dp_tunnel_src(const struct sl_vip *vip, const struct sl_backend *be, uint32_t hash,
		   struct sl_addr *src);

/*
 * tunnel: replace the L2 header (and VLAN tags, and Ethernet padding) of
 * @m by Ethernet + outer IPv4/IPv6 (+ UDP for GUE) towards @be. The caller
 * has checked the MTU. @hash is the 5-tuple flow hash. Returns DP_FWD_OK
 * or SL_DROP_NO_HEADROOM.
 */
unsigned int dp_fwd_tunnel(struct rte_mbuf *m, const struct dp_pkt *pkt, const struct sl_vip *vip,
			   const struct sl_backend *be, uint32_t hash,
			   const struct dp_port_ctx *tx);

#endif /* DP_FWD_H */
