/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The steps of a table build that write the slot (cp_tables_priv.h): the
 * VIPs and pools, the backends in the slots the assignment gave them, each
 * pool's Maglev table (copied from the other slot when its input did not
 * change, so a change rebuilds only the pools it touches), and the seal
 * (cp_tables_http.c writes the HTTP part in between).
 * The slot is one no worker follows; the assignment is not touched here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "cp_tables_priv.h"
#include "sl_hash.h"
#include "sl_why.h"

static void fill_vip(struct sl_vip *v, const struct cfg_vip *vc, uint32_t pool)
{
	memset(v, 0, sizeof(*v));
	v->addr = vc->addr;
	v->port = htons(vc->port);
	v->proto = vc->proto;
	v->af = vc->af;
	v->mode = vc->mode;
	if (vc->hash_3tuple)
		v->flags |= SL_VIP_F_HASH_3TUPLE;
	if (vc->mode == SL_MODE_TUNNEL && vc->encap == CFG_ENCAP_GUE) {
		v->flags |= SL_VIP_F_GUE;
		v->gue_port = htons(vc->gue_port);
	}
	if (sl_mode_is_nat(vc->mode))
		v->mss = vc->mss; /* its sources: step 3b */
	v->pool = pool;
	if (vc->synproxy)
		v->flags |= SL_VIP_F_SYNPROXY;
	v->tunnel_src = vc->tunnel_source;
	v->tunnel_src_plen = vc->tunnel_source_plen;
	snprintf(v->name, sizeof(v->name), "%s", vc->name);
}

/*
 * Step 3: the slot is cleared (no worker follows it), then its pools are
 * written (the configured ones, then one empty pool per name a VIP uses
 * that no pool has) and its VIPs, each naming its pool's index.
 */
int cp_tables_fill_vips_pools(struct cp_tables_job *b)
{
	const struct cfg *cfg = b->cfg;
	struct sl_shm_header *h = b->h;
	struct sl_pool *pools = sl_slot_pools(h, b->slot);
	uint32_t n = cfg->n_pools;

	memset(sl_slot_vips(h, b->slot), 0, (size_t)h->max_vips * sizeof(struct sl_vip));
	memset(pools, 0, (size_t)h->max_pools * sizeof(struct sl_pool));
	memset(sl_slot_backends(h, b->slot), 0,
	       (size_t)h->max_backends * sizeof(struct sl_backend));
	if (n > h->max_pools)
		return sl_why(b->why, b->why_len, -ENOSPC,
			      "%u pools configured, the segment holds %u", n, h->max_pools);
	for (uint32_t p = 0; p < n; p++)
		snprintf(pools[p].name, sizeof(pools[p].name), "%s", cfg->pools[p].name);
	for (uint32_t i = 0; i < cfg->n_vips; i++) {
		const char *name = cfg->vips[i].pool;
		uint32_t p;

		/* an http VIP without a default route: what no route takes is answered 404 */
		b->vip_pool[i] = SL_POOL_NONE;
		if (!name[0])
			continue;
		for (p = 0; p < n; p++)
			if (strncmp(pools[p].name, name, SL_NAME_LEN) == 0)
				break;
		if (p == n) {
			if (n == h->max_pools)
				return sl_why(b->why, b->why_len, -ENOSPC,
					      "vip %s: no room for pool %s (tables.max_pools %u)",
					      cfg->vips[i].name, name, h->max_pools);
			snprintf(pools[n].name, sizeof(pools[n].name), "%s", name);
			n++;
		}
		b->vip_pool[i] = p;
	}
	b->n_pools = n;
	for (uint32_t i = 0; i < cfg->n_vips; i++)
		fill_vip(&sl_slot_vips(h, b->slot)[i], &cfg->vips[i], b->vip_pool[i]);
	return 0;
}

static void set_nexthop(struct sl_backend *be, const struct cp_nexthop *nh)
{
	be->tx_port = nh->tx_port;
	memcpy(be->dst_mac, nh->mac, sizeof(be->dst_mac));
	be->src = nh->src;
}

