/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key table of the etcd provider. Pools are a small array searched
 * linearly (tens of them); a pool's entries are found by key through a
 * hash index, so a burst of n puts into one pool costs n steps, not n^2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_etcd_json.h"
#include "cp_etcd_kvt.h"
#include "sl_hash.h"

#define IX_GONE UINT32_MAX /* a removed entry's slot: lookups go on past it */

int cp_etcd_kvt_init(struct cp_etcd_kvt *t, const char *prefix, const struct cp_disc_sink *sink)
{
	memset(t, 0, sizeof(*t));
	t->prefix = strdup(prefix);
	if (!t->prefix)
		return -ENOMEM;
	t->prefix_len = strlen(prefix);
	t->sink = *sink;
	return 0;
}

static void pool_free(struct cp_etcd_pool *p)
{
	for (uint32_t i = 0; i < p->n; i++)
		free(p->e[i].key);
	free(p->e);
	free(p->ix);
	p->e = NULL;
	p->ix = NULL;
	p->n = p->cap = p->ix_cap = p->ix_used = 0;
}

static uint32_t key_hash(const char *key)
{
	return (uint32_t)sl_hash_bytes(key, strlen(key), 0);
}

/* The index slot holding @key, or the first free one on its probe path (NULL: no index). */
static uint32_t *ix_slot(const struct cp_etcd_pool *p, const char *key, int want_free)
{
	uint32_t *gone = NULL;

	if (!p->ix_cap)
		return NULL;
	for (uint32_t i = key_hash(key) & (p->ix_cap - 1);; i = (i + 1) & (p->ix_cap - 1)) {
		uint32_t v = p->ix[i];

		if (v == 0)
			return want_free ? (gone ? gone : &p->ix[i]) : NULL;
		if (v == IX_GONE) {
			if (!gone)
				gone = &p->ix[i];
			continue;
		}
		if (strcmp(p->e[v - 1].key, key) == 0)
			return &p->ix[i];
	}
}

/* Rebuild the index for @want entries (at most half full, no tombstones). 0 or -ENOMEM. */
static int ix_rebuild(struct cp_etcd_pool *p, uint32_t want)
{
	uint32_t cap = 16, *ix;

	while (cap < 2 * want + 2)
		cap *= 2;
	ix = calloc(cap, sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	free(p->ix);
	p->ix = ix;
	p->ix_cap = cap;
	p->ix_used = 0;
	for (uint32_t i = 0; i < p->n; i++) {
		*ix_slot(p, p->e[i].key, 1) = i + 1;
		p->ix_used++;
	}
	return 0;
}

void cp_etcd_kvt_fini(struct cp_etcd_kvt *t)
{
	for (uint32_t i = 0; i < t->n_pools; i++)
		pool_free(&t->pools[i]);
	free(t->pools);
	free(t->prefix);
	memset(t, 0, sizeof(*t));
}

static void report_error(struct cp_etcd_kvt *t, const char *pool, const char *key, const char *what)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "key %.200s: %s", key, what);
	t->bad_values++;
	if (t->sink.error)
		t->sink.error(t->sink.ctx, CP_DISC_ETCD, pool, msg);
}

/*
 * Split <prefix><pool>/.../<instance> into @pool and @inst. 0, or -EINVAL
 * with @why.
 */
static int split_key(const struct cp_etcd_kvt *t, const char *key, char *pool, char *inst,
		     const char **why)
{
	const char *rest, *slash, *last;
	size_t plen, ilen;

	pool[0] = inst[0] = '\0';
	if (strncmp(key, t->prefix, t->prefix_len) != 0) {
		*why = "not under the prefix";
		return -EINVAL;
	}
	rest = key + t->prefix_len;
	slash = strchr(rest, '/');
	if (!slash) {
		*why = "not <prefix><pool>/<instance>";
		return -EINVAL;
	}
	plen = (size_t)(slash - rest);
	last = strrchr(rest, '/') + 1;
	ilen = strlen(last);
	if (plen == 0 || ilen == 0) {
		*why = "empty pool or instance name";
		return -EINVAL;
	}
	if (plen >= SL_NAME_LEN || ilen >= SL_NAME_LEN) {
		*why = "pool or instance name longer than 31 bytes";
		return -EINVAL;
	}
	memcpy(pool, rest, plen);
	pool[plen] = '\0';
	memcpy(inst, last, ilen + 1);
	return 0;
}

static struct cp_etcd_pool *pool_find(struct cp_etcd_kvt *t, const char *name, int create)
{
	struct cp_etcd_pool *p;

	for (uint32_t i = 0; i < t->n_pools; i++)
		if (strcmp(t->pools[i].name, name) == 0)
			return &t->pools[i];
	if (!create)
		return NULL;
	if (t->n_pools == t->cap_pools) {
		uint32_t cap = t->cap_pools ? t->cap_pools * 2 : 8;
		struct cp_etcd_pool *np = realloc(t->pools, cap * sizeof(*np));

		if (!np)
			return NULL;
		t->pools = np;
		t->cap_pools = cap;
	}
	p = &t->pools[t->n_pools++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	return p;
}

static struct cp_etcd_entry *entry_find(struct cp_etcd_pool *p, const char *key)
{
	uint32_t *slot = ix_slot(p, key, 0);

