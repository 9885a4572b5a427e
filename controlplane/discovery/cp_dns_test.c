/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS codec fixtures: the query builder's exact bytes, a compressed SRV
 * answer parsed field by field, and hostile packets (truncations at every
 * length, pointer loops, forward and out-of-bounds pointers, bad counts,
 * wrong id, answers for another name or type), each refused with its exact
 * reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cp_dns.h"

struct pk {
	uint8_t b[1024];
	size_t n;
};

static void u8(struct pk *p, unsigned int v)
{
	p->b[p->n++] = (uint8_t)v;
}

static void u16(struct pk *p, unsigned int v)
{
	u8(p, v >> 8);
	u8(p, v & 0xff);
}

static void u32(struct pk *p, uint32_t v)
{
	u16(p, v >> 16);
	u16(p, v & 0xffff);
}

/* Labels of @name, terminated by a zero byte unless @open (a pointer follows). */
static void labels(struct pk *p, const char *name, int open)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		u8(p, (unsigned int)l);
		memcpy(p->b + p->n, name, l);
		p->n += l;
		name += l + (dot ? 1 : 0);
	}
	if (!open)
		u8(p, 0);
}

static void ptr(struct pk *p, unsigned int off)
{
	u16(p, 0xc000 | off);
}

static void hdr(struct pk *p, unsigned int id, unsigned int flags, unsigned int qd, unsigned int an,
		unsigned int ns, unsigned int ar)
{
	p->n = 0;
	u16(p, id);
	u16(p, flags);
	u16(p, qd);
	u16(p, an);
	u16(p, ns);
	u16(p, ar);
}

static void rr_hdr(struct pk *p, unsigned int type, uint32_t ttl, unsigned int rdlen)
{
	u16(p, type);
	u16(p, 1);
	u32(p, ttl);
	u16(p, rdlen);
}

#define QNAME "_http._tcp.login.svc.example"
#define ID 0x1234
#define RESP 0x8180 /* QR RD RA, NOERROR */

static struct cp_dns_msg m;
static char why[300];

/*
 * The reference answer: 2 SRV records (targets compressed against the
 * question), A + AAAA for b1 in the additional section, an OPT record.
 * Offsets: question name 12..41 ("svc" label at 29), answer 1 at 46 (SRV
 * target label "b1" at 64, its pointer at 67), answer 2 at 69, A at 103,
 * AAAA at 119, OPT at 147, end 158.
 */
static void good_srv(struct pk *p)
{
	size_t t1;

	hdr(p, ID, RESP, 1, 2, 0, 3);
	labels(p, QNAME, 0);
	u16(p, 33);
	u16(p, 1);
	/* answer 1: owner -> question, target "b1" + -> "svc.example" */
	ptr(p, 12);
	rr_hdr(p, 33, 30, 6 + 3 + 2);
	u16(p, 0);
	u16(p, 5);
	u16(p, 80);
	t1 = p->n;
	labels(p, "b1", 1);
	ptr(p, 29);
	/* answer 2: priority 1, target "b2.svc.example" spelt out */
	ptr(p, 12);
	rr_hdr(p, 33, 20, 6 + 16);
	u16(p, 1);
	u16(p, 0);
	u16(p, 8080);
	labels(p, "B2.svc.example", 0);
	/* additional: A and AAAA of b1 (owner -> target of answer 1), then OPT */
	ptr(p, (unsigned int)t1);
	rr_hdr(p, 1, 10, 4);
	u32(p, 0xc612010b); /* 198.18.1.11 */
	ptr(p, (unsigned int)t1);
	rr_hdr(p, 28, 11, 16);
	u32(p, 0x20010002);
	u32(p, 0);
	u32(p, 0);
	u32(p, 0x11);
	u8(p, 0);
	u16(p, 41);
	u16(p, 4096);
	u32(p, 0);
	u16(p, 0);
}

static int parse(const struct pk *p, uint16_t qtype)
{
	why[0] = 0;
	return cp_dns_parse(p->b, p->n, ID, QNAME, qtype, &m, why, sizeof(why));
}

