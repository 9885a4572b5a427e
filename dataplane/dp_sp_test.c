/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SYN proxy through the real worker (tests/lib/dp_nat_fixture.h): a
 * SYN answered with a cookie and no state; the cookie ACK opening the
 * backend with the client's SYN, byte for byte; segments held until the
 * backend answers; its SYN-ACK becoming the client's window update and
 * releasing them, spliced; spliced traffic both ways (sequence, SACK,
 * timestamps); bad cookies; a backend that resets or never answers (the
 * next instance, then an RST to the client); the hold's bound; a client
 * RST while the backend opens; a SYN flood that leaves no state; IPv6.
 * Every segment that is a rewrite of another is compared byte for byte
 * with a frame built from scratch (dp_frames.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_conn.h"
#include "dp_cookie.h"
#include "dp_harness.h"
#include "dp_nat_fixture.h"
#include "dp_sp_fixture.h"
#include "dp_worker.h"
#include "dp_worker_nat.h"
#include "dp_worker_sp.h"
#include "sl_drop.h"
#include "sl_shm.h"

/* The cookie ACK (TSval DPT_CLIENT_TS + 1, window 600): the backend gets the client's SYN. */
static struct dpt_frame cookie_ack(const struct dpt_conn *c, const struct dpt_synack *sa)
{
	static uint8_t o[12];
	uint8_t so[DPT_SYN_OPTS_LEN];
	struct dpt_frame ack = {.proto = IPPROTO_TCP,
				.flags = 0x10,
				.seq = DPT_CLIENT_ISN + 1,
				.ack = sa->cookie + 1,
				.olen = 12,
				.window = 600};

	ack.opt = dpt_ts_opts(o, DPT_CLIENT_TS + 1, sa->tsval);
	assert_int_equal(dpt_nat_send_client(c, ack), 1);
	assert_int_equal(rte_ring_count(dpt.rp.tx[0]), 0);
	/* 600 << 7 does not fit a SYN's 16 bits: 65535; the MSS clamped; TSval the ACK's */
	dpt_take_exact(
		1, dpt_at_backend(c, (struct dpt_frame){.proto = IPPROTO_TCP,
							.flags = 0x02,
							.seq = DPT_CLIENT_ISN,
							.olen = DPT_SYN_OPTS_LEN,
							.opt = dpt_syn_opts_ts(
								so, c->mss, DPT_CLIENT_TS + 1, 0),
							.window = 0xffff}));
	assert_int_equal(dpt_nat_conn_of(c)->state, SL_NAT_SP_SYN_SENT);
	return ack;
}

/*
 * The backend's SYN-ACK (ISN DPT_BACKEND_ISN, TS DPT_BACKEND_TS, WS 7, window
 * 65160): the client gets the window update, the backend what was held.
 */
static void backend_synack(const struct dpt_conn *c, const struct dpt_synack *sa,
			   const struct dpt_frame *held, unsigned int n_held)
{
	uint8_t o[DPT_SYN_OPTS_LEN], to[12];
	struct dpt_frame f = {.proto = IPPROTO_TCP,
			      .flags = 0x12,
			      .seq = DPT_BACKEND_ISN,
			      .ack = DPT_CLIENT_ISN + 1,
			      .olen = DPT_SYN_OPTS_LEN,
			      .window = 65160};
	uint32_t ts_off = DPT_BACKEND_TS - sa->tsval;

	f.opt = dpt_syn_opts_ts(o, 1460, DPT_BACKEND_TS, DPT_CLIENT_TS + 1);
	assert_int_equal(dpt_nat_send_backend(c, f), 1 + n_held);
	/* seq cookie + 1, the window in the client's scale, TS only, the IP header kept */
	dpt_take_exact(0, dpt_at_client(c, (struct dpt_frame){
						   .proto = IPPROTO_TCP,
						   .flags = 0x10,
						   .seq = sa->cookie + 1,
						   .ack = DPT_CLIENT_ISN + 1,
						   .olen = 12,
						   .opt = dpt_ts_opts(to, DPT_BACKEND_TS - ts_off,
								      DPT_CLIENT_TS + 1),
						   .window = 65160 >> 7}));
	for (unsigned int i = 0; i < n_held; i++) {
		struct dpt_frame h = held[i];
		uint8_t ho[12];

		/* the ack moved to the backend's numbers, TSecr to its clock */
		h.ack = h.ack - sa->cookie + DPT_BACKEND_ISN;
		h.opt = dpt_ts_opts(ho, dpt_get32(held[i].opt + 4),
				    dpt_get32(held[i].opt + 8) + ts_off);
		dpt_take_exact(1, dpt_at_backend(c, h));
	}
	dpt_assert_nothing_sent();
	assert_int_equal(dpt_nat_conn_of(c)->state, SL_NAT_ESTABLISHED);
}

static void test_syn_cookie(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_SP4, DPT_CLIENT4, 41000, 0, 1);

	(void)state;
	dpt_syn_cookie(&c);
	dpt_syn_cookie(&c); /* a retransmitted SYN: the same answer, still nothing stored */
	assert_int_equal(dpt.w.stats->nat.synproxy_cookies, 2);
	assert_int_equal(dpt.w.conns->cnt.active, 0);
	assert_int_equal(dpt.w.flows->cnt.active, 0);
	assert_null(dpt_nat_conn_of(&c));
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* Handshake, held data, the backend's answer, then traffic both ways, spliced. */
static void test_open_and_splice(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_SP4, DPT_CLIENT4, 41001, 0, 1);
	struct dpt_synack sa = dpt_syn_cookie(&c);
	struct dpt_frame held[2], f;
	uint8_t o[12], o2[12], opts[24];
	uint32_t delta, ts_off;

	(void)state;
	held[0] = cookie_ack(&c, &sa);
	assert_int_equal(dpt.w.stats->nat.synproxy_valid, 1);
	/* data before the backend answers: held, nothing acknowledged */
	held[1] = (struct dpt_frame){.proto = IPPROTO_TCP,
				     .flags = 0x18,
				     .seq = DPT_CLIENT_ISN + 1,
				     .ack = sa.cookie + 1,
				     .olen = 12,
				     .payload = 100,
				     .window = 502};
	held[1].opt = dpt_ts_opts(o, DPT_CLIENT_TS + 2, sa.tsval);
	assert_int_equal(dpt_nat_send_client(&c, held[1]), 0);
	dpt_assert_nothing_sent();
	backend_synack(&c, &sa, held, 2);
	delta = sa.cookie - DPT_BACKEND_ISN;
	ts_off = DPT_BACKEND_TS - sa.tsval;

	/* backend -> client: seq forward by delta, TSval back by ts_off, window as is (same scale)
	 */
	f = (struct dpt_frame){.proto = IPPROTO_TCP,
			       .flags = 0x18,
			       .seq = DPT_BACKEND_ISN + 1,
			       .ack = DPT_CLIENT_ISN + 101,
			       .olen = 12,
			       .payload = 50,
			       .window = 900};
	f.opt = dpt_ts_opts(o, DPT_BACKEND_TS + 5, DPT_CLIENT_TS + 2);
	assert_int_equal(dpt_nat_send_backend(&c, f), 1);
	f.seq += delta;
	f.opt = dpt_ts_opts(o2, DPT_BACKEND_TS + 5 - ts_off, DPT_CLIENT_TS + 2);
	dpt_take_exact(0, dpt_at_client(&c, f));

	/* client -> backend: ack and the SACK block back by delta, TSecr forward by ts_off */
	f = (struct dpt_frame){.proto = IPPROTO_TCP,
			       .flags = 0x10,
			       .seq = DPT_CLIENT_ISN + 101,
			       .ack = sa.cookie + 51,
			       .olen = 24,
			       .opt = opts,
			       .window = 400};
	/* NOP NOP SACK (one block), NOP NOP TS */
	memcpy(opts, (uint8_t[]){1, 1, 5, 10}, 4);
	dpt_put32(opts + 4, sa.cookie + 101);
	dpt_put32(opts + 8, sa.cookie + 201);
	dpt_ts_opts(opts + 12, DPT_CLIENT_TS + 3, DPT_BACKEND_TS + 5 - ts_off);
	assert_int_equal(dpt_nat_send_client(&c, f), 1);
	f.ack -= delta;
	dpt_put32(opts + 4, DPT_BACKEND_ISN + 101);
	dpt_put32(opts + 8, DPT_BACKEND_ISN + 201);
	dpt_put32(opts + 20, DPT_BACKEND_TS + 5);
	dpt_take_exact(1, dpt_at_backend(&c, f));
	assert_int_equal(dpt_drops(&dpt.w), 0);
	assert_int_equal(dpt.w.stats->nat.conns[SL_NAT_ESTABLISHED], 1);
}

