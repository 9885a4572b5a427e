/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which worker owns which source port of full NAT: worker k of n owns
 * slice k of every NAT source's range (struct sl_nat_source), the ports p
 * with floor((p - port_min) * n / range) == k. The dataplane allocates and
 * hands replies off by it; sluicectl shows each slice's use by it.
 */
#ifndef SL_NATPORT_H
#define SL_NATPORT_H

#include <stdint.h>

#include "sl_shm_types.h"

static inline uint32_t sl_natport_range(const struct sl_nat_source *src)
{
	return (uint32_t)src->port_max - src->port_min + 1;
}

/* The worker (of @n) that owns @port (host order) of @src; UINT32_MAX outside the range. */
static inline uint32_t sl_natport_owner(const struct sl_nat_source *src, uint32_t n, uint16_t port)
{
	if (port < src->port_min || port > src->port_max)
		return UINT32_MAX;
	if (n <= 1)
		return 0; /* one worker (0 taken as one) owns them all */
	return (uint32_t)((uint64_t)(port - src->port_min) * n / sl_natport_range(src));
}

/*
 * Worker @k's slice of @src among @n workers (0 taken as one): *@first and
 * *@count ports (count 0 when there are fewer ports than workers and none
 * is left for @k).
 */
static inline void sl_natport_slice(const struct sl_nat_source *src, uint32_t n, uint32_t k,
				    uint32_t *first, uint32_t *count)
{
	uint64_t r = sl_natport_range(src), lo, hi;

	if (n == 0)
		n = 1;
	/* port p is k's when floor((p - min) n / r) == k: from ceil(k r / n) to ceil((k + 1) r / n)
	 */
	lo = (k * r + n - 1) / n;
	hi = ((k + 1) * r + n - 1) / n;
	*first = src->port_min + (uint32_t)lo;
	*count = (uint32_t)(hi - lo);
}

#endif /* SL_NATPORT_H */
