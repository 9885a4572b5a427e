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
 * Backend i has MAC 02:00:00:00:01:i on port 1, outer source 198.18.1.1 or
 * 2001:2:0:1::1.
 */
#ifndef DP_HARNESS_H
#define DP_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/dp_types.h"
#include "sl_hash.h"

#define DPT_MTU 1500
#define DPT_GUE_PORT 6080

enum { V_DSR, V_IPIP, V_IP6IP6, V_GUE4, V_GUE6, V_EMPTY, V_UDP4, V_UDP_DSR, N_VIPS };
enum { P_DSR, P_V4, P_V6, P_EMPTY, N_POOLS };
#define N_BACKENDS 7

struct dpt {
	struct rte_mempool *pool;
	struct rte_ring *rx_ring[2], *tx_ring[2];
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
 * but gets no Maglev entries; @gone: slot 4 is empty (the backend left).
 */
struct dp_table *dpt_build_table(unsigned int slot, uint64_t gen, int drained, int gone);

void dpt_addr_of(struct sl_addr *a, const char *s);
/* The address @s as it sits in a header at @p (any alignment): 4 bytes for IPv4, 16 for IPv6. */
void dpt_put_addr(uint8_t *p, const char *s);
/* Reference Internet checksum: sum of 16-bit words, folded, not complemented. */
uint32_t dpt_ref_sum(const uint8_t *p, size_t n, uint32_t s);
void dpt_put16(uint8_t *p, uint16_t v);
/* A client frame as port 0 would receive it (padded to 60 bytes). Returns its length. */
uint32_t dpt_build(uint8_t *f, const struct dpt_spec *s, uint16_t *l2_out, uint16_t *l3_len_out);
struct rte_mbuf *dpt_mbuf_of(const uint8_t *f, uint32_t len);
/* Send one fixture through the worker from port 0; returns what the TX queues took. */
uint16_t dpt_send_spec(const struct dpt_spec *s);
/* The one packet port @p transmitted (its bytes copied to @out), asserting there was one. */
uint32_t dpt_take(int p, uint8_t *out);
struct sl_flow_key dpt_key_of(const struct dpt_spec *s);
/* The backend the contract says a new flow gets: Maglev entry hash % M of the VIP's pool. */
uint32_t dpt_maglev_pick(const struct dp_table *t, int vip, const struct dpt_spec *s);
uint32_t dpt_flow_hash_of(const struct dpt_spec *s);
/* Ethernet header of a frame to backend @backend on port 1. */
void dpt_expect_eth(uint8_t *e, uint32_t backend, uint16_t type);

#endif /* DP_HARNESS_H */
