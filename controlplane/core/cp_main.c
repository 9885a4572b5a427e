/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced: config + discovery + health -> model -> next hops -> tables ->
 * shared memory, in one non-blocking event loop (cp_loop.h: signalfd, the
 * rtnetlink event socket, the probe and provider sockets, timers).
 *
 * Lifecycle: load the config (exit 1 naming file, line and key), create or
 * take over the segment, feed the model (cp_daemon_model.c: static
 * backends, providers, health checks), resolve next hops (up to
 * neigh_timeout_ms for the first answers), publish; then republish when the
 * model changes (coalesced: at most one build per CP_BUILD_GAP_MS), on
 * SIGHUP (a bad file is refused and the running tables stay), whenever a
 * next hop changes, and when the drain of a removed backend ends. SIGTERM
 * exits 0 and leaves the segment and its tables to the dataplane; the next
 * sluiced takes over and continues the generation sequence, with each
 * instance's health taken from the generation the dataplane follows
 * (cp_model_adopt), so a restart publishes no instance down. Every 100 ms
 * it looks at each port's steering program: a new one (the dataplane
 * restarted) gets the probe sockets, sluice_probe and the VIPs at once.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>

#include "cp_admin.h"
#include "cfg.h"
#include "cp_daemon.h"
#include "cp_loop.h"
#include "cp_model.h"
#include "cp_neigh.h"
#include "cp_tables.h"
#include "cp_xdp.h"

#define TICK_IDLE_MS 100		    /* ms: heartbeat and housekeeping */
#define TICK_BUSY_MS 1			    /* ms: while waiting for acks or first next hops */
#define CP_BUILD_GAP_MS 100		    /* ms: at least this between two table builds */
#define REFRESH_NS 5000000000ull	    /* ns: re-resolve every next hop */
#define REFRESH_UNRESOLVED_NS 1000000000ull /* ns: while some are unresolved */
#define XDP_SYNC_NS 1000000000ull	    /* ns: a restarted dataplane reloads an empty map */
#define XDP_WATCH_NS 100000000ull /* ns: between two looks at which program each port has */
#define NEIGH_STEP 256		  /* backends re-resolved per tick (two kernel requests each) */
#define XDP_RC_UNKNOWN 1
#define NOFILE_WANT 65536 /* descriptors: thousands of probes in flight, providers, admin */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sluiced [-c FILE] [-d]\n"
		"Sluice control plane: builds the load-balancing tables from the config,\n"
		"discovery and health checks, and publishes them to sluice-dp through\n"
		"/dev/shm/sluice-<instance>. Runs in the foreground; logs and the JSON\n"
		"event lines (docs/health.md) go to stdout.\n\n"
		"  -c, --config FILE  configuration file (default %s)\n"
		"  -d, --debug        log debug messages too\n"
		"  -h, --help         this text\n\n"
		"Signals: SIGHUP reloads the file (a bad file is refused, the running\n"
		"tables stay); SIGTERM/SIGINT exit and leave the tables to the dataplane.\n",
		CFG_DEFAULT_PATH);
}

static void set_tick(struct sluiced *d, uint32_t ms)
{
	if (d->tick_ms == ms && cp_loop_timer_armed(&d->tick))
		return;
	if (ms < d->tick_ms || !cp_loop_timer_armed(&d->tick))
		cp_loop_timer_in(d->loop, &d->tick, ms);
	d->tick_ms = ms; /* a longer tick applies from the next firing */
}

static void warn_implicit_pools(const struct cfg *cfg)
{
	for (uint32_t p = 0; p < cfg->n_pools; p++)
		if (cfg->pools[p].implicit)
			CP_LOG_CONFIG(WARN,
				      "%s:%d: pool \"%s\" is named by a VIP but not defined: "
				      "discovery (file, etcd) fills it",
				      cfg->file, cfg->pools[p].line, cfg->pools[p].name);
}

static void config_free(struct cfg *c)
{
	if (!c)
		return;
	cfg_free(c);
	free(c);
}

