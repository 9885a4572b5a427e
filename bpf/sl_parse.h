/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounds-checked header walkers shared by the BPF programs: a cursor over
 * [data, data_end) and one function per layer (Ethernet with up to two VLAN
 * tags, IPv4 with options, IPv6 with its extension headers). Each
 * returns an SL_PARSE_* result and advances the cursor past what it parsed,
 * so the verifier sees every access checked against data_end.
 */
#ifndef SL_PARSE_H
#define SL_PARSE_H

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>

#include "sl_bpf_consts.h"

enum sl_parse_result {
	SL_PARSE_OK = 0,
	SL_PARSE_TRUNCATED, /* a header runs past the end, or a length field lies */
	SL_PARSE_FRAGMENT,  /* IPv4 MF/offset set, or an IPv6 fragment (not atomic) */
	SL_PARSE_TOO_DEEP,  /* more IPv6 extension headers than SL_IP6_EXT_MAX */
};

struct sl_cursor {
	void *pos;
	void *end;
};

/* Skip Ethernet and up to SL_VLAN_MAX tags; *proto is the payload's ethertype. */
static __always_inline int sl_parse_eth(struct sl_cursor *c, __be16 *proto)
{
	struct ethhdr *eth = c->pos;
	int i;

	if ((void *)(eth + 1) > c->end)
		return SL_PARSE_TRUNCATED;
	c->pos = eth + 1;
	*proto = eth->h_proto;
#pragma unroll
	for (i = 0; i < SL_VLAN_MAX; i++) {
		struct sl_vlan_hdr *vh = c->pos;

		if (*proto != BE_ETH_P_8021Q && *proto != BE_ETH_P_8021AD)
			break;
		if ((void *)(vh + 1) > c->end)
			return SL_PARSE_TRUNCATED;
		c->pos = vh + 1;
		*proto = vh->encap_proto;
	}
	return SL_PARSE_OK;
}

/*
 * IPv4 header with options: *iph points at it, *l4proto is its protocol, the
 * cursor ends after the options. Fragments are reported after the header
 * checks, so a caller may still look at the addresses.
 */
static __always_inline int sl_parse_ip4(struct sl_cursor *c, struct iphdr **iph, __u8 *l4proto)
{
	struct iphdr *ip = c->pos;
	__u32 hlen;

	if ((void *)(ip + 1) > c->end)
		return SL_PARSE_TRUNCATED;
	if (ip->version != 4 || ip->ihl < 5)
		return SL_PARSE_TRUNCATED;
	hlen = ip->ihl * 4;
	if (c->pos + hlen > c->end || bpf_ntohs(ip->tot_len) < hlen)
		return SL_PARSE_TRUNCATED;
	*iph = ip;
	*l4proto = ip->protocol;
	c->pos += hlen;
	if (ip->frag_off & BE_IP_MF_OFFSET)
		return SL_PARSE_FRAGMENT;
	return SL_PARSE_OK;
}

/*
 * IPv6 fixed header plus at most SL_IP6_EXT_MAX extension headers
 * (hop-by-hop, routing, destination options, fragment); *l4proto is the
 * first other next-header value. An atomic fragment (offset 0, no more
 * fragments) walks on as an ordinary packet. A fragment returns
 * SL_PARSE_FRAGMENT: a first one after walking on to its L4 header, a later
 * one at once with the fragment header's next header (nothing follows it).
 */
static __always_inline int sl_parse_ip6(struct sl_cursor *c, struct ipv6hdr **ip6h, __u8 *l4proto)
{
	struct ipv6hdr *ip6 = c->pos;
	int frag = 0, i;
	__u8 nh;

	if ((void *)(ip6 + 1) > c->end)
		return SL_PARSE_TRUNCATED;
	if (ip6->version != 6)
		return SL_PARSE_TRUNCATED;
	*ip6h = ip6;
	c->pos = ip6 + 1;
	nh = ip6->nexthdr;
#pragma unroll
	for (i = 0; i < SL_IP6_EXT_MAX; i++) {
		struct sl_ip6_opt_hdr *oh = c->pos;

		if (nh == SL_IPPROTO_FRAGMENT) {
			struct sl_ip6_frag_hdr *fh = c->pos;

			if ((void *)(fh + 1) > c->end)
				return SL_PARSE_TRUNCATED;
			nh = fh->nexthdr;
			c->pos = fh + 1;
			if (fh->frag_off & BE_IP6_FRAG_OFFSET) {
				*l4proto = nh;
				return SL_PARSE_FRAGMENT;
			}
			frag |= !!(fh->frag_off & BE_IP6_FRAG_MORE);
			continue;
		}
		if (nh != SL_IPPROTO_HOPOPTS && nh != SL_IPPROTO_ROUTING &&
		    nh != SL_IPPROTO_DSTOPTS) {
			*l4proto = nh;
			return frag ? SL_PARSE_FRAGMENT : SL_PARSE_OK;
		}
		if ((void *)(oh + 1) > c->end)
			return SL_PARSE_TRUNCATED;
		nh = oh->nexthdr;
		c->pos += (oh->hdrlen + 1) * 8;
	}
	if (nh != SL_IPPROTO_HOPOPTS && nh != SL_IPPROTO_ROUTING && nh != SL_IPPROTO_DSTOPTS &&
	    nh != SL_IPPROTO_FRAGMENT) {
		*l4proto = nh;
		return frag ? SL_PARSE_FRAGMENT : SL_PARSE_OK;
	}
	return SL_PARSE_TOO_DEEP;
}

#endif /* SL_PARSE_H */
