/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `sluicectl show` and `sluicectl stats`: everything comes from the segment,
 * mapped read-only; nothing here can disturb sluiced or the dataplane.
 * Per-VIP and per-backend counters are summed over the dataplane's workers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "cp_loop.h"
#include "cp_shm.h"
#include "cp_text.h"
#include "ctl_http.h"
#include "ctl_nat.h"
#include "ctl_show.h"

/* a name from the segment, escaped for the terminal (an escape is 4 bytes) */
#define ESC(name, buf) cp_text_esc((name), SL_NAME_LEN, (buf), sizeof(buf))
#define ESC_LEN (4 * SL_NAME_LEN + 1)
#include "sl_drop.h"
#include "sl_why.h"

int ctl_segment_open(struct ctl_segment *s, const char *instance, char *why, size_t why_len)
{
	char reason[160];
	struct stat st;
	void *p;
	int fd, rc;

	memset(s, 0, sizeof(*s));
	snprintf(s->instance, sizeof(s->instance), "%s", instance);
	snprintf(s->path, sizeof(s->path), SL_SHM_PATH_FMT, instance);
	fd = open(s->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sl_why(why, why_len, -errno, "%s: %s%s", s->path, strerror(errno),
			      errno == ENOENT ? " (is sluiced running for this instance?)" : "");
	if (fstat(fd, &st) != 0 || st.st_size == 0) {
		rc = sl_why(why, why_len, -EBADMSG, "%s: empty segment", s->path);
		close(fd);
		return rc;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return sl_why(why, why_len, -errno, "%s: mmap: %s", s->path, strerror(errno));
	rc = sl_shm_check_header(p, (size_t)st.st_size, reason, sizeof(reason));
	if (rc) {
		munmap(p, (size_t)st.st_size);
		return sl_why(why, why_len, rc, "%s: refused: %s", s->path, reason);
	}
	s->hdr = p;
	s->size = (size_t)st.st_size;
	return 0;
}

void ctl_segment_close(struct ctl_segment *s)
{
	if (s->hdr)
		munmap((void *)(uintptr_t)s->hdr, s->size);
	s->hdr = NULL;
}

int ctl_published_slot(const struct ctl_segment *s, char *why, size_t why_len)
{
	const struct sl_shm_header *h = s->hdr;
	int rc = -ENOENT;

	for (int tries = 0; tries < 5; tries++) {
		uint64_t word = __atomic_load_n(&h->published, __ATOMIC_ACQUIRE);

		if (!word)
			return sl_why(why, why_len, -ENOENT, "no table published yet");
		rc = sl_shm_check_slot(h, SL_SLOT_OF(word), why, why_len);
		if (rc == 0 && __atomic_load_n(&h->published, __ATOMIC_ACQUIRE) == word)
			return (int)SL_SLOT_OF(word);
		usleep(2000);
	}
	return rc;
}

const char *ctl_addr_str(const struct sl_addr *a, char *buf, size_t len)
{
	if (sl_addr_is_v4(a))
		return inet_ntop(AF_INET, &a->a32[3], buf, (socklen_t)len);
	return inet_ntop(AF_INET6, a->a8, buf, (socklen_t)len);
}

/* "198.18.100.1:80" / "[2001:2::1]:80"; port 0 prints as "*" */
static const char *endpoint_str(const struct sl_addr *a, uint16_t be_port, char *buf, size_t len)
{
	char ab[INET6_ADDRSTRLEN], pb[8];

	ctl_addr_str(a, ab, sizeof(ab));
	if (be_port)
		snprintf(pb, sizeof(pb), "%u", ntohs(be_port));
	else
		snprintf(pb, sizeof(pb), "*");
	snprintf(buf, len, sl_addr_is_v4(a) ? "%s:%s" : "[%s]:%s", ab, pb);
	return buf;
}

const char *ctl_mode_name(uint8_t mode)
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
	}
	return "?";
}

