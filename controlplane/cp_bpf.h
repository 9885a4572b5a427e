/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finding and reading the maps of BPF programs someone else loaded (the
 * af_xdp PMD loads sluice_xdp; a past `sluicectl backend attach` loaded
 * sluice_decap): by program id, map name and the layout in sl_bpf_types.h.
 * Shared by cp_xdp and ctl_backend.
 */
#ifndef CP_BPF_H
#define CP_BPF_H

#include <stdint.h>

/*
 * Open the map named @name used by program @prog_id, checking its key and
 * value sizes. Returns a map fd (caller closes it), -ENOENT when the program
 * is gone or has no such map, -EPROTO when the sizes differ (another build
 * of the program), or another negative errno.
 */
int cp_bpf_prog_map(uint32_t prog_id, const char *name, uint32_t key_size,
		    uint32_t value_size);

/*
 * Sum a per-CPU array of __u64 counters: out[i] for i < n; entries beyond
 * the map's size read as 0. Returns 0 or a negative errno.
 */
int cp_bpf_percpu_sum(int map_fd, uint64_t *out, uint32_t n);

#endif /* CP_BPF_H */
