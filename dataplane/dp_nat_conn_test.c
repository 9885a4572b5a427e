/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Full NAT's connections through the real worker (tests/lib/dp_nat_fixture.h),
 * exact bytes where anything leaves: FIN and RST state changes, TIME_WAIT
 * and CLOSE reuse with a new source port, packets that match no connection
 * (either side), fragments, source-port exhaustion, a full connection
 * table, a backend that left the table, replies handed between two
 * workers through their rings, and the connect failures a backend that
 * refuses or ignores SYNs is counted (sluiced's passive health signal).
 */
#include <errno.h>
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

#include "dp_conn.h"
#include "dp_handoff.h"
#include "dp_harness.h"
#include "dp_nat_fixture.h"
#include "dp_worker.h"
#include "sl_drop.h"
#include "sl_shm.h"

static const struct dpt_frame ack = {.proto = IPPROTO_TCP, .flags = 0x10, .seq = 1001, .ack = 5001};

static void assert_nothing_sent(void)
{
	assert_int_equal(rte_ring_count(dpt.rp.tx[0]), 0);
	assert_int_equal(rte_ring_count(dpt.rp.tx[1]), 0);
}

static uint16_t next_port(uint16_t p)
{
	return p == 65535 ? 1024 : (uint16_t)(p + 1);
}

/* FIN, FIN, last ACK: TIME_WAIT; a new SYN on the tuple opens afresh on another port. */
static void test_close_and_reuse(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 40100, 0, 1), old;
	const struct sl_nat_stats *ns = &dpt.w.stats->nat;
	struct dpt_frame f = ack;

	(void)state;
	dpt_nat_handshake(&c);
	f.flags = 0x11;
	dpt_nat_to_backend(&c, f, NULL);
	assert_int_equal(ns->conns[SL_NAT_FIN_WAIT], 1);
	f = (struct dpt_frame){.proto = IPPROTO_TCP, .flags = 0x11, .seq = 5001, .ack = 1002};
	dpt_nat_to_client(&c, f, NULL);
	assert_int_equal(ns->conns[SL_NAT_CLOSING], 1);
	f = ack;
	f.seq = 1002;
	f.ack = 5002;
	dpt_nat_to_backend(&c, f, NULL);
	assert_int_equal(ns->conns[SL_NAT_TIME_WAIT], 1);
	assert_int_equal(ns->conns[SL_NAT_ESTABLISHED], 0);

	/* the client reuses its port: same backend, the next port, the old one's tuple gone */
	old = c;
	c.nport = next_port(c.nport);
	dpt_nat_handshake(&c);
	assert_int_equal(ns->conns_reused, 1);
	assert_int_equal(ns->conns_active, 1);
	assert_int_equal(ns->conns[SL_NAT_TIME_WAIT], 0);
	assert_int_equal(ns->conns[SL_NAT_ESTABLISHED], 1);
	assert_int_equal(dpt_nat_send_backend(&old, ack), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NAT_NO_CONN], 1);

	/* an RST from the backend: CLOSE, and the tuple is reusable at once */
	f = (struct dpt_frame){.proto = IPPROTO_TCP, .flags = 0x14, .seq = 5001, .ack = 1001};
	dpt_nat_to_client(&c, f, NULL);
	assert_int_equal(ns->conns[SL_NAT_CLOSE], 1);
	c.nport = old.nport; /* free again: the first probe gets it */
	dpt_nat_handshake(&c);
	assert_int_equal(ns->conns_reused, 2);
	assert_int_equal(ns->conns_opened, 3);
	assert_int_equal(ns->conns_active, 1);
	assert_int_equal(dpt.w.nat_port_stats[S_NAT4], 1);
}

/* A retransmitted SYN joins its connection; an ESTABLISHED one is not replaced by a SYN. */
static void test_syn_on_live_conn(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 40101, 0, 1);
	uint8_t in[DPT_SYN_OPTS_LEN], out[DPT_SYN_OPTS_LEN];
	struct dpt_frame syn = {
		.proto = IPPROTO_TCP, .flags = 0x02, .seq = 1000, .olen = DPT_SYN_OPTS_LEN};

	(void)state;
	syn.opt = dpt_syn_opts(in, 1460);
	dpt_syn_opts(out, 1400);
	dpt_nat_to_backend(&c, syn, out);
	dpt_nat_to_backend(&c, syn, out);
	assert_int_equal(dpt.w.stats->nat.conns_opened, 1);
	dpt_nat_handshake(&c);
	assert_int_equal(dpt.w.stats->nat.conns_opened, 1);
	assert_int_equal(dpt.w.stats->nat.conns_reused, 0);
	assert_int_equal(dpt_nat_conn_of(&c)->state, SL_NAT_ESTABLISHED);
}

