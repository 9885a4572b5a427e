/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP routes: how a request's host and path pick a route. One rule that
 * sluiced (which checks and orders a VIP's routes, and tells an operator
 * which route a URL takes) and the dataplane (which matches every request)
 * must agree on, so it lives here, pure C over bytes.
 *
 * A route has a path prefix matched by segments and optionally a host:
 *   path "/login" matches "/login", "/login/", "/login/x", "/login?x", not
 *   "/loginx"; "/" matches every path;
 *   host "api.example" matches that name (case-insensitive, a port and a
 *   final dot ignored); "*.example" matches names ending in ".example",
 *   with at least one label before it.
 * Precedence (sl_route_cmp): an exact host, then a wildcard host (the
 * longer suffix first), then no host; within each, the longer path first.
 * The first route of a sorted list that matches wins.
 *
 * Requests are matched on their normalized path (RFC 3986 6.2.2:
 * percent-encoded unreserved characters decoded, other escapes upper-cased,
 * dot segments removed), so "/profile/../admin" and "/%61dmin" are routed
 * as "/admin", as the instance will read them. The request itself goes to
 * the instance as it was sent.
 */
#ifndef SL_ROUTE_H
#define SL_ROUTE_H

#include <stdint.h>

#define SL_ROUTE_PATH_MAX 128 /* bytes of a route's path */
#define SL_ROUTE_HOST_MAX 64  /* bytes of a route's host ("*." included) */

enum sl_route_host {
	SL_ROUTE_HOST_ANY = 0,	  /* no host: every request */
	SL_ROUTE_HOST_EXACT = 1,  /* host[] is the name */
	SL_ROUTE_HOST_SUFFIX = 2, /* host[] is ".example" for "*.example" */
};

/* What a route matches. Strings are not NUL-terminated: the lengths say. */
struct sl_route_key {
	uint8_t host_kind; /* enum sl_route_host */
	uint8_t host_len;
	uint16_t path_len;
	char host[SL_ROUTE_HOST_MAX]; /* lower case */
	char path[SL_ROUTE_PATH_MAX]; /* normalized, no final '/' except the path "/" */
};
_Static_assert(sizeof(struct sl_route_key) == 196, "sl_route_key layout");

/*
 * A route as configured: @host NULL or "" for none, "name" or "*.suffix";
 * @path a normalized origin path ("/", "/login", "/api/v1"). Returns 0, or
 * -EINVAL with *@why saying what is wrong (a static string).
 */
int sl_route_key_make(const char *host, const char *path, struct sl_route_key *k, const char **why);

/* Precedence: < 0 if @a is tried before @b, > 0 after, 0 if they match the same requests. */
int sl_route_cmp(const struct sl_route_key *a, const struct sl_route_key *b);

/*
 * Normalize the path of request target @t (@len bytes: origin-form
 * "/p?q", absolute-form "http://host/p", or "*") into @path, which has room
 * for @len bytes (a normalized path is never longer), *@path_len bytes;
 * for absolute-form the authority's host goes to @host (room for @len
 * bytes), *@host_len bytes, else *@host_len is 0. Returns 0, or -EINVAL
 * for a malformed escape or a target of no known form.
 */
int sl_target_normalize(const char *t, uint32_t len, char *path, uint32_t *path_len, char *host,
			uint32_t *host_len);

/*
 * Normalize a Host value in place: lower case, no port, no final dot
 * ("Api.Example.:8080" -> "api.example", "[2001:2::1]:80" -> "[2001:2::1]").
 * Returns the new length, or -EINVAL if it is empty or holds a byte no
 * host name or address literal has.
 */
int sl_host_normalize(char *h, uint32_t len);

/* Does route @k match normalized @host (may be empty) and @path? 1 or 0. */
int sl_route_match(const struct sl_route_key *k, const char *host, uint32_t host_len,
		   const char *path, uint32_t path_len);

/* The first of @n routes (sorted by sl_route_cmp) that matches, or -1. */
int sl_route_pick(const struct sl_route_key *routes, uint32_t n, uint32_t stride, const char *host,
		  uint32_t host_len, const char *path, uint32_t path_len);

#endif /* SL_ROUTE_H */
