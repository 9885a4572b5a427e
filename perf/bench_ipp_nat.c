/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_ipp's full-NAT and SYN-proxy scenarios (see bench_ipp.c for the
 * method): the connections opened before the measured passes, and the
 * backends' and clients' answers made from what the worker sent.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "bench_ipp.h"
#include "dataplane/dp_conn.h"
#include "dataplane/dp_cookie.h"
#include "sl_shm.h"

#define TMPL_LEN 128

/*
 * The backends' side of what left on port 1 (the connections' translated
 * SYNs): addresses, ports and MACs swapped, kept in @tmpl.
 */
static int capture_replies(uint8_t (*tmpl)[TMPL_LEN], uint16_t *tlen, uint32_t n)
{
	struct rte_mbuf *m = NULL;

	for (uint32_t i = 0; i < n; i++) {
		uint8_t *f = tmpl[i], tmp[16];
		uint32_t l3 = 14, alen, a;

		if (rte_ring_dequeue(ipp_rp.tx[1], (void **)&m) ||
		    rte_pktmbuf_pkt_len(m) > TMPL_LEN)
			return -1;
		tlen[i] = (uint16_t)rte_pktmbuf_pkt_len(m);
		memcpy(f, rte_pktmbuf_mtod(m, uint8_t *), tlen[i]);
		rte_pktmbuf_free(m);
		memcpy(tmp, f, 6);
		memcpy(f, f + 6, 6);
		memcpy(f + 6, tmp, 6);
		alen = (f[l3] >> 4) == 4 ? 4 : 16;
		a = (f[l3] >> 4) == 4 ? l3 + 12 : l3 + 8;
		memcpy(tmp, f + a, alen);
		memcpy(f + a, f + a + alen, alen);
		memcpy(f + a + alen, tmp, alen);
		a = l3 + (alen == 4 ? 20 : 40);
		memcpy(tmp, f + a, 2);
		memcpy(f + a, f + a + 2, 2);
		memcpy(f + a + 2, tmp, 2);
	}
	return 0;
}

/* Put the replies of @tmpl with TCP @flags on port 1's RX ring, checksums made anew. */
static int enqueue_replies(uint8_t (*tmpl)[TMPL_LEN], const uint16_t *tlen, uint32_t n,
			   uint8_t flags)
{
	for (uint32_t i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(ipp_rp.pool);
		uint8_t *f;
		struct rte_tcp_hdr *th;

		if (!m)
			return -1;
		f = (uint8_t *)rte_pktmbuf_append(m, tlen[i]);
		memcpy(f, tmpl[i], tlen[i]);
		if ((f[14] >> 4) == 4) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

			th = (struct rte_tcp_hdr *)(ip + 1);
			th->tcp_flags = flags;
			th->recv_ack = htonl(2);
			th->cksum = 0;
			th->cksum = rte_ipv4_udptcp_cksum(ip, th);
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		} else {
			struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(f + 14);

			th = (struct rte_tcp_hdr *)(ip + 1);
			th->tcp_flags = flags;
			th->recv_ack = htonl(2);
			th->cksum = 0;
			th->cksum = rte_ipv6_udptcp_cksum(ip, th);
		}
		if (rte_ring_enqueue(ipp_rp.rx[1], m))
			return -1;
	}
	return 0;
}

/*
 * Full NAT: @n connections opened unmeasured (SYN, the backend's SYN-ACK,
 * ACK), then the client's ACKs and the backend's ACKs measured, then SYNs
 * of @n new connections.
 */
int ipp_run_nat(const struct scenario *s, uint32_t base, uint32_t n)
{
	uint8_t(*tmpl)[TMPL_LEN] = malloc((size_t)n * TMPL_LEN);
	uint16_t *tlen = malloc((size_t)n * sizeof(*tlen));
	char name[64];
	int rc = -1;

	if (!tmpl || !tlen)
		goto out;
	if (ipp_enqueue(s, base, n, RTE_TCP_SYN_FLAG))
		goto out;
	ipp_unmeasured(0);
	if (rte_ring_count(ipp_rp.tx[1]) != n || capture_replies(tmpl, tlen, n) ||
	    enqueue_replies(tmpl, tlen, n, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG))
		goto out;
	ipp_unmeasured(1);
	if (ipp_drain_tx() != n || ipp_enqueue(s, base, n, RTE_TCP_ACK_FLAG))
		goto out;
	ipp_unmeasured(0);
	if (ipp_drain_tx() != n || ipp_w.conns->cnt.by_state[SL_NAT_ESTABLISHED] < n)
		goto out;
	snprintf(name, sizeof(name), "established_%s", s->name);
	if (ipp_enqueue(s, base, n, RTE_TCP_ACK_FLAG))
		goto out;
	ipp_report(name, n, 0, 1, 0);
	snprintf(name, sizeof(name), "established_%s_reply", s->name);
	if (enqueue_replies(tmpl, tlen, n, RTE_TCP_ACK_FLAG))
		goto out;
	ipp_report(name, n, 1, 1, 0);
	snprintf(name, sizeof(name), "new_%s", s->name);
	if (ipp_enqueue(s, base + n, n, RTE_TCP_SYN_FLAG))
		goto out;
	ipp_report(name, n, 0, 1, 0);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_ipp: %s: the connections did not open as intended\n",
			s->name);
	free(tmpl);
	free(tlen);
	return rc;
}

