#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Exact-bytes fixtures of the SYN proxy's segments, for dp_synproxy_test.c.

Every frame is built by scapy (its own checksums) and every cookie by the
SipHash-2-4 and cookie encoding below, written from the SipHash paper and
dp_cookie.h's formula, not from the C code. Run it to regenerate
synproxy_fixtures.h:

    dataplane/testdata/gen_synproxy.py > dataplane/testdata/synproxy_fixtures.h
"""
import struct
import sys

from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop
from scapy.layers.l2 import Dot1Q, Ether

M64 = (1 << 64) - 1

KEY = [(0x0706050403020100, 0x0F0E0D0C0B0A0908), (0x1716151413121110, 0x1F1E1D1C1B1A1918)]
MINUTE = 42
TSVAL = 0x01020304  # the appliance's clock in its SYN-ACK
MSS = 1400  # the MSS the appliance offers
MSS_TABLE = [536, 1220, 1300, 1360, 1400, 1440, 1452, 1460]

CLIENT_MAC, PORT_MAC = "02:00:00:00:00:c1", "02:00:00:00:00:a0"
BACKEND_MAC, PORT1_MAC = "02:00:00:00:01:02", "02:00:00:00:00:a1"


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M64


def siphash24(k0, k1, msg):
    v0, v1 = 0x736F6D6570736575 ^ k0, 0x646F72616E646F6D ^ k1
    v2, v3 = 0x6C7967656E657261 ^ k0, 0x7465646279746573 ^ k1

    def rounds(n):
        nonlocal v0, v1, v2, v3
        for _ in range(n):
            v0 = (v0 + v1) & M64
            v1 = rotl(v1, 13) ^ v0
            v0 = rotl(v0, 32)
            v2 = (v2 + v3) & M64
            v3 = rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & M64
            v3 = rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & M64
            v1 = rotl(v1, 17) ^ v2
            v2 = rotl(v2, 32)

    tail = len(msg) % 8
    for i in range(0, len(msg) - tail, 8):
        m = int.from_bytes(msg[i : i + 8], "little")
        v3 ^= m
        rounds(2)
        v0 ^= m
    b = (len(msg) & 0xFF) << 56 | int.from_bytes(msg[len(msg) - tail :], "little")
    v3 ^= b
    rounds(2)
    v0 ^= b
    v2 ^= 0xFF
    rounds(4)
    return v0 ^ v1 ^ v2 ^ v3


def addr16(a):
    """An address as struct sl_addr holds it: IPv4 mapped into ::ffff:0:0/96."""
    import ipaddress

    ip = ipaddress.ip_address(a)
    if ip.version == 4:
        return b"\0" * 10 + b"\xff\xff" + ip.packed
    return ip.packed


def cookie(key, src, dst, sport, dport, isn, t, mss, ws, sack, ts):
    def h(which, v):
        msg = addr16(src) + addr16(dst) + struct.pack(">HH", sport, dport)
        msg += struct.pack("<I", v) + bytes([which])
        return siphash24(key[0], key[1], msg) & 0xFFFFFFFF

    idx = max(i for i, m in enumerate(MSS_TABLE) if m <= max(mss, MSS_TABLE[0]))
    data = idx | (ws & 0xF) << 3 | sack << 7 | ts << 8
    return (h(1, isn) + (t << 24) + ((h(2, t) + data) & 0xFFFFFF)) & 0xFFFFFFFF


def syn_opts(mss, sack, ts, ws):
    """MSS, SACK-permitted, timestamps, window scale: the order both ends use."""
    o = [("MSS", mss)]
    if ts:
        o += [("SAckOK", b"")] if sack else [("NOP", None), ("NOP", None)]
        o += [("Timestamp", ts)]
    elif sack:
        o += [("NOP", None), ("NOP", None), ("SAckOK", b"")]
    if ws is not None:
        o += [("NOP", None), ("WScale", ws)]
    return o


def ip4(src, dst, ttl=64, tos=0, **kw):
    return IP(src=src, dst=dst, ttl=ttl, tos=tos, id=0, flags="DF", **kw)


def ip6(src, dst, hlim=64, tc=0):
    return IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=0)


OUT = []


def emit(name, pkt, comment):
    b = bytes(pkt)
    OUT.append(f"/* {comment} */")
    OUT.append(f"static const uint8_t {name}[{len(b)}] = {{")
    for i in range(0, len(b), 12):
        OUT.append("\t" + " ".join(f"0x{x:02x}," for x in b[i : i + 12]))
    OUT.append("};")
    OUT.append("")


def define(name, value):
    OUT.append(f"#define {name} {value}")


C4, V4, B4, S4 = "198.18.0.10", "198.18.100.1", "198.18.1.20", "198.18.1.1"
C6, V6, B6, S6 = "2001:2::10", "2001:2:0:100::1", "2001:2:0:1::20", "2001:2:0:1::1"

# 1. IPv4 SYN as Linux sends it: MSS, SACK, TS, WS 7
isn4, ts4 = 0x11111111, 0x0A0B0C0D
syn4 = Ether(src=CLIENT_MAC, dst=PORT_MAC) / ip4(C4, V4, ttl=63) / TCP(
    sport=40000, dport=80, seq=isn4, flags="S", window=64240,
    options=syn_opts(1460, 1, (ts4, 0), 7))
ck4 = cookie(KEY[0], C4, V4, 40000, 80, isn4, MINUTE, 1460, 7, 1, 1)
synack4 = Ether(src=PORT_MAC, dst=CLIENT_MAC) / ip4(V4, C4) / TCP(
    sport=80, dport=40000, seq=ck4, ack=isn4 + 1, flags="SA", window=65535,
    options=syn_opts(MSS, 1, (TSVAL, ts4), 7))
emit("syn4", syn4, "client SYN, IPv4: MSS 1460, SACK, timestamps, window scale 7")
emit("synack4", synack4, "its SYN-ACK: the cookie under key 0 at MINUTE, MSS, SACK, TS, WS 7")
define("SYN4_COOKIE", f"0x{ck4:08x}u")

# 2. IPv4 SYN without options, IP options and 8 bytes of data: none of it answered
isn4b = 0x22222222
syn4b = Ether(src=CLIENT_MAC, dst=PORT_MAC) / ip4(C4, V4, options=b"\x01\x01\x01\x00") / TCP(
    sport=40001, dport=80, seq=isn4b, flags="S", window=1024) / (b"x" * 8)
ck4b = cookie(KEY[0], C4, V4, 40001, 80, isn4b, MINUTE, 536, 15, 0, 0)
synack4b = Ether(src=PORT_MAC, dst=CLIENT_MAC) / ip4(V4, C4) / TCP(
    sport=80, dport=40001, seq=ck4b, ack=isn4b + 1, flags="SA", window=65535,
    options=syn_opts(MSS, 0, None, None))
emit("syn4_bare", syn4b, "client SYN, IPv4 options, no TCP options, 8 bytes of data")
emit("synack4_bare", synack4b, "its SYN-ACK: MSS only, data not acknowledged")

# 3. IPv6 SYN in a VLAN, hop-by-hop header, SACK without timestamps, WS 2
isn6 = 0x33333333
syn6 = Ether(src=CLIENT_MAC, dst=PORT_MAC) / Dot1Q(vlan=100) / ip6(C6, V6, hlim=60) / \
    IPv6ExtHdrHopByHop() / TCP(sport=40002, dport=443, seq=isn6, flags="S", window=65000,
                               options=syn_opts(1440, 1, None, 2))
ck6 = cookie(KEY[0], C6, V6, 40002, 443, isn6, MINUTE, 1440, 2, 1, 0)
synack6 = Ether(src=PORT_MAC, dst=CLIENT_MAC) / Dot1Q(vlan=100) / ip6(V6, C6) / TCP(
    sport=443, dport=40002, seq=ck6, ack=isn6 + 1, flags="SA", window=65535,
    options=syn_opts(MSS, 1, None, 7))
emit("syn6", syn6, "client SYN, IPv6 in VLAN 100, hop-by-hop header, SACK, WS 2")
emit("synack6", synack6, "its SYN-ACK: plain IPv6 header, tag kept, SACK, WS 7")
define("SYN6_COOKIE", f"0x{ck6:08x}u")

# 4. the cookie ACK of 1, and the SYN it stands for
tsecr = TSVAL
ack4 = Ether(src=CLIENT_MAC, dst=PORT_MAC) / ip4(C4, V4, ttl=63, tos=0x10) / TCP(
    sport=40000, dport=80, seq=isn4 + 1, ack=ck4 + 1, flags="A", window=502,
    options=[("NOP", None), ("NOP", None), ("Timestamp", (ts4 + 1, tsecr))])
csyn4 = Ether(src=CLIENT_MAC, dst=PORT_MAC) / ip4(C4, V4, ttl=63, tos=0x10) / TCP(
    sport=40000, dport=80, seq=isn4, flags="S", window=502 << 7,
    options=syn_opts(1460, 1, (ts4 + 1, 0), 7))
emit("ack4", ack4, "the client's cookie ACK of syn4 (TSval + 1, TSecr the appliance's)")
emit("csyn4", csyn4, "the SYN it stands for: ISN, window 502 << 7, the cookie's options")

# 5. the cookie ACK of 3 and its SYN (no timestamps: window scale 2)
ack6 = Ether(src=CLIENT_MAC, dst=PORT_MAC) / Dot1Q(vlan=100) / ip6(C6, V6, hlim=60) / TCP(
    sport=40002, dport=443, seq=isn6 + 1, ack=ck6 + 1, flags="A", window=30000)
csyn6 = Ether(src=CLIENT_MAC, dst=PORT_MAC) / Dot1Q(vlan=100) / ip6(C6, V6, hlim=60) / TCP(
    sport=40002, dport=443, seq=isn6, flags="S", window=65535,
    options=syn_opts(1440, 1, None, 2))
emit("ack6", ack6, "the cookie ACK of syn6")
emit("csyn6", csyn6, "its SYN: window 30000 << 2 capped at 65535, MSS 1440, SACK, WS 2")

# 6. an ACK whose cookie was made under key 1 (the previous key once key 0 is current)
isn4c = 0x44444444
ck4c = cookie(KEY[1], C4, V4, 40003, 80, isn4c, MINUTE - 1, 1300, 15, 0, 0)
ack4_prev = Ether(src=CLIENT_MAC, dst=PORT_MAC) / ip4(C4, V4) / TCP(
    sport=40003, dport=80, seq=isn4c + 1, ack=ck4c + 1, flags="A", window=1000)
emit("ack4_prev", ack4_prev, "a cookie ACK under key 1 made a minute before MINUTE, MSS 1300")

# 7. the backend's SYN-ACK to csyn4 after full NAT (B:8080 -> S:41000), and the client's ACK
bisn = 0xDEADBEEF
bts = 0x55667788
bsynack4 = Ether(src=BACKEND_MAC, dst=PORT1_MAC) / ip4(B4, S4, ttl=64) / TCP(
    sport=8080, dport=41000, seq=bisn, ack=isn4 + 1, flags="SA", window=65160,
    options=syn_opts(1460, 1, (bts, ts4 + 1), 7))
delta = (ck4 - bisn) & 0xFFFFFFFF
ts_off = (bts - tsecr) & 0xFFFFFFFF
wupd4 = Ether(src=BACKEND_MAC, dst=PORT1_MAC) / ip4(B4, S4, ttl=64) / TCP(
    sport=8080, dport=41000, seq=(bisn + 1 + delta) & 0xFFFFFFFF, ack=isn4 + 1, flags="A",
    window=65160 >> 7,
    options=[("NOP", None), ("NOP", None), ("Timestamp", ((bts - ts_off) & 0xFFFFFFFF, ts4 + 1))])
emit("bsynack4", bsynack4, "the backend's SYN-ACK: its ISN, window 65160, TS, WS 7")
emit("wupd4", wupd4, "the window update for the client: seq cookie + 1, 65160 >> 7, TS only")
define("BSYNACK4_DELTA", f"0x{delta:08x}u")
define("BSYNACK4_TS_OFF", f"0x{ts_off:08x}u")

# 8. the backend's SYN-ACK to csyn6 without window scaling: nothing is scaled on its half
bsynack6 = Ether(src=BACKEND_MAC, dst=PORT1_MAC) / ip6(B6, S6) / TCP(
    sport=8443, dport=41001, seq=0x01000000, ack=isn6 + 1, flags="SA", window=28800,
    options=[("MSS", 1440), ("NOP", None), ("NOP", None), ("SAckOK", b"")])
delta6 = (ck6 - 0x01000000) & 0xFFFFFFFF
wupd6 = Ether(src=BACKEND_MAC, dst=PORT1_MAC) / ip6(B6, S6) / TCP(
    sport=8443, dport=41001, seq=(0x01000001 + delta6) & 0xFFFFFFFF, ack=isn6 + 1, flags="A",
    window=28800 >> 7)
emit("bsynack6", bsynack6, "a backend SYN-ACK without window scale or timestamps")
emit("wupd6", wupd6, "its window update: 28800 in the client's scale 7, no options")
define("BSYNACK6_DELTA", f"0x{delta6:08x}u")

# 9. RSTs: to a client data segment (its ack), to a segment without ACK (seq + length)
data4 = Ether(src=CLIENT_MAC, dst=PORT_MAC) / ip4(C4, V4, ttl=63) / TCP(
    sport=40000, dport=80, seq=isn4 + 1, ack=ck4 + 1, flags="PA", window=502,
    options=[("NOP", None), ("NOP", None), ("Timestamp", (ts4 + 2, tsecr))]) / (b"GET / HTTP/1.1\r\n\r\n")
rst4 = Ether(src=PORT_MAC, dst=CLIENT_MAC) / ip4(V4, C4) / TCP(
    sport=80, dport=40000, seq=ck4 + 1, ack=0, flags="R", window=0)
emit("data4", data4, "client data held while the backend half opens")
emit("rst4", rst4, "the RST it is answered with when no instance opens: seq its ack")
fin6 = Ether(src=CLIENT_MAC, dst=PORT_MAC) / Dot1Q(vlan=100) / ip6(C6, V6) / TCP(
    sport=40002, dport=443, seq=0x70000000, flags="F", window=100) / (b"z" * 5)
rst6 = Ether(src=PORT_MAC, dst=CLIENT_MAC) / Dot1Q(vlan=100) / ip6(V6, C6) / TCP(
    sport=443, dport=40002, seq=0, ack=0x70000000 + 5 + 1, flags="RA", window=0)
emit("fin6", fin6, "a segment without ACK: FIN and 5 bytes")
emit("rst6", rst6, "its RST: seq 0, ack = seq + 5 + FIN")

print("/* SPDX-License-Identifier: BSD-3-Clause */")
print("/* Generated by dataplane/testdata/gen_synproxy.py (scapy " +
      __import__("scapy").__version__ + "): do not edit. */")
print("#ifndef SYNPROXY_FIXTURES_H\n#define SYNPROXY_FIXTURES_H\n\n#include <stdint.h>\n")
print("/* clang-format off */")
print(f"#define FIX_KEY0 {{0x{KEY[0][0]:016x}ull, 0x{KEY[0][1]:016x}ull}}")
print(f"#define FIX_KEY1 {{0x{KEY[1][0]:016x}ull, 0x{KEY[1][1]:016x}ull}}")
print(f"#define FIX_MINUTE {MINUTE}\n#define FIX_TSVAL 0x{TSVAL:08x}u\n#define FIX_MSS {MSS}")
print("\n".join(OUT))
print("/* clang-format on */\n")
print("#endif /* SYNPROXY_FIXTURES_H */")
sys.exit(0)
