/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-pktgen: a small traffic generator for Sluice's benchmarks (Debian
 * has no pktgen-dpdk). Two modes:
 *
 *   sluice-pktgen --write-pcap F --packets N [traffic options]
 *       writes N packets to a pcap file (no EAL): the replay benchmarks
 *       feed it to net_pcap's infinite_rx.
 *   sluice-pktgen EAL-ARGS -- --port DEVARGS [--rx-port DEVARGS] [traffic options]
 *       sends on one lcore for --duration seconds, flat out or --rate PPS,
 *       and counts what comes back (latency with --latency).
 *
 * Traffic options: --vip ADDR:PORT (repeatable; [v6]:port), --proto tcp|udp,
 * --flows N, --size BYTES (with FCS), --syn-pct P. One JSON object per run
 * on stdout; errors on stderr, exit 1.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "pg_flow.h"
#include "pg_run.h"

#define PG_DESC 1024
#define PG_MBUFS_DEFAULT 16383
#define PG_DRAIN_MS 200 /* receive after the last send */
#define PG_MAX_SECONDS 3600

static volatile sig_atomic_t quit;

struct pg_opts {
	struct pg_spec spec;
	const char *port, *rx_port, *pcap;
	uint64_t packets, rate;
	double duration;
	unsigned int mbufs;
	int latency;
};

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: sluice-pktgen --write-pcap FILE --packets N [traffic]\n"
		   "       sluice-pktgen EAL-ARGS -- --port DEVARGS [--rx-port DEVARGS]\n"
		   "                     [--duration S] [--rate PPS] [--latency] [--mbufs N] "
		   "[traffic]\n"
		   "traffic: --vip ADDR:PORT (repeat; [v6]:port)  --proto tcp|udp (tcp)\n"
		   "         --flows N (1)  --size BYTES incl. FCS (64)  --syn-pct P (0)\n"
		   "One JSON object per run on stdout.\n");
}

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || *end || end == s || *v > max) {
		fprintf(stderr, "sluice-pktgen: %s %s: not a number up to %llu\n", opt, s,
			(unsigned long long)max);
		return -EINVAL;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct pg_opts *o)
{
	static const struct option lo[] = {
		{"port", required_argument, NULL, 'p'},
		{"rx-port", required_argument, NULL, 'R'},
		{"vip", required_argument, NULL, 'v'},
		{"proto", required_argument, NULL, 'P'},
		{"flows", required_argument, NULL, 'f'},
		{"size", required_argument, NULL, 's'},
		{"syn-pct", required_argument, NULL, 'S'},
		{"rate", required_argument, NULL, 'r'},
		{"duration", required_argument, NULL, 'd'},
		{"latency", no_argument, NULL, 'l'},
		{"mbufs", required_argument, NULL, 'm'},
		{"write-pcap", required_argument, NULL, 'w'},
		{"packets", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct pg_spec *s = &o->spec;
	uint64_t v;
	char why[128];
	int c, af;

	memset(o, 0, sizeof(*o));
	s->proto = IPPROTO_TCP;
	s->n_flows = 1;
	s->size = 64;
	memcpy(s->src_mac, "\x02\x00\x00\x00\xaa\x01", 6);
	memcpy(s->dst_mac, "\x02\x00\x00\x00\xbb\x01", 6);
	o->duration = 5;
	o->mbufs = PG_MBUFS_DEFAULT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->port = optarg;
			break;
		case 'R':
			o->rx_port = optarg;
			break;
		case 'w':
			o->pcap = optarg;
			break;
		case 'l':
			o->latency = 1;
			break;
		case 'v':
			if (s->n_vips == PG_MAX_VIPS) {
				fprintf(stderr, "sluice-pktgen: more than %d --vip\n", PG_MAX_VIPS);
				return -EINVAL;
			}
			af = pg_parse_vip(optarg, &s->vips[s->n_vips]);
			if (af < 0 || (s->n_vips && af != s->af)) {
				fprintf(stderr, "sluice-pktgen: --vip %s: %s\n", optarg,
					af < 0 ? "not ADDR:PORT or [ADDR6]:PORT"
					       : "every VIP of a run has one address family");
				return -EINVAL;
			}
			s->af = af;
			s->n_vips++;
			break;
		case 'P':
			if (!strcmp(optarg, "tcp"))
				s->proto = IPPROTO_TCP;
			else if (!strcmp(optarg, "udp"))
				s->proto = IPPROTO_UDP;
			else {
				fprintf(stderr, "sluice-pktgen: --proto %s: tcp or udp\n", optarg);
				return -EINVAL;
			}
			break;
		case 'f':
			if (parse_u64("--flows", optarg, PG_MAX_FLOWS, &v))
				return -EINVAL;
			s->n_flows = (uint32_t)v;
			break;
		case 's':
			if (parse_u64("--size", optarg, PG_MAX_FRAME + PG_FCS_LEN, &v))
				return -EINVAL;
			s->size = (uint32_t)v;
			break;
		case 'S':
			if (parse_u64("--syn-pct", optarg, 100, &v))
				return -EINVAL;
			s->syn_pct = (uint32_t)v;
			break;
		case 'r':
			if (parse_u64("--rate", optarg, 1000000000ull, &o->rate))
				return -EINVAL;
			break;
		case 'm':
			if (parse_u64("--mbufs", optarg, 1u << 24, &v))
				return -EINVAL;
			o->mbufs = (unsigned int)v;
			break;
		case 'n':
			if (parse_u64("--packets", optarg, 1ull << 32, &o->packets))
				return -EINVAL;
			break;
		case 'd':
			o->duration = strtod(optarg, NULL);
			if (o->duration <= 0 || o->duration > PG_MAX_SECONDS) {
				fprintf(stderr, "sluice-pktgen: --duration %s: 0 to %d s\n", optarg,
					PG_MAX_SECONDS);
				return -EINVAL;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sluice-pktgen: unexpected argument %s\n", argv[optind]);
		return -EINVAL;
	}
	if (pg_spec_check(s, why, sizeof(why))) {
		fprintf(stderr, "sluice-pktgen: %s\n", why);
		return -EINVAL;
	}
	if (o->pcap && o->packets == 0) {
		fprintf(stderr, "sluice-pktgen: --write-pcap needs --packets N\n");
		return -EINVAL;
	}
	if (!o->pcap && !o->port) {
		fprintf(stderr, "sluice-pktgen: --port DEVARGS (or --write-pcap FILE) is needed\n");
		return -EINVAL;
	}
	return 0;
}

static void print_spec(const struct pg_opts *o)
{
	const struct pg_spec *s = &o->spec;
	char a[64];

	printf("\"af\":%d,\"proto\":\"%s\",\"vips\":[", s->af,
	       s->proto == IPPROTO_TCP ? "tcp" : "udp");
	for (unsigned int i = 0; i < s->n_vips; i++) {
		inet_ntop(s->af == 4 ? AF_INET : AF_INET6, s->vips[i].addr, a, sizeof(a));
		printf(s->af == 4 ? "%s\"%s:%u\"" : "%s\"[%s]:%u\"", i ? "," : "", a,
		       s->vips[i].port);
	}
	printf("],\"flows\":%u,\"size\":%zu,\"frame_len\":%zu,\"syn_pct\":%u", s->n_flows,
	       pg_frame_len(s) + PG_FCS_LEN, pg_frame_len(s), s->syn_pct);
}

static int write_pcap(const struct pg_opts *o)
{
	int rc = pg_write_pcap(&o->spec, o->packets, o->pcap);

	if (rc) {
		fprintf(stderr, "sluice-pktgen: writing %s: %s\n", o->pcap, strerror(-rc));
		return 1;
	}
	printf("{\"tool\":\"sluice-pktgen\",\"mode\":\"write-pcap\",\"file\":\"%s\","
	       "\"packets\":%llu,",
	       o->pcap, (unsigned long long)o->packets);
	print_spec(o);
	printf("}\n");
	return 0;
}

/* Probe @devargs and start it with one RX and one TX queue; port id in *@port. */
static int port_open(const char *devargs, struct rte_mempool *pool, uint16_t *port)
{
	struct rte_eth_conf conf = {0};
	char name[64];
	size_t n = strcspn(devargs, ",");
	int rc;

	snprintf(name, sizeof(name), "%.*s", (int)n, devargs);
	if (rte_eth_dev_get_port_by_name(name, port) != 0) {
		rc = rte_dev_probe(devargs);
		if (rc < 0 || rte_eth_dev_get_port_by_name(name, port) != 0) {
			fprintf(stderr, "sluice-pktgen: cannot probe %s: %s\n", devargs,
				rte_strerror(rc < 0 ? -rc : ENODEV));
			return -ENODEV;
		}
	}
	if ((rc = rte_eth_dev_configure(*port, 1, 1, &conf)) ||
	    (rc = rte_eth_rx_queue_setup(*port, 0, PG_DESC, rte_socket_id(), NULL, pool)) ||
	    (rc = rte_eth_tx_queue_setup(*port, 0, PG_DESC, rte_socket_id(), NULL)) ||
	    (rc = rte_eth_dev_start(*port))) {
		fprintf(stderr, "sluice-pktgen: port %s: setup failed: %s\n", devargs,
			rte_strerror(rc < 0 ? -rc : rc));
		return rc < 0 ? rc : -rc;
	}
	return 0;
}

#define PG_MAX_SECONDS_LOG 600

static int run_live(struct pg_opts *o)
{
	static struct pg_rx rx;
	static uint64_t rx_per_s[PG_MAX_SECONDS_LOG], tx_per_s[PG_MAX_SECONDS_LOG];
	struct rte_mempool *pool;
	struct pg_tx tx = {0};
	struct rte_eth_stats st;
	uint64_t hz = rte_get_tsc_hz(), now, end, drain_end, next_s;
	unsigned int secs = 0;
	uint16_t port, rx_port;
	int rc;

	pool = rte_pktmbuf_pool_create("pg_mbufs", o->mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       rte_socket_id());
	if (!pool) {
		fprintf(stderr, "sluice-pktgen: cannot create %u mbufs: %s\n", o->mbufs,
			rte_strerror(rte_errno));
		return 1;
	}
	rc = port_open(o->port, pool, &port);
	if (rc)
		return 1;
	rx_port = port;
	if (o->rx_port && (rc = port_open(o->rx_port, pool, &rx_port)))
		return 1;
	tx.spec = &o->spec;
	tx.pool = pool;
	tx.port = port;
	tx.rate_pps = o->rate;
	tx.stamp = o->latency && pg_has_stamp_room(&o->spec);
	tx.tsc_hz = hz;
	rx.port = rx_port;
	rx.tsc_hz = hz;

	now = rte_rdtsc();
	tx.start_tsc = now;
	end = now + (uint64_t)(o->duration * (double)hz);
	next_s = now + hz;
	while (!quit && now < end) {
		pg_tx_burst(&tx, now);
		pg_rx_burst(&rx);
		now = rte_rdtsc();
		if (now >= next_s && secs < PG_MAX_SECONDS_LOG) {
			tx_per_s[secs] = tx.sent;
			rx_per_s[secs++] = rx.packets;
			next_s += hz;
		}
	}
	drain_end = rte_rdtsc() + hz / 1000 * PG_DRAIN_MS;
	while (!quit && rte_rdtsc() < drain_end)
		pg_rx_burst(&rx);
	rte_eth_stats_get(port, &st);

	printf("{\"tool\":\"sluice-pktgen\",\"mode\":\"live\",\"port\":\"%s\",", o->port);
	print_spec(o);
	printf(",\"duration_s\":%.3f,\"rate_pps\":%llu,\"tx_packets\":%llu,\"tx_mpps\":%.3f,"
	       "\"tx_refused\":%llu,\"tx_no_mbuf_bursts\":%llu,\"rx_packets\":%llu,"
	       "\"rx_mpps\":%.3f,\"lost\":%lld,\"port_rx_missed\":%llu,",
	       o->duration, (unsigned long long)o->rate, (unsigned long long)tx.sent,
	       tx.sent / o->duration / 1e6, (unsigned long long)tx.tx_full,
	       (unsigned long long)tx.no_mbuf, (unsigned long long)rx.packets,
	       rx.packets / o->duration / 1e6, (long long)(tx.sent - rx.packets),
	       (unsigned long long)st.imissed);
	printf("\"tx_pps_per_s\":[");
	for (unsigned int i = 0; i < secs; i++)
		printf("%s%llu", i ? "," : "",
		       (unsigned long long)(tx_per_s[i] - (i ? tx_per_s[i - 1] : 0)));
	printf("],\"rx_pps_per_s\":[");
	for (unsigned int i = 0; i < secs; i++)
		printf("%s%llu", i ? "," : "",
		       (unsigned long long)(rx_per_s[i] - (i ? rx_per_s[i - 1] : 0)));
	printf("],\"latency\":");
	if (rx.stamped)
		printf("{\"samples\":%llu,\"min_us\":%.3f,\"mean_us\":%.3f,\"p50_us\":%.1f,"
		       "\"p99_us\":%.1f,\"max_us\":%.3f}",
		       (unsigned long long)rx.stamped, rx.lat_min_ns / 1e3,
		       (double)rx.lat_sum_ns / rx.stamped / 1e3, pg_rx_latency_us(&rx, 50),
		       pg_rx_latency_us(&rx, 99), rx.lat_max_ns / 1e3);
	else
		printf("null");
	printf("}\n");
	fflush(stdout);
	rte_eth_dev_stop(port);
	if (rx_port != port)
		rte_eth_dev_stop(rx_port);
	return 0;
}

int main(int argc, char **argv)
{
	struct pg_opts o;
	int dash = -1, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			dash = i;
			break;
		}
	if (dash < 0) {
		/* no EAL arguments: only the pcap writer */
		if (parse_opts(argc, argv, &o))
			return 1;
		if (!o.pcap) {
			fprintf(stderr, "sluice-pktgen: live mode needs EAL-ARGS -- OPTIONS\n");
			return 1;
		}
		return write_pcap(&o);
	}
	argv[dash] = argv[0];
	if (parse_opts(argc - dash, argv + dash, &o))
		return 1;
	if (o.pcap)
		return write_pcap(&o);
	rc = rte_eal_init(dash, argv);
	if (rc < 0) {
		fprintf(stderr, "sluice-pktgen: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = run_live(&o);
	rte_eal_cleanup();
	return rc;
}
