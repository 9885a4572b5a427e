/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * etcd JSON gateway decoding (real etcd 3.4 messages as fixtures, base64,
 * instance values) and the key table's rules: what the sink is told for a
 * full read, puts, deletes, bad keys and bad values.
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
#include <cmocka.h>

#include "cp_etcd_json.h"
#include "cp_etcd_kvt.h"
#include "sl_shm.h"

#define HDR(rev)                                                                                   \
	"\"header\":{\"cluster_id\":\"15118495548433857066\",\"member_id\":"                       \
	"\"13668033151171901709\",\"revision\":\"" rev "\",\"raft_term\":\"2\"}"

/* captured from etcd 3.4.23 */
static const char range_fx[] = "{" HDR(
	"4") ",\"kvs\":[{\"key\":\"L3NsdWljZS9wb29scy93ZWIvYQ==\",\"create_revision\":\"4\","
	     "\"mod_revision\":\"4\",\"version\":\"1\",\"value\":"
	     "\"eyJhZGRyZXNzIjoiMTk4LjE4LjEuMTEiLCJwb3J0Ijo4MH0=\"}],\"count\":\"1\"}";
static const char range_empty_fx[] = "{" HDR("2") "}";
static const char created_fx[] = "{\"result\":{" HDR("4") ",\"created\":true}}";
static const char events_fx[] = "{\"result\":{" HDR(
	"4") ",\"events\":[{\"kv\":{\"key\":\"L3NsdWljZS9wb29scy93ZWIvYQ==\","
	     "\"create_revision\":\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":"
	     "\"eyJhZGRyZXNzIjoiMTk4LjE4LjEuMTEiLCJwb3J0Ijo4MH0=\"}},{\"type\":\"DELETE\",\"kv\":{"
	     "\"key\":\"L3NsdWljZS9wb29scy93ZWIvYQ==\",\"mod_revision\":\"3\"}}]}}";
static const char compacted_fx[] =
	"{\"result\":{\"header\":{\"cluster_id\":\"15118495548433857066\",\"member_id\":"
	"\"13668033151171901709\",\"raft_term\":\"2\"},\"canceled\":true,\"compact_revision\":"
	"\"3\"}}";
static const char empty_range_cancel_fx[] =
	"{\"result\":{" HDR("2") ",\"watch_id\":\"-1\",\"created\":true,\"canceled\":true,"
				 "\"cancel_reason\":\"mvcc: watcher range is empty\"}}";
static const char error_fx[] =
	"{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"etcdserver: no leader\","
	"\"http_status\":\"Service Unavailable\"}}";

static void test_base64(void **state)
{
	char out[64];
	const char *v[] = {"", "a", "ab", "abc", "abcd", "/sluice/pools/"};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char enc[64];
		size_t n = cp_etcd_json_b64_encode(v[i], strlen(v[i]), enc);

		assert_int_equal(n, 4 * ((strlen(v[i]) + 2) / 3));
		assert_int_equal(cp_etcd_json_b64_decode(enc, n, out), (long)strlen(v[i]));
		assert_string_equal(out, v[i]);
	}
	cp_etcd_json_b64_encode("/sluice/pools0", 14, out);
	assert_string_equal(out, "L3NsdWljZS9wb29sczA=");
	assert_int_equal(cp_etcd_json_b64_decode("YWJj", 4, out), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(cp_etcd_json_b64_decode("YWJ", 3, out), -EINVAL);	/* length */
	assert_int_equal(cp_etcd_json_b64_decode("YW*j", 4, out), -EINVAL);	/* alphabet */
	assert_int_equal(cp_etcd_json_b64_decode("YQ==YWJj", 8, out), -EINVAL); /* '=' inside */
	assert_int_equal(cp_etcd_json_b64_decode("Y=Jj", 4, out), -EINVAL);
	assert_int_equal(cp_etcd_json_b64_decode("YQ=j", 4, out), -EINVAL);
	assert_int_equal(cp_etcd_json_b64_decode("YQ==", 4, out), 1);
}

