// SPDX-License-Identifier: BSD-3-Clause
/*
 * Loss for the lab, whose kernel has no netem: a tc classifier that drops
 * per_mille of the TCP segments with data that pass it (IPv4, and IPv6
 * without extension headers), at random. Handshakes, pure ACKs and other
 * traffic pass. Loaded and counted by sl_loss.c.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 per_mille = 10;

__u64 seen;    /* TCP segments with data */
__u64 dropped; /* of those, dropped */

SEC("tc")
int sl_loss(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct tcphdr *th;
	__u32 l3_len, hdr_len;

	if ((void *)(eth + 1) > end)
		return TC_ACT_OK;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP || ip->ihl < 5)
			return TC_ACT_OK;
		th = (void *)ip + ip->ihl * 4;
		l3_len = bpf_ntohs(ip->tot_len);
		hdr_len = ip->ihl * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_TCP)
			return TC_ACT_OK;
		th = (void *)(ip6 + 1);
		l3_len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
		hdr_len = sizeof(*ip6);
	} else {
		return TC_ACT_OK;
	}
	if ((void *)(th + 1) > end || l3_len <= hdr_len + th->doff * 4)
		return TC_ACT_OK;
	__sync_fetch_and_add(&seen, 1);
	if (bpf_get_prandom_u32() % 1000 >= per_mille)
		return TC_ACT_OK;
	__sync_fetch_and_add(&dropped, 1);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
