/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-dp: the DPDK dataplane. Start-up order: config, EAL, ports (af_xdp
 * ports load the steering program), wait for sluiced's shm segment, one
 * worker per lcore besides the main one (worker i owns queue i of every
 * port), then the main lcore follows table generations (~1 ms), copies port
 * statistics (~100 ms) and watches the segment until SIGINT/SIGTERM.
 *
 * A segment sluiced recreated (new inode: its geometry changed) is taken
 * over by stopping the workers for the moment of the switch: their ack
 * cells and statistics live in the segment, so every pointer a worker holds
 * changes. Flow tables survive; flows name their backend by uid.
 *
 * Restarts: before the ports open, the steering program a killed
 * predecessor left on an interface is replaced (dp_steer.h); the new
 * program's VIP map is filled from every table followed, so the dataplane
 * serves from the segment's current generation even while sluiced is down.
 * The time from start to the first forwarded packet is logged once.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "cfg.h"
#include "dp_eal.h"
#include "dp_conn.h"
#include "dp_flow.h"
#include "dp_handoff.h"
#include "dp_log.h"
#include "dp_port.h"
#include "dp_route.h"
#include "dp_shm.h"
#include "dp_steer.h"
#include "dp_tables.h"
#include "dp_telemetry.h"
#include "dp_types.h"
#include "dp_worker.h"
#include "dp_worker_nat.h"
#include "dp_http_ev.h"
#include "dp_worker_http.h"
#include "dp_worker_sp.h"
#include "dp_xdp.h"
#include "sl_shm.h"

#define DP_TABLES_POLL_NS 1000000L /* 1 ms between two looks at header.published */
#define DP_STATS_PERIOD_MS 100	   /* port statistics into shm */

static volatile sig_atomic_t stop;

struct dp_runtime {
	struct cfg cfg;
	struct dp_ports ports;
	struct dp_shm shm;
	struct dp_shm next_shm; /* a replacement segment being attached */
	struct dp_tables *tables;
	struct dp_worker *workers;
	unsigned int n_workers;
	struct dp_handoff *handoff; /* full NAT: replies for another worker's ports */
	volatile int workers_quit;
	int workers_running;
	char xdp_prog[CFG_PATH_LEN + 32];
	struct dp_steer steer;
	uint64_t start_ns, ports_ns, table_ns; /* CLOCK_MONOTONIC: start, ports up, first table */
	int forwarded;			       /* the first forwarded packet was logged */
};

static struct dp_runtime rt;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* A page of the segment vanished between two size checks: say so (write(2)), end. */
static void on_sigbus(int sig)
{
	static const char msg[] = "sluice-dp: SIGBUS: a page of the shared-memory segment is "
				  "gone (the segment was truncated); exiting\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nowhere else to say it */
	}
	_exit(1);
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s -c FILE\n"
		"The sluice dataplane: forwards VIP traffic on the ports of FILE with the\n"
		"tables sluiced publishes in /dev/shm/sluice-<instance>.\n"
		"  -c, --config FILE  configuration file (default %s)\n"
		"  -h, --help         this text\n"
		"EAL options come from dataplane.eal in FILE. Runs in the foreground, logs\n"
		"to stdout; SIGINT or SIGTERM stops it cleanly.\n",
		prog, CFG_DEFAULT_PATH);
}

static int is_af_xdp(const struct cfg_port *pc)
{
	return strncmp(pc->devargs, "net_af_xdp", 10) == 0;
}

