/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Health checks through the tunnel (tunnel-mode VIPs): sluice_probe on the
 * egress of the dataplane's interface turns a marked probe to a backend's
 * own address into the packet a client of the VIP would have sent it
 * (rewritten to the VIP, encapsulated); sluice_xdp turns the VIP's reply
 * back. Both read one sl_probes map, the XDP program's, which sluiced fills
 * with cp_xdp_probe_add(). Also a helper that prepares a probe socket so its
 * local address and port are known before the first packet leaves.
 */
#ifndef CP_PROBE_TC_H
#define CP_PROBE_TC_H

#include <stdint.h>

#include "sl_bpf_types.h"
#include "sl_shm_types.h"

#define CP_PROBE_TC_HANDLE 0x51cf /* tc filter handle of sluice_probe (egress) */
#define CP_PROBE_TC_PRIO 1	  /* tc filter priority: before anything else */

/*
 * Make sure sluice_probe is attached to @ifname's egress and reads the
 * sl_probes map of the XDP program attached there now. Returns 1 when it
 * (re)attached (first call, or the XDP program was replaced: the dataplane
 * restarted), 0 when the attached one is already current, -ENODEV no such
 * interface, -ENOENT no sluice_xdp there, -EEXIST the filter at our handle
 * and priority runs another program than sluice_probe (left alone), another
 * negative errno from the kernel (loading, clsact qdisc, filter). Cheap when
 * current (a few syscalls): call it from the periodic XDP sync.
 */
int cp_probe_tc_attach(const char *ifname);

/* Remove sluice_probe from @ifname's egress. 0, -ENOENT not attached, -ENODEV. */
int cp_probe_tc_detach(const char *ifname);

/* Sum sl_probe_stats of the attached sluice_probe. 0, -ENOENT not attached, -errno. */
int cp_probe_tc_read_stats(const char *ifname, uint64_t out[SL_PROBE_STAT_MAX]);

/* "tunnel_ipip", "pass_unmarked", ... for an enum sl_probe_stat; "unknown" otherwise. */
const char *cp_probe_tc_stat_name(unsigned int stat);

/*
 * Fill @v for a probe of @backend:@backend_port (host order) through the
 * tunnel of the VIP @vip:@vip_port (host order): @gue_port (wire order, as
 * sl_vip.gue_port) nonzero selects GUE, 0 IPIP/IP6IP6. Returns 0, or
 * -EAFNOSUPPORT when @vip and @backend differ in family (the inner packet
 * keeps the socket's family).
 */
int cp_probe_tc_tunnel_value(struct sl_probe_value *v, const struct sl_addr *backend,
			     uint16_t backend_port, const struct sl_addr *vip, uint16_t vip_port,
			     uint16_t gue_port);

/*
 * The source address routing picks towards @dst:@port (with @mark, 0:
 * none), into *@src: what a probe binds so sl_probes can key on it. 0 or
 * -errno (no route).
 */
int cp_probe_tc_route_source(const struct sl_addr *dst, uint16_t port, uint32_t mark,
			     struct sl_addr *src);

/*
 * Prepare the unconnected socket @fd (AF_INET for an IPv4-mapped @backend,
 * AF_INET6 otherwise; TCP or UDP) to probe @backend:@backend_port (host
 * order): bind it to the source address the kernel routes from towards the
 * backend and an ephemeral port, and with @tunnel set SO_MARK to
 * SL_PROBE_MARK. The bound address and port (host order) come back in
 * @local/@local_port, for cp_xdp_probe_add() before connect(). Returns 0 or
 * a negative errno (no route: -ENETUNREACH; SO_MARK needs CAP_NET_ADMIN).
 */
int cp_probe_tc_socket_prepare(int fd, const struct sl_addr *backend, uint16_t backend_port,
			       int tunnel, struct sl_addr *local, uint16_t *local_port);

#endif /* CP_PROBE_TC_H */
