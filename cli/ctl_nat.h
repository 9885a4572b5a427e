/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl's view of full NAT, from the segment mapped read-only: `nat
 * [--json]` (connections by state, the NAT counters and drops, per worker
 * and in total, and each NAT source's ports in use against each worker's
 * slice) and the nat VIPs' lines of `show` (flags and sources).
 */
#ifndef CTL_NAT_H
#define CTL_NAT_H

#include <stdio.h>

#include "ctl_show.h"

/* `sluicectl nat`: tables, or with @json one JSON object. 0 or a negative errno. */
int ctl_nat(const struct ctl_segment *s, FILE *out, int json);

/* `show`'s section on the nat VIPs of published slot @slot (nothing when there is none). */
void ctl_nat_show_vips(const struct sl_shm_header *h, unsigned int slot, FILE *out);

#endif /* CTL_NAT_H */
