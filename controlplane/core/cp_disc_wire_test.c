/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_disc_wire with a real model on a real loop: the watched file's sets
 * reach the model (and follow the file as it changes, keep the last good
 * set when it breaks), entries the model refuses are logged escaped and
 * counted, a provider starts only when a pool takes its sets, a bad
 * provider setting fails the start naming it, the dns provider asks the
 * resolver (a socket of this test) for every pool's SRV name, a reload adds
 * new names, reads the file again and says what needs a restart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cp_core_test.h"
#include "cp_disc_wire.h"
#include "cp_test_util.h"

struct fix {
	struct cp_loop *loop;
	struct cp_model *model;
	struct cp_disc_wire dw;
	struct cfg c, *cfg; /* cfg: &c, the running config the wiring reads */
	char dir[64], path[128];
	int changes;
};

static void on_changed(void *ctx)
{
	struct fix *f = ctx;

	f->changes++;
}

static void on_refused(void *ctx, enum cp_disc_source src, const char *pool,
		       const struct cp_model_refusal *r, uint32_t n, uint32_t n_total)
{
	(void)ctx;
	cp_disc_wire_refused(src, pool, r, n, n_total);
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct cp_model_hooks hooks = {.changed = on_changed, .refused = on_refused, .ctx = f};

	f->loop = cp_loop_new();
	f->model = cp_model_new(&hooks);
	snprintf(f->dir, sizeof(f->dir), "/tmp/sldw-XXXXXX");
	if (!f->loop || !f->model || !mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/pools.json", f->dir);
	f->cfg = &f->c;
	cp_disc_wire_init(&f->dw, f->loop, f->model, &f->cfg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	cp_disc_wire_stop(&f->dw);
	cp_model_free(f->model);
	cp_loop_free(f->loop);
	cpt_config_free(&f->c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Replace the file at once (written aside, renamed into place), as an orchestrator does. */
static void write_file(const struct fix *f, const char *text)
{
	char tmp[160];
	FILE *o;

	snprintf(tmp, sizeof(tmp), "%s/.pools.tmp", f->dir);
	o = fopen(tmp, "w");
	assert_non_null(o);
	fputs(text, o);
	fclose(o);
	assert_int_equal(rename(tmp, f->path), 0);
}

/* "name=address:port/weight" of each instance of pool @pool, space separated. */
static const char *members(const struct fix *f, uint32_t pool)
{
	static char buf[512];
	struct cp_model_inst *const *inst;
	uint32_t n = cp_model_pool_instances(f->model, pool, &inst);
	size_t o = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < n; i++) {
		char a[INET6_ADDRSTRLEN], src[64];

		inet_ntop(AF_INET, &inst[i]->addr.a32[3], a, sizeof(a));
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s=%s:%u/%u(%s)", i ? " " : "",
				      inst[i]->name, a, inst[i]->port, inst[i]->weight,
				      cp_model_sources_text(inst[i]->sources, src, sizeof(src)));
	}
	return buf;
}

struct wait_members {
	const struct fix *f;
	uint32_t pool;
	const char *want;
};

static bool members_are(void *ctx)
{
	const struct wait_members *w = ctx;

	return strcmp(members(w->f, w->pool), w->want) == 0;
}

static void test_file_sets_reach_the_model(void **state)
{
	struct fix *f = *state;
	struct cfg_pool *web;
	struct cpt_log log;
	struct wait_members w = {f, 0, NULL};
	char *text, want[256];

	cpt_vip(&f->c, "web", "198.18.100.1", 80, "web");
	web = cpt_pool(&f->c, "web");
	web->disc.file = 1;
	cpt_backend(web, "198.18.1.11", 0, 1);
	snprintf(f->c.discovery.file.path, sizeof(f->c.discovery.file.path), "%s", f->path);
	write_file(f, "{\"pools\": {\"web\": [{\"address\": \"198.18.1.21\", \"port\": 8080, "
		      "\"weight\": 3, \"name\": \"a\"}, {\"address\": \"198.18.1.11\"}],"
		      " \"other\": [{\"address\": \"198.18.9.9\"}]}}");
	assert_int_equal(cp_model_configure(f->model, &f->c), 0);

	cpt_log_begin(&log);
	assert_int_equal(cp_disc_wire_start(&f->dw), 0);
	text = cpt_log_end(&log);
	assert_non_null(f->dw.file);
	assert_null(f->dw.dns);
	assert_null(f->dw.etcd);
	/* the first reports come inside the start */
	assert_string_equal(members(f, 0), "198.18.1.11:0=198.18.1.11:0/1(static,file) "
					   "a=198.18.1.21:8080/3(file)");
	snprintf(want, sizeof(want), " INFO  discovery: file: watching %s", f->path);
	assert_int_equal(cpt_lines_with(text, want), 1);
	assert_int_equal(cpt_lines_with(text, " INFO  discovery: file: pool web: 2 instances"), 1);
	assert_int_equal(cpt_lines_with(text, " INFO  discovery: file: pool other: 1 instances "
					      "(pool not in the config: kept)"),
			 1);
	free(text);

	/* the file changes: the model follows */
	write_file(f, "{\"pools\": {\"web\": [{\"address\": \"198.18.1.22\", \"name\": \"b\"}]}}");
	w.want = "198.18.1.11:0=198.18.1.11:0/1(static) b=198.18.1.22:0/1(file)";
	assert_true(cpt_run_until(f->loop, members_are, &w));

	/* a broken file: logged, the last good set stays */
	cpt_log_begin(&log);
	write_file(f, "{\"pools\": {\"web\": [{\"address\": \"198.18.1.23\"}");
	cpt_run_for(f->loop, 300);
	text = cpt_log_end(&log);
	assert_string_equal(members(f, 0), w.want);
	assert_int_equal(cpt_lines_with(text, " WARN  discovery: file: "), 1);
	assert_int_equal(cpt_lines_with(text, "; the last good set stays"), 1);
	free(text);
}

/* Entries against the config's rules: one WARN each, names escaped, then how many more. */
static void test_refused_entries_logged(void **state)
{
	struct fix *f = *state;
	struct cfg_pool *web;
	struct cpt_log log;
	char file[2048], *text;
	size_t o;

	cpt_vip(&f->c, "web", "198.18.100.1", 80, "web");
	web = cpt_pool(&f->c, "web");
	web->disc.file = 1;
	snprintf(f->c.discovery.file.path, sizeof(f->c.discovery.file.path), "%s", f->path);
	o = (size_t)snprintf(file, sizeof(file),
			     "{\"pools\": {\"web\": [{\"address\": \"198.18.1.21\", \"name\": "
			     "\"\\u001b[2Jred\"}, {\"address\": \"2001:2::1\", \"port\": 80}");
	for (int i = 0; i < 9; i++)
		o += (size_t)snprintf(file + o, sizeof(file) - o,
				      ", {\"address\": \"0.0.0.0\", "
				      "\"port\": %d}",
				      100 + i);
	snprintf(file + o, sizeof(file) - o, ", {\"address\": \"198.18.1.22\"}]}}");
	write_file(f, file);
	assert_int_equal(cp_model_configure(f->model, &f->c), 0);
	cpt_log_begin(&log);
	assert_int_equal(cp_disc_wire_start(&f->dw), 0);
	text = cpt_log_end(&log);
	assert_string_equal(members(f, 0), "198.18.1.22=198.18.1.22:0/1(file)");
	assert_int_equal(cpt_lines_with(text, " WARN  discovery: file: pool web: refused "
					      "198.18.1.21 port 0 (name \"\\x1b[2Jred\"): name is "
					      "not 1-31 of [A-Za-z0-9_.:[]-]"),
			 1);
	assert_int_equal(cpt_lines_with(text, " WARN  discovery: file: pool web: refused "
					      "2001:2::1 port 80: IPv6 instance in a pool that "
					      "serves IPv4 VIPs"),
			 1);
	assert_int_equal(cpt_lines_with(text, "port 100: not a unicast address"), 1);
	/* 11 refused, the first CP_MODEL_REFUSED_MAX described */
	assert_int_equal(cpt_lines_with(text, ": refused "), CP_MODEL_REFUSED_MAX);
	assert_int_equal(cpt_lines_with(text, " WARN  discovery: file: pool web: 3 more entries "
					      "refused"),
			 1);
	assert_null(strchr(text, '\x1b'));
	assert_int_equal(cp_model_pool_refused(f->model, 0), 11);
	free(text);
}

/* A provider starts only when a pool takes its sets (an implicit pool: file's and etcd's). */
static void test_providers_only_when_used(void **state)
{
	struct fix *f = *state;
	struct cfg_discovery *dc = &f->c.discovery;
	struct cfg_pool *p;
	struct cpt_log log;
	char *text;

	cpt_vip(&f->c, "web", "198.18.100.1", 80, "web");
	cpt_pool(&f->c, "web");
	snprintf(dc->file.path, sizeof(dc->file.path), "%s", f->path);
	snprintf(dc->dns.resolver, sizeof(dc->dns.resolver), "127.0.0.1:5353");
	snprintf(dc->etcd.endpoints, sizeof(dc->etcd.endpoints), "http://127.0.0.1:2379");
	snprintf(dc->etcd.prefix, sizeof(dc->etcd.prefix), "/sluice/pools/");
	assert_int_equal(cp_model_configure(f->model, &f->c), 0);
	cpt_log_begin(&log);
	assert_int_equal(cp_disc_wire_start(&f->dw), 0);
	text = cpt_log_end(&log);
	assert_null(f->dw.file);
	assert_null(f->dw.dns);
	assert_null(f->dw.etcd);
	assert_int_equal(cpt_lines_with(text, "discovery:"), 0);
	free(text);

	/* an implicit pool: the file and etcd, not dns (it has no SRV name) */
	p = cpt_pool(&f->c, "implicit");
	p->implicit = 1;
	cpt_vip(&f->c, "imp", "198.18.100.2", 80, "implicit");
	f->c.vips[1].pool_index = 1;
	assert_int_equal(cp_model_configure(f->model, &f->c), 0);
	cpt_log_begin(&log);
	assert_int_equal(cp_disc_wire_start(&f->dw), 0);
	text = cpt_log_end(&log);
	assert_non_null(f->dw.file);
	assert_null(f->dw.dns);
	assert_non_null(f->dw.etcd);
	assert_int_equal(cpt_lines_with(text, " INFO  discovery: etcd: watching "
					      "http://127.0.0.1:2379 under /sluice/pools/"),
			 1);
	/* the file is not there yet: said once, nothing reported */
	assert_int_equal(cpt_lines_with(text, " WARN  discovery: file: "), 1);
	free(text);
}

/* A provider that cannot start fails the start, naming it. */
static void test_bad_provider_settings(void **state)
{
	struct fix *f = *state;
	struct cfg_discovery *dc = &f->c.discovery;
	struct cfg_pool *p;
	struct cpt_log log;
	char *text;

	cpt_vip(&f->c, "web", "198.18.100.1", 80, "web");
	p = cpt_pool(&f->c, "web");
	p->disc.file = 1;
	p->disc.etcd = 1;
	snprintf(dc->file.path, sizeof(dc->file.path), "%s/no-such-dir/pools.json", f->dir);
	assert_int_equal(cp_model_configure(f->model, &f->c), 0);
	cpt_log_begin(&log);
	assert_int_equal(cp_disc_wire_start(&f->dw), -ENOENT);
	text = cpt_log_end(&log);
	assert_int_equal(cpt_lines_with(text, " ERROR discovery: file: watching "), 1);
	assert_int_equal(cpt_lines_with(text, "/no-such-dir/pools.json: No such file or directory"),
			 1);
	free(text);

	dc->file.path[0] = '\0';
	snprintf(dc->etcd.endpoints, sizeof(dc->etcd.endpoints), "https://127.0.0.1:2379");
	snprintf(dc->etcd.prefix, sizeof(dc->etcd.prefix), "/sluice/pools/");
	cpt_log_begin(&log);
	assert_int_equal(cp_disc_wire_start(&f->dw), -EINVAL);
	text = cpt_log_end(&log);
	assert_int_equal(cpt_lines_with(text, " ERROR discovery: etcd: "), 1);
	assert_null(f->dw.etcd);
	free(text);
}

/* The resolver: a UDP socket of this test that keeps the names asked for. */
struct resolver {
	struct cp_loop_fd lfd;
	int fd;
	uint16_t port;
	char names[8][256];
	int n;
};

static void on_query(struct cp_loop_fd *lf, uint32_t events)
{
	struct resolver *r = lf->ctx;
	uint8_t q[512];
	ssize_t n = recv(r->fd, q, sizeof(q), 0);
	size_t o = 12, k = 0;
	char *name;

	(void)events;
	if (n <= 12 || r->n == 8)
		return;
	name = r->names[r->n++];
	/* the question's name: length-prefixed labels after the 12-byte header */
	while (o < (size_t)n && q[o] && k + q[o] + 1 < 256) {
		if (k)
			name[k++] = '.';
		memcpy(name + k, q + o + 1, q[o]);
		k += q[o];
		o += (size_t)q[o] + 1;
	}
	name[k] = '\0';
}

struct wait_n {
	const int *n;
	int want;
};

static bool reached(void *ctx)
{
	const struct wait_n *w = ctx;

	return *w->n >= w->want;
}

static void test_dns_names_and_reload(void **state)
{
	struct fix *f = *state;
	struct cfg_discovery *dc = &f->c.discovery;
	struct resolver r = {0};
	struct cfg old, *next;
	struct cfg_pool *p;
	struct cpt_log log;
	char *text;
	struct wait_n w = {&r.n, 1};

	r.fd = cpt_socket(SOCK_DGRAM, &r.port);
	assert_int_equal(cp_loop_fd_add(f->loop, &r.lfd, r.fd, EPOLLIN, on_query, &r), 0);
	cpt_vip(&f->c, "web", "198.18.100.1", 80, "web");
	p = cpt_pool(&f->c, "web");
	snprintf(p->disc.dns, sizeof(p->disc.dns), "_http._tcp.web.svc.example");
	snprintf(dc->dns.resolver, sizeof(dc->dns.resolver), "127.0.0.1:%u", r.port);
	dc->dns.timeout_ms = 5000;
	assert_int_equal(cp_model_configure(f->model, &f->c), 0);
	cpt_log_begin(&log);
	assert_int_equal(cp_disc_wire_start(&f->dw), 0);
	text = cpt_log_end(&log);
	assert_non_null(f->dw.dns);
	assert_int_equal(cpt_lines_with(text, " INFO  discovery: dns: resolving SRV names through "
					      "127.0.0.1:"),
			 1);
	free(text);
	/* the first query goes out from the loop */
	assert_true(cpt_run_until(f->loop, reached, &w));
	assert_int_equal(r.n, 1);
	assert_string_equal(r.names[0], "_http._tcp.web.svc.example");

	/* a reload: a second pool with a name, the resolver's timeout changed */
	old = f->c;
	next = calloc(1, sizeof(*next));
	*next = f->c;
	next->pools = calloc(8, sizeof(*next->pools));
	memcpy(next->pools, f->c.pools, f->c.n_pools * sizeof(*next->pools));
	p = cpt_pool(next, "api");
	snprintf(p->disc.dns, sizeof(p->disc.dns), "_http._tcp.api.svc.example");
	next->discovery.dns.timeout_ms = 2000;
	f->cfg = next;
	cpt_log_begin(&log);
	cp_disc_wire_reload(&f->dw, &old);
	text = cpt_log_end(&log);
	assert_int_equal(cpt_lines_with(text, " WARN  discovery: the discovery section changed: "
					      "restart sluiced to apply it (providers keep their "
					      "running settings)"),
			 1);
	free(text);
	w.want = 2;
	assert_true(cpt_run_until(f->loop, reached, &w));
	assert_int_equal(r.n, 2);
	assert_string_equal(r.names[1], "_http._tcp.api.svc.example");
	free(next->pools);
	free(next);
	f->cfg = &f->c;
	cp_loop_fd_del(f->loop, &r.lfd);
	close(r.fd);
}

/* A reload: the file is read again; an SRV name without the dns provider needs a restart. */
static void test_reload_reads_file_again(void **state)
{
	struct fix *f = *state;
	struct cp_disc_file_stats st;
	struct cfg_pool *web;
	struct cfg old;
	struct cpt_log log;
	char *text;

	cpt_vip(&f->c, "web", "198.18.100.1", 80, "web");
	web = cpt_pool(&f->c, "web");
	web->disc.file = 1;
	snprintf(f->c.discovery.file.path, sizeof(f->c.discovery.file.path), "%s", f->path);
	write_file(f, "{\"pools\": {\"web\": [{\"address\": \"198.18.1.21\"}]}}");
	assert_int_equal(cp_model_configure(f->model, &f->c), 0);
	assert_int_equal(cp_disc_wire_start(&f->dw), 0);
	cp_disc_file_get_stats(f->dw.file, &st);
	assert_int_equal(st.good, 1);

	old = f->c;
	snprintf(web->disc.dns, sizeof(web->disc.dns), "_http._tcp.web.svc.example");
	cpt_log_begin(&log);
	cp_disc_wire_reload(&f->dw, &old);
	text = cpt_log_end(&log);
	cp_disc_file_get_stats(f->dw.file, &st);
	assert_int_equal(st.good, 2);
	assert_int_equal(cpt_lines_with(text, " WARN  discovery: a pool names an SRV name but the "
					      "dns provider is not running: restart sluiced to "
					      "start it"),
			 1);
	assert_int_equal(cpt_lines_with(text, "the discovery section changed"), 0);
	free(text);
	cp_disc_wire_stop(&f->dw);
	assert_null(f->dw.file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_sets_reach_the_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_entries_logged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_providers_only_when_used, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_provider_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_names_and_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_reads_file_again, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
