/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl's view of the http VIPs' counters, from the segment mapped
 * read-only: per http VIP its heads, the appliance's answers by reason,
 * re-binds and sticky hits, then each route's requests, answers and its
 * instances' responses by status class, and the requests each instance of
 * its pools took; all summed over the dataplane's workers. `stats` prints
 * them as tables or inside its JSON object.
 */
#ifndef CTL_HTTP_H
#define CTL_HTTP_H

#include <stddef.h>
#include <stdio.h>

#include "sl_shm.h"

/* A route's host as configured into @buf: "*" for any, "*.example" for a suffix. */
const char *ctl_route_host(const struct sl_route_key *k, char *buf, size_t len);

/* The http VIPs of published slot @slot (-1: none yet, nothing printed), as tables. */
void ctl_http_stats_text(const struct sl_shm_header *h, int slot, FILE *out);

/* The same as the JSON member "http":{VIP:{...},...} (an empty object for no slot). */
void ctl_http_stats_json(const struct sl_shm_header *h, int slot, FILE *out);

#endif /* CTL_HTTP_H */
