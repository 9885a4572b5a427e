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
 *     (each followed by its per-VIP, per-backend, per-NAT-source, per-http-VIP
 *      and per-route counters)
 *   struct sl_port_stats   [max_ports]           written by the dp main lcore
 *   event rings [max_workers]                    each worker's records (sl_event_types.h):
 *     struct sl_ev_ring, union sl_event [ev_ring_size]   none when ev_ring_size is 0
 *
 * A slot is:
 *   struct sl_table_hdr
 *   struct sl_vip      [max_vips]
 *   struct sl_pool     [max_pools]
 *   struct sl_backend  [max_backends]
 *   struct sl_nat_source [max_nat_sources]              full NAT source addresses
 *   struct sl_route    [max_routes]       HTTP routes: each http VIP's one run, sorted
 *   struct sl_http_vip [max_vips]         an http VIP's routes, bounds, cookie (by VIP index)
 *   uint64_t           sticky_id[max_backends]          instance ids of the sticky cookie
 *   uint32_t           members[max_backends]            each pool's run of round-robin members
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
#include "sl_route.h"

#define SL_SHM_MAGIC 0x45434c53u /* "SLCE" little-endian */
#define SL_SHM_ABI_VERSION 6u
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
#define SL_MAX_NAT_SOURCES_LIMIT 256 /* 0 is a valid geometry: no NAT VIP possible */
#define SL_MAX_ROUTES_LIMIT 65535    /* 0 is a valid geometry: no HTTP route possible */
#define SL_MAGLEV_SIZE_MIN 13u
#define SL_MAGLEV_SIZE_MAX 1000003u
#define SL_MAGLEV_SIZE_DEFAULT 65537u

#define SL_BACKEND_NONE UINT32_MAX /* empty Maglev entry (pool has no backend) */
#define SL_POOL_NONE UINT32_MAX	   /* sl_vip.pool of an http VIP without a default route */

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
	SL_MODE_NAT = 3,  /* full NAT: client -> VIP becomes NAT source -> backend */
	SL_MODE_HTTP = 4, /* full NAT and SYN proxy, each request routed by its head */
};

/* Full NAT's modes: nat, and http (full NAT with each request's head read first). */
static inline int sl_mode_is_nat(unsigned int mode)
{
	return mode == SL_MODE_NAT || mode == SL_MODE_HTTP;
}

/* sl_pool.balance: how a new flow (or an HTTP request) picks among the pool's instances */
enum sl_balance {
	SL_BALANCE_MAGLEV = 0, /* the Maglev entry of the flow hash */
	SL_BALANCE_RR = 1,     /* smooth weighted round robin over the pool's members */
};

/* sl_vip.flags */
#define SL_VIP_F_HASH_3TUPLE (1u << 0) /* hash src addr, dst addr, proto only */
#define SL_VIP_F_GUE (1u << 1)	       /* tunnel mode: GUE (UDP) instead of IPIP */
#define SL_VIP_F_SYNPROXY (1u << 2)    /* nat mode: SYN cookies, backend opened on the ACK */

/* sl_http_vip.flags */
#define SL_HTTP_F_XFF (1u << 0)	   /* add X-Forwarded-For to request heads */
#define SL_HTTP_F_XRID (1u << 1)   /* add X-Request-Id to request heads */
#define SL_HTTP_F_STICKY (1u << 2) /* the instance cookie: cookie[] names it */

#define SL_HTTP_HEAD_MAX_MIN 1024u /* sl_http_vip.head_max */
#define SL_HTTP_HEAD_MAX_MAX 65536u
#define SL_HTTP_HEAD_TIMEOUT_MIN 100u /* sl_http_vip.head_timeout_ms */
#define SL_HTTP_HEAD_TIMEOUT_MAX 60000u

#define SL_NAT_MSS_MIN 536u   /* sl_vip.mss: 0 (none) or at least this (RFC 879's default) */
#define SL_NAT_MSS_MAX 65495u /* IPv4's largest segment in a 65535-byte packet */

/* sl_backend.flags */
#define SL_BACKEND_F_ACTIVE (1u << 0)	/* may receive flows (present, next hop known) */
#define SL_BACKEND_F_RESOLVED (1u << 1) /* mac/port hold a valid next hop (down ones too) */
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

