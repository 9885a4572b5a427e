/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker connection table of full NAT. Unlike the flow table
 * (dp_flow.h), a connection is never evicted while it lives: its
 * translation would be lost mid-stream. A preallocated pool of
 * connections, each with two keys that live and die together: the
 * client's (C:cp -> VIP:vp) and the backend's reply (B:bp -> S:sp).
 *
 * The index maps a 5-tuple to (connection, direction): buckets of
 * DP_CONN_WAYS ways, two choices and 16-bit signatures as in the flow
 * table, but a way holds only the connection id and direction; the key is
 * compared against the connection's own key for that direction. The index
 * has twice as many ways as keys, so an insert nearly always finds room in
 * one of its two buckets; when both are full, a dead connection found
 * there is reclaimed, else one entry moves to its other bucket, else the
 * new connection is refused.
 *
 * Every connection has a state (enum sl_nat_state) and its state's idle
 * timeout: a lookup that finds a connection past it frees the connection
 * (both keys), and an incremental sweep frees the ones no packet asks for.
 * A full pool refuses the new connection. Time is whatever unit @now uses
 * (TSC cycles in the dataplane), @hz units per second. Nothing allocates
 * after dp_conn_create().
 */
#ifndef DP_CONN_H
#define DP_CONN_H

#include <stdint.h>

#include <rte_branch_prediction.h>

#include "dp_flow.h"
#include "dp_synproxy.h"
#include "dp_tcp.h"
#include "sl_hash.h"
#include "sl_shm_types.h"

#define DP_CONN_WAYS 8
#define DP_CONN_MAX (1u << 24)	 /* connections per table: ids fit 31 bits */
#define DP_CONN_SWEEP_ENTRIES 16 /* pool entries dp_conn_sweep() visits per call in the loop */

/* Directions: index of a connection's key, and of the way that names it. */
enum dp_conn_dir {
	DP_CONN_ORIG = 0,  /* client -> VIP */
	DP_CONN_REPLY = 1, /* backend -> NAT source */
};

/* dp_conn.flags */
#define DP_CONN_F_FIN_ORIG (1u << 0)   /* the client sent a FIN */
#define DP_CONN_F_FIN_REPLY (1u << 1)  /* the backend sent a FIN */
#define DP_CONN_F_FIN1_REPLY (1u << 2) /* the backend's FIN came first */
#define DP_CONN_F_SPLICED (1u << 3)    /* the SYN proxy spliced it: splice holds the deltas */
#define DP_CONN_F_REPLY (1u << 4)      /* the reply key is in the index (a backend is bound) */
#define DP_CONN_F_HTTP (1u << 5)       /* an http VIP's (its context may be gone before it) */

#define DP_CONN_NO_SRC UINT16_MAX /* dp_conn.nat_src of a connection with no backend yet */

#define DP_SP_HELD 3 /* client segments a SYN-proxied connection holds while its backend opens */

/*
 * The SYN proxy's handshake with the backend (state SL_NAT_SP_SYN_SENT):
 * what the cookie proved, the client segments held until the backend
 * answers (the cookie ACK first), and the retransmission timer's state.
 */
struct dp_sp_hs {
	struct dp_sp_open op;
	uint8_t n_held;
	uint8_t retries; /* backend SYNs sent again */
	uint8_t tried;	 /* instances tried */
	uint8_t pad;
	uint32_t timer_seq; /* the timer entry that is this handshake's */
	uint32_t http;	    /* an HTTP connection's context (dp_http_ctx.h), 0: none */
	struct rte_mbuf *held[DP_SP_HELD];
};
_Static_assert(sizeof(struct dp_sp_hs) <= 64, "the handshake fits a cache line");

/*
 * One connection, three cache lines: the keys, then what a packet of
 * either direction needs to be translated and sent, then the SYN proxy's
 * handshake (touched only while the backend opens).
 */
struct dp_conn {
	struct sl_flow_key key[2]; /* [DP_CONN_ORIG] C:cp -> VIP:vp, [DP_CONN_REPLY] B:bp -> S:sp */
	uint64_t last_seen;
	uint64_t backend_uid; /* sl_backend.uid when the connection was opened */
	uint32_t backend;     /* slot index into the table's backends */
	uint16_t vip;	      /* VIP index when opened (counters) */
	uint16_t nat_src;     /* index of S among the table's NAT sources (counters) */
	uint8_t state;	      /* enum sl_nat_state; SL_NAT_FREE: in the free list */
	uint8_t flags;	      /* DP_CONN_F_* */
	uint8_t client_port;  /* dataplane port the client's packets come in on */
	uint8_t pad0;
	uint8_t client_mac[6]; /* their source MAC: replies go back to it */
	uint16_t pad1;
	struct dp_splice splice;
	struct dp_sp_hs sp __attribute__((aligned(64)));
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct dp_conn) == 192, "a connection is three cache lines");

