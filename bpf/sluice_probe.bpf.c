// SPDX-License-Identifier: BSD-3-Clause
/*
 * sluice_probe: tc egress (cls_bpf, direct action) on an interface the
 * dataplane owns, so a health check of a tunnel-mode VIP takes the path a
 * client's packet takes. sluiced's probe socket is connected to the
 * backend's own address (normal route and neighbour) and carries SO_MARK
 * sl_probe_mark; for a marked TCP/UDP packet whose (source, source port,
 * protocol) is in sl_probes with SL_PROBE_F_TUNNEL, this program rewrites
 * the destination backend:backend_port to vip:vip_port (IP and L4
 * checksums fixed incrementally, CHECKSUM_PARTIAL included) and puts an
 * outer IPv4/IPv6 header (+ UDP for GUE variant 1) towards the backend in
 * front, as the dataplane does for clients: the backend's decapsulation
 * and the VIP on its loopback answer, or nobody does. The outer source is
 * the probe's own source, so the reply (from the VIP, straight back) comes
 * in through sluice_xdp, which turns it back into the socket's 4-tuple.
 *
 * Everything else leaves untouched. Only untagged Ethernet is handled (the
 * kernel keeps egress VLAN tags in skb metadata). The outer UDP checksum of
 * GUE is zero, over IPv6 too (RFC 6935: allowed for tunnels; the backend's
 * sluice_decap does not check outer checksums).
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "sl_bpf_types.h"
#include "sl_bpf_consts.h"
#include "sl_csum.h"
#include "sl_probe_maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* skb->mark of the probes to look at; set through the skeleton before load */
const volatile __u32 sl_probe_mark = SL_PROBE_MARK;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_PROBE_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sl_probe_stats SEC(".maps");

#define SL_L3_OFF ((__u32)sizeof(struct ethhdr))
#define SL_GUE_SPORT_BASE 0x8000 /* outer UDP source ports 32768-65535, as the dataplane's */

struct sl_outer4 {
	struct iphdr ip;
	struct udphdr udp;
} __attribute__((packed));

struct sl_outer6 {
	struct ipv6hdr ip;
	struct udphdr udp;
} __attribute__((packed));

static __always_inline void sl_probe_count(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&sl_probe_stats, &stat);

	if (v)
		*v += 1;
}

/* What the parse found: where the headers are and what the outer header needs. */
struct sl_probe_pkt {
	__u32 l4_off;
	__u32 csum_off; /* of the L4 checksum */
	__u16 l3_len;	/* the whole IP packet: what goes inside the tunnel */
	__u8 v6;
	__u8 proto;
	__u8 tos;	/* IPv4 TOS or IPv6 traffic class, copied to the outer header */
	__be16 ip_id;	/* IPv4 */
	__be16 frag_df; /* IPv4 DF bit as on the inner header */
	__be16 dport;
	__be32 daddr[4]; /* destination, as in the value (IPv4 in [3]) */
};

/*
 * Parse a marked packet into @pp and @key (its source); 0, or the pass
 * counter for packets that are not a candidate.
 */
static __always_inline __u32 sl_probe_parse(struct __sk_buff *skb, struct sl_probe_pkt *pp,
					    struct sl_probe_key *key)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct sl_l4_ports *ports;
	__u32 hlen;

	if ((void *)(eth + 1) > end)
		return SL_PROBE_PASS_NOT_PROBE;
	if (eth->h_proto == BE_ETH_P_IP) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > end || iph->version != 4 || iph->ihl < 5)
			return SL_PROBE_PASS_NOT_PROBE;
		if (iph->frag_off & BE_IP_MF_OFFSET)
			return SL_PROBE_PASS_NOT_PROBE;
		hlen = iph->ihl * 4;
		pp->proto = iph->protocol;
		pp->l3_len = bpf_ntohs(iph->tot_len);
		pp->tos = iph->tos;
		pp->ip_id = iph->id;
		pp->frag_df = iph->frag_off & bpf_htons(0x4000);
		pp->daddr[3] = iph->daddr;
		key->addr32[2] = BE_IPV4_MAPPED;
		key->addr32[3] = iph->saddr;
	} else if (eth->h_proto == BE_ETH_P_IPV6) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		/* our own sockets send no extension headers */
		if ((void *)(ip6 + 1) > end || ip6->version != 6)
			return SL_PROBE_PASS_NOT_PROBE;
		hlen = SL_IP6_HLEN;
		pp->v6 = 1;
		pp->proto = ip6->nexthdr;
		pp->l3_len = bpf_ntohs(ip6->payload_len) + SL_IP6_HLEN;
		pp->tos = (ip6->priority << 4) | (ip6->flow_lbl[0] >> 4);
		__builtin_memcpy(pp->daddr, &ip6->daddr, 16);
		__builtin_memcpy(key->addr, &ip6->saddr, 16);
	} else {
		return SL_PROBE_PASS_NOT_PROBE;
	}
	if (pp->proto != SL_IPPROTO_TCP && pp->proto != SL_IPPROTO_UDP)
		return SL_PROBE_PASS_NOT_PROBE;
	pp->l4_off = SL_L3_OFF + hlen;
	pp->csum_off = pp->l4_off + (pp->proto == SL_IPPROTO_TCP ? offsetof(struct tcphdr, check)
								 : offsetof(struct udphdr, check));
	ports = data + pp->l4_off;
	if ((void *)(ports + 1) > end)
		return SL_PROBE_PASS_NOT_PROBE;
	pp->dport = ports->dst;
	key->port = ports->src;
	key->proto = pp->proto;
	return 0;
}

