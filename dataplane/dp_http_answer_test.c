/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's own HTTP answers: each text is a response our parser and
 * an HTTP client agree on (status, Content-Length equal to the body,
 * Connection: close), and each answer segment, written over a client
 * segment, is byte for byte the frame dp_frames builds from scratch: IPv4
 * and IPv6, with and without timestamps, a VLAN tag kept, too little room.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp_frames.h"
#include "dp_http.h"
#include "dp_http_answer.h"
#include "dp_seg.h"

static const uint8_t client_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t port_mac[6] = {0x02, 0, 0, 0, 0, 0xaa};

/* Every answer parses as the response it says it is, its body exactly Content-Length long. */
static void test_texts(void **state)
{
	static const unsigned int want[] = {400, 404, 408, 503};

	(void)state;
	assert_int_equal(DP_HTTP_ANSWER_MAX, 4);
	for (unsigned int a = 0; a < DP_HTTP_ANSWER_MAX; a++) {
		struct dp_http_msg m;
		uint32_t len = 0, used = 0;
		const char *t = dp_http_answer_text(a, &len);
		const char *body;

		assert_non_null(t);
		assert_int_equal(dp_http_answer_status(a), want[a]);
		dp_http_resp_init(&m, 0, 0, 0);
		assert_int_equal(dp_http_feed(&m, (const uint8_t *)t, len, &used), DP_HTTP_HEAD);
		assert_int_equal(m.status, want[a]);
		assert_true(m.flags & DP_HTTP_F_CLOSE);
		assert_true(m.flags & DP_HTTP_F_LENGTH);
		assert_int_equal(m.length, len - m.head_len);
		body = t + m.head_len;
		/* the body is the reason phrase of the status line */
		assert_int_equal(strncmp(t + 13, body, m.length - 1), 0);
		assert_int_equal(body[m.length - 1], '\n');
		used = 0;
		assert_int_equal(dp_http_feed(&m, (const uint8_t *)body, (uint32_t)m.length, &used),
				 DP_HTTP_DONE);
		assert_int_equal(used, m.length);
	}
	assert_string_equal(dp_http_answer_name(DP_HTTP_ANSWER_NO_ROUTE), "no_route");
	assert_null(dp_http_answer_name(DP_HTTP_ANSWER_MAX));
	assert_int_equal(dp_http_answer_status(DP_HTTP_ANSWER_MAX), 0);
}

/* The client segment @in becomes answer @a at @pos: exactly the frame @out. */
static void check(struct dpt_frame in, unsigned int a, const struct dp_http_answer_pos *pos,
		  struct dpt_frame out)
{
	uint8_t f[2048], want[2048];
	uint32_t len = dpt_frame(f, &in), text_len, want_len;
	struct dp_pkt pkt;

	assert_int_equal(dp_parse(f, len, &pkt), DP_PARSE_OK);
	out.data = (const uint8_t *)dp_http_answer_text(a, &text_len);
	out.payload = (uint16_t)text_len;
	want_len = dpt_frame(want, &out);
	assert_int_equal(dp_http_answer_write(f, sizeof(f), &pkt, a, pos), (int)want_len);
	assert_memory_equal(f, want, want_len);
}

static void test_answer4(void **state)
{
	struct dp_http_answer_pos pos = {.seq = 7001, .ack = 1101, .window = 502};

	(void)state;
	/* the head's last segment, 100 bytes, no options */
	check((struct dpt_frame){.dmac = port_mac,
				 .smac = client_mac,
				 .src = "198.18.0.2",
				 .dst = "198.18.100.9",
				 .proto = IPPROTO_TCP,
				 .sport = 41000,
				 .dport = 80,
				 .flags = 0x18,
				 .seq = 1001,
				 .ack = 7001,
				 .payload = 100},
	      DP_HTTP_ANSWER_NO_ROUTE, &pos,
	      (struct dpt_frame){.dmac = client_mac,
				 .smac = port_mac,
				 .src = "198.18.100.9",
				 .dst = "198.18.0.2",
				 .proto = IPPROTO_TCP,
				 .sport = 80,
				 .dport = 41000,
				 .flags = 0x19,
				 .seq = 7001,
				 .ack = 1101,
				 .window = 502,
				 .made = 1});
}

/* IPv6, a VLAN tag, timestamps: TSval ours, TSecr the client's. */
static void test_answer6_ts(void **state)
{
	static const uint8_t ts_in[12] = {1, 1, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0x56, 0x78};
	static const uint8_t ts_out[12] = {1, 1, 8, 10, 0, 0, 0x9a, 0xbc, 0, 0, 0x12, 0x34};
	struct dp_http_answer_pos pos = {.seq = 0xfffffff0u,
					 .ack = 0x10,
					 .window = 1000,
					 .ts = 1,
					 .tsval = 0x9abc,
					 .tsecr = 0x1234};

	(void)state;
	check((struct dpt_frame){.dmac = port_mac,
				 .smac = client_mac,
				 .vlan = 7,
				 .src = "2001:2::2",
				 .dst = "2001:2:0:100::9",
				 .proto = IPPROTO_TCP,
				 .sport = 41001,
				 .dport = 80,
				 .flags = 0x10,
				 .seq = 0x0f,
				 .ack = 0xfffffff0u,
				 .opt = ts_in,
				 .olen = 12,
				 .payload = 1},
	      DP_HTTP_ANSWER_NO_INSTANCE, &pos,
	      (struct dpt_frame){.dmac = client_mac,
				 .smac = port_mac,
				 .vlan = 7,
				 .src = "2001:2:0:100::9",
				 .dst = "2001:2::2",
				 .proto = IPPROTO_TCP,
				 .sport = 80,
				 .dport = 41001,
				 .flags = 0x19,
				 .seq = 0xfffffff0u,
				 .ack = 0x10,
				 .opt = ts_out,
				 .olen = 12,
				 .window = 1000,
				 .made = 1});
}

/* Too little room, or an answer that does not exist: the frame is left as it was. */
static void test_refused(void **state)
{
	struct dpt_frame in = {.dmac = port_mac,
			       .smac = client_mac,
			       .src = "198.18.0.2",
			       .dst = "198.18.100.9",
			       .proto = IPPROTO_TCP,
			       .sport = 41000,
			       .dport = 80,
			       .flags = 0x10,
			       .seq = 1,
			       .ack = 1};
	struct dp_http_answer_pos pos = {.seq = 1, .ack = 1, .window = 1};
	uint8_t f[256], copy[256];
	uint32_t len = dpt_frame(f, &in), text_len;
	struct dp_pkt pkt;

	(void)state;
	assert_int_equal(dp_parse(f, len, &pkt), DP_PARSE_OK);
	memcpy(copy, f, sizeof(f));
	dp_http_answer_text(DP_HTTP_ANSWER_BAD_REQUEST, &text_len);
	assert_int_equal(dp_http_answer_write(f, 14 + 20 + 20 + text_len - 1, &pkt,
					      DP_HTTP_ANSWER_BAD_REQUEST, &pos),
			 -ENOSPC);
	assert_int_equal(dp_http_answer_write(f, sizeof(f), &pkt, DP_HTTP_ANSWER_MAX, &pos),
			 -EINVAL);
	assert_memory_equal(f, copy, sizeof(f));
	assert_int_equal(dp_http_answer_write(f, 14 + 20 + 20 + text_len, &pkt,
					      DP_HTTP_ANSWER_BAD_REQUEST, &pos),
			 14 + 20 + 20 + (int)text_len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_answer4),
		cmocka_unit_test(test_answer6_ts),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
