/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The metrics endpoint's wiring (cp_metrics_wire.h). A scrape is served
 * from sluiced's loop: the published slot, the model and the config do
 * not change while the page is made, so its names and health states are
 * of one moment.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "cp_log.h"
#include "cp_metrics_wire.h"

void cp_metrics_wire_init(struct cp_metrics_wire *w, struct cp_loop *loop, const struct cp_shm *shm,
			  const struct cp_model *model, struct cfg *const *cfg,
			  const struct cp_publisher *pub)
{
	*w = (struct cp_metrics_wire){
		.loop = loop, .shm = shm, .model = model, .cfg = cfg, .pub = pub};
}

void cp_metrics_wire_set_hists(struct cp_metrics_wire *w, cp_metrics_wire_hists_fn fn, void *ctx)
{
	w->hists = fn;
	w->hists_ctx = ctx;
}

int cp_metrics_wire_render(struct cp_metrics_wire *w, FILE *out)
{
	const struct cp_publish_stats *ps = &w->pub->stats;
	const struct sl_shm_header *h = w->shm->hdr;
	struct cp_metrics_publish pub = {
		.acked = ps->acked,
		.timeouts = ps->timeouts,
		.unattached = ps->unattached,
		.ack_ns_sum = ps->ack_ns_sum,
		.last_ack_ns = ps->last_ack_ns,
	};
	struct cp_metrics_src src = {
		.instance = (*w->cfg)->instance,
		.hdr = h,
		.model = w->model,
		.cfg = *w->cfg,
		.publish = &pub,
	};
	char why[256];

	/* a segment truncated under us: reading it would be SIGBUS (the tick stops sluiced) */
	if (cp_shm_check(w->shm, why, sizeof(why)) != 0) {
		CP_LOG_SHM(ERR, "metrics: no page: %s", why);
		return -EIO;
	}
	src.dataplane_alive = h->dp_pid && cp_shm_pid_alive(h->dp_pid, NULL);
	if (w->hists)
		src.n_hists = w->hists(w->hists_ctx, &src.hists);
	return cp_metrics_write(out, &src);
}

static int render(void *ctx, FILE *out)
{
	return cp_metrics_wire_render(ctx, out);
}

int cp_metrics_wire_start(struct cp_metrics_wire *w)
{
	const struct cfg_metrics *m = &(*w->cfg)->metrics;
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(m->port)};
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(m->port)};
	char why[160];

	if (!m->enabled) {
		CP_LOG_MAIN(INFO, "metrics: off (metrics.listen \"off\")");
		return 0;
	}
	if (m->af == SL_AF_INET) {
		s4.sin_addr.s_addr = m->addr.a32[3];
		w->http = cp_metrics_http_new(w->loop, (struct sockaddr *)&s4, sizeof(s4), render,
					      w, why, sizeof(why));
	} else {
		memcpy(&s6.sin6_addr, m->addr.a8, 16);
		w->http = cp_metrics_http_new(w->loop, (struct sockaddr *)&s6, sizeof(s6), render,
					      w, why, sizeof(why));
	}
	if (!w->http) {
		int rc = -errno;

		CP_LOG_MAIN(ERR, "metrics.listen %s", why);
		return rc;
	}
	CP_LOG_MAIN(INFO, "metrics: Prometheus text on http://%s/metrics", m->listen);
	return 0;
}

void cp_metrics_wire_stop(struct cp_metrics_wire *w)
{
	cp_metrics_http_free(w->http);
	w->http = NULL;
}
