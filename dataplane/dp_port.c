/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports of the dataplane. Virtual devices are probed here, after EAL init,
 * so their devargs can carry what only sluice-dp knows (the path of the
 * steering program it wrote, the queue count = the worker count); PCI
 * devices were named to EAL with -a by dp_eal.c and are only looked up.
 * Every worker owns queue i of every port; a port with more than one queue
 * hashes IP/TCP/UDP flows over them (RSS) when the device can.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dp_eal.h"
#include "dp_log.h"
#include "dp_port.h"
#include "sl_shm.h"

#define DP_RSS_HF (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)

/* Does the "name,k=v,k=v" string @devargs set @key? */
static int has_devarg(const char *devargs, const char *key)
{
	size_t n = strlen(key);
	const char *p = strchr(devargs, ',');

	while (p) {
		p++;
		if (strncmp(p, key, n) == 0 && p[n] == '=')
			return 1;
		p = strchr(p, ',');
	}
	return 0;
}

int dp_port_devargs(const char *devargs, const char *xdp_prog, unsigned int n_queues, char *out,
		    size_t len)
{
	int af_xdp = strncmp(devargs, "net_af_xdp", 10) == 0;
	size_t off;

	off = snprintf(out, len, "%s", devargs);
	if (af_xdp && xdp_prog && xdp_prog[0] && !has_devarg(devargs, "xdp_prog") && off < len)
		off += snprintf(out + off, len - off, ",xdp_prog=%s", xdp_prog);
	if (af_xdp && n_queues > 1 && !has_devarg(devargs, "queue_count") && off < len)
		off += snprintf(out + off, len - off, ",queue_count=%u", n_queues);
	return off < len ? 0 : -E2BIG;
}

/* The port id of a device probed from @dev_name (vdev name or PCI address). */
static int find_port(const char *dev_name, uint16_t *port_id)
{
	char full[64];

	if (rte_eth_dev_get_port_by_name(dev_name, port_id) == 0)
		return 0;
	/* "01:00.0" is probed as "0000:01:00.0" */
	snprintf(full, sizeof(full), "0000:%s", dev_name);
	if (rte_eth_dev_get_port_by_name(full, port_id) == 0)
		return 0;
	return -ENODEV;
}

static int probe(struct dp_port *p)
{
	int rc;

	if (dp_eal_is_vdev(p->devargs)) {
		rc = rte_dev_probe(p->devargs);
		if (rc < 0) {
			DP_PORT_LOG(ERR, "port %s: cannot probe %s: %s", p->name, p->devargs,
				    rte_strerror(-rc));
			return rc;
		}
	}
	rc = find_port(p->dev_name, &p->port_id);
	if (rc)
		DP_PORT_LOG(ERR, "port %s: no ethernet device %s after probing %s", p->name,
			    p->dev_name, p->devargs);
	return rc;
}

static int create_pool(struct dp_ports *ps, const struct cfg *cfg, unsigned int n_queues,
		       unsigned int n_workers)
{
	const struct cfg_dataplane *dp = &cfg->dataplane;
	uint32_t need, n = dp->mbufs;
	uint32_t max_mtu = 0;
	uint16_t data_room;

	/* every descriptor can hold one, plus bursts and caches in flight */
	need = dp->n_ports * n_queues * (dp->rx_desc + dp->tx_desc) +
	       (n_workers + 1) * (DP_MBUF_CACHE + DP_BURST_MAX * 2);
	if (n < need) {
		DP_PORT_LOG(WARNING,
			    "dataplane.mbufs %u is less than the %u the queues can hold; "
			    "using %u",
			    n, need, need);
		n = need;
	}
	for (uint32_t i = 0; i < dp->n_ports; i++)
		if (dp->ports[i].mtu > max_mtu)
			max_mtu = dp->ports[i].mtu;
	data_room = RTE_MBUF_DEFAULT_BUF_SIZE;
	if (max_mtu + RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN + RTE_PKTMBUF_HEADROOM > data_room)
		data_room = RTE_ALIGN_CEIL(max_mtu + RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN +
						   RTE_PKTMBUF_HEADROOM,
					   1024);
	ps->mbuf_pool = rte_pktmbuf_pool_create("sluice_mbufs", n, DP_MBUF_CACHE, 0, data_room,
						rte_socket_id());
	if (!ps->mbuf_pool) {
		DP_PORT_LOG(ERR,
			    "cannot create a pool of %u mbufs of %u bytes: %s "
			    "(lower dataplane.mbufs or give EAL more memory, -m)",
			    n, data_room, rte_strerror(rte_errno));
		return -rte_errno;
	}
	DP_PORT_LOG(INFO, "mbuf pool: %u mbufs of %u bytes", n, data_room);
	return 0;
}

