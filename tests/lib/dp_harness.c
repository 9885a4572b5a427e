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
#include "sl_route.h"
#include "dataplane/dp_conn.h"
#include "dataplane/dp_flow.h"
#include "dataplane/dp_parse.h"
#include "dataplane/dp_route.h"
#include "dataplane/dp_vip.h"
#include "dataplane/dp_worker.h"
#include "dataplane/dp_worker_nat.h"
#include "dataplane/dp_worker_http.h"
#include "dataplane/dp_worker_sp.h"
#include "sl_maglev.h"
#include "sl_shm.h"
#include "tl_shm.h"

const uint8_t dpt_port_mac[2][6] = {{2, 0, 0, 0, 0, 0xa0}, {2, 0, 0, 0, 0, 0xb0}};
const uint8_t dpt_client_mac[6] = {2, 0, 0, 0, 0, 0xc1};

struct dpt dpt;
static struct dp_http_worker dpt_http;
static struct dp_http_worker dpt_http;

static const struct {
	uint32_t pool;
	const char *addr;
	uint64_t uid;
} dpt_backend_spec[N_BACKENDS] = {
	{P_DSR, "198.18.1.11", 10},   {P_DSR, "198.18.1.12", 11}, {P_V4, "198.18.1.21", 20},
	{P_V4, "198.18.1.22", 21},    {P_V4, "198.18.1.23", 22},  {P_V6, "2001:2:0:1::21", 30},
	{P_V6, "2001:2:0:1::22", 31}, {P_ONE, "198.18.1.31", 40},
};

const uint64_t dpt_sp_keys[2][2] = {{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull},
				    {0x1716151413121110ull, 0x1f1e1d1c1b1a1918ull}};

const struct dp_conn_timeouts dpt_conn_timeouts = {
	.syn = 5,
	.established = 300,
	.fin = 10,
	.time_wait = 10,
	.close = 2,
	.udp = 30,
};

