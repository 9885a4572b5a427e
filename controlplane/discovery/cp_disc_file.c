/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `file` discovery provider (format and behaviour in cp_disc_file.h):
 * inotify on the file's directory, a debounce timer, and a parse that
 * validates the whole file before it reports anything.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/inotify.h>

#include <jansson.h>

#include "cfg.h"
#include "cp_disc_file.h"
#include "cp_loop.h"
#include "sl_shm.h"

#define WATCH_MASK                                                                                 \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF)

struct file_pool {
	char name[SL_NAME_LEN];
	struct cp_disc_instance *v;
	uint32_t n;
};

struct cp_disc_file {
	struct cp_loop *loop;
	struct cp_disc_sink sink;
	char path[PATH_MAX];
	char base[NAME_MAX + 1];
	int ifd;
	struct cp_loop_fd lfd;
	struct cp_loop_timer debounce;
	/* pool names of the last good file */
	char (*listed)[SL_NAME_LEN];
	uint32_t n_listed;
	struct cp_disc_file_stats stats;
};

static void pools_free(struct file_pool *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(p[i].v);
	free(p);
}

static int parse_addr(const char *text, struct cp_disc_instance *in)
{
	uint32_t v4;

	memset(&in->addr, 0, sizeof(in->addr));
	if (inet_pton(AF_INET, text, &v4) == 1) {
		sl_addr_from_v4(&in->addr, v4);
		in->af = SL_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, in->addr.a8) == 1) {
		in->af = SL_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* One entry of a pool; 0 or -EINVAL with @why ("address ... is not ..."). */
static int parse_entry(json_t *e, struct cp_disc_instance *in, char *why, size_t wl)
{
	const char *key;
	json_t *val;

	memset(in, 0, sizeof(*in));
	in->weight = 1;
	if (!json_is_object(e)) {
		snprintf(why, wl, "not an object");
		return -EINVAL;
	}
	json_object_foreach(e, key, val)
	{
		if (strcmp(key, "address") && strcmp(key, "port") && strcmp(key, "weight") &&
		    strcmp(key, "name")) {
			snprintf(why, wl, "unknown key \"%s\"", key);
			return -EINVAL;
		}
	}
	val = json_object_get(e, "address");
	if (!val) {
		snprintf(why, wl, "no \"address\"");
		return -EINVAL;
	}
	if (!json_is_string(val)) {
		snprintf(why, wl, "\"address\" is not a string");
		return -EINVAL;
	}
	if (parse_addr(json_string_value(val), in)) {
		snprintf(why, wl, "address \"%.64s\" is not an IPv4 or IPv6 address",
			 json_string_value(val));
		return -EINVAL;
	}
	val = json_object_get(e, "port");
	if (val) {
		if (!json_is_integer(val)) {
			snprintf(why, wl, "\"port\" is not an integer");
			return -EINVAL;
		}
		if (json_integer_value(val) < 0 || json_integer_value(val) > 65535) {
			snprintf(why, wl, "port %" JSON_INTEGER_FORMAT " out of range 0..65535",
				 json_integer_value(val));
			return -EINVAL;
		}
		in->port = (uint16_t)json_integer_value(val);
	}
	val = json_object_get(e, "weight");
	if (val) {
		if (!json_is_integer(val)) {
			snprintf(why, wl, "\"weight\" is not an integer");
			return -EINVAL;
		}
		if (json_integer_value(val) < 0 || json_integer_value(val) > 65535) {
			snprintf(why, wl, "weight %" JSON_INTEGER_FORMAT " out of range 0..65535",
				 json_integer_value(val));
			return -EINVAL;
		}
		in->weight = (uint32_t)json_integer_value(val);
	}
	val = json_object_get(e, "name");
	if (val) {
		if (!json_is_string(val)) {
			snprintf(why, wl, "\"name\" is not a string");
			return -EINVAL;
		}
		if (strlen(json_string_value(val)) >= SL_NAME_LEN) {
			snprintf(why, wl, "name \"%.64s\" longer than %d bytes",
				 json_string_value(val), SL_NAME_LEN - 1);
			return -EINVAL;
		}
		snprintf(in->name, sizeof(in->name), "%s", json_string_value(val));
	}
	return 0;
}

static void addr_text(const struct cp_disc_instance *in, char *buf, size_t len)
{
	if (in->af == SL_AF_INET)
		inet_ntop(AF_INET, &in->addr.a32[3], buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, in->addr.a8, buf, (socklen_t)len);
}

static const struct cp_disc_instance *dup_base;

static int same_instance(uint32_t a, uint32_t b)
{
	const struct cp_disc_instance *x = &dup_base[a], *y = &dup_base[b];

	return x->af == y->af && x->port == y->port && !memcmp(&x->addr, &y->addr, sizeof(x->addr));
}

/* by (address, port), then by index */
static int dup_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	const struct cp_disc_instance *x = &dup_base[a], *y = &dup_base[b];
	int c = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	if (!c)
		c = (int)x->port - (int)y->port;
	return c ? c : (a > b) - (a < b);
}

