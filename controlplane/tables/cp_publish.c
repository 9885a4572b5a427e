/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Publishing a table slot (see sl_shm_types.h for the protocol). Nothing
 * here blocks: the event loop calls cp_publish_poll() on a short timer
 * until the wait is over.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp_publish.h"
#include "cp_shm.h"

void cp_publish_init(struct cp_publisher *p, struct sl_shm_header *hdr, uint32_t timeout_ms)
{
	memset(p, 0, sizeof(*p));
	p->hdr = hdr;
	p->timeout_ms = timeout_ms;
}

static int dataplane_attached(const struct sl_shm_header *h)
{
	return cp_shm_pid_alive(__atomic_load_n(&h->dp_pid, __ATOMIC_ACQUIRE), NULL);
}

static uint32_t dp_workers(const struct sl_shm_header *h)
{
	uint64_t n = __atomic_load_n(&h->dp_workers, __ATOMIC_ACQUIRE);

	return n > h->max_workers ? h->max_workers : (uint32_t)n;
}

int cp_publish_slot(const struct sl_shm_header *h)
{
	uint64_t pub = __atomic_load_n(&h->published, __ATOMIC_ACQUIRE);
	unsigned int slot = pub ? !SL_SLOT_OF(pub) : 0;

	if (!dataplane_attached(h))
		return (int)slot;
	for (uint32_t w = 0; w < dp_workers(h); w++) {
		uint64_t ack = __atomic_load_n(&sl_shm_ack(h, w)->word, __ATOMIC_ACQUIRE);

		if (ack && SL_SLOT_OF(ack) == slot)
			return -EBUSY;
	}
	return (int)slot;
}

uint64_t cp_publish_next_generation(const struct sl_shm_header *h)
{
	return SL_GEN_OF(__atomic_load_n(&h->published, __ATOMIC_ACQUIRE)) + 1;
}

uint64_t cp_publish_commit(struct cp_publisher *p, unsigned int slot, uint64_t now_ns)
{
	uint64_t word = SL_GEN_WORD(cp_publish_next_generation(p->hdr), slot);

	__atomic_store_n(&p->hdr->published, word, __ATOMIC_RELEASE);
	p->word = word;
	p->started_ns = now_ns;
	return word;
}

enum cp_publish_state cp_publish_poll(struct cp_publisher *p, uint64_t now_ns, char *msg,
				      size_t msg_len)
{
	const struct sl_shm_header *h = p->hdr;
	unsigned long long gen = SL_GEN_OF(p->word);
	uint32_t n = dp_workers(h), late = UINT32_MAX;
	uint64_t late_word = 0;
	int len;

	if (!p->word)
		return CP_PUBLISH_IDLE;
	if (!dataplane_attached(h)) {
		snprintf(msg, msg_len, "generation %llu: no dataplane attached", gen);
		p->stats.unattached++;
		p->stats.last_generation = gen;
		p->word = 0;
		return CP_PUBLISH_ACKED;
	}
	for (uint32_t w = 0; w < n; w++) {
		uint64_t ack = __atomic_load_n(&sl_shm_ack(h, w)->word, __ATOMIC_ACQUIRE);

		if (ack != p->word) {
			late = w;
			late_word = ack;
			break;
		}
	}
	if (late == UINT32_MAX) {
		uint64_t took = now_ns - p->started_ns;

		snprintf(msg, msg_len, "generation %llu acked by %u workers in %llu us", gen, n,
			 (unsigned long long)(took / 1000));
		p->stats.acked++;
		p->stats.ack_ns_sum += took;
		p->stats.last_ack_ns = took;
		p->stats.last_generation = gen;
		p->word = 0;
		return CP_PUBLISH_ACKED;
	}
	if (now_ns - p->started_ns < (uint64_t)p->timeout_ms * 1000000ull)
		return CP_PUBLISH_WAITING;

	len = snprintf(msg, msg_len,
		       "generation %llu: worker %u did not ack within %u ms "
		       "(acks generation %llu)",
		       gen, late, p->timeout_ms, (unsigned long long)SL_GEN_OF(late_word));
	if (__atomic_load_n(&h->dp_last_reject_word, __ATOMIC_ACQUIRE) == p->word && len >= 0 &&
	    (size_t)len < msg_len)
		snprintf(msg + len, msg_len - (size_t)len, "; dataplane refused it: %.*s",
			 (int)sizeof(h->dp_reject_reason), h->dp_reject_reason);
	p->stats.timeouts++;
	p->stats.last_generation = gen;
	p->word = 0;
	return CP_PUBLISH_TIMEOUT;
}
