/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Build and publish scheduling (see cp_publish_sched.h). try_publish() is
 * the one place a build starts: every path that makes the tables dirty
 * calls it, and it decides whether now is the time or the coalesce timer
 * brings the build later.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "cfg.h"
#include "cp_log.h"
#include "cp_publish_sched.h"

#define GAP_NS ((uint64_t)CP_PUBLISH_SCHED_GAP_MS * 1000000ull)

static void config_free(struct cfg *c)
{
	if (!c)
		return;
	cfg_free(c);
	free(c);
}

bool cp_publish_sched_shm_lost(struct cp_publish_sched *s)
{
	char why[256];

	if (s->shm_lost)
		return true;
	if (!cp_shm_check(s->p.shm, why, sizeof(why)))
		return false;
	CP_LOG_SHM(ERR, "%s; exiting", why);
	s->shm_lost = true;
	return true;
}

/* The publication in flight: acked or timed out, it answers its admin clients. */
static void poll_publish(struct cp_publish_sched *s)
{
	uint64_t gen = SL_GEN_OF(s->pub.word);
	char msg[256];

	switch (cp_publish_poll(&s->pub, cp_loop_now_ns(), msg, sizeof(msg))) {
	case CP_PUBLISH_ACKED:
		CP_LOG_PUBLISH(INFO, "%s", msg);
		cp_port_sync_vips_due(s->p.ports);
		cp_admin_settle(s->admin, s->pub_ticket, gen, NULL);
		break;
	case CP_PUBLISH_TIMEOUT:
		CP_LOG_PUBLISH(WARN, "%s", msg);
		cp_port_sync_vips_due(s->p.ports);
		cp_admin_settle(s->admin, s->pub_ticket, gen, msg);
		break;
	default:
		break;
	}
}

/*
 * A reload whose tables could not be built: the model goes back to the
 * running config (its instances' events say so) and the next hops with it.
 */
static void revert_reload(struct cp_publish_sched *s, const char *why)
{
	struct cfg *bad = *s->p.cfg;

	CP_LOG_CONFIG(ERR, "reload refused: %s: %s", bad->file, why);
	*s->p.cfg = s->prev;
	s->prev = NULL;
	s->pub.timeout_ms = (*s->p.cfg)->controlplane.publish_timeout_ms;
	if (cp_model_configure(s->p.model, *s->p.cfg) != 0)
		CP_LOG_CONFIG(ERR, "reverting the model: out of memory");
	config_free(bad);
	if (s->p.nat_addr)
		cp_nat_addr_discard(s->p.nat_addr);
	s->neigh_dirty = true;
	s->dirty = true;
}

/* A reload whose tables were built: the providers follow it, the old config goes. */
static void accept_reload(struct cp_publish_sched *s)
{
	const struct cfg *cfg = *s->p.cfg;

	CP_LOG_CONFIG(INFO, "reload of %s accepted", cfg->file);
	cp_disc_wire_reload(s->p.disc, s->prev);
	if (s->p.nat_addr)
		cp_nat_addr_commit(s->p.nat_addr);
	if (strcmp(cfg->controlplane.admin_socket, s->prev->controlplane.admin_socket))
		CP_LOG_ADMIN(WARN,
			     "controlplane.admin_socket changed: restart sluiced to apply it");
	config_free(s->prev);
	s->prev = NULL;
}

/*
 * One line per backend whose drain starts, ends or is cancelled between the
 * published slot and the freshly built @slot (a slot index stays with its
 * backend while it drains, so comparing slot by slot is enough).
 */
static void log_drains(const struct cp_publish_sched *s, unsigned int slot)
{
	const struct sl_shm_header *h = s->p.shm->hdr;
	uint64_t pub = __atomic_load_n(&h->published, __ATOMIC_ACQUIRE);
	unsigned int old = SL_SLOT_OF(pub);
	const struct sl_backend *ob = sl_slot_backends(h, old), *nb = sl_slot_backends(h, slot);
	const struct sl_pool *np = sl_slot_pools(h, slot);
	uint32_t n_old = sl_slot_hdr(h, old)->n_backends, n_new = sl_slot_hdr(h, slot)->n_backends;

	if (!pub || old == slot)
		return;
	for (uint32_t i = 0; i < n_old || i < n_new; i++) {
		const struct sl_backend *o = i < n_old && ob[i].uid ? &ob[i] : NULL;
		const struct sl_backend *n = i < n_new && nb[i].uid ? &nb[i] : NULL;
		bool same = o && n && o->uid == n->uid;
		bool was = o && (o->flags & SL_BACKEND_F_DRAINING);
		bool is = n && (n->flags & SL_BACKEND_F_DRAINING);

		if (is && !(same && was))
			CP_LOG_TABLES(INFO,
				      "backend %s (pool %s) removed: draining, established flows "
				      "stay up to %u s",
				      n->name, np[n->pool].name,
				      (*s->p.cfg)->controlplane.drain_timeout);
		else if (was && !same)
			CP_LOG_TABLES(INFO, "backend %s finished draining, removed", o->name);
		else if (was && !is)
			CP_LOG_TABLES(INFO, "backend %s is back: no longer draining", n->name);
	}
}