/*
 * Step 4: the backends into their slots. A configured one is active with
 * its next hop, unresolved without one, or down (health: slot and uid
 * kept, no new flow; its next hop still written when known, so that the
 * full NAT and HTTP connections it holds go on, the instance holding
 * their state, while L4 flows move at once). A draining one is its last record in the pool
 * of that name now, weight 0 (no Maglev entry), the next hop refreshed if
 * the kernel still knows it. Newcomers get uids in config order.
 */
void cp_tables_fill_backends(struct cp_tables_job *b)
{
	const struct cp_tables *t = b->t;
	struct sl_backend *bes = sl_slot_backends(b->h, b->slot);
	struct cp_tables_summary *sum = b->sum;
	struct cp_nexthop nh;

	for (uint32_t i = 0; i < b->n_refs; i++) {
		const struct cfg_backend *bc = b->refs[i].be;
		struct sl_backend *be = &bes[b->refs[i].slot];

		be->addr = bc->addr;
		be->uid = b->refs[i].uid; /* newcomers get theirs below */
		be->pool = b->refs[i].pool_index;
		be->weight = (uint16_t)bc->weight;
		be->af = bc->af;
		be->port = htons(bc->port);
		snprintf(be->name, sizeof(be->name), "%s", bc->name);
		if (bc->down) {
			be->flags = 0;
			be->weight = 0;
			if (b->nexthop(b->nexthop_ctx, &bc->addr, &nh) == 0) {
				be->flags = SL_BACKEND_F_RESOLVED;
				set_nexthop(be, &nh);
			}
			sum->n_down++;
		} else if (b->nexthop(b->nexthop_ctx, &bc->addr, &nh) == 0) {
			be->flags = SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED;
			set_nexthop(be, &nh);
			sum->n_active++;
		} else {
			sum->n_unresolved++;
		}
		if (b->refs[i].slot + 1 > b->n_backends)
			b->n_backends = b->refs[i].slot + 1;
	}
	for (uint32_t s = 0; s < t->high_water; s++) {
		struct sl_backend *be = &bes[s];
		uint64_t deadline;
		int pool;

		if (b->kept[s] != CP_TABLES_SLOT_DRAINING)
			continue;
		pool = cp_tables_drain_check(t, s, b->cfg, b->now_ns, &deadline);
		*be = t->slots[s].last;
		be->uid = t->slots[s].uid;
		be->pool = (uint32_t)pool;
		be->weight = 0;
		be->flags = SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED | SL_BACKEND_F_DRAINING;
		if (b->nexthop(b->nexthop_ctx, &be->addr, &nh) == 0)
			set_nexthop(be, &nh);
		sum->n_draining++;
		if (s + 1 > b->n_backends)
			b->n_backends = s + 1;
	}
	for (uint32_t i = 0, k = 0; i < b->n_refs; i++)
		if (!b->refs[i].uid)
			bes[b->refs[i].slot].uid = t->next_uid + k++;
}

static uint64_t maglev_fingerprint(const struct sl_maglev_backend *mb, uint32_t n, uint32_t m)
{
	uint64_t h = sl_hash_bytes(&m, sizeof(m), n);

	for (uint32_t i = 0; i < n; i++) {
		uint32_t wi[2] = {mb[i].weight, mb[i].id};

		h = sl_hash_bytes(mb[i].key, mb[i].key_len, h);
		h = sl_hash_bytes(wi, sizeof(wi), h);
	}
	return h;
}

