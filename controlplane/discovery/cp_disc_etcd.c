/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The etcd provider's connection: one non-blocking TCP connection to one
 * endpoint at a time, carrying a range read of the prefix (when there is no
 * revision yet, or it was compacted) and then the watch from revision + 1
 * on the same connection. Every wait before the watch exists is bounded by
 * timeout_ms; an established watch lives until the peer goes away (TCP
 * keepalive catches a silent peer). Any failure closes the connection and
 * retries the next endpoint after a backoff.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cp_disc_etcd.h"
#include "cp_etcd_http.h"
#include "cp_etcd_json.h"
#include "cp_etcd_kvt.h"
#include "cp_log.h"

#define ETCD_LOG(lvl, ...) cp_log(CP_LOG_##lvl, "etcd", __VA_ARGS__)

#define ETCD_READ_CHUNK 65536	 /* bytes per read() */
#define ETCD_READS_PER_WAKEUP 64 /* then let other handlers run */
#define ETCD_KEEPIDLE_S 10	 /* TCP keepalive on an idle watch */
#define ETCD_KEEPINTVL_S 3
#define ETCD_KEEPCNT 3

enum etcd_phase {
	PH_IDLE = 0, /* waiting for the retry timer */
	PH_CONNECTING,
	PH_RANGE,      /* range request sent, response pending */
	PH_WATCH_WAIT, /* watch request sent, "created" pending */
	PH_WATCHING,
};

struct cp_disc_etcd {
	struct cp_loop *loop;
	struct cfg_endpoint ep[CFG_DISC_ETCD_MAX_ENDPOINTS];
	uint32_t n_ep, cur, fails_in_turn;
	uint32_t timeout_ms, backoff_ms;
	char *key_b64, *end_b64;
	struct cp_etcd_kvt kvt;

	int fd;
	struct cp_loop_fd lfd;
	struct cp_loop_timer retry, timeout;
	struct cp_loop_timer batch; /* watch events since the first not yet reported */
	enum etcd_phase phase;
	char *out;
	size_t out_len, out_off;
	struct cp_etcd_http http;

	int64_t revision; /* last applied; 0: no full read yet */
	int need_range;
	int outage_reported;
	struct cp_disc_etcd_stats st;
};

static void on_fd(struct cp_loop_fd *f, uint32_t events);

static void on_batch(struct cp_loop_timer *t)
{
	struct cp_disc_etcd *e = t->ctx;

	if (cp_etcd_kvt_flush(&e->kvt) != 0)
		cp_loop_timer_in(e->loop, &e->batch, CP_DISC_ETCD_BATCH_MS); /* no memory: retry */
}

int cp_disc_etcd_check(const struct cp_disc_etcd_params *p, char *why, size_t why_len)
{
	struct cfg_endpoint ep[CFG_DISC_ETCD_MAX_ENDPOINTS];
	uint32_t n;

	if (!p->endpoints || !*p->endpoints) {
		snprintf(why, why_len, "no endpoints");
		return -EINVAL;
	}
	if (!p->prefix || !*p->prefix) {
		snprintf(why, why_len, "empty prefix");
		return -EINVAL;
	}
	if (p->timeout_ms > 600000) {
		snprintf(why, why_len, "timeout_ms %u out of range 1..600000", p->timeout_ms);
		return -EINVAL;
	}
	return cfg_endpoints_parse(p->endpoints, ep, &n, why, why_len);
}

static void conn_close(struct cp_disc_etcd *e)
{
	if (e->fd >= 0) {
		cp_loop_fd_del(e->loop, &e->lfd);
		close(e->fd);
		e->fd = -1;
	}
	cp_loop_timer_cancel(e->loop, &e->timeout);
	free(e->out);
	e->out = NULL;
	e->out_len = e->out_off = 0;
	cp_etcd_http_reset(&e->http);
	cp_etcd_http_consume(&e->http, SIZE_MAX);
	e->phase = PH_IDLE;
	e->st.watching = 0;
}

