/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared-memory ABI between sluiced (the only writer of tables) and
 * sluice-dp (the only writer of acks and statistics).
 *
 * Segment layout, every region 64-byte aligned, offsets kept in the header:
 *
 *   struct sl_shm_header          geometry (checksummed) + live control words
 *   struct sl_shm_ack   [max_workers]            one cache line per worker
 *   slot 0, slot 1                               two complete table sets
 *   struct sl_worker_stats [max_workers]         written by workers only
 *   struct sl_port_stats   [max_ports]           written by the dp main lcore
 *
 * A slot is:
 *   struct sl_table_hdr
 *   struct sl_vip      [max_vips]
 *   struct sl_pool     [max_pools]
 *   struct sl_backend  [max_backends]
 *   uint32_t           maglev[max_pools][maglev_size]   backend slot indices
 *
 * Publishing: sluiced fills the slot no worker uses, then stores
 * header.published = SL_GEN_WORD(generation, slot) with release order. Each
 * worker, between bursts, sees the new word, switches, and stores the same
 * word into its ack cell. A slot may be rewritten only when no ack cell names
 * it. All multi-byte fields are host order unless the type says __be.
 */
#ifndef SL_SHM_TYPES_H
#define SL_SHM_TYPES_H

#include <stdint.h>
#include <linux/types.h>

#include "sl_drop_types.h"

#define SL_SHM_MAGIC 0x45434c53u /* "SLCE" little-endian */
#define SL_SHM_ABI_VERSION 2u
#define SL_SHM_PATH_FMT "/dev/shm/sluice-%s"
#define SL_SHM_NAME_FMT "/sluice-%s"
#define SL_SHM_MODE 0600

#define SL_NAME_LEN 32 /* bytes, NUL included */
#define SL_CACHE_LINE 64

/* Geometry limits a reader accepts (a writer validates its config against these). */
#define SL_MAX_WORKERS_LIMIT 128
#define SL_MAX_PORTS_LIMIT 16
#define SL_MAX_VIPS_LIMIT 4096
#define SL_MAX_POOLS_LIMIT 4096
#define SL_MAX_BACKENDS_LIMIT (1u << 20)
#define SL_MAGLEV_SIZE_MIN 13u
#define SL_MAGLEV_SIZE_MAX 1000003u
#define SL_MAGLEV_SIZE_DEFAULT 65537u

#define SL_BACKEND_NONE UINT32_MAX /* empty Maglev entry (pool has no backend) */

/* published/ack word: generation in the high bits, slot in bit 0 */
#define SL_GEN_WORD(gen, slot) (((uint64_t)(gen) << 1) | ((uint64_t)(slot)&1))
#define SL_GEN_OF(word) ((word) >> 1)
#define SL_SLOT_OF(word) ((unsigned int)((word)&1))

enum sl_af {
	SL_AF_INET = 4,
	SL_AF_INET6 = 6,
};

enum sl_fwd_mode {
	SL_MODE_DSR = 1,
	SL_MODE_TUNNEL = 2,
	SL_MODE_NAT = 3, /* reserved for full NAT */
};

/* sl_vip.flags */
#define SL_VIP_F_HASH_3TUPLE (1u << 0) /* hash src addr, dst addr, proto only */
#define SL_VIP_F_GUE (1u << 1)	       /* tunnel mode: GUE (UDP) instead of IPIP */

/* sl_backend.flags */
#define SL_BACKEND_F_ACTIVE (1u << 0)	/* may receive flows (present, next hop known) */
#define SL_BACKEND_F_RESOLVED (1u << 1) /* mac/port hold a valid next hop */
/*
 * Removed from the config (or from discovery) but kept until its drain
 * deadline: same slot and uid, weight 0 and no Maglev entries, so its
 * established flows still reach it and no new flow can pick it. Always set
 * together with ACTIVE and RESOLVED; the dataplane needs no test for it.
 */
#define SL_BACKEND_F_DRAINING (1u << 2)

/*
 * An address of either family: IPv4 is stored as an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d), so one compare covers both families.
 */
struct sl_addr {
	union {
		uint8_t a8[16];
		__be32 a32[4];
		uint64_t a64[2];
	};
};
_Static_assert(sizeof(struct sl_addr) == 16, "sl_addr is 16 bytes");

struct sl_shm_header {
	/* geometry: written once at creation, covered by geometry_checksum */
	uint32_t magic;
	uint32_t abi_version;
	uint32_t header_size;  /* sizeof(struct sl_shm_header) */
	uint32_t vip_size;     /* sizeof(struct sl_vip) */
	uint32_t pool_size;    /* sizeof(struct sl_pool) */
	uint32_t backend_size; /* sizeof(struct sl_backend) */
	uint32_t max_workers;
	uint32_t max_ports;
	uint32_t max_vips;
	uint32_t max_pools;
	uint32_t max_backends;
	uint32_t maglev_size;
	uint64_t ack_offset;
	uint64_t slot_offset[2];
	uint64_t slot_bytes;
	uint64_t worker_stats_offset;
	uint64_t worker_stats_bytes; /* one worker's block */
	uint64_t port_stats_offset;
	uint64_t total_bytes;
	uint64_t geometry_checksum; /* sl_checksum() of every field above */
	uint8_t pad0[8];

	/* live control words, one cache line each */
	uint64_t published; /* SL_GEN_WORD; written by sluiced, release order */
	uint64_t cp_pid;
	uint64_t cp_heartbeat_ns; /* CLOCK_MONOTONIC of sluiced's last loop turn */
	uint8_t pad1[SL_CACHE_LINE - 24];

