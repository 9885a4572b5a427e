#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Health checks through the tunnel, end to end in two namespaces: the
# "appliance" has sluice_xdp on its veth (loaded by iproute2, as the af_xdp
# PMD would: sluiced finds it through the interface) and sluice_probe on
# its egress; the "backend" holds the VIPs on lo (arp_ignore/announce),
# sluice_decap (`sluicectl backend attach`), and a TCP server on the VIPs
# only: nothing listens on the backend's own address. A probe socket
# connected to the backend's address must therefore fail directly and
# succeed through the tunnel (IPIP, IP6IP6, GUE over both), seeing its own
# peer (the backend) while the VIP answered; with the VIP removed from the
# backend, the tunnel probe fails. Run with the appliance's TX checksum
# offload off (the inner checksums the programs fix are then checked by
# the backend's kernel) and on (CHECKSUM_PARTIAL). Namespaces sl-bpf4*,
# 198.18.62.0/24, 198.18.63.0/24, 2001:2:62::/64, 2001:2:63::/64; removed
# on exit, whatever happens.
set -euo pipefail

SRC=${SLUICE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${SLUICE_BUILD_DIR:-$SRC/build}
CTL=$BUILD/sluicectl
PROBE=$BUILD/tests/sl_probe_connect
XDP_OBJ=$BUILD/bpf/sluice_xdp.bpf.o
PY=/usr/bin/python3

[ "$(id -u)" = 0 ] || { echo "probe_tunnel: needs root (namespaces, BPF): skipped"; exit 77; }
for f in "$CTL" "$PROBE" "$XDP_OBJ"; do
	[ -e "$f" ] || { echo "probe_tunnel: no $f (build first)"; exit 1; }
done

NSA=sl-bpf4a
NSB=sl-bpf4b
IFA=sl-bpf4a0
IFB=sl-bpf4b0
A4=198.18.62.1 B4=198.18.62.2 VIP4=198.18.63.1
A6=2001:2:62::1 B6=2001:2:62::2 VIP6=2001:2:63::1
HC_PORT=8080 VIP_PORT=80 GUE=6080
PASSED=0 FAILED=0

cleanup() {
	local p
	for p in $(ip netns pids "$NSB" 2>/dev/null) $(ip netns pids "$NSA" 2>/dev/null); do
		kill "$p" 2>/dev/null || true
	done
	ip netns del "$NSA" 2>/dev/null || true
	ip netns del "$NSB" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { PASSED=$((PASSED + 1)); echo "PASS: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
ina() { ip netns exec "$NSA" "$@"; }
inb() { ip netns exec "$NSB" "$@"; }

# expect_ok LABEL PEER ARGS...: the probe succeeds, sees PEER, and the VIP answered
expect_ok() {
	local label=$1 peer=$2 vip=$3 out
	shift 3
	if out=$(ina timeout 10 "$PROBE" "$IFA" "$@" 2>&1) &&
	   grep -qx "peer $peer reply vip $vip" <<<"$out"; then
		pass "$label"
	else
		fail "$label: $(tr '\n' ' ' <<<"$out")"
	fi
}

expect_fail() {
	local label=$1 out
	shift
	if out=$(ina timeout 10 "$PROBE" "$IFA" "$@" 2>&1); then
		fail "$label: succeeded: $(tr '\n' ' ' <<<"$out")"
	else
		pass "$label ($(grep "^sl_probe_connect:" <<<"$out" | tail -1))"
	fi
}

cleanup
ip netns add "$NSA"
ip netns add "$NSB"
ip link add "$IFA" netns "$NSA" type veth peer name "$IFB" netns "$NSB"
for ns in "$NSA" "$NSB"; do
	ip netns exec "$ns" ip link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
done
ina ip addr add $A4/24 dev $IFA
ina ip addr add $A6/64 dev $IFA nodad
ina ip link set $IFA up
inb ip addr add $B4/24 dev $IFB
inb ip addr add $B6/64 dev $IFB nodad
inb ip addr add $VIP4/32 dev lo
inb ip addr add $VIP6/128 dev lo
inb sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
inb ip link set $IFB up
# the backend's replies enter the dataplane's interface with full checksums, as from a NIC
inb ethtool -K $IFB tx off >/dev/null
ina ip link set dev $IFA xdpdrv obj "$XDP_OBJ" sec xdp
inb "$CTL" backend attach $IFB >/dev/null

# the service: on the VIPs only, one line "vip <address it was reached at>"
inb $PY - "$VIP4" "$VIP6" "$VIP_PORT" <<'EOF' &
import socket, sys, threading
def serve(addr, fam, port):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        c.settimeout(2)
        try:
            c.recv(64)
            c.sendall(("vip %s\n" % c.getsockname()[0]).encode())
        except OSError:
            pass
        c.close()
port = int(sys.argv[3])
threading.Thread(target=serve, args=(sys.argv[2], socket.AF_INET6, port), daemon=True).start()
serve(sys.argv[1], socket.AF_INET, port)
EOF
for i in $(seq 50); do
	inb ss -ltn | grep -q "$VIP4:$VIP_PORT" && break
	sleep 0.1
done

for offload in off on; do
	ina ethtool -K $IFA tx $offload >/dev/null
	echo "--- appliance TX checksum offload $offload"
	expect_fail "tx $offload: direct probe to $B4:$HC_PORT is refused (nothing there)" \
		$B4 $HC_PORT
	expect_ok "tx $offload: IPIP probe answered by $VIP4" $B4 $VIP4 \
		$B4 $HC_PORT --tunnel $VIP4 $VIP_PORT
	expect_ok "tx $offload: GUE/IPv4 probe answered by $VIP4" $B4 $VIP4 \
		$B4 $HC_PORT --tunnel $VIP4 $VIP_PORT --gue $GUE
	expect_fail "tx $offload: direct probe to [$B6]:$HC_PORT is refused" $B6 $HC_PORT
	expect_ok "tx $offload: IP6IP6 probe answered by $VIP6" $B6 $VIP6 \
		$B6 $HC_PORT --tunnel $VIP6 $VIP_PORT
	expect_ok "tx $offload: GUE/IPv6 probe answered by $VIP6" $B6 $VIP6 \
		$B6 $HC_PORT --tunnel $VIP6 $VIP_PORT --gue $GUE
done

# the instance stops serving the VIP: the tunnel probe must fail
inb ip addr del $VIP4/32 dev lo
expect_fail "VIP removed from the backend: IPIP probe fails" $B4 $HC_PORT --tunnel $VIP4 $VIP_PORT
inb ip addr add $VIP4/32 dev lo
expect_ok "VIP back: IPIP probe answered again" $B4 $VIP4 $B4 $HC_PORT --tunnel $VIP4 $VIP_PORT

stats=$(inb "$CTL" backend stats $IFB)
for c in decap_ipip decap_ip6ip6 decap_gue4 decap_gue6; do
	if awk -v c=$c '$1 == c && $2 > 0 {ok = 1} END {exit !ok}' <<<"$stats"; then
		pass "backend decapsulated $c"
	else
		fail "backend counter $c is 0: $(tr '\n' ' ' <<<"$stats")"
	fi
done

echo "probe_tunnel: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
