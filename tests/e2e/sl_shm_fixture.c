/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helper standing in for sluiced's side of the segment, built from the
 * same common/sl_shm.c: create /dev/shm/sluice-<instance>, publish a small
 * table (optionally corrupt), wait for the dataplane's acks, print the
 * header's dataplane words. Only for tests: sluiced owns the real segment.
 *
 *   sl_shm_fixture create INSTANCE [WORKERS [PORTS [ABI]]]
 *   sl_shm_fixture publish INSTANCE GEN [corrupt]   (slot = GEN & 1)
 *   sl_shm_fixture wait-ack INSTANCE GEN TIMEOUT_MS  (exit 0 when every worker acked)
 *   sl_shm_fixture get INSTANCE FIELD   dp_pid|dp_workers|dp_rejected|dp_reject_reason|
 *                                       dp_last_reject_gen|rx_packets|port0_ipackets|
 *                                       port0_name|port0_in_use|workers (one line each)|
 *                                       nat (the workers' full-NAT counters summed, JSON)
 *   sl_shm_fixture remove INSTANCE
 *   sl_shm_fixture create-bench INSTANCE WORKERS PORTS MAGLEV_SIZE
 *   sl_shm_fixture publish-bench INSTANCE GEN TX_PORT BACKENDS
 *       (perf/: the benchmark VIPs below, real Maglev tables, every backend's
 *        next hop and the NAT sources on dataplane port TX_PORT, fixed
 *        SYN-proxy keys)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "sl_drop.h"
#include "sl_maglev.h"
#include "sl_shm.h"
#include "tl_shm.h"

static char path[128];

static int die(const char *what)
{
	fprintf(stderr, "sl_shm_fixture: %s: %s: %s\n", path, what, strerror(errno));
	return 2;
}

static struct sl_shm_header *map(void)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDWR);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static int create(unsigned int workers, unsigned int ports, unsigned int abi,
		  unsigned int maglev_size, unsigned int max_backends, unsigned int max_nat_sources)
{
	const struct sl_shm_geometry g = {
		.max_workers = workers,
		.max_ports = ports,
		.max_vips = 16,
		.max_pools = 4,
		.max_backends = max_backends,
		.maglev_size = maglev_size,
		.max_nat_sources = max_nat_sources,
	};
	struct sl_shm_header h, *seg;
	char why[128];
	int fd;

	if (sl_shm_layout(&g, &h, why, sizeof(why))) {
		fprintf(stderr, "sl_shm_fixture: geometry: %s\n", why);
		return 2;
	}
	if (abi != SL_SHM_ABI_VERSION)
		h.abi_version = abi; /* refused by the reader before the checksum */
	/* build beside, rename into place: a reader never sees a half-made segment */
	char tmp[160];

	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL, SL_SHM_MODE);
	if (fd < 0)
		return die("create");
	if (ftruncate(fd, h.total_bytes) < 0)
		return die("size");
	seg = mmap(NULL, h.total_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (seg == MAP_FAILED)
		return die("map");
	memcpy(seg, &h, sizeof(h));
	munmap(seg, h.total_bytes);
	if (rename(tmp, path) < 0)
		return die("rename");
	return 0;
}

/* One TCP tunnel VIP 198.18.100.1:80 on pool 0 with two backends on port 0 (tl_shm.h). */
static int publish(uint64_t gen, int corrupt)
{
	struct sl_shm_header *h = map();
	unsigned int slot = gen & 1;

	if (!h)
		return die("map");
	tl_shm_fill_slot(h, slot, gen, 1);
	if (corrupt)
		sl_slot_maglev(h, slot, 0)[7] ^=
			1; /* after sealing: the checksum no longer matches */
	__atomic_store_n(&h->published, SL_GEN_WORD(gen, slot), __ATOMIC_RELEASE);
	return 0;
}

/*
 * The SYN proxy's keys in the benchmark segment: fixed, so a benchmark can
 * make valid cookies itself (dataplane/dp_cookie.c); key 0 is current.
 */
static const uint64_t bench_sp_keys[2][2] = {
	{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull},
	{0x1716151413121110ull, 0x1f1e1d1c1b1a1918ull},
};

/* Full-NAT sources of the benchmark tables: one per family, every port, on TX_PORT. */
static void bench_nat_sources(struct sl_shm_header *h, unsigned int slot, unsigned int tx_port)
{
	struct sl_nat_source *src = sl_slot_nat_sources(h, slot);

	sl_addr_from_v4(&src[0].addr, htonl(0xc6120101));
	src[0].af = SL_AF_INET;
	inet_pton(AF_INET6, "2001:2:0:1::1", src[1].addr.a8);
	src[1].af = SL_AF_INET6;
	for (int i = 0; i < 2; i++) {
		src[i].port_min = 1024;
		src[i].port_max = 65535;
		src[i].tx_port = (uint16_t)tx_port;
	}
	sl_slot_hdr(h, slot)->n_nat_sources = 2;
	memcpy(h->synproxy.key, bench_sp_keys, sizeof(h->synproxy.key));
	__atomic_store_n(&h->synproxy.current, 0, __ATOMIC_RELEASE);
}