/* Retry after @delay_ms, on the same endpoint. */
static void retry_in(struct cp_disc_etcd *e, uint64_t delay_ms)
{
	conn_close(e);
	if (cp_loop_timer_in(e->loop, &e->retry, delay_ms) != 0)
		ETCD_LOG(ERR, "cannot arm the retry timer: out of memory");
}

/*
 * The connection or the server failed: tell the sink once per outage (the
 * sets it has stay), move to the next endpoint, retry after the backoff.
 */
static void fail(struct cp_disc_etcd *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(struct cp_disc_etcd *e, const char *fmt, ...)
{
	char what[256], msg[400];
	va_list ap;
	uint32_t delay = e->backoff_ms;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s: %s", e->ep[e->cur].url, what);
	e->st.failures++;
	if (!e->outage_reported) {
		e->outage_reported = 1;
		if (e->kvt.sink.error)
			e->kvt.sink.error(e->kvt.sink.ctx, CP_DISC_ETCD, NULL, msg);
	}
	ETCD_LOG(WARN, "%s; retrying in %u ms", msg, delay);
	e->cur = (e->cur + 1) % e->n_ep;
	if (++e->fails_in_turn >= e->n_ep) {
		e->fails_in_turn = 0;
		e->backoff_ms *= 2;
		if (e->backoff_ms > CP_DISC_ETCD_BACKOFF_MAX_MS)
			e->backoff_ms = CP_DISC_ETCD_BACKOFF_MAX_MS;
	}
	e->st.endpoint = e->cur;
	retry_in(e, delay);
}

static int send_pending(struct cp_disc_etcd *e)
{
	while (e->out_off < e->out_len) {
		ssize_t n = send(e->fd, e->out + e->out_off, e->out_len - e->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return -errno;
		}
		e->out_off += (size_t)n;
	}
	return cp_loop_fd_mod(e->loop, &e->lfd, EPOLLIN | (e->out_off < e->out_len ? EPOLLOUT : 0));
}

static void send_request(struct cp_disc_etcd *e, const char *path, const char *body,
			 enum etcd_phase phase)
{
	int len, rc;

	free(e->out);
	e->out = NULL;
	len = asprintf(&e->out,
		       "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
		       "Content-Length: %zu\r\n\r\n%s",
		       path, e->ep[e->cur].host, strlen(body), body);
	if (len < 0) {
		e->out = NULL;
		fail(e, "out of memory");
		return;
	}
	e->out_len = (size_t)len;
	e->out_off = 0;
	e->phase = phase;
	cp_etcd_http_reset(&e->http);
	cp_etcd_http_consume(&e->http, SIZE_MAX);
	cp_loop_timer_in(e->loop, &e->timeout, e->timeout_ms);
	rc = send_pending(e);
	if (rc)
		fail(e, "send %s: %s", path, strerror(-rc));
}

static void send_range(struct cp_disc_etcd *e)
{
	char *body;

	if (asprintf(&body, "{\"key\":\"%s\",\"range_end\":\"%s\"}", e->key_b64, e->end_b64) < 0) {
		fail(e, "out of memory");
		return;
	}
	send_request(e, "/v3/kv/range", body, PH_RANGE);
	free(body);
}

static void send_watch(struct cp_disc_etcd *e)
{
	char *body;

	if (asprintf(&body,
		     "{\"create_request\":{\"key\":\"%s\",\"range_end\":\"%s\","
		     "\"start_revision\":\"%lld\"}}",
		     e->key_b64, e->end_b64, (long long)e->revision + 1) < 0) {
		fail(e, "out of memory");
		return;
	}
	send_request(e, "/v3/watch", body, PH_WATCH_WAIT);
	free(body);
}

static void on_retry(struct cp_loop_timer *t)
{
	struct cp_disc_etcd *e = t->ctx;
	const struct cfg_endpoint *ep = &e->ep[e->cur];
	int one = 1, idle = ETCD_KEEPIDLE_S, intvl = ETCD_KEEPINTVL_S, cnt = ETCD_KEEPCNT;
	int rc;

	e->st.connects++;
	e->fd = socket(ep->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (e->fd < 0) {
		fail(e, "socket: %s", strerror(errno));
		return;
	}
	setsockopt(e->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(e->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(e->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(e->fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(e->fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	rc = cp_loop_fd_add(e->loop, &e->lfd, e->fd, EPOLLOUT, on_fd, e);
	if (rc) {
		close(e->fd);
		e->fd = -1;
		fail(e, "epoll: %s", strerror(-rc));
		return;
	}
	e->phase = PH_CONNECTING;
	cp_loop_timer_in(e->loop, &e->timeout, e->timeout_ms);
	if (connect(e->fd, (const struct sockaddr *)&ep->sa, ep->sa_len) != 0 &&
	    errno != EINPROGRESS)
		fail(e, "connect: %s", strerror(errno));
}

static void on_timeout(struct cp_loop_timer *t)
{
	struct cp_disc_etcd *e = t->ctx;
	static const char *const what[] = {
		[PH_IDLE] = "idle",	   [PH_CONNECTING] = "connect",
		[PH_RANGE] = "range read", [PH_WATCH_WAIT] = "watch creation",
		[PH_WATCHING] = "watch",
	};

	fail(e, "%s timed out after %u ms", what[e->phase], e->timeout_ms);
}

static void on_range_done(struct cp_disc_etcd *e)
{
	struct cp_etcd_msg m;
	char why[200];
	int rc;

	if (e->http.status != 200) {
		fail(e, "range: HTTP %d: %.120s", e->http.status, e->http.body ? e->http.body : "");
		return;
	}
	rc = cp_etcd_json_range(e->http.body, e->http.body_len, &m, why, sizeof(why));
	if (rc == 0 && m.is_error) {
		snprintf(why, sizeof(why), "%s", m.reason);
		rc = -EPROTO;
	}
	if (rc) {
		cp_etcd_json_msg_free(&m);
		fail(e, "range: %s", why);
		return;
	}
	cp_loop_timer_cancel(e->loop, &e->batch); /* the full read reports everything below */
	cp_etcd_kvt_begin_full(&e->kvt);
	for (uint32_t i = 0; i < m.n_kvs; i++)
		cp_etcd_kvt_put(&e->kvt, m.kvs[i].key, m.kvs[i].value, m.kvs[i].value_len,
				m.kvs[i].bad);
	cp_etcd_kvt_end_full(&e->kvt);
	cp_etcd_kvt_flush(&e->kvt);
	e->revision = m.revision;
	e->need_range = 0;
	e->st.full_reads++;
	e->st.revision = e->revision;
	ETCD_LOG(INFO, "%s: read %u keys under %s at revision %lld", e->ep[e->cur].url, m.n_kvs,
		 e->kvt.prefix, (long long)m.revision);
	cp_etcd_json_msg_free(&m);
	if (e->http.close)
		retry_in(e, 0); /* the server will not take the watch on this connection */
	else
		send_watch(e);
}

/* One watch stream message. 0, or -1 when the connection was closed. */
static int on_watch_msg(struct cp_disc_etcd *e, const char *line, size_t len)
{
	struct cp_etcd_msg m;
	char why[200];
	int rc;

	rc = cp_etcd_json_watch(line, len, &m, why, sizeof(why));
	if (rc) {
		cp_etcd_json_msg_free(&m);
		fail(e, "watch: %s", why);
		return -1;
	}
	if (m.is_error) {
		fail(e, "watch: %s", m.reason);
		goto closed;
	}
	if (m.canceled) {
		if (m.compact_revision > 0) {
			ETCD_LOG(INFO, "%s: revision %lld compacted (now %lld): reading %s again",
				 e->ep[e->cur].url, (long long)e->revision + 1,
				 (long long)m.compact_revision, e->kvt.prefix);
			e->need_range = 1;
			retry_in(e, 0);
		} else {
			fail(e, "watch cancelled by the server: %s",
			     m.reason[0] ? m.reason : "no reason");
		}
		goto closed;
	}
	if (m.created) {
		if (m.revision < e->revision) {
			/* a new cluster or restored backup: our revision means nothing there */
			ETCD_LOG(WARN,
				 "%s: store revision %lld is behind ours (%lld): reading again",
				 e->ep[e->cur].url, (long long)m.revision, (long long)e->revision);
			e->need_range = 1;
			retry_in(e, 0);
			goto closed;
		}
		e->phase = PH_WATCHING;
		e->st.watching = 1;
		cp_loop_timer_cancel(e->loop, &e->timeout);
		e->outage_reported = 0;
		e->backoff_ms = CP_DISC_ETCD_BACKOFF_MIN_MS;
		e->fails_in_turn = 0;
		ETCD_LOG(INFO, "%s: watching %s from revision %lld", e->ep[e->cur].url,
			 e->kvt.prefix, (long long)e->revision + 1);
	} else if (m.n_kvs == 0 && m.revision > e->revision && e->phase == PH_WATCHING) {
		e->revision = m.revision; /* progress notification */
	}
	for (uint32_t i = 0; i < m.n_kvs; i++) {
		struct cp_etcd_kv *kv = &m.kvs[i];

		if (kv->is_delete)
			cp_etcd_kvt_delete(&e->kvt, kv->key);
		else
			cp_etcd_kvt_put(&e->kvt, kv->key, kv->value, kv->value_len, kv->bad);
		if (kv->mod_revision > e->revision)
			e->revision = kv->mod_revision;
		e->st.events++;
	}
	/*
	 * A burst of puts (an orchestrator registering thousands of instances)
	 * arrives as one message per event: report the sets once per batch, not
	 * a whole pool per event.
	 */
	if (m.n_kvs && !cp_loop_timer_armed(&e->batch))
		cp_loop_timer_in(e->loop, &e->batch, CP_DISC_ETCD_BATCH_MS);
	e->st.revision = e->revision;
	cp_etcd_json_msg_free(&m);
	return 0;
closed:
	cp_etcd_json_msg_free(&m);
	return -1;
}

static void on_watch_data(struct cp_disc_etcd *e)
{
	char *nl;

	if (e->http.status != 200) {
		if (cp_etcd_http_done(&e->http))
			fail(e, "watch: HTTP %d: %.120s", e->http.status,
			     e->http.body ? e->http.body : "");
		return;
	}
	while (e->http.body_len && (nl = memchr(e->http.body, '\n', e->http.body_len))) {
		size_t len = (size_t)(nl - e->http.body);
		int skip = len == 0 || (len == 1 && e->http.body[0] == '\r');

		if (!skip && on_watch_msg(e, e->http.body, len) != 0)
			return;
		cp_etcd_http_consume(&e->http, len + 1);
	}
	if (cp_etcd_http_done(&e->http))
		fail(e, "watch stream ended by the server");
}

static void on_readable(struct cp_disc_etcd *e)
{
	char buf[ETCD_READ_CHUNK];

	for (int i = 0; i < ETCD_READS_PER_WAKEUP && e->fd >= 0; i++) {
		ssize_t n = recv(e->fd, buf, sizeof(buf), 0);
		long used;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			fail(e, "recv: %s", strerror(errno));
			return;
		}
		if (n == 0) {
			if (e->phase == PH_RANGE && cp_etcd_http_eof(&e->http) == 0) {
				e->http.close = 1; /* body ran to EOF: reconnect for the watch */
				on_range_done(e);
				return;
			}
			fail(e, "connection closed by the server");
			return;
		}
		used = cp_etcd_http_feed(&e->http, buf, (size_t)n);
		if (used < 0) {
			fail(e, "bad HTTP response: %s", e->http.why);
			return;
		}
		if (e->phase == PH_RANGE) {
			if (cp_etcd_http_done(&e->http)) {
				if (used != n) {
					fail(e, "range: bytes after the response");
					return;
				}
				on_range_done(e);
			}
		} else if (e->phase == PH_WATCH_WAIT || e->phase == PH_WATCHING) {
			on_watch_data(e);
		}
	}
}

static void on_fd(struct cp_loop_fd *f, uint32_t events)
{
	struct cp_disc_etcd *e = f->ctx;
	int rc;

	if (e->phase == PH_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(e->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err) {
			fail(e, "connect: %s", strerror(err));
			return;
		}
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (e->revision == 0 || e->need_range)
			send_range(e);
		else
			send_watch(e);
		return;
	}
	if (events & EPOLLOUT) {
		rc = send_pending(e);
		if (rc) {
			fail(e, "send: %s", strerror(-rc));
			return;
		}
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		on_readable(e);
}

struct cp_disc_etcd *cp_disc_etcd_new(struct cp_loop *loop, const struct cp_disc_etcd_params *p,
				      const struct cp_disc_sink *sink)
{
	struct cp_disc_etcd *e;
	char why[200], *end = NULL;
	size_t plen;

	if (cp_disc_etcd_check(p, why, sizeof(why)) != 0) {
		ETCD_LOG(ERR, "%s", why);
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		goto nomem;
	e->fd = -1;
	e->loop = loop;
	cfg_endpoints_parse(p->endpoints, e->ep, &e->n_ep, why, sizeof(why));
	e->timeout_ms = p->timeout_ms ? p->timeout_ms : CP_DISC_ETCD_TIMEOUT_MS_DEFAULT;
	e->backoff_ms = CP_DISC_ETCD_BACKOFF_MIN_MS;
	cp_etcd_http_init(&e->http);
	cp_loop_timer_init(&e->retry, on_retry, e);
	cp_loop_timer_init(&e->timeout, on_timeout, e);
	cp_loop_timer_init(&e->batch, on_batch, e);
	if (cp_etcd_kvt_init(&e->kvt, p->prefix, sink) != 0)
		goto nomem;

	/* range_end: the prefix with its last byte below 0xff incremented */
	plen = strlen(p->prefix);
	end = strdup(p->prefix);
	if (!end)
		goto nomem;
	while (plen && (unsigned char)end[plen - 1] == 0xff)
		plen--;
	if (plen)
		end[plen - 1]++;
	else
		end[plen++] = '\0'; /* all 0xff: "\0" means "to the end of the keyspace" */
	e->key_b64 = malloc(4 * (strlen(p->prefix) + 2) / 3 + 8);
	e->end_b64 = malloc(4 * (plen + 2) / 3 + 8);
	if (!e->key_b64 || !e->end_b64)
		goto nomem;
	cp_etcd_json_b64_encode(p->prefix, strlen(p->prefix), e->key_b64);
	cp_etcd_json_b64_encode(end, plen, e->end_b64);
	free(end);
	if (cp_loop_timer_in(loop, &e->retry, 0) != 0)
		goto nomem_e;
	return e;
nomem:
	free(end);
nomem_e:
	cp_disc_etcd_free(e);
	errno = ENOMEM;
	return NULL;
}

void cp_disc_etcd_free(struct cp_disc_etcd *e)
{
	if (!e)
		return;
	conn_close(e);
	cp_loop_timer_cancel(e->loop, &e->retry);
	cp_loop_timer_cancel(e->loop, &e->batch);
	cp_etcd_http_fini(&e->http);
	cp_etcd_kvt_fini(&e->kvt);
	free(e->key_b64);
	free(e->end_b64);
	free(e);
}

void cp_disc_etcd_get_stats(const struct cp_disc_etcd *e, struct cp_disc_etcd_stats *out)
{
	*out = e->st;
	out->endpoint = e->cur;
	out->revision = e->revision;
	out->bad_values = e->kvt.bad_values;
}
