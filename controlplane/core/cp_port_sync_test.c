/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_port_sync on a daemon of the real parts, with sluice_xdp attached to
 * the port's interface (veth slpo0 in a network namespace of this
 * process) and probes of the real engine to servers on loopback: each open
 * probe socket is in sl_probes while it is open and gone once closed, what
 * a killed sluiced left there is removed at start, the VIP map follows each
 * settled publication, a replaced program (the dataplane restarted) gets
 * the open probe sockets and the VIPs at once, and a pool probing through
 * the tunnel gets its rewrite in sl_probes and sluice_probe on the egress.
 * Needs root (suite kernel; skipped without).
 */
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cp_core_test.h"
#include "cp_port_sync.h"
#include "cp_probe_tc.h"
#include "cp_test_util.h"
#include "cp_xdp.h"
#include "sluice_xdp.skel.h"
#include "tl_netns.h"
#include "tl_suite.h"

#define IFACE "slpo0"

struct fix {
	struct cp_daemon d;
	struct sluice_xdp *xdp; /* attached to IFACE */
	struct cpt_scratch s;
	int listen_fd; /* accepts connects, never answers: probes stay open */
	uint16_t port;
};

static int group_setup(void **state)
{
	(void)state;
	return tl_netns_enter(IFACE, "slpo1", "198.18.230.1/24");
}

static struct sluice_xdp *attach(void)
{
	struct sluice_xdp *x = sluice_xdp__open_and_load();

	assert_non_null(x);
	assert_int_equal(bpf_xdp_attach((int)if_nametoindex(IFACE),
					bpf_program__fd(x->progs.sluice_xdp), XDP_FLAGS_DRV_MODE,
					NULL),
			 0);
	return x;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f || cpt_scratch_make(&f->s, "slpo"))
		return -1;
	f->listen_fd = cpt_socket(SOCK_STREAM, &f->port);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	if (f->d.loop)
		cpt_daemon_stop(&f->d);
	bpf_xdp_detach((int)if_nametoindex(IFACE), XDP_FLAGS_DRV_MODE, NULL);
	cp_xdp_cache_flush();
	sluice_xdp__destroy(f->xdp);
	close(f->listen_fd);
	if (cpt_scratch_drop(&f->s))
		return -1;
	free(f);
	return 0;
}

/* Pool web: http checks of 127.0.0.1 on the silent listener, every probe until its timeout. */
static struct cfg *web_cfg(const struct fix *f)
{
	struct cfg *c = cpt_daemon_cfg(f->s.instance, IFACE, 0);
	struct cfg_pool *web;

	cpt_vip(c, "web", "198.18.100.1", 80, "web");
	web = cpt_pool(c, "web");
	cpt_health(web, CFG_HEALTH_CHECK_HTTP);
	web->health.timeout_ms = 60000;
	cpt_backend(web, "127.0.0.1", f->port, 1);
	return c;
}

/* The model follows @next, built at once, as after a reload (the old config is freed). */
static void swap_cfg(struct fix *f, struct cfg *next)
{
	struct cfg *old = f->d.cfg;

	f->d.cfg = next;
	assert_int_equal(cp_model_configure(f->d.model, next), 0);
	cp_publish_sched_reloaded(&f->d.sched, old);
}

static void start(struct fix *f, struct cfg *c)
{
	assert_int_equal(cpt_daemon_start(&f->d, c, "test.conf", f->s.events), 0);
}

static uint32_t map_count(int map_fd, size_t key_len)
{
	uint8_t k[64], next[64];
	uint32_t n = 0;

	for (int has = bpf_map_get_next_key(map_fd, NULL, next) == 0; has;
	     has = bpf_map_get_next_key(map_fd, k, next) == 0) {
		memcpy(k, next, key_len);
		n++;
	}
	return n;
}

/* The entry of the open probe socket @s in sl_probes of @x into *@v: 0 or -ENOENT. */
static int probe_entry(const struct sluice_xdp *x, const struct cp_health_sock *s,
		       struct sl_probe_value *v)
{
	struct sl_probe_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.addr, s->local.a8, 16);
	k.port = htons(s->local_port);
	k.proto = s->proto;
	return bpf_map_lookup_elem(bpf_map__fd(x->maps.sl_probes), &k, v) == 0 ? 0 : -ENOENT;
}

static void copy_sock(void *ctx, int open, const struct cp_health_sock *s)
{
	(void)open;
	*(struct cp_health_sock *)ctx = *s;
}

/* The one open probe socket, into *@s; whether there is exactly one. */
static bool open_sock(const struct fix *f, struct cp_health_sock *s)
{
	return cp_health_each_open_sock(f->d.health, copy_sock, s) == 1;
}

