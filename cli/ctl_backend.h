/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `sluicectl backend ...`: install, remove and inspect sluice_decap (tc
 * ingress) on a backend's interface, for backends whose kernel has no
 * ipip/fou. The program is embedded (skeleton), so no file path is needed.
 *
 *   sluicectl backend attach IFACE [--gue-port N] [--local ADDR]...
 *   sluicectl backend detach IFACE
 *   sluicectl backend stats IFACE
 */
#ifndef CTL_BACKEND_H
#define CTL_BACKEND_H

#define CTL_BACKEND_TC_HANDLE 0x51ce /* tc filter handle of sluice_decap */
#define CTL_BACKEND_TC_PRIO 1	     /* tc filter priority: before anything else */

/*
 * @argv[0] is "backend" (or anything), @argv[1] the verb. Prints results on
 * stdout and errors on stderr. Returns the exit status: 0 done, 1 failed,
 * 2 usage error.
 */
int ctl_backend_main(int argc, char **argv);

#endif /* CTL_BACKEND_H */
