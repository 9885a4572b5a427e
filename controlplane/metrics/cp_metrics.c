/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The families of cp_metrics.h, in the order docs/metrics.md lists them.
 * Counters the workers write with plain stores are read one word at a time
 * (relaxed atomic loads): each value is one the worker wrote, the sums
 * are of values read within one scrape. Names come from the published
 * slot, which sluiced alone writes and never while its loop runs a
 * handler, so every name of a scrape is of one generation.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>

#include "cp_metrics.h"
#include "sl_drop.h"

#define NAME(s) ((s)->name), sizeof((s)->name)

struct row {
	const char *name; /* the family */
	const char *type;
	const char *help;
	size_t at; /* of the uint64_t in its struct */
};

static uint64_t load(const void *base, size_t at)
{
	return __atomic_load_n((const uint64_t *)((const uint8_t *)base + at), __ATOMIC_RELAXED);
}

static uint32_t n_workers(const struct sl_shm_header *h)
{
	return h->dp_workers > h->max_workers ? h->max_workers : (uint32_t)h->dp_workers;
}

static struct sl_worker_stats *worker(const struct sl_shm_header *h, uint32_t w)
{
	return sl_shm_worker_stats(h, w);
}

static void info(struct cp_prom *w, const struct cp_metrics_src *s)
{
	const struct sl_shm_header *h = s->hdr;
	const struct cp_metrics_publish *p = s->publish;
	char abi[12];
	struct cp_prom_label l[2] = {{"segment", s->instance, SL_NAME_LEN},
				     {"abi_version", abi, 12}};
	struct cp_prom_label r;

	snprintf(abi, sizeof(abi), "%u", h->abi_version);
	cp_prom_family(w, "sluice_info", "gauge",
		       "The segment sluiced serves and its ABI version.");
	cp_prom_u64(w, "", l, 2, 1);
	cp_prom_family(w, "sluice_dataplane_up", "gauge",
		       "1 while a running sluice-dp is attached to the segment.");
	cp_prom_u64(w, "", NULL, 0, s->dataplane_alive);
	cp_prom_family(w, "sluice_dataplane_workers", "gauge",
		       "Workers of the attached dataplane (their counters are below).");
	cp_prom_u64(w, "", NULL, 0, n_workers(h));
	cp_prom_family(w, "sluice_dataplane_start_time_seconds", "gauge",
		       "When the attached dataplane started (Unix time); its counters start at 0 "
		       "then.");
	cp_prom_ns(w, "", NULL, 0, h->dp_pid ? h->dp_start_ns : 0);
	cp_prom_family(w, "sluice_dataplane_tables_refused_total", "counter",
		       "Generations the dataplane's checks refused.");
	cp_prom_u64(w, "", NULL, 0, __atomic_load_n(&h->dp_rejected, __ATOMIC_RELAXED));
	cp_prom_family(w, "sluice_publish_generation", "gauge", "The published generation.");
	cp_prom_u64(w, "", NULL, 0, SL_GEN_OF(__atomic_load_n(&h->published, __ATOMIC_ACQUIRE)));
	cp_prom_family(w, "sluice_publishes_total", "counter",
		       "Publications settled, by how: every worker acked, a worker did not ack "
		       "in time, no dataplane attached.");
	r = (struct cp_prom_label){"result", "acked", 8};
	cp_prom_u64(w, "", &r, 1, p->acked);
	r.value = "timeout";
	cp_prom_u64(w, "", &r, 1, p->timeouts);
	r.value = "unattached";
	r.len = 11;
	cp_prom_u64(w, "", &r, 1, p->unattached);
	cp_prom_family(w, "sluice_publish_ack_seconds", "summary",
		       "Time from a publication to the last worker's ack, over the acked ones.");
	cp_prom_ns(w, "_sum", NULL, 0, p->ack_ns_sum);
	cp_prom_u64(w, "_count", NULL, 0, p->acked);
	cp_prom_family(w, "sluice_publish_last_ack_seconds", "gauge",
		       "The last acked publication's time to its last ack.");
	cp_prom_ns(w, "", NULL, 0, p->last_ack_ns);
}