/* The name of pool @p, "-" for none (an http VIP without a default route). */
static const char *pool_name(const struct sl_pool *pools, uint32_t p, char *buf, size_t len)
{
	if (p == SL_POOL_NONE)
		return "-";
	return cp_text_esc(pools[p].name, SL_NAME_LEN, buf, len);
}

/*
 * An http VIP's routes in the order the dataplane tries them, then its
 * default route: ID (its counters' index), HOST, PATH, POOL.
 */
static void print_routes(const struct sl_shm_header *h, unsigned int slot, uint32_t i, FILE *out)
{
	const struct sl_vip *v = &sl_slot_vips(h, slot)[i];
	const struct sl_http_vip *hv = &sl_slot_http(h, slot)[i];
	const struct sl_route *r = sl_slot_routes(h, slot);
	const struct sl_pool *pools = sl_slot_pools(h, slot);
	char e1[ESC_LEN], e2[ESC_LEN], host[4 * SL_ROUTE_HOST_MAX + 2];
	char path[4 * SL_ROUTE_PATH_MAX + 1], raw[SL_ROUTE_HOST_MAX + 2];

	fprintf(out, "\nvip %s: http, head_max %u, head_timeout_ms %u", ESC(v->name, e1),
		hv->head_max, hv->head_timeout_ms);
	if (hv->flags & SL_HTTP_F_STICKY)
		fprintf(out, ", cookie %s", ESC(hv->cookie, e2));
	if (hv->flags & SL_HTTP_F_XFF)
		fprintf(out, ", x-forwarded-for");
	if (hv->flags & SL_HTTP_F_XRID)
		fprintf(out, ", x-request-id");
	fprintf(out, "\n  %-5s %-32s %-40s %s\n", "ID", "HOST", "PATH", "POOL");
	for (uint32_t k = hv->route_first; k < hv->route_first + hv->route_count; k++) {
		ctl_route_host(&r[k].key, raw, sizeof(raw));
		cp_text_esc(raw, sizeof(raw), host, sizeof(host));
		cp_text_esc(r[k].key.path, r[k].key.path_len, path, sizeof(path));
		fprintf(out, "  %-5u %-32s %-40s %s\n", r[k].id, host, path,
			pool_name(pools, r[k].pool, e1, sizeof(e1)));
	}
	fprintf(out, "  %-5s %-32s %-40s %s\n", "-", "*", "(default)",
		v->pool == SL_POOL_NONE ? "- (404)" : pool_name(pools, v->pool, e1, sizeof(e1)));
}

/*
 * "draining" (left the config, keeps its flows), "active", "down" (health:
 * no new flows, weight 0) or "unresolved" (no next hop)
 */
