/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `file` discovery provider: a JSON file of pools and instances written
 * by an orchestrator, watched with inotify on its directory and reported
 * through a cp_disc_sink (source CP_DISC_FILE).
 *
 * Format (docs/discovery.md):
 *   {"pools": {"login": [{"address": "198.18.1.11", "port": 80,
 *                          "weight": 1, "name": "be1"}, ...],
 *              "profile": [...]}}
 * - "address" (string, IPv4 or IPv6) is required; "port" (integer 0..65535)
 *   defaults to 0 (the VIP's port), "weight" (integer 0..65535) to 1,
 *   "name" (string, at most SL_NAME_LEN - 1 bytes) to "" (the model names
 *   it address:port). Any other key in an entry is refused (typos must not
 *   pass silently); keys beside "pools" at the top level are ignored
 *   (room for orchestrator metadata). Duplicate JSON keys are refused.
 * - Two entries of one pool with the same address and port are refused.
 *
 * Behaviour:
 * - Writers either rename a complete file into place (IN_MOVED_TO) or write
 *   it in place and close it (IN_CLOSE_WRITE). Events are debounced
 *   (CP_DISC_FILE_DEBOUNCE_MS after the first event of a burst).
 * - Each change is parsed and validated completely. A good file reports
 *   update() for every pool it lists and update(n = 0) for every pool the
 *   previous good file listed and this one does not. A bad file (syntax
 *   error, bad entry), a missing file (not there yet, or deleted) or an
 *   unreadable one reports error(src, "", what) once and NOTHING else: the
 *   last good set stays. @what names the path and, for a syntax error,
 *   "line L column C", for a bad entry the pool and 0-based entry index.
 * - The provider reports every pool of the file; the sink ignores pools
 *   that did not opt in to this source.
 */
#ifndef CP_DISC_FILE_H
#define CP_DISC_FILE_H

#include "cp_disc.h"

struct cp_loop;
struct cp_disc_file;

#define CP_DISC_FILE_DEBOUNCE_MS 50	   /* ms from the first event to the read */
#define CP_DISC_FILE_MAX_BYTES (16u << 20) /* a bigger file is refused */

/*
 * Watch @path (its directory must exist) and load it once before returning:
 * the sink sees the initial update()s, or an error() if the file is missing
 * or bad, from inside this call. @sink is copied. NULL + errno (ENOENT: no
 * such directory, ENAMETOOLONG, EMFILE...).
 */
struct cp_disc_file *cp_disc_file_new(struct cp_loop *l, const char *path,
				      const struct cp_disc_sink *sink);
/* Stop watching; reports nothing. NULL is fine. */
void cp_disc_file_free(struct cp_disc_file *f);

/*
 * Read and apply the file now (e.g. on SIGHUP), like an inotify event does.
 * 0 when the file was good and applied, or -errno (-ENOENT, -EINVAL for a
 * bad file: already reported through error()).
 */
int cp_disc_file_reload(struct cp_disc_file *f);

/* Loads attempted / good / refused since start (tests, stats). */
struct cp_disc_file_stats {
	uint64_t loads;
	uint64_t good;
	uint64_t bad;
};
void cp_disc_file_get_stats(const struct cp_disc_file *f, struct cp_disc_file_stats *s);

#endif /* CP_DISC_FILE_H */
