/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `sluicectl top`: a live view of the segment's counters as rates, per VIP,
 * per HTTP route and per instance: requests/s (an http VIP's, route's or
 * instance's requests; an L4 VIP's or instance's new flows), errors/s
 * (the appliance's own answers, 5xx responses, connect failures), and the
 * p50/p99 columns ("-": the dataplane keeps no latency histograms yet).
 * Active connections are the dataplane's totals (flows, full-NAT
 * connections): it counts them per worker, not per VIP or instance. Each
 * frame is the difference of two snapshots; rows are matched by name, so
 * a new generation that reorders VIPs or instances is still right.
 */
#ifndef CTL_TOP_H
#define CTL_TOP_H

#include <stdint.h>
#include <stdio.h>

#include "ctl_show.h"

enum ctl_top_kind {
	CTL_TOP_VIP = 0,
	CTL_TOP_ROUTE = 1,
	CTL_TOP_INSTANCE = 2,
};

struct ctl_top_row {
	uint8_t kind;	/* enum ctl_top_kind */
	uint8_t http;	/* requests (http) rather than new flows (L4) */
	uint8_t errors; /* the row has an error count (L4 VIPs have none) */
	char name[160]; /* VIP name; "VIP ROUTE"; instance name */
	char group[40]; /* a VIP's mode, an instance's pool */
	uint64_t requests;
	uint64_t errs;
};

struct ctl_top_snap {
	uint64_t t_ns; /* CLOCK_MONOTONIC */
	uint64_t generation;
	uint32_t workers;
	uint64_t flows_active, nat_active;
	struct ctl_top_row *rows; /* malloc'd */
	uint32_t n;
};

/* The counters of @s now (summed over the workers), taken at @t_ns. 0 or -ENOMEM. */
int ctl_top_take(const struct ctl_segment *s, uint64_t t_ns, struct ctl_top_snap *out);
void ctl_top_free(struct ctl_top_snap *snap);

/* One frame: the rates from @prev to @cur (rows new in @cur count from 0). */
void ctl_top_render(const struct ctl_segment *s, const struct ctl_top_snap *prev,
		    const struct ctl_top_snap *cur, FILE *out);

/*
 * `sluicectl top [--once] [--interval S] [--count N]`: on a terminal,
 * frames redrawn in place every S seconds (default 1) until Ctrl-C;
 * otherwise (or with --once) frames one after another, N of them (--once:
 * one), without terminal codes. Exit status as sluicectl's.
 */
int ctl_top_main(const struct ctl_segment *s, int argc, char **argv);

#endif /* CTL_TOP_H */
