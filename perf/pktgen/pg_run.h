/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-pktgen's live loops: the TX side builds packets of the run
 * (pg_flow.h) into mbufs and sends them flat out or paced; the RX side
 * counts what the device under test forwards and, from the payload stamp,
 * the one-way latency. Both run on one lcore, alternately.
 */
#ifndef PG_RUN_H
#define PG_RUN_H

#include <stdint.h>

#include "pg_flow.h"

#define PG_BURST 32
#define PG_LAT_BUCKETS 10000 /* 1 us each; later samples land in the last */

struct rte_mempool;

struct pg_tx {
	const struct pg_spec *spec;
	struct rte_mempool *pool;
	uint16_t port;
	uint64_t rate_pps; /* 0: flat out */
	int stamp;	   /* write the TSC into the payload */
	uint64_t next_i;   /* packet number of the run */
	uint64_t start_tsc;
	uint64_t tsc_hz;
	/* results */
	uint64_t sent;
	uint64_t tx_full; /* built but refused by the TX queue (not sent, freed) */
	uint64_t no_mbuf; /* bursts skipped for lack of mbufs */
};

struct pg_rx {
	uint16_t port;
	uint64_t tsc_hz;
	/* results */
	uint64_t packets;
	uint64_t bytes;
	uint64_t stamped;
	uint64_t lat_hist[PG_LAT_BUCKETS];
	uint64_t lat_min_ns, lat_max_ns, lat_sum_ns;
};

/* Send what is due at @now (one burst at most). Returns packets sent. */
unsigned int pg_tx_burst(struct pg_tx *tx, uint64_t now);

/* Receive one burst, count it and free it. Returns packets received. */
unsigned int pg_rx_burst(struct pg_rx *rx);

/* Latency percentile @pct (0..100) in microseconds from the histogram; -1 if no sample. */
double pg_rx_latency_us(const struct pg_rx *rx, double pct);

#endif /* PG_RUN_H */
