/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL start-up from the config: dataplane.eal plus what sluice-dp adds
 * (--file-prefix sluice-<instance>, the PCI allow list or --no-pci).
 */
#ifndef DP_EAL_H
#define DP_EAL_H

#include "cfg_types.h"

#define DP_EAL_ARGV_MAX (CFG_EAL_ARGS_MAX + 2 * SL_MAX_PORTS_LIMIT + 8)

struct dp_eal_args {
	char *argv[DP_EAL_ARGV_MAX + 1]; /* NULL-terminated; points into cfg and below */
	int argc;
	char file_prefix[SL_NAME_LEN + 16];
};

/* 1 when @devargs names a virtual device (net_af_xdp0,..., net_ring0, net_null0). */
int dp_eal_is_vdev(const char *devargs);

/*
 * Build the EAL command line for @cfg: @prog, dataplane.eal as given, then
 * "--file-prefix sluice-<instance>" unless the config sets one; PCI ports
 * become "-a DEVARGS" unless the config has its own -a/--allow list, and a
 * config with no PCI port and no PCI option gets "--no-pci". Virtual devices
 * are not added: dp_port.c probes them after EAL init. Returns 0 or -E2BIG.
 */
int dp_eal_args_build(const struct cfg *cfg, const char *prog, struct dp_eal_args *a);

/* rte_eal_init() with dp_eal_args_build(); logs the command line. 0 or -errno. */
int dp_eal_init(const struct cfg *cfg, const char *prog);

#endif /* DP_EAL_H */
