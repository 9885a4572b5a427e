/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The etcd provider against a real etcd (Debian's etcd-server) that this
 * test starts on free loopback ports with its own data dir: initial set, a
 * put, a delete, a value that is not JSON, etcd killed (error, sets kept),
 * restarted (watch resumes from the revision, changes made while away are
 * seen), a compacted revision (full re-read), a dead first endpoint. Every
 * wait is bounded; etcd is killed by PID and the data dir removed. That is
 * suite ext; the parameter checks run without etcd (suite unit).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cp_disc_etcd.h"
#include "cp_loop.h"
#include "tl_suite.h"

#define WAIT_MS 10000 /* every wait for the provider or etcd */

static char tmpdir[] = "/tmp/sl-etcd-test-XXXXXX";
static char datadir[300], logpath[300], client_url[64], peer_url[64], endpoints[160];
static pid_t etcd_pid = -1;

/* ---- the sink: the last set of each pool, the errors ---- */
#define MAX_POOLS 8
static struct {
	char name[SL_NAME_LEN];
	struct cp_disc_instance v[16];
	uint32_t n;
	int updates;
} pools[MAX_POOLS];
static int n_pools, n_updates, n_errors, last_err_null;
static char last_err[512];

static void on_update(void *ctx, enum cp_disc_source src, const char *pool,
		      const struct cp_disc_instance *v, uint32_t n)
{
	int i;

	(void)ctx;
	assert_int_equal(src, CP_DISC_ETCD);
	assert_true(n <= 16);
	for (i = 0; i < n_pools && strcmp(pools[i].name, pool) != 0; i++)
		;
	if (i == n_pools) {
		assert_true(n_pools < MAX_POOLS);
		snprintf(pools[n_pools++].name, SL_NAME_LEN, "%s", pool);
	}
	if (n) /* v may be NULL for an empty set */
		memcpy(pools[i].v, v, n * sizeof(*v));
	pools[i].n = n;
	pools[i].updates++;
	n_updates++;
}

static void on_error(void *ctx, enum cp_disc_source src, const char *pool, const char *what)
{
	(void)ctx;
	assert_int_equal(src, CP_DISC_ETCD);
	n_errors++;
	last_err_null = pool == NULL;
	snprintf(last_err, sizeof(last_err), "%s", what);
	fprintf(stderr, "sink error: %s: %s\n", pool ? pool : "(all)", what);
}

/* "a:80/1,c:81/2" — the pool's set as names, ports and weights, "" if unknown. */
static const char *pool_str(const char *pool)
{
	static char s[512];
	size_t o = 0;

	s[0] = '\0';
	for (int i = 0; i < n_pools; i++) {
		if (strcmp(pools[i].name, pool) != 0)
			continue;
		for (uint32_t k = 0; k < pools[i].n; k++)
			o += (size_t)snprintf(s + o, sizeof(s) - o, "%s%s:%u/%u", k ? "," : "",
					      pools[i].v[k].name, pools[i].v[k].port,
					      pools[i].v[k].weight);
		if (pools[i].n == 0)
			snprintf(s, sizeof(s), "(empty)");
	}
	return s;
}

static int pool_updates(const char *pool)
{
	for (int i = 0; i < n_pools; i++)
		if (strcmp(pools[i].name, pool) == 0)
			return pools[i].updates;
	return -1;
}

static struct cp_loop *loop;
static struct cp_disc_etcd *prov;

static int watching(void)
{
	struct cp_disc_etcd_stats st;

	cp_disc_etcd_get_stats(prov, &st);
	return st.watching;
}

/* Run the loop until pool @pool reads @want (NULL: until watching). */
static void run_until_pool(const char *pool, const char *want)
{
	uint64_t end = cp_loop_now_ns() + (uint64_t)WAIT_MS * 1000000;

	while (cp_loop_now_ns() < end) {
		if (want ? strcmp(pool_str(pool), want) == 0 : watching())
			return;
		assert_true(cp_loop_run_once(loop, 20) >= 0);
	}
	fail_msg("after %d ms pool %s is \"%s\", want \"%s\"", WAIT_MS, pool ? pool : "-",
		 pool ? pool_str(pool) : "", want ? want : "watching");
}

static void run_until_errors(int n)
{
	uint64_t end = cp_loop_now_ns() + (uint64_t)WAIT_MS * 1000000;

	while (cp_loop_now_ns() < end && n_errors < n)
		assert_true(cp_loop_run_once(loop, 20) >= 0);
	if (n_errors < n)
		fail_msg("after %d ms %d errors, want %d", WAIT_MS, n_errors, n);
}

/* ---- etcd and etcdctl ---- */
static uint16_t free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* Run a command quietly, bounded by `timeout`; its exit status. */
static int run(const char *const argv[])
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT, 0600);

		dup2(fd, 1);
		dup2(fd, 2);
		setenv("ETCDCTL_API", "3", 1);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int ctl(const char *verb, const char *key, const char *value)
{
	const char *argv[] = {"timeout",
			      "10",
			      "etcdctl",
			      "--endpoints",
			      client_url,
			      "--dial-timeout=2s",
			      "--command-timeout=5s",
			      verb,
			      key,
			      value,
			      NULL};

	return run(argv);
}

