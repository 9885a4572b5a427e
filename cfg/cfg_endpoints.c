/* SPDX-License-Identifier: BSD-3-Clause */
/* Parsing discovery.etcd.endpoints (cp_disc_etcd_url.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "cfg_endpoints.h"

/* "http://HOST:PORT[/]" with HOST numeric, [v6] or localhost. */
static int parse_endpoint(const char *s, size_t len, struct cfg_endpoint *ep, char *why,
			  size_t why_len)
{
	char buf[128], host[64], *p, *colon, *end;
	unsigned long port;

	memset(ep, 0, sizeof(*ep));
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(buf)) {
		snprintf(why, why_len, "endpoint \"%.*s\": empty or too long",
			 (int)(len > 60 ? 60 : len), s);
		return -EINVAL;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	snprintf(ep->url, sizeof(ep->url), "%s", buf);
	if (strncmp(buf, "http://", 7) != 0) {
		snprintf(why, why_len, "endpoint \"%s\": only http:// is supported", buf);
		return -EINVAL;
	}
	p = buf + 7;
	if (len && buf[len - 1] == '/')
		buf[len - 1] = '\0';
	if (*p == '[') {
		char *rb = strchr(p, ']');

		if (!rb || rb[1] != ':' || (size_t)(rb - p - 1) >= sizeof(host))
			goto bad;
		memcpy(host, p + 1, (size_t)(rb - p - 1));
		host[rb - p - 1] = '\0';
		colon = rb + 1;
	} else {
		colon = strrchr(p, ':');
		if (!colon || (size_t)(colon - p) >= sizeof(host))
			goto bad;
		memcpy(host, p, (size_t)(colon - p));
		host[colon - p] = '\0';
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || colon[1] == '\0' || port == 0 || port > 65535)
		goto bad;
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	struct sockaddr_in *sin = (struct sockaddr_in *)&ep->sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ep->sa;

	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		ep->sa_len = sizeof(*sin);
		snprintf(ep->host, sizeof(ep->host), "%s:%lu", host, port);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		ep->sa_len = sizeof(*sin6);
		snprintf(ep->host, sizeof(ep->host), "[%s]:%lu", host, port);
	} else {
		snprintf(why, why_len,
			 "endpoint \"%s\": host must be an IP address or localhost (no DNS here)",
			 ep->url);
		return -EINVAL;
	}
	return 0;
bad:
	snprintf(why, why_len, "endpoint \"%s\": not http://HOST:PORT", ep->url);
	return -EINVAL;
}

int cfg_endpoints_parse(const char *list, struct cfg_endpoint *ep, uint32_t *n, char *why,
			size_t why_len)
{
	const char *s = list;

	*n = 0;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);

		if (*n == CFG_DISC_ETCD_MAX_ENDPOINTS) {
			snprintf(why, why_len, "more than %d endpoints",
				 CFG_DISC_ETCD_MAX_ENDPOINTS);
			return -EINVAL;
		}
		if (parse_endpoint(s, len, &ep[*n], why, why_len) != 0)
			return -EINVAL;
		(*n)++;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}