/*
 * The segment still has its size? A truncated one (root can) is SIGBUS at
 * the next touch: stop first, saying why. 1 when it is lost (d->stop set).
 */
static int shm_lost(struct sluiced *d)
{
	char why[256];
	int rc;

	if (d->shm_lost)
		return 1;
	rc = cp_shm_check(&d->shm, why, sizeof(why));
	if (!rc)
		return 0;
	CP_LOG_SHM(ERR, "%s; exiting", why);
	d->shm_lost = 1;
	d->stop = 1;
	return 1;
}

/* Keep each port's XDP VIP map equal to the published VIPs; log changes of state. */
static void xdp_sync(struct sluiced *d)
{
	const struct sl_shm_header *h = d->shm.hdr;
	uint64_t pub = __atomic_load_n(&h->published, __ATOMIC_ACQUIRE);
	const struct sl_table_hdr *th = sl_slot_hdr(h, SL_SLOT_OF(pub));
	const struct sl_vip *vips = sl_slot_vips(h, SL_SLOT_OF(pub));

	if (!pub)
		return;
	for (uint32_t i = 0; i < d->cfg->dataplane.n_ports; i++) {
		const char *iface = d->cfg->dataplane.ports[i].iface;
		int rc;

		if (!iface[0])
			continue;
		rc = cp_xdp_sync_vips(iface, vips, th->n_vips);
		if (rc == d->xdp_rc[i])
			continue;
		if (rc == 0)
			CP_LOG_XDP(INFO, "%s: VIP map in sync (%u VIPs)", iface, th->n_vips);
		else if (rc == -ENOENT)
			CP_LOG_XDP(WARN, "%s: no sluice_xdp program attached yet", iface);
		else
			CP_LOG_XDP(WARN, "%s: cannot update the VIP map: %s", iface, strerror(-rc));
		d->xdp_rc[i] = rc;
	}
	cp_daemon_probe_sync(d);
}

/*
 * A port whose steering program changed (the dataplane restarted: new
 * program, empty maps) gets everything sluiced keeps there at once: the
 * open probe sockets, sluice_probe on the new sl_probes, the VIPs.
 */
static void xdp_watch(struct sluiced *d, uint64_t now)
{
	int changed = 0;

	if (now - d->last_watch_ns < XDP_WATCH_NS)
		return;
	d->last_watch_ns = now;
	for (uint32_t i = 0; i < d->cfg->dataplane.n_ports; i++) {
		const char *iface = d->cfg->dataplane.ports[i].iface;
		uint32_t id = 0, was = d->xdp_prog_id[i];
		unsigned int n;

		if (!iface[0] || cp_xdp_prog_id(iface, &id) != 0 || id == was)
			continue;
		d->xdp_prog_id[i] = id;
		n = cp_daemon_probes_readd(d, i);
		if (was)
			CP_LOG_XDP(INFO,
				   "%s: new steering program id %u (was %u): %u open probe "
				   "sockets added to its sl_probes",
				   iface, id, was, n);
		changed = 1;
	}
	if (changed) {
		d->last_xdp_ns = now;
		xdp_sync(d);
	}
}

static void poll_publish(struct sluiced *d)
{
	uint64_t gen = SL_GEN_OF(d->pub.word);
	char msg[256];

	switch (cp_publish_poll(&d->pub, cp_loop_now_ns(), msg, sizeof(msg))) {
	case CP_PUBLISH_ACKED:
		CP_LOG_PUBLISH(INFO, "%s", msg);
		d->xdp_sync_due = 1;
		cp_admin_settle(d->admin, d->pub_ticket, gen, NULL);
		break;
	case CP_PUBLISH_TIMEOUT:
		CP_LOG_PUBLISH(WARN, "%s", msg);
		d->xdp_sync_due = 1;
		cp_admin_settle(d->admin, d->pub_ticket, gen, msg);
		break;
	default:
		break;
	}
}

/*
 * A reload whose tables could not be built: the model goes back to the
 * running config (its instances' events say so) and the next hops with it.
 */