/*
 * The benchmark tables (perf/bench_*.sh): pool 0 holds N IPv4 backends
 * 198.18.1.11.., pool 1 N IPv6 backends 2001:2:0:1::11..; Maglev from
 * common/sl_maglev.c as sluiced builds it. Full NAT leaves from
 * 198.18.1.1 / 2001:2:0:1::1 (ports 1024-65535, see bench_nat_sources).
 *   0 tun4  198.18.100.1:80      TCP tunnel (IPIP)   pool 0
 *   1 tun6  [2001:2:0:100::1]:80 TCP tunnel (IP6IP6) pool 1
 *   2 dsr4  198.18.100.2:80      TCP dsr             pool 0
 *   3 udp4  198.18.100.3:53      UDP tunnel (IPIP)   pool 0
 *   4 nat4  198.18.100.5:80      TCP full NAT        pool 0
 *   5 nat6  [2001:2:0:100::5]:80 TCP full NAT        pool 1
 *   6 sp4   198.18.100.7:80      TCP full NAT, SYN proxy pool 0
 *   7 sp6   [2001:2:0:100::7]:80 TCP full NAT, SYN proxy pool 1
 */
static int publish_bench(uint64_t gen, unsigned int tx_port, unsigned int n)
{
	static const struct {
		const char *name;
		int af, mode, proto, pool;
		uint16_t port;
		uint8_t last;
		uint16_t flags;
	} vips[] = {
		{"tun4", SL_AF_INET, SL_MODE_TUNNEL, IPPROTO_TCP, 0, 80, 1, 0},
		{"tun6", SL_AF_INET6, SL_MODE_TUNNEL, IPPROTO_TCP, 1, 80, 1, 0},
		{"dsr4", SL_AF_INET, SL_MODE_DSR, IPPROTO_TCP, 0, 80, 2, 0},
		{"udp4", SL_AF_INET, SL_MODE_TUNNEL, IPPROTO_UDP, 0, 53, 3, 0},
		{"nat4", SL_AF_INET, SL_MODE_NAT, IPPROTO_TCP, 0, 80, 5, 0},
		{"nat6", SL_AF_INET6, SL_MODE_NAT, IPPROTO_TCP, 1, 80, 5, 0},
		{"sp4", SL_AF_INET, SL_MODE_NAT, IPPROTO_TCP, 0, 80, 7, SL_VIP_F_SYNPROXY},
		{"sp6", SL_AF_INET6, SL_MODE_NAT, IPPROTO_TCP, 1, 80, 7, SL_VIP_F_SYNPROXY},
	};
	struct sl_shm_header *h = map();
	unsigned int slot = gen & 1;
	struct sl_maglev_backend *mb;
	struct sl_table_hdr *t;
	struct sl_vip *v;
	struct sl_pool *pl;
	struct sl_backend *b;

	if (!h)
		return die("map");
	if (n == 0 || 2 * n > h->max_backends || tx_port >= h->max_ports || h->max_pools < 2 ||
	    h->max_nat_sources < 2) {
		fprintf(stderr,
			"sl_shm_fixture: %u backends per pool on port %u do not fit "
			"(max_backends %u, max_ports %u, max_nat_sources %u: create-bench makes "
			"it)\n",
			n, tx_port, h->max_backends, h->max_ports, h->max_nat_sources);
		return 2;
	}
	mb = calloc(n, sizeof(*mb));
	if (!mb)
		return die("calloc");
	t = sl_slot_hdr(h, slot);
	v = sl_slot_vips(h, slot);
	pl = sl_slot_pools(h, slot);
	b = sl_slot_backends(h, slot);
	memset(t, 0, h->slot_bytes);
	t->generation = gen;
	t->n_vips = sizeof(vips) / sizeof(vips[0]);
	t->n_pools = 2;
	t->n_backends = 2 * n;
	t->maglev_size = h->maglev_size;
	for (unsigned int i = 0; i < t->n_vips; i++) {
		if (vips[i].af == SL_AF_INET) {
			sl_addr_from_v4(&v[i].addr, htonl(0xc6126400 | vips[i].last));
		} else {
			inet_pton(AF_INET6, "2001:2:0:100::", v[i].addr.a8);
			v[i].addr.a8[15] = vips[i].last;
		}
		v[i].port = htons(vips[i].port);
		v[i].proto = vips[i].proto;
		v[i].af = vips[i].af;
		v[i].mode = vips[i].mode;
		v[i].pool = vips[i].pool;
		v[i].flags = vips[i].flags;
		if (vips[i].mode == SL_MODE_NAT) {
			v[i].nat_src_first = vips[i].af == SL_AF_INET ? 0 : 1;
			v[i].nat_src_count = 1;
		}
		snprintf(v[i].name, sizeof(v[i].name), "%s", vips[i].name);
	}
	bench_nat_sources(h, slot, tx_port);
	for (unsigned int p = 0; p < 2; p++) {
		snprintf(pl[p].name, sizeof(pl[p].name), p ? "web6" : "web");
		pl[p].n_active = n;
		for (unsigned int i = 0; i < n; i++) {
			struct sl_backend *be = &b[p * n + i];

			be->flags = SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED;
			be->uid = 1000 + p * n + i;
			be->pool = p;
			be->weight = 1;
			be->tx_port = tx_port;
			be->port = htons(80);
			if (p == 0) {
				be->af = SL_AF_INET;
				sl_addr_from_v4(&be->addr, htonl(0xc612010b + i));
				sl_addr_from_v4(&be->src, htonl(0xc6120101));
			} else {
				be->af = SL_AF_INET6;
				inet_pton(AF_INET6, "2001:2:0:1::", be->addr.a8);
				be->addr.a8[14] = (uint8_t)((0x11 + i) >> 8);
				be->addr.a8[15] = (uint8_t)(0x11 + i);
				inet_pton(AF_INET6, "2001:2:0:1::1", be->src.a8);
			}
			memcpy(be->dst_mac, "\x02\x00\x00\x00\x00\x00", 6);
			be->dst_mac[4] = (uint8_t)((p * n + i) >> 8);
			be->dst_mac[5] = (uint8_t)(p * n + i);
			snprintf(be->name, sizeof(be->name), "b%u-%u", p, i);
			sl_maglev_key(&mb[i], be->addr.a8, be->port);
			mb[i].weight = 1;
			mb[i].id = p * n + i;
		}
		if (sl_maglev_build(mb, n, h->maglev_size, sl_slot_maglev(h, slot, p))) {
			free(mb);
			fprintf(stderr, "sl_shm_fixture: Maglev build failed (size %u prime?)\n",
				h->maglev_size);
			return 2;
		}
	}
	free(mb);
	sl_shm_seal_slot(h, slot);
	__atomic_store_n(&h->published, SL_GEN_WORD(gen, slot), __ATOMIC_RELEASE);
	return 0;
}

