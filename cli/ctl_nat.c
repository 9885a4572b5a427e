/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `sluicectl nat` and the nat VIPs of `show` (see ctl_nat.h). Every
 * counter is one row of a table naming its place in struct
 * sl_worker_stats, printed per worker and summed, so the text and the JSON
 * (whose keys are the rows' names) cannot disagree. Ports in use per source
 * come from each worker's nat_ports block, indexed by the source's index in
 * the published slot; a worker's slice follows sl_natport.h.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "cp_text.h"
#include "ctl_nat.h"
#include "sl_drop.h"
#include "sl_natport.h"

#define U(x) ((unsigned long long)(x))
#define NAT_AT(field) offsetof(struct sl_worker_stats, nat.field)
#define STATE_AT(s) (NAT_AT(conns) + (s) * sizeof(uint64_t))

struct row {
	const char *name; /* the text's label and the JSON key */
	size_t at;	  /* of the uint64_t in struct sl_worker_stats */
};

static const struct row conn_rows[] = {
	{"syn_sent", STATE_AT(SL_NAT_SYN_SENT)},
	{"syn_recv", STATE_AT(SL_NAT_SYN_RECV)},
	{"established", STATE_AT(SL_NAT_ESTABLISHED)},
	{"fin_wait", STATE_AT(SL_NAT_FIN_WAIT)},
	{"closing", STATE_AT(SL_NAT_CLOSING)},
	{"time_wait", STATE_AT(SL_NAT_TIME_WAIT)},
	{"close", STATE_AT(SL_NAT_CLOSE)},
	{"udp", STATE_AT(SL_NAT_UDP)},
	{"sp_syn_sent", STATE_AT(SL_NAT_SP_SYN_SENT)},
	{"active", NAT_AT(conns_active)},
	{"opened", NAT_AT(conns_opened)},
	{"expired", NAT_AT(conns_expired)},
	{"reused", NAT_AT(conns_reused)},
	{NULL, 0},
};

static const struct row counter_rows[] = {
	{"handoff_sent", NAT_AT(handoff_sent)},
	{"handoff_received", NAT_AT(handoff_received)},
	{"icmp_translated", NAT_AT(icmp_translated)},
	{"mss_clamped", NAT_AT(mss_clamped)},
	{"connect_failures", NAT_AT(connect_failures)},
	{"synproxy_cookies", NAT_AT(synproxy_cookies)},
	{"synproxy_valid", NAT_AT(synproxy_valid)},
	{"synproxy_syn_retries", NAT_AT(synproxy_syn_retries)},
	{"synproxy_stale_acks", NAT_AT(synproxy_stale_acks)},
	{"synproxy_rsts", NAT_AT(synproxy_rsts)},
	{NULL, 0},
};

static uint64_t value(const struct sl_shm_header *h, uint32_t w, size_t at)
{
	const uint8_t *ws = (const uint8_t *)sl_shm_worker_stats(h, w);

	return __atomic_load_n((const uint64_t *)(ws + at), __ATOMIC_RELAXED);
}

/* The drops of full NAT and the SYN proxy: their names say so. */
static int nat_drop(unsigned int d)
{
	const char *n = sl_drop_name(d);

	return strncmp(n, "nat_", 4) == 0 || strncmp(n, "synproxy_", 9) == 0;
}

static size_t drop_at(unsigned int d)
{
	return offsetof(struct sl_worker_stats, drops) + d * sizeof(uint64_t);
}

static void text_row(const struct sl_shm_header *h, uint32_t nw, const char *name, size_t at,
		     FILE *out)
{
	uint64_t sum = 0;

	fprintf(out, "  %-22s", name);
	for (uint32_t w = 0; w < nw; w++) {
		uint64_t v = value(h, w, at);

		fprintf(out, " %12llu", U(v));
		sum += v;
	}
	fprintf(out, " %12llu\n", U(sum));
}

static void text_rows(const struct sl_shm_header *h, uint32_t nw, const char *title,
		      const struct row *r, FILE *out)
{
	fprintf(out, "%s\n", title);
	for (; r->name; r++)
		text_row(h, nw, r->name, r->at, out);
}

/* "2000-3000", or "[2001:2::50]:2000-3000" with @a */
static const char *range_str(const struct sl_nat_source *src, int with_addr, char *buf, size_t len)
{
	char ab[INET6_ADDRSTRLEN];

	if (!with_addr)
		snprintf(buf, len, "%u-%u", src->port_min, src->port_max);
	else
		snprintf(buf, len, src->af == SL_AF_INET ? "%s:%u-%u" : "[%s]:%u-%u",
			 ctl_addr_str(&src->addr, ab, sizeof(ab)), src->port_min, src->port_max);
	return buf;
}

static void text_sources(const struct sl_shm_header *h, int slot, uint32_t nw, FILE *out)
{
	const struct sl_table_hdr *th = sl_slot_hdr(h, (unsigned int)slot);
	const struct sl_nat_source *src = sl_slot_nat_sources(h, (unsigned int)slot);
	uint32_t n =
		th->n_nat_sources < h->max_nat_sources ? th->n_nat_sources : h->max_nat_sources;
	char ab[INET6_ADDRSTRLEN], rb[16], cell[32];

	fprintf(out, "sources (ports in use / the worker's slice)\n");
	if (!n) {
		fprintf(out, "  none\n");
		return;
	}
	fprintf(out, "  %-5s %-26s %-4s %-11s", "INDEX", "ADDRESS", "PORT", "RANGE");
	for (uint32_t w = 0; w < nw; w++) {
		snprintf(cell, sizeof(cell), "W%u", w);
		fprintf(out, " %12s", cell);
	}
	fprintf(out, " %12s\n", "ALL");
	for (uint32_t i = 0; i < n; i++) {
		uint64_t sum = 0;

		fprintf(out, "  %-5u %-26s %-4u %-11s", i,
			ctl_addr_str(&src[i].addr, ab, sizeof(ab)), src[i].tx_port,
			range_str(&src[i], 0, rb, sizeof(rb)));
		for (uint32_t w = 0; w < nw; w++) {
			uint64_t used = sl_stats_nat_ports(h, sl_shm_worker_stats(h, w))[i];
			uint32_t first, count;

			sl_natport_slice(&src[i], nw, w, &first, &count);
			snprintf(cell, sizeof(cell), "%llu/%u", U(used), count);
			fprintf(out, " %12s", cell);
			sum += used;
		}
		snprintf(cell, sizeof(cell), "%llu/%u", U(sum), sl_natport_range(&src[i]));
		fprintf(out, " %12s\n", cell);
	}
}

static void nat_text(const struct ctl_segment *s, int slot, FILE *out)
{
	const struct sl_shm_header *h = s->hdr;
	uint32_t nw = ctl_workers(h);
	char cell[16];

	fprintf(out, "instance %s, generation %llu, %u workers\n\n", s->instance,
		U(slot >= 0 ? sl_slot_hdr(h, (unsigned int)slot)->generation : 0), nw);
	fprintf(out, "  %-22s", "COUNTER");
	for (uint32_t w = 0; w < nw; w++) {
		snprintf(cell, sizeof(cell), "W%u", w);
		fprintf(out, " %12s", cell);
	}
	fprintf(out, " %12s\n", "ALL");
	text_rows(h, nw, "connections", conn_rows, out);
	text_rows(h, nw, "counters", counter_rows, out);
	fprintf(out, "drops\n");
	for (unsigned int d = 0; d < SL_DROP_MAX; d++)
		if (nat_drop(d))
			text_row(h, nw, sl_drop_name(d), drop_at(d), out);
	fprintf(out, "\n");
	if (slot >= 0)
		text_sources(h, slot, nw, out);
	else
		fprintf(out, "sources: no table published yet\n");
}

/* "name":N for each row: worker @w's count, or (@w < 0) the sum over the workers. */
static void json_rows(const struct sl_shm_header *h, uint32_t nw, int w, const struct row *r,
		      const char **sep, FILE *out)
{
	for (; r->name; r++) {
		uint64_t v = 0;

		if (w >= 0)
			v = value(h, (uint32_t)w, r->at);
		else
			for (uint32_t k = 0; k < nw; k++)
				v += value(h, k, r->at);
		fprintf(out, "%s\"%s\":%llu", *sep, r->name, U(v));
		*sep = ",";
	}
}

/* One object of counters: worker @w's, or (@w < 0) their sum. */
static void json_counters(const struct sl_shm_header *h, uint32_t nw, int w, FILE *out)
{
	const char *sep = "";

	fprintf(out, "{");
	if (w >= 0) {
		fprintf(out, "\"worker\":%d", w);
		sep = ",";
	}
	json_rows(h, nw, w, conn_rows, &sep, out);
	json_rows(h, nw, w, counter_rows, &sep, out);
	for (unsigned int d = 0; d < SL_DROP_MAX; d++) {
		const struct row r[2] = {{sl_drop_name(d), drop_at(d)}, {NULL, 0}};

		if (nat_drop(d))
			json_rows(h, nw, w, r, &sep, out);
	}
	fprintf(out, "}");
}

static void json_sources(const struct sl_shm_header *h, int slot, uint32_t nw, FILE *out)
{
	const struct sl_table_hdr *th = sl_slot_hdr(h, (unsigned int)slot);
	const struct sl_nat_source *src = sl_slot_nat_sources(h, (unsigned int)slot);
	uint32_t n =
		th->n_nat_sources < h->max_nat_sources ? th->n_nat_sources : h->max_nat_sources;
	char ab[INET6_ADDRSTRLEN];

	for (uint32_t i = 0; i < n; i++) {
		uint64_t sum = 0;

		fprintf(out,
			"%s{\"index\":%u,\"address\":\"%s\",\"tx_port\":%u,\"port_min\":%u,"
			"\"port_max\":%u,\"workers\":[",
			i ? "," : "", i, ctl_addr_str(&src[i].addr, ab, sizeof(ab)), src[i].tx_port,
			src[i].port_min, src[i].port_max);
		for (uint32_t w = 0; w < nw; w++) {
			uint64_t used = sl_stats_nat_ports(h, sl_shm_worker_stats(h, w))[i];
			uint32_t first, count;

			sl_natport_slice(&src[i], nw, w, &first, &count);
			fprintf(out, "%s{\"in_use\":%llu,\"slice_first\":%u,\"slice_ports\":%u}",
				w ? "," : "", U(used), first, count);
			sum += used;
		}
		fprintf(out, "],\"in_use\":%llu,\"ports\":%u}", U(sum), sl_natport_range(&src[i]));
	}
}

static void nat_json(const struct ctl_segment *s, int slot, FILE *out)
{
	const struct sl_shm_header *h = s->hdr;
	uint32_t nw = ctl_workers(h);

	fprintf(out, "{\"instance\":");
	cp_text_json(out, s->instance, sizeof(s->instance));
	fprintf(out, ",\"generation\":%llu,\"workers\":[",
		U(slot >= 0 ? sl_slot_hdr(h, (unsigned int)slot)->generation : 0));
	for (uint32_t w = 0; w < nw; w++) {
		fprintf(out, "%s", w ? "," : "");
		json_counters(h, nw, (int)w, out);
	}
	fprintf(out, "],\"total\":");
	json_counters(h, nw, -1, out);
	fprintf(out, ",\"sources\":[");
	if (slot >= 0)
		json_sources(h, slot, nw, out);
	fprintf(out, "]}\n");
}

int ctl_nat(const struct ctl_segment *s, FILE *out, int json)
{
	int slot = ctl_counters_slot(s);

	if (slot < 0 && slot != -ENOENT)
		return slot;
	if (json)
		nat_json(s, slot, out);
	else
		nat_text(s, slot, out);
	return 0;
}

void ctl_nat_show_vips(const struct sl_shm_header *h, unsigned int slot, FILE *out)
{
	const struct sl_table_hdr *th = sl_slot_hdr(h, slot);
	const struct sl_vip *vips = sl_slot_vips(h, slot);
	const struct sl_nat_source *src = sl_slot_nat_sources(h, slot);
	uint32_t n_src =
		th->n_nat_sources < h->max_nat_sources ? th->n_nat_sources : h->max_nat_sources;
	char esc[4 * SL_NAME_LEN + 1], flags[32], rb[INET6_ADDRSTRLEN + 16];
	int head = 0;

	for (uint32_t i = 0; i < th->n_vips; i++) {
		const struct sl_vip *v = &vips[i];

		if (!sl_mode_is_nat(v->mode))
			continue;
		if (!head++)
			fprintf(out, "\nnat VIPs\n  %-16s %-20s %s\n", "NAME", "FLAGS", "SOURCES");
		snprintf(flags, sizeof(flags), "%s",
			 v->flags & SL_VIP_F_SYNPROXY ? "synproxy" : "");
		if (v->mss)
			snprintf(flags + strlen(flags), sizeof(flags) - strlen(flags), "%smss=%u",
				 flags[0] ? " " : "", v->mss);
		fprintf(out, "  %-16s %-20s", cp_text_esc(v->name, SL_NAME_LEN, esc, sizeof(esc)),
			flags[0] ? flags : "-");
		if (!v->nat_src_count)
			fprintf(out, " none");
		for (uint32_t k = v->nat_src_first;
		     k < (uint32_t)v->nat_src_first + v->nat_src_count && k < n_src; k++)
			fprintf(out, " %s", range_str(&src[k], 1, rb, sizeof(rb)));
		fprintf(out, "\n");
	}
}
