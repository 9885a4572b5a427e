// SPDX-License-Identifier: BSD-3-Clause
/*
 * sluice_xdp: the steering program on every af_xdp port of sluice-dp. TCP and
 * UDP packets whose (destination, port, protocol) or (destination, any port,
 * protocol) is in sl_vips go to the AF_XDP socket of their RX queue; so do
 * fragments and ICMP errors (IPv4 types 3 and 11, ICMPv6 1-4) addressed to
 * a VIP address (its address entry in sl_vips), which carry no ports of
 * their own: the dataplane places them by their datagram or by the flow
 * they quote. The replies of full NAT come to a NAT source address (its
 * address entry in sl_vips): TCP and UDP within the source's port range, the
 * ICMP errors and the fragments addressed to it go to the dataplane (the
 * kernel holds none of those connections and would only answer them with
 * an RST or an unreachable), other ports of that address to the kernel.
 * All the rest goes to the kernel: ARP, ND and other ICMPv6,
 * the host's own traffic, malformed or truncated headers (the kernel
 * validates and drops them), packets over the parsers' limits. Nothing is
 * dropped here.
 *
 * Replies to sluiced's health checks go to the kernel even when they look
 * like VIP traffic: (destination, port, protocol) is looked up in sl_probes
 * first. A probe sent through the tunnel (sluice_probe, tc egress) talked to
 * the VIP; its reply comes from vip:vip_port and is rewritten here to come
 * from backend:backend_port, the peer the probe socket is connected to.
 * Every verdict has a counter in sl_xdp_stats.
 */
#include <linux/bpf.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>

#include "sl_bpf_types.h"
#include "sl_bpf_consts.h"
#include "sl_csum.h"
#include "sl_parse.h"
#include "sl_probe_maps.h"
#include "sl_xdp_maps.h"

_Static_assert(sizeof(struct sl_probe_key) == sizeof(struct sl_xdp_vip_key),
	       "a VIP key is looked up as a probe key");

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline void sl_xdp_count(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&sl_xdp_stats, &stat);

	if (v)
		*v += 1;
}

/* Where the headers of a TCP/UDP packet are, for the probe reply rewrite. */
struct sl_xdp_pkt {
	struct iphdr *ip4; /* one of ip4 and ip6 is set */
	struct ipv6hdr *ip6;
	void *l4; /* TCP or UDP header, at least its ports are in the packet */
	void *end;
};

/* Is the ICMP message at @pos (of @l4, within @end) an error that quotes a flow? */
static __always_inline int sl_xdp_icmp_error(void *pos, void *end, __u8 l4)
{
	__u8 *type = pos;

	if ((void *)(type + 1) > end)
		return 0;
	if (l4 == SL_IPPROTO_ICMP)
		return *type == SL_ICMP_DEST_UNREACH || *type == SL_ICMP_TIME_EXCEEDED;
	return *type >= 1 && *type <= SL_ICMP6_ERROR_MAX;
}

/*
 * Fill @key with the destination of a packet and @pkt with its headers.
 * Returns SL_XDP_REDIRECTED for TCP/UDP (look the VIP up),
 * SL_XDP_REDIRECTED_FRAGMENT or SL_XDP_REDIRECTED_ICMP for a fragment or an
 * ICMP error (look the address entry up; @key->proto is the fragment's
 * protocol), else the pass counter to bump.
 */