struct sock_wait {
	struct fix *f;
	struct cp_health_sock s;
};

static bool probe_open(void *ctx)
{
	struct sock_wait *w = ctx;

	cpt_daemon_turn(&w->f->d);
	return open_sock(w->f, &w->s);
}

struct count_wait {
	struct fix *f;
	int map_fd;
	size_t key_len;
	uint32_t want;
};

static bool count_is(void *ctx)
{
	struct count_wait *w = ctx;

	cpt_daemon_turn(&w->f->d);
	return map_count(w->map_fd, w->key_len) == w->want;
}

static void test_probe_sockets_in_sl_probes(void **state)
{
	struct fix *f = *state;
	struct sock_wait w = {f};
	struct sl_probe_value v, zero = {0};
	struct cp_health_sock first;
	struct cfg *next;
	int probes;

	f->xdp = attach();
	probes = bpf_map__fd(f->xdp->maps.sl_probes);
	start(f, web_cfg(f));
	assert_true(cpt_run_until(f->d.loop, probe_open, &w));
	/* bound to the route's source, announced before connect: a direct probe */
	assert_string_equal(inet_ntoa((struct in_addr){w.s.local.a32[3]}), "127.0.0.1");
	assert_int_equal(w.s.proto, IPPROTO_TCP);
	assert_int_equal(probe_entry(f->xdp, &w.s, &v), 0);
	assert_memory_equal(&v, &zero, sizeof(v));
	assert_int_equal(map_count(probes, sizeof(struct sl_probe_key)), 1);
	first = w.s;

	/* the instance leaves: its probe's socket closes, its entry goes */
	next = cpt_daemon_cfg(f->s.instance, IFACE, 0);
	cpt_vip(next, "web", "198.18.100.1", 80, "web");
	cpt_pool(next, "web");
	swap_cfg(f, next);
	assert_false(open_sock(f, &w.s));
	assert_int_equal(probe_entry(f->xdp, &first, &v), -ENOENT);
	assert_int_equal(map_count(probes, sizeof(struct sl_probe_key)), 0);
}

/* What a killed sluiced left in sl_probes is gone at start. */
static void test_stale_entries_cleared(void **state)
{
	struct fix *f = *state;
	struct sl_addr a;
	struct cpt_log log;
	char *text;
	uint8_t af;

	f->xdp = attach();
	cpt_addr(&a, &af, "198.18.230.1");
	assert_int_equal(cp_xdp_probe_add(IFACE, &a, 40000, IPPROTO_TCP, NULL), 0);
	assert_int_equal(cp_xdp_probe_add(IFACE, &a, 40001, IPPROTO_UDP, NULL), 0);
	cpt_log_begin(&log);
	start(f, cpt_daemon_cfg(f->s.instance, IFACE, 0));
	text = cpt_log_end(&log);
	assert_int_equal(
		map_count(bpf_map__fd(f->xdp->maps.sl_probes), sizeof(struct sl_probe_key)), 0);
	assert_int_equal(cpt_lines_with(text,
					" INFO  health: " IFACE ": removed 2 probe sockets of "
					"an earlier sluiced from sl_probes"),
			 1);
	free(text);
}

/* The VIP map follows what is published; before sluice_xdp is there, that is said once. */
static void test_vips_follow_publication(void **state)
{
	struct fix *f = *state;
	struct count_wait w = {f, -1, sizeof(struct sl_xdp_vip_key), 2};
	struct cpt_log log;
	struct cfg *c = cpt_daemon_cfg(f->s.instance, IFACE, 0), *next;
	char *text;

	cpt_vip(c, "web", "198.18.100.1", 80, "web");
	cpt_pool(c, "web");
	cpt_log_begin(&log);
	start(f, c);
	cpt_run_for(f->d.loop, 300);
	text = cpt_log_end(&log);
	assert_int_equal(cpt_lines_with(text,
					" WARN  xdp: " IFACE ": no sluice_xdp program attached "
					"yet"),
			 1);
	free(text);

	cpt_log_begin(&log);
	f->xdp = attach();
	w.map_fd = bpf_map__fd(f->xdp->maps.sl_vips);
	/* the VIP and its address entry, within CP_PORT_SYNC_VIPS_NS */
	assert_true(cpt_run_until(f->d.loop, count_is, &w));
	text = cpt_log_end(&log);
	assert_int_equal(cpt_lines_with(text, " INFO  xdp: " IFACE
					      ": VIP map in sync (1 VIPs, 0 NAT sources)"),
			 1);
	free(text);

	/* a second VIP published: in the map once its publication settles */
	next = cpt_daemon_cfg(f->s.instance, IFACE, 0);
	cpt_vip(next, "web", "198.18.100.1", 80, "web");
	cpt_vip(next, "web443", "198.18.100.1", 443, "web");
	cpt_pool(next, "web");
	swap_cfg(f, next);
	assert_true(f->d.ports.vips_due);
	w.want = 3;
	assert_true(cpt_run_until(f->d.loop, count_is, &w));
	assert_false(f->d.ports.vips_due);
}

