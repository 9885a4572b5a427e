/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What etcd's v3 JSON gateway says, decoded: range responses, watch stream
 * messages (one JSON object per line), base64 keys/values, and the value of
 * one instance key ({"address", "port", "weight"}). Pure functions over
 * bytes, tested with fixtures; no I/O.
 */
#ifndef CP_ETCD_JSON_H
#define CP_ETCD_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "cp_disc.h"

struct cp_etcd_kv {
	char *key; /* decoded, NUL-terminated */
	size_t key_len;
	char *value; /* decoded, NUL-terminated; NULL for a delete or bad base64 */
	size_t value_len;
	int64_t mod_revision;
	int is_delete;
	const char *bad; /* non-NULL: the value could not be decoded (why) */
};

struct cp_etcd_msg {
	int64_t revision;	  /* header.revision (0: absent) */
	int created;		  /* watch: the watch now exists */
	int canceled;		  /* watch: the server cancelled it */
	int64_t compact_revision; /* watch: >0: start revision was compacted */
	int is_error;		  /* {"error": ...} from the gateway */
	char reason[160];	  /* cancel_reason or the error's message */
	struct cp_etcd_kv *kvs;	  /* range: kvs; watch: events */
	uint32_t n_kvs;
};

/* Base64 (RFC 4648, padded). Output length or -EINVAL. @out holds len*3/4+1. */
long cp_etcd_json_b64_decode(const char *in, size_t len, char *out);
/* Output length; @out holds 4*((len+2)/3)+1; NUL-terminated. */
size_t cp_etcd_json_b64_encode(const void *in, size_t len, char *out);

/*
 * Decode a range response body / one watch stream line into @m (zeroed
 * first; free with cp_etcd_json_msg_free even after a failure). 0 or -EPROTO
 * with the reason in @why.
 */
int cp_etcd_json_range(const char *body, size_t len, struct cp_etcd_msg *m, char *why,
		       size_t why_len);
int cp_etcd_json_watch(const char *line, size_t len, struct cp_etcd_msg *m, char *why,
		       size_t why_len);
void cp_etcd_json_msg_free(struct cp_etcd_msg *m);

/*
 * One instance value: a JSON object with "address" (IPv4/IPv6 literal,
 * required), "port" (0..65535, default 0), "weight" (0..65535, default 1),
 * nothing else. Fills everything but @out->name. 0 or -EINVAL with @why.
 */
int cp_etcd_json_value(const char *v, size_t len, struct cp_disc_instance *out, char *why,
		       size_t why_len);

#endif /* CP_ETCD_JSON_H */
