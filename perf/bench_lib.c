/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "bench_lib.h"
#include "sl_shm.h"

int bench_cfg_init(struct cfg *c, uint32_t max_vips, uint32_t max_pools)
{
	memset(c, 0, sizeof(*c));
	c->vips = calloc(max_vips, sizeof(*c->vips));
	c->pools = calloc(max_pools, sizeof(*c->pools));
	if (!c->vips || !c->pools) {
		bench_cfg_free(c);
		return -ENOMEM;
	}
	c->controlplane.publish_timeout_ms = 1000;
	return 0;
}

void bench_cfg_free(struct cfg *c)
{
	for (uint32_t i = 0; c->pools && i < c->n_pools; i++)
		free(c->pools[i].backends);
	for (uint32_t i = 0; c->vips && i < c->n_vips; i++)
		free(c->vips[i].http.routes);
	free(c->pools);
	free(c->vips);
	memset(c, 0, sizeof(*c));
}

struct cfg_pool *bench_cfg_pool(struct cfg *c, const char *name, uint32_t n, uint8_t af,
				uint32_t first)
{
	struct cfg_pool *p = &c->pools[c->n_pools];

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->backends = calloc(n ? n : 1, sizeof(*p->backends));
	if (!p->backends)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		struct cfg_backend *b = &p->backends[i];
		uint32_t k = first + i;

		b->af = af;
		if (af == SL_AF_INET) {
			sl_addr_from_v4(&b->addr, htonl((198u << 24 | 18u << 16 | 32u << 8) + k));
		} else {
			inet_pton(AF_INET6, "2001:2:0:1::", b->addr.a8);
			b->addr.a8[12] = (uint8_t)((k + 1) >> 24);
			b->addr.a8[13] = (uint8_t)((k + 1) >> 16);
			b->addr.a8[14] = (uint8_t)((k + 1) >> 8);
			b->addr.a8[15] = (uint8_t)(k + 1);
		}
		b->weight = 1;
		snprintf(b->name, sizeof(b->name), "%s-%u", name, i);
	}
	p->n_backends = n;
	p->panic_threshold = 0;
	c->n_pools++;
	return p;
}

struct cfg_vip *bench_cfg_vip(struct cfg *c, const char *name, const char *addr, uint16_t port,
			      uint8_t proto, uint8_t mode, uint8_t encap, const char *pool)
{
	struct cfg_vip *v = &c->vips[c->n_vips];
	uint32_t v4;

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	if (inet_pton(AF_INET, addr, &v4) == 1) {
		sl_addr_from_v4(&v->addr, v4);
		v->af = SL_AF_INET;
	} else if (inet_pton(AF_INET6, addr, v->addr.a8) == 1) {
		v->af = SL_AF_INET6;
	} else {
		return NULL;
	}
	v->port = port;
	v->proto = proto;
	v->mode = mode;
	v->encap = encap;
	v->gue_port = 6080;
	snprintf(v->pool, sizeof(v->pool), "%s", pool);
	if (mode == SL_MODE_HTTP) {
		v->synproxy = 1;
		v->http.head_max = 8192;
		v->http.head_timeout_ms = 5000;
	}
	c->n_vips++;
	return v;
}

int bench_cfg_route(struct cfg_vip *v, const char *path, const char *pool)
{
	struct cfg_http *h = &v->http;
	struct cfg_route *r = realloc(h->routes, (h->n_routes + 1) * sizeof(*r));
	const char *why = NULL;

	if (!r)
		return -ENOMEM;
	h->routes = r;
	r += h->n_routes;
	memset(r, 0, sizeof(*r));
	if (sl_route_key_make(NULL, path, &r->key, &why))
		return -EINVAL;
	snprintf(r->pool, sizeof(r->pool), "%s", pool);
	h->n_routes++;
	return 0;
}

int bench_nexthop(void *ctx, const struct sl_addr *addr, struct cp_nexthop *nh)
{
	static const uint8_t mac[6] = {2, 0, 0, 0, 1, 1};
	uint8_t af;

	(void)ctx;
	memset(nh, 0, sizeof(*nh));
	nh->tx_port = BENCH_TX_PORT;
	memcpy(nh->mac, mac, 6);
	af = sl_addr_is_v4(addr) ? SL_AF_INET : SL_AF_INET6;
	if (af == SL_AF_INET)
		sl_addr_from_v4(&nh->src, htonl(198u << 24 | 18u << 16 | 31u << 8 | 1u));
	else
		inet_pton(AF_INET6, "2001:2:0:1::ffff", nh->src.a8);
	return 0;
}

