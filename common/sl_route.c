/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP route matching and the normalization it runs on (see sl_route.h).
 */
#include <errno.h>
#include <string.h>

#include "sl_route.h"

static inline int is_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static inline int hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static inline char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Bytes a path may hold as sent (RFC 3986 pchar and '/'; '%' starts an escape). */
static inline int is_path_byte(unsigned char c)
{
	return is_unreserved(c) || c == '/' || c == '%' || c == ':' || c == '@' || c == '!' ||
	       c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' ||
	       c == ',' || c == ';' || c == '=';
}

/*
 * Decode unreserved escapes, upper-case the others, of the @len path bytes
 * at @in into @out (same room). Returns the length, or -EINVAL.
 */
static int decode(const char *in, uint32_t len, char *out)
{
	uint32_t o = 0;

	for (uint32_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int hi, lo;

		if (!is_path_byte(c))
			return -EINVAL;
		if (c != '%') {
			out[o++] = (char)c;
			continue;
		}
		if (len - i < 3 || (hi = hex_val((unsigned char)in[i + 1])) < 0 ||
		    (lo = hex_val((unsigned char)in[i + 2])) < 0)
			return -EINVAL;
		c = (unsigned char)(hi << 4 | lo);
		if (is_unreserved(c)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = "0123456789ABCDEF"[hi];
			out[o++] = "0123456789ABCDEF"[lo];
		}
		i += 2;
	}
	return (int)o;
}

/*
 * RFC 3986 5.2.4 over an absolute path in place: "." segments dropped,
 * ".." removing the segment before it (never above the root). Returns the
 * new length; the path never grows, and the write position never passes
 * the read position.
 */
static uint32_t remove_dots(char *p, uint32_t n)
{
	uint32_t i = 0, o = 0;

	while (i < n) {
		uint32_t j = i + 1, seg;

		while (j < n && p[j] != '/')
			j++;
		seg = j - i - 1;
		if (seg == 1 && p[i + 1] == '.') {
			if (j == n)
				p[o++] = '/';
		} else if (seg == 2 && p[i + 1] == '.' && p[i + 2] == '.') {
			while (o > 0 && p[o - 1] != '/')
				o--;
			if (o > 0)
				o--; /* the '/' before the removed segment */
			if (j == n)
				p[o++] = '/';
		} else {
			memmove(p + o, p + i, seg + 1);
			o += seg + 1;
		}
		i = j;
	}
	return o ? o : (p[0] = '/', 1);
}

int sl_target_normalize(const char *t, uint32_t len, char *path, uint32_t *path_len, char *host,
			uint32_t *host_len)
{
	uint32_t start = 0, end;
	int n;

	*host_len = 0;
	if (len == 1 && t[0] == '*') { /* OPTIONS *: the server itself */
		path[0] = '/';
		*path_len = 1;
		return 0;
	}
	if (len > 7 && lower(t[0]) == 'h' && lower(t[1]) == 't' && lower(t[2]) == 't' &&
	    lower(t[3]) == 'p') {
		uint32_t a = (lower(t[4]) == 's') ? 5 : 4, h;

		if (len < a + 3 || memcmp(t + a, "://", 3) != 0)
			return -EINVAL;
		a += 3;
		h = a;
		while (h < len && t[h] != '/' && t[h] != '?' && t[h] != '#')
			h++;
		if (h == a)
			return -EINVAL;
		/* userinfo is not for a request target (RFC 9110 4.2.4) */
		if (memchr(t + a, '@', h - a))
			return -EINVAL;
		memcpy(host, t + a, h - a);
		n = sl_host_normalize(host, h - a);
		if (n < 0)
			return -EINVAL;
		*host_len = (uint32_t)n;
		start = h;
		if (start == len || t[start] != '/') { /* "http://host" or "http://host?q": "/" */
			path[0] = '/';
			*path_len = 1;
			return 0;
		}
	}
	if (start >= len || t[start] != '/')
		return -EINVAL;
	end = start;
	while (end < len && t[end] != '?' && t[end] != '#')
		end++;
	n = decode(t + start, end - start, path);
	if (n < 0)
		return n;
	*path_len = remove_dots(path, (uint32_t)n);
	return 0;
}

int sl_host_normalize(char *h, uint32_t len)
{
	uint32_t n = len;

	if (n && h[0] == '[') { /* an IPv6 literal, then maybe ":port" */
		char *close = memchr(h, ']', n);

		if (!close)
			return -EINVAL;
		n = (uint32_t)(close - h) + 1;
		if (n == 2)
			return -EINVAL;
		for (uint32_t i = 1; i + 1 < n; i++) {
			if (hex_val((unsigned char)h[i]) < 0 && h[i] != ':' && h[i] != '.')
				return -EINVAL;
			h[i] = lower(h[i]);
		}
		return (int)n;
	}
	for (uint32_t i = 0; i < n; i++)
		if (h[i] == ':') {
			n = i;
			break;
		}
	if (n && h[n - 1] == '.')
		n--;
	if (n == 0)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (!(is_unreserved(c) || c == '!' || c == '$' || c == '&' || c == '\'' ||
		      c == '(' || c == ')' || c == '*' || c == '+' || c == ',' || c == ';' ||
		      c == '='))
			return -EINVAL;
		h[i] = lower((char)c);
	}
	return (int)n;
}

