/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The step of a table build that writes what HTTP routing and round robin
 * read (cp_tables_priv.h): each pool's balance and members (its active
 * backends of weight > 0, in config order), each configured backend's
 * sticky id, each http VIP's run of routes sorted by sl_route_cmp() (the
 * dataplane takes the first match) and its block. A route keeps its id,
 * which indexes its counters, while the same VIP has a route of the same
 * key; the assignment is committed with the backends', or kept as it was
 * when the build fails, and a sluiced that adopts a segment reads it back
 * from the published slot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_tables_priv.h"
#include "sl_siphash.h"
#include "sl_why.h"

static int route_id_cmp(const void *a, const void *b)
{
	const struct cp_tables_route_id *x = a, *y = b;
	int c = strncmp(x->vip, y->vip, SL_NAME_LEN);

	return c ? c : memcmp(&x->key, &y->key, sizeof(x->key));
}

static int cfg_route_cmp(const void *a, const void *b)
{
	return sl_route_cmp(&(*(const struct cfg_route *const *)a)->key,
			    &(*(const struct cfg_route *const *)b)->key);
}

/* The sticky id of instance @name of pool @pool: no address in it, the segment's key. */
static uint64_t sticky_id(const struct sl_shm_header *h, const char *pool, const char *name)
{
	char msg[2 * SL_NAME_LEN];
	size_t pl = strnlen(pool, SL_NAME_LEN - 1), nl = strnlen(name, SL_NAME_LEN - 1);

	memcpy(msg, pool, pl);
	msg[pl] = '\0'; /* ("ab", "c") and ("a", "bc") differ */
	memcpy(msg + pl + 1, name, nl);
	return sl_siphash24(h->sticky.key, msg, (uint32_t)(pl + 1 + nl));
}

/* Balance and members of every pool, sticky ids of every configured backend. */
static void fill_members(struct cp_tables_job *b)
{
	struct sl_shm_header *h = b->h;
	struct sl_pool *pools = sl_slot_pools(h, b->slot);
	const struct sl_backend *bes = sl_slot_backends(h, b->slot);
	uint32_t *members = sl_slot_members(h, b->slot);
	uint64_t *ids = sl_slot_sticky_ids(h, b->slot);
	uint32_t n = 0;

	memset(ids, 0, (size_t)h->max_backends * sizeof(*ids));
	for (uint32_t i = 0; i < b->n_refs; i++)
		ids[b->refs[i].slot] = sticky_id(h, b->refs[i].pool->name, b->refs[i].be->name);
	for (uint32_t p = 0; p < b->n_pools; p++) {
		pools[p].balance = p < b->cfg->n_pools ? b->cfg->pools[p].balance : 0;
		pools[p].member_first = n;
		/* refs are in config order, pool by pool */
		for (uint32_t i = 0; i < b->n_refs; i++) {
			const struct sl_backend *be = &bes[b->refs[i].slot];

			if (b->refs[i].pool_index == p && (be->flags & SL_BACKEND_F_ACTIVE) &&
			    !(be->flags & SL_BACKEND_F_DRAINING) && be->weight > 0)
				members[n++] = b->refs[i].slot;
		}
		pools[p].member_count = n - pools[p].member_first;
	}
	b->n_members = n;
}

/* The index of the pool named @name in the slot being written. */
static uint32_t slot_pool(const struct cp_tables_job *b, const char *name)
{
	const struct sl_pool *pools = sl_slot_pools(b->h, b->slot);

	for (uint32_t p = 0; p < b->n_pools; p++)
		if (strncmp(pools[p].name, name, SL_NAME_LEN) == 0)
			return p;
	return SL_POOL_NONE; /* cfg refuses a route to an unknown pool */
}

/* Ids: the previous build's for routes that stay, the lowest free ones for the others. */
static int assign_ids(struct cp_tables_job *b)
{
	const struct cp_tables *t = b->t;
	uint32_t max = b->h->max_routes, next = 0;
	uint8_t *used = calloc(max + 1, 1);

	if (!used)
		return sl_why(b->why, b->why_len, -ENOMEM, "no memory for %u routes", b->n_routes);
	for (uint32_t r = 0; r < b->n_routes; r++) {
		/* a first build has no ids yet (and no array: bsearch wants one) */
		const struct cp_tables_route_id *old =
			t->n_route_ids ? bsearch(&b->route_ids[r], t->route_ids, t->n_route_ids,
						 sizeof(*t->route_ids), route_id_cmp)
				       : NULL;

		b->route_ids[r].id = UINT32_MAX;
		if (old && old->id < max && !used[old->id]) {
			b->route_ids[r].id = old->id;
			used[old->id] = 1;
		}
	}
	for (uint32_t r = 0; r < b->n_routes; r++) {
		if (b->route_ids[r].id != UINT32_MAX)
			continue;
		while (used[next])
			next++;
		b->route_ids[r].id = next;
		used[next] = 1;
	}
	free(used);
	return 0;
}