static __always_inline __u32 sl_xdp_classify(void *data, void *data_end, struct sl_xdp_vip_key *key,
					     struct sl_xdp_pkt *pkt)
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
		if ((r != SL_PARSE_OK && r != SL_PARSE_FRAGMENT) || !iph)
			return SL_XDP_PASS_TRUNCATED;
		key->addr32[2] = BE_IPV4_MAPPED;
		key->addr32[3] = iph->daddr;
		pkt->ip4 = iph;
		if (l4 == SL_IPPROTO_ICMP && r == SL_PARSE_OK)
			return sl_xdp_icmp_error(c.pos, c.end, l4) ? SL_XDP_REDIRECTED_ICMP
								   : SL_XDP_PASS_NOT_L4;
	} else if (proto == BE_ETH_P_IPV6) {
		struct ipv6hdr *ip6 = 0;

		r = sl_parse_ip6(&c, &ip6, &l4);
		if (r == SL_PARSE_TOO_DEEP)
			return SL_XDP_PASS_IP6_EXT_LIMIT;
		if ((r != SL_PARSE_OK && r != SL_PARSE_FRAGMENT) || !ip6)
			return SL_XDP_PASS_TRUNCATED;
		__builtin_memcpy(key->addr, &ip6->daddr, 16);
		pkt->ip6 = ip6;
		if (l4 == SL_IPPROTO_ICMPV6 && r == SL_PARSE_OK)
			return sl_xdp_icmp_error(c.pos, c.end, l4) ? SL_XDP_REDIRECTED_ICMP
								   : SL_XDP_PASS_ICMP6;
	} else {
		return SL_XDP_PASS_NON_IP;
	}
	if (r == SL_PARSE_FRAGMENT) {
		key->proto = l4;
		return SL_XDP_REDIRECTED_FRAGMENT;
	}
	if (l4 != SL_IPPROTO_TCP && l4 != SL_IPPROTO_UDP)
		return SL_XDP_PASS_NOT_L4;
	ports = c.pos;
	if ((void *)(ports + 1) > c.end)
		return SL_XDP_PASS_TRUNCATED;
	key->port = ports->dst;
	key->proto = l4;
	pkt->l4 = ports;
	pkt->end = data_end;
	return SL_XDP_REDIRECTED;
}

/*
 * A fragment or ICMP error (@stat) goes to the dataplane when its
 * destination is a VIP address (for a fragment: with a VIP of its protocol
 * there) or a NAT source: returns the redirect counter, or 0 when it is the
 * kernel's.
 */
static __always_inline __u32 sl_xdp_vip_address(struct sl_xdp_vip_key *key, __u32 stat)
{
	struct sl_xdp_vip_value *v;
	__u8 proto = key->proto;

	key->port = 0;
	key->proto = 0;
	v = bpf_map_lookup_elem(&sl_vips, key);
	if (!v)
		return 0;
	if (v->flags & SL_XDP_ADDR_F_NAT)
		return stat == SL_XDP_REDIRECTED_ICMP ? SL_XDP_REDIRECTED_NAT_ICMP
						      : SL_XDP_REDIRECTED_NAT_FRAGMENT;
	if (stat == SL_XDP_REDIRECTED_ICMP)
		return stat;
	if ((proto == SL_IPPROTO_TCP && (v->flags & SL_XDP_ADDR_F_TCP)) ||
	    (proto == SL_IPPROTO_UDP && (v->flags & SL_XDP_ADDR_F_UDP)))
		return stat;
	return 0;
}

/*
 * TCP/UDP to no VIP: to a NAT source within its ports it is a reply of
 * full NAT (REDIRECTED_NAT), outside them the host's (PASS_NAT_PORT);
 * to any other address the host's (PASS_HOST).
 */
static __always_inline __u32 sl_xdp_nat_source(struct sl_xdp_vip_key *key, __be16 dport)
{
	struct sl_xdp_vip_value *v;
	__u16 port = bpf_ntohs(dport);

	key->port = 0;
	key->proto = 0;
	v = bpf_map_lookup_elem(&sl_vips, key);
	if (!v || !(v->flags & SL_XDP_ADDR_F_NAT))
		return SL_XDP_PASS_HOST;
	if (port < v->nat_port_min || port > v->nat_port_max)
		return SL_XDP_PASS_NAT_PORT;
	return SL_XDP_REDIRECTED_NAT;
}

/*
 * A reply to a probe that went through the tunnel: from vip:vip_port, it
 * must reach the socket as coming from backend:backend_port. Returns the
 * counter: PASS_PROBE_TUNNEL when rewritten, PASS_PROBE when the packet is
 * not from the VIP (left as it is) or its checksum field is cut short.
 */