	return slot ? &p->e[*slot - 1] : NULL;
}

int cp_etcd_kvt_put(struct cp_etcd_kvt *t, const char *key, const char *value, size_t len,
		    const char *bad)
{
	char pool[SL_NAME_LEN], inst_name[SL_NAME_LEN], why[200];
	struct cp_disc_instance inst;
	struct cp_etcd_pool *p;
	struct cp_etcd_entry *e;
	const char *kwhy;

	if (split_key(t, key, pool, inst_name, &kwhy) != 0) {
		report_error(t, NULL, key, kwhy);
		return 0;
	}
	p = pool_find(t, pool, 0);
	e = p ? entry_find(p, key) : NULL;
	if (!bad && cp_etcd_json_value(value, len, &inst, why, sizeof(why)) != 0)
		bad = why;
	if (bad) {
		/* nothing changes: a good value stays, and survives a full read */
		if (e)
			e->seen = 1;
		report_error(t, pool, key, bad);
		return 0;
	}
	snprintf(inst.name, sizeof(inst.name), "%s", inst_name);
	if (!p) {
		p = pool_find(t, pool, 1);
		if (!p)
			return -ENOMEM;
	}
	if (!e) {
		if ((p->ix_used + 1) * 2 > p->ix_cap && ix_rebuild(p, p->n + 1) != 0)
			return -ENOMEM;
		if (p->n == p->cap) {
			uint32_t cap = p->cap ? p->cap * 2 : 8;
			struct cp_etcd_entry *ne = realloc(p->e, cap * sizeof(*ne));

			if (!ne)
				return -ENOMEM;
			p->e = ne;
			p->cap = cap;
		}
		e = &p->e[p->n];
		memset(e, 0, sizeof(*e));
		e->key = strdup(key);
		if (!e->key)
			return -ENOMEM;
		{
			uint32_t *slot = ix_slot(p, key, 1);

			if (*slot == 0)
				p->ix_used++;
			*slot = p->n + 1;
		}
		p->n++;
		p->dirty = 1;
	} else if (memcmp(&e->inst, &inst, sizeof(inst)) != 0) {
		p->dirty = 1;
	}
	e->inst = inst;
	e->seen = 1;
	return 0;
}

static void entry_remove(struct cp_etcd_pool *p, struct cp_etcd_entry *e)
{
	uint32_t at = (uint32_t)(e - p->e), last = p->n - 1;

	*ix_slot(p, e->key, 0) = IX_GONE;
	free(e->key);
	if (at != last) {
		/* the last entry moves into the hole: its index slot follows */
		*e = p->e[last];
		*ix_slot(p, e->key, 0) = at + 1;
	}
	p->n--;
	p->dirty = 1;
}

void cp_etcd_kvt_delete(struct cp_etcd_kvt *t, const char *key)
{
	for (uint32_t i = 0; i < t->n_pools; i++) {
		struct cp_etcd_entry *e = entry_find(&t->pools[i], key);

		if (e) {
			entry_remove(&t->pools[i], e);
			return;
		}
	}
}

void cp_etcd_kvt_begin_full(struct cp_etcd_kvt *t)
{
	for (uint32_t i = 0; i < t->n_pools; i++)
		for (uint32_t k = 0; k < t->pools[i].n; k++)
			t->pools[i].e[k].seen = 0;
}

void cp_etcd_kvt_end_full(struct cp_etcd_kvt *t)
{
	for (uint32_t i = 0; i < t->n_pools; i++) {
		struct cp_etcd_pool *p = &t->pools[i];

		for (uint32_t k = 0; k < p->n;) {
			if (!p->e[k].seen)
				entry_remove(p, &p->e[k]);
			else
				k++;
		}
		p->dirty = 1;
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct cp_disc_instance *)a)->name,
		      ((const struct cp_disc_instance *)b)->name);
}

int cp_etcd_kvt_flush(struct cp_etcd_kvt *t)
{
	for (uint32_t i = 0; i < t->n_pools;) {
		struct cp_etcd_pool *p = &t->pools[i];
		struct cp_disc_instance *v = NULL;

		if (!p->dirty || (p->n == 0 && !p->reported)) {
			p->dirty = 0;
			goto next;
		}
		if (p->n) {
			v = malloc(p->n * sizeof(*v));
			if (!v)
				return -ENOMEM;
			for (uint32_t k = 0; k < p->n; k++)
				v[k] = p->e[k].inst;
			/* a stable order: the sink may compare sets */
			qsort(v, p->n, sizeof(*v), by_name);
		}
		if (t->sink.update)
			t->sink.update(t->sink.ctx, CP_DISC_ETCD, p->name, v, p->n);
		free(v);
		p->dirty = 0;
		p->reported = 1;
	next:
		if (p->n == 0) { /* reported empty (or never reported): forget it */
			pool_free(p);
			t->pools[i] = t->pools[--t->n_pools];
			continue;
		}
		i++;
	}
	return 0;
}
