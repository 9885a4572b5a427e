/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decoding etcd's v3 JSON gateway messages with jansson. int64 fields come
 * as JSON strings ("revision": "7"); fields at their default value are
 * omitted (a PUT event has no "type"), so absence means the default.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cp_etcd_json.h"
#include "sl_shm.h"

static int why_set(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int why_set(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return -EPROTO;
}

static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long cp_etcd_json_b64_decode(const char *in, size_t len, char *out)
{
	size_t o = 0;

	if (len % 4)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;

		for (int k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad) /* data after '=' */
				return -EINVAL;
			v[k] = b64_val((unsigned char)in[i + k]);
			if (v[k] < 0)
				return -EINVAL;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];

		out[o++] = (char)(w >> 16);
		if (pad < 2)
			out[o++] = (char)(w >> 8 & 0xff);
		if (pad < 1)
			out[o++] = (char)(w & 0xff);
	}
	out[o] = '\0';
	return (long)o;
}

size_t cp_etcd_json_b64_encode(const void *in, size_t len, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = in;
	size_t o = 0, i;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = tab[w >> 18];
		out[o++] = tab[w >> 12 & 63];
		out[o++] = tab[w >> 6 & 63];
		out[o++] = tab[w & 63];
	}
	if (i < len) {
		uint32_t w = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);

		out[o++] = tab[w >> 18];
		out[o++] = tab[w >> 12 & 63];
		out[o++] = i + 1 < len ? tab[w >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* An int64 that etcd writes as a string (or, to be lenient, a number). */
static int get_i64(json_t *obj, const char *name, int64_t *out)
{
	json_t *v = json_object_get(obj, name);
	char *end;

	*out = 0;
	if (!v)
		return 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	errno = 0;
	*out = strtoll(json_string_value(v), &end, 10);
	if (errno || *end || end == json_string_value(v))
		return -1;
	return 0;
}

static int decode_b64_field(json_t *obj, const char *name, char **out, size_t *out_len)
{
	json_t *v = json_object_get(obj, name);
	const char *s;
	size_t n;
	long r;

	*out = NULL;
	*out_len = 0;
	if (!v) { /* empty bytes are omitted */
		*out = strdup("");
		return *out ? 0 : -ENOMEM;
	}
	if (!json_is_string(v))
		return -EINVAL;
	s = json_string_value(v);
	n = json_string_length(v);
	*out = malloc(n / 4 * 3 + 4);
	if (!*out)
		return -ENOMEM;
	r = cp_etcd_json_b64_decode(s, n, *out);
	if (r < 0) {
		free(*out);
		*out = NULL;
		return (int)r;
	}
	*out_len = (size_t)r;
	return 0;
}

/* One kv object (plus the event type for a watch) into @kv. */
static int decode_kv(json_t *kvj, int is_delete, struct cp_etcd_kv *kv, char *why, size_t why_len)
{
	if (!json_is_object(kvj))
		return why_set(why, why_len, "kv is not an object");
	kv->is_delete = is_delete;
	if (decode_b64_field(kvj, "key", &kv->key, &kv->key_len) != 0)
		return why_set(why, why_len, "kv key is not base64");
	if (kv->key_len == 0 || memchr(kv->key, '\0', kv->key_len))
		return why_set(why, why_len, "kv key empty or with a NUL byte");
	if (get_i64(kvj, "mod_revision", &kv->mod_revision) != 0)
		return why_set(why, why_len, "kv mod_revision is not an integer");
	if (!is_delete && decode_b64_field(kvj, "value", &kv->value, &kv->value_len) != 0)
		kv->bad = "value is not valid base64";
	return 0;
}

static int decode_header(json_t *root, struct cp_etcd_msg *m, char *why, size_t why_len)
{
	json_t *hdr = json_object_get(root, "header");

	if (hdr && !json_is_object(hdr))
		return why_set(why, why_len, "header is not an object");
	if (hdr && get_i64(hdr, "revision", &m->revision) != 0)
		return why_set(why, why_len, "header.revision is not an integer");
	return 0;
}

static int decode_error(json_t *root, struct cp_etcd_msg *m)
{
	json_t *err = json_object_get(root, "error");
	const char *msg = NULL;

	if (!err)
		return 0;
	m->is_error = 1;
	if (json_is_object(err))
		msg = json_string_value(json_object_get(err, "message"));
	if (!msg)
		msg = json_string_value(json_object_get(root, "message"));
	snprintf(m->reason, sizeof(m->reason), "%s", msg ? msg : "unspecified error");
	return 1;
}

static json_t *load(const char *text, size_t len, char *why, size_t why_len)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!root) {
		why_set(why, why_len, "not JSON: %s at byte %d", jerr.text, jerr.position);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		why_set(why, why_len, "not a JSON object");
		return NULL;
	}
	return root;
}

