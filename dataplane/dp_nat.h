/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet rewrites of full NAT, for IPv4 and IPv6, TCP and UDP: a
 * packet's addresses and ports (client -> VIP becomes source -> backend,
 * backend -> source becomes VIP -> client), the MSS of a handshake segment,
 * and ICMP errors about a connection, outer and quoted headers alike. Every
 * checksum is fixed incrementally (dp_csum.h), so a packet that arrived
 * corrupt leaves corrupt. The L2 header (VLAN tags included) is replaced by
 * a plain Ethernet header to the next hop. The connection decisions are
 * the worker's (dp_worker_nat.c); these functions only rewrite.
 */
#ifndef DP_NAT_H
#define DP_NAT_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dp_parse.h"
#include "sl_hash.h"

#define DP_NAT_MSS_OVERHEAD4 40 /* IPv4 + TCP headers: MSS = MTU - this */
#define DP_NAT_MSS_OVERHEAD6 60 /* IPv6 + TCP headers */

/*
 * Rewrite TCP/UDP packet @m (parsed as @pkt, not a fragment, no ICMP) to
 * leave as @out: its src, dst, sport and dport (family unchanged). The L2
 * header becomes Ethernet from @smac to @dmac; @pkt's offsets follow.
 * Returns DP_FWD_OK (the rewrite cannot fail on a parsed packet).
 */
unsigned int dp_nat_rewrite(struct rte_mbuf *m, struct dp_pkt *pkt, const struct sl_flow_key *out,
			    const uint8_t *dmac, const struct rte_ether_addr *smac);

/*
 * Lower the MSS option of TCP segment @m (a SYN or SYN-ACK) to @mss if it
 * offers more; 1 if it was lowered, 0 otherwise (no option, or not above).
 */
int dp_nat_clamp_mss(struct rte_mbuf *m, const struct dp_pkt *pkt, uint16_t mss);

/* How an ICMP error about a connection leaves. */
struct dp_nat_icmp {
	struct sl_addr src, dst;  /* the error's own addresses */
	struct sl_flow_key quote; /* the quoted packet's src, dst, sport, dport */
	/*
	 * Added to the quoted TCP sequence and acknowledgement numbers (the
	 * latter when quoted): the SYN proxy's splice delta, 0 without it.
	 */
	uint32_t seq_add, ack_add;
};

/*
 * Rewrite ICMP error @m (parsed as @pkt: pkt->icmp_error) to leave as @x:
 * outer addresses, the quoted packet's addresses, ports and sequence, the
 * quoted IPv4 header checksum, the quoted TCP/UDP checksum where the quote
 * holds it, the outer IPv4 header checksum and the ICMP checksum (with its
 * pseudo-header for ICMPv6). L2 as dp_nat_rewrite(). Returns DP_FWD_OK.
 */
unsigned int dp_nat_icmp(struct rte_mbuf *m, struct dp_pkt *pkt, const struct dp_nat_icmp *x,
			 const uint8_t *dmac, const struct rte_ether_addr *smac);

#endif /* DP_NAT_H */
