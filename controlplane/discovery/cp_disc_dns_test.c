/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dns discovery provider against a real dnsmasq started by the test on
 * a free loopback port: the initial set (lowest priority group, weight 0 ->
 * 1, A + AAAA from the additional section, a CNAME'd target resolved by its
 * own queries, NXDOMAIN -> empty), TTL refreshes, dnsmasq killed (error,
 * last set kept), restarted with other records (refresh resumes and sees
 * the change). dnsmasq is killed by PID at the end, even on failure. That
 * is suite ext; the resolver's text is checked without dnsmasq (suite unit).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "cp_disc_dns.h"
#include "cp_dns.h"
#include "cp_loop.h"
#include "tl_suite.h"

#define DNSMASQ "/usr/sbin/dnsmasq"

static pid_t dnsmasq_pid = -1;
static uint16_t port;
static char resolver[32];

/* A port free for both UDP and TCP on 127.0.0.1 (dnsmasq binds both). */
static uint16_t free_port(void)
{
	for (int tries = 0; tries < 50; tries++) {
		struct sockaddr_in a = {.sin_family = AF_INET};
		socklen_t al = sizeof(a);
		int u = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET, SOCK_STREAM, 0);
		uint16_t p = 0;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(u, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    getsockname(u, (struct sockaddr *)&a, &al) == 0 &&
		    bind(t, (struct sockaddr *)&a, sizeof(a)) == 0)
			p = ntohs(a.sin_port);
		close(u);
		close(t);
		if (p)
			return p;
	}
	fail_msg("no free port");
	return 0;
}

/* Blocking probe (test helper only): does dnsmasq answer an SRV query? */
static int dns_answers(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {0, 100000};
	uint8_t q[CP_DNS_QUERY_MAX], r[4096];
	int s = socket(AF_INET, SOCK_DGRAM, 0), len, ok = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	len = cp_dns_build_query(q, sizeof(q), 0x5151, "_probe._tcp.svc.example", CP_DNS_T_SRV);
	if (sendto(s, q, (size_t)len, 0, (struct sockaddr *)&a, sizeof(a)) == len &&
	    recv(s, r, sizeof(r), 0) >= 12 && r[0] == 0x51 && r[1] == 0x51)
		ok = 1;
	close(s);
	return ok;
}

static void dnsmasq_stop(void)
{
	if (dnsmasq_pid > 0) {
		kill(dnsmasq_pid, SIGTERM);
		waitpid(dnsmasq_pid, NULL, 0);
		dnsmasq_pid = -1;
	}
}

