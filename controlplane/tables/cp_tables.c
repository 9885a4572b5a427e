/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Table builder. The slot/uid assignment is the only state kept between
 * builds; everything else is recomputed from the config and the next hops.
 *
 * Slot choice for a new backend: never-used slots first (above the high
 * water mark), then the slot freed longest ago, and a slot freed in this
 * very build only as the last resort, so a flow or a counter that still
 * names a removed backend's slot does not silently land on a newcomer.
 *
 * Draining: a backend that was in the previous build but is not in the
 * config keeps its slot (in_use, draining) and is written from its last
 * record with weight 0 until its deadline. The decision is a pure function
 * of the assignment, the config and the caller's clock (drain_check), so
 * every stage of one build agrees on it without storing it twice.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "cp_tables.h"
#include "sl_hash.h"
#include "sl_maglev.h"
#include "sl_why.h"

struct be_ident {
	char pool[SL_NAME_LEN];
	struct sl_addr addr;
	uint16_t port; /* host order, as configured */
};

struct slot_state {
	struct be_ident id;
	struct sl_backend last; /* record last written: a drain keeps its next hop */
	uint64_t uid;
	uint64_t freed_seq;	 /* build number that freed it; 0: never freed */
	uint64_t drain_deadline; /* CLOCK_MONOTONIC ns; 0 while draining: set by the next build */
	uint8_t in_use;
	uint8_t draining; /* in_use, but no longer in the config */
};

struct sorted_ident {
	const struct be_ident *id;
	uint32_t slot;
};

/*
 * Where the last build left each pool's Maglev table, so a build whose input
 * for that pool did not change copies the table from the other slot instead
 * of recomputing it: a membership or health change rebuilds only the pools
 * it touches.
 */
struct pool_cache {
	char name[SL_NAME_LEN];
	uint64_t fingerprint; /* of the Maglev input: size, keys, weights, ids */
	uint32_t index;	      /* pool index in that slot */
	uint32_t slot;
};

struct cp_tables {
	uint32_t max_backends;
	struct pool_cache *cache; /* one per pool of the last build */
	uint32_t n_cache;
	uint32_t high_water; /* slots [0, high_water) have been used */
	uint64_t next_uid;
	uint64_t build_seq;
	uint64_t next_expiry; /* earliest drain_deadline; 0: none draining */
	struct slot_state *slots;
	struct sorted_ident *capped; /* left out of the last build, sorted, into capped_ids */
	struct be_ident *capped_ids;
	uint32_t n_capped;
};

/* what a build does with a slot (kept[]) */
enum {
	SLOT_LEAVES = 0,     /* free, or freed by this build */
	SLOT_CONFIGURED = 1, /* a configured backend holds it */
	SLOT_DRAINING = 2,   /* its backend left the config and drains */
};

#define NS_PER_S 1000000000ull

/* a config backend located during a build */
struct be_ref {
	const struct cfg_pool *pool;
	const struct cfg_backend *be;
	uint32_t pool_index;
	uint32_t slot;
	uint64_t uid;
};

static int ident_cmp(const struct be_ident *a, const struct be_ident *b)
{
	int c = strncmp(a->pool, b->pool, SL_NAME_LEN);

	if (c)
		return c;
	c = memcmp(&a->addr, &b->addr, sizeof(a->addr));
	if (c)
		return c;
	return (int)a->port - (int)b->port;
}

static int sorted_cmp(const void *a, const void *b)
{
	return ident_cmp(((const struct sorted_ident *)a)->id,
			 ((const struct sorted_ident *)b)->id);
}

static void ident_of(struct be_ident *id, const char *pool, const struct sl_addr *addr,
		     uint16_t port)
{
	memset(id, 0, sizeof(*id));
	snprintf(id->pool, sizeof(id->pool), "%s", pool);
	id->addr = *addr;
	id->port = port;
}

