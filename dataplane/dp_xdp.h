/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which XDP steering program the af_xdp ports load (the PMD's xdp_prog=
 * devarg): dataplane.xdp_prog from the config, else the object embedded in
 * bpf/sluice_xdp.skel.h, written to /run/sluice/<instance>-xdp.o.
 */
#ifndef DP_XDP_H
#define DP_XDP_H

#include <stddef.h>

#define DP_XDP_RUN_DIR "/run/sluice"
#define DP_XDP_OBJ_FMT DP_XDP_RUN_DIR "/%s-xdp.o"

/*
 * Fill @path (@len bytes) with the program object to pass as xdp_prog=:
 * @configured when not empty (it must be readable), else the built-in object
 * written to DP_XDP_OBJ_FMT for @instance (mode 0600, replaced atomically).
 * Returns 0, -ENOENT when this build has no built-in object and nothing is
 * configured (@path is then ""), or a negative errno naming the failing file
 * in the log.
 */
int dp_xdp_prog_path(const char *configured, const char *instance, char *path, size_t len);

/* Remove the object dp_xdp_prog_path() wrote for @instance, if any. */
void dp_xdp_prog_cleanup(const char *instance);

#endif /* DP_XDP_H */
