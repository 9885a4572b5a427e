/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What perf/bench_ipp.c (the set-up and the measured loop) and
 * perf/bench_ipp_nat.c (the full-NAT and SYN-proxy scenarios) share: the
 * worker on its two ring ports, the packets put on them, the report of
 * each scenario.
 */
#ifndef BENCH_IPP_H
#define BENCH_IPP_H

#include <stddef.h>
#include <stdint.h>

#include "bench_lib.h"
#include "dataplane/dp_worker.h"
#include "tl_ring_ports.h"

#define RING_SIZE 16384
#define BURST 32

struct scenario {
	const char *name;
	const char *vip; /* destination */
	uint8_t proto;
	uint16_t dport;
	int v6;
	int nat; /* full NAT: established both ways, and new; 2: the SYN proxy's handshake; 3: HTTP
		  */
};

extern struct tl_ring_ports ipp_rp; /* the worker's two ring ports */
extern struct dp_worker ipp_w;
/* The SYN proxy's keys in the segment (key 0 current): the cookies are made with them. */
extern const uint64_t ipp_sp_keys[2][2];

/* Client address (into @src) and port of flow @k of scenario @s. */
uint16_t ipp_client_of(const struct scenario *s, uint32_t k, char *src, size_t len);

/* Put the frame of @fl (to port @p's MAC) on port @p's RX ring. 0 or -1. */
int ipp_enqueue_frame(uint16_t p, const struct bench_flow *fl);

/*
 * Put @n packets of scenario @s (flows @first.., TCP @flags) on port 0's RX
 * ring; with @tmpl, flow i's sequence numbers, options, data and frame
 * length come from @tmpl[i] (seq, ack, opt, olen, data, dlen, frame_len).
 * 0 or -1.
 */
int ipp_enqueue_as(const struct scenario *s, uint32_t first, uint32_t n, uint8_t flags,
		   const struct bench_flow *tmpl);
int ipp_enqueue(const struct scenario *s, uint32_t first, uint32_t n, uint8_t flags);

/* What is queued on port @p's RX ring through the worker, not measured. */
void ipp_unmeasured(uint16_t p);

/*
 * The same, measured (callgrind instrumentation on); the counts add up
 * until ipp_dump() writes them as scenario @name.
 */
void ipp_measured(uint16_t p);
void ipp_dump(const char *name);

/* Every drop counter of the worker, summed. */
uint64_t ipp_drops_total(void);

/* Free what the worker sent; returns how many. */
uint32_t ipp_drain_tx(void);

/*
 * Measure what was queued on port @p as scenario @name, and print what went
 * through. @nat: 0 flows, 1 full NAT, 2 the SYN proxy (hits 0, misses the
 * connections opened); @keep: leave what was sent on the TX rings (counted).
 */
void ipp_report(const char *name, uint32_t n, uint16_t p, int nat, int keep);

/*
 * Full NAT: @n connections opened unmeasured, then the client's ACKs and the
 * backend's ACKs measured, then SYNs of @n new connections. 0 or -1.
 */
int ipp_run_nat(const struct scenario *s, uint32_t base, uint32_t n);

/*
 * SYN proxy: @n SYNs measured (answered by cookie SYN-ACKs, checked against
 * the cookies made with dp_cookie.c), then the @n ACKs carrying them
 * measured (each opens a connection, the backend gets its SYN). 0 or -1.
 */
int ipp_run_sp(const struct scenario *s, uint32_t base, uint32_t n);

/*
 * HTTP: @n short requests measured, each its whole connection (the cookie
 * handshake, the request head, the instance's handshake, the request, the
 * response, both FINs and the last ACKs), then @n keep-alive requests on
 * @n connections opened before, unmeasured (a request and its response).
 * 0 or -1.
 */
int ipp_run_http(const struct scenario *s, uint32_t base, uint32_t n);

#endif /* BENCH_IPP_H */
