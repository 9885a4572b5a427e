/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-dp's DPDK telemetry commands (rte_telemetry, read with
 * dpdk-telemetry.py -f <file prefix>): /sluice/info, /sluice/workers,
 * /sluice/flows, /sluice/vips, /sluice/drops, all from the statistics the
 * workers keep in the segment. The telemetry thread answers them, not a
 * worker: nothing on the fast path changes. The segment the commands read
 * is set and cleared by the main lcore (under a lock the fast path never
 * takes), so a command never reads a segment being unmapped.
 */
#ifndef DP_TELEMETRY_H
#define DP_TELEMETRY_H

#include "sl_shm_types.h"

#define DP_TELEMETRY_VIPS_MAX 128 /* VIPs in one /sluice/vips reply (the reply's size) */

/* Register the commands (after rte_eal_init()). 0 or a negative errno (logged). */
int dp_telemetry_register(const char *instance);

/* The segment the commands read and its workers in use; NULL: none (they answer empty). */
void dp_telemetry_set_segment(const struct sl_shm_header *h, unsigned int n_workers);

#endif /* DP_TELEMETRY_H */