uint32_t bench_frame(uint8_t *f, size_t cap, const struct bench_flow *fl, const uint8_t dst_mac[6])
{
	static const uint8_t client_mac[6] = {2, 0, 0, 0, 0, 0xc1};
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	uint32_t l4_hlen = fl->proto == IPPROTO_TCP ? 20u + fl->olen : 8,
		 len = fl->frame_len < 60 ? 60 : fl->frame_len;
	const uint8_t *smac = fl->smac ? fl->smac : client_mac;
	uint32_t v4s, v4d, l3_hlen, l4_len;
	uint8_t *l4;
	int v4 = inet_pton(AF_INET, fl->src, &v4s) == 1;

	l3_hlen = v4 ? 20 : 40;
	if (len < 14 + l3_hlen + l4_hlen + fl->dlen)
		len = 14 + l3_hlen + l4_hlen + fl->dlen;
	if (len > cap)
		return 0;
	memset(f, 0, len);
	memcpy(&eth->dst_addr, dst_mac, 6);
	memcpy(&eth->src_addr, smac, 6);
	/* frame_len 0: the IP packet ends with the data, the frame is padded after it */
	l4_len = fl->frame_len ? len - 14 - l3_hlen : l4_hlen + fl->dlen;
	l4 = f + 14 + l3_hlen;
	if (fl->dlen)
		memcpy(l4 + l4_hlen, fl->data, fl->dlen);
	if (fl->proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4;

		t->src_port = htons(fl->sport);
		t->dst_port = htons(fl->dport);
		if (fl->seq || fl->ack) {
			t->sent_seq = htonl(fl->seq);
			t->recv_ack = htonl(fl->ack);
		} else {
			t->sent_seq = htonl(1);
			t->recv_ack = htonl(fl->tcp_flags & RTE_TCP_ACK_FLAG ? 1 : 0);
		}
		t->data_off = (uint8_t)(l4_hlen / 4 << 4);
		if (fl->olen)
			memcpy(t + 1, fl->opt, fl->olen);
		t->tcp_flags = fl->tcp_flags;
		t->rx_win = htons(0xffff);
	} else {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;

		u->src_port = htons(fl->sport);
		u->dst_port = htons(fl->dport);
		u->dgram_len = htons((uint16_t)l4_len);
	}
	if (v4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

		if (inet_pton(AF_INET, fl->dst, &v4d) != 1)
			return 0;
		eth->ether_type = htons(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = 0x45;
		ip->total_length = htons((uint16_t)(20 + l4_len));
		ip->fragment_offset = htons(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = fl->proto;
		ip->src_addr = v4s;
		ip->dst_addr = v4d;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (fl->proto == IPPROTO_TCP)
			((struct rte_tcp_hdr *)l4)->cksum = rte_ipv4_udptcp_cksum(ip, l4);
		else
			((struct rte_udp_hdr *)l4)->dgram_cksum = rte_ipv4_udptcp_cksum(ip, l4);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(f + 14);

		if (inet_pton(AF_INET6, fl->src, ip->src_addr) != 1 ||
		    inet_pton(AF_INET6, fl->dst, ip->dst_addr) != 1)
			return 0;
		eth->ether_type = htons(RTE_ETHER_TYPE_IPV6);
		ip->vtc_flow = htonl(6u << 28);
		ip->payload_len = htons((uint16_t)l4_len);
		ip->proto = fl->proto;
		ip->hop_limits = 64;
		if (fl->proto == IPPROTO_TCP)
			((struct rte_tcp_hdr *)l4)->cksum = rte_ipv6_udptcp_cksum(ip, l4);
		else
			((struct rte_udp_hdr *)l4)->dgram_cksum = rte_ipv6_udptcp_cksum(ip, l4);
	}
	return len;
}

FILE *bench_pcap_open(const char *path)
{
	const uint32_t hdr[6] = {0xa1b2c3d4u, 2u | 4u << 16, 0, 0, 65535, 1};
	FILE *f = fopen(path, "wb");

	if (f && fwrite(hdr, sizeof(hdr), 1, f) != 1) {
		fclose(f);
		return NULL;
	}
	return f;
}

int bench_pcap_add(FILE *f, const uint8_t *frame, uint32_t len)
{
	const uint32_t rec[4] = {0, 0, len, len};

	if (fwrite(rec, sizeof(rec), 1, f) != 1 || fwrite(frame, len, 1, f) != 1)
		return -EIO;
	return 0;
}
