/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * When the tables are built and published. A change (the model's, a next
 * hop's, a drain that ended) marks them dirty; the build runs from the
 * loop, coalesced: at most one per CP_PUBLISH_SCHED_GAP_MS, never while
 * the last publication waits for the dataplane's acks, never into a slot a
 * worker still acks, and not before the first next hops are known (up to
 * controlplane.neigh_timeout_ms). A reload is built at once: if its tables
 * cannot be built the model goes back to the running config (the reload
 * is reverted), else it is accepted and the providers follow it. Each
 * publication, once acked or timed out, answers the admin clients waiting
 * for it and has the ports' VIP maps follow. Drains starting, ending or
 * cancelled are logged per backend.
 *
 * The housekeeping tick runs here too: the segment's size and heartbeat,
 * the wait for acks, next-hop refresh passes (CP_PUBLISH_SCHED_NEIGH_STEP
 * backends a tick), drain deadlines, the ports (cp_port_sync.h); 1 ms
 * while something waits for the dataplane or the kernel, else 100 ms.
 */
#ifndef CP_PUBLISH_SCHED_H
#define CP_PUBLISH_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg_types.h"
#include "cp_admin.h"
#include "cp_disc_wire.h"
#include "cp_loop.h"
#include "cp_model.h"
#include "cp_nat_addr.h"
#include "cp_neigh.h"
#include "cp_port_sync.h"
#include "cp_publish.h"
#include "cp_shm.h"
#include "cp_tables.h"

#define CP_PUBLISH_SCHED_GAP_MS 100	/* ms: at least this between two table builds */
#define CP_PUBLISH_SCHED_IDLE_MS 100	/* ms: the tick, when nothing waits */
#define CP_PUBLISH_SCHED_BUSY_MS 1	/* ms: the tick, while waiting for acks or next hops */
#define CP_PUBLISH_SCHED_NEIGH_STEP 256 /* backends re-resolved per tick (two requests each) */
#define CP_PUBLISH_SCHED_REFRESH_NS 5000000000ull	     /* ns: re-resolve every next hop */
#define CP_PUBLISH_SCHED_REFRESH_UNRESOLVED_NS 1000000000ull /* ns: while some are unresolved */

/* The daemon's parts the scheduler drives. */
struct cp_publish_sched_parts {
	struct cp_loop *loop;
	struct cp_shm *shm;
	struct cp_tables *tables;
	struct cp_neigh *neigh;
	struct cp_model *model;
	struct cfg **cfg;	      /* the running config; a reload that fails is reverted here */
	struct cp_disc_wire *disc;    /* follows an accepted reload */
	struct cp_port_sync *ports;   /* follows each settled publication */
	struct cp_nat_addr *nat_addr; /* follows an accepted or reverted reload; NULL: none */
};

struct cp_publish_sched {
	struct cp_publish_sched_parts p;
	struct cp_admin
		*admin; /* its waiting clients are answered; NULL: none (set when it listens) */

	/* its own state */
	struct cfg *prev; /* the config before a reload not built yet, or NULL */
	struct cp_publisher pub;
	struct cp_loop_timer tick;
	struct cp_loop_timer coalesce; /* the next build allowed after a burst of changes */
	struct cp_loop_fd neigh_lfd;
	uint32_t tick_ms;
	bool dirty;	   /* the tables need a build */
	bool neigh_dirty;  /* the set of backend addresses changed: reconfigure next hops */
	bool neigh_urgent; /* the refresh pass under way is for new backends: busy ticks */
	bool starting;	   /* waiting for the first next hops */
	bool busy_logged;  /* "a worker still uses the slot" was said */
	bool shm_lost;	   /* the segment shrank under us: touch it no more */
	uint64_t start_ns, last_refresh_ns, last_build_ns; /* CLOCK_MONOTONIC */
	uint64_t n_builds;   /* builds started: admin tickets count in these */
	uint64_t pub_ticket; /* the build whose publication is in flight */
	uint32_t n_capped;   /* backends the last build left out (tables.max_backends) */
};

/* Ready to be told of changes (before the model is configured); nothing is built yet. */
void cp_publish_sched_init(struct cp_publish_sched *s, const struct cp_publish_sched_parts *parts);

/*
 * With the model configured: track the backends' next
 * hops, publish at once if every one is resolved (else once they are, or
 * after neigh_timeout_ms), watch next-hop events and start the tick.
 * 0 or -errno (logged).
 */
int cp_publish_sched_start(struct cp_publish_sched *s);
/* Cancel the timers, stop watching next hops, free a pending reload's old config. */
void cp_publish_sched_stop(struct cp_publish_sched *s);

/* The model's changed hook: the serving view changed, rebuild (coalesced). */
void cp_publish_sched_changed(struct cp_publish_sched *s);
/* An instance entered or left the model: its next hop is tracked from the next build. */
void cp_publish_sched_backends_changed(struct cp_publish_sched *s);
/*
 * A rebuild, as cp_publish_sched_changed(), and the admin ticket its
 * publication settles (cp_admin_settle()).
 */
uint64_t cp_publish_sched_ticket(struct cp_publish_sched *s);

/*
 * True when the dataplane holds every change made so far: no build due
 * (nor waiting for the first next hops) and no publication waiting for
 * its acks.
 */
bool cp_publish_sched_settled(const struct cp_publish_sched *s);

/* The generation published last (0: none yet). */
uint64_t cp_publish_sched_generation(const struct cp_publish_sched *s);

/*
 * A reload was handed to the model (*s->cfg is the new config): build it at
 * once. @old, the config it replaced, is freed when the reload is accepted
 * or reverted (a second reload before the build replaces the first).
 */
void cp_publish_sched_reloaded(struct cp_publish_sched *s, struct cfg *old);

/* After each turn of the loop: a short tick while something waits, else a long one. */
void cp_publish_sched_update_tick(struct cp_publish_sched *s);

/*
 * Whether the segment lost its size (truncated under us: the next touch is
 * SIGBUS). Checked now; once lost, always lost (logged once).
 */
bool cp_publish_sched_shm_lost(struct cp_publish_sched *s);

#endif /* CP_PUBLISH_SCHED_H */