static int setup(struct dp_port *p, const struct cfg_dataplane *dp, const struct cfg_port *pc,
		 unsigned int n_queues, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = dp->rx_desc, nb_txd = dp->tx_desc, mtu;
	int socket = rte_eth_dev_socket_id(p->port_id);
	const char *step;
	int rc;

	if (socket < 0)
		socket = (int)rte_socket_id();
	step = "device info";
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc)
		goto out;
	if (n_queues > info.max_rx_queues || n_queues > info.max_tx_queues) {
		DP_PORT_LOG(ERR,
			    "port %s (%s): %u worker queues, the device has at most %u RX "
			    "and %u TX queues",
			    p->name, p->devargs, n_queues, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	if (n_queues > 1) {
		conf.rx_adv_conf.rss_conf.rss_hf = DP_RSS_HF & info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf)
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		else
			DP_PORT_LOG(INFO,
				    "port %s: no RSS offload, the device spreads %u queues "
				    "itself",
				    p->name, n_queues);
	}
	step = "configure";
	rc = rte_eth_dev_configure(p->port_id, n_queues, n_queues, &conf);
	if (rc)
		goto out;
	p->configured = 1;
	step = "descriptor counts";
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	if (rc)
		goto out;
	if (pc->mtu) {
		step = "set MTU";
		rc = rte_eth_dev_set_mtu(p->port_id, pc->mtu);
		if (rc)
			goto out;
	}
	step = "RX queue";
	for (unsigned int q = 0; q < n_queues && rc == 0; q++)
		rc = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd, socket, NULL, pool);
	if (rc)
		goto out;
	step = "TX queue";
	for (unsigned int q = 0; q < n_queues && rc == 0; q++)
		rc = rte_eth_tx_queue_setup(p->port_id, q, nb_txd, socket, NULL);
	if (rc)
		goto out;
	step = "start";
	rc = rte_eth_dev_start(p->port_id);
	if (rc)
		goto out;
	p->started = 1;
	step = "MAC address";
	rc = rte_eth_macaddr_get(p->port_id, &p->mac);
	if (rc)
		goto out;
	step = "MTU";
	rc = rte_eth_dev_get_mtu(p->port_id, &mtu);
	if (rc)
		goto out;
	p->mtu = mtu;
	p->n_queues = n_queues;
	DP_PORT_LOG(INFO,
		    "port %s: %s (port id %u) up, mac " RTE_ETHER_ADDR_PRT_FMT
		    ", mtu %u, %u queues%s",
		    p->name, p->devargs, p->port_id, RTE_ETHER_ADDR_BYTES(&p->mac), p->mtu,
		    n_queues, conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS ? ", RSS" : "");
out:
	if (rc)
		DP_PORT_LOG(ERR, "port %s (%s): %s failed: %s", p->name, p->devargs, step,
			    rte_strerror(rc < 0 ? -rc : rc));
	return rc < 0 ? rc : -rc;
}