#define PORT_AT(f) offsetof(struct sl_port_stats, f)
static const struct row port_rows[] = {
	{"sluice_port_rx_packets_total", "counter", "Packets the port received.",
	 PORT_AT(ipackets)},
	{"sluice_port_rx_bytes_total", "counter", "Bytes the port received.", PORT_AT(ibytes)},
	{"sluice_port_tx_packets_total", "counter", "Packets the port sent.", PORT_AT(opackets)},
	{"sluice_port_tx_bytes_total", "counter", "Bytes the port sent.", PORT_AT(obytes)},
	{"sluice_port_rx_missed_total", "counter",
	 "Packets the port dropped: no room in an RX queue.", PORT_AT(imissed)},
	{"sluice_port_rx_errors_total", "counter", "Erroneous packets received.", PORT_AT(ierrors)},
	{"sluice_port_tx_errors_total", "counter", "Packets the port failed to send.",
	 PORT_AT(oerrors)},
	{"sluice_port_rx_nombuf_total", "counter", "RX mbuf allocation failures.",
	 PORT_AT(rx_nombuf)},
	{NULL, NULL, NULL, 0},
};

static void ports(struct cp_prom *w, const struct sl_shm_header *h)
{
	for (const struct row *r = port_rows; r->name; r++) {
		cp_prom_family(w, r->name, r->type, r->help);
		for (uint32_t p = 0; p < h->max_ports; p++) {
			const struct sl_port_stats *ps = sl_shm_port_stats(h, p);
			struct cp_prom_label l = {"port", NAME(ps)};

			if (ps->in_use)
				cp_prom_u64(w, "", &l, 1, load(ps, r->at));
		}
	}
}

#define WS_AT(f) offsetof(struct sl_worker_stats, f)
#define NAT_AT(f) offsetof(struct sl_worker_stats, nat.f)
static const struct row worker_rows[] = {
	{"sluice_worker_rx_packets_total", "counter", "Packets the worker received.",
	 WS_AT(rx_packets)},
	{"sluice_worker_rx_bytes_total", "counter", "Bytes the worker received.", WS_AT(rx_bytes)},
	{"sluice_worker_tx_packets_total", "counter", "Packets the worker sent.",
	 WS_AT(tx_packets)},
	{"sluice_worker_tx_bytes_total", "counter", "Bytes the worker sent.", WS_AT(tx_bytes)},
	{"sluice_worker_flow_hits_total", "counter", "Flow table lookups that found the flow.",
	 WS_AT(flow_hits)},
	{"sluice_worker_flow_misses_total", "counter", "Flow table lookups that did not.",
	 WS_AT(flow_misses)},
	{"sluice_worker_flow_evictions_total", "counter",
	 "Live flows pushed out of a full flow table.", WS_AT(flow_evictions)},
	{"sluice_worker_flow_expired_total", "counter", "Flows freed by their idle timeout.",
	 WS_AT(flow_expired)},
	{"sluice_worker_flows_active", "gauge", "Flows in the worker's flow table.",
	 WS_AT(flows_active)},
	{"sluice_worker_flows_embryonic", "gauge",
	 "Entries of bare SYNs and of fragmented datagrams.", WS_AT(flows_embryonic)},
	{"sluice_worker_flow_embryonic_evictions_total", "counter",
	 "Embryonic entries pushed out for a new flow.", WS_AT(flow_embryonic_evictions)},
	{"sluice_worker_flow_untracked_total", "counter",
	 "SYNs forwarded unremembered: their buckets all established.", WS_AT(flow_untracked)},
	{"sluice_worker_table_switches_total", "counter", "Table generations the worker followed.",
	 WS_AT(table_switches)},
	{"sluice_worker_icmp_forwarded_total", "counter",
	 "ICMP errors sent on to the instance of their flow.", WS_AT(icmp_forwarded)},
	{"sluice_worker_frag_forwarded_total", "counter", "Fragments forwarded.",
	 WS_AT(frag_forwarded)},
	{"sluice_worker_frag_split_total", "counter",
	 "IPv4 packets without DF split to fit the tunnel.", WS_AT(frag_split)},
	{"sluice_nat_connections_active", "gauge", "Full-NAT connection entries in use.",
	 NAT_AT(conns_active)},
	{"sluice_nat_connections_opened_total", "counter", "Full-NAT connections created.",
	 NAT_AT(conns_opened)},
	{"sluice_nat_connections_reused_total", "counter",
	 "TIME_WAIT or CLOSE connections a new SYN replaced.", NAT_AT(conns_reused)},
	{"sluice_nat_connections_expired_total", "counter",
	 "Connections freed by their state's timeout.", NAT_AT(conns_expired)},
	{"sluice_nat_handoff_sent_total", "counter",
	 "Replies passed to the worker that owns their port.", NAT_AT(handoff_sent)},
	{"sluice_nat_handoff_received_total", "counter", "Replies other workers passed here.",
	 NAT_AT(handoff_received)},
	{"sluice_nat_icmp_translated_total", "counter",
	 "ICMP errors about a connection, translated.", NAT_AT(icmp_translated)},
	{"sluice_nat_mss_clamped_total", "counter", "Handshake segments whose MSS was lowered.",
	 NAT_AT(mss_clamped)},
	{"sluice_nat_connect_failures_total", "counter",
	 "Backend connections refused or never answered.", NAT_AT(connect_failures)},
	{"sluice_synproxy_cookies_total", "counter", "SYN-ACKs with a cookie sent.",
	 NAT_AT(synproxy_cookies)},
	{"sluice_synproxy_valid_total", "counter", "Cookie ACKs that opened a connection.",
	 NAT_AT(synproxy_valid)},
	{"sluice_synproxy_syn_retries_total", "counter", "Backend SYNs sent again.",
	 NAT_AT(synproxy_syn_retries)},
	{"sluice_synproxy_rsts_total", "counter", "RSTs sent to clients.", NAT_AT(synproxy_rsts)},
	{NULL, NULL, NULL, 0},
};

