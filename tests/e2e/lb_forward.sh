#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End to end through the real appliance: sluiced + sluice-dp (net_af_xdp on
# the lb namespace's interface), three nginx instances, tunnel decap on the
# backends. Asserts: IPv4 tunnel, IPv6 tunnel and IPv4 dsr
# each serve 3000 short requests with no failure and 33 % +- 10 % per
# instance; a keep-alive connection stays on one instance; the UDP VIP
# balances; the dataplane counts every backend and names its drops; after a
# reload that puts the pool in round robin, consecutive new connections go
# be1, be2, be3, be1, ... (the lab's dataplane has one worker).
E2E_NAME=lb_forward
. "$(dirname "$0")/e2e_lib.sh"
e2e_begin f

N=${E2E_REQUESTS:-3000}
lab_up dp || e2e_fatal "lab_up"
R=$LAB_DIR
lab_conf >"$LAB_CONF"
lab_sluice_up || e2e_fatal "sluiced + sluice-dp forward a first request"
e2e_pass "sluiced + sluice-dp up, first request through $LAB_VIP_WEB"

short() { # LABEL VIP
	local label=$1 vip=$2 f
	f=$R/$(echo "$label" | tr -c 'a-zA-Z0-9\n' _).json
	lab_load http --host "$vip" -n "$N" -c 16 --timeout 3 --deadline 90 >"$f" || true
	e2e_result "$label: $N short requests" "$f" \
		--instances be1,be2,be3 --share 0.3333 --tolerance 0.10
}
short "tunnel IPv4 $LAB_VIP_WEB" "$LAB_VIP_WEB"
short "tunnel IPv6 $LAB_VIP_WEB6" "$LAB_VIP_WEB6"
short "dsr IPv4 $LAB_VIP_DSR" "$LAB_VIP_DSR"

lab_load keepalive --host "$LAB_VIP_WEB" -n 500 --deadline 30 >"$R/ka4.json" || true
e2e_result "keep-alive IPv4 tunnel: 500 requests, one connection, one instance" "$R/ka4.json" \
	--one-instance
lab_load keepalive --host "$LAB_VIP_WEB6" -n 500 --deadline 30 >"$R/ka6.json" || true
e2e_result "keep-alive IPv6 tunnel: 500 requests, one connection, one instance" "$R/ka6.json" \
	--one-instance

lab_load udp --host "$LAB_VIP_UDP" --port "$LAB_UDP_PORT" -n 900 -c 8 --timeout 2 \
	--deadline 60 >"$R/udp.json" || true
e2e_result "UDP tunnel $LAB_VIP_UDP:$LAB_UDP_PORT: 900 datagrams" "$R/udp.json" \
	--instances be1,be2,be3 --share 0.3333 --tolerance 0.10

# A port the VIP does not serve is not ours: the client gets no answer from
# a backend (the dataplane names the drop, or the kernel refuses it).
if lab_in "$LAB_NS_CL" curl -s -m 1 "http://$LAB_VIP_WEB:8080/" | grep -q '^be'; then
	e2e_fail "a non-VIP port ($LAB_VIP_WEB:8080) reached a backend"
else
	e2e_pass "a non-VIP port ($LAB_VIP_WEB:8080) reaches no backend"
fi

# Counters: every backend forwarded packets, and the stats name drops.
if lab_ctl stats --json >"$R/stats.json" 2>"$R/stats.err"; then
	e2e_pass "sluicectl stats --json"
	for b in be1 be2 be3 be1-v6 be2-v6 be3-v6; do
		p=$(jq -r --arg b "$b" '.backends[$b].packets // 0' "$R/stats.json" 2>/dev/null || echo 0)
		if [ "${p:-0}" -gt 0 ] 2>/dev/null; then
			e2e_pass "stats: backend $b forwarded $p packets"
		else
			e2e_fail "stats: backend $b shows no forwarded packets ($(jq -c '.backends' "$R/stats.json" 2>&1 | head -c 300))"
		fi
	done
	if jq -e '.drops | has("not_vip")' "$R/stats.json" >/dev/null 2>&1; then
		e2e_pass "stats: drops are named ($(jq -c '[.drops | to_entries[] | select(.value > 0)] | from_entries' "$R/stats.json"))"
	else
		e2e_fail "stats: no named drop counters (.drops.not_vip missing)"
	fi
else
	e2e_fail "sluicectl stats --json: $(head -c 300 "$R/stats.err")"
fi

# Round robin: the same pool, balance = "round-robin", by reload. Each curl is
# a new connection (a new flow), so each takes the next instance in order.
lab_conf --web 'balance = "round-robin";' >"$LAB_CONF.new" && mv "$LAB_CONF.new" "$LAB_CONF"
lab_ctl reload >"$R/rr_reload.out" 2>&1 || true
rr=0
for i in $(seq 100); do
	lab_ctl show 2>/dev/null | grep -q '^pool web: .*balance round-robin over 3 members' &&
		{ rr=1; break; }
	sleep 0.1
done
if [ "$rr" = 1 ]; then
	e2e_pass "reload: pool web in round robin over 3 members"
else
	e2e_fail "reload: pool web not in round robin: $(cat "$R/rr_reload.out") $(lab_ctl show 2>&1 | grep '^pool')"
fi
got=""
for i in 1 2 3 4 5 6 7 8 9; do
	b=$(lab_in "$LAB_NS_CL" curl -s -m 2 "http://$LAB_VIP_WEB/" | grep -o '^be[0-9]*' || echo none)
	got="$got $b"
done
if [ "$got" = " be1 be2 be3 be1 be2 be3 be1 be2 be3" ]; then
	e2e_pass "round robin: 9 new connections went$got"
else
	e2e_fail "round robin: 9 new connections went$got, expected be1 be2 be3 three times"
fi
e2e_end
