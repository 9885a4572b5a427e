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
 * (address, port, protocol; value vip_index = position in @vips) and the
 * full-NAT sources @src[0..n_src) (sl_bpf_sync_vips()): adds the
 * missing, updates the rest, then deletes the stale. Looks at the native
 * (driver) program first, then the generic (skb) one. Returns 0; -ENODEV no
 * such interface; -ENOENT no XDP program, or one without sl_vips (not ours);
 * -EPROTO sl_vips has another key/value layout; -E2BIG/-ENOSPC more VIPs than
 * the map holds; another negative errno from the kernel.
 */
int cp_xdp_sync_vips(const char *ifname, const struct sl_vip *vips, uint32_t n,
		     const struct sl_nat_source *src, uint32_t n_src);

/* Sum sl_xdp_stats over CPUs into @out. Errors as cp_xdp_sync_vips(). */
int cp_xdp_read_stats(const char *ifname, uint64_t out[SL_XDP_STAT_MAX]);

/*
 * Health-check probes (sl_probes, see common/sl_bpf_types.h). Add the probe
 * socket bound to @local:@local_port (host order) with protocol @proto
 * (IPPROTO_TCP/UDP) to sl_probes of the XDP program on @ifname, so its
 * replies go to the kernel even when they look like VIP traffic. Call it
 * after bind() and before connect()/send(), so the first reply is covered.
 * @tunnel NULL: a direct probe (value all zero). Otherwise the probe goes
 * through the tunnel (sluice_probe on the interface's egress, see
 * cp_probe.h): @tunnel has SL_PROBE_F_TUNNEL, encap IPIP or GUE (gue_port
 * nonzero), and backend/vip of @local's family. An existing entry for the
 * same socket is replaced. Returns 0; -EINVAL bad @proto or @tunnel;
 * -EAFNOSUPPORT family mismatch; -E2BIG the map is full (SL_PROBES_MAX);
 * the lookup errors of cp_xdp_sync_vips() (-ENODEV, -ENOENT, -EPROTO).
 *
 * The map fd is cached per interface while the same program stays
 * attached; a replaced program (the dataplane restarted, new ids, empty
 * maps) is noticed on the next call, which then writes to the new map:
 * sluiced must add its open probes again when cp_xdp_prog_id() changes.
 */
int cp_xdp_probe_add(const char *ifname, const struct sl_addr *local, uint16_t local_port,
		     uint8_t proto, const struct sl_probe_value *tunnel);

/*
 * Remove the probe socket @local:@local_port/@proto (after close()).
 * Returns 0; -ENOENT no such entry (e.g. the program was replaced since the
 * add: nothing to do); lookup errors as cp_xdp_probe_add().
 */
int cp_xdp_probe_del(const char *ifname, const struct sl_addr *local, uint16_t local_port,
		     uint8_t proto);

/*
 * Empty sl_probes of the XDP program on @ifname: a sluiced killed with
 * SIGKILL leaves the entries of its open probe sockets behind, and nothing
 * else would ever remove them. For a starting sluiced, before its first
 * probe. Returns the number of entries removed, or the lookup errors of
 * cp_xdp_probe_add() (-ENODEV, -ENOENT, -EPROTO), or another negative errno.
 */
int cp_xdp_probes_clear(const char *ifname);

/*
 * The id of the sluice_xdp program on @ifname into *@prog_id (the one that
 * has sl_probes: driver mode first, then skb mode). Changes when the
 * dataplane restarts. Returns 0 or the lookup errors of cp_xdp_probe_add().
 */
int cp_xdp_prog_id(const char *ifname, uint32_t *prog_id);

/*
 * A new fd of sl_probes of the XDP program on @ifname (the caller closes it)
 * and the program's id into *@prog_id (may be NULL). For sluice_probe,
 * which must share this very map. Errors as cp_xdp_probe_add().
 */
int cp_xdp_probes_map(const char *ifname, uint32_t *prog_id);

/* Close the cached map fds (tests, shutdown). */
void cp_xdp_cache_flush(void);

/* "redirected", "pass_host", ... for an enum sl_xdp_stat; "unknown" otherwise. */
const char *cp_xdp_stat_name(unsigned int stat);

#endif /* CP_XDP_H */
