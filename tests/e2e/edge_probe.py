#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send one TCP SYN the kernel cannot shape itself and wait for the SYN-ACK.

    edge_probe.py ext N SRC DST PORT     IPv6 SYN behind N destination-options headers
    edge_probe.py atomic SRC DST PORT    IPv6 SYN in an atomic fragment (offset 0, M 0)

Exit 0 when the instance answered SYN-ACK within 3 s (then an RST closes it),
1 otherwise. Run in the client namespace with Debian's /usr/bin/python3.
"""
import random
import sys
import threading

from scapy.all import AsyncSniffer, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, TCP, conf, send


def main():
    conf.verb = 0
    kind = sys.argv[1]
    if kind == "ext":
        n, src, dst, port = int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
        ext = None
        for _ in range(n):
            ext = IPv6ExtHdrDestOpt() if ext is None else ext / IPv6ExtHdrDestOpt()
        head = IPv6(src=src, dst=dst) / ext
    elif kind == "atomic":
        src, dst, port = sys.argv[2], sys.argv[3], int(sys.argv[4])
        head = IPv6(src=src, dst=dst) / IPv6ExtHdrFragment(offset=0, m=0, id=0x5a5a)
    else:
        sys.exit(__doc__)
    sport = random.randint(20000, 60000)
    # sniffed rather than matched by sr1(): scapy does not pair a request
    # behind extension headers with its answer
    ready = threading.Event()
    sniffer = AsyncSniffer(filter="ip6 and tcp src port %d and tcp dst port %d" % (port, sport),
                           count=1, timeout=3, started_callback=ready.set)
    sniffer.start()
    ready.wait(2)
    send(head / TCP(sport=sport, dport=port, flags="S", seq=1000))
    sniffer.join()
    got = sniffer.results or []
    ans = got[0] if got else None
    ok = ans is not None and TCP in ans and (ans[TCP].flags & 0x12) == 0x12
    if ok:
        send(IPv6(src=src, dst=dst) / TCP(sport=sport, dport=port, flags="R", seq=1001))
    print("%s: %s" % (kind, ans.summary() if ans is not None else "no answer"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