/* An ACK without a valid cookie, and segments that are no handshake: dropped, named. */
static void test_bad_cookie(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_SP4, DPT_CLIENT4, 41002, 0, 1);
	struct dpt_synack sa = dpt_syn_cookie(&c);
	struct dpt_frame f = {.proto = IPPROTO_TCP,
			      .flags = 0x10,
			      .seq = DPT_CLIENT_ISN + 1,
			      .ack = sa.cookie + 1 + (1u << 12)};
	struct dpt_conn other = c;

	(void)state;
	assert_int_equal(dpt_nat_send_client(&c, f), 0);
	f.ack = sa.cookie + 1;
	f.seq = DPT_CLIENT_ISN + 2; /* another ISN */
	assert_int_equal(dpt_nat_send_client(&c, f), 0);
	other.cport = 41003; /* another tuple */
	f.seq = DPT_CLIENT_ISN + 1;
	assert_int_equal(dpt_nat_send_client(&other, f), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_SYNPROXY_BAD_COOKIE], 3);
	f.flags = 0x04; /* an RST, a FIN without ACK, and no connection */
	assert_int_equal(dpt_nat_send_client(&c, f), 0);
	f.flags = 0x01;
	assert_int_equal(dpt_nat_send_client(&c, f), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NAT_MID_STREAM], 2);
	dpt_assert_nothing_sent();
	assert_int_equal(dpt.w.conns->cnt.active, 0);
	assert_int_equal(dpt.w.stats->nat.synproxy_valid, 0);
}

