#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Replay input for the full-NAT and SYN-proxy benchmarks (bench_fwd.sh nat4/nat6,
bench_conns.sh), built around what sluice-dp itself sent in a capture run.

A full-NAT reply goes to the source port the worker picked, and a SYN-proxy ACK
must carry the cookie the worker made: neither is guessed here. The benchmark
first replays the clients' packets through sluice-dp with net_pcap tx_pcap
ports, and this script answers what it captured:

  syn       client SYNs of flows 0..N-1 (COPIES times, each copy another ISN)
  nat-est   from the backend SYNs captured: HANDSHAKE (per flow the client's
            SYN, the backend's SYN-ACK to its NAT source and port, the
            client's ACK) and EST (per flow a client ACK and a backend ACK
            of SIZE bytes: established traffic both ways)
  sp-open   from the cookie SYN-ACKs captured: per copy and flow the SYN, the
            ACK with the cookie + 1, the client's RST
  sp-conns  from both captures: per copy and flow SYN, cookie ACK, the
            backend's SYN-ACK, client RST: one complete open through the
            SYN proxy, closed so that the tuple's next copy opens anew

Flow i: client 198.18.10.(1 + i / 60000) or 2001:2::a:(1 + i / 60000), port
1024 + i % 60000; copy c of flow i has client ISN 0x10000000 + 16 i + 8 c and
backend ISN 0x50000000 + 16 i + 8 c, which is how captured packets are
matched to flows. One JSON line on stdout per command.
"""
import argparse
import ipaddress
import json
import struct
import sys

CLIENT_MAC = bytes.fromhex("0200000000aa")
PORT_MAC = bytes.fromhex("0200000000bb")
SYN, ACK, RST = 0x02, 0x10, 0x04


def opt_syn(tsval, tsecr):
    """MSS 1460, SACK permitted, timestamps, NOP, window scale 7: a Linux client's SYN."""
    return struct.pack("!BBHBBBBII BBBB", 2, 4, 1460, 4, 2, 8, 10, tsval, tsecr, 1, 3, 3, 7)


def opt_ts(tsval, tsecr):
    return struct.pack("!BBBBII", 1, 1, 8, 10, tsval, tsecr)


def client_isn(i, c):
    return (0x10000000 + 16 * i + 8 * c) & 0xffffffff


def backend_isn(i, c):
    return (0x50000000 + 16 * i + 8 * c) & 0xffffffff


def parse_vip(text):
    host, _, port = text.rpartition(":")
    return ipaddress.ip_address(host.strip("[]")), int(port)


def client_of(vip, i):
    if vip.version == 4:
        return ipaddress.ip_address(f"198.18.10.{1 + i // 60000}"), 1024 + i % 60000
    return ipaddress.ip_address(f"2001:2::a:{1 + i // 60000:x}"), 1024 + i % 60000


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(dmac, smac, src, dst, sport, dport, flags, seq, ack, win, opts=b"", size=64):
    """Ethernet + IPv4/IPv6 + TCP with valid checksums, zero payload up to @size with FCS."""
    v4 = src.version == 4
    hlen = 14 + (20 if v4 else 40) + 20 + len(opts)
    pay = b"\0" * max(0, max(size - 4, 60) - hlen)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                      (20 + len(opts)) // 4 << 4, flags, win, 0, 0) + opts + pay
    if v4:
        pseudo = src.packed + dst.packed + struct.pack("!BBH", 0, 6, len(tcp))
    else:
        pseudo = src.packed + dst.packed + struct.pack("!IxxxB", len(tcp), 6)
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    if v4:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0,
                         src.packed, dst.packed)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        eth = dmac + smac + b"\x08\x00"
    else:
        ip = struct.pack("!IHBB16s16s", 6 << 28, len(tcp), 6, 64, src.packed, dst.packed)
        eth = dmac + smac + b"\x86\xdd"
    return eth + ip + tcp