/* Signatures as in the flow table (dp_flow_match), then the ways' references. */
struct dp_conn_bucket {
	struct dp_flow_bucket sig;
	uint32_t ref[DP_CONN_WAYS]; /* conn id << 1 | direction */
	uint8_t pad[16];
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct dp_conn_bucket) == 64, "an index bucket is one cache line");

struct dp_conn_counters {
	uint64_t by_state[SL_NAT_STATES]; /* live and not yet reclaimed, by state */
	uint64_t active;		  /* connections in use */
	uint64_t opened;
	uint64_t reused;       /* TIME_WAIT or CLOSE connections replaced by a new SYN */
	uint64_t expired;      /* freed past their state's timeout */
	uint64_t full;	       /* opens refused: the pool is empty */
	uint64_t index_full;   /* opens refused: both buckets of a key full of live entries */
	uint64_t relocated;    /* index entries moved to their other bucket to make room */
	uint64_t sp_abandoned; /* held SYN-proxy segments freed with their connection */
};

/*
 * What a connection's records need beyond the connection, by connection
 * id: kept only when the table writes records (dp_conn_records).
 */
struct dp_conn_acct {
	uint64_t start;	     /* the connection opened */
	uint64_t connect;    /* the backend's SYN-ACK; 0: not yet */
	uint64_t first_byte; /* the backend's first payload byte; 0: none yet */
	uint64_t bytes[2];   /* by enum sl_ev_dir: frames as received */
	uint64_t payload[2]; /* TCP or UDP payload */
	uint32_t packets[2];
};
_Static_assert(sizeof(struct dp_conn_acct) == 64, "a connection's account is one line");

struct dp_ev_sink;

/* Idle timeouts by state, in seconds. */
struct dp_conn_timeouts {
	uint32_t syn; /* SYN_SENT, SYN_RECV, SP_SYN_SENT */
	uint32_t established;
	uint32_t fin; /* FIN_WAIT, CLOSING */
	uint32_t time_wait;
	uint32_t close;
	uint32_t udp;
};

struct dp_conn_table {
	uint32_t bucket_mask;
	uint32_t capacity;
	uint32_t n_free;
	uint32_t sweep_next;		 /* next pool entry the sweep visits */
	uint64_t timeout[SL_NAT_STATES]; /* in time units */
	struct dp_conn_counters cnt;
	uint32_t *free_ids; /* stack of free connection ids, n_free of them */
	struct dp_conn_bucket *buckets;
	struct dp_conn *conns;
	/* what frees a connection's HTTP context (sp.http), with @release_arg */
	void (*release)(void *arg, struct dp_conn *c);
	void *release_arg;
	uint32_t src_in_use[SL_MAX_NAT_SOURCES_LIMIT]; /* live connections per NAT source index */
	/*
	 * Told of each SL_NAT_SYN_SENT connection that expires, before it is
	 * freed: its backend never answered the client's SYN. NULL: nobody.
	 */
	void (*unanswered)(void *ctx, const struct dp_conn *c);
	void *unanswered_ctx;
	struct dp_conn_acct *acct; /* NULL: no records */
	struct dp_ev_sink *sink;
};

/*
 * A table of @capacity connections (1..DP_CONN_MAX), @hz time units per
 * second. Memory is touched here: no page fault on the fast path. NULL
 * with errno EINVAL or ENOMEM.
 */
struct dp_conn_table *dp_conn_create(uint32_t capacity, const struct dp_conn_timeouts *to,
				     uint64_t hz);

void dp_conn_destroy(struct dp_conn_table *t);

static inline uint32_t dp_conn_id(const struct dp_conn_table *t, const struct dp_conn *c)
{
	return (uint32_t)(c - t->conns);
}

static inline int dp_conn_alive(const struct dp_conn_table *t, const struct dp_conn *c,
				uint64_t now)
{
	return now - c->last_seen <= t->timeout[c->state];
}

/*
 * Write a flow record (and for a nat VIP's connection a request record of
 * the whole connection) into @sink for every connection freed from now on.
 * 0 or -ENOMEM.
 */
int dp_conn_records(struct dp_conn_table *t, struct dp_ev_sink *sink);

/*
 * A packet of @c in direction @dir (enum dp_conn_dir) at @now: @len bytes,
 * @payload of them TCP/UDP payload, @syn_ack when it is the backend's
 * SYN-ACK (counted for its records).
 */
static inline void dp_conn_count(struct dp_conn_table *t, const struct dp_conn *c, unsigned int dir,
				 uint32_t len, uint32_t payload, int syn_ack, uint64_t now)
{
	struct dp_conn_acct *a;

	if (!t->acct)
		return;
	a = &t->acct[c - t->conns];
	a->packets[dir]++;
	a->bytes[dir] += len;
	a->payload[dir] += payload;
	if (dir == DP_CONN_REPLY) {
		if (syn_ack && !a->connect)
			a->connect = now;
		if (payload && !a->first_byte)
			a->first_byte = now;
	}
}

