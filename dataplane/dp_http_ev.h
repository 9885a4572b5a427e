/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request records of HTTP connections (common/sl_event_types.h). A
 * context has two records in the making, by its index: the request whose
 * head is read or that waits for its instance, and the request whose
 * response is followed. The HTTP worker calls these at the points of a
 * request's life (dp_worker_http.c); each is a few stores, and the record
 * goes into the worker's ring when the response ends or the appliance
 * answers. Nothing here when the worker writes no request records.
 */
#ifndef DP_HTTP_EV_H
#define DP_HTTP_EV_H

#include <stdint.h>

#include "dp_conn.h"
#include "dp_http_ctx.h"
#include "dp_types.h"

/* Records for the @n contexts of @w's HTTP worker (freed with it): 0 or -ENOMEM. */
int dp_http_ev_init(struct dp_worker *w, uint32_t n);

/* The head of the waiting request is complete: its route is x->want_route, instance x->want. */
void dp_http_ev_head(struct dp_worker *w, const struct dp_conn *c, const struct dp_http_ctx *x);

/* The waiting request's instance answered its SYN. */
void dp_http_ev_connected(struct dp_worker *w, const struct dp_http_ctx *x);

/* The waiting request went on to c->backend: its response is followed from now. */
void dp_http_ev_goes(struct dp_worker *w, const struct dp_conn *c, const struct dp_http_ctx *x);

/*
 * The waiting request goes with the X-Request-Id @id (@len bytes) the
 * appliance added: its record names it unless the client sent its own.
 */
void dp_http_ev_request_id(struct dp_worker *w, const struct dp_http_ctx *x, const char *id,
			   uint32_t len);

/*
 * The request whose response is followed ended after @n bytes of the
 * client's (head and body): a chunked body's length is known only now.
 */
void dp_http_ev_request_bytes(struct dp_worker *w, const struct dp_http_ctx *x, uint32_t n);

/* @len bytes of the followed response, not seen before. */
void dp_http_ev_response(struct dp_worker *w, const struct dp_http_ctx *x, uint32_t len);

/* The followed response is complete (status x->resp.status): its record. */
void dp_http_ev_done(struct dp_worker *w, const struct dp_http_ctx *x);

/* The appliance answers the waiting request with @a (enum dp_http_answer): its record. */
void dp_http_ev_answered(struct dp_worker *w, const struct dp_conn *c, const struct dp_http_ctx *x,
			 unsigned int a, unsigned int reason);

#endif /* DP_HTTP_EV_H */
