/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced's metrics as Prometheus families (docs/metrics.md): every
 * counter the dataplane keeps in the segment (ports, workers, full NAT,
 * drops by reason, VIPs, backends, NAT source ports, http VIPs and
 * routes), summed over the workers where the family has no worker label,
 * named from the published slot; each instance's health from the model;
 * the publications. Labels are names from the config or discovery (port,
 * vip, pool, backend, route, the NAT source's address), never a client's
 * address or a request's path. The label for an instance is "backend":
 * Prometheus keeps "instance" for the scraped target.
 *
 * The histograms (request and flow durations) are kept elsewhere and
 * handed in as families of series (cp_metrics_hist_family).
 */
#ifndef CP_METRICS_H
#define CP_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cfg_types.h"
#include "cp_model.h"
#include "cp_prom.h"
#include "sl_shm.h"

/* What the publications came to (the publisher's counts). */
struct cp_metrics_publish {
	uint64_t acked, timeouts, unattached;
	uint64_t ack_ns_sum;  /* of the acked ones */
	uint64_t last_ack_ns; /* the last acked one's */
};

/* One histogram series: its labels (a NULL one is left out) and its buckets. */
struct cp_metrics_hist_series {
	const char *vip, *route, *backend;
	struct cp_prom_hist h;
};

/* A histogram family: "sluice_request_duration_seconds" and its series. */
struct cp_metrics_hist_family {
	const char *name;
	const char *help;
	const struct cp_metrics_hist_series *series;
	uint32_t n;
};

struct cp_metrics_src {
	const char *instance;		 /* the segment's name (sluice_info) */
	const struct sl_shm_header *hdr; /* the segment */
	bool dataplane_alive;		 /* hdr->dp_pid names a running sluice-dp */
	const struct cp_model *model;	 /* NULL: no health families */
	const struct cfg *cfg;		 /* the config @model was configured with */
	const struct cp_metrics_publish *publish;
	const struct cp_metrics_hist_family *hists; /* may be NULL */
	uint32_t n_hists;
};

/*
 * The whole exposition of @src to @out. The published slot must not change
 * meanwhile (sluiced calls it from its loop, where nothing rewrites a slot).
 * 0 or -EIO.
 */
int cp_metrics_write(FILE *out, const struct cp_metrics_src *src);

/* The histogram families alone (cp_metrics_write() ends with them). */
void cp_metrics_write_hists(struct cp_prom *w, const struct cp_metrics_hist_family *f, uint32_t n);

#endif /* CP_METRICS_H */
