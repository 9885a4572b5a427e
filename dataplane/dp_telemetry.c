/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The telemetry commands of dp_telemetry.h. DPDK 22.11 nests only arrays
 * in a dict, so per worker counters are one array per counter, indexed by
 * the worker, and /sluice/vips one array per counter, indexed like its
 * "name" array. /sluice/vips names VIPs from the
 * published slot, read between two looks at the published word: sluiced
 * writes a slot only while the other one is published, so an unchanged
 * word means the names read are whole (else the reply is retried).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_telemetry.h>

#include "dp_log.h"
#include "dp_telemetry.h"
#include "sl_drop.h"
#include "sl_shm.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const struct sl_shm_header *seg;
static unsigned int seg_workers;
static char seg_instance[SL_NAME_LEN];

#define U(v) __atomic_load_n(&(v), __ATOMIC_RELAXED)

void dp_telemetry_set_segment(const struct sl_shm_header *h, unsigned int n_workers)
{
	pthread_mutex_lock(&lock);
	seg = h;
	seg_workers = h && n_workers > h->max_workers ? h->max_workers : n_workers;
	pthread_mutex_unlock(&lock);
}

static int info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "instance", seg_instance);
	rte_tel_data_add_dict_u64(d, "pid", (uint64_t)getpid());
	pthread_mutex_lock(&lock);
	rte_tel_data_add_dict_u64(d, "attached", seg != NULL);
	rte_tel_data_add_dict_u64(d, "workers", seg ? seg_workers : 0);
	if (seg) {
		rte_tel_data_add_dict_u64(
			d, "generation",
			SL_GEN_OF(__atomic_load_n(&seg->published, __ATOMIC_ACQUIRE)));
		rte_tel_data_add_dict_u64(d, "tables_refused", U(seg->dp_rejected));
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

struct field {
	const char *name;
	size_t at; /* of the uint64_t in struct sl_worker_stats */
};

#define WS(f)                                                                                      \
	{                                                                                          \
#f, offsetof(struct sl_worker_stats, f)                                            \
	}
static const struct field worker_fields[] = {
	WS(lcore_id),	    WS(queue_id),   WS(rx_packets),	WS(rx_bytes),
	WS(tx_packets),	    WS(tx_bytes),   WS(table_switches), WS(icmp_forwarded),
	WS(frag_forwarded), WS(frag_split), {NULL, 0}, /* and "generation" */
};
static const struct field flow_fields[] = {
	WS(flows_active),
	WS(flows_embryonic),
	WS(flow_hits),
	WS(flow_misses),
	WS(flow_evictions),
	WS(flow_expired),
	WS(flow_embryonic_evictions),
	WS(flow_untracked),
	{"nat_connections_active", offsetof(struct sl_worker_stats, nat.conns_active)},
	{"nat_connections_opened", offsetof(struct sl_worker_stats, nat.conns_opened)},
	{"nat_connections_expired", offsetof(struct sl_worker_stats, nat.conns_expired)},
	{NULL, 0},
};

/* One array per field of @fields: its value in each worker, by the worker's index. */
static int per_worker(struct rte_tel_data *d, const struct field *fields, int with_gen)
{
	int rc = 0;

	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&lock);
	for (const struct field *f = fields; seg && !rc && (f->name || with_gen); f++) {
		struct rte_tel_data *c = rte_tel_data_alloc();

		if (!c) {
			rc = -ENOMEM;
			break;
		}
		rte_tel_data_start_array(c, RTE_TEL_U64_VAL);
		for (unsigned int w = 0; w < seg_workers; w++) {
			const uint8_t *ws = (const uint8_t *)sl_shm_worker_stats(seg, w);

			if (f->name)
				rte_tel_data_add_array_u64(
					c, __atomic_load_n((const uint64_t *)(ws + f->at),
							   __ATOMIC_RELAXED));
			else
				rte_tel_data_add_array_u64(
					c, SL_GEN_OF(__atomic_load_n(&sl_shm_ack(seg, w)->word,
								     __ATOMIC_ACQUIRE)));
		}
		rc = rte_tel_data_add_dict_container(d, f->name ? f->name : "generation", c, 0);
		if (!f->name)
			break;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static int workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return per_worker(d, worker_fields, 1);
}

static int flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return per_worker(d, flow_fields, 0);
}

