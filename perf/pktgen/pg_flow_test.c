/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of sluice-pktgen's frames: flow numbering, bytes, checksums, stamp, pcap. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "pg_flow.h"

static void spec4(struct pg_spec *s, uint8_t proto, uint32_t size)
{
	memset(s, 0, sizeof(*s));
	s->af = 4;
	s->proto = proto;
	s->n_flows = 100000;
	s->size = size;
	assert_int_equal(pg_parse_vip("198.18.100.1:80", &s->vips[0]), 4);
	assert_int_equal(pg_parse_vip("198.18.100.2:8080", &s->vips[1]), 4);
	s->n_vips = 2;
	memcpy(s->dst_mac, "\x02\x00\x00\x00\xbb\x01", 6);
}

/* the ones-complement sum of a correct header/segment (with pseudo-header) is 0xffff */
static uint16_t csum_ok(const uint8_t *p, size_t n, uint32_t sum)
{
	for (; n > 1; n -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (n)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void test_flow_numbering(void **state)
{
	struct pg_spec s;
	struct pg_flow f;

	(void)state;
	spec4(&s, IPPROTO_TCP, 64);
	pg_flow_of(&s, 0, &f);
	assert_memory_equal(f.src, "\xc6\x12\x00\x01", 4);
	assert_int_equal(f.sport, 1024);
	assert_int_equal(f.vip, 0);
	pg_flow_of(&s, 63999, &f);
	assert_memory_equal(f.src, "\xc6\x12\x00\x01", 4);
	assert_int_equal(f.sport, 65023);
	assert_int_equal(f.vip, 1);
	pg_flow_of(&s, 64000, &f);
	assert_memory_equal(f.src, "\xc6\x12\x00\x02", 4);
	assert_int_equal(f.sport, 1024);
	/* 10 M flows stay inside 198.18.0.0/15 */
	pg_flow_of(&s, 9999999, &f);
	assert_memory_equal(f.src, "\xc6\x12\x00\x9d", 4);
	s.af = 6;
	pg_flow_of(&s, 64000 * 300 + 5, &f);
	assert_memory_equal(f.src, "\x20\x01\x00\x02\x00\x00\x00\x10\0\0\0\0\x00\x00\x01\x2d", 16);
	assert_int_equal(f.sport, 1029);
}

static void test_build_tcp4(void **state)
{
	uint8_t b[PG_MAX_FRAME];
	struct pg_spec s;
	uint32_t ph;

	(void)state;
	spec4(&s, IPPROTO_TCP, 64);
	s.syn_pct = 0;
	assert_int_equal(pg_build(&s, 64001, 0, b), 60);
	assert_memory_equal(b, "\x02\x00\x00\x00\xbb\x01", 6);
	assert_memory_equal(b + 12, "\x08\x00\x45\x00\x00\x2e", 6); /* IPv4, total 46 */
	assert_int_equal(b[23], IPPROTO_TCP);
	assert_memory_equal(b + 26, "\xc6\x12\x00\x02\xc6\x12\x64\x02", 8); /* 2nd VIP */
	assert_memory_equal(b + 34, "\x04\x01\x1f\x90", 4);		    /* 1025 -> 8080 */
	assert_int_equal(b[47], 0x10);					    /* ACK */
	assert_int_equal(csum_ok(b + 14, 20, 0), 0xffff);
	ph = csum_ok(b + 26, 8, 0) + IPPROTO_TCP + 26;
	assert_int_equal(csum_ok(b + 34, 26, ph), 0xffff);
	s.syn_pct = 100;
	pg_build(&s, 64001, 0, b);
	assert_int_equal(b[47], 0x02); /* SYN */
	ph = csum_ok(b + 26, 8, 0) + IPPROTO_TCP + 26;
	assert_int_equal(csum_ok(b + 34, 26, ph), 0xffff);
}

static void test_build_udp6_sizes(void **state)
{
	uint8_t b[PG_MAX_FRAME];
	struct pg_spec s;
	uint32_t ph;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.af = 6;
	s.proto = IPPROTO_UDP;
	s.n_flows = 1;
	s.size = 64; /* below the headers: 14 + 40 + 8 = 62 */
	assert_int_equal(pg_parse_vip("[2001:2:0:100::1]:53", &s.vips[0]), 6);
	s.n_vips = 1;
	assert_int_equal(pg_frame_len(&s), 62);
	assert_int_equal(pg_has_stamp_room(&s), 0);
	s.size = 512;
	assert_int_equal(pg_build(&s, 0, 0, b), 508);
	assert_memory_equal(b + 12, "\x86\xdd\x60", 3);
	assert_int_equal(b[18] << 8 | b[19], 508 - 54); /* payload length */
	assert_int_equal(b[20], IPPROTO_UDP);
	ph = csum_ok(b + 22, 32, 0) + IPPROTO_UDP + 454;
	assert_int_equal(csum_ok(b + 54, 454, ph), 0xffff);
	s.proto = IPPROTO_TCP;
	s.size = 64;
	assert_int_equal(pg_frame_len(&s), 74);
}

static void test_syn_share(void **state)
{
	struct pg_spec s;
	unsigned int syn = 0;

	(void)state;
	spec4(&s, IPPROTO_TCP, 64);
	s.syn_pct = 25;
	for (uint64_t i = 0; i < 1000; i++)
		syn += pg_is_syn(&s, i);
	assert_int_equal(syn, 250);
	s.syn_pct = 100;
	assert_int_equal(pg_is_syn(&s, 7), 1);
	s.syn_pct = 0;
	assert_int_equal(pg_is_syn(&s, 7), 0);
}

static void test_stamp(void **state)
{
	uint8_t b[PG_MAX_FRAME], wrapped[PG_MAX_FRAME + 40];
	struct pg_spec s;
	uint64_t t = 0;
	uint32_t ph;

	(void)state;
	spec4(&s, IPPROTO_UDP, 64); /* 42 bytes of headers, 18 of payload */
	assert_int_equal(pg_has_stamp_room(&s), 1);
	assert_int_equal(pg_build(&s, 3, 0x1122334455667788ull, b), 60);
	assert_int_equal(pg_read_stamp(b, 60, &t), 1);
	assert_true(t == 0x1122334455667788ull);
	ph = csum_ok(b + 26, 8, 0) + IPPROTO_UDP + 26;
	assert_int_equal(csum_ok(b + 34, 26, ph), 0xffff);
	/* an encapsulation in front keeps the stamp at the end */
	memset(wrapped, 0xee, 34);
	memcpy(wrapped + 34, b + 14, 46);
	assert_int_equal(pg_read_stamp(wrapped, 80, &t), 1);
	/* a frame without room carries none */
	spec4(&s, IPPROTO_TCP, 64);
	pg_build(&s, 3, 0x1122334455667788ull, b);
	assert_int_equal(pg_read_stamp(b, 60, &t), 0);
}

static void test_parse_and_check(void **state)
{
	struct pg_vip v;
	struct pg_spec s;
	char why[128];

	(void)state;
	assert_int_equal(pg_parse_vip("198.18.100.1", &v), -EINVAL);
	assert_int_equal(pg_parse_vip("198.18.100.1:0", &v), -EINVAL);
	assert_int_equal(pg_parse_vip("198.18.100.1:65536", &v), -EINVAL);
	assert_int_equal(pg_parse_vip("[2001:2::1:80", &v), -EINVAL);
	assert_int_equal(pg_parse_vip("2001:2::1:80", &v), -EINVAL);
	assert_int_equal(pg_parse_vip("[2001:2::1]:443", &v), 6);
	assert_int_equal(v.port, 443);
	spec4(&s, IPPROTO_TCP, 64);
	assert_int_equal(pg_spec_check(&s, why, sizeof(why)), 0);
	s.n_flows = PG_MAX_FLOWS + 1;
	assert_int_equal(pg_spec_check(&s, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "16777217 flows (1 to 16777216)");
	s.n_flows = 1;
	s.syn_pct = 101;
	assert_int_equal(pg_spec_check(&s, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "SYN share 101 % (0 to 100)");
	s.syn_pct = 0;
	s.n_vips = 0;
	assert_int_equal(pg_spec_check(&s, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "no VIP (--vip ADDR:PORT)");
}

static void test_pcap(void **state)
{
	char path[] = "/tmp/sl-pg-test-XXXXXX";
	uint32_t g[6], rec[4];
	uint8_t frame[PG_MAX_FRAME], want[PG_MAX_FRAME];
	struct pg_spec s;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	spec4(&s, IPPROTO_TCP, 128);
	assert_int_equal(pg_write_pcap(&s, 3, path), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(g, sizeof(g), 1, f), 1);
	assert_true(g[0] == 0xa1b2c3d4 && g[5] == 1);
	for (uint64_t i = 0; i < 3; i++) {
		assert_int_equal(fread(rec, sizeof(rec), 1, f), 1);
		assert_int_equal(rec[2], 124);
		assert_int_equal(rec[3], 124);
		assert_int_equal(fread(frame, 124, 1, f), 1);
		pg_build(&s, i, 0, want);
		assert_memory_equal(frame, want, 124);
	}
	assert_int_equal(fread(rec, 1, 1, f), 0);
	fclose(f);
	unlink(path);
	assert_int_equal(pg_write_pcap(&s, 1, "/nonexistent-sl-pg/x.pcap"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_numbering),
		cmocka_unit_test(test_build_tcp4),
		cmocka_unit_test(test_build_udp6_sizes),
		cmocka_unit_test(test_syn_share),
		cmocka_unit_test(test_stamp),
		cmocka_unit_test(test_parse_and_check),
		cmocka_unit_test(test_pcap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