/*
 * The first entry (in file order) with the address and port of an earlier
 * one: *@dup = its index, *@first = the earlier one's; *@dup = @n when none.
 * Sorted, so n log n for n entries. 0 or -ENOMEM.
 */
static int first_duplicate(const struct cp_disc_instance *v, uint32_t n, size_t *dup, size_t *first)
{
	uint32_t *ix, head = 0;

	*dup = n;
	if (n < 2)
		return 0;
	ix = malloc(n * sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		ix[i] = i;
	dup_base = v;
	qsort(ix, n, sizeof(*ix), dup_cmp);
	for (uint32_t i = 1; i < n; i++) {
		if (!same_instance(ix[head], ix[i])) {
			head = i;
			continue;
		}
		if (ix[i] < *dup) {
			*dup = ix[i];
			*first = ix[head];
		}
	}
	free(ix);
	return 0;
}

/*
 * Validate the document @root completely into @out/@n_out. 0, or -EINVAL
 * with @why naming the pool and entry.
 */
static int parse_doc(json_t *root, struct file_pool **out, uint32_t *n_out, char *why, size_t wl)
{
	struct file_pool *pools = NULL;
	uint32_t n = 0;
	json_t *jp, *arr;
	const char *pname;
	char ewhy[160];
	int rc = -EINVAL;

	if (!json_is_object(root)) {
		snprintf(why, wl, "top level is not an object");
		goto out;
	}
	jp = json_object_get(root, "pools");
	if (!json_is_object(jp)) {
		snprintf(why, wl, "no \"pools\" object");
		goto out;
	}
	pools = calloc(json_object_size(jp) + 1, sizeof(*pools));
	if (!pools) {
		rc = -ENOMEM;
		snprintf(why, wl, "out of memory");
		goto out;
	}
	json_object_foreach(jp, pname, arr)
	{
		struct file_pool *p = &pools[n++];
		size_t i, k = 0;
		json_t *e;

		if (!*pname || strlen(pname) >= SL_NAME_LEN) {
			snprintf(why, wl, "pool name \"%.64s\" is empty or longer than %d bytes",
				 pname, SL_NAME_LEN - 1);
			goto out;
		}
		snprintf(p->name, sizeof(p->name), "%s", pname);
		if (!json_is_array(arr)) {
			snprintf(why, wl, "pool \"%s\" is not an array", pname);
			goto out;
		}
		p->v = calloc(json_array_size(arr) + 1, sizeof(*p->v));
		if (!p->v) {
			rc = -ENOMEM;
			snprintf(why, wl, "out of memory");
			goto out;
		}
		json_array_foreach(arr, i, e)
		{
			struct cp_disc_instance *in = &p->v[i];

			if (parse_entry(e, in, ewhy, sizeof(ewhy))) {
				snprintf(why, wl, "pool \"%s\" entry %zu: %s", pname, i, ewhy);
				goto out;
			}
			p->n++;
		}
		rc = first_duplicate(p->v, p->n, &i, &k);
		if (rc == -ENOMEM) {
			snprintf(why, wl, "out of memory");
			goto out;
		}
		rc = -EINVAL;
		if (i < p->n) {
			char at[INET6_ADDRSTRLEN];

			addr_text(&p->v[i], at, sizeof(at));
			snprintf(why, wl,
				 "pool \"%s\" entry %zu: duplicate of entry %zu (%s port %u)",
				 pname, i, k, at, p->v[i].port);
			goto out;
		}
	}
	*out = pools;
	*n_out = n;
	pools = NULL;
	rc = 0;
out:
	if (pools)
		pools_free(pools, n);
	return rc;
}

/* A FIFO put at the path would block open() and with it the whole loop: never blocks. */
static int file_read(struct cp_disc_file *f, char **buf, size_t *len, char *why, size_t wl)
{
	return cfg_read_file(f->path, CP_DISC_FILE_MAX_BYTES, buf, len, why, wl);
}

int cp_disc_file_reload(struct cp_disc_file *f)
{
	char why[256], what[PATH_MAX + 300];
	struct file_pool *pools = NULL;
	char(*listed)[SL_NAME_LEN] = NULL;
	uint32_t n = 0, i, k;
	json_error_t jerr;
	json_t *root = NULL;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	f->stats.loads++;
	rc = file_read(f, &buf, &len, why, sizeof(why));
	if (rc)
		goto bad;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		rc = -EINVAL;
		snprintf(why, sizeof(why), "line %d column %d: %s", jerr.line, jerr.column,
			 jerr.text);
		goto bad;
	}
	rc = parse_doc(root, &pools, &n, why, sizeof(why));
	if (rc)
		goto bad;
	listed = calloc(n + 1, sizeof(*listed));
	if (!listed) {
		rc = -ENOMEM;
		snprintf(why, sizeof(why), "out of memory");
		goto bad;
	}
	for (i = 0; i < n; i++) {
		memcpy(listed[i], pools[i].name, SL_NAME_LEN);
		f->sink.update(f->sink.ctx, CP_DISC_FILE, pools[i].name, pools[i].v, pools[i].n);
	}
	for (k = 0; k < f->n_listed; k++) {
		for (i = 0; i < n && strcmp(f->listed[k], pools[i].name); i++)
			;
		if (i == n)
			f->sink.update(f->sink.ctx, CP_DISC_FILE, f->listed[k], NULL, 0);
	}
	free(f->listed);
	f->listed = listed;
	f->n_listed = n;
	f->stats.good++;
	rc = 0;
	goto out;
bad:
	f->stats.bad++;
	snprintf(what, sizeof(what), "%s: %s", f->path, why);
	f->sink.error(f->sink.ctx, CP_DISC_FILE, "", what);
out:
	if (pools)
		pools_free(pools, n);
	json_decref(root);
	free(buf);
	return rc;
}