static int has_af_xdp_port(const struct cfg *cfg)
{
	for (uint32_t i = 0; i < cfg->dataplane.n_ports; i++)
		if (is_af_xdp(&cfg->dataplane.ports[i]))
			return 1;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static unsigned int ms_since_start(uint64_t t)
{
	return (unsigned int)((t - rt.start_ns) / 1000000ull);
}

/* Before the PMD attaches: free every af_xdp interface of what a dead predecessor left. */
static int steer_check_ports(void)
{
	char why[1024];

	for (uint32_t i = 0; i < rt.cfg.dataplane.n_ports; i++) {
		const struct cfg_port *pc = &rt.cfg.dataplane.ports[i];
		int rc;

		if (!is_af_xdp(pc) || !pc->iface[0])
			continue;
		rc = dp_steer_check(pc->name, pc->iface, rt.cfg.instance, why, sizeof(why));
		if (rc < 0) {
			DP_PORT_LOG(ERR, "%s", why);
			return rc;
		}
		if (rc > 0)
			DP_PORT_LOG(INFO, "%s", why);
	}
	return 0;
}

/* After the ports are up: record that this process owns their programs. */
static int steer_claim_ports(void)
{
	char why[512];

	dp_steer_init(&rt.steer);
	for (uint32_t i = 0; i < rt.cfg.dataplane.n_ports; i++) {
		const struct cfg_port *pc = &rt.cfg.dataplane.ports[i];
		int rc;

		if (!is_af_xdp(pc) || !pc->iface[0])
			continue;
		rc = dp_steer_claim(&rt.steer, pc->iface, rt.cfg.instance, why, sizeof(why));
		if (rc) {
			DP_PORT_LOG(ERR, "port %s: %s", pc->name, why);
			return rc;
		}
		DP_PORT_LOG(INFO, "port %s: %s steers with XDP program id %u, owned by pid %d%s",
			    pc->name, pc->iface, rt.steer.port[rt.steer.n - 1].prog_id,
			    (int)getpid(),
			    rt.steer.port[rt.steer.n - 1].vips_fd < 0 ? " (it has no sl_vips map)"
								      : "");
	}
	return 0;
}

/* One turn of the table watcher; a new table's VIPs go into the steering programs. */
static void follow_tables(void)
{
	const struct dp_table *tbl;

	if (dp_tables_poll(rt.tables) != 1)
		return;
	tbl = atomic_load_explicit(dp_tables_published(rt.tables), memory_order_relaxed);
	if (!tbl)
		return;
	dp_steer_sync_vips(&rt.steer, tbl->vips, tbl->hdr->n_vips, tbl->nat_sources,
			   tbl->n_nat_sources);
	if (!rt.table_ns)
		rt.table_ns = now_ns();
}

/* Log, once, how long it took from start to the first packet a worker sent. */
static void watch_first_forward(void)
{
	uint64_t tx = 0;

	if (rt.forwarded || !rt.shm.h)
		return;
	for (unsigned int i = 0; i < rt.n_workers; i++)
		tx += __atomic_load_n(&sl_shm_worker_stats(rt.shm.h, i)->tx_packets,
				      __ATOMIC_RELAXED);
	if (!tx)
		return;
	rt.forwarded = 1;
	DP_MAIN_LOG(INFO,
		    "first packet forwarded %u ms after start (ports up at %u ms, "
		    "first table at %u ms)",
		    ms_since_start(now_ns()), ms_since_start(rt.ports_ns),
		    rt.table_ns ? ms_since_start(rt.table_ns) : 0);
}

static int worker_main(void *arg)
{
	struct dp_worker *w = arg;

	dp_worker_run(w, dp_tables_published(rt.tables), &rt.workers_quit);
	return 0;
}

static int workers_create(void)
{
	int rc;
	const struct cfg_dataplane *dp = &rt.cfg.dataplane;
	const struct dp_flow_timeouts to = {
		.tcp = dp->tcp_timeout,
		.tcp_fin = dp->tcp_fin_timeout,
		.udp = dp->udp_timeout,
		.tcp_syn = dp->tcp_syn_timeout,
		.frag = dp->frag_timeout,
	};
	const struct cfg_nat_timeouts *nt = &rt.cfg.nat.timeouts;
	const struct dp_conn_timeouts cto = {
		.syn = nt->syn,
		.established = nt->established,
		.fin = nt->fin,
		.time_wait = nt->time_wait,
		.close = nt->close,
		.udp = nt->udp,
	};
	uint64_t hz = rte_get_tsc_hz();
	unsigned int i = 0, lcore;

	if (rt.n_workers > 1) {
		rt.handoff = dp_handoff_create("sluice_ho", rt.n_workers, (int)rte_socket_id());
		if (!rt.handoff) {
			DP_MAIN_LOG(ERR, "cannot create %u hand-off rings of %u: %s", rt.n_workers,
				    DP_HANDOFF_RING_SIZE, strerror(errno));
			return -errno;
		}
	}
	rt.workers = rte_zmalloc("sluice_workers", sizeof(*rt.workers) * rt.n_workers,
				 RTE_CACHE_LINE_SIZE);
	if (!rt.workers) {
		DP_MAIN_LOG(ERR, "cannot allocate %u workers", rt.n_workers);
		return -ENOMEM;
	}
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		struct dp_worker *w = &rt.workers[i];

		w->index = i;
		w->lcore_id = lcore;
		w->mbuf_pool = rt.ports.mbuf_pool;
		w->n_ports = rt.ports.n;
		w->burst = dp->burst > DP_BURST_MAX ? DP_BURST_MAX : dp->burst;
		w->tsc_hz = hz;
		w->n_workers = (uint16_t)rt.n_workers;
		w->handoff = rt.handoff ? rt.handoff->ring : NULL;
		dp_ports_worker_ctx(&rt.ports, i, w->ports);
		w->flows = dp_flow_create(dp->flows_per_worker, &to, hz);
		if (!w->flows) {
			DP_MAIN_LOG(ERR, "worker %u: cannot create a flow table of %u flows: %s", i,
				    dp->flows_per_worker, strerror(errno));
			return -errno;
		}
		w->conns = dp_conn_create(rt.cfg.nat.conns_per_worker, &cto, hz);
		if (!w->conns) {
			DP_MAIN_LOG(ERR,
				    "worker %u: cannot create a NAT connection table of %u "
				    "connections (nat.conns_per_worker): %s",
				    i, rt.cfg.nat.conns_per_worker, strerror(errno));
			return -errno;
		}
		dp_nat_watch_unanswered(w);
		if ((rt.cfg.events.flows && dp_flow_records(w->flows, &w->ev)) ||
		    ((rt.cfg.events.flows || rt.cfg.events.requests) &&
		     dp_conn_records(w->conns, &w->ev))) {
			DP_MAIN_LOG(ERR, "worker %u: no memory for the flow records' accounts", i);
			return -ENOMEM;
		}
		/* one timer per handshake the connection table could hold */
		w->sp_timers =
			dp_sp_timers_create(rt.cfg.nat.conns_per_worker, hz, DP_SP_SYN_RTO_MS);
		if (!w->sp_timers) {
			DP_MAIN_LOG(ERR, "worker %u: cannot create SYN-proxy timers: %s", i,
				    strerror(errno));
			return -errno;
		}
		w->http = calloc(1, sizeof(*w->http));
		rc = w->http ? dp_http_worker_init(w->http, w->conns,
						   RTE_MIN(rt.cfg.nat.conns_per_worker,
							   (uint32_t)DP_HTTP_CTX_DEFAULT),
						   hz)
			     : -ENOMEM;
		if (!rc && rt.cfg.events.requests)
			rc = dp_http_ev_init(w, RTE_MIN(rt.cfg.nat.conns_per_worker,
							(uint32_t)DP_HTTP_CTX_DEFAULT));
		if (rc) {
			DP_MAIN_LOG(ERR, "worker %u: cannot create HTTP contexts: %s", i,
				    strerror(-rc));
			return rc;
		}
		/* request ids: this start's stamp, the worker, its count */
		w->http->ins.stamp = (uint32_t)time(NULL);
		w->http->ins.worker = (uint16_t)i;
		i++;
	}
	return 0;
}

