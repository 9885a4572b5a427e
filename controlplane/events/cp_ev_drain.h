/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced's side of the workers' event rings (common/sl_event_types.h):
 * on its loop, every CP_EV_DRAIN_MS, it reads what each worker wrote,
 * names the record's VIP, instance and route from the tables the
 * dataplane follows, adds its durations to the histograms, and writes the
 * kinds switched on (events.flows, events.requests) at the events.sample
 * rate as JSON lines (cp_ev_json.h) to the output (cp_ev_out.h). Sampling
 * is exact, not random: of every N records, N * sample are written.
 * Histograms count every record read, sampled or not.
 */
#ifndef CP_EV_DRAIN_H
#define CP_EV_DRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg_types.h"
#include "cp_ev_out.h"
#include "cp_hist.h"
#include "cp_loop.h"
#include "sl_shm_types.h"

#define CP_EV_DRAIN_MS 10 /* ms between two passes over the rings */

struct cp_ev_drain {
	struct cp_loop *loop;
	struct sl_shm_header *const *hdr; /* the segment (it may be mapped again) */
	struct cfg *const *cfg;		  /* the running config (a reload replaces it) */
	struct cp_ev_out *out;
	struct cp_hist_set *hist;
	struct cp_loop_timer timer;
	double credit;	     /* sampling: a record is written when this reaches 1 */
	uint64_t read[3];    /* records read, by enum sl_ev_kind */
	uint64_t written[3]; /* ... written out */
	/* Is the segment gone from under us (truncated)? Then the drain stops: NULL, never. */
	bool (*lost)(void *arg);
	void *lost_arg;
};

/* Start draining every CP_EV_DRAIN_MS. 0 or -ENOMEM. */
int cp_ev_drain_start(struct cp_ev_drain *d, struct cp_loop *loop, struct sl_shm_header *const *hdr,
		      struct cfg *const *cfg, struct cp_ev_out *out);
void cp_ev_drain_stop(struct cp_ev_drain *d);

/* One pass over every ring now (the timer's work), none once lost() says so. Returns the
 * records read. */
uint64_t cp_ev_drain_run(struct cp_ev_drain *d);

/* Records worker @worker's ring could not take (its ring was full). */
uint64_t cp_ev_drain_drops(const struct cp_ev_drain *d, unsigned int worker);

/* The histograms (for the metrics exporter). */
static inline const struct cp_hist_set *cp_ev_drain_hist(const struct cp_ev_drain *d)
{
	return d->hist;
}

#endif /* CP_EV_DRAIN_H */