int dp_ports_open(struct dp_ports *ps, const struct cfg *cfg, unsigned int n_queues,
		  unsigned int n_workers, const char *xdp_prog)
{
	const struct cfg_dataplane *dp = &cfg->dataplane;
	int rc;

	memset(ps, 0, sizeof(*ps));
	if (dp->n_ports == 0 || dp->n_ports > DP_MAX_PORTS) {
		DP_PORT_LOG(ERR, "%s: %u ports configured, need 1 to %u", cfg->file, dp->n_ports,
			    DP_MAX_PORTS);
		return -EINVAL;
	}
	rc = create_pool(ps, cfg, n_queues, n_workers);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < dp->n_ports; i++) {
		const struct cfg_port *pc = &dp->ports[i];
		struct dp_port *p = &ps->port[i];
		size_t n;

		if (pc->rx_queues && pc->rx_queues != n_queues) {
			DP_PORT_LOG(ERR,
				    "%s: dataplane.ports[%u].rx_queues = %u, but there are %u "
				    "worker lcores (one queue each)",
				    cfg->file, i, pc->rx_queues, n_queues);
			return -EINVAL;
		}
		snprintf(p->name, sizeof(p->name), "%s", pc->name);
		rc = dp_port_devargs(pc->devargs, xdp_prog, n_queues, p->devargs,
				     sizeof(p->devargs));
		if (rc) {
			DP_PORT_LOG(ERR, "port %s: devargs too long", p->name);
			return rc;
		}
		n = strcspn(p->devargs, ",");
		/* the device name is the devargs up to the first comma */
		if (n >= sizeof(p->dev_name))
			n = sizeof(p->dev_name) - 1;
		memcpy(p->dev_name, p->devargs, n);
		p->dev_name[n] = '\0';
		rc = probe(p);
		if (rc)
			return rc;
		ps->n = i + 1;
		rc = setup(p, dp, pc, n_queues, ps->mbuf_pool);
		if (rc)
			return rc;
	}
	return 0;
}

void dp_ports_worker_ctx(const struct dp_ports *ps, unsigned int queue, struct dp_port_ctx *ctx)
{
	for (unsigned int i = 0; i < ps->n; i++) {
		ctx[i].port_id = ps->port[i].port_id;
		ctx[i].rx_queue = queue;
		ctx[i].tx_queue = queue;
		ctx[i].mtu = ps->port[i].mtu;
		ctx[i].mac = ps->port[i].mac;
	}
}

void dp_ports_shm_fill(const struct dp_ports *ps, struct sl_shm_header *h)
{
	for (unsigned int i = 0; i < h->max_ports; i++) {
		struct sl_port_stats *st = sl_shm_port_stats(h, i);

		memset(st, 0, sizeof(*st));
		if (i >= ps->n)
			continue;
		snprintf(st->name, sizeof(st->name), "%s", ps->port[i].name);
		memcpy(st->mac, ps->port[i].mac.addr_bytes, sizeof(st->mac));
		st->mtu = ps->port[i].mtu;
		__atomic_store_n(&st->in_use, 1, __ATOMIC_RELEASE);
	}
}

void dp_ports_stats_update(const struct dp_ports *ps, struct sl_shm_header *h)
{
	for (unsigned int i = 0; i < ps->n && i < h->max_ports; i++) {
		struct sl_port_stats *st = sl_shm_port_stats(h, i);
		struct rte_eth_stats es;

		if (!ps->port[i].started || rte_eth_stats_get(ps->port[i].port_id, &es) != 0)
			continue;
		__atomic_store_n(&st->ipackets, es.ipackets, __ATOMIC_RELAXED);
		__atomic_store_n(&st->opackets, es.opackets, __ATOMIC_RELAXED);
		__atomic_store_n(&st->ibytes, es.ibytes, __ATOMIC_RELAXED);
		__atomic_store_n(&st->obytes, es.obytes, __ATOMIC_RELAXED);
		__atomic_store_n(&st->imissed, es.imissed, __ATOMIC_RELAXED);
		__atomic_store_n(&st->ierrors, es.ierrors, __ATOMIC_RELAXED);
		__atomic_store_n(&st->oerrors, es.oerrors, __ATOMIC_RELAXED);
		__atomic_store_n(&st->rx_nombuf, es.rx_nombuf, __ATOMIC_RELAXED);
	}
}

void dp_ports_close(struct dp_ports *ps)
{
	for (unsigned int i = ps->n; i-- > 0;) {
		struct dp_port *p = &ps->port[i];
		int rc;

		if (p->started) {
			rc = rte_eth_dev_stop(p->port_id);
			if (rc)
				DP_PORT_LOG(WARNING, "port %s: stop: %s", p->name,
					    rte_strerror(-rc));
			p->started = 0;
		}
		rc = rte_eth_dev_close(p->port_id);
		if (rc)
			DP_PORT_LOG(WARNING, "port %s: close: %s", p->name, rte_strerror(-rc));
		else
			DP_PORT_LOG(INFO, "port %s: closed", p->name);
	}
	ps->n = 0;
	rte_mempool_free(ps->mbuf_pool);
	ps->mbuf_pool = NULL;
}