static void revert_reload(struct sluiced *d, const char *why)
{
	struct cfg *bad = d->cfg;

	CP_LOG_CONFIG(ERR, "reload refused: %s: %s", d->cfg->file, why);
	d->cfg = d->prev;
	d->prev = NULL;
	d->pub.timeout_ms = d->cfg->controlplane.publish_timeout_ms;
	if (cp_model_configure(d->model, d->cfg) != 0)
		CP_LOG_CONFIG(ERR, "reverting the model: out of memory");
	config_free(bad);
	d->neigh_dirty = 1;
	d->dirty = 1;
}

/*
 * One line per backend whose drain starts, ends or is cancelled between the
 * published slot and the freshly built @slot (a slot index stays with its
 * backend while it drains, so comparing slot by slot is enough).
 */
static void log_drains(const struct sluiced *d, unsigned int slot)
{
	const struct sl_shm_header *h = d->shm.hdr;
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
		int same = o && n && o->uid == n->uid;
		int was = o && (o->flags & SL_BACKEND_F_DRAINING);
		int is = n && (n->flags & SL_BACKEND_F_DRAINING);

		if (is && !(same && was))
			CP_LOG_TABLES(INFO,
				      "backend %s (pool %s) removed: draining, established flows "
				      "stay up to %u s",
				      n->name, np[n->pool].name,
				      d->cfg->controlplane.drain_timeout);
		else if (was && !same)
			CP_LOG_TABLES(INFO, "backend %s finished draining, removed", o->name);
		else if (was && !is)
			CP_LOG_TABLES(INFO, "backend %s is back: no longer draining", n->name);
	}
}

/* Backends left out of the tables for want of slots: logged when their number changes. */
static void log_capped(struct sluiced *d, const struct cp_tables_summary *sum)
{
	if (sum->n_capped)
		CP_LOG_TABLES(WARN,
			      "tables.max_backends (%u) reached: %u backends not published "
			      "(the first in pool %s); the others are",
			      d->cfg->tables.max_backends, sum->n_capped, sum->capped_pool);
	else
		CP_LOG_TABLES(INFO, "every backend is published again (tables.max_backends %u)",
			      d->cfg->tables.max_backends);
	d->n_capped = sum->n_capped;
}

