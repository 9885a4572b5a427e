/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane test harness (see dp_harness.h): EAL without hugepages, two
 * ring ports, a malloc'ed segment with the control plane's own layout,
 * Maglev builder and checks, and fixture frames spelled out byte by byte.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_harness.h"
#include "dataplane/dp_flow.h"
#include "dataplane/dp_parse.h"
#include "dataplane/dp_vip.h"
#include "dataplane/dp_worker.h"
#include "sl_maglev.h"
#include "sl_shm.h"

const uint8_t dpt_port_mac[2][6] = {{2, 0, 0, 0, 0, 0xa0}, {2, 0, 0, 0, 0, 0xb0}};
const uint8_t dpt_client_mac[6] = {2, 0, 0, 0, 0, 0xc1};

struct dpt dpt;

static const struct {
	uint32_t pool;
	const char *addr;
	uint64_t uid;
} dpt_backend_spec[N_BACKENDS] = {
	{P_DSR, "198.18.1.11", 10},   {P_DSR, "198.18.1.12", 11}, {P_V4, "198.18.1.21", 20},
	{P_V4, "198.18.1.22", 21},    {P_V4, "198.18.1.23", 22},  {P_V6, "2001:2:0:1::21", 30},
	{P_V6, "2001:2:0:1::22", 31},
};

void dpt_addr_of(struct sl_addr *a, const char *s)
{
	uint32_t v4;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &v4) == 1)
		sl_addr_from_v4(a, v4);
	else
		assert_int_equal(inet_pton(AF_INET6, s, a->a8), 1);
}

void dpt_put_addr(uint8_t *p, const char *s)
{
	struct sl_addr a;

	dpt_addr_of(&a, s);
	if (sl_addr_is_v4(&a))
		memcpy(p, &a.a32[3], 4);
	else
		memcpy(p, a.a8, 16);
}

static void dpt_set_vip(struct sl_vip *v, const char *addr, uint16_t port, uint8_t proto,
			uint8_t mode, uint32_t pool_idx, uint16_t flags)
{
	dpt_addr_of(&v->addr, addr);
	v->af = sl_addr_is_v4(&v->addr) ? SL_AF_INET : SL_AF_INET6;
	v->port = htons(port);
	v->proto = proto;
	v->mode = mode;
	v->pool = pool_idx;
	v->flags = flags;
	v->gue_port = htons(DPT_GUE_PORT);
}

struct dp_table *dpt_build_table(unsigned int slot, uint64_t gen, int drained, int gone)
{
	struct sl_table_hdr *t = sl_slot_hdr(dpt.seg, slot);
	struct sl_vip *v = sl_slot_vips(dpt.seg, slot);
	struct sl_backend *b = sl_slot_backends(dpt.seg, slot);
	struct dp_table *dt = &dpt.tables[slot];
	char why[128] = "";

	if (dt->vip_index)
		dp_vip_index_free(dt->vip_index);
	memset(t, 0, dpt.seg->slot_bytes);
	t->generation = gen;
	t->n_vips = N_VIPS;
	t->n_pools = N_POOLS;
	t->n_backends = N_BACKENDS;
	t->maglev_size = dpt.seg->maglev_size;
	dpt_set_vip(&v[V_DSR], "198.18.100.1", 80, IPPROTO_TCP, SL_MODE_DSR, P_DSR, 0);
	dpt_set_vip(&v[V_IPIP], "198.18.100.2", 80, IPPROTO_TCP, SL_MODE_TUNNEL, P_V4, 0);
	dpt_set_vip(&v[V_IP6IP6], "2001:2:0:100::1", 80, IPPROTO_TCP, SL_MODE_TUNNEL, P_V6, 0);
	dpt_set_vip(&v[V_GUE4], "198.18.100.3", 0, IPPROTO_UDP, SL_MODE_TUNNEL, P_V4, SL_VIP_F_GUE);
	dpt_addr_of(&v[V_GUE4].tunnel_src, "198.18.200.0");
	v[V_GUE4].tunnel_src_plen = 24;
	dpt_set_vip(&v[V_GUE6], "2001:2:0:100::3", 53, IPPROTO_UDP, SL_MODE_TUNNEL, P_V6,
		    SL_VIP_F_GUE);
	dpt_set_vip(&v[V_EMPTY], "198.18.100.9", 80, IPPROTO_TCP, SL_MODE_TUNNEL, P_EMPTY, 0);
	dpt_set_vip(&v[V_UDP4], "198.18.100.4", 53, IPPROTO_UDP, SL_MODE_TUNNEL, P_V4, 0);
	dpt_set_vip(&v[V_UDP_DSR], "198.18.100.1", 53, IPPROTO_UDP, SL_MODE_DSR, P_DSR, 0);

