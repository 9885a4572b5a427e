/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fragmenting IPv4 for the tunnel. A packet without DF (a client's own
 * fragments among them) that would not fit the TX port's MTU once
 * encapsulated is split, as a router splits a packet before a smaller
 * link, and each piece is encapsulated: the backend reassembles the inner
 * datagram, so it needs no outer reassembly in front of its decapsulation.
 * IPv6 and IPv4 with DF get "too big" answers instead (dp_icmp.h).
 */
#ifndef DP_FRAG_H
#define DP_FRAG_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_parse.h"

#define DP_FRAG_MAX 16 /* pieces one packet may become: 9000 bytes over a 576-byte path */

/*
 * Split the IPv4 packet of @m (parsed as @pkt, DF clear) into pieces of at
 * most @max_l3 bytes of IP each: new single-segment mbufs from @mp, each
 * with @m's L2 header, the IPv4 header (options only in the first piece,
 * except those whose copied flag says otherwise, RFC 791 3.1), fragment
 * offset and MF set, length and header checksum computed, and the next
 * slice of the payload (a multiple of 8 bytes but for the last). @m is not
 * modified. Returns DP_PARSE_OK with *@n pieces in @out, or
 * SL_DROP_FRAG_SPLIT_LIMIT (more than DP_FRAG_MAX pieces, or @max_l3 too
 * small for the header and 8 bytes), or SL_DROP_NO_MBUF (nothing allocated
 * is left over).
 */
unsigned int dp_frag4_split(struct rte_mempool *mp, const struct rte_mbuf *m,
			    const struct dp_pkt *pkt, uint32_t max_l3, struct rte_mbuf **out,
			    unsigned int *n);

#endif /* DP_FRAG_H */