static void rst_from_backend(const struct dpt_conn *c)
{
	struct dpt_frame rst = {
		.proto = IPPROTO_TCP, .flags = 0x14, .seq = 0, .ack = DPT_CLIENT_ISN + 1};

	dpt_nat_send_backend(c, rst);
}

/* The SYN the worker sends a backend for @c, again: exactly the first one's bytes. */
static void expect_backend_syn(const struct dpt_conn *c)
{
	uint8_t so[DPT_SYN_OPTS_LEN];

	dpt_take_exact(
		1, dpt_at_backend(c, (struct dpt_frame){.proto = IPPROTO_TCP,
							.flags = 0x02,
							.seq = DPT_CLIENT_ISN,
							.olen = DPT_SYN_OPTS_LEN,
							.opt = dpt_syn_opts_ts(
								so, c->mss, DPT_CLIENT_TS + 1, 0),
							.window = 0xffff}));
}

/* The client's RST: from the VIP, seq = what it acknowledged, nothing else. */
static void expect_client_rst(const struct dpt_conn *c, const struct dpt_synack *sa)
{
	uint8_t f[256];
	uint32_t len = dpt_take_next(0, f);
	struct dp_pkt p;

	assert_int_equal(dp_parse(f, len, &p), DP_PARSE_OK);
	assert_memory_equal(f, dpt_client_mac, 6);
	assert_int_equal(f[p.l4_off] << 8 | f[p.l4_off + 1], c->vport);
	assert_int_equal(f[p.l4_off + 2] << 8 | f[p.l4_off + 3], c->cport);
	assert_int_equal(f[p.l4_off + 13], 0x04);
	assert_int_equal(dpt_get32(f + p.l4_off + 4), sa->cookie + 1);
	assert_int_equal(p.l3_len, p.key.af == SL_AF_INET6 ? 60 : 40);
	assert_int_equal(dpt_ref_sum(f + p.l4_off, 20, dpt_pseudo_sum(f + p.l2_len, 20)), 0xffff);
}