static void test_parse_range(void **state)
{
	struct cp_etcd_msg m;
	char why[200];

	(void)state;
	assert_int_equal(cp_etcd_json_range(range_fx, strlen(range_fx), &m, why, sizeof(why)), 0);
	assert_int_equal(m.revision, 4);
	assert_int_equal(m.n_kvs, 1);
	assert_string_equal(m.kvs[0].key, "/sluice/pools/web/a");
	assert_string_equal(m.kvs[0].value, "{\"address\":\"198.18.1.11\",\"port\":80}");
	assert_int_equal(m.kvs[0].mod_revision, 4);
	assert_null(m.kvs[0].bad);
	cp_etcd_json_msg_free(&m);

	assert_int_equal(
		cp_etcd_json_range(range_empty_fx, strlen(range_empty_fx), &m, why, sizeof(why)),
		0);
	assert_int_equal(m.revision, 2);
	assert_int_equal(m.n_kvs, 0);
	cp_etcd_json_msg_free(&m);

	assert_int_equal(cp_etcd_json_range("{\"kvs\":[]}", 10, &m, why, sizeof(why)), -EPROTO);
	assert_string_equal(why, "range response without header.revision");
	cp_etcd_json_msg_free(&m);
	assert_int_equal(
		cp_etcd_json_range("{\"header\":{\"revision\":\"x\"}}", 27, &m, why, sizeof(why)),
		-EPROTO);
	assert_string_equal(why, "header.revision is not an integer");
	cp_etcd_json_msg_free(&m);
	assert_int_equal(cp_etcd_json_range("[1]", 3, &m, why, sizeof(why)), -EPROTO);
	assert_string_equal(why, "not a JSON object");
	cp_etcd_json_msg_free(&m);
	assert_int_equal(cp_etcd_json_range("{\"header\":", 10, &m, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "not JSON"));
	cp_etcd_json_msg_free(&m);
	assert_int_equal(cp_etcd_json_range(error_fx, strlen(error_fx), &m, why, sizeof(why)), 0);
	assert_int_equal(m.is_error, 1);
	assert_string_equal(m.reason, "etcdserver: no leader");
	cp_etcd_json_msg_free(&m);
}

static void test_parse_watch(void **state)
{
	struct cp_etcd_msg m;
	char why[200];

	(void)state;
	assert_int_equal(cp_etcd_json_watch(created_fx, strlen(created_fx), &m, why, sizeof(why)),
			 0);
	assert_int_equal(m.created, 1);
	assert_int_equal(m.canceled, 0);
	assert_int_equal(m.revision, 4);
	assert_int_equal(m.n_kvs, 0);
	cp_etcd_json_msg_free(&m);

	assert_int_equal(cp_etcd_json_watch(events_fx, strlen(events_fx), &m, why, sizeof(why)), 0);
	assert_int_equal(m.created, 0);
	assert_int_equal(m.n_kvs, 2);
	assert_int_equal(m.kvs[0].is_delete, 0);
	assert_int_equal(m.kvs[0].mod_revision, 2);
	assert_string_equal(m.kvs[0].value, "{\"address\":\"198.18.1.11\",\"port\":80}");
	assert_int_equal(m.kvs[1].is_delete, 1);
	assert_string_equal(m.kvs[1].key, "/sluice/pools/web/a");
	assert_null(m.kvs[1].value);
	assert_int_equal(m.kvs[1].mod_revision, 3);
	cp_etcd_json_msg_free(&m);

	assert_int_equal(
		cp_etcd_json_watch(compacted_fx, strlen(compacted_fx), &m, why, sizeof(why)), 0);
	assert_int_equal(m.canceled, 1);
	assert_int_equal(m.compact_revision, 3);
	assert_int_equal(m.revision, 0);
	cp_etcd_json_msg_free(&m);

	assert_int_equal(cp_etcd_json_watch(empty_range_cancel_fx, strlen(empty_range_cancel_fx),
					    &m, why, sizeof(why)),
			 0);
	assert_int_equal(m.created, 1);
	assert_int_equal(m.canceled, 1);
	assert_int_equal(m.compact_revision, 0);
	assert_string_equal(m.reason, "mvcc: watcher range is empty");
	cp_etcd_json_msg_free(&m);

	assert_int_equal(cp_etcd_json_watch(error_fx, strlen(error_fx), &m, why, sizeof(why)), 0);
	assert_int_equal(m.is_error, 1);
	assert_string_equal(m.reason, "etcdserver: no leader");
	cp_etcd_json_msg_free(&m);
}