/* By enum sl_nat_state, from SL_NAT_SYN_SENT. */
static const char *const nat_states[SL_NAT_STATES] = {
	NULL,	     "syn_sent",  "syn_recv",	   "established", "fin_wait",
	"closing",   "time_wait", "close",	   "udp",	  "sp_syn_sent",
	"http_head", "http_bind", "http_answered",
};

static void workers(struct cp_prom *w, const struct sl_shm_header *h)
{
	uint32_t nw = n_workers(h);
	char id[12], lc[24], q[24];
	struct cp_prom_label l[3] = {
		{"worker", id, sizeof(id)}, {"lcore", lc, 24}, {"queue", q, 24}};

	cp_prom_family(w, "sluice_worker_info", "gauge", "Each worker's lcore and RX queue.");
	for (uint32_t k = 0; k < nw; k++) {
		snprintf(id, sizeof(id), "%u", k);
		snprintf(lc, sizeof(lc), "%llu",
			 (unsigned long long)load(worker(h, k), WS_AT(lcore_id)));
		snprintf(q, sizeof(q), "%llu",
			 (unsigned long long)load(worker(h, k), WS_AT(queue_id)));
		cp_prom_u64(w, "", l, 3, 1);
	}
	cp_prom_family(w, "sluice_worker_generation", "gauge", "The generation the worker acked.");
	for (uint32_t k = 0; k < nw; k++) {
		snprintf(id, sizeof(id), "%u", k);
		cp_prom_u64(w, "", l, 1,
			    SL_GEN_OF(__atomic_load_n(&sl_shm_ack(h, k)->word, __ATOMIC_ACQUIRE)));
	}
	for (const struct row *r = worker_rows; r->name; r++) {
		cp_prom_family(w, r->name, r->type, r->help);
		for (uint32_t k = 0; k < nw; k++) {
			snprintf(id, sizeof(id), "%u", k);
			cp_prom_u64(w, "", l, 1, load(worker(h, k), r->at));
		}
	}
	cp_prom_family(w, "sluice_nat_connections", "gauge", "Live full-NAT connections by state.");
	for (uint32_t k = 0; k < nw; k++) {
		struct cp_prom_label ls[2] = {{"worker", id, sizeof(id)}, {"state", NULL, 32}};

		snprintf(id, sizeof(id), "%u", k);
		for (unsigned int st = SL_NAT_SYN_SENT; st < SL_NAT_STATES; st++) {
			ls[1].value = nat_states[st];
			cp_prom_u64(w, "", ls, 2,
				    load(worker(h, k), NAT_AT(conns) + st * sizeof(uint64_t)));
		}
	}
}