static void test_query_bytes(void **state)
{
	static const uint8_t want[] = {
		0xbe, 0xef, 0x01, 0x00, 0,  1,	  0,	0,   0,	  0,   0,   1,	 2, 'b', '1',
		3,    's',  'v',  'c',	7,  'e',  'x',	'a', 'm', 'p', 'l', 'e', 0, 0,	 1,
		0,    1,    0,	  0,	41, 0x10, 0x00, 0,   0,	  0,   0,   0,	 0,
	};
	uint8_t buf[CP_DNS_QUERY_MAX];
	char long_label[80], long_name[300];

	(void)state;
	assert_int_equal(cp_dns_build_query(buf, sizeof(buf), 0xbeef, "b1.svc.example", 1),
			 sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* a trailing dot is the same name */
	assert_int_equal(cp_dns_build_query(buf, sizeof(buf), 0xbeef, "b1.svc.example.", 1),
			 sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(cp_dns_build_query(buf, sizeof(buf), 1, "", 33), -EINVAL);
	assert_int_equal(cp_dns_build_query(buf, sizeof(buf), 1, ".", 33), -EINVAL);
	assert_int_equal(cp_dns_build_query(buf, sizeof(buf), 1, "a..b", 33), -EINVAL);
	assert_int_equal(cp_dns_build_query(buf, sizeof(buf), 1, ".a", 33), -EINVAL);
	assert_int_equal(cp_dns_build_query(buf, sizeof(buf), 1, "a b.example", 33), -EINVAL);
	memset(long_label, 'a', 64);
	long_label[64] = 0;
	assert_int_equal(cp_dns_build_query(buf, sizeof(buf), 1, long_label, 33), -EINVAL);
	long_label[63] = 0;
	assert_int_equal(cp_dns_build_query(buf, sizeof(buf), 1, long_label, 33), 12 + 65 + 4 + 11);
	for (int i = 0; i < 127; i++)
		memcpy(long_name + 2 * i, "a.", 2);
	long_name[253] = 0; /* 253 characters: the longest name */
	assert_int_equal(cp_dns_build_query(buf, sizeof(buf), 1, long_name, 33), 12 + 255 + 4 + 11);
	long_name[253] = 'b';
	long_name[254] = 0;
	assert_int_equal(cp_dns_build_query(buf, sizeof(buf), 1, long_name, 33), -EINVAL);
	assert_int_equal(cp_dns_build_query(buf, 20, 1, "b1.svc.example", 1), -ENOSPC);
}

static void test_good_srv_with_compression(void **state)
{
	struct pk p;

	(void)state;
	good_srv(&p);
	assert_int_equal(parse(&p, 33), 0);
	assert_int_equal(m.rcode, 0);
	assert_string_equal(m.qname, QNAME);
	assert_int_equal(m.n_answer, 2);
	assert_int_equal(m.n_additional, 3);
	assert_int_equal(m.n_rr, 4); /* OPT is not stored */
	assert_string_equal(m.rr[0].name, QNAME);
	assert_int_equal(m.rr[0].type, 33);
	assert_int_equal(m.rr[0].section, CP_DNS_SEC_ANSWER);
	assert_int_equal(m.rr[0].ttl, 30);
	assert_int_equal(m.rr[0].srv.priority, 0);
	assert_int_equal(m.rr[0].srv.weight, 5);
	assert_int_equal(m.rr[0].srv.port, 80);
	assert_string_equal(m.rr[0].srv.target, "b1.svc.example");
	assert_int_equal(m.rr[1].srv.priority, 1);
	assert_int_equal(m.rr[1].srv.port, 8080);
	assert_string_equal(m.rr[1].srv.target, "b2.svc.example"); /* lower-cased */
	assert_string_equal(m.rr[2].name, "b1.svc.example");
	assert_int_equal(m.rr[2].type, 1);
	assert_int_equal(m.rr[2].section, CP_DNS_SEC_ADDITIONAL);
	assert_memory_equal(m.rr[2].a, "\xc6\x12\x01\x0b", 4);
	assert_int_equal(m.rr[3].type, 28);
	assert_memory_equal(m.rr[3].aaaa, "\x20\x01\x00\x02\0\0\0\0\0\0\0\0\0\0\0\x11", 16);
	/* the question is matched without regard to case */
	assert_int_equal(cp_dns_parse(p.b, p.n, ID, "_HTTP._tcp.Login.svc.example.", 33, &m, why,
				      sizeof(why)),
			 0);
}

static void test_truncated_everywhere(void **state)
{
	struct pk p;

	(void)state;
	good_srv(&p);
	for (size_t len = 0; len < p.n; len++) {
		assert_int_equal(cp_dns_parse(p.b, len, ID, QNAME, 33, &m, why, sizeof(why)),
				 -EBADMSG);
		assert_true(strstr(why, len < 12 ? "truncated: header" : "truncated") ||
			    strstr(why, "overruns the packet"));
	}
	assert_int_equal(cp_dns_parse(p.b, 5, ID, QNAME, 33, &m, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "truncated: header of 5 bytes");
	assert_int_equal(cp_dns_parse(p.b, 30, ID, QNAME, 33, &m, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "truncated: question name label at offset 29");
	assert_int_equal(cp_dns_parse(p.b, 47, ID, QNAME, 33, &m, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why,
			    "truncated: answer record 1 of 2 compression pointer at offset 46");
	assert_int_equal(cp_dns_parse(p.b, 60, ID, QNAME, 33, &m, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "answer record 1 of 2 (offset 46): rdata of 11 bytes overruns "
				 "the packet");
	/* a trailing byte is refused too */
	p.b[p.n++] = 0;
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "1 trailing bytes after the last record (offset 158)");
}

static void test_bad_counts_and_header(void **state)
{
	struct pk p;

	(void)state;
	good_srv(&p);
	p.b[7] = 3; /* 3 answers announced, 2 present: the additional records do not parse as one */
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "answer record 3 of 3 (offset 103) is for \"b1.svc.example\", not "
				 "the question \"" QNAME "\"");
	good_srv(&p);
	p.b[11] = 5; /* 5 additional announced, 3 present */
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "truncated: additional record 4 of 5 name at offset 158");
	good_srv(&p);
	p.b[11] = 2; /* OPT left over */
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "11 trailing bytes after the last record (offset 147)");
	good_srv(&p);
	p.b[5] = 2;
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "question count 2, expected 1");
	good_srv(&p);
	p.b[5] = 0;
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "question count 0, expected 1");
	good_srv(&p);
	p.b[1] = 0x35;
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "wrong id 0x1235 (expected 0x1234)");
	good_srv(&p);
	p.b[2] = 0x01; /* QR clear: a query, not an answer */
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "not a response (QR clear)");
	good_srv(&p);
	p.b[2] = 0x83; /* TC */
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "truncated response (TC set); TCP fallback is not supported");
	good_srv(&p);
	p.b[2] = 0x80 | (2 << 3); /* opcode STATUS */
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "unexpected opcode 2");
	/* rcodes are passed on, the caller decides */
	good_srv(&p);
	p.b[3] = 0x82;
	assert_int_equal(parse(&p, 33), 0);
	assert_int_equal(m.rcode, CP_DNS_SERVFAIL);
	assert_string_equal(cp_dns_rcode_name(m.rcode), "SERVFAIL");
	assert_string_equal(cp_dns_rcode_name(9), "RCODE9");
}