static int drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&lock);
	for (unsigned int r = 0; seg && r < SL_DROP_MAX; r++) {
		uint64_t n = 0;

		for (unsigned int w = 0; w < seg_workers; w++)
			n += U(sl_shm_worker_stats(seg, w)->drops[r]);
		rte_tel_data_add_dict_u64(d, sl_drop_name(r), n);
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

/* VIP @i's counter at @at of struct sl_counter (or its http request heads), over the workers. */
static uint64_t vip_sum(const struct sl_shm_header *h, uint32_t i, int http, size_t at)
{
	uint64_t n = 0;

	for (unsigned int w = 0; w < seg_workers; w++) {
		struct sl_worker_stats *ws = sl_shm_worker_stats(h, w);
		const void *c = http ? (const void *)&sl_stats_http(h, ws)[i]
				     : (const void *)&sl_stats_vips(ws)[i];

		n += __atomic_load_n((const uint64_t *)((const uint8_t *)c + at), __ATOMIC_RELAXED);
	}
	return n;
}

static const struct {
	const char *name;
	int http;
	size_t at;
} vip_fields[] = {
	{"packets", 0, offsetof(struct sl_counter, packets)},
	{"bytes", 0, offsetof(struct sl_counter, bytes)},
	{"flows", 0, offsetof(struct sl_counter, flows)},
	{"http_requests", 1, offsetof(struct sl_http_counter, requests)},
};

/* "name" and one array per field, by VIP index of the slot @word names. */
static int vips_once(struct rte_tel_data *d, const struct sl_shm_header *h, uint64_t word)
{
	unsigned int slot = SL_SLOT_OF(word);
	const struct sl_table_hdr *th = sl_slot_hdr(h, slot);
	uint32_t n = th->n_vips < h->max_vips ? th->n_vips : h->max_vips;
	struct rte_tel_data *c = rte_tel_data_alloc();
	int rc;

	if (n > DP_TELEMETRY_VIPS_MAX)
		n = DP_TELEMETRY_VIPS_MAX;
	if (!c)
		return -ENOMEM;
	rte_tel_data_start_array(c, RTE_TEL_STRING_VAL);
	for (uint32_t i = 0; i < n; i++) {
		char name[SL_NAME_LEN + 1];

		snprintf(name, sizeof(name), "%.*s", SL_NAME_LEN, sl_slot_vips(h, slot)[i].name);
		rte_tel_data_add_array_string(c, name);
	}
	rc = rte_tel_data_add_dict_container(d, "name", c, 0);
	for (size_t f = 0; !rc && f < sizeof(vip_fields) / sizeof(vip_fields[0]); f++) {
		c = rte_tel_data_alloc();
		if (!c)
			return -ENOMEM;
		rte_tel_data_start_array(c, RTE_TEL_U64_VAL);
		for (uint32_t i = 0; i < n; i++)
			rte_tel_data_add_array_u64(
				c,
				vip_fields[f].http && sl_slot_vips(h, slot)[i].mode != SL_MODE_HTTP
					? 0
					: vip_sum(h, i, vip_fields[f].http, vip_fields[f].at));
		rc = rte_tel_data_add_dict_container(d, vip_fields[f].name, c, 0);
	}
	return rc;
}

static int vips(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int rc = 0;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&lock);
	for (int tries = 0; seg && tries < 4; tries++) {
		uint64_t word = __atomic_load_n(&seg->published, __ATOMIC_ACQUIRE);

		if (!word)
			break;
		rc = vips_once(d, seg, word);
		if (rc || __atomic_load_n(&seg->published, __ATOMIC_ACQUIRE) == word)
			break;
		rte_tel_data_start_dict(d); /* sluiced published meanwhile: again */
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

int dp_telemetry_register(const char *instance)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{"/sluice/info", info, "The instance, pid, workers and published generation."},
		{"/sluice/workers", workers,
		 "Per worker: lcore, queue, packets and bytes in and out, table generation."},
		{"/sluice/flows", flows,
		 "Per worker: flow table entries, hits, misses, evictions; full-NAT connections."},
		{"/sluice/vips", vips,
		 "Per VIP: packets, bytes, new flows (and http request heads), over the workers."},
		{"/sluice/drops", drops, "Dropped packets by reason, over the workers."},
	};

	snprintf(seg_instance, sizeof(seg_instance), "%s", instance);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);

		if (rc) {
			DP_MAIN_LOG(WARNING, "telemetry command %s: %s", cmds[i].cmd,
				    strerror(-rc));
			return rc;
		}
	}
	return 0;
}
