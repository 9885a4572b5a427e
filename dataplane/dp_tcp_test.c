/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP options and splice translation (dp_tcp.h) and the incremental
 * checksum helpers under them (dp_csum.h): every rewrite is checked byte for
 * byte, and its checksum against a full sum computed here from the bytes
 * (pseudo-header included), independent of the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dp_csum.h"
#include "dp_ref_sum.h"
#include "dp_tcp.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* IPv4 pseudo-header 198.18.0.10 -> 198.18.1.21, TCP, @len bytes. */
static uint32_t pseudo(uint32_t len)
{
	static const uint8_t a[8] = {198, 18, 0, 10, 198, 18, 1, 21};

	return dpt_ref_sum(a, 8, 6 + len);
}

/* The whole segment sums to 0xffff with its checksum: the check a receiver makes. */
static void assert_csum_ok(const uint8_t *seg, uint32_t len)
{
	assert_int_equal(dpt_ref_sum(seg, len, pseudo(len)), 0xffff);
}

/*
 * A segment with options @opt (@olen bytes, a multiple of 4) and 8 bytes of
 * payload, checksummed. Returns its length.
 */
static uint32_t segment(uint8_t *s, uint8_t flags, const uint8_t *opt, uint32_t olen)
{
	uint32_t len = 20 + olen + 8;

	memset(s, 0, len);
	put16(s, 40000);
	put16(s + 2, 80);
	put32(s + 4, 0x11223344);
	put32(s + 8, 0xfffffff0);
	s[12] = (uint8_t)((20 + olen) / 4 << 4);
	s[13] = flags;
	put16(s + 14, 1000);
	memcpy(s + 20, opt, olen);
	memset(s + 20 + olen, 0xab, 8);
	put16(s + 16, (uint16_t)~dpt_ref_sum(s, len, pseudo(len)));
	return len;
}

static const uint8_t syn_opts[20] = {
	2, 4,  0x05, 0xb4,			   /* MSS 1460 */
	4, 2,					   /* SACK permitted */
	8, 10, 0,    0,	   0x12, 0x34, 0, 0, 0, 0, /* TS val 0x1234, ecr 0 */
	1,					   /* NOP */
	3, 3,  7,				   /* WS 7 */
};

static void test_parse_syn(void **state)
{
	uint8_t s[128];
	struct dp_tcpopt o;

	(void)state;
	segment(s, 0x02, syn_opts, sizeof(syn_opts));
	dp_tcpopt_parse((const struct rte_tcp_hdr *)s, &o);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.mss_off, 22);
	assert_int_equal(o.sack_ok, 1);
	assert_int_equal(o.ts_ok, 1);
	assert_int_equal(o.tsval, 0x1234);
	assert_int_equal(o.tsecr, 0);
	assert_int_equal(o.ts_off, 28);
	assert_int_equal(o.wscale, 7);
	assert_int_equal(o.n_sack, 0);
	assert_int_equal(o.bad, 0);
}

static void test_parse_bad(void **state)
{
	/* a length that runs past the header, a length below 2, a WS above 14, EOL */
	static const uint8_t past[4] = {2, 6, 5, 0xb4};
	static const uint8_t one[4] = {1, 8, 1, 0};
	static const uint8_t ws[4] = {3, 3, 15, 0};
	static const uint8_t eol[8] = {0, 2, 4, 5, 0xb4, 0, 0, 0};
	uint8_t s[128];
	struct dp_tcpopt o;

	(void)state;
	segment(s, 0x02, past, sizeof(past));
	dp_tcpopt_parse((const struct rte_tcp_hdr *)s, &o);
	assert_int_equal(o.bad, 1);
	assert_int_equal(o.mss, 0);
	segment(s, 0x02, one, sizeof(one));
	dp_tcpopt_parse((const struct rte_tcp_hdr *)s, &o);
	assert_int_equal(o.bad, 1);
	segment(s, 0x02, ws, sizeof(ws));
	dp_tcpopt_parse((const struct rte_tcp_hdr *)s, &o);
	assert_int_equal(o.bad, 0);
	assert_int_equal(o.wscale, DP_TCP_WS_MAX);
	segment(s, 0x02, eol, sizeof(eol));
	dp_tcpopt_parse((const struct rte_tcp_hdr *)s, &o);
	assert_int_equal(o.bad, 0);
	assert_int_equal(o.mss, 0);
	assert_int_equal(o.wscale, DP_TCP_WS_NONE);
	assert_int_equal(o.sack_ok, 0);
}

