/* SPDX-License-Identifier: BSD-3-Clause */
/* The HTTP connections' contexts (see dp_http_ctx.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp_http_ctx.h"

struct dp_http_pool *dp_http_pool_create(uint32_t capacity)
{
	struct dp_http_pool *p;

	if (capacity == 0 || capacity > DP_HTTP_CTX_MAX) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p || posix_memalign((void **)&p->ctx, 64, (size_t)capacity * sizeof(*p->ctx))) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	/* touch every page now: no page fault on the fast path */
	memset(p->ctx, 0, (size_t)capacity * sizeof(*p->ctx));
	for (uint32_t i = 0; i < capacity; i++)
		p->ctx[i].next_free = i + 2 <= capacity ? i + 2 : 0;
	p->capacity = capacity;
	p->n_free = capacity;
	p->free_head = 1;
	return p;
}

void dp_http_pool_destroy(struct dp_http_pool *p)
{
	if (!p)
		return;
	for (uint32_t i = 0; i < p->capacity; i++)
		for (unsigned int k = 0; k < p->ctx[i].n_held; k++)
			rte_pktmbuf_free(p->ctx[i].held[k]);
	free(p->ctx);
	free(p);
}

uint32_t dp_http_ctx_take(struct dp_http_pool *p, uint32_t conn)
{
	uint32_t h = p->free_head;
	struct dp_http_ctx *x;

	if (h == DP_HTTP_NONE) {
		p->full++;
		return DP_HTTP_NONE;
	}
	x = &p->ctx[h - 1];
	p->free_head = x->next_free;
	p->n_free--;
	memset(x, 0, sizeof(*x));
	x->conn = conn;
	x->answer = 0xff;
	x->want_route = DP_HTTP_NO_ROUTE;
	x->route = DP_HTTP_NO_ROUTE;
	return h;
}

uint32_t dp_http_ctx_put(struct dp_http_pool *p, uint32_t h)
{
	struct dp_http_ctx *x = dp_http_ctx_of(p, h);
	uint32_t n;

	if (!x)
		return 0;
	n = x->n_held + x->n_pend;
	for (unsigned int k = 0; k < x->n_held; k++)
		rte_pktmbuf_free(x->held[k]);
	for (unsigned int k = 0; k < x->n_pend; k++)
		rte_pktmbuf_free(x->pend[k]);
	x->n_held = 0;
	x->n_pend = 0;
	x->next_free = p->free_head;
	p->free_head = h;
	p->n_free++;
	return n;
}
