/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libmicrohttpd in "external epoll" mode (cp_metrics_http.h): sluiced
 * makes and binds the listening socket itself, so a refused address says
 * why in sluiced's words, and hands it over; MHD's own epoll descriptor
 * is watched by the loop, and after each of its turns (MHD_run) the
 * timeout MHD asks for re-arms one loop timer. MHD closes the listener
 * when it stops.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <microhttpd.h>

#include "cp_metrics_http.h"
#include "cp_prom.h"

struct cp_metrics_http {
	struct cp_loop *loop;
	struct MHD_Daemon *mhd;
	struct cp_loop_fd lfd;
	struct cp_loop_timer timer;
	cp_metrics_http_render_fn fn;
	void *ctx;
	uint16_t port;
	uint64_t served;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *text)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct cp_metrics_http *m = cls;
	struct MHD_Response *r;
	enum MHD_Result rc;
	char *page = NULL;
	size_t len = 0;
	FILE *out;
	int err;

	(void)version;
	(void)upload;
	(void)req_cls;
	if (*upload_size) { /* a body we do not read: drop it */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
	out = open_memstream(&page, &len);
	if (!out)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	err = m->fn(m->ctx, out);
	if (fclose(out) != 0 && !err)
		err = -ENOMEM;
	if (err) {
		free(page);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "the metrics could not be written\n");
	}
	r = MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(page);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CP_PROM_CONTENT_TYPE);
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	if (rc == MHD_YES)
		m->served++;
	return rc;
}

/* One turn of MHD, then its next deadline on our timer. */
static void turn(struct cp_metrics_http *m)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(m->mhd);
	if (MHD_get_timeout(m->mhd, &ms) == MHD_YES)
		cp_loop_timer_in(m->loop, &m->timer, ms);
	else
		cp_loop_timer_cancel(m->loop, &m->timer);
}

static void on_fd(struct cp_loop_fd *f, uint32_t events)
{
	(void)events;
	turn(f->ctx);
}

static void on_timer(struct cp_loop_timer *t)
{
	turn(t->ctx);
}

static void addr_text(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
	}
}

/* The listening socket, bound: the fd, or -errno with @why. */
static int listen_on(const struct sockaddr *sa, socklen_t sa_len, uint16_t *port, char *why,
		     size_t why_len)
{
	struct sockaddr_storage got;
	socklen_t got_len = sizeof(got);
	char where[INET6_ADDRSTRLEN + 10];
	int fd, one = 1, rc;

	addr_text(sa, where, sizeof(where));
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(why, why_len, "%s: socket: %s", where, strerror(errno));
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, sa, sa_len) != 0 || listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &got_len) != 0) {
		rc = -errno;
		snprintf(why, why_len, "%s: %s", where, strerror(errno));
		close(fd);
		return rc;
	}
	*port = ntohs(got.ss_family == AF_INET ? ((struct sockaddr_in *)&got)->sin_port
					       : ((struct sockaddr_in6 *)&got)->sin6_port);
	return fd;
}

struct cp_metrics_http *cp_metrics_http_new(struct cp_loop *loop, const struct sockaddr *sa,
					    socklen_t sa_len, cp_metrics_http_render_fn fn,
					    void *ctx, char *why, size_t why_len)
{
	struct cp_metrics_http *m = calloc(1, sizeof(*m));
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_SUPPRESS_DATE_NO_CLOCK;
	int fd, rc;

	if (!m) {
		snprintf(why, why_len, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	m->loop = loop;
	m->fn = fn;
	m->ctx = ctx;
	cp_loop_timer_init(&m->timer, on_timer, m);
	fd = listen_on(sa, sa_len, &m->port, why, why_len);
	if (fd < 0) {
		free(m);
		errno = -fd;
		return NULL;
	}
	if (sa->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m, MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CP_METRICS_HTTP_CONNS,
				  MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned int)CP_METRICS_HTTP_TIMEOUT_S, MHD_OPTION_END);
	if (!m->mhd) {
		snprintf(why, why_len, "libmicrohttpd would not start");
		free(m); /* the listener is MHD's now, even when it fails */
		errno = EINVAL;
		return NULL;
	}
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	rc = info ? cp_loop_fd_add(loop, &m->lfd, info->epoll_fd, EPOLLIN, on_fd, m) : -EINVAL;
	if (rc) {
		snprintf(why, why_len, "watching libmicrohttpd's epoll descriptor: %s",
			 strerror(-rc));
		MHD_stop_daemon(m->mhd);
		free(m);
		errno = -rc;
		return NULL;
	}
	turn(m);
	return m;
}

void cp_metrics_http_free(struct cp_metrics_http *m)
{
	if (!m)
		return;
	cp_loop_fd_del(m->loop, &m->lfd);
	cp_loop_timer_cancel(m->loop, &m->timer);
	MHD_stop_daemon(m->mhd);
	free(m);
}

uint16_t cp_metrics_http_port(const struct cp_metrics_http *m)
{
	return m->port;
}

uint64_t cp_metrics_http_served(const struct cp_metrics_http *m)
{
	return m->served;
}
