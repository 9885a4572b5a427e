/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What an HTTP connection keeps beside its full-NAT connection
 * (dp_conn.h): the request and response being parsed, the client segments
 * held while a request head is read or its instance opens, and where both
 * streams stand, in the client's numbers and the backend's. A worker has a
 * preallocated pool of them; a connection takes one when its cookie ACK
 * opens it and gives it back when it is freed.
 */
#ifndef DP_HTTP_CTX_H
#define DP_HTTP_CTX_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_http.h"
#include "dp_http_insert_types.h"
#include "dp_synproxy.h"

#define DP_HTTP_HELD 16		   /* client segments a connection holds */
#define DP_HTTP_PEND 8		   /* client segments held beyond a waiting request (pipelined) */
#define DP_HTTP_CTX_MAX (1u << 22) /* contexts per worker */
#define DP_HTTP_CTX_DEFAULT                                                                        \
	16384	       /* contexts per worker sluice-dp makes (at most one per connection) */
#define DP_HTTP_NONE 0 /* dp_sp_hs.http of a connection without a context */
#define DP_HTTP_NO_ROUTE UINT32_MAX /* dp_http_ctx.route before a route is found, or with none */

/* Where the client's stream is: the request side. */
enum dp_http_req_phase {
	DP_HTTP_REQ_HEAD = 0,	/* a request head is read: its segments held */
	DP_HTTP_REQ_WAIT = 1,	/* the head is read: held until its instance can take it */
	DP_HTTP_REQ_BODY = 2,	/* the request went on: its body follows it as it comes */
	DP_HTTP_REQ_TUNNEL = 3, /* after a 101 or a CONNECT's 2xx: everything goes on */
};

struct dp_http_ctx {
	struct dp_http_msg req;	 /* the request being read */
	struct dp_http_msg resp; /* the response being followed */
	struct dp_sp_open op;	 /* the client's options (the cookie), and the next SYN's numbers */
	uint32_t conn;		 /* the connection's id */
	uint32_t next_free;	 /* the pool's free list */
	/* client -> appliance, the client's numbers */
	uint32_t c_next;    /* the next byte expected in order */
	uint32_t req_start; /* the first byte of the request being read or waiting */
	uint32_t c_acked;   /* the highest acknowledgement the client sent */
	/* appliance -> client, the client's numbers */
	uint32_t s_next;   /* the next byte towards the client (where an answer starts) */
	uint32_t bind_pos; /* s_next when the instance was bound: acks below mean nothing to it */
	uint32_t ts_sent;  /* the newest TSval sent to the client (timestamps in use) */
	uint32_t ts_bind;  /* ours that the bound instance's SYN-ACK TSval stands for */
	/* backend -> appliance, the backend's numbers */
	uint32_t b_next;   /* the next response byte expected in order */
	uint8_t req_phase; /* enum dp_http_req_phase */
	uint8_t req_done;  /* the waiting request's body is complete too */
	uint8_t resp_open; /* a request went on and its response is not complete */
	uint8_t answer;	   /* enum dp_http_answer once the appliance answered, else 0xff */
	uint8_t n_held;
	uint8_t tried;	   /* instances tried for the waiting request */
	uint8_t retries;   /* backend SYNs sent again */
	uint8_t fin_held;  /* the client's FIN is among the held segments */
	uint8_t ts_clamp;  /* client TSecr older than ts_bind are raised to it (after a re-bind) */
	uint32_t want;	   /* the waiting request's instance (SL_BACKEND_NONE: not chosen) */
	uint32_t pool;	   /* the waiting request's pool: where another instance is tried */
	uint32_t syn_seq;  /* the backend SYN timer's entry */
	uint32_t head_seq; /* the head timer's entry */
	uint64_t head_due; /* TSC: the head must be complete by then (the VIP's head_timeout_ms) */
	uint32_t requests; /* requests that went on */
	/* routes by sl_route.id, DP_HTTP_NO_ROUTE: none found yet, or none matched */
	uint32_t want_route;	/* the waiting request's */
	uint32_t route;		/* the request whose response is followed */
	struct dp_http_ins ins; /* the bytes the appliance writes into both streams */
	struct rte_mbuf *held[DP_HTTP_HELD];
	/*
	 * In-order client segments after a request that waits for its
	 * instance (pipelined requests): read once it has gone on.
	 */
	uint8_t n_pend;
	uint32_t p_next; /* the byte after the last of them */
	struct rte_mbuf *pend[DP_HTTP_PEND];
};

struct dp_http_pool {
	uint32_t capacity;
	uint32_t n_free;
	uint32_t free_head; /* index + 1 of the first free context, 0: none */
	uint64_t full;	    /* takes refused */
	struct dp_http_ctx *ctx;
};

/* A pool of @capacity contexts (1..DP_HTTP_CTX_MAX), memory touched. NULL with errno. */
struct dp_http_pool *dp_http_pool_create(uint32_t capacity);
void dp_http_pool_destroy(struct dp_http_pool *p);

/* A context for connection @conn, zeroed but for its ids; its handle (never DP_HTTP_NONE), or
 * DP_HTTP_NONE when none is left (counted). */
uint32_t dp_http_ctx_take(struct dp_http_pool *p, uint32_t conn);

/* The context of handle @h, or NULL. */
static inline struct dp_http_ctx *dp_http_ctx_of(struct dp_http_pool *p, uint32_t h)
{
	return h != DP_HTTP_NONE && h <= p->capacity ? &p->ctx[h - 1] : NULL;
}

/* Give back handle @h, freeing the segments it holds; how many it held. */
uint32_t dp_http_ctx_put(struct dp_http_pool *p, uint32_t h);

#endif /* DP_HTTP_CTX_H */
