/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Source ports of full NAT. Worker k of n owns slice k of every NAT
 * source's port range (sl_natport.h), so the owner of a reply follows from
 * its destination port alone. A new connection takes a port of its
 * worker's slice whose reply key (backend -> source:port) is in no live
 * connection: probing from a point the flow hash gives, at most
 * DP_NATPORT_PROBES ports per source, then the VIP's next source. A port
 * is never given to two live connections with the same backend address and
 * port; different backends share ports freely (their reply keys differ).
 */
#ifndef DP_NATPORT_H
#define DP_NATPORT_H

#include <stdint.h>

#include "dp_conn.h"
#include "sl_natport.h"
#include "sl_shm_types.h"

#define DP_NATPORT_PROBES 16 /* ports tried per source before the next one */

/*
 * A port for a new connection of worker @k (of @n) to the backend @reply
 * names: @reply->src and sport are the backend's, proto and af set. The
 * sources tried are @srcs[@first .. @first + @count - 1], starting at the one
 * @hash picks. On success returns 0 with @reply->dst and dport set (the
 * source and its port), *@src_idx the source's index and *@reply_hash the
 * key's hash; -EADDRNOTAVAIL when every source tried had no free port.
 * Dead connections met on the way are freed by the lookups (dp_conn_lookup).
 */
int dp_natport_pick(struct dp_conn_table *ct, const struct sl_nat_source *srcs, uint32_t first,
		    uint32_t count, uint32_t n, uint32_t k, uint32_t hash, uint64_t now,
		    struct sl_flow_key *reply, uint32_t *src_idx, uint32_t *reply_hash);

#endif /* DP_NATPORT_H */