/*
 * Point every worker at its ack cell and statistics in the attached
 * segment, and size its round-robin state to the segment's backend slots.
 */
static int workers_bind(void)
{
	struct sl_shm_header *h = rt.shm.h;

	for (unsigned int i = 0; i < rt.n_workers; i++) {
		struct dp_worker *w = &rt.workers[i];

		dp_rr_free(&w->rr);
		if (dp_rr_init(&w->rr, h->max_backends)) {
			DP_MAIN_LOG(ERR, "worker %u: no memory for round robin over %u backends", i,
				    h->max_backends);
			return -ENOMEM;
		}
		w->table = NULL;
		w->ack = sl_shm_ack(h, i);
		w->ack->lcore_id = w->lcore_id;
		w->stats = sl_shm_worker_stats(h, i);
		w->stats->lcore_id = w->lcore_id;
		w->stats->queue_id = i;
		w->vip_stats = sl_stats_vips(w->stats);
		w->backend_stats = sl_stats_backends(h, w->stats);
		w->nat_port_stats = sl_stats_nat_ports(h, w->stats);
		w->max_nat_sources = h->max_nat_sources;
		w->http_stats = sl_stats_http(h, w->stats);
		w->route_stats = sl_stats_routes(h, w->stats);
		w->max_routes = h->max_routes;
		w->sp_secrets = &h->synproxy;
		w->ev.ring = h->ev_ring_size ? sl_shm_ev_ring(h, i) : NULL;
		w->ev.size = h->ev_ring_size;
		w->ev.worker = (uint16_t)i;
		w->ev.flows = rt.cfg.events.flows;
		w->ev.requests = rt.cfg.events.requests;
		w->nat_dirty = 1; /* the new segment's counters start from the tables' */
	}
	return 0;
}