/* Each http VIP's routes, sorted, into the slot's route array (ids from assign_ids). */
static int fill_routes(struct cp_tables_job *b)
{
	const struct cfg *cfg = b->cfg;
	struct sl_route *routes = sl_slot_routes(b->h, b->slot);
	const struct cfg_route **sorted = NULL;
	uint32_t n = 0, most = 0;
	int rc;

	for (uint32_t i = 0; i < cfg->n_vips; i++) {
		n += cfg->vips[i].http.n_routes;
		if (cfg->vips[i].http.n_routes > most)
			most = cfg->vips[i].http.n_routes;
	}
	if (n > b->h->max_routes)
		return sl_why(b->why, b->why_len, -ENOSPC,
			      "%u routes configured, the segment holds %u", n, b->h->max_routes);
	b->route_ids = calloc(n + 1, sizeof(*b->route_ids));
	sorted = calloc(most + 1, sizeof(*sorted));
	if (!b->route_ids || !sorted) {
		free(sorted);
		return sl_why(b->why, b->why_len, -ENOMEM, "no memory for %u routes", n);
	}
	memset(routes, 0, (size_t)b->h->max_routes * sizeof(*routes));
	b->n_routes = 0;
	for (uint32_t i = 0; i < cfg->n_vips; i++) {
		const struct cfg_http *hc = &cfg->vips[i].http;

		for (uint32_t r = 0; r < hc->n_routes; r++)
			sorted[r] = &hc->routes[r];
		qsort(sorted, hc->n_routes, sizeof(*sorted), cfg_route_cmp);
		for (uint32_t r = 0; r < hc->n_routes; r++) {
			struct cp_tables_route_id *ri = &b->route_ids[b->n_routes];

			snprintf(ri->vip, sizeof(ri->vip), "%s", cfg->vips[i].name);
			ri->key = sorted[r]->key;
			routes[b->n_routes].key = sorted[r]->key;
			routes[b->n_routes].pool = slot_pool(b, sorted[r]->pool);
			b->n_routes++;
		}
	}
	free(sorted);
	rc = assign_ids(b);
	if (rc)
		return rc;
	for (uint32_t r = 0; r < b->n_routes; r++)
		routes[r].id = b->route_ids[r].id;
	return 0;
}

static void fill_http_vips(struct cp_tables_job *b)
{
	const struct cfg *cfg = b->cfg;
	struct sl_http_vip *http = sl_slot_http(b->h, b->slot);
	uint32_t first = 0;

	memset(http, 0, (size_t)b->h->max_vips * sizeof(*http));
	for (uint32_t i = 0; i < cfg->n_vips; i++) {
		const struct cfg_vip *v = &cfg->vips[i];
		struct sl_http_vip *hv = &http[i];

		if (v->mode != SL_MODE_HTTP)
			continue;
		hv->route_first = first;
		hv->route_count = v->http.n_routes;
		first += v->http.n_routes;
		hv->head_max = v->http.head_max;
		hv->head_timeout_ms = v->http.head_timeout_ms;
		if (v->http.x_forwarded_for)
			hv->flags |= SL_HTTP_F_XFF;
		if (v->http.x_request_id)
			hv->flags |= SL_HTTP_F_XRID;
		if (v->http.sticky_cookie[0]) {
			hv->flags |= SL_HTTP_F_STICKY;
			snprintf(hv->cookie, sizeof(hv->cookie), "%s", v->http.sticky_cookie);
		}
	}
}

int cp_tables_fill_http(struct cp_tables_job *b)
{
	int rc;

	fill_members(b);
	rc = fill_routes(b);
	if (rc)
		return rc;
	fill_http_vips(b);
	return 0;
}

void cp_tables_http_commit(struct cp_tables_job *b)
{
	struct cp_tables *t = b->t;

	qsort(b->route_ids, b->n_routes, sizeof(*b->route_ids), route_id_cmp);
	free(t->route_ids);
	t->route_ids = b->route_ids;
	t->n_route_ids = b->n_routes;
	b->route_ids = NULL;
}

int cp_tables_http_adopt(struct cp_tables *t, const struct sl_shm_header *h, unsigned int slot)
{
	const struct sl_table_hdr *th = sl_slot_hdr(h, slot);
	const struct sl_vip *vips = sl_slot_vips(h, slot);
	const struct sl_http_vip *http = sl_slot_http(h, slot);
	const struct sl_route *routes = sl_slot_routes(h, slot);
	uint32_t n = 0, cap = th->n_routes < h->max_routes ? th->n_routes : h->max_routes;
	struct cp_tables_route_id *ids = calloc(cap + 1, sizeof(*ids));

	if (!ids)
		return -ENOMEM;
	for (uint32_t i = 0; i < th->n_vips && i < h->max_vips; i++) {
		const struct sl_http_vip *hv = &http[i];

		if (vips[i].mode != SL_MODE_HTTP)
			continue;
		for (uint32_t r = hv->route_first;
		     r < (uint64_t)hv->route_first + hv->route_count && r < cap && n < cap; r++) {
			snprintf(ids[n].vip, sizeof(ids[n].vip), "%.*s", SL_NAME_LEN - 1,
				 vips[i].name);
			ids[n].key = routes[r].key;
			ids[n].id = routes[r].id;
			n++;
		}
	}
	qsort(ids, n, sizeof(*ids), route_id_cmp);
	free(t->route_ids);
	t->route_ids = ids;
	t->n_route_ids = n;
	return 0;
}