static const struct {
	const char *addr;
	uint16_t min, max;
} dpt_source_spec[N_NAT_SOURCES] = {
	{"198.18.1.1", 1024, 65535},
	{"2001:2:0:1::1", 1024, 65535},
	{"198.18.1.3", 2000, 2001},
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
	if (dt->nat_index)
		dp_vip_index_free(dt->nat_index);
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
	dpt_set_vip(&v[V_NAT4], "198.18.100.5", 80, IPPROTO_TCP, SL_MODE_NAT, P_V4, 0);
	v[V_NAT4].nat_src_first = S_NAT4;
	v[V_NAT4].nat_src_count = 1;
	v[V_NAT4].mss = 1400;
	dpt_set_vip(&v[V_NAT4_UDP], "198.18.100.5", 53, IPPROTO_UDP, SL_MODE_NAT, P_V4, 0);
	v[V_NAT4_UDP].nat_src_first = S_NAT4;
	v[V_NAT4_UDP].nat_src_count = 1;
	dpt_set_vip(&v[V_NAT6], "2001:2:0:100::5", 80, IPPROTO_TCP, SL_MODE_NAT, P_V6, 0);
	v[V_NAT6].nat_src_first = S_NAT6;
	v[V_NAT6].nat_src_count = 1;
	dpt_set_vip(&v[V_NAT_TINY], "198.18.100.6", 80, IPPROTO_TCP, SL_MODE_NAT, P_ONE, 0);
	v[V_NAT_TINY].nat_src_first = S_TINY;
	v[V_NAT_TINY].nat_src_count = 1;
	dpt_set_vip(&v[V_SP4], "198.18.100.7", 80, IPPROTO_TCP, SL_MODE_NAT, P_V4,
		    SL_VIP_F_SYNPROXY);
	v[V_SP4].nat_src_first = S_NAT4;
	v[V_SP4].nat_src_count = 1;
	dpt_set_vip(&v[V_SP6], "2001:2:0:100::7", 80, IPPROTO_TCP, SL_MODE_NAT, P_V6,
		    SL_VIP_F_SYNPROXY);
	v[V_SP6].nat_src_first = S_NAT6;
	v[V_SP6].nat_src_count = 1;
	dpt_set_vip(&v[V_HTTP4], "198.18.100.8", 80, IPPROTO_TCP, SL_MODE_HTTP, P_V4,
		    SL_VIP_F_SYNPROXY);
	v[V_HTTP4].nat_src_first = S_NAT4;
	v[V_HTTP4].nat_src_count = 1;
	dpt_set_vip(&v[V_HTTP6], "2001:2:0:100::8", 80, IPPROTO_TCP, SL_MODE_HTTP, P_V6,
		    SL_VIP_F_SYNPROXY);
	v[V_HTTP6].nat_src_first = S_NAT6;
	v[V_HTTP6].nat_src_count = 1;
	for (int h = V_HTTP4; h <= V_HTTP6; h++) {
		struct sl_http_vip *hv = &sl_slot_http(dpt.seg, slot)[h];

		hv->head_max = 8192;
		hv->head_timeout_ms = 5000;
	}
	/* V_HTTP4: "/b" goes to P_ONE, the rest to its pool */
	{
		struct sl_route *r = sl_slot_routes(dpt.seg, slot);
		const char *why;

		assert_int_equal(sl_route_key_make(NULL, "/b", &r[0].key, &why), 0);
		r[0].pool = P_ONE;
		r[0].id = 0;
		t->n_routes = 1;
		sl_slot_http(dpt.seg, slot)[V_HTTP4].route_count = 1;
	}
	t->n_nat_sources = N_NAT_SOURCES;
	for (uint32_t i = 0; i < N_NAT_SOURCES; i++) {
		struct sl_nat_source *src = &sl_slot_nat_sources(dpt.seg, slot)[i];

		dpt_addr_of(&src->addr, dpt_source_spec[i].addr);
		src->af = sl_addr_is_v4(&src->addr) ? SL_AF_INET : SL_AF_INET6;
		src->port_min = dpt_source_spec[i].min;
		src->port_max = dpt_source_spec[i].max;
		src->tx_port = 1;
	}

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
		b[i].flags = drained == DPT_DOWN && i == 4
				     ? SL_BACKEND_F_RESOLVED
				     : SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED;
		b[i].tx_port = 1;
		memcpy(b[i].dst_mac, (uint8_t[6]){2, 0, 0, 0, 1, (uint8_t)i}, 6);
		dpt_addr_of(&b[i].src, b[i].af == SL_AF_INET ? "198.18.1.1" : "2001:2:0:1::1");
		b[i].port = htons(i == 2 ? 8080 : i == 7 ? 9000 : 0);
	}
	/* every pool's members, as sluiced writes them: active, weight > 0, slot order */
	for (uint32_t p = 0; p < N_POOLS; p++) {
		struct sl_pool *pool = &sl_slot_pools(dpt.seg, slot)[p];

		pool->member_first = t->n_members;
		for (uint32_t i = 0; i < N_BACKENDS; i++)
			if (b[i].uid && b[i].pool == p && b[i].weight &&
			    (b[i].flags & SL_BACKEND_F_ACTIVE))
				sl_slot_members(dpt.seg, slot)[t->n_members++] = i;
		pool->member_count = t->n_members - pool->member_first;
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
	dt->nat_sources = sl_slot_nat_sources(dpt.seg, slot);
	dt->n_nat_sources = t->n_nat_sources;
	dt->nat_index = dp_vip_index_build_sources(dt->nat_sources, dt->n_nat_sources);
	assert_non_null(dt->nat_index);
	dt->routes = sl_slot_routes(dpt.seg, slot);
	dt->http = sl_slot_http(dpt.seg, slot);
	dt->members = sl_slot_members(dpt.seg, slot);
	dt->sticky_ids = sl_slot_sticky_ids(dpt.seg, slot);
	dt->n_members = t->n_members;
	return dt;
}

