/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin socket server (cp_admin.h): accept, read one line, answer with
 * one JSON line, close. Every socket is non-blocking and served from the
 * loop. A client must send its first byte within CP_ADMIN_SILENT_MS and its
 * line within CP_ADMIN_IDLE_MS, so idle connections cannot hold the
 * CP_ADMIN_MAX_CLIENTS places for long; one beyond them is told "busy"
 * rather than reset. A drain waits for the publication that carries it
 * (cp_admin_settle()) at most CP_ADMIN_WAIT_MS.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "cp_admin.h"
#include "cfg.h"
#include "cp_loop.h"
#include "cp_text.h"

struct admin_client {
	struct cp_admin *a;
	struct cp_loop_fd lfd;
	struct cp_loop_timer idle;
	int fd;
	char in[CP_ADMIN_LINE_MAX];
	size_t n_in;
	uint64_t ticket; /* waiting for cp_admin_settle() of this; 0: not waiting */
	char *out;	 /* reply, newline-terminated, while being written */
	size_t n_out, off_out;
	size_t cap_out; /* a follower's buffer */
	int follow;	/* it follows the event stream: lines are queued, never closed by us */
	struct admin_client *next;
};

struct cp_admin {
	struct cp_loop *loop;
	struct cp_admin_ops ops;
	struct cp_loop_fd lfd;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev; /* the socket file we made, so free() unlinks only that */
	ino_t ino;
	struct admin_client *clients;
	unsigned int n_clients;
};

/* @s with every byte that is not valid UTF-8 replaced by '?', into @buf. */
static const char *utf8_clean(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s), o = 0, i = 0;

	while (i < n && o + 1 < len) {
		size_t ok = cp_text_utf8_prefix(s + i, n - i);

		if (ok > len - 1 - o)
			ok = cp_text_utf8_prefix(s + i, len - 1 - o);
		memcpy(buf + o, s + i, ok);
		o += ok;
		i += ok;
		if (i < n && o + 1 < len && ok == 0) {
			buf[o++] = '?';
			i++;
		} else if (ok == 0) {
			break;
		}
	}
	buf[o] = '\0';
	return buf;
}

static char *reply_dump(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(o);
	return s;
}

/* {"ok":false,[flag:true,]"error":TEXT}; never NULL but on no memory. */
static char *reply_fail(const char *flag, const char *fmt, const char *a, const char *b)
{
	char text[512], clean[512];

	snprintf(text, sizeof(text), fmt, a, b);
	utf8_clean(text, clean, sizeof(clean));
	if (flag)
		return reply_dump(json_pack("{s:b,s:b,s:s}", "ok", 0, flag, 1, "error", clean));
	return reply_dump(json_pack("{s:b,s:s}", "ok", 0, "error", clean));
}

static char *reply_error(const char *fmt, const char *a, const char *b)
{
	return reply_fail(NULL, fmt, a, b);
}

static char *reply_ok(void)
{
	return reply_dump(json_pack("{s:b}", "ok", 1));
}

static void add_event(void *arg, const char *line)
{
	json_t *o = json_loads(line, 0, NULL);

	if (o)
		json_array_append_new(arg, o);
}

static char *reply_events(const struct cp_admin_ops *ops, int argc, char **argv, uint64_t *ticket)
{
	json_t *a;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "follow") != 0))
		return reply_error("events takes at most \"follow\", got \"%.100s\"%s", argv[1],
				   "");
	if (argc == 2) {
		*ticket = CP_ADMIN_FOLLOW;
		return reply_dump(json_pack("{s:b,s:b}", "ok", 1, "follow", 1));
	}
	a = json_array();
	if (a && ops->events)
		ops->events(ops->ctx, add_event, a);
	return a ? reply_dump(json_pack("{s:b,s:o}", "ok", 1, "events", a))
		 : reply_error("out of memory%s%s", "", "");
}

