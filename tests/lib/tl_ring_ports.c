/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL and two ring ports in one process (see tl_ring_ports.h). */
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "tl_ring_ports.h"

#define TL_RING_DESC 1024 /* RX and TX descriptors per port */

static int open_port(struct tl_ring_ports *rp, const struct tl_ring_ports_conf *c, int p,
		     struct dp_worker *w)
{
	struct rte_eth_conf conf;
	char name[32];
	int id;

	memset(&conf, 0, sizeof(conf));
	snprintf(name, sizeof(name), "tl_rx%d", p);
	rp->rx[p] =
		rte_ring_create(name, c->ring_size, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "tl_tx%d", p);
	rp->tx[p] =
		rte_ring_create(name, c->ring_size, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "tl_ring_p%d", p);
	if (!rp->rx[p] || !rp->tx[p]) {
		fprintf(stderr, "%s: rings of %s: %s\n", c->name, name, rte_strerror(rte_errno));
		return -1;
	}
	id = rte_eth_from_rings(name, &rp->rx[p], 1, &rp->tx[p], 1, SOCKET_ID_ANY);
	if (id < 0 || rte_eth_dev_configure((uint16_t)id, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup((uint16_t)id, 0, TL_RING_DESC, SOCKET_ID_ANY, NULL, rp->pool) <
		    0 ||
	    rte_eth_tx_queue_setup((uint16_t)id, 0, TL_RING_DESC, SOCKET_ID_ANY, NULL) < 0 ||
	    rte_eth_dev_start((uint16_t)id) < 0) {
		fprintf(stderr, "%s: ring port %s: cannot set up\n", c->name, name);
		return -1;
	}
	w->ports[p].port_id = (uint16_t)id;
	w->ports[p].mtu = c->mtu;
	memcpy(&w->ports[p].mac, c->mac[p], 6);
	return 0;
}

int tl_ring_ports_init(struct tl_ring_ports *rp, const struct tl_ring_ports_conf *c,
		       struct dp_worker *w)
{
	char mem[16];
	char *argv[] = {(char *)c->name,
			"--no-huge",
			"-m",
			mem,
			"--no-pci",
			"--no-shconf",
			"--file-prefix",
			(char *)c->file_prefix,
			"-l",
			"0",
			"--log-level",
			"error",
			NULL};

	snprintf(mem, sizeof(mem), "%u", c->mem_mb);
	if (rte_eal_init(sizeof(argv) / sizeof(argv[0]) - 1, argv) < 0) {
		fprintf(stderr, "%s: EAL init failed: %s\n", c->name, rte_strerror(rte_errno));
		return -1;
	}
	rp->pool = rte_pktmbuf_pool_create("tl_mbufs", c->mbufs, c->mbuf_cache, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (!rp->pool) {
		fprintf(stderr, "%s: mbuf pool: %s\n", c->name, rte_strerror(rte_errno));
		return -1;
	}
	for (int p = 0; p < 2; p++)
		if (open_port(rp, c, p, w))
			return -1;
	w->n_ports = 2;
	w->burst = c->burst;
	w->mbuf_pool = rp->pool;
	return 0;
}

unsigned int tl_ring_ports_drain(struct tl_ring_ports *rp)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	for (int p = 0; p < 2; p++)
		while (rte_ring_dequeue(rp->tx[p], (void **)&m) == 0) {
			rte_pktmbuf_free(m);
			n++;
		}
	return n;
}
