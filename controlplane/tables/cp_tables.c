/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Table builder: the slot/uid assignment, the only state kept between
 * builds (everything else is recomputed from the config and the next
 * hops), and a build's steps: place the backends in slots, write the slot
 * (cp_tables_fill.c: VIPs and pools, backends, Maglev tables, the seal),
 * then commit the assignment. A step that fails leaves the assignment as
 * it was.
 *
 * Slot choice for a new backend: never-used slots first (above the high
 * water mark), then the slot freed longest ago, and a slot freed in this
 * very build only as the last resort, so a flow or a counter that still
 * names a removed backend's slot does not silently land on a newcomer.
 *
 * Draining: a backend that was in the previous build but is not in the
 * config keeps its slot (in_use, draining) and is written from its last
 * record with weight 0 until its deadline. The decision is a pure function
 * of the assignment, the config and the caller's clock
 * (cp_tables_drain_check), so every step of one build agrees on it without
 * storing it twice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "cp_tables_priv.h"
#include "sl_maglev.h"
#include "sl_why.h"

static int ident_cmp(const struct cp_tables_ident *a, const struct cp_tables_ident *b)
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
	return ident_cmp(((const struct cp_tables_sorted *)a)->id,
			 ((const struct cp_tables_sorted *)b)->id);
}

static void ident_of(struct cp_tables_ident *id, const char *pool, const struct sl_addr *addr,
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
	free(t->route_ids);
	free(t);
}

