/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The etcd provider's view of its prefix: every good instance key, grouped
 * by pool, and the rules that turn etcd's kvs and events into complete
 * per-pool sets for the discovery sink (see cp_disc_etcd.h for what the
 * sink sees). No I/O: fed by cp_disc_etcd.c, tested on its own.
 */
#ifndef CP_ETCD_KVT_H
#define CP_ETCD_KVT_H

#include <stddef.h>
#include <stdint.h>

#include "cp_disc.h"

struct cp_etcd_entry {
	char *key;
	struct cp_disc_instance inst;
	int seen; /* during a full read */
};

struct cp_etcd_pool {
	char name[SL_NAME_LEN];
	struct cp_etcd_entry *e;
	uint32_t n, cap;
	uint32_t *ix;		  /* open-addressing index of e by key: i + 1, 0 empty, ~0 gone */
	uint32_t ix_cap, ix_used; /* slots, slots not empty (tombstones included) */
	int dirty;		  /* the set changed since it was last reported */
	int reported;		  /* the sink has a set of this pool */
};

struct cp_etcd_kvt {
	char *prefix;
	size_t prefix_len;
	struct cp_etcd_pool *pools;
	uint32_t n_pools, cap_pools;
	struct cp_disc_sink sink;
	uint64_t bad_values;
};

/* 0 or -ENOMEM. */
int cp_etcd_kvt_init(struct cp_etcd_kvt *t, const char *prefix, const struct cp_disc_sink *sink);
void cp_etcd_kvt_fini(struct cp_etcd_kvt *t);

/*
 * A key now holds @value (@bad: the value could not even be decoded, why).
 * A bad key or value is reported through sink.error and changes nothing.
 * 0 or -ENOMEM.
 */
int cp_etcd_kvt_put(struct cp_etcd_kvt *t, const char *key, const char *value, size_t len,
		    const char *bad);
/* The key is gone. */
void cp_etcd_kvt_delete(struct cp_etcd_kvt *t, const char *key);

/*
 * A full read: begin, put every kv, end. end() forgets keys not put since
 * begin() (except those whose new value was bad: kept) and marks every pool
 * for reporting.
 */
void cp_etcd_kvt_begin_full(struct cp_etcd_kvt *t);
void cp_etcd_kvt_end_full(struct cp_etcd_kvt *t);

/* Report every pool whose set changed (sink.update); 0 or -ENOMEM. */
int cp_etcd_kvt_flush(struct cp_etcd_kvt *t);

#endif /* CP_ETCD_KVT_H */
