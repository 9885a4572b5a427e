/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Instances to health targets and results back (see cp_health_wire.h).
 * Each target lives in its instance (cp_model_inst.probe) for as long as
 * the instance is in the model; tunnel targets are also listed, so the
 * socket hook can find the rewrite of a socket by its remote end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cfg.h"
#include "cp_health_wire.h"
#include "cp_log.h"
#include "cp_probe_tc.h"

/* One instance's health target. */
struct cp_health_wire_target {
	struct cp_health_wire *w;
	struct cp_model_inst *inst;
	struct cp_health_target *target;
	/* through the tunnel: the hook's lookup key and what sl_probes gets */
	bool tunnel;
	struct sl_addr remote;
	uint16_t remote_port;
	struct sl_probe_value tv;
	struct cp_health_wire_target *next;
};

void cp_health_wire_init(struct cp_health_wire *w, struct cp_health *health, struct cp_model *model)
{
	memset(w, 0, sizeof(*w));
	w->health = health;
	w->model = model;
}

/* The first VIP using pool @pool_index (of @af, in tunnel mode if @tunnel), or NULL. */
static const struct cfg_vip *pool_vip(const struct cfg *cfg, uint32_t pool_index, bool tunnel,
				      uint8_t af)
{
	for (uint32_t i = 0; i < cfg->n_vips; i++) {
		const struct cfg_vip *v = &cfg->vips[i];

		if (!cfg_vip_uses_pool(v, pool_index))
			continue;
		if (tunnel && (v->mode != SL_MODE_TUNNEL || v->af != af))
			continue;
		if (!tunnel && !v->port)
			continue;
		return v;
	}
	return NULL;
}

static void spec_of(struct cp_health_spec *s, const struct cfg_health *h)
{
	memset(s, 0, sizeof(*s));
	switch (h->type) {
	case CFG_HEALTH_CHECK_TCP:
		s->type = CP_HEALTH_TCP;
		break;
	case CFG_HEALTH_CHECK_HTTP:
		s->type = CP_HEALTH_HTTP;
		break;
	default:
		s->type = CP_HEALTH_UDP;
		break;
	}
	s->interval_ms = h->interval_ms;
	s->timeout_ms = h->timeout_ms;
	s->jitter_ms = h->jitter_ms;
	snprintf(s->http_path, sizeof(s->http_path), "%s", h->path);
	snprintf(s->http_host, sizeof(s->http_host), "%s", h->host);
	s->status_min = h->expect_lo;
	s->status_max = h->expect_hi;
	snprintf(s->http_body, sizeof(s->http_body), "%s", h->body);
	s->udp_payload_len = (uint16_t)strnlen(h->payload, sizeof(h->payload));
	memcpy(s->udp_payload, h->payload, s->udp_payload_len);
	s->udp_expect_len = (uint16_t)strnlen(h->response, sizeof(h->response));
	memcpy(s->udp_expect, h->response, s->udp_expect_len);
}

static void on_result(void *ctx, bool ok, const char *reason)
{
	struct cp_health_wire_target *p = ctx;

	cp_model_health_result(p->w->model, p->inst, ok, reason);
}

/* Probe through the tunnel VIP of the pool: mark the probe, keep the rewrite. */
static void via_tunnel(struct cp_health_wire_target *p, const struct cfg *cfg,
		       const struct cfg_pool *pool, uint16_t port, struct cp_health_spec *spec)
{
	const struct cp_model_inst *inst = p->inst;
	const struct cfg_vip *tv = pool_vip(cfg, inst->pool_index, true, inst->af);

	if (!tv) {
		CP_LOG_HEALTH(WARN,
			      "%s/%s: health.via_tunnel but no tunnel VIP of this "
			      "family: probing the instance directly",
			      pool->name, inst->name);
		return;
	}
	if (cp_probe_tc_tunnel_value(&p->tv, &inst->addr, port, &tv->addr,
				     tv->port ? tv->port : port,
				     tv->encap == CFG_ENCAP_GUE ? htons(tv->gue_port) : 0) != 0)
		return;
	p->tunnel = true;
	p->remote = inst->addr;
	p->remote_port = port;
	spec->mark = SL_PROBE_MARK;
	p->w->tunnel_wanted = true;
}

void cp_health_wire_add(struct cp_health_wire *w, const struct cfg *cfg, struct cp_model_inst *inst,
			const struct cfg_pool *pool)
{
	const struct cfg_health *h = &pool->health;
	const struct cfg_vip *vip;
	struct cp_health_spec spec;
	struct cp_health_wire_target *p;
	uint16_t port;

	if (h->type == CFG_HEALTH_CHECK_NONE)
		return;
	p = calloc(1, sizeof(*p));
	if (!p) {
		CP_LOG_HEALTH(ERR, "%s/%s: no memory for a health target: not probed", pool->name,
			      inst->name);
		return;
	}
	p->w = w;
	p->inst = inst;
	spec_of(&spec, h);
	vip = pool_vip(cfg, inst->pool_index, false, inst->af);
	port = h->port ? h->port : inst->port ? inst->port : vip ? vip->port : 0;
	if (h->via_tunnel)
		via_tunnel(p, cfg, pool, port, &spec);
	if (port && cp_probe_tc_route_source(&inst->addr, port, spec.mark, &spec.src) == 0)
		spec.src_af = inst->af;
	p->target =
		cp_health_target_add(w->health, &spec, &inst->addr, inst->af, port, on_result, p);
	if (!p->target) {
		CP_LOG_HEALTH(ERR, "%s/%s: cannot probe port %u: %s%s", pool->name, inst->name,
			      port, strerror(errno),
			      port ? "" : " (no health.port, instance port or VIP port)");
		free(p);
		return;
	}
	if (p->tunnel) {
		p->next = w->tunnel;
		w->tunnel = p;
	}
	inst->probe = p;
}

void cp_health_wire_remove(struct cp_health_wire *w, struct cp_model_inst *inst)
{
	struct cp_health_wire_target *p = inst->probe, **pp;

	if (!p)
		return;
	cp_health_target_remove(w->health, p->target);
	for (pp = &w->tunnel; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	free(p);
	inst->probe = NULL;
}

const struct sl_probe_value *cp_health_wire_tunnel_value(const struct cp_health_wire *w,
							 const struct cp_health_sock *s)
{
	if (s->mark != SL_PROBE_MARK)
		return NULL;
	for (const struct cp_health_wire_target *p = w->tunnel; p; p = p->next)
		if (p->remote_port == s->remote_port &&
		    memcmp(&p->remote, &s->remote, sizeof(p->remote)) == 0)
			return &p->tv;
	return NULL;
}