/* Replies and errors to a NAT source without a connection, and packets for nobody. */
static void test_reply_without_conn(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 40102, 0, 1);
	struct dpt_conn below = c, nobody = c;

	(void)state;
	assert_int_equal(dpt_nat_send_backend(&c, ack), 0);
	below.nport = 80; /* outside the source's range */
	assert_int_equal(dpt_nat_send_backend(&below, ack), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NAT_NO_CONN], 2);
	nobody.src = "198.18.1.99";
	assert_int_equal(dpt_nat_send_backend(&nobody, ack), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NOT_VIP], 1);
	assert_int_equal(dpt.w.stats->nat.conns_active, 0);
	assert_nothing_sent();
}

/* Client packets no connection can take: mid-stream TCP, fragments. */
static void test_client_without_conn(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 40103, 0, 1);
	struct dpt_spec frag = {DPT_CLIENT4, DPT_VIP_NAT4, IPPROTO_TCP, 40104, 80, 0x02, 100};
	uint8_t f[2048];
	struct rte_mbuf *m;
	uint32_t len;

	(void)state;
	assert_int_equal(dpt_nat_send_client(&c, ack), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NAT_MID_STREAM], 1);
	/* a first fragment (MF set) of a SYN */
	len = dpt_build(f, &frag, NULL, NULL);
	f[14 + 6] |= 0x20;
	dpt_put16(f + 14 + 10, 0);
	dpt_put16(f + 14 + 10, (uint16_t)~dpt_ref_sum(f + 14, 20, 0));
	m = dpt_mbuf_of(f, len);
	assert_int_equal(dp_worker_process(&dpt.w, &m, 1, 0), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NAT_FRAGMENT], 1);
	assert_int_equal(dpt.w.stats->nat.conns_active, 0);
	assert_nothing_sent();
}

/* Two ports on the tiny source for one backend: the third connection finds none. */
static void test_port_exhaustion(void **state)
{
	struct dpt_conn a = dpt_nat_expect(V_NAT_TINY, DPT_CLIENT4, 41000, 0, 1);
	struct dpt_conn b = dpt_nat_expect(V_NAT_TINY, DPT_CLIENT4, 41001, 0, 1);
	struct dpt_conn c = dpt_nat_expect(V_NAT_TINY, DPT_CLIENT4, 41002, 0, 1);

	(void)state;
	assert_int_equal(a.be, 7);
	assert_int_equal(a.bport, 9000);
	assert_true(a.nport == 2000 || a.nport == 2001);
	dpt_nat_handshake(&a);
	if (b.nport == a.nport)
		b.nport = a.nport == 2000 ? 2001 : 2000; /* its first probe is taken */
	dpt_nat_handshake(&b);
	assert_int_equal(
		dpt_nat_send_client(&c, (struct dpt_frame){.proto = IPPROTO_TCP, .flags = 0x02}),
		0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NAT_PORT_EXHAUSTED], 1);
	assert_int_equal(dpt.w.nat_port_stats[S_TINY], 2);
	assert_int_equal(dpt.w.stats->nat.conns_active, 2);
	assert_nothing_sent();
	/* the two keep working */
	dpt_nat_to_backend(&a, ack, NULL);
	dpt_nat_to_backend(&b, ack, NULL);
}

/* A full table refuses the new connection; the live ones keep theirs. */
static void test_conn_table_full(void **state)
{
	struct dpt_conn c[3];
	struct dpt_frame u = {.proto = IPPROTO_UDP, .payload = 30};

	(void)state;
	dp_conn_destroy(dpt.w.conns);
	dpt.w.conns = dp_conn_create(2, &dpt_conn_timeouts, rte_get_tsc_hz());
	assert_non_null(dpt.w.conns);
	for (int i = 0; i < 3; i++)
		c[i] = dpt_nat_expect(V_NAT4_UDP, DPT_CLIENT4, (uint16_t)(6000 + i), 0, 1);
	dpt_nat_to_backend(&c[0], u, NULL);
	dpt_nat_to_backend(&c[1], u, NULL);
	assert_int_equal(dpt_nat_send_client(&c[2], u), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NAT_CONN_FULL], 1);
	assert_nothing_sent();
	dpt_nat_to_client(&c[0], u, NULL);
	dpt_nat_to_backend(&c[1], u, NULL);
	assert_int_equal(dpt.w.stats->nat.conns_active, 2);
	assert_int_equal(dpt.w.conns->cnt.full, 1);
}