char *cp_admin_handle(const struct cp_admin_ops *ops, const char *line, uint64_t *ticket)
{
	char copy[CP_ADMIN_LINE_MAX], why[256] = "", *argv[4], *save = NULL, *w, at[24];
	size_t n = strlen(line), ok = cp_text_utf8_prefix(line, n);
	int argc = 0, rc;

	*ticket = 0;
	if (ok < n) {
		snprintf(at, sizeof(at), "%zu", ok);
		return reply_error("request is not valid UTF-8 (byte %s)%s", at, "");
	}
	snprintf(copy, sizeof(copy), "%s", line);
	for (w = strtok_r(copy, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
		if (argc == 4)
			return reply_error("too many words in \"%.200s%s\"", line, "");
		argv[argc++] = w;
	}
	if (!argc)
		return reply_error("empty request (expected drain, undrain, health, reload or "
				   "events)%s%s",
				   "", "");
	if (strcmp(argv[0], "events") == 0)
		return reply_events(ops, argc, argv, ticket);
	if (strcmp(argv[0], "drain") == 0 || strcmp(argv[0], "undrain") == 0) {
		if (argc != 3)
			return reply_error("%s needs POOL INSTANCE%s", argv[0], "");
		rc = ops->drain(ops->ctx, argv[1], argv[2], argv[0][0] == 'd', why, sizeof(why),
				ticket);
		if (rc == CP_ADMIN_WAIT)
			return NULL;
		*ticket = 0;
		return rc ? reply_error("%s%s", why, "") : reply_ok();
	}
	if (strcmp(argv[0], "health") == 0) {
		json_t *page, *o;

		if (argc > 2)
			return reply_error("health takes at most a cursor, got \"%s %s\"", argv[1],
					   argv[2]);
		page = ops->health(ops->ctx, argc == 2 ? argv[1] : "", why, sizeof(why));
		if (!page)
			return reply_error("%s%s", why[0] ? why : "out of memory", "");
		/* "ok" first, as in every other reply, then the page's keys in order */
		o = json_pack("{s:b}", "ok", 1);
		if (o && json_object_update(o, page)) {
			json_decref(o);
			o = NULL;
		}
		json_decref(page);
		return o ? reply_dump(o) : reply_error("out of memory%s%s", "", "");
	}
	if (strcmp(argv[0], "reload") == 0) {
		if (argc != 1)
			return reply_error("reload takes no argument, got \"%s\"%s", argv[1], "");
		rc = ops->reload(ops->ctx, why, sizeof(why));
		return rc ? reply_error("%s%s", why, "") : reply_ok();
	}
	return reply_error("unknown command \"%.100s\" (expected drain, undrain, health, reload "
			   "or events)%s",
			   argv[0], "");
}

static void client_close(struct admin_client *c)
{
	struct cp_admin *a = c->a;

	for (struct admin_client **pp = &a->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	a->n_clients--;
	cp_loop_timer_cancel(a->loop, &c->idle);
	cp_loop_fd_del(a->loop, &c->lfd);
	close(c->fd);
	free(c->out);
	free(c);
}

static void client_write(struct admin_client *c)
{
	while (c->off_out < c->n_out) {
		ssize_t n = write(c->fd, c->out + c->off_out, c->n_out - c->off_out);

		if (n < 0 && errno == EAGAIN) {
			cp_loop_fd_mod(c->a->loop, &c->lfd, EPOLLOUT);
			return;
		}
		if (n <= 0)
			break;
		c->off_out += (size_t)n;
	}
	client_close(c);
}

/* Send reply @r (owned) and close. */
static void client_send(struct admin_client *c, char *r)
{
	size_t len;

	c->ticket = 0;
	if (!r) {
		client_close(c);
		return;
	}
	len = strlen(r);
	c->out = malloc(len + 1);
	if (!c->out) {
		free(r);
		client_close(c);
		return;
	}
	memcpy(c->out, r, len);
	c->out[len] = '\n';
	c->n_out = len + 1;
	free(r);
	/* the write may take more turns of the loop, but no longer than the idle limit */
	cp_loop_timer_in(c->a->loop, &c->idle, CP_ADMIN_IDLE_MS);
	client_write(c);
}

/* Write what a follower has queued; keep it open. */
static void follower_write(struct admin_client *c)
{
	while (c->off_out < c->n_out) {
		ssize_t n = write(c->fd, c->out + c->off_out, c->n_out - c->off_out);

		if (n < 0 && errno == EAGAIN) {
			cp_loop_fd_mod(c->a->loop, &c->lfd, EPOLLIN | EPOLLOUT);
			return;
		}
		if (n <= 0) {
			client_close(c);
			return;
		}
		c->off_out += (size_t)n;
	}
	c->off_out = c->n_out = 0;
	cp_loop_fd_mod(c->a->loop, &c->lfd, EPOLLIN);
}

/* Queue @line and a newline for follower @c; one too far behind is closed. 0, or -1: closed. */
static int follower_queue(struct admin_client *c, const char *line)
{
	size_t len = strlen(line), need;

	if (c->off_out) {
		memmove(c->out, c->out + c->off_out, c->n_out - c->off_out);
		c->n_out -= c->off_out;
		c->off_out = 0;
	}
	need = c->n_out + len + 1;
	if (need > CP_ADMIN_FOLLOW_MAX) {
		client_close(c);
		return -1;
	}
	if (need > c->cap_out) {
		size_t cap = need < 4096 ? 4096 : need * 2;
		char *o = realloc(c->out, cap);

		if (!o) {
			client_close(c);
			return -1;
		}
		c->out = o;
		c->cap_out = cap;
	}
	memcpy(c->out + c->n_out, line, len);
	c->out[c->n_out + len] = '\n';
	c->n_out = need;
	return 0;
}

static void follow_line(void *arg, const char *line)
{
	struct admin_client *c = arg;

	if (c->follow > 0 && follower_queue(c, line) < 0)
		c->follow = -1; /* closed: the caller stops */
}

/* @c follows from now: the reply @r (owned), the kept lines, then every new one. */
static void follower_start(struct admin_client *c, char *r)
{
	struct cp_admin *a = c->a;

	c->follow = 1;
	cp_loop_timer_cancel(a->loop, &c->idle);
	if (follower_queue(c, r) < 0) {
		free(r);
		return;
	}
	free(r);
	if (a->ops.events)
		a->ops.events(a->ops.ctx, follow_line, c);
	if (c->follow > 0)
		follower_write(c);
}

void cp_admin_publish(struct cp_admin *a, const char *line)
{
	struct admin_client *c, *next;

	if (!a)
		return;
	for (c = a->clients; c; c = next) {
		next = c->next; /* a follower too far behind is freed */
		if (c->follow > 0 && follower_queue(c, line) == 0)
			follower_write(c);
	}
}

static void client_reply(struct admin_client *c, const char *line)
{
	uint64_t ticket;
	char *r = cp_admin_handle(&c->a->ops, line, &ticket);

	if (r && ticket == CP_ADMIN_FOLLOW) {
		follower_start(c, r);
		return;
	}
	if (!r && ticket) {
		/* read no more; the reply comes from cp_admin_settle() or the timer */
		c->ticket = ticket;
		cp_loop_fd_mod(c->a->loop, &c->lfd, 0);
		cp_loop_timer_in(c->a->loop, &c->idle, CP_ADMIN_WAIT_MS);
		return;
	}
	client_send(c, r);
}

void cp_admin_settle(struct cp_admin *a, uint64_t ticket, uint64_t generation, const char *error)
{
	struct admin_client *c, *next;

	if (!a)
		return;
	for (c = a->clients; c; c = next) {
		next = c->next; /* client_send() may free c */
		if (!c->ticket || c->ticket > ticket)
			continue;
		if (error)
			client_send(c, reply_error("%s%s", error, ""));
		else
			client_send(c, reply_dump(json_pack("{s:b,s:I}", "ok", 1, "generation",
							    (json_int_t)generation)));
	}
}

static void on_client(struct cp_loop_fd *f, uint32_t events)
{
	struct admin_client *c = f->ctx;
	char *nl;
	ssize_t n;

	if (c->follow) {
		char sink[256];

		if (events & (EPOLLERR | EPOLLHUP)) {
			client_close(c);
			return;
		}
		if (events & EPOLLIN) {
			n = read(c->fd, sink, sizeof(sink)); /* a follower says nothing more */
			if (n == 0 || (n < 0 && errno != EAGAIN)) {
				client_close(c);
				return;
			}
		}
		if (events & EPOLLOUT)
			follower_write(c);
		return;
	}
	if (c->out) {
		client_write(c);
		return;
	}
	if (c->ticket) {
		/* waiting, no input wanted: only a hang-up wakes us, and nobody is left to tell */
		if (events & (EPOLLERR | EPOLLHUP))
			client_close(c);
		return;
	}
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		client_close(c);
		return;
	}
	n = read(c->fd, c->in + c->n_in, sizeof(c->in) - 1 - c->n_in);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		/* EOF without a newline: serve what came, if anything */
		if (c->n_in) {
			c->in[c->n_in] = '\0';
			client_reply(c, c->in);
		} else {
			client_close(c);
		}
		return;
	}
	if (!c->n_in) /* it spoke: the longer limit for the whole line */
		cp_loop_timer_in(c->a->loop, &c->idle, CP_ADMIN_IDLE_MS);
	c->n_in += (size_t)n;
	c->in[c->n_in] = '\0';
	nl = memchr(c->in, '\n', c->n_in);
	if (nl) {
		*nl = '\0';
		client_reply(c, c->in);
	} else if (memchr(c->in, '\0', c->n_in)) {
		client_send(c, reply_error("request holds a NUL byte%s%s", "", ""));
	} else if (c->n_in == sizeof(c->in) - 1) {
		client_send(c, reply_error("request longer than %s bytes%s", "1023", ""));
	}
}

