/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Source ports of full NAT: the workers' slices partition every range
 * exactly (owner and slice agree, for more workers than ports too); a new
 * connection gets a port of its slice that no live connection to the same
 * backend holds, the next source when a source is full, and exhaustion
 * when none has one; a port comes back once its connection is dead.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "dp_natport.h"
#include "sl_shm.h"

static const struct dp_conn_timeouts timeouts = {
	.syn = 5,
	.established = 300,
	.fin = 10,
	.time_wait = 10,
	.close = 2,
	.udp = 30,
};

static struct sl_nat_source source(uint32_t last, uint16_t min, uint16_t max)
{
	struct sl_nat_source s;

	memset(&s, 0, sizeof(s));
	sl_addr_from_v4(&s.addr, htonl(0xc6120100 | last));
	s.af = SL_AF_INET;
	s.port_min = min;
	s.port_max = max;
	return s;
}

/* Backend 198.18.1.@be:8080 -> (source and port filled by the pick) */
static struct sl_flow_key backend_key(uint32_t be)
{
	struct sl_flow_key k;

	memset(&k, 0, sizeof(k));
	sl_addr_from_v4(&k.src, htonl(0xc6120100 | be));
	k.sport = htons(8080);
	k.proto = IPPROTO_TCP;
	k.af = SL_AF_INET;
	return k;
}

/* Every port has exactly one owner; slices are contiguous, in worker order, and cover all. */
static void test_slices_partition(void **state)
{
	static const struct {
		uint16_t min, max;
		uint32_t n;
	} cases[] = {
		{1024, 65535, 1}, {1024, 65535, 2}, {1024, 65535, 3}, {1024, 65535, 7},
		{1, 65535, 128},  {5000, 5002, 4},  {7, 7, 2},	      {60000, 60099, 16},
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct sl_nat_source s = source(1, cases[c].min, cases[c].max);
		uint32_t next = s.port_min, total = 0;

		for (uint32_t k = 0; k < cases[c].n; k++) {
			uint32_t first, count;

			sl_natport_slice(&s, cases[c].n, k, &first, &count);
			if (count)
				assert_int_equal(first, next);
			for (uint32_t p = first; p < first + count; p++)
				assert_int_equal(sl_natport_owner(&s, cases[c].n, (uint16_t)p), k);
			next = first + count;
			total += count;
		}
		assert_int_equal(total, (uint32_t)s.port_max - s.port_min + 1);
		assert_int_equal(next, (uint32_t)s.port_max + 1);
	}
	/* three ports over four workers: one has none */
	{
		struct sl_nat_source s = source(1, 5000, 5002);
		uint32_t first, count, empty = 0;

		for (uint32_t k = 0; k < 4; k++) {
			sl_natport_slice(&s, 4, k, &first, &count);
			empty += count == 0;
		}
		assert_int_equal(empty, 1);
	}
	{
		struct sl_nat_source s = source(1, 1024, 2047);

		assert_int_equal(sl_natport_owner(&s, 2, 1023), UINT32_MAX);
		assert_int_equal(sl_natport_owner(&s, 2, 2048), UINT32_MAX);
		assert_int_equal(sl_natport_owner(&s, 2, 1535), 0);
		assert_int_equal(sl_natport_owner(&s, 2, 1536), 1);
	}
	/* no worker count (a worker struct never told): one worker owns everything */
	{
		struct sl_nat_source s = source(1, 1024, 2047);
		uint32_t first, count;

		assert_int_equal(sl_natport_owner(&s, 0, 2047), 0);
		sl_natport_slice(&s, 0, 0, &first, &count);
		assert_int_equal(first, 1024);
		assert_int_equal(count, 1024);
	}
}

/* Open a connection with the key the pick gave; returns the port (host order). */
static uint16_t take(struct dp_conn_table *ct, const struct sl_nat_source *srcs, uint32_t first,
		     uint32_t count, uint32_t n, uint32_t k, uint32_t hash, uint32_t be,
		     uint32_t *src_idx)
{
	static uint16_t client_port = 1;
	struct sl_flow_key r = backend_key(be), o;
	uint32_t rh;
	struct dp_conn *c;

	assert_int_equal(dp_natport_pick(ct, srcs, first, count, n, k, hash, 0, &r, src_idx, &rh),
			 0);
	assert_int_equal(rh, sl_flow_hash(&r, 0));
	memset(&o, 0, sizeof(o));
	sl_addr_from_v4(&o.src, htonl(0xc612000a));
	o.sport = htons(client_port++); /* a client key of its own for each connection */
	o.proto = IPPROTO_TCP;
	o.af = SL_AF_INET;
	assert_int_equal(dp_conn_open(ct, &o, sl_flow_hash(&o, 0), &r, rh, 0, SL_NAT_ESTABLISHED,
				      (uint16_t)*src_idx, &c),
			 0);
	assert_memory_equal(&r.dst, &srcs[*src_idx].addr, sizeof(r.dst));
	return ntohs(r.dport);
}