/* Build and publish if something changed and the protocol and the build gap allow it now. */
static void try_publish(struct sluiced *d)
{
	struct cp_tables_summary sum;
	struct cfg view;
	uint64_t gen, now = cp_loop_now_ns();
	char why[256], msg[320];
	int slot, rc;

	if (!d->dirty || d->starting || d->pub.word || shm_lost(d))
		return; /* nothing to do, or coalesced into the next turn */
	if (d->last_build_ns && now < d->last_build_ns + CP_BUILD_GAP_MS * 1000000ull) {
		if (!cp_loop_timer_armed(&d->coalesce))
			cp_loop_timer_at(d->loop, &d->coalesce,
					 d->last_build_ns + CP_BUILD_GAP_MS * 1000000ull);
		return;
	}
	slot = cp_publish_slot(d->shm.hdr);
	if (slot < 0) {
		if (!d->busy_logged)
			CP_LOG_PUBLISH(INFO, "waiting: a worker still uses the slot to write");
		d->busy_logged = 1;
		return;
	}
	d->busy_logged = 0;
	rc = cp_model_view(d->model, &view);
	if (rc) {
		CP_LOG_TABLES(ERR, "no memory for the model's view: retrying");
		return;
	}
	if (d->neigh_dirty) {
		rc = cp_neigh_configure(d->neigh, &view);
		if (rc == 0) {
			/* the first step now, the rest on busy ticks: new backends come fast */
			d->neigh_dirty = 0;
			cp_neigh_refresh_start(d->neigh);
			cp_neigh_refresh_step(d->neigh, NEIGH_STEP);
			d->neigh_urgent = 1;
		} else {
			CP_LOG_NEIGH(ERR, "tracking the backends: %s", strerror(-rc));
		}
	}
	gen = cp_publish_next_generation(d->shm.hdr);
	d->last_build_ns = now;
	d->n_builds++;
	rc = cp_tables_build(d->tables, &view, cp_neigh_lookup, d->neigh, d->shm.hdr,
			     (unsigned int)slot, gen, now, &sum, why, sizeof(why));
	cp_model_view_free(&view);
	if (rc) {
		if (d->prev) {
			revert_reload(d, why);
			return; /* the running tables are still published; rebuilt next turn */
		}
		CP_LOG_TABLES(ERR, "generation %llu not built: %s", (unsigned long long)gen, why);
		snprintf(msg, sizeof(msg), "generation %llu not built: %s", (unsigned long long)gen,
			 why);
		cp_admin_settle(d->admin, d->n_builds, 0, msg);
		d->dirty = 0;
		return;
	}
	if (sum.n_capped != d->n_capped)
		log_capped(d, &sum);
	if (d->prev) {
		CP_LOG_CONFIG(INFO, "reload of %s accepted", d->cfg->file);
		cp_daemon_services_reload(d, d->prev);
		config_free(d->prev);
		d->prev = NULL;
	}
	log_drains(d, (unsigned int)slot);
	cp_publish_commit(&d->pub, (unsigned int)slot, cp_loop_now_ns());
	d->pub_ticket = d->n_builds;
	d->dirty = 0;
	/* instances that appear from now on are new, whatever the old tables said */
	cp_model_forget_seeds(d->model);
	CP_LOG_PUBLISH(INFO,
		       "published generation %llu (slot %d): %u VIPs, %u pools, %u backends "
		       "(%u active, %u unresolved, %u down, %u new, %u removed), %u draining; "
		       "Maglev tables: %u computed, %u unchanged",
		       (unsigned long long)gen, slot, sum.n_vips, sum.n_pools, sum.n_backends,
		       sum.n_active, sum.n_unresolved, sum.n_down, sum.n_new, sum.n_removed,
		       sum.n_draining, sum.n_maglev_built, sum.n_maglev_copied);
	poll_publish(d);
}

uint64_t cp_daemon_ticket(struct sluiced *d)
{
	cp_daemon_changed(d);
	return d->n_builds + 1;
}

void cp_daemon_changed(struct sluiced *d)
{
	d->dirty = 1;
	if (!cp_loop_timer_armed(&d->coalesce))
		cp_loop_timer_in(d->loop, &d->coalesce, 0);
}

static void on_coalesce(struct cp_loop_timer *t)
{
	try_publish(t->ctx);
}

int cp_daemon_reload(struct sluiced *d, char *why, size_t why_len)
{
	struct cfg *next = calloc(1, sizeof(*next)), *running;
	struct cfg_error err;
	struct sl_shm_geometry g, have;
	char buf[768];
	int rc;

	if (!next) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	CP_LOG_CONFIG(INFO, "reloading %s", d->config_path);
	rc = cfg_load(d->config_path, NULL, next, &err);
	if (rc) {
		cfg_strerror(&err, buf, sizeof(buf));
		CP_LOG_CONFIG(ERR, "reload refused: %s", buf);
		snprintf(why, why_len, "reload refused: %s", buf);
		free(next);
		return rc;
	}
	cfg_geometry(next, &g);
	sl_shm_geometry_of(d->shm.hdr, &have);
	if (memcmp(&g, &have, sizeof(g)) != 0) {
		snprintf(why, why_len,
			 "reload refused: %s: tables.* or the port count changed "
			 "the shared-memory geometry; restart sluiced (and sluice-dp) "
			 "to apply",
			 d->config_path);
		rc = -EINVAL;
	} else if (strcmp(next->instance, d->cfg->instance) != 0) {
		snprintf(why, why_len,
			 "reload refused: %s: instance changed from \"%s\" to "
			 "\"%s\"; restart sluiced to apply",
			 d->config_path, d->cfg->instance, next->instance);
		rc = -EINVAL;
	}
	if (rc) {
		CP_LOG_CONFIG(ERR, "%s", why);
		config_free(next);
		return rc;
	}
	warn_implicit_pools(next);
	/* the running config stays alive during the call (the model moves off it) */
	running = d->cfg;
	d->cfg = next;
	rc = cp_model_configure(d->model, next);
	if (rc) {
		d->cfg = running;
		cp_model_configure(d->model, running);
		config_free(next);
		snprintf(why, why_len, "reload refused: %s", strerror(-rc));
		CP_LOG_CONFIG(ERR, "%s", why);
		return rc;
	}
	/* a reload arriving before the previous one was built replaces it */
	if (d->prev)
		config_free(running);
	else
		d->prev = running;
	d->pub.timeout_ms = d->cfg->controlplane.publish_timeout_ms;
	d->neigh_dirty = 1;
	d->dirty = 1;
	d->last_build_ns = 0; /* a reload is built at once */
	try_publish(d);
	return 0;
}