/*
 * Free @c now: both keys leave the index, the id goes back to the pool, the
 * client segments a SYN-proxied handshake held are freed (counted), and an
 * HTTP context goes back through the table's release.
 */
void dp_conn_free(struct dp_conn_table *t, struct dp_conn *c);

/* dp_conn_free(), its records saying it ended idle (@expired) or as its state says. */
void dp_conn_end(struct dp_conn_table *t, struct dp_conn *c, int expired);

/* Free @c, found past its timeout: counted, and an unanswered SYN told (t->unanswered). */
static inline void dp_conn_expire(struct dp_conn_table *t, struct dp_conn *c)
{
	t->cnt.expired++;
	if (c->state == SL_NAT_SYN_SENT && t->unanswered)
		t->unanswered(t->unanswered_ctx, c);
	dp_conn_end(t, c, 1);
}

/*
 * The live connection that has @k (@hash = sl_flow_hash(k, 0)) as one of its
 * keys, with *@dir the direction @k is, or NULL. A connection found past its
 * timeout is expired (dp_conn_expire). The caller refreshes last_seen.
 */
static inline struct dp_conn *dp_conn_lookup(struct dp_conn_table *t, const struct sl_flow_key *k,
					     uint32_t hash, uint64_t now, unsigned int *dir)
{
	uint16_t sig = dp_flow_sig(hash);
	uint32_t b[2];

	dp_flow_buckets_of(t->bucket_mask, hash, b);
	for (unsigned int i = 0; i < 2; i++) {
		const struct dp_conn_bucket *bk = &t->buckets[b[i]];

		for (unsigned int m = dp_flow_match(&bk->sig, sig); m; m &= m - 1) {
			uint32_t ref = bk->ref[__builtin_ctz(m)];
			struct dp_conn *c = &t->conns[ref >> 1];

			if (!dp_flow_key_eq(&c->key[ref & 1], k))
				continue;
			if (unlikely(!dp_conn_alive(t, c, now))) {
				dp_conn_expire(t, c);
				return NULL;
			}
			*dir = ref & 1;
			return c;
		}
	}
	return NULL;
}

/*
 * Open a connection with keys @orig and @reply (neither in the table; hashes
 * as for dp_conn_lookup) in state @state at @now, counted against NAT
 * source @nat_src. @reply NULL: no backend yet (an HTTP connection reading
 * its first request), only the client's key, @nat_src ignored. The caller
 * fills backend, uid, vip and the client's next hop. Returns 0 with *@out
 * set, -ENOSPC when the pool is empty, -ENOBUFS when a key finds no room in
 * the index (each counted).
 */
int dp_conn_open(struct dp_conn_table *t, const struct sl_flow_key *orig, uint32_t orig_hash,
		 const struct sl_flow_key *reply, uint32_t reply_hash, uint64_t now,
		 unsigned int state, uint16_t nat_src, struct dp_conn **out);

/*
 * Give @c the reply key @reply (hash @reply_hash) of a backend through NAT
 * source @nat_src, in place of the one it has, if any (an HTTP connection
 * bound to its first or its next instance). Returns 0, or -ENOBUFS when
 * the new key finds no room (counted; @c keeps its old key).
 */
int dp_conn_set_reply(struct dp_conn_table *t, struct dp_conn *c, const struct sl_flow_key *reply,
		      uint32_t reply_hash, uint16_t nat_src, uint64_t now);

/* Move @c to @state (counts kept). */
static inline void dp_conn_set_state(struct dp_conn_table *t, struct dp_conn *c, unsigned int state)
{
	t->cnt.by_state[c->state]--;
	t->cnt.by_state[state]++;
	c->state = (uint8_t)state;
}

/* A connection a new SYN on its client key replaces (dp_conn_reuse) instead of joining. */
static inline int dp_conn_reusable(const struct dp_conn *c)
{
	return c->state == SL_NAT_TIME_WAIT || c->state == SL_NAT_CLOSE;
}

/* Free @c (dp_conn_reusable) for the new connection a SYN opens on its tuple (counted). */
static inline void dp_conn_reuse(struct dp_conn_table *t, struct dp_conn *c)
{
	t->cnt.reused++;
	dp_conn_free(t, c);
}

/*
 * The state change a TCP segment with @tcp_flags in direction @dir makes
 * (no sequence numbers are checked): the backend's SYN-ACK after the
 * client's SYN, the client's ACK after that, a FIN from either side, the
 * other side's FIN, the last ACK from the side that closed first, an RST.
 */
void dp_conn_track(struct dp_conn_table *t, struct dp_conn *c, unsigned int dir,
		   unsigned int tcp_flags);

/* Free the dead connections among the next @n pool entries (round robin); how many. */
uint32_t dp_conn_sweep(struct dp_conn_table *t, uint64_t now, uint32_t n);

#endif /* DP_CONN_H */
