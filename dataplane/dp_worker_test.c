/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's pipeline end to end, in process: EAL without hugepages, two
 * ring ports (port 0 faces clients, port 1 the backends), a table built in
 * a malloc'ed segment with the very layout, Maglev builder and checks the
 * control plane uses. Fixture packets go through dp_worker_process(); what
 * the TX rings hold is compared byte for byte with headers spelled out here
 * and checksummed by a reference sum independent of DPDK's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_flow.h"
#include "dp_fwd.h"
#include "dp_vip.h"
#include "dp_worker.h"
#include "sl_drop.h"
#include "sl_maglev.h"
#include "sl_shm.h"

#define MTU 1500
#define GUE_PORT 6080

enum { V_DSR, V_IPIP, V_IP6IP6, V_GUE4, V_GUE6, V_EMPTY, N_VIPS };
enum { P_DSR, P_V4, P_V6, P_EMPTY, N_POOLS };
#define N_BACKENDS 7

static const uint8_t port_mac[2][6] = { { 2, 0, 0, 0, 0, 0xa0 }, { 2, 0, 0, 0, 0, 0xb0 } };
static const uint8_t client_mac[6] = { 2, 0, 0, 0, 0, 0xc1 };

static const struct {
	uint32_t pool;
	const char *addr;
	uint64_t uid;
} backend_spec[N_BACKENDS] = {
	{ P_DSR, "198.18.1.11", 10 },     { P_DSR, "198.18.1.12", 11 },
	{ P_V4, "198.18.1.21", 20 },      { P_V4, "198.18.1.22", 21 },
	{ P_V4, "198.18.1.23", 22 },      { P_V6, "2001:2:0:1::21", 30 },
	{ P_V6, "2001:2:0:1::22", 31 },
};

static struct rte_mempool *pool;
static struct rte_ring *rx_ring[2], *tx_ring[2];
static struct sl_shm_header *seg;
static struct dp_table tables[2];
static struct dp_worker w;

static void addr_of(struct sl_addr *a, const char *s)
{
	uint32_t v4;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &v4) == 1)
		sl_addr_from_v4(a, v4);
	else
		assert_int_equal(inet_pton(AF_INET6, s, a->a8), 1);
}

static void set_vip(struct sl_vip *v, const char *addr, uint16_t port, uint8_t proto,
		    uint8_t mode, uint32_t pool_idx, uint16_t flags)
{
	addr_of(&v->addr, addr);
	v->af = sl_addr_is_v4(&v->addr) ? SL_AF_INET : SL_AF_INET6;
	v->port = htons(port);
	v->proto = proto;
	v->mode = mode;
	v->pool = pool_idx;
	v->flags = flags;
	v->gue_port = htons(GUE_PORT);
}

/*
 * Fill @slot as generation @gen. @drained: backend 4 keeps its slot and uid
 * but gets no Maglev entries; @gone: slot 4 is empty (the backend left).
 */
static struct dp_table *build_table(unsigned int slot, uint64_t gen, int drained, int gone)
{
	struct sl_table_hdr *t = sl_slot_hdr(seg, slot);
	struct sl_vip *v = sl_slot_vips(seg, slot);
	struct sl_backend *b = sl_slot_backends(seg, slot);
	struct dp_table *dt = &tables[slot];
	char why[128] = "";

	if (dt->vip_index)
		dp_vip_index_free(dt->vip_index);
	memset(t, 0, seg->slot_bytes);
	t->generation = gen;
	t->n_vips = N_VIPS;
	t->n_pools = N_POOLS;
	t->n_backends = N_BACKENDS;
	t->maglev_size = seg->maglev_size;
	set_vip(&v[V_DSR], "198.18.100.1", 80, IPPROTO_TCP, SL_MODE_DSR, P_DSR, 0);
	set_vip(&v[V_IPIP], "198.18.100.2", 80, IPPROTO_TCP, SL_MODE_TUNNEL, P_V4, 0);
	set_vip(&v[V_IP6IP6], "2001:2:0:100::1", 80, IPPROTO_TCP, SL_MODE_TUNNEL, P_V6, 0);
	set_vip(&v[V_GUE4], "198.18.100.3", 0, IPPROTO_UDP, SL_MODE_TUNNEL, P_V4, SL_VIP_F_GUE);
	addr_of(&v[V_GUE4].tunnel_src, "198.18.200.0");
	v[V_GUE4].tunnel_src_plen = 24;
	set_vip(&v[V_GUE6], "2001:2:0:100::3", 53, IPPROTO_UDP, SL_MODE_TUNNEL, P_V6,
		SL_VIP_F_GUE);
	set_vip(&v[V_EMPTY], "198.18.100.9", 80, IPPROTO_TCP, SL_MODE_TUNNEL, P_EMPTY, 0);