static const char *backend_state(const struct sl_backend *b)
{
	if (b->flags & SL_BACKEND_F_DRAINING)
		return "draining";
	if (b->flags & SL_BACKEND_F_ACTIVE)
		return "active";
	return b->weight == 0 ? "down" : "unresolved";
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

static const char *encap_str(const struct sl_vip *v, char *buf, size_t len)
{
	if (v->mode != SL_MODE_TUNNEL)
		snprintf(buf, len, "-");
	else if (v->flags & SL_VIP_F_GUE)
		snprintf(buf, len, "gue:%u", ntohs(v->gue_port));
	else
		snprintf(buf, len, "%s", v->af == SL_AF_INET6 ? "ip6ip6" : "ipip");
	return buf;
}

uint32_t ctl_workers(const struct sl_shm_header *h)
{
	return h->dp_workers > h->max_workers ? h->max_workers : (uint32_t)h->dp_workers;
}

static void print_processes(const struct sl_shm_header *h, FILE *out)
{
	uint64_t now = cp_loop_now_ns(), hb = h->cp_heartbeat_ns;
	int cp_alive = cp_shm_pid_alive(h->cp_pid, "sluiced");

	fprintf(out, "sluiced    pid %llu %s", (unsigned long long)h->cp_pid,
		cp_alive ? "alive" : "not running");
	if (hb && now >= hb)
		fprintf(out, ", heartbeat %.1f s ago", (double)(now - hb) / 1e9);
	fprintf(out, "\n");
	if (!h->dp_pid) {
		fprintf(out, "sluice-dp  not attached\n");
	} else {
		fprintf(out,
			"sluice-dp  pid %llu %s, %u workers, acks:", (unsigned long long)h->dp_pid,
			cp_shm_pid_alive(h->dp_pid, NULL) ? "alive" : "not running",
			ctl_workers(h));
		for (uint32_t w = 0; w < ctl_workers(h); w++)
			fprintf(out, " %llu",
				(unsigned long long)SL_GEN_OF(sl_shm_ack(h, w)->word));
		fprintf(out, "\n");
	}
	if (h->dp_rejected)
		fprintf(out, "refused    %llu tables, last generation %llu: %.*s\n",
			(unsigned long long)h->dp_rejected,
			(unsigned long long)SL_GEN_OF(h->dp_last_reject_word),
			(int)sizeof(h->dp_reject_reason), h->dp_reject_reason);
}

int ctl_show(const struct ctl_segment *s, FILE *out)
{
	char e1[ESC_LEN], e2[ESC_LEN];
	const struct sl_shm_header *h = s->hdr;
	char why[160], ep[64], enc[16], ab[INET6_ADDRSTRLEN];
	const struct sl_table_hdr *th;
	const struct sl_vip *vips;
	const struct sl_pool *pools;
	const struct sl_backend *be;
	int slot = ctl_published_slot(s, why, sizeof(why));

	fprintf(out, "instance   %s (%s)\n", s->instance, s->path);
	if (slot < 0) {
		fprintf(out, "generation none: %s\n", why);
		print_processes(h, out);
		return slot == -ENOENT ? 0 : slot;
	}
	th = sl_slot_hdr(h, (unsigned int)slot);
	vips = sl_slot_vips(h, (unsigned int)slot);
	pools = sl_slot_pools(h, (unsigned int)slot);
	be = sl_slot_backends(h, (unsigned int)slot);
	fprintf(out, "generation %llu (slot %d, maglev %u)\n", (unsigned long long)th->generation,
		slot, th->maglev_size);
	print_processes(h, out);

	fprintf(out, "\nVIPs\n  %-16s %-34s %-6s %-7s %-8s %s\n", "NAME", "ADDRESS", "PROTO",
		"MODE", "ENCAP", "POOL");
	for (uint32_t i = 0; i < th->n_vips; i++)
		fprintf(out, "  %-16s %-34s %-6s %-7s %-8s %s\n", ESC(vips[i].name, e1),
			endpoint_str(&vips[i].addr, vips[i].port, ep, sizeof(ep)),
			proto_name(vips[i].proto), ctl_mode_name(vips[i].mode),
			encap_str(&vips[i], enc, sizeof(enc)),
			pool_name(pools, vips[i].pool, e2, sizeof(e2)));
	ctl_nat_show_vips(h, (unsigned int)slot, out);
	for (uint32_t i = 0; i < th->n_vips; i++)
		if (vips[i].mode == SL_MODE_HTTP)
			print_routes(h, (unsigned int)slot, i, out);

	for (uint32_t p = 0; p < th->n_pools; p++) {
		uint32_t n = 0;

		for (uint32_t b = 0; b < th->n_backends; b++)
			n += be[b].uid && be[b].pool == p;
		fprintf(out, "\npool %s: %u backends, %u in the Maglev table, balance ",
			ESC(pools[p].name, e1), n, pools[p].n_active);
		if (pools[p].balance == SL_BALANCE_RR)
			fprintf(out, "round-robin over %u members\n", pools[p].member_count);
		else
			fprintf(out, "maglev\n");
		if (!n)
			continue;
		fprintf(out, "  %-5s %-24s %-26s %-6s %-10s %-17s %s\n", "SLOT", "NAME", "ADDRESS",
			"WEIGHT", "STATE", "NEXT-HOP-MAC", "PORT");
		for (uint32_t b = 0; b < th->n_backends; b++) {
			const struct sl_backend *x = &be[b];
			char mac[18] = "-", port[8] = "-";

			if (!x->uid || x->pool != p)
				continue;
			if (x->flags & SL_BACKEND_F_RESOLVED) {
				snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
					 x->dst_mac[0], x->dst_mac[1], x->dst_mac[2], x->dst_mac[3],
					 x->dst_mac[4], x->dst_mac[5]);
				snprintf(port, sizeof(port), "%u", x->tx_port);
			}
			fprintf(out, "  %-5u %-24s %-26s %-6u %-10s %-17s %s\n", b,
				ESC(x->name, e1), ctl_addr_str(&x->addr, ab, sizeof(ab)), x->weight,
				backend_state(x), mac, port);
		}
	}
	return 0;
}