static void drops(struct cp_prom *w, const struct sl_shm_header *h)
{
	cp_prom_family(w, "sluice_drops_total", "counter",
		       "Packets the dataplane dropped, by reason, summed over the workers.");
	for (unsigned int d = 0; d < SL_DROP_MAX; d++) {
		struct cp_prom_label l = {"reason", sl_drop_name(d), 64};
		uint64_t n = 0;

		for (uint32_t k = 0; k < n_workers(h); k++)
			n += load(worker(h, k), WS_AT(drops) + d * sizeof(uint64_t));
		cp_prom_u64(w, "", &l, 1, n);
	}
}

/* The published slot's parts, counts bounded by the geometry. */
struct slot {
	unsigned int i;
	const struct sl_vip *vips;
	const struct sl_pool *pools;
	const struct sl_backend *be;
	const struct sl_nat_source *src;
	const struct sl_route *routes;
	const struct sl_http_vip *http;
	uint32_t n_vips, n_pools, n_backends, n_src, n_routes;
};

static uint32_t bound(uint32_t n, uint32_t max)
{
	return n < max ? n : max;
}

static int published(const struct sl_shm_header *h, struct slot *s)
{
	uint64_t word = __atomic_load_n(&h->published, __ATOMIC_ACQUIRE);
	const struct sl_table_hdr *th;

	if (!word)
		return -ENOENT;
	s->i = SL_SLOT_OF(word);
	th = sl_slot_hdr(h, s->i);
	s->vips = sl_slot_vips(h, s->i);
	s->pools = sl_slot_pools(h, s->i);
	s->be = sl_slot_backends(h, s->i);
	s->src = sl_slot_nat_sources(h, s->i);
	s->routes = sl_slot_routes(h, s->i);
	s->http = sl_slot_http(h, s->i);
	s->n_vips = bound(th->n_vips, h->max_vips);
	s->n_pools = bound(th->n_pools, h->max_pools);
	s->n_backends = bound(th->n_backends, h->max_backends);
	s->n_src = bound(th->n_nat_sources, h->max_nat_sources);
	s->n_routes = bound(th->n_routes, h->max_routes);
	return 0;
}

#define CNT_AT(f) offsetof(struct sl_counter, f)
static const struct row vip_rows[] = {
	{"sluice_vip_packets_total", "counter", "Packets to the VIP.", CNT_AT(packets)},
	{"sluice_vip_bytes_total", "counter", "Bytes to the VIP.", CNT_AT(bytes)},
	{"sluice_vip_flows_total", "counter", "New flows of the VIP.", CNT_AT(flows)},
	{NULL, NULL, NULL, 0},
};

static const struct row backend_rows[] = {
	{"sluice_backend_packets_total", "counter", "Packets sent to the backend.",
	 CNT_AT(packets)},
	{"sluice_backend_bytes_total", "counter", "Bytes sent to the backend.", CNT_AT(bytes)},
	{"sluice_backend_flows_total", "counter", "New flows that picked the backend.",
	 CNT_AT(flows)},
	{"sluice_backend_connect_failures_total", "counter",
	 "Connections the backend refused or never answered.", CNT_AT(connect_failures)},
	{"sluice_backend_requests_total", "counter", "HTTP requests sent to the backend.",
	 CNT_AT(requests)},
	{NULL, NULL, NULL, 0},
};

static uint64_t sum_counter(const struct sl_shm_header *h, int backend, uint32_t i, size_t at)
{
	uint64_t n = 0;

	for (uint32_t k = 0; k < n_workers(h); k++) {
		struct sl_worker_stats *ws = worker(h, k);
		const struct sl_counter *c =
			backend ? &sl_stats_backends(h, ws)[i] : &sl_stats_vips(ws)[i];

		n += load(c, at);
	}
	return n;
}

static const char *pool_name(const struct slot *s, uint32_t p)
{
	return p < s->n_pools ? s->pools[p].name : "";
}

