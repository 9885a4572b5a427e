/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active health probes (tcp connect, http GET, udp request/reply) on the
 * sluiced event loop (cp_loop.h): non-blocking sockets, one loop timer per
 * target, no threads, no blocking call. Each probe's outcome reaches the
 * caller as (ok, reason); counting rise/fall is the state machine's job
 * (cp_health_fsm.h), not the engine's.
 *
 * Schedule: the first probe starts within [0, jitter] ms of
 * cp_health_target_add(); each next one starts interval + [0, jitter] ms
 * after the previous one started (never before the previous one ended), so
 * thousands of targets added together spread out instead of firing at once.
 *
 * Sockets: each probe opens a fresh socket, applies SO_MARK and binds the
 * source address (or the wildcard) with an ephemeral port, tells the
 * socket hook (open), then connects. The hook therefore sees the local
 * port before the first packet leaves, so the XDP program's map of probe
 * sockets can be updated in time to pass the reply to the kernel. The hook
 * is told again (close) right before the socket is closed.
 */
#ifndef CP_HEALTH_H
#define CP_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_shm_types.h"

struct cp_loop;
struct cp_health;
struct cp_health_target;

enum cp_health_type {
	CP_HEALTH_TCP = 1,  /* connect succeeds */
	CP_HEALTH_HTTP = 2, /* GET path: status within range, optional body substring */
	CP_HEALTH_UDP = 3,  /* send payload, a reply (optionally containing expect) */
};

#define CP_HEALTH_PATH_LEN 256	   /* http path, NUL included */
#define CP_HEALTH_HOST_LEN 256	   /* http Host header, NUL included */
#define CP_HEALTH_EXPECT_LEN 128   /* http body substring / udp expected bytes */
#define CP_HEALTH_PAYLOAD_LEN 512  /* udp request bytes */
#define CP_HEALTH_READ_LIMIT 16384 /* default bytes of an http response examined */

struct cp_health_spec {
	uint8_t type;	      /* enum cp_health_type */
	uint16_t port;	      /* probe this port; 0: the target's port */
	uint32_t interval_ms; /* >= 1: start-to-start */
	uint32_t timeout_ms;  /* >= 1: whole probe (connect + request + reply) */
	uint32_t jitter_ms;   /* random extra delay 0..jitter_ms added to each interval */
	uint32_t mark;	      /* SO_MARK on the probe socket; 0: none */
	/* source address to bind; src_af 0: let the kernel choose */
	struct sl_addr src; /* IPv4-mapped for IPv4 */
	uint8_t src_af;	    /* 0, SL_AF_INET or SL_AF_INET6 (must match the target) */

	/* http */
	char http_path[CP_HEALTH_PATH_LEN]; /* "" : "/" */
	char http_host[CP_HEALTH_HOST_LEN]; /* "" : the target's address */
	uint16_t status_min;		    /* 0 and 0: 200..399 */
	uint16_t status_max;
	char http_body[CP_HEALTH_EXPECT_LEN]; /* "" : status only */
	uint32_t read_limit;		      /* bytes; 0: CP_HEALTH_READ_LIMIT */

	/* udp */
	uint8_t udp_payload[CP_HEALTH_PAYLOAD_LEN];
	uint16_t udp_payload_len;		  /* may be 0: an empty datagram */
	uint8_t udp_expect[CP_HEALTH_EXPECT_LEN]; /* reply must contain these bytes */
	uint16_t udp_expect_len;		  /* 0: any reply is ok */
};

/*
 * One probe's outcome. @reason is NUL-terminated, valid during the call:
 * "tcp: connected", "tcp: connect refused", "tcp: timeout after 500 ms",
 * "http: status 200", "http: status 503", "http: body lacks \"ready\"",
 * "udp: reply (5 bytes)", "udp: no reply within 500 ms", "udp: port
 * unreachable", "udp: reply lacks the expected bytes"... The callback may
 * remove this target or any other one.
 */
typedef void (*cp_health_result_fn)(void *ctx, bool ok, const char *reason);

/* A probe socket as the XDP map needs it. Addresses IPv4-mapped for IPv4. */
struct cp_health_sock {
	struct sl_addr local;  /* the bound source; all zeros: wildcard (no src given) */
	struct sl_addr remote; /* the target */
	uint16_t local_port;   /* host order, never 0 */
	uint16_t remote_port;  /* host order */
	uint8_t af;	       /* SL_AF_INET or SL_AF_INET6 */
	uint8_t proto;	       /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t mark;	       /* the SO_MARK applied, 0: none */
};

/* @open: 1 after bind and before connect; 0 right before close. */
typedef void (*cp_health_sock_fn)(void *ctx, int open, const struct cp_health_sock *s);

struct cp_health_stats {
	uint64_t probes; /* probes started */
	uint64_t ok;
	uint64_t failed; /* including timeouts */
	uint64_t timeouts;
	uint64_t deferred; /* probe postponed: out of sockets (EMFILE/ENFILE/ENOBUFS) */
	uint32_t targets;
	uint32_t in_flight; /* sockets open now */
};

/* NULL + errno. The engine uses @loop until cp_health_free(). */
struct cp_health *cp_health_new(struct cp_loop *loop);
/* Removes every target (the socket hook is told about each open socket). */
void cp_health_free(struct cp_health *h);

/* One hook for all targets; NULL to unset. */
void cp_health_set_sock_hook(struct cp_health *h, cp_health_sock_fn fn, void *ctx);

/*
 * Call @fn(@ctx, 1, sock) for every socket the hook was told "open" about
 * and that is still open (e.g. to register them again in a new XDP
 * program's map). Returns how many. @fn must not add or remove targets.
 */
unsigned int cp_health_each_open_sock(const struct cp_health *h, cp_health_sock_fn fn, void *ctx);

/* Seed of the jitter generator (tests; default: from the clock). */
void cp_health_seed(struct cp_health *h, uint64_t seed);

/*
 * Start probing @addr (IPv4-mapped for IPv4; @af SL_AF_INET or
 * SL_AF_INET6) port @port (host order; spec->port overrides) per @spec,
 * which is copied. NULL + errno: EINVAL (bad spec: type, interval or
 * timeout 0, port 0, src_af not matching @af, status_min > status_max,
 * udp_payload_len/udp_expect_len too long), ENOMEM.
 */
struct cp_health_target *cp_health_target_add(struct cp_health *h,
					      const struct cp_health_spec *spec,
					      const struct sl_addr *addr, uint8_t af, uint16_t port,
					      cp_health_result_fn cb, void *ctx);

/*
 * Stop probing and free @t (a probe in flight is abandoned without a
 * result; its socket is closed, hook told). Safe from any callback.
 */
void cp_health_target_remove(struct cp_health *h, struct cp_health_target *t);

void cp_health_get_stats(const struct cp_health *h, struct cp_health_stats *s);

#endif /* CP_HEALTH_H */