struct cp_tables *cp_tables_new(uint32_t max_backends)
{
	struct cp_tables *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->slots = calloc(max_backends ? max_backends : 1, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->max_backends = max_backends;
	t->next_uid = 1;
	return t;
}

void cp_tables_free(struct cp_tables *t)
{
	if (!t)
		return;
	free(t->cache);
	free(t->slots);
	free(t->capped_ids);
	free(t->capped);
	free(t);
}

bool cp_tables_capped(const struct cp_tables *t, const char *pool, const struct sl_addr *addr,
		      uint16_t port)
{
	struct be_ident id;
	struct sorted_ident key = {&id, 0};

	if (!t->n_capped)
		return false;
	ident_of(&id, pool, addr, port);
	return bsearch(&key, t->capped, t->n_capped, sizeof(*t->capped), sorted_cmp) != NULL;
}

int cp_tables_pool_index(const struct cfg *cfg, const char *name)
{
	for (uint32_t i = 0; i < cfg->n_pools; i++)
		if (strncmp(cfg->pools[i].name, name, SL_NAME_LEN) == 0)
			return (int)i;
	return -1;
}

int cp_tables_adopt(struct cp_tables *t, const struct sl_shm_header *h)
{
	unsigned int active = SL_SLOT_OF(h->published);

	if (h->max_backends > t->max_backends)
		return -EINVAL;
	for (unsigned int s = 0; s < 2; s++) {
		const struct sl_table_hdr *th = sl_slot_hdr(h, s);
		const struct sl_backend *be = sl_slot_backends(h, s);
		uint32_t n = th->n_backends < h->max_backends ? th->n_backends : h->max_backends;

		if (n > t->high_water)
			t->high_water = n;
		for (uint32_t i = 0; i < n; i++)
			if (be[i].uid >= t->next_uid)
				t->next_uid = be[i].uid + 1;
	}
	if (h->published == 0)
		return 0;

	const struct sl_table_hdr *th = sl_slot_hdr(h, active);
	const struct sl_backend *be = sl_slot_backends(h, active);
	const struct sl_pool *pools = sl_slot_pools(h, active);

	for (uint32_t i = 0; i < th->n_backends && i < h->max_backends; i++) {
		struct slot_state *st = &t->slots[i];

		if (be[i].uid == 0 || be[i].pool >= th->n_pools)
			continue;
		ident_of(&st->id, pools[be[i].pool].name, &be[i].addr, ntohs(be[i].port));
		st->last = be[i];
		st->uid = be[i].uid;
		st->in_use = 1;
		/* the previous sluiced's deadline died with it: a fresh one next build */
		st->draining = !!(be[i].flags & SL_BACKEND_F_DRAINING);
		st->drain_deadline = 0;
	}
	return 0;
}

uint64_t cp_tables_next_expiry(const struct cp_tables *t)
{
	return t->next_expiry;
}

/*
 * Slot @s is in use but its backend is not in @cfg: may it drain? Returns
 * the index of its pool in @cfg and sets *@deadline, or -1 when it is to be
 * freed now (drain_timeout 0, no next hop ever known, pool gone, or its
 * deadline passed). A running deadline only ever moves closer, so a reload
 * that lowers drain_timeout shortens drains already under way.
 */
static int drain_check(const struct cp_tables *t, uint32_t s, const struct cfg *cfg,
		       uint64_t now_ns, uint64_t *deadline)
{
	const struct slot_state *st = &t->slots[s];
	uint64_t limit = now_ns + (uint64_t)cfg->controlplane.drain_timeout * NS_PER_S;
	int pool;

	if (cfg->controlplane.drain_timeout == 0 || !(st->last.flags & SL_BACKEND_F_RESOLVED))
		return -1;
	pool = cp_tables_pool_index(cfg, st->id.pool);
	if (pool < 0)
		return -1; /* no VIP can reach it any more */
	if (st->draining && st->drain_deadline && st->drain_deadline < limit)
		limit = st->drain_deadline;
	if (now_ns >= limit)
		return -1;
	*deadline = limit;
	return pool;
}

struct freed_slot {
	uint64_t seq;
	uint32_t slot;
};

static int freed_cmp(const void *a, const void *b)
{
	const struct freed_slot *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* Slots for new backends, best first; returns how many were found (<= @want). */
static uint32_t free_slots(const struct cp_tables *t, const uint8_t *kept, uint32_t want,
			   uint32_t *out)
{
	uint32_t n = 0, n_old = 0;
	struct freed_slot *old = NULL;

	for (uint32_t s = t->high_water; s < t->max_backends && n < want; s++)
		out[n++] = s;
	if (n == want)
		return n;
	old = malloc(sizeof(*old) * (t->high_water ? t->high_water : 1));
	if (!old)
		return n;
	for (uint32_t s = 0; s < t->high_water; s++) {
		if (kept[s])
			continue;
		/* freed now: sort after everything freed before */
		old[n_old].seq = t->slots[s].in_use ? UINT64_MAX : t->slots[s].freed_seq;
		old[n_old].slot = s;
		n_old++;
	}
	qsort(old, n_old, sizeof(*old), freed_cmp);
	for (uint32_t i = 0; i < n_old && n < want; i++)
		out[n++] = old[i].slot;
	free(old);
	return n;
}

/* A backend listed twice in one pool (the model merges by address and port: a bug). */
static int check_twice(const struct be_ident *ids, const struct be_ref *refs, uint32_t n, char *why,
		       size_t why_len)
{
	struct sorted_ident *v = malloc(sizeof(*v) * (n + 1));
	int rc = 0;

	if (!v)
		return sl_why(why, why_len, -ENOMEM, "no memory for %u backends", n);
	for (uint32_t i = 0; i < n; i++)
		v[i] = (struct sorted_ident){&ids[i], i};
	qsort(v, n, sizeof(*v), sorted_cmp);
	for (uint32_t i = 1; i < n && !rc; i++)
		if (ident_cmp(v[i - 1].id, v[i].id) == 0)
			rc = sl_why(why, why_len, -EINVAL, "pool %s: backend %s listed twice",
				    refs[v[i].slot].pool->name, refs[v[i].slot].be->name);
	free(v);
	return rc;
}

/*
 * Match every configured backend to a slot, a draining one included (it
 * takes its slot and uid back). Fills refs[] and kept[] (SLOT_*) without
 * touching @t; a draining slot is kept from newcomers. Newcomers that find
 * no free slot are taken out of refs[] into @capped. Returns the number of
 * backends left in refs[] or a negative errno.
 */
static int assign(const struct cp_tables *t, const struct cfg *cfg, uint64_t now_ns,
		  struct be_ref *refs, uint32_t n_refs, uint8_t *kept, struct be_ident *capped,
		  struct cp_tables_summary *sum, char *why, size_t why_len)
{
	struct sorted_ident *cur = NULL, key, *hit;
	struct be_ident *ids = NULL;
	uint32_t n_cur = 0, n = 0, n_new = 0, *fresh = NULL;
	int rc = 0;

	cur = malloc(sizeof(*cur) * (t->high_water + 1));
	ids = malloc(sizeof(*ids) * (n_refs + 1));
	fresh = malloc(sizeof(*fresh) * (n_refs + 1));
	if (!cur || !ids || !fresh) {
		rc = sl_why(why, why_len, -ENOMEM, "no memory for %u backends", n_refs);
		goto out;
	}
	for (uint32_t s = 0; s < t->high_water; s++)
		if (t->slots[s].in_use)
			cur[n_cur++] = (struct sorted_ident){&t->slots[s].id, s};
	qsort(cur, n_cur, sizeof(*cur), sorted_cmp);

	for (uint32_t p = 0; p < cfg->n_pools; p++) {
		const struct cfg_pool *pc = &cfg->pools[p];

		for (uint32_t b = 0; b < pc->n_backends; b++, n++) {
			const struct cfg_backend *bc = &pc->backends[b];

			ident_of(&ids[n], pc->name, &bc->addr, bc->port);
			if (bc->weight > SL_MAGLEV_WEIGHT_MAX) {
				rc = sl_why(why, why_len, -EINVAL,
					    "pool %s: backend %s: weight %u > %u", pc->name,
					    bc->name, bc->weight, SL_MAGLEV_WEIGHT_MAX);
				goto out;
			}
			refs[n] = (struct be_ref){pc, bc, p, UINT32_MAX, 0};
			key.id = &ids[n];
			hit = bsearch(&key, cur, n_cur, sizeof(*cur), sorted_cmp);
			if (hit) {
				refs[n].slot = hit->slot;
				refs[n].uid = t->slots[hit->slot].uid;
				kept[hit->slot] = SLOT_CONFIGURED;
			} else {
				n_new++;
			}
		}
	}
	rc = check_twice(ids, refs, n, why, why_len);
	if (rc)
		goto out;
	for (uint32_t s = 0; s < t->high_water; s++) {
		uint64_t deadline;

		if (t->slots[s].in_use && kept[s] == SLOT_LEAVES &&
		    drain_check(t, s, cfg, now_ns, &deadline) >= 0)
			kept[s] = SLOT_DRAINING;
	}
	if (n_new) {
		uint32_t got = free_slots(t, kept, n_new, fresh), f = 0, k = 0;

		/*
		 * Past tables.max_backends the newcomers that do not fit are left
		 * out (the last ones in config order), so every other pool and
		 * every backend already published still are.
		 */
		for (uint32_t i = 0; i < n; i++) {
			if (refs[i].slot == UINT32_MAX && f < got)
				refs[i].slot = fresh[f++];
			if (refs[i].slot == UINT32_MAX) {
				if (!sum->n_capped)
					snprintf(sum->capped_pool, sizeof(sum->capped_pool), "%s",
						 refs[i].pool->name);
				sum->n_capped++;
				capped[sum->n_capped - 1] = ids[i];
				continue;
			}
			refs[k++] = refs[i];
		}
		n = k;
		n_new = got < n_new ? got : n_new;
	}
	sum->n_new = n_new;
	rc = (int)n;
out:
	free(fresh);
	free(ids);
	free(cur);
	return rc;
}

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
	v->pool = pool;
	v->tunnel_src = vc->tunnel_source;
	v->tunnel_src_plen = vc->tunnel_source_plen;
	snprintf(v->name, sizeof(v->name), "%s", vc->name);
}

/* Pools of the slot: the configured ones, then one empty pool per undefined name. */
static int fill_pools(const struct cfg *cfg, struct sl_shm_header *h, unsigned int slot,
		      uint32_t *vip_pool, char *why, size_t why_len)
{
	struct sl_pool *pools = sl_slot_pools(h, slot);
	uint32_t n = cfg->n_pools;

	if (n > h->max_pools)
		return sl_why(why, why_len, -ENOSPC, "%u pools configured, the segment holds %u", n,
			      h->max_pools);
	for (uint32_t p = 0; p < n; p++)
		snprintf(pools[p].name, sizeof(pools[p].name), "%s", cfg->pools[p].name);
	for (uint32_t i = 0; i < cfg->n_vips; i++) {
		const char *name = cfg->vips[i].pool;
		uint32_t p;

		for (p = 0; p < n; p++)
			if (strncmp(pools[p].name, name, SL_NAME_LEN) == 0)
				break;
		if (p == n) {
			if (n == h->max_pools)
				return sl_why(why, why_len, -ENOSPC,
					      "vip %s: no room for pool %s (tables.max_pools %u)",
					      cfg->vips[i].name, name, h->max_pools);
			snprintf(pools[n].name, sizeof(pools[n].name), "%s", name);
			n++;
		}
		vip_pool[i] = p;
	}
	return (int)n;
}

/*
 * Write the draining backends into the slot: their last record in the pool
 * of that name now, weight 0 (so no Maglev entry), the next hop refreshed if
 * the kernel still knows it. Returns the highest slot written + 1.
 */
static uint32_t fill_draining(const struct cp_tables *t, const struct cfg *cfg, uint64_t now_ns,
			      const uint8_t *kept, cp_nexthop_fn nexthop, void *ctx,
			      struct sl_backend *bes, struct cp_tables_summary *sum)
{
	uint32_t n_backends = 0;

