/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building one table slot from the configuration and the next-hop state.
 * Keeps the backend slot/uid assignment across builds: a backend, identified
 * by (pool name, address, port), keeps its slot index and uid for as long as
 * it exists, so per-backend counters and the dataplane's flows stay with it.
 *
 * A backend that leaves the config while its pool stays is drained rather
 * than dropped: it keeps its slot and uid, flagged SL_BACKEND_F_DRAINING with
 * weight 0 (no Maglev entries), for controlplane.drain_timeout seconds, so
 * the dataplane's established flows still reach it and no new flow does.
 * Only then is its slot freed. Time is the caller's CLOCK_MONOTONIC.
 *
 * A backend marked down (cfg_backend.down: sluiced's health checks say
 * it does not serve) keeps its slot and uid but is written with flags 0 and
 * weight 0: no Maglev entry, and the dataplane's flows on it move on their
 * next packet (a dead instance is not drained). If it then leaves the
 * config it is freed at once, as it has no next hop to drain to.
 */
#ifndef CP_TABLES_H
#define CP_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg_types.h"
#include "sl_shm.h"

/* What the kernel told us about the way to one backend. */
struct cp_nexthop {
	uint16_t tx_port;   /* index of the config port the route leaves through */
	uint8_t mac[6];	    /* next hop's link-layer address */
	struct sl_addr src; /* route's preferred source */
};

/*
 * Next-hop lookup used by the builder: fill @nh and return 0 when @addr is
 * resolved, else a negative errno (the backend goes in without ACTIVE).
 */
typedef int (*cp_nexthop_fn)(void *ctx, const struct sl_addr *addr, struct cp_nexthop *nh);

/*
 * The dataplane port whose subnet holds full-NAT source @addr (the port its
 * replies arrive on and its traffic leaves from): 0 and *@tx_port, else a
 * negative errno (the build fails naming the source).
 */
typedef int (*cp_nat_port_fn)(void *ctx, const struct sl_addr *addr, uint16_t *tx_port);

struct cp_tables;

struct cp_tables_summary {
	uint32_t n_vips;
	uint32_t n_pools;
	uint32_t n_backends;	  /* configured */
	uint32_t n_active;	  /* with a next hop */
	uint32_t n_unresolved;	  /* without */
	uint32_t n_new;		  /* got a slot in this build */
	uint32_t n_removed;	  /* lost their slot in this build (drain ended, or no drain) */
	uint32_t n_draining;	  /* removed from the config, in the table until their deadline */
	uint32_t n_maglev_built;  /* pool tables computed in this build */
	uint32_t n_maglev_copied; /* unchanged pool tables copied from the other slot */
	uint32_t n_down;	  /* cfg_backend.down: published without ACTIVE/RESOLVED */
	uint32_t n_capped;	  /* left out: no free slot (tables.max_backends) */
	char capped_pool[SL_NAME_LEN]; /* the pool of the first one left out */
	uint32_t n_nat_sources;	       /* full-NAT source addresses written */
	uint32_t n_nat_moved;	       /* of them, kept from the last build at another index */
};

/* Assignment state for a segment of @max_backends slots; NULL + errno. */
struct cp_tables *cp_tables_new(uint32_t max_backends);
void cp_tables_free(struct cp_tables *t);

/*
 * Where full-NAT sources leave (cp_nat_port_fn), for every build from now
 * on. Without one, a build with NAT sources fails (-EINVAL).
 */
void cp_tables_set_nat_port(struct cp_tables *t, cp_nat_port_fn fn, void *ctx);

/*
 * Continue the assignment a previous sluiced left in @h: backends of the
 * slot @h->published names keep their slot and uid; uids continue after the
 * highest found in either slot; slots below either slot's n_backends count
 * as used. Backends flagged SL_BACKEND_F_DRAINING there stay draining; their
 * deadline starts afresh at the next build (now + drain_timeout). The NAT
 * sources of that slot keep their indices where they can. Returns 0
 * or -EINVAL (geometry larger than @t).
 */
int cp_tables_adopt(struct cp_tables *t, const struct sl_shm_header *h);

/*
 * Write the tables for @cfg into @slot of @h (which no worker may be using)
 * with @generation, and seal it. @nexthop says which backends are resolved.
 * @now_ns (CLOCK_MONOTONIC) starts the drain of backends that left @cfg
 * (until now_ns + cfg->controlplane.drain_timeout s, never later than a
 * deadline already running) and frees those whose deadline passed (now_ns >=
 * deadline), whose pool left @cfg, or that never had a next hop.
 * Newcomers (backends without a slot yet) that find no free slot are left
 * out, the last ones in config order: the build goes on with the rest and
 * counts them in @sum (n_capped, capped_pool); cp_tables_capped() names them.
 * Full-NAT sources: nat.sources, then each nat VIP's own list, each list's
 * addresses of one family one contiguous run that every VIP using the list
 * shares; a source keeps the index it had in the last build unless its run
 * cannot stay in place (counted in n_nat_moved).
 * The assignment in @t changes only on success. Returns 0, or -ENOSPC (more
 * VIPs/pools/NAT sources than the segment holds), -EINVAL (duplicate
 * backend, weight out of range, a NAT source on no port), -ENOMEM, with
 * @why naming the offender.
 */
int cp_tables_build(struct cp_tables *t, const struct cfg *cfg, cp_nexthop_fn nexthop, void *ctx,
		    struct sl_shm_header *h, unsigned int slot, uint64_t generation,
		    uint64_t now_ns, struct cp_tables_summary *sum, char *why, size_t why_len);

/*
 * Earliest drain deadline (CLOCK_MONOTONIC ns) of the last successful build:
 * build again once it has passed. 0: nothing is draining.
 */
uint64_t cp_tables_next_expiry(const struct cp_tables *t);

/* Whether the last successful build left (@pool, @addr, @port) out for want of a slot. */
bool cp_tables_capped(const struct cp_tables *t, const char *pool, const struct sl_addr *addr,
		      uint16_t port);

/* Index of the pool named @name in @cfg->pools, or -1. */
int cp_tables_pool_index(const struct cfg *cfg, const char *name);

#endif /* CP_TABLES_H */