/* Backends left out of the tables for want of slots: logged when their number changes. */
static void log_capped(struct cp_publish_sched *s, const struct cp_tables_summary *sum)
{
	uint32_t max = (*s->p.cfg)->tables.max_backends;

	if (sum->n_capped)
		CP_LOG_TABLES(WARN,
			      "tables.max_backends (%u) reached: %u backends not published "
			      "(the first in pool %s); the others are",
			      max, sum->n_capped, sum->capped_pool);
	else
		CP_LOG_TABLES(INFO, "every backend is published again (tables.max_backends %u)",
			      max);
	s->n_capped = sum->n_capped;
}

/* The backends of @view are the ones to track: the first step now, the rest on busy ticks. */
static void neigh_follow(struct cp_publish_sched *s, const struct cfg *view)
{
	int rc = cp_neigh_configure(s->p.neigh, view);

	if (rc) {
		CP_LOG_NEIGH(ERR, "tracking the backends: %s", strerror(-rc));
		return;
	}
	s->neigh_dirty = false;
	cp_neigh_refresh_start(s->p.neigh);
	cp_neigh_refresh_step(s->p.neigh, CP_PUBLISH_SCHED_NEIGH_STEP);
	s->neigh_urgent = true;
}

/*
 * A build failed: a reload is reverted (the running tables are still
 * published; rebuilt next turn), else the build's admin clients are told.
 */
static void build_failed(struct cp_publish_sched *s, uint64_t gen, const char *why)
{
	char msg[320];

	if (s->prev) {
		revert_reload(s, why);
		return;
	}
	CP_LOG_TABLES(ERR, "generation %llu not built: %s", (unsigned long long)gen, why);
	snprintf(msg, sizeof(msg), "generation %llu not built: %s", (unsigned long long)gen, why);
	cp_admin_settle(s->admin, s->n_builds, 0, msg);
	s->dirty = false;
}

/* Build and publish if something changed and the protocol and the build gap allow it now. */
static void try_publish(struct cp_publish_sched *s)
{
	struct cp_tables_summary sum;
	struct cfg view;
	uint64_t gen, now = cp_loop_now_ns();
	char why[256];
	int slot, rc;

	if (!s->dirty || s->starting || s->pub.word || cp_publish_sched_shm_lost(s))
		return; /* nothing to do, or coalesced into the next turn */
	if (s->last_build_ns && now < s->last_build_ns + GAP_NS) {
		if (!cp_loop_timer_armed(&s->coalesce))
			cp_loop_timer_at(s->p.loop, &s->coalesce, s->last_build_ns + GAP_NS);
		return;
	}
	slot = cp_publish_slot(s->p.shm->hdr);
	if (slot < 0) {
		if (!s->busy_logged)
			CP_LOG_PUBLISH(INFO, "waiting: a worker still uses the slot to write");
		s->busy_logged = true;
		return;
	}
	s->busy_logged = false;
	rc = cp_model_view(s->p.model, &view);
	if (rc) {
		CP_LOG_TABLES(ERR, "no memory for the model's view: retrying");
		return;
	}
	if (s->neigh_dirty)
		neigh_follow(s, &view);
	gen = cp_publish_next_generation(s->p.shm->hdr);
	s->last_build_ns = now;
	s->n_builds++;
	rc = cp_tables_build(s->p.tables, &view, cp_neigh_lookup, s->p.neigh, s->p.shm->hdr,
			     (unsigned int)slot, gen, now, &sum, why, sizeof(why));
	cp_model_view_free(&view);
	if (rc) {
		build_failed(s, gen, why);
		return;
	}
	if (sum.n_capped != s->n_capped)
		log_capped(s, &sum);
	if (s->prev)
		accept_reload(s);
	log_drains(s, (unsigned int)slot);
	cp_publish_commit(&s->pub, (unsigned int)slot, cp_loop_now_ns());
	s->pub_ticket = s->n_builds;
	s->dirty = false;
	/* instances that appear from now on are new, whatever the old tables said */
	cp_model_forget_seeds(s->p.model);
	CP_LOG_PUBLISH(INFO,
		       "published generation %llu (slot %d): %u VIPs, %u pools, %u backends "
		       "(%u active, %u unresolved, %u down, %u new, %u removed), %u draining; "
		       "Maglev tables: %u computed, %u unchanged",
		       (unsigned long long)gen, slot, sum.n_vips, sum.n_pools, sum.n_backends,
		       sum.n_active, sum.n_unresolved, sum.n_down, sum.n_new, sum.n_removed,
		       sum.n_draining, sum.n_maglev_built, sum.n_maglev_copied);
	poll_publish(s);
}