	for (uint32_t p = 0; p < N_POOLS; p++) {
		struct sl_maglev_backend mb[N_BACKENDS];
		size_t n = 0;

		for (uint32_t i = 0; i < N_BACKENDS; i++) {
			if (backend_spec[i].pool != p || (gone && i == 4))
				continue;
			addr_of(&b[i].addr, backend_spec[i].addr);
			sl_maglev_key(&mb[n], b[i].addr.a8, htons(80));
			mb[n].weight = drained && i == 4 ? 0 : 1;
			mb[n].id = i;
			n++;
		}
		assert_int_equal(sl_maglev_build(mb, n, seg->maglev_size, sl_slot_maglev(seg, slot, p)),
				 0);
	}
	for (uint32_t i = 0; i < N_BACKENDS; i++) {
		if (gone && i == 4)
			continue;
		b[i].af = sl_addr_is_v4(&b[i].addr) ? SL_AF_INET : SL_AF_INET6;
		b[i].uid = backend_spec[i].uid;
		b[i].pool = backend_spec[i].pool;
		b[i].weight = drained && i == 4 ? 0 : 1;
		b[i].flags = SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED;
		b[i].tx_port = 1;
		memcpy(b[i].dst_mac, (uint8_t[6]){ 2, 0, 0, 0, 1, (uint8_t)i }, 6);
		addr_of(&b[i].src, b[i].af == SL_AF_INET ? "198.18.1.1" : "2001:2:0:1::1");
	}
	sl_shm_seal_slot(seg, slot);
	if (sl_shm_check_slot(seg, slot, why, sizeof(why)))
		fail_msg("test table refused: %s", why);

	dt->word = SL_GEN_WORD(gen, slot);
	dt->hdr = t;
	dt->vips = v;
	dt->pools = sl_slot_pools(seg, slot);
	dt->backends = b;
	dt->maglev = sl_slot_maglev(seg, slot, 0);
	dt->maglev_size = seg->maglev_size;
	dt->n_backends = t->n_backends;
	dt->vip_index = dp_vip_index_build(v, t->n_vips);
	assert_non_null(dt->vip_index);
	return dt;
}

