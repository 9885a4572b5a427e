/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Layout arithmetic, checks and accessors for the shared-memory segment
 * described in sl_shm_types.h. Pure functions over a mapped header: no
 * mapping, no I/O, so the control plane, the dataplane, sluicectl and the
 * tests use the very same code.
 */
#ifndef SL_SHM_H
#define SL_SHM_H

#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>

#include "sl_addr.h"
#include "sl_event_types.h"
#include "sl_shm_types.h"

struct sl_shm_geometry {
	uint32_t max_workers;
	uint32_t max_ports;
	uint32_t max_vips;
	uint32_t max_pools;
	uint32_t max_backends;
	uint32_t maglev_size;
	uint32_t max_nat_sources;
	uint32_t max_routes;
	uint32_t ev_ring_size; /* records per worker's event ring: 0, or a power of two */
};

/* Checksum used for the header geometry and the table slots. */
uint64_t sl_checksum(const void *p, size_t len);

/*
 * Fill the geometry part of @h (magic, version, sizes, offsets, checksum)
 * from @g; the live words are zeroed. Returns 0, or -EINVAL with a message
 * naming the field in @why when @g is out of range.
 */
int sl_shm_layout(const struct sl_shm_geometry *g, struct sl_shm_header *h, char *why,
		  size_t why_len);

/*
 * Refuse a header that this build cannot follow. @mapped is the size of the
 * mapping (0: unknown, skip that check). Returns 0 or a negative errno with
 * @why naming what was wrong ("bad magic 0x...", "ABI version 2, expected 1",
 * "sl_vip size 100, expected 112", "geometry checksum mismatch", ...):
 *   -EBADMSG  magic or checksum wrong     -EPROTO  version or struct sizes
 *   -ERANGE   geometry out of limits      -EFBIG   larger than the mapping
 */
int sl_shm_check_header(const struct sl_shm_header *h, size_t mapped, char *why, size_t why_len);

/*
 * Check a table slot before anyone follows it: header counts within the
 * geometry, every index in range, the content checksum. Returns 0 or
 * -EBADMSG/-ERANGE with @why naming the first bad field.
 */
int sl_shm_check_slot(const struct sl_shm_header *h, unsigned int slot, char *why, size_t why_len);

/*
 * The part of sl_shm_check_slot() about HTTP and round robin
 * (sl_shm_http.c): route and member counts, each pool's balance and
 * members (active, not draining, of weight > 0, in the pool), each route
 * (key bounds, pool, id), each VIP's HTTP block (zero outside http mode; a
 * run of routes in range and sorted, head bounds, flags, a NUL-terminated
 * cookie name). Same contract; the slot's checksum is not its business.
 */
int sl_shm_check_http(const struct sl_shm_header *h, unsigned int slot, char *why, size_t why_len);

/* Recompute and store the checksum of @slot (the writer's last step). */
void sl_shm_seal_slot(struct sl_shm_header *h, unsigned int slot);

/* Geometry read back from a header. */
void sl_shm_geometry_of(const struct sl_shm_header *h, struct sl_shm_geometry *g);

static inline void *sl_shm_at(const struct sl_shm_header *h, uint64_t off)
{
	return (uint8_t *)(uintptr_t)h + off;
}

static inline struct sl_shm_ack *sl_shm_ack(const struct sl_shm_header *h, unsigned int worker)
{
	return (struct sl_shm_ack *)sl_shm_at(h, h->ack_offset) + worker;
}

static inline struct sl_table_hdr *sl_slot_hdr(const struct sl_shm_header *h, unsigned int slot)
{
	return sl_shm_at(h, h->slot_offset[slot & 1]);
}

static inline struct sl_vip *sl_slot_vips(const struct sl_shm_header *h, unsigned int slot)
{
	return (struct sl_vip *)(sl_slot_hdr(h, slot) + 1);
}

static inline struct sl_pool *sl_slot_pools(const struct sl_shm_header *h, unsigned int slot)
{
	return (struct sl_pool *)(sl_slot_vips(h, slot) + h->max_vips);
}

static inline struct sl_backend *sl_slot_backends(const struct sl_shm_header *h, unsigned int slot)
{
	return (struct sl_backend *)(sl_slot_pools(h, slot) + h->max_pools);
}

static inline struct sl_nat_source *sl_slot_nat_sources(const struct sl_shm_header *h,
							unsigned int slot)
{
	return (struct sl_nat_source *)(sl_slot_backends(h, slot) + h->max_backends);
}

static inline struct sl_route *sl_slot_routes(const struct sl_shm_header *h, unsigned int slot)
{
	return (struct sl_route *)(sl_slot_nat_sources(h, slot) + h->max_nat_sources);
}

