/* SPDX-License-Identifier: BSD-3-Clause */
/* sluicectl's read-only view of the segment: `show` and `stats [--json]`. */
#ifndef CTL_SHOW_H
#define CTL_SHOW_H

#include <stddef.h>
#include <stdint.h>
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

/* The dataplane's workers in use (their statistics are live), at most max_workers. */
uint32_t ctl_workers(const struct sl_shm_header *h);

/* @a as text ("198.18.1.11", "2001:2::11") into @buf. */
const char *ctl_addr_str(const struct sl_addr *a, char *buf, size_t len);

/* A VIP's mode (SL_MODE_*) as the configuration spells it, "?" for none of them. */
const char *ctl_mode_name(uint8_t mode);

/*
 * The published slot for a view of the counters: the slot, -ENOENT (none
 * yet: the view prints without it), or another negative errno, said on
 * stderr ("sluicectl: PATH: published table refused: WHY").
 */
int ctl_counters_slot(const struct ctl_segment *s);

/* Print the instance, generation, processes, VIPs, pools and backends. */
int ctl_show(const struct ctl_segment *s, FILE *out);

/* Print the counters; @json: one JSON object instead of tables. */
int ctl_stats(const struct ctl_segment *s, FILE *out, int json);

#endif /* CTL_SHOW_H */
