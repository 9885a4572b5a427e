#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# sluice_decap end to end: a "client" namespace sends IPIP, IP6IP6,
# IPv6-in-IPv4, GUE/IPv4 and GUE/IPv6 encapsulated pings and TCP SYNs (scapy)
# to a "backend" namespace that holds the VIPs on lo (arp_ignore/announce) and
# has sluice_decap attached by `sluicectl backend attach`; the backend must
# answer from the VIP. Also: a tunnel to a non-local outer address is left
# alone, counters are exact, attach is idempotent, detach stops decap, and
# errors name the interface. Namespaces sl-bpf<h>{c,b}, 198.18.60.0/24,
# 2001:2:60::/64; removed on exit, whatever happens.
set -euo pipefail

SRC=${SLUICE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${SLUICE_BUILD_DIR:-$SRC/build}
CTL=${SLUICE_CTL:-$BUILD/sluicectl}
PY=/usr/bin/python3
PROBE=$SRC/tests/e2e/decap_probe.py

[ "$(id -u)" = 0 ] || { echo "decap: needs root (namespaces, BPF): skipped"; exit 77; }
[ -x "$CTL" ] || { echo "decap: no $CTL (build first)"; exit 1; }
if ! "$CTL" backend --help >/dev/null 2>&1; then
	echo "decap: $CTL has no 'backend' command yet"
	exit 1
fi

h=$(printf '%s' "$BUILD" | cksum | awk '{printf "%02x", $1 % 256}')
NSC=sl-bpf${h}c
NSB=sl-bpf${h}b
IFC=sl-bpf${h}c0
IFB=sl-bpf${h}b0
C4=198.18.60.1 B4=198.18.60.2 VIP4=198.18.61.1 OTHER4=198.18.60.99
C6=2001:2:60::1 B6=2001:2:60::2 VIP6=2001:2:61::1
PASSED=0 FAILED=0

cleanup() {
	local p
	for p in $(ip netns pids "$NSB" 2>/dev/null) $(ip netns pids "$NSC" 2>/dev/null); do
		kill "$p" 2>/dev/null || true
	done
	ip netns del "$NSC" 2>/dev/null || true
	ip netns del "$NSB" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { PASSED=$((PASSED + 1)); echo "PASS: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
check() {
	local label=$1
	shift
	if "$@"; then pass "$label"; else fail "$label"; fi
}
inc() { ip netns exec "$NSC" "$@"; }
inb() { ip netns exec "$NSB" "$@"; }

cleanup
ip netns add "$NSC"
ip netns add "$NSB"
ip link add "$IFC" netns "$NSC" type veth peer name "$IFB" netns "$NSB"
for ns in "$NSC" "$NSB"; do
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
ip -n "$NSC" addr add $C4/24 dev "$IFC"
ip -n "$NSC" addr add $C6/64 dev "$IFC" nodad
ip -n "$NSB" addr add $B4/24 dev "$IFB"
ip -n "$NSB" addr add $B6/64 dev "$IFB" nodad
ip -n "$NSB" addr add $VIP4/32 dev lo
ip -n "$NSB" addr add $VIP6/128 dev lo
inb sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
	net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
	net.ipv4.conf."$IFB".rp_filter=0 net.ipv4.ip_forward=0
ip -n "$NSC" link set "$IFC" up
ip -n "$NSB" link set "$IFB" up
MACB=$(cat "/sys/class/net/$IFB/address" 2>/dev/null || inb cat "/sys/class/net/$IFB/address")

# TCP listeners on the VIPs (bounded: they die with the namespace or after 120 s)
inb timeout 120 $PY -c '
import socket, sys, time
s4 = socket.socket(socket.AF_INET); s4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s4.bind((sys.argv[1], 80)); s4.listen(16)
s6 = socket.socket(socket.AF_INET6); s6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s6.bind((sys.argv[2], 80)); s6.listen(16)
time.sleep(120)' $VIP4 $VIP6 &
disown
for _ in $(seq 50); do
	inb ss -Hltn 2>/dev/null | grep -q "$VIP4:80" && break
	sleep 0.1
done

probe() { inc $PY "$PROBE" --iface "$IFC" --dst-mac "$MACB" "$@"; }
no_reply() { ! probe --timeout 1.5 "$@"; }

# --- errors and attach ---------------------------------------------------------------
out=$(inb "$CTL" backend attach sl-bpf-nope 2>&1) && rc=0 || rc=$?
check "attach to a missing interface fails naming it (rc $rc: $out)" \
	test "$rc" = 1 -a "$out" = "sluicectl backend: no such interface: sl-bpf-nope"
out=$(inb "$CTL" backend stats "$IFB" 2>&1) && rc=0 || rc=$?
check "stats before attach fails (rc $rc: $out)" test "$rc" = 1
check "without sluice_decap an IPIP ping is not answered" no_reply --encap ipip \
	--outer-src $C4 --outer-dst $B4 --inner-src $C4 --vip $VIP4

out=$(inb "$CTL" backend attach "$IFB")
echo "$out"
check "attach prints program and local addresses" \
	grep -q "^attached sluice_decap to $IFB ingress: prog id [0-9]*, gue port 6080$" <<<"$out"
check "attach lists $B4 as local" grep -Eq "^local( .*)? $B4( |$)" <<<"$out"
check "attach lists $B6 as local" grep -Eq "^local( .*)? $B6( |$)" <<<"$out"
out=$(inb "$CTL" backend attach "$IFB")
check "attach again replaces (idempotent)" grep -q "^attached sluice_decap to $IFB" <<<"$out"
check "exactly one sluice_decap filter on ingress" \
	test "$(inb tc filter show dev "$IFB" ingress | grep -c 'sluice_decap')" = 1

# --- decapsulation, answered from the VIP --------------------------------------------
check "IPIP ping" probe --encap ipip --outer-src $C4 --outer-dst $B4 --inner-src $C4 --vip $VIP4
check "IPIP TCP SYN" probe --encap ipip --outer-src $C4 --outer-dst $B4 --inner-src $C4 \
	--vip $VIP4 --probe syn
check "GUE/IPv4 TCP SYN" probe --encap gue4 --outer-src $C4 --outer-dst $B4 --inner-src $C4 \
	--vip $VIP4 --probe syn
check "GUE/IPv4 ping" probe --encap gue4 --outer-src $C4 --outer-dst $B4 --inner-src $C4 --vip $VIP4
check "IP6IP6 ping6" probe --encap ip6ip6 --outer-src $C6 --outer-dst $B6 --inner-src $C6 --vip $VIP6
check "IP6IP6 TCP SYN" probe --encap ip6ip6 --outer-src $C6 --outer-dst $B6 --inner-src $C6 \
	--vip $VIP6 --probe syn
check "GUE/IPv6 TCP SYN" probe --encap gue6 --outer-src $C6 --outer-dst $B6 --inner-src $C6 \
	--vip $VIP6 --probe syn
check "IPv6-in-IPv4 ping6" probe --encap ip6ip --outer-src $C4 --outer-dst $B4 --inner-src $C6 \
	--vip $VIP6
check "IPv4-in-IPv6 ping" probe --encap ipip --outer-src $C6 --outer-dst $B6 --inner-src $C4 \
	--vip $VIP4
check "GUE to port 6081 is not decapsulated" no_reply --encap gue4 --gue-port 6081 \
	--outer-src $C4 --outer-dst $B4 --inner-src $C4 --vip $VIP4
check "IPIP to a non-local outer address is not decapsulated" no_reply --encap ipip \
	--outer-src $C4 --outer-dst $OTHER4 --inner-src $C4 --vip $VIP4

out=$(inb "$CTL" backend stats "$IFB")
echo "$out"
stat() { awk -v k="$1" '$1 == k {print $2}' <<<"$out"; }
check "stats header" grep -q "^sluice_decap on $IFB ingress: prog id [0-9]*$" <<<"$out"
check "decap_ipip = 2" test "$(stat decap_ipip)" = 2
check "decap_gue4 = 2 (+ port 6081 not counted)" test "$(stat decap_gue4)" = 2
check "decap_ip6ip6 = 2" test "$(stat decap_ip6ip6)" = 2
check "decap_gue6 = 1" test "$(stat decap_gue6)" = 1
check "decap_ip6ip = 1" test "$(stat decap_ip6ip)" = 1
check "decap_ipip6 = 1" test "$(stat decap_ipip6)" = 1
check "pass_not_local = 1" test "$(stat pass_not_local)" = 1
check "drop_adjust = 0" test "$(stat drop_adjust)" = 0
check "drop_inner_bad = 0" test "$(stat drop_inner_bad)" = 0

# --- GUE port option, detach -----------------------------------------------------------
inb "$CTL" backend attach "$IFB" --gue-port 7000 >/dev/null
check "--gue-port 7000: GUE to 7000 answered" probe --encap gue4 --gue-port 7000 \
	--outer-src $C4 --outer-dst $B4 --inner-src $C4 --vip $VIP4 --probe syn
check "--gue-port 7000: GUE to 6080 not decapsulated" no_reply --encap gue4 \
	--outer-src $C4 --outer-dst $B4 --inner-src $C4 --vip $VIP4
out=$(inb "$CTL" backend attach "$IFB" --gue-port 70000 2>&1) && rc=0 || rc=$?
check "--gue-port 70000 refused (rc $rc)" test "$rc" = 2
out=$(inb "$CTL" backend detach "$IFB")
check "detach ($out)" test "$out" = "detached sluice_decap from $IFB"
check "after detach IPIP is not answered" no_reply --encap ipip --outer-src $C4 --outer-dst $B4 \
	--inner-src $C4 --vip $VIP4
out=$(inb "$CTL" backend detach "$IFB")
check "detach again is harmless ($out)" test "$out" = "sluice_decap was not attached to $IFB"
# someone else's program at our handle and priority: refused, left in place
tc -n "$NSB" filter add dev "$IFB" ingress pref 1 handle 0x51ce bpf da \
	obj "$BUILD/bpf/sluice_probe.bpf.o" sec tc
out=$(inb "$CTL" backend attach "$IFB" 2>&1) && rc=0 || rc=$?
check "attach over another program at our handle is refused (rc $rc: $out)" \
	grep -q "^sluicectl backend attach: the tc ingress filter pref 1 handle 0x51ce on $IFB runs program sluice_probe (id [0-9]*), not sluice_decap: not replacing it; remove it with 'tc filter del dev $IFB ingress pref 1 handle 0x51ce bpf'$" <<<"$out"
check "the other program is still there" \
	grep -q "sluice_probe" <<<"$(tc -n "$NSB" filter show dev "$IFB" ingress)"
tc -n "$NSB" filter del dev "$IFB" ingress pref 1 handle 0x51ce bpf
out=$(inb "$CTL" backend attach "$IFB")
check "attach after removing it works" grep -q "^attached sluice_decap to $IFB" <<<"$out"

echo "decap: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
