/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared-memory layout and validation. Both processes run these checks: the
 * dataplane before following a header or a table, sluiced before taking
 * over a segment left by its predecessor, sluicectl before printing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "sl_hash.h"
#include "sl_shm.h"
#include "sl_why.h"

#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((uint64_t)(a)-1))

uint64_t sl_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h0 = 0x736c756963652d31ull, h1 = len, w0, w1;

	/* two independent lanes: ~2 bytes/cycle, enough for tens of MB per publish */
	for (; len >= 16; len -= 16, b += 16) {
		memcpy(&w0, b, 8);
		memcpy(&w1, b + 8, 8);
		h0 = sl_hash_word(h0, w0);
		h1 = sl_hash_word(h1, w1);
	}
	return sl_hash_mix(h0 ^ sl_hash_bytes(b, len, h1));
}

static uint64_t geometry_checksum(const struct sl_shm_header *h)
{
	return sl_checksum(h, offsetof(struct sl_shm_header, geometry_checksum));
}

static int is_prime(uint32_t n)
{
	if (n < 2)
		return 0;
	for (uint32_t d = 2; (uint64_t)d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

static uint64_t slot_bytes(const struct sl_shm_header *h)
{
	uint64_t b = sl_slot_maglev_offset(h);

	b += (uint64_t)h->max_pools * h->maglev_size * sizeof(uint32_t);
	return ALIGN_UP(b, SL_CACHE_LINE);
}

static uint64_t worker_stats_bytes(const struct sl_shm_header *h)
{
	uint64_t b = sl_stats_http_offset(h);

	b += (uint64_t)h->max_vips * sizeof(struct sl_http_counter);
	b += (uint64_t)h->max_routes * sizeof(struct sl_route_counter);
	return ALIGN_UP(b, SL_CACHE_LINE);
}

struct limit {
	const char *name;
	uint32_t value, min, max;
};

static int check_limits(const struct limit *l, size_t n, char *why, size_t why_len)
{
	for (size_t i = 0; i < n; i++)
		if (l[i].value < l[i].min || l[i].value > l[i].max)
			return sl_why(why, why_len, -ERANGE, "%s %u out of range [%u, %u]",
				      l[i].name, l[i].value, l[i].min, l[i].max);
	return 0;
}

static int check_geometry(const struct sl_shm_geometry *g, char *why, size_t why_len)
{
	const struct limit l[] = {
		{"max_workers", g->max_workers, 1, SL_MAX_WORKERS_LIMIT},
		{"max_ports", g->max_ports, 1, SL_MAX_PORTS_LIMIT},
		{"max_vips", g->max_vips, 1, SL_MAX_VIPS_LIMIT},
		{"max_pools", g->max_pools, 1, SL_MAX_POOLS_LIMIT},
		{"max_backends", g->max_backends, 1, SL_MAX_BACKENDS_LIMIT},
		{"maglev_size", g->maglev_size, SL_MAGLEV_SIZE_MIN, SL_MAGLEV_SIZE_MAX},
		{"max_nat_sources", g->max_nat_sources, 0, SL_MAX_NAT_SOURCES_LIMIT},
		{"max_routes", g->max_routes, 0, SL_MAX_ROUTES_LIMIT},
		{"ev_ring_size", g->ev_ring_size, 0, SL_EV_RING_MAX},
	};
	int rc = check_limits(l, sizeof(l) / sizeof(l[0]), why, why_len);

	if (rc)
		return rc;
	if (!is_prime(g->maglev_size))
		return sl_why(why, why_len, -ERANGE, "maglev_size %u is not prime", g->maglev_size);
	if (g->ev_ring_size &&
	    (g->ev_ring_size < SL_EV_RING_MIN || (g->ev_ring_size & (g->ev_ring_size - 1))))
		return sl_why(why, why_len, -ERANGE,
			      "ev_ring_size %u is not 0 or a power of two of at least %u",
			      g->ev_ring_size, SL_EV_RING_MIN);
	return 0;
}

void sl_shm_geometry_of(const struct sl_shm_header *h, struct sl_shm_geometry *g)
{
	g->max_workers = h->max_workers;
	g->max_ports = h->max_ports;
	g->max_vips = h->max_vips;
	g->max_pools = h->max_pools;
	g->max_backends = h->max_backends;
	g->maglev_size = h->maglev_size;
	g->max_nat_sources = h->max_nat_sources;
	g->max_routes = h->max_routes;
	g->ev_ring_size = h->ev_ring_size;
}

int sl_shm_layout(const struct sl_shm_geometry *g, struct sl_shm_header *h, char *why,
		  size_t why_len)
{
	uint64_t off;
	int rc = check_geometry(g, why, why_len);

	if (rc)
		return rc;
	memset(h, 0, sizeof(*h));
	h->magic = SL_SHM_MAGIC;
	h->abi_version = SL_SHM_ABI_VERSION;
	h->header_size = sizeof(struct sl_shm_header);
	h->vip_size = sizeof(struct sl_vip);
	h->pool_size = sizeof(struct sl_pool);
	h->backend_size = sizeof(struct sl_backend);
	h->max_workers = g->max_workers;
	h->max_ports = g->max_ports;
	h->max_vips = g->max_vips;
	h->max_pools = g->max_pools;
	h->max_backends = g->max_backends;
	h->maglev_size = g->maglev_size;
	h->nat_source_size = sizeof(struct sl_nat_source);
	h->max_nat_sources = g->max_nat_sources;
	h->route_size = sizeof(struct sl_route);
	h->http_vip_size = sizeof(struct sl_http_vip);
	h->max_routes = g->max_routes;
	h->event_size = sizeof(union sl_event);
	h->ev_ring_size = g->ev_ring_size;

	off = sizeof(struct sl_shm_header);
	h->ack_offset = off;
	off += (uint64_t)g->max_workers * sizeof(struct sl_shm_ack);
	h->slot_bytes = slot_bytes(h);
	h->slot_offset[0] = off;
	off += h->slot_bytes;
	h->slot_offset[1] = off;
	off += h->slot_bytes;
	h->worker_stats_bytes = worker_stats_bytes(h);
	h->worker_stats_offset = off;
	off += (uint64_t)g->max_workers * h->worker_stats_bytes;
	h->port_stats_offset = off;
	off += (uint64_t)g->max_ports * sizeof(struct sl_port_stats);
	h->ev_ring_bytes = g->ev_ring_size
				   ? sizeof(struct sl_ev_ring) +
					     (uint64_t)g->ev_ring_size * sizeof(union sl_event)
				   : 0;
	h->ev_offset = off;
	off += (uint64_t)g->max_workers * h->ev_ring_bytes;
	h->total_bytes = ALIGN_UP(off, 4096);
	h->geometry_checksum = geometry_checksum(h);
	return 0;
}

int sl_shm_check_header(const struct sl_shm_header *h, size_t mapped, char *why, size_t why_len)
{
	struct sl_shm_header expect;
	struct sl_shm_geometry g;
	const struct limit sizes[] = {
		{"header size", h->header_size, sizeof(struct sl_shm_header),
		 sizeof(struct sl_shm_header)},
		{"sl_vip size", h->vip_size, sizeof(struct sl_vip), sizeof(struct sl_vip)},
		{"sl_pool size", h->pool_size, sizeof(struct sl_pool), sizeof(struct sl_pool)},
		{"sl_backend size", h->backend_size, sizeof(struct sl_backend),
		 sizeof(struct sl_backend)},
		{"sl_nat_source size", h->nat_source_size, sizeof(struct sl_nat_source),
		 sizeof(struct sl_nat_source)},
		{"sl_route size", h->route_size, sizeof(struct sl_route), sizeof(struct sl_route)},
		{"sl_http_vip size", h->http_vip_size, sizeof(struct sl_http_vip),
		 sizeof(struct sl_http_vip)},
		{"sl_event size", h->event_size, sizeof(union sl_event), sizeof(union sl_event)},
	};
	int rc;

	if (mapped && mapped < sizeof(*h))
		return sl_why(why, why_len, -EFBIG, "segment of %zu bytes is smaller than a header",
			      mapped);
	if (h->magic != SL_SHM_MAGIC)
		return sl_why(why, why_len, -EBADMSG, "bad magic 0x%08x, expected 0x%08x", h->magic,
			      SL_SHM_MAGIC);
	if (h->abi_version != SL_SHM_ABI_VERSION)
		return sl_why(why, why_len, -EPROTO, "ABI version %u, expected %u", h->abi_version,
			      SL_SHM_ABI_VERSION);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (sizes[i].value != sizes[i].min)
			return sl_why(why, why_len, -EPROTO, "%s %u, expected %u", sizes[i].name,
				      sizes[i].value, sizes[i].min);
	if (h->geometry_checksum != geometry_checksum(h))
		return sl_why(why, why_len, -EBADMSG,
			      "geometry checksum 0x%016llx does not match its fields (0x%016llx)",
			      (unsigned long long)h->geometry_checksum,
			      (unsigned long long)geometry_checksum(h));

	sl_shm_geometry_of(h, &g);
	rc = sl_shm_layout(&g, &expect, why, why_len);
	if (rc)
		return rc;
	/* offsets are derived; a header whose offsets disagree was not written by us */
	if (memcmp(h, &expect, offsetof(struct sl_shm_header, geometry_checksum)) != 0)
		return sl_why(why, why_len, -EPROTO, "offsets do not match the geometry");
	if (mapped && h->total_bytes > mapped)
		return sl_why(why, why_len, -EFBIG, "segment needs %llu bytes, %zu mapped",
			      (unsigned long long)h->total_bytes, mapped);
	return 0;
}

static uint64_t slot_checksum(const struct sl_shm_header *h, unsigned int slot)
{
	const struct sl_table_hdr *t = sl_slot_hdr(h, slot);

	return sl_checksum(t + 1, h->slot_bytes - sizeof(*t));
}

void sl_shm_seal_slot(struct sl_shm_header *h, unsigned int slot)
{
	sl_slot_hdr(h, slot)->checksum = slot_checksum(h, slot);
}

/* The family field says what the address holds (IPv4-mapped or not). */
static int af_matches(uint8_t af, const struct sl_addr *a)
{
	return (af == SL_AF_INET) == (sl_addr_is_v4(a) != 0);
}

static int check_nat_source(const struct sl_shm_header *h, const struct sl_nat_source *src,
			    uint32_t i, char *why, size_t why_len)
{
	if (src[i].af != SL_AF_INET && src[i].af != SL_AF_INET6)
		return sl_why(why, why_len, -ERANGE, "nat source %u: address family %u", i,
			      src[i].af);
	if (!af_matches(src[i].af, &src[i].addr))
		return sl_why(why, why_len, -ERANGE, "nat source %u: address not of family %u", i,
			      src[i].af);
	if (src[i].port_min == 0 || src[i].port_min > src[i].port_max)
		return sl_why(why, why_len, -ERANGE, "nat source %u: ports %u-%u", i,
			      src[i].port_min, src[i].port_max);
	if (src[i].tx_port >= h->max_ports)
		return sl_why(why, why_len, -ERANGE, "nat source %u: port %u >= max_ports %u", i,
			      src[i].tx_port, h->max_ports);
	/* a reply finds its worker by address and port: one range per address */
	for (uint32_t j = 0; j < i; j++)
		if (memcmp(&src[j].addr, &src[i].addr, sizeof(src[i].addr)) == 0)
			return sl_why(why, why_len, -ERANGE,
				      "nat source %u: same address as nat source %u", i, j);
	return 0;
}

/* The fields of full NAT: sources of the VIP's family in range, or none outside nat mode. */
static int check_vip_nat(const struct sl_table_hdr *t, const struct sl_nat_source *src,
			 const struct sl_vip *v, uint32_t i, char *why, size_t why_len)
{
	uint32_t end = (uint32_t)v->nat_src_first + v->nat_src_count;

	if (v->mode == SL_MODE_HTTP && (v->proto != IPPROTO_TCP || !(v->flags & SL_VIP_F_SYNPROXY)))
		return sl_why(why, why_len, -ERANGE, "vip %u: http mode without TCP and synproxy",
			      i);
	if (!sl_mode_is_nat(v->mode)) {
		if (v->nat_src_count || v->mss || (v->flags & SL_VIP_F_SYNPROXY))
			return sl_why(why, why_len, -ERANGE,
				      "vip %u: nat sources, mss or synproxy outside nat mode", i);
		return 0;
	}
	if (v->nat_src_count == 0)
		return sl_why(why, why_len, -ERANGE, "vip %u: nat mode without a source", i);
	if (end > t->n_nat_sources)
		return sl_why(why, why_len, -ERANGE,
			      "vip %u: nat sources %u..%u beyond n_nat_sources %u", i,
			      v->nat_src_first, end - 1, t->n_nat_sources);
	for (uint32_t s = v->nat_src_first; s < end; s++)
		if (src[s].af != v->af)
			return sl_why(why, why_len, -ERANGE,
				      "vip %u: nat source %u is not of the VIP's family", i, s);
	if (v->mss && (v->mss < SL_NAT_MSS_MIN || v->mss > SL_NAT_MSS_MAX))
		return sl_why(why, why_len, -ERANGE, "vip %u: mss %u out of range [%u, %u]", i,
			      v->mss, SL_NAT_MSS_MIN, SL_NAT_MSS_MAX);
	if ((v->flags & SL_VIP_F_SYNPROXY) && v->proto != IPPROTO_TCP)
		return sl_why(why, why_len, -ERANGE, "vip %u: synproxy on a UDP VIP", i);
	return 0;
}

static int check_vip(const struct sl_table_hdr *t, const struct sl_nat_source *src,
		     const struct sl_vip *v, uint32_t i, char *why, size_t why_len)
{
	if (v->af != SL_AF_INET && v->af != SL_AF_INET6)
		return sl_why(why, why_len, -ERANGE, "vip %u: address family %u", i, v->af);
	if (v->proto != IPPROTO_TCP && v->proto != IPPROTO_UDP)
		return sl_why(why, why_len, -ERANGE, "vip %u: protocol %u", i, v->proto);
	if (v->mode != SL_MODE_DSR && v->mode != SL_MODE_TUNNEL && v->mode != SL_MODE_NAT &&
	    v->mode != SL_MODE_HTTP)
		return sl_why(why, why_len, -ERANGE, "vip %u: mode %u", i, v->mode);
	if (v->pool >= t->n_pools && !(v->mode == SL_MODE_HTTP && v->pool == SL_POOL_NONE))
		return sl_why(why, why_len, -ERANGE, "vip %u: pool %u >= n_pools %u", i, v->pool,
			      t->n_pools);
	if (v->tunnel_src_plen > 128)
		return sl_why(why, why_len, -ERANGE, "vip %u: tunnel source prefix /%u", i,
			      v->tunnel_src_plen);
	return check_vip_nat(t, src, v, i, why, why_len);
}

int sl_shm_check_slot(const struct sl_shm_header *h, unsigned int slot, char *why, size_t why_len)
{
	const struct sl_table_hdr *t = sl_slot_hdr(h, slot);
	const struct sl_vip *vips = sl_slot_vips(h, slot);
	const struct sl_backend *be = sl_slot_backends(h, slot);
	const struct sl_nat_source *src = sl_slot_nat_sources(h, slot);
	int rc;

	if (t->n_vips > h->max_vips)
		return sl_why(why, why_len, -ERANGE, "n_vips %u > max_vips %u", t->n_vips,
			      h->max_vips);
	if (t->n_pools > h->max_pools)
		return sl_why(why, why_len, -ERANGE, "n_pools %u > max_pools %u", t->n_pools,
			      h->max_pools);
	if (t->n_backends > h->max_backends)
		return sl_why(why, why_len, -ERANGE, "n_backends %u > max_backends %u",
			      t->n_backends, h->max_backends);
	if (t->n_nat_sources > h->max_nat_sources)
		return sl_why(why, why_len, -ERANGE, "n_nat_sources %u > max_nat_sources %u",
			      t->n_nat_sources, h->max_nat_sources);
	if (t->maglev_size != h->maglev_size)
		return sl_why(why, why_len, -ERANGE, "maglev_size %u, segment has %u",
			      t->maglev_size, h->maglev_size);
	if (t->checksum != slot_checksum(h, slot))
		return sl_why(why, why_len, -EBADMSG, "slot %u checksum mismatch", slot);

	for (uint32_t i = 0; i < t->n_nat_sources; i++) {
		rc = check_nat_source(h, src, i, why, why_len);
		if (rc)
			return rc;
	}
	for (uint32_t i = 0; i < t->n_vips; i++) {
		rc = check_vip(t, src, &vips[i], i, why, why_len);
		if (rc)
			return rc;
	}
	for (uint32_t i = 0; i < t->n_backends; i++) {
		/* active, or down with a next hop its connections still use */
		if (!(be[i].flags & (SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED)))
			continue;
		if (be[i].pool >= t->n_pools)
			return sl_why(why, why_len, -ERANGE, "backend %u: pool %u >= n_pools %u", i,
				      be[i].pool, t->n_pools);
		if (be[i].tx_port >= h->max_ports)
			return sl_why(why, why_len, -ERANGE, "backend %u: port %u >= max_ports %u",
				      i, be[i].tx_port, h->max_ports);
		if (!(be[i].flags & SL_BACKEND_F_RESOLVED))
			return sl_why(why, why_len, -ERANGE, "backend %u: active without next hop",
				      i);
	}
	for (uint32_t p = 0; p < t->n_pools; p++) {
		const uint32_t *m = sl_slot_maglev(h, slot, p);

		for (uint32_t e = 0; e < h->maglev_size; e++) {
			if (m[e] == SL_BACKEND_NONE)
				continue;
			if (m[e] >= t->n_backends || !(be[m[e]].flags & SL_BACKEND_F_ACTIVE) ||
			    be[m[e]].pool != p)
				return sl_why(
					why, why_len, -ERANGE,
					"pool %u maglev entry %u: backend %u not active in it", p,
					e, m[e]);
		}
	}
	return sl_shm_check_http(h, slot, why, why_len);
}
