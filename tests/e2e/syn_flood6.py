"""IPv6 SYN flood for the SYN-proxy test (hping3 has no IPv6): bare SYNs to
DST:PORT from each of the given lab source addresses in turn, source ports
counting up, at about RATE packets a second for SECONDS, through the
gateway's MAC on IFACE. Prints the number of packets sent.

    syn_flood6.py IFACE GW_MAC DST PORT RATE SECONDS SRC [SRC ...]
"""
import socket
import sys
import time

from scapy.all import IPv6, TCP, Ether, get_if_hwaddr  # noqa: E402


def main():
    iface, gw, dst, port, rate, secs = sys.argv[1:7]
    srcs = sys.argv[7:]
    port, rate, secs = int(port), int(rate), float(secs)
    mac = get_if_hwaddr(iface)
    frames = [bytes(Ether(src=mac, dst=gw) / IPv6(src=s, dst=dst) /
                    TCP(sport=10000 + i, dport=port, flags="S", seq=i * 7919))
              for i in range(1000) for s in srcs]
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    sent, t0, batch = 0, time.monotonic(), 50
    end = t0 + secs
    while time.monotonic() < end:
        for f in frames[sent % len(frames):][:batch]:
            sock.send(f)
            sent += 1
        ahead = sent / rate - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
    print(sent)


if __name__ == "__main__":
    main()
