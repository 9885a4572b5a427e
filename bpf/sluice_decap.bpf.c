// SPDX-License-Identifier: BSD-3-Clause
/*
 * sluice_decap: tc ingress (cls_bpf, direct action) on a backend whose kernel
 * has no ipip/ip6_tunnel/fou. Strips the outer header of IPv4-in-IPv4,
 * IPv6-in-IPv6, IPv6-in-IPv4, IPv4-in-IPv6 and GUE variant 1 (outer IPv4 or
 * IPv6, UDP to sl_gue_port, the inner IP header right after UDP) and lets the
 * inner packet continue up the stack as if it had arrived bare.
 *
 * "Addressed to this host" means: the outer destination is in
 * sl_decap_local, which the attach command fills with the interface's
 * addresses. Trusting the kernel instead would turn a backend with
 * ip_forward=1 into an open relay for inner packets to anywhere. Tunnel
 * packets for other addresses, outer IPv4 fragments and everything that is
 * not a tunnel pass untouched. The outer checksums are not checked (the inner
 * headers still are, by the kernel). When the inner family differs from the
 * outer one, bpf_skb_change_proto() switches skb->protocol (it adds or
 * removes 20 bytes, accounted for in the strip) and the ethertype is rewritten.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "sl_bpf_types.h"
#include "sl_bpf_consts.h"
#include "sl_parse.h"
#include "sl_decap_maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* bytes between the IPv4 and the IPv6 fixed header, what change_proto adds/removes */
#define SL_FAMILY_DELTA (SL_IP6_HLEN - SL_IP4_HLEN)

static __always_inline void sl_decap_count(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&sl_decap_stats, &stat);

	if (v)
		*v += 1;
}

struct sl_tunnel {
	__u32 outer_len; /* bytes after Ethernet to strip */
	__u8 outer_v6;
	__u8 inner_v6;
	__u32 stat; /* SL_DECAP_* on success */
};

/*
 * Recognise a tunnel after the outer IP header (@c at the L4 header); returns
 * 0 and fills @t, or an SL_DECAP_PASS_* / SL_DECAP_DROP_* counter index.
 */
static __always_inline __u32 sl_decap_inner(struct sl_cursor *c, __u8 l4, struct sl_tunnel *t)
{
	__u8 *first;

	if (l4 == SL_IPPROTO_IPIP) {
		t->inner_v6 = 0;
		t->stat = t->outer_v6 ? SL_DECAP_IPIP6 : SL_DECAP_IPIP;
	} else if (l4 == SL_IPPROTO_IPV6) {
		t->inner_v6 = 1;
		t->stat = t->outer_v6 ? SL_DECAP_IP6IP6 : SL_DECAP_IP6IP;
	} else if (l4 == SL_IPPROTO_UDP && sl_gue_port) {
		struct sl_l4_ports *ports = c->pos;

		if ((void *)(ports + 1) > c->end || ports->dst != sl_gue_port)
			return SL_DECAP_PASS_NOT_TUNNEL;
		if (c->pos + SL_UDP_HLEN > c->end)
			return SL_DECAP_PASS_NOT_TUNNEL;
		c->pos += SL_UDP_HLEN;
		t->outer_len += SL_UDP_HLEN;
		first = c->pos;
		if ((void *)(first + 1) > c->end)
			return SL_DECAP_DROP_INNER_BAD;
		/* variant 1: the first two bits are 01, the rest is the IP version */
		if ((*first >> 4) == 4)
			t->inner_v6 = 0;
		else if ((*first >> 4) == 6)
			t->inner_v6 = 1;
		else
			return SL_DECAP_DROP_INNER_BAD;
		t->stat = t->outer_v6 ? SL_DECAP_GUE6 : SL_DECAP_GUE4;
	} else {
		return SL_DECAP_PASS_NOT_TUNNEL;
	}
	first = c->pos;
	if (c->pos + (t->inner_v6 ? SL_IP6_HLEN : SL_IP4_HLEN) > c->end)
		return SL_DECAP_DROP_INNER_BAD;
	if ((*first >> 4) != (t->inner_v6 ? 6 : 4))
		return SL_DECAP_DROP_INNER_BAD;
	return 0;
}

