/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Following the tables sluiced publishes (design.md, "Tables through shared
 * memory"). The main lcore polls header.published; a new word is checked
 * with sl_shm_check_slot() before any worker may see it, turned into a
 * struct dp_table (pointers into the slot plus the VIP index) and stored,
 * release order, into the pointer the workers load between bursts. The
 * table it replaces is kept until every worker's ack cell names the new
 * word: a worker acks only after its burst, so from then on no worker can
 * still hold the old table. A refused word is counted in the header with
 * its reason and logged once; the workers keep the table they have.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_log.h"
#include "dp_tables.h"
#include "dp_vip.h"
#include "sl_shm.h"

struct dp_tables {
	struct sl_shm_header *h;
	unsigned int n_workers;
	const struct dp_table *_Atomic published;
	struct dp_table *current;
	struct dp_table *retired[DP_TABLES_RETIRED_MAX];
	unsigned int n_retired;
	uint64_t rejected_word; /* last refused word: not checked again */
	uint64_t waiting_word;	/* word held back while retired[] is full (logged once) */
};

struct dp_tables *dp_tables_create(struct sl_shm_header *h, unsigned int n_workers)
{
	struct dp_tables *t;

	if (!h || n_workers == 0 || n_workers > h->max_workers) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->h = h;
	t->n_workers = n_workers;
	atomic_init(&t->published, NULL);
	return t;
}

static void table_free(struct dp_table *tbl)
{
	if (!tbl)
		return;
	dp_vip_index_free(tbl->vip_index);
	dp_vip_index_free(tbl->nat_index);
	free(tbl);
}

void dp_tables_free(struct dp_tables *t)
{
	if (!t)
		return;
	for (unsigned int i = 0; i < t->n_retired; i++)
		table_free(t->retired[i]);
	table_free(t->current);
	free(t);
}

const struct dp_table *_Atomic *dp_tables_published(struct dp_tables *t)
{
	return &t->published;
}

uint64_t dp_tables_word(const struct dp_tables *t)
{
	return t->current ? t->current->word : 0;
}

unsigned int dp_tables_retired(const struct dp_tables *t)
{
	return t->n_retired;
}

/* Free the retired tables once every worker acked the current one. */
static void reclaim(struct dp_tables *t)
{
	if (t->n_retired == 0)
		return;
	for (unsigned int i = 0; i < t->n_workers; i++) {
		struct sl_shm_ack *ack = sl_shm_ack(t->h, i);

		if (__atomic_load_n(&ack->word, __ATOMIC_ACQUIRE) != t->current->word)
			return;
	}
	for (unsigned int i = 0; i < t->n_retired; i++) {
		table_free(t->retired[i]);
		t->retired[i] = NULL;
	}
	t->n_retired = 0;
}

/* Record a refused word in the header for sluiced and sluicectl, log it once. */
static int refuse(struct dp_tables *t, uint64_t word, int err, const char *why)
{
	struct sl_shm_header *h = t->h;

	snprintf(h->dp_reject_reason, sizeof(h->dp_reject_reason), "%s", why);
	__atomic_store_n(&h->dp_last_reject_word, word, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->dp_rejected, 1, __ATOMIC_RELEASE);
	t->rejected_word = word;
	if (t->current)
		DP_TABLES_LOG(ERR, "refused generation %llu (slot %u): %s; keeping generation %llu",
			      (unsigned long long)SL_GEN_OF(word), SL_SLOT_OF(word), why,
			      (unsigned long long)SL_GEN_OF(t->current->word));
	else
		DP_TABLES_LOG(ERR, "refused generation %llu (slot %u): %s; no table yet",
			      (unsigned long long)SL_GEN_OF(word), SL_SLOT_OF(word), why);
	return err;
}

static int follow(struct dp_tables *t, uint64_t word)
{
	struct sl_shm_header *h = t->h;
	unsigned int slot = SL_SLOT_OF(word);
	const struct sl_table_hdr *th = sl_slot_hdr(h, slot);
	struct dp_table *tbl;
	char why[sizeof(h->dp_reject_reason)];
	int rc;

	rc = sl_shm_check_slot(h, slot, why, sizeof(why));
	if (rc)
		return refuse(t, word, rc, why);
	if (th->generation != SL_GEN_OF(word)) {
		snprintf(why, sizeof(why), "slot %u holds generation %llu, published names %llu",
			 slot, (unsigned long long)th->generation,
			 (unsigned long long)SL_GEN_OF(word));
		return refuse(t, word, -EBADMSG, why);
	}

	tbl = calloc(1, sizeof(*tbl));
	if (!tbl)
		return refuse(t, word, -ENOMEM, "out of memory for the table");
	tbl->word = word;
	tbl->hdr = th;
	tbl->vips = sl_slot_vips(h, slot);
	tbl->pools = sl_slot_pools(h, slot);
	tbl->backends = sl_slot_backends(h, slot);
	tbl->maglev = sl_slot_maglev(h, slot, 0);
	tbl->maglev_size = h->maglev_size;
	tbl->n_backends = th->n_backends;
	tbl->nat_sources = sl_slot_nat_sources(h, slot);
	tbl->n_nat_sources = th->n_nat_sources;
	tbl->routes = sl_slot_routes(h, slot);
	tbl->http = sl_slot_http(h, slot);
	tbl->members = sl_slot_members(h, slot);
	tbl->sticky_ids = sl_slot_sticky_ids(h, slot);
	tbl->n_members = th->n_members;
	tbl->vip_index = dp_vip_index_build(tbl->vips, th->n_vips);
	if (!tbl->vip_index) {
		rc = errno ? -errno : -ENOMEM;
		free(tbl);
		snprintf(why, sizeof(why), "VIP index: %s", strerror(-rc));
		return refuse(t, word, rc, why);
	}
	/* the replies of full NAT find their source, so their worker, by address */
	tbl->nat_index = dp_vip_index_build_sources(tbl->nat_sources, tbl->n_nat_sources);
	if (!tbl->nat_index) {
		rc = errno ? -errno : -ENOMEM;
		table_free(tbl);
		snprintf(why, sizeof(why), "NAT source index: %s", strerror(-rc));
		return refuse(t, word, rc, why);
	}

	if (t->current)
		t->retired[t->n_retired++] = t->current;
	t->current = tbl;
	atomic_store_explicit(&t->published, tbl, memory_order_release);
	DP_TABLES_LOG(INFO, "following generation %llu (slot %u): %u VIPs, %u pools, %u backends",
		      (unsigned long long)SL_GEN_OF(word), slot, th->n_vips, th->n_pools,
		      th->n_backends);
	return 1;
}

int dp_tables_poll(struct dp_tables *t)
{
	uint64_t word;

	reclaim(t);
	word = __atomic_load_n(&t->h->published, __ATOMIC_ACQUIRE);
	if (word == 0 || word == dp_tables_word(t) || word == t->rejected_word)
		return 0;
	if (t->n_retired == DP_TABLES_RETIRED_MAX) {
		/* a worker is not acking: do not pile up more tables behind it */
		if (t->waiting_word != word)
			DP_TABLES_LOG(WARNING,
				      "generation %llu waits: %u older tables not yet acked by "
				      "every worker",
				      (unsigned long long)SL_GEN_OF(word), t->n_retired);
		t->waiting_word = word;
		return 0;
	}
	return follow(t, word);
}