static int wait_ack(uint64_t gen, long timeout_ms)
{
	struct sl_shm_header *h = map();
	const struct timespec pause = {0, 10000000L};
	uint64_t word;

	if (!h)
		return die("map");
	word = SL_GEN_WORD(gen, gen & 1);
	for (long waited = 0; waited <= timeout_ms; waited += 10) {
		uint64_t n = __atomic_load_n(&h->dp_workers, __ATOMIC_ACQUIRE);
		uint64_t i;

		for (i = 0; i < n; i++)
			if (__atomic_load_n(&sl_shm_ack(h, i)->word, __ATOMIC_ACQUIRE) != word)
				break;
		if (n > 0 && i == n)
			return 0;
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "sl_shm_fixture: generation %llu not acked by every worker in %ld ms\n",
		(unsigned long long)gen, timeout_ms);
	return 1;
}

/* The workers' full-NAT counters, summed, as one JSON object (perf/ reads it). */
static void print_nat(const struct sl_shm_header *h)
{
	struct sl_nat_stats t;

	memset(&t, 0, sizeof(t));
	for (uint64_t i = 0; i < h->dp_workers; i++) {
		const struct sl_nat_stats *s = &sl_shm_worker_stats(h, i)->nat;

		for (unsigned int st = 0; st < SL_NAT_STATES; st++)
			t.conns[st] += s->conns[st];
		t.conns_active += s->conns_active;
		t.conns_opened += s->conns_opened;
		t.conns_reused += s->conns_reused;
		t.conns_expired += s->conns_expired;
		t.synproxy_cookies += s->synproxy_cookies;
		t.synproxy_valid += s->synproxy_valid;
		t.synproxy_syn_retries += s->synproxy_syn_retries;
		t.synproxy_rsts += s->synproxy_rsts;
		t.connect_failures += s->connect_failures;
	}
	printf("{\"conns_active\":%llu,\"conns_opened\":%llu,\"conns_reused\":%llu,"
	       "\"conns_expired\":%llu,\"established\":%llu,\"close\":%llu,"
	       "\"sp_syn_sent\":%llu,\"synproxy_cookies\":%llu,\"synproxy_valid\":%llu,"
	       "\"synproxy_syn_retries\":%llu,\"synproxy_rsts\":%llu,"
	       "\"connect_failures\":%llu}\n",
	       (unsigned long long)t.conns_active, (unsigned long long)t.conns_opened,
	       (unsigned long long)t.conns_reused, (unsigned long long)t.conns_expired,
	       (unsigned long long)t.conns[SL_NAT_ESTABLISHED],
	       (unsigned long long)t.conns[SL_NAT_CLOSE],
	       (unsigned long long)t.conns[SL_NAT_SP_SYN_SENT],
	       (unsigned long long)t.synproxy_cookies, (unsigned long long)t.synproxy_valid,
	       (unsigned long long)t.synproxy_syn_retries, (unsigned long long)t.synproxy_rsts,
	       (unsigned long long)t.connect_failures);
}

