/* SPDX-License-Identifier: BSD-3-Clause */
/* sluicectl's `xdp IFACE [--json]`: the steering program's counters. */
#ifndef CTL_XDP_H
#define CTL_XDP_H

/* @argv[0] is "xdp". Exit status: 0, 1 (no program, no interface), 2 (usage). */
int ctl_xdp_main(int argc, char **argv);

#endif /* CTL_XDP_H */
