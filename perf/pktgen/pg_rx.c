/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-pktgen's RX loop (see pg_run.h): counts forwarded packets and, for
 * stamped ones, the TSC difference into a 1-us histogram. Generator and
 * receiver share the host's TSC, so the latency is one-way and exact to
 * the TSC, including the generator's own queueing.
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "pg_run.h"

unsigned int pg_rx_burst(struct pg_rx *rx)
{
	struct rte_mbuf *m[PG_BURST];
	uint16_t n = rte_eth_rx_burst(rx->port, 0, m, PG_BURST);
	uint64_t now = n ? rte_rdtsc() : 0;

	for (uint16_t i = 0; i < n; i++) {
		uint64_t stamp, ns, us;

		rx->bytes += rte_pktmbuf_pkt_len(m[i]);
		if (m[i]->nb_segs == 1 &&
		    pg_read_stamp(rte_pktmbuf_mtod(m[i], const uint8_t *), m[i]->data_len,
				  &stamp) &&
		    stamp <= now) {
			ns = (now - stamp) * 1000000000ull / rx->tsc_hz;
			us = ns / 1000;
			rx->lat_hist[us < PG_LAT_BUCKETS ? us : PG_LAT_BUCKETS - 1]++;
			if (rx->stamped == 0 || ns < rx->lat_min_ns)
				rx->lat_min_ns = ns;
			if (ns > rx->lat_max_ns)
				rx->lat_max_ns = ns;
			rx->lat_sum_ns += ns;
			rx->stamped++;
		}
	}
	rx->packets += n;
	if (n)
		rte_pktmbuf_free_bulk(m, n);
	return n;
}

double pg_rx_latency_us(const struct pg_rx *rx, double pct)
{
	uint64_t want, seen = 0;

	if (rx->stamped == 0)
		return -1;
	want = (uint64_t)(pct / 100.0 * (double)rx->stamped);
	if (want == 0)
		want = 1;
	for (unsigned int b = 0; b < PG_LAT_BUCKETS; b++) {
		seen += rx->lat_hist[b];
		if (seen >= want)
			return b + 0.5; /* bucket middle */
	}
	return PG_LAT_BUCKETS;
}