/*
 * A backend the health checks took down (not active, its next hop kept)
 * keeps the connections it holds, both ways: the instance has their state,
 * another cannot take them. New connections go elsewhere.
 */
static void test_backend_down_keeps_conns(void **state)
{
	struct dpt_conn c = {0};
	int found = 0;

	(void)state;
	for (uint16_t port = 42000; port < 42100 && !found; port++) {
		c = dpt_nat_expect(V_NAT4, DPT_CLIENT4, port, 0, 1);
		found = c.be == 4;
	}
	assert_true(found);
	dpt_nat_handshake(&c);
	dpt.w.table = dpt_build_table(1, 2, DPT_DOWN, 0);
	dpt_nat_to_backend(&c, ack, NULL);
	dpt_nat_to_client(&c, ack, NULL);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NAT_BACKEND_GONE], 0);
	assert_non_null(dpt_nat_conn_of(&c));
	for (uint16_t port = 43000; port < 43016; port++) {
		struct dpt_conn n = dpt_nat_expect(V_NAT4, DPT_CLIENT4, port, 0, 1);

		assert_int_not_equal(n.be, 4);
		dpt_nat_handshake(&n); /* the SYN reaches n.be */
	}
}

/* A drained backend keeps its connections; one that left the table loses them. */
static void test_backend_gone(void **state)
{
	struct dpt_conn c = {0}, other = {0};
	int have_gone = 0, have_other = 0;

	(void)state;
	for (uint16_t port = 42000; port < 42100 && !(have_gone && have_other); port++) {
		struct dpt_conn x = dpt_nat_expect(V_NAT4, DPT_CLIENT4, port, 0, 1);

		if (x.be == 4 && !have_gone) {
			c = x;
			have_gone = 1;
			dpt_nat_handshake(&c);
		} else if (x.be != 4 && !have_other) {
			other = x;
			have_other = 1;
			dpt_nat_handshake(&other);
		}
	}
	assert_true(have_gone && have_other);
	dpt.w.table = dpt_build_table(1, 2, 1, 0); /* backend 4 drained */
	dpt_nat_to_backend(&c, ack, NULL);
	dpt.w.table = dpt_build_table(0, 3, 0, 1); /* backend 4 gone */
	assert_int_equal(dpt_nat_send_client(&c, ack), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NAT_BACKEND_GONE], 1);
	assert_null(dpt_nat_conn_of(&c));
	assert_int_equal(dpt.w.stats->nat.conns_active, 1);
	dpt_nat_to_backend(&other, ack, NULL);
	dpt_nat_to_client(&other, ack, NULL);
}

static const struct dpt_frame syn = {.proto = IPPROTO_TCP, .flags = 0x02, .seq = 1000};

/*
 * Connect failures: an RST for the client's SYN, and a SYN whose
 * connection expires unanswered, count against the backend and the
 * worker; an RST later in a connection, or expiry after the SYN-ACK or of
 * UDP, does not; a backend that left the table is counted by the worker only.
 */