static void on_tick(struct cp_loop_timer *t)
{
	struct sluiced *d = t->ctx;
	uint64_t now = cp_loop_now_ns(), every, expiry;
	int rc;

	if (shm_lost(d))
		return;
	cp_shm_heartbeat(&d->shm);
	poll_publish(d);

	/*
	 * A refresh pass runs NEIGH_STEP backends per tick, so thousands of
	 * unresolved backends cost a bounded slice of each tick, not a stall;
	 * the next pass is due REFRESH_*_NS after the last one ended. A pass for
	 * new backends (start, a change of the set) runs on busy ticks, the
	 * periodic one on idle ticks.
	 */
	every = cp_neigh_unresolved(d->neigh) ? REFRESH_UNRESOLVED_NS : REFRESH_NS;
	if (!cp_neigh_in_pass(d->neigh) && now - d->last_refresh_ns >= every)
		cp_neigh_refresh_start(d->neigh);
	if (cp_neigh_in_pass(d->neigh)) {
		rc = cp_neigh_refresh_step(d->neigh, NEIGH_STEP);
		if (rc > 0)
			d->dirty = 1;
		if (!cp_neigh_in_pass(d->neigh)) {
			d->last_refresh_ns = now;
			d->neigh_urgent = 0;
		}
	}
	expiry = cp_tables_next_expiry(d->tables);
	if (expiry && now >= expiry)
		d->dirty = 1; /* a drain ended: the next build frees its slot */
	if (d->starting) {
		uint32_t left = cp_neigh_unresolved(d->neigh);

		if (left == 0 ||
		    now - d->start_ns >=
			    (uint64_t)d->cfg->controlplane.neigh_timeout_ms * 1000000ull) {
			if (left)
				CP_LOG_NEIGH(WARN,
					     "%u backends still unresolved after %u ms: "
					     "publishing without them",
					     left, d->cfg->controlplane.neigh_timeout_ms);
			d->starting = 0;
			d->dirty = 1;
		}
	}
	try_publish(d);
	xdp_watch(d, now);
	if (d->xdp_sync_due || now - d->last_xdp_ns >= XDP_SYNC_NS) {
		d->xdp_sync_due = 0;
		d->last_xdp_ns = now;
		xdp_sync(d);
	}
	cp_loop_timer_in(d->loop, &d->tick, d->tick_ms);
}

/* Short ticks only while something waits for the dataplane or the kernel. */
static void update_tick(struct sluiced *d)
{
	set_tick(d, d->pub.word || d->starting || d->busy_logged ||
				    (d->neigh_urgent && cp_neigh_in_pass(d->neigh))
			    ? TICK_BUSY_MS
			    : TICK_IDLE_MS);
}

static void on_signal(struct cp_loop_fd *f, uint32_t events)
{
	struct sluiced *d = f->ctx;
	struct signalfd_siginfo si;
	char why[1024];

	(void)events;
	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			CP_LOG_CONFIG(INFO, "SIGHUP");
			cp_daemon_reload(d, why, sizeof(why));
			break;
		case SIGTERM:
		case SIGINT:
			if (shm_lost(d))
				break;
			CP_LOG_MAIN(INFO,
				    "%s: exiting; generation %llu stays published for the "
				    "dataplane",
				    strsignal((int)si.ssi_signo),
				    (unsigned long long)SL_GEN_OF(d->shm.hdr->published));
			d->stop = 1;
			break;
		}
	}
}