static int workers_launch(void)
{
	int rc;

	rt.workers_quit = 0;
	for (unsigned int i = 0; i < rt.n_workers; i++) {
		rc = rte_eal_remote_launch(worker_main, &rt.workers[i], rt.workers[i].lcore_id);
		if (rc) {
			DP_MAIN_LOG(ERR, "cannot launch worker %u on lcore %u: %s", i,
				    rt.workers[i].lcore_id, strerror(-rc));
			rt.workers_quit = 1;
			rte_eal_mp_wait_lcore();
			return rc;
		}
	}
	rt.workers_running = 1;
	return 0;
}

static void workers_stop(void)
{
	if (!rt.workers_running)
		return;
	rt.workers_quit = 1;
	rte_eal_mp_wait_lcore();
	rt.workers_running = 0;
}

static void workers_free(void)
{
	dp_handoff_free(rt.handoff);
	rt.handoff = NULL;
	if (!rt.workers)
		return;
	for (unsigned int i = 0; i < rt.n_workers; i++) {
		dp_flow_free(rt.workers[i].flows);
		dp_conn_destroy(rt.workers[i].conns);
		dp_sp_timers_destroy(rt.workers[i].sp_timers);
		dp_rr_free(&rt.workers[i].rr);
		if (rt.workers[i].http)
			dp_http_worker_fini(rt.workers[i].http);
		free(rt.workers[i].http);
	}
	rte_free(rt.workers);
	rt.workers = NULL;
}

/* Everything that hangs off the attached segment, up to running workers. */
static int attach_and_run(void)
{
	rt.tables = dp_tables_create(rt.shm.h, rt.n_workers);
	if (!rt.tables) {
		DP_MAIN_LOG(ERR, "cannot create the table watcher: %s", strerror(errno));
		return -errno;
	}
	dp_ports_shm_fill(&rt.ports, rt.shm.h);
	dp_shm_claim(&rt.shm, rt.n_workers);
	dp_telemetry_set_segment(rt.shm.h, rt.n_workers);
	if (workers_bind())
		return -ENOMEM;
	/* the table current at attach time reaches the workers before their first burst */
	follow_tables();
	return workers_launch();
}

/* sluiced recreated the segment: switch to the new one once it passes the checks. */
static void follow_replacement(void)
{
	int rc;

	if (rt.next_shm.path[0] == '\0') {
		DP_SHM_LOG(WARNING, "%s was replaced by a new segment; re-attaching", rt.shm.path);
		dp_shm_init(&rt.next_shm, rt.cfg.instance);
	}
	rc = dp_shm_try_attach(&rt.next_shm, rt.n_workers, rt.ports.n);
	if (rc)
		return; /* logged; try again next turn */
	dp_telemetry_set_segment(NULL, 0);
	workers_stop();
	dp_tables_free(rt.tables);
	rt.tables = NULL;
	dp_shm_detach(&rt.shm);
	rt.shm = rt.next_shm;
	memset(&rt.next_shm, 0, sizeof(rt.next_shm));
	rc = attach_and_run();
	if (rc) {
		DP_SHM_LOG(ERR, "re-attaching failed: %s; stopping", strerror(-rc));
		stop = 1;
		return;
	}
	DP_SHM_LOG(INFO, "re-attached to %s, %u workers restarted", rt.shm.path, rt.n_workers);
}

