/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Managing sluice_xdp on the dataplane's af_xdp ports from sluiced: keep the
 * program's VIP map equal to the published VIPs (no reload) and read its
 * verdict counters. The program is found through the interface (whatever
 * loaded it: the af_xdp PMD's xdp_prog= devarg or anyone else), so sluiced
 * needs no pinned maps and survives dataplane restarts.
 */
#ifndef CP_XDP_H
#define CP_XDP_H

#include <stdint.h>

#include "sl_bpf_types.h"
#include "sl_shm_types.h"

/*
 * Make sl_vips of the XDP program on @ifname hold exactly @vips[0..n)
 * (address, port, protocol; value vip_index = position in @vips): adds the
 * missing, updates the rest, then deletes the stale. Looks at the native
 * (driver) program first, then the generic (skb) one. Returns 0; -ENODEV no
 * such interface; -ENOENT no XDP program, or one without sl_vips (not ours);
 * -EPROTO sl_vips has another key/value layout; -E2BIG/-ENOSPC more VIPs than
 * the map holds; another negative errno from the kernel.
 */
int cp_xdp_sync_vips(const char *ifname, const struct sl_vip *vips, uint32_t n);

/* Sum sl_xdp_stats over CPUs into @out. Errors as cp_xdp_sync_vips(). */
int cp_xdp_read_stats(const char *ifname, uint64_t out[SL_XDP_STAT_MAX]);

/* "redirected", "pass_host", ... for an enum sl_xdp_stat; "unknown" otherwise. */
const char *cp_xdp_stat_name(unsigned int stat);

#endif /* CP_XDP_H */