void cp_publish_sched_changed(struct cp_publish_sched *s)
{
	s->dirty = true;
	if (!cp_loop_timer_armed(&s->coalesce))
		cp_loop_timer_in(s->p.loop, &s->coalesce, 0);
}

void cp_publish_sched_backends_changed(struct cp_publish_sched *s)
{
	s->neigh_dirty = true;
}

uint64_t cp_publish_sched_ticket(struct cp_publish_sched *s)
{
	cp_publish_sched_changed(s);
	return s->n_builds + 1;
}

bool cp_publish_sched_settled(const struct cp_publish_sched *s)
{
	return !s->dirty && !s->starting && !s->pub.word;
}

uint64_t cp_publish_sched_generation(const struct cp_publish_sched *s)
{
	return SL_GEN_OF(__atomic_load_n(&s->p.shm->hdr->published, __ATOMIC_ACQUIRE));
}

void cp_publish_sched_reloaded(struct cp_publish_sched *s, struct cfg *old)
{
	/* a reload arriving before the previous one was built replaces it */
	if (s->prev)
		config_free(old);
	else
		s->prev = old;
	s->pub.timeout_ms = (*s->p.cfg)->controlplane.publish_timeout_ms;
	s->neigh_dirty = true;
	s->dirty = true;
	s->last_build_ns = 0; /* a reload is built at once */
	try_publish(s);
}

static void on_coalesce(struct cp_loop_timer *t)
{
	try_publish(t->ctx);
}

/*
 * A refresh pass runs CP_PUBLISH_SCHED_NEIGH_STEP backends per tick, so
 * thousands of unresolved backends cost a bounded slice of each tick, not a
 * stall; the next pass is due REFRESH_*_NS after the last one ended. A pass
 * for new backends (start, a change of the set) runs on busy ticks, the
 * periodic one on idle ticks.
 */
static void neigh_tick(struct cp_publish_sched *s, uint64_t now)
{
	uint64_t every = cp_neigh_unresolved(s->p.neigh) ? CP_PUBLISH_SCHED_REFRESH_UNRESOLVED_NS
							 : CP_PUBLISH_SCHED_REFRESH_NS;

	if (!cp_neigh_in_pass(s->p.neigh) && now - s->last_refresh_ns >= every)
		cp_neigh_refresh_start(s->p.neigh);
	if (!cp_neigh_in_pass(s->p.neigh))
		return;
	if (cp_neigh_refresh_step(s->p.neigh, CP_PUBLISH_SCHED_NEIGH_STEP) > 0)
		s->dirty = true;
	if (!cp_neigh_in_pass(s->p.neigh)) {
		s->last_refresh_ns = now;
		s->neigh_urgent = false;
	}
}

/* The first next hops are in, or neigh_timeout_ms has passed: the first build may run. */
static void start_tick(struct cp_publish_sched *s, uint64_t now)
{
	uint32_t left = cp_neigh_unresolved(s->p.neigh);
	uint32_t timeout_ms = (*s->p.cfg)->controlplane.neigh_timeout_ms;

	if (left && now - s->start_ns < (uint64_t)timeout_ms * 1000000ull)
		return;
	if (left)
		CP_LOG_NEIGH(WARN,
			     "%u backends still unresolved after %u ms: publishing without them",
			     left, timeout_ms);
	s->starting = false;
	s->dirty = true;
}

