/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SYN proxy's segments, byte for byte against frames scapy built (and
 * cookies an independent SipHash computed): testdata/gen_synproxy.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dp_synproxy.h"
#include "testdata/synproxy_fixtures.h"

#define ROOM 256

static struct sl_synproxy_secrets sec = {.key = {FIX_KEY0, FIX_KEY1}, .current = 0};

static uint8_t buf[ROOM];
static struct dp_pkt pkt;

/* @f into buf, parsed into pkt. */
static void load(const uint8_t *f, uint32_t len)
{
	memset(buf, 0xee, sizeof(buf));
	memcpy(buf, f, len);
	assert_int_equal(dp_parse(buf, len, &pkt), DP_PARSE_OK);
}

static void expect_frame(const uint8_t *got, int len, const uint8_t *want, uint32_t want_len)
{
	assert_int_equal(len, (int)want_len);
	for (uint32_t i = 0; i < want_len; i++)
		if (got[i] != want[i])
			fail_msg("byte %u: 0x%02x, want 0x%02x", i, got[i], want[i]);
}

static void test_answer_syn4(void **state)
{
	(void)state;
	load(syn4, sizeof(syn4));
	expect_frame(buf, dp_sp_answer_syn(buf, ROOM, &pkt, &sec, FIX_MINUTE, FIX_TSVAL, FIX_MSS),
		     synack4, sizeof(synack4));
}

/* IP options, no TCP options, data: a plain header, MSS only, the data not acknowledged. */
static void test_answer_syn4_bare(void **state)
{
	(void)state;
	load(syn4_bare, sizeof(syn4_bare));
	expect_frame(buf, dp_sp_answer_syn(buf, ROOM, &pkt, &sec, FIX_MINUTE, FIX_TSVAL, FIX_MSS),
		     synack4_bare, sizeof(synack4_bare));
}

/* VLAN tag kept, the hop-by-hop header gone, SACK and WS without timestamps. */
static void test_answer_syn6(void **state)
{
	(void)state;
	load(syn6, sizeof(syn6));
	expect_frame(buf, dp_sp_answer_syn(buf, ROOM, &pkt, &sec, FIX_MINUTE, FIX_TSVAL, FIX_MSS),
		     synack6, sizeof(synack6));
}

static void test_answer_room(void **state)
{
	(void)state;
	load(syn4_bare, sizeof(syn4_bare));
	assert_int_equal(dp_sp_answer_syn(buf, sizeof(synack4_bare) - 1, &pkt, &sec, FIX_MINUTE,
					  FIX_TSVAL, FIX_MSS),
			 -ENOSPC);
	load(syn4, sizeof(syn4));
	assert_int_equal(
		dp_sp_answer_syn(buf, sizeof(synack4), &pkt, &sec, FIX_MINUTE, FIX_TSVAL, FIX_MSS),
		(int)sizeof(synack4));
}

/* The cookie ACK opens with what the SYN offered; the SYN it stands for, byte for byte. */
static void test_ack4(void **state)
{
	struct dp_sp_open op;
	uint8_t syn[ROOM];

	(void)state;
	load(ack4, sizeof(ack4));
	assert_int_equal(dp_sp_check_ack(buf, &pkt, &sec, FIX_MINUTE, &op), 1);
	assert_int_equal(op.cookie, SYN4_COOKIE);
	assert_int_equal(op.client_isn, 0x11111111);
	assert_int_equal(op.o.mss, 1460);
	assert_int_equal(op.o.wscale, 7);
	assert_int_equal(op.o.sack, 1);
	assert_int_equal(op.o.ts, 1);
	assert_int_equal(op.tsval, 0x0a0b0c0e);
	assert_int_equal(op.tsecr, FIX_TSVAL);
	assert_int_equal(op.window, 502);
	assert_int_equal(dp_sp_client_wscale(&op.o), DP_SP_WSCALE);
	expect_frame(syn, dp_sp_client_syn(syn, ROOM, buf, &pkt, &op), csyn4, sizeof(csyn4));
	assert_int_equal(dp_sp_client_syn(syn, sizeof(csyn4) - 1, buf, &pkt, &op), -ENOSPC);
}

static void test_ack6(void **state)
{
	struct dp_sp_open op;
	uint8_t syn[ROOM];

	(void)state;
	load(ack6, sizeof(ack6));
	assert_int_equal(dp_sp_check_ack(buf, &pkt, &sec, FIX_MINUTE + 2, &op), 1);
	assert_int_equal(op.cookie, SYN6_COOKIE);
	assert_int_equal(op.o.mss, 1440);
	assert_int_equal(op.o.wscale, 2);
	assert_int_equal(op.o.ts, 0);
	expect_frame(syn, dp_sp_client_syn(syn, ROOM, buf, &pkt, &op), csyn6, sizeof(csyn6));
}

