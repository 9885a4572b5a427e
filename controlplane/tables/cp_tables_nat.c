/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Step 3b of a table build (cp_tables_priv.h): the slot's full-NAT source
 * addresses and each nat VIP's run of them. A run is one list's addresses
 * of one family (nat.sources' IPv4 ones, its IPv6 ones, then each nat VIP's
 * own list the same way), contiguous, because a VIP names its sources as
 * first + count; every VIP using a list shares its run, and the config
 * gives an address to one list only, so no address has its ports handed
 * out twice.
 *
 * The dataplane counts the ports in use per source index, and a connection
 * remembers the index it took, so a source keeps the index it had in the
 * last build (or in the adopted slot) whenever its run can stay where it
 * was: runs are placed, the most settled first, at the free block that
 * keeps the most of their members in place; the members that were there
 * keep their index, the rest fill the block's other entries in config
 * order. Only when the blocks left cannot hold a run is everything laid
 * out afresh in config order (counted as moves). The array has no holes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cp_tables_priv.h"
#include "sl_why.h"

struct nat_run {
	const struct cfg_nat_sources *list;
	uint8_t af;
	uint32_t n;			      /* members: the list's addresses of family af */
	uint32_t first;			      /* where the run starts in the slot */
	uint32_t held;			      /* members the last build had at some index */
	uint32_t order;			      /* config order */
	uint16_t member[CFG_NAT_SOURCES_MAX]; /* indices into list->a */
};

struct nat_layout {
	struct nat_run run[SL_MAX_NAT_SOURCES_LIMIT];
	uint32_t n_runs;
	uint32_t total;
};

/* The index the last build gave @a, or -1. */
static int prev_index(const struct cp_tables *t, const struct sl_addr *a)
{
	for (uint32_t i = 0; i < t->n_nat_prev; i++)
		if (memcmp(&t->nat_prev[i], a, sizeof(*a)) == 0)
			return (int)i;
	return -1;
}

/* The run of @list's addresses of family @af, appended unless empty. -ENOSPC past the limit. */
static int add_run(struct nat_layout *l, const struct cp_tables *t,
		   const struct cfg_nat_sources *list, uint8_t af)
{
	struct nat_run *r = &l->run[l->n_runs];

	memset(r, 0, sizeof(*r));
	r->list = list;
	r->af = af;
	r->order = l->n_runs;
	for (uint32_t i = 0; i < list->n; i++) {
		if (list->a[i].af != af)
			continue;
		r->member[r->n++] = (uint16_t)i;
		r->held += prev_index(t, &list->a[i].addr) >= 0;
	}
	if (!r->n)
		return 0;
	if (l->total + r->n > SL_MAX_NAT_SOURCES_LIMIT)
		return -ENOSPC;
	l->total += r->n;
	l->n_runs++;
	return 0;
}

/* The run VIP @v uses: its own list's, else nat.sources', of its family. */
static const struct nat_run *run_of(const struct nat_layout *l, const struct cfg *cfg,
				    const struct cfg_vip *v)
{
	const struct cfg_nat_sources *list = v->nat_sources.n ? &v->nat_sources : &cfg->nat.sources;

	for (uint32_t i = 0; i < l->n_runs; i++)
		if (l->run[i].list == list && l->run[i].af == v->af)
			return &l->run[i];
	return NULL;
}

static int by_held(const void *a, const void *b)
{
	const struct nat_run *x = *(const struct nat_run *const *)a;
	const struct nat_run *y = *(const struct nat_run *const *)b;

	if (x->held != y->held)
		return x->held > y->held ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Members of @r whose last index lies in [@s, @s + r->n). */
static uint32_t kept_at(const struct cp_tables *t, const struct nat_run *r, uint32_t s)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < r->n; i++) {
		int p = prev_index(t, &r->list->a[r->member[i]].addr);

		k += p >= (int)s && p < (int)(s + r->n);
	}
	return k;
}

/*
 * Place every run at the free block keeping the most members, the most
 * settled runs first. 0, or -ENOSPC when fragmentation left some run no
 * block (the caller lays everything out afresh).
 */
static int place_stable(struct nat_layout *l, const struct cp_tables *t)
{
	struct nat_run *sorted[SL_MAX_NAT_SOURCES_LIMIT];
	uint8_t used[SL_MAX_NAT_SOURCES_LIMIT] = {0};

	for (uint32_t i = 0; i < l->n_runs; i++)
		sorted[i] = &l->run[i];
	qsort(sorted, l->n_runs, sizeof(sorted[0]), by_held);
	for (uint32_t i = 0; i < l->n_runs; i++) {
		struct nat_run *r = sorted[i];
		int64_t best = -1;
		uint32_t best_kept = 0;

		for (uint32_t s = 0; s + r->n <= l->total; s++) {
			uint32_t j, k;

			for (j = 0; j < r->n && !used[s + j]; j++)
				;
			if (j < r->n)
				continue;
			k = kept_at(t, r, s);
			if (best < 0 || k > best_kept) {
				best = s;
				best_kept = k;
			}
		}
		if (best < 0)
			return -ENOSPC;
		r->first = (uint32_t)best;
		memset(&used[r->first], 1, r->n);
	}
	return 0;
}

static const char *addr_text(const struct cfg_nat_source *cs, char *buf, size_t len)
{
	if (cs->af == SL_AF_INET)
		return inet_ntop(AF_INET, &cs->addr.a32[3], buf, (socklen_t)len);
	return inet_ntop(AF_INET6, cs->addr.a8, buf, (socklen_t)len);
}

/*
 * The sources of @r into their entries of @out (@stable: members already
 * in the block keep their entry), each with its port and the configured
 * range. Returns how many sat at another index in the last build, or
 * -EINVAL naming a source the resolver places on no port.
 */
