/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What sluiced keeps on each port of the dataplane (its Linux interface,
 * cfg_port.iface): sluice_xdp's VIP map equal to the published VIPs, every
 * open health-probe socket in its sl_probes (so the replies reach the
 * kernel, not the dataplane) and, while some pool probes through the
 * tunnel, sluice_probe attached to the egress. At start sl_probes is
 * emptied of what a killed sluiced left. A port whose steering program
 * changed (the dataplane restarted: new program, empty maps) gets all of
 * it at once. Outcomes are logged when they change, per port.
 */
#ifndef CP_PORT_SYNC_H
#define CP_PORT_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg_types.h"
#include "cp_health.h"
#include "cp_health_wire.h"
#include "sl_shm.h"

#define CP_PORT_SYNC_VIPS_NS 1000000000ull /* ns: VIP maps rewritten (a new program's is empty) */
#define CP_PORT_SYNC_WATCH_NS 100000000ull /* ns: between two looks at each port's program */

struct cp_port_sync {
	struct cfg *const *cfg;		      /* the running config: its ports */
	const struct sl_shm_header *hdr;      /* the published VIPs */
	struct cp_health *health;	      /* the open probe sockets */
	const struct cp_health_wire *targets; /* their tunnel rewrites; is sluice_probe wanted */
	bool vips_due;			      /* a publication settled: sync at the next tick */
	uint64_t last_vips_ns, last_watch_ns;
	int vip_rc[SL_MAX_PORTS_LIMIT];	      /* last cp_xdp_sync_vips() per port */
	int probe_rc[SL_MAX_PORTS_LIMIT];     /* last cp_xdp_probe_add() per port */
	int tc_rc[SL_MAX_PORTS_LIMIT];	      /* last cp_probe_tc_attach() per port */
	uint32_t prog_id[SL_MAX_PORTS_LIMIT]; /* steering program seen per port, 0: none */
};

/*
 * Take over @health's socket hook and empty every port's sl_probes; before
 * the first probe starts.
 */
void cp_port_sync_init(struct cp_port_sync *ps, struct cfg *const *cfg,
		       const struct sl_shm_header *hdr, struct cp_health *health,
		       const struct cp_health_wire *targets);

/* A publication settled: the VIP maps follow at the next tick. */
void cp_port_sync_vips_due(struct cp_port_sync *ps);

/*
 * Housekeeping at CLOCK_MONOTONIC @now_ns: look at each port's program
 * (every CP_PORT_SYNC_WATCH_NS); sync the VIP maps and sluice_probe when a
 * program changed, a publication settled, or CP_PORT_SYNC_VIPS_NS passed.
 */
void cp_port_sync_tick(struct cp_port_sync *ps, uint64_t now_ns);

#endif /* CP_PORT_SYNC_H */
