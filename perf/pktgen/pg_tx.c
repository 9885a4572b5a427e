/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-pktgen's TX loop (see pg_run.h): packets are built in place in
 * freshly allocated mbufs, so 10 M distinct flows cost no memory. Pacing
 * compares the packets sent with what the rate allows since the start.
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "pg_run.h"

unsigned int pg_tx_burst(struct pg_tx *tx, uint64_t now)
{
	struct rte_mbuf *m[PG_BURST];
	unsigned int n = PG_BURST;
	uint16_t sent;

	if (tx->rate_pps) {
		uint64_t due = (now - tx->start_tsc) * tx->rate_pps / tx->tsc_hz;

		if (due <= tx->next_i)
			return 0;
		if (due - tx->next_i < n)
			n = (unsigned int)(due - tx->next_i);
	}
	if (rte_pktmbuf_alloc_bulk(tx->pool, m, n) != 0) {
		tx->no_mbuf++;
		return 0;
	}
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *buf = rte_pktmbuf_mtod(m[i], uint8_t *);
		size_t len = pg_build(tx->spec, tx->next_i + i, tx->stamp ? rte_rdtsc() : 0, buf);

		m[i]->data_len = (uint16_t)len;
		m[i]->pkt_len = (uint32_t)len;
	}
	sent = rte_eth_tx_burst(tx->port, 0, m, (uint16_t)n);
	/* a refused packet keeps its number: the next burst sends it again */
	if (sent < n) {
		tx->tx_full += n - sent;
		rte_pktmbuf_free_bulk(m + sent, n - sent);
	}
	tx->next_i += sent;
	tx->sent += sent;
	return sent;
}