static __always_inline __u32 sl_xdp_probe_reverse(struct sl_xdp_pkt *pkt, __u8 l4,
						  const struct sl_probe_value *pv)
{
	struct sl_l4_ports *ports = pkt->l4;
	__sum16 *l4sum;
	int i, has_sum;

	if (l4 == SL_IPPROTO_TCP) {
		struct tcphdr *th = pkt->l4;

		if ((void *)(th + 1) > pkt->end)
			return SL_XDP_PASS_PROBE;
		l4sum = &th->check;
	} else {
		struct udphdr *uh = pkt->l4;

		if ((void *)(uh + 1) > pkt->end)
			return SL_XDP_PASS_PROBE;
		l4sum = &uh->check;
	}
	if (ports->src != pv->vip_port)
		return SL_XDP_PASS_PROBE;
	/* a zero UDP checksum over IPv4 means "none" and stays so */
	has_sum = l4 == SL_IPPROTO_TCP || pkt->ip6 || *l4sum;
	if (pkt->ip4) {
		struct iphdr *iph = pkt->ip4;

		if (iph->saddr != pv->vip32[3])
			return SL_XDP_PASS_PROBE;
		sl_csum_replace4(&iph->check, iph->saddr, pv->backend32[3]);
		if (has_sum)
			sl_csum_replace4(l4sum, iph->saddr, pv->backend32[3]);
		iph->saddr = pv->backend32[3];
	} else if (pkt->ip6) {
		struct ipv6hdr *ip6 = pkt->ip6;
		__be32 *src = ip6->saddr.in6_u.u6_addr32;

		if (src[0] != pv->vip32[0] || src[1] != pv->vip32[1] || src[2] != pv->vip32[2] ||
		    src[3] != pv->vip32[3])
			return SL_XDP_PASS_PROBE;
#pragma unroll
		for (i = 0; i < 4; i++) {
			sl_csum_replace4(l4sum, src[i], pv->backend32[i]);
			src[i] = pv->backend32[i];
		}
	} else {
		return SL_XDP_PASS_PROBE;
	}
	if (has_sum)
		sl_csum_replace2(l4sum, ports->src, pv->backend_port);
	if (l4 == SL_IPPROTO_UDP && has_sum && !*l4sum)
		*l4sum = 0xffff; /* RFC 768: a computed zero is sent as all ones */
	ports->src = pv->backend_port;
	return SL_XDP_PASS_PROBE_TUNNEL;
}

SEC("xdp")
int sluice_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sl_xdp_vip_key key = {};
	struct sl_xdp_pkt pkt = {};
	struct sl_probe_value *pv;
	__u32 stat;
	int verdict;

	stat = sl_xdp_classify(data, data_end, &key, &pkt);
	if (stat == SL_XDP_REDIRECTED_FRAGMENT || stat == SL_XDP_REDIRECTED_ICMP) {
		__u32 to = sl_xdp_vip_address(&key, stat);

		if (to) {
			stat = to;
			goto redirect;
		}
		stat = stat == SL_XDP_REDIRECTED_FRAGMENT ? SL_XDP_PASS_FRAGMENT
		       : pkt.ip4			  ? SL_XDP_PASS_NOT_L4
							  : SL_XDP_PASS_ICMP6;
		goto pass;
	}
	if (stat != SL_XDP_REDIRECTED)
		goto pass;
	/* a probe socket's 4-tuple wins over a VIP with the same address and port */
	pv = bpf_map_lookup_elem(&sl_probes, &key);
	if (pv) {
		stat = SL_XDP_PASS_PROBE;
		if (pv->flags & SL_PROBE_F_TUNNEL)
			stat = sl_xdp_probe_reverse(&pkt, key.proto, pv);
		goto pass;
	}
	if (!bpf_map_lookup_elem(&sl_vips, &key)) {
		__be16 dport = key.port;

		key.port = 0; /* the VIP's any-port entry */
		if (!bpf_map_lookup_elem(&sl_vips, &key)) {
			stat = sl_xdp_nat_source(&key, dport);
			if (stat != SL_XDP_REDIRECTED_NAT)
				goto pass;
		}
	}
redirect:
	/* with no socket on this queue the helper returns the fallback, XDP_PASS */
	verdict = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
	sl_xdp_count(verdict == XDP_REDIRECT ? stat : SL_XDP_PASS_NO_XSK);
	return verdict;
pass:
	sl_xdp_count(stat);
	return XDP_PASS;
}
