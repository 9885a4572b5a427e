/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event stream's lines (docs/events.md): one JSON object per line,
 * one schema for every kind. Every line starts with "ts" (UTC, ms) and
 * "kind" ("health", "flow", "request"); "instance" is an instance's name
 * in every kind (null when there is none); durations are integers in
 * microseconds. Pure functions: a record and the names its indices had in
 * the table, in; a line, out.
 */
#ifndef CP_EV_JSON_H
#define CP_EV_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "sl_event_types.h"
#include "sl_shm_types.h"

/* The workers' TSC, as the segment header states it (dp_tsc_*). */
struct cp_ev_clock {
	uint64_t hz;
	uint64_t ref_tsc;
	uint64_t ref_ns; /* CLOCK_REALTIME at ref_tsc */
};

/* CLOCK_REALTIME ns of TSC @tsc. */
uint64_t cp_ev_clock_ns(const struct cp_ev_clock *c, uint64_t tsc);

/* Microseconds from TSC @from to TSC @to (0 when @to is earlier). */
uint64_t cp_ev_clock_us(const struct cp_ev_clock *c, uint64_t from, uint64_t to);

/* What a record's indices named when sluiced read it; NULL: not known (any more). */
struct cp_ev_names {
	const char *vip;
	const char *instance;
	const struct sl_addr *instance_addr;
	uint8_t instance_af; /* enum sl_af of instance_addr */
	const char *route;   /* requests: the route's host and path, or "default" */
	uint8_t mode;	     /* enum sl_fwd_mode of the VIP (0: not known) */
};

/*
 * @f as a line into @buf (NUL-terminated, no newline). Returns its length,
 * -ENOSPC when @len is too small, -ENOMEM.
 */
int cp_ev_json_flow(const struct sl_ev_flow *f, const struct cp_ev_clock *c,
		    const struct cp_ev_names *n, char *buf, size_t len);

/* @r likewise; @keep_query 0: the path without its query. */
int cp_ev_json_request(const struct sl_ev_request *r, const struct cp_ev_clock *c,
		       const struct cp_ev_names *n, int keep_query, char *buf, size_t len);

/* A health change (the model's event) at @realtime_ns, likewise. */
int cp_ev_json_health(uint64_t realtime_ns, const char *event, const char *pool,
		      const char *instance, const char *old_state, const char *new_state,
		      const char *reason, char *buf, size_t len);

/* "ts" of @realtime_ns: 2026-12-02T04:40:00.123Z into @buf (at least 32 bytes). */
void cp_ev_json_time(uint64_t realtime_ns, char *buf, size_t len);

#endif /* CP_EV_JSON_H */