/* Find the tunnel in the packet; 0 and @t filled, or a counter index. */
static __always_inline __u32 sl_decap_classify(struct __sk_buff *skb, struct sl_tunnel *t)
{
	struct sl_cursor c = {.pos = (void *)(long)skb->data, .end = (void *)(long)skb->data_end};
	struct sl_decap_local_key local = {};
	struct ethhdr *eth = c.pos;
	__u32 r;
	__u8 l4 = 0;

	if ((void *)(eth + 1) > c.end)
		return SL_DECAP_PASS_NOT_TUNNEL;
	c.pos = eth + 1;
	if (eth->h_proto == BE_ETH_P_IP) {
		struct iphdr *iph = 0;
		int pr = sl_parse_ip4(&c, &iph, &l4);

		if (pr == SL_PARSE_FRAGMENT && iph &&
		    (l4 == SL_IPPROTO_IPIP || l4 == SL_IPPROTO_IPV6 || l4 == SL_IPPROTO_UDP))
			return SL_DECAP_PASS_FRAGMENT;
		if (pr != SL_PARSE_OK || !iph)
			return SL_DECAP_PASS_NOT_TUNNEL;
		t->outer_v6 = 0;
		t->outer_len = iph->ihl * 4;
		local.addr32[2] = BE_IPV4_MAPPED;
		local.addr32[3] = iph->daddr;
	} else if (eth->h_proto == BE_ETH_P_IPV6) {
		struct ipv6hdr *ip6 = c.pos;

		/* the outer IPv6 header carries no extension headers in our tunnels */
		if ((void *)(ip6 + 1) > c.end || ip6->version != 6)
			return SL_DECAP_PASS_NOT_TUNNEL;
		c.pos = ip6 + 1;
		l4 = ip6->nexthdr;
		t->outer_v6 = 1;
		t->outer_len = SL_IP6_HLEN;
		__builtin_memcpy(local.addr, &ip6->daddr, 16);
	} else {
		return SL_DECAP_PASS_NOT_TUNNEL;
	}
	r = sl_decap_inner(&c, l4, t);
	if (r)
		return r;
	if (!bpf_map_lookup_elem(&sl_decap_local, &local))
		return SL_DECAP_PASS_NOT_LOCAL;
	return 0;
}

SEC("tc")
int sluice_decap(struct __sk_buff *skb)
{
	struct sl_tunnel t = {};
	__be16 inner_proto;
	__s32 strip;
	__u32 r;

	r = sl_decap_classify(skb, &t);
	if (r) {
		sl_decap_count(r);
		return r == SL_DECAP_DROP_INNER_BAD ? TC_ACT_SHOT : TC_ACT_OK;
	}
	strip = t.outer_len;
	inner_proto = t.inner_v6 ? BE_ETH_P_IPV6 : BE_ETH_P_IP;
	if (t.inner_v6 != t.outer_v6) {
		/* switches skb->protocol; grows (4->6) or shrinks (6->4) the L3 room */
		if (bpf_skb_change_proto(skb, inner_proto, 0))
			goto fail;
		strip += t.inner_v6 ? SL_FAMILY_DELTA : -SL_FAMILY_DELTA;
	}
	/* Debian's UAPI has no BPF_F_ADJ_ROOM_DECAP_*; flags 0 strips the bytes */
	if (bpf_skb_adjust_room(skb, -strip, BPF_ADJ_ROOM_MAC, 0))
		goto fail;
	if (t.inner_v6 != t.outer_v6 && bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto),
							    &inner_proto, sizeof(inner_proto), 0))
		goto fail;
	sl_decap_count(t.stat);
	return TC_ACT_OK;
fail:
	sl_decap_count(SL_DECAP_DROP_ADJUST);
	return TC_ACT_SHOT;
}
