/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event drain's latency histograms (cp_hist.h) as Prometheus
 * histogram families: sluice_request_duration_seconds,
 * sluice_request_ttfb_seconds (requests that had a first response byte)
 * and sluice_flow_duration_seconds, one series per (VIP, route, backend)
 * as the drain keeps them. The upper bounds are powers of two
 * microseconds, 2^7 (128 us) to 2^24 (16.8 s): each is an edge of
 * cp_hist's buckets, so every count is exact (no bucket straddles a
 * bound). Made on sluiced's loop for each scrape; allocates.
 */
#ifndef CP_METRICS_HIST_H
#define CP_METRICS_HIST_H

#include <stddef.h>
#include <stdint.h>

#include "cp_hist.h"
#include "cp_metrics.h"

#define CP_METRICS_HIST_LOW_EXP 7   /* the first bound: 2^7 us */
#define CP_METRICS_HIST_HIGH_EXP 24 /* the last bound: 2^24 us */
#define CP_METRICS_HIST_BOUNDS (CP_METRICS_HIST_HIGH_EXP - CP_METRICS_HIST_LOW_EXP + 1)
#define CP_METRICS_HIST_FAMILIES 3

/* The bounds, in seconds (ascending). */
extern const double cp_metrics_hist_le[CP_METRICS_HIST_BOUNDS];

struct cp_metrics_hists {
	struct cp_metrics_hist_family fam[CP_METRICS_HIST_FAMILIES];
	struct cp_metrics_hist_series *series; /* the families' series, one array */
	uint64_t *counts;		       /* CP_METRICS_HIST_BOUNDS + 1 per series */
	size_t cap;			       /* series the arrays hold */
};

/*
 * The families of @s (NULL: none, every family empty) into @m, replacing
 * what it held; the series point into @s's entries, valid until @s
 * changes. 0, or -ENOMEM (@m then holds empty families).
 */
int cp_metrics_hists_build(struct cp_metrics_hists *m, const struct cp_hist_set *s);

/*
 * The exported buckets of @h: @counts[0..CP_METRICS_HIST_BOUNDS] the
 * observations at most each bound and above the one before (not
 * cumulative), the last one those above the last bound.
 */
void cp_metrics_hist_fold(const struct cp_hist *h, uint64_t *counts);

void cp_metrics_hists_free(struct cp_metrics_hists *m);

#endif /* CP_METRICS_HIST_H */