static void vips_backends(struct cp_prom *w, const struct sl_shm_header *h, const struct slot *s)
{
	for (const struct row *r = vip_rows; r->name; r++) {
		cp_prom_family(w, r->name, r->type, r->help);
		for (uint32_t i = 0; i < s->n_vips; i++) {
			struct cp_prom_label l = {"vip", NAME(&s->vips[i])};

			cp_prom_u64(w, "", &l, 1, sum_counter(h, 0, i, r->at));
		}
	}
	for (const struct row *r = backend_rows; r->name; r++) {
		cp_prom_family(w, r->name, r->type, r->help);
		for (uint32_t b = 0; b < s->n_backends; b++) {
			struct cp_prom_label l[2] = {
				{"pool", pool_name(s, s->be[b].pool), SL_NAME_LEN},
				{"backend", NAME(&s->be[b])}};

			if (s->be[b].uid)
				cp_prom_u64(w, "", l, 2, sum_counter(h, 1, b, r->at));
		}
	}
}

static void nat_sources(struct cp_prom *w, const struct sl_shm_header *h, const struct slot *s)
{
	char addr[INET6_ADDRSTRLEN];
	struct cp_prom_label l = {"source", addr, sizeof(addr)};

	cp_prom_family(w, "sluice_nat_source_ports", "gauge",
		       "Ports of the NAT source's range (what its connections can hold).");
	for (uint32_t i = 0; i < s->n_src; i++) {
		inet_ntop(s->src[i].af == SL_AF_INET ? AF_INET : AF_INET6,
			  s->src[i].af == SL_AF_INET ? (const void *)&s->src[i].addr.a32[3]
						     : (const void *)s->src[i].addr.a8,
			  addr, sizeof(addr));
		cp_prom_u64(w, "", &l, 1, (uint64_t)s->src[i].port_max - s->src[i].port_min + 1);
	}
	cp_prom_family(w, "sluice_nat_source_ports_in_use", "gauge",
		       "Ports of the NAT source that connections hold, summed over the workers.");
	for (uint32_t i = 0; i < s->n_src; i++) {
		uint64_t n = 0;

		inet_ntop(s->src[i].af == SL_AF_INET ? AF_INET : AF_INET6,
			  s->src[i].af == SL_AF_INET ? (const void *)&s->src[i].addr.a32[3]
						     : (const void *)s->src[i].addr.a8,
			  addr, sizeof(addr));
		for (uint32_t k = 0; k < n_workers(h); k++)
			n += load(&sl_stats_nat_ports(h, worker(h, k))[i], 0);
		cp_prom_u64(w, "", &l, 1, n);
	}
}

/* By enum sl_http_reason. */
static const char *const reasons[SL_HTTP_REASONS] = {
	"bad_request", "head_too_long", "no_route", "no_instance", "head_timeout",
};
static const char *const classes[5] = {"1xx", "2xx", "3xx", "4xx", "5xx"};

#define HTTP_AT(f) offsetof(struct sl_http_counter, f)
#define ROUTE_AT(f) offsetof(struct sl_route_counter, f)

static uint64_t sum_http(const struct sl_shm_header *h, uint32_t vip, size_t at)
{
	uint64_t n = 0;

	for (uint32_t k = 0; k < n_workers(h); k++)
		n += load(&sl_stats_http(h, worker(h, k))[vip], at);
	return n;
}

static uint64_t sum_route(const struct sl_shm_header *h, uint32_t id, size_t at)
{
	uint64_t n = 0;

	for (uint32_t k = 0; id < h->max_routes && k < n_workers(h); k++)
		n += load(&sl_stats_routes(h, worker(h, k))[id], at);
	return n;
}

/* A route as its label: its path, after its host when it has one ("*.example/api"). */
static const char *route_label(const struct sl_route_key *k, char *buf, size_t len)
{
	if (k->host_kind == SL_ROUTE_HOST_ANY)
		snprintf(buf, len, "%.*s", (int)k->path_len, k->path);
	else
		snprintf(buf, len, "%s%.*s%.*s", k->host_kind == SL_ROUTE_HOST_SUFFIX ? "*" : "",
			 (int)k->host_len, k->host, (int)k->path_len, k->path);
	return buf;
}

