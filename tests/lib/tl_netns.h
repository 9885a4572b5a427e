/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A network namespace of this process's own, for the kernel suite's tests
 * of BPF programs and sockets: lo up and, when asked, a veth pair with both
 * ends up. The namespace goes with the process, so nothing needs removing.
 */
#ifndef TL_NETNS_H
#define TL_NETNS_H

struct sluice_xdp;

/* Set interface @ifname up in the current namespace: 0 or -errno. */
int tl_netns_if_up(const char *ifname);

/*
 * Move this process into a new network namespace with lo up, and veth pair
 * @veth/@peer (both up) unless @veth is NULL, @veth holding address @cidr
 * unless that is NULL. 0, or -1 with the step that failed on stderr.
 */
int tl_netns_enter(const char *veth, const char *peer, const char *cidr);

/* tl_netns_enter() without an address, then sluice_xdp loaded (not attached); NULL, why on stderr.
 */
struct sluice_xdp *tl_netns_enter_xdp(const char *veth, const char *peer);

#endif /* TL_NETNS_H */
