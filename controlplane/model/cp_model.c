/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pools and instances merged from every discovery source, with health,
 * drain and panic, turned into the table builder's input (cp_model.h).
 * Every decision is a function of the stored source sets, the config and
 * the instances' state machines, recomputed per pool on each change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <jansson.h>

#include "cfg.h"
#include "cp_model.h"
#include "sl_hash.h"

/* A dynamic source's last set for one pool name. */
struct src_set {
	char pool[SL_NAME_LEN];
	uint8_t src; /* enum cp_disc_source */
	struct cp_disc_instance *v;
	uint32_t n;
};

struct mpool {
	char name[SL_NAME_LEN];
	struct cp_model_inst **inst;
	uint32_t n, cap;
	uint8_t uses; /* bit per source */
	uint8_t af;   /* of the pool's VIPs; 0: no VIP names it */
	bool panic;
	uint32_t n_refused; /* entries of its sources refused by the last merge */
	const struct cfg_pool *conf;
};

/* The state an instance takes over from the published tables (cp_model_adopt). */
struct seed {
	char pool[SL_NAME_LEN];
	struct sl_addr addr;
	uint16_t port; /* host order, as configured */
	uint8_t state; /* CP_HEALTH_FSM_HEALTHY or CP_HEALTH_FSM_UNHEALTHY */
	uint8_t used;
};

struct cp_model {
	struct cp_model_hooks hooks;
	const struct cfg *cfg;
	struct mpool *pools;
	uint32_t n_pools;
	struct src_set *sets;
	uint32_t n_sets, cap_sets;
	uint64_t seq;
	struct seed *seeds;
	uint32_t n_seeds;
	uint64_t seed_generation;
};

static const char *const source_names[CP_DISC_MAX] = {"static", "file", "dns", "etcd"};

const char *cp_disc_source_name(enum cp_disc_source src)
{
	return (unsigned int)src < CP_DISC_MAX ? source_names[src] : "?";
}

const char *cp_model_sources_text(uint8_t sources, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int s = 0; s < CP_DISC_MAX; s++)
		if (sources & (1u << s))
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? "," : "",
					      source_names[s]);
	return buf;
}

const char *cp_model_inst_state(const struct cp_model_inst *inst)
{
	return cp_health_fsm_state_name((enum cp_health_fsm_state)inst->fsm.state);
}

static void emit(struct cp_model *m, const char *pool, const char *inst, const char *old_state,
		 const char *new_state, const char *reason)
{
	struct cp_model_event e = {
		.event = inst ? "instance" : "pool",
		.pool = pool,
		.instance = inst,
		.old_state = old_state,
		.new_state = new_state,
		.reason = reason,
	};

	if (m->hooks.event)
		m->hooks.event(m->hooks.ctx, &e);
}

static void changed(struct cp_model *m)
{
	if (m->hooks.changed)
		m->hooks.changed(m->hooks.ctx);
}

struct cp_model *cp_model_new(const struct cp_model_hooks *hooks)
{
	struct cp_model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (hooks)
		m->hooks = *hooks;
	return m;
}

static void inst_free(struct cp_model *m, struct cp_model_inst *inst)
{
	if (m->hooks.inst_removed)
		m->hooks.inst_removed(m->hooks.ctx, inst);
	free(inst);
}

static void pool_clear(struct cp_model *m, struct mpool *p)
{
	for (uint32_t i = 0; i < p->n; i++)
		inst_free(m, p->inst[i]);
	free(p->inst);
	p->inst = NULL;
	p->n = p->cap = 0;
}

void cp_model_free(struct cp_model *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; i < m->n_pools; i++)
		pool_clear(m, &m->pools[i]);
	free(m->pools);
	for (uint32_t i = 0; i < m->n_sets; i++)
		free(m->sets[i].v);
	free(m->sets);
	free(m->seeds);
	free(m);
}

