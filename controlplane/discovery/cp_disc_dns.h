/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `dns` discovery provider: DNS SRV records (e.g.
 * "_http._tcp.login.svc.example") resolved against one configured resolver
 * over non-blocking UDP in the event loop, refreshed by TTL, reported
 * through a cp_disc_sink (source CP_DISC_DNS). One SRV name per pool.
 *
 * Behaviour (docs/discovery.md):
 * - Only the lowest-priority group of SRV records is used (the others are
 *   fail-over groups; health checks, not DNS, decide failure here).
 *   SRV weight 0 becomes weight 1. A target of "." (service decidedly not
 *   available) contributes nothing.
 * - Target addresses come from the additional section (A and AAAA); for a
 *   target with no address there, A and AAAA queries are sent. A target
 *   whose A and AAAA answers are both empty/NXDOMAIN contributes nothing.
 * - One instance per (address, port), first SRV record wins on duplicates;
 *   its name is the target host name, or "" (the model names it
 *   address:port) when the host name does not fit SL_NAME_LEN.
 * - NXDOMAIN, or NOERROR without SRV records, means the pool is empty:
 *   update(n = 0). Timeout (after `attempts` tries of `timeout_ms` each),
 *   SERVFAIL/REFUSED/other rcodes, a truncated (TC) answer and any answer
 *   the codec refuses (cp_dns.h) report error(CP_DISC_DNS, pool, what) and
 *   no set: the last good set stays. The whole resolution (SRV and every
 *   A/AAAA it needs) must succeed for an update().
 * - The next refresh is after the smallest TTL of the records used,
 *   clamped to [min_ttl, max_ttl] seconds (negative answers: the SOA's
 *   TTL/minimum if present, else min_ttl). After an error, retries back off:
 *   min_ttl, 2*min_ttl, 4*min_ttl... capped at max_ttl (at least 1 s).
 * - Queries carry EDNS0 (UDP payload 4096); no TCP fallback: a TC answer is
 *   an error. Every query has a random id and is matched on id, name, type.
 */
#ifndef CP_DISC_DNS_H
#define CP_DISC_DNS_H

#include <stdint.h>
#include <sys/socket.h>

#include "cp_disc.h"

struct cp_loop;
struct cp_disc_dns;

struct cp_disc_dns_conf {
	const char *resolver; /* "127.0.0.1:5353", "[::1]:53", "198.18.0.1" (port 53) */
	uint32_t timeout_ms;  /* per attempt; 0: 1000 */
	uint32_t attempts;    /* tries per query before an error; 0: 3 */
	uint32_t min_ttl;     /* s; 0: 1 */
	uint32_t max_ttl;     /* s; 0: 300 */
};

/* NULL + errno (EINVAL: bad resolver text or min_ttl > max_ttl). @sink is copied. */
struct cp_disc_dns *cp_disc_dns_new(struct cp_loop *l, const struct cp_disc_dns_conf *conf,
				    const struct cp_disc_sink *sink);
void cp_disc_dns_free(struct cp_disc_dns *d);

/*
 * Resolve @srv_name for @pool, first on the next loop iteration, then by
 * TTL. 0, -EEXIST (pool already has a name), -EINVAL (bad name or pool
 * name), -ENOMEM.
 */
int cp_disc_dns_add(struct cp_disc_dns *d, const char *pool, const char *srv_name);

/* "host:port", "[v6]:port", "v4" or "v6" (port 53) -> sockaddr. 0 or -EINVAL. */
int cp_disc_dns_parse_resolver(const char *text, struct sockaddr_storage *ss, socklen_t *len);

/* Counters (tests, stats). */
struct cp_disc_dns_stats {
	uint64_t queries_sent;
	uint64_t answers;  /* accepted by the codec */
	uint64_t refused;  /* refused by the codec (reason reported) */
	uint64_t timeouts; /* attempts that timed out */
	uint64_t updates;
	uint64_t errors;
};
void cp_disc_dns_get_stats(const struct cp_disc_dns *d, struct cp_disc_dns_stats *s);

#endif /* CP_DISC_DNS_H */
