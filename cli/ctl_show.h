/* SPDX-License-Identifier: BSD-3-Clause */
/* sluicectl's read-only view of the segment: `show` and `stats [--json]`. */
#ifndef CTL_SHOW_H
#define CTL_SHOW_H

#include <stddef.h>
#include <stdio.h>

#include "sl_shm.h"

struct ctl_segment {
	const struct sl_shm_header *hdr; /* mapped PROT_READ, header checked */
	size_t size;
	char path[128];
	char instance[64];
};

/*
 * Map /dev/shm/sluice-<@instance> read-only and check its header. Returns 0
 * or a negative errno with @why ("/dev/shm/sluice-x: bad magic ...").
 */
int ctl_segment_open(struct ctl_segment *s, const char *instance, char *why, size_t why_len);
void ctl_segment_close(struct ctl_segment *s);

/*
 * The published slot, checked with sl_shm_check_slot() (retried if sluiced
 * rewrote it meanwhile). Returns the slot, -ENOENT (nothing published yet)
 * or -EBADMSG/-ERANGE with @why.
 */
int ctl_published_slot(const struct ctl_segment *s, char *why, size_t why_len);

/* Print the instance, generation, processes, VIPs, pools and backends. */
int ctl_show(const struct ctl_segment *s, FILE *out);

/* Print the counters; @json: one JSON object instead of tables. */
int ctl_stats(const struct ctl_segment *s, FILE *out, int json);

#endif /* CTL_SHOW_H */
