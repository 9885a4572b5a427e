/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-pktgen's traffic model: which packet is number i of a run. A run
 * sends to one or more VIPs (one address family, one protocol) from
 * n_flows distinct flows; flow f has source port 1024 + f % 64000 and a
 * source address counted up from the family's base (198.18.0.0/15 or
 * 2001:2::/48) by f / 64000, and goes to VIP f % n_vips. A share of the
 * packets are bare SYNs (new connections), the rest ACKs (established).
 * Frames are built here, without DPDK, so the same bytes go to a pcap file
 * (replay benchmarks) or into mbufs (live generator), and the unit tests
 * check them. Sizes count the Ethernet FCS, as NIC datasheets do: a
 * "64-byte packet" is a 60-byte frame.
 */
#ifndef PG_FLOW_H
#define PG_FLOW_H

#include <stddef.h>
#include <stdint.h>

#define PG_MAX_VIPS 16
#define PG_MAX_FLOWS 16777216u	/* 2^24 distinct flows */
#define PG_PORTS_PER_SRC 64000u /* source ports 1024..65023 per source address */
#define PG_FCS_LEN 4
#define PG_MAX_FRAME 1514
#define PG_STAMP_MAGIC 0x534c5047u /* "SLPG": a payload stamp follows */
#define PG_STAMP_LEN 12		   /* magic (4) + TSC (8), the frame's last bytes */

struct pg_vip {
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
	uint16_t port;	  /* host order */
};

struct pg_spec {
	int af;	       /* 4 or 6 */
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	struct pg_vip vips[PG_MAX_VIPS];
	unsigned int n_vips;
	uint32_t n_flows;
	uint32_t size;	  /* wanted packet size with FCS */
	uint32_t syn_pct; /* 0..100: share of packets that are bare SYNs */
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
};

/* The 5-tuple's source side of flow @f. */
struct pg_flow {
	uint8_t src[16];
	uint16_t sport; /* host order */
	unsigned int vip;
};

/* Header bytes of the spec's frames (Ethernet + IP + L4), without payload. */
size_t pg_hdr_len(const struct pg_spec *s);

/* The frame length (without FCS) packets of @s have: max(size - FCS, headers). */
size_t pg_frame_len(const struct pg_spec *s);

/* 1 if frames of @s have room for a PG_STAMP_LEN stamp in the payload. */
int pg_has_stamp_room(const struct pg_spec *s);

/*
 * Check a spec: family, protocol, at least one VIP, 1..PG_MAX_FLOWS flows,
 * size <= PG_MAX_FRAME + FCS, syn_pct <= 100. Returns 0 or -EINVAL with
 * @why filled.
 */
int pg_spec_check(const struct pg_spec *s, char *why, size_t len);

void pg_flow_of(const struct pg_spec *s, uint32_t f, struct pg_flow *out);

/* Is packet @i of a run a bare SYN? Spreads syn_pct evenly: i*pct/100 steps. */
static inline int pg_is_syn(const struct pg_spec *s, uint64_t i)
{
	return (i * s->syn_pct) % 100 < s->syn_pct;
}

/*
 * Write packet @i of the run (flow i % n_flows) into @buf (at least
 * pg_frame_len() bytes): valid IP header and L4 checksums, payload zero
 * except a stamp (magic, @stamp) in the last PG_STAMP_LEN bytes when there
 * is room and @stamp is not 0. Returns the frame length.
 */
size_t pg_build(const struct pg_spec *s, uint64_t i, uint64_t stamp, uint8_t *buf);

/*
 * Read a stamp from the last PG_STAMP_LEN bytes of a frame (forwarded
 * frames keep the client's packet at their end, whatever was prepended).
 * Returns 1 and fills @stamp, or 0 if the frame carries none.
 */
int pg_read_stamp(const uint8_t *frame, size_t len, uint64_t *stamp);

/* Parse "a.b.c.d:port" or "[v6]:port" into @v; returns the family (4/6) or -EINVAL. */
int pg_parse_vip(const char *text, struct pg_vip *v);

/*
 * Write @n packets (0..n-1) of @s to the pcap file @path (microsecond
 * format, Ethernet). Returns 0 or a negative errno.
 */
int pg_write_pcap(const struct pg_spec *s, uint64_t n, const char *path);

#endif /* PG_FLOW_H */