/* Per-VIP or per-backend counters summed over the workers. */
static struct sl_counter sum_counter(const struct sl_shm_header *h, int backend, uint32_t i)
{
	struct sl_counter c = {0};

	for (uint32_t w = 0; w < ctl_workers(h); w++) {
		struct sl_worker_stats *ws = sl_shm_worker_stats(h, w);
		const struct sl_counter *x =
			backend ? &sl_stats_backends(h, ws)[i] : &sl_stats_vips(ws)[i];

		c.packets += x->packets;
		c.bytes += x->bytes;
		c.flows += x->flows;
		c.requests += x->requests;
	}
	return c;
}

/* Names come from the segment: bounded, and escaped wherever they are printed. */
static void json_str(FILE *out, const char *s)
{
	cp_text_json(out, s, SL_NAME_LEN);
}

#define U(x) ((unsigned long long)(x))

static const struct sl_backend *by_name_base;

static int same_name(uint32_t a, uint32_t b)
{
	return strncmp(by_name_base[a].name, by_name_base[b].name, SL_NAME_LEN) == 0;
}

/* by name, then by slot */
static int by_name(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	int c = strncmp(by_name_base[a].name, by_name_base[b].name, SL_NAME_LEN);

	return c ? c : (a > b) - (a < b);
}

/*
 * dup[b]: an earlier slot holds a backend of the same name (of another
 * pool), so b's key is qualified with its pool. Sorted: n log n for any
 * table. NULL on no memory (then every key is qualified).
 */
static uint8_t *dup_names(const struct sl_backend *be, uint32_t n)
{
	uint32_t *ix = malloc((n + 1) * sizeof(*ix)), m = 0;
	uint8_t *dup = calloc(n + 1, 1);

	if (!ix || !dup) {
		free(ix);
		free(dup);
		return NULL;
	}
	for (uint32_t b = 0; b < n; b++)
		if (be[b].uid)
			ix[m++] = b;
	by_name_base = be;
	qsort(ix, m, sizeof(*ix), by_name);
	for (uint32_t i = 1; i < m; i++)
		dup[ix[i]] = same_name(ix[i - 1], ix[i]);
	free(ix);
	return dup;
}