int cp_model_adopt(struct cp_model *m, const struct sl_shm_header *h)
{
	uint64_t word = h->published;
	unsigned int slot = SL_SLOT_OF(word);
	const struct sl_table_hdr *th = sl_slot_hdr(h, slot);
	const struct sl_backend *be = sl_slot_backends(h, slot);
	const struct sl_pool *pools = sl_slot_pools(h, slot);
	uint32_t n = 0, max = th->n_backends < h->max_backends ? th->n_backends : h->max_backends;
	struct seed *s = NULL;

	cp_model_forget_seeds(m);
	if (!word || !max)
		return 0;
	s = calloc(max, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (uint32_t i = 0; i < max; i++) {
		const struct sl_backend *b = &be[i];

		if (!b->uid || b->pool >= th->n_pools || (b->flags & SL_BACKEND_F_DRAINING))
			continue;
		if (b->flags & SL_BACKEND_F_ACTIVE)
			s[n].state = CP_HEALTH_FSM_HEALTHY;
		else if (b->weight == 0)
			s[n].state = CP_HEALTH_FSM_UNHEALTHY; /* down: not active, weight 0 */
		else
			continue; /* no next hop: its health is unknown */
		memcpy(s[n].pool, pools[b->pool].name, sizeof(s[n].pool));
		s[n].pool[sizeof(s[n].pool) - 1] = '\0';
		s[n].addr = b->addr;
		s[n].port = ntohs(b->port);
		n++;
	}
	m->seeds = s;
	m->n_seeds = n;
	m->seed_generation = SL_GEN_OF(word);
	return (int)n;
}

void cp_model_forget_seeds(struct cp_model *m)
{
	free(m->seeds);
	m->seeds = NULL;
	m->n_seeds = 0;
}

/* The unused seed of (@pool, @addr, @port), or NULL. */
static struct seed *find_seed(struct cp_model *m, const char *pool, const struct sl_addr *addr,
			      uint16_t port)
{
	for (uint32_t i = 0; i < m->n_seeds; i++) {
		struct seed *s = &m->seeds[i];

		if (!s->used && s->port == port && strcmp(s->pool, pool) == 0 &&
		    memcmp(&s->addr, addr, sizeof(*addr)) == 0)
			return s;
	}
	return NULL;
}

static void default_name(char *buf, size_t len, const struct sl_addr *a, uint8_t af, uint16_t port)
{
	char text[INET6_ADDRSTRLEN];

	if (af == SL_AF_INET)
		inet_ntop(AF_INET, &a->a32[3], text, sizeof(text));
	else
		inet_ntop(AF_INET6, a->a8, text, sizeof(text));
	if (!port)
		snprintf(buf, len, "%s", text);
	else if (af == SL_AF_INET)
		snprintf(buf, len, "%s:%u", text, port);
	else
		snprintf(buf, len, "[%s]:%u", text, port);
}

static struct src_set *find_set(struct cp_model *m, enum cp_disc_source src, const char *pool)
{
	for (uint32_t i = 0; i < m->n_sets; i++)
		if (m->sets[i].src == src && strcmp(m->sets[i].pool, pool) == 0)
			return &m->sets[i];
	return NULL;
}

/* One entry of the merged set of a pool. */
struct want {
	struct cp_disc_instance d;
	uint8_t sources;
	uint8_t matched; /* an instance of the model has it */
};

/*
 * Open-addressing table of indexes (value index + 1; 0: empty), so a merge
 * of n entries costs n lookups rather than n^2 comparisons.
 */
struct ixmap {
	uint32_t *v;
	uint32_t mask;
};

static int ixmap_init(struct ixmap *t, uint32_t n)
{
	uint32_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	t->v = calloc(cap, sizeof(*t->v));
	t->mask = cap - 1;
	return t->v ? 0 : -ENOMEM;
}

static uint64_t addr_hash(const struct sl_addr *a, uint16_t port)
{
	return sl_hash_bytes(a, sizeof(*a), port);
}

static uint64_t name_hash(const char *name)
{
	return sl_hash_bytes(name, strnlen(name, SL_NAME_LEN), 0);
}

/*
 * The slot for key hash @h: the one holding an index @eq accepts, or the
 * empty one where it would go.
 */
static uint32_t *ixmap_slot(const struct ixmap *t, uint64_t h,
			    int (*eq)(const void *ctx, uint32_t ix), const void *ctx)
{
	for (uint32_t i = (uint32_t)h & t->mask;; i = (i + 1) & t->mask)
		if (!t->v[i] || eq(ctx, t->v[i] - 1))
			return &t->v[i];
}

struct merge {
	struct want *w;
	uint32_t nw;
	struct ixmap by_addr, by_name;
	const struct cp_disc_instance *key;		       /* what ixmap_slot() looks for */
	struct cp_model_refusal refused[CP_MODEL_REFUSED_MAX]; /* of the current source */
	uint32_t n_src_refused, n_refused;		       /* its count, the pool's */
};

static int same_addr(const void *ctx, uint32_t ix)
{
	const struct merge *g = ctx;

	return g->w[ix].d.port == g->key->port &&
	       memcmp(&g->w[ix].d.addr, &g->key->addr, sizeof(g->key->addr)) == 0;
}

static int same_name(const void *ctx, uint32_t ix)
{
	const struct merge *g = ctx;

	return strncmp(g->w[ix].d.name, g->key->name, SL_NAME_LEN) == 0;
}

static void refuse(struct merge *g, const struct cp_disc_instance *d, const char *why)
{
	if (g->n_src_refused < CP_MODEL_REFUSED_MAX) {
		struct cp_model_refusal *r = &g->refused[g->n_src_refused];

		r->inst = *d;
		snprintf(r->why, sizeof(r->why), "%s", why);
	}
	g->n_src_refused++;
	g->n_refused++;
}

/*
 * Add @d from @src under the config's rules (cfg_instance_why(); the
 * static list passed them in the loader): merged with an entry of the same
 * address and port, refused when its name is another entry's.
 */
static void want_add(struct merge *g, const struct cp_disc_instance *d, enum cp_disc_source src,
		     uint8_t pool_af)
{
	struct cp_disc_instance named = *d;
	char buf[96], who[INET6_ADDRSTRLEN + 8];
	const char *why;
	uint32_t *as, *ns;

	if (src != CP_DISC_STATIC && (why = cfg_instance_why(&d->addr, d->af, d->weight, d->name,
							     pool_af, buf, sizeof(buf)))) {
		refuse(g, d, why);
		return;
	}
	g->key = d;
	as = ixmap_slot(&g->by_addr, addr_hash(&d->addr, d->port), same_addr, g);
	if (*as) {
		g->w[*as - 1].sources |= (uint8_t)(1u << src);
		return;
	}
	if (!named.name[0])
		default_name(named.name, sizeof(named.name), &d->addr, d->af, d->port);
	g->key = &named;
	ns = ixmap_slot(&g->by_name, name_hash(named.name), same_name, g);
	if (*ns) {
		const struct want *o = &g->w[*ns - 1];

		default_name(who, sizeof(who), &o->d.addr, o->d.af, o->d.port);
		snprintf(buf, sizeof(buf), "name already names %s (from %s)", who,
			 cp_disc_source_name((enum cp_disc_source)__builtin_ctz(o->sources)));
		refuse(g, d, buf);
		return;
	}
	g->w[g->nw].d = named;
	g->w[g->nw].sources = (uint8_t)(1u << src);
	g->w[g->nw].matched = 0;
	*as = *ns = ++g->nw;
}

static const char *state_of(const struct cp_model_inst *inst)
{
	return cp_model_inst_state(inst);
}

/* Decide who serves; report panic changes. Returns 1 if any serving flag changed. */
static int pool_select(struct cp_model *m, struct mpool *p)
{
	struct cp_health_fsm_member stack[64], *mem = stack;
	struct cp_health_fsm_verdict v;
	int diff = 0;

	if (p->n > 64) {
		mem = calloc(p->n, sizeof(*mem));
		if (!mem)
			return 0; /* keep the current flags; retried at the next change */
	}
	for (uint32_t i = 0; i < p->n; i++) {
		mem[i].state = p->inst[i]->fsm.state;
		mem[i].drained = p->inst[i]->drained;
		mem[i].weight = p->inst[i]->weight;
	}
	cp_health_fsm_select(mem, p->n, (uint8_t)p->conf->panic_threshold, &v);
	for (uint32_t i = 0; i < p->n; i++) {
		if (p->inst[i]->serving != mem[i].serving)
			diff = 1;
		p->inst[i]->serving = mem[i].serving;
	}
	if (v.panic != p->panic) {
		char reason[160];

		if (v.panic)
			snprintf(reason, sizeof(reason),
				 "%u of %u instances healthy, panic_threshold %u%%: every instance "
				 "serves",
				 v.n_healthy, v.n_eligible, p->conf->panic_threshold);
		else
			snprintf(reason, sizeof(reason), "%u of %u instances healthy", v.n_healthy,
				 v.n_eligible);
		emit(m, p->name, NULL, p->panic ? "panic" : "normal", v.panic ? "panic" : "normal",
		     reason);
		p->panic = v.panic;
		diff = 1;
	}
	if (mem != stack)
		free(mem);
	return diff;
}

static struct cp_model_inst *inst_new(struct cp_model *m, struct mpool *p, uint32_t pool_index,
				      const struct want *w)
{
	struct cp_model_inst *inst = calloc(1, sizeof(*inst));
	const struct cfg_health *h = &p->conf->health;
	struct seed *seed;
	char src[64];

	if (!inst)
		return NULL;
	memcpy(inst->name, w->d.name, sizeof(inst->name));
	inst->addr = w->d.addr;
	inst->af = w->d.af;
	inst->port = w->d.port;
	inst->weight = w->d.weight;
	inst->sources = w->sources;
	inst->pool_index = pool_index;
	inst->seq = ++m->seq;
	cp_health_fsm_init(&inst->fsm, (uint16_t)h->rise, (uint16_t)h->fall);
	cp_model_sources_text(w->sources, src, sizeof(src));
	seed = find_seed(m, p->name, &inst->addr, inst->port);
	if (h->type == CFG_HEALTH_CHECK_NONE) {
		inst->fsm.state = CP_HEALTH_FSM_HEALTHY;
		snprintf(inst->reason, sizeof(inst->reason), "discovered by %s (no health checks)",
			 src);
	} else if (seed) {
		/* the run counters start at 0: fall failures, or rise passes, to change */
		inst->fsm.state = seed->state;
		seed->used = 1;
		snprintf(inst->reason, sizeof(inst->reason),
			 "discovered by %s, %s in generation %llu taken over", src,
			 seed->state == CP_HEALTH_FSM_HEALTHY ? "serving" : "down",
			 (unsigned long long)m->seed_generation);
	} else {
		snprintf(inst->reason, sizeof(inst->reason), "discovered by %s", src);
	}
	emit(m, p->name, inst->name, "absent", state_of(inst), inst->reason);
	if (m->hooks.inst_added)
		m->hooks.inst_added(m->hooks.ctx, inst, p->conf);
	return inst;
}

/* Whose set the merge reports refusals of: the source that just updated, or none. */
#define NO_SOURCE CP_DISC_MAX

/*
 * Merge the pool's sources into its instances, in n (hashed) steps for n
 * entries. Refusals of @report's set go to the refused hook. Returns 1 if
 * membership changed, 0, or -ENOMEM.
 */
static int pool_merge(struct cp_model *m, uint32_t pool_index, enum cp_disc_source report)
{
	struct mpool *p = &m->pools[pool_index];
	const struct src_set *sets[CP_DISC_MAX] = {NULL};
	struct merge g = {0};
	uint32_t total = 0, k = 0;
	int diff = 0, rc = 0;

	for (int s = 0; s < CP_DISC_MAX; s++) {
		if (!(p->uses & (1u << s)))
			continue;
		if (s == CP_DISC_STATIC) {
			total += p->conf->n_backends;
		} else {
			sets[s] = find_set(m, (enum cp_disc_source)s, p->name);
			total += sets[s] ? sets[s]->n : 0;
		}
	}
	g.w = malloc((total + 1) * sizeof(*g.w));
	if (!g.w || ixmap_init(&g.by_addr, total) || ixmap_init(&g.by_name, total)) {
		rc = -ENOMEM;
		goto out;
	}
	for (int s = 0; s < CP_DISC_MAX; s++) {
		if (!(p->uses & (1u << s)))
			continue;
		g.n_src_refused = 0;
		if (s == CP_DISC_STATIC) {
			for (uint32_t i = 0; i < p->conf->n_backends; i++) {
				const struct cfg_backend *b = &p->conf->backends[i];
				struct cp_disc_instance d = {.addr = b->addr,
							     .af = b->af,
							     .port = b->port,
							     .weight = b->weight};

				memcpy(d.name, b->name, sizeof(d.name));
				want_add(&g, &d, CP_DISC_STATIC, p->af);
			}
		} else {
			for (uint32_t i = 0; sets[s] && i < sets[s]->n; i++)
				want_add(&g, &sets[s]->v[i], (enum cp_disc_source)s, p->af);
		}
		if (s == (int)report && m->hooks.refused && g.n_src_refused)
			m->hooks.refused(m->hooks.ctx, report, p->name, g.refused,
					 g.n_src_refused < CP_MODEL_REFUSED_MAX
						 ? g.n_src_refused
						 : CP_MODEL_REFUSED_MAX,
					 g.n_src_refused);
	}
	p->n_refused = g.n_refused;
	/* vanished: no source lists it any more; survivors keep their order */
	for (uint32_t i = 0; i < p->n; i++) {
		struct cp_model_inst *inst = p->inst[i];
		struct cp_disc_instance key = {.addr = inst->addr, .port = inst->port};
		uint32_t *as;

		g.key = &key;
		as = ixmap_slot(&g.by_addr, addr_hash(&inst->addr, inst->port), same_addr, &g);
		if (*as) {
			struct want *w = &g.w[*as - 1];

			if (inst->weight != w->d.weight)
				diff = 1;
			inst->weight = w->d.weight;
			inst->sources = w->sources;
			w->matched = 1;
			p->inst[k++] = inst;
			continue;
		}
		emit(m, p->name, inst->name, inst->drained ? "drained" : state_of(inst), "removed",
		     "no source lists it any more");
		inst_free(m, inst);
		diff = 1;
	}
	p->n = k;
	for (uint32_t j = 0; j < g.nw; j++) {
		if (g.w[j].matched)
			continue;
		if (p->n == p->cap) {
			uint32_t nc = p->cap ? p->cap * 2 : 16;
			struct cp_model_inst **ni = realloc(p->inst, nc * sizeof(*ni));

			if (!ni) {
				rc = -ENOMEM;
				goto out;
			}
			p->inst = ni;
			p->cap = nc;
		}
		p->inst[p->n] = inst_new(m, p, pool_index, &g.w[j]);
		if (!p->inst[p->n]) {
			rc = -ENOMEM;
			goto out;
		}
		p->n++;
		diff = 1;
	}
out:
	free(g.by_name.v);
	free(g.by_addr.v);
	free(g.w);
	if (pool_select(m, p))
		diff = 1;
	return rc ? rc : diff;
}

static uint8_t pool_uses(const struct cfg_pool *c)
{
	uint8_t u = 1u << CP_DISC_STATIC;

	if (c->disc.file || c->implicit)
		u |= 1u << CP_DISC_FILE;
	if (c->disc.dns[0])
		u |= 1u << CP_DISC_DNS;
	if (c->disc.etcd || c->implicit)
		u |= 1u << CP_DISC_ETCD;
	return u;
}

int cp_model_configure(struct cp_model *m, const struct cfg *cfg)
{
	struct mpool *np = calloc(cfg->n_pools ? cfg->n_pools : 1, sizeof(*np));
	int any = 0, rc = 0;

	if (!np)
		return -ENOMEM;
	for (uint32_t i = 0; i < cfg->n_pools; i++) {
		snprintf(np[i].name, sizeof(np[i].name), "%s", cfg->pools[i].name);
		np[i].conf = &cfg->pools[i];
		np[i].uses = pool_uses(&cfg->pools[i]);
	}
	for (uint32_t v = cfg->n_vips; v-- > 0;) /* the first VIP's family (one per pool) */
		for (uint32_t i = 0; i < cfg->n_pools; i++)
			if (cfg_vip_uses_pool(&cfg->vips[v], i))
				np[i].af = cfg->vips[v].af;
	for (uint32_t o = 0; o < m->n_pools; o++) {
		struct mpool *op = &m->pools[o];
		uint32_t i;

		for (i = 0; i < cfg->n_pools; i++)
			if (strcmp(np[i].name, op->name) == 0)
				break;
		if (i == cfg->n_pools) {
			for (uint32_t k = 0; k < op->n; k++)
				emit(m, op->name, op->inst[k]->name,
				     op->inst[k]->drained ? "drained" : state_of(op->inst[k]),
				     "removed", "pool removed from the config");
			pool_clear(m, op);
			any = 1;
			continue;
		}
		/* the pool stays: its instances move over */
		np[i].inst = op->inst;
		np[i].n = op->n;
		np[i].cap = op->cap;
		np[i].panic = op->panic;
		for (uint32_t k = 0; k < np[i].n; k++) {
			struct cp_model_inst *inst = np[i].inst[k];
			const struct cfg_health *oh = &op->conf->health, *nh = &np[i].conf->health;

			inst->pool_index = i;
			if (memcmp(oh, nh, sizeof(*oh)) == 0)
				continue;
			cp_health_fsm_set_counts(&inst->fsm, (uint16_t)nh->rise,
						 (uint16_t)nh->fall);
			if (m->hooks.inst_removed)
				m->hooks.inst_removed(m->hooks.ctx, inst);
			if (nh->type == CFG_HEALTH_CHECK_NONE &&
			    inst->fsm.state != CP_HEALTH_FSM_HEALTHY) {
				const char *old = state_of(inst);

				inst->fsm.state = CP_HEALTH_FSM_HEALTHY;
				snprintf(inst->reason, sizeof(inst->reason),
					 "health checks turned off");
				emit(m, np[i].name, inst->name, old, state_of(inst), inst->reason);
				any = 1;
			}
			if (m->hooks.inst_added)
				m->hooks.inst_added(m->hooks.ctx, inst, np[i].conf);
		}
	}
	free(m->pools);
	m->pools = np;
	m->n_pools = cfg->n_pools;
	m->cfg = cfg;
	for (uint32_t i = 0; i < m->n_pools; i++) {
		int r = pool_merge(m, i, NO_SOURCE);

		if (r < 0)
			rc = r;
		else if (r > 0)
			any = 1;
	}
	if (any)
		changed(m);
	return rc;
}

static int pool_index_of(const struct cp_model *m, const char *pool)
{
	for (uint32_t i = 0; i < m->n_pools; i++)
		if (strcmp(m->pools[i].name, pool) == 0)
			return (int)i;
	return -1;
}

int cp_model_update(struct cp_model *m, enum cp_disc_source src, const char *pool,
		    const struct cp_disc_instance *v, uint32_t n)
{
	struct src_set *set = find_set(m, src, pool);
	struct cp_disc_instance *copy = NULL;
	int pi, r;

	if ((unsigned int)src >= CP_DISC_MAX || src == CP_DISC_STATIC)
		return -EINVAL;
	if (n) {
		copy = malloc(n * sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, v, n * sizeof(*copy));
	}
	if (!set) {
		if (m->n_sets == m->cap_sets) {
			uint32_t nc = m->cap_sets ? m->cap_sets * 2 : 8;
			struct src_set *ns = realloc(m->sets, nc * sizeof(*ns));

			if (!ns) {
				free(copy);
				return -ENOMEM;
			}
			m->sets = ns;
			m->cap_sets = nc;
		}
		set = &m->sets[m->n_sets++];
		memset(set, 0, sizeof(*set));
		snprintf(set->pool, sizeof(set->pool), "%s", pool);
		set->src = (uint8_t)src;
	}
	free(set->v);
	set->v = copy;
	set->n = n;
	pi = pool_index_of(m, pool);
	if (pi < 0 || !(m->pools[pi].uses & (1u << src)))
		return 0;
	r = pool_merge(m, (uint32_t)pi, src);
	if (r > 0)
		changed(m);
	return r < 0 ? r : 0;
}

void cp_model_health_result(struct cp_model *m, struct cp_model_inst *inst, bool ok,
			    const char *reason)
{
	struct mpool *p = &m->pools[inst->pool_index];
	struct cp_health_fsm_transition t;

	if (p->conf->health.type == CFG_HEALTH_CHECK_NONE)
		return;
	if (!cp_health_fsm_input(&inst->fsm, ok, reason, &t))
		return;
	snprintf(inst->reason, sizeof(inst->reason), "%s", t.reason);
	emit(m, p->name, inst->name, cp_health_fsm_state_name(t.old_state),
	     cp_health_fsm_state_name(t.new_state), t.reason);
	pool_select(m, p);
	/* serving may not change (panic), but down/up does: always rebuild */
	changed(m);
}

int cp_model_passive(struct cp_model *m, struct cp_model_inst *inst, uint64_t failures,
		     uint32_t window_ms)
{
	struct mpool *p = &m->pools[inst->pool_index];
	const struct cfg_health *h = &p->conf->health;
	struct cp_health_fsm_transition t;
	char why[CP_HEALTH_FSM_REASON_LEN];
	int moved;

	if (!h->passive_fall)
		return 0;
	if (failures >= h->passive_fall) {
		snprintf(why, sizeof(why),
			 "passive: %llu connect failures in %u ms (passive_fall %u)",
			 (unsigned long long)failures, window_ms, h->passive_fall);
		moved = cp_health_fsm_force_down(&inst->fsm, why, &t);
	} else if (h->type == CFG_HEALTH_CHECK_NONE && inst->fsm.state != CP_HEALTH_FSM_HEALTHY) {
		if (failures)
			snprintf(why, sizeof(why), "passive: %llu connect failures in %u ms",
				 (unsigned long long)failures, window_ms);
		else
			snprintf(why, sizeof(why), "passive: no connect failure in %u ms",
				 window_ms);
		moved = cp_health_fsm_input(&inst->fsm, failures == 0, why, &t);
	} else {
		return 0;
	}
	if (!moved)
		return 0;
	snprintf(inst->reason, sizeof(inst->reason), "%s", t.reason);
	emit(m, p->name, inst->name, cp_health_fsm_state_name(t.old_state),
	     cp_health_fsm_state_name(t.new_state), t.reason);
	pool_select(m, p);
	changed(m);
	return 1;
}

static struct cp_model_inst *find_inst(const struct mpool *p, const char *name)
{
	struct cp_model_inst *hit = NULL;
	char text[SL_NAME_LEN + 48];
	int n_hit = 0;

	for (uint32_t i = 0; i < p->n; i++)
		if (strcmp(p->inst[i]->name, name) == 0)
			return p->inst[i];
	for (uint32_t i = 0; i < p->n; i++) {
		default_name(text, sizeof(text), &p->inst[i]->addr, p->inst[i]->af,
			     p->inst[i]->port);
		if (strcmp(text, name) == 0)
			return p->inst[i];
	}
	for (uint32_t i = 0; i < p->n; i++) {
		default_name(text, sizeof(text), &p->inst[i]->addr, p->inst[i]->af, 0);
		if (strcmp(text, name) == 0) {
			hit = p->inst[i];
			n_hit++;
		}
	}
	return n_hit == 1 ? hit : NULL;
}

struct cp_model_inst *cp_model_find(const struct cp_model *m, const char *pool,
				    const char *instance)
{
	int pi = pool_index_of(m, pool);

	return pi < 0 ? NULL : find_inst(&m->pools[pi], instance);
}

int cp_model_drain(struct cp_model *m, const char *pool, const char *instance, bool drain,
		   char *why, size_t why_len)
{
	int pi = pool_index_of(m, pool);
	struct cp_model_inst *inst;
	struct mpool *p;

	if (pi < 0) {
		snprintf(why, why_len, "no pool \"%s\"", pool);
		return -ENOENT;
	}
	p = &m->pools[pi];
	inst = find_inst(p, instance);
	if (!inst) {
		snprintf(why, why_len, "no instance \"%s\" in pool \"%s\"", instance, pool);
		return -ENOENT;
	}
	if (!!inst->drained == drain)
		return 0;
	inst->drained = drain;
	snprintf(inst->reason, sizeof(inst->reason), "sluicectl %s", drain ? "drain" : "undrain");
	emit(m, p->name, inst->name, drain ? state_of(inst) : "drained",
	     drain ? "drained" : state_of(inst), inst->reason);
	pool_select(m, p);
	changed(m);
	return 0;
}

uint32_t cp_model_pool_instances(const struct cp_model *m, uint32_t pool_index,
				 struct cp_model_inst *const **out)
{
	if (pool_index >= m->n_pools) {
		*out = NULL;
		return 0;
	}
	*out = m->pools[pool_index].inst;
	return m->pools[pool_index].n;
}

bool cp_model_pool_panic(const struct cp_model *m, uint32_t pool_index)
{
	return pool_index < m->n_pools && m->pools[pool_index].panic;
}

uint32_t cp_model_pool_refused(const struct cp_model *m, uint32_t pool_index)
{
	return pool_index < m->n_pools ? m->pools[pool_index].n_refused : 0;
}

int cp_model_view(const struct cp_model *m, struct cfg *out)
{
	const struct cfg *cfg = m->cfg;

	*out = *cfg;
	out->pools = calloc(cfg->n_pools ? cfg->n_pools : 1, sizeof(*out->pools));
	if (!out->pools)
		return -ENOMEM;
	for (uint32_t i = 0; i < cfg->n_pools; i++) {
		const struct mpool *p = &m->pools[i];
		struct cfg_pool *pc = &out->pools[i];

		*pc = cfg->pools[i];
		pc->backends = NULL;
		pc->n_backends = p->n;
		if (!p->n)
			continue;
		pc->backends = calloc(p->n, sizeof(*pc->backends));
		if (!pc->backends) {
			cp_model_view_free(out);
			return -ENOMEM;
		}
		for (uint32_t k = 0; k < p->n; k++) {
			const struct cp_model_inst *inst = p->inst[k];
			struct cfg_backend *b = &pc->backends[k];

			memcpy(b->name, inst->name, sizeof(b->name));
			b->addr = inst->addr;
			b->af = inst->af;
			b->port = inst->port;
			b->weight = inst->serving ? inst->weight : 0;
			/* dead (and not rescued by panic): flows move at once */
			b->down = !(p->panic || inst->fsm.state == CP_HEALTH_FSM_HEALTHY);
		}
	}
	return 0;
}

void cp_model_view_free(struct cfg *view)
{
	for (uint32_t i = 0; view->pools && i < view->n_pools; i++)
		free(view->pools[i].backends);
	free(view->pools);
	memset(view, 0, sizeof(*view));
}

int cp_model_event_json(const struct cp_model_event *e, uint64_t realtime_ns, char *buf, size_t len)
{
	time_t sec = (time_t)(realtime_ns / 1000000000ull);
	char ts[40];
	struct tm tm;
	json_t *o;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03uZ",
		 (unsigned int)(realtime_ns / 1000000ull % 1000ull));
	o = json_object();
	if (!o)
		return -ENOMEM;
	if (json_object_set_new(o, "ts", json_string(ts)) ||
	    json_object_set_new(o, "event", json_string(e->event)) ||
	    json_object_set_new(o, "pool", json_string(e->pool)) ||
	    (e->instance && json_object_set_new(o, "instance", json_string(e->instance))) ||
	    json_object_set_new(o, "old", json_string(e->old_state)) ||
	    json_object_set_new(o, "new", json_string(e->new_state)) ||
	    json_object_set_new(o, "reason", json_string(e->reason ? e->reason : ""))) {
		json_decref(o);
		return -ENOMEM;
	}
	n = json_dumpb(o, buf, len, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (n == 0)
		return -ENOMEM;
	if (n >= len)
		return -ENOSPC;
	buf[n] = '\0';
	return (int)n;
}
