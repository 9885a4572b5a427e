#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Full NAT end to end (lab_up dp --router --nat): the client behind the
# router, backends 1-3 with no VIP and no route to the client's link,
# reached from the NAT sources that sluiced put on the lb interface.
# Asserts: sluiced added the sources (IPv4 /32, IPv6 /128) and the
# backends resolved them (ARP/ND answered by the kernel); the dataplane's
# NAT counters (read from the segment) show the established connections
# and their source ports during a run; IPv4 and IPv6 nat VIPs serve short
# requests (slload and wrk) and keep-alive connections with no failure,
# short ones balanced 33 % +- 10 % over the instances; UDP
# request/response over both families; iperf3 both directions for 10 s
# with window scaling and GRO on the hosts: client -> backend within 30 %
# of the tunnel mode's (a tunnel VIP on backend 4, the same run, the best
# of three rounds);
# backend -> client at least half the tunnel's client -> backend in
# packets per second through the dataplane, as the tunnel's replies bypass
# it (the hosts on CPU 0, the worker alone on CPU 1); a 64 MiB
# download with the right sha256 over both families, also while sl_loss
# drops 1 % of the backends' data segments; the XDP
# program counted the steered replies; sluiced killed (-9) and started
# again finds its sources on the interface, takes them as its own (each
# once, none added again) and the VIP serves on; stopped with SIGTERM,
# it takes them off the interface.
E2E_NAME=lb_nat
. "$(dirname "$0")/e2e_lib.sh"
e2e_begin n

N=${E2E_REQUESTS:-3000}
VIP4=198.18.100.10
VIP6=2001:2:0:100::10
UDP4=198.18.100.11
UDP6=2001:2:0:100::11
PERF_NAT=198.18.100.12
PERF_TUN=$LAB_VIP_TUNPERF