static void on_debounce(struct cp_loop_timer *t)
{
	cp_disc_file_reload(t->ctx);
}

static void on_inotify(struct cp_loop_fd *lf, uint32_t events)
{
	struct cp_disc_file *f = lf->ctx;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int hit = 0;

	(void)events;
	for (;;) {
		ssize_t r = read(f->ifd, buf, sizeof(buf));
		size_t off = 0;

		if (r <= 0)
			break; /* EAGAIN: drained */
		while (off + sizeof(struct inotify_event) <= (size_t)r) {
			const struct inotify_event *ev = (const void *)(buf + off);

			if (ev->mask & (IN_Q_OVERFLOW | IN_DELETE_SELF | IN_MOVE_SELF))
				hit = 1;
			else if (ev->len && !strcmp(ev->name, f->base))
				hit = 1;
			off += sizeof(*ev) + ev->len;
		}
	}
	if (hit && !cp_loop_timer_armed(&f->debounce))
		cp_loop_timer_in(f->loop, &f->debounce, CP_DISC_FILE_DEBOUNCE_MS);
}

struct cp_disc_file *cp_disc_file_new(struct cp_loop *l, const char *path,
				      const struct cp_disc_sink *sink)
{
	struct cp_disc_file *f;
	char dir[PATH_MAX];
	const char *slash;
	int err;

	if (!path || !*path || !sink || !sink->update || !sink->error) {
		errno = EINVAL;
		return NULL;
	}
	if (strlen(path) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->loop = l;
	f->sink = *sink;
	f->ifd = -1;
	snprintf(f->path, sizeof(f->path), "%s", path);
	slash = strrchr(path, '/');
	if (slash) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		if (!dir[0])
			snprintf(dir, sizeof(dir), "/");
	} else {
		snprintf(dir, sizeof(dir), ".");
	}
	const char *base = slash ? slash + 1 : path;

	if (!*base || strlen(base) > NAME_MAX) {
		err = EINVAL;
		goto fail;
	}
	snprintf(f->base, sizeof(f->base), "%s", base);
	cp_loop_timer_init(&f->debounce, on_debounce, f);
	f->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (f->ifd < 0) {
		err = errno;
		goto fail;
	}
	if (inotify_add_watch(f->ifd, dir, WATCH_MASK | IN_ONLYDIR) < 0) {
		err = errno;
		goto fail;
	}
	err = -cp_loop_fd_add(l, &f->lfd, f->ifd, EPOLLIN, on_inotify, f);
	if (err)
		goto fail;
	cp_disc_file_reload(f);
	return f;
fail:
	if (f->ifd >= 0)
		close(f->ifd);
	free(f);
	errno = err;
	return NULL;
}

void cp_disc_file_free(struct cp_disc_file *f)
{
	if (!f)
		return;
	cp_loop_timer_cancel(f->loop, &f->debounce);
	cp_loop_fd_del(f->loop, &f->lfd);
	close(f->ifd);
	free(f->listed);
	free(f);
}

void cp_disc_file_get_stats(const struct cp_disc_file *f, struct cp_disc_file_stats *s)
{
	*s = f->stats;
}
