#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The appliance under everyday edge traffic, with the client behind a router
# (lab_up --router):
#  - path MTU: with the router's link to the client at MTU 1400 (the client
#    at 1500), a 10 MB download through each VIP (tunnel and dsr, IPv4 and
#    IPv6) completes with the right sha256: the router's frag-needed /
#    packet-too-big, addressed to the VIP, reaches the instance;
#  - fragments: 3000-byte UDP datagrams to the IPv4 and IPv6 UDP VIPs are
#    all answered (IPv6 after one packet-too-big from the appliance);
#  - IPv6: a SYN behind 5 destination-options headers, and one in an atomic
#    fragment, are answered by an instance;
#  - a spoofed SYN flood (hping3, sources in 198.19.0.0/16) into a
#    4096-entry flow table while 40 keep-alive connections make a request
#    every 1.5 s, then a reload that adds an instance: no connection is
#    reset or moved, no established entry evicted, and the half-open
#    entries are gone tcp_syn_timeout after the flood.
E2E_NAME=lb_edge
. "$(dirname "$0")/e2e_lib.sh"
e2e_begin x

R=$LAB_DIR
EDGE_PROBE=$E2E_DIR/edge_probe.py
lab_up dp --router || e2e_fatal "lab_up --router"
lab_conf --flows 4096 --pool4 "1 2" >"$LAB_CONF"
lab_sluice_up || e2e_fatal "sluiced + sluice-dp forward a first request"
e2e_pass "up: client behind router $LAB_RT4, pool web = be1 be2, 4096 flows per worker"

# worker 0's counter @1 (sluicectl stats --json)
wstat() {
	lab_ctl stats --json | jq -r ".workers[0].$1"
}
drop() {
	lab_ctl stats --json | jq -r ".drops.$1"
}

# --- fragments --------------------------------------------------------------
lab_load udp --host "$LAB_VIP_UDP" --port "$LAB_UDP_PORT" -n 200 -c 4 --size 3000 \
	>"$R/frag4.json" || true
e2e_result "3000-byte UDP datagrams to $LAB_VIP_UDP (tunnel): every one answered" \
	"$R/frag4.json" --instances be1,be2
f=$(wstat frag_forwarded) s=$(wstat frag_split)
if [ "${f:-0}" -ge 600 ] && [ "${s:-0}" -ge 200 ]; then
	e2e_pass "fragments forwarded: $f, split for the tunnel: $s"
else
	e2e_fail "frag_forwarded $f (want >= 600), frag_split $s (want >= 200)"
fi
# IPv6: the appliance answers the first fragment too big for the tunnel with a
# packet-too-big; the client's kernel fragments smaller from then on.
lab_load udp --host "$LAB_VIP_UDP6" --port "$LAB_UDP_PORT" -n 2 -c 1 --size 3000 \
	--timeout 1 >"$R/frag6_warm.json" || true
lab_load udp --host "$LAB_VIP_UDP6" --port "$LAB_UDP_PORT" -n 200 -c 4 --size 3000 \
	>"$R/frag6.json" || true
e2e_result "3000-byte UDP datagrams to $LAB_VIP_UDP6 (IP6IP6): every one answered" \
	"$R/frag6.json" --instances be1,be2,be3
u=$(drop fragment_unplaced)
[ "$u" = 0 ] && e2e_pass "no fragment unplaced" || e2e_fail "fragment_unplaced = $u"

# --- IPv6 extension headers and atomic fragments ---------------------------
e2e_check "IPv6 SYN behind 5 destination-options headers is answered" \
	lab_in "$LAB_NS_CL" "$LAB_PY" "$EDGE_PROBE" ext 5 "$LAB_CL6" "$LAB_VIP_WEB6" 80
e2e_check "IPv6 SYN in an atomic fragment is answered" \
	lab_in "$LAB_NS_CL" "$LAB_PY" "$EDGE_PROBE" atomic "$LAB_CL6" "$LAB_VIP_WEB6" 80

