/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced's admin socket (controlplane.admin_socket): a unix stream socket,
 * mode 0600, served on the event loop. One request line per connection,
 * one JSON reply line, then the server closes the connection:
 *   drain POOL INSTANCE    {"ok":true,"generation":N} once generation N,
 *   undrain POOL INSTANCE  which carries the change, is acknowledged by the
 *                          dataplane (see cp_admin_settle())
 *   health [CURSOR]        {"ok":true,"pools":[...],"next":"CURSOR"}: one
 *                          page of instances; "next" while more follow
 *   reload                 {"ok":true} once the reload was started
 *   events                 {"ok":true,"events":[...]}: the event stream's
 *                          last lines (docs/events.md), oldest first
 *   events follow          {"ok":true,"follow":true}, then those lines and
 *                          every new one, one per line, until the client
 *                          closes (one that falls CP_ADMIN_FOLLOW_MAX
 *                          bytes behind is closed)
 * A request it cannot serve gets {"ok":false,"error":"..."} naming what was
 * wrong (unknown command, missing argument, no such pool or instance, not
 * UTF-8); a change not acknowledged in time gets {"ok":false,"pending":true,
 * "error":"..."}; a client beyond CP_ADMIN_MAX_CLIENTS gets
 * {"ok":false,"busy":true,"error":"..."} and the connection is closed.
 */
#ifndef CP_ADMIN_H
#define CP_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct cp_loop;
struct cp_admin;

#define CP_ADMIN_LINE_MAX 1024	       /* bytes of a request line, newline included */
#define CP_ADMIN_MAX_CLIENTS 64	       /* connections at once; more get "busy" */
#define CP_ADMIN_IDLE_MS 5000	       /* ms: a client must send its whole line within this */
#define CP_ADMIN_SILENT_MS 1000	       /* ms: ... and its first byte within this */
#define CP_ADMIN_WAIT_MS 4000	       /* ms: the longest a change waits to be acknowledged */
#define CP_ADMIN_WAIT 1		       /* drain's return: the reply comes from cp_admin_settle() */
#define CP_ADMIN_FOLLOW_MAX (1u << 20) /* bytes a follower may be behind before it is closed */
#define CP_ADMIN_FOLLOW UINT64_MAX     /* cp_admin_handle()'s ticket: the client follows */

struct cp_admin_ops {
	/*
	 * 0 (reply ok now), -errno with @why filled (becomes "error"), or
	 * CP_ADMIN_WAIT with *@ticket set: the client waits for
	 * cp_admin_settle() of a ticket >= it.
	 */
	int (*drain)(void *ctx, const char *pool, const char *instance, int drain, char *why,
		     size_t why_len, uint64_t *ticket);
	/*
	 * One page from @cursor ("" for the first): an object with "pools" and,
	 * while more follow, "next" (new reference); NULL with @why filled.
	 */
	json_t *(*health)(void *ctx, const char *cursor, char *why, size_t why_len);
	int (*reload)(void *ctx, char *why, size_t why_len);
	/* The event stream's kept lines, oldest first, each to @each (NULL op: none). */
	void (*events)(void *ctx, void (*each)(void *arg, const char *line), void *arg);
	void *ctx;
};

/*
 * Listen on @path (its directory is created, mode 0755). A stale socket
 * file there (nothing answers a connect) is replaced; anything else is
 * refused: a path that is not a socket (EEXIST), a socket another process
 * listens on (EADDRINUSE). NULL + errno, with @why naming the path and reason.
 */
struct cp_admin *cp_admin_new(struct cp_loop *l, const char *path, const struct cp_admin_ops *ops,
			      char *why, size_t why_len);
/* Close every connection and the listener, unlink the socket file (if still ours). */
void cp_admin_free(struct cp_admin *a);

/*
 * The change of every waiting client whose ticket is <= @ticket is settled:
 * @error NULL: {"ok":true,"generation":@generation}, else {"ok":false,
 * "error":@error}. NULL @a is fine.
 */
void cp_admin_settle(struct cp_admin *a, uint64_t ticket, uint64_t generation, const char *error);

/* A line of the event stream (no newline) for every follower. NULL @a is fine. */
void cp_admin_publish(struct cp_admin *a, const char *line);

/*
 * Serve one request line (no newline) into a reply line (no newline),
 * exactly what a client gets. Returns the reply (caller frees), or NULL with
 * *@ticket set when the reply waits for cp_admin_settle(); a reply with
 * *@ticket CP_ADMIN_FOLLOW keeps the connection for the event stream.
 */
char *cp_admin_handle(const struct cp_admin_ops *ops, const char *line, uint64_t *ticket);

#endif /* CP_ADMIN_H */