static void on_idle(struct cp_loop_timer *t)
{
	struct admin_client *c = t->ctx;

	if (c->ticket && !c->out) {
		char ms[16];

		snprintf(ms, sizeof(ms), "%u", CP_ADMIN_WAIT_MS);
		client_send(c, reply_fail("pending",
					  "the change is made but not yet published and "
					  "acknowledged by the dataplane after %s ms%s",
					  ms, " (see sluiced's log)"));
		return;
	}
	client_close(c);
}

/* One client too many: say so (its request, if any, is read and dropped), then close. */
static void refuse_busy(int fd)
{
	char sink[CP_ADMIN_LINE_MAX], max[16];
	char *r;

	snprintf(max, sizeof(max), "%u", CP_ADMIN_MAX_CLIENTS);
	r = reply_fail("busy", "busy: %s clients connected, try again%s", max, "");
	if (r) {
		size_t len = strlen(r);

		r[len] = '\n'; /* replaces the NUL: written as len + 1 bytes, not a string */
		if (write(fd, r, len + 1) < 0) {
			/* nothing more to tell a client that cannot read */
		}
		free(r);
	}
	/* unread input would turn the close into a reset that hides the reply */
	while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
	shutdown(fd, SHUT_WR);
	close(fd);
}

static void on_accept(struct cp_loop_fd *f, uint32_t events)
{
	struct cp_admin *a = f->ctx;

	(void)events;
	for (;;) {
		int fd = accept4(a->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct admin_client *c;

		if (fd < 0)
			return;
		if (a->n_clients >= CP_ADMIN_MAX_CLIENTS) {
			refuse_busy(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->a = a;
		c->fd = fd;
		cp_loop_timer_init(&c->idle, on_idle, c);
		if (cp_loop_fd_add(a->loop, &c->lfd, fd, EPOLLIN, on_client, c) != 0) {
			close(fd);
			free(c);
			continue;
		}
		cp_loop_timer_in(a->loop, &c->idle, CP_ADMIN_SILENT_MS);
		c->next = a->clients;
		a->clients = c;
		a->n_clients++;
	}
}

static int mkdir_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Make room for the socket at @sun: nothing there, or a socket nobody
 * listens on (a sluiced that died), which is removed. Anything else is
 * someone's: refused. 0 or -errno with @why.
 */
static int clear_path(const struct sockaddr_un *sun, char *why, size_t why_len)
{
	const char *path = sun->sun_path;
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		rc = -errno;
		snprintf(why, why_len, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(why, why_len, "%s: %s, not a socket: not replaced", path,
			 cfg_file_kind(st.st_mode));
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(why, why_len, "%s: socket: %s", path, strerror(-rc));
		return rc;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ? 0 : -errno;
	close(fd);
	if (rc == 0 || rc == -EAGAIN || rc == -EINPROGRESS) {
		snprintf(why, why_len, "%s: another process listens on it (another sluiced?)",
			 path);
		return -EADDRINUSE;
	}
	if (rc != -ECONNREFUSED) {
		snprintf(why, why_len, "%s: checking the socket there: %s", path, strerror(-rc));
		return rc;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		rc = -errno;
		snprintf(why, why_len, "%s: removing the stale socket: %s", path, strerror(-rc));
		return rc;
	}
	return 0;
}

struct cp_admin *cp_admin_new(struct cp_loop *l, const char *path, const struct cp_admin_ops *ops,
			      char *why, size_t why_len)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct cp_admin *a = NULL;
	struct stat st;
	mode_t old_mask;
	int rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(why, why_len, "%s: path too long", path);
		errno = ENAMETOOLONG;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(why, why_len, "%s: out of memory", path);
		return NULL;
	}
	a->loop = l;
	a->ops = *ops;
	a->fd = -1;
	snprintf(a->path, sizeof(a->path), "%s", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	rc = mkdir_parent(path);
	if (rc) {
		snprintf(why, why_len, "%s: creating its directory: %s", path, strerror(-rc));
		goto fail;
	}
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		rc = -errno;
		snprintf(why, why_len, "%s: socket: %s", path, strerror(errno));
		goto fail;
	}
	rc = clear_path(&sun, why, why_len);
	if (rc)
		goto fail;
	old_mask = umask(0177); /* the socket file is born 0600 */
	rc = bind(a->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ? 0 : -errno;
	umask(old_mask);
	if (!rc && chmod(path, 0600) != 0)
		rc = -errno;
	if (!rc && lstat(path, &st) == 0) {
		a->dev = st.st_dev;
		a->ino = st.st_ino;
	}
	if (!rc && listen(a->fd, SOMAXCONN) != 0)
		rc = -errno;
	if (!rc)
		rc = cp_loop_fd_add(l, &a->lfd, a->fd, EPOLLIN, on_accept, a);
	if (rc) {
		snprintf(why, why_len, "%s: %s", path, strerror(-rc));
		goto fail;
	}
	return a;
fail:
	if (a->fd >= 0)
		close(a->fd);
	free(a);
	errno = -rc;
	return NULL;
}

void cp_admin_free(struct cp_admin *a)
{
	struct stat st;

	if (!a)
		return;
	while (a->clients)
		client_close(a->clients);
	cp_loop_fd_del(a->loop, &a->lfd);
	close(a->fd);
	/* a successor may have replaced a stale-looking file: unlink only ours */
	if (lstat(a->path, &st) == 0 && st.st_dev == a->dev && st.st_ino == a->ino)
		unlink(a->path);
	free(a);
}
