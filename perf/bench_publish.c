/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmark 4b: publish-to-all-acked latency while sluice-dp forwards flat
 * out, and the packets lost across the publishes (must be 0).
 *
 *   bench_publish pcap FILE [-v VIPS] [-f FLOWS]
 *       Write the replay input: FLOWS TCP ACKs of 64 bytes, flow i to VIP
 *       i % VIPS (198.18.100.1 + i, port 80) from 198.18.10.x:port.
 *   bench_publish run INSTANCE [-v VIPS] [-b BACKENDS] [-m M] [-n PUBLISHES] [-w SECONDS]
 *       Be sluiced for sluice-dp: create /dev/shm/sluice-INSTANCE with
 *       the control plane's own code (cp_shm_open), build VIPS tunnel VIPs
 *       each on its own pool of BACKENDS backends (cp_tables_build, Maglev
 *       size M), publish (cp_publish_slot/commit/poll), wait for the
 *       dataplane's ack, forward for SECONDS to measure the idle rate, then
 *       publish PUBLISHES generations, each flipping one backend's weight
 *       (1 <-> 0, another backend each time). Latency: from the store of
 *       the new word (cp_publish_commit) to the poll that sees every
 *       worker's ack (cp_publish_poll, polled every 20 us). Prints one JSON
 *       object: latency p50/p99/max, build time, the worker's counters
 *       over the publish window (rx, tx, every non-zero drop reason) and
 *       the forwarding rate with and without publishes, and every
 *       publish's latency in order.
 *   bench_publish stats INSTANCE
 *       The worker 0 counters of the segment (JSON), to read after
 *       sluice-dp has exited: then rx = tx + drops exactly.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_lib.h"
#include "bench_stats.h"
#include "cp_loop.h"
#include "cp_publish.h"
#include "cp_shm.h"
#include "cp_tables.h"
#include "sl_drop.h"
#include "sl_shm.h"

static const uint8_t dp_port0_mac[6] = {2, 0, 0, 0, 0, 0xa0};

static int usage(const char *prog)
{
	fprintf(stderr,
		"Usage: %s pcap FILE [-v VIPS] [-f FLOWS]\n"
		"       %s run INSTANCE [-v VIPS] [-b BACKENDS] [-m M] [-n PUBLISHES] [-w "
		"SECONDS]\n"
		"       %s stats INSTANCE\n",
		prog, prog, prog);
	return 2;
}

static void vip_addr(char *buf, size_t len, uint32_t i)
{
	snprintf(buf, len, "198.18.%u.%u", 100 + i / 250, i % 250 + 1);
}

static int cmd_pcap(const char *path, uint32_t vips, uint32_t flows)
{
	FILE *f = bench_pcap_open(path);
	uint8_t frame[128];

	if (!f) {
		fprintf(stderr, "bench_publish: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (uint32_t i = 0; i < flows; i++) {
		char src[32], dst[32];
		struct bench_flow fl = {src, dst,  IPPROTO_TCP, (uint16_t)(1024 + i % 60000),
					80,  0x10, 64};
		uint32_t len;

		snprintf(src, sizeof(src), "198.18.10.%u", i / 60000 + 1);
		vip_addr(dst, sizeof(dst), i % vips);
		len = bench_frame(frame, sizeof(frame), &fl, dp_port0_mac);
		if (!len || bench_pcap_add(f, frame, len)) {
			fclose(f);
			return 1;
		}
	}
	return fclose(f) ? 1 : 0;
}

struct counters {
	uint64_t rx, tx, hits, misses, drops[SL_DROP_MAX], ns;
};

static void snap(const struct sl_shm_header *h, struct counters *c)
{
	const volatile struct sl_worker_stats *s = sl_shm_worker_stats(h, 0);

	c->ns = cp_loop_now_ns();
	c->rx = s->rx_packets;
	c->tx = s->tx_packets;
	c->hits = s->flow_hits;
	c->misses = s->flow_misses;
	for (unsigned int r = 0; r < SL_DROP_MAX; r++)
		c->drops[r] = s->drops[r];
}

static void print_drops(const struct counters *a, const struct counters *b)
{
	int first = 1;

	printf("{");
	for (unsigned int r = 0; r < SL_DROP_MAX; r++) {
		uint64_t d = b->drops[r] - (a ? a->drops[r] : 0);

		if (!d)
			continue;
		printf("%s\"%s\": %llu", first ? "" : ", ", sl_drop_name(r), (unsigned long long)d);
		first = 0;
	}
	printf("}");
}

static uint64_t drops_sum(const struct counters *c)
{
	uint64_t d = 0;

	for (unsigned int r = 0; r < SL_DROP_MAX; r++)
		d += c->drops[r];
	return d;
}

static void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};

	nanosleep(&ts, NULL);
}

