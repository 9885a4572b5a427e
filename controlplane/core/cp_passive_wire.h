/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The passive health wiring: the dataplane counts, per backend slot and
 * worker, the connections a backend refused or never answered
 * (sl_counter.connect_failures); every health.interval_ms of a pool whose
 * health.passive_fall is set, this sums each of its published backends'
 * counts over the workers and hands the growth since the last window to
 * the model (cp_model_passive()), which decides. A count belongs to a slot
 * and its uid: a slot that changes hands, or a count that went back (a
 * restarted dataplane zeroes its counters), starts afresh; a pool whose
 * name, interval or passive_fall a reload changed starts a new window from
 * the counts of that moment (failures while it was off are not judged),
 * within CP_PASSIVE_IDLE_MS.
 */
#ifndef CP_PASSIVE_WIRE_H
#define CP_PASSIVE_WIRE_H

#include <stdint.h>

#include "cfg_types.h"
#include "cp_loop.h"
#include "cp_model.h"
#include "sl_shm.h"

#define CP_PASSIVE_IDLE_MS 1000 /* how often a config without passive pools is looked at */

/* The count last seen of one backend slot. */
struct cp_passive_slot {
	uint64_t uid; /* the slot's sl_backend.uid it belongs to; 0: none */
	uint64_t base;
};

/* A pool's window, and the settings it was started with. */
struct cp_passive_pool {
	char name[SL_NAME_LEN];
	uint32_t interval_ms;
	uint32_t passive_fall; /* 0: not passive, no window */
	uint8_t rebase;	       /* settings new: the next firing takes its counts as the base */
	uint64_t due_ns;       /* CLOCK_MONOTONIC end of its window */
};

struct cp_passive_wire {
	struct cp_loop *loop;
	const struct sl_shm_header *h;
	struct cp_model *model;
	struct cfg *const *cfg; /* the running config: a reload replaces it */
	struct cp_loop_timer timer;
	struct cp_passive_slot *slots;
	uint32_t n_slots;
	struct cp_passive_pool *pools; /* per pool of the running config, by index */
	uint32_t n_pools;
};

void cp_passive_wire_init(struct cp_passive_wire *w, struct cp_loop *loop,
			  const struct sl_shm_header *h, struct cp_model *model,
			  struct cfg *const *cfg);

/* Look at the counters from now on (the first window of each pool starts now). 0 or -ENOMEM. */
int cp_passive_wire_start(struct cp_passive_wire *w);

void cp_passive_wire_stop(struct cp_passive_wire *w);

/* Backend slot @slot's connect failures, summed over the dataplane's workers. */
uint64_t cp_passive_wire_failures(const struct sl_shm_header *h, uint32_t slot);

#endif /* CP_PASSIVE_WIRE_H */