static void http_vips(struct cp_prom *w, const struct sl_shm_header *h, const struct slot *s)
{
	struct cp_prom_label l[2] = {{"vip", NULL, SL_NAME_LEN}, {"reason", NULL, 16}};

#define EACH_HTTP_VIP(i)                                                                           \
	for (uint32_t i = 0; i < s->n_vips; i++)                                                   \
		if (s->vips[i].mode == SL_MODE_HTTP && ((l[0].value = s->vips[i].name), 1))
	cp_prom_family(w, "sluice_http_requests_total", "counter",
		       "Request heads the http VIP read.");
	EACH_HTTP_VIP(i) cp_prom_u64(w, "", l, 1, sum_http(h, i, HTTP_AT(requests)));
	cp_prom_family(w, "sluice_http_answered_total", "counter",
		       "Requests the appliance answered itself, by reason (400, 404, 503, 408).");
	EACH_HTTP_VIP(i)
	for (unsigned int r = 0; r < SL_HTTP_REASONS; r++) {
		l[1].value = reasons[r];
		cp_prom_u64(w, "", l, 2, sum_http(h, i, HTTP_AT(answered) + r * sizeof(uint64_t)));
	}
	cp_prom_family(w, "sluice_http_rebinds_total", "counter",
		       "Keep-alive connections moved to another instance.");
	EACH_HTTP_VIP(i) cp_prom_u64(w, "", l, 1, sum_http(h, i, HTTP_AT(rebinds)));
	cp_prom_family(w, "sluice_http_sticky_total", "counter",
		       "Requests with the instance cookie: it chose the instance (hit) or named "
		       "none serving (miss).");
	l[1].name = "result";
	EACH_HTTP_VIP(i)
	{
		l[1].value = "hit";
		cp_prom_u64(w, "", l, 2, sum_http(h, i, HTTP_AT(sticky_hit)));
		l[1].value = "miss";
		cp_prom_u64(w, "", l, 2, sum_http(h, i, HTTP_AT(sticky_miss)));
	}
#undef EACH_HTTP_VIP
}

static void routes(struct cp_prom *w, const struct sl_shm_header *h, const struct slot *s)
{
	char name[SL_ROUTE_HOST_MAX + SL_ROUTE_PATH_MAX + 2];
	struct cp_prom_label l[3] = {
		{"vip", NULL, SL_NAME_LEN}, {"route", name, sizeof(name)}, {NULL, NULL, 16}};
	static const char *const fams[3][2] = {
		{"sluice_route_requests_total", "Requests the route took."},
		{"sluice_route_responses_total", "The instances' responses by status class."},
		{"sluice_route_answered_total",
		 "The appliance's own answers on the route, by reason."},
	};

	for (int f = 0; f < 3; f++) {
		cp_prom_family(w, fams[f][0], "counter", fams[f][1]);
		for (uint32_t i = 0; i < s->n_vips; i++) {
			const struct sl_http_vip *hv = &s->http[i];

			if (s->vips[i].mode != SL_MODE_HTTP)
				continue;
			l[0].value = s->vips[i].name;
			for (uint32_t k = hv->route_first;
			     k < hv->route_first + hv->route_count && k < s->n_routes; k++) {
				uint32_t id = s->routes[k].id;

				route_label(&s->routes[k].key, name, sizeof(name));
				if (f == 0) {
					cp_prom_u64(w, "", l, 2,
						    sum_route(h, id, ROUTE_AT(requests)));
					continue;
				}
				l[2].name = f == 1 ? "class" : "reason";
				for (unsigned int c = 0; c < (f == 1 ? 5u : SL_HTTP_REASONS); c++) {
					size_t at =
						(f == 1 ? ROUTE_AT(status) : ROUTE_AT(answered)) +
						c * sizeof(uint64_t);

					l[2].value = f == 1 ? classes[c] : reasons[c];
					cp_prom_u64(w, "", l, 3, sum_route(h, id, at));
				}
			}
		}
	}
}

