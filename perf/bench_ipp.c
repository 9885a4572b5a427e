/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmark 3: instructions per packet of the real worker pipeline
 * (dp_worker_process: parse, VIP lookup, flow table or Maglev, rewrite,
 * transmit), run in process under valgrind --tool=callgrind.
 *
 * Set-up as in dataplane/dp_worker_test.c: EAL without hugepages or PCI,
 * two ring ports (0 faces clients, 1 the backends). The table is not built
 * by hand: a configuration made in code goes through the control plane's
 * own builder (cp_tables_build), publish (cp_publish_commit) and the
 * dataplane's own watcher (dp_tables_poll), as in production.
 *
 * Each scenario puts N packets on port 0's RX ring, then, with callgrind
 * instrumentation on (CALLGRIND_START/STOP_INSTRUMENTATION, run valgrind
 * with --instr-atstart=no), receives them in bursts of 32 and hands them to
 * dp_worker_process(); the counts are dumped per scenario
 * (CALLGRIND_DUMP_STATS_AT("<scenario>")). Established: the same flows
 * went through twice (SYN, then the ACK that makes each entry established)
 * before the measured pass of ACKs, so every measured packet is a flow
 * table hit in a flow's steady state. New: a SYN of a flow never seen (miss, Maglev
 * pick, insert). Outside valgrind the macros do nothing and the bench just
 * checks itself. One JSON line per scenario on stdout: what went through
 * (tx, drops, hits, misses), so the report can refuse a run that did
 * something else than intended.
 *
 * Usage: bench_ipp [-n PACKETS]   (packets per scenario, default 4096)
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/callgrind.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "bench_lib.h"
#include "cp_loop.h"
#include "cp_publish.h"
#include "cp_shm.h"
#include "cp_tables.h"
#include "dataplane/dp_flow.h"
#include "dataplane/dp_tables.h"
#include "dataplane/dp_worker.h"
#include "sl_drop.h"
#include "sl_shm.h"

#define RING_SIZE 16384
#define BURST 32

static const uint8_t port_mac[2][6] = {{2, 0, 0, 0, 0, 0xa0}, {2, 0, 0, 0, 0, 0xb0}};

static struct rte_mempool *pool;
static struct rte_ring *rx_ring[2], *tx_ring[2];
static struct dp_worker w;

struct scenario {
	const char *name;
	const char *vip; /* destination */
	uint8_t proto;
	uint16_t dport;
	int v6;
	int established;
};

/* Each VIP listed in the table below, as the config makes it. */
static int make_config(struct cfg *c)
{
	if (bench_cfg_init(c, 8, 8))
		return -ENOMEM;
	if (!bench_cfg_pool(c, "v4", 10, SL_AF_INET, 0) ||
	    !bench_cfg_pool(c, "v6", 10, SL_AF_INET6, 100) ||
	    !bench_cfg_pool(c, "dsr", 10, SL_AF_INET, 200))
		return -ENOMEM;
	if (!bench_cfg_vip(c, "dsr4", "198.18.100.1", 80, IPPROTO_TCP, SL_MODE_DSR, 0, "dsr") ||
	    !bench_cfg_vip(c, "ipip4", "198.18.100.2", 80, IPPROTO_TCP, SL_MODE_TUNNEL,
			   CFG_ENCAP_IPIP, "v4") ||
	    !bench_cfg_vip(c, "ip6ip6", "2001:2:0:100::1", 80, IPPROTO_TCP, SL_MODE_TUNNEL,
			   CFG_ENCAP_IPIP, "v6") ||
	    !bench_cfg_vip(c, "gue4", "198.18.100.3", 80, IPPROTO_TCP, SL_MODE_TUNNEL,
			   CFG_ENCAP_GUE, "v4"))
		return -EINVAL;
	return 0;
}