static void test_parse_watch_garbage(void **state)
{
	static const struct {
		const char *in;
		const char *why;
	} bad[] = {
		{"garbage", "not JSON"},
		{"{\"result\":{\"created\":true}", "not JSON"},
		{"{\"nothing\":1}", "watch message without a result object"},
		{"{\"result\":{\"events\":{}}}", "events is not an array"},
		{"{\"result\":{\"events\":[1]}}", "event is not an object"},
		{"{\"result\":{\"events\":[{\"type\":\"MOVE\",\"kv\":{}}]}}", "unknown event type"},
		{"{\"result\":{\"events\":[{\"kv\":7}]}}", "kv is not an object"},
		{"{\"result\":{\"events\":[{\"kv\":{\"key\":\"%%%%\"}}]}}", "kv key is not base64"},
		{"{\"result\":{\"events\":[{\"kv\":{\"key\":\"YQ==\",\"mod_revision\":\"z\"}}]}}",
		 "kv mod_revision is not an integer"},
		{"{\"result\":{\"events\":[{\"kv\":{}}]}}", "kv key empty or with a NUL byte"},
		{"{\"result\":{\"compact_revision\":[]}}", "compact_revision is not an integer"},
	};
	struct cp_etcd_msg m;
	char why[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
			cp_etcd_json_watch(bad[i].in, strlen(bad[i].in), &m, why, sizeof(why)),
			-EPROTO);
		if (!strstr(why, bad[i].why))
			fail_msg("case %zu: why \"%s\" lacks \"%s\"", i, why, bad[i].why);
		cp_etcd_json_msg_free(&m);
	}
	/* a value that is not base64 is the value's problem, not the message's */
	static const char badval[] =
		"{\"result\":{\"events\":[{\"kv\":{\"key\":\"YQ==\",\"value\":\"@@@\"}}]}}";
	assert_int_equal(cp_etcd_json_watch(badval, strlen(badval), &m, why, sizeof(why)), 0);
	assert_int_equal(m.n_kvs, 1);
	assert_string_equal(m.kvs[0].key, "a");
	assert_string_equal(m.kvs[0].bad, "value is not valid base64");
	cp_etcd_json_msg_free(&m);
}

static void test_parse_value(void **state)
{
	struct cp_disc_instance in;
	struct sl_addr want;
	char why[200];
	const char *v;

	(void)state;
	v = "{\"address\": \"198.18.1.11\", \"port\": 80, \"weight\": 3}";
	assert_int_equal(cp_etcd_json_value(v, strlen(v), &in, why, sizeof(why)), 0);
	sl_addr_from_v4(&want, inet_addr("198.18.1.11"));
	assert_memory_equal(&in.addr, &want, sizeof(want));
	assert_int_equal(in.af, SL_AF_INET);
	assert_int_equal(in.port, 80);
	assert_int_equal(in.weight, 3);

	v = "{\"address\": \"2001:2::11\"}";
	assert_int_equal(cp_etcd_json_value(v, strlen(v), &in, why, sizeof(why)), 0);
	assert_int_equal(in.af, SL_AF_INET6);
	assert_int_equal(in.addr.a8[0], 0x20);
	assert_int_equal(in.addr.a8[15], 0x11);
	assert_int_equal(in.port, 0);
	assert_int_equal(in.weight, 1);

	static const struct {
		const char *in;
		const char *why;
	} bad[] = {
		{"not json", "not JSON"},
		{"", "not JSON"},
		{"[]", "not a JSON object"},
		{"{}", "\"address\" missing"},
		{"{\"address\": 5}", "\"address\" is not a string"},
		{"{\"address\": \"198.18.1\"}", "is not an IPv4/IPv6 address"},
		{"{\"address\": \"198.18.1.1\", \"port\": 65536}",
		 "\"port\" is not an integer 0..65535"},
		{"{\"address\": \"198.18.1.1\", \"port\": \"80\"}", "\"port\" is not an integer"},
		{"{\"address\": \"198.18.1.1\", \"weight\": -1}", "\"weight\" is not an integer"},
		{"{\"address\": \"198.18.1.1\", \"wieght\": 1}", "unknown member \"wieght\""},
		{"{\"address\": \"198.18.1.1\", \"address\": \"198.18.1.2\"}", "not JSON"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
			cp_etcd_json_value(bad[i].in, strlen(bad[i].in), &in, why, sizeof(why)),
			-EINVAL);
		if (!strstr(why, bad[i].why))
			fail_msg("case %zu: why \"%s\" lacks \"%s\"", i, why, bad[i].why);
	}
}

