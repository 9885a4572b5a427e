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
 * pick, insert). Full NAT (nat4, nat6): the connections are opened first,
 * unmeasured (the client's SYN, the backend's SYN-ACK made from what left
 * towards it, the client's ACK), then the client's ACKs are measured
 * (established_nat*) and the backend's ACKs (established_nat*_reply);
 * new_nat* is a SYN that opens a connection. For NAT, "hits" are packets
 * that found their connection, "misses" connections opened. SYN proxy
 * (sp4, sp6): synproxy_syn_* is a client's SYN (MSS, SACK, timestamps,
 * window scale) answered by the cookie SYN-ACK, synproxy_ack_* the client's
 * ACK with that cookie + 1, which opens the connection and sends the
 * backend its SYN. The cookies of those ACKs are made here with
 * dataplane/dp_cookie.c under the segment's keys and the worker's minute,
 * and must equal the ones the SYN-ACKs carried. The NAT sources (one of
 * each family, on port 1) and the SYN-proxy flag are in the configuration
 * the builder reads; the cookie keys are written into the segment. HTTP
 * (http4, an http VIP with the demo's two routes): bench_ipp_http.c, a
 * short request's whole connection and a keep-alive request, per request.
 * Outside valgrind the macros do nothing and the bench just checks itself.
 * One JSON line per scenario on stdout: what went through (tx, drops,
 * hits, misses; for HTTP the requests and responses), so the report can
 * refuse a run that did something else than intended.
 *
 * Usage: bench_ipp [-n PACKETS]   (packets per scenario, default 4096)
 */
#include <arpa/inet.h>
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
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "bench_ipp.h"
#include "tl_ring_ports.h"
#include "bench_lib.h"
#include "cp_loop.h"
#include "cp_publish.h"
#include "cp_shm.h"
#include "cp_tables.h"
#include "dataplane/dp_conn.h"
#include "dataplane/dp_flow.h"
#include "dataplane/dp_tables.h"
#include "dataplane/dp_route.h"
#include "dataplane/dp_worker.h"
#include "dataplane/dp_worker_http.h"
#include "dataplane/dp_worker_nat.h"
#include "dataplane/dp_worker_sp.h"
#include "sl_drop.h"
#include "sl_shm.h"

struct tl_ring_ports ipp_rp;
struct dp_worker ipp_w;
static struct dp_http_worker ipp_http;

/* The SYN proxy's keys in the segment (key 0 current): the cookies are made with them. */
const uint64_t ipp_sp_keys[2][2] = {
	{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull},
	{0x1716151413121110ull, 0x1f1e1d1c1b1a1918ull},
};

static const char *const nat_src[2] = {"198.18.1.1", "2001:2:0:1::1"};

/* Each VIP listed in the table below, as the config makes it. */
static int make_config(struct cfg *c)
{
	struct cfg_vip *http;

	if (bench_cfg_init(c, 10, 8))
		return -ENOMEM;
	if (!bench_cfg_pool(c, "v4", 10, SL_AF_INET, 0) ||
	    !bench_cfg_pool(c, "v6", 10, SL_AF_INET6, 100) ||
	    !bench_cfg_pool(c, "dsr", 10, SL_AF_INET, 200) ||
	    !bench_cfg_pool(c, "nat4", 10, SL_AF_INET, 300) ||
	    !bench_cfg_pool(c, "nat6", 10, SL_AF_INET6, 400) ||
	    !bench_cfg_pool(c, "login", 10, SL_AF_INET, 500) ||
	    !bench_cfg_pool(c, "profile", 10, SL_AF_INET, 600))
		return -ENOMEM;
	if (!bench_cfg_vip(c, "dsr4", "198.18.100.1", 80, IPPROTO_TCP, SL_MODE_DSR, 0, "dsr") ||
	    !bench_cfg_vip(c, "ipip4", "198.18.100.2", 80, IPPROTO_TCP, SL_MODE_TUNNEL,
			   CFG_ENCAP_IPIP, "v4") ||
	    !bench_cfg_vip(c, "ip6ip6", "2001:2:0:100::1", 80, IPPROTO_TCP, SL_MODE_TUNNEL,
			   CFG_ENCAP_IPIP, "v6") ||
	    !bench_cfg_vip(c, "gue4", "198.18.100.3", 80, IPPROTO_TCP, SL_MODE_TUNNEL,
			   CFG_ENCAP_GUE, "v4") ||
	    !bench_cfg_vip(c, "nat4", "198.18.100.5", 80, IPPROTO_TCP, SL_MODE_NAT, 0, "nat4") ||
	    !bench_cfg_vip(c, "nat6", "2001:2:0:100::5", 80, IPPROTO_TCP, SL_MODE_NAT, 0, "nat6") ||
	    !bench_cfg_vip(c, "sp4", "198.18.100.7", 80, IPPROTO_TCP, SL_MODE_NAT, 0, "nat4") ||
	    !bench_cfg_vip(c, "sp6", "2001:2:0:100::7", 80, IPPROTO_TCP, SL_MODE_NAT, 0, "nat6"))
		return -EINVAL;
	for (uint32_t i = 0; i < c->n_vips; i++)
		if (!strncmp(c->vips[i].name, "sp", 2))
			c->vips[i].synproxy = 1;
	/* one NAT source of each family for the nat and http VIPs */
	for (int i = 0; i < 2; i++) {
		struct cfg_nat_source *ns = &c->nat.sources.a[i];

		if (i == 0) {
			uint32_t a;

			inet_pton(AF_INET, nat_src[0], &a);
			sl_addr_from_v4(&ns->addr, a);
		} else {
			inet_pton(AF_INET6, nat_src[1], ns->addr.a8);
		}
		ns->af = i == 0 ? SL_AF_INET : SL_AF_INET6;
	}
	c->nat.sources.n = 2;
	c->nat.port_min = 1024;
	c->nat.port_max = 65535;
	/* the demo's VIP (tests/lab/demo.sh): two routes, no default pool */
	http = bench_cfg_vip(c, "http4", "198.18.100.8", 80, IPPROTO_TCP, SL_MODE_HTTP, 0, "");
	if (!http || bench_cfg_route(http, "/login", "login") ||
	    bench_cfg_route(http, "/profile", "profile"))
		return -EINVAL;
	return 0;
}

/* cp_nat_port_fn: every NAT source leaves by port BENCH_TX_PORT. */
static int nat_port(void *ctx, const struct sl_addr *addr, uint16_t *tx_port)
{
	(void)ctx;
	(void)addr;
	*tx_port = BENCH_TX_PORT;
	return 0;
}

static int setup_eal(void)
{
	const struct tl_ring_ports_conf rc = {
		.name = "bench_ipp",
		.file_prefix = "slpb-ipp",
		.mem_mb = 512,
		.mbufs = 2 * RING_SIZE,
		.mbuf_cache = 256,
		.ring_size = RING_SIZE,
		.mtu = 1500,
		.burst = BURST,
		.mac = {{2, 0, 0, 0, 0, 0xa0}, {2, 0, 0, 0, 0, 0xb0}},
	};

	if (tl_ring_ports_init(&ipp_rp, &rc, &ipp_w))
		return -1;
	ipp_w.tsc_hz = rte_get_tsc_hz();
	return 0;
}

/* Segment, real table build and publish, the dataplane's watcher: the table the worker follows. */
static int setup_table(struct sl_shm_header **seg_out)
{
	struct sl_shm_geometry g = {.max_workers = 1,
				    .max_ports = 2,
				    .max_vips = 10,
				    .max_pools = 8,
				    .max_backends = 128,
				    .maglev_size = 65537,
				    .max_nat_sources = 2,
				    .max_routes = 4};
	const struct dp_flow_timeouts to = {
		.tcp = 300,
		.tcp_fin = 10,
		.udp = 30,
		.tcp_syn = 5,
		.frag = 2,
	};
	const struct dp_conn_timeouts cto = {
		.syn = 5,
		.established = 300,
		.fin = 10,
		.time_wait = 10,
		.close = 2,
		.udp = 30,
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
	cp_tables_set_nat_port(ct, nat_port, NULL);
	memcpy(seg->synproxy.key, ipp_sp_keys, sizeof(ipp_sp_keys));
	seg->synproxy.current = 0;
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
	ipp_w.table = atomic_load(dp_tables_published(dt));
	ipp_w.ack = sl_shm_ack(seg, 0);
	ipp_w.stats = sl_shm_worker_stats(seg, 0);
	ipp_w.vip_stats = sl_stats_vips(ipp_w.stats);
	ipp_w.backend_stats = sl_stats_backends(seg, ipp_w.stats);
	ipp_w.nat_port_stats = sl_stats_nat_ports(seg, ipp_w.stats);
	ipp_w.max_nat_sources = g.max_nat_sources;
	ipp_w.http_stats = sl_stats_http(seg, ipp_w.stats);
	ipp_w.route_stats = sl_stats_routes(seg, ipp_w.stats);
	ipp_w.max_routes = g.max_routes;
	ipp_w.n_workers = 1;
	ipp_w.flows = dp_flow_create(1u << 17, &to, ipp_w.tsc_hz);
	ipp_w.conns = dp_conn_create(1u << 17, &cto, ipp_w.tsc_hz);
	ipp_w.sp_timers = dp_sp_timers_create(1u << 17, ipp_w.tsc_hz, DP_SP_SYN_RTO_MS);
	ipp_w.sp_secrets = &seg->synproxy;
	bench_cfg_free(&cfg);
	cp_tables_free(ct);
	*seg_out = seg;
	if (!ipp_w.flows || !ipp_w.conns || !ipp_w.sp_timers ||
	    dp_rr_init(&ipp_w.rr, g.max_backends) ||
	    dp_http_worker_init(&ipp_http, ipp_w.conns, 1u << 15, ipp_w.tsc_hz))
		return -1;
	dp_nat_watch_unanswered(&ipp_w);
	ipp_w.http = &ipp_http;
	return 0;
}

/* Client address (into @src) and port of flow @k of scenario @s. */
uint16_t ipp_client_of(const struct scenario *s, uint32_t k, char *src, size_t len)
{
	if (s->v6)
		snprintf(src, len, "2001:2::a:%x", k / 60000 + 1);
	else
		snprintf(src, len, "198.18.10.%u", k / 60000 + 1);
	return (uint16_t)(1024 + k % 60000);
}

/*
 * Put @n packets of scenario @s (flows @first.., TCP @flags) on port 0's RX
 * ring; with @tmpl, flow i's sequence numbers and options come from @tmpl[i]
 * (seq, ack, opt, olen).
 */
int ipp_enqueue_frame(uint16_t p, const struct bench_flow *fl)
{
	uint8_t f[2048];
	uint32_t len = bench_frame(f, sizeof(f), fl, ipp_w.ports[p].mac.addr_bytes);
	struct rte_mbuf *m = rte_pktmbuf_alloc(ipp_rp.pool);

	if (!len || !m || !rte_pktmbuf_append(m, (uint16_t)len)) {
		rte_pktmbuf_free(m);
		return -1;
	}
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), f, len);
	return rte_ring_enqueue(ipp_rp.rx[p], m) ? -1 : 0;
}

