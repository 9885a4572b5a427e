/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Joining sluiced's parts (see cp_daemon.h): who hears of what the model
 * reports. An instance entering or leaving the model changes the set of
 * next hops to track and starts or stops its health target; a change of
 * the serving view wants a build; every change is a line of the event
 * stream; refused discovery entries are logged by the discovery wiring.
 */
#include <errno.h>
#include <string.h>

#include "cp_daemon.h"
#include "cp_events.h"
#include "cp_log.h"

static void on_event(void *ctx, const struct cp_model_event *e)
{
	struct cp_daemon *d = ctx;

	cp_events_print(d->ev_out, e);
}

/* Every line of the event stream also goes to the admin socket's followers. */
static void on_line(void *ctx, const char *line)
{
	struct cp_daemon *d = ctx;

	cp_admin_publish(d->admin, line);
}

static void on_inst_added(void *ctx, struct cp_model_inst *inst, const struct cfg_pool *pool)
{
	struct cp_daemon *d = ctx;

	cp_publish_sched_backends_changed(&d->sched);
	cp_health_wire_add(&d->health_wire, d->cfg, inst, pool);
}

static void on_inst_removed(void *ctx, struct cp_model_inst *inst)
{
	struct cp_daemon *d = ctx;

	cp_publish_sched_backends_changed(&d->sched);
	cp_health_wire_remove(&d->health_wire, inst);
}

static void on_changed(void *ctx)
{
	struct cp_daemon *d = ctx;

	cp_publish_sched_changed(&d->sched);
}

static void on_refused(void *ctx, enum cp_disc_source src, const char *pool,
		       const struct cp_model_refusal *r, uint32_t n, uint32_t n_total)
{
	(void)ctx;
	cp_disc_wire_refused(src, pool, r, n, n_total);
}

int cp_daemon_nat_start(struct cp_daemon *d)
{
	char why[768];
	int rc;

	d->nat_addr = cp_nat_addr_new();
	if (!d->nat_addr) {
		rc = -errno;
		CP_LOG_NAT(ERR, "rtnetlink: %s", strerror(errno));
		return rc;
	}
	rc = cp_nat_addr_check(d->nat_addr, d->cfg, why, sizeof(why));
	if (rc) {
		CP_LOG_CONFIG(ERR, "%s", why);
		return rc;
	}
	return cp_nat_addr_commit(d->nat_addr);
}

void cp_daemon_nat_stop(struct cp_daemon *d)
{
	if (!d->nat_addr)
		return;
	cp_nat_addr_clear(d->nat_addr);
	cp_nat_addr_free(d->nat_addr);
	d->nat_addr = NULL;
}

/* The event drain's gate: a truncated segment would fault its reads. */
static bool shm_lost(void *arg)
{
	struct cp_daemon *d = arg;

	return cp_publish_sched_shm_lost(&d->sched);
}

/* Each scrape's histogram families: the event drain's, folded (cp_metrics_hist.h). */
static uint32_t hist_families(void *ctx, const struct cp_metrics_hist_family **out)
{
	struct cp_daemon *d = ctx;

	if (cp_metrics_hists_build(&d->hists, cp_ev_drain_hist(&d->ev_drain)) != 0)
		CP_LOG_MAIN(WARN, "metrics: no memory for the histograms: this scrape has none");
	*out = d->hists.fam;
	return CP_METRICS_HIST_FAMILIES;
}

int cp_daemon_join(struct cp_daemon *d)
{
	const struct cp_model_hooks hooks = {
		.event = on_event,
		.inst_added = on_inst_added,
		.inst_removed = on_inst_removed,
		.changed = on_changed,
		.refused = on_refused,
		.ctx = d,
	};
	struct cp_publish_sched_parts parts;
	char why[CFG_PATH_LEN + 64];
	int rc;

	d->ev_out = cp_ev_out_new(&d->cfg->events, d->events, why, sizeof(why));
	if (!d->ev_out) {
		rc = -errno;
		CP_LOG_EVENTS(ERR, "%s", why);
		return rc;
	}
	cp_ev_out_tap(d->ev_out, on_line, d);
	rc = cp_ev_drain_start(&d->ev_drain, d->loop, &d->shm.hdr, &d->cfg, d->ev_out);
	if (rc) {
		CP_LOG_EVENTS(ERR, "event drain: %s", strerror(-rc));
		return rc;
	}
	d->ev_drain.lost = shm_lost;
	d->ev_drain.lost_arg = d;
	d->health = cp_health_new(d->loop);
	if (!d->health) {
		CP_LOG_HEALTH(ERR, "probe engine: %s", strerror(errno));
		return -errno;
	}
	d->model = cp_model_new(&hooks);
	if (!d->model) {
		CP_LOG_HEALTH(ERR, "model: %s", strerror(errno));
		return -errno;
	}
	cp_health_wire_init(&d->health_wire, d->health, d->model);
	cp_passive_wire_init(&d->passive, d->loop, d->shm.hdr, d->model, &d->cfg);
	cp_port_sync_init(&d->ports, &d->cfg, d->shm.hdr, d->health, &d->health_wire);
	if (d->nat_addr)
		cp_tables_set_nat_port(d->tables, cp_nat_addr_port, d->nat_addr);
	cp_disc_wire_init(&d->disc, d->loop, d->model, &d->cfg);
	parts = (struct cp_publish_sched_parts){
		.loop = d->loop,
		.shm = &d->shm,
		.tables = d->tables,
		.neigh = d->neigh,
		.model = d->model,
		.cfg = &d->cfg,
		.disc = &d->disc,
		.ports = &d->ports,
		.nat_addr = d->nat_addr,
	};
	cp_publish_sched_init(&d->sched, &parts);
	d->admin_cmds = (struct cp_admin_cmds){
		.model = d->model,
		.tables = d->tables,
		.cfg = &d->cfg,
		.sched = &d->sched,
		.config_path = d->config_path,
		.events = d->ev_out,
	};
	cp_metrics_wire_init(&d->metrics, d->loop, &d->shm, d->model, &d->cfg, &d->sched.pub);
	cp_metrics_wire_set_hists(&d->metrics, hist_families, d);
	return 0;
}

void cp_daemon_unjoin(struct cp_daemon *d)
{
	cp_publish_sched_stop(&d->sched);
	cp_passive_wire_stop(&d->passive);
	cp_metrics_wire_stop(&d->metrics);
	cp_metrics_hists_free(&d->hists);
	cp_admin_free(d->admin);
	d->admin = NULL;
	cp_disc_wire_stop(&d->disc);
	cp_model_free(d->model); /* removes every health target */
	d->model = NULL;
	if (d->health)
		cp_health_free(d->health);
	d->health = NULL;
	cp_ev_drain_run(&d->ev_drain); /* what the workers wrote until now */
	cp_ev_drain_stop(&d->ev_drain);
	cp_ev_out_free(d->ev_out);
	d->ev_out = NULL;
}