/* Publish what @slot holds; returns the ack latency in ns, or 0 on timeout (@msg says why). */
static uint64_t publish_wait(struct cp_publisher *pub, unsigned int slot, char *msg, size_t len)
{
	uint64_t t0 = cp_loop_now_ns();
	enum cp_publish_state st;

	cp_publish_commit(pub, slot, t0);
	for (;;) {
		st = cp_publish_poll(pub, cp_loop_now_ns(), msg, len);
		/*
		 * The clock is read again after the poll saw the acks: the one
		 * passed in may be old, as this process shares a core with the
		 * dataplane's main lcore, which can run (check the slot, switch,
		 * ack) between that read and the poll's look at the ack cells.
		 * Acked means every attached worker acked: else the publish failed.
		 */
		if (st == CP_PUBLISH_ACKED && strstr(msg, " acked by 1 workers")) {
			uint64_t d = cp_loop_now_ns() - t0;

			return d ? d : 1;
		}
		if (st != CP_PUBLISH_WAITING)
			return 0;
		sleep_us(20);
	}
}

static int build(struct cp_tables *ct, struct cfg *cfg, struct sl_shm_header *h, int *slot_out,
		 uint64_t *ns)
{
	struct cp_tables_summary sum;
	char why[256] = "";
	uint64_t t0;
	int slot;

	while ((slot = cp_publish_slot(h)) == -EBUSY)
		sleep_us(100);
	t0 = cp_loop_now_ns();
	if (cp_tables_build(ct, cfg, bench_nexthop, NULL, h, (unsigned int)slot,
			    cp_publish_next_generation(h), t0, &sum, why, sizeof(why))) {
		fprintf(stderr, "bench_publish: table build: %s\n", why);
		return -1;
	}
	*ns = cp_loop_now_ns() - t0;
	*slot_out = slot;
	return 0;
}

static int cmd_run(const char *inst, uint32_t vips, uint32_t backends, uint32_t m,
		   uint32_t publishes, uint32_t warm_s)
{
	struct sl_shm_geometry g = {.max_workers = 1,
				    .max_ports = 2,
				    .max_vips = vips,
				    .max_pools = vips,
				    .max_backends = vips * backends,
				    .maglev_size = m};
	uint64_t *lat = calloc(publishes, sizeof(*lat)), *bns = calloc(publishes, sizeof(*bns));
	uint64_t *order = calloc(publishes, sizeof(*order));
	struct counters c0, c1, c2;
	struct cp_publisher pub;
	struct cp_tables *ct = cp_tables_new(g.max_backends);
	struct cfg cfg;
	struct cp_shm shm;
	char why[256] = "", msg[512] = "";
	uint64_t first_ns, timeouts = 0;
	int slot, rc = 1;

	if (!lat || !bns || !order || !ct || bench_cfg_init(&cfg, vips, vips))
		return 1;
	for (uint32_t i = 0; i < vips; i++) {
		char name[32], addr[32];

		snprintf(name, sizeof(name), "p%u", i);
		vip_addr(addr, sizeof(addr), i);
		if (!bench_cfg_pool(&cfg, name, backends, SL_AF_INET, i * backends) ||
		    !bench_cfg_vip(&cfg, name, addr, 80, IPPROTO_TCP, SL_MODE_TUNNEL,
				   CFG_ENCAP_IPIP, name))
			return 1;
	}
	if (cp_shm_open(&shm, inst, &g, why, sizeof(why))) {
		fprintf(stderr, "bench_publish: segment: %s\n", why);
		return 1;
	}
	cp_publish_init(&pub, shm.hdr, 5000);
	if (build(ct, &cfg, shm.hdr, &slot, &first_ns))
		goto out;
	/* the first table: wait for the dataplane to attach and ack it */
	for (int i = 0; i < 600 && !cp_shm_pid_alive(shm.hdr->dp_pid, NULL); i++)
		sleep_us(100000);
	if (!publish_wait(&pub, (unsigned int)slot, msg, sizeof(msg))) {
		fprintf(stderr, "bench_publish: first table: %s\n", msg);
		goto out;
	}
	snap(shm.hdr, &c0);
	sleep_us((long)warm_s * 1000000);
	snap(shm.hdr, &c1);
	for (uint32_t i = 0; i < publishes; i++) {
		struct cfg_backend *b = &cfg.pools[i % vips].backends[(i / vips) % backends];

		b->weight = b->weight ? 0 : 1;
		if (build(ct, &cfg, shm.hdr, &slot, &bns[i]))
			goto out;
		lat[i] = publish_wait(&pub, (unsigned int)slot, msg, sizeof(msg));
		if (!lat[i]) {
			fprintf(stderr, "bench_publish: publish %u: %s\n", i, msg);
			timeouts++;
		}
	}
	snap(shm.hdr, &c2);
	memcpy(order, lat, sizeof(*lat) * publishes);
	bench_sort_u64(lat, publishes);
	bench_sort_u64(bns, publishes);
	printf("{\"benchmark\": \"publish\", \"vips\": %u, \"backends_per_vip\": %u, "
	       "\"backends\": %u, \"maglev_size\": %u, \"slot_bytes\": %llu, \"publishes\": %u, "
	       "\"timeouts\": %llu,\n \"ack_latency_us\": {\"p50\": %.1f, \"p99\": %.1f, "
	       "\"max\": %.1f, \"min\": %.1f},\n \"build_ms\": {\"p50\": %.2f, \"max\": %.2f, "
	       "\"first\": %.2f},\n",
	       vips, backends, vips * backends, m, (unsigned long long)shm.hdr->slot_bytes,
	       publishes, (unsigned long long)timeouts, bench_percentile(lat, publishes, 50) / 1e3,
	       bench_percentile(lat, publishes, 99) / 1e3, lat[publishes - 1] / 1e3,
	       lat[timeouts] / 1e3, bench_percentile(bns, publishes, 50) / 1e6,
	       bns[publishes - 1] / 1e6, first_ns / 1e6);
	printf(" \"idle\": {\"seconds\": %.3f, \"rx\": %llu, \"tx\": %llu, \"mpps\": %.3f, "
	       "\"drops\": ",
	       (c1.ns - c0.ns) / 1e9, (unsigned long long)(c1.rx - c0.rx),
	       (unsigned long long)(c1.tx - c0.tx),
	       (double)(c1.tx - c0.tx) * 1e3 / (c1.ns - c0.ns));
	print_drops(&c0, &c1);
	printf("},\n \"during_publishes\": {\"seconds\": %.3f, \"rx\": %llu, \"tx\": %llu, "
	       "\"mpps\": %.3f, \"flow_hits\": %llu, \"flow_misses\": %llu, "
	       "\"drops_total\": %llu, \"drops\": ",
	       (c2.ns - c1.ns) / 1e9, (unsigned long long)(c2.rx - c1.rx),
	       (unsigned long long)(c2.tx - c1.tx), (double)(c2.tx - c1.tx) * 1e3 / (c2.ns - c1.ns),
	       (unsigned long long)(c2.hits - c1.hits), (unsigned long long)(c2.misses - c1.misses),
	       (unsigned long long)(drops_sum(&c2) - drops_sum(&c1)));
	print_drops(&c1, &c2);
	printf("},\n \"ack_latency_us_in_order\": [");
	for (uint32_t i = 0; i < publishes; i++)
		printf("%s%.1f", i ? ", " : "", order[i] / 1e3);
	printf("]}\n");
	rc = timeouts ? 1 : 0;
out:
	cp_shm_close(&shm);
	cp_tables_free(ct);
	bench_cfg_free(&cfg);
	free(lat);
	free(bns);
	free(order);
	return rc;
}