static void test_pointers(void **state)
{
	struct pk p;

	(void)state;
	/* self pointer as the owner of answer 1 */
	good_srv(&p);
	p.b[46] = 0xc0;
	p.b[47] = 46;
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "answer record 1 of 2 compression pointer at offset 46 does not "
				 "point backwards (46)");
	/* loop through a label: the SRV target "b1" + a pointer back to "b1" */
	good_srv(&p);
	p.b[68] = 64;
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "answer record 1 of 2 compression pointer at offset 67 does not "
				 "point backwards (64)");
	/* two-pointer loop 46 -> 69 -> 46: the forward half is refused */
	good_srv(&p);
	p.b[47] = 69;
	p.b[70] = 46;
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "answer record 1 of 2 compression pointer at offset 46 does not "
				 "point backwards (69)");
	/* a legitimate chain of pointers 69 -> 46 -> 12 */
	good_srv(&p);
	p.b[70] = 46;
	assert_int_equal(parse(&p, 33), 0);
	assert_string_equal(m.rr[1].name, QNAME);
	/* forward pointer */
	good_srv(&p);
	p.b[47] = 100;
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "answer record 1 of 2 compression pointer at offset 46 does not "
				 "point backwards (100)");
	/* out of bounds */
	good_srv(&p);
	p.b[46] = 0xcf;
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "answer record 1 of 2 compression pointer at offset 46 out of "
				 "bounds (3852)");
	/* reserved label types 01 and 10 */
	good_srv(&p);
	p.b[46] = 0x40;
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why,
			    "answer record 1 of 2 name: reserved label type 0x40 at offset 46");
	good_srv(&p);
	p.b[46] = 0x80;
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why,
			    "answer record 1 of 2 name: reserved label type 0x80 at offset 46");
	/* a byte outside [A-Za-z0-9_-] in a label */
	good_srv(&p);
	p.b[65] = '/';
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "answer record 1 of 2 name: invalid character 0x2f at offset 65");
}

