/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced: config -> next hops -> tables -> shared memory, in one
 * non-blocking epoll loop (signalfd, timerfd, the rtnetlink event socket).
 *
 * Lifecycle: load the config (exit 1 naming file, line and key), create or
 * take over the segment, resolve next hops (up to neigh_timeout_ms for the
 * first answers), publish; then republish on SIGHUP (a bad file is refused
 * and the running tables stay), whenever a next hop changes, and when the
 * drain of a backend removed from the config ends. SIGTERM
 * exits 0 and leaves the segment and its tables to the dataplane; the next
 * sluiced takes over and continues the generation sequence.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "cp_config.h"
#include "cp_log.h"
#include "cp_neigh.h"
#include "cp_publish.h"
#include "cp_shm.h"
#include "cp_tables.h"
#include "cp_xdp.h"

#define TICK_IDLE_MS 100        /* ms: heartbeat and housekeeping */
#define TICK_BUSY_MS 1          /* ms: while waiting for acks or first next hops */
#define REFRESH_NS 5000000000ull /* ns: re-resolve every next hop */
#define REFRESH_UNRESOLVED_NS 1000000000ull /* ns: while some are unresolved */
#define XDP_SYNC_NS 1000000000ull /* ns: a restarted dataplane reloads an empty map */
#define XDP_RC_UNKNOWN 1

struct sluiced {
	const char *config_path;
	struct cp_config cfg;
	struct cp_config prev; /* running config while a reload is not yet built */
	int have_prev;
	struct cp_shm shm;
	struct cp_tables *tables;
	struct cp_neigh *neigh;
	struct cp_publisher pub;
	int epfd, sigfd, timerfd;
	int tick_ms;
	int dirty;    /* the tables need a publish */
	int starting; /* waiting for the first next hops */
	int busy_logged;
	int xdp_sync_due;
	uint64_t start_ns, last_refresh_ns, last_xdp_ns;
	int xdp_rc[SL_MAX_PORTS_LIMIT];
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: sluiced [-c FILE] [-d]\n"
		   "Sluice control plane: builds the load-balancing tables from the config\n"
		   "and publishes them to sluice-dp through /dev/shm/sluice-<instance>.\n"
		   "Runs in the foreground and logs to stdout.\n\n"
		   "  -c, --config FILE  configuration file (default %s)\n"
		   "  -d, --debug        log debug messages too\n"
		   "  -h, --help         this text\n\n"
		   "Signals: SIGHUP reloads the file (a bad file is refused, the running\n"
		   "tables stay); SIGTERM/SIGINT exit and leave the tables to the dataplane.\n",
		   CP_CONFIG_DEFAULT_PATH);
}

static int set_tick(struct sluiced *d, int ms)
{
	struct itimerspec its = { 0 };

	if (d->tick_ms == ms)
		return 0;
	its.it_interval.tv_sec = ms / 1000;
	its.it_interval.tv_nsec = (long)(ms % 1000) * 1000000L;
	its.it_value = its.it_interval;
	if (timerfd_settime(d->timerfd, 0, &its, NULL) != 0)
		return -errno;
	d->tick_ms = ms;
	return 0;
}