static int cmd_stats(const char *inst)
{
	struct sl_shm_geometry g;
	struct cp_shm shm;
	struct counters c;
	char why[256] = "";
	FILE *f;
	struct sl_shm_header h;
	char path[128];

	snprintf(path, sizeof(path), SL_SHM_PATH_FMT, inst);
	f = fopen(path, "rb");
	if (!f || fread(&h, sizeof(h), 1, f) != 1) {
		fprintf(stderr, "bench_publish: cannot read %s\n", path);
		return 1;
	}
	fclose(f);
	sl_shm_geometry_of(&h, &g);
	if (cp_shm_open(&shm, inst, &g, why, sizeof(why))) {
		fprintf(stderr, "bench_publish: segment: %s\n", why);
		return 1;
	}
	snap(shm.hdr, &c);
	printf("{\"rx\": %llu, \"tx\": %llu, \"drops_total\": %llu, \"drops\": ",
	       (unsigned long long)c.rx, (unsigned long long)c.tx,
	       (unsigned long long)drops_sum(&c));
	print_drops(NULL, &c);
	printf(", \"dp_attached\": %d}\n", cp_shm_pid_alive(shm.hdr->dp_pid, NULL));
	cp_shm_close(&shm);
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t vips = 100, backends = 1000, m = 65537, publishes = 1000, flows = 4096, warm = 2;
	const char *cmd, *arg;
	int opt;

	if (argc < 3)
		return usage(argv[0]);
	cmd = argv[1];
	arg = argv[2];
	optind = 3;
	while ((opt = getopt(argc, argv, "v:b:m:n:f:w:")) != -1) {
		long v = strtol(optarg, NULL, 10);

		if (v <= 0 && !(opt == 'w' && v == 0))
			return usage(argv[0]);
		switch (opt) {
		case 'v':
			vips = (uint32_t)v;
			break;
		case 'b':
			backends = (uint32_t)v;
			break;
		case 'm':
			m = (uint32_t)v;
			break;
		case 'n':
			publishes = (uint32_t)v;
			break;
		case 'f':
			flows = (uint32_t)v;
			break;
		case 'w':
			warm = (uint32_t)v;
			break;
		default:
			return usage(argv[0]);
		}
	}
	if (strcmp(cmd, "pcap") == 0)
		return cmd_pcap(arg, vips, flows);
	if (strcmp(cmd, "run") == 0)
		return cmd_run(arg, vips, backends, m, publishes, warm);
	if (strcmp(cmd, "stats") == 0)
		return cmd_stats(arg);
	return usage(argv[0]);
}