int cp_etcd_json_range(const char *body, size_t len, struct cp_etcd_msg *m, char *why,
		       size_t why_len)
{
	json_t *root, *kvs;
	int rc = -EPROTO;

	memset(m, 0, sizeof(*m));
	root = load(body, len, why, why_len);
	if (!root)
		return -EPROTO;
	if (decode_error(root, m)) {
		rc = 0;
		goto out;
	}
	if (decode_header(root, m, why, why_len) != 0)
		goto out;
	if (m->revision <= 0) {
		why_set(why, why_len, "range response without header.revision");
		goto out;
	}
	kvs = json_object_get(root, "kvs");
	if (kvs && !json_is_array(kvs)) {
		why_set(why, why_len, "kvs is not an array");
		goto out;
	}
	if (kvs && json_array_size(kvs)) {
		m->kvs = calloc(json_array_size(kvs), sizeof(*m->kvs));
		if (!m->kvs) {
			why_set(why, why_len, "out of memory");
			rc = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < json_array_size(kvs); i++) {
			m->n_kvs++;
			if (decode_kv(json_array_get(kvs, i), 0, &m->kvs[i], why, why_len) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int cp_etcd_json_watch(const char *line, size_t len, struct cp_etcd_msg *m, char *why,
		       size_t why_len)
{
	json_t *root, *res, *evs, *v;
	int rc = -EPROTO;

	memset(m, 0, sizeof(*m));
	root = load(line, len, why, why_len);
	if (!root)
		return -EPROTO;
	if (decode_error(root, m)) {
		rc = 0;
		goto out;
	}
	res = json_object_get(root, "result");
	if (!json_is_object(res)) {
		why_set(why, why_len, "watch message without a result object");
		goto out;
	}
	if (decode_header(res, m, why, why_len) != 0)
		goto out;
	m->created = json_is_true(json_object_get(res, "created"));
	m->canceled = json_is_true(json_object_get(res, "canceled"));
	if (get_i64(res, "compact_revision", &m->compact_revision) != 0) {
		why_set(why, why_len, "compact_revision is not an integer");
		goto out;
	}
	v = json_object_get(res, "cancel_reason");
	if (json_is_string(v))
		snprintf(m->reason, sizeof(m->reason), "%s", json_string_value(v));
	evs = json_object_get(res, "events");
	if (evs && !json_is_array(evs)) {
		why_set(why, why_len, "events is not an array");
		goto out;
	}
	if (evs && json_array_size(evs)) {
		m->kvs = calloc(json_array_size(evs), sizeof(*m->kvs));
		if (!m->kvs) {
			why_set(why, why_len, "out of memory");
			rc = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < json_array_size(evs); i++) {
			json_t *ev = json_array_get(evs, i), *type;
			int del = 0;

			if (!json_is_object(ev)) {
				why_set(why, why_len, "event is not an object");
				goto out;
			}
			type = json_object_get(ev, "type");
			if (type) {
				const char *t = json_string_value(type);

				if (!t || (strcmp(t, "PUT") != 0 && strcmp(t, "DELETE") != 0)) {
					why_set(why, why_len, "unknown event type");
					goto out;
				}
				del = strcmp(t, "DELETE") == 0;
			}
			m->n_kvs++;
			if (decode_kv(json_object_get(ev, "kv"), del, &m->kvs[i], why, why_len))
				goto out;
		}
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

void cp_etcd_json_msg_free(struct cp_etcd_msg *m)
{
	for (uint32_t i = 0; i < m->n_kvs; i++) {
		free(m->kvs[i].key);
		free(m->kvs[i].value);
	}
	free(m->kvs);
	m->kvs = NULL;
	m->n_kvs = 0;
}

static int get_u16(json_t *obj, const char *name, uint32_t dflt, uint32_t *out, char *why,
		   size_t why_len)
{
	json_t *v = json_object_get(obj, name);

	*out = dflt;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535) {
		why_set(why, why_len, "\"%s\" is not an integer 0..65535", name);
		return -EINVAL;
	}
	*out = (uint32_t)json_integer_value(v);
	return 0;
}

int cp_etcd_json_value(const char *v, size_t len, struct cp_disc_instance *out, char *why,
		       size_t why_len)
{
	json_t *root, *addr;
	const char *name, *a;
	json_t *val;
	uint32_t port, weight;
	uint32_t v4;
	int rc = -EINVAL;

	memset(out, 0, sizeof(*out));
	root = load(v, len, why, why_len);
	if (!root)
		return -EINVAL;
	json_object_foreach(root, name, val)
	{
		if (strcmp(name, "address") != 0 && strcmp(name, "port") != 0 &&
		    strcmp(name, "weight") != 0) {
			why_set(why, why_len, "unknown member \"%.32s\"", name);
			goto out;
		}
	}
	addr = json_object_get(root, "address");
	if (!addr) {
		why_set(why, why_len, "\"address\" missing");
		goto out;
	}
	a = json_string_value(addr);
	if (!a) {
		why_set(why, why_len, "\"address\" is not a string");
		goto out;
	}
	if (inet_pton(AF_INET, a, &v4) == 1) {
		sl_addr_from_v4(&out->addr, v4);
		out->af = SL_AF_INET;
	} else if (inet_pton(AF_INET6, a, out->addr.a8) == 1) {
		out->af = SL_AF_INET6;
	} else {
		why_set(why, why_len, "\"address\" \"%.46s\" is not an IPv4/IPv6 address", a);
		goto out;
	}
	if (get_u16(root, "port", 0, &port, why, why_len) ||
	    get_u16(root, "weight", 1, &weight, why, why_len))
		goto out;
	out->port = (uint16_t)port;
	out->weight = weight;
	rc = 0;
out:
	json_decref(root);
	return rc;
}
