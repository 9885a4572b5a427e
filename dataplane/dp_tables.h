/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table watcher: on the main lcore, follows header.published of the shm
 * segment, validates each new slot, builds a struct dp_table for the workers
 * and frees the tables they left behind once every worker acked a newer one.
 */
#ifndef DP_TABLES_H
#define DP_TABLES_H

#include <stdint.h>

#include "dp_types.h"
#include "sl_shm_types.h"

/* Tables published but not yet acked by every worker; beyond this, wait. */
#define DP_TABLES_RETIRED_MAX 8

struct dp_tables;

/*
 * Watch the segment at @h for @n_workers workers (ack cells 0..n_workers-1).
 * Does not read the segment yet: the first dp_tables_poll() picks up the
 * table that is current. Returns NULL with errno set (ENOMEM, EINVAL).
 */
struct dp_tables *dp_tables_create(struct sl_shm_header *h, unsigned int n_workers);

/* Free every table. Only once no worker runs any more. @t may be NULL. */
void dp_tables_free(struct dp_tables *t);

/* The pointer the workers load (acquire) between bursts; NULL before the first table. */
const struct dp_table *_Atomic *dp_tables_published(struct dp_tables *t);

/*
 * One turn of the watcher (~1 ms): free retired tables every worker has left,
 * then, if header.published names a generation not yet seen, check its slot
 * and publish it to the workers. Returns 1 when a new table was published,
 * 0 when nothing changed, or a negative errno when the new generation was
 * refused (its reason is in header.dp_reject_reason; the current table stays).
 */
int dp_tables_poll(struct dp_tables *t);

/* SL_GEN_WORD of the table the workers are given, 0 before the first. */
uint64_t dp_tables_word(const struct dp_tables *t);

/* Tables still waiting for every worker's ack before they are freed. */
unsigned int dp_tables_retired(const struct dp_tables *t);

#endif /* DP_TABLES_H */