int ipp_enqueue_as(const struct scenario *s, uint32_t first, uint32_t n, uint8_t flags,
		   const struct bench_flow *tmpl)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = first + i;
		char src[64];
		struct bench_flow fl = {
			src,	  s->vip, s->proto, ipp_client_of(s, k, src, sizeof(src)),
			s->dport, flags,  64};

		if (tmpl) {
			fl.seq = tmpl[i].seq;
			fl.ack = tmpl[i].ack;
			fl.opt = tmpl[i].opt;
			fl.olen = tmpl[i].olen;
			fl.data = tmpl[i].data;
			fl.dlen = tmpl[i].dlen;
			fl.frame_len = tmpl[i].frame_len;
		}
		if (ipp_enqueue_frame(0, &fl))
			return -1;
	}
	return 0;
}

int ipp_enqueue(const struct scenario *s, uint32_t first, uint32_t n, uint8_t flags)
{
	return ipp_enqueue_as(s, first, n, flags, NULL);
}

/* The measured part: what dp_worker_run does for each burst of port @p. */
__attribute__((noinline)) void ipp_measured(uint16_t p)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n;

	CALLGRIND_START_INSTRUMENTATION;
	while ((n = rte_eth_rx_burst(ipp_w.ports[p].port_id, 0, pkts, BURST)) > 0)
		dp_worker_process(&ipp_w, pkts, n, p);
	CALLGRIND_STOP_INSTRUMENTATION;
}