	for (uint32_t p = 0; p < N_POOLS; p++) {
		struct sl_maglev_backend mb[N_BACKENDS];
		size_t n = 0;

		for (uint32_t i = 0; i < N_BACKENDS; i++) {
			if (dpt_backend_spec[i].pool != p || (gone && i == 4))
				continue;
			dpt_addr_of(&b[i].addr, dpt_backend_spec[i].addr);
			sl_maglev_key(&mb[n], b[i].addr.a8, htons(80));
			mb[n].weight = drained && i == 4 ? 0 : 1;
			mb[n].id = i;
			n++;
		}
		assert_int_equal(sl_maglev_build(mb, n, dpt.seg->maglev_size,
						 sl_slot_maglev(dpt.seg, slot, p)),
				 0);
	}
	for (uint32_t i = 0; i < N_BACKENDS; i++) {
		if (gone && i == 4)
			continue;
		b[i].af = sl_addr_is_v4(&b[i].addr) ? SL_AF_INET : SL_AF_INET6;
		b[i].uid = dpt_backend_spec[i].uid;
		b[i].pool = dpt_backend_spec[i].pool;
		b[i].weight = drained && i == 4 ? 0 : 1;
		b[i].flags = SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED;
		b[i].tx_port = 1;
		memcpy(b[i].dst_mac, (uint8_t[6]){2, 0, 0, 0, 1, (uint8_t)i}, 6);
		dpt_addr_of(&b[i].src, b[i].af == SL_AF_INET ? "198.18.1.1" : "2001:2:0:1::1");
	}
	sl_shm_seal_slot(dpt.seg, slot);
	if (sl_shm_check_slot(dpt.seg, slot, why, sizeof(why)))
		fail_msg("test table refused: %s", why);

	dt->word = SL_GEN_WORD(gen, slot);
	dt->hdr = t;
	dt->vips = v;
	dt->pools = sl_slot_pools(dpt.seg, slot);
	dt->backends = b;
	dt->maglev = sl_slot_maglev(dpt.seg, slot, 0);
	dt->maglev_size = dpt.seg->maglev_size;
	dt->n_backends = t->n_backends;
	dt->vip_index = dp_vip_index_build(v, t->n_vips);
	assert_non_null(dt->vip_index);
	return dt;
}

