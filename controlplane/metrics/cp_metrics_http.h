/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP side of the metrics endpoint: libmicrohttpd without a thread of
 * its own, driven from sluiced's loop (its epoll descriptor is one fd of
 * the loop, its timeout one timer). GET (or HEAD) /metrics answers 200
 * with what the render callback writes, in the Prometheus text format;
 * another path is 404, another method 405. The page is made in the
 * handler, on the loop, so it sees sluiced's state between two handlers:
 * no lock, no copy, one generation's names.
 */
#ifndef CP_METRICS_HTTP_H
#define CP_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "cp_loop.h"

#define CP_METRICS_HTTP_CONNS 32     /* clients at once; more wait in the backlog */
#define CP_METRICS_HTTP_TIMEOUT_S 10 /* s: an idle client is closed */

struct cp_metrics_http;

/* Write the page to @out: 0, or a negative errno (the client gets a 500). */
typedef int (*cp_metrics_http_render_fn)(void *ctx, FILE *out);

/*
 * Listen on @sa (port 0: the kernel picks one, cp_metrics_http_port()
 * says which) and serve from @loop. NULL with errno and @why ("ADDR:PORT:
 * Address already in use").
 */
struct cp_metrics_http *cp_metrics_http_new(struct cp_loop *loop, const struct sockaddr *sa,
					    socklen_t sa_len, cp_metrics_http_render_fn fn,
					    void *ctx, char *why, size_t why_len);
/* Close the listener and every client. NULL is fine. */
void cp_metrics_http_free(struct cp_metrics_http *m);

/* The port it listens on, host order. */
uint16_t cp_metrics_http_port(const struct cp_metrics_http *m);
/* Pages served (200), for tests and the log. */
uint64_t cp_metrics_http_served(const struct cp_metrics_http *m);

#endif /* CP_METRICS_HTTP_H */