static void warn_implicit_pools(const struct cp_config *cfg)
{
	for (uint32_t p = 0; p < cfg->n_pools; p++)
		if (cfg->pools[p].implicit)
			CP_LOG_CONFIG(WARN,
				      "%s:%d: pool \"%s\" is named by a VIP but not defined: "
				      "it has no backends",
				      cfg->file, cfg->pools[p].line, cfg->pools[p].name);
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
	for (uint32_t i = 0; i < d->cfg.dataplane.n_ports; i++) {
		const char *iface = d->cfg.dataplane.ports[i].iface;
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
}

static void poll_publish(struct sluiced *d)
{
	char msg[256];

	switch (cp_publish_poll(&d->pub, cp_now_ns(), msg, sizeof(msg))) {
	case CP_PUBLISH_ACKED:
		CP_LOG_PUBLISH(INFO, "%s", msg);
		d->xdp_sync_due = 1;
		break;
	case CP_PUBLISH_TIMEOUT:
		CP_LOG_PUBLISH(WARN, "%s", msg);
		d->xdp_sync_due = 1;
		break;
	default:
		break;
	}
}

static void drop_prev(struct sluiced *d)
{
	if (d->have_prev) {
		cp_config_free(&d->prev);
		d->have_prev = 0;
	}
}

/* A reload whose tables could not be built: go back to the running config. */
static void revert_reload(struct sluiced *d, const char *why)
{
	CP_LOG_CONFIG(ERR, "reload refused: %s: %s", d->cfg.file, why);
	cp_config_free(&d->cfg);
	d->cfg = d->prev;
	d->have_prev = 0;
	if (cp_neigh_configure(d->neigh, &d->cfg) == 0)
		cp_neigh_refresh(d->neigh);
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
				      "backend %s (pool %s) removed from the config: draining, "
				      "established flows stay up to %u s",
				      n->name, np[n->pool].name, d->cfg.controlplane.drain_timeout);
		else if (was && !same)
			CP_LOG_TABLES(INFO, "backend %s finished draining, removed", o->name);
		else if (was && !is)
			CP_LOG_TABLES(INFO, "backend %s is back in the config: no longer draining",
				      n->name);
	}
}

/* Build and publish if something changed and the protocol allows it now. */
static void try_publish(struct sluiced *d)
{
	struct cp_tables_summary sum;
	char why[256];
	uint64_t gen;
	int slot, rc;

	if (!d->dirty || d->starting || d->pub.word)
		return; /* nothing to do, or coalesced into the next turn */
	slot = cp_publish_slot(d->shm.hdr);
	if (slot < 0) {
		if (!d->busy_logged)
			CP_LOG_PUBLISH(INFO, "waiting: a worker still uses the slot to write");
		d->busy_logged = 1;
		return;
	}
	d->busy_logged = 0;
	gen = cp_publish_next_generation(d->shm.hdr);
	rc = cp_tables_build(d->tables, &d->cfg, cp_neigh_lookup, d->neigh, d->shm.hdr,
			     (unsigned int)slot, gen, cp_now_ns(), &sum, why, sizeof(why));
	if (rc) {
		if (d->have_prev) {
			revert_reload(d, why);
			return; /* the running tables are still published */
		}
		CP_LOG_TABLES(ERR, "generation %llu not built: %s", (unsigned long long)gen, why);
		d->dirty = 0;
		return;
	}
	if (d->have_prev) {
		CP_LOG_CONFIG(INFO, "reload of %s accepted", d->cfg.file);
		drop_prev(d);
	}
	log_drains(d, (unsigned int)slot);
	cp_publish_commit(&d->pub, (unsigned int)slot, cp_now_ns());
	d->dirty = 0;
	CP_LOG_PUBLISH(INFO,
		       "published generation %llu (slot %d): %u VIPs, %u pools, %u backends "
		       "(%u active, %u unresolved, %u new, %u removed), %u draining",
		       (unsigned long long)gen, slot, sum.n_vips, sum.n_pools, sum.n_backends,
		       sum.n_active, sum.n_unresolved, sum.n_new, sum.n_removed, sum.n_draining);
	poll_publish(d);
}