static int setup_eal(void)
{
	char *argv[] = {"bench_ipp",   "--no-huge",	"-m",	    "512", "--no-pci",
			"--no-shconf", "--file-prefix", "slpb-ipp", "-l",  "0",
			"--log-level", "error",		NULL};
	const char *names[2] = {"slpb_ipp_p0", "slpb_ipp_p1"};
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	if (rte_eal_init(12, argv) < 0) {
		fprintf(stderr, "bench_ipp: EAL init failed: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	pool = rte_pktmbuf_pool_create("slpb_ipp_mbufs", 2 * RING_SIZE, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (!pool)
		return -1;
	for (int p = 0; p < 2; p++) {
		char n[32];
		int id;

		snprintf(n, sizeof(n), "slpb_ipp_rx%d", p);
		rx_ring[p] =
			rte_ring_create(n, RING_SIZE, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(n, sizeof(n), "slpb_ipp_tx%d", p);
		tx_ring[p] =
			rte_ring_create(n, RING_SIZE, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!rx_ring[p] || !tx_ring[p])
			return -1;
		id = rte_eth_from_rings(names[p], &rx_ring[p], 1, &tx_ring[p], 1, SOCKET_ID_ANY);
		if (id < 0 || rte_eth_dev_configure((uint16_t)id, 1, 1, &conf) < 0 ||
		    rte_eth_rx_queue_setup((uint16_t)id, 0, 1024, SOCKET_ID_ANY, NULL, pool) < 0 ||
		    rte_eth_tx_queue_setup((uint16_t)id, 0, 1024, SOCKET_ID_ANY, NULL) < 0 ||
		    rte_eth_dev_start((uint16_t)id) < 0) {
			fprintf(stderr, "bench_ipp: ring port %s: cannot set up\n", names[p]);
			return -1;
		}
		w.ports[p].port_id = (uint16_t)id;
		w.ports[p].mtu = 1500;
		memcpy(&w.ports[p].mac, port_mac[p], 6);
	}
	w.n_ports = 2;
	w.burst = BURST;
	w.mbuf_pool = pool;
	w.tsc_hz = rte_get_tsc_hz();
	return 0;
}

/* Segment, real table build and publish, the dataplane's watcher: the table the worker follows. */
static int setup_table(struct sl_shm_header **seg_out)
{
	struct sl_shm_geometry g = {.max_workers = 1,
				    .max_ports = 2,
				    .max_vips = 8,
				    .max_pools = 8,
				    .max_backends = 64,
				    .maglev_size = 65537};
	const struct dp_flow_timeouts to = {
		.tcp = 300,
		.tcp_fin = 10,
		.udp = 30,
		.tcp_syn = 5,
		.frag = 2,
	};
	struct cp_tables_summary sum;
	struct cp_publisher pub;
	struct sl_shm_header h, *seg;
	struct cp_tables *ct;
	struct dp_tables *dt;
	struct cfg cfg;
	char why[256] = "";
	int slot, rc;

	if (sl_shm_layout(&g, &h, why, sizeof(why)) || make_config(&cfg)) {
		fprintf(stderr, "bench_ipp: layout/config: %s\n", why);
		return -1;
	}
	seg = aligned_alloc(4096, (h.total_bytes + 4095) & ~(size_t)4095);
	ct = cp_tables_new(g.max_backends);
	if (!seg || !ct)
		return -1;
	memset(seg, 0, h.total_bytes);
	memcpy(seg, &h, sizeof(h));
	slot = cp_publish_slot(seg);
	rc = cp_tables_build(ct, &cfg, bench_nexthop, NULL, seg, (unsigned int)slot,
			     cp_publish_next_generation(seg), cp_loop_now_ns(), &sum, why,
			     sizeof(why));
	if (rc) {
		fprintf(stderr, "bench_ipp: table build: %s\n", why);
		return -1;
	}
	cp_publish_init(&pub, seg, 1000);
	cp_publish_commit(&pub, (unsigned int)slot, cp_loop_now_ns());
	dt = dp_tables_create(seg, 1);
	if (!dt || dp_tables_poll(dt) != 1) {
		fprintf(stderr, "bench_ipp: the dataplane watcher refused the table: %.*s\n",
			(int)sizeof(seg->dp_reject_reason), seg->dp_reject_reason);
		return -1;
	}
	w.table = atomic_load(dp_tables_published(dt));
	w.ack = sl_shm_ack(seg, 0);
	w.stats = sl_shm_worker_stats(seg, 0);
	w.vip_stats = sl_stats_vips(w.stats);
	w.backend_stats = sl_stats_backends(seg, w.stats);
	w.flows = dp_flow_create(1u << 17, &to, w.tsc_hz);
	bench_cfg_free(&cfg);
	cp_tables_free(ct);
	*seg_out = seg;
	return w.flows ? 0 : -1;
}

/* Put @n packets of scenario @s (flows @first.., TCP @flags) on port 0's RX ring. */
static int enqueue(const struct scenario *s, uint32_t first, uint32_t n, uint8_t flags)
{
	uint8_t f[256];

	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = first + i;
		char src[64];
		struct bench_flow fl = {src,	  s->vip, s->proto, (uint16_t)(1024 + k % 60000),
					s->dport, flags,  64};
		struct rte_mbuf *m;
		uint32_t len;

		if (s->v6)
			snprintf(src, sizeof(src), "2001:2::a:%x", k / 60000 + 1);
		else
			snprintf(src, sizeof(src), "198.18.10.%u", k / 60000 + 1);
		len = bench_frame(f, sizeof(f), &fl, port_mac[0]);
		m = rte_pktmbuf_alloc(pool);
		if (!len || !m)
			return -1;
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
		if (rte_ring_enqueue(rx_ring[0], m))
			return -1;
	}
	return 0;
}

/* The measured part: what dp_worker_run does for each burst of port 0. */
static __attribute__((noinline)) void measure(const char *name)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n;

	CALLGRIND_START_INSTRUMENTATION;
	while ((n = rte_eth_rx_burst(w.ports[0].port_id, 0, pkts, BURST)) > 0)
		dp_worker_process(&w, pkts, n, 0);
	CALLGRIND_STOP_INSTRUMENTATION;
	CALLGRIND_DUMP_STATS_AT(name);
}

static void unmeasured(void)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n;

	while ((n = rte_eth_rx_burst(w.ports[0].port_id, 0, pkts, BURST)) > 0)
		dp_worker_process(&w, pkts, n, 0);
}

