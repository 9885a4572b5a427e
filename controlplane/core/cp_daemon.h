/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced's state, shared by its two halves: cp_main.c (config, next hops,
 * tables, publish, signals, the loop) and cp_daemon_model.c (the model of
 * pools and instances and everything that feeds or reads it: health
 * probes, discovery providers, the admin socket, the event stream).
 */
#ifndef CP_DAEMON_H
#define CP_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "cfg_types.h"
#include "cp_log.h"
#include "cp_loop.h"
#include "cp_publish.h"
#include "cp_shm.h"

#define CP_LOG_HEALTH(lvl, ...) cp_log(CP_LOG_##lvl, "health", __VA_ARGS__)
#define CP_LOG_DISC(lvl, ...) cp_log(CP_LOG_##lvl, "discovery", __VA_ARGS__)
#define CP_LOG_ADMIN(lvl, ...) cp_log(CP_LOG_##lvl, "admin", __VA_ARGS__)

struct cp_model;
struct cp_health;
struct cp_disc_file;
struct cp_disc_dns;
struct cp_disc_etcd;
struct cp_admin;
struct cp_neigh;
struct cp_tables;
struct cp_daemon_probe;

struct sluiced {
	const char *config_path;
	struct cfg *cfg;  /* running config; the model refers to it */
	struct cfg *prev; /* the config before a reload not yet built, or NULL */
	struct cp_shm shm;
	struct cp_tables *tables;
	struct cp_neigh *neigh;
	struct cp_publisher pub;
	struct cp_loop *loop;
	struct cp_loop_fd sig_lfd, neigh_lfd;
	struct cp_loop_timer tick;     /* housekeeping, 1 ms while busy, else 100 ms */
	struct cp_loop_timer coalesce; /* the next build allowed after a burst of changes */
	int sigfd;
	uint32_t tick_ms;
	int stop;	  /* SIGTERM/SIGINT seen */
	int dirty;	  /* the tables need a publish */
	int neigh_dirty;  /* the set of backend addresses changed: reconfigure next hops */
	int neigh_urgent; /* the refresh pass under way is for new backends: busy ticks */
	int starting;	  /* waiting for the first next hops */
	int busy_logged;
	int xdp_sync_due;
	int shm_lost; /* the segment shrank under us: touch it no more, exit 1 */
	uint64_t start_ns, last_refresh_ns, last_xdp_ns, last_build_ns;
	uint64_t n_builds;   /* table builds started: admin tickets count in these */
	uint64_t pub_ticket; /* the build whose publication is in flight */
	uint32_t n_capped;   /* backends the last build left out (tables.max_backends) */
	int xdp_rc[SL_MAX_PORTS_LIMIT];
	int probe_rc[SL_MAX_PORTS_LIMIT];	  /* last cp_xdp_probe_add result per port */
	int tc_rc[SL_MAX_PORTS_LIMIT];		  /* last cp_probe_tc_attach result per port */
	uint32_t xdp_prog_id[SL_MAX_PORTS_LIMIT]; /* steering program seen per port, 0: none */
	uint64_t last_watch_ns;

	/* cp_daemon_model.c */
	struct cp_model *model;
	struct cp_health *health;
	struct cp_disc_file *disc_file;
	struct cp_disc_dns *disc_dns;
	struct cp_disc_etcd *disc_etcd;
	struct cp_admin *admin;
	struct cp_daemon_probe *tunnel_probes; /* probes through the tunnel, for the hook */
	int tunnel_wanted; /* some pool probes through the tunnel: keep sluice_probe attached */
};

/* cp_main.c: a change of the model wants a rebuild (coalesced). */
void cp_daemon_changed(struct sluiced *d);
/* cp_main.c: the same, and the admin ticket its publication settles (cp_admin_settle()). */
uint64_t cp_daemon_ticket(struct sluiced *d);
/* cp_main.c: reload the config file now (SIGHUP, admin "reload"). 0 or -errno + @why. */
int cp_daemon_reload(struct sluiced *d, char *why, size_t why_len);

/*
 * cp_daemon_model.c. Create the model and the probe engine (before the
 * first cp_model_configure()); start providers and the admin socket after
 * it. 0 or -errno, logged naming what failed.
 */
int cp_daemon_model_init(struct sluiced *d);
int cp_daemon_services_start(struct sluiced *d);
/* After an accepted reload: DNS names added, provider settings that changed. */
void cp_daemon_services_reload(struct sluiced *d, const struct cfg *old);
/* Free everything cp_daemon_model.c made (never from a loop handler). */
void cp_daemon_model_fini(struct sluiced *d);
/* Periodic: keep sluice_probe attached where tunnel probes need it. */
void cp_daemon_probe_sync(struct sluiced *d);
/*
 * Add every open probe socket to the sl_probes of port @port again: its XDP
 * program was replaced (the dataplane restarted) and the new map is empty.
 * Returns how many sockets were added.
 */
unsigned int cp_daemon_probes_readd(struct sluiced *d, uint32_t port);

#endif /* CP_DAEMON_H */
