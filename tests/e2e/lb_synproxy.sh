#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The SYN proxy end to end (lab_up dp --router --nat, nat VIPs with
# synproxy = true, IPv4 and IPv6). For each family: a SYN flood for 10 s
# from spoofed lab sources (hping3 for IPv4, one process per fixed source
# address with source ports counting up; tests/e2e/syn_flood6.py for IPv6,
# which hping3 cannot do; every source inside the lab's client link, never
# random) while a client keeps making HTTP connections: every request
# succeeds, the flood is counted (synproxy_cookies grew by at least half
# the SYNs sent), it opened no connection (conns_opened grew by no more
# than the client's connections), and afterwards the connection table
# holds no embryonic entry (syn_sent, syn_recv, sp_syn_sent all 0) and the
# flow table none either. A VIP whose instances do not listen: a client
# that waits gets an RST once both instances were tried (connect_failures
# +2, synproxy_rsts +1), and curl's connection is reset.
E2E_NAME=lb_synproxy
. "$(dirname "$0")/e2e_lib.sh"
e2e_begin s

SP4=198.18.100.20
SP6=2001:2:0:100::20
DEAD4=198.18.100.21
DEAD6=2001:2:0:100::21
SECS=${E2E_FLOOD_SECONDS:-10}
# E2E_SYNPROXY=false: the same VIPs without the SYN proxy, a control run whose
# flood checks must fail (the flood then makes state)
SYNPROXY=${E2E_SYNPROXY:-true}

lab_up dp --router --nat || e2e_fatal "lab_up --router --nat"
R=$LAB_DIR
sp="synproxy = $SYNPROXY;"
vips="$(lab_nat_vip sp4 $SP4 80 tcp natweb "$sp"), $(lab_nat_vip sp6 $SP6 80 tcp natweb6 "$sp"),
  $(lab_nat_vip dead4 $DEAD4 81 tcp natweb "$sp"), $(lab_nat_vip dead6 $DEAD6 81 tcp natweb6 "$sp")"
