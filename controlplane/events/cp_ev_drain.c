/* SPDX-License-Identifier: BSD-3-Clause */
/* Draining the workers' event rings (cp_ev_drain.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp_ev_drain.h"
#include "cp_ev_json.h"
#include "cp_log.h"
#include "sl_evring.h"
#include "sl_shm.h"

/* The names a record's indices have in the slot the dataplane follows (or the one before). */
struct names {
	struct cp_ev_names n;
	char vip[SL_NAME_LEN];
	char instance[SL_NAME_LEN];
	char route[SL_ROUTE_HOST_MAX + SL_ROUTE_PATH_MAX + 2];
	struct sl_addr addr;
};

static void copy_name(char *dst, const char *src)
{
	size_t n = strnlen(src, SL_NAME_LEN - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void route_label(const struct sl_route_key *k, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%.*s", k->host_kind == SL_ROUTE_HOST_SUFFIX ? "*" : "",
			 k->host_len <= SL_ROUTE_HOST_MAX ? k->host_len : 0, k->host);

	snprintf(buf + n, len - (size_t)n, "%.*s",
		 k->path_len <= SL_ROUTE_PATH_MAX ? k->path_len : 0, k->path);
}

static void resolve(const struct sl_shm_header *h, uint16_t vip, uint32_t backend, uint64_t uid,
		    uint32_t route, int is_request, struct names *o)
{
	unsigned int cur = SL_SLOT_OF(__atomic_load_n(&h->published, __ATOMIC_ACQUIRE));

	memset(&o->n, 0, sizeof(o->n));
	for (unsigned int i = 0; i < 2; i++) {
		unsigned int slot = i ? !cur : cur;
		const struct sl_table_hdr *t = sl_slot_hdr(h, slot);

		if (!o->n.vip && vip < t->n_vips && vip < h->max_vips) {
			const struct sl_vip *v = &sl_slot_vips(h, slot)[vip];

			copy_name(o->vip, v->name);
			o->n.vip = o->vip;
			o->n.mode = v->mode;
		}
		if (!o->n.instance && backend < t->n_backends && backend < h->max_backends) {
			const struct sl_backend *b = &sl_slot_backends(h, slot)[backend];

			if (b->uid == uid) {
				copy_name(o->instance, b->name);
				o->addr = b->addr;
				o->n.instance = o->instance;
				o->n.instance_addr = &o->addr;
				o->n.instance_af = b->af;
			}
		}
		if (is_request && !o->n.route && route != SL_EV_NO_ROUTE) {
			const struct sl_route *r = sl_slot_routes(h, slot);

			for (uint32_t j = 0; j < t->n_routes && j < h->max_routes; j++)
				if (r[j].id == route) {
					route_label(&r[j].key, o->route, sizeof(o->route));
					o->n.route = o->route;
					break;
				}
		}
	}
	if (is_request && route == SL_EV_NO_ROUTE)
		o->n.route = "default";
}

static void hist_add(struct cp_ev_drain *d, unsigned int kind, const struct names *nm,
		     const char *route, uint64_t us, int has_ttfb, uint64_t ttfb_us)
{
	struct cp_hist_key k;
	struct cp_hist_entry *e;

	memset(&k, 0, sizeof(k));
	k.kind = (uint8_t)kind;
	snprintf(k.vip, sizeof(k.vip), "%s", nm->n.vip ? nm->n.vip : "");
	snprintf(k.route, sizeof(k.route), "%s", route ? route : "");
	snprintf(k.instance, sizeof(k.instance), "%s", nm->n.instance ? nm->n.instance : "");
	e = cp_hist_get(d->hist, &k);
	if (!e)
		return;
	cp_hist_add(&e->duration, us);
	if (has_ttfb)
		cp_hist_add(&e->ttfb, ttfb_us);
}

/* Whether the next record of a kind that is on is written (exact sampling). */
static int sampled(struct cp_ev_drain *d, double rate)
{
	if (rate >= 1.0)
		return 1;
	d->credit += rate;
	if (d->credit < 1.0 - 1e-9)
		return 0;
	d->credit -= 1.0;
	return 1;
}

static void one(struct cp_ev_drain *d, const struct sl_shm_header *h, const struct cp_ev_clock *clk,
		const union sl_event *e, uint64_t now)
{
	const struct cfg_events *ec = &(*d->cfg)->events;
	char line[CP_EV_OUT_LINE_MAX];
	struct names nm;
	int n = -EINVAL, on;

	if (e->kind == SL_EV_FLOW) {
		const struct sl_ev_flow *f = &e->flow;

		d->read[SL_EV_FLOW]++;
		resolve(h, f->vip, f->backend, f->backend_uid, SL_EV_NO_ROUTE, 0, &nm);
		hist_add(d, SL_EV_FLOW, &nm, "", cp_ev_clock_us(clk, f->start_tsc, f->last_tsc), 0,
			 0);
		on = ec->flows;
		if (on && sampled(d, ec->sample))
			n = cp_ev_json_flow(f, clk, &nm.n, line, sizeof(line));
	} else if (e->kind == SL_EV_REQUEST) {
		const struct sl_ev_request *r = &e->req;
		uint32_t be = r->backend;

		d->read[SL_EV_REQUEST]++;
		resolve(h, r->vip, be, r->backend_uid, r->route, !(r->flags & SL_EV_F_CONN), &nm);
		if (be == SL_BACKEND_NONE)
			nm.n.instance = NULL;
		hist_add(d, SL_EV_REQUEST, &nm, nm.n.route,
			 cp_ev_clock_us(clk, r->start_tsc, r->end_tsc), r->first_byte_tsc != 0,
			 cp_ev_clock_us(clk, r->start_tsc, r->first_byte_tsc));
		on = ec->requests;
		if (on && sampled(d, ec->sample))
			n = cp_ev_json_request(r, clk, &nm.n, ec->query, line, sizeof(line));
	} else {
		d->read[SL_EV_NONE]++;
		return;
	}
	if (n > 0) {
		cp_ev_out_line(d->out, line, now);
		d->written[e->kind]++;
	}
}

uint64_t cp_ev_drain_run(struct cp_ev_drain *d)
{
	const struct sl_shm_header *h = d->hdr ? *d->hdr : NULL; /* NULL: never started */
	struct cp_ev_clock clk;
	uint64_t now = cp_loop_now_ns(), n = 0;

	if (!h || (d->lost && d->lost(d->lost_arg)) || !h->ev_ring_size)
		return 0; /* no segment, or a truncated one: reading it would fault */
	clk.hz = __atomic_load_n(&h->dp_tsc_hz, __ATOMIC_ACQUIRE);
	clk.ref_tsc = h->dp_tsc_ref;
	clk.ref_ns = h->dp_tsc_ref_ns;
	for (unsigned int w = 0; w < h->max_workers; w++) {
		struct sl_ev_ring *r = sl_shm_ev_ring(h, w);
		const union sl_event *e;

		/* at most one ring's worth per pass: the loop has other work */
		for (uint32_t i = 0;
		     i < h->ev_ring_size && (e = sl_evring_peek(r, h->ev_ring_size)); i++) {
			one(d, h, &clk, e, now);
			sl_evring_pop(r);
			n++;
		}
	}
	return n;
}

uint64_t cp_ev_drain_drops(const struct cp_ev_drain *d, unsigned int worker)
{
	const struct sl_shm_header *h = *d->hdr;

	if (!h || !h->ev_ring_size || worker >= h->max_workers)
		return 0;
	return __atomic_load_n(&sl_shm_ev_ring(h, worker)->drops, __ATOMIC_RELAXED);
}

static void on_timer(struct cp_loop_timer *t)
{
	struct cp_ev_drain *d = t->ctx;

	if (d->lost && d->lost(d->lost_arg))
		return; /* the daemon is on its way out */
	cp_ev_drain_run(d);
	cp_loop_timer_in(d->loop, &d->timer, CP_EV_DRAIN_MS);
}

int cp_ev_drain_start(struct cp_ev_drain *d, struct cp_loop *loop, struct sl_shm_header *const *hdr,
		      struct cfg *const *cfg, struct cp_ev_out *out)
{
	memset(d, 0, sizeof(*d));
	d->loop = loop;
	d->hdr = hdr;
	d->cfg = cfg;
	d->out = out;
	d->hist = cp_hist_set_new();
	if (!d->hist)
		return -ENOMEM;
	cp_loop_timer_init(&d->timer, on_timer, d);
	return cp_loop_timer_in(loop, &d->timer, CP_EV_DRAIN_MS);
}

void cp_ev_drain_stop(struct cp_ev_drain *d)
{
	if (d->loop)
		cp_loop_timer_cancel(d->loop, &d->timer);
	cp_hist_set_free(d->hist);
	d->hist = NULL;
}
