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
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_types.h"
#include "sl_shm.h"
#include "tl_shm.h"

/* An in-memory segment of geometry @g, zeroed but for its header. */
static inline struct sl_shm_header *cpt_segment_of(const struct sl_shm_geometry *g)
{
	struct sl_shm_header *h = tl_shm_segment(g);

	if (!h)
		abort();
	return h;
}

/* 2 ports, 8 VIPs, 4 pools, no NAT source. */
static inline struct sl_shm_header *cpt_segment(uint32_t workers, uint32_t backends,
						uint32_t maglev)
{
	struct sl_shm_geometry g = {workers, 2, 8, 4, backends, maglev, 0};

	return cpt_segment_of(&g);
}

/* system() of a printf-formatted command line (at most 1023 bytes): its status. */
static inline int cpt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int cpt_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
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

/* Append @addr to a list of NAT sources (line 0). */
static inline void cpt_nat_source(struct cfg_nat_sources *l, const char *addr)
{
	struct cfg_nat_source *s = &l->a[l->n++];

	memset(s, 0, sizeof(*s));
	cpt_addr(&s->addr, &s->af, addr);
}

/* cp_nat_port_fn for tests without interfaces: every NAT source leaves on port 1. */
static inline int cpt_nat_port(void *ctx, const struct sl_addr *addr, uint16_t *tx_port)
{
	(void)ctx;
	(void)addr;
	*tx_port = 1;
	return 0;
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

/* An http VIP (SYN proxy, the default head bounds, a NAT source) with room for 8 routes. */
static inline struct cfg_vip *cpt_http_vip(struct cfg *c, const char *name, const char *addr,
					   const char *pool)
{
	struct cfg_vip *v = cpt_vip(c, name, addr, 80, pool);

	v->mode = SL_MODE_HTTP;
	v->synproxy = 1;
	v->http.head_max = 8192;
	v->http.head_timeout_ms = 5000;
	v->http.routes = calloc(8, sizeof(*v->http.routes));
	if (!v->http.routes)
		abort();
	/* full NAT's: nat.sources gets one of the VIP's family, on the test's backend subnet */
	{
		uint8_t af = strchr(addr, ':') ? SL_AF_INET6 : SL_AF_INET;
		int have = 0;

		for (uint32_t i = 0; i < c->nat.sources.n; i++)
			have |= c->nat.sources.a[i].af == af;
		if (!have)
			cpt_nat_source(&c->nat.sources,
				       af == SL_AF_INET6 ? "2001:2:0:1::50" : "198.18.1.50");
		if (!c->nat.port_max) {
			c->nat.port_min = 1024;
			c->nat.port_max = 65535;
		}
	}
	return v;
}

/* Append a route (@host NULL: any) to http VIP @v. */
static inline void cpt_route(struct cfg_vip *v, const char *host, const char *path,
			     const char *pool)
{
	struct cfg_route *r = &v->http.routes[v->http.n_routes++];
	const char *why;

	if (sl_route_key_make(host, path, &r->key, &why) != 0)
		abort();
	snprintf(r->pool, sizeof(r->pool), "%s", pool);
}

static inline void cpt_config_free(struct cfg *c)
{
	for (uint32_t i = 0; i < c->n_pools; i++)
		free(c->pools[i].backends);
	for (uint32_t i = 0; i < c->n_vips; i++)
		free(c->vips[i].http.routes);
	free(c->pools);
	free(c->vips);
	memset(c, 0, sizeof(*c));
}

#endif /* CP_TEST_UTIL_H */