/*
 * The keys of the SYN proxy's cookies (SipHash-2-4), written by sluiced,
 * read by every worker. Rotation: sluiced writes the key that is not
 * current, then stores current (release order); a cookie made under the
 * previous key stays valid until the next rotation overwrites it.
 */
struct sl_synproxy_secrets {
	uint64_t key[2][2];
	uint32_t current; /* 0 or 1: the key new cookies are made with */
	uint32_t pad0;
	uint64_t rotated_ns; /* CLOCK_MONOTONIC of the last rotation (informational) */
	uint8_t pad1[16];
} __attribute__((aligned(SL_CACHE_LINE)));
_Static_assert(sizeof(struct sl_synproxy_secrets) == SL_CACHE_LINE, "secrets are one line");

/*
 * The key of the sticky cookie's instance ids (SipHash-2-4 of pool name and
 * instance name): written by the sluiced that creates the segment, kept by
 * every sluiced that adopts it, so a client's cookie names the same
 * instance across reloads and restarts.
 */
struct sl_sticky_secret {
	uint64_t key[2];
	uint8_t pad[48];
} __attribute__((aligned(SL_CACHE_LINE)));
_Static_assert(sizeof(struct sl_sticky_secret) == SL_CACHE_LINE, "sticky secret is one line");

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
	uint32_t nat_source_size; /* sizeof(struct sl_nat_source) */
	uint32_t max_nat_sources;
	uint32_t route_size;	/* sizeof(struct sl_route) */
	uint32_t http_vip_size; /* sizeof(struct sl_http_vip) */
	uint32_t max_routes;
	uint32_t event_size;   /* sizeof(union sl_event) */
	uint32_t ev_ring_size; /* records per worker's event ring, a power of two; 0: no rings */
	uint32_t pad0;
	uint64_t ack_offset;
	uint64_t slot_offset[2];
	uint64_t slot_bytes;
	uint64_t worker_stats_offset;
	uint64_t worker_stats_bytes; /* one worker's block */
	uint64_t port_stats_offset;
	uint64_t ev_offset;	/* the first worker's event ring */
	uint64_t ev_ring_bytes; /* one worker's ring: header and records */
	uint64_t total_bytes;
	uint64_t geometry_checksum; /* sl_checksum() of every field above */
	uint8_t pad_geometry[24];

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
	/* the workers' clock, for the event records: TSC dp_tsc_ref was CLOCK_REALTIME
	 * dp_tsc_ref_ns */
	uint64_t dp_tsc_hz;
	uint64_t dp_tsc_ref;
	uint64_t dp_tsc_ref_ns;

	struct sl_synproxy_secrets synproxy;
	struct sl_sticky_secret sticky;
} __attribute__((aligned(SL_CACHE_LINE)));
_Static_assert(sizeof(struct sl_shm_header) == 8 * SL_CACHE_LINE, "header layout");

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
	uint64_t built_ns;	/* CLOCK_REALTIME */
	uint32_t n_nat_sources; /* entries of nat_sources in use */
	uint32_t n_routes;	/* entries of routes in use */
	uint32_t n_members;	/* entries of members in use */
	uint8_t pad[SL_CACHE_LINE - 52];
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
	uint32_t pool;		 /* index into pools; http: SL_POOL_NONE for no default route */
	__be16 gue_port;	 /* destination UDP port of GUE, wire order */
	uint8_t tunnel_src_plen; /* prefix length of tunnel_src (varied per flow) */
	uint8_t pad1;
	struct sl_addr tunnel_src; /* outer source prefix for tunnel mode */
	char name[SL_NAME_LEN];
	/* nat mode: sources nat_src_first .. + nat_src_count - 1 of the slot, the VIP's family */
	uint16_t nat_src_first;
	uint16_t nat_src_count;
	uint16_t mss; /* nat mode: MSS clamp of both handshake directions, 0: the ports' MTUs */
	uint16_t pad3;
	uint8_t pad2[24];
};
_Static_assert(sizeof(struct sl_vip) == 112, "sl_vip layout");

