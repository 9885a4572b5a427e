/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maps and load-time settings of sluice_decap. sl_decap_local holds the
 * addresses tunnels may be addressed to (filled by `sluicectl backend attach`
 * with the interface's addresses); sl_decap_stats counts every outcome per
 * CPU. The GUE port lives in .rodata, set through the skeleton before load:
 * the verifier then sees a constant and a re-attach reloads the program.
 */
#ifndef SL_DECAP_MAPS_H
#define SL_DECAP_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "sl_bpf_types.h"

/* destination UDP port of GUE variant 1, wire order; 0 disables GUE */
const volatile __be16 sl_gue_port = bpf_htons(SL_DECAP_GUE_PORT_DEFAULT);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_DECAP_LOCAL_MAX);
	__type(key, struct sl_decap_local_key);
	__type(value, __u32); /* ifindex the address was found on (informational) */
} sl_decap_local SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_DECAP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sl_decap_stats SEC(".maps");

#endif /* SL_DECAP_MAPS_H */
