/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Next hops of the backends from the kernel (rtnetlink): the route to each
 * backend (outgoing interface, gateway, preferred source) and the neighbour
 * entry of the next hop (its MAC), so the dataplane needs no ARP/ND of its
 * own. Missing neighbours are resolved by the kernel on request; neighbour
 * and route changes arrive on a subscribed socket the event loop watches.
 *
 * The requests themselves are answered synchronously by the kernel (no
 * network wait), so they are made on a separate blocking socket.
 */
#ifndef CP_NEIGH_H
#define CP_NEIGH_H

#include <stdint.h>

#include "cfg_types.h"
#include "cp_tables.h"

struct cp_neigh;

/* Open the request and event sockets; NULL with errno on failure. */
struct cp_neigh *cp_neigh_new(void);
void cp_neigh_free(struct cp_neigh *n);

/* Event socket for epoll (EPOLLIN: call cp_neigh_process()). */
int cp_neigh_fd(const struct cp_neigh *n);

/*
 * Track the backends and ports of @cfg (a backend address seen before keeps
 * what is known about it). Returns 0 or -ENOMEM.
 */
int cp_neigh_configure(struct cp_neigh *n, const struct cfg *cfg);

/*
 * Look up route and neighbour of every tracked backend again, asking the
 * kernel to resolve neighbours that are missing or stale. Returns the number
 * of backends whose next hop changed (republish when > 0), or a negative
 * errno when netlink itself failed. Two kernel requests per backend: for
 * many backends use the pass in steps below.
 */
int cp_neigh_refresh(struct cp_neigh *n);

/* Begin a refresh pass over every tracked backend (done by the steps). */
void cp_neigh_refresh_start(struct cp_neigh *n);
/* Whether a pass is under way (started here or by a route change). */
int cp_neigh_in_pass(const struct cp_neigh *n);
/*
 * The next @budget backends of the pass under way; it ends after the last
 * one. Returns the number whose next hop changed.
 */
int cp_neigh_refresh_step(struct cp_neigh *n, uint32_t budget);

/*
 * Read pending events; returns the number of changed backends or -errno.
 * A route change starts a refresh pass (cp_neigh_in_pass()).
 */
int cp_neigh_process(struct cp_neigh *n);

/* Backends without a next hop. */
uint32_t cp_neigh_unresolved(const struct cp_neigh *n);

/* cp_nexthop_fn over a struct cp_neigh: 0 and @nh when @addr is resolved. */
int cp_neigh_lookup(void *n, const struct sl_addr *addr, struct cp_nexthop *nh);

#endif /* CP_NEIGH_H */