/* The other slot's copy of @name's table if its input was @fp, else NULL. */
static const uint32_t *cached_table(const struct cp_tables *t, const struct sl_shm_header *h,
				    unsigned int slot, const char *name, uint64_t fp)
{
	for (uint32_t i = 0; i < t->n_cache; i++) {
		const struct cp_tables_cache *c = &t->cache[i];

		if (strncmp(c->name, name, SL_NAME_LEN) != 0)
			continue;
		/* a table in the slot being written is not a source: it is overwritten */
		if (c->fingerprint != fp || c->slot == slot || c->index >= h->max_pools)
			return NULL;
		return sl_slot_maglev(h, c->slot, c->index);
	}
	return NULL;
}

/*
 * Step 5: each pool's Maglev table over its active backends of nonzero
 * weight: copied from the other slot when its input is the one that table
 * was built from, else computed. Tables of pools the slot no longer has
 * are zeroed, as the ABI says.
 */
int cp_tables_fill_maglev(struct cp_tables_job *b)
{
	struct sl_shm_header *h = b->h;
	const struct sl_backend *bes = sl_slot_backends(h, b->slot);
	struct sl_pool *pools = sl_slot_pools(h, b->slot);
	size_t table_bytes = (size_t)h->maglev_size * sizeof(uint32_t);
	int rc;

	for (uint32_t p = 0; p < b->n_pools; p++) {
		uint32_t *table = sl_slot_maglev(h, b->slot, p);
		const uint32_t *src;
		uint32_t nm = 0;

		for (uint32_t i = 0; i < b->n_refs; i++) {
			const struct sl_backend *be = &bes[b->refs[i].slot];

			if (b->refs[i].pool_index != p || !(be->flags & SL_BACKEND_F_ACTIVE) ||
			    be->weight == 0)
				continue;
			sl_maglev_key(&b->mb[nm], be->addr.a8, be->port);
			b->mb[nm].weight = be->weight;
			b->mb[nm].id = b->refs[i].slot;
			nm++;
		}
		b->fp[p] = maglev_fingerprint(b->mb, nm, h->maglev_size);
		src = cached_table(b->t, h, b->slot, pools[p].name, b->fp[p]);
		if (src) {
			memcpy(table, src, table_bytes);
			b->sum->n_maglev_copied++;
		} else {
			rc = sl_maglev_build(b->mb, nm, h->maglev_size, table);
			if (rc)
				return sl_why(b->why, b->why_len, rc, "pool %s: Maglev table: %s",
					      pools[p].name, strerror(-rc));
			b->sum->n_maglev_built++;
		}
		pools[p].n_active = nm;
	}
	for (uint32_t p = b->n_pools; p < b->old_pools && p < h->max_pools; p++)
		memset(sl_slot_maglev(h, b->slot, p), 0, table_bytes);
	return 0;
}

/* Step 7: the slot's header, with @generation and the wall-clock build time, and its seal. */
void cp_tables_fill_seal(struct cp_tables_job *b, uint64_t generation)
{
	struct sl_table_hdr *th = sl_slot_hdr(b->h, b->slot);
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	th->generation = generation;
	th->n_vips = b->cfg->n_vips;
	th->n_pools = b->n_pools;
	th->n_backends = b->n_backends;
	th->n_routes = b->n_routes;
	th->n_members = b->n_members;
	th->maglev_size = b->h->maglev_size;
	th->n_nat_sources = b->n_nat_sources;
	th->built_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	sl_shm_seal_slot(b->h, b->slot);
}

void cp_tables_fill_remember(struct cp_tables_job *b)
{
	struct cp_tables *t = b->t;
	const struct sl_pool *pools = sl_slot_pools(b->h, b->slot);
	uint32_t n = b->n_pools;
	struct cp_tables_cache *c = n > t->n_cache ? realloc(t->cache, n * sizeof(*c)) : t->cache;

	if (!c) {
		t->n_cache = 0; /* no cache: the next build computes every table */
		return;
	}
	t->cache = c;
	for (uint32_t p = 0; p < n; p++) {
		memcpy(c[p].name, pools[p].name, SL_NAME_LEN);
		c[p].fingerprint = b->fp[p];
		c[p].index = p;
		c[p].slot = b->slot;
	}
	t->n_cache = n;
}
