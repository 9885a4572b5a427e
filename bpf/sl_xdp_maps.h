/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maps of sluice_xdp. xsks_map is the AF_XDP socket per RX queue, filled by
 * DPDK's af_xdp PMD (it looks the map up by this exact name when the program
 * comes in through the xdp_prog= devarg). sl_vips is the VIP set sluiced keeps
 * equal to its published table (cp_xdp_sync_vips()), so VIPs change without a
 * reload. sl_xdp_stats counts every verdict per CPU.
 */
#ifndef SL_XDP_MAPS_H
#define SL_XDP_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sl_bpf_types.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, SL_XDP_XSKS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_XDP_VIPS_MAX);
	__type(key, struct sl_xdp_vip_key);
	__type(value, struct sl_xdp_vip_value);
} sl_vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_XDP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sl_xdp_stats SEC(".maps");

#endif /* SL_XDP_MAPS_H */
