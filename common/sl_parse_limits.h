/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header-walking limits the XDP steering program (bpf/sl_parse.h) and the
 * dataplane's parser (dataplane/dp_parse.c) share, so a packet the one
 * steers to the dataplane is one the other can parse, and a packet past a
 * limit is refused by both under a counter that names the limit. Plain
 * defines: compiled by clang -target bpf and by the userspace compiler.
 */
#ifndef SL_PARSE_LIMITS_H
#define SL_PARSE_LIMITS_H

/* VLAN tags skipped: 802.1Q, or QinQ (802.1ad + 802.1Q). */
#define SL_VLAN_MAX 2

/*
 * IPv6 extension headers (hop-by-hop, routing, destination options,
 * fragment) walked before the TCP/UDP/ICMPv6 header; a packet with more is
 * counted as over the limit. Eight covers every chain RFC 8200 orders
 * (each header at most once, destination options twice) with room to spare.
 */
#define SL_IP6_EXT_MAX 8

#endif /* SL_PARSE_LIMITS_H */
