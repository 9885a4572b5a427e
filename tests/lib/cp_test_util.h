/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers for the control-plane unit tests: an in-memory segment laid out
 * by sl_shm_layout() and a config built in code (the loader is tested on
 * its own).
 */
#ifndef CP_TEST_UTIL_H
#define CP_TEST_UTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_types.h"
#include "sl_shm.h"

static inline struct sl_shm_header *cpt_segment(uint32_t workers, uint32_t backends,
						uint32_t maglev)
{
	struct sl_shm_geometry g = {workers, 2, 8, 4, backends, maglev};
	struct sl_shm_header layout, *h;
	char why[128];

	if (sl_shm_layout(&g, &layout, why, sizeof(why)) != 0) {
		fprintf(stderr, "layout: %s\n", why);
		abort();
	}
	h = aligned_alloc(4096, layout.total_bytes);
	if (!h)
		abort();
	memset(h, 0, layout.total_bytes);
	memcpy(h, &layout, sizeof(layout));
	return h;
}

static inline void cpt_addr(struct sl_addr *a, uint8_t *af, const char *text)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET6, text, a->a8) == 1) {
		*af = SL_AF_INET6;
		return;
	}
	uint32_t v4;

	if (inet_pton(AF_INET, text, &v4) != 1)
		abort();
	sl_addr_from_v4(a, v4);
	*af = SL_AF_INET;
}

/* Append a backend to pool @p (allocated with room for 64). */
static inline void cpt_backend(struct cfg_pool *p, const char *addr, uint16_t port, uint32_t weight)
{
	struct cfg_backend *b;

	if (!p->backends)
		p->backends = calloc(64, sizeof(*p->backends));
	b = &p->backends[p->n_backends++];
	memset(b, 0, sizeof(*b));
	cpt_addr(&b->addr, &b->af, addr);
	b->port = port;
	b->weight = weight;
	snprintf(b->name, sizeof(b->name), "%s:%u", addr, port);
}

static inline void cpt_remove_backend(struct cfg_pool *p, uint32_t i)
{
	memmove(&p->backends[i], &p->backends[i + 1],
		(p->n_backends - i - 1) * sizeof(p->backends[0]));
	p->n_backends--;
}

static inline struct cfg_pool *cpt_pool(struct cfg *c, const char *name)
{
	struct cfg_pool *p;

	if (!c->pools)
		c->pools = calloc(8, sizeof(*c->pools));
	p = &c->pools[c->n_pools++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	return p;
}

static inline struct cfg_vip *cpt_vip(struct cfg *c, const char *name, const char *addr,
				      uint16_t port, const char *pool)
{
	struct cfg_vip *v;

	if (!c->vips)
		c->vips = calloc(8, sizeof(*c->vips));
	v = &c->vips[c->n_vips++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	cpt_addr(&v->addr, &v->af, addr);
	v->port = port;
	v->proto = IPPROTO_TCP;
	v->mode = SL_MODE_TUNNEL;
	snprintf(v->pool, sizeof(v->pool), "%s", pool);
	return v;
}

static inline void cpt_config_free(struct cfg *c)
{
	for (uint32_t i = 0; i < c->n_pools; i++)
		free(c->pools[i].backends);
	free(c->pools);
	free(c->vips);
	memset(c, 0, sizeof(*c));
}

#endif /* CP_TEST_UTIL_H */
