/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The records the dataplane writes for sluiced's event stream, and the
 * ring each worker writes them into (part of the shared-memory ABI,
 * sl_shm_types.h). Fixed size, every string bounded with its length and a
 * flag when it was cut; times are the writing worker's TSC, which sluiced
 * converts with the header's dp_tsc_hz and dp_tsc_ref / dp_tsc_ref_ns.
 *
 * A ring is single-producer (its worker), single-consumer (sluiced):
 *
 *   struct sl_ev_ring              head and drops (worker), tail (sluiced)
 *   union sl_event [ev_ring_size]  a power of two
 *
 * The worker writes record head % size when head - tail < size, then
 * stores head + 1 with release order; otherwise it counts a drop and moves
 * on. sluiced reads records tail .. head - 1 (head with acquire order) and
 * stores the new tail with release order. Neither ever waits for the other.
 */
#ifndef SL_EVENT_TYPES_H
#define SL_EVENT_TYPES_H

#include <stdint.h>

#include "sl_hash.h"

#define SL_EV_RING_MIN 16u /* records per worker ring (a power of two) */
#define SL_EV_RING_MAX 65536u
#define SL_EV_RING_DEFAULT 1024u

enum sl_ev_kind {
	SL_EV_NONE = 0,
	SL_EV_FLOW = 1,	   /* a flow (or a full-NAT connection) ended */
	SL_EV_REQUEST = 2, /* an HTTP request ended, or a full-NAT connection (nat mode) */
};

/* Why a flow ended. */
enum sl_ev_end {
	SL_EV_END_FIN = 1,     /* FIN seen, then idle past the FIN timeout (or closed) */
	SL_EV_END_RST = 2,     /* RST seen */
	SL_EV_END_TIMEOUT = 3, /* idle past its class's timeout */
	SL_EV_END_EVICTED = 4, /* pushed out of a full table for another flow */
	SL_EV_END_MAX
};

/* Which directions of a flow the appliance saw. */
enum sl_ev_seen {
	SL_EV_SEEN_CLIENT = 1, /* dsr, tunnel: the instance answers the client directly */
	SL_EV_SEEN_BOTH = 2,   /* nat, http: both directions cross the appliance */
};

/* packets[] and bytes[] of a record */
enum sl_ev_dir {
	SL_EV_DIR_CLIENT = 0,  /* client -> VIP */
	SL_EV_DIR_BACKEND = 1, /* instance -> client */
};

#define SL_EV_NO_ROUTE UINT32_MAX /* sl_ev_request.route: the VIP's default pool, or none */

/* sl_ev_request.flags */
#define SL_EV_F_PATH_CUT (1u << 0) /* the path was longer than the record (or the parser) holds */
#define SL_EV_F_HOST_CUT (1u << 1)
#define SL_EV_F_RID_CUT (1u << 2)
#define SL_EV_F_CONN (1u << 3) /* nat mode: one record for the whole connection, no HTTP */

#define SL_EV_METHOD_MAX 16
#define SL_EV_HOST_MAX 80
#define SL_EV_PATH_MAX 240
#define SL_EV_RID_MAX 56

/* The end of a flow: everything the worker saw of it. */
struct sl_ev_flow {
	uint8_t kind;		/* SL_EV_FLOW */
	uint8_t mode;		/* enum sl_fwd_mode of its VIP */
	uint8_t end;		/* enum sl_ev_end */
	uint8_t seen;		/* enum sl_ev_seen */
	uint32_t backend;	/* slot in the table; SL_BACKEND_NONE: none bound */
	uint64_t backend_uid;	/* sl_backend.uid: tells the slot's instance from a later one */
	struct sl_flow_key key; /* client -> VIP */
	uint16_t vip;		/* index in the table */
	uint16_t worker;
	uint32_t pad0;
	uint64_t start_tsc;  /* first packet */
	uint64_t last_tsc;   /* last packet */
	uint64_t packets[2]; /* by enum sl_ev_dir; [SL_EV_DIR_BACKEND] 0 when seen is client */
	uint64_t bytes[2];
	uint8_t pad1[16];
};
_Static_assert(sizeof(struct sl_ev_flow) == 128, "flow record layout");

/*
 * The end of an HTTP request (its response complete, or the appliance's
 * own answer), or of a full-NAT connection (SL_EV_F_CONN: no method, host,
 * path or status).
 */
struct sl_ev_request {
	uint8_t kind;	  /* SL_EV_REQUEST */
	uint8_t mode;	  /* enum sl_fwd_mode of its VIP */
	uint8_t answer;	  /* the appliance answered: enum sl_http_reason + 1; 0: an instance did */
	uint8_t flags;	  /* SL_EV_F_* */
	uint32_t backend; /* slot; SL_BACKEND_NONE: the appliance answered */
	uint64_t backend_uid;
	struct sl_flow_key key; /* client -> VIP */
	uint16_t vip;
	uint16_t worker;
	uint32_t route;	      /* sl_route.id, or SL_EV_NO_ROUTE */
	uint64_t start_tsc;   /* the request's first byte (nat: the client's SYN) */
	uint64_t connect_tsc; /* the instance's SYN-ACK for it; 0: on a connection already open */
	uint64_t first_byte_tsc; /* the response's first byte; 0: none */
	uint64_t end_tsc;	 /* the response's (or the answer's) last byte */
	uint64_t req_bytes;	 /* client -> instance (nat: payload of the connection) */
	uint64_t resp_bytes;	 /* instance -> client */
	uint16_t status;	 /* the response's status, or the appliance's answer */
	uint8_t retries;	 /* backend SYNs sent again, instances tried after the first */
	uint8_t method_len;
	uint8_t host_len;
	uint8_t rid_len;
	uint16_t path_len;
	char method[SL_EV_METHOD_MAX];
	char host[SL_EV_HOST_MAX];
	char path[SL_EV_PATH_MAX];
	char request_id[SL_EV_RID_MAX]; /* X-Request-Id when the request had one */
};
_Static_assert(sizeof(struct sl_ev_request) == 512, "request record layout");

union sl_event {
	uint8_t kind; /* enum sl_ev_kind */
	struct sl_ev_flow flow;
	struct sl_ev_request req;
};
_Static_assert(sizeof(union sl_event) == 512, "an event is 512 bytes");

struct sl_ev_ring {
	/* the worker's line */
	uint64_t head;	      /* records written */
	uint64_t drops;	      /* records not written: the ring was full */
	uint64_t tail_cached; /* the worker's last look at tail */
	uint8_t pad0[40];
	/* sluiced's line */
	uint64_t tail; /* records read */
	uint8_t pad1[56];
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct sl_ev_ring) == 128, "ring header is two lines");

#endif /* SL_EVENT_TYPES_H */