static void reload(struct sluiced *d)
{
	struct cp_config next = { 0 };
	struct cp_config_error err;
	struct sl_shm_geometry g, have;
	char buf[768];
	int rc;

	CP_LOG_CONFIG(INFO, "SIGHUP: reloading %s", d->config_path);
	rc = cp_config_load(d->config_path, NULL, &next, &err);
	if (rc) {
		CP_LOG_CONFIG(ERR, "reload refused: %s", cp_config_strerror(&err, buf, sizeof(buf)));
		return;
	}
	cp_config_geometry(&next, &g);
	sl_shm_geometry_of(d->shm.hdr, &have);
	if (memcmp(&g, &have, sizeof(g)) != 0) {
		CP_LOG_CONFIG(ERR, "reload refused: %s: tables.* or the port count changed the "
				   "shared-memory geometry; restart sluiced (and sluice-dp) to apply",
			      d->config_path);
		cp_config_free(&next);
		return;
	}
	if (strcmp(next.instance, d->cfg.instance) != 0) {
		CP_LOG_CONFIG(ERR, "reload refused: %s: instance changed from \"%s\" to \"%s\"; "
				   "restart sluiced to apply",
			      d->config_path, d->cfg.instance, next.instance);
		cp_config_free(&next);
		return;
	}
	warn_implicit_pools(&next);
	/* a reload arriving before the previous one was built replaces it */
	if (d->have_prev)
		cp_config_free(&d->cfg);
	else
		d->prev = d->cfg;
	d->have_prev = 1;
	d->cfg = next;
	d->pub.timeout_ms = d->cfg.controlplane.publish_timeout_ms;
	rc = cp_neigh_configure(d->neigh, &d->cfg);
	if (rc) {
		revert_reload(d, strerror(-rc));
		return;
	}
	cp_neigh_refresh(d->neigh);
	d->last_refresh_ns = cp_now_ns();
	d->dirty = 1;
	try_publish(d);
}

static void on_tick(struct sluiced *d)
{
	uint64_t now = cp_now_ns(), every, expiry;
	uint64_t expirations;
	int rc;

	while (read(d->timerfd, &expirations, sizeof(expirations)) > 0)
		;
	cp_shm_heartbeat(&d->shm);
	poll_publish(d);

	every = cp_neigh_unresolved(d->neigh) ? REFRESH_UNRESOLVED_NS : REFRESH_NS;
	if (now - d->last_refresh_ns >= every) {
		d->last_refresh_ns = now;
		rc = cp_neigh_refresh(d->neigh);
		if (rc > 0)
			d->dirty = 1;
	}
	expiry = cp_tables_next_expiry(d->tables);
	if (expiry && now >= expiry)
		d->dirty = 1; /* a drain ended: the next build frees its slot */
	if (d->starting) {
		uint32_t left = cp_neigh_unresolved(d->neigh);

		if (left == 0 ||
		    now - d->start_ns >= (uint64_t)d->cfg.controlplane.neigh_timeout_ms * 1000000ull) {
			if (left)
				CP_LOG_NEIGH(WARN, "%u backends still unresolved after %u ms: "
						   "publishing without them",
					     left, d->cfg.controlplane.neigh_timeout_ms);
			d->starting = 0;
			d->dirty = 1;
		}
	}
	try_publish(d);
	if (d->xdp_sync_due || now - d->last_xdp_ns >= XDP_SYNC_NS) {
		d->xdp_sync_due = 0;
		d->last_xdp_ns = now;
		xdp_sync(d);
	}
}

/* Short ticks only while something waits for the dataplane or the kernel. */
static void update_tick(struct sluiced *d)
{
	set_tick(d, d->pub.word || d->starting || d->busy_logged ? TICK_BUSY_MS : TICK_IDLE_MS);
}

/* Returns 1 when the loop should end. */
static int on_signal(struct sluiced *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload(d);
			break;
		case SIGTERM:
		case SIGINT:
			CP_LOG_MAIN(INFO, "%s: exiting; generation %llu stays published for the "
					  "dataplane",
				    strsignal((int)si.ssi_signo),
				    (unsigned long long)SL_GEN_OF(d->shm.hdr->published));
			return 1;
		}
	}
	return 0;
}

static int add_fd(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
}