static uint32_t drain_tx(void)
{
	struct rte_mbuf *m;
	uint32_t n = 0;

	for (int p = 0; p < 2; p++)
		while (rte_ring_dequeue(tx_ring[p], (void **)&m) == 0) {
			rte_pktmbuf_free(m);
			n++;
		}
	return n;
}

static uint64_t drops_total(void)
{
	uint64_t d = 0;

	for (unsigned int r = 0; r < SL_DROP_MAX; r++)
		d += w.stats->drops[r];
	return d;
}

int main(int argc, char **argv)
{
	static const struct scenario sc[] = {
		{"dsr4", "198.18.100.1", IPPROTO_TCP, 80, 0, 0},
		{"ipip4", "198.18.100.2", IPPROTO_TCP, 80, 0, 0},
		{"ip6ip6", "2001:2:0:100::1", IPPROTO_TCP, 80, 1, 0},
		{"gue4", "198.18.100.3", IPPROTO_TCP, 80, 0, 0},
	};
	struct sl_shm_header *seg;
	uint32_t n = 4096, flow_base = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:h")) != -1) {
		if (opt == 'n' && atoi(optarg) > 0 && atoi(optarg) <= RING_SIZE - 1) {
			n = (uint32_t)atoi(optarg);
		} else {
			fprintf(stderr, "Usage: %s [-n PACKETS (1..%d)]\n", argv[0], RING_SIZE - 1);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (setup_eal() || setup_table(&seg))
		return 1;
	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++) {
		for (int est = 1; est >= 0; est--) {
			uint64_t hits = w.stats->flow_hits, misses = w.stats->flow_misses;
			uint64_t drops = drops_total();
			uint32_t tx;
			char name[64];

			snprintf(name, sizeof(name), "%s_%s", est ? "established" : "new",
				 sc[i].name);
			if (est) {
				/*
				 * open the flows first, unmeasured: the SYN, then the
				 * ACK that makes each entry established, so the
				 * measured ACKs are a flow's steady state
				 */
				if (enqueue(&sc[i], flow_base, n, RTE_TCP_SYN_FLAG))
					return 1;
				unmeasured();
				if (enqueue(&sc[i], flow_base, n, RTE_TCP_ACK_FLAG))
					return 1;
				unmeasured();
				drain_tx();
				hits = w.stats->flow_hits;
				misses = w.stats->flow_misses;
			}
			if (enqueue(&sc[i], est ? flow_base : flow_base + n, n,
				    est ? RTE_TCP_ACK_FLAG : RTE_TCP_SYN_FLAG))
				return 1;
			measure(name);
			tx = drain_tx();
			printf("{\"scenario\": \"%s\", \"packets\": %u, \"tx\": %u, \"drops\": "
			       "%llu, "
			       "\"flow_hits\": %llu, \"flow_misses\": %llu}\n",
			       name, n, tx, (unsigned long long)(drops_total() - drops),
			       (unsigned long long)(w.stats->flow_hits - hits),
			       (unsigned long long)(w.stats->flow_misses - misses));
			fflush(stdout);
		}
		flow_base += 2 * n;
	}
	return 0;
}
