/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * discovery.etcd.endpoints, parsed: what the config loader checks (so a
 * reload refuses exactly what a start would) and what the etcd provider
 * connects to. In the config library, which both daemons link.
 */
#ifndef CFG_ENDPOINTS_H
#define CFG_ENDPOINTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define CFG_DISC_ETCD_MAX_ENDPOINTS 8

struct cfg_endpoint {
	struct sockaddr_storage sa;
	socklen_t sa_len;
	char host[80]; /* Host: header, "127.0.0.1:2379" */
	char url[128];
};

/*
 * Comma-separated "http://HOST:PORT[/]", HOST an IPv4 address, [IPv6] or
 * localhost, PORT 1..65535, at most CFG_DISC_ETCD_MAX_ENDPOINTS. 0, or
 * -EINVAL with @why naming the endpoint and what is wrong with it.
 */
int cfg_endpoints_parse(const char *list, struct cfg_endpoint *ep, uint32_t *n, char *why,
			size_t why_len);

#endif /* CFG_ENDPOINTS_H */