/*
 * Worker 1 of 2 on 198.18.1.1:1000-1009 (its slice 1005-1009) then
 * 198.18.1.2:1000-1009: five ports on the first source, five on the
 * second, then exhaustion; another backend gets the same ports again.
 */
static void test_pick_and_exhaust(void **state)
{
	struct sl_nat_source srcs[3] = {source(9, 1, 1), source(1, 1000, 1009),
					source(2, 1000, 1009)};
	struct dp_conn_table *ct = dp_conn_create(64, &timeouts, 1);
	uint8_t seen[2][10] = {{0}};
	uint32_t src_idx;

	(void)state;
	for (uint32_t i = 0; i < 10; i++) {
		uint16_t p = take(ct, srcs, 1, 2, 2, 1, 0, 21, &src_idx);

		assert_true(p >= 1005 && p <= 1009);
		/* hash 0 starts at the first source: it fills before the second is used */
		assert_int_equal(src_idx, i < 5 ? 1 : 2);
		assert_false(seen[src_idx - 1][p - 1000]);
		seen[src_idx - 1][p - 1000] = 1;
	}
	{
		struct sl_flow_key r = backend_key(21);
		uint32_t rh;

		assert_int_equal(dp_natport_pick(ct, srcs, 1, 2, 2, 1, 0, 0, &r, &src_idx, &rh),
				 -EADDRNOTAVAIL);
	}
	/* another backend: its reply keys differ, the same ports serve it */
	assert_true(take(ct, srcs, 1, 2, 2, 1, 0, 22, &src_idx) >= 1005);
	assert_int_equal(src_idx, 1);
	assert_int_equal(ct->src_in_use[1], 6);
	assert_int_equal(ct->src_in_use[2], 5);
	dp_conn_destroy(ct);
}

/* A slice of 100 ports with its probe window taken: the bound holds, the next source serves. */
static void test_probe_bound(void **state)
{
	struct sl_nat_source srcs[2] = {source(1, 2000, 2099), source(2, 2000, 2099)};
	struct dp_conn_table *ct = dp_conn_create(256, &timeouts, 1);
	uint32_t src_idx, hash = 0x00aa5500; /* same hash: the same start every time */

	(void)state;
	for (uint32_t i = 0; i < DP_NATPORT_PROBES; i++) {
		take(ct, srcs, 0, 1, 1, 0, hash, 21, &src_idx);
		assert_int_equal(src_idx, 0);
	}
	/* 84 ports of the first source are free, but not within the probe window */
	{
		struct sl_flow_key r = backend_key(21);
		uint32_t rh;

		assert_int_equal(dp_natport_pick(ct, srcs, 0, 1, 1, 0, hash, 0, &r, &src_idx, &rh),
				 -EADDRNOTAVAIL);
	}
	take(ct, srcs, 0, 2, 1, 0, hash, 21, &src_idx);
	assert_int_equal(src_idx, 1);
	dp_conn_destroy(ct);
}

/* A port is never given twice while its connection lives, and comes back once it is dead. */
static void test_no_live_reuse(void **state)
{
	struct sl_nat_source srcs[1] = {source(1, 3000, 3003)};
	struct dp_conn_table *ct = dp_conn_create(64, &timeouts, 1);
	struct sl_flow_key r = backend_key(21);
	uint32_t src_idx, rh, mask = 0;

	(void)state;
	for (uint32_t i = 0; i < 4; i++)
		mask |= 1u << (take(ct, srcs, 0, 1, 1, 0, i * 0x01000000u, 21, &src_idx) - 3000);
	assert_int_equal(mask, 0xf);
	assert_int_equal(dp_natport_pick(ct, srcs, 0, 1, 1, 0, 0, 300, &r, &src_idx, &rh),
			 -EADDRNOTAVAIL);
	/* at 301 the established connections (300 s) are dead: the probe frees and reuses one */
	assert_int_equal(dp_natport_pick(ct, srcs, 0, 1, 1, 0, 0, 301, &r, &src_idx, &rh), 0);
	assert_int_equal(ct->cnt.expired, 1);
	assert_int_equal(ct->cnt.active, 3);
	dp_conn_destroy(ct);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slices_partition),
		cmocka_unit_test(test_pick_and_exhaust),
		cmocka_unit_test(test_probe_bound),
		cmocka_unit_test(test_no_live_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