static void stats_json(const struct ctl_segment *s, int slot, FILE *out)
{
	const struct sl_shm_header *h = s->hdr;
	const struct sl_table_hdr *th = slot >= 0 ? sl_slot_hdr(h, (unsigned int)slot) : NULL;
	uint64_t drops[SL_DROP_MAX] = {0};
	char ab[INET6_ADDRSTRLEN];
	const char *sep = "";
	uint8_t *dup;

	fprintf(out, "{\"instance\":");
	json_str(out, s->instance);
	fprintf(out,
		",\"generation\":%llu,\"dataplane\":{\"pid\":%llu,\"alive\":%s,"
		"\"workers\":%u},\"sluiced\":{\"pid\":%llu,\"alive\":%s}",
		U(th ? th->generation : 0), U(h->dp_pid),
		cp_shm_pid_alive(h->dp_pid, NULL) ? "true" : "false", ctl_workers(h), U(h->cp_pid),
		cp_shm_pid_alive(h->cp_pid, "sluiced") ? "true" : "false");

	fprintf(out, ",\"ports\":{");
	for (uint32_t p = 0; p < h->max_ports; p++) {
		const struct sl_port_stats *ps = sl_shm_port_stats(h, p);
		char name[SL_NAME_LEN + 1];

		if (!ps->in_use)
			continue;
		snprintf(name, sizeof(name), "%.*s", SL_NAME_LEN, ps->name);
		fprintf(out, "%s", sep);
		json_str(out, name);
		fprintf(out,
			":{\"index\":%u,\"rx_packets\":%llu,\"rx_bytes\":%llu,"
			"\"tx_packets\":%llu,\"tx_bytes\":%llu,\"rx_missed\":%llu,"
			"\"rx_errors\":%llu,\"tx_errors\":%llu,\"rx_nombuf\":%llu}",
			p, U(ps->ipackets), U(ps->ibytes), U(ps->opackets), U(ps->obytes),
			U(ps->imissed), U(ps->ierrors), U(ps->oerrors), U(ps->rx_nombuf));
		sep = ",";
	}
	fprintf(out, "},\"workers\":[");
	for (uint32_t w = 0; w < ctl_workers(h); w++) {
		const struct sl_worker_stats *ws = sl_shm_worker_stats(h, w);

		fprintf(out,
			"%s{\"worker\":%u,\"lcore\":%llu,\"queue\":%llu,\"rx_packets\":%llu,"
			"\"rx_bytes\":%llu,\"tx_packets\":%llu,\"tx_bytes\":%llu,"
			"\"flow_hits\":%llu,\"flow_misses\":%llu,\"flows_active\":%llu,"
			"\"flow_evictions\":%llu,\"flow_expired\":%llu,\"table_switches\":%llu,"
			"\"flows_embryonic\":%llu,\"flow_embryonic_evictions\":%llu,"
			"\"flow_untracked\":%llu,\"icmp_forwarded\":%llu,"
			"\"frag_forwarded\":%llu,\"frag_split\":%llu,\"event_records\":%llu,"
			"\"event_drops\":%llu,\"event_read\":%llu,\"generation\":%llu}",
			w ? "," : "", w, U(ws->lcore_id), U(ws->queue_id), U(ws->rx_packets),
			U(ws->rx_bytes), U(ws->tx_packets), U(ws->tx_bytes), U(ws->flow_hits),
			U(ws->flow_misses), U(ws->flows_active), U(ws->flow_evictions),
			U(ws->flow_expired), U(ws->table_switches), U(ws->flows_embryonic),
			U(ws->flow_embryonic_evictions), U(ws->flow_untracked),
			U(ws->icmp_forwarded), U(ws->frag_forwarded), U(ws->frag_split),
			U(h->ev_ring_size ? sl_shm_ev_ring(h, w)->head : 0),
			U(h->ev_ring_size ? sl_shm_ev_ring(h, w)->drops : 0),
			U(h->ev_ring_size ? sl_shm_ev_ring(h, w)->tail : 0),
			U(SL_GEN_OF(sl_shm_ack(h, w)->word)));
		for (unsigned int d = 0; d < SL_DROP_MAX; d++)
			drops[d] += ws->drops[d];
	}
	fprintf(out, "],\"vips\":{");
	for (uint32_t i = 0; th && i < th->n_vips; i++) {
		const struct sl_vip *v = &sl_slot_vips(h, (unsigned int)slot)[i];
		struct sl_counter c = sum_counter(h, 0, i);

		fprintf(out, "%s", i ? "," : "");
		json_str(out, v->name);
		fprintf(out, ":{\"packets\":%llu,\"bytes\":%llu,\"flows\":%llu}", U(c.packets),
			U(c.bytes), U(c.flows));
	}
	fprintf(out, "},\"backends\":{");
	sep = "";
	dup = th ? dup_names(sl_slot_backends(h, (unsigned int)slot), th->n_backends) : NULL;
	for (uint32_t b = 0; th && b < th->n_backends; b++) {
		const struct sl_backend *be = sl_slot_backends(h, (unsigned int)slot);
		const struct sl_pool *pools = sl_slot_pools(h, (unsigned int)slot);
		struct sl_counter c;
		char key[2 * SL_NAME_LEN + 2];

		if (!be[b].uid)
			continue;
		if (!dup || dup[b]) /* same name in another pool: keep keys unique */
			snprintf(key, sizeof(key), "%s/%s", pools[be[b].pool].name, be[b].name);
		else
			snprintf(key, sizeof(key), "%s", be[b].name);
		c = sum_counter(h, 1, b);
		fprintf(out, "%s", sep);
		json_str(out, key);
		fprintf(out,
			":{\"packets\":%llu,\"bytes\":%llu,\"flows\":%llu,\"requests\":%llu,"
			"\"slot\":%u,\"pool\":",
			U(c.packets), U(c.bytes), U(c.flows), U(c.requests), b);
		json_str(out, pools[be[b].pool].name);
		fprintf(out, ",\"address\":\"%s\",\"state\":\"%s\"}",
			ctl_addr_str(&be[b].addr, ab, sizeof(ab)), backend_state(&be[b]));
		sep = ",";
	}
	free(dup);
	fprintf(out, "},");
	ctl_http_stats_json(h, slot, out);
	fprintf(out, ",\"drops\":{");
	for (unsigned int d = 0; d < SL_DROP_MAX; d++)
		fprintf(out, "%s\"%s\":%llu", d ? "," : "", sl_drop_name(d), U(drops[d]));
	fprintf(out, "}}\n");
}