	uint64_t dp_pid;	      /* 0: no dataplane attached */
	uint64_t dp_workers;	      /* number of ack cells in use, written by sluice-dp */
	uint64_t dp_start_ns;	      /* CLOCK_REALTIME at dataplane start */
	uint64_t dp_rejected;	      /* generations refused by the dataplane's checks */
	uint64_t dp_last_reject_word; /* SL_GEN_WORD of the last refused table */
	char dp_reject_reason[64];    /* NUL-terminated, why it was refused */
	uint8_t pad2[24];
} __attribute__((aligned(SL_CACHE_LINE)));
_Static_assert(sizeof(struct sl_shm_header) == 5 * SL_CACHE_LINE, "header layout");

struct sl_shm_ack {
	uint64_t word;	   /* SL_GEN_WORD the worker uses; 0 before its first table */
	uint64_t lcore_id; /* informational */
	uint8_t pad[SL_CACHE_LINE - 16];
} __attribute__((aligned(SL_CACHE_LINE)));
_Static_assert(sizeof(struct sl_shm_ack) == SL_CACHE_LINE, "ack cell is one line");

struct sl_table_hdr {
	uint64_t generation;
	uint64_t checksum; /* sl_checksum() of the slot after this header */
	uint32_t n_vips;   /* entries in use, others zeroed */
	uint32_t n_pools;
	uint32_t n_backends; /* highest slot index in use + 1 */
	uint32_t maglev_size;
	uint64_t built_ns; /* CLOCK_REALTIME */
	uint8_t pad[SL_CACHE_LINE - 40];
};
_Static_assert(sizeof(struct sl_table_hdr) == SL_CACHE_LINE, "table header is one line");

struct sl_vip {
	struct sl_addr addr;
	__be16 port;   /* 0: any port */
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t af;    /* enum sl_af */
	uint8_t mode;  /* enum sl_fwd_mode */
	uint8_t pad0;
	uint16_t flags;		 /* SL_VIP_F_* */
	uint32_t pool;		 /* index into pools */
	__be16 gue_port;	 /* destination UDP port of GUE, wire order */
	uint8_t tunnel_src_plen; /* prefix length of tunnel_src (varied per flow) */
	uint8_t pad1;
	struct sl_addr tunnel_src; /* outer source prefix for tunnel mode */
	char name[SL_NAME_LEN];
	uint8_t pad2[32];
};
_Static_assert(sizeof(struct sl_vip) == 112, "sl_vip layout");

struct sl_pool {
	uint32_t n_active; /* backends that have Maglev entries */
	uint32_t pad0;
	char name[SL_NAME_LEN];
	uint8_t pad1[24];
};
_Static_assert(sizeof(struct sl_pool) == 64, "sl_pool layout");

struct sl_backend {
	struct sl_addr addr;
	uint64_t uid;  /* unique for the life of the shm segment; flows remember it */
	uint32_t pool; /* index into pools */
	uint16_t weight;
	uint8_t af;	    /* enum sl_af */
	uint8_t flags;	    /* SL_BACKEND_F_* */
	__be16 port;	    /* service port (informational; dsr/tunnel keep the VIP port) */
	uint16_t tx_port;   /* dataplane port index the next hop is on */
	uint8_t dst_mac[6]; /* next hop (the backend itself or a router) */
	uint8_t pad0[6];
	struct sl_addr src; /* route's preferred source towards addr: default outer source */
	char name[SL_NAME_LEN];
};
_Static_assert(sizeof(struct sl_backend) == 96, "sl_backend layout");

/* Counters for one VIP or one backend, per worker. */
struct sl_counter {
	uint64_t packets;
	uint64_t bytes;
	uint64_t flows; /* new flows (misses that picked a backend) */
	uint64_t pad;
};

/*
 * One worker's statistics block: written only by that worker with plain
 * stores, read by anyone. Followed by struct sl_counter vips[max_vips] and
 * struct sl_counter backends[max_backends].
 */
struct sl_worker_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t flow_hits;
	uint64_t flow_misses;
	uint64_t flow_evictions; /* LRU evictions of live flows (table full) */
	uint64_t flow_expired;
	uint64_t flows_active;
	uint64_t table_switches;
	uint64_t lcore_id;
	uint64_t queue_id;
	uint64_t flows_embryonic;	   /* entries of bare SYNs and of fragmented datagrams */
	uint64_t flow_embryonic_evictions; /* such entries pushed out for a new flow */
	uint64_t flow_untracked; /* SYNs forwarded unremembered: buckets all established */
	uint64_t icmp_forwarded; /* ICMP errors sent on to the instance of their flow */
	uint64_t frag_forwarded; /* fragments forwarded (first and later ones) */
	uint64_t frag_split;	 /* IPv4 packets without DF split to fit the tunnel */
	uint64_t drops[SL_DROP_MAX];
} __attribute__((aligned(SL_CACHE_LINE)));

struct sl_port_stats {
	char name[SL_NAME_LEN];
	uint64_t ipackets;
	uint64_t opackets;
	uint64_t ibytes;
	uint64_t obytes;
	uint64_t imissed;
	uint64_t ierrors;
	uint64_t oerrors;
	uint64_t rx_nombuf;
	uint32_t mtu;
	uint32_t in_use;
	uint8_t mac[6];
	uint8_t pad[10];
} __attribute__((aligned(SL_CACHE_LINE)));
_Static_assert(sizeof(struct sl_port_stats) == 2 * SL_CACHE_LINE, "port stats layout");

#endif /* SL_SHM_TYPES_H */