static void etcd_start(void)
{
	char cluster[128];
	uint64_t end;

	snprintf(cluster, sizeof(cluster), "sl-etcd-test=%s", peer_url);
	etcd_pid = fork();
	assert_true(etcd_pid >= 0);
	if (etcd_pid == 0) {
		int fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT, 0600);

		dup2(fd, 1);
		dup2(fd, 2);
		execlp("etcd", "etcd", "--name", "sl-etcd-test", "--data-dir", datadir,
		       "--listen-client-urls", client_url, "--advertise-client-urls", client_url,
		       "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
		       "--initial-cluster", cluster, (char *)NULL);
		_exit(127);
	}
	end = cp_loop_now_ns() + (uint64_t)WAIT_MS * 1000000;
	while (cp_loop_now_ns() < end) {
		const char *argv[] = {"timeout",
				      "5",
				      "etcdctl",
				      "--endpoints",
				      client_url,
				      "--dial-timeout=1s",
				      "--command-timeout=2s",
				      "endpoint",
				      "health",
				      NULL};

		if (run(argv) == 0)
			return;
		usleep(100000);
	}
	fail_msg("etcd not healthy on %s after %d ms (log: %s)", client_url, WAIT_MS, logpath);
}

static void etcd_kill(void)
{
	if (etcd_pid > 0) {
		kill(etcd_pid, SIGKILL);
		waitpid(etcd_pid, NULL, 0);
		etcd_pid = -1;
	}
}

static int setup(void **state)
{
	uint16_t cport = free_port(), pport = free_port(), dead = free_port();

	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(datadir, sizeof(datadir), "%s/data", tmpdir);
	snprintf(logpath, sizeof(logpath), "%s/etcd.log", tmpdir);
	snprintf(client_url, sizeof(client_url), "http://127.0.0.1:%u", cport);
	snprintf(peer_url, sizeof(peer_url), "http://127.0.0.1:%u", pport);
	/* the first endpoint has nobody listening: the provider must move on */
	snprintf(endpoints, sizeof(endpoints), "http://127.0.0.1:%u, %s", dead, client_url);
	return 0;
}

