/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN-proxy fixtures (see dp_sp_fixture.h). */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/dp_cookie.h"
#include "dp_harness.h"
#include "dp_ref_sum.h"
#include "dp_sp_fixture.h"
#include "dataplane/dp_worker.h"

uint32_t dpt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void dpt_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* NOP NOP TS: the options of every segment after the handshake. */
const uint8_t *dpt_ts_opts(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	dpt_put32(o + 4, val);
	dpt_put32(o + 8, ecr);
	return o;
}

/* A SYN's options as dpt_syn_opts() lays them out, with its TSval and TSecr. */
const uint8_t *dpt_syn_opts_ts(uint8_t *o, uint16_t mss, uint32_t val, uint32_t ecr)
{
	dpt_syn_opts(o, mss);
	dpt_put32(o + 8, val);
	dpt_put32(o + 12, ecr);
	return o;
}

void dpt_assert_nothing_sent(void)
{
	assert_int_equal(rte_ring_count(dpt.rp.tx[0]), 0);
	assert_int_equal(rte_ring_count(dpt.rp.tx[1]), 0);
}

/* The next frame on port @p is exactly @f. */
void dpt_take_exact(int p, struct dpt_frame f)
{
	uint8_t want[2048], got[2048];
	uint32_t len = dpt_frame(want, &f);

	assert_int_equal(dpt_take_next(p, got), len);
	assert_memory_equal(got, want, len);
}

void dpt_expect_stale_ack_reset(const struct dpt_conn *c, uint32_t ack, struct dpt_frame syn)
{
	struct dpt_frame stale = {
		.proto = IPPROTO_TCP, .flags = 0x10, .seq = 0x51000001, .ack = ack, .window = 502};
	struct dpt_frame rst = dpt_at_backend(c, (struct dpt_frame){.proto = IPPROTO_TCP,
								    .flags = 0x04,
								    .seq = ack,
								    .window_zero = 1,
								    .made = 1});
	uint8_t want[2048], got[2048];
	uint32_t hdrs = strchr(c->baddr, ':') ? 14 + 40 + 20 : 14 + 20 + 20;

	assert_int_equal(dpt_nat_send_backend(c, stale), 2);
	assert_true(dpt_frame(want, &rst) >= hdrs);
	assert_int_equal(dpt_take_next(1, got), hdrs);
	assert_memory_equal(got, want, hdrs);
	dpt_take_exact(1, dpt_at_backend(c, syn));
}

/* @f as it leaves to @c's backend, and as it leaves to its client. */
struct dpt_frame dpt_at_backend(const struct dpt_conn *c, struct dpt_frame f)
{
	f.dmac = dpt_backend_mac(c->be);
	f.smac = dpt_port_mac[1];
	f.src = c->src;
	f.dst = c->baddr;
	f.sport = c->nport;
	f.dport = c->bport;
	return f;
}

struct dpt_frame dpt_at_client(const struct dpt_conn *c, struct dpt_frame f)
{
	f.dmac = dpt_client_mac;
	f.smac = dpt_port_mac[0];
	f.src = c->vaddr;
	f.dst = c->client;
	f.sport = c->vport;
	f.dport = c->cport;
	return f;
}

/* The pseudo-header sum of the IP header at @ip (version by its first nibble). */
uint32_t dpt_pseudo_sum(const uint8_t *ip, uint32_t l4_len)
{
	int v6 = ip[0] >> 4 == 6;

	return dpt_ref_sum(ip + (v6 ? 8 : 12), v6 ? 32 : 8, 6 + l4_len);
}

uint8_t dpt_minute_now(void)
{
	return (uint8_t)(rte_rdtsc() / (rte_get_tsc_hz() * 60));
}

/*
 * The client's SYN (MSS 1460, SACK, TS DPT_CLIENT_TS, WS 7) is answered on port
 * 0 by a SYN-ACK whose cookie this worker's keys accept, and nothing is
 * stored.
 */
struct dpt_synack dpt_syn_cookie(const struct dpt_conn *c)
{
	uint8_t o[DPT_SYN_OPTS_LEN], f[256];
	struct dpt_frame syn = {.proto = IPPROTO_TCP,
				.flags = 0x02,
				.seq = DPT_CLIENT_ISN,
				.olen = DPT_SYN_OPTS_LEN};
	uint64_t active = dpt.w.conns->cnt.active;
	struct dp_cookie_tuple tu;
	struct dp_cookie_opts co;
	uint32_t len, l4, l3;
	struct dp_pkt pkt;
	struct dpt_synack r;
	int v6;