static void main_loop(void)
{
	const struct timespec pause = {0, DP_TABLES_POLL_NS};
	uint64_t hz = rte_get_tsc_hz();
	uint64_t period = hz / 1000 * DP_STATS_PERIOD_MS;
	uint64_t next = rte_get_tsc_cycles() + period;

	while (!stop) {
		uint64_t now;

		follow_tables();
		watch_first_forward();
		now = rte_get_tsc_cycles();
		if (now >= next) {
			if (dp_shm_shrunk(&rt.shm)) {
				stop = 1;
				break;
			}
			dp_ports_stats_update(&rt.ports, rt.shm.h);
			if (dp_shm_replaced(&rt.shm))
				follow_replacement();
			next = now + period;
		}
		nanosleep(&pause, NULL);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = CFG_DEFAULT_PATH;
	struct cfg_error err;
	struct sigaction sa;
	char msg[512];
	int eal_up = 0;
	int rc, opt;

	rt.start_ns = now_ns();
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument %s\n", argv[0], argv[optind]);
		usage(stderr, argv[0]);
		return 1;
	}

	rc = cfg_load(config, NULL, &rt.cfg, &err);
	if (rc) {
		fprintf(stderr, "sluice-dp: %s\n", cfg_strerror(&err, msg, sizeof(msg)));
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, NULL);

	rc = dp_eal_init(&rt.cfg, argv[0]);
	if (rc)
		goto out;
	eal_up = 1;
	dp_telemetry_register(rt.cfg.instance); /* a failure is logged; forwarding needs none */
	rt.n_workers = rte_lcore_count() - 1;
	if (rt.n_workers == 0) {
		DP_MAIN_LOG(ERR,
			    "%s: dataplane.eal gives 1 lcore; sluice-dp needs the main lcore "
			    "and at least one worker (e.g. \"-l\", \"0-1\")",
			    rt.cfg.file);
		rc = -EINVAL;
		goto out;
	}

	if (has_af_xdp_port(&rt.cfg)) {
		rc = dp_xdp_prog_path(rt.cfg.dataplane.xdp_prog, rt.cfg.instance, rt.xdp_prog,
				      sizeof(rt.xdp_prog));
		if (rc == -ENOENT && !rt.cfg.dataplane.xdp_prog[0])
			DP_PORT_LOG(WARNING,
				    "built without bpf/sluice_xdp: af_xdp ports load the "
				    "PMD's default program (every packet to the dataplane)");
		else if (rc)
			goto out;
		else
			DP_PORT_LOG(INFO, "af_xdp ports steer with %s (%s)", rt.xdp_prog,
				    rt.cfg.dataplane.xdp_prog[0] ? "dataplane.xdp_prog"
								 : "built-in");
	}
	rc = steer_check_ports();
	if (rc)
		goto out;
	rc = dp_ports_open(&rt.ports, &rt.cfg, rt.n_workers, rt.n_workers, rt.xdp_prog);
	if (rc)
		goto out;
	rc = steer_claim_ports();
	if (rc)
		goto out;
	rt.ports_ns = now_ns();

	dp_shm_init(&rt.shm, rt.cfg.instance);
	rc = dp_shm_attach(&rt.shm, rt.n_workers, rt.ports.n, &stop);
	if (rc == -EINTR) {
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	rc = workers_create();
	if (rc)
		goto out;
	rc = attach_and_run();
	if (rc)
		goto out;
	DP_MAIN_LOG(INFO, "running: %u workers, %u ports, pid %d", rt.n_workers, rt.ports.n,
		    (int)getpid());

	main_loop();
	DP_MAIN_LOG(INFO, "stopping");
	rc = rt.shm.lost ? -EFAULT : 0;
out:
	dp_telemetry_set_segment(NULL, 0);
	workers_stop();
	if (eal_up)
		dp_ports_close(&rt.ports);
	dp_shm_detach(&rt.shm);
	dp_shm_detach(&rt.next_shm);
	dp_tables_free(rt.tables);
	workers_free();
	dp_steer_close(&rt.steer);
	dp_xdp_prog_cleanup(rt.cfg.instance);
	if (rc == 0)
		DP_MAIN_LOG(INFO, "exiting cleanly");
	if (eal_up)
		rte_eal_cleanup();
	cfg_free(&rt.cfg);
	return rc ? 1 : 0;
}