int dpt_init(const char *name)
{
	char prefix[64];
	struct tl_ring_ports_conf rc = {
		.name = name,
		.file_prefix = prefix,
		.mem_mb = 256,
		.mbufs = 4095,
		.mbuf_cache = 0,
		.ring_size = 1024,
		.mtu = DPT_MTU,
		.burst = 32,
	};
	struct sl_shm_geometry g = {.max_workers = 2,
				    .max_ports = 2,
				    .max_vips = 16,
				    .max_pools = 8,
				    .max_backends = 16,
				    .maglev_size = 251,
				    .max_nat_sources = 4,
				    .max_routes = 4};

	snprintf(prefix, sizeof(prefix), "sl-%s", name);
	memcpy(rc.mac, dpt_port_mac, sizeof(rc.mac));
	if (tl_ring_ports_init(&dpt.rp, &rc, &dpt.w))
		return -1;
	dpt.w.tsc_hz = rte_get_tsc_hz();
	dpt.seg = tl_shm_segment(&g);
	if (!dpt.seg)
		return -1;
	dpt.w.ack = sl_shm_ack(dpt.seg, 0);
	dpt.w.stats = sl_shm_worker_stats(dpt.seg, 0);
	dpt.w.vip_stats = sl_stats_vips(dpt.w.stats);
	dpt.w.backend_stats = sl_stats_backends(dpt.seg, dpt.w.stats);
	dpt.w.nat_port_stats = sl_stats_nat_ports(dpt.seg, dpt.w.stats);
	dpt.w.max_nat_sources = g.max_nat_sources;
	dpt.w.http_stats = sl_stats_http(dpt.seg, dpt.w.stats);
	dpt.w.route_stats = sl_stats_routes(dpt.seg, dpt.w.stats);
	dpt.w.max_routes = g.max_routes;
	dpt.w.n_workers = 1;
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
	dpt.w.conns = dp_conn_create(DPT_CONNS, &dpt_conn_timeouts, rte_get_tsc_hz());
	dp_nat_watch_unanswered(&dpt.w);
	dpt.w.sp_timers = dp_sp_timers_create(DPT_CONNS, rte_get_tsc_hz(), DP_SP_SYN_RTO_MS);
	dpt.w.http = dpt.w.conns && dp_http_worker_init(&dpt_http, dpt.w.conns, DPT_CONNS,
							rte_get_tsc_hz()) == 0
			     ? &dpt_http
			     : NULL;
	if (dp_rr_init(&dpt.w.rr, dpt.seg->max_backends))
		return -1;
	memcpy(dpt.seg->synproxy.key, dpt_sp_keys, sizeof(dpt_sp_keys));
	dpt.seg->synproxy.current = 0;
	dpt.w.sp_secrets = &dpt.seg->synproxy;
	memset(dpt.w.stats, 0, dpt.seg->worker_stats_bytes);
	return dpt.w.flows && dpt.w.conns && dpt.w.sp_timers && dpt.w.http ? 0 : -1;
}

int dpt_teardown(void **state)
{
	(void)state;
	dp_flow_free(dpt.w.flows);
	dpt.w.flows = NULL;
	if (dpt.w.http)
		dp_http_worker_fini(dpt.w.http);
	dpt.w.http = NULL;
	dp_conn_destroy(dpt.w.conns);
	dpt.w.conns = NULL;
	dp_sp_timers_destroy(dpt.w.sp_timers);
	dpt.w.sp_timers = NULL;
	dp_rr_free(&dpt.w.rr);
	tl_ring_ports_drain(&dpt.rp);
	return 0;
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
	struct rte_mbuf *m = rte_pktmbuf_alloc(dpt.rp.pool);

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

uint32_t dpt_take_next(int p, uint8_t *out)
{
	struct rte_mbuf *m = NULL;
	uint32_t len;

	assert_int_equal(rte_ring_dequeue(dpt.rp.tx[p], (void **)&m), 0);
	len = rte_pktmbuf_pkt_len(m);
	assert_int_equal(m->nb_segs, 1);
	memcpy(out, rte_pktmbuf_mtod(m, uint8_t *), len);
	rte_pktmbuf_free(m);
	return len;
}

uint32_t dpt_take(int p, uint8_t *out)
{
	assert_int_equal(rte_ring_count(dpt.rp.tx[p]), 1);
	return dpt_take_next(p, out);
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

uint16_t dpt_nat_port(const struct sl_flow_key *k, uint16_t min, uint16_t max, uint32_t n,
		      uint32_t worker)
{
	uint32_t range = (uint32_t)max - min + 1;
	uint32_t first = (worker * range + n - 1) / n,
		 count = ((worker + 1) * range + n - 1) / n - first;
	uint32_t hash = sl_flow_hash(k, 0);

	/* the start of the slice's probe: the hash's bits 8..31 scaled to the slice */
	return (uint16_t)(min + first + (uint32_t)(((uint64_t)(hash >> 8) * count) >> 24));
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