/* From the model: health state, drain, serving per instance; panic and refusals per pool. */
static void health(struct cp_prom *w, const struct cp_metrics_src *s)
{
	static const char *const states[] = {"probing", "healthy", "unhealthy"};
	struct cp_prom_label l[3] = {
		{"pool", NULL, SL_NAME_LEN}, {"backend", NULL, SL_NAME_LEN}, {"state", NULL, 16}};
	struct cp_model_inst *const *v;

	cp_prom_family(w, "sluice_backend_health", "gauge",
		       "1 for the instance's health state (probing, healthy, unhealthy).");
	for (uint32_t p = 0; p < s->cfg->n_pools; p++) {
		uint32_t n = cp_model_pool_instances(s->model, p, &v);

		l[0].value = s->cfg->pools[p].name;
		for (uint32_t i = 0; i < n; i++) {
			const char *now = cp_model_inst_state(v[i]);

			l[1].value = v[i]->name;
			for (unsigned int k = 0; k < 3; k++) {
				l[2].value = states[k];
				cp_prom_u64(w, "", l, 3, strcmp(now, states[k]) == 0);
			}
		}
	}
	cp_prom_family(w, "sluice_backend_serving", "gauge",
		       "1 while the instance takes new flows (health, drain and panic together).");
	for (uint32_t p = 0; p < s->cfg->n_pools; p++) {
		uint32_t n = cp_model_pool_instances(s->model, p, &v);

		l[0].value = s->cfg->pools[p].name;
		for (uint32_t i = 0; i < n; i++) {
			l[1].value = v[i]->name;
			cp_prom_u64(w, "", l, 2, v[i]->serving);
		}
	}
	cp_prom_family(w, "sluice_backend_drained", "gauge",
		       "1 while the instance is drained (sluicectl drain).");
	for (uint32_t p = 0; p < s->cfg->n_pools; p++) {
		uint32_t n = cp_model_pool_instances(s->model, p, &v);

		l[0].value = s->cfg->pools[p].name;
		for (uint32_t i = 0; i < n; i++) {
			l[1].value = v[i]->name;
			cp_prom_u64(w, "", l, 2, v[i]->drained);
		}
	}
	cp_prom_family(w, "sluice_pool_panic", "gauge",
		       "1 while the pool is in panic (every instance serves).");
	for (uint32_t p = 0; p < s->cfg->n_pools; p++) {
		l[0].value = s->cfg->pools[p].name;
		cp_prom_u64(w, "", l, 1, cp_model_pool_panic(s->model, p));
	}
	cp_prom_family(w, "sluice_pool_refused_entries", "gauge",
		       "Entries of the pool's discovery sources refused by the config's rules.");
	for (uint32_t p = 0; p < s->cfg->n_pools; p++) {
		l[0].value = s->cfg->pools[p].name;
		cp_prom_u64(w, "", l, 1, cp_model_pool_refused(s->model, p));
	}
}

void cp_metrics_write_hists(struct cp_prom *w, const struct cp_metrics_hist_family *f, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		cp_prom_family(w, f[i].name, "histogram", f[i].help);
		for (uint32_t k = 0; k < f[i].n; k++) {
			const struct cp_metrics_hist_series *x = &f[i].series[k];
			struct cp_prom_label l[3];
			unsigned int nl = 0;

			if (x->vip)
				l[nl++] = (struct cp_prom_label){"vip", x->vip, SL_NAME_LEN};
			if (x->route)
				l[nl++] = (struct cp_prom_label){"route", x->route, 512};
			if (x->backend)
				l[nl++] =
					(struct cp_prom_label){"backend", x->backend, SL_NAME_LEN};
			cp_prom_histogram(w, l, nl, &x->h);
		}
	}
}

int cp_metrics_write(FILE *out, const struct cp_metrics_src *src)
{
	const struct sl_shm_header *h = src->hdr;
	struct cp_prom w;
	struct slot s;

	cp_prom_init(&w, out);
	info(&w, src);
	ports(&w, h);
	workers(&w, h);
	drops(&w, h);
	if (published(h, &s) == 0) {
		vips_backends(&w, h, &s);
		nat_sources(&w, h, &s);
		http_vips(&w, h, &s);
		routes(&w, h, &s);
	}
	if (src->model && src->cfg)
		health(&w, src);
	cp_metrics_write_hists(&w, src->hists, src->n_hists);
	return cp_prom_end(&w);
}