/* Destination backend:backend_port -> vip:vip_port, checksums included. */
static __always_inline int sl_probe_rewrite(struct __sk_buff *skb, const struct sl_probe_pkt *pp,
					    const struct sl_probe_value *pv)
{
	/* UDP: a zero checksum stays zero (IPv4 "none"), a computed zero is sent as 0xffff */
	__u64 mangled = pp->proto == SL_IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	__u32 daddr_off;
	int i;

	if (!pp->v6) {
		daddr_off = SL_L3_OFF + offsetof(struct iphdr, daddr);
		if (bpf_l4_csum_replace(skb, pp->csum_off, pp->daddr[3], pv->vip32[3],
					BPF_F_PSEUDO_HDR | mangled | 4) ||
		    bpf_l3_csum_replace(skb, SL_L3_OFF + offsetof(struct iphdr, check),
					pp->daddr[3], pv->vip32[3], 4) ||
		    bpf_skb_store_bytes(skb, daddr_off, &pv->vip32[3], 4, 0))
			return -1;
	} else {
		daddr_off = SL_L3_OFF + offsetof(struct ipv6hdr, daddr);
#pragma unroll
		for (i = 0; i < 4; i++)
			if (bpf_l4_csum_replace(skb, pp->csum_off, pp->daddr[i], pv->vip32[i],
						BPF_F_PSEUDO_HDR | mangled | 4))
				return -1;
		if (bpf_skb_store_bytes(skb, daddr_off, pv->vip, 16, 0))
			return -1;
	}
	if (pv->vip_port != pv->backend_port &&
	    (bpf_l4_csum_replace(skb, pp->csum_off, pv->backend_port, pv->vip_port, mangled | 2) ||
	     bpf_skb_store_bytes(skb, pp->l4_off + offsetof(struct udphdr, dest), &pv->vip_port, 2,
				 0)))
		return -1;
	return 0;
}