# --- path MTU: the router's link to the client at 1400 ---------------------
head -c $((10 * 1024 * 1024)) /dev/urandom >"$R/big"
want=$(sha256sum <"$R/big" | cut -d' ' -f1)
for b in $LAB_BACKENDS; do cp "$R/big" "$R/be$b/big"; done
lab_router_mtu 1400
for vip in "$LAB_VIP_WEB" "$LAB_VIP_WEB6" "$LAB_VIP_DSR" "$LAB_VIP_DSR6"; do
	# every download starts without a path MTU the instances already learned
	for b in $LAB_BACKENDS; do
		ip -n "$(lab_ns_be "$b")" route flush cache
		ip -n "$(lab_ns_be "$b")" -6 route flush cache
	done
	before=$(wstat icmp_forwarded)
	url="http://$vip/big"
	case $vip in *:*) url="http://[$vip]/big" ;; esac
	got=$(lab_in "$LAB_NS_CL" curl -s --max-time 30 "$url" | sha256sum | cut -d' ' -f1)
	after=$(wstat icmp_forwarded)
	if [ "$got" = "$want" ] && [ "$after" -gt "$before" ]; then
		e2e_pass "10 MB from $url over a 1400-byte path: sha256 matches, $((after - before)) ICMP errors forwarded"
	else
		e2e_fail "10 MB from $url over a 1400-byte path: sha256 $got (want $want), icmp_forwarded $before -> $after"
	fi
done
lab_router_mtu 1500
u=$(drop icmp_unmatched)
[ "$u" = 0 ] && e2e_pass "no ICMP error unmatched" || e2e_fail "icmp_unmatched = $u"
xdp=$(lab_in "$LAB_NS_LB" "$SLUICE_BUILD_DIR/sluicectl" xdp "$LAB_IF_LB" --json)
xi=$(jq -r .redirected_icmp_error <<<"$xdp") xf=$(jq -r .redirected_fragment <<<"$xdp")
if [ "${xi:-0}" -ge 4 ] && [ "${xf:-0}" -ge 1200 ]; then
	e2e_pass "sluicectl xdp: $xi ICMP errors and $xf fragments steered to the dataplane"
else
	e2e_fail "sluicectl xdp: redirected_icmp_error $xi (want >= 4), redirected_fragment $xf (want >= 1200): $xdp"
fi

# --- SYN flood into a full table, then a reload ----------------------------
lab_load keepalive --host "$LAB_VIP_WEB" -c 40 -n 0 --duration 26 --interval 1.5 --timeout 3 \
	>"$R/ka40.json" &
KAPID=$!
sleep 2
evict0=$(wstat flow_evictions)
FLOOD_PIDS=""
for a in 198.19.0.1 198.19.0.2; do
	lab_in "$LAB_NS_CL" timeout 14 hping3 -q -S -p 80 -i u130 -a "$a" "$LAB_VIP_WEB" \
		>>"$R/hping3.log" 2>&1 &
	FLOOD_PIDS="$FLOOD_PIDS $!"
done
sleep 10
active=$(wstat flows_active) emb=$(wstat flows_embryonic)
echo "during the flood: $active flows, $emb of them embryonic"
# shellcheck disable=SC2086
wait $FLOOD_PIDS || true
evict=$(wstat flow_evictions) emb_ev=$(wstat flow_embryonic_evictions)
if [ "$evict" = "$evict0" ] && [ "${emb_ev:-0}" -gt 10000 ]; then
	e2e_pass "flood: $emb_ev embryonic entries replaced, no established entry evicted"
else
	e2e_fail "flood: flow_evictions $evict0 -> $evict, flow_embryonic_evictions $emb_ev (want > 10000)"
fi
lab_conf --flows 4096 --pool4 "1 2 3" >"$LAB_CONF"
kill -HUP "$SLUICED_PID"
wait "$KAPID" || true
e2e_result "40 keep-alive connections through the flood and a reload: none reset or moved" \
	"$R/ka40.json" --instances be1,be2
sleep 4 # tcp_syn_timeout (5 s) after the flood, with the waits above
emb=$(wstat flows_embryonic)
[ "$emb" = 0 ] && e2e_pass "half-open entries gone after tcp_syn_timeout" ||
	e2e_fail "$emb embryonic entries left after tcp_syn_timeout"
lab_load http --host "$LAB_VIP_WEB" -n 600 -c 8 --deadline 60 >"$R/after.json" || true
e2e_result "after the reload: new connections on be1 be2 be3" "$R/after.json" \
	--instances be1,be2,be3
e2e_end
