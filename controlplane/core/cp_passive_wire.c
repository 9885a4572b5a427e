/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connect failures from the segment to the model (see cp_passive_wire.h).
 * One timer: it fires at the start and at the earliest end of a passive
 * pool's window; the published slot is read once per firing (a backend
 * seen for the first time takes its count as the base), and the model's
 * instances of the pools whose window ended are found by (pool, address,
 * port) through a table made for that firing, so a firing costs the
 * published backends plus those instances.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cp_log.h"
#include "cp_passive_wire.h"
#include "sl_hash.h"

#define NS_PER_MS 1000000ull

static void tick(struct cp_loop_timer *t);

void cp_passive_wire_init(struct cp_passive_wire *w, struct cp_loop *loop,
			  const struct sl_shm_header *h, struct cp_model *model,
			  struct cfg *const *cfg)
{
	memset(w, 0, sizeof(*w));
	w->loop = loop;
	w->h = h;
	w->model = model;
	w->cfg = cfg;
	/* armed by start; stop may come without one (a start that failed earlier) */
	cp_loop_timer_init(&w->timer, tick, w);
}

uint64_t cp_passive_wire_failures(const struct sl_shm_header *h, uint32_t slot)
{
	uint64_t n = __atomic_load_n(&h->dp_workers, __ATOMIC_ACQUIRE), sum = 0;

	if (n > h->max_workers)
		n = h->max_workers;
	for (uint32_t i = 0; i < n; i++) {
		struct sl_counter *c = &sl_stats_backends(h, sl_shm_worker_stats(h, i))[slot];

		/* each worker's own plain stores: a whole word is read */
		sum += __atomic_load_n(&c->connect_failures, __ATOMIC_RELAXED);
	}
	return sum;
}

/*
 * The pools of @cfg, by index: one whose name, interval or passive_fall
 * differs from what its window started with starts a new window at @now.
 */
static int pools_sync(struct cp_passive_wire *w, const struct cfg *cfg, uint64_t now)
{
	struct cp_passive_pool *np = w->pools;

	if (cfg->n_pools != w->n_pools) {
		np = realloc(w->pools, (cfg->n_pools ? cfg->n_pools : 1) * sizeof(*np));
		if (!np)
			return -ENOMEM;
		for (uint32_t i = w->n_pools; i < cfg->n_pools; i++)
			np[i].name[0] = '\0';
		w->pools = np;
		w->n_pools = cfg->n_pools;
	}
	for (uint32_t i = 0; i < cfg->n_pools; i++) {
		const struct cfg_pool *c = &cfg->pools[i];
		struct cp_passive_pool *p = &np[i];

		if (strncmp(p->name, c->name, SL_NAME_LEN) == 0 &&
		    p->interval_ms == c->health.interval_ms &&
		    p->passive_fall == c->health.passive_fall)
			continue;
		snprintf(p->name, sizeof(p->name), "%s", c->name);
		p->interval_ms = c->health.interval_ms;
		p->passive_fall = c->health.passive_fall;
		p->rebase = 1;
		p->due_ns = now + p->interval_ms * NS_PER_MS;
	}
	return 0;
}

/* The instances of the pools whose window ended, by (pool index, address, port). */
struct inst_map {
	struct cp_model_inst **v;
	uint32_t mask;
};

static uint64_t key_hash(uint32_t pool, const struct sl_addr *a, uint16_t port)
{
	return sl_hash_bytes(a, sizeof(*a), (uint64_t)pool << 16 | port);
}

static struct cp_model_inst **map_slot(const struct inst_map *t, uint32_t pool,
				       const struct sl_addr *a, uint16_t port)
{
	for (uint32_t i = (uint32_t)key_hash(pool, a, port) & t->mask;; i = (i + 1) & t->mask) {
		struct cp_model_inst *x = t->v[i];

		if (!x || (x->pool_index == pool && x->port == port &&
			   memcmp(&x->addr, a, sizeof(*a)) == 0))
			return &t->v[i];
	}
}

static int map_make(struct inst_map *t, const struct cp_passive_wire *w, const bool *due)
{
	struct cp_model_inst *const *in;
	uint32_t n = 0, cap = 16;

	for (uint32_t p = 0; p < w->n_pools; p++)
		if (due[p])
			n += cp_model_pool_instances(w->model, p, &in);
	while (cap < 2 * n)
		cap *= 2;
	t->v = calloc(cap, sizeof(*t->v));
	if (!t->v)
		return -ENOMEM;
	t->mask = cap - 1;
	for (uint32_t p = 0; p < w->n_pools; p++) {
		uint32_t k = due[p] ? cp_model_pool_instances(w->model, p, &in) : 0;

		for (uint32_t i = 0; i < k; i++)
			*map_slot(t, p, &in[i]->addr, in[i]->port) = in[i];
	}
	return 0;
}

/* The slot table covers @n backend slots. */
static int slots_cover(struct cp_passive_wire *w, uint32_t n)
{
	struct cp_passive_slot *s;

	if (n <= w->n_slots)
		return 0;
	s = realloc(w->slots, n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s + w->n_slots, 0, (n - w->n_slots) * sizeof(*s));
	w->slots = s;
	w->n_slots = n;
	return 0;
}