static int setup_eal(void **state)
{
	char *argv[] = { "dp_worker_test", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			 "--file-prefix", "sl-dpf-test", "-l", "0", "--log-level", "error", NULL };
	struct sl_shm_geometry g = { .max_workers = 1, .max_ports = 2, .max_vips = 8,
				     .max_pools = 4, .max_backends = 16, .maglev_size = 251 };
	struct sl_shm_header h;
	const char *names[2] = { "sl_dpf_p0", "sl_dpf_p1" };
	struct rte_eth_conf conf;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	if (rte_eal_init(12, argv) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("sl_dpf_mbufs", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (!pool)
		return -1;
	for (int p = 0; p < 2; p++) {
		char n[32];
		int id;

		snprintf(n, sizeof(n), "sl_dpf_rx%d", p);
		rx_ring[p] = rte_ring_create(n, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(n, sizeof(n), "sl_dpf_tx%d", p);
		tx_ring[p] = rte_ring_create(n, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!rx_ring[p] || !tx_ring[p])
			return -1;
		id = rte_eth_from_rings(names[p], &rx_ring[p], 1, &tx_ring[p], 1, SOCKET_ID_ANY);
		if (id < 0 || rte_eth_dev_configure((uint16_t)id, 1, 1, &conf) < 0 ||
		    rte_eth_rx_queue_setup((uint16_t)id, 0, 1024, SOCKET_ID_ANY, NULL, pool) < 0 ||
		    rte_eth_tx_queue_setup((uint16_t)id, 0, 1024, SOCKET_ID_ANY, NULL) < 0 ||
		    rte_eth_dev_start((uint16_t)id) < 0) {
			print_error("ring port %s: cannot set up\n", names[p]);
			return -1;
		}
		w.ports[p].port_id = (uint16_t)id;
		w.ports[p].mtu = MTU;
		memcpy(&w.ports[p].mac, port_mac[p], 6);
	}
	w.n_ports = 2;
	w.burst = 32;
	w.mbuf_pool = pool;

	if (sl_shm_layout(&g, &h, NULL, 0))
		return -1;
	seg = aligned_alloc(4096, h.total_bytes);
	if (!seg)
		return -1;
	memset(seg, 0, h.total_bytes);
	memcpy(seg, &h, sizeof(h));
	w.ack = sl_shm_ack(seg, 0);
	w.stats = sl_shm_worker_stats(seg, 0);
	w.vip_stats = sl_stats_vips(w.stats);
	w.backend_stats = sl_stats_backends(seg, w.stats);
	return 0;
}

/* Each test starts from generation 1 in slot 0, an empty flow table and zero counters. */
static int setup(void **state)
{
	const struct dp_flow_timeouts to = { .tcp = 300, .tcp_fin = 10, .udp = 30 };

	(void)state;
	w.table = build_table(0, 1, 0, 0);
	w.flows = dp_flow_create(16384, &to, rte_get_tsc_hz());
	memset(w.stats, 0, seg->worker_stats_bytes);
	return w.flows ? 0 : -1;
}

static int teardown(void **state)
{
	struct rte_mbuf *m;

	(void)state;
	dp_flow_free(w.flows);
	w.flows = NULL;
	for (int p = 0; p < 2; p++)
		while (rte_ring_dequeue(tx_ring[p], (void **)&m) == 0)
			rte_pktmbuf_free(m);
	return 0;
}

/* ---- fixture packets ---- */

struct spec {
	const char *src, *dst;
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint16_t payload; /* bytes after the L4 header */
	int df;
	uint16_t vlan; /* 0: untagged */
	uint8_t tos;
};

/* Reference Internet checksum: sum of 16-bit words, folded, not complemented. */
static uint32_t ref_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* A client frame as port 0 would receive it (padded to 60 bytes). Returns its length. */
static uint32_t build(uint8_t *f, const struct spec *s, uint16_t *l2_out, uint16_t *l3_len_out)
{
	struct sl_addr src, dst;
	uint32_t l2 = 14, l3, l4len, len;
	int v4;

	addr_of(&src, s->src);
	addr_of(&dst, s->dst);
	v4 = sl_addr_is_v4(&src);
	memcpy(f, port_mac[0], 6);
	memcpy(f + 6, client_mac, 6);
	if (s->vlan) {
		put16(f + 12, 0x8100);
		put16(f + 14, s->vlan);
		l2 = 18;
	}
	put16(f + l2 - 2, v4 ? 0x0800 : 0x86dd);
	l4len = (s->proto == IPPROTO_TCP ? 20 : 8) + s->payload;
	if (v4) {
		uint8_t *ip = f + l2;

		l3 = 20 + l4len;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		ip[1] = s->tos;
		put16(ip + 2, (uint16_t)l3);
		put16(ip + 4, 0x1234);
		put16(ip + 6, s->df ? 0x4000 : 0);
		ip[8] = 61;
		ip[9] = s->proto;
		memcpy(ip + 12, &src.a32[3], 4);
		memcpy(ip + 16, &dst.a32[3], 4);
		put16(ip + 10, (uint16_t)~ref_sum(ip, 20, 0));
	} else {
		uint8_t *ip = f + l2;

		l3 = 40 + l4len;
		ip[0] = 0x60 | s->tos >> 4;
		ip[1] = (uint8_t)(s->tos << 4) | 0x0a;
		ip[2] = 0xbc;
		ip[3] = 0xde;
		put16(ip + 4, (uint16_t)l4len);
		ip[6] = s->proto;
		ip[7] = 61;
		memcpy(ip + 8, src.a8, 16);
		memcpy(ip + 24, dst.a8, 16);
	}
	{
		uint8_t *l4 = f + l2 + (l3 - l4len);

		memset(l4, 0, l4len);
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		if (s->proto == IPPROTO_TCP) {
			put16(l4 + 4, 0x0102);
			l4[12] = 0x50;
			l4[13] = s->tcp_flags;
			put16(l4 + 14, 0xffff);
		} else {
			put16(l4 + 4, (uint16_t)l4len);
		}
		for (uint32_t i = 0; i < s->payload; i++)
			l4[l4len - s->payload + i] = (uint8_t)(i * 7);
	}
	len = l2 + l3;
	if (len < 60) {
		memset(f + len, 0, 60 - len);
		len = 60;
	}
	if (l2_out)
		*l2_out = (uint16_t)l2;
	if (l3_len_out)
		*l3_len_out = (uint16_t)l3;
	return len;
}

static struct rte_mbuf *mbuf_of(const uint8_t *f, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	return m;
}

/* Send one fixture through the worker from port 0; returns what the TX queues took. */
static uint16_t send_spec(const struct spec *s)
{
	static uint8_t f[2048];
	struct rte_mbuf *m = mbuf_of(f, build(f, s, NULL, NULL));

	return dp_worker_process(&w, &m, 1, 0);
}

/* The one packet port @p transmitted (its bytes copied to @out), asserting there was exactly one. */
static uint32_t take(int p, uint8_t *out)
{
	struct rte_mbuf *m = NULL;
	uint32_t len;

	assert_int_equal(rte_ring_count(tx_ring[p]), 1);
	assert_int_equal(rte_ring_dequeue(tx_ring[p], (void **)&m), 0);
	len = rte_pktmbuf_pkt_len(m);
	assert_int_equal(m->nb_segs, 1);
	memcpy(out, rte_pktmbuf_mtod(m, uint8_t *), len);
	rte_pktmbuf_free(m);
	return len;
}

static struct sl_flow_key key_of(const struct spec *s)
{
	static uint8_t f[2048];
	struct rte_mbuf *m = mbuf_of(f, build(f, s, NULL, NULL));
	struct dp_pkt pkt;

	assert_int_equal(dp_parse_mbuf(m, &pkt), DP_PARSE_OK);
	rte_pktmbuf_free(m);
	return pkt.key;
}

/* The backend the contract says a new flow gets: Maglev entry hash % M of the VIP's pool. */
static uint32_t maglev_pick(const struct dp_table *t, int vip, const struct spec *s)
{
	struct sl_flow_key k = key_of(s);
	uint32_t h = sl_flow_hash(&k, t->vips[vip].flags & SL_VIP_F_HASH_3TUPLE);

	return t->maglev[(size_t)t->vips[vip].pool * t->maglev_size + h % t->maglev_size];
}

static uint32_t flow_hash_of(const struct spec *s)
{
	struct sl_flow_key k = key_of(s);

	return sl_flow_hash(&k, 0);
}

static void expect_eth(uint8_t *e, uint32_t backend, uint16_t type)
{
	memcpy(e, (uint8_t[6]){ 2, 0, 0, 0, 1, (uint8_t)backend }, 6);
	memcpy(e + 6, port_mac[1], 6);
	put16(e + 12, type);
}

/* ---- tests ---- */

static void test_dsr(void **state)
{
	const struct spec s = { "198.18.0.10", "198.18.100.1", IPPROTO_TCP, 40000, 80, 0x02, 100 };
	uint8_t in[2048], out[2048];
	uint32_t len = build(in, &s, NULL, NULL), be = maglev_pick(w.table, V_DSR, &s);

	(void)state;
	assert_true(be == 0 || be == 1);
	assert_int_equal(send_spec(&s), 1);
	assert_int_equal(take(1, out), len);
	memcpy(in, (uint8_t[6]){ 2, 0, 0, 0, 1, (uint8_t)be }, 6);
	memcpy(in + 6, port_mac[1], 6);
	assert_memory_equal(out, in, len);
	assert_int_equal(rte_ring_count(tx_ring[0]), 0);
	assert_int_equal(w.stats->rx_packets, 1);
	assert_int_equal(w.stats->rx_bytes, len);
	assert_int_equal(w.stats->tx_packets, 1);
	assert_int_equal(w.stats->tx_bytes, len);
	assert_int_equal(w.stats->flow_misses, 1);
	assert_int_equal(w.stats->flow_hits, 0);
	assert_int_equal(w.stats->flows_active, 1);
	assert_int_equal(w.vip_stats[V_DSR].packets, 1);
	assert_int_equal(w.vip_stats[V_DSR].bytes, len);
	assert_int_equal(w.vip_stats[V_DSR].flows, 1);
	assert_int_equal(w.backend_stats[be].packets, 1);
	assert_int_equal(w.backend_stats[be].flows, 1);
}

/* IPIP from a VLAN-tagged, padded frame: tag and padding gone, inner packet intact. */
static void test_ipip4(void **state)
{
	const struct spec s = { "198.18.0.10", "198.18.100.2", IPPROTO_TCP, 40001, 80, 0x02, 0,
				1, 100, 0x28 };
	uint8_t in[2048], out[2048], e[2048];
	uint16_t l2, l3;
	uint32_t be = maglev_pick(w.table, V_IPIP, &s), len;

	(void)state;
	build(in, &s, &l2, &l3);
	assert_int_equal(l2, 18);
	assert_int_equal(l3, 40);
	assert_true(be >= 2 && be <= 4);
	assert_int_equal(send_spec(&s), 1);
	len = take(1, out);
	assert_int_equal(len, 14 + 20 + 40);

	expect_eth(e, be, 0x0800);
	{
		uint8_t ip[20] = { 0x45, 0x28, 0, 60, 0x12, 0x34, 0x40, 0, 64, 4, 0, 0,
				   198, 18, 1, 1, 198, 18, 1, 0 };

		ip[19] = (uint8_t)(21 + be - 2);
		put16(ip + 10, (uint16_t)~ref_sum(ip, 20, 0));
		memcpy(e + 14, ip, 20);
	}
	memcpy(e + 34, in + l2, l3);
	assert_memory_equal(out, e, len);
	assert_int_equal(ref_sum(out + 14, 20, 0), 0xffff);
	assert_int_equal(w.stats->tx_bytes, len);
	assert_int_equal(w.backend_stats[be].bytes, 18 + 40 + 2); /* as received, padding too */
}

static void test_ip6ip6(void **state)
{
	const struct spec s = { "2001:2::10", "2001:2:0:100::1", IPPROTO_TCP, 40002, 80, 0x02, 33,
				0, 0, 0xb8 };
	uint8_t in[2048], out[2048], e[2048];
	uint16_t l2, l3;
	uint32_t be = maglev_pick(w.table, V_IP6IP6, &s), fl = flow_hash_of(&s) & 0xfffff, len;

	(void)state;
	build(in, &s, &l2, &l3);
	assert_true(be == 5 || be == 6);
	assert_int_equal(send_spec(&s), 1);
	len = take(1, out);
	assert_int_equal(len, 14 + 40 + l3);
	expect_eth(e, be, 0x86dd);
	{
		uint8_t *ip = e + 14;

		ip[0] = 0x6b; /* version 6, traffic class 0xb8 copied */
		ip[1] = (uint8_t)(0x80 | fl >> 16);
		ip[2] = (uint8_t)(fl >> 8);
		ip[3] = (uint8_t)fl;
		put16(ip + 4, l3);
		ip[6] = 41;
		ip[7] = 64;
		addr_of((struct sl_addr *)(ip + 8), "2001:2:0:1::1");
		addr_of((struct sl_addr *)(ip + 24), be == 5 ? "2001:2:0:1::21" : "2001:2:0:1::22");
	}
	memcpy(e + 54, in + l2, l3);
	assert_memory_equal(out, e, len);
}

/* GUE over IPv4, outer source from the VIP's /24 with the host byte from the flow hash. */
static void test_gue4(void **state)
{
	const struct spec s = { "198.18.0.10", "198.18.100.3", IPPROTO_UDP, 5353, 9999, 0, 20 };
	uint8_t in[2048], out[2048], e[2048];
	uint16_t l2, l3;
	uint32_t be = maglev_pick(w.table, V_GUE4, &s), h = flow_hash_of(&s), len;

	(void)state;
	build(in, &s, &l2, &l3);
	assert_int_equal(send_spec(&s), 1);
	len = take(1, out);
	assert_int_equal(len, 14 + 20 + 8 + l3);
	expect_eth(e, be, 0x0800);
	{
		uint8_t ip[20] = { 0x45, 0, 0, 0, 0x12, 0x34, 0, 0, 64, 17, 0, 0,
				   198, 18, 200, 0, 198, 18, 1, 0 };

		put16(ip + 2, (uint16_t)(20 + 8 + l3));
		ip[15] = (uint8_t)h;
		ip[19] = (uint8_t)(21 + be - 2);
		put16(ip + 10, (uint16_t)~ref_sum(ip, 20, 0));
		memcpy(e + 14, ip, 20);
	}
	put16(e + 34, (uint16_t)(0x8000 | h >> 17));
	put16(e + 36, GUE_PORT);
	put16(e + 38, (uint16_t)(8 + l3));
	put16(e + 40, 0);
	memcpy(e + 42, in + l2, l3);
	assert_memory_equal(out, e, len);
}

static void test_gue6(void **state)
{
	const struct spec s = { "2001:2::10", "2001:2:0:100::3", IPPROTO_UDP, 5353, 53, 0, 31 };
	uint8_t in[2048], out[2048], e[2048];
	uint16_t l2, l3;
	uint32_t be = maglev_pick(w.table, V_GUE6, &s), h = flow_hash_of(&s), len, sum;

	(void)state;
	build(in, &s, &l2, &l3);
	assert_int_equal(send_spec(&s), 1);
	len = take(1, out);
	assert_int_equal(len, 14 + 40 + 8 + l3);
	expect_eth(e, be, 0x86dd);
	{
		uint8_t *ip = e + 14;

		ip[0] = 0x60;
		ip[1] = (uint8_t)((h & 0xfffff) >> 16);
		ip[2] = (uint8_t)(h >> 8);
		ip[3] = (uint8_t)h;
		put16(ip + 4, (uint16_t)(8 + l3));
		ip[6] = 17;
		ip[7] = 64;
		addr_of((struct sl_addr *)(ip + 8), "2001:2:0:1::1");
		addr_of((struct sl_addr *)(ip + 24), be == 5 ? "2001:2:0:1::21" : "2001:2:0:1::22");
	}
	put16(e + 54, (uint16_t)(0x8000 | h >> 17));
	put16(e + 56, GUE_PORT);
	put16(e + 58, (uint16_t)(8 + l3));
	put16(e + 60, 0);
	memcpy(e + 62, in + l2, l3);
	/* UDP checksum over the pseudo-header (addresses, length, next header) and datagram */
	sum = ref_sum(e + 14 + 8, 32, 0);
	sum = ref_sum(e + 54, 8 + l3, sum + 8 + l3 + 17);
	put16(e + 60, (uint16_t)~sum ? (uint16_t)~sum : 0xffff);
	assert_memory_equal(out, e, len);
	/* and the receiver's check: everything sums to 0xffff */
	sum = ref_sum(out + 14 + 8, 32, 0);
	assert_int_equal(ref_sum(out + 54, 8 + l3, sum + 8 + l3 + 17), 0xffff);
}

static void test_not_vip(void **state)
{
	const struct spec other = { "198.18.0.10", "198.18.100.77", IPPROTO_TCP, 1, 80, 2, 0 };
	const struct spec port = { "198.18.0.10", "198.18.100.1", IPPROTO_TCP, 1, 81, 2, 0 };
	const struct spec proto = { "198.18.0.10", "198.18.100.1", IPPROTO_UDP, 1, 80, 0, 0 };
	/* the any-port VIP 198.18.100.3 is UDP only */
	const struct spec any_tcp = { "198.18.0.10", "198.18.100.3", IPPROTO_TCP, 1, 80, 2, 0 };

	(void)state;
	assert_int_equal(send_spec(&other), 0);
	assert_int_equal(send_spec(&port), 0);
	assert_int_equal(send_spec(&proto), 0);
	assert_int_equal(send_spec(&any_tcp), 0);
	assert_int_equal(w.stats->drops[SL_DROP_NOT_VIP], 4);
	assert_int_equal(w.stats->rx_packets, 4);
	assert_int_equal(w.stats->tx_packets, 0);
	assert_int_equal(rte_ring_count(tx_ring[1]), 0);
}

static void test_no_backend(void **state)
{
	const struct spec s = { "198.18.0.10", "198.18.100.9", IPPROTO_TCP, 1, 80, 2, 0 };

	(void)state;
	assert_int_equal(send_spec(&s), 0);
	assert_int_equal(w.stats->drops[SL_DROP_NO_BACKEND], 1);
	assert_int_equal(w.stats->flows_active, 0);
}

static void test_no_table(void **state)
{
	const struct spec s = { "198.18.0.10", "198.18.100.1", IPPROTO_TCP, 1, 80, 2, 0 };

	(void)state;
	w.table = NULL;
	assert_int_equal(send_spec(&s), 0);
	assert_int_equal(w.stats->drops[SL_DROP_NO_TABLE], 1);
	assert_int_equal(w.stats->rx_packets, 1);
}

static void test_parse_drop_counted(void **state)
{
	uint8_t f[60] = { 0 };
	struct rte_mbuf *m;

	(void)state;
	put16(f + 12, 0x0806); /* ARP */
	m = mbuf_of(f, sizeof(f));
	assert_int_equal(dp_worker_process(&w, &m, 1, 0), 0);
	assert_int_equal(w.stats->drops[SL_DROP_NOT_IP], 1);
}

#define N_FLOWS 300

static struct spec flow_spec(int i)
{
	struct spec s = { "198.18.0.10", "198.18.100.2", IPPROTO_TCP, (uint16_t)(20000 + i), 80,
			  0x10, 10 };

	return s;
}

static uint32_t backend_seen(void)
{
	uint8_t out[2048];

	take(1, out);
	return out[14 + 19] - 21 + 2; /* outer destination 198.18.1.2x -> slot */
}

/*
 * Flows stay on their backend over many packets, also after a new table
 * drains backend 4 (same uid, no Maglev entries); they move when backend 4
 * leaves the table.
 */
static void test_stickiness(void **state)
{
	uint32_t first[N_FLOWS];
	int on4 = 0, moved_expected = 0;

	(void)state;
	for (int i = 0; i < N_FLOWS; i++) {
		struct spec s = flow_spec(i);

		s.tcp_flags = 0x02;
		assert_int_equal(send_spec(&s), 1);
		first[i] = backend_seen();
		assert_int_equal(first[i], maglev_pick(w.table, V_IPIP, &s));
		on4 += first[i] == 4;
	}
	assert_true(on4 > 0 && on4 < N_FLOWS);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < N_FLOWS; i++) {
			struct spec s = flow_spec(i);

			assert_int_equal(send_spec(&s), 1);
			assert_int_equal(backend_seen(), first[i]);
		}
	assert_int_equal(w.stats->flow_misses, N_FLOWS);
	assert_int_equal(w.stats->flow_hits, 3 * N_FLOWS);
	assert_int_equal(w.stats->flows_active, N_FLOWS);

	/* generation 2 (slot 1): backend 4 drained; new flows avoid it, old ones keep it */
	w.table = build_table(1, 2, 1, 0);
	for (int i = 0; i < N_FLOWS; i++) {
		struct spec s = flow_spec(i);

		assert_int_equal(send_spec(&s), 1);
		assert_int_equal(backend_seen(), first[i]);
		s.sport = (uint16_t)(50000 + i); /* a new flow */
		assert_int_equal(send_spec(&s), 1);
		assert_int_not_equal(backend_seen(), 4);
	}
	assert_int_equal(w.stats->flow_misses, 2 * N_FLOWS);

	/* generation 3 (slot 0): backend 4 gone; its flows move, the others stay */
	w.table = build_table(0, 3, 0, 1);
	for (int i = 0; i < N_FLOWS; i++) {
		struct spec s = flow_spec(i);
		uint32_t be;

		assert_int_equal(send_spec(&s), 1);
		be = backend_seen();
		if (first[i] == 4) {
			assert_int_equal(be, maglev_pick(w.table, V_IPIP, &s));
			assert_int_not_equal(be, 4);
			moved_expected++;
		} else {
			assert_int_equal(be, first[i]);
		}
	}
	assert_int_equal(w.stats->flow_misses, 2 * N_FLOWS + moved_expected);
	assert_int_equal(w.stats->flow_evictions, 0); /* nothing left by eviction */
	assert_int_equal(w.backend_stats[4].flows, on4);
}

/*
 * A bare SYN is a new connection: it follows the current Maglev table even
 * when a flow with the same 5-tuple (a reused client port) is remembered on
 * a backend that is still present but drained. The ACKs after it follow it.
 */
static void test_syn_repicks(void **state)
{
	int on4 = 0;

	(void)state;
	for (int i = 0; i < N_FLOWS; i++) {
		struct spec s = flow_spec(i);

		s.tcp_flags = 0x02;
		assert_int_equal(send_spec(&s), 1);
		if (backend_seen() != 4)
			continue;
		on4++;
		w.table = build_table(1, 2, 1, 0); /* backend 4 drained */
		s.tcp_flags = 0x10;
		assert_int_equal(send_spec(&s), 1);
		assert_int_equal(backend_seen(), 4); /* established: stays */
		s.tcp_flags = 0x02;
		assert_int_equal(send_spec(&s), 1);
		assert_int_equal(backend_seen(), maglev_pick(w.table, V_IPIP, &s));
		assert_int_not_equal(maglev_pick(w.table, V_IPIP, &s), 4);
		s.tcp_flags = 0x10;
		assert_int_equal(send_spec(&s), 1);
		assert_int_equal(backend_seen(), maglev_pick(w.table, V_IPIP, &s));
		w.table = build_table(0, 3, 0, 0);
	}
	assert_true(on4 > 0);
	assert_int_equal(w.backend_stats[4].flows, on4);
}

static void test_too_big_v4_df(void **state)
{
	/* 1481 bytes of IPv4: 1501 with the outer header, over the 1500 MTU */
	const struct spec s = { "198.18.0.10", "198.18.100.2", IPPROTO_TCP, 40003, 80, 0x10, 1441,
				1 };
	uint8_t in[2048], out[2048], e[2048];
	uint16_t l2, l3;
	uint32_t len;

	(void)state;
	build(in, &s, &l2, &l3);
	assert_int_equal(l3, 1481);
	assert_int_equal(send_spec(&s), 1);
	assert_int_equal(rte_ring_count(tx_ring[1]), 0);
	len = take(0, out);
	assert_int_equal(len, 14 + 576);
	memcpy(e, client_mac, 6);
	memcpy(e + 6, port_mac[0], 6);
	put16(e + 12, 0x0800);
	{
		uint8_t ip[20] = { 0x45, 0xc0, 0x02, 0x40, 0, 0, 0, 0, 64, 1, 0, 0,
				   198, 18, 100, 2, 198, 18, 0, 10 };

		put16(ip + 10, (uint16_t)~ref_sum(ip, 20, 0));
		memcpy(e + 14, ip, 20);
	}
	memcpy(e + 34, (uint8_t[8]){ 3, 4, 0, 0, 0, 0, 0x05, 0xc8 }, 8); /* MTU 1480 */
	memcpy(e + 42, in + l2, 548);
	put16(e + 36, (uint16_t)~ref_sum(e + 34, 556, 0));
	assert_memory_equal(out, e, len);
	assert_int_equal(w.stats->drops[SL_DROP_TOO_BIG], 1);
	assert_int_equal(w.stats->tx_packets, 1);
	assert_int_equal(w.vip_stats[V_IPIP].packets, 0);
}

static void test_too_big_v4_no_df(void **state)
{
	const struct spec s = { "198.18.0.10", "198.18.100.2", IPPROTO_TCP, 40004, 80, 0x10, 1441,
				0 };
	const struct spec fits = { "198.18.0.10", "198.18.100.2", IPPROTO_TCP, 40004, 80, 0x10,
				   1440, 0 };

	(void)state;
	assert_int_equal(send_spec(&s), 0);
	assert_int_equal(rte_ring_count(tx_ring[0]), 0);
	assert_int_equal(rte_ring_count(tx_ring[1]), 0);
	assert_int_equal(w.stats->drops[SL_DROP_TOO_BIG_NO_ICMP], 1);
	/* one byte less fits exactly: 1480 + 20 = 1500 */
	assert_int_equal(send_spec(&fits), 1);
	assert_int_equal(rte_ring_count(tx_ring[1]), 1);
}

static void test_too_big_v6(void **state)
{
	/* 40 + 20 + 1401 = 1461 bytes of IPv6, 1501 with the outer header */
	const struct spec s = { "2001:2::10", "2001:2:0:100::1", IPPROTO_TCP, 40005, 80, 0x10,
				1401 };
	uint8_t in[2048], out[2048], e[2048];
	uint16_t l2, l3;
	uint32_t len, sum;

	(void)state;
	build(in, &s, &l2, &l3);
	assert_int_equal(l3, 1461);
	assert_int_equal(send_spec(&s), 1);
	len = take(0, out);
	assert_int_equal(len, 14 + 1280);
	memcpy(e, client_mac, 6);
	memcpy(e + 6, port_mac[0], 6);
	put16(e + 12, 0x86dd);
	{
		uint8_t *ip = e + 14;

		memset(ip, 0, 8);
		ip[0] = 0x60;
		put16(ip + 4, 1240);
		ip[6] = 58;
		ip[7] = 64;
		addr_of((struct sl_addr *)(ip + 8), "2001:2:0:100::1");
		addr_of((struct sl_addr *)(ip + 24), "2001:2::10");
	}
	memcpy(e + 54, (uint8_t[8]){ 2, 0, 0, 0, 0, 0, 0x05, 0xb4 }, 8); /* MTU 1460 */
	memcpy(e + 62, in + l2, 1232);
	sum = ref_sum(e + 22, 32, 0);
	sum = ref_sum(e + 54, 1240, sum + 1240 + 58);
	put16(e + 56, (uint16_t)~sum);
	assert_memory_equal(out, e, len);
	assert_int_equal(w.stats->drops[SL_DROP_TOO_BIG], 1);
}

/* A mempool with nothing left: the too-big packet is dropped as no_mbuf. */
static void test_too_big_no_mbuf(void **state)
{
	const struct spec s = { "198.18.0.10", "198.18.100.2", IPPROTO_TCP, 40006, 80, 0x10, 1441,
				1 };
	struct rte_mempool *empty = rte_pktmbuf_pool_create("sl_dpf_empty", 1, 0, 0,
							    RTE_MBUF_DEFAULT_BUF_SIZE,
							    SOCKET_ID_ANY);
	struct rte_mbuf *hold;

	(void)state;
	assert_non_null(empty);
	hold = rte_pktmbuf_alloc(empty);
	assert_non_null(hold);
	w.mbuf_pool = empty;
	assert_int_equal(send_spec(&s), 0);
	w.mbuf_pool = pool;
	assert_int_equal(w.stats->drops[SL_DROP_NO_MBUF], 1);
	assert_int_equal(w.stats->drops[SL_DROP_TOO_BIG], 0);
	rte_pktmbuf_free(hold);
	rte_mempool_free(empty);
}

struct run_arg {
	const struct dp_table *_Atomic published;
	volatile int quit;
};

static void *run_worker(void *p)
{
	struct run_arg *a = p;

	dp_worker_run(&w, &a->published, &a->quit);
	return NULL;
}

static int wait_ack(uint64_t word)
{
	for (int i = 0; i < 5000; i++) {
		if (__atomic_load_n(&w.ack->word, __ATOMIC_ACQUIRE) == word)
			return 1;
		rte_delay_us_sleep(1000);
	}
	return 0;
}

/* The loop: picks up a published table, acks its word, forwards from the RX ring. */
static void test_run_switch_ack(void **state)
{
	static struct run_arg a;
	const struct spec s = { "198.18.0.10", "198.18.100.1", IPPROTO_TCP, 40007, 80, 0x02, 0 };
	uint8_t f[2048];
	struct rte_mbuf *m;
	pthread_t th;

	(void)state;
	w.table = NULL;
	w.ack->word = 0;
	atomic_store(&a.published, &tables[0]);
	a.quit = 0;
	assert_int_equal(pthread_create(&th, NULL, run_worker, &a), 0);
	assert_true(wait_ack(tables[0].word));
	m = mbuf_of(f, build(f, &s, NULL, NULL));
	assert_int_equal(rte_ring_enqueue(rx_ring[0], m), 0);
	for (int i = 0; i < 5000 && rte_ring_count(tx_ring[1]) == 0; i++)
		rte_delay_us_sleep(1000);
	assert_int_equal(rte_ring_count(tx_ring[1]), 1);

	atomic_store_explicit(&a.published, build_table(1, 2, 0, 0), memory_order_release);
	assert_true(wait_ack(SL_GEN_WORD(2, 1)));
	a.quit = 1;
	pthread_join(th, NULL);
	assert_ptr_equal(w.table, &tables[1]);
	assert_int_equal(w.stats->table_switches, 2);
	assert_int_equal(w.stats->rx_packets, 1);
	assert_int_equal(w.stats->tx_packets, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dsr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipip4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ip6ip6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gue4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gue6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_vip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_backend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_drop_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stickiness, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_repicks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_big_v4_df, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_big_v4_no_df, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_big_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_big_no_mbuf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_switch_ack, setup, teardown),
	};

	return cmocka_run_group_tests(tests, setup_eal, NULL);
}
