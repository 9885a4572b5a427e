/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Constants of the BPF programs, kept in wire order where they are compared
 * with packet fields (BE_*), so no program swaps bytes per packet; plus the
 * small header structs the UAPI does not export (802.1Q tag, port pair) and
 * the ICMP types the steering program looks at (the bounds of the parsers'
 * loops are in common/sl_parse_limits.h).
 */
#ifndef SL_BPF_CONSTS_H
#define SL_BPF_CONSTS_H

#include <linux/types.h>
#include <bpf/bpf_endian.h>

#include "sl_parse_limits.h"

#define BE_ETH_P_IP bpf_htons(0x0800)
#define BE_ETH_P_IPV6 bpf_htons(0x86DD)
#define BE_ETH_P_8021Q bpf_htons(0x8100)
#define BE_ETH_P_8021AD bpf_htons(0x88A8)
#define BE_IP_MF_OFFSET bpf_htons(0x3FFF)    /* more-fragments flag + fragment offset */
#define BE_IPV4_MAPPED bpf_htonl(0x0000FFFF) /* third word of ::ffff:a.b.c.d */
#define BE_IP6_FRAG_OFFSET bpf_htons(0xFFF8) /* fragment header: offset in 8-byte units */
#define BE_IP6_FRAG_MORE bpf_htons(0x0001)   /* fragment header: more fragments follow */

#define SL_IPPROTO_HOPOPTS 0
#define SL_IPPROTO_ICMP 1
#define SL_IPPROTO_IPIP 4
#define SL_IPPROTO_TCP 6
#define SL_IPPROTO_UDP 17
#define SL_IPPROTO_IPV6 41
#define SL_IPPROTO_ROUTING 43
#define SL_IPPROTO_FRAGMENT 44
#define SL_IPPROTO_ICMPV6 58
#define SL_IPPROTO_DSTOPTS 60

/* ICMP errors that quote a packet of a flow; sluice_xdp sends those to a VIP to the dataplane */
#define SL_ICMP_DEST_UNREACH 3
#define SL_ICMP_TIME_EXCEEDED 11
#define SL_ICMP6_ERROR_MAX 4 /* 1 unreachable, 2 too big, 3 time exceeded, 4 parameter problem */

#define SL_IP4_HLEN 20 /* bytes, IPv4 header without options */
#define SL_IP6_HLEN 40 /* bytes, IPv6 fixed header */
#define SL_UDP_HLEN 8  /* bytes */

struct sl_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* The first four bytes of TCP and UDP. */
struct sl_l4_ports {
	__be16 src;
	__be16 dst;
};

/* IPv6 fragment header. */
struct sl_ip6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset << 3 | M */
	__be32 identification;
};

/* IPv6 hop-by-hop, routing and destination options share this prefix. */
struct sl_ip6_opt_hdr {
	__u8 nexthdr;
	__u8 hdrlen; /* in 8-byte units, not counting the first 8 bytes */
};

#endif /* SL_BPF_CONSTS_H */