	for (uint32_t s = 0; s < t->high_water; s++) {
		struct sl_backend *b = &bes[s];
		struct cp_nexthop nh;
		uint64_t deadline;
		int pool;

		if (kept[s] != SLOT_DRAINING)
			continue;
		pool = drain_check(t, s, cfg, now_ns, &deadline);
		*b = t->slots[s].last;
		b->uid = t->slots[s].uid;
		b->pool = (uint32_t)pool;
		b->weight = 0;
		b->flags = SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED | SL_BACKEND_F_DRAINING;
		if (nexthop(ctx, &b->addr, &nh) == 0) {
			b->tx_port = nh.tx_port;
			memcpy(b->dst_mac, nh.mac, sizeof(b->dst_mac));
			b->src = nh.src;
		}
		sum->n_draining++;
		n_backends = s + 1;
	}
	return n_backends;
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
		const struct pool_cache *c = &t->cache[i];

		if (strncmp(c->name, name, SL_NAME_LEN) != 0)
			continue;
		/* a table in the slot being written is not a source: it is overwritten */
		if (c->fingerprint != fp || c->slot == slot || c->index >= h->max_pools)
			return NULL;
		return sl_slot_maglev(h, c->slot, c->index);
	}
	return NULL;
}

/* After a successful build: each pool's table is now in @slot at its index. */
static void remember_tables(struct cp_tables *t, const struct sl_pool *pools, uint32_t n,
			    const uint64_t *fp, unsigned int slot)
{
	struct pool_cache *c = n > t->n_cache ? realloc(t->cache, n * sizeof(*c)) : t->cache;

	if (!c) {
		t->n_cache = 0; /* no cache: the next build computes every table */
		return;
	}
	t->cache = c;
	for (uint32_t p = 0; p < n; p++) {
		memcpy(c[p].name, pools[p].name, SL_NAME_LEN);
		c[p].fingerprint = fp[p];
		c[p].index = p;
		c[p].slot = slot;
	}
	t->n_cache = n;
}

