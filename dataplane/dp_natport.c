/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Source-port allocation of full NAT (see dp_natport.h): the bounded probe
 * for a free reply key in the worker's slice of each source (sl_natport.h).
 * Runs once per new connection, never per packet.
 */
#include <errno.h>

#include <rte_byteorder.h>

#include "dp_natport.h"

/* A free port of slice [@first, @first + @count) for @reply, probing from @hash. */
static int probe(struct dp_conn_table *ct, uint32_t first, uint32_t count, uint32_t hash,
		 uint64_t now, struct sl_flow_key *reply, uint32_t *reply_hash)
{
	uint32_t tries = count < DP_NATPORT_PROBES ? count : DP_NATPORT_PROBES;
	/* the high bits: the low ones already chose the flow's buckets and source */
	uint32_t off = (uint32_t)(((uint64_t)(hash >> 8) * count) >> 24);
	unsigned int dir;

	for (uint32_t i = 0; i < tries; i++) {
		uint32_t h;

		reply->dport = rte_cpu_to_be_16((uint16_t)(first + (off + i) % count));
		h = sl_flow_hash(reply, 0);
		if (!dp_conn_lookup(ct, reply, h, now, &dir)) {
			*reply_hash = h;
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

int dp_natport_pick(struct dp_conn_table *ct, const struct sl_nat_source *srcs, uint32_t first,
		    uint32_t count, uint32_t n, uint32_t k, uint32_t hash, uint64_t now,
		    struct sl_flow_key *reply, uint32_t *src_idx, uint32_t *reply_hash)
{
	for (uint32_t i = 0; i < count; i++) {
		uint32_t s = first + (hash + i) % count, pfirst, pcount;

		sl_natport_slice(&srcs[s], n, k, &pfirst, &pcount);
		if (pcount == 0)
			continue;
		reply->dst = srcs[s].addr;
		if (probe(ct, pfirst, pcount, hash, now, reply, reply_hash) == 0) {
			*src_idx = s;
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}
