/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's ports, from dataplane.ports[] in the config: probing the
 * device (vdev or PCI), the mbuf pool, one RX and one TX queue per worker,
 * RSS on multi-queue ports, MTU, and the port statistics in shm.
 */
#ifndef DP_PORT_H
#define DP_PORT_H

#include <stdint.h>

#include <rte_ether.h>

#include "cfg_types.h"
#include "dp_types.h"
#include "sl_shm_types.h"

#define DP_PORT_DEVARGS_LEN (CFG_DEVARGS_LEN + CFG_PATH_LEN + 64)
#define DP_MBUF_CACHE 256 /* mbufs per lcore cache */

struct dp_port {
	char name[SL_NAME_LEN];
	char devargs[DP_PORT_DEVARGS_LEN];  /* as probed (xdp_prog=, queue_count= added) */
	char dev_name[DP_PORT_DEVARGS_LEN]; /* device name: devargs up to the first ',' */
	uint16_t port_id;
	uint16_t n_queues;
	uint16_t mtu;
	struct rte_ether_addr mac;
	int configured; /* rte_eth_dev_configure() done: close on exit */
	int started;
};

struct dp_ports {
	struct dp_port port[DP_MAX_PORTS];
	unsigned int n;
	struct rte_mempool *mbuf_pool;
};

/*
 * The devargs sluice-dp probes for @devargs: net_af_xdp devices without an
 * xdp_prog= get ",xdp_prog=@xdp_prog" (when @xdp_prog is not empty) and,
 * with @n_queues > 1 and no queue_count=, ",queue_count=@n_queues".
 * Returns 0 or -E2BIG.
 */
int dp_port_devargs(const char *devargs, const char *xdp_prog, unsigned int n_queues, char *out,
		    size_t len);

/*
 * Probe, configure and start every port of @cfg with @n_queues RX and TX
 * queues each (queue i belongs to worker i), on one mbuf pool sized from
 * dataplane.mbufs. @xdp_prog: steering program for af_xdp ports ("" for the
 * PMD's default). Returns 0 or a negative errno after logging which port
 * and which step failed; what was opened is left for dp_ports_close().
 */
int dp_ports_open(struct dp_ports *ps, const struct cfg *cfg, unsigned int n_queues,
		  unsigned int n_workers, const char *xdp_prog);

/* Worker @queue's view of every port (dp_worker.ports[]). */
void dp_ports_worker_ctx(const struct dp_ports *ps, unsigned int queue, struct dp_port_ctx *ctx);

/* Name, MAC, MTU, in_use of each port into the shm port area. */
void dp_ports_shm_fill(const struct dp_ports *ps, struct sl_shm_header *h);

/* Copy rte_eth_stats of each port to the shm port area (~every 100 ms). */
void dp_ports_stats_update(const struct dp_ports *ps, struct sl_shm_header *h);

/* Stop and close every port (af_xdp: detaches the XDP program), free the pool. */
void dp_ports_close(struct dp_ports *ps);

#endif /* DP_PORT_H */
