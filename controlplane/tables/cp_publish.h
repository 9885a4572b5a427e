/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The publish protocol from sluiced's side: which slot may be written, the
 * release store of the new word, and the bounded, non-blocking wait for
 * every worker's ack (polled from the event loop).
 */
#ifndef CP_PUBLISH_H
#define CP_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "sl_shm.h"

/* What the publications so far came to (sluiced's metrics). */
struct cp_publish_stats {
	uint64_t acked;		  /* every worker acked */
	uint64_t timeouts;	  /* a worker did not ack in time */
	uint64_t unattached;	  /* no dataplane was attached to ack */
	uint64_t ack_ns_sum;	  /* of the acked ones: from the store to the last ack */
	uint64_t last_ack_ns;	  /* the last acked one's */
	uint64_t last_generation; /* the last one that was settled (any way) */
};

struct cp_publisher {
	struct sl_shm_header *hdr;
	uint32_t timeout_ms;
	uint64_t word;	     /* word being waited for; 0: idle */
	uint64_t started_ns; /* CLOCK_MONOTONIC at the store */
	struct cp_publish_stats stats;
};

enum cp_publish_state {
	CP_PUBLISH_IDLE = 0,	/* nothing in flight */
	CP_PUBLISH_WAITING = 1, /* acks outstanding, time left */
	CP_PUBLISH_ACKED = 2,	/* every worker acked (or no dataplane): done */
	CP_PUBLISH_TIMEOUT = 3, /* a worker did not ack in time: done, logged */
};

void cp_publish_init(struct cp_publisher *p, struct sl_shm_header *hdr, uint32_t timeout_ms);

/*
 * The slot the next generation may be written to: the one the published
 * word does not name (slot 0 for a fresh segment). Returns it, or -EBUSY
 * while a worker of the attached dataplane still acks a word naming it.
 */
int cp_publish_slot(const struct sl_shm_header *h);

/* Generation the next publish carries. */
uint64_t cp_publish_next_generation(const struct sl_shm_header *h);

/*
 * Make @slot (written and sealed with cp_publish_next_generation()) the
 * published one: header.published = SL_GEN_WORD(gen, slot), release order.
 * Returns the new word.
 */
uint64_t cp_publish_commit(struct cp_publisher *p, unsigned int slot, uint64_t now_ns);

/*
 * Check the acks of the publish in flight. On ACKED or TIMEOUT the wait is
 * over and @msg holds the line to log:
 *   "generation N acked by W workers in X us"
 *   "generation N: no dataplane attached"
 *   "generation N: worker K did not ack within T ms (acks word 0x..)"
 *     plus "; dataplane refused it: REASON" when dp_last_reject_word names it
 * and counts it in p->stats.
 */
enum cp_publish_state cp_publish_poll(struct cp_publisher *p, uint64_t now_ns, char *msg,
				      size_t msg_len);

#endif /* CP_PUBLISH_H */