lab_up dp --router --nat || e2e_fatal "lab_up --router --nat"
R=$LAB_DIR
vips="$(lab_nat_vip nat4 $VIP4 80 tcp natweb), $(lab_nat_vip nat6 $VIP6 80 tcp natweb6),
  $(lab_nat_vip natdns $UDP4 53 udp natweb), $(lab_nat_vip natdns6 $UDP6 53 udp natweb6),
  $(lab_nat_vip natperf $PERF_NAT 5201 tcp perf 'hash = "3-tuple";'),
  { name = \"tunperf\"; address = \"$PERF_TUN\"; port = 5201; protocol = \"tcp\";
    mode = \"tunnel\"; hash = \"3-tuple\"; pool = \"perftun\"; }"
pools="{ name = \"natweb\"; backends = ( $(lab_pool_backends 4 n- "1 2 3") ); },
  { name = \"natweb6\"; backends = ( $(lab_pool_backends 6 n6- "1 2 3") ); },
  { name = \"perf\"; backends = ( $(lab_pool_backends 4 perf- 1) ); },
  { name = \"perftun\"; backends = ( $(lab_pool_backends 4 tun- 4) ); }"
lab_conf --pool4 4 --pool6 4 --vips "$vips" --pools "$pools" \
	--extra "$(lab_nat_section)" >"$LAB_CONF"
lab_sluice_up || e2e_fatal "sluiced + sluice-dp forward a first request (tunnel, backend 4)"
lab_wait_forwarding "$VIP4" || e2e_fatal "a first request through the nat VIP $VIP4"
e2e_pass "sluiced + sluice-dp up, a first request through nat VIP $VIP4"

# --- the sources on the interface, ARP/ND answered ------------------------
addrs=$(ip -n "$LAB_NS_LB" -o addr show dev "$LAB_IF_LB")
if grep -q "inet $LAB_NAT_SRC4/32 " <<<"$addrs" && grep -q "inet6 $LAB_NAT_SRC6/128 " <<<"$addrs"; then
	e2e_pass "sluiced added $LAB_NAT_SRC4/32 and $LAB_NAT_SRC6/128 to $LAB_IF_LB"
else
	e2e_fail "the NAT sources are not on $LAB_IF_LB: $addrs"
fi
# --- short and keep-alive HTTP, both families ------------------------------
short() { # LABEL VIP
	local f=$R/$(echo "$1" | tr -c 'a-zA-Z0-9\n' _).json
	lab_load http --host "$2" -n "$N" -c 16 --timeout 3 --deadline 90 >"$f" || true
	e2e_result "$1: $N short requests" "$f" --instances be1,be2,be3 --share 0.3333 --tolerance 0.10
}
# the dataplane's NAT counters, summed over workers (tests/e2e/sl_nat_counters.c)
nat_counters() { "$SLUICE_BUILD_DIR/tests/sl_nat_counters" "$LAB_INSTANCE"; }
lab_load keepalive --host "$VIP4" -n 1000 -c 8 --deadline 30 >"$R/during.json" &
load_pid=$!
lab_wait 10 "8 established NAT connections" \
	"nat_counters >$R/nat-during.json && [ \$(jq .conns.established $R/nat-during.json) -ge 8 ]" || true
wait "$load_pid" || true
c=$(jq -r '.conns.established' "$R/nat-during.json" 2>/dev/null || echo 0)
p=$(jq -r '.ports_in_use' "$R/nat-during.json" 2>/dev/null || echo 0)
if [ "${c:-0}" -ge 8 ] && [ "${p:-0}" -ge "${c:-0}" ]; then
	e2e_pass "during 8 keep-alive connections the dataplane holds $c established NAT connections on $p source ports ($(jq -c .conns "$R/nat-during.json"))"
else
	e2e_fail "not 8 established NAT connections on as many ports during a load: $(cat "$R/nat-during.json")"
fi
e2e_result "nat IPv4 keep-alive while counting: 8 connections x 1000 requests" "$R/during.json"
short "nat IPv4 $VIP4" "$VIP4"
short "nat IPv6 $VIP6" "$VIP6"
lab_load keepalive --host "$VIP4" -n 500 -c 8 --deadline 30 >"$R/ka4.json" || true
e2e_result "nat IPv4 keep-alive: 8 connections x 500 requests" "$R/ka4.json"
lab_load keepalive --host "$VIP6" -n 500 -c 8 --deadline 30 >"$R/ka6.json" || true
e2e_result "nat IPv6 keep-alive: 8 connections x 500 requests" "$R/ka6.json"

wrk_run() { # LABEL URL [wrk options]: no socket error, no non-2xx answer
	local label=$1 url=$2 out
	shift 2
	out=$(lab_in "$LAB_NS_CL" timeout 30 wrk -t1 -c16 -d4s "$@" "$url" 2>&1) || true
	if grep -q 'Requests/sec' <<<"$out" && ! grep -Eq 'Socket errors|Non-2xx' <<<"$out"; then
		e2e_pass "$label: $(grep -E '^ +[0-9]+ requests' <<<"$out" | xargs)"
	else
		e2e_fail "$label: $out"
	fi
}
wrk_run "wrk keep-alive $VIP4" "http://$VIP4/"
wrk_run "wrk short connections $VIP4" "http://$VIP4/" -H "Connection: close"
wrk_run "wrk keep-alive [$VIP6]" "http://[$VIP6]/"
wrk_run "wrk short connections [$VIP6]" "http://[$VIP6]/" -H "Connection: close"

# --- UDP request/response ----------------------------------------------------
lab_load udp --host "$UDP4" --port 53 -n 900 -c 8 --timeout 2 --deadline 60 >"$R/udp4.json" || true
e2e_result "nat UDP $UDP4:53: 900 datagrams" "$R/udp4.json" --instances be1,be2,be3 --share 0.3333 --tolerance 0.10
lab_load udp --host "$UDP6" --port 53 -n 900 -c 8 --timeout 2 --deadline 60 >"$R/udp6.json" || true
e2e_result "nat UDP [$UDP6]:53: 900 datagrams" "$R/udp6.json" --instances be1,be2,be3 --share 0.3333 --tolerance 0.10

# --- iperf3 against the tunnel, the same run ----------------------------------
for ns in "$LAB_NS_CL" "$(lab_ns_be 1)" "$(lab_ns_be 4)"; do
	lab_sysctl "$ns" net.ipv4.tcp_window_scaling=1
done
lab_hosts_on_cpu0
# GRO on the iperf3 hosts' interfaces, as a NIC's driver does: without it
# the receiver acknowledges every second segment, and each of those ACKs
# crosses the dataplane in full NAT (never in the tunnel, whose replies
# bypass it), so the runs would compare the lab's veths, not the modes
ip netns exec "$LAB_NS_CL" ethtool -K "$LAB_IF_CL" gro on >/dev/null
for b in 1 4; do ip netns exec "$(lab_ns_be "$b")" ethtool -K "$(lab_if_be "$b")" gro on >/dev/null; done
lab_in "$(lab_ns_be 1)" taskset -c 0 iperf3 -s -D -p 5201 --logfile "$R/iperf-be1.log"
lab_in "$(lab_ns_be 4)" taskset -c 0 iperf3 -s -D -p 5201 --logfile "$R/iperf-be4.log"
lab_wait 10 "iperf3 servers" "lab_in $(lab_ns_be 1) ss -Hltn 'sport = :5201' | grep -q . &&
	lab_in $(lab_ns_be 4) ss -Hltn 'sport = :5201' | grep -q ."
# packets the dataplane has sent, all workers
dp_tx() { lab_ctl stats --json 2>/dev/null | jq '[.workers[].tx_packets] | add // 0' 2>/dev/null || echo 0; }
perf() { # VIP [-R]: "BITS PACKETS": bits per second received, packets per second the dataplane sent (0 0: failed)
	local b t0 t1
	t0=$(dp_tx)
	# a run that fails (iperf3's error, its timeout) is a 0, never the script's end (set -e)
	b=$(lab_in "$LAB_NS_CL" timeout 30 taskset -c 0 iperf3 -c "$1" -p 5201 -t 10 -J ${2:-} 2>/dev/null |
		jq -r '.end.sum_received.bits_per_second // 0 | floor' 2>/dev/null) || b=0
	t1=$(dp_tx)
	if [ "${b:-0}" -gt 0 ]; then echo "$b $(((t1 - t0) / 10))"; else echo "0 0"; fi
}
# Three rounds (of five at most: one whose runs did not all complete does
# not count), each the tunnel's client -> backend run, then full NAT's
# both ways; each round's ratios, the best of them held to 70 %: the 2
# cores are shared with the hosts, whose interference only ever slows a
# run, and a round's runs see the same conditions where rounds apart may
# not. The hosts' stacks and iperf3 run on CPU 0, the
# dataplane's worker has CPU 1 (lab_hosts_on_cpu0): otherwise the kernel
# charges whichever host a packet is sent to to the core that sent it, the
# worker's for every packet the dataplane transmits.
# Client -> backend is held on bits per second. Backend -> client is held
# on the packets per second the dataplane sends: the tunnel's replies leave
# the backend straight for the client, so the only tunnel figure through
# the dataplane is its client -> backend run, where the dataplane carries
# the data alone; full NAT's backend -> client run carries the client's
# ACKs through it too (one for every two segments), and on this lab the
# worker's core (every packet a sendto into the kernel's veth) is what
# limits both. Its bits per second are shown beside, and the tunnel's own
# -R figure, bypassing the dataplane.
pct() { # NAT TUNNEL: NAT as a percentage of TUNNEL (0 if either is missing)
	if [ "${1:-0}" -gt 0 ] && [ "${2:-0}" -gt 0 ]; then echo $(($1 * 100 / $2)); else echo 0; fi
}
best3() { printf '%s\n' "$@" | sort -n | tail -n 1; }
up_pcts=() down_pcts=() down_bit_pcts=() rounds=""
for ((round = 0; round < 5 && ${#up_pcts[@]} < 3; round++)); do
	read -r tun_up tun_up_pps < <(perf "$PERF_TUN") || { tun_up=0 tun_up_pps=0; }
	read -r nat_up nat_up_pps < <(perf "$PERF_NAT") || { nat_up=0 nat_up_pps=0; }
	read -r nat_down nat_down_pps < <(perf "$PERF_NAT" -R) || { nat_down=0 nat_down_pps=0; }
	rounds+=" [tunnel $((tun_up / 1000000)) Mbit/s $((tun_up_pps / 1000)) kpps, nat up"
	rounds+=" $((nat_up / 1000000)) Mbit/s $((nat_up_pps / 1000)) kpps, nat down $((nat_down / 1000000)) Mbit/s $((nat_down_pps / 1000)) kpps]"
	# a run that did not complete (0) leaves its round out; five rounds at most
	[ "$tun_up" -gt 0 ] && [ "$nat_up" -gt 0 ] && [ "$nat_down" -gt 0 ] || continue
	up_pcts+=("$(pct "$nat_up" "$tun_up")")
	down_pcts+=("$(pct "$nat_down_pps" "$tun_up_pps")")
	down_bit_pcts+=("$(pct "$nat_down" "$tun_up")")
done
read -r tun_down _ < <(perf "$PERF_TUN" -R) || tun_down=0
ratio_check() { # LABEL WHAT FLOOR PERCENTAGES...
	local label=$1 what=$2 floor=$3 m
	shift 3
	m=$(best3 "$@")
	if [ $# = 3 ] && [ "${m:-0}" -ge "$floor" ]; then
		e2e_pass "$label: nat at $m % of the tunnel's $what (best of $* %;$rounds)"
	else
		e2e_fail "$label: nat at ${m:-?} % of the tunnel's $what (best of $* %;$rounds), want >= $floor %"
	fi
}
ratio_check "iperf3 client to backend 10 s" "bits per second" 70 "${up_pcts[@]:-}"
# Backend -> client is held to 50 %: on this lab the client's side of it
# (the router forwarding every segment the dataplane sends, one at a time,
# and the client's stack) and the backend's sending share CPU 0, where the
# tunnel's client -> backend data crosses the router as the client's
# large segments; 62-97 % here, the figure printed.
ratio_check "iperf3 backend to client 10 s (bits per second: $(best3 "${down_bit_pcts[@]:-0}") %; the tunnel's -R, bypassing the dataplane: $((${tun_down:-0} / 1000000)) Mbit/s)" \
	"packets per second through the dataplane" 50 "${down_pcts[@]:-}"

# --- 64 MiB download, then with 1 % loss ------------------------------------
head -c $((64 << 20)) /dev/urandom >"$R/big"
want=$(sha256sum <"$R/big" | cut -d' ' -f1)
for b in 1 2 3; do cp "$R/big" "$R/be$b/big"; done
download() { # LABEL URL
	local got
	got=$(lab_in "$LAB_NS_CL" curl -s -g --max-time 60 "$2" | sha256sum | cut -d' ' -f1)
	if [ "$got" = "$want" ]; then
		e2e_pass "$1: 64 MiB, sha256 matches"
	else
		e2e_fail "$1: sha256 $got, want $want"
	fi
}
download "download $VIP4" "http://$VIP4/big"
download "download [$VIP6]" "http://[$VIP6]/big"
loss_pids=""
for b in 1 2 3; do
	ip -n "$(lab_ns_be "$b")" link set "$(lab_if_be "$b")" gso_max_segs 1
	# not through lab_in: $! must be sl_loss itself (ip netns exec execs it)
	ip netns exec "$(lab_ns_be "$b")" "$SLUICE_BUILD_DIR/tests/sl_loss" "$(lab_if_be "$b")" 10 \
		>"$R/loss$b.log" 2>&1 &
	loss_pids="$loss_pids $!"
done
for b in 1 2 3; do lab_wait 10 "sl_loss on backend $b" "grep -q attached $R/loss$b.log"; done
download "download $VIP4 with 1 % of the backend's segments dropped" "http://$VIP4/big"
download "download [$VIP6] with 1 % of the backend's segments dropped" "http://[$VIP6]/big"
# shellcheck disable=SC2086
kill -INT $loss_pids 2>/dev/null || true
wait $loss_pids 2>/dev/null || true
dropped=$(cat "$R"/loss[123].log | awk '{for (i = 2; i <= NF; i++) if ($i == "dropped") d += $(i - 1)} END {print d + 0}')
if [ "${dropped:-0}" -gt 0 ]; then
	e2e_pass "sl_loss dropped $dropped segments during those downloads ($(grep -h '^sl_loss' "$R"/loss[123].log | xargs))"
else
	e2e_fail "sl_loss dropped nothing: $(cat "$R"/loss[123].log)"
fi

# --- ARP/ND for the sources (answered by the kernel: the backends talked to them)
if lab_in "$(lab_ns_be 1)" ip neigh show "$LAB_NAT_SRC4" | grep -Eq 'REACHABLE|STALE|DELAY|PROBE' &&
	lab_in "$(lab_ns_be 1)" ip -6 neigh show "$LAB_NAT_SRC6" | grep -Eq 'REACHABLE|STALE|DELAY|PROBE'; then
	e2e_pass "backend 1 resolved both NAT sources (ARP, ND)"
else
	e2e_fail "backend 1 has no neighbour entry for the sources: $(lab_in "$(lab_ns_be 1)" ip neigh 2>&1)"
fi

# --- what steered the replies -------------------------------------------------
if lab_ctl xdp "$LAB_IF_LB" --json >"$R/xdp.json" 2>&1 && [ "$(jq -r '.redirected_nat // 0' "$R/xdp.json")" -gt 0 ]; then
	e2e_pass "the XDP program steered NAT replies to the dataplane (redirected_nat $(jq -r .redirected_nat "$R/xdp.json"))"
else
	e2e_fail "sluicectl xdp shows no redirected_nat: $(head -c 400 "$R/xdp.json")"
fi
# --- sluiced killed and started again: its sources stay, taken as its own ----
kill -9 "$SLUICED_PID"
wait "$SLUICED_PID" 2>/dev/null || true
if lab_in "$LAB_NS_CL" curl -s -m 3 "http://$VIP4/" | grep -q '^be'; then
	e2e_pass "sluiced killed: the dataplane still serves nat VIP $VIP4 (the sources stay)"
else
	e2e_fail "sluiced killed: nat VIP $VIP4 no longer served"
fi
since_start() { awk '/^=== .* start$/ {buf = ""} {buf = buf $0 "\n"} END {printf "%s", buf}' "$R/sluiced.log"; }
lab_start_sluiced || e2e_fatal "sluiced started again after kill -9"
lab_wait 20 "the restarted sluiced to publish" "since_start | grep -q 'published generation'" || true
addrs=$(ip -n "$LAB_NS_LB" -o addr show dev "$LAB_IF_LB")
n4=$(grep -c "inet $LAB_NAT_SRC4/32 " <<<"$addrs" || true)
n6=$(grep -c "inet6 $LAB_NAT_SRC6/128 " <<<"$addrs" || true)
restart_log=$(since_start)
if [ "$n4" = 1 ] && [ "$n6" = 1 ] && ! grep -q "ERROR" <<<"$restart_log" &&
	! grep -q "nat: source .* added" <<<"$restart_log"; then
	e2e_pass "sluiced restarted after kill -9: it took its sources as its own (each once, none added again, no error)"
else
	e2e_fail "sluiced restarted after kill -9: $n4 x $LAB_NAT_SRC4, $n6 x $LAB_NAT_SRC6; its log: $(grep -E 'ERROR|nat:' <<<"$restart_log" | head -5)"
fi
short "nat IPv4 $VIP4 after the restart" "$VIP4"
# --- sluiced stopped (SIGTERM): the addresses it added go with it ------------
kill -TERM "$SLUICED_PID"
wait "$SLUICED_PID" 2>/dev/null || true
addrs=$(ip -n "$LAB_NS_LB" -o addr show dev "$LAB_IF_LB")
if ! grep -q "$LAB_NAT_SRC4/32" <<<"$addrs" && ! grep -q "$LAB_NAT_SRC6/128" <<<"$addrs" &&
	grep -q "inet $LAB_LB4/24 " <<<"$addrs"; then
	e2e_pass "sluiced stopped: it removed the sources it added, the interface's own address stays"
else
	e2e_fail "sluiced stopped: $LAB_IF_LB still has: $addrs"
fi
e2e_end
