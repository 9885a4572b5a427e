// SPDX-License-Identifier: BSD-3-Clause
/*
 * The full-NAT counters of a segment for the e2e tests, summed over the
 * workers, as one JSON line: connections by state, the lifetime counters,
 * the source ports in use, and the flow table's embryonic entries.
 *
 *   sl_nat_counters INSTANCE
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "sl_shm.h"

static const char *const state_names[SL_NAT_STATES] = {
	"free",	   "syn_sent",	"syn_recv", "established", "fin_wait",
	"closing", "time_wait", "close",    "udp",	   "sp_syn_sent",
};

int main(int argc, char **argv)
{
	uint64_t conns[SL_NAT_STATES] = {0}, ports = 0, embryonic = 0;
	struct sl_nat_stats sum = {0};
	const struct sl_shm_header *h;
	char path[128], why[256];
	struct stat st;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: sl_nat_counters INSTANCE\n");
		return 2;
	}
	snprintf(path, sizeof(path), SL_SHM_PATH_FMT, argv[1]);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(path);
		return 1;
	}
	h = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED || sl_shm_check_header(h, (size_t)st.st_size, why, sizeof(why))) {
		fprintf(stderr, "%s: %s\n", path, h == MAP_FAILED ? "mmap failed" : why);
		return 1;
	}
	for (unsigned int w = 0; w < h->max_workers; w++) {
		struct sl_worker_stats *ws = sl_shm_worker_stats(h, w);
		const uint64_t *p = sl_stats_nat_ports(h, ws);

		for (unsigned int s = 0; s < SL_NAT_STATES; s++)
			conns[s] += ws->nat.conns[s];
		for (unsigned int i = 0; i < h->max_nat_sources; i++)
			ports += p[i];
		embryonic += ws->flows_embryonic;
		sum.conns_active += ws->nat.conns_active;
		sum.conns_opened += ws->nat.conns_opened;
		sum.synproxy_cookies += ws->nat.synproxy_cookies;
		sum.synproxy_valid += ws->nat.synproxy_valid;
		sum.synproxy_rsts += ws->nat.synproxy_rsts;
		sum.connect_failures += ws->nat.connect_failures;
	}
	printf("{\"conns\":{");
	for (unsigned int s = 1; s < SL_NAT_STATES; s++)
		printf("%s\"%s\":%llu", s > 1 ? "," : "", state_names[s],
		       (unsigned long long)conns[s]);
	printf("},\"conns_active\":%llu,\"conns_opened\":%llu,\"ports_in_use\":%llu,"
	       "\"synproxy_cookies\":%llu,\"synproxy_valid\":%llu,\"synproxy_rsts\":%llu,"
	       "\"connect_failures\":%llu,\"flows_embryonic\":%llu}\n",
	       (unsigned long long)sum.conns_active, (unsigned long long)sum.conns_opened,
	       (unsigned long long)ports, (unsigned long long)sum.synproxy_cookies,
	       (unsigned long long)sum.synproxy_valid, (unsigned long long)sum.synproxy_rsts,
	       (unsigned long long)sum.connect_failures, (unsigned long long)embryonic);
	return 0;
}
