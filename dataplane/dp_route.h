/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a request or a new flow goes: for an http VIP and a request's
 * normalized host and path, its route (the first match of the VIP's run,
 * sorted as common/sl_route.h says) and so its pool, or the VIP's default
 * pool, or none (404); then the instance of that pool: the one a valid
 * sticky id names while it is a member of the pool, else by the pool's
 * balance: its Maglev entry for a hash, or smooth weighted round robin
 * (nginx's: each pick adds every member's weight to its current weight,
 * takes the largest and subtracts the total from it, so weights 5, 1, 1
 * give a a b a c a a), per worker. Pure functions of the table and the
 * worker's round-robin state: no allocation but dp_rr_init's, no I/O.
 */
#ifndef DP_ROUTE_H
#define DP_ROUTE_H

#include <stdint.h>

#include "dp_types.h"

#define DP_STICKY_HEX 16 /* a cookie value: 16 lower-case hex digits */

/* Room for @n_backends slots, all at zero. 0 or -ENOMEM. */
int dp_rr_init(struct dp_rr *rr, uint32_t n_backends);
void dp_rr_free(struct dp_rr *rr);

/*
 * A worker switches from table @old (NULL: none) to @cur: every pool of
 * @cur whose members (slots and weights, in order) differ from those of
 * @old's pool of the same index and name starts its rotation afresh; the
 * others go on where they were.
 */
void dp_rr_switch(struct dp_rr *rr, const struct dp_table *old, const struct dp_table *cur);

/* The next member of @pool by smooth weighted round robin, or SL_BACKEND_NONE (no member). */
uint32_t dp_rr_pick(struct dp_rr *rr, const struct dp_table *t, uint32_t pool);

/*
 * The route of http VIP @vip for normalized @host (may be empty) and @path:
 * its index in t->routes, or -1 when no route matches.
 */
int32_t dp_route_find(const struct dp_table *t, uint32_t vip, const char *host, uint32_t host_len,
		      const char *path, uint32_t path_len);

/*
 * The pool a request goes to: route @route's (an index dp_route_find gave),
 * or with @route -1 the VIP's default pool; SL_POOL_NONE when there is
 * neither (the appliance answers 404).
 */
uint32_t dp_route_pool(const struct dp_table *t, uint32_t vip, int32_t route);

/* A cookie value: 16 lower-case hex digits -> *@id. 0, or -EINVAL for anything else. */
int dp_sticky_parse(const char *v, uint32_t len, uint64_t *id);
/* @id as a cookie value: 16 lower-case hex digits into @out (not NUL-terminated). */
void dp_sticky_format(uint64_t id, char out[DP_STICKY_HEX]);

/* The member of @pool whose sticky id is @id, or SL_BACKEND_NONE (not a serving member). */
uint32_t dp_sticky_backend(const struct dp_table *t, uint32_t pool, uint64_t id);

/*
 * The instance of @pool for a new flow or request: by Maglev (the entry of
 * @hash) or round robin, as the pool says. SL_BACKEND_NONE when the pool
 * serves none.
 */
uint32_t dp_route_balance(struct dp_rr *rr, const struct dp_table *t, uint32_t pool, uint32_t hash);

/*
 * The instance of @pool for a request carrying sticky id *@id (@id NULL:
 * no valid cookie): that member if it serves in the pool (*@hit 1), else
 * dp_route_balance() (*@hit 0).
 */
uint32_t dp_route_instance(struct dp_rr *rr, const struct dp_table *t, uint32_t pool,
			   const uint64_t *id, uint32_t hash, int *hit);

#endif /* DP_ROUTE_H */