static int host_name_ok(const char *h, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		char c = h[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return 0;
		if (c == '.' && (i == 0 || h[i - 1] == '.'))
			return 0;
	}
	return n > 0 && h[n - 1] != '.';
}

int sl_route_key_make(const char *host, const char *path, struct sl_route_key *k, const char **why)
{
	size_t hl = host ? strlen(host) : 0, pl = path ? strlen(path) : 0;
	char buf[SL_ROUTE_PATH_MAX], hbuf[SL_ROUTE_HOST_MAX];
	uint32_t n, hn;

	memset(k, 0, sizeof(*k));
	if (pl == 0 || path[0] != '/')
		return *why = "a path starts with '/'", -EINVAL;
	if (pl > SL_ROUTE_PATH_MAX)
		return *why = "a path is at most 128 bytes", -EINVAL;
	if (memchr(path, '?', pl) || memchr(path, '#', pl))
		return *why = "a path has no query or fragment", -EINVAL;
	if (sl_target_normalize(path, (uint32_t)pl, buf, &n, hbuf, &hn) < 0 || hn)
		return *why = "not a valid path (RFC 3986: pchar and '/', escapes as %XX)", -EINVAL;
	if (n != pl || memcmp(buf, path, n) != 0)
		return *why = "not in normal form (unreserved characters unescaped, "
			      "escapes upper-case, no \".\" or \"..\" segments)",
		       -EINVAL;
	if (n > 1 && buf[n - 1] == '/')
		return *why = "a path other than \"/\" does not end with '/' (it matches by "
			      "segments)",
		       -EINVAL;
	memcpy(k->path, buf, n);
	k->path_len = (uint16_t)n;
	if (hl == 0)
		return 0;
	if (hl > SL_ROUTE_HOST_MAX)
		return *why = "a host is at most 64 bytes", -EINVAL;
	for (size_t i = 0; i < hl; i++)
		hbuf[i] = lower(host[i]);
	if (hl > 2 && hbuf[0] == '*' && hbuf[1] == '.') {
		if (!host_name_ok(hbuf + 2, (uint32_t)hl - 2))
			return *why = "not a host name or *.name", -EINVAL;
		k->host_kind = SL_ROUTE_HOST_SUFFIX;
		memcpy(k->host, hbuf + 1, hl - 1); /* ".example" */
		k->host_len = (uint8_t)(hl - 1);
		return 0;
	}
	if (!host_name_ok(hbuf, (uint32_t)hl))
		return *why = "not a host name or *.name (lower case letters, digits, '-', '.')",
		       -EINVAL;
	k->host_kind = SL_ROUTE_HOST_EXACT;
	memcpy(k->host, hbuf, hl);
	k->host_len = (uint8_t)hl;
	return 0;
}

int sl_route_cmp(const struct sl_route_key *a, const struct sl_route_key *b)
{
	static const int rank[] = {
		[SL_ROUTE_HOST_EXACT] = 0, [SL_ROUTE_HOST_SUFFIX] = 1, [SL_ROUTE_HOST_ANY] = 2};
	int c;

	if (rank[a->host_kind] != rank[b->host_kind])
		return rank[a->host_kind] - rank[b->host_kind];
	if (a->host_kind == SL_ROUTE_HOST_SUFFIX && a->host_len != b->host_len)
		return (int)b->host_len - (int)a->host_len;
	if (a->path_len != b->path_len)
		return (int)b->path_len - (int)a->path_len;
	/* same rank and lengths: an order that is total and stable between the two sides */
	if (a->host_len != b->host_len)
		return (int)a->host_len - (int)b->host_len;
	c = memcmp(a->host, b->host, a->host_len);
	return c ? c : memcmp(a->path, b->path, a->path_len);
}

int sl_route_match(const struct sl_route_key *k, const char *host, uint32_t host_len,
		   const char *path, uint32_t path_len)
{
	switch (k->host_kind) {
	case SL_ROUTE_HOST_EXACT:
		if (host_len != k->host_len || memcmp(host, k->host, host_len) != 0)
			return 0;
		break;
	case SL_ROUTE_HOST_SUFFIX:
		if (host_len <= k->host_len ||
		    memcmp(host + host_len - k->host_len, k->host, k->host_len) != 0)
			return 0;
		break;
	default:
		break;
	}
	if (k->path_len == 1) /* "/" */
		return 1;
	return path_len >= k->path_len && memcmp(path, k->path, k->path_len) == 0 &&
	       (path_len == k->path_len || path[k->path_len] == '/');
}

int sl_route_pick(const struct sl_route_key *routes, uint32_t n, uint32_t stride, const char *host,
		  uint32_t host_len, const char *path, uint32_t path_len)
{
	const char *p = (const char *)routes;

	for (uint32_t i = 0; i < n; i++, p += stride)
		if (sl_route_match((const struct sl_route_key *)p, host, host_len, path, path_len))
			return (int)i;
	return -1;
}