	syn.opt = dpt_syn_opts(o, 1460);
	assert_int_equal(dpt_nat_send_client(c, syn), 1);
	assert_int_equal(rte_ring_count(dpt.rp.tx[1]), 0);
	len = dpt_take_next(0, f);
	assert_int_equal(dp_parse(f, len, &pkt), DP_PARSE_OK);
	l4 = pkt.l4_off;
	l3 = pkt.l2_len;
	v6 = pkt.key.af == SL_AF_INET6;
	assert_memory_equal(f, dpt_client_mac, 6);
	assert_memory_equal(f + 6, dpt_port_mac[0], 6);
	/* from the VIP, TTL 64 */
	assert_int_equal(f[l3 + (v6 ? 7 : 8)], 64);
	assert_int_equal(f[l4] << 8 | f[l4 + 1], c->vport);
	assert_int_equal(f[l4 + 2] << 8 | f[l4 + 3], c->cport);
	assert_int_equal(f[l4 + 13], 0x12);
	assert_int_equal(dpt_get32(f + l4 + 8), DPT_CLIENT_ISN + 1);
	assert_int_equal(f[l4 + 14] << 8 | f[l4 + 15], 0xffff);
	/* MSS (the ports' MTU less headers), SACK-permitted + TS (ours, the client's), NOP, WS 7 */
	assert_int_equal(f[l4 + 12] >> 4, 10);
	assert_memory_equal(f + l4 + 20, ((uint8_t[]){2, 4}), 2);
	assert_int_equal(f[l4 + 22] << 8 | f[l4 + 23], v6 ? 1440 : 1460);
	assert_memory_equal(f + l4 + 24, ((uint8_t[]){4, 2, 8, 10}), 4);
	r.tsval = dpt_get32(f + l4 + 28);
	assert_int_equal(dpt_get32(f + l4 + 32), DPT_CLIENT_TS);
	assert_memory_equal(f + l4 + 36, ((uint8_t[]){1, 3, 3, 7}), 4);
	assert_int_equal(dpt_ref_sum(f + l4, 40, dpt_pseudo_sum(f + l3, 40)), 0xffff);
	if (!v6)
		assert_int_equal(dpt_ref_sum(f + l3, 20, 0), 0xffff);
	/* the cookie: this tuple, this ISN, the current key, this minute (or the one before) */
	r.cookie = dpt_get32(f + l4 + 4);
	tu.src = pkt.key.dst; /* the SYN-ACK goes the other way */
	tu.dst = pkt.key.src;
	tu.sport = pkt.key.dport;
	tu.dport = pkt.key.sport;
	assert_int_equal(dp_cookie_check(dpt_sp_keys[0], &tu, DPT_CLIENT_ISN, r.cookie,
					 dpt_minute_now(), &co),
			 1);
	assert_int_equal(co.mss, 1460);
	assert_int_equal(co.wscale, 7);
	assert_int_equal(co.sack, 1);
	assert_int_equal(co.ts, 1);
	assert_int_equal(dpt.w.conns->cnt.active, active);
	return r;
}

struct dpt_conn dpt_next_instance(const struct dpt_conn *c)
{
	const struct dp_table *t = dpt.w.table;
	const struct sl_vip *v = &t->vips[c->vip];
	struct dpt_spec s = {c->client, c->vaddr, IPPROTO_TCP, c->cport, c->vport, 0x02, 0};
	struct sl_flow_key k = dpt_key_of(&s);
	uint32_t mh = sl_flow_hash(&k, 0), m = t->maglev_size;
	const uint32_t *row = &t->maglev[(size_t)v->pool * m];
	struct dpt_conn n = *c;
	static const char *const addr[N_BACKENDS] = {
		"198.18.1.11", "198.18.1.12",	 "198.18.1.21",	   "198.18.1.22",
		"198.18.1.23", "2001:2:0:1::21", "2001:2:0:1::22", "198.18.1.31",
	};

	for (uint32_t i = 1; i < m; i++)
		if (row[(mh % m + i) % m] != c->be) {
			n.be = row[(mh % m + i) % m];
			break;
		}
	assert_int_not_equal(n.be, c->be);
	n.baddr = addr[n.be];
	n.bport = n.be == 2 ? 8080 : n.be == 7 ? 9000 : c->vport;
	return n;
}