struct sl_pool {
	uint32_t n_active; /* backends that have Maglev entries */
	uint8_t balance;   /* enum sl_balance */
	uint8_t pad0[3];
	char name[SL_NAME_LEN];
	/*
	 * Round robin's members: members[member_first .. + member_count - 1]
	 * of the slot, the pool's active, not draining backends of weight > 0
	 * in config order (a pool of either balance has them: HTTP's sticky
	 * cookie checks membership there).
	 */
	uint32_t member_first;
	uint32_t member_count;
	uint8_t pad1[16];
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

/*
 * A source address of full NAT. Each worker owns a disjoint slice of
 * [port_min, port_max]: worker k of n the ports p with
 * (p - port_min) * n / (port_max - port_min + 1) == k, so the worker a
 * reply belongs to follows from its destination port. sluiced keeps a
 * source's index while the source stays (like a backend's slot): the
 * per-source counters are indexed by it.
 */
struct sl_nat_source {
	struct sl_addr addr;
	uint16_t port_min; /* host order, at least 1 */
	uint16_t port_max; /* host order, at least port_min */
	uint8_t af;	   /* enum sl_af */
	uint8_t pad0;
	uint16_t tx_port; /* dataplane port on whose subnet addr lives */
	uint8_t pad1[8];
};
_Static_assert(sizeof(struct sl_nat_source) == 32, "sl_nat_source layout");

/*
 * One HTTP route: what it matches (common/sl_route.h) and where it sends.
 * id is stable while the route stays (same VIP, same key) and indexes the
 * per-route counters, so a reload keeps each route's counts.
 */
struct sl_route {
	struct sl_route_key key;
	uint32_t pool; /* index into pools */
	uint32_t id;   /* < max_routes */
	uint8_t pad[52];
};
_Static_assert(sizeof(struct sl_route) == 256, "sl_route layout");

/* The HTTP part of VIP i (mode http), http[i] of the slot; zero for other modes. */
struct sl_http_vip {
	uint32_t route_first; /* its routes: routes[route_first .. + route_count - 1] */
	uint32_t route_count;
	uint32_t head_max;	  /* bytes of a request head */
	uint32_t head_timeout_ms; /* from the handshake to the end of the head */
	uint32_t flags;		  /* SL_HTTP_F_* */
	uint32_t pad0;
	char cookie[SL_NAME_LEN]; /* SL_HTTP_F_STICKY: the cookie's name, NUL-terminated */
	uint8_t pad1[8];
};
_Static_assert(sizeof(struct sl_http_vip) == SL_CACHE_LINE, "sl_http_vip layout");

/* Counters for one VIP or one backend, per worker. */
struct sl_counter {
	uint64_t packets;
	uint64_t bytes;
	uint64_t flows;		   /* new flows (misses that picked a backend) */
	uint64_t connect_failures; /* backends: connections it refused or never answered */
	uint64_t requests;	   /* backends of http VIPs: requests that went to it */
};

/* States of a full-NAT connection (sl_nat_stats.conns is indexed by them). */
enum sl_nat_state {
	SL_NAT_FREE = 0,	/* not a connection: a free entry of the pool */
	SL_NAT_SYN_SENT = 1,	/* the client's SYN went to the backend */
	SL_NAT_SYN_RECV = 2,	/* the backend's SYN-ACK went to the client */
	SL_NAT_ESTABLISHED = 3, /* the client acknowledged it */
	SL_NAT_FIN_WAIT = 4,	/* one side sent a FIN */
	SL_NAT_CLOSING = 5,	/* both sides sent a FIN */
	SL_NAT_TIME_WAIT = 6,	/* the last ACK after both FINs */
	SL_NAT_CLOSE = 7,	/* an RST */
	SL_NAT_UDP = 8,
	SL_NAT_SP_SYN_SENT = 9,	   /* SYN proxy: cookie ACK taken, backend SYN sent */
	SL_NAT_HTTP_HEAD = 10,	   /* HTTP: reading the first request's head, no instance yet */
	SL_NAT_HTTP_BIND = 11,	   /* HTTP: a request's instance opens (backend SYN sent) */
	SL_NAT_HTTP_ANSWERED = 12, /* HTTP: the appliance answered and closes */
	SL_NAT_STATES
};

/* A worker's full-NAT counters. */
struct sl_nat_stats {
	uint64_t conns[16];	       /* live connections by enum sl_nat_state */
	uint64_t conns_active;	       /* entries in use */
	uint64_t conns_opened;	       /* connections created */
	uint64_t conns_reused;	       /* TIME_WAIT or CLOSE connections a new SYN replaced */
	uint64_t conns_expired;	       /* freed by their state's timeout */
	uint64_t handoff_sent;	       /* replies passed to the worker that owns their port */
	uint64_t handoff_received;     /* replies other workers passed here */
	uint64_t icmp_translated;      /* ICMP errors about a connection, translated */
	uint64_t mss_clamped;	       /* handshake segments whose MSS was lowered */
	uint64_t synproxy_cookies;     /* SYN-ACKs with a cookie sent */
	uint64_t synproxy_valid;       /* cookie ACKs that opened a connection */
	uint64_t synproxy_syn_retries; /* backend SYNs sent again */
	uint64_t synproxy_rsts;	       /* RSTs sent to clients */
	uint64_t connect_failures;     /* backend connections refused or unanswered */
	uint64_t synproxy_stale_acks;  /* backend SYNs answered by an older connection's ACK */
	uint64_t pad[2];
};
_Static_assert(SL_NAT_STATES <= 16, "sl_nat_stats.conns holds every state");
_Static_assert(sizeof(struct sl_nat_stats) == 4 * SL_CACHE_LINE, "nat stats layout");

/* Why the appliance answered a request itself (400, 404, 503, 408): indexes the http counters. */
enum sl_http_reason {
	SL_HTTP_BAD_REQUEST = 0,   /* 400: malformed or ambiguous head */
	SL_HTTP_HEAD_TOO_LONG = 1, /* 400: the head passed head_max */
	SL_HTTP_NO_ROUTE = 2,	   /* 404: no route and no default pool */
	SL_HTTP_NO_INSTANCE = 3,   /* 503: the pool has no serving instance, or none opened */
	SL_HTTP_HEAD_TIMEOUT = 4,  /* 408: the head did not complete in head_timeout_ms */
	SL_HTTP_REASONS
};

/* sl_http_counter.insert_failed: bytes the appliance could not write into a stream, by reason */
enum sl_http_ins_reason {
	SL_HTTP_INS_BUSY =
		0, /* the insertion before not acknowledged yet: the message went without */
	SL_HTTP_INS_NO_MBUF = 1, /* a split needed an mbuf: the segment dropped, sent again later */
	SL_HTTP_INS_NO_ROOM = 2, /* no room in the segment or the worker's output: dropped too */
	SL_HTTP_INS_NO_ID = 3,	 /* the instance has no sticky id: no Set-Cookie */
	SL_HTTP_INS_REASONS
};

/* One http VIP's request counters, per worker (by VIP index). */
struct sl_http_counter {
	uint64_t requests;		    /* heads parsed */
	uint64_t answered[SL_HTTP_REASONS]; /* requests the appliance answered, by reason */
	uint64_t rebinds;		    /* a keep-alive connection moved to another instance */
	uint64_t sticky_hit;		    /* a valid cookie chose the instance */
	uint64_t sticky_miss;		    /* a cookie named no serving member: balanced again */
	uint64_t inserted_headers; /* request heads that got X-Forwarded-For / X-Request-Id */
	uint64_t inserted_cookies; /* response heads that got a Set-Cookie */
	uint64_t insert_failed[SL_HTTP_INS_REASONS]; /* by enum sl_http_ins_reason */
	uint64_t pad[1];
};
_Static_assert(sizeof(struct sl_http_counter) == 2 * SL_CACHE_LINE, "http counter layout");

/* One route's counters, per worker (by sl_route.id). */
struct sl_route_counter {
	uint64_t requests;		    /* requests the route took */
	uint64_t status[5];		    /* instances' responses by class: 1xx .. 5xx */
	uint64_t answered[SL_HTTP_REASONS]; /* the appliance's own answers on this route */
	uint64_t pad[5];
};
_Static_assert(sizeof(struct sl_route_counter) == 2 * SL_CACHE_LINE, "route counter layout");

/*
 * One worker's statistics block: written only by that worker with plain
 * stores, read by anyone. Followed by struct sl_counter vips[max_vips],
 * struct sl_counter backends[max_backends], uint64_t
 * nat_ports[max_nat_sources] (connections, that is ports, in use per NAT
 * source), then, from a cache line, struct sl_http_counter http[max_vips]
 * and struct sl_route_counter routes[max_routes].
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
	struct sl_nat_stats nat;
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