static int teardown(void **state)
{
	char cmd[400];

	(void)state;
	cp_disc_etcd_free(prov);
	prov = NULL;
	if (loop)
		cp_loop_free(loop);
	etcd_kill();
	if (getenv("SL_ETCD_TEST_KEEP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return 0;
}

static void test_params_checked(void **state)
{
	struct cp_disc_etcd_params p = {"http://127.0.0.1:2379", "/sluice/pools/", 0};
	char why[200];

	(void)state;
	assert_int_equal(cp_disc_etcd_check(&p, why, sizeof(why)), 0);
	p.endpoints = "http://127.0.0.1:2379,http://[::1]:2380/, http://localhost:1";
	assert_int_equal(cp_disc_etcd_check(&p, why, sizeof(why)), 0);
	p.endpoints = "https://127.0.0.1:2379";
	assert_int_equal(cp_disc_etcd_check(&p, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "endpoint \"https://127.0.0.1:2379\": only http:// is supported");
	p.endpoints = "http://etcd.example:2379";
	assert_int_equal(cp_disc_etcd_check(&p, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "host must be an IP address or localhost"));
	p.endpoints = "http://127.0.0.1:0";
	assert_int_equal(cp_disc_etcd_check(&p, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "endpoint \"http://127.0.0.1:0\": not http://HOST:PORT");
	p.endpoints = "http://127.0.0.1:2379,";
	assert_int_equal(cp_disc_etcd_check(&p, why, sizeof(why)), -EINVAL);
	p.endpoints = "http://127.0.0.1:2379";
	p.prefix = "";
	assert_int_equal(cp_disc_etcd_check(&p, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "empty prefix");
	errno = 0;
	assert_null(cp_disc_etcd_new(NULL, &p, NULL));
	assert_int_equal(errno, EINVAL);
}

static void test_against_real_etcd(void **state)
{
	struct cp_disc_sink sink = {on_update, on_error, NULL};
	struct cp_disc_etcd_params p = {endpoints, "/sluice/pools/", 1000};
	struct cp_disc_etcd_stats st;
	int errs;

	(void)state;
	etcd_start();
	assert_int_equal(
		ctl("put", "/sluice/pools/web/a", "{\"address\": \"198.18.1.11\", \"port\": 80}"),
		0);
	assert_int_equal(ctl("put", "/sluice/pools/web/b",
			     "{\"address\": \"198.18.1.12\", \"port\": 80, \"weight\": 2}"),
			 0);
	assert_int_equal(ctl("put", "/sluice/pools/api/x", "{\"address\": \"2001:2::1\"}"), 0);
	assert_int_equal(ctl("put", "/sluice/other/k", "not under the prefix"), 0);

	loop = cp_loop_new();
	assert_non_null(loop);
	prov = cp_disc_etcd_new(loop, &p, &sink);
	assert_non_null(prov);
	assert_int_equal(n_updates, 0); /* nothing happens inside new() */

	/* initial set, through the second endpoint after the first refused */
	run_until_pool("web", "a:80/1,b:80/2");
	run_until_pool("api", "x:0/1");
	run_until_pool(NULL, NULL);
	assert_int_equal(n_errors, 1);
	assert_int_equal(last_err_null, 1);
	assert_non_null(strstr(last_err, "connect: Connection refused"));
	cp_disc_etcd_get_stats(prov, &st);
	assert_int_equal(st.full_reads, 1);
	assert_int_equal(st.endpoint, 1);

	/* a put adds, a delete removes */
	assert_int_equal(ctl("put", "/sluice/pools/web/c",
			     "{\"address\": \"198.18.1.13\", \"port\": 8080, \"weight\": 3}"),
			 0);
	run_until_pool("web", "a:80/1,b:80/2,c:8080/3");
	assert_int_equal(ctl("del", "/sluice/pools/web/b", NULL), 0);
	run_until_pool("web", "a:80/1,c:8080/3");

	/* not JSON: an error naming the key, the set unchanged (a later event proves no update
	 * came) */
	errs = n_errors;
	int web_updates = pool_updates("web");
	assert_int_equal(ctl("put", "/sluice/pools/web/a", "this is not json"), 0);
	assert_int_equal(
		ctl("put", "/sluice/pools/api/y", "{\"address\": \"198.18.2.2\", \"port\": 443}"),
		0);
	run_until_pool("api", "x:0/1,y:443/1");
	assert_int_equal(n_errors, errs + 1);
	assert_int_equal(last_err_null, 0);
	assert_non_null(strstr(last_err, "key /sluice/pools/web/a: not JSON"));
	assert_string_equal(pool_str("web"), "a:80/1,c:8080/3");
	assert_int_equal(pool_updates("web"), web_updates);

	/* etcd killed: one error, every set kept */
	errs = n_errors;
	etcd_kill();
	run_until_errors(errs + 1);
	assert_int_equal(last_err_null, 1);
	assert_false(watching());
	/* a few failed reconnects later: still one error */
	for (int i = 0; i < 30; i++)
		assert_true(cp_loop_run_once(loop, 20) >= 0);
	cp_disc_etcd_get_stats(prov, &st);
	assert_true(st.failures >= 2);
	assert_int_equal(n_errors, errs + 1);
	assert_string_equal(pool_str("web"), "a:80/1,c:8080/3");
	assert_string_equal(pool_str("api"), "x:0/1,y:443/1");

	/* restarted on the same data dir; changes made before the provider reconnects
	 * (the loop does not run meanwhile) reach it through the resumed watch */
	etcd_start();
	assert_int_equal(
		ctl("put", "/sluice/pools/web/d", "{\"address\": \"198.18.1.14\", \"port\": 80}"),
		0);
	assert_int_equal(ctl("del", "/sluice/pools/web/c", NULL), 0);
	assert_int_equal(ctl("del", "/sluice/pools/api/x", NULL), 0);
	assert_int_equal(ctl("del", "/sluice/pools/api/y", NULL), 0);
	run_until_pool("web", "a:80/1,d:80/1");
	run_until_pool("api", "(empty)");
	run_until_pool(NULL, NULL);
	cp_disc_etcd_get_stats(prov, &st);
	assert_int_equal(st.full_reads, 1); /* resumed, not re-read */
	assert_int_equal(n_errors, errs + 1);

	/* compaction while the provider is away: it reads the prefix again */
	etcd_kill();
	run_until_errors(errs + 2);
	etcd_start();
	assert_int_equal(
		ctl("put", "/sluice/pools/web/e", "{\"address\": \"198.18.1.15\", \"port\": 80}"),
		0);
	assert_int_equal(
		ctl("put", "/sluice/pools/web/e", "{\"address\": \"198.18.1.15\", \"port\": 81}"),
		0);
	{
		/* compact up to the current revision */
		char rev[32];
		FILE *f;
		const char *argv[] = {"sh", "-c", NULL, NULL};
		char cmd[512];

		snprintf(cmd, sizeof(cmd),
			 "ETCDCTL_API=3 timeout 10 etcdctl --endpoints %s -w json get /sluice/x "
			 "| sed 's/.*\"revision\":\\([0-9]*\\).*/\\1/' > %s/rev",
			 client_url, tmpdir);
		argv[2] = cmd;
		assert_int_equal(run(argv), 0);
		snprintf(cmd, sizeof(cmd), "%s/rev", tmpdir);
		f = fopen(cmd, "r");
		assert_non_null(f);
		assert_non_null(fgets(rev, sizeof(rev), f));
		fclose(f);
		rev[strcspn(rev, "\n")] = '\0';
		assert_int_equal(ctl("compact", rev, NULL), 0);
	}
	run_until_pool("web", "a:80/1,d:80/1,e:81/1");
	run_until_pool(NULL, NULL);
	cp_disc_etcd_get_stats(prov, &st);
	assert_int_equal(st.full_reads, 2);
	/* the outage (+1), and the bad value of web/a refused again by the re-read (+1);
	 * its good value is kept (a:80/1 above) */
	assert_int_equal(n_errors, errs + 3);
	assert_non_null(strstr(last_err, "key /sluice/pools/web/a: not JSON"));
	assert_true(st.events >= 7);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_params_checked),
	};
	const struct CMUnitTest server[] = {
		cmocka_unit_test_setup_teardown(test_against_real_etcd, setup, teardown),
	};
	const struct tl_group groups[] = {
		{"cp_disc_etcd", "unit", TL_TESTS(pure)},
		{"cp_disc_etcd_server", "ext", TL_TESTS(server), .programs = "etcd etcdctl timeout",
		 .packages = "etcd-server etcd-client"},
	};

	return tl_suite_run(argc, argv, groups, 2);
}
