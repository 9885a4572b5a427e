/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's in-process test harness, shared by the worker's fixture
 * tests: EAL without hugepages, two ring ports (port 0 faces clients, port 1
 * the backends), a table built in a malloc'ed segment with the very layout,
 * Maglev builder and checks the control plane uses, and fixture frames from
 * a short spec. What the TX rings hold is compared byte for byte with
 * headers spelled out in the tests and checksummed by a reference sum
 * independent of DPDK's.
 *
 * The table (generation 1 in slot 0 after dpt_setup):
 *   V_DSR      198.18.100.1 tcp/80   dsr     pool P_DSR (backends 0, 1)
 *   V_IPIP     198.18.100.2 tcp/80   tunnel  pool P_V4  (backends 2, 3, 4)
 *   V_IP6IP6   2001:2:0:100::1 tcp/80 tunnel pool P_V6  (backends 5, 6)
 *   V_GUE4     198.18.100.3 udp/any  GUE, outer source 198.18.200.0/24, P_V4
 *   V_GUE6     2001:2:0:100::3 udp/53 GUE, P_V6
 *   V_EMPTY    198.18.100.9 tcp/80   tunnel  pool P_EMPTY (no backend)
 *   V_UDP4     198.18.100.4 udp/53   tunnel  P_V4
 *   V_UDP_DSR  198.18.100.1 udp/53   dsr     P_DSR
 *   V_NAT4     198.18.100.5 tcp/80   nat     P_V4, source S_NAT4, mss 1400
 *   V_NAT4_UDP 198.18.100.5 udp/53   nat     P_V4, source S_NAT4
 *   V_NAT6     2001:2:0:100::5 tcp/80 nat    P_V6, source S_NAT6, mss 0 (the MTU's)
 *   V_NAT_TINY 198.18.100.6 tcp/80   nat     P_ONE (backend 7), source S_TINY
 *   V_SP4      198.18.100.7 tcp/80   nat, SYN proxy, P_V4, source S_NAT4
 *   V_SP6      2001:2:0:100::7 tcp/80 nat, SYN proxy, P_V6, source S_NAT6
 *   V_HTTP4    198.18.100.8 tcp/80   http, P_V4 ("/b": P_ONE), source S_NAT4
 *   V_HTTP6    2001:2:0:100::8 tcp/80 http, P_V6, source S_NAT6
 * Backend i has MAC 02:00:00:00:01:i on port 1, outer source 198.18.1.1 or
 * 2001:2:0:1::1; backend 2 serves port 8080, backend 7 (198.18.1.31) port
 * 9000, the others the VIP's. NAT sources, all on port 1:
 *   S_NAT4 198.18.1.1 ports 1024-65535, S_NAT6 2001:2:0:1::1 1024-65535,
 *   S_TINY 198.18.1.3 ports 2000-2001.
 * The worker has a connection table of DPT_CONNS (timeouts in dpt_conn_timeouts),
 * SYN-proxy timers for as many, and the cookie keys dpt_sp_keys in the segment.
 */
#ifndef DP_HARNESS_H
#define DP_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/dp_conn.h"
#include "dataplane/dp_types.h"
#include "dp_ref_sum.h"
#include "sl_hash.h"
#include "tl_ring_ports.h"

#define DPT_MTU 1500
#define DPT_GUE_PORT 6080

enum {
	V_DSR,
	V_IPIP,
	V_IP6IP6,
	V_GUE4,
	V_GUE6,
	V_EMPTY,
	V_UDP4,
	V_UDP_DSR,
	V_NAT4,
	V_NAT4_UDP,
	V_NAT6,
	V_NAT_TINY,
	V_SP4,
	V_SP6,
	V_HTTP4,
	V_HTTP6,
	N_VIPS
};
enum { P_DSR, P_V4, P_V6, P_EMPTY, P_ONE, N_POOLS };
enum { S_NAT4, S_NAT6, S_TINY, N_NAT_SOURCES };
#define N_BACKENDS 8
#define DPT_CONNS 1024

extern const struct dp_conn_timeouts dpt_conn_timeouts;
extern const uint64_t dpt_sp_keys[2][2];

struct dpt {
	struct tl_ring_ports rp;
	struct sl_shm_header *seg;
	struct dp_table tables[2];
	struct dp_worker w;
};

extern struct dpt dpt;
extern const uint8_t dpt_port_mac[2][6];
extern const uint8_t dpt_client_mac[6];

/* A client packet: IPv4 or IPv6 by the addresses' family. */
struct dpt_spec {
	const char *src, *dst;
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint16_t payload; /* bytes after the L4 header */
	int df;
	uint16_t vlan; /* 0: untagged */
	uint8_t tos;
};

/* EAL (file prefix sl-@name), mbuf pool, ring ports and the segment: a group setup. */
int dpt_init(const char *name);
/* Per test: generation 1 in slot 0, an empty flow table and zero counters. */
int dpt_setup(void **state);
int dpt_teardown(void **state);

/*
 * Fill @slot as generation @gen. @drained: backend 4 keeps its slot and uid
 * but gets no Maglev entries, weight 0 (DPT_DRAINED: still active, as a
 * drain; DPT_DOWN: not active, its next hop kept, as health writes a down
 * instance); @gone: slot 4 is empty (the backend left).
 */
#define DPT_DRAINED 1
#define DPT_DOWN 2
struct dp_table *dpt_build_table(unsigned int slot, uint64_t gen, int drained, int gone);

void dpt_addr_of(struct sl_addr *a, const char *s);
/* The address @s as it sits in a header at @p (any alignment): 4 bytes for IPv4, 16 for IPv6. */
void dpt_put_addr(uint8_t *p, const char *s);
void dpt_put16(uint8_t *p, uint16_t v);
/* A client frame as port 0 would receive it (padded to 60 bytes). Returns its length. */
uint32_t dpt_build(uint8_t *f, const struct dpt_spec *s, uint16_t *l2_out, uint16_t *l3_len_out);
struct rte_mbuf *dpt_mbuf_of(const uint8_t *f, uint32_t len);
/* Send one fixture through the worker from port 0; returns what the TX queues took. */
uint16_t dpt_send_spec(const struct dpt_spec *s);
/* The one packet port @p transmitted (its bytes copied to @out), asserting there was one. */
uint32_t dpt_take(int p, uint8_t *out);
/* The next of the frames on port @p's ring into @out; its length. */
uint32_t dpt_take_next(int p, uint8_t *out);
struct sl_flow_key dpt_key_of(const struct dpt_spec *s);
/*
 * The port full NAT gives the first connection @k opens on a free source
 * @src (first probe of worker @worker of @n's slice): the contract of
 * dataplane/dp_natport.h, spelled out.
 */
uint16_t dpt_nat_port(const struct sl_flow_key *k, uint16_t min, uint16_t max, uint32_t n,
		      uint32_t worker);
/* The backend the contract says a new flow gets: Maglev entry hash % M of the VIP's pool. */
uint32_t dpt_maglev_pick(const struct dp_table *t, int vip, const struct dpt_spec *s);
uint32_t dpt_flow_hash_of(const struct dpt_spec *s);
/* Ethernet header of a frame to backend @backend on port 1. */
void dpt_expect_eth(uint8_t *e, uint32_t backend, uint16_t type);

#endif /* DP_HARNESS_H */