static void on_neigh(struct cp_loop_fd *f, uint32_t events)
{
	struct sluiced *d = f->ctx;
	int rc = cp_neigh_process(d->neigh);

	(void)events;
	if (rc < 0)
		CP_LOG_NEIGH(WARN, "rtnetlink events: %s", strerror(-rc));
	else if (rc > 0)
		d->dirty = 1;
	try_publish(d);
}

/* Thousands of probes each hold a socket while in flight. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= NOFILE_WANT)
		return;
	rl.rlim_cur = NOFILE_WANT;
	if (rl.rlim_max < NOFILE_WANT)
		rl.rlim_max = NOFILE_WANT; /* root may raise the hard limit */
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	CP_LOG_MAIN(DEBUG, "RLIMIT_NOFILE %llu", (unsigned long long)rl.rlim_cur);
}

static int start_tables(struct sluiced *d)
{
	struct sl_shm_geometry g;
	char buf[768];
	int rc;

	cfg_geometry(d->cfg, &g);
	rc = cp_shm_open(&d->shm, d->cfg->instance, &g, buf, sizeof(buf));
	if (rc) {
		CP_LOG_SHM(ERR, "%s", buf);
		return rc;
	}
	d->tables = cp_tables_new(g.max_backends);
	if (!d->tables)
		return -ENOMEM;
	if (d->shm.taken_over) {
		const struct sl_shm_header *h = d->shm.hdr;

		rc = cp_tables_adopt(d->tables, h);
		if (rc)
			return rc;
		CP_LOG_SHM(INFO, "took over /dev/shm%s at generation %llu (dataplane %s, pid %llu)",
			   d->shm.name, (unsigned long long)SL_GEN_OF(h->published),
			   cp_shm_pid_alive(h->dp_pid, NULL) ? "attached" : "not attached",
			   (unsigned long long)h->dp_pid);
	} else {
		CP_LOG_SHM(INFO, "created /dev/shm%s (%zu bytes)", d->shm.name, d->shm.size);
	}
	cp_publish_init(&d->pub, d->shm.hdr, d->cfg->controlplane.publish_timeout_ms);
	return 0;
}

