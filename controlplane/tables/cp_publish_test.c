/* SPDX-License-Identifier: BSD-3-Clause */
/* cp_publish: slot choice, ack wait, timeout message, no dataplane. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "cp_publish.h"
#include "cp_test_util.h"

#define MS 1000000ull

static void ack(struct sl_shm_header *h, unsigned int w, uint64_t word)
{
	sl_shm_ack(h, w)->word = word;
}

static void test_acks(void **state)
{
	struct sl_shm_header *h = cpt_segment(4, 8, 13);
	struct cp_publisher p;
	char msg[256] = "";
	uint64_t word;
	(void)state;

	h->dp_pid = (uint64_t)getpid(); /* a live process stands for the dataplane */
	h->dp_workers = 2;
	cp_publish_init(&p, h, 50);
	assert_int_equal(cp_publish_poll(&p, 0, msg, sizeof(msg)), CP_PUBLISH_IDLE);
	assert_int_equal(cp_publish_slot(h), 0);
	assert_int_equal(cp_publish_next_generation(h), 1);
	word = cp_publish_commit(&p, 0, 1000 * MS);
	assert_int_equal(word, SL_GEN_WORD(1, 0));
	assert_int_equal(h->published, SL_GEN_WORD(1, 0));
	assert_int_equal(cp_publish_poll(&p, 1001 * MS, msg, sizeof(msg)), CP_PUBLISH_WAITING);
	ack(h, 0, word);
	assert_int_equal(cp_publish_poll(&p, 1002 * MS, msg, sizeof(msg)), CP_PUBLISH_WAITING);
	ack(h, 1, word);
	/* cells beyond dp_workers do not count */
	ack(h, 2, SL_GEN_WORD(7, 1));
	assert_int_equal(cp_publish_poll(&p, 1003 * MS + 250000, msg, sizeof(msg)),
			 CP_PUBLISH_ACKED);
	assert_string_equal(msg, "generation 1 acked by 2 workers in 3250 us");
	assert_int_equal(cp_publish_poll(&p, 1004 * MS, msg, sizeof(msg)), CP_PUBLISH_IDLE);
	assert_int_equal(p.stats.acked, 1);
	assert_int_equal(p.stats.last_ack_ns, 3250000);
	assert_int_equal(p.stats.ack_ns_sum, 3250000);
	assert_int_equal(p.stats.last_generation, 1);
	assert_int_equal(p.stats.timeouts + p.stats.unattached, 0);
	free(h);
}

static void test_split_and_timeout(void **state)
{
	struct sl_shm_header *h = cpt_segment(4, 8, 13);
	struct cp_publisher p;
	char msg[256] = "";
	(void)state;

	h->dp_pid = (uint64_t)getpid();
	h->dp_workers = 3;
	h->published = SL_GEN_WORD(7, 0);
	ack(h, 0, SL_GEN_WORD(7, 0));
	ack(h, 1, SL_GEN_WORD(6, 1)); /* still on the older slot */
	ack(h, 2, 0);		      /* no table yet */
	assert_int_equal(cp_publish_slot(h), -EBUSY);
	ack(h, 1, SL_GEN_WORD(7, 0));
	assert_int_equal(cp_publish_slot(h), 1);

	cp_publish_init(&p, h, 50);
	assert_int_equal(cp_publish_next_generation(h), 8);
	cp_publish_commit(&p, 1, 0);
	ack(h, 0, SL_GEN_WORD(8, 1));
	ack(h, 2, SL_GEN_WORD(8, 1));
	/* split: worker 1 still uses slot 0, so neither slot is free */
	assert_int_equal(cp_publish_slot(h), -EBUSY);
	assert_int_equal(cp_publish_poll(&p, 49 * MS, msg, sizeof(msg)), CP_PUBLISH_WAITING);
	assert_int_equal(cp_publish_poll(&p, 50 * MS, msg, sizeof(msg)), CP_PUBLISH_TIMEOUT);
	assert_string_equal(msg, "generation 8: worker 1 did not ack within 50 ms "
				 "(acks generation 7)");

	/* the dataplane refused the next one: its reason is in the line */
	ack(h, 1, SL_GEN_WORD(8, 1));
	assert_int_equal(cp_publish_slot(h), 0);
	cp_publish_commit(&p, 0, 100 * MS);
	h->dp_last_reject_word = SL_GEN_WORD(9, 0);
	snprintf(h->dp_reject_reason, sizeof(h->dp_reject_reason), "slot 0 checksum mismatch");
	assert_int_equal(cp_publish_poll(&p, 151 * MS, msg, sizeof(msg)), CP_PUBLISH_TIMEOUT);
	assert_string_equal(msg, "generation 9: worker 0 did not ack within 50 ms "
				 "(acks generation 8); dataplane refused it: "
				 "slot 0 checksum mismatch");
	assert_int_equal(p.stats.timeouts, 2);
	assert_int_equal(p.stats.last_generation, 9);
	assert_int_equal(p.stats.acked + p.stats.unattached + p.stats.ack_ns_sum, 0);
	free(h);
}

static void test_no_dataplane(void **state)
{
	struct sl_shm_header *h = cpt_segment(4, 8, 13);
	struct cp_publisher p;
	char msg[256] = "";
	(void)state;

	/* stale acks of a dataplane that is gone do not hold anything up */
	h->dp_pid = 0;
	h->dp_workers = 2;
	h->published = SL_GEN_WORD(3, 1);
	ack(h, 0, SL_GEN_WORD(2, 0));
	assert_int_equal(cp_publish_slot(h), 0);
	cp_publish_init(&p, h, 50);
	cp_publish_commit(&p, 0, 0);
	assert_int_equal(cp_publish_poll(&p, 0, msg, sizeof(msg)), CP_PUBLISH_ACKED);
	assert_string_equal(msg, "generation 4: no dataplane attached");
	assert_int_equal(p.stats.unattached, 1);
	assert_int_equal(p.stats.last_generation, 4);
	assert_int_equal(p.stats.acked + p.stats.timeouts, 0);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acks),
		cmocka_unit_test(test_split_and_timeout),
		cmocka_unit_test(test_no_dataplane),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
