/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The file discovery provider, driven through a real loop and real inotify
 * events: initial load, atomic rename, a pool disappearing, malformed JSON
 * and bad entries (exact reasons, nothing updated), deletion and re-creation.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "cp_disc_file.h"
#include "cp_loop.h"

/* Every sink call, as one line of text, in order. */
static char calls[64][1024];
static int n_calls;

static void on_update(void *ctx, enum cp_disc_source src, const char *pool,
		      const struct cp_disc_instance *v, uint32_t n)
{
	char *s = calls[n_calls % 64];
	size_t o;

	(void)ctx;
	assert_int_equal(src, CP_DISC_FILE);
	o = (size_t)snprintf(s, 1024, "update %s:", pool);
	for (uint32_t i = 0; i < n; i++) {
		char a[INET6_ADDRSTRLEN];

		if (v[i].af == SL_AF_INET)
			inet_ntop(AF_INET, &v[i].addr.a32[3], a, sizeof(a));
		else
			inet_ntop(AF_INET6, v[i].addr.a8, a, sizeof(a));
		o += (size_t)snprintf(s + o, 1024 - o, " %s/%u/%u/%s", a, v[i].port, v[i].weight,
				      v[i].name);
	}
	n_calls++;
}

static void on_error(void *ctx, enum cp_disc_source src, const char *pool, const char *what)
{
	(void)ctx;
	assert_int_equal(src, CP_DISC_FILE);
	snprintf(calls[n_calls % 64], 1024, "error [%s] %s", pool, what);
	n_calls++;
}

static const struct cp_disc_sink sink = {on_update, on_error, NULL};
static char dir[64], path[128], what[1200];

