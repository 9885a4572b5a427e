/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request records of HTTP connections (dp_http_ev.h): filled as the
 * request goes, copied into the worker's ring at its end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp_http_answer.h"
#include "dp_http_ev.h"
#include "dp_worker_http.h"

enum { EV_WAIT = 0, EV_OPEN = 1 };

static inline struct sl_ev_request *rec(struct dp_worker *w, const struct dp_http_ctx *x,
					unsigned int which)
{
	struct dp_http_worker *h = w->http;

	if (!h->ev)
		return NULL;
	return &h->ev[(size_t)(x - h->pool->ctx) * 2 + which];
}

int dp_http_ev_init(struct dp_worker *w, uint32_t n)
{
	struct dp_http_worker *h = w->http;

	h->ev = calloc((size_t)n * 2, sizeof(*h->ev));
	return h->ev ? 0 : -ENOMEM;
}

/* Copy @len bytes of @src into @dst of @cap; the length kept, and @flag in *@flags when cut. */
static uint8_t bounded(char *dst, size_t cap, const char *src, size_t len, uint8_t *flags,
		       uint8_t flag)
{
	if (len > cap) {
		len = cap;
		*flags |= flag;
	}
	memcpy(dst, src, len);
	return (uint8_t)len;
}

/* What the request head says, and where the request comes from. */
static void fill(struct dp_worker *w, struct sl_ev_request *r, const struct dp_conn *c,
		 const struct dp_http_ctx *x)
{
	uint32_t plen = x->req.path_len;

	memset(r, 0, offsetof(struct sl_ev_request, method));
	r->kind = SL_EV_REQUEST;
	r->mode = SL_MODE_HTTP;
	r->key = c->key[DP_CONN_ORIG];
	r->vip = c->vip;
	r->worker = w->ev.worker;
	r->route = x->want_route;
	r->backend = x->want;
	r->start_tsc = w->now;
	r->req_bytes = x->req.head_len + x->req.length;
	r->method_len = bounded(r->method, sizeof(r->method), x->req.method, x->req.method_len,
				&r->flags, 0);
	r->host_len = bounded(r->host, sizeof(r->host), x->req.host, x->req.host_len, &r->flags,
			      SL_EV_F_HOST_CUT);
	if (plen > sizeof(r->path)) {
		plen = sizeof(r->path);
		r->flags |= SL_EV_F_PATH_CUT;
	}
	memcpy(r->path, x->req.path, plen);
	r->path_len = (uint16_t)plen;
	if (x->req.flags & DP_HTTP_F_PATH_CUT)
		r->flags |= SL_EV_F_PATH_CUT;
	if (x->req.flags & DP_HTTP_F_RID) {
		r->rid_len = bounded(r->request_id, sizeof(r->request_id), x->req.request_id,
				     x->req.rid_len, &r->flags, SL_EV_F_RID_CUT);
		if (x->req.flags & DP_HTTP_F_RID_CUT)
			r->flags |= SL_EV_F_RID_CUT;
	}
}

void dp_http_ev_head(struct dp_worker *w, const struct dp_conn *c, const struct dp_http_ctx *x)
{
	struct sl_ev_request *r = rec(w, x, EV_WAIT);

	if (r)
		fill(w, r, c, x);
}

void dp_http_ev_connected(struct dp_worker *w, const struct dp_http_ctx *x)
{
	struct sl_ev_request *r = rec(w, x, EV_WAIT);

	if (r)
		r->connect_tsc = w->now;
}

void dp_http_ev_goes(struct dp_worker *w, const struct dp_conn *c, const struct dp_http_ctx *x)
{
	struct sl_ev_request *r = rec(w, x, EV_WAIT), *o = rec(w, x, EV_OPEN);

	if (!r)
		return;
	r->backend = c->backend;
	r->backend_uid = c->backend_uid;
	r->retries = (uint8_t)(x->retries + (x->tried ? x->tried - 1 : 0));
	memcpy(o, r, sizeof(*o));
	memset(r, 0, offsetof(struct sl_ev_request, method));
}

void dp_http_ev_response(struct dp_worker *w, const struct dp_http_ctx *x, uint32_t len)
{
	struct sl_ev_request *o = rec(w, x, EV_OPEN);

	if (!o)
		return;
	if (!o->first_byte_tsc)
		o->first_byte_tsc = w->now;
	o->resp_bytes += len;
}

void dp_http_ev_request_id(struct dp_worker *w, const struct dp_http_ctx *x, const char *id,
			   uint32_t len)
{
	struct sl_ev_request *r = rec(w, x, EV_WAIT);

	if (r && r->kind == SL_EV_REQUEST && !r->rid_len)
		r->rid_len = bounded(r->request_id, sizeof(r->request_id), id, len, &r->flags,
				     SL_EV_F_RID_CUT);
}

void dp_http_ev_request_bytes(struct dp_worker *w, const struct dp_http_ctx *x, uint32_t n)
{
	struct sl_ev_request *o = rec(w, x, EV_OPEN);

	if (o && o->kind == SL_EV_REQUEST)
		o->req_bytes = n;
}

static void emit(struct dp_worker *w, const struct sl_ev_request *r)
{
	union sl_event *ev = dp_ev_reserve(&w->ev, SL_EV_REQUEST);

	if (!ev)
		return;
	memcpy(&ev->req, r, sizeof(ev->req));
	dp_ev_commit(&w->ev);
}

void dp_http_ev_done(struct dp_worker *w, const struct dp_http_ctx *x)
{
	struct sl_ev_request *o = rec(w, x, EV_OPEN);

	if (!o || o->kind != SL_EV_REQUEST)
		return;
	o->status = x->resp.status;
	o->end_tsc = w->now;
	emit(w, o);
	o->kind = SL_EV_NONE;
}

void dp_http_ev_answered(struct dp_worker *w, const struct dp_conn *c, const struct dp_http_ctx *x,
			 unsigned int a, unsigned int reason)
{
	struct sl_ev_request *r = rec(w, x, EV_WAIT);

	if (!r)
		return;
	if (r->kind != SL_EV_REQUEST) /* no complete head: what was read of it */
		fill(w, r, c, x);
	r->backend = SL_BACKEND_NONE;
	r->backend_uid = 0;
	r->answer = (uint8_t)(reason + 1);
	r->status = (uint16_t)dp_http_answer_status(a);
	r->retries = (uint8_t)(x->retries + (x->tried ? x->tried - 1 : 0));
	r->end_tsc = w->now;
	emit(w, r);
	r->kind = SL_EV_NONE;
}