/* Start dnsmasq with @records (NULL-terminated extra arguments) and wait until it answers. */
static void dnsmasq_start(const char *const *records)
{
	char port_arg[32];
	const char *argv[32];
	int n = 0;

	snprintf(port_arg, sizeof(port_arg), "--port=%u", port);
	argv[n++] = DNSMASQ;
	argv[n++] = "--no-daemon";
	argv[n++] = "--conf-file=/dev/null";
	argv[n++] = "--no-resolv";
	argv[n++] = "--no-hosts";
	argv[n++] = "--listen-address=127.0.0.1";
	argv[n++] = "--bind-interfaces";
	argv[n++] = "--local=/svc.example/"; /* unknown names: NXDOMAIN, not REFUSED */
	argv[n++] = "--log-facility=/dev/null";
	argv[n++] = port_arg;
	while (*records)
		argv[n++] = *records++;
	argv[n] = NULL;
	dnsmasq_pid = fork();
	assert_true(dnsmasq_pid >= 0);
	if (dnsmasq_pid == 0) {
		execv(DNSMASQ, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		if (dns_answers())
			return;
		if (waitpid(dnsmasq_pid, NULL, WNOHANG) == dnsmasq_pid) {
			dnsmasq_pid = -1;
			fail_msg("dnsmasq exited at start");
		}
		usleep(50000);
	}
	fail_msg("dnsmasq does not answer on port %u", port);
}

/* Sink: the last set per pool as sorted text, every call counted. */
static char last_set[2][1024], last_error[2][512];
static int n_updates[2], n_errors[2];

static int pool_index(const char *pool)
{
	return strcmp(pool, "login") ? 1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void on_update(void *ctx, enum cp_disc_source src, const char *pool,
		      const struct cp_disc_instance *v, uint32_t n)
{
	static char items[64][96];
	int p = pool_index(pool);
	size_t o = 0;

	(void)ctx;
	assert_int_equal(src, CP_DISC_DNS);
	assert_true(n <= 64);
	for (uint32_t i = 0; i < n; i++) {
		char a[INET6_ADDRSTRLEN];

		if (v[i].af == SL_AF_INET)
			inet_ntop(AF_INET, &v[i].addr.a32[3], a, sizeof(a));
		else
			inet_ntop(AF_INET6, v[i].addr.a8, a, sizeof(a));
		snprintf(items[i], sizeof(items[i]), "%s/%s/%u/%u", v[i].name, a, v[i].port,
			 v[i].weight);
	}
	qsort(items, n, sizeof(items[0]), cmp_str);
	last_set[p][0] = 0;
	for (uint32_t i = 0; i < n; i++)
		o += (size_t)snprintf(last_set[p] + o, sizeof(last_set[p]) - o, "%s%s",
				      i ? " " : "", items[i]);
	n_updates[p]++;
}

static void on_error(void *ctx, enum cp_disc_source src, const char *pool, const char *what)
{
	int p = pool_index(pool);

	(void)ctx;
	assert_int_equal(src, CP_DISC_DNS);
	snprintf(last_error[p], sizeof(last_error[p]), "%s", what);
	n_errors[p]++;
}

static const struct cp_disc_sink sink = {on_update, on_error, NULL};

/* Run the loop until *@counter reaches @want, at most @ms. */
static void run_until(struct cp_loop *l, const int *counter, int want, int ms)
{
	uint64_t end = cp_loop_now_ns() + (uint64_t)ms * 1000000;

	while (*counter < want && cp_loop_now_ns() < end)
		assert_true(cp_loop_run_once(l, 20) >= 0);
	assert_true(*counter >= want);
}

static const char *const records_a[] = {
	"--srv-host=_http._tcp.login.svc.example,b1.svc.example,80,0,0",
	"--srv-host=_http._tcp.login.svc.example,b2.svc.example,8080,0,5",
	"--srv-host=_http._tcp.login.svc.example,b3.svc.example,80,1,1", /* backup group */
	"--srv-host=_http._tcp.login.svc.example,alias.svc.example,81,0,2",
	"--host-record=b1.svc.example,198.18.1.11,2001:2::11",
	"--host-record=b2.svc.example,198.18.1.12",
	"--host-record=b3.svc.example,198.18.1.13",
	"--host-record=real.svc.example,198.18.1.20",
	"--cname=alias.svc.example,real.svc.example",
	NULL,
};

static const char *const records_b[] = {
	"--srv-host=_http._tcp.login.svc.example,b1.svc.example,80,0,1",
	"--srv-host=_http._tcp.login.svc.example,b4.svc.example,80,0,1",
	"--host-record=b1.svc.example,198.18.1.11",
	"--host-record=b4.svc.example,198.18.1.14",
	NULL,
};

static void test_dnsmasq(void **state)
{
	struct cp_disc_dns_conf conf = {
		.timeout_ms = 200, .attempts = 2, .min_ttl = 1, .max_ttl = 2};
	struct cp_disc_dns_stats st;
	struct cp_loop *l = cp_loop_new();
	struct cp_disc_dns *d;
	char want[512];
	int u, e;

	(void)state;
	port = free_port();
	snprintf(resolver, sizeof(resolver), "127.0.0.1:%u", port);
	dnsmasq_start(records_a);
	conf.resolver = resolver;
	d = cp_disc_dns_new(l, &conf, &sink);
	assert_non_null(d);
	assert_int_equal(cp_disc_dns_add(d, "login", "_http._tcp.login.svc.example"), 0);
	assert_int_equal(cp_disc_dns_add(d, "login", "_http._tcp.other.svc.example"), -EEXIST);
	assert_int_equal(cp_disc_dns_add(d, "gone", "_http._tcp.gone.svc.example"), 0);
	assert_int_equal(cp_disc_dns_add(d, "bad", "bad name"), -EINVAL);

	/*
	 * initial set: priority 0 only, weight 0 -> 1, alias resolved via CNAME;
	 * b1 has two addresses: neither takes its host name, which must name one
	 * instance (the model gives them address:port)
	 */
	run_until(l, &n_updates[0], 1, 3000);
	run_until(l, &n_updates[1], 1, 3000);
	assert_string_equal(last_set[0],
			    "/198.18.1.11/80/1 /2001:2::11/80/1 alias.svc.example/198.18.1.20/81/2 "
			    "b2.svc.example/198.18.1.12/8080/5");
	assert_string_equal(last_set[1], ""); /* NXDOMAIN: empty pool */
	assert_int_equal(n_errors[0] + n_errors[1], 0);

	/* TTL 0 clamped to min_ttl 1 s: refreshed within ~1 s, same set */
	u = n_updates[0];
	run_until(l, &n_updates[0], u + 2, 3500);
	assert_int_equal(n_errors[0], 0);
	assert_string_equal(last_set[0],
			    "/198.18.1.11/80/1 /2001:2::11/80/1 alias.svc.example/198.18.1.20/81/2 "
			    "b2.svc.example/198.18.1.12/8080/5");

	/* dnsmasq gone: an error, no update, the set stays */
	dnsmasq_stop();
	u = n_updates[0];
	e = n_errors[0];
	run_until(l, &n_errors[0], e + 1, 4000);
	assert_int_equal(n_updates[0], u);
	snprintf(want, sizeof(want),
		 "_http._tcp.login.svc.example SRV: timeout after 2 attempts of 200 ms to "
		 "127.0.0.1:%u (last socket error: Connection refused)",
		 port);
	assert_string_equal(last_error[0], want);
	/* retries keep failing with backoff (1 s, then capped at max_ttl 2 s) */
	run_until(l, &n_errors[0], e + 2, 4000);
	assert_int_equal(n_updates[0], u);

	/* back with other records: the refresh resumes and sees them */
	dnsmasq_start(records_b);
	run_until(l, &n_updates[0], u + 1, 5000);
	assert_string_equal(last_set[0],
			    "b1.svc.example/198.18.1.11/80/1 b4.svc.example/198.18.1.14/80/1");

	cp_disc_dns_get_stats(d, &st);
	assert_true(st.answers > 0);
	assert_true(st.timeouts >= 4);
	assert_int_equal(st.refused, 0);
	cp_disc_dns_free(d);
	cp_loop_free(l);
	dnsmasq_stop();
}

static void test_resolver_text(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	socklen_t len;

	(void)state;
	assert_int_equal(cp_disc_dns_parse_resolver("127.0.0.1:5353", &ss, &len), 0);
	assert_int_equal(s4->sin_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), 5353);
	assert_int_equal(len, sizeof(*s4));
	assert_int_equal(cp_disc_dns_parse_resolver("198.18.0.1", &ss, &len), 0);
	assert_int_equal(ntohs(s4->sin_port), 53);
	assert_int_equal(cp_disc_dns_parse_resolver("[2001:2::1]:5300", &ss, &len), 0);
	assert_int_equal(s6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(s6->sin6_port), 5300);
	assert_int_equal(cp_disc_dns_parse_resolver("2001:2::1", &ss, &len), 0);
	assert_int_equal(ntohs(s6->sin6_port), 53);
	assert_int_equal(cp_disc_dns_parse_resolver("127.0.0.1:0", &ss, &len), -EINVAL);
	assert_int_equal(cp_disc_dns_parse_resolver("127.0.0.1:65536", &ss, &len), -EINVAL);
	assert_int_equal(cp_disc_dns_parse_resolver("localhost:53", &ss, &len), -EINVAL);
	assert_int_equal(cp_disc_dns_parse_resolver("[2001:2::1", &ss, &len), -EINVAL);
	assert_int_equal(cp_disc_dns_parse_resolver("127.0.0.1:", &ss, &len), -EINVAL);
}

static int teardown(void **state)
{
	(void)state;
	dnsmasq_stop(); /* also after a failed assertion */
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_resolver_text),
	};
	const struct CMUnitTest server[] = {
		cmocka_unit_test_teardown(test_dnsmasq, teardown),
	};
	const struct tl_group groups[] = {
		{"cp_disc_dns", "unit", TL_TESTS(pure)},
		{"cp_disc_dns_dnsmasq", "ext", TL_TESTS(server), .programs = DNSMASQ,
		 .packages = "dnsmasq-base"},
	};

	return tl_suite_run(argc, argv, groups, 2);
}