static void test_clamp_mss(void **state)
{
	uint8_t s[128], e[128];
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)s;
	uint32_t len = segment(s, 0x02, syn_opts, sizeof(syn_opts));
	struct dp_tcpopt o;

	(void)state;
	dp_tcpopt_parse(th, &o);
	assert_int_equal(dp_tcp_clamp_mss(th, &o, 1460), 0); /* not above: untouched */
	assert_int_equal(dp_tcp_clamp_mss(th, &o, 1500), 0);
	memcpy(e, s, len);
	assert_int_equal(dp_tcp_clamp_mss(th, &o, 1400), 1);
	put16(e + 22, 1400);
	assert_memory_equal(s + 18, e + 18, len - 18); /* only the MSS (and checksum) changed */
	assert_memory_equal(s, e, 16);
	assert_csum_ok(s, len);
}

/* Client -> backend: ack and every SACK block back by the delta, TSecr forward by ts_off. */
static void test_splice_to_backend(void **state)
{
	static const uint8_t opts[32] = {
		1,    1, 8,    10, 0, 0, 0,    7,
		0x80, 0, 0,    5, /* NOP NOP TS val 7, ecr 0x80000005 */
		1,    1, 5,    18, 0, 0, 0x10, 0,
		0,    0, 0x20, 0, /* SACK two blocks */
		0,    0, 0x30, 0,  0, 0, 0x40, 0,
	};
	const struct dp_splice sp = {.delta = 0x1000, .ts_off = 0x10, .ts = 1};
	uint8_t s[128];
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)s;
	uint32_t len = segment(s, 0x10, opts, sizeof(opts));

	(void)state;
	dp_tcp_splice_to_backend(th, &sp);
	assert_int_equal(get32(s + 4), 0x11223344);	     /* seq untouched */
	assert_int_equal(get32(s + 8), 0xfffffff0 - 0x1000); /* ack */
	assert_int_equal(get32(s + 20 + 4), 7);		     /* TSval untouched */
	assert_int_equal(get32(s + 20 + 8), 0x80000015);     /* TSecr */
	assert_int_equal(get32(s + 20 + 16), 0);
	assert_int_equal(get32(s + 20 + 20), 0x1000);
	assert_int_equal(get32(s + 20 + 24), 0x2000);
	assert_int_equal(get32(s + 20 + 28), 0x3000);
	assert_int_equal(s[14] << 8 | s[15], 1000); /* window untouched */
	assert_csum_ok(s, len);
}

/* A backend half without window scaling gets the client's window in bytes, saturating. */
static void test_splice_to_backend_unscaled(void **state)
{
	const struct dp_splice sp = {.delta = 0x1000, .ws_client = 7, .ws_up = 7};
	uint8_t s[128];
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)s;
	static const uint8_t none[1];
	uint32_t len = segment(s, 0x10, none, 0);

	(void)state;
	put16(s + 14, 502);
	put16(s + 16, 0);
	put16(s + 16, (uint16_t)~dpt_ref_sum(s, len, pseudo(len)));
	dp_tcp_splice_to_backend(th, &sp);
	assert_int_equal(s[14] << 8 | s[15], 502 << 7);
	assert_csum_ok(s, len);
	len = segment(s, 0x10, none, 0); /* window 1000 << 7: past 16 bits */
	dp_tcp_splice_to_backend(th, &sp);
	assert_int_equal(s[14] << 8 | s[15], 0xffff);
	assert_csum_ok(s, len);
}

