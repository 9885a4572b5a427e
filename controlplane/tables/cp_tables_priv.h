/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by the table builder's files: cp_tables.c keeps the
 * slot/uid assignment between builds and runs a build's steps; it calls
 * cp_tables_fill.c for the steps that write the slot (VIPs and pools,
 * backends, Maglev tables, the seal) and cp_tables_nat.c for the full-NAT
 * sources. Not for other modules.
 */
#ifndef CP_TABLES_PRIV_H
#define CP_TABLES_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "cp_tables.h"
#include "sl_maglev.h"

struct cp_tables_ident {
	char pool[SL_NAME_LEN];
	struct sl_addr addr;
	uint16_t port; /* host order, as configured */
};

struct cp_tables_slot {
	struct cp_tables_ident id;
	struct sl_backend last; /* record last written: a drain keeps its next hop */
	uint64_t uid;
	uint64_t freed_seq;	 /* build number that freed it; 0: never freed */
	uint64_t drain_deadline; /* CLOCK_MONOTONIC ns; 0 while draining: set by the next build */
	uint8_t in_use;
	uint8_t draining; /* in_use, but no longer in the config */
};

struct cp_tables_sorted {
	const struct cp_tables_ident *id;
	uint32_t slot;
};

/* A route's id as the last build gave it: (VIP name, key) -> id. */
struct cp_tables_route_id {
	char vip[SL_NAME_LEN];
	struct sl_route_key key;
	uint32_t id;
};

/*
 * Where the last build left each pool's Maglev table, so a build whose input
 * for that pool did not change copies the table from the other slot instead
 * of recomputing it: a membership or health change rebuilds only the pools
 * it touches.
 */
struct cp_tables_cache {
	char name[SL_NAME_LEN];
	uint64_t fingerprint; /* of the Maglev input: size, keys, weights, ids */
	uint32_t index;	      /* pool index in that slot */
	uint32_t slot;
};

struct cp_tables {
	uint32_t max_backends;
	struct cp_tables_cache *cache; /* one per pool of the last build */
	uint32_t n_cache;
	uint32_t high_water; /* slots [0, high_water) have been used */
	uint64_t next_uid;
	uint64_t build_seq;
	uint64_t next_expiry; /* earliest drain_deadline; 0: none draining */
	struct cp_tables_slot *slots;
	struct cp_tables_sorted *capped; /* left out of the last build, sorted, into capped_ids */
	struct cp_tables_ident *capped_ids;
	uint32_t n_capped;
	cp_nat_port_fn nat_port;
	void *nat_port_ctx;
	struct sl_addr nat_prev[SL_MAX_NAT_SOURCES_LIMIT]; /* the last build's sources, by index */
	uint32_t n_nat_prev;
	struct cp_tables_route_id *route_ids; /* of the last build, sorted by (vip, key) */
	uint32_t n_route_ids;
};

/* what a build does with a slot (kept[]) */
enum {
	CP_TABLES_SLOT_LEAVES = 0,     /* free, or freed by this build */
	CP_TABLES_SLOT_CONFIGURED = 1, /* a configured backend holds it */
	CP_TABLES_SLOT_DRAINING = 2,   /* its backend left the config and drains */
};

#define CP_TABLES_NS_PER_S 1000000000ull

/* a config backend located during a build */
struct cp_tables_ref {
	const struct cfg_pool *pool;
	const struct cfg_backend *be;
	uint32_t pool_index;
	uint32_t slot;
	uint64_t uid;
};

/*
 * One build under way: its input, the slot it writes, and the scratch its
 * steps pass on to each other (freed when it ends). Each step returns 0
 * or a negative errno with why[] filled; none touches the assignment in
 * @t but the last (commit), so a build that fails changes nothing. The
 * steps: 1 match the slots backends hold, 2 place newcomers, 3 VIPs and
 * pools, 3b NAT sources, 4 backends, 5 Maglev tables, 6 members, sticky ids,
 * routes and http blocks, 7 the seal, 8 commit.
 */
struct cp_tables_job {
	struct cp_tables *t;
	const struct cfg *cfg;
	cp_nexthop_fn nexthop;
	void *nexthop_ctx;
	struct sl_shm_header *h;
	unsigned int slot;
	uint64_t now_ns; /* CLOCK_MONOTONIC: drain deadlines */
	struct cp_tables_summary *sum;
	char *why;
	size_t why_len;

	struct cp_tables_ref *refs;  /* the configured backends (that got a slot, after step 2) */
	struct cp_tables_ident *ids; /* refs[i]'s identity, before step 2 */
	uint32_t n_refs;
	uint8_t *kept;			/* per slot: CP_TABLES_SLOT_* */
	uint32_t *vip_pool;		/* per VIP: the index of its pool in the slot */
	uint32_t n_pools;		/* pools in the slot */
	uint32_t old_pools;		/* pools the slot held before this build */
	uint32_t n_backends;		/* the highest slot written + 1 */
	struct sl_maglev_backend *mb;	/* one pool's Maglev input */
	uint64_t *fp;			/* per pool: the fingerprint of its Maglev input */
	struct cp_tables_ident *capped; /* newcomers left out for want of a slot */
	struct cp_tables_sorted *capped_sorted;
	uint32_t n_nat_sources;		      /* written by step 3b */
	struct cp_tables_route_id *route_ids; /* per route written, in slot order */
	uint32_t n_routes;		      /* routes written */
	uint32_t n_members;		      /* members written */
};

/*
 * Slot @s is in use but its backend is not in @cfg: may it drain? Returns
 * the index of its pool in @cfg and sets *@deadline, or -1 when it is to be
 * freed now (drain_timeout 0, no next hop ever known, pool gone, or its
 * deadline passed).
 */
int cp_tables_drain_check(const struct cp_tables *t, uint32_t s, const struct cfg *cfg,
			  uint64_t now_ns, uint64_t *deadline);

/* Steps 3 to 7 of a build: they write the slot, in this order. */
int cp_tables_fill_vips_pools(struct cp_tables_job *b);
/* Step 3b (cp_tables_nat.c): the NAT sources, and each nat VIP's run of them. */
int cp_tables_fill_nat(struct cp_tables_job *b);
void cp_tables_fill_backends(struct cp_tables_job *b);
int cp_tables_fill_maglev(struct cp_tables_job *b);
int cp_tables_fill_http(struct cp_tables_job *b); /* cp_tables_http.c */
void cp_tables_fill_seal(struct cp_tables_job *b, uint64_t generation);
/* After the commit: the routes' ids are the next build's to keep. */
void cp_tables_http_commit(struct cp_tables_job *b);
/* The route ids of @slot of @h, for a sluiced that adopts the segment. 0 or -ENOMEM. */
int cp_tables_http_adopt(struct cp_tables *t, const struct sl_shm_header *h, unsigned int slot);
/* After the commit: each pool's table is now in the build's slot, for the next build to copy. */
void cp_tables_fill_remember(struct cp_tables_job *b);
/* After the commit: the sources' indices, for the next build to keep. */
void cp_tables_nat_remember(struct cp_tables_job *b);
/* The sources of the slot @h->published names, as if the last build had written them. */
void cp_tables_nat_adopt(struct cp_tables *t, const struct sl_shm_header *h);

#endif /* CP_TABLES_PRIV_H */
