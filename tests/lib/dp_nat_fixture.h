/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Full-NAT fixtures on the dataplane harness (dp_harness.h): a connection
 * as the test expects the worker to make it (its backend by Maglev, its
 * source port by the port contract), and "send this, expect exactly that"
 * for each direction, with frames from dp_frames.h. The worker a fixture
 * talks to is dpt_nat_worker (the harness's by default).
 */
#ifndef DP_NAT_FIXTURE_H
#define DP_NAT_FIXTURE_H

#include <stdint.h>

#include "dp_frames.h"
#include "dp_harness.h"

#define DPT_CLIENT4 "198.18.0.10"
#define DPT_CLIENT6 "2001:2::10"
#define DPT_VIP_NAT4 "198.18.100.5"
#define DPT_VIP_NAT6 "2001:2:0:100::5"
#define DPT_VIP_TINY "198.18.100.6"
#define DPT_VIP_SP4 "198.18.100.7"
#define DPT_VIP_SP6 "2001:2:0:100::7"
#define DPT_VIP_HTTP4 "198.18.100.8"
#define DPT_VIP_HTTP6 "2001:2:0:100::8"
#define DPT_SRC4 "198.18.1.1"
#define DPT_SRC6 "2001:2:0:1::1"
#define DPT_SRC_TINY "198.18.1.3"

extern struct dp_worker *dpt_nat_worker;

/* A connection as the tests expect it. */
struct dpt_conn {
	int vip;	    /* V_NAT4, V_NAT4_UDP, V_NAT6, V_NAT_TINY, V_SP4, V_SP6, V_HTTP4/6 */
	const char *client; /* the client's address and port */
	uint16_t cport;
	const char *vaddr; /* the VIP's */
	uint16_t vport;
	uint32_t be; /* backend slot */
	const char *baddr;
	uint16_t bport;
	const char *src; /* NAT source address and port */
	uint16_t nport;
	uint16_t mss; /* what handshake segments are clamped to */
};

/*
 * The connection a first packet from @client:@cport to NAT VIP @vip opens
 * on the worker (index @worker of @n_workers): Maglev's backend, the first
 * port the source's slice offers.
 */
struct dpt_conn dpt_nat_expect(int vip, const char *client, uint16_t cport, uint32_t worker,
			       uint32_t n_workers);

/* Backend @be's MAC, as the harness gives it. */
const uint8_t *dpt_backend_mac(uint32_t be);

/* Give @f (client side: addresses and ports of @c, MACs of port 0) and send it. */
uint16_t dpt_nat_send_client(const struct dpt_conn *c, struct dpt_frame f);
/* The same from the backend to the NAT source on port 1. */
uint16_t dpt_nat_send_backend(const struct dpt_conn *c, struct dpt_frame f);

/*
 * What left on port 1 is exactly @f from the source to the backend
 * (untagged), with options @out_opt if not NULL, and nothing left on port 0.
 */
void dpt_nat_check_to_backend(const struct dpt_conn *c, struct dpt_frame f, const uint8_t *out_opt);
/* What left on port 0 is exactly @f from the VIP to the client. */
void dpt_nat_check_to_client(const struct dpt_conn *c, struct dpt_frame f, const uint8_t *out_opt);

/* @f sent from the client; dpt_nat_check_to_backend(). */
void dpt_nat_to_backend(const struct dpt_conn *c, struct dpt_frame f, const uint8_t *out_opt);
/* @f sent from the backend; dpt_nat_check_to_client(). */
void dpt_nat_to_client(const struct dpt_conn *c, struct dpt_frame f, const uint8_t *out_opt);

/* TCP options of a SYN: MSS @mss, SACK permitted, timestamps, NOP, window scale 7 (20 bytes). */
const uint8_t *dpt_syn_opts(uint8_t *o, uint16_t mss);
#define DPT_SYN_OPTS_LEN 20

/* The three-way handshake of @c, every segment checked byte for byte, MSS clamped to c->mss. */
void dpt_nat_handshake(const struct dpt_conn *c);

/* The worker's connection for @c's client key, or NULL. */
struct dp_conn *dpt_nat_conn_of(const struct dpt_conn *c);

/* Sum of every drop counter of @w. */
uint64_t dpt_drops(const struct dp_worker *w);

#endif /* DP_NAT_FIXTURE_H */