/* Backend -> client: seq forward, window rescaled (saturating), TSval back. */
static void test_splice_to_client(void **state)
{
	static const uint8_t opts[12] = {1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 0, 9};
	struct dp_splice sp = {
		.delta = 0x20, .ts_off = 0x100, .ws_backend = 9, .ws_client = 7, .ts = 1};
	uint8_t s[128];
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)s;
	uint32_t len = segment(s, 0x10, opts, sizeof(opts));

	(void)state;
	dp_tcp_splice_to_client(th, &sp);
	assert_int_equal(get32(s + 4), 0x11223364);
	assert_int_equal(get32(s + 8), 0xfffffff0); /* ack untouched */
	assert_int_equal(s[14] << 8 | s[15], 4000); /* 1000 << 9 >> 7 */
	assert_int_equal(get32(s + 20 + 4), 0);	    /* 0x100 - 0x100 */
	assert_int_equal(get32(s + 20 + 8), 9);
	assert_csum_ok(s, len);

	/* a window beyond 16 bits saturates; a SYN's window is never scaled */
	len = segment(s, 0x10, opts, sizeof(opts));
	put16(s + 14, 0xffff);
	put16(s + 16, 0);
	put16(s + 16, (uint16_t)~dpt_ref_sum(s, len, pseudo(len)));
	dp_tcp_splice_to_client(th, &sp);
	assert_int_equal(s[14] << 8 | s[15], 0xffff);
	assert_csum_ok(s, len);
	len = segment(s, 0x12, opts, sizeof(opts));
	dp_tcp_splice_to_client(th, &sp);
	assert_int_equal(s[14] << 8 | s[15], 1000);
	assert_csum_ok(s, len);
}

/*
 * The checksum helpers against the reference sum, fields at an odd address
 * (a quoted header has no alignment; offsets within the summed bytes are even).
 */
static void test_csum_helpers(void **state)
{
	uint8_t b[41];
	uint8_t *p = b + 1; /* odd address: no alignment assumed */
	uint32_t d;

	(void)state;
	for (unsigned int i = 0; i < 40; i++)
		p[i] = (uint8_t)(i * 37 + 11);
	put16(p + 10, 0);
	put16(p + 10, (uint16_t)~dpt_ref_sum(p, 40, 0));
	for (uint32_t v = 0; v <= 0xffff; v += 0x101) {
		uint8_t val[2] = {(uint8_t)(v >> 8), (uint8_t)v};

		dp_csum_set16(p + 10, p + 4, dp_ld16(val));
		assert_int_equal(dpt_ref_sum(p, 40, 0), 0xffff);
	}
	dp_csum_set32(p + 10, p + 20, 0xdeadbeef);
	assert_int_equal(dpt_ref_sum(p, 40, 0), 0xffff);
	/* a delta over 16 bytes, applied once */
	{
		uint8_t to[16];

		memset(to, 0xfe, sizeof(to));
		d = dp_csum_delta(0, p + 24, to, 16);
		memcpy(p + 24, to, 16);
		dp_csum_apply(p + 10, d);
		assert_int_equal(dpt_ref_sum(p, 40, 0), 0xffff);
	}
}

/* UDP: a zero checksum (IPv4 "none") stays zero; a computed zero is sent as 0xffff. */
static void test_csum_udp_zero(void **state)
{
	uint8_t ck[2] = {0, 0};
	uint8_t ones[2] = {0xff, 0xff};

	(void)state;
	dp_csum_apply_udp(ck, dp_csum_delta16(0, 0x1234, 0x4321));
	assert_int_equal(ck[0] << 8 | ck[1], 0);
	/* 0x1234, a word going from 0 to 0x1234: ~(0xedcb + 0x1234) is zero, sent as all ones */
	put16(ck, 0x1234);
	dp_csum_apply_udp(ck, dp_csum_delta16(0, dp_ld16((uint8_t[2]){0, 0}),
					      dp_ld16((uint8_t[2]){0x12, 0x34})));
	assert_memory_equal(ck, ones, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_syn),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_clamp_mss),
		cmocka_unit_test(test_splice_to_backend),
		cmocka_unit_test(test_splice_to_backend_unscaled),
		cmocka_unit_test(test_splice_to_client),
		cmocka_unit_test(test_csum_helpers),
		cmocka_unit_test(test_csum_udp_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