static int start(struct sluiced *d)
{
	struct cp_config_error err;
	struct sl_shm_geometry g;
	char buf[768];
	sigset_t set;
	int rc;

	rc = cp_config_load(d->config_path, NULL, &d->cfg, &err);
	if (rc) {
		CP_LOG_CONFIG(ERR, "%s", cp_config_strerror(&err, buf, sizeof(buf)));
		return rc;
	}
	CP_LOG_CONFIG(INFO, "%s: instance %s, %u VIPs, %u pools, %u ports", d->cfg.file,
		      d->cfg.instance, d->cfg.n_vips, d->cfg.n_pools, d->cfg.dataplane.n_ports);
	warn_implicit_pools(&d->cfg);

	cp_config_geometry(&d->cfg, &g);
	rc = cp_shm_open(&d->shm, d->cfg.instance, &g, buf, sizeof(buf));
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
			   cp_pid_alive(h->dp_pid, NULL) ? "attached" : "not attached",
			   (unsigned long long)h->dp_pid);
	} else {
		CP_LOG_SHM(INFO, "created /dev/shm%s (%zu bytes)", d->shm.name, d->shm.size);
	}
	cp_publish_init(&d->pub, d->shm.hdr, d->cfg.controlplane.publish_timeout_ms);

	d->neigh = cp_neigh_new();
	if (!d->neigh) {
		rc = -errno;
		CP_LOG_NEIGH(ERR, "rtnetlink: %s", strerror(errno));
		return rc;
	}
	rc = cp_neigh_configure(d->neigh, &d->cfg);
	if (rc)
		return rc;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sigfd < 0 || d->timerfd < 0 || d->epfd < 0)
		return -errno;
	rc = add_fd(d->epfd, d->sigfd);
	if (!rc)
		rc = add_fd(d->epfd, d->timerfd);
	if (!rc)
		rc = add_fd(d->epfd, cp_neigh_fd(d->neigh));
	if (rc)
		return rc;

	for (uint32_t i = 0; i < SL_MAX_PORTS_LIMIT; i++)
		d->xdp_rc[i] = XDP_RC_UNKNOWN;
	d->start_ns = d->last_refresh_ns = cp_now_ns();
	d->starting = 1;
	d->dirty = 1;
	rc = cp_neigh_refresh(d->neigh);
	if (rc < 0) {
		CP_LOG_NEIGH(ERR, "rtnetlink: %s", strerror(-rc));
		return rc;
	}
	if (cp_neigh_unresolved(d->neigh) == 0) {
		d->starting = 0;
		try_publish(d);
	}
	return set_tick(d, d->starting || d->pub.word ? TICK_BUSY_MS : TICK_IDLE_MS);
}

static int run(struct sluiced *d)
{
	struct epoll_event ev[8];

	CP_LOG_MAIN(INFO, "sluiced %d running", (int)getpid());
	for (;;) {
		int n = epoll_wait(d->epfd, ev, 8, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].data.fd == d->sigfd) {
				if (on_signal(d))
					return 0;
			} else if (ev[i].data.fd == d->timerfd) {
				on_tick(d);
			} else {
				int rc = cp_neigh_process(d->neigh);

				if (rc < 0)
					CP_LOG_NEIGH(WARN, "rtnetlink events: %s", strerror(-rc));
				else if (rc > 0)
					d->dirty = 1;
				try_publish(d);
			}
		}
		update_tick(d);
	}
}

static void cleanup(struct sluiced *d)
{
	if (d->epfd > 0)
		close(d->epfd);
	if (d->timerfd > 0)
		close(d->timerfd);
	if (d->sigfd > 0)
		close(d->sigfd);
	cp_neigh_free(d->neigh);
	cp_tables_free(d->tables);
	cp_shm_close(&d->shm);
	drop_prev(d);
	cp_config_free(&d->cfg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sluiced d = { .config_path = CP_CONFIG_DEFAULT_PATH, .epfd = -1, .sigfd = -1,
			     .timerfd = -1 };
	int c, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
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
