// SPDX-License-Identifier: BSD-3-Clause
/*
 * sluice_xdp: the steering program on every af_xdp port of sluice-dp. TCP and
 * UDP packets whose (destination, port, protocol) or (destination, any port,
 * protocol) is in sl_vips go to the AF_XDP socket of their RX queue; all the
 * rest (ARP, ND and other ICMPv6, the host's own traffic, health-check
 * replies) goes to the kernel. Fragments are passed too: without ports they
 * cannot be matched, the dataplane would only drop them, and the kernel
 * reassembles what is addressed to it and drops the rest. Malformed or
 * truncated headers are passed as well (the kernel validates and drops them);
 * nothing is dropped here. Every verdict has a counter in sl_xdp_stats.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sl_bpf_types.h"
#include "sl_bpf_consts.h"
#include "sl_parse.h"
#include "sl_xdp_maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline void sl_xdp_count(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&sl_xdp_stats, &stat);

	if (v)
		*v += 1;
}

/* Fill @key with the destination of a TCP/UDP packet; SL_XDP_REDIRECTED if it is one. */
static __always_inline __u32 sl_xdp_classify(void *data, void *data_end,
					     struct sl_xdp_vip_key *key)
{
	struct sl_cursor c = {.pos = data, .end = data_end};
	struct sl_l4_ports *ports;
	__be16 proto;
	__u8 l4 = 0;
	int r;

	if (sl_parse_eth(&c, &proto) != SL_PARSE_OK)
		return SL_XDP_PASS_TRUNCATED;
	if (proto == BE_ETH_P_IP) {
		struct iphdr *iph = 0;

		r = sl_parse_ip4(&c, &iph, &l4);
		if (r == SL_PARSE_FRAGMENT)
			return SL_XDP_PASS_FRAGMENT;
		if (r != SL_PARSE_OK || !iph)
			return SL_XDP_PASS_TRUNCATED;
		key->addr32[2] = BE_IPV4_MAPPED;
		key->addr32[3] = iph->daddr;
	} else if (proto == BE_ETH_P_IPV6) {
		struct ipv6hdr *ip6 = 0;

		r = sl_parse_ip6(&c, &ip6, &l4);
		if (r == SL_PARSE_FRAGMENT)
			return SL_XDP_PASS_FRAGMENT;
		if (r == SL_PARSE_TOO_DEEP)
			return SL_XDP_PASS_NOT_L4;
		if (r != SL_PARSE_OK || !ip6)
			return SL_XDP_PASS_TRUNCATED;
		if (l4 == SL_IPPROTO_ICMPV6)
			return SL_XDP_PASS_ICMP6;
		__builtin_memcpy(key->addr, &ip6->daddr, 16);
	} else {
		return SL_XDP_PASS_NON_IP;
	}
	if (l4 != SL_IPPROTO_TCP && l4 != SL_IPPROTO_UDP)
		return SL_XDP_PASS_NOT_L4;
	ports = c.pos;
	if ((void *)(ports + 1) > c.end)
		return SL_XDP_PASS_TRUNCATED;
	key->port = ports->dst;
	key->proto = l4;
	return SL_XDP_REDIRECTED;
}

SEC("xdp")
int sluice_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sl_xdp_vip_key key = {};
	__u32 stat;
	int verdict;

	stat = sl_xdp_classify(data, data_end, &key);
	if (stat != SL_XDP_REDIRECTED)
		goto pass;
	if (!bpf_map_lookup_elem(&sl_vips, &key)) {
		key.port = 0; /* the VIP's any-port entry */
		if (!bpf_map_lookup_elem(&sl_vips, &key)) {
			stat = SL_XDP_PASS_HOST;
			goto pass;
		}
	}
	/* with no socket on this queue the helper returns the fallback, XDP_PASS */
	verdict = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
	sl_xdp_count(verdict == XDP_REDIRECT ? SL_XDP_REDIRECTED : SL_XDP_PASS_NO_XSK);
	return verdict;
pass:
	sl_xdp_count(stat);
	return XDP_PASS;
}
