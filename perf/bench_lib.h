/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the dataplane benchmarks share: a configuration built in code and
 * turned into a real table slot by the control plane's own builder
 * (cp_tables_build) with a fixed next hop, client frames written with
 * DPDK's header structs, and a pcap writer for replay input (net_pcap).
 */
#ifndef BENCH_LIB_H
#define BENCH_LIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cfg_types.h"
#include "cp_tables.h"

#define BENCH_TX_PORT 1 /* every backend's next hop leaves by port 1 */

/* An empty config with room for @max_vips VIPs and @max_pools pools; 0 or -ENOMEM. */
int bench_cfg_init(struct cfg *c, uint32_t max_vips, uint32_t max_pools);
void bench_cfg_free(struct cfg *c);

/*
 * Append pool @name with @n backends of family @af (SL_AF_INET: 198.18.32.0
 * + @first + i; SL_AF_INET6: 2001:2:0:1::(first + i + 1)), weight 1, port 0
 * (the VIP's). Returns the pool or NULL.
 */
struct cfg_pool *bench_cfg_pool(struct cfg *c, const char *name, uint32_t n, uint8_t af,
				uint32_t first);

/*
 * Append VIP @name (@addr, @port host order, @proto) in @mode (SL_MODE_*)
 * with @encap (CP_ENCAP_*, tunnel only) on pool @pool. GUE VIPs use UDP
 * port 6080. Returns the VIP or NULL.
 */
struct cfg_vip *bench_cfg_vip(struct cfg *c, const char *name, const char *addr, uint16_t port,
			      uint8_t proto, uint8_t mode, uint8_t encap, const char *pool);

/*
 * An http VIP's route (mode SL_MODE_HTTP, which bench_cfg_vip gives the SYN
 * proxy, head_max 8192 and a 5 s head timeout): requests whose path is
 * @path (by segments) go to pool @pool. Returns 0, or -EINVAL / -ENOMEM.
 */
int bench_cfg_route(struct cfg_vip *v, const char *path, const char *pool);

/* cp_nexthop_fn: every backend resolved via port BENCH_TX_PORT, MAC 02:00:00:00:01:01. */
int bench_nexthop(void *ctx, const struct sl_addr *addr, struct cp_nexthop *nh);

/* One client packet. */
struct bench_flow {
	const char *src, *dst; /* addresses, both IPv4 or both IPv6 */
	uint8_t proto;	       /* IPPROTO_TCP / IPPROTO_UDP */
	uint16_t sport, dport; /* host order */
	uint8_t tcp_flags;
	/* frame length without FCS (>= the headers, >= 60); 0: headers and data, padded to 60 */
	uint16_t frame_len;
	/* TCP only: seq and ack (both 0: seq 1, ack 1 on an ACK), options (a multiple of 4) */
	uint32_t seq, ack;
	const uint8_t *opt;
	uint8_t olen;
	const void *data; /* @dlen bytes after the L4 header (the rest up to @frame_len: zeros) */
	uint16_t dlen;
	const uint8_t *smac; /* NULL: 02:00:00:00:00:c1 */
};

/*
 * Write the Ethernet frame of @fl (to @dst_mac from @fl->smac) with valid
 * IPv4/L4 checksums into @f (@cap bytes). Returns its length, or 0 when an
 * address does not parse or it does not fit.
 */
uint32_t bench_frame(uint8_t *f, size_t cap, const struct bench_flow *fl, const uint8_t dst_mac[6]);

/* pcap (microsecond, Ethernet) file: open with its header, add frames. */
FILE *bench_pcap_open(const char *path);
int bench_pcap_add(FILE *f, const uint8_t *frame, uint32_t len);

#endif /* BENCH_LIB_H */