static int start(struct sluiced *d)
{
	struct cfg_error err;
	struct cfg view;
	char buf[768];
	sigset_t set;
	int rc;

	d->cfg = calloc(1, sizeof(*d->cfg));
	if (!d->cfg)
		return -ENOMEM;
	rc = cfg_load(d->config_path, NULL, d->cfg, &err);
	if (rc) {
		CP_LOG_CONFIG(ERR, "%s", cfg_strerror(&err, buf, sizeof(buf)));
		return rc;
	}
	CP_LOG_CONFIG(INFO, "%s: instance %s, %u VIPs, %u pools, %u ports", d->cfg->file,
		      d->cfg->instance, d->cfg->n_vips, d->cfg->n_pools, d->cfg->dataplane.n_ports);
	warn_implicit_pools(d->cfg);
	raise_nofile();

	rc = start_tables(d);
	if (rc)
		return rc;
	d->loop = cp_loop_new();
	if (!d->loop)
		return -errno;
	cp_loop_timer_init(&d->tick, on_tick, d);
	cp_loop_timer_init(&d->coalesce, on_coalesce, d);

	d->neigh = cp_neigh_new();
	if (!d->neigh) {
		rc = -errno;
		CP_LOG_NEIGH(ERR, "rtnetlink: %s", strerror(errno));
		return rc;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0)
		return -errno;
	rc = cp_loop_fd_add(d->loop, &d->sig_lfd, d->sigfd, EPOLLIN, on_signal, d);
	if (!rc)
		rc = cp_loop_fd_add(d->loop, &d->neigh_lfd, cp_neigh_fd(d->neigh), EPOLLIN,
				    on_neigh, d);
	if (rc)
		return rc;

	/* the model: static backends now, probes start, providers report into it */
	rc = cp_daemon_model_init(d);
	if (rc)
		return rc;
	if (d->shm.taken_over) {
		/* who served in the generation the dataplane follows keeps serving */
		rc = cp_model_adopt(d->model, d->shm.hdr);
		if (rc < 0)
			return rc;
		CP_LOG_HEALTH(INFO, "health of %d backends taken over from generation %llu", rc,
			      (unsigned long long)SL_GEN_OF(d->shm.hdr->published));
	}
	rc = cp_model_configure(d->model, d->cfg);
	if (rc)
		return rc;
	rc = cp_daemon_services_start(d);
	if (rc)
		return rc;

	for (uint32_t i = 0; i < SL_MAX_PORTS_LIMIT; i++)
		d->xdp_rc[i] = XDP_RC_UNKNOWN;
	rc = cp_model_view(d->model, &view);
	if (rc)
		return rc;
	rc = cp_neigh_configure(d->neigh, &view);
	cp_model_view_free(&view);
	if (rc)
		return rc;
	d->neigh_dirty = 0;
	d->start_ns = d->last_refresh_ns = cp_loop_now_ns();
	d->starting = 1;
	d->dirty = 1;
	cp_neigh_refresh_start(d->neigh);
	rc = cp_neigh_refresh_step(d->neigh, NEIGH_STEP);
	if (rc < 0) {
		CP_LOG_NEIGH(ERR, "rtnetlink: %s", strerror(-rc));
		return rc;
	}
	d->neigh_urgent = 1;
	if (cp_neigh_unresolved(d->neigh) == 0) {
		d->starting = 0;
		try_publish(d);
	}
	d->tick_ms = d->starting || d->pub.word ? TICK_BUSY_MS : TICK_IDLE_MS;
	return cp_loop_timer_in(d->loop, &d->tick, d->tick_ms);
}

static int run(struct sluiced *d)
{
	CP_LOG_MAIN(INFO, "sluiced %d running", (int)getpid());
	while (!d->stop) {
		int rc = cp_loop_run_once(d->loop, -1);

		if (rc < 0)
			return rc;
		update_tick(d);
	}
	return d->shm_lost ? -EFAULT : 0;
}

/*
 * SIGBUS: a page of the segment vanished between two checks of its size
 * (shm_lost()). Nothing can go on from here; one line through write(2),
 * which a handler may call, says why the process ends.
 */
static void on_sigbus(int sig)
{
	static const char msg[] = "sluiced: SIGBUS: a page of the shared-memory segment is "
				  "gone (the segment was truncated); exiting\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nowhere else to say it */
	}
	_exit(1);
}

static void cleanup(struct sluiced *d)
{
	if (d->loop) {
		cp_loop_timer_cancel(d->loop, &d->tick);
		cp_loop_timer_cancel(d->loop, &d->coalesce);
		if (d->sigfd >= 0)
			cp_loop_fd_del(d->loop, &d->sig_lfd);
		if (d->neigh)
			cp_loop_fd_del(d->loop, &d->neigh_lfd);
	}
	cp_daemon_model_fini(d);
	if (d->sigfd >= 0)
		close(d->sigfd);
	cp_neigh_free(d->neigh);
	cp_loop_free(d->loop);
	cp_tables_free(d->tables);
	cp_shm_close(&d->shm);
	cp_xdp_cache_flush();
	config_free(d->prev);
	config_free(d->cfg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"debug", no_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sluiced d = {.config_path = CFG_DEFAULT_PATH, .sigfd = -1};
	int c, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGBUS, on_sigbus);
	while ((c = getopt_long(argc, argv, "c:dh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.config_path = optarg;
			break;
		case 'd':
			cp_log_level = CP_LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	rc = start(&d);
	if (!rc)
		rc = run(&d);
	if (rc)
		CP_LOG_MAIN(ERR, "exiting: %s", strerror(-rc));
	cleanup(&d);
	return rc ? 1 : 0;
}
