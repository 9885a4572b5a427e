/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The checks of a slot's HTTP part and pool members (sl_shm_types.h): what
 * a worker follows from a request's route to an instance must stay inside
 * the slot whatever sluiced wrote, so every index, run and string is
 * bounded here, before any worker sees the table.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <netinet/in.h>

#include "sl_shm.h"
#include "sl_why.h"

#define HTTP_FLAGS (SL_HTTP_F_XFF | SL_HTTP_F_XRID | SL_HTTP_F_STICKY)

static int check_pool_members(const struct sl_shm_header *h, unsigned int slot, uint32_t p,
			      char *why, size_t why_len)
{
	const struct sl_table_hdr *t = sl_slot_hdr(h, slot);
	const struct sl_pool *pool = &sl_slot_pools(h, slot)[p];
	const struct sl_backend *be = sl_slot_backends(h, slot);
	const uint32_t *m = sl_slot_members(h, slot);
	uint64_t end = (uint64_t)pool->member_first + pool->member_count;

	if (pool->balance != SL_BALANCE_MAGLEV && pool->balance != SL_BALANCE_RR)
		return sl_why(why, why_len, -ERANGE, "pool %u: balance %u", p, pool->balance);
	if (end > t->n_members)
		return sl_why(why, why_len, -ERANGE,
			      "pool %u: members %u..%llu beyond n_members %u", p,
			      pool->member_first, (unsigned long long)end - 1, t->n_members);
	for (uint32_t i = pool->member_first; i < end; i++) {
		const struct sl_backend *b = &be[m[i] < t->n_backends ? m[i] : 0];

		if (m[i] >= t->n_backends || !(b->flags & SL_BACKEND_F_ACTIVE) ||
		    (b->flags & SL_BACKEND_F_DRAINING) || b->pool != p || b->weight == 0)
			return sl_why(why, why_len, -ERANGE,
				      "pool %u member %u: backend %u not active in it", p, i, m[i]);
	}
	return 0;
}

static int check_route(const struct sl_table_hdr *t, const struct sl_route *r, uint32_t i,
		       uint32_t max_routes, char *why, size_t why_len)
{
	const struct sl_route_key *k = &r->key;

	if (k->host_kind > SL_ROUTE_HOST_SUFFIX || k->host_len > SL_ROUTE_HOST_MAX ||
	    (k->host_kind == SL_ROUTE_HOST_ANY) != (k->host_len == 0))
		return sl_why(why, why_len, -ERANGE, "route %u: host kind %u, length %u", i,
			      k->host_kind, k->host_len);
	if (k->path_len == 0 || k->path_len > SL_ROUTE_PATH_MAX || k->path[0] != '/')
		return sl_why(why, why_len, -ERANGE, "route %u: path of %u bytes", i, k->path_len);
	if (r->pool >= t->n_pools)
		return sl_why(why, why_len, -ERANGE, "route %u: pool %u >= n_pools %u", i, r->pool,
			      t->n_pools);
	if (r->id >= max_routes)
		return sl_why(why, why_len, -ERANGE, "route %u: id %u >= max_routes %u", i, r->id,
			      max_routes);
	return 0;
}

/* VIP @i's HTTP part: zero outside mode http, else a sorted run of routes and sane bounds. */
static int check_http_vip(const struct sl_table_hdr *t, const struct sl_route *routes,
			  const struct sl_vip *v, const struct sl_http_vip *hv, uint32_t i,
			  char *why, size_t why_len)
{
	uint64_t end = (uint64_t)hv->route_first + hv->route_count;

	if (v->mode != SL_MODE_HTTP) {
		if (hv->route_count || hv->flags || hv->head_max)
			return sl_why(why, why_len, -ERANGE,
				      "vip %u: http fields outside http mode", i);
		return 0;
	}
	if (end > t->n_routes)
		return sl_why(why, why_len, -ERANGE, "vip %u: routes %u..%llu beyond n_routes %u",
			      i, hv->route_first, (unsigned long long)end - 1, t->n_routes);
	for (uint32_t r = hv->route_first + 1; r < end; r++)
		if (sl_route_cmp(&routes[r - 1].key, &routes[r].key) >= 0)
			return sl_why(why, why_len, -ERANGE,
				      "vip %u: route %u does not sort before route %u", i, r - 1,
				      r);
	if (hv->head_max < SL_HTTP_HEAD_MAX_MIN || hv->head_max > SL_HTTP_HEAD_MAX_MAX)
		return sl_why(why, why_len, -ERANGE, "vip %u: head_max %u out of range [%u, %u]", i,
			      hv->head_max, SL_HTTP_HEAD_MAX_MIN, SL_HTTP_HEAD_MAX_MAX);
	if (hv->head_timeout_ms < SL_HTTP_HEAD_TIMEOUT_MIN ||
	    hv->head_timeout_ms > SL_HTTP_HEAD_TIMEOUT_MAX)
		return sl_why(
			why, why_len, -ERANGE, "vip %u: head_timeout_ms %u out of range [%u, %u]",
			i, hv->head_timeout_ms, SL_HTTP_HEAD_TIMEOUT_MIN, SL_HTTP_HEAD_TIMEOUT_MAX);
	if (hv->flags & ~HTTP_FLAGS)
		return sl_why(why, why_len, -ERANGE, "vip %u: http flags 0x%x", i, hv->flags);
	if ((hv->flags & SL_HTTP_F_STICKY) &&
	    (!hv->cookie[0] || !memchr(hv->cookie, '\0', sizeof(hv->cookie))))
		return sl_why(why, why_len, -ERANGE, "vip %u: cookie name empty or without a NUL",
			      i);
	return 0;
}

int sl_shm_check_http(const struct sl_shm_header *h, unsigned int slot, char *why, size_t why_len)
{
	const struct sl_table_hdr *t = sl_slot_hdr(h, slot);
	const struct sl_vip *vips = sl_slot_vips(h, slot);
	const struct sl_route *routes = sl_slot_routes(h, slot);
	const struct sl_http_vip *http = sl_slot_http(h, slot);
	int rc;

	if (t->n_routes > h->max_routes)
		return sl_why(why, why_len, -ERANGE, "n_routes %u > max_routes %u", t->n_routes,
			      h->max_routes);
	if (t->n_members > h->max_backends)
		return sl_why(why, why_len, -ERANGE, "n_members %u > max_backends %u", t->n_members,
			      h->max_backends);
	for (uint32_t p = 0; p < t->n_pools; p++) {
		rc = check_pool_members(h, slot, p, why, why_len);
		if (rc)
			return rc;
	}
	for (uint32_t r = 0; r < t->n_routes; r++) {
		rc = check_route(t, &routes[r], r, h->max_routes, why, why_len);
		if (rc)
			return rc;
	}
	for (uint32_t i = 0; i < t->n_vips; i++) {
		rc = check_http_vip(t, routes, &vips[i], &http[i], i, why, why_len);
		if (rc)
			return rc;
	}
	return 0;
}
