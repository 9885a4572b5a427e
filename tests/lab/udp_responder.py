#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""UDP responder for a lab backend: answers every datagram with the instance
name and a newline, from the address the datagram was sent to (one socket per
address, so a reply to a VIP leaves from the VIP, as the client expects).

    udp_responder.py --name be1 --port 53 198.18.100.3 2001:2:0:100::1 ...
"""
import argparse
import selectors
import signal
import socket
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--name", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("addresses", nargs="+")
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sel = selectors.DefaultSelector()
    for a in args.addresses:
        fam = socket.AF_INET6 if ":" in a else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a, args.port))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    reply = (args.name + "\n").encode()
    print(f"udp_responder {args.name}: port {args.port} on {' '.join(args.addresses)}",
          flush=True)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            try:
                while True:
                    _, peer = s.recvfrom(65535)
                    s.sendto(reply, peer)
            except BlockingIOError:
                pass


if __name__ == "__main__":
    main()