int cp_tables_build(struct cp_tables *t, const struct cfg *cfg, cp_nexthop_fn nexthop, void *ctx,
		    struct sl_shm_header *h, unsigned int slot, uint64_t generation,
		    uint64_t now_ns, struct cp_tables_summary *sum, char *why, size_t why_len)
{
	struct sl_table_hdr *th = sl_slot_hdr(h, slot);
	struct sl_backend *bes = sl_slot_backends(h, slot);
	struct sl_pool *pools = sl_slot_pools(h, slot);
	struct sl_maglev_backend *mb = NULL;
	struct be_ident *capped = NULL;
	struct sorted_ident *capped_sorted = NULL;
	struct be_ref *refs = NULL;
	uint8_t *kept = NULL;
	uint64_t *fp = NULL;
	uint32_t *vip_pool = NULL, n_refs = 0, n_backends = 0, old_pools = th->n_pools, drain_top;
	struct timespec now;
	int rc, n_pools, n;

	memset(sum, 0, sizeof(*sum));
	if (h->max_backends > t->max_backends)
		return sl_why(why, why_len, -EINVAL, "segment has %u backend slots, builder %u",
			      h->max_backends, t->max_backends);
	if (cfg->n_vips > h->max_vips)
		return sl_why(why, why_len, -ENOSPC, "%u VIPs configured, the segment holds %u",
			      cfg->n_vips, h->max_vips);
	for (uint32_t p = 0; p < cfg->n_pools; p++)
		n_refs += cfg->pools[p].n_backends;

	refs = calloc(n_refs + 1, sizeof(*refs));
	mb = calloc(n_refs + 1, sizeof(*mb));
	kept = calloc(t->max_backends + 1, 1);
	vip_pool = calloc(cfg->n_vips + 1, sizeof(*vip_pool));
	fp = calloc(h->max_pools + 1, sizeof(*fp));
	capped = malloc((n_refs + 1) * sizeof(*capped));
	if (!refs || !mb || !kept || !vip_pool || !fp || !capped) {
		rc = sl_why(why, why_len, -ENOMEM, "no memory for the tables");
		goto out;
	}
	n = assign(t, cfg, now_ns, refs, n_refs, kept, capped, sum, why, why_len);
	if (n < 0) {
		rc = n;
		goto out;
	}
	n_refs = (uint32_t)n;
	if (sum->n_capped) {
		capped_sorted = malloc(sum->n_capped * sizeof(*capped_sorted));
		if (!capped_sorted) {
			rc = sl_why(why, why_len, -ENOMEM, "no memory for the tables");
			goto out;
		}
		for (uint32_t i = 0; i < sum->n_capped; i++)
			capped_sorted[i] = (struct sorted_ident){&capped[i], i};
		qsort(capped_sorted, sum->n_capped, sizeof(*capped_sorted), sorted_cmp);
	}

	/* the slot is ours: no worker follows it */
	memset(sl_slot_vips(h, slot), 0, (size_t)h->max_vips * sizeof(struct sl_vip));
	memset(pools, 0, (size_t)h->max_pools * sizeof(struct sl_pool));
	memset(bes, 0, (size_t)h->max_backends * sizeof(struct sl_backend));
	n_pools = fill_pools(cfg, h, slot, vip_pool, why, why_len);
	if (n_pools < 0) {
		rc = n_pools;
		goto out;
	}
	for (uint32_t i = 0; i < cfg->n_vips; i++)
		fill_vip(&sl_slot_vips(h, slot)[i], &cfg->vips[i], vip_pool[i]);

	for (uint32_t i = 0; i < n_refs; i++) {
		const struct cfg_backend *bc = refs[i].be;
		struct sl_backend *b = &bes[refs[i].slot];
		struct cp_nexthop nh;

		b->addr = bc->addr;
		b->uid = refs[i].uid; /* newcomers get theirs below */
		b->pool = refs[i].pool_index;
		b->weight = (uint16_t)bc->weight;
		b->af = bc->af;
		b->port = htons(bc->port);
		snprintf(b->name, sizeof(b->name), "%s", bc->name);
		if (bc->down) {
			/* not serving (health): slot and uid kept, flows move at once */
			b->flags = 0;
			b->weight = 0;
			sum->n_down++;
		} else if (nexthop(ctx, &bc->addr, &nh) == 0) {
			b->flags = SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED;
			b->tx_port = nh.tx_port;
			memcpy(b->dst_mac, nh.mac, sizeof(b->dst_mac));
			b->src = nh.src;
			sum->n_active++;
		} else {
			sum->n_unresolved++;
		}
		if (refs[i].slot + 1 > n_backends)
			n_backends = refs[i].slot + 1;
	}
	drain_top = fill_draining(t, cfg, now_ns, kept, nexthop, ctx, bes, sum);
	if (drain_top > n_backends)
		n_backends = drain_top;
	/* uids for newcomers in config order, continuing the counter */
	for (uint32_t i = 0, k = 0; i < n_refs; i++)
		if (!refs[i].uid)
			bes[refs[i].slot].uid = t->next_uid + k++;

	for (int p = 0; p < n_pools; p++) {
		const uint32_t *src;
		uint32_t nm = 0;

		for (uint32_t i = 0; i < n_refs; i++) {
			const struct sl_backend *b = &bes[refs[i].slot];

			if ((int)refs[i].pool_index != p || !(b->flags & SL_BACKEND_F_ACTIVE) ||
			    b->weight == 0)
				continue;
			sl_maglev_key(&mb[nm], b->addr.a8, b->port);
			mb[nm].weight = b->weight;
			mb[nm].id = refs[i].slot;
			nm++;
		}
		fp[p] = maglev_fingerprint(mb, nm, h->maglev_size);
		src = cached_table(t, h, slot, pools[p].name, fp[p]);
		if (src) {
			memcpy(sl_slot_maglev(h, slot, (uint32_t)p), src,
			       (size_t)h->maglev_size * sizeof(uint32_t));
			sum->n_maglev_copied++;
		} else {
			rc = sl_maglev_build(mb, nm, h->maglev_size,
					     sl_slot_maglev(h, slot, (uint32_t)p));
			if (rc) {
				rc = sl_why(why, why_len, rc, "pool %s: Maglev table: %s",
					    pools[p].name, strerror(-rc));
				goto out;
			}
			sum->n_maglev_built++;
		}
		pools[p].n_active = nm;
	}
	/* tables of pools this slot no longer has: zero, as the ABI says */
	for (uint32_t p = (uint32_t)n_pools; p < old_pools && p < h->max_pools; p++)
		memset(sl_slot_maglev(h, slot, p), 0, (size_t)h->maglev_size * sizeof(uint32_t));

	clock_gettime(CLOCK_REALTIME, &now);
	th->generation = generation;
	th->n_vips = cfg->n_vips;
	th->n_pools = (uint32_t)n_pools;
	th->n_backends = n_backends;
	th->maglev_size = h->maglev_size;
	th->built_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	sl_shm_seal_slot(h, slot);

	/* commit the assignment */
	t->build_seq++;
	t->next_expiry = 0;
	for (uint32_t s = 0; s < t->high_water; s++) {
		struct slot_state *st = &t->slots[s];
		uint64_t deadline = 0;

		if (kept[s] == SLOT_DRAINING) {
			drain_check(t, s, cfg, now_ns, &deadline);
			st->last = bes[s];
			st->draining = 1;
			st->drain_deadline = deadline;
			if (!t->next_expiry || deadline < t->next_expiry)
				t->next_expiry = deadline;
		} else if (st->in_use && kept[s] == SLOT_LEAVES) {
			st->in_use = 0;
			st->draining = 0;
			st->drain_deadline = 0;
			st->freed_seq = t->build_seq;
			sum->n_removed++;
		}
	}
	for (uint32_t i = 0; i < n_refs; i++) {
		struct slot_state *st = &t->slots[refs[i].slot];

		ident_of(&st->id, refs[i].pool->name, &refs[i].be->addr, refs[i].be->port);
		st->last = bes[refs[i].slot];
		st->uid = bes[refs[i].slot].uid;
		st->in_use = 1;
		st->draining = 0;
		st->drain_deadline = 0;
		if (refs[i].slot >= t->high_water)
			t->high_water = refs[i].slot + 1;
	}
	t->next_uid += sum->n_new;
	remember_tables(t, pools, (uint32_t)n_pools, fp, slot);
	free(t->capped_ids);
	free(t->capped);
	t->capped = capped_sorted;
	t->capped_ids = capped;
	t->n_capped = sum->n_capped;
	capped_sorted = NULL;
	capped = NULL;
	sum->n_vips = cfg->n_vips;
	sum->n_pools = (uint32_t)n_pools;
	sum->n_backends = n_refs;
	rc = 0;
out:
	free(capped_sorted);
	free(capped);
	free(fp);
	free(vip_pool);
	free(kept);
	free(mb);
	free(refs);
	return rc;
}