/*
 * The dataplane restarted: a new program with empty maps gets the open
 * probe socket and the VIPs at the next look, and the change is logged.
 */
static void test_replaced_program_gets_everything(void **state)
{
	struct fix *f = *state;
	struct sock_wait w = {f};
	struct count_wait c = {f, -1, sizeof(struct sl_xdp_vip_key), 2};
	struct sluice_xdp *second;
	struct sl_probe_value v;
	struct bpf_prog_info info;
	uint32_t len = sizeof(info), old_id;
	struct cpt_log log;
	char *text, want[256];

	f->xdp = attach();
	start(f, web_cfg(f));
	assert_true(cpt_run_until(f->d.loop, probe_open, &w));
	memset(&info, 0, sizeof(info));
	assert_int_equal(
		bpf_obj_get_info_by_fd(bpf_program__fd(f->xdp->progs.sluice_xdp), &info, &len), 0);
	old_id = info.id;
	cpt_run_for(f->d.loop, 3 * CP_PORT_SYNC_WATCH_NS / 1000000); /* a look at the program */
	assert_int_equal(f->d.ports.prog_id[0], old_id);

	cpt_log_begin(&log);
	second = attach();
	c.map_fd = bpf_map__fd(second->maps.sl_vips);
	assert_true(cpt_run_until(f->d.loop, count_is, &c));
	text = cpt_log_end(&log);
	assert_true(open_sock(f, &w.s));
	assert_int_equal(probe_entry(second, &w.s, &v), 0);
	memset(&info, 0, sizeof(info));
	assert_int_equal(
		bpf_obj_get_info_by_fd(bpf_program__fd(second->progs.sluice_xdp), &info, &len), 0);
	assert_int_equal(f->d.ports.prog_id[0], info.id);
	snprintf(want, sizeof(want),
		 " INFO  xdp: " IFACE ": new steering program id %u (was %u): 1 open probe sockets "
		 "added to its sl_probes",
		 info.id, old_id);
	assert_int_equal(cpt_lines_with(text, want), 1);
	free(text);
	sluice_xdp__destroy(f->xdp);
	f->xdp = second;
}

/* Through the tunnel: the socket's rewrite in sl_probes, sluice_probe on the egress. */
static void test_tunnel_probes(void **state)
{
	struct fix *f = *state;
	struct sock_wait w = {f};
	struct sl_probe_value v, want;
	uint64_t stats[SL_PROBE_STAT_MAX];
	struct cfg *c = web_cfg(f);
	struct cpt_log log;
	struct sl_addr vip;
	char *text;
	uint8_t af;

	c->vips[0].encap = CFG_ENCAP_GUE;
	c->vips[0].gue_port = 6080;
	c->pools[0].health.via_tunnel = 1;
	f->xdp = attach();
	cpt_log_begin(&log);
	start(f, c);
	assert_true(cpt_run_until(f->d.loop, probe_open, &w));
	cpt_run_for(f->d.loop, 300);
	text = cpt_log_end(&log);
	assert_int_equal(w.s.mark, SL_PROBE_MARK);
	cpt_addr(&vip, &af, "198.18.100.1");
	assert_int_equal(
		cp_probe_tc_tunnel_value(&want, &w.s.remote, f->port, &vip, 80, htons(6080)), 0);
	assert_int_equal(probe_entry(f->xdp, &w.s, &v), 0);
	assert_memory_equal(&v, &want, sizeof(v));
	assert_int_equal(cpt_lines_with(text, " INFO  health: " IFACE ": sluice_probe attached (tc "
					      "egress): tunnel probes follow the VIP path"),
			 1);
	free(text);
	assert_int_equal(cp_probe_tc_read_stats(IFACE, stats), 0);
	assert_int_equal(cp_probe_tc_detach(IFACE), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe_sockets_in_sl_probes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_entries_cleared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vips_follow_publication, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replaced_program_gets_everything, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tunnel_probes, setup, teardown),
	};

	const struct tl_group groups[] = {
		{"cp_port_sync", "kernel", TL_TESTS(tests), group_setup, NULL,
		 TL_NEED_NETNS | TL_NEED_BPF},
	};

	return tl_suite_run(argc, argv, groups, 1);
}