/* A sink that records what it was told. */
struct rec {
	int updates, errors;
	char pool[SL_NAME_LEN];
	struct cp_disc_instance v[16];
	uint32_t n;
	char err_pool[SL_NAME_LEN];
	char err[512];
	int err_pool_null;
};

static void rec_update(void *ctx, enum cp_disc_source src, const char *pool,
		       const struct cp_disc_instance *v, uint32_t n)
{
	struct rec *r = ctx;

	assert_int_equal(src, CP_DISC_ETCD);
	assert_true(n <= 16);
	r->updates++;
	snprintf(r->pool, sizeof(r->pool), "%s", pool);
	if (n) /* v may be NULL for an empty set */
		memcpy(r->v, v, n * sizeof(*v));
	r->n = n;
}

static void rec_error(void *ctx, enum cp_disc_source src, const char *pool, const char *what)
{
	struct rec *r = ctx;

	assert_int_equal(src, CP_DISC_ETCD);
	r->errors++;
	r->err_pool_null = pool == NULL;
	snprintf(r->err_pool, sizeof(r->err_pool), "%s", pool ? pool : "");
	snprintf(r->err, sizeof(r->err), "%s", what);
}

#define PUT(t, k, v) assert_int_equal(cp_etcd_kvt_put(t, k, v, strlen(v), NULL), 0)