/* A backend that resets: the next instance once (no data yet), then the client is reset. */
static void test_backend_rst(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_SP4, DPT_CLIENT4, 41004, 0, 1), n;
	struct dpt_synack sa = dpt_syn_cookie(&c);

	(void)state;
	cookie_ack(&c, &sa);
	n = dpt_next_instance(&c);
	rst_from_backend(&c);
	assert_int_equal(dpt.w.backend_stats[c.be].connect_failures, 1);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_SYNPROXY_BACKEND], 1);
	assert_int_equal(rte_ring_count(dpt.rp.tx[0]), 0);
	expect_backend_syn(&n);
	assert_int_equal(dpt_nat_conn_of(&c)->state, SL_NAT_SP_SYN_SENT);
	assert_int_equal(dpt.w.conns->cnt.active, 1);
	rst_from_backend(&n);
	assert_int_equal(dpt.w.backend_stats[n.be].connect_failures, 1);
	assert_int_equal(dpt.w.stats->nat.connect_failures, 2);
	expect_client_rst(&c, &sa);
	dpt_assert_nothing_sent();
	assert_int_equal(dpt.w.stats->nat.synproxy_rsts, 1);
	/* closed, not gone: the request the client sent before it saw the RST opens nothing */
	assert_int_equal(dpt_nat_conn_of(&c)->state, SL_NAT_CLOSE);
	{
		uint8_t o[12];
		struct dpt_frame data = {.proto = IPPROTO_TCP,
					 .flags = 0x18,
					 .seq = DPT_CLIENT_ISN + 1,
					 .ack = sa.cookie + 1,
					 .olen = 12,
					 .payload = 80,
					 .window = 502};

		data.opt = dpt_ts_opts(o, DPT_CLIENT_TS + 2, sa.tsval);
		assert_int_equal(dpt_nat_send_client(&c, data), 1);
		expect_client_rst(&c, &sa);
		dpt_assert_nothing_sent();
	}
	assert_int_equal(dpt.w.stats->nat.connect_failures, 2);
	assert_int_equal(dpt.w.stats->nat.synproxy_rsts, 2);
	assert_int_equal(dpt.w.stats->nat.synproxy_valid, 1);
	assert_int_equal(dpt.w.conns->cnt.active, 1);
}

/* A client that sent data is not moved to another instance: reset at the first failure. */
static void test_backend_rst_after_data(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_SP4, DPT_CLIENT4, 41005, 0, 1);
	struct dpt_synack sa = dpt_syn_cookie(&c);
	struct dpt_frame d;
	uint8_t o[12];

	(void)state;
	d = cookie_ack(&c, &sa);
	d.flags = 0x18;
	d.payload = 10;
	d.opt = dpt_ts_opts(o, DPT_CLIENT_TS + 2, sa.tsval);
	assert_int_equal(dpt_nat_send_client(&c, d), 0);
	rst_from_backend(&c);
	expect_client_rst(&c, &sa);
	dpt_assert_nothing_sent();
	assert_int_equal(dpt_nat_conn_of(&c)->state, SL_NAT_CLOSE); /* until its close timeout */
	dp_worker_sync_nat_stats(&dpt.w, N_NAT_SOURCES);
	assert_int_equal(dpt.w.conns->cnt.sp_abandoned, 1); /* the data, freed */
}

/* No answer: the SYN again every DP_SP_SYN_RTO_MS, DP_SP_SYN_RETRIES times, then the next. */
static void test_backend_silent(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_SP4, DPT_CLIENT4, 41006, 0, 1), n;
	struct dpt_synack sa = dpt_syn_cookie(&c);
	uint64_t t0 = rte_rdtsc(), rto = rte_get_tsc_hz() / 1000 * DP_SP_SYN_RTO_MS;
	unsigned int i;

	(void)state;
	cookie_ack(&c, &sa);
	n = dpt_next_instance(&c);
	assert_int_equal(dp_worker_poll_timers(&dpt.w, t0 + rto / 2), 0); /* not yet */
	dpt_assert_nothing_sent();
	for (i = 1; i <= DP_SP_SYN_RETRIES; i++) {
		assert_int_equal(dp_worker_poll_timers(&dpt.w, t0 + i * (rto + rto / 10)), 1);
		expect_backend_syn(&c);
	}
	assert_int_equal(dpt.w.stats->nat.synproxy_syn_retries, DP_SP_SYN_RETRIES);
	assert_int_equal(dp_worker_poll_timers(&dpt.w, t0 + i * (rto + rto / 10)), 1);
	expect_backend_syn(&n);
	assert_int_equal(dpt.w.backend_stats[c.be].connect_failures, 1);
	for (i++; i <= 2 * DP_SP_SYN_RETRIES + 1; i++) {
		assert_int_equal(dp_worker_poll_timers(&dpt.w, t0 + i * (rto + rto / 10)), 1);
		expect_backend_syn(&n);
	}
	assert_int_equal(dp_worker_poll_timers(&dpt.w, t0 + i * (rto + rto / 10)), 1);
	expect_client_rst(&c, &sa);
	dpt_assert_nothing_sent();
	assert_int_equal(dpt.w.backend_stats[n.be].connect_failures, 1);
	assert_int_equal(dpt.w.conns->cnt.by_state[SL_NAT_CLOSE], 1);
	assert_int_equal(dp_worker_poll_timers(&dpt.w, t0 + 100 * rto), 0);
}

