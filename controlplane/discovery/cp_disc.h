/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every discovery provider (static, file, dns, etcd) reports: the
 * complete current set of instances of one pool from that source. The
 * model (cp_model.c) merges the sources of a pool; a provider never merges.
 * A provider that cannot read its source (malformed file, garbage SRV
 * answer, etcd value that is not JSON, server down) reports an error and
 * reports no set, so the last good set stays.
 */
#ifndef CP_DISC_H
#define CP_DISC_H

#include <stdint.h>

#include "sl_shm_types.h"

enum cp_disc_source {
	CP_DISC_STATIC = 0,
	CP_DISC_FILE = 1,
	CP_DISC_DNS = 2,
	CP_DISC_ETCD = 3,
	CP_DISC_MAX
};

/* One instance as a source reports it. */
struct cp_disc_instance {
	char name[SL_NAME_LEN]; /* "" : the model names it address:port */
	struct sl_addr addr;	/* IPv4-mapped for IPv4 */
	uint8_t af;		/* enum sl_af */
	uint16_t port;		/* host order; 0: the VIP's port */
	uint32_t weight;	/* 0..65535 */
};

struct cp_disc_sink {
	/*
	 * The complete set of @pool from @src is now @v[0..n) (n may be 0: the
	 * source says the pool is empty, and @v may then be NULL). Replaces what
	 * @src said before.
	 */
	void (*update)(void *ctx, enum cp_disc_source src, const char *pool,
		       const struct cp_disc_instance *v, uint32_t n);
	/* @src could not be read; @what says why (logged by the sink, rate-limited). */
	void (*error)(void *ctx, enum cp_disc_source src, const char *pool, const char *what);
	void *ctx;
};

/* "static", "file", "dns", "etcd". */
const char *cp_disc_source_name(enum cp_disc_source src);

#endif /* CP_DISC_H */