static void write_file(const char *name, const char *text)
{
	char p[160];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fp = fopen(p, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* Write a temporary file and rename it into place, as orchestrators do. */
static void publish(const char *text)
{
	char tmp[160];

	write_file(".pools.json.tmp", text);
	snprintf(tmp, sizeof(tmp), "%s/.pools.json.tmp", dir);
	assert_int_equal(rename(tmp, path), 0);
}

/* Run the loop until @want sink calls happened in total (bounded: 2 s), then 100 ms more. */
static void run_until(struct cp_loop *l, int want)
{
	uint64_t end = cp_loop_now_ns() + 2000000000ull;

	while (n_calls < want && cp_loop_now_ns() < end)
		assert_true(cp_loop_run_once(l, 20) >= 0);
	assert_int_equal(n_calls, want);
	end = cp_loop_now_ns() + 100000000ull;
	while (cp_loop_now_ns() < end)
		assert_true(cp_loop_run_once(l, 20) >= 0);
	assert_int_equal(n_calls, want); /* nothing more than expected */
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sl-dfd-file-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pools.json", dir);
	n_calls = 0;
	return 0;
}

static int teardown(void **state)
{
	char p[160];

	(void)state;
	unlink(path);
	snprintf(p, sizeof(p), "%s/.pools.json.tmp", dir);
	unlink(p);
	rmdir(dir);
	return 0;
}

static const char *good1 =
	"{\"generated_by\": \"test\", \"pools\": {\n"
	"  \"login\": [{\"address\": \"198.18.1.11\", \"port\": 80, \"weight\": 1, \"name\": "
	"\"be1\"},\n"
	"            {\"address\": \"198.18.1.12\", \"port\": 80, \"weight\": 3}],\n"
	"  \"profile\": [{\"address\": \"2001:2::5\"}]}}\n";

static void test_initial_rename_and_pool_gone(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct cp_disc_file_stats st;
	struct cp_disc_file *f;

	(void)state;
	write_file("pools.json", good1);
	f = cp_disc_file_new(l, path, &sink);
	assert_non_null(f);
	/* the initial load happens inside new() */
	assert_int_equal(n_calls, 2);
	assert_string_equal(calls[0], "update login: 198.18.1.11/80/1/be1 198.18.1.12/80/3/");
	assert_string_equal(calls[1], "update profile: 2001:2::5/0/1/");

	/* atomic rename: login changes, profile disappears -> n = 0 */
	publish("{\"pools\": {\"login\": [{\"address\": \"198.18.1.13\", \"port\": 8080}],"
		" \"search\": []}}");
	run_until(l, 5);
	assert_string_equal(calls[2], "update login: 198.18.1.13/8080/1/");
	assert_string_equal(calls[3], "update search:");
	assert_string_equal(calls[4], "update profile:");

	/* a burst of writes in place is read once */
	for (int i = 0; i < 5; i++)
		write_file("pools.json", "{\"pools\": {\"login\": []}}");
	run_until(l, 7);
	assert_string_equal(calls[5], "update login:");
	assert_string_equal(calls[6], "update search:");

	/* another file in the directory is not ours */
	write_file("other.json", "garbage");
	run_until(l, 7);
	snprintf(what, sizeof(what), "%s/other.json", dir);
	unlink(what);

	cp_disc_file_get_stats(f, &st);
	assert_int_equal(st.loads, 3);
	assert_int_equal(st.good, 3);
	assert_int_equal(st.bad, 0);
	cp_disc_file_free(f);
	cp_loop_free(l);
}

static void expect_refused(struct cp_loop *l, const char *text, const char *reason)
{
	int before = n_calls;

	publish(text);
	run_until(l, before + 1);
	snprintf(what, sizeof(what), "error [] %s: %s", path, reason);
	assert_string_equal(calls[before % 64], what);
}

static void test_malformed_keeps_last_set(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct cp_disc_file_stats st;
	struct cp_disc_file *f;

	(void)state;
	write_file("pools.json", good1);
	f = cp_disc_file_new(l, path, &sink);
	assert_non_null(f);
	assert_int_equal(n_calls, 2);

	expect_refused(l, "{\"pools\": {\"login\": [\n  {\"address\": \"198.18.1.11\",}\n]}}",
		       "line 2 column 29: string or '}' expected near '}'");
	expect_refused(l, "{\"pools\": {\"login\": [], \"login\": []}}",
		       "line 1 column 31: duplicate object key near '\"login\"'");
	expect_refused(l, "[1]", "top level is not an object");
	expect_refused(l, "{\"pool\": {}}", "no \"pools\" object");
	expect_refused(l, "{\"pools\": {\"login\": {}}}", "pool \"login\" is not an array");
	expect_refused(l,
		       "{\"pools\": {\"login\": [{\"address\": \"198.18.1.11\"},"
		       " {\"address\": \"198.18.1.300\"}]}}",
		       "pool \"login\" entry 1: address \"198.18.1.300\" is not an IPv4 or IPv6 "
		       "address");
	expect_refused(l, "{\"pools\": {\"login\": [{\"port\": 80}]}}",
		       "pool \"login\" entry 0: no \"address\"");
	expect_refused(
		l, "{\"pools\": {\"login\": [{\"address\": \"198.18.1.11\", \"port\": 65536}]}}",
		"pool \"login\" entry 0: port 65536 out of range 0..65535");
	expect_refused(l,
		       "{\"pools\": {\"login\": [{\"address\": \"198.18.1.11\", \"weight\": -1}]}}",
		       "pool \"login\" entry 0: weight -1 out of range 0..65535");
	expect_refused(
		l, "{\"pools\": {\"login\": [{\"address\": \"198.18.1.11\", \"port\": \"80\"}]}}",
		"pool \"login\" entry 0: \"port\" is not an integer");
	expect_refused(l, "{\"pools\": {\"login\": [{\"adress\": \"198.18.1.11\"}]}}",
		       "pool \"login\" entry 0: unknown key \"adress\"");
	expect_refused(
		l,
		"{\"pools\": {\"p\": [{\"address\": \"2001:2::1\", \"port\": 80},"
		" {\"address\": \"2001:2::2\"}, {\"address\": \"2001:2:0::1\", \"port\": 80}]}}",
		"pool \"p\" entry 2: duplicate of entry 0 (2001:2::1 port 80)");
	expect_refused(l,
		       "{\"pools\": {\"login\": [{\"address\": \"198.18.1.11\","
		       " \"name\": \"abcdefghijklmnopqrstuvwxyz0123456\"}]}}",
		       "pool \"login\" entry 0: name \"abcdefghijklmnopqrstuvwxyz0123456\" longer "
		       "than 31 bytes");
	expect_refused(l, "{\"pools\": {\"abcdefghijklmnopqrstuvwxyz0123456\": []}}",
		       "pool name \"abcdefghijklmnopqrstuvwxyz0123456\" is empty or longer than 31 "
		       "bytes");
	/* no update() was ever made for any of them */
	for (int i = 2; i < n_calls; i++)
		assert_memory_equal(calls[i], "error", 5);

	/* a good file applies again, and reports the pool it no longer lists */
	publish("{\"pools\": {\"login\": [{\"address\": \"198.18.1.14\", \"port\": 80}]}}");
	run_until(l, 16 + 2);
	assert_string_equal(calls[16], "update login: 198.18.1.14/80/1/");
	assert_string_equal(calls[17], "update profile:");
	cp_disc_file_get_stats(f, &st);
	assert_int_equal(st.bad, 14);
	assert_int_equal(st.good, 2);
	cp_disc_file_free(f);
	cp_loop_free(l);
}

static void test_missing_deleted_recreated(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct cp_disc_file *f;

	(void)state;
	/* not there yet: one error, no update */
	f = cp_disc_file_new(l, path, &sink);
	assert_non_null(f);
	assert_int_equal(n_calls, 1);
	snprintf(what, sizeof(what), "error [] %s: No such file or directory", path);
	assert_string_equal(calls[0], what);

	/* created by rename */
	publish("{\"pools\": {\"login\": [{\"address\": \"198.18.1.11\", \"port\": 80}]}}");
	run_until(l, 2);
	assert_string_equal(calls[1], "update login: 198.18.1.11/80/1/");

	/* deleted: error, the set stays (no update) */
	assert_int_equal(unlink(path), 0);
	run_until(l, 3);
	assert_string_equal(calls[2], what);

	/* re-created by writing in place */
	write_file("pools.json", "{\"pools\": {\"login\": [{\"address\": \"198.18.1.12\"}]}}");
	run_until(l, 4);
	assert_string_equal(calls[3], "update login: 198.18.1.12/0/1/");

	/* the path's directory must exist */
	cp_disc_file_free(f);
	f = cp_disc_file_new(l, "/nonexistent-sl-dfd/pools.json", &sink);
	assert_null(f);
	assert_int_equal(errno, ENOENT);
	cp_loop_free(l);
}

/* A FIFO moved into place: refused at once, the loop goes on, the set stays. */
static void test_fifo_refused(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct cp_disc_file *f;
	char fifo[160];

	(void)state;
	publish("{\"pools\": {\"login\": [{\"address\": \"198.18.1.11\", \"port\": 80}]}}");
	f = cp_disc_file_new(l, path, &sink);
	assert_non_null(f);
	assert_int_equal(n_calls, 1);
	snprintf(fifo, sizeof(fifo), "%s/x.fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(rename(fifo, path), 0);
	run_until(l, 2); /* would never return: open() of a FIFO blocks until a writer comes */
	snprintf(what, sizeof(what), "error [] %s: a FIFO, not a regular file", path);
	assert_string_equal(calls[1], what);
	assert_int_equal(cp_disc_file_reload(f), -EINVAL);
	assert_string_equal(calls[2], what);
	cp_disc_file_free(f);
	cp_loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_initial_rename_and_pool_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_keeps_last_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_deleted_recreated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
