/* SPDX-License-Identifier: BSD-3-Clause */
/* Event records and health changes as JSON lines (cp_ev_json.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <jansson.h>

#include "cp_ev_json.h"
#include "sl_addr.h"

static const char *const end_names[SL_EV_END_MAX] = {
	[SL_EV_END_FIN] = "fin",
	[SL_EV_END_RST] = "rst",
	[SL_EV_END_TIMEOUT] = "timeout",
	[SL_EV_END_EVICTED] = "evicted",
};

/* By enum sl_http_reason. */
static const char *const answer_names[SL_HTTP_REASONS] = {
	[SL_HTTP_BAD_REQUEST] = "bad_request",	 [SL_HTTP_HEAD_TOO_LONG] = "head_too_long",
	[SL_HTTP_NO_ROUTE] = "no_route",	 [SL_HTTP_NO_INSTANCE] = "no_instance",
	[SL_HTTP_HEAD_TIMEOUT] = "head_timeout",
};

uint64_t cp_ev_clock_ns(const struct cp_ev_clock *c, uint64_t tsc)
{
	uint64_t d;

	if (!c->hz)
		return c->ref_ns;
	if (tsc >= c->ref_tsc) {
		d = tsc - c->ref_tsc;
		return c->ref_ns + d / c->hz * 1000000000ull + d % c->hz * 1000000000ull / c->hz;
	}
	d = c->ref_tsc - tsc;
	return c->ref_ns - (d / c->hz * 1000000000ull + d % c->hz * 1000000000ull / c->hz);
}

uint64_t cp_ev_clock_us(const struct cp_ev_clock *c, uint64_t from, uint64_t to)
{
	uint64_t d;

	if (!c->hz || to <= from)
		return 0;
	d = to - from;
	return d / c->hz * 1000000ull + d % c->hz * 1000000ull / c->hz;
}

void cp_ev_json_time(uint64_t realtime_ns, char *buf, size_t len)
{
	time_t sec = (time_t)(realtime_ns / 1000000000ull);
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03uZ", (unsigned int)(realtime_ns / 1000000ull % 1000ull));
}

static const char *mode_name(unsigned int mode)
{
	switch (mode) {
	case SL_MODE_DSR:
		return "dsr";
	case SL_MODE_TUNNEL:
		return "tunnel";
	case SL_MODE_NAT:
		return "nat";
	case SL_MODE_HTTP:
		return "http";
	default:
		return NULL;
	}
}

