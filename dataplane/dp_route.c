/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routes, sticky ids and balancing (dp_route.h). Everything read from the
 * table was bounded by the slot's checks (sl_shm_check_http) before the
 * worker got it: runs, member and backend indices are in range.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp_route.h"
#include "sl_route.h"

int dp_rr_init(struct dp_rr *rr, uint32_t n_backends)
{
	rr->current = calloc(n_backends ? n_backends : 1, sizeof(*rr->current));
	rr->n = rr->current ? n_backends : 0;
	return rr->current ? 0 : -ENOMEM;
}

void dp_rr_free(struct dp_rr *rr)
{
	free(rr->current);
	rr->current = NULL;
	rr->n = 0;
}

/* Do pool @p of @a and of @b have the same members with the same weights? */
static int same_members(const struct dp_table *a, const struct dp_table *b, uint32_t p)
{
	const struct sl_pool *pa, *pb = &b->pools[p];

	if (p >= a->hdr->n_pools)
		return 0;
	pa = &a->pools[p];
	if (strncmp(pa->name, pb->name, SL_NAME_LEN) != 0 || pa->member_count != pb->member_count)
		return 0;
	for (uint32_t i = 0; i < pa->member_count; i++) {
		uint32_t ma = a->members[pa->member_first + i],
			 mb = b->members[pb->member_first + i];

		if (ma != mb || a->backends[ma].weight != b->backends[mb].weight)
			return 0;
	}
	return 1;
}

void dp_rr_switch(struct dp_rr *rr, const struct dp_table *old, const struct dp_table *cur)
{
	if (!cur)
		return;
	for (uint32_t p = 0; p < cur->hdr->n_pools; p++) {
		const struct sl_pool *pool = &cur->pools[p];

		if (old && same_members(old, cur, p))
			continue;
		for (uint32_t i = 0; i < pool->member_count; i++) {
			uint32_t m = cur->members[pool->member_first + i];

			if (m < rr->n)
				rr->current[m] = 0;
		}
	}
}

uint32_t dp_rr_pick(struct dp_rr *rr, const struct dp_table *t, uint32_t pool)
{
	const struct sl_pool *p = &t->pools[pool];
	const uint32_t *m = &t->members[p->member_first];
	uint32_t best = SL_BACKEND_NONE;
	int64_t total = 0, top = 0;

	for (uint32_t i = 0; i < p->member_count; i++) {
		int64_t *cur;

		if (m[i] >= rr->n)
			continue;
		cur = &rr->current[m[i]];
		*cur += t->backends[m[i]].weight;
		total += t->backends[m[i]].weight;
		/* ties go to the first in config order */
		if (best == SL_BACKEND_NONE || *cur > top) {
			best = m[i];
			top = *cur;
		}
	}
	if (best != SL_BACKEND_NONE)
		rr->current[best] -= total;
	return best;
}

int32_t dp_route_find(const struct dp_table *t, uint32_t vip, const char *host, uint32_t host_len,
		      const char *path, uint32_t path_len)
{
	const struct sl_http_vip *hv = &t->http[vip];
	int r;

	if (!hv->route_count)
		return -1;
	r = sl_route_pick(&t->routes[hv->route_first].key, hv->route_count, sizeof(struct sl_route),
			  host, host_len, path, path_len);
	return r < 0 ? -1 : (int32_t)(hv->route_first + (uint32_t)r);
}

uint32_t dp_route_pool(const struct dp_table *t, uint32_t vip, int32_t route)
{
	return route >= 0 ? t->routes[route].pool : t->vips[vip].pool;
}

int dp_sticky_parse(const char *v, uint32_t len, uint64_t *id)
{
	uint64_t x = 0;

	if (len != DP_STICKY_HEX)
		return -EINVAL;
	for (uint32_t i = 0; i < len; i++) {
		char c = v[i];

		if (c >= '0' && c <= '9')
			x = x << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x = x << 4 | (uint64_t)(c - 'a' + 10);
		else
			return -EINVAL;
	}
	*id = x;
	return 0;
}

void dp_sticky_format(uint64_t id, char out[DP_STICKY_HEX])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = DP_STICKY_HEX - 1; i >= 0; i--, id >>= 4)
		out[i] = hex[id & 0xf];
}

uint32_t dp_sticky_backend(const struct dp_table *t, uint32_t pool, uint64_t id)
{
	const struct sl_pool *p = &t->pools[pool];
	const uint32_t *m = &t->members[p->member_first];

	for (uint32_t i = 0; i < p->member_count; i++)
		if (t->sticky_ids[m[i]] == id)
			return m[i];
	return SL_BACKEND_NONE;
}

uint32_t dp_route_balance(struct dp_rr *rr, const struct dp_table *t, uint32_t pool, uint32_t hash)
{
	if (t->pools[pool].balance == SL_BALANCE_RR)
		return dp_rr_pick(rr, t, pool);
	return t->maglev[(size_t)pool * t->maglev_size + hash % t->maglev_size];
}

uint32_t dp_route_instance(struct dp_rr *rr, const struct dp_table *t, uint32_t pool,
			   const uint64_t *id, uint32_t hash, int *hit)
{
	uint32_t be = id ? dp_sticky_backend(t, pool, *id) : SL_BACKEND_NONE;

	*hit = be != SL_BACKEND_NONE;
	return *hit ? be : dp_route_balance(rr, t, pool, hash);
}