static void test_rdata(void **state)
{
	struct pk p;

	(void)state;
	/* SRV rdlength shorter than its target */
	good_srv(&p);
	p.b[57] = 10; /* rdlength 11 -> 10, the pointer straddles the end */
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why,
			    "truncated: answer record 1 of 2 compression pointer at offset 67");
	/* SRV rdlength longer than its target */
	good_srv(&p);
	p.b[57] = 12;
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "answer record 1 of 2 (offset 46): 1 bytes after the SRV target");
	/* A with 5 bytes: rdlength 4 -> 5 */
	good_srv(&p);
	p.b[114] = 5; /* rdlength of the A record */
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "additional record 1 of 3 (offset 103): A with rdlength 5");
	/* class CH */
	good_srv(&p);
	p.b[51] = 3;
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why, "answer record 1 of 2 (offset 46): class 3, not IN");
}

static void test_other_name_or_type(void **state)
{
	struct pk p;

	(void)state;
	good_srv(&p);
	assert_int_equal(cp_dns_parse(p.b, p.n, ID, "_http._tcp.other.svc.example", 33, &m, why,
				      sizeof(why)),
			 -EBADMSG);
	assert_string_equal(why, "answer for another name \"" QNAME
				 "\" (asked \"_http._tcp.other.svc.example\")");
	assert_int_equal(parse(&p, 1), -EBADMSG);
	assert_string_equal(why, "answer for another type 33 (asked 1)");
	/* an answer record owned by another name */
	hdr(&p, ID, RESP, 1, 1, 0, 0);
	labels(&p, QNAME, 0);
	u16(&p, 33);
	u16(&p, 1);
	labels(&p, "evil.example", 0);
	rr_hdr(&p, 1, 5, 4);
	u32(&p, 0x7f000001);
	assert_int_equal(parse(&p, 33), -EBADMSG);
	assert_string_equal(why,
			    "answer record 1 of 1 (offset 46) is for \"evil.example\", not the "
			    "question \"" QNAME "\"");
}

static void test_cname_chain_and_nxdomain(void **state)
{
	struct pk p;

	(void)state;
	/* b1.svc.example A -> CNAME real.svc.example -> A */
	hdr(&p, ID, RESP, 1, 2, 0, 0);
	labels(&p, "b1.svc.example", 0);
	u16(&p, 1);
	u16(&p, 1);
	ptr(&p, 12);
	rr_hdr(&p, 5, 7, 7);
	labels(&p, "real", 1);
	ptr(&p, 15);
	ptr(&p, 44);
	rr_hdr(&p, 1, 9, 4);
	u32(&p, 0xc612010c);
	assert_int_equal(cp_dns_parse(p.b, p.n, ID, "b1.svc.example", 1, &m, why, sizeof(why)), 0);
	assert_int_equal(m.n_rr, 2);
	assert_string_equal(m.rr[0].cname, "real.svc.example");
	assert_string_equal(m.rr[1].name, "real.svc.example");
	assert_memory_equal(m.rr[1].a, "\xc6\x12\x01\x0c", 4);

	/* NXDOMAIN with an SOA in the authority section */
	hdr(&p, ID, 0x8183, 1, 0, 1, 0);
	labels(&p, QNAME, 0);
	u16(&p, 33);
	u16(&p, 1);
	ptr(&p, 29);
	rr_hdr(&p, 6, 60, 2 + 2 + 20);
	ptr(&p, 29);
	ptr(&p, 29);
	u32(&p, 1);
	u32(&p, 2);
	u32(&p, 3);
	u32(&p, 4);
	u32(&p, 15);
	assert_int_equal(parse(&p, 33), 0);
	assert_int_equal(m.rcode, CP_DNS_NXDOMAIN);
	assert_int_equal(m.n_rr, 1);
	assert_int_equal(m.rr[0].type, CP_DNS_T_SOA);
	assert_int_equal(m.rr[0].ttl, 60);
	assert_int_equal(m.rr[0].soa.minimum, 15);
}

static void test_random_garbage(void **state)
{
	struct pk p, g;
	unsigned int seed = 42;

	(void)state;
	good_srv(&p);
	/* flip bytes at random: never a crash, every refusal has a reason */
	for (int i = 0; i < 200000; i++) {
		g = p;
		for (int k = 0; k < 1 + i % 4; k++)
			g.b[12 + (size_t)rand_r(&seed) % (g.n - 12)] = (uint8_t)rand_r(&seed);
		why[0] = 0;
		if (cp_dns_parse(g.b, g.n, ID, QNAME, 33, &m, why, sizeof(why)))
			assert_true(why[0] != 0);
		else
			assert_true(m.n_rr <= CP_DNS_MAX_RR);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_bytes),
		cmocka_unit_test(test_good_srv_with_compression),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_bad_counts_and_header),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_rdata),
		cmocka_unit_test(test_other_name_or_type),
		cmocka_unit_test(test_cname_chain_and_nxdomain),
		cmocka_unit_test(test_random_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