/*
 * The growth of slot @i's count since its last window, taken (@take) or
 * left for later; 0 for a newcomer, and on @rebase: the count is the base.
 */
static uint64_t growth(struct cp_passive_wire *w, uint32_t i, uint64_t uid, bool take, bool rebase)
{
	struct cp_passive_slot *s = &w->slots[i];
	uint64_t now = cp_passive_wire_failures(w->h, i), d;

	if (rebase || s->uid != uid || now < s->base) {
		s->uid = uid;
		s->base = now;
		return 0;
	}
	if (!take)
		return 0;
	d = now - s->base;
	s->base = now;
	return d;
}

/* Hand the windows that ended (@due) of the published backends to the model. */
static int scan(struct cp_passive_wire *w, const bool *due)
{
	const struct sl_shm_header *h = w->h;
	uint64_t word = __atomic_load_n(&h->published, __ATOMIC_ACQUIRE);
	unsigned int slot = SL_SLOT_OF(word);
	const struct sl_table_hdr *th = sl_slot_hdr(h, slot);
	const struct sl_backend *be = sl_slot_backends(h, slot);
	const struct sl_pool *pools = sl_slot_pools(h, slot);
	uint32_t n = th->n_backends < h->max_backends ? th->n_backends : h->max_backends;
	struct inst_map map = {0};
	int rc;

	if (!word)
		return 0;
	rc = slots_cover(w, n);
	if (!rc)
		rc = map_make(&map, w, due);
	if (rc)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		const struct sl_backend *b = &be[i];
		/* the slot's pool is the config's of that index while names agree (a reload) */
		bool take = b->uid && b->pool < th->n_pools && b->pool < w->n_pools &&
			    due[b->pool] &&
			    strncmp(pools[b->pool].name, w->pools[b->pool].name, SL_NAME_LEN) == 0;
		bool rebase = b->pool < w->n_pools && w->pools[b->pool].rebase;
		const struct cp_passive_pool *pp;
		struct cp_model_inst *inst;
		uint64_t d;

		if (!b->uid) {
			w->slots[i].uid = 0;
			continue;
		}
		d = growth(w, i, b->uid, take, rebase);
		if (!take || (b->flags & SL_BACKEND_F_DRAINING))
			continue;
		inst = *map_slot(&map, b->pool, &b->addr, ntohs(b->port));
		if (!inst)
			continue;
		pp = &w->pools[b->pool];
		if (!cp_model_passive(w->model, inst, d, pp->interval_ms))
			continue;
		if (inst->fsm.state == CP_HEALTH_FSM_HEALTHY)
			CP_LOG_HEALTH(INFO, "%s/%s: healthy: %s", pp->name, inst->name,
				      inst->reason);
		else
			CP_LOG_HEALTH(WARN, "%s/%s: unhealthy: %s", pp->name, inst->name,
				      inst->reason);
	}
out:
	free(map.v);
	return rc;
}

static void tick(struct cp_loop_timer *t)
{
	struct cp_passive_wire *w = t->ctx;
	uint64_t now = cp_loop_now_ns(), next = now + CP_PASSIVE_IDLE_MS * NS_PER_MS;
	bool *due = NULL, passive = false;

	if (pools_sync(w, *w->cfg, now) != 0)
		goto out; /* tried again at the next firing */
	due = calloc(w->n_pools ? w->n_pools : 1, sizeof(*due));
	if (!due)
		goto out;
	for (uint32_t p = 0; p < w->n_pools; p++) {
		due[p] = w->pools[p].passive_fall && now >= w->pools[p].due_ns;
		passive |= w->pools[p].passive_fall != 0;
	}
	/* every firing: backends new since the last one take their first count */
	if (passive && scan(w, due) != 0)
		CP_LOG_HEALTH(WARN, "passive health: no memory for this window's counts");
	for (uint32_t p = 0; p < w->n_pools; p++) {
		struct cp_passive_pool *pp = &w->pools[p];

		pp->rebase = 0;
		if (due[p])
			pp->due_ns = now + pp->interval_ms * NS_PER_MS;
		if (pp->passive_fall && pp->due_ns < next)
			next = pp->due_ns;
	}
out:
	free(due);
	cp_loop_timer_at(w->loop, &w->timer, next);
}

int cp_passive_wire_start(struct cp_passive_wire *w)
{
	int rc = pools_sync(w, *w->cfg, cp_loop_now_ns());

	if (rc)
		return rc;
	return cp_loop_timer_at(w->loop, &w->timer, cp_loop_now_ns());
}

void cp_passive_wire_stop(struct cp_passive_wire *w)
{
	if (w->loop)
		cp_loop_timer_cancel(w->loop, &w->timer);
	free(w->slots);
	free(w->pools);
	w->slots = NULL;
	w->pools = NULL;
	w->n_slots = w->n_pools = 0;
}
