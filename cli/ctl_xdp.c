/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl xdp IFACE [--json]: the counters of the steering program on one
 * of the dataplane's interfaces (run in the interface's network namespace),
 * one per verdict: what went to the dataplane and what the kernel got, and
 * why (docs/architecture.md, BPF).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl_xdp.h"
#include "cp_xdp.h"

int ctl_xdp_main(int argc, char **argv)
{
	uint64_t st[SL_XDP_STAT_MAX];
	int json = argc == 3 && strcmp(argv[2], "--json") == 0, rc;

	if (argc < 2 || argc > 3 || (argc == 3 && !json)) {
		fprintf(stderr, "Usage: sluicectl xdp IFACE [--json]\n");
		return 2;
	}
	rc = cp_xdp_read_stats(argv[1], st);
	if (rc) {
		fprintf(stderr, "sluicectl: %s: %s\n", argv[1],
			rc == -ENOENT ? "no sluice_xdp program attached" : strerror(-rc));
		return 1;
	}
	for (unsigned int i = 0; i < SL_XDP_STAT_MAX; i++) {
		if (json)
			printf("%s\"%s\":%" PRIu64, i ? "," : "{", cp_xdp_stat_name(i), st[i]);
		else
			printf("%-24s %14" PRIu64 "\n", cp_xdp_stat_name(i), st[i]);
	}
	if (json)
		printf("}\n");
	return 0;
}
