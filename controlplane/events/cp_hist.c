/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The set of histograms (cp_hist.h): entries in a growing array, found by
 * an open-addressing index over a hash of their key. Labels are bounded by
 * the tables (VIPs, routes, instances), so the set grows with the config,
 * not with the traffic.
 */
#include <stdlib.h>
#include <string.h>

#include "cp_hist.h"
#include "sl_hash.h"

struct cp_hist_set {
	struct cp_hist_entry **e; /* in the order made */
	size_t n, cap;
	uint32_t *index; /* entry + 1, 0: empty; index_cap slots, a power of two */
	size_t index_cap;
};

static uint64_t key_hash(const struct cp_hist_key *k)
{
	uint64_t h = sl_hash_bytes(k->vip, strlen(k->vip), k->kind);

	h = sl_hash_bytes(k->route, strlen(k->route), h);
	return sl_hash_mix(sl_hash_bytes(k->instance, strlen(k->instance), h));
}

static int key_eq(const struct cp_hist_key *a, const struct cp_hist_key *b)
{
	return a->kind == b->kind && !strcmp(a->vip, b->vip) && !strcmp(a->route, b->route) &&
	       !strcmp(a->instance, b->instance);
}

struct cp_hist_set *cp_hist_set_new(void)
{
	return calloc(1, sizeof(struct cp_hist_set));
}

void cp_hist_set_free(struct cp_hist_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->e[i]);
	free(s->e);
	free(s->index);
	free(s);
}

static int reindex(struct cp_hist_set *s, size_t cap)
{
	uint32_t *ix = calloc(cap, sizeof(*ix));

	if (!ix)
		return -1;
	for (size_t i = 0; i < s->n; i++) {
		size_t slot = key_hash(&s->e[i]->key) & (cap - 1);

		while (ix[slot])
			slot = (slot + 1) & (cap - 1);
		ix[slot] = (uint32_t)i + 1;
	}
	free(s->index);
	s->index = ix;
	s->index_cap = cap;
	return 0;
}

struct cp_hist_entry *cp_hist_get(struct cp_hist_set *s, const struct cp_hist_key *k)
{
	struct cp_hist_entry *e;
	size_t slot;

	if (s->index_cap) {
		for (slot = key_hash(k) & (s->index_cap - 1); s->index[slot];
		     slot = (slot + 1) & (s->index_cap - 1))
			if (key_eq(&s->e[s->index[slot] - 1]->key, k))
				return s->e[s->index[slot] - 1];
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct cp_hist_entry **ne = realloc(s->e, cap * sizeof(*ne));

		if (!ne)
			return NULL;
		s->e = ne;
		s->cap = cap;
	}
	if ((s->n + 1) * 2 > s->index_cap && reindex(s, s->index_cap ? 2 * s->index_cap : 32))
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->key = *k;
	s->e[s->n++] = e;
	for (slot = key_hash(k) & (s->index_cap - 1); s->index[slot];
	     slot = (slot + 1) & (s->index_cap - 1))
		;
	s->index[slot] = (uint32_t)s->n;
	return e;
}

int cp_hist_each(const struct cp_hist_set *s, int (*fn)(void *arg, const struct cp_hist_entry *e),
		 void *arg)
{
	int rc;

	for (size_t i = 0; i < s->n; i++) {
		rc = fn(arg, s->e[i]);
		if (rc)
			return rc;
	}
	return 0;
}

size_t cp_hist_count(const struct cp_hist_set *s)
{
	return s->n;
}