static void test_kvt_rules(void **state)
{
	struct rec r = {0};
	struct cp_disc_sink sink = {rec_update, rec_error, &r};
	struct cp_etcd_kvt t;

	(void)state;
	assert_int_equal(cp_etcd_kvt_init(&t, "/sluice/pools/", &sink), 0);

	/* full read: two pools (web has a bad key), one key not <pool>/<instance> */
	cp_etcd_kvt_begin_full(&t);
	PUT(&t, "/sluice/pools/web/b", "{\"address\":\"198.18.1.12\",\"port\":80}");
	PUT(&t, "/sluice/pools/web/a", "{\"address\":\"198.18.1.11\",\"port\":80,\"weight\":2}");
	PUT(&t, "/sluice/pools/web/c", "not json");
	assert_int_equal(r.errors, 1);
	assert_string_equal(r.err_pool, "web");
	assert_non_null(strstr(r.err, "key /sluice/pools/web/c: not JSON"));
	PUT(&t, "/sluice/pools/lonely", "{\"address\":\"198.18.1.13\"}");
	assert_int_equal(r.errors, 2);
	assert_int_equal(r.err_pool_null, 1);
	assert_string_equal(r.err, "key /sluice/pools/lonely: not <prefix><pool>/<instance>");
	PUT(&t, "/sluice/pools/api/x", "{\"address\":\"198.18.2.1\"}");
	cp_etcd_kvt_end_full(&t);
	assert_int_equal(r.updates, 0); /* nothing before the flush */
	assert_int_equal(cp_etcd_kvt_flush(&t), 0);
	assert_int_equal(r.updates, 2);
	assert_string_equal(r.pool, "api");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].name, "x");
	assert_int_equal(r.v[0].weight, 1);
	assert_int_equal(t.bad_values, 2);

	/* an unchanged put reports nothing; a changed one reports the pool, sorted */
	r.updates = 0;
	PUT(&t, "/sluice/pools/web/a", "{\"address\":\"198.18.1.11\",\"port\":80,\"weight\":2}");
	cp_etcd_kvt_flush(&t);
	assert_int_equal(r.updates, 0);
	PUT(&t, "/sluice/pools/web/a", "{\"address\":\"198.18.1.11\",\"port\":80,\"weight\":5}");
	cp_etcd_kvt_flush(&t);
	assert_int_equal(r.updates, 1);
	assert_string_equal(r.pool, "web");
	assert_int_equal(r.n, 2);
	assert_string_equal(r.v[0].name, "a");
	assert_int_equal(r.v[0].weight, 5);
	assert_string_equal(r.v[1].name, "b");

	/* a bad value for a good key: error, nothing changes, the good value stays */
	r.updates = r.errors = 0;
	PUT(&t, "/sluice/pools/web/a", "{\"address\":\"nope\"}");
	assert_int_equal(
		cp_etcd_kvt_put(&t, "/sluice/pools/web/b", NULL, 0, "value is not valid base64"),
		0);
	cp_etcd_kvt_flush(&t);
	assert_int_equal(r.errors, 2);
	assert_string_equal(r.err, "key /sluice/pools/web/b: value is not valid base64");
	assert_int_equal(r.updates, 0);
	/* ...and survives a full read that still shows the bad value */
	cp_etcd_kvt_begin_full(&t);
	PUT(&t, "/sluice/pools/web/a", "{\"address\":\"nope\"}");
	PUT(&t, "/sluice/pools/web/b", "{\"address\":\"198.18.1.12\",\"port\":80}");
	cp_etcd_kvt_end_full(&t); /* api/x vanished */
	cp_etcd_kvt_flush(&t);
	assert_int_equal(r.updates, 2);
	/* the pools were reported in table order: web then api, or api then web */
	assert_int_equal(t.n_pools, 1);
	assert_string_equal(t.pools[0].name, "web");
	assert_int_equal(t.pools[0].n, 2);

	/* deletes: a pool's last key gone is an empty set, then the pool is forgotten */
	r.updates = 0;
	cp_etcd_kvt_delete(&t, "/sluice/pools/web/a");
	cp_etcd_kvt_delete(&t, "/sluice/pools/web/zz"); /* unknown: nothing */
	cp_etcd_kvt_flush(&t);
	assert_int_equal(r.updates, 1);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].name, "b");
	cp_etcd_kvt_delete(&t, "/sluice/pools/web/b");
	cp_etcd_kvt_flush(&t);
	assert_int_equal(r.updates, 2);
	assert_string_equal(r.pool, "web");
	assert_int_equal(r.n, 0);
	assert_int_equal(t.n_pools, 0);

	/* names: too long, empty, nested (instance = last component) */
	r.errors = 0;
	PUT(&t, "/sluice/pools/0123456789012345678901234567890123/x",
	    "{\"address\":\"198.18.1.1\"}");
	assert_string_equal(r.err, "key /sluice/pools/0123456789012345678901234567890123/x: "
				   "pool or instance name longer than 31 bytes");
	PUT(&t, "/sluice/pools/web/", "{\"address\":\"198.18.1.1\"}");
	assert_non_null(strstr(r.err, "empty pool or instance name"));
	assert_int_equal(r.errors, 2);
	PUT(&t, "/sluice/pools/web/zone-a/i7", "{\"address\":\"198.18.1.7\"}");
	cp_etcd_kvt_flush(&t);
	assert_string_equal(r.pool, "web");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].name, "i7");
	cp_etcd_kvt_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),	    cmocka_unit_test(test_parse_range),
		cmocka_unit_test(test_parse_watch), cmocka_unit_test(test_parse_watch_garbage),
		cmocka_unit_test(test_parse_value), cmocka_unit_test(test_kvt_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