static void test_connect_failures(void **state)
{
	struct dpt_conn refused = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 40120, 0, 1);
	struct dpt_conn silent = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 40121, 0, 1);
	struct dpt_conn answered = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 40122, 0, 1);
	struct dpt_conn late = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 40123, 0, 1);
	struct dpt_conn udp = dpt_nat_expect(V_NAT4_UDP, DPT_CLIENT4, 40124, 0, 1);
	struct dpt_frame rst = {.proto = IPPROTO_TCP, .flags = 0x14, .seq = 0, .ack = 1001};
	struct dpt_frame synack = {.proto = IPPROTO_TCP, .flags = 0x12, .seq = 5000, .ack = 1001};
	const struct sl_counter *bs = dpt.w.backend_stats;
	uint64_t expect[16] = {0};
	uint64_t later = rte_rdtsc() + 31 * rte_get_tsc_hz(); /* past the SYN and UDP timeouts */

	(void)state;
	assert_true(refused.be < 16 && silent.be < 16);
	dpt_nat_to_backend(&refused, syn, NULL);
	dpt_nat_to_client(&refused, rst, NULL);
	expect[refused.be]++;
	assert_int_equal(dpt_nat_conn_of(&refused)->state, SL_NAT_CLOSE);
	assert_int_equal(dpt.w.stats->nat.connect_failures, 1);

	/* an RST after the handshake is a close, not a refusal */
	dpt_nat_handshake(&late);
	rst.seq = 5001;
	dpt_nat_to_client(&late, rst, NULL);
	assert_int_equal(dpt.w.stats->nat.connect_failures, 1);

	dpt_nat_to_backend(&silent, syn, NULL);
	dpt_nat_to_backend(&answered, syn, NULL);
	dpt_nat_to_client(&answered, synack, NULL);
	dpt_nat_to_backend(&udp, (struct dpt_frame){.proto = IPPROTO_UDP, .payload = 10}, NULL);
	assert_int_equal(dp_conn_sweep(dpt.w.conns, later, DPT_CONNS), 5);
	expect[silent.be]++;
	assert_int_equal(dpt.w.stats->nat.connect_failures, 2);
	for (uint32_t b = 0; b < 16; b++)
		assert_int_equal(bs[b].connect_failures, expect[b]);

	/* the backend's slot lost it: the worker counts, the slot does not */
	for (uint16_t port = 40125; port < 40300; port++) {
		silent = dpt_nat_expect(V_NAT4, DPT_CLIENT4, port, 0, 1);
		if (silent.be == 4)
			break;
	}
	assert_int_equal(silent.be, 4);
	dpt_nat_to_backend(&silent, syn, NULL);
	dpt.w.table = dpt_build_table(0, 3, 0, 1); /* backend 4 gone */
	assert_int_equal(dp_conn_sweep(dpt.w.conns, later, DPT_CONNS), 1);
	assert_int_equal(dpt.w.stats->nat.connect_failures, 3);
	assert_int_equal(bs[4].connect_failures, expect[4]);
}

/* A second worker on the same ports, with its own table, counters and ring. */
struct two {
	struct dp_worker w1;
	struct rte_ring *ring[2];
	struct rte_ring *rings[2];
};

static void two_workers(struct two *x)
{
	x->ring[0] = rte_ring_create("sl_nat_ho0", 8, SOCKET_ID_ANY, RING_F_SC_DEQ);
	x->ring[1] = rte_ring_create("sl_nat_ho1", 8, SOCKET_ID_ANY, RING_F_SC_DEQ);
	assert_non_null(x->ring[0]);
	assert_non_null(x->ring[1]);
	x->rings[0] = x->ring[0];
	x->rings[1] = x->ring[1];
	x->w1 = dpt.w;
	x->w1.index = 1;
	x->w1.stats = sl_shm_worker_stats(dpt.seg, 1);
	memset(x->w1.stats, 0, dpt.seg->worker_stats_bytes);
	x->w1.vip_stats = sl_stats_vips(x->w1.stats);
	x->w1.backend_stats = sl_stats_backends(dpt.seg, x->w1.stats);
	x->w1.nat_port_stats = sl_stats_nat_ports(dpt.seg, x->w1.stats);
	x->w1.conns = dp_conn_create(64, &dpt_conn_timeouts, rte_get_tsc_hz());
	assert_non_null(x->w1.conns);
	x->w1.n_workers = dpt.w.n_workers = 2;
	x->w1.handoff = dpt.w.handoff = x->rings;
}

static void one_worker(struct two *x)
{
	dp_conn_destroy(x->w1.conns);
	rte_ring_free(x->ring[0]);
	rte_ring_free(x->ring[1]);
	dpt.w.n_workers = 1;
	dpt.w.handoff = NULL;
	dpt_nat_worker = &dpt.w;
}

/* @c's SYN-ACK reaches worker @from, which hands it to its owner through @ring. */
static void reply_handed_over(const struct dpt_conn *c, struct dp_worker *from,
			      struct dp_worker *owner, struct rte_ring *ring)
{
	struct dpt_frame f = {.proto = IPPROTO_TCP, .flags = 0x12, .seq = 5000, .ack = 1001};
	uint64_t rx = owner->stats->rx_packets;

	dpt_nat_worker = from;
	assert_int_equal(dpt_nat_send_backend(c, f), 0);
	assert_nothing_sent();
	assert_int_equal(rte_ring_count(ring), 1);
	/* the owner takes it from its ring as if received, and it leaves to the client */
	dpt_nat_worker = owner;
	assert_int_equal(dp_worker_poll_handoff(owner), 1);
	assert_int_equal(rte_ring_count(ring), 0);
	assert_int_equal(owner->stats->rx_packets, rx);
	dpt_nat_worker = from;
}