class Seg:
    """A captured TCP segment, as far as the answers need it."""

    def __init__(self, f):
        self.dmac, self.smac = f[0:6], f[6:12]
        if f[12:14] == b"\x08\x00":
            ihl = (f[14] & 15) * 4
            self.src = ipaddress.ip_address(f[26:30])
            self.dst = ipaddress.ip_address(f[30:34])
            self.proto, t = f[23], 14 + ihl
        elif f[12:14] == b"\x86\xdd":
            self.src = ipaddress.ip_address(f[22:38])
            self.dst = ipaddress.ip_address(f[38:54])
            self.proto, t = f[20], 54
        else:
            self.proto = None
            return
        (self.sport, self.dport, self.seq, self.ack, off,
         self.flags) = struct.unpack("!HHIIBB", f[t:t + 14])
        self.tsval = 0
        o, end = t + 20, t + (off >> 4) * 4
        while o < end and f[o] != 0:
            if f[o] == 1:
                o += 1
                continue
            if f[o] == 8:
                self.tsval = struct.unpack("!I", f[o + 2:o + 6])[0]
            o += max(f[o + 1], 2)


def read_pcap(path):
    with open(path, "rb") as fh:
        data = fh.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    o = 24
    while o + 16 <= len(data):
        incl = struct.unpack(end + "I", data[o + 8:o + 12])[0]
        yield data[o + 16:o + 16 + incl]
        o += 16 + incl


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        self.n = 0

    def write(self, fr):
        self.f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)
        self.n += 1

    def close(self):
        self.f.close()


def client_pkt(vip, vport, i, flags, seq, ack=0, opts=b"", size=64, win=502):
    src, sport = client_of(vip, i)
    return frame(PORT_MAC, CLIENT_MAC, src, vip, sport, vport, flags, seq, ack, win, opts, size)


def read_by(path, want_flags, key):
    """Captured TCP segments with exactly @want_flags of SYN/ACK/RST/FIN, by @key(segment)."""
    out = {}
    for f in read_pcap(path):
        s = Seg(f)
        if s.proto == 6 and (s.flags & 0x17) == want_flags:
            out[key(s)] = s
    return out


def backend_reply(cap, flags, seq, ack, opts=b"", size=64, win=502):
    """From the backend a captured segment @cap (NAT source -> backend) went to, back."""
    return frame(cap.smac, cap.dmac, cap.dst, cap.src, cap.dport, cap.sport, flags, seq, ack,
                 win, opts, size)


def cmd_syn(a, w):
    vip, vport = parse_vip(a.vip)
    n = 0
    for c in range(a.copies):
        for i in range(a.flows):
            w.write(client_pkt(vip, vport, i, SYN, client_isn(i, c),
                               opts=opt_syn(1000, 0) if a.options else b"", win=64240))
            n += 1
    return {"packets": n}


def cmd_nat_est(a, w):
    vip, vport = parse_vip(a.vip)
    syns = read_by(a.backend_syns, SYN, lambda p: p.seq)
    hs = Writer(a.handshake)
    n_hs = n = 0
    for i in range(a.flows):
        cap = syns.get(client_isn(i, 0))
        if cap is None:
            sys.exit(f"nat_pcap: flow {i}: no backend SYN captured (ISN {client_isn(i, 0):#x})")
        ci, bi = client_isn(i, 0), backend_isn(i, 0)
        hs.write(client_pkt(vip, vport, i, SYN, ci, win=64240))
        hs.write(backend_reply(cap, SYN | ACK, bi, ci + 1, win=65160))
        hs.write(client_pkt(vip, vport, i, ACK, ci + 1, bi + 1))
        w.write(client_pkt(vip, vport, i, ACK, ci + 1, bi + 1, size=a.size))
        w.write(backend_reply(cap, ACK, bi + 1, ci + 1, size=a.size))
        n_hs += 3
        n += 2
    hs.close()
    return {"flows": a.flows, "handshake_packets": n_hs, "packets": n}