/* Outer header towards the backend in front of the IP packet; 0 or -1. */
static __always_inline int sl_probe_encap(struct __sk_buff *skb, const struct sl_probe_pkt *pp,
					  const struct sl_probe_key *key,
					  const struct sl_probe_value *pv)
{
	int gue = pv->encap == SL_PROBE_ENCAP_GUE;
	__be16 sport = bpf_htons(SL_GUE_SPORT_BASE | bpf_ntohs(key->port));
	__u64 flags = gue ? BPF_F_ADJ_ROOM_ENCAP_L4_UDP : 0;
	__u32 ulen = gue ? sizeof(struct udphdr) : 0;

	if (!pp->v6) {
		struct sl_outer4 o = {};
		__u32 olen = sizeof(o.ip) + ulen;

		o.ip.version = 4;
		o.ip.ihl = 5;
		o.ip.tos = pp->tos;
		o.ip.tot_len = bpf_htons(pp->l3_len + olen);
		o.ip.id = pp->ip_id;
		o.ip.frag_off = pp->frag_df;
		o.ip.ttl = SL_PROBE_TUNNEL_TTL;
		o.ip.protocol = gue ? SL_IPPROTO_UDP : SL_IPPROTO_IPIP;
		o.ip.saddr = key->addr32[3];
		o.ip.daddr = pv->backend32[3];
		o.ip.check = sl_csum_ip4(&o.ip);
		o.udp.source = sport;
		o.udp.dest = pv->gue_port;
		o.udp.len = bpf_htons(pp->l3_len + sizeof(o.udp));
		if (bpf_skb_adjust_room(skb, olen, BPF_ADJ_ROOM_MAC,
					flags | BPF_F_ADJ_ROOM_ENCAP_L3_IPV4))
			return -1;
		return bpf_skb_store_bytes(skb, SL_L3_OFF, &o, olen, 0) ? -1 : 0;
	} else {
		struct sl_outer6 o = {};
		__u32 olen = sizeof(o.ip) + ulen;
		/* flow label from the probe's port, as the dataplane's from the flow hash */
		__u32 label = bpf_ntohs(key->port);

		o.ip.version = 6;
		o.ip.priority = pp->tos >> 4;
		o.ip.flow_lbl[0] = (pp->tos & 0x0f) << 4 | (label >> 16 & 0x0f);
		o.ip.flow_lbl[1] = label >> 8 & 0xff;
		o.ip.flow_lbl[2] = label & 0xff;
		o.ip.payload_len = bpf_htons(pp->l3_len + ulen);
		o.ip.nexthdr = gue ? SL_IPPROTO_UDP : SL_IPPROTO_IPV6;
		o.ip.hop_limit = SL_PROBE_TUNNEL_TTL;
		__builtin_memcpy(&o.ip.saddr, key->addr, 16);
		__builtin_memcpy(&o.ip.daddr, pv->backend, 16);
		o.udp.source = sport;
		o.udp.dest = pv->gue_port;
		o.udp.len = o.ip.payload_len;
		if (bpf_skb_adjust_room(skb, olen, BPF_ADJ_ROOM_MAC,
					flags | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6))
			return -1;
		return bpf_skb_store_bytes(skb, SL_L3_OFF, &o, olen, 0) ? -1 : 0;
	}
}

SEC("tc")
int sluice_probe(struct __sk_buff *skb)
{
	struct sl_probe_pkt pp = {};
	struct sl_probe_key key = {};
	struct sl_probe_value *pv;
	__u32 stat;
	int v4_entry;

	if (skb->mark != sl_probe_mark) {
		sl_probe_count(SL_PROBE_PASS_UNMARKED);
		return TC_ACT_OK;
	}
	stat = sl_probe_parse(skb, &pp, &key);
	if (stat)
		goto pass;
	pv = bpf_map_lookup_elem(&sl_probes, &key);
	if (!pv) {
		stat = SL_PROBE_PASS_NOT_PROBE;
		goto pass;
	}
	if (!(pv->flags & SL_PROBE_F_TUNNEL)) {
		stat = SL_PROBE_PASS_DIRECT;
		goto pass;
	}
	if (pp.dport != pv->backend_port || pp.daddr[3] != pv->backend32[3] ||
	    (pp.v6 && (pp.daddr[0] != pv->backend32[0] || pp.daddr[1] != pv->backend32[1] ||
		       pp.daddr[2] != pv->backend32[2]))) {
		stat = SL_PROBE_PASS_OTHER_DST;
		goto pass;
	}
	/* the inner packet keeps its family: the VIP must have the probe's */
	v4_entry = !pv->vip32[0] && !pv->vip32[1] && pv->vip32[2] == BE_IPV4_MAPPED;
	if (v4_entry == pp.v6 ||
	    (pv->encap != SL_PROBE_ENCAP_IPIP && pv->encap != SL_PROBE_ENCAP_GUE)) {
		sl_probe_count(SL_PROBE_DROP_BAD_ENTRY);
		return TC_ACT_SHOT;
	}
	if (sl_probe_rewrite(skb, &pp, pv)) {
		sl_probe_count(SL_PROBE_DROP_REWRITE);
		return TC_ACT_SHOT;
	}
	if (sl_probe_encap(skb, &pp, &key, pv)) {
		sl_probe_count(SL_PROBE_DROP_ADJUST);
		return TC_ACT_SHOT;
	}
	sl_probe_count(pv->encap == SL_PROBE_ENCAP_GUE ? SL_PROBE_TUNNEL_GUE
						       : SL_PROBE_TUNNEL_IPIP);
	return TC_ACT_OK;
pass:
	sl_probe_count(stat);
	return TC_ACT_OK;
}
