/* SPDX-License-Identifier: BSD-3-Clause */
/* Loading the libconfig file with SLUICE_* environment overrides. */
#ifndef CFG_H
#define CFG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cfg_types.h"

/*
 * Parse and validate @path into @cfg, applying overrides from @envp (an
 * environ-style array; NULL: the process environment). Pure: no I/O besides
 * reading the file. Returns 0, or a negative errno with @err filled
 * (-ENOENT/-EACCES file, -EINVAL syntax or value). On error @cfg holds
 * nothing that needs freeing.
 */
int cfg_load(const char *path, char *const *envp, struct cfg *cfg, struct cfg_error *err);

/* Release what cfg_load() allocated; @cfg may be zeroed. */
void cfg_free(struct cfg *cfg);

/* "FILE:LINE: KEY: TEXT" into @buf; returns @buf. */
const char *cfg_strerror(const struct cfg_error *err, char *buf, size_t len);

/* Shared-memory geometry the config asks for (max_ports: always SL_MAX_PORTS_LIMIT). */
struct sl_shm_geometry;
void cfg_geometry(const struct cfg *cfg, struct sl_shm_geometry *g);

/*
 * The config's rules for a backend, for every source of instances (the
 * static list, and what discovery reports: cp_model.c applies them):
 * cfg_addr_why(): NULL, or why @a (@af: enum sl_af) cannot be an
 * instance (not unicast: 0.0.0.0, broadcast, multicast, ::; IPv4-mapped
 * IPv6, which must be written as IPv4). cfg_backend_name_ok(): 1 if
 * @name is 1-31 of [A-Za-z0-9_.:[]-]. cfg_instance_why(): all of
 * them plus the pool's family (@pool_af, 0: no VIP yet) and weight
 * 0..65535 (@name "" or NULL: the default name, always good); NULL, or the
 * reason (in @buf or static).
 */
struct sl_addr;
const char *cfg_addr_why(const struct sl_addr *a, uint8_t af);
int cfg_backend_name_ok(const char *name);
const char *cfg_instance_why(const struct sl_addr *a, uint8_t af, uint32_t weight, const char *name,
			     uint8_t pool_af, char *buf, size_t len);

/* 1 if VIP @v sends requests to pool @pool_index: its pool or one of its HTTP routes' pools. */
int cfg_vip_uses_pool(const struct cfg_vip *v, uint32_t pool_index);

/*
 * Read @path whole into *@buf (NUL-terminated, caller frees), *@len bytes,
 * without ever blocking: opened O_NONBLOCK and fstat'ed first, it must be
 * a regular file of at most @max bytes. 0, or a negative errno (-EINVAL: not
 * a regular file, -EFBIG: too big) with @why saying why in a few words
 * ("No such file or directory", "a FIFO, not a regular file").
 */
int cfg_read_file(const char *path, size_t max, char **buf, size_t *len, char *why, size_t wl);

/* "a directory", "a FIFO", "a socket", ... for an error about a path of mode @m. */
const char *cfg_file_kind(mode_t m);

#endif /* CFG_H */