/* The client's ISN of flow @k in the SYN-proxy scenarios. */
static uint32_t sp_isn(uint32_t k)
{
	return 0x10000000u + 16 * k;
}

/* The cookie the worker makes at @minute for flow @k's SYN (options as sp_syn_opt offers). */
static uint32_t sp_cookie(const struct scenario *s, uint32_t k, uint8_t minute)
{
	const struct dp_cookie_opts o = {.mss = 1460, .wscale = 7, .sack = 1, .ts = 1};
	struct dp_cookie_tuple tu;
	char src[64];
	uint32_t a;

	memset(&tu, 0, sizeof(tu));
	tu.sport = htons(ipp_client_of(s, k, src, sizeof(src)));
	tu.dport = htons(s->dport);
	if (s->v6) {
		inet_pton(AF_INET6, src, tu.src.a8);
		inet_pton(AF_INET6, s->vip, tu.dst.a8);
	} else {
		inet_pton(AF_INET, src, &a);
		sl_addr_from_v4(&tu.src, a);
		inet_pton(AF_INET, s->vip, &a);
		sl_addr_from_v4(&tu.dst, a);
	}
	return dp_cookie_make(ipp_sp_keys[0], &tu, sp_isn(k), minute, &o);
}

/*
 * SYN proxy: @n SYNs measured (each answered by a cookie SYN-ACK, checked
 * against the cookie made here), then the @n ACKs carrying those cookies
 * measured (each opens a connection and sends the backend SYN).
 */
int ipp_run_sp(const struct scenario *s, uint32_t base, uint32_t n)
{
	/* MSS 1460, SACK permitted, TS (0x1234, 0), NOP, window scale 7: a Linux client */
	static const uint8_t syn_opt[20] = {2,	  4,	0x05, 0xb4, 4, 2, 8, 10, 0, 0,
					    0x12, 0x34, 0,    0,    0, 0, 1, 3,	 3, 7};
	struct bench_flow *t = calloc(n, sizeof(*t));
	uint8_t(*opt)[12] = malloc((size_t)n * 12);
	uint32_t l4 = s->v6 ? 14 + 40 : 14 + 20;
	char name[64];
	uint8_t minute;
	int rc = -1;

	if (!t || !opt)
		goto out;
	for (uint32_t i = 0; i < n; i++)
		t[i] = (struct bench_flow){.seq = sp_isn(base + i), .opt = syn_opt, .olen = 20};
	snprintf(name, sizeof(name), "synproxy_syn_%s", s->name);
	if (ipp_enqueue_as(s, base, n, RTE_TCP_SYN_FLAG, t))
		goto out;
	ipp_report(name, n, 0, 2, 1);
	minute = (uint8_t)(rte_rdtsc() / (ipp_w.tsc_hz * 60));
	if (rte_ring_count(ipp_rp.tx[0]) != n || rte_ring_count(ipp_rp.tx[1]) != 0)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		struct rte_mbuf *m = NULL;
		const uint8_t *f;
		uint32_t cookie, tsval;

		if (rte_ring_dequeue(ipp_rp.tx[0], (void **)&m))
			goto out;
		f = rte_pktmbuf_mtod(m, const uint8_t *);
		memcpy(&cookie, f + l4 + 4, 4);
		memcpy(&tsval, f + l4 + 28, 4);
		rte_pktmbuf_free(m);
		cookie = ntohl(cookie);
		/* the SYN may have been answered in the minute before */
		if (cookie != sp_cookie(s, base + i, minute) &&
		    cookie != sp_cookie(s, base + i, (uint8_t)(minute - 1))) {
			fprintf(stderr, "bench_ipp: %s: flow %u: SYN-ACK cookie %#x is not ours\n",
				s->name, base + i, cookie);
			goto out;
		}
		/* NOP, NOP, TS (the client's next, the SYN-ACK's echoed) */
		memcpy(opt[i], (uint8_t[4]){1, 1, 8, 10}, 4);
		memcpy(opt[i] + 4, (uint8_t[4]){0, 0, 0x12, 0x35}, 4);
		memcpy(opt[i] + 8, &tsval, 4);
		t[i] = (struct bench_flow){
			.seq = sp_isn(base + i) + 1, .ack = cookie + 1, .opt = opt[i], .olen = 12};
	}
	snprintf(name, sizeof(name), "synproxy_ack_%s", s->name);
	if (ipp_enqueue_as(s, base, n, RTE_TCP_ACK_FLAG, t))
		goto out;
	ipp_report(name, n, 0, 2, 0);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_ipp: %s: the SYN proxy did not answer as intended\n",
			s->name);
	free(t);
	free(opt);
	return rc;
}
