/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The etcd discovery provider: a v3 watch on a key prefix through etcd's
 * JSON gateway (HTTP/1.1, etcd >= 3.4), run on sluiced's event loop with
 * non-blocking sockets only (no threads, no libcurl, no blocking resolver).
 *
 * Keys are <prefix><pool>/<instance> (pool = the first component after the
 * prefix, instance = the last component), values are JSON objects
 * {"address": "198.18.1.11", "port": 80, "weight": 1}: address required
 * (IPv4 or IPv6 literal), port 0..65535 (default 0: the VIP's port), weight
 * 0..65535 (default 1); any other member is refused (typos are caught).
 *
 * What the sink sees (cp_disc.h, src = CP_DISC_ETCD):
 * - update(pool, set) with the complete current set of every pool found
 *   under the prefix after the first full read, and again for each pool an
 *   event changed (a pool whose last key went away: n = 0). After a
 *   re-read (the watch revision was compacted) every known pool is
 *   reported again.
 * - error(pool, "key K: reason") for a value that is not JSON or fails
 *   validation, or a key that is not <prefix><pool>/<instance>. That key is
 *   ignored: a previously good value of the same key is KEPT (nothing
 *   changes, the rest of the pool is unaffected); a key never good is not
 *   reported. Deleting the key removes it either way.
 * - error(NULL, "endpoint: reason") once per outage when the connection,
 *   the read or the watch fails (pool is NULL: the whole source). Every set
 *   stays as last reported; the provider reconnects with backoff (100 ms
 *   doubling to 5 s, per full turn over the endpoints), trying the next
 *   endpoint on each failure, and resumes the watch from the last seen
 *   revision + 1, so events made while it was away are replayed.
 */
#ifndef CP_DISC_ETCD_H
#define CP_DISC_ETCD_H

#include <stddef.h>
#include <stdint.h>

#include "cp_disc.h"
#include "cfg_endpoints.h"
#include "cp_loop.h"

#define CP_DISC_ETCD_TIMEOUT_MS_DEFAULT 2000 /* connect, read and watch creation */
#define CP_DISC_ETCD_BACKOFF_MIN_MS 100
#define CP_DISC_ETCD_BACKOFF_MAX_MS 5000
#define CP_DISC_ETCD_BATCH_MS 20 /* ms: watch events are reported together within this */

struct cp_disc_etcd;

struct cp_disc_etcd_params {
	/*
	 * "http://127.0.0.1:2379[,http://[::1]:2379...]": comma-separated,
	 * numeric IPv4/IPv6 or "localhost", port required; no https.
	 */
	const char *endpoints;
	const char *prefix;  /* non-empty, e.g. "/sluice/pools/" */
	uint32_t timeout_ms; /* 0: CP_DISC_ETCD_TIMEOUT_MS_DEFAULT; 1..600000 */
};

/* What a test or `sluicectl` may want to see. */
struct cp_disc_etcd_stats {
	int64_t revision;    /* last revision applied; 0: no full read yet */
	uint32_t endpoint;   /* index of the endpoint in use or tried next */
	uint32_t watching;   /* 1: the watch is established */
	uint64_t connects;   /* connection attempts */
	uint64_t failures;   /* connections lost or refused */
	uint64_t full_reads; /* range reads done (1 + compactions) */
	uint64_t events;     /* watch events applied */
	uint64_t bad_values; /* keys refused */
};

/*
 * Check @p without starting anything (for config validation). 0, or
 * -EINVAL with the reason in @why.
 */
int cp_disc_etcd_check(const struct cp_disc_etcd_params *p, char *why, size_t why_len);

/*
 * Start the provider on @loop: the first connection is attempted from the
 * loop (never inside this call). @p's strings and @sink are copied. NULL +
 * errno (EINVAL: bad params, see cp_disc_etcd_check; ENOMEM).
 */
struct cp_disc_etcd *cp_disc_etcd_new(struct cp_loop *loop, const struct cp_disc_etcd_params *p,
				      const struct cp_disc_sink *sink);

/* Close the connection, cancel timers, free. Reports nothing. NULL is fine. */
void cp_disc_etcd_free(struct cp_disc_etcd *e);

void cp_disc_etcd_get_stats(const struct cp_disc_etcd *e, struct cp_disc_etcd_stats *out);

#endif /* CP_DISC_ETCD_H */