static void on_tick(struct cp_loop_timer *t)
{
	struct cp_publish_sched *s = t->ctx;
	uint64_t now = cp_loop_now_ns(), expiry;
	int rc;

	if (cp_publish_sched_shm_lost(s))
		return;
	cp_shm_heartbeat(s->p.shm);
	rc = cp_shm_rotate_secret(s->p.shm, (*s->p.cfg)->nat.cookie_rotate * 1000000000ull, now);
	if (rc < 0)
		CP_LOG_SHM(ERR, "SYN proxy key not rotated: %s", strerror(-rc));
	poll_publish(s);
	neigh_tick(s, now);
	expiry = cp_tables_next_expiry(s->p.tables);
	if (expiry && now >= expiry)
		s->dirty = true; /* a drain ended: the next build frees its slot */
	if (s->starting)
		start_tick(s, now);
	try_publish(s);
	cp_port_sync_tick(s->p.ports, now);
	cp_loop_timer_in(s->p.loop, &s->tick, s->tick_ms);
}

void cp_publish_sched_update_tick(struct cp_publish_sched *s)
{
	uint32_t ms = s->pub.word || s->starting || s->busy_logged ||
				      (s->neigh_urgent && cp_neigh_in_pass(s->p.neigh))
			      ? CP_PUBLISH_SCHED_BUSY_MS
			      : CP_PUBLISH_SCHED_IDLE_MS;

	if (s->tick_ms == ms && cp_loop_timer_armed(&s->tick))
		return;
	if (ms < s->tick_ms || !cp_loop_timer_armed(&s->tick))
		cp_loop_timer_in(s->p.loop, &s->tick, ms);
	s->tick_ms = ms; /* a longer tick applies from the next firing */
}

static void on_neigh(struct cp_loop_fd *f, uint32_t events)
{
	struct cp_publish_sched *s = f->ctx;
	int rc = cp_neigh_process(s->p.neigh);

	(void)events;
	if (rc < 0)
		CP_LOG_NEIGH(WARN, "rtnetlink events: %s", strerror(-rc));
	else if (rc > 0)
		s->dirty = true;
	try_publish(s);
}

void cp_publish_sched_init(struct cp_publish_sched *s, const struct cp_publish_sched_parts *parts)
{
	memset(s, 0, sizeof(*s));
	s->p = *parts;
	cp_publish_init(&s->pub, s->p.shm->hdr, (*s->p.cfg)->controlplane.publish_timeout_ms);
	cp_loop_timer_init(&s->tick, on_tick, s);
	cp_loop_timer_init(&s->coalesce, on_coalesce, s);
}

int cp_publish_sched_start(struct cp_publish_sched *s)
{
	struct cfg view;
	int rc;

	rc = cp_loop_fd_add(s->p.loop, &s->neigh_lfd, cp_neigh_fd(s->p.neigh), EPOLLIN, on_neigh,
			    s);
	if (rc)
		return rc;
	rc = cp_model_view(s->p.model, &view);
	if (rc)
		return rc;
	rc = cp_neigh_configure(s->p.neigh, &view);
	cp_model_view_free(&view);
	if (rc)
		return rc;
	s->neigh_dirty = false;
	s->start_ns = s->last_refresh_ns = cp_loop_now_ns();
	s->starting = true;
	s->dirty = true;
	cp_neigh_refresh_start(s->p.neigh);
	rc = cp_neigh_refresh_step(s->p.neigh, CP_PUBLISH_SCHED_NEIGH_STEP);
	if (rc < 0) {
		CP_LOG_NEIGH(ERR, "rtnetlink: %s", strerror(-rc));
		return rc;
	}
	s->neigh_urgent = true;
	if (cp_neigh_unresolved(s->p.neigh) == 0) {
		s->starting = false;
		try_publish(s);
	}
	s->tick_ms =
		s->starting || s->pub.word ? CP_PUBLISH_SCHED_BUSY_MS : CP_PUBLISH_SCHED_IDLE_MS;
	return cp_loop_timer_in(s->p.loop, &s->tick, s->tick_ms);
}

void cp_publish_sched_stop(struct cp_publish_sched *s)
{
	if (s->p.loop) { /* initialised */
		cp_loop_timer_cancel(s->p.loop, &s->tick);
		cp_loop_timer_cancel(s->p.loop, &s->coalesce);
		if (s->neigh_lfd.fn)
			cp_loop_fd_del(s->p.loop, &s->neigh_lfd);
	}
	config_free(s->prev);
	s->prev = NULL;
}