/*
 * Two workers: each owns half of the source's ports; a reply that reaches
 * the other one goes through the owner's ring and leaves translated; a full
 * ring drops and counts.
 */
static void test_handoff_two_workers(void **state)
{
	struct two x;
	struct dpt_conn c0, c1;
	struct dpt_frame f = {.proto = IPPROTO_TCP, .flags = 0x12, .seq = 5000, .ack = 1001};

	(void)state;
	two_workers(&x);
	/* worker 0 opens c0 on its slice (1024-33279), worker 1 c1 on its own (33280-65535) */
	c0 = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 43000, 0, 2);
	c1 = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 43001, 1, 2);
	assert_true(c0.nport >= 1024 && c0.nport <= 33279);
	assert_true(c1.nport >= 33280);
	dpt_nat_worker = &dpt.w;
	dpt_nat_to_backend(&c0, (struct dpt_frame){.proto = IPPROTO_TCP, .flags = 0x02}, NULL);
	dpt_nat_worker = &x.w1;
	dpt_nat_to_backend(&c1, (struct dpt_frame){.proto = IPPROTO_TCP, .flags = 0x02}, NULL);

	for (int i = 0; i < 2; i++) {
		const struct dpt_conn *c = i ? &c1 : &c0;
		struct dp_worker *from = i ? &dpt.w : &x.w1, *owner = i ? &x.w1 : &dpt.w;

		reply_handed_over(c, from, owner, x.ring[i]);
		dpt_nat_check_to_client(c, f, NULL);
		assert_int_equal(from->stats->nat.handoff_sent, 1);
		assert_int_equal(owner->stats->nat.handoff_received, 1);
		assert_int_equal(owner->conns->cnt.by_state[SL_NAT_SYN_RECV], 1);
	}

	/* worker 0's ring holds 7: the eighth reply for it is dropped at worker 1 */
	dpt_nat_worker = &x.w1;
	for (int i = 0; i < 7; i++)
		assert_int_equal(dpt_nat_send_backend(&c0, f), 0);
	assert_int_equal(rte_ring_count(x.ring[0]), 7);
	assert_int_equal(dpt_nat_send_backend(&c0, f), 0);
	assert_int_equal(x.w1.stats->drops[SL_DROP_NAT_HANDOFF_FULL], 1);
	assert_int_equal(x.w1.stats->nat.handoff_sent, 8);
	dpt_nat_worker = &dpt.w;
	assert_int_equal(dp_worker_poll_handoff(&dpt.w), 7);
	assert_int_equal(rte_ring_count(dpt.rp.tx[0]), 7);
	one_worker(&x);
}

/* The rings dp_main.c makes: one per worker, and freeing them frees what they hold. */
static void test_handoff_rings(void **state)
{
	unsigned int avail = rte_mempool_avail_count(dpt.rp.pool);
	struct dp_handoff *h = dp_handoff_create("sl_nat_t", 3, SOCKET_ID_ANY);
	uint8_t f[64] = {0};

	(void)state;
	assert_non_null(h);
	assert_int_equal(h->n, 3);
	for (unsigned int k = 0; k < 3; k++)
		assert_int_equal(rte_ring_get_capacity(h->ring[k]), DP_HANDOFF_RING_SIZE - 1);
	assert_ptr_equal(rte_ring_lookup("sl_nat_t2"), h->ring[2]);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rte_ring_enqueue(h->ring[i % 3], dpt_mbuf_of(f, sizeof(f))), 0);
	assert_int_equal(rte_mempool_avail_count(dpt.rp.pool), avail - 5);
	/* a second set under the same names is refused, the first one stays */
	errno = 0;
	assert_null(dp_handoff_create("sl_nat_t", 3, SOCKET_ID_ANY));
	assert_int_equal(errno, EEXIST);
	assert_ptr_equal(rte_ring_lookup("sl_nat_t0"), h->ring[0]);
	dp_handoff_free(h);
	assert_int_equal(rte_mempool_avail_count(dpt.rp.pool), avail);
	assert_null(rte_ring_lookup("sl_nat_t0"));
}

static int group_setup(void **state)
{
	(void)state;
	return dpt_init("dp_nat_conn_test");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_close_and_reuse, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_syn_on_live_conn, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_reply_without_conn, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_client_without_conn, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_port_exhaustion, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_conn_table_full, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_backend_down_keeps_conns, dpt_setup,
						dpt_teardown),
		cmocka_unit_test_setup_teardown(test_backend_gone, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_connect_failures, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_handoff_two_workers, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_handoff_rings, dpt_setup, dpt_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