void ipp_dump(const char *name)
{
	CALLGRIND_DUMP_STATS_AT(name);
}

static void measure(const char *name, uint16_t p)
{
	ipp_measured(p);
	ipp_dump(name);
}

void ipp_unmeasured(uint16_t p)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n;

	while ((n = rte_eth_rx_burst(ipp_w.ports[p].port_id, 0, pkts, BURST)) > 0)
		dp_worker_process(&ipp_w, pkts, n, p);
}

uint32_t ipp_drain_tx(void)
{
	return tl_ring_ports_drain(&ipp_rp);
}

uint64_t ipp_drops_total(void)
{
	uint64_t d = 0;

	for (unsigned int r = 0; r < SL_DROP_MAX; r++)
		d += ipp_w.stats->drops[r];
	return d;
}

/*
 * Measure what was queued on port @p as scenario @name, and print what went
 * through. @nat: 0 flows, 1 full NAT, 2 the SYN proxy (hits 0, misses the
 * connections opened); @keep: leave what was sent on the TX rings (counted).
 */
void ipp_report(const char *name, uint32_t n, uint16_t p, int nat, int keep)
{
	uint64_t hits = ipp_w.stats->flow_hits, misses = ipp_w.stats->flow_misses;
	uint64_t opened = ipp_w.conns->cnt.opened, drops = ipp_drops_total();
	uint64_t cookies = ipp_w.stats->nat.synproxy_cookies,
		 valid = ipp_w.stats->nat.synproxy_valid;
	uint32_t tx;

	measure(name, p);
	tx = keep ? rte_ring_count(ipp_rp.tx[0]) + rte_ring_count(ipp_rp.tx[1]) : ipp_drain_tx();
	opened = ipp_w.conns->cnt.opened - opened;
	if (nat) {
		/* full NAT: a packet either found its connection or opened one */
		misses = opened;
		hits = nat == 2 ? 0 : n - misses;
	} else {
		hits = ipp_w.stats->flow_hits - hits;
		misses = ipp_w.stats->flow_misses - misses;
	}
	printf("{\"scenario\": \"%s\", \"packets\": %u, \"tx\": %u, \"drops\": %llu, "
	       "\"flow_hits\": %llu, \"flow_misses\": %llu, \"opened\": %llu, "
	       "\"synproxy_cookies\": %llu, \"synproxy_valid\": %llu}\n",
	       name, n, tx, (unsigned long long)(ipp_drops_total() - drops),
	       (unsigned long long)hits, (unsigned long long)misses, (unsigned long long)opened,
	       (unsigned long long)(ipp_w.stats->nat.synproxy_cookies - cookies),
	       (unsigned long long)(ipp_w.stats->nat.synproxy_valid - valid));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct scenario sc[] = {
		{"dsr4", "198.18.100.1", IPPROTO_TCP, 80, 0, 0},
		{"ipip4", "198.18.100.2", IPPROTO_TCP, 80, 0, 0},
		{"ip6ip6", "2001:2:0:100::1", IPPROTO_TCP, 80, 1, 0},
		{"gue4", "198.18.100.3", IPPROTO_TCP, 80, 0, 0},
		{"nat4", "198.18.100.5", IPPROTO_TCP, 80, 0, 1},
		{"nat6", "2001:2:0:100::5", IPPROTO_TCP, 80, 1, 1},
		{"sp4", "198.18.100.7", IPPROTO_TCP, 80, 0, 2},
		{"sp6", "2001:2:0:100::7", IPPROTO_TCP, 80, 1, 2},
		{"http4", "198.18.100.8", IPPROTO_TCP, 80, 0, 3},
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
		if (sc[i].nat == 3) {
			if (ipp_run_http(&sc[i], flow_base, n))
				return 1;
			flow_base += 2 * n;
			continue;
		}
		if (sc[i].nat == 2) {
			if (ipp_run_sp(&sc[i], flow_base, n))
				return 1;
			flow_base += n;
			continue;
		}
		if (sc[i].nat) {
			if (ipp_run_nat(&sc[i], flow_base, n))
				return 1;
			flow_base += 2 * n;
			continue;
		}
		for (int est = 1; est >= 0; est--) {
			char name[64];

			snprintf(name, sizeof(name), "%s_%s", est ? "established" : "new",
				 sc[i].name);
			if (est) {
				/*
				 * open the flows first, ipp_unmeasured: the SYN, then the
				 * ACK that makes each entry established, so the
				 * measured ACKs are a flow's steady state
				 */
				if (ipp_enqueue(&sc[i], flow_base, n, RTE_TCP_SYN_FLAG))
					return 1;
				ipp_unmeasured(0);
				if (ipp_enqueue(&sc[i], flow_base, n, RTE_TCP_ACK_FLAG))
					return 1;
				ipp_unmeasured(0);
				ipp_drain_tx();
			}
			if (ipp_enqueue(&sc[i], est ? flow_base : flow_base + n, n,
					est ? RTE_TCP_ACK_FLAG : RTE_TCP_SYN_FLAG))
				return 1;
			ipp_report(name, n, 0, 0, 0);
		}
		flow_base += 2 * n;
	}
	return 0;
}
