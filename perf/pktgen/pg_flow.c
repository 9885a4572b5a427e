/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-pktgen's frames (see pg_flow.h): flow numbering, the frame
 * builder with real checksums, the payload stamp and the pcap writer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "pg_flow.h"

#define ETH_LEN 14
#define IP4_LEN 20
#define IP6_LEN 40
#define TCP_LEN 20
#define UDP_LEN 8
#define TCP_SYN 0x02
#define TCP_ACK 0x10

/* the sources: 198.18.0.0/15 and 2001:2::/48 (the lab's ranges) */
static const uint8_t src4_base[4] = {198, 18, 0, 0};
static const uint8_t src6_base[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 0x10};

size_t pg_hdr_len(const struct pg_spec *s)
{
	return ETH_LEN + (s->af == 4 ? IP4_LEN : IP6_LEN) +
	       (s->proto == IPPROTO_TCP ? TCP_LEN : UDP_LEN);
}

size_t pg_frame_len(const struct pg_spec *s)
{
	size_t want = s->size > PG_FCS_LEN ? s->size - PG_FCS_LEN : 0;
	size_t hdr = pg_hdr_len(s);

	return want > hdr ? want : hdr;
}

int pg_has_stamp_room(const struct pg_spec *s)
{
	return pg_frame_len(s) - pg_hdr_len(s) >= PG_STAMP_LEN;
}

int pg_spec_check(const struct pg_spec *s, char *why, size_t len)
{
	if (s->af != 4 && s->af != 6)
		snprintf(why, len, "address family %d (4 or 6)", s->af);
	else if (s->proto != IPPROTO_TCP && s->proto != IPPROTO_UDP)
		snprintf(why, len, "protocol %u (tcp or udp)", s->proto);
	else if (s->n_vips == 0)
		snprintf(why, len, "no VIP (--vip ADDR:PORT)");
	else if (s->n_flows == 0 || s->n_flows > PG_MAX_FLOWS)
		snprintf(why, len, "%u flows (1 to %u)", s->n_flows, PG_MAX_FLOWS);
	else if (s->size > PG_MAX_FRAME + PG_FCS_LEN)
		snprintf(why, len, "packet size %u (at most %u)", s->size,
			 PG_MAX_FRAME + PG_FCS_LEN);
	else if (s->syn_pct > 100)
		snprintf(why, len, "SYN share %u %% (0 to 100)", s->syn_pct);
	else
		return 0;
	return -EINVAL;
}