bool cp_tables_capped(const struct cp_tables *t, const char *pool, const struct sl_addr *addr,
		      uint16_t port)
{
	struct cp_tables_ident id;
	struct cp_tables_sorted key = {&id, 0};

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

void cp_tables_set_nat_port(struct cp_tables *t, cp_nat_port_fn fn, void *ctx)
{
	t->nat_port = fn;
	t->nat_port_ctx = ctx;
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
	cp_tables_nat_adopt(t, h);

	const struct sl_table_hdr *th = sl_slot_hdr(h, active);
	const struct sl_backend *be = sl_slot_backends(h, active);
	const struct sl_pool *pools = sl_slot_pools(h, active);

	for (uint32_t i = 0; i < th->n_backends && i < h->max_backends; i++) {
		struct cp_tables_slot *st = &t->slots[i];

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
	return cp_tables_http_adopt(t, h, active);
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
int cp_tables_drain_check(const struct cp_tables *t, uint32_t s, const struct cfg *cfg,
			  uint64_t now_ns, uint64_t *deadline)
{
	const struct cp_tables_slot *st = &t->slots[s];
	uint64_t limit = now_ns + (uint64_t)cfg->controlplane.drain_timeout * CP_TABLES_NS_PER_S;
	int pool;

	if (cfg->controlplane.drain_timeout == 0 || !(st->last.flags & SL_BACKEND_F_ACTIVE))
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
static int check_twice(const struct cp_tables_ident *ids, const struct cp_tables_ref *refs,
		       uint32_t n, char *why, size_t why_len)
{
	struct cp_tables_sorted *v = malloc(sizeof(*v) * (n + 1));
	int rc = 0;

	if (!v)
		return sl_why(why, why_len, -ENOMEM, "no memory for %u backends", n);
	for (uint32_t i = 0; i < n; i++)
		v[i] = (struct cp_tables_sorted){&ids[i], i};
	qsort(v, n, sizeof(*v), sorted_cmp);
	for (uint32_t i = 1; i < n && !rc; i++)
		if (ident_cmp(v[i - 1].id, v[i].id) == 0)
			rc = sl_why(why, why_len, -EINVAL, "pool %s: backend %s listed twice",
				    refs[v[i].slot].pool->name, refs[v[i].slot].be->name);
	free(v);
	return rc;
}

/* Check the geometry and size the scratch for @b->cfg. */
static int build_start(struct cp_tables_job *b)
{
	const struct cfg *cfg = b->cfg;
	const struct sl_shm_header *h = b->h;
	uint32_t n_refs = 0;

	if (h->max_backends > b->t->max_backends)
		return sl_why(b->why, b->why_len, -EINVAL,
			      "segment has %u backend slots, builder %u", h->max_backends,
			      b->t->max_backends);
	if (cfg->n_vips > h->max_vips)
		return sl_why(b->why, b->why_len, -ENOSPC,
			      "%u VIPs configured, the segment holds %u", cfg->n_vips, h->max_vips);
	for (uint32_t p = 0; p < cfg->n_pools; p++)
		n_refs += cfg->pools[p].n_backends;
	b->n_refs = n_refs;
	b->old_pools = sl_slot_hdr(h, b->slot)->n_pools;
	b->refs = calloc(n_refs + 1, sizeof(*b->refs));
	b->mb = calloc(n_refs + 1, sizeof(*b->mb));
	b->kept = calloc(b->t->max_backends + 1, 1);
	b->vip_pool = calloc(cfg->n_vips + 1, sizeof(*b->vip_pool));
	b->fp = calloc(h->max_pools + 1, sizeof(*b->fp));
	b->ids = malloc((n_refs + 1) * sizeof(*b->ids));
	b->capped = malloc((n_refs + 1) * sizeof(*b->capped));
	if (!b->refs || !b->ids || !b->mb || !b->kept || !b->vip_pool || !b->fp || !b->capped)
		return sl_why(b->why, b->why_len, -ENOMEM, "no memory for the tables");
	return 0;
}

static void build_free(struct cp_tables_job *b)
{
	free(b->capped_sorted);
	free(b->capped);
	free(b->fp);
	free(b->vip_pool);
	free(b->kept);
	free(b->mb);
	free(b->ids);
	free(b->refs);
	free(b->route_ids);
}

/*
 * Step 1: match every configured backend to the slot it holds, a draining
 * one included (it takes its slot and uid back), into refs[] and kept[]
 * (CP_TABLES_SLOT_*); a backend no longer configured drains if it may.
 * Returns the number of newcomers (no slot yet) or a negative errno.
 */
static int match_slots(struct cp_tables_job *b)
{
	const struct cp_tables *t = b->t;
	struct cp_tables_sorted *cur, key, *hit;
	uint32_t n_cur = 0, n = 0, n_new = 0;
	int rc;

	cur = malloc(sizeof(*cur) * (t->high_water + 1));
	if (!cur)
		return sl_why(b->why, b->why_len, -ENOMEM, "no memory for %u backends", b->n_refs);
	for (uint32_t s = 0; s < t->high_water; s++)
		if (t->slots[s].in_use)
			cur[n_cur++] = (struct cp_tables_sorted){&t->slots[s].id, s};
	qsort(cur, n_cur, sizeof(*cur), sorted_cmp);

	for (uint32_t p = 0; p < b->cfg->n_pools; p++) {
		const struct cfg_pool *pc = &b->cfg->pools[p];

		for (uint32_t i = 0; i < pc->n_backends; i++, n++) {
			const struct cfg_backend *bc = &pc->backends[i];

			ident_of(&b->ids[n], pc->name, &bc->addr, bc->port);
			if (bc->weight > SL_MAGLEV_WEIGHT_MAX) {
				rc = sl_why(b->why, b->why_len, -EINVAL,
					    "pool %s: backend %s: weight %u > %u", pc->name,
					    bc->name, bc->weight, SL_MAGLEV_WEIGHT_MAX);
				goto out;
			}
			b->refs[n] = (struct cp_tables_ref){pc, bc, p, UINT32_MAX, 0};
			key.id = &b->ids[n];
			hit = bsearch(&key, cur, n_cur, sizeof(*cur), sorted_cmp);
			if (hit) {
				b->refs[n].slot = hit->slot;
				b->refs[n].uid = t->slots[hit->slot].uid;
				b->kept[hit->slot] = CP_TABLES_SLOT_CONFIGURED;
			} else {
				n_new++;
			}
		}
	}
	rc = check_twice(b->ids, b->refs, n, b->why, b->why_len);
	if (rc)
		goto out;
	for (uint32_t s = 0; s < t->high_water; s++) {
		uint64_t deadline;

		if (t->slots[s].in_use && b->kept[s] == CP_TABLES_SLOT_LEAVES &&
		    cp_tables_drain_check(t, s, b->cfg, b->now_ns, &deadline) >= 0)
			b->kept[s] = CP_TABLES_SLOT_DRAINING;
	}
	rc = (int)n_new;
out:
	free(cur);
	return rc;
}

/*
 * Step 2: the @n_new newcomers get free slots, best first. Past
 * tables.max_backends the ones that do not fit are left out of refs[] (the
 * last ones in config order) into capped[], so every other pool and every
 * backend already published still are.
 */
static int place_newcomers(struct cp_tables_job *b, uint32_t n_new)
{
	struct cp_tables_summary *sum = b->sum;
	uint32_t *fresh, got, f = 0, k = 0;

	fresh = malloc(sizeof(*fresh) * (n_new + 1));
	if (!fresh)
		return sl_why(b->why, b->why_len, -ENOMEM, "no memory for %u backends", b->n_refs);
	got = free_slots(b->t, b->kept, n_new, fresh);
	for (uint32_t i = 0; i < b->n_refs; i++) {
		if (b->refs[i].slot == UINT32_MAX && f < got)
			b->refs[i].slot = fresh[f++];
		if (b->refs[i].slot == UINT32_MAX) {
			if (!sum->n_capped)
				snprintf(sum->capped_pool, sizeof(sum->capped_pool), "%s",
					 b->refs[i].pool->name);
			b->capped[sum->n_capped++] = b->ids[i];
			continue;
		}
		b->refs[k++] = b->refs[i];
	}
	free(fresh);
	b->n_refs = k;
	sum->n_new = got < n_new ? got : n_new;
	if (!sum->n_capped)
		return 0;
	b->capped_sorted = malloc(sum->n_capped * sizeof(*b->capped_sorted));
	if (!b->capped_sorted)
		return sl_why(b->why, b->why_len, -ENOMEM, "no memory for the tables");
	for (uint32_t i = 0; i < sum->n_capped; i++)
		b->capped_sorted[i] = (struct cp_tables_sorted){&b->capped[i], i};
	qsort(b->capped_sorted, sum->n_capped, sizeof(*b->capped_sorted), sorted_cmp);
	return 0;
}

/*
 * Step 8, once the slot is sealed: the assignment follows it (draining
 * slots get their deadline, left slots are freed, configured backends hold
 * theirs), as do the table cache and the list of capped backends; the
 * summary is completed.
 */
static void commit(struct cp_tables_job *b)
{
	struct cp_tables *t = b->t;
	const struct sl_backend *bes = sl_slot_backends(b->h, b->slot);
	struct cp_tables_summary *sum = b->sum;

	t->build_seq++;
	t->next_expiry = 0;
	for (uint32_t s = 0; s < t->high_water; s++) {
		struct cp_tables_slot *st = &t->slots[s];
		uint64_t deadline = 0;

		if (b->kept[s] == CP_TABLES_SLOT_DRAINING) {
			cp_tables_drain_check(t, s, b->cfg, b->now_ns, &deadline);
			st->last = bes[s];
			st->draining = 1;
			st->drain_deadline = deadline;
			if (!t->next_expiry || deadline < t->next_expiry)
				t->next_expiry = deadline;
		} else if (st->in_use && b->kept[s] == CP_TABLES_SLOT_LEAVES) {
			st->in_use = 0;
			st->draining = 0;
			st->drain_deadline = 0;
			st->freed_seq = t->build_seq;
			sum->n_removed++;
		}
	}
	for (uint32_t i = 0; i < b->n_refs; i++) {
		const struct cp_tables_ref *r = &b->refs[i];
		struct cp_tables_slot *st = &t->slots[r->slot];

		ident_of(&st->id, r->pool->name, &r->be->addr, r->be->port);
		st->last = bes[r->slot];
		st->uid = bes[r->slot].uid;
		st->in_use = 1;
		st->draining = 0;
		st->drain_deadline = 0;
		if (r->slot >= t->high_water)
			t->high_water = r->slot + 1;
	}
	t->next_uid += sum->n_new;
	cp_tables_fill_remember(b);
	cp_tables_nat_remember(b);
	cp_tables_http_commit(b);
	free(t->capped_ids);
	free(t->capped);
	t->capped = b->capped_sorted;
	t->capped_ids = b->capped;
	t->n_capped = sum->n_capped;
	b->capped_sorted = NULL;
	b->capped = NULL;
	sum->n_vips = b->cfg->n_vips;
	sum->n_pools = b->n_pools;
	sum->n_backends = b->n_refs;
}

int cp_tables_build(struct cp_tables *t, const struct cfg *cfg, cp_nexthop_fn nexthop, void *ctx,
		    struct sl_shm_header *h, unsigned int slot, uint64_t generation,
		    uint64_t now_ns, struct cp_tables_summary *sum, char *why, size_t why_len)
{
	struct cp_tables_job b = {
		.t = t,
		.cfg = cfg,
		.nexthop = nexthop,
		.nexthop_ctx = ctx,
		.h = h,
		.slot = slot,
		.now_ns = now_ns,
		.sum = sum,
		.why = why,
		.why_len = why_len,
	};
	int rc;

	memset(sum, 0, sizeof(*sum));
	rc = build_start(&b);
	if (rc)
		goto out;
	rc = match_slots(&b);
	if (rc > 0)
		rc = place_newcomers(&b, (uint32_t)rc);
	if (rc)
		goto out;
	rc = cp_tables_fill_vips_pools(&b);
	if (!rc)
		rc = cp_tables_fill_nat(&b);
	if (rc)
		goto out;
	cp_tables_fill_backends(&b);
	rc = cp_tables_fill_maglev(&b);
	if (rc)
		goto out;
	rc = cp_tables_fill_http(&b);
	if (rc)
		goto out;
	cp_tables_fill_seal(&b, generation);
	commit(&b);
out:
	build_free(&b);
	return rc;
}
