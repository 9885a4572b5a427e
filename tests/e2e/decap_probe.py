#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send one encapsulated probe (ping or TCP SYN) to a VIP behind a backend
running sluice_decap and wait for the plain reply from the VIP.

Exit 0 and print "reply from VIP: KIND" when the backend answered from the
VIP (echo reply, or SYN-ACK from the VIP port); exit 1 and print
"no reply" otherwise. Run it with Debian's /usr/bin/python3 (scapy)."""
import argparse
import sys

from scapy.all import (ICMP, IP, TCP, UDP, Ether, ICMPv6EchoReply,
                       ICMPv6EchoRequest, IPv6, conf, sendp, sniff)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--iface", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--encap", required=True, choices=["ipip", "ip6ip6", "ip6ip", "gue4", "gue6"],
                    help="label; the outer/inner families come from the addresses")
    ap.add_argument("--outer-src", required=True)
    ap.add_argument("--outer-dst", required=True)
    ap.add_argument("--inner-src", required=True)
    ap.add_argument("--vip", required=True)
    ap.add_argument("--probe", choices=["ping", "syn"], default="ping")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--gue-port", type=int, default=6080)
    ap.add_argument("--timeout", type=float, default=3.0)
    a = ap.parse_args()
    conf.verb = 0

    v6_inner = ":" in a.vip
    if v6_inner:
        inner = IPv6(src=a.inner_src, dst=a.vip)
        l4 = ICMPv6EchoRequest(id=0x51ce, seq=1) if a.probe == "ping" else \
            TCP(sport=40123, dport=a.port, flags="S", seq=1000)
    else:
        inner = IP(src=a.inner_src, dst=a.vip)
        l4 = ICMP(id=0x51ce, seq=1) if a.probe == "ping" else \
            TCP(sport=40123, dport=a.port, flags="S", seq=1000)
    inner = inner / l4
    if ":" in a.outer_dst:
        outer = IPv6(src=a.outer_src, dst=a.outer_dst)
        outer.nh = 4 if not v6_inner else 41
    else:
        outer = IP(src=a.outer_src, dst=a.outer_dst)
        outer.proto = 41 if v6_inner else 4
    if a.encap.startswith("gue"):
        outer = (IPv6 if ":" in a.outer_dst else IP)(src=a.outer_src, dst=a.outer_dst) / \
            UDP(sport=51000, dport=a.gue_port)
    frame = Ether(dst=a.dst_mac) / outer / inner

    def answer(p):
        ip = p.getlayer(IPv6 if v6_inner else IP)
        if ip is None or ip.src != a.vip or ip.dst != a.inner_src:
            return False
        if a.probe == "ping":
            return p.haslayer(ICMPv6EchoReply) if v6_inner else \
                (p.haslayer(ICMP) and p[ICMP].type == 0)
        return p.haslayer(TCP) and p[TCP].sport == a.port and p[TCP].flags & 0x12 == 0x12

    got = sniff(iface=a.iface, timeout=a.timeout, lfilter=answer, count=1,
                started_callback=lambda: sendp(frame, iface=a.iface))
    if got:
        kind = "echo-reply" if a.probe == "ping" else "syn-ack"
        print(f"reply from {a.vip}: {kind}")
        return 0
    print(f"no reply from {a.vip} ({a.encap} {a.probe})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