/* A backend that answers after one retry: the SYN-ACK completes as ever; its timer is spent. */
static void test_backend_late(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_SP4, DPT_CLIENT4, 41007, 0, 1);
	struct dpt_synack sa = dpt_syn_cookie(&c);
	uint64_t t0 = rte_rdtsc(), rto = rte_get_tsc_hz() / 1000 * DP_SP_SYN_RTO_MS;
	struct dpt_frame held;

	(void)state;
	held = cookie_ack(&c, &sa);
	assert_int_equal(dp_worker_poll_timers(&dpt.w, t0 + rto + rto / 10), 1);
	expect_backend_syn(&c);
	backend_synack(&c, &sa, &held, 1);
	assert_int_equal(dp_worker_poll_timers(&dpt.w, t0 + 10 * rto), 0);
	dpt_assert_nothing_sent();
}

/*
 * The backend answers the SYN with an older connection's ACK (a TIME_WAIT
 * on the same ports that refused the SYN): it gets <SEQ=SEG.ACK><CTL=RST>,
 * the SYN again at once, and the connection opens; each attempt may take
 * one such ACK, the last one is dropped for the timer's retry.
 */
static void test_backend_stale_ack(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_SP4, DPT_CLIENT4, 41012, 0, 1);
	struct dpt_synack sa = dpt_syn_cookie(&c);
	uint8_t so[DPT_SYN_OPTS_LEN];
	struct dpt_frame held, syn = {.proto = IPPROTO_TCP,
				      .flags = 0x02,
				      .seq = DPT_CLIENT_ISN,
				      .olen = DPT_SYN_OPTS_LEN,
				      .opt = dpt_syn_opts_ts(so, c.mss, DPT_CLIENT_TS + 1, 0),
				      .window = 0xffff};

	(void)state;
	held = cookie_ack(&c, &sa);
	dpt_expect_stale_ack_reset(&c, 0x7000abcd, syn);
	dpt_assert_nothing_sent();
	assert_int_equal(dpt.w.stats->nat.synproxy_stale_acks, 1);
	assert_int_equal(dpt_nat_conn_of(&c)->state, SL_NAT_SP_SYN_SENT);
	/* an ACK of the SYN itself without a SYN of its own resets nothing */
	assert_int_equal(dpt_nat_send_backend(&c, (struct dpt_frame){.proto = IPPROTO_TCP,
								     .flags = 0x10,
								     .seq = 0x51000001,
								     .ack = DPT_CLIENT_ISN + 1}),
			 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_SYNPROXY_BACKEND], 1);
	backend_synack(&c, &sa, &held, 1);
	assert_int_equal(dpt.w.stats->nat.synproxy_stale_acks, 1);
	assert_int_equal(dpt.w.stats->nat.connect_failures, 0);
}

/* At most DP_SP_HELD segments wait for the backend; the client sends the rest again. */
static void test_held_full(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_SP4, DPT_CLIENT4, 41008, 0, 1);
	struct dpt_synack sa = dpt_syn_cookie(&c);
	struct dpt_frame held[DP_SP_HELD], d;
	uint8_t o[DP_SP_HELD + 1][12];

	(void)state;
	held[0] = cookie_ack(&c, &sa);
	for (unsigned int i = 1; i <= DP_SP_HELD; i++) {
		d = (struct dpt_frame){.proto = IPPROTO_TCP,
				       .flags = 0x18,
				       .seq = DPT_CLIENT_ISN + 1 + 10 * (i - 1),
				       .ack = sa.cookie + 1,
				       .olen = 12,
				       .payload = 10,
				       .window = 502};
		d.opt = dpt_ts_opts(o[i], DPT_CLIENT_TS + 1 + i, sa.tsval);
		assert_int_equal(dpt_nat_send_client(&c, d), 0);
		if (i < DP_SP_HELD)
			held[i] = d;
	}
	assert_int_equal(dpt.w.stats->drops[SL_DROP_SYNPROXY_HELD_FULL], 1);
	backend_synack(&c, &sa, held, DP_SP_HELD);
}