/* http[v]: VIP v's HTTP part. */
static inline struct sl_http_vip *sl_slot_http(const struct sl_shm_header *h, unsigned int slot)
{
	return (struct sl_http_vip *)(sl_slot_routes(h, slot) + h->max_routes);
}

/* sticky_id[b]: backend slot b's instance id in the sticky cookie (0: none). */
static inline uint64_t *sl_slot_sticky_ids(const struct sl_shm_header *h, unsigned int slot)
{
	return (uint64_t *)(sl_slot_http(h, slot) + h->max_vips);
}

/* Each pool's run of round-robin members (backend slot indices). */
static inline uint32_t *sl_slot_members(const struct sl_shm_header *h, unsigned int slot)
{
	return (uint32_t *)(sl_slot_sticky_ids(h, slot) + h->max_backends);
}

/* Bytes from a slot's start to its first Maglev table (cache-line aligned). */
static inline uint64_t sl_slot_maglev_offset(const struct sl_shm_header *h)
{
	uint64_t off = sizeof(struct sl_table_hdr) + (uint64_t)h->max_vips * sizeof(struct sl_vip) +
		       (uint64_t)h->max_pools * sizeof(struct sl_pool) +
		       (uint64_t)h->max_backends * sizeof(struct sl_backend) +
		       (uint64_t)h->max_nat_sources * sizeof(struct sl_nat_source) +
		       (uint64_t)h->max_routes * sizeof(struct sl_route) +
		       (uint64_t)h->max_vips * sizeof(struct sl_http_vip) +
		       (uint64_t)h->max_backends * (sizeof(uint64_t) + sizeof(uint32_t));

	return (off + SL_CACHE_LINE - 1) & ~(uint64_t)(SL_CACHE_LINE - 1);
}

/* Maglev table of @pool: maglev_size backend slot indices (or SL_BACKEND_NONE). */
static inline uint32_t *sl_slot_maglev(const struct sl_shm_header *h, unsigned int slot,
				       uint32_t pool)
{
	return (uint32_t *)((uint8_t *)sl_slot_hdr(h, slot) + sl_slot_maglev_offset(h)) +
	       (size_t)pool * h->maglev_size;
}

static inline struct sl_worker_stats *sl_shm_worker_stats(const struct sl_shm_header *h,
							  unsigned int worker)
{
	return sl_shm_at(h, h->worker_stats_offset + worker * h->worker_stats_bytes);
}

static inline struct sl_counter *sl_stats_vips(struct sl_worker_stats *ws)
{
	return (struct sl_counter *)(ws + 1);
}

static inline struct sl_counter *sl_stats_backends(const struct sl_shm_header *h,
						   struct sl_worker_stats *ws)
{
	return sl_stats_vips(ws) + h->max_vips;
}

/* Connections (ports) in use per NAT source, by source index. */
static inline uint64_t *sl_stats_nat_ports(const struct sl_shm_header *h,
					   struct sl_worker_stats *ws)
{
	return (uint64_t *)(sl_stats_backends(h, ws) + h->max_backends);
}

/* Bytes from a worker's block to its http counters (cache-line aligned). */
static inline uint64_t sl_stats_http_offset(const struct sl_shm_header *h)
{
	uint64_t off = sizeof(struct sl_worker_stats) +
		       ((uint64_t)h->max_vips + h->max_backends) * sizeof(struct sl_counter) +
		       (uint64_t)h->max_nat_sources * sizeof(uint64_t);

	return (off + SL_CACHE_LINE - 1) & ~(uint64_t)(SL_CACHE_LINE - 1);
}

/* http VIP counters, by VIP index. */
static inline struct sl_http_counter *sl_stats_http(const struct sl_shm_header *h,
						    struct sl_worker_stats *ws)
{
	return (struct sl_http_counter *)((uint8_t *)ws + sl_stats_http_offset(h));
}

/* Route counters, by sl_route.id. */
static inline struct sl_route_counter *sl_stats_routes(const struct sl_shm_header *h,
						       struct sl_worker_stats *ws)
{
	return (struct sl_route_counter *)(sl_stats_http(h, ws) + h->max_vips);
}

static inline struct sl_port_stats *sl_shm_port_stats(const struct sl_shm_header *h,
						      unsigned int port)
{
	return (struct sl_port_stats *)sl_shm_at(h, h->port_stats_offset) + port;
}

/* Worker @worker's event ring (the header has ev_ring_size > 0). */
static inline struct sl_ev_ring *sl_shm_ev_ring(const struct sl_shm_header *h, unsigned int worker)
{
	return sl_shm_at(h, h->ev_offset + worker * h->ev_ring_bytes);
}

/* The records of ring @r, ev_ring_size of them. */
static inline union sl_event *sl_ev_records(struct sl_ev_ring *r)
{
	return (union sl_event *)(r + 1);
}

#endif /* SL_SHM_H */
