/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_shm on real POSIX shared memory (/dev/shm/sluice-slshm-test-PID):
 * create, take over, replace, refuse.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "cp_shm.h"
#include "cp_tables.h"
#include "cp_test_util.h"

static char instance[64];

static int setup(void **state)
{
	(void)state;
	snprintf(instance, sizeof(instance), "slshm-test-%d", (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cp_shm_unlink(instance);
	return 0;
}

static const struct sl_shm_geometry geo = {2, 1, 4, 4, 16, 13};

static void test_create_and_take_over(void **state)
{
	struct sl_shm_geometry other = geo;
	struct sl_sticky_secret key;
	struct cp_shm s;
	struct stat st;
	char why[256] = "", path[512];
	(void)state;

	assert_int_equal(cp_shm_open(&s, instance, &geo, why, sizeof(why)), 0);
	assert_int_equal(s.taken_over, 0);
	assert_int_equal(sl_shm_check_header(s.hdr, s.size, why, sizeof(why)), 0);
	assert_int_equal(s.hdr->cp_pid, (uint64_t)getpid());
	assert_true(s.hdr->cp_heartbeat_ns > 0);
	snprintf(path, sizeof(path), SL_SHM_PATH_FMT, instance);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal((uint64_t)st.st_size, s.hdr->total_bytes);
	key = s.hdr->sticky;
	assert_false(key.key[0] == 0 && key.key[1] == 0);

	/* tables published by "the previous sluiced" survive a restart */
	s.hdr->published = SL_GEN_WORD(5, 1);
	sl_slot_backends(s.hdr, 1)[0].uid = 41;
	sl_slot_hdr(s.hdr, 1)->n_backends = 1;
	s.hdr->cp_pid = 0;
	cp_shm_close(&s);
	assert_int_equal(cp_shm_open(&s, instance, &geo, why, sizeof(why)), 0);
	assert_int_equal(s.taken_over, 1);
	assert_int_equal(s.hdr->published, SL_GEN_WORD(5, 1));
	assert_int_equal(sl_slot_backends(s.hdr, 1)[0].uid, 41);
	assert_int_equal(s.hdr->cp_pid, (uint64_t)getpid());
	/* and so does the sticky key: cookies handed out still name their instances */
	assert_memory_equal(s.hdr->sticky.key, key.key, sizeof(key.key));
	cp_shm_close(&s);

	/* another geometry while a dataplane is attached: refused, untouched */
	other.max_backends = 32;
	assert_int_equal(cp_shm_open(&s, instance, &geo, why, sizeof(why)), 0);
	s.hdr->dp_pid = (uint64_t)getpid();
	cp_shm_close(&s);
	assert_int_equal(cp_shm_open(&s, instance, &other, why, sizeof(why)), -EBUSY);
	snprintf(path, sizeof(path),
		 "/sluice-%s: geometry differs (workers 2 ports 1 vips 4 pools 4 backends 16 "
		 "maglev 13 in the segment) and sluice-dp pid %d is attached; stop it first",
		 instance, (int)getpid());
	assert_string_equal(why, path);

	/* no dataplane: replaced by a fresh segment */
	assert_int_equal(cp_shm_open(&s, instance, &geo, why, sizeof(why)), 0);
	assert_int_equal(s.hdr->published, SL_GEN_WORD(5, 1));
	s.hdr->dp_pid = 0;
	cp_shm_close(&s);
	assert_int_equal(cp_shm_open(&s, instance, &other, why, sizeof(why)), 0);
	assert_int_equal(s.taken_over, 0);
	assert_int_equal(s.hdr->published, 0);
	assert_int_equal(s.hdr->max_backends, 32);
	/* a new segment, a new key */
	assert_memory_not_equal(s.hdr->sticky.key, key.key, sizeof(key.key));
	/* a broken header is replaced too */
	s.hdr->magic = 0x12345678;
	cp_shm_close(&s);
	assert_int_equal(cp_shm_open(&s, instance, &other, why, sizeof(why)), 0);
	assert_int_equal(s.taken_over, 0);
	assert_int_equal(s.hdr->magic, SL_SHM_MAGIC);
	cp_shm_close(&s);
}

static void test_refuse_live_sluiced(void **state)
{
	struct cp_shm s;
	char why[256] = "", expect[256];
	int pipefd[2], status;
	pid_t child;
	(void)state;

	assert_int_equal(cp_shm_open(&s, instance, &geo, why, sizeof(why)), 0);
	assert_int_equal(pipe(pipefd), 0);
	child = fork();
	if (child == 0) {
		char c;

		prctl(PR_SET_NAME, "sluiced");
		close(pipefd[1]);
		(void)!read(pipefd[0], &c, 1); /* until the parent is done */
		_exit(0);
	}
	close(pipefd[0]);
	usleep(50000); /* let the child rename itself */
	s.hdr->cp_pid = (uint64_t)child;
	cp_shm_close(&s);
	assert_int_equal(cp_shm_open(&s, instance, &geo, why, sizeof(why)), -EBUSY);
	snprintf(expect, sizeof(expect), "/sluice-%s is owned by a running sluiced (pid %d)",
		 instance, (int)child);
	assert_string_equal(why, expect);
	close(pipefd[1]);
	waitpid(child, &status, 0);
	/* once it is gone the segment is taken over */
	assert_int_equal(cp_shm_open(&s, instance, &geo, why, sizeof(why)), 0);
	assert_int_equal(s.taken_over, 1);
	cp_shm_close(&s);
}

static int all_resolved(void *ctx, const struct sl_addr *addr, struct cp_nexthop *nh)
{
	(void)ctx;
	memset(nh, 0, sizeof(*nh));
	nh->mac[5] = addr->a8[15];
	return 0;
}

/* a restarted sluiced continues uids and keeps the active slot's assignment */
static void test_takeover_keeps_uids(void **state)
{
	struct cfg c = {0};
	struct cp_tables_summary sum;
	struct cfg_pool *p;
	struct cp_tables *t;
	struct cp_shm s;
	char why[256] = "";
	(void)state;

	cpt_vip(&c, "v", "198.18.100.1", 80, "p");
	p = cpt_pool(&c, "p");
	cpt_backend(p, "198.18.1.1", 0, 1);
	cpt_backend(p, "198.18.1.2", 0, 1);
	cpt_backend(p, "198.18.1.3", 0, 1);

	/* first life: two builds, .1 removed in the second */
	assert_int_equal(cp_shm_open(&s, instance, &geo, why, sizeof(why)), 0);
	t = cp_tables_new(geo.max_backends);
	assert_int_equal(
		cp_tables_build(t, &c, all_resolved, NULL, s.hdr, 0, 1, 0, &sum, why, sizeof(why)),
		0);
	s.hdr->published = SL_GEN_WORD(1, 0);
	cpt_remove_backend(p, 0);
	assert_int_equal(
		cp_tables_build(t, &c, all_resolved, NULL, s.hdr, 1, 2, 0, &sum, why, sizeof(why)),
		0);
	s.hdr->published = SL_GEN_WORD(2, 1);
	cp_tables_free(t);
	cp_shm_close(&s);

	/* second life: same slots for .2/.3, .4 gets a never-used slot and uid 4 */
	assert_int_equal(cp_shm_open(&s, instance, &geo, why, sizeof(why)), 0);
	assert_int_equal(s.taken_over, 1);
	assert_int_equal(s.hdr->published, SL_GEN_WORD(2, 1));
	t = cp_tables_new(geo.max_backends);
	assert_int_equal(cp_tables_adopt(t, s.hdr), 0);
	cpt_backend(p, "198.18.1.4", 0, 1);
	assert_int_equal(
		cp_tables_build(t, &c, all_resolved, NULL, s.hdr, 0, 3, 0, &sum, why, sizeof(why)),
		0);
	assert_int_equal(sum.n_new, 1);
	assert_int_equal(sum.n_removed, 0);
	assert_int_equal(sl_slot_backends(s.hdr, 0)[0].uid, 0);
	assert_int_equal(sl_slot_backends(s.hdr, 0)[1].uid, 2);
	assert_int_equal(sl_slot_backends(s.hdr, 0)[2].uid, 3);
	assert_int_equal(sl_slot_backends(s.hdr, 0)[3].uid, 4);
	assert_int_equal(sl_slot_backends(s.hdr, 0)[3].addr.a8[15], 4);
	cp_tables_free(t);
	/* a segment larger than the builder is refused */
	t = cp_tables_new(8);
	assert_int_equal(cp_tables_adopt(t, s.hdr), -EINVAL);
	cp_tables_free(t);
	cp_shm_close(&s);
	cpt_config_free(&c);
}

/*
 * The SYN proxy's keys: random at creation, current 0; a rotation that is
 * due replaces only the idle key and makes it current; one not due changes
 * nothing; a sluiced taking the segment over keeps the keys, the current
 * index and the schedule.
 */
static void test_synproxy_secrets(void **state)
{
	const uint64_t every = 60000000000ull;
	struct sl_synproxy_secrets before, after, first;
	struct cp_shm s;
	char why[256] = "";
	uint64_t t0;
	(void)state;

	assert_int_equal(cp_shm_open(&s, instance, &geo, why, sizeof(why)), 0);
	first = s.hdr->synproxy;
	assert_int_equal(first.current, 0);
	assert_true(first.rotated_ns > 0);
	assert_true(first.key[0][0] | first.key[0][1]);
	assert_true(first.key[1][0] | first.key[1][1]);
	assert_memory_not_equal(first.key[0], first.key[1], sizeof(first.key[0]));
	t0 = first.rotated_ns;

	/* not due: nothing moves */
	assert_int_equal(cp_shm_rotate_secret(&s, every, t0 + every - 1), 0);
	assert_memory_equal(&s.hdr->synproxy, &first, sizeof(first));
	/* due: key 1 is new and current, key 0 (in flight) stays */
	before = s.hdr->synproxy;
	assert_int_equal(cp_shm_rotate_secret(&s, every, t0 + every), 1);
	after = s.hdr->synproxy;
	assert_int_equal(after.current, 1);
	assert_true(after.rotated_ns == t0 + every);
	assert_memory_equal(after.key[0], before.key[0], sizeof(after.key[0]));
	assert_memory_not_equal(after.key[1], before.key[1], sizeof(after.key[1]));
	/* next one: key 0 replaced, key 1 stays */
	assert_int_equal(cp_shm_rotate_secret(&s, every, t0 + every + every / 2), 0);
	before = s.hdr->synproxy;
	assert_int_equal(cp_shm_rotate_secret(&s, every, t0 + 2 * every), 1);
	after = s.hdr->synproxy;
	assert_int_equal(after.current, 0);
	assert_memory_equal(after.key[1], before.key[1], sizeof(after.key[1]));
	assert_memory_not_equal(after.key[0], before.key[0], sizeof(after.key[0]));
	cp_shm_close(&s);

	/* taken over: the same keys, index and schedule */
	assert_int_equal(cp_shm_open(&s, instance, &geo, why, sizeof(why)), 0);
	assert_int_equal(s.taken_over, 1);
	assert_memory_equal(&s.hdr->synproxy, &after, sizeof(after));
	assert_int_equal(cp_shm_rotate_secret(&s, every, t0 + 3 * every - 1), 0);
	cp_shm_close(&s);
	/* a new segment draws new keys */
	cp_shm_unlink(instance);
	assert_int_equal(cp_shm_open(&s, instance, &geo, why, sizeof(why)), 0);
	assert_memory_not_equal(s.hdr->synproxy.key, first.key, sizeof(first.key));
	cp_shm_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_take_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_live_sluiced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_takeover_keeps_uids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_synproxy_secrets, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