/* The client gives up while the backend opens: its RST goes on, what was held is freed. */
static void test_client_rst_while_opening(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_SP4, DPT_CLIENT4, 41009, 0, 1);
	struct dpt_synack sa = dpt_syn_cookie(&c);
	struct dpt_frame rst = {.proto = IPPROTO_TCP, .flags = 0x04, .seq = DPT_CLIENT_ISN + 1};

	(void)state;
	cookie_ack(&c, &sa);
	assert_int_equal(dpt_nat_send_client(&c, rst), 1);
	dpt_take_exact(1, dpt_at_backend(&c, rst));
	dpt_assert_nothing_sent();
	assert_int_equal(dpt_nat_conn_of(&c)->state, SL_NAT_CLOSE);
	assert_int_equal(dpt.w.conns->cnt.sp_abandoned, 1);
	dp_worker_sync_nat_stats(&dpt.w, N_NAT_SOURCES);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_SYNPROXY_ABANDONED], 1);
	/* its timer finds it closed: nothing more */
	assert_int_equal(dp_worker_poll_timers(&dpt.w, rte_rdtsc() + rte_get_tsc_hz() * 2), 0);
	dpt_assert_nothing_sent();
}

/* A flood of SYNs from many sources: every one answered, not one stored. */
static void test_syn_flood(void **state)
{
	static const char *const src[] = {"198.18.0.21", "198.18.0.22", "198.18.0.23",
					  "198.18.0.24"};
	uint8_t o[DPT_SYN_OPTS_LEN];
	unsigned int sent = 0;

	(void)state;
	for (unsigned int round = 0; round < 4; round++) {
		for (unsigned int i = 0; i < 500; i++) {
			struct dpt_conn c = {.vip = V_SP4,
					     .client = src[round],
					     .cport = (uint16_t)(20000 + i),
					     .vaddr = DPT_VIP_SP4,
					     .vport = 80};
			struct dpt_frame syn = {.proto = IPPROTO_TCP,
						.flags = 0x02,
						.seq = 7 * i,
						.olen = DPT_SYN_OPTS_LEN};

			syn.opt = dpt_syn_opts(o, 1460);
			sent += dpt_nat_send_client(&c, syn);
		}
		assert_int_equal(rte_ring_count(dpt.rp.tx[0]), 500);
		while (rte_ring_count(dpt.rp.tx[0]))
			dpt_take_next(0, (uint8_t[256]){0});
	}
	assert_int_equal(sent, 2000);
	assert_int_equal(dpt.w.stats->nat.synproxy_cookies, 2000);
	assert_int_equal(dpt.w.conns->cnt.active, 0);
	assert_int_equal(dpt.w.flows->cnt.active, 0);
	assert_int_equal(dpt.w.flows->cnt.embryonic, 0);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* The whole handshake over IPv6. */
static void test_ipv6(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_SP6, DPT_CLIENT6, 41010, 0, 1);
	struct dpt_synack sa = dpt_syn_cookie(&c);
	struct dpt_frame held;

	(void)state;
	held = cookie_ack(&c, &sa);
	backend_synack(&c, &sa, &held, 1);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* A table whose VIP is not SYN-proxied: the cookie ACK is just an ACK without a connection. */
static void test_cookie_needs_synproxy(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_SP4, DPT_CLIENT4, 41011, 0, 1);
	struct dpt_synack sa = dpt_syn_cookie(&c);
	struct dpt_frame ack = {.proto = IPPROTO_TCP,
				.flags = 0x10,
				.seq = DPT_CLIENT_ISN + 1,
				.ack = sa.cookie + 1};

	(void)state;
	/* the same tuple to the plain NAT VIP on the same address family */
	c.vip = V_NAT4;
	c.vaddr = DPT_VIP_NAT4;
	assert_int_equal(dpt_nat_send_client(&c, ack), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NAT_MID_STREAM], 1);
	assert_int_equal(dpt.w.conns->cnt.active, 0);
}

static int group_setup(void **state)
{
	(void)state;
	return dpt_init("dp_sp_test");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_syn_cookie, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_open_and_splice, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_bad_cookie, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_backend_rst, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_backend_rst_after_data, dpt_setup,
						dpt_teardown),
		cmocka_unit_test_setup_teardown(test_backend_silent, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_backend_late, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_backend_stale_ack, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_held_full, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_client_rst_while_opening, dpt_setup,
						dpt_teardown),
		cmocka_unit_test_setup_teardown(test_syn_flood, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_ipv6, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_cookie_needs_synproxy, dpt_setup,
						dpt_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