int dpt_init(const char *name)
{
	char prefix[64];
	char *argv[] = {(char *)name,  "--no-huge",	"-m",	"256", "--no-pci",
			"--no-shconf", "--file-prefix", prefix, "-l",  "0",
			"--log-level", "error",		NULL};
	struct sl_shm_geometry g = {.max_workers = 1,
				    .max_ports = 2,
				    .max_vips = 16,
				    .max_pools = 4,
				    .max_backends = 16,
				    .maglev_size = 251};
	struct sl_shm_header h;
	const char *names[2] = {"sl_dpf_p0", "sl_dpf_p1"};
	struct rte_eth_conf conf;

	snprintf(prefix, sizeof(prefix), "sl-%s", name);
	memset(&conf, 0, sizeof(conf));
	if (rte_eal_init(12, argv) < 0)
		return -1;
	dpt.pool = rte_pktmbuf_pool_create("sl_dpf_mbufs", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   SOCKET_ID_ANY);
	if (!dpt.pool)
		return -1;
	for (int p = 0; p < 2; p++) {
		char n[32];
		int id;

		snprintf(n, sizeof(n), "sl_dpf_rx%d", p);
		dpt.rx_ring[p] =
			rte_ring_create(n, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(n, sizeof(n), "sl_dpf_tx%d", p);
		dpt.tx_ring[p] =
			rte_ring_create(n, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!dpt.rx_ring[p] || !dpt.tx_ring[p])
			return -1;
		id = rte_eth_from_rings(names[p], &dpt.rx_ring[p], 1, &dpt.tx_ring[p], 1,
					SOCKET_ID_ANY);
		if (id < 0 || rte_eth_dev_configure((uint16_t)id, 1, 1, &conf) < 0 ||
		    rte_eth_rx_queue_setup((uint16_t)id, 0, 1024, SOCKET_ID_ANY, NULL, dpt.pool) <
			    0 ||
		    rte_eth_tx_queue_setup((uint16_t)id, 0, 1024, SOCKET_ID_ANY, NULL) < 0 ||
		    rte_eth_dev_start((uint16_t)id) < 0) {
			print_error("ring port %s: cannot set up\n", names[p]);
			return -1;
		}
		dpt.w.ports[p].port_id = (uint16_t)id;
		dpt.w.ports[p].mtu = DPT_MTU;
		memcpy(&dpt.w.ports[p].mac, dpt_port_mac[p], 6);
	}
	dpt.w.n_ports = 2;
	dpt.w.burst = 32;
	dpt.w.mbuf_pool = dpt.pool;

	if (sl_shm_layout(&g, &h, NULL, 0))
		return -1;
	dpt.seg = aligned_alloc(4096, h.total_bytes);
	if (!dpt.seg)
		return -1;
	memset(dpt.seg, 0, h.total_bytes);
	memcpy(dpt.seg, &h, sizeof(h));
	dpt.w.ack = sl_shm_ack(dpt.seg, 0);
	dpt.w.stats = sl_shm_worker_stats(dpt.seg, 0);
	dpt.w.vip_stats = sl_stats_vips(dpt.w.stats);
	dpt.w.backend_stats = sl_stats_backends(dpt.seg, dpt.w.stats);
	return 0;
}

int dpt_setup(void **state)
{
	const struct dp_flow_timeouts to = {
		.tcp = 300,
		.tcp_fin = 10,
		.udp = 30,
		.tcp_syn = 5,
		.frag = 2,
	};

	(void)state;
	dpt.w.table = dpt_build_table(0, 1, 0, 0);
	dpt.w.flows = dp_flow_create(16384, &to, rte_get_tsc_hz());
	memset(dpt.w.stats, 0, dpt.seg->worker_stats_bytes);
	return dpt.w.flows ? 0 : -1;
}

int dpt_teardown(void **state)
{
	struct rte_mbuf *m;

	(void)state;
	dp_flow_free(dpt.w.flows);
	dpt.w.flows = NULL;
	for (int p = 0; p < 2; p++)
		while (rte_ring_dequeue(dpt.tx_ring[p], (void **)&m) == 0)
			rte_pktmbuf_free(m);
	return 0;
}

uint32_t dpt_ref_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

void dpt_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

uint32_t dpt_build(uint8_t *f, const struct dpt_spec *s, uint16_t *l2_out, uint16_t *l3_len_out)
{
	struct sl_addr src, dst;
	uint32_t l2 = 14, l3, l4len, len;
	int v4;

	dpt_addr_of(&src, s->src);
	dpt_addr_of(&dst, s->dst);
	v4 = sl_addr_is_v4(&src);
	memcpy(f, dpt_port_mac[0], 6);
	memcpy(f + 6, dpt_client_mac, 6);
	if (s->vlan) {
		dpt_put16(f + 12, 0x8100);
		dpt_put16(f + 14, s->vlan);
		l2 = 18;
	}
	dpt_put16(f + l2 - 2, v4 ? 0x0800 : 0x86dd);
	l4len = (s->proto == IPPROTO_TCP ? 20 : 8) + s->payload;
	if (v4) {
		uint8_t *ip = f + l2;

		l3 = 20 + l4len;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		ip[1] = s->tos;
		dpt_put16(ip + 2, (uint16_t)l3);
		dpt_put16(ip + 4, 0x1234);
		dpt_put16(ip + 6, s->df ? 0x4000 : 0);
		ip[8] = 61;
		ip[9] = s->proto;
		memcpy(ip + 12, &src.a32[3], 4);
		memcpy(ip + 16, &dst.a32[3], 4);
		dpt_put16(ip + 10, (uint16_t)~dpt_ref_sum(ip, 20, 0));
	} else {
		uint8_t *ip = f + l2;

		l3 = 40 + l4len;
		ip[0] = 0x60 | s->tos >> 4;
		ip[1] = (uint8_t)(s->tos << 4) | 0x0a;
		ip[2] = 0xbc;
		ip[3] = 0xde;
		dpt_put16(ip + 4, (uint16_t)l4len);
		ip[6] = s->proto;
		ip[7] = 61;
		memcpy(ip + 8, src.a8, 16);
		memcpy(ip + 24, dst.a8, 16);
	}
	{
		uint8_t *l4 = f + l2 + (l3 - l4len);

		memset(l4, 0, l4len);
		dpt_put16(l4, s->sport);
		dpt_put16(l4 + 2, s->dport);
		if (s->proto == IPPROTO_TCP) {
			dpt_put16(l4 + 4, 0x0102);
			l4[12] = 0x50;
			l4[13] = s->tcp_flags;
			dpt_put16(l4 + 14, 0xffff);
		} else {
			dpt_put16(l4 + 4, (uint16_t)l4len);
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

struct rte_mbuf *dpt_mbuf_of(const uint8_t *f, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dpt.pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	return m;
}

uint16_t dpt_send_spec(const struct dpt_spec *s)
{
	static uint8_t f[2048];
	struct rte_mbuf *m = dpt_mbuf_of(f, dpt_build(f, s, NULL, NULL));

	return dp_worker_process(&dpt.w, &m, 1, 0);
}

uint32_t dpt_take(int p, uint8_t *out)
{
	struct rte_mbuf *m = NULL;
	uint32_t len;

	assert_int_equal(rte_ring_count(dpt.tx_ring[p]), 1);
	assert_int_equal(rte_ring_dequeue(dpt.tx_ring[p], (void **)&m), 0);
	len = rte_pktmbuf_pkt_len(m);
	assert_int_equal(m->nb_segs, 1);
	memcpy(out, rte_pktmbuf_mtod(m, uint8_t *), len);
	rte_pktmbuf_free(m);
	return len;
}

struct sl_flow_key dpt_key_of(const struct dpt_spec *s)
{
	static uint8_t f[2048];
	struct rte_mbuf *m = dpt_mbuf_of(f, dpt_build(f, s, NULL, NULL));
	struct dp_pkt pkt;

	assert_int_equal(dp_parse_mbuf(m, &pkt), DP_PARSE_OK);
	rte_pktmbuf_free(m);
	return pkt.key;
}

uint32_t dpt_maglev_pick(const struct dp_table *t, int vip, const struct dpt_spec *s)
{
	struct sl_flow_key k = dpt_key_of(s);
	uint32_t h = sl_flow_hash(&k, t->vips[vip].flags & SL_VIP_F_HASH_3TUPLE);

	return t->maglev[(size_t)t->vips[vip].pool * t->maglev_size + h % t->maglev_size];
}

uint32_t dpt_flow_hash_of(const struct dpt_spec *s)
{
	struct sl_flow_key k = dpt_key_of(s);

	return sl_flow_hash(&k, 0);
}

void dpt_expect_eth(uint8_t *e, uint32_t backend, uint16_t type)
{
	memcpy(e, (uint8_t[6]){2, 0, 0, 0, 1, (uint8_t)backend}, 6);
	memcpy(e + 6, dpt_port_mac[1], 6);
	dpt_put16(e + 12, type);
}