static void stats_text(const struct ctl_segment *s, int slot, FILE *out)
{
	char e1[ESC_LEN], e2[ESC_LEN];
	const struct sl_shm_header *h = s->hdr;
	const struct sl_table_hdr *th = slot >= 0 ? sl_slot_hdr(h, (unsigned int)slot) : NULL;
	uint64_t drops[SL_DROP_MAX] = {0};
	int any = 0;

	fprintf(out, "instance %s, generation %llu, %u workers\n", s->instance,
		U(th ? th->generation : 0), ctl_workers(h));

	fprintf(out, "\nports\n  %-16s %12s %14s %12s %14s %10s %10s %10s\n", "NAME", "RX-PKTS",
		"RX-BYTES", "TX-PKTS", "TX-BYTES", "RX-MISSED", "ERRORS", "NO-MBUF");
	for (uint32_t p = 0; p < h->max_ports; p++) {
		const struct sl_port_stats *ps = sl_shm_port_stats(h, p);

		if (ps->in_use)
			fprintf(out, "  %-16s %12llu %14llu %12llu %14llu %10llu %10llu %10llu\n",
				ESC(ps->name, e1), U(ps->ipackets), U(ps->ibytes), U(ps->opackets),
				U(ps->obytes), U(ps->imissed), U(ps->ierrors + ps->oerrors),
				U(ps->rx_nombuf));
	}
	fprintf(out, "\nworkers\n  %-3s %5s %12s %12s %12s %12s %10s %10s %10s %10s\n", "W",
		"LCORE", "RX-PKTS", "TX-PKTS", "FLOW-HITS", "FLOW-MISSES", "ACTIVE", "EMBRYONIC",
		"EVICTIONS", "EXPIRED");
	for (uint32_t w = 0; w < ctl_workers(h); w++) {
		const struct sl_worker_stats *ws = sl_shm_worker_stats(h, w);

		fprintf(out,
			"  %-3u %5llu %12llu %12llu %12llu %12llu %10llu %10llu %10llu %10llu\n", w,
			U(ws->lcore_id), U(ws->rx_packets), U(ws->tx_packets), U(ws->flow_hits),
			U(ws->flow_misses), U(ws->flows_active), U(ws->flows_embryonic),
			U(ws->flow_evictions), U(ws->flow_expired));
		for (unsigned int d = 0; d < SL_DROP_MAX; d++)
			drops[d] += ws->drops[d];
	}
	fprintf(out, "\n  %-3s %14s %14s %14s %14s %14s %14s %14s\n", "W", "EMBRYO-EVICTED",
		"UNTRACKED", "ICMP-FWD", "FRAGS-FWD", "FRAGS-SPLIT", "EVENTS", "EVENTS-DROPPED");
	for (uint32_t w = 0; w < ctl_workers(h); w++) {
		const struct sl_worker_stats *ws = sl_shm_worker_stats(h, w);

		fprintf(out, "  %-3u %14llu %14llu %14llu %14llu %14llu %14llu %14llu\n", w,
			U(ws->flow_embryonic_evictions), U(ws->flow_untracked),
			U(ws->icmp_forwarded), U(ws->frag_forwarded), U(ws->frag_split),
			U(h->ev_ring_size ? sl_shm_ev_ring(h, w)->head : 0),
			U(h->ev_ring_size ? sl_shm_ev_ring(h, w)->drops : 0));
	}
	fprintf(out, "\nvips\n  %-24s %12s %14s %10s\n", "NAME", "PACKETS", "BYTES", "FLOWS");
	for (uint32_t i = 0; th && i < th->n_vips; i++) {
		struct sl_counter c = sum_counter(h, 0, i);

		fprintf(out, "  %-24s %12llu %14llu %10llu\n",
			ESC(sl_slot_vips(h, (unsigned int)slot)[i].name, e1), U(c.packets),
			U(c.bytes), U(c.flows));
	}
	fprintf(out, "\nbackends\n  %-24s %-16s %12s %14s %10s\n", "NAME", "POOL", "PACKETS",
		"BYTES", "FLOWS");
	for (uint32_t b = 0; th && b < th->n_backends; b++) {
		const struct sl_backend *be = &sl_slot_backends(h, (unsigned int)slot)[b];
		struct sl_counter c;

		if (!be->uid)
			continue;
		c = sum_counter(h, 1, b);
		fprintf(out, "  %-24s %-16s %12llu %14llu %10llu\n", ESC(be->name, e1),
			ESC(sl_slot_pools(h, (unsigned int)slot)[be->pool].name, e2), U(c.packets),
			U(c.bytes), U(c.flows));
	}
	ctl_http_stats_text(h, slot, out);
	fprintf(out, "\ndrops\n");
	for (unsigned int d = 0; d < SL_DROP_MAX; d++)
		if (drops[d]) {
			fprintf(out, "  %-24s %12llu\n", sl_drop_name(d), U(drops[d]));
			any = 1;
		}
	if (!any)
		fprintf(out, "  none\n");
}

int ctl_counters_slot(const struct ctl_segment *s)
{
	char why[160];
	int slot = ctl_published_slot(s, why, sizeof(why));

	if (slot < 0 && slot != -ENOENT)
		fprintf(stderr, "sluicectl: %s: published table refused: %s\n", s->path, why);
	return slot;
}

int ctl_stats(const struct ctl_segment *s, FILE *out, int json)
{
	int slot = ctl_counters_slot(s);

	if (slot < 0 && slot != -ENOENT)
		return slot;
	if (json)
		stats_json(s, slot, out);
	else
		stats_text(s, slot, out);
	return 0;
}
