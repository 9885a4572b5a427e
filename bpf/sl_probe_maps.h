/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sl_probes: the health-check sockets of sluiced on this interface (struct
 * sl_probe_key -> struct sl_probe_value, common/sl_bpf_types.h). Included by
 * sluice_xdp, which owns the map (the af_xdp PMD creates it when it loads the
 * program), and by sluice_probe, which sluiced loads with
 * bpf_map__reuse_fd() on that very map, so both programs read one set of
 * entries that sluiced edits with cp_xdp_probe_add()/cp_xdp_probe_del().
 */
#ifndef SL_PROBE_MAPS_H
#define SL_PROBE_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sl_bpf_types.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_PROBES_MAX);
	__type(key, struct sl_probe_key);
	__type(value, struct sl_probe_value);
} sl_probes SEC(".maps");

#endif /* SL_PROBE_MAPS_H */
