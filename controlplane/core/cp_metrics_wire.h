/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The metrics endpoint joined to sluiced: metrics.listen of the config
 * sluiced started with (cp_metrics_http.h), each scrape a page of the
 * segment, the model under the running config and the publisher's counts
 * (cp_metrics.h), made on the loop. The histogram families come from
 * whoever keeps them (cp_metrics_wire_set_hists()).
 */
#ifndef CP_METRICS_WIRE_H
#define CP_METRICS_WIRE_H

#include "cfg_types.h"
#include "cp_loop.h"
#include "cp_metrics.h"
#include "cp_metrics_http.h"
#include "cp_model.h"
#include "cp_publish.h"
#include "cp_shm.h"

/*
 * Fill @out with the histogram families to add to a page: called for each
 * scrape; what it points to must stay valid until the page is written.
 * Returns the number of families.
 */
typedef uint32_t (*cp_metrics_wire_hists_fn)(void *ctx, const struct cp_metrics_hist_family **out);

struct cp_metrics_wire {
	struct cp_loop *loop;
	const struct cp_shm *shm;
	const struct cp_model *model;
	struct cfg *const *cfg;		/* the running config (the model's) */
	const struct cp_publisher *pub; /* its counts */
	cp_metrics_wire_hists_fn hists; /* NULL: none */
	void *hists_ctx;
	struct cp_metrics_http *http; /* NULL: metrics.listen is "off" */
};

void cp_metrics_wire_init(struct cp_metrics_wire *w, struct cp_loop *loop, const struct cp_shm *shm,
			  const struct cp_model *model, struct cfg *const *cfg,
			  const struct cp_publisher *pub);

/* Where the histogram families come from. */
void cp_metrics_wire_set_hists(struct cp_metrics_wire *w, cp_metrics_wire_hists_fn fn, void *ctx);

/*
 * Listen on metrics.listen (nothing for "off"), logged. 0, or -errno
 * logged as "metrics.listen ADDR:PORT: REASON".
 */
int cp_metrics_wire_start(struct cp_metrics_wire *w);
void cp_metrics_wire_stop(struct cp_metrics_wire *w);

/* One page, as a scrape gets it (tests). 0 or -EIO. */
int cp_metrics_wire_render(struct cp_metrics_wire *w, FILE *out);

#endif /* CP_METRICS_WIRE_H */
