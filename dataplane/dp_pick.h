/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The instance a new flow or connection gets: its VIP's pool's Maglev
 * entry for the flow hash (the 3-tuple hash when the VIP asks for it), so
 * every worker and every appliance with the same table picks the same; or,
 * for a round-robin pool, the worker's next member (dp_route.h), which
 * only a flow the worker remembers can keep.
 */
#ifndef DP_PICK_H
#define DP_PICK_H

#include <stddef.h>
#include <stdint.h>

#include "dp_route.h"
#include "dp_types.h"
#include "sl_hash.h"

static inline uint32_t dp_maglev_pick(const struct dp_table *t, const struct sl_vip *vip,
				      const struct sl_flow_key *k, uint32_t hash)
{
	uint32_t mh = vip->flags & SL_VIP_F_HASH_3TUPLE ? sl_flow_hash(k, 1) : hash;

	return t->maglev[(size_t)vip->pool * t->maglev_size + mh % t->maglev_size];
}

static inline int dp_pick_is_rr(const struct dp_table *t, const struct sl_vip *vip)
{
	return t->pools[vip->pool].balance == SL_BALANCE_RR;
}

/* A new flow's instance: the pool's next member in round robin, else its Maglev entry. */
static inline uint32_t dp_pick_new(struct dp_worker *w, const struct dp_table *t,
				   const struct sl_vip *vip, const struct sl_flow_key *k,
				   uint32_t hash)
{
	if (dp_pick_is_rr(t, vip))
		return dp_rr_pick(&w->rr, t, vip->pool);
	return dp_maglev_pick(t, vip, k, hash);
}

#endif /* DP_PICK_H */