static json_t *addr_json(const struct sl_addr *a)
{
	char text[INET6_ADDRSTRLEN];

	if (sl_addr_is_v4(a))
		inet_ntop(AF_INET, &a->a32[3], text, sizeof(text));
	else
		inet_ntop(AF_INET6, a->a8, text, sizeof(text));
	return json_string(text);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A string of @len bytes that may not be UTF-8 (a client's bytes): other bytes as '?'. */
static json_t *bytes_json(const char *s, size_t len)
{
	char clean[SL_EV_PATH_MAX + 1];

	for (size_t i = 0; i < len && i < sizeof(clean) - 1; i++)
		clean[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	return json_stringn(clean, len < sizeof(clean) ? len : sizeof(clean) - 1);
}

static int dump(json_t *o, char *buf, size_t len)
{
	size_t n;

	if (!o)
		return -ENOMEM;
	n = json_dumpb(o, buf, len, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (n == 0)
		return -ENOMEM;
	if (n >= len)
		return -ENOSPC;
	buf[n] = '\0';
	return (int)n;
}

/* The fields every record line starts with, after "ts" and "kind". */
static int head(json_t *o, const struct sl_flow_key *k, uint32_t backend,
		const struct cp_ev_names *n, unsigned int mode, unsigned int worker,
		const char *start)
{
	const char *m = mode_name(mode ? mode : n->mode);

	return json_object_set_new(o, "vip", str_or_null(n->vip)) ||
	       json_object_set_new(o, "mode", str_or_null(m)) ||
	       json_object_set_new(o, "instance",
				   str_or_null(backend == SL_BACKEND_NONE ? NULL : n->instance)) ||
	       json_object_set_new(o, "instance_addr",
				   backend != SL_BACKEND_NONE && n->instance_addr
					   ? addr_json(n->instance_addr)
					   : json_null()) ||
	       json_object_set_new(o, "client", addr_json(&k->src)) ||
	       json_object_set_new(o, "client_port", json_integer(ntohs(k->sport))) ||
	       json_object_set_new(o, "vip_addr", addr_json(&k->dst)) ||
	       json_object_set_new(o, "vip_port", json_integer(ntohs(k->dport))) ||
	       json_object_set_new(o, "proto",
				   json_string(k->proto == IPPROTO_UDP ? "udp" : "tcp")) ||
	       json_object_set_new(o, "worker", json_integer(worker)) ||
	       json_object_set_new(o, "start", json_string(start));
}

static json_t *line_start(uint64_t ts_ns, const char *kind)
{
	char ts[40];
	json_t *o = json_object();

	cp_ev_json_time(ts_ns, ts, sizeof(ts));
	if (o && (json_object_set_new(o, "ts", json_string(ts)) ||
		  json_object_set_new(o, "kind", json_string(kind)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int cp_ev_json_flow(const struct sl_ev_flow *f, const struct cp_ev_clock *c,
		    const struct cp_ev_names *n, char *buf, size_t len)
{
	int both = f->seen == SL_EV_SEEN_BOTH;
	json_t *o = line_start(cp_ev_clock_ns(c, f->last_tsc), "flow"), *pk, *by;
	char start[40];

	if (!o)
		return -ENOMEM;
	cp_ev_json_time(cp_ev_clock_ns(c, f->start_tsc), start, sizeof(start));
	pk = json_pack("{s:I}", "client", (json_int_t)f->packets[SL_EV_DIR_CLIENT]);
	by = json_pack("{s:I}", "client", (json_int_t)f->bytes[SL_EV_DIR_CLIENT]);
	if (pk && by && both &&
	    (json_object_set_new(pk, "instance",
				 json_integer((json_int_t)f->packets[SL_EV_DIR_BACKEND])) ||
	     json_object_set_new(by, "instance",
				 json_integer((json_int_t)f->bytes[SL_EV_DIR_BACKEND])))) {
		json_decref(pk);
		pk = NULL;
	}
	if (!pk || !by || head(o, &f->key, f->backend, n, f->mode, f->worker, start) ||
	    json_object_set_new(
		    o, "duration_us",
		    json_integer((json_int_t)cp_ev_clock_us(c, f->start_tsc, f->last_tsc))) ||
	    json_object_set_new(o, "end",
				str_or_null(f->end < SL_EV_END_MAX ? end_names[f->end] : NULL)) ||
	    json_object_set_new(o, "seen", json_string(both ? "both" : "client")) ||
	    json_object_set_new(o, "packets", pk) || json_object_set_new(o, "bytes", by)) {
		json_decref(o);
		return -ENOMEM;
	}
	return dump(o, buf, len);
}

/* Microseconds from @from to @to, or null when @to never happened. */
static json_t *us_or_null(const struct cp_ev_clock *c, uint64_t from, uint64_t to)
{
	return to ? json_integer((json_int_t)cp_ev_clock_us(c, from, to)) : json_null();
}

static int http_fields(json_t *o, const struct sl_ev_request *r, const struct cp_ev_names *n,
		       int keep_query)
{
	size_t plen = r->path_len < SL_EV_PATH_MAX ? r->path_len : SL_EV_PATH_MAX;
	const char *q = keep_query ? NULL : memchr(r->path, '?', plen);

	if (q)
		plen = (size_t)(q - r->path);
	return json_object_set_new(o, "method", bytes_json(r->method, r->method_len)) ||
	       json_object_set_new(o, "host",
				   r->host_len ? bytes_json(r->host, r->host_len) : json_null()) ||
	       json_object_set_new(o, "path", bytes_json(r->path, plen)) ||
	       json_object_set_new(o, "path_cut", json_boolean(r->flags & SL_EV_F_PATH_CUT)) ||
	       json_object_set_new(
		       o, "route",
		       str_or_null(r->answer == SL_HTTP_NO_ROUTE + 1 ? NULL : n->route)) ||
	       json_object_set_new(o, "status",
				   r->status ? json_integer(r->status) : json_null()) ||
	       json_object_set_new(o, "answer",
				   r->answer && r->answer <= SL_HTTP_REASONS
					   ? json_string(answer_names[r->answer - 1])
					   : json_null()) ||
	       json_object_set_new(o, "request_id",
				   r->rid_len ? bytes_json(r->request_id, r->rid_len)
					      : json_null());
}

int cp_ev_json_request(const struct sl_ev_request *r, const struct cp_ev_clock *c,
		       const struct cp_ev_names *n, int keep_query, char *buf, size_t len)
{
	json_t *o = line_start(cp_ev_clock_ns(c, r->end_tsc), "request");
	char start[40];

	if (!o)
		return -ENOMEM;
	cp_ev_json_time(cp_ev_clock_ns(c, r->start_tsc), start, sizeof(start));
	if (head(o, &r->key, r->backend, n, r->mode, r->worker, start) ||
	    (!(r->flags & SL_EV_F_CONN) && http_fields(o, r, n, keep_query)) ||
	    json_object_set_new(o, "req_bytes", json_integer((json_int_t)r->req_bytes)) ||
	    json_object_set_new(o, "resp_bytes", json_integer((json_int_t)r->resp_bytes)) ||
	    json_object_set_new(o, "connect_us", us_or_null(c, r->start_tsc, r->connect_tsc)) ||
	    json_object_set_new(o, "ttfb_us", us_or_null(c, r->start_tsc, r->first_byte_tsc)) ||
	    json_object_set_new(
		    o, "duration_us",
		    json_integer((json_int_t)cp_ev_clock_us(c, r->start_tsc, r->end_tsc))) ||
	    json_object_set_new(o, "retries", json_integer(r->retries))) {
		json_decref(o);
		return -ENOMEM;
	}
	return dump(o, buf, len);
}

int cp_ev_json_health(uint64_t realtime_ns, const char *event, const char *pool,
		      const char *instance, const char *old_state, const char *new_state,
		      const char *reason, char *buf, size_t len)
{
	json_t *o = line_start(realtime_ns, "health");

	if (!o)
		return -ENOMEM;
	if (json_object_set_new(o, "event", json_string(event)) ||
	    json_object_set_new(o, "pool", json_string(pool)) ||
	    json_object_set_new(o, "instance", str_or_null(instance)) ||
	    json_object_set_new(o, "old", json_string(old_state)) ||
	    json_object_set_new(o, "new", json_string(new_state)) ||
	    json_object_set_new(o, "reason", json_string(reason ? reason : ""))) {
		json_decref(o);
		return -ENOMEM;
	}
	return dump(o, buf, len);
}