/* Refused: too old, from the future, another key pair, a SYN or RST flag, a changed byte. */
static void test_ack_refused(void **state)
{
	struct sl_synproxy_secrets other = {.key = {{1, 2}, {3, 4}}, .current = 0};
	struct dp_sp_open op;

	(void)state;
	load(ack4, sizeof(ack4));
	assert_int_equal(dp_sp_check_ack(buf, &pkt, &sec, FIX_MINUTE + 3, &op), 0);
	assert_int_equal(dp_sp_check_ack(buf, &pkt, &sec, FIX_MINUTE - 1, &op), 0);
	assert_int_equal(dp_sp_check_ack(buf, &pkt, &other, FIX_MINUTE, &op), 0);
	buf[pkt.l4_off + 13] |= RTE_TCP_SYN_FLAG;
	assert_int_equal(dp_sp_check_ack(buf, &pkt, &sec, FIX_MINUTE, &op), 0);
	buf[pkt.l4_off + 13] = RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG;
	assert_int_equal(dp_sp_check_ack(buf, &pkt, &sec, FIX_MINUTE, &op), 0);
	load(ack4, sizeof(ack4));
	buf[pkt.l4_off + 7] ^= 1; /* seq: another ISN */
	assert_int_equal(dp_sp_check_ack(buf, &pkt, &sec, FIX_MINUTE, &op), 0);
	load(ack4, sizeof(ack4));
	buf[pkt.l4_off + 8] ^= 0x10; /* ack: another minute */
	assert_int_equal(dp_sp_check_ack(buf, &pkt, &sec, FIX_MINUTE, &op), 0);
}

/* A cookie made under the previous key stays valid, whichever slot is current. */
static void test_ack_previous_key(void **state)
{
	struct sl_synproxy_secrets swapped = sec;
	struct dp_sp_open op;

	(void)state;
	load(ack4_prev, sizeof(ack4_prev));
	assert_int_equal(dp_sp_check_ack(buf, &pkt, &sec, FIX_MINUTE, &op), 1);
	assert_int_equal(op.o.mss, 1300);
	assert_int_equal(op.o.wscale, DP_COOKIE_WS_NONE);
	assert_int_equal(dp_sp_client_wscale(&op.o), 0);
	swapped.current = 1;
	assert_int_equal(dp_sp_check_ack(buf, &pkt, &swapped, FIX_MINUTE, &op), 1);
	memset(swapped.key[1], 0, sizeof(swapped.key[1]));
	assert_int_equal(dp_sp_check_ack(buf, &pkt, &swapped, FIX_MINUTE, &op), 0);
}

static void open4(struct dp_sp_open *op)
{
	load(ack4, sizeof(ack4));
	assert_int_equal(dp_sp_check_ack(buf, &pkt, &sec, FIX_MINUTE, op), 1);
}

/* The backend's SYN-ACK: the splice, then the window update in its place. */
static void test_synack4(void **state)
{
	struct dp_sp_open op;
	struct dp_tcpopt o;
	struct dp_splice s;

	(void)state;
	open4(&op);
	load(bsynack4, sizeof(bsynack4));
	dp_tcpopt_parse((const struct rte_tcp_hdr *)(buf + pkt.l4_off), &o);
	dp_sp_splice_of((const struct rte_tcp_hdr *)(buf + pkt.l4_off), &o, &op, &s);
	assert_int_equal(s.delta, BSYNACK4_DELTA);
	assert_int_equal(s.ts_off, BSYNACK4_TS_OFF);
	assert_int_equal(s.ts, 1);
	assert_int_equal(s.ws_backend, 7);
	assert_int_equal(s.ws_client, 7);
	assert_int_equal(s.ws_up, 0);
	expect_frame(buf, dp_sp_synack_to_ack(buf, &pkt, &s), wupd4, sizeof(wupd4));
}

/* A backend without window scaling or timestamps: none on its half, the client's scale kept. */
static void test_synack6(void **state)
{
	struct dp_sp_open op;
	struct dp_tcpopt o;
	struct dp_splice s;

	(void)state;
	load(ack6, sizeof(ack6));
	assert_int_equal(dp_sp_check_ack(buf, &pkt, &sec, FIX_MINUTE, &op), 1);
	load(bsynack6, sizeof(bsynack6));
	dp_tcpopt_parse((const struct rte_tcp_hdr *)(buf + pkt.l4_off), &o);
	dp_sp_splice_of((const struct rte_tcp_hdr *)(buf + pkt.l4_off), &o, &op, &s);
	assert_int_equal(s.delta, BSYNACK6_DELTA);
	assert_int_equal(s.ts, 0);
	assert_int_equal(s.ts_off, 0);
	assert_int_equal(s.ws_backend, 0);
	assert_int_equal(s.ws_client, 7);
	assert_int_equal(s.ws_up, 2); /* the client's windows go to it in bytes */
	expect_frame(buf, dp_sp_synack_to_ack(buf, &pkt, &s), wupd6, sizeof(wupd6));
}

static void test_rst(void **state)
{
	(void)state;
	load(data4, sizeof(data4));
	expect_frame(buf, dp_sp_rst(buf, ROOM, &pkt), rst4, sizeof(rst4));
	load(fin6, sizeof(fin6));
	expect_frame(buf, dp_sp_rst(buf, ROOM, &pkt), rst6, sizeof(rst6));
	load(fin6, sizeof(fin6));
	assert_int_equal(dp_sp_rst(buf, sizeof(rst6) - 1, &pkt), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_syn4), cmocka_unit_test(test_answer_syn4_bare),
		cmocka_unit_test(test_answer_syn6), cmocka_unit_test(test_answer_room),
		cmocka_unit_test(test_ack4),	    cmocka_unit_test(test_ack6),
		cmocka_unit_test(test_ack_refused), cmocka_unit_test(test_ack_previous_key),
		cmocka_unit_test(test_synack4),	    cmocka_unit_test(test_synack6),
		cmocka_unit_test(test_rst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
