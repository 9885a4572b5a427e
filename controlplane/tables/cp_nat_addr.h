/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The full-NAT source addresses on the dataplane ports' interfaces
 * (rtnetlink). A source must lie on the subnet of a port's interface (one
 * of the interface's own addresses with a shorter prefix) and must not be
 * an address the kernel already has, on any interface, unless sluiced put
 * it there: the kernel would take the replies for its own connections.
 * sluiced adds each source to its port's interface (IPv4 /32, IPv6 /128
 * without DAD and deprecated, so the kernel never picks it as the source
 * of its own traffic) so the kernel answers ARP and neighbour
 * solicitations for it, and removes what it added once the address leaves
 * the config and at exit. What it adds carries IFA_PROTO CP_NAT_ADDR_PROTO:
 * a sluiced started after a kill -9 knows its own addresses by that mark,
 * neither refusing them nor leaking them; an address without it is never
 * removed.
 *
 * A config is checked into a staged set (source -> port); committing it
 * makes it the running set, discarding it goes back. The kernel holds the
 * running set's addresses, plus the staged one's while a reload is built.
 */
#ifndef CP_NAT_ADDR_H
#define CP_NAT_ADDR_H

#include <stddef.h>
#include <stdint.h>

#include "cfg_types.h"

#define CP_NAT_ADDR_PROTO 0x5c /* IFA_PROTO of the addresses sluiced adds (0-3: the kernel's) */

struct cp_nat_addr;

/* The rtnetlink socket; NULL with errno. */
struct cp_nat_addr *cp_nat_addr_new(void);
/* Close it; the addresses stay (cp_nat_addr_clear() removes them). */
void cp_nat_addr_free(struct cp_nat_addr *na);

/*
 * Check every NAT source of @cfg (nat.sources, each nat VIP's own) against
 * the kernel's addresses now, and stage the port of each. 0; -EINVAL with
 * @why "FILE:LINE: KEY: TEXT" for the first source refused (nothing staged,
 * the kernel untouched); another negative errno when netlink failed.
 */
int cp_nat_addr_check(struct cp_nat_addr *na, const struct cfg *cfg, char *why, size_t why_len);

/* Add the staged sources too, while the running ones stay (a reload being built). */
int cp_nat_addr_stage(struct cp_nat_addr *na);

/*
 * The staged set becomes the running one: the kernel holds exactly its
 * addresses among the marked ones (missing ones added, the others
 * removed). 0 or the first negative errno, each failure logged.
 */
int cp_nat_addr_commit(struct cp_nat_addr *na);

/* The staged set is dropped: the kernel holds the running set's addresses again. */
int cp_nat_addr_discard(struct cp_nat_addr *na);

/* Remove every marked address from every interface (exit). */
int cp_nat_addr_clear(struct cp_nat_addr *na);

/*
 * cp_nat_port_fn over a struct cp_nat_addr: the port of @addr in the staged
 * set while there is one, else in the running one. 0, or -ENOENT.
 */
int cp_nat_addr_port(void *na, const struct sl_addr *addr, uint16_t *tx_port);

#endif /* CP_NAT_ADDR_H */