static int write_run(const struct cp_tables_job *b, const struct nat_run *r, int stable,
		     struct sl_nat_source *out)
{
	uint8_t taken[CFG_NAT_SOURCES_MAX] = {0}, filled[CFG_NAT_SOURCES_MAX] = {0};
	uint16_t member_at[CFG_NAT_SOURCES_MAX];
	char text[INET6_ADDRSTRLEN];
	uint32_t next = 0;
	int moved = 0;

	for (uint32_t i = 0; stable && i < r->n; i++) {
		int p = prev_index(b->t, &r->list->a[r->member[i]].addr);

		if (p >= (int)r->first && p < (int)(r->first + r->n)) {
			taken[i] = 1;
			filled[p - r->first] = 1;
			member_at[p - r->first] = r->member[i];
		}
	}
	for (uint32_t i = 0; i < r->n; i++) {
		if (taken[i])
			continue;
		while (filled[next])
			next++;
		filled[next] = 1;
		member_at[next] = r->member[i];
	}
	for (uint32_t j = 0; j < r->n; j++) {
		const struct cfg_nat_source *cs = &r->list->a[member_at[j]];
		struct sl_nat_source *e = &out[r->first + j];
		int p = prev_index(b->t, &cs->addr), rc;

		moved += p >= 0 && p != (int)(r->first + j);
		rc = b->t->nat_port ? b->t->nat_port(b->t->nat_port_ctx, &cs->addr, &e->tx_port)
				    : -ENODEV;

		if (rc)
			return sl_why(b->why, b->why_len, -EINVAL,
				      "nat source %s: on no dataplane port's subnet",
				      addr_text(cs, text, sizeof(text)));
		e->addr = cs->addr;
		e->af = cs->af;
		e->port_min = (uint16_t)b->cfg->nat.port_min;
		e->port_max = (uint16_t)b->cfg->nat.port_max;
	}
	return moved;
}

int cp_tables_fill_nat(struct cp_tables_job *b)
{
	const struct cfg *cfg = b->cfg;
	struct sl_shm_header *h = b->h;
	struct sl_nat_source *out = sl_slot_nat_sources(h, b->slot);
	struct sl_vip *vips = sl_slot_vips(h, b->slot);
	struct nat_layout *l = calloc(1, sizeof(*l));
	int rc = 0, stable;

	if (!l)
		return sl_why(b->why, b->why_len, -ENOMEM, "no memory for the NAT sources");
	memset(out, 0, (size_t)h->max_nat_sources * sizeof(*out));
	rc = add_run(l, b->t, &cfg->nat.sources, SL_AF_INET);
	if (!rc)
		rc = add_run(l, b->t, &cfg->nat.sources, SL_AF_INET6);
	for (uint32_t i = 0; !rc && i < cfg->n_vips; i++)
		if (sl_mode_is_nat(cfg->vips[i].mode) && cfg->vips[i].nat_sources.n) {
			rc = add_run(l, b->t, &cfg->vips[i].nat_sources, SL_AF_INET);
			if (!rc)
				rc = add_run(l, b->t, &cfg->vips[i].nat_sources, SL_AF_INET6);
		}
	if (rc || l->total > h->max_nat_sources) {
		rc = sl_why(b->why, b->why_len, -ENOSPC,
			    "%u NAT source addresses or more, the segment holds %u", l->total,
			    h->max_nat_sources);
		goto out;
	}
	stable = place_stable(l, b->t) == 0;
	if (!stable)
		for (uint32_t i = 0, s = 0; i < l->n_runs; s += l->run[i].n, i++)
			l->run[i].first = s;
	for (uint32_t i = 0; i < l->n_runs; i++) {
		rc = write_run(b, &l->run[i], stable, out);
		if (rc < 0)
			goto out;
		b->sum->n_nat_moved += (uint32_t)rc;
	}
	rc = 0;
	for (uint32_t i = 0; i < cfg->n_vips; i++) {
		const struct nat_run *r;

		if (!sl_mode_is_nat(cfg->vips[i].mode))
			continue;
		r = run_of(l, cfg, &cfg->vips[i]);
		if (!r) { /* the loader refuses it: a view built by hand */
			rc = sl_why(b->why, b->why_len, -EINVAL,
				    "vip %s: mode nat without a source of its family",
				    cfg->vips[i].name);
			goto out;
		}
		vips[i].nat_src_first = (uint16_t)r->first;
		vips[i].nat_src_count = (uint16_t)r->n;
	}
	b->n_nat_sources = l->total;
	b->sum->n_nat_sources = l->total;
out:
	free(l);
	return rc;
}

void cp_tables_nat_remember(struct cp_tables_job *b)
{
	const struct sl_nat_source *src = sl_slot_nat_sources(b->h, b->slot);
	struct cp_tables *t = b->t;

	t->n_nat_prev = b->n_nat_sources;
	for (uint32_t i = 0; i < t->n_nat_prev; i++)
		t->nat_prev[i] = src[i].addr;
}

void cp_tables_nat_adopt(struct cp_tables *t, const struct sl_shm_header *h)
{
	unsigned int slot = SL_SLOT_OF(h->published);
	const struct sl_nat_source *src = sl_slot_nat_sources(h, slot);
	uint32_t n = sl_slot_hdr(h, slot)->n_nat_sources;

	if (n > h->max_nat_sources)
		n = h->max_nat_sources;
	t->n_nat_prev = h->published ? n : 0;
	for (uint32_t i = 0; i < t->n_nat_prev; i++)
		t->nat_prev[i] = src[i].addr;
}
