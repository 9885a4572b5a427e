/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finding and reading the maps of BPF programs someone else loaded (the
 * af_xdp PMD loads sluice_xdp; a past `sluicectl backend attach` loaded
 * sluice_decap): by program id, map name and the layout in sl_bpf_types.h.
 * Both daemons keep sl_vips equal to a table's VIPs with the same function.
 * Userspace only (libbpf).
 */
#ifndef SL_BPF_H
#define SL_BPF_H

#include <stddef.h>
#include <stdint.h>

#include "sl_shm_types.h"

/*
 * Open the map named @name used by program @prog_id, checking its key and
 * value sizes. Returns a map fd (caller closes it), -ENOENT when the program
 * is gone or has no such map, -EPROTO when the sizes differ (another build
 * of the program), or another negative errno.
 */
int sl_bpf_prog_map(uint32_t prog_id, const char *name, uint32_t key_size, uint32_t value_size);

/*
 * Sum a per-CPU array of __u64 counters: out[i] for i < n; entries beyond
 * the map's size read as 0. Returns 0 or a negative errno.
 */
int sl_bpf_percpu_sum(int map_fd, uint64_t *out, uint32_t n);

/*
 * Make the sl_vips map @map_fd hold exactly the entries of @vips[0..n) and
 * of the full-NAT sources @src[0..n_src): one per VIP (address, port,
 * protocol; value vip_index = position in @vips), one address entry per
 * distinct VIP address (port 0, protocol 0; flags SL_XDP_ADDR_F_* of the
 * protocols with VIPs there) and one per NAT source (SL_XDP_ADDR_F_NAT,
 * its port range, vip_index = its index). Adds the missing, updates the
 * rest, then deletes the stale, so an entry in both the old and the new
 * set is never missing. Returns 0, -E2BIG/-ENOSPC more entries than the
 * map holds, -ENOMEM, or another negative errno from the kernel.
 */
int sl_bpf_sync_vips(int map_fd, const struct sl_vip *vips, uint32_t n,
		     const struct sl_nat_source *src, uint32_t n_src);

/*
 * The name of program @prog_id (at most 15 characters) into @name (@len
 * bytes). Returns 0, -ENOENT no such program, or another negative errno.
 */
int sl_bpf_prog_name(uint32_t prog_id, char *name, size_t len);

#endif /* SL_BPF_H */