pools="{ name = \"natweb\"; backends = ( $(lab_pool_backends 4 n- "1 2") ); },
  { name = \"natweb6\"; backends = ( $(lab_pool_backends 6 n6- "1 2") ); }"
lab_conf --pool4 4 --pool6 4 --vips "$vips" --pools "$pools" --extra "$(lab_nat_section)" \
	>"$LAB_CONF"
lab_sluice_up || e2e_fatal "sluiced + sluice-dp forward a first request (tunnel, backend 4)"
lab_wait_forwarding "$SP4" || e2e_fatal "a first request through the SYN-proxy VIP $SP4"
e2e_pass "sluiced + sluice-dp up, a first request through SYN-proxy VIP $SP4"

nat_counters() { "$SLUICE_BUILD_DIR/tests/sl_nat_counters" "$LAB_INSTANCE"; }
field() { jq -r ".$2" "$1"; }

# flood FAMILY VIP: SYNs from 4 spoofed sources for SECS seconds; prints the number sent
flood() {
	local fam=$1 vip=$2 i pids="" n=0 gw
	if [ "$fam" = 4 ]; then
		for i in 1 2 3 4; do
			# hping3 counts the source port up from its base; -i u400: ~2500/s each
			lab_in "$LAB_NS_CL" timeout -s INT "$SECS" hping3 -q -S -p 80 -i u400 \
				-a "$LAB_CLNET4.10$i" -s $((20000 + i * 5000)) "$vip" >"$R/hping$i.log" 2>&1 &
			pids="$pids $!"
		done
		# shellcheck disable=SC2086
		wait $pids || true
		for i in 1 2 3 4; do
			n=$((n + $(awk '/packets transmitted/ {print $1}' "$R/hping$i.log" || echo 0)))
		done
		echo "$n"
	else
		gw=$(lab_in "$LAB_NS_RT" cat "/sys/class/net/$P-rtc/address")
		lab_in "$LAB_NS_CL" "$LAB_PY" "$E2E_DIR/syn_flood6.py" "$LAB_IF_CL" "$gw" "$vip" 80 \
			10000 "$SECS" "$LAB_CLNET6::101" "$LAB_CLNET6::102" "$LAB_CLNET6::103" \
			"$LAB_CLNET6::104" 2>"$R/flood6.err" || echo 0
	fi
}

flood_case() { # FAMILY VIP
	local fam=$1 vip=$2 url sent ok=0 bad=0 cookies opened emb
	[ "$fam" = 4 ] && url="http://$vip/" || url="http://[$vip]/"
	nat_counters >"$R/before$fam.json"
	flood "$fam" "$vip" >"$R/sent$fam" &
	local fpid=$!
	# the client meanwhile: one connection at a time, each must succeed
	local end=$(($(date +%s) + SECS))
	while [ "$(date +%s)" -lt "$end" ]; do
		if lab_in "$LAB_NS_CL" curl -s -g -m 3 "$url" | grep -q '^be'; then
			ok=$((ok + 1))
		else
			bad=$((bad + 1))
		fi
	done
	wait "$fpid" || true
	sent=$(cat "$R/sent$fam")
	sleep 1 # the last handshakes finish
	nat_counters >"$R/after$fam.json"
	if [ "$bad" = 0 ] && [ "$ok" -gt 0 ]; then
		e2e_pass "IPv$fam: $ok client requests during the flood of $sent SYNs, none failed"
	else
		e2e_fail "IPv$fam: $bad of $((ok + bad)) client requests failed during the flood"
	fi
	cookies=$(($(field "$R/after$fam.json" synproxy_cookies) - $(field "$R/before$fam.json" synproxy_cookies)))
	opened=$(($(field "$R/after$fam.json" conns_opened) - $(field "$R/before$fam.json" conns_opened)))
	if [ "${sent:-0}" -gt 1000 ] && [ "$cookies" -ge $((sent / 2)) ]; then
		e2e_pass "IPv$fam: the flood is counted: $cookies cookies for $sent SYNs sent"
	else
		e2e_fail "IPv$fam: $cookies cookies for ${sent:-?} SYNs sent (want >= half, > 1000 sent; $(head -c 200 "$R/flood6.err" 2>/dev/null))"
	fi
	if [ "$opened" -le "$ok" ]; then
		e2e_pass "IPv$fam: the flood opened no connection ($opened opened for $ok client requests)"
	else
		e2e_fail "IPv$fam: $opened connections opened for $ok client requests: the flood made state"
	fi
	emb=$(jq -c '{syn_sent: .conns.syn_sent, syn_recv: .conns.syn_recv, sp_syn_sent: .conns.sp_syn_sent, flows_embryonic}' "$R/after$fam.json")
	if [ "$emb" = '{"syn_sent":0,"syn_recv":0,"sp_syn_sent":0,"flows_embryonic":0}' ]; then
		e2e_pass "IPv$fam: no embryonic entry afterwards ($emb)"
	else
		e2e_fail "IPv$fam: embryonic entries afterwards: $emb"
	fi
}
flood_case 4 "$SP4"
flood_case 6 "$SP6"

# Instances that do not listen. A client that waits before sending: both
# instances are tried (connect_failures +2), then it gets an RST
# (synproxy_rsts +1). curl, which sends its request at once (the SYN proxy
# completed its handshake), sees the connection reset, not a timeout.
dead_case() { # FAMILY VIP
	local fam=$1 vip=$2 url rc out f r
	[ "$fam" = 4 ] && url="http://$vip:81/" || url="http://[$vip]:81/"
	nat_counters >"$R/dead-before$fam.json"
	out=$(lab_in "$LAB_NS_CL" "$LAB_PY" -c '
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], 81), timeout=8)
    print("data %r" % s.recv(1))
except ConnectionResetError:
    print("reset")
except OSError as e:
    print("%s: %s" % (type(e).__name__, e))' "$vip" 2>&1) || true
	nat_counters >"$R/dead-after$fam.json"
	f=$(($(field "$R/dead-after$fam.json" connect_failures) - $(field "$R/dead-before$fam.json" connect_failures)))
	r=$(($(field "$R/dead-after$fam.json" synproxy_rsts) - $(field "$R/dead-before$fam.json" synproxy_rsts)))
	if [ "$out" = reset ] && [ "$f" = 2 ] && [ "$r" = 1 ]; then
		e2e_pass "IPv$fam: no instance listens: the waiting client is reset once both instances were tried (connect_failures +$f, synproxy_rsts +$r)"
	else
		e2e_fail "IPv$fam: no instance listens: client saw '$out' (want reset), connect_failures +$f (want 2), synproxy_rsts +$r (want 1)"
	fi
	# 7, 55 or 56: the RST came before curl saw its connect finish, while it
	# sent its request, or while it waited for the answer; never a timeout
	rc=0
	lab_in "$LAB_NS_CL" curl -s -g -m 10 "$url" >/dev/null 2>&1 || rc=$?
	case $rc in
	7 | 55 | 56) e2e_pass "IPv$fam: no instance listens: curl's connection is reset (exit $rc)" ;;
	*) e2e_fail "IPv$fam: no instance listens: curl exit $rc (want 7, 55 or 56: reset)" ;;
	esac
}
dead_case 4 "$DEAD4"
dead_case 6 "$DEAD6"
e2e_end