def cmd_sp_open(a, w):
    vip, vport = parse_vip(a.vip)
    acks = read_by(a.synacks, SYN | ACK, lambda p: (p.ack - 1) & 0xffffffff)
    n = 0
    for c in range(a.copies):
        for i in range(a.flows):
            for p in sp_client(vip, vport, acks, i, c):
                w.write(p)
                n += 1
    return {"packets": n}


def sp_client(vip, vport, acks, i, c, synack=None):
    """SYN, cookie ACK, [@synack], RST of copy @c of flow @i."""
    isn = client_isn(i, c)
    sa = acks.get(isn)
    if sa is None:
        sys.exit(f"nat_pcap: flow {i} copy {c}: no cookie SYN-ACK captured")
    out = [client_pkt(vip, vport, i, SYN, isn, opts=opt_syn(1000, 0), win=64240),
           client_pkt(vip, vport, i, ACK, isn + 1, sa.seq + 1, opts=opt_ts(1001, sa.tsval))]
    if synack is not None:
        out.append(synack)
    out.append(client_pkt(vip, vport, i, RST | ACK, isn + 1, sa.seq + 1))
    return out


def cmd_sp_conns(a, w):
    vip, vport = parse_vip(a.vip)
    acks = read_by(a.synacks, SYN | ACK, lambda p: (p.ack - 1) & 0xffffffff)
    syns = read_by(a.backend_syns, SYN, lambda p: p.seq)
    ports = {}  # flow -> (backend, [port of each copy])
    for i in range(a.flows):
        caps = [syns.get(client_isn(i, c)) for c in range(2)]
        if None in caps:
            sys.exit(f"nat_pcap: flow {i}: a backend SYN is missing (cookie refused?)")
        be = (caps[0].dst, caps[0].dport)
        ports[i] = (be, [p.sport for p in caps])
    # keep the flows whose ports no other flow of the same backend comes near: each
    # keeps taking the same two ports, whatever order the worker sees them in
    near = {}
    for i, (be, ps) in ports.items():
        for p in ps:
            for d in (-2, -1, 0, 1, 2):
                near.setdefault((be, p + d), set()).add(i)
    kept = [i for i, (be, ps) in ports.items()
            if ps[1] == ps[0] + 1 and all(near[(be, p)] == {i} for p in ps)]
    n = 0
    for c in range(2):
        for i in kept:
            cap = syns[client_isn(i, c)]
            sa = backend_reply(cap, SYN | ACK, backend_isn(i, c), cap.seq + 1, win=65160,
                               opts=opt_syn(5000, cap.tsval))
            for p in sp_client(vip, vport, acks, i, c, sa):
                w.write(p)
                n += 1
    return {"flows": a.flows, "flows_kept": len(kept), "connections": 2 * len(kept),
            "packets_per_connection": 4, "packets": n}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("syn", "nat-est", "sp-open", "sp-conns"):
        s = sub.add_parser(name)
        s.add_argument("--vip", required=True)
        s.add_argument("--flows", type=int, required=True)
        s.add_argument("--out", required=True)
        if name in ("syn", "sp-open"):
            s.add_argument("--copies", type=int, default=1)
        if name == "syn":
            s.add_argument("--options", action="store_true")
        if name == "nat-est":
            s.add_argument("--size", type=int, default=64)
            s.add_argument("--backend-syns", required=True)
            s.add_argument("--handshake", required=True)
        if name in ("sp-open", "sp-conns"):
            s.add_argument("--synacks", required=True)
        if name == "sp-conns":
            s.add_argument("--backend-syns", required=True)
    a = ap.parse_args()
    w = Writer(a.out)
    res = {"syn": cmd_syn, "nat-est": cmd_nat_est, "sp-open": cmd_sp_open,
           "sp-conns": cmd_sp_conns}[a.cmd](a, w)
    w.close()
    print(json.dumps({"tool": "nat_pcap", "command": a.cmd, "file": a.out, **res}))


if __name__ == "__main__":
    main()