void pg_flow_of(const struct pg_spec *s, uint32_t f, struct pg_flow *out)
{
	uint32_t host = f / PG_PORTS_PER_SRC + 1; /* .0 is not a host */

	out->sport = (uint16_t)(1024 + f % PG_PORTS_PER_SRC);
	out->vip = f % s->n_vips;
	memset(out->src, 0, sizeof(out->src));
	if (s->af == 4) {
		/* 198.18.0.0/15 holds 131070 hosts: 8.4 G flows, more than PG_MAX_FLOWS */
		uint32_t a = ((uint32_t)src4_base[0] << 24 | (uint32_t)src4_base[1] << 16) + host;

		out->src[0] = a >> 24;
		out->src[1] = a >> 16;
		out->src[2] = a >> 8;
		out->src[3] = a;
	} else {
		memcpy(out->src, src6_base, 16);
		out->src[12] = host >> 24;
		out->src[13] = host >> 16;
		out->src[14] = host >> 8;
		out->src[15] = host;
	}
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (; n > 1; n -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

size_t pg_build(const struct pg_spec *s, uint64_t i, uint64_t stamp, uint8_t *buf)
{
	size_t len = pg_frame_len(s), l3_len = len - ETH_LEN, ip_len, l4_len;
	int tcp = s->proto == IPPROTO_TCP;
	const struct pg_vip *vip;
	struct pg_flow fl;
	uint8_t *ip = buf + ETH_LEN, *l4;
	uint32_t sum;

	pg_flow_of(s, (uint32_t)(i % s->n_flows), &fl);
	vip = &s->vips[fl.vip];
	memset(buf, 0, len);
	memcpy(buf, s->dst_mac, 6);
	memcpy(buf + 6, s->src_mac, 6);
	if (s->af == 4) {
		put16(buf + 12, 0x0800);
		ip_len = IP4_LEN;
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)l3_len);
		put16(ip + 4, (uint16_t)i);
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = s->proto;
		memcpy(ip + 12, fl.src, 4);
		memcpy(ip + 16, vip->addr, 4);
		put16(ip + 10, fold(sum16(ip, IP4_LEN, 0)));
	} else {
		put16(buf + 12, 0x86dd);
		ip_len = IP6_LEN;
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)(l3_len - IP6_LEN));
		ip[6] = s->proto;
		ip[7] = 64;
		memcpy(ip + 8, fl.src, 16);
		memcpy(ip + 24, vip->addr, 16);
	}
	l4 = ip + ip_len;
	l4_len = l3_len - ip_len;
	put16(l4, fl.sport);
	put16(l4 + 2, vip->port);
	if (tcp) {
		put16(l4 + 4, (uint16_t)(i >> 16)); /* seq: anything stable */
		l4[12] = (TCP_LEN / 4) << 4;
		l4[13] = pg_is_syn(s, i) ? TCP_SYN : TCP_ACK;
		if (!pg_is_syn(s, i))
			put16(l4 + 10, 1); /* ack number 1 */
		put16(l4 + 14, 65535);
	} else {
		put16(l4 + 4, (uint16_t)l4_len);
	}
	if (stamp && l4_len - (tcp ? TCP_LEN : UDP_LEN) >= PG_STAMP_LEN) {
		uint8_t *st = buf + len - PG_STAMP_LEN;
		uint32_t magic = htonl(PG_STAMP_MAGIC);

		memcpy(st, &magic, 4);
		memcpy(st + 4, &stamp, 8); /* host order: read back by the same host */
	}
	/* L4 checksum over the pseudo-header */
	if (s->af == 4)
		sum = sum16(ip + 12, 8, 0);
	else
		sum = sum16(ip + 8, 32, 0);
	sum += s->proto + (uint32_t)l4_len;
	sum = sum16(l4, l4_len, sum);
	put16(l4 + (tcp ? 16 : 6), fold(sum) ? fold(sum) : (tcp ? 0 : 0xffff));
	return len;
}

int pg_read_stamp(const uint8_t *frame, size_t len, uint64_t *stamp)
{
	uint32_t magic;

	if (len < PG_STAMP_LEN)
		return 0;
	memcpy(&magic, frame + len - PG_STAMP_LEN, 4);
	if (magic != htonl(PG_STAMP_MAGIC))
		return 0;
	memcpy(stamp, frame + len - PG_STAMP_LEN + 4, 8);
	return 1;
}

int pg_parse_vip(const char *text, struct pg_vip *v)
{
	char host[64];
	const char *colon;
	char *end;
	unsigned long port;
	int af;

	memset(v, 0, sizeof(*v));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(close - text - 1), text + 1);
		colon = close + 1;
		af = 6;
	} else {
		colon = strrchr(text, ':');
		if (!colon || (size_t)(colon - text) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - text), text);
		af = 4;
	}
	if (inet_pton(af == 4 ? AF_INET : AF_INET6, host, v->addr) != 1)
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port == 0 || port > 65535)
		return -EINVAL;
	v->port = (uint16_t)port;
	return af;
}

int pg_write_pcap(const struct pg_spec *s, uint64_t n, const char *path)
{
	/* pcap global header: magic, v2.4, GMT offset 0, sigfigs 0, snaplen, LINKTYPE_ETHERNET */
	const uint32_t ghdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
	uint8_t frame[PG_MAX_FRAME];
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (!f)
		return -errno;
	if (fwrite(ghdr, sizeof(ghdr), 1, f) != 1)
		rc = -EIO;
	for (uint64_t i = 0; i < n && rc == 0; i++) {
		size_t len = pg_build(s, i, 0, frame);
		uint32_t rec[4] = {(uint32_t)(i / 1000000), (uint32_t)(i % 1000000), (uint32_t)len,
				   (uint32_t)len};

		if (fwrite(rec, sizeof(rec), 1, f) != 1 || fwrite(frame, len, 1, f) != 1)
			rc = -EIO;
	}
	if (fclose(f) && rc == 0)
		rc = -errno;
	return rc;
}