static int get(const char *field)
{
	struct sl_shm_header *h = map();
	uint64_t rx = 0;

	if (!h)
		return die("map");
	if (!strcmp(field, "dp_pid"))
		printf("%llu\n", (unsigned long long)h->dp_pid);
	else if (!strcmp(field, "dp_workers"))
		printf("%llu\n", (unsigned long long)h->dp_workers);
	else if (!strcmp(field, "dp_rejected"))
		printf("%llu\n", (unsigned long long)h->dp_rejected);
	else if (!strcmp(field, "dp_reject_reason"))
		printf("%s\n", h->dp_reject_reason);
	else if (!strcmp(field, "dp_last_reject_gen"))
		printf("%llu\n", (unsigned long long)SL_GEN_OF(h->dp_last_reject_word));
	else if (!strcmp(field, "rx_packets")) {
		for (uint64_t i = 0; i < h->dp_workers; i++)
			rx += sl_shm_worker_stats(h, i)->rx_packets;
		printf("%llu\n", (unsigned long long)rx);
	} else if (!strcmp(field, "port0_ipackets"))
		printf("%llu\n", (unsigned long long)sl_shm_port_stats(h, 0)->ipackets);
	else if (!strcmp(field, "port0_name"))
		printf("%s\n", sl_shm_port_stats(h, 0)->name);
	else if (!strcmp(field, "port0_in_use"))
		printf("%u\n", sl_shm_port_stats(h, 0)->in_use);
	else if (!strcmp(field, "nat"))
		print_nat(h);
	else if (!strcmp(field, "workers")) {
		for (uint64_t i = 0; i < h->dp_workers; i++) {
			const struct sl_worker_stats *ws = sl_shm_worker_stats(h, i);

			printf("worker %llu lcore %llu queue %llu: rx %llu tx %llu misses %llu "
			       "hits %llu ack gen %llu",
			       (unsigned long long)i, (unsigned long long)ws->lcore_id,
			       (unsigned long long)ws->queue_id, (unsigned long long)ws->rx_packets,
			       (unsigned long long)ws->tx_packets,
			       (unsigned long long)ws->flow_misses,
			       (unsigned long long)ws->flow_hits,
			       (unsigned long long)SL_GEN_OF(sl_shm_ack(h, i)->word));
			for (unsigned int d = 0; d < SL_DROP_MAX; d++)
				if (ws->drops[d])
					printf(" %s %llu", sl_drop_name(d),
					       (unsigned long long)ws->drops[d]);
			printf("\n");
		}
	} else {
		fprintf(stderr, "sl_shm_fixture: unknown field %s\n", field);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s create|publish|wait-ack|get|remove INSTANCE ...\n",
			argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), SL_SHM_PATH_FMT, argv[2]);
	if (!strcmp(argv[1], "create"))
		return create(argc > 3 ? atoi(argv[3]) : 4, argc > 4 ? atoi(argv[4]) : 2,
			      argc > 5 ? (unsigned int)atoi(argv[5]) : SL_SHM_ABI_VERSION, 251, 16,
			      0);
	if (!strcmp(argv[1], "create-bench") && argc > 5)
		return create(atoi(argv[3]), atoi(argv[4]), SL_SHM_ABI_VERSION,
			      (unsigned int)atoi(argv[5]), 256, 2);
	if (!strcmp(argv[1], "publish-bench") && argc > 5)
		return publish_bench(strtoull(argv[3], NULL, 0), (unsigned int)atoi(argv[4]),
				     (unsigned int)atoi(argv[5]));
	if (!strcmp(argv[1], "publish") && argc > 3)
		return publish(strtoull(argv[3], NULL, 0), argc > 4 && !strcmp(argv[4], "corrupt"));
	if (!strcmp(argv[1], "wait-ack") && argc > 4)
		return wait_ack(strtoull(argv[3], NULL, 0), atol(argv[4]));
	if (!strcmp(argv[1], "get") && argc > 3)
		return get(argv[3]);
	if (!strcmp(argv[1], "remove"))
		return unlink(path) < 0 ? die("remove") : 0;
	fprintf(stderr, "sl_shm_fixture: bad command %s\n", argv[1]);
	return 2;
}
