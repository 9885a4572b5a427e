/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016) with weights.
 * The table depends only on the set of (key, weight) pairs, never on their
 * order, so two appliances given the same backends build identical tables.
 */
#ifndef SL_MAGLEV_H
#define SL_MAGLEV_H

#include <stddef.h>
#include <stdint.h>

#define SL_MAGLEV_KEY_MAX 32 /* bytes of identity per backend */
#define SL_MAGLEV_WEIGHT_MAX 65535

struct sl_maglev_backend {
	uint8_t key[SL_MAGLEV_KEY_MAX]; /* identity: address and port, see sl_maglev_key() */
	uint8_t key_len;
	uint32_t weight; /* 0: no entries */
	uint32_t id;	 /* value written into the table */
};

/* Identity of a backend: its 16-byte (IPv4-mapped) address and wire-order port. */
void sl_maglev_key(struct sl_maglev_backend *b, const uint8_t addr[16], uint16_t be_port);

/* 1 if @m is prime (valid table size), else 0. */
int sl_maglev_is_prime(uint32_t m);

/*
 * Fill @table (@m entries, @m prime) from @n backends. Entries get the
 * backends' ids; with no backend of non-zero weight every entry is
 * UINT32_MAX. Returns 0, -EINVAL (m not prime, duplicate key, bad key_len
 * or weight) or -ENOMEM.
 */
int sl_maglev_build(const struct sl_maglev_backend *b, size_t n, uint32_t m, uint32_t *table);

#endif /* SL_MAGLEV_H */
