# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# The namespace lab: a one-arm load balancer on one L2 segment, built from
# network namespaces, for the demo and the end-to-end tests. Source this file
# (it is `set -euo pipefail` friendly), then call lab_up, and always call
# lab_down (from a trap on EXIT). docs/lab.md draws the topology.
#
#   ns <P>-fab   bridge <P>br0 joining every veth peer (<P>-fcl, <P>-flb, <P>-fb1..3)
#   ns <P>-cl    client      <P>-cl0   198.18.1.2/24   2001:2:0:1::2/64
#   ns <P>-lb    appliance   <P>-lb0   198.18.1.1/24   2001:2:0:1::1/64
#   ns <P>-beN   backend N   <P>-beN   198.18.1.1N/24  2001:2:0:1::1N/64, VIPs on lo
#
# With a router (lab_up MODE --router), the client sits on a link of its own
# behind a router on the fabric, as clients of an edge appliance do:
#   ns <P>-rt    router      <P>-rt0   198.18.1.3/24   2001:2:0:1::3/64 (fabric)
#                            <P>-rtc   198.18.2.1/24   2001:2:0:2::1/64 (client link)
#   ns <P>-cl    client      <P>-cl0   198.18.2.2/24   2001:2:0:2::2/64
# lab_router_mtu N sets the router's side of the client link (path MTU tests).
#
# With --nat as well (lab_up MODE --router --nat), backends 1-3 are what full
# NAT serves: no VIP on lo, no route to the client's link, full checksums on
# what they send (their replies go through the dataplane); backend 4 is
# added as a tunnel backend as before (it also holds LAB_VIP_TUNPERF), the
# peer that NAT is measured against, sending MTU-sized segments as the NAT
# backends do. The NAT sources are LAB_NAT_SRC4/6.
#
# <P> is $SL_LAB (default "sl"); the demo and each test use their own so two
# labs never collide. Everything the lab creates is named from it: the
# namespaces, the work directory $LAB_DIR (/tmp/sluice-lab-<P>), the sluice
# instance <P>lab (/dev/shm/sluice-<P>lab) and the DPDK file prefix <P>-dp.
#
# Two modes: "dp" (default) leaves forwarding to sluice-dp on <P>-lb0; "kernel"
# makes the lb namespace an ECMP router (L4 hash) towards the backends, which
# is the same path as dsr mode and lets the harness be checked without the
# dataplane (tests/e2e/lab_kernel.sh).

: "${SL_LAB:=sl}"

LAB_SH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${SLUICE_SOURCE_DIR:=$(cd "$LAB_SH_DIR/../.." && pwd)}"
: "${SLUICE_BUILD_DIR:=$SLUICE_SOURCE_DIR/build}"
LAB_PY=/usr/bin/python3 # Debian's: the pyenv shim on PATH forks (lab.md)
LAB_LOAD="$LAB_SH_DIR/slload.py"

# Addresses (fixed: every lab lives in its own namespaces).
LAB_NET4=198.18.1
LAB_NET6=2001:2:0:1
LAB_CL4=198.18.1.2
LAB_CL6=2001:2:0:1::2
LAB_LB4=198.18.1.1
LAB_LB6=2001:2:0:1::1
LAB_VIP_WEB=198.18.100.1
LAB_VIP_WEB6=2001:2:0:100::1
LAB_VIP_DSR=198.18.100.2
LAB_VIP_UDP=198.18.100.3
LAB_VIP_DSR6=2001:2:0:100::2
LAB_VIP_UDP6=2001:2:0:100::3
LAB_VIPS4="$LAB_VIP_WEB $LAB_VIP_DSR $LAB_VIP_UDP"
LAB_VIPS6="$LAB_VIP_WEB6 $LAB_VIP_DSR6 $LAB_VIP_UDP6"
LAB_RT4=198.18.1.3
LAB_RT6=2001:2:0:1::3
LAB_CLNET4=198.18.2
LAB_CLNET6=2001:2:0:2
LAB_VIPNET4=198.18.100.0/24
LAB_VIPNET6=2001:2:0:100::/64
LAB_UDP_PORT=53
LAB_BACKENDS="1 2 3"
LAB_NAT_SRC4=198.18.1.50
LAB_NAT_SRC6=2001:2:0:1::50
LAB_VIP_TUNPERF=198.18.100.13 # --nat: a tunnel VIP of backend 4 alone

lab_names() {
	P=$SL_LAB
	LAB_NS_FAB=$P-fab
	LAB_NS_CL=$P-cl
	LAB_NS_LB=$P-lb
	LAB_NS_RT=$P-rt
	LAB_BR=${P}br0
	LAB_IF_CL=$P-cl0
	LAB_IF_LB=$P-lb0
	LAB_INSTANCE=${P}lab
	LAB_DIR=${LAB_DIR_BASE:-/tmp}/sluice-lab-$P
	LAB_CONF=$LAB_DIR/sluice.conf
	LAB_DP_PREFIX=$P-dp
	if [ ${#LAB_IF_CL} -gt 15 ] || [ ${#P} -gt 9 ]; then
		echo "lab: SL_LAB='$P' is too long (at most 9 characters)" >&2
		return 1
	fi
}
lab_names

lab_ns_be() { echo "$SL_LAB-be$1"; }
lab_if_be() { echo "$SL_LAB-be$1"; }
lab_be4() { echo "$LAB_NET4.1$1"; }
lab_be6() { echo "$LAB_NET6::1$1"; }
lab_be_name() { echo "be$1"; }
# lab_be_nat B: whether backend B is a full-NAT backend (no VIP, no route to the client).
lab_be_nat() { [ "${LAB_NAT:-0}" = 1 ] && [ "$1" != 4 ]; }
# The client's addresses: on the fabric, or behind the router.
lab_client_addrs() {
	if [ "${LAB_ROUTER:-0}" = 1 ]; then
		LAB_CL4=$LAB_CLNET4.2
		LAB_CL6=$LAB_CLNET6::2
	else
		LAB_CL4=198.18.1.2
		LAB_CL6=2001:2:0:1::2
	fi
}

lab_all_ns() {
	local b
	echo "$LAB_NS_CL $LAB_NS_LB"
	if [ "${LAB_ROUTER:-0}" = 1 ] || [ -e "/run/netns/$LAB_NS_RT" ]; then
		echo "$LAB_NS_RT"
	fi
	for b in $LAB_BACKENDS; do lab_ns_be "$b"; done
	echo "$LAB_NS_FAB"
}

lab_log() { echo "lab[$SL_LAB]: $*" >&2; }
lab_die() {
	echo "lab[$SL_LAB]: ERROR: $*" >&2
	return 1
}

# lab_in NS CMD...: run CMD inside namespace NS.
lab_in() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

lab_sysctl() { # NS KEY=VALUE...
	local ns=$1 kv
	shift
	for kv in "$@"; do
		ip netns exec "$ns" sysctl -qw "$kv" >/dev/null ||
			lab_die "sysctl $kv in $ns failed"
	done
}

# lab_hosts_on_cpu0: every lab namespace takes its received packets on CPU 0
# (RPS), away from the dataplane's worker on CPU 1 (eal "-l 0-1"). On real
# hardware the client and the backends are other machines; a throughput
# comparison must not charge their TCP stacks to the worker's core in one
# mode and not in the other. Run their processes under `taskset -c 0`.
lab_hosts_on_cpu0() {
	local ns f
	for ns in $(lab_all_ns); do
		for f in $(ip netns exec "$ns" sh -c 'echo /sys/class/net/*/queues/rx-*/rps_cpus'); do
			[ -e "$f" ] || continue
			ip netns exec "$ns" sh -c "echo 1 >$f" || lab_log "rps_cpus $f in $ns: not set"
		done
	done
}

# Add a veth whose one end (IF) lives in NS and whose peer (PEER) is a port of
# the fabric bridge.
lab_attach() { # NS IF PEER
	local ns=$1 ifn=$2 peer=$3
	ip -n "$LAB_NS_FAB" link add "$peer" type veth peer name "$ifn" netns "$ns"
	ip -n "$LAB_NS_FAB" link set "$peer" master "$LAB_BR" up
	lab_sysctl "$ns" "net.ipv6.conf.$ifn.accept_dad=0" "net.ipv4.conf.$ifn.rp_filter=0"
	ip -n "$ns" link set lo up
}

lab_ns_common() { # NS
	lab_sysctl "$1" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

lab_topology() { # MODE
	local mode=$1 b ns ifn nh4 nh6
	local ns_list
	ns_list=$(lab_all_ns)
	for ns in $ns_list; do
		ip netns add "$ns"
	done
	for ns in $ns_list; do
		lab_ns_common "$ns"
	done

	# Fabric: one bridge, no IPv6 noise of its own.
	lab_sysctl "$LAB_NS_FAB" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$LAB_NS_FAB" link add "$LAB_BR" type bridge
	ip -n "$LAB_NS_FAB" link set "$LAB_BR" up
	ip -n "$LAB_NS_FAB" link set lo up

	# Client: on the fabric, routing the VIPs to the appliance; or behind
	# the router, which routes them there.
	if [ "${LAB_ROUTER:-0}" = 1 ]; then
		lab_router
	else
		lab_attach "$LAB_NS_CL" "$LAB_IF_CL" "$P-fcl"
		ip -n "$LAB_NS_CL" addr add "$LAB_CL4/24" dev "$LAB_IF_CL"
		ip -n "$LAB_NS_CL" addr add "$LAB_CL6/64" dev "$LAB_IF_CL" nodad
		ip -n "$LAB_NS_CL" link set "$LAB_IF_CL" up
		ip -n "$LAB_NS_CL" route add "$LAB_VIPNET4" via "$LAB_LB4" dev "$LAB_IF_CL"
		ip -n "$LAB_NS_CL" -6 route add "$LAB_VIPNET6" via "$LAB_LB6" dev "$LAB_IF_CL"
	fi
	# The kernel would send CHECKSUM_PARTIAL frames into the dataplane: every
	# TCP segment would leave it with a bad checksum (lab.md).
	ip netns exec "$LAB_NS_CL" ethtool -K "$LAB_IF_CL" tx off >/dev/null
	lab_sysctl "$LAB_NS_CL" net.ipv4.tcp_tw_reuse=1 "net.ipv4.ip_local_port_range=1024 65000" \
		net.ipv4.conf.all.accept_redirects=0 "net.ipv4.conf.$LAB_IF_CL.accept_redirects=0" \
		net.ipv6.conf.all.accept_redirects=0 "net.ipv6.conf.$LAB_IF_CL.accept_redirects=0"

	# Appliance: the kernel keeps the addresses (ARP/ND, health checks); in dp
	# mode sluice-dp owns the VIP traffic on the same interface.
	lab_attach "$LAB_NS_LB" "$LAB_IF_LB" "$P-flb"
	ip -n "$LAB_NS_LB" addr add "$LAB_LB4/24" dev "$LAB_IF_LB"
	ip -n "$LAB_NS_LB" addr add "$LAB_LB6/64" dev "$LAB_IF_LB" nodad
	ip -n "$LAB_NS_LB" link set "$LAB_IF_LB" up
	lab_sysctl "$LAB_NS_LB" net.ipv4.tcp_tw_reuse=1 "net.ipv4.ip_local_port_range=1024 65000"
	if [ "${LAB_ROUTER:-0}" = 1 ]; then
		ip -n "$LAB_NS_LB" route add "$LAB_CLNET4.0/24" via "$LAB_RT4"
		ip -n "$LAB_NS_LB" -6 route add "$LAB_CLNET6::/64" via "$LAB_RT6"
	fi

	# Backends: VIPs on lo, never answered for on the wire.
	for b in $LAB_BACKENDS; do
		ns=$(lab_ns_be "$b")
		ifn=$(lab_if_be "$b")
		lab_attach "$ns" "$ifn" "$P-fb$b"
		lab_sysctl "$ns" net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
			"net.ipv4.conf.$ifn.arp_ignore=1" "net.ipv4.conf.$ifn.arp_announce=2" \
			net.ipv4.conf.lo.rp_filter=0 net.ipv4.tcp_tw_reuse=1
		ip -n "$ns" addr add "$(lab_be4 "$b")/24" dev "$ifn"
		ip -n "$ns" addr add "$(lab_be6 "$b")/64" dev "$ifn" nodad
		if lab_be_nat "$b"; then
			# its replies go to the dataplane, which wants full checksums (lab.md)
			ip netns exec "$ns" ethtool -K "$ifn" tx off >/dev/null
			ip -n "$ns" link set "$ifn" up
			continue
		fi
		local v
		if [ "${LAB_NAT:-0}" = 1 ]; then
			ip -n "$ns" addr add "$LAB_VIP_TUNPERF/32" dev lo
			# MTU-sized segments like the NAT backends', so throughput compares paths
			ip netns exec "$ns" ethtool -K "$ifn" tx off >/dev/null
		fi
		for v in $LAB_VIPS4; do ip -n "$ns" addr add "$v/32" dev lo; done
		# IPv6 answers neighbour solicitations only for addresses on the
		# receiving interface, so a VIP on lo stays silent on the wire.
		for v in $LAB_VIPS6; do ip -n "$ns" addr add "$v/128" dev lo nodad; done
		ip -n "$ns" link set "$ifn" up
		# Replies to the client leave directly (same segment); name the
		# route so a VIP-sourced reply never looks for a default route.
		ip -n "$ns" route replace "$LAB_NET4.0/24" dev "$ifn" src "$(lab_be4 "$b")"
		if [ "${LAB_ROUTER:-0}" = 1 ]; then
			ip -n "$ns" route add "$LAB_CLNET4.0/24" via "$LAB_RT4" dev "$ifn"
			ip -n "$ns" -6 route add "$LAB_CLNET6::/64" via "$LAB_RT6" dev "$ifn"
		fi
	done

	if [ "$mode" = kernel ]; then
		# ECMP router with an L4 hash: the dsr path without sluice-dp.
		nh4="" nh6=""
		for b in $LAB_BACKENDS; do
			nh4="$nh4 nexthop via $(lab_be4 "$b") dev $LAB_IF_LB"
			nh6="$nh6 nexthop via $(lab_be6 "$b") dev $LAB_IF_LB"
		done
		lab_sysctl "$LAB_NS_LB" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
			net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1 \
			net.ipv4.conf.all.send_redirects=0 "net.ipv4.conf.$LAB_IF_LB.send_redirects=0"
		# shellcheck disable=SC2086
		ip -n "$LAB_NS_LB" route add "$LAB_VIPNET4" $nh4
		# shellcheck disable=SC2086
		ip -n "$LAB_NS_LB" -6 route add "$LAB_VIPNET6" $nh6
	else
		# Only sluice-dp forwards; the kernel must not route what leaks.
		lab_sysctl "$LAB_NS_LB" net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
	fi
}

# The router and the client's own link (see the top of this file).
lab_router() {
	local rt0=$P-rt0 rtc=$P-rtc
	lab_attach "$LAB_NS_RT" "$rt0" "$P-frt"
	ip -n "$LAB_NS_RT" addr add "$LAB_RT4/24" dev "$rt0"
	ip -n "$LAB_NS_RT" addr add "$LAB_RT6/64" dev "$rt0" nodad
	ip -n "$LAB_NS_RT" link set "$rt0" up
	ip -n "$LAB_NS_RT" link add "$rtc" type veth peer name "$LAB_IF_CL" netns "$LAB_NS_CL"
	lab_sysctl "$LAB_NS_RT" "net.ipv6.conf.$rtc.accept_dad=0" "net.ipv4.conf.$rtc.rp_filter=0" \
		net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.send_redirects=0 "net.ipv4.conf.$rt0.send_redirects=0"
	lab_sysctl "$LAB_NS_CL" "net.ipv6.conf.$LAB_IF_CL.accept_dad=0" \
		"net.ipv4.conf.$LAB_IF_CL.rp_filter=0"
	ip -n "$LAB_NS_RT" addr add "$LAB_CLNET4.1/24" dev "$rtc"
	ip -n "$LAB_NS_RT" addr add "$LAB_CLNET6::1/64" dev "$rtc" nodad
	ip -n "$LAB_NS_RT" link set "$rtc" up
	ip -n "$LAB_NS_RT" route add "$LAB_VIPNET4" via "$LAB_LB4" dev "$rt0"
	ip -n "$LAB_NS_RT" -6 route add "$LAB_VIPNET6" via "$LAB_LB6" dev "$rt0"
	# what the router forwards into the dataplane must carry full checksums (lab.md)
	ip netns exec "$LAB_NS_RT" ethtool -K "$rt0" tx off >/dev/null
	ip -n "$LAB_NS_CL" link set lo up
	ip -n "$LAB_NS_CL" addr add "$LAB_CL4/24" dev "$LAB_IF_CL"
	ip -n "$LAB_NS_CL" addr add "$LAB_CL6/64" dev "$LAB_IF_CL" nodad
	ip -n "$LAB_NS_CL" link set "$LAB_IF_CL" up
	ip -n "$LAB_NS_CL" route add default via "$LAB_CLNET4.1" dev "$LAB_IF_CL"
	ip -n "$LAB_NS_CL" -6 route add default via "$LAB_CLNET6::1" dev "$LAB_IF_CL"
}

# lab_router_mtu MTU: the router's side of the client link, where replies
# from the instances are forwarded towards the client (router mode only).
lab_router_mtu() {
	ip -n "$LAB_NS_RT" link set dev "$P-rtc" mtu "$1"
}

lab_nginx_conf() { # B DIR
	local b=$1 d=$2 name
	name=$(lab_be_name "$b")
	cat <<EOF
# Backend $name of lab $SL_LAB (generated by tests/lab/lab.sh)
worker_processes 1;
daemon on;
pid $d/nginx.pid;
error_log $d/error.log warn;
worker_rlimit_nofile 20000;
events { worker_connections 8192; }
http {
	access_log off;
	client_body_temp_path $d/tmp;
	proxy_temp_path $d/tmp;
	fastcgi_temp_path $d/tmp;
	keepalive_requests 1000000;
	keepalive_timeout 300s;
	default_type text/plain;
	server {
		listen 80 default_server backlog=4096;
		listen [::]:80 default_server ipv6only=on backlog=4096;
		location / { return 200 "$name\n"; }
		# a large download (path MTU tests write the file)
		location = /big { alias $d/big; default_type application/octet-stream; }
	}
}
EOF
}

lab_start_backends() {
	local b ns d
	for b in $LAB_BACKENDS; do
		ns=$(lab_ns_be "$b")
		d=$LAB_DIR/be$b
		mkdir -p "$d/tmp"
		lab_nginx_conf "$b" "$d" >"$d/nginx.conf"
		ip netns exec "$ns" nginx -q -c "$d/nginx.conf" -p "$d" ||
			lab_die "nginx did not start in $ns (see $d/error.log)"
		# UDP responder: answers each datagram with the instance name, from
		# the address it was sent to.
		local vips="$LAB_VIPS4 $LAB_VIPS6"
		lab_be_nat "$b" && vips=""
		# shellcheck disable=SC2086
		ip netns exec "$ns" "$LAB_PY" "$LAB_SH_DIR/udp_responder.py" --name "$(lab_be_name "$b")" \
			--port "$LAB_UDP_PORT" $vips "$(lab_be4 "$b")" "$(lab_be6 "$b")" \
			>"$d/udp.log" 2>&1 &
	done
	for b in $LAB_BACKENDS; do
		ns=$(lab_ns_be "$b")
		lab_wait 10 "nginx in $ns" "lab_in $ns ss -Hltn 'sport = :80' | grep -q ."
		lab_wait 10 "UDP responder in $ns" "lab_in $ns ss -Hlun 'sport = :$LAB_UDP_PORT' | grep -q ."
	done
}

# lab_wait SECONDS WHAT "SHELL COMMAND": poll the command every 0.1 s until it
# succeeds; fail naming WHAT after SECONDS.
lab_wait() {
	local secs=$1 what=$2 cmd=$3 i
	for ((i = 0; i < secs * 10; i++)); do
		if eval "$cmd" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	lab_die "timed out after ${secs}s waiting for $what"
}

# Wait until the dataplane holds every change sluiced has made so far
# (sluicectl health: settled): a health or discovery event is the model's,
# the publication that carries it to the dataplane comes after it.
lab_wait_settled() { # [SECS]
	lab_wait "${1:-10}" "the dataplane to hold every change" \
		"lab_ctl health --json | jq -e .settled"
}

# Attach the tunnel decapsulation program on every backend (tunnel VIPs need
# it: this kernel has no ipip/fou).
lab_attach_decap() {
	local b ctl=$SLUICE_BUILD_DIR/sluicectl
	[ -x "$ctl" ] || lab_die "no $ctl: build first (ninja -C $SLUICE_BUILD_DIR)"
	for b in $LAB_BACKENDS; do
		ip netns exec "$(lab_ns_be "$b")" "$ctl" backend attach "$(lab_if_be "$b")" \
			>>"$LAB_DIR/decap.log" 2>&1 ||
			lab_die "sluicectl backend attach $(lab_if_be "$b") failed: $(tail -n 5 "$LAB_DIR/decap.log")"
	done
}

# lab_up [kernel|dp] [--router] [--nat]: build the lab from scratch (whatever
# an earlier run left with the same prefix is removed first).
lab_up() {
	local mode=${1:-dp} o
	case $mode in
	kernel | dp) ;;
	*) lab_die "lab_up: mode must be kernel or dp, not '$mode'" ;;
	esac
	LAB_ROUTER=0
	LAB_NAT=0
	for o in "${@:2}"; do
		case $o in
		--router) LAB_ROUTER=1 ;;
		--nat) LAB_NAT=1 ;;
		*) lab_die "lab_up: unknown option $o" ;;
		esac
	done
	if [ "$LAB_NAT" = 1 ]; then
		[ "$LAB_ROUTER" = 1 ] || lab_die "lab_up: --nat needs --router (a client off the backends' subnet)"
		LAB_BACKENDS="1 2 3 4"
	fi
	lab_client_addrs
	[ "$(id -u)" = 0 ] || lab_die "the lab needs root (network namespaces)"
	lab_down
	LAB_MODE=$mode
	mkdir -p "$LAB_DIR"
	chmod 0755 "$LAB_DIR"
	echo "$mode" >"$LAB_DIR/mode"
	lab_topology "$mode"
	lab_start_backends
	# Neighbours first seen: make every address answer before traffic starts.
	lab_wait 10 "client reaches lb" "lab_in $LAB_NS_CL ping -c1 -W1 -q $LAB_LB4"
	lab_log "up ($mode mode) in $LAB_DIR"
}

lab_kill_ns_procs() { # NS SIGNAL
	local pids
	pids=$(ip netns pids "$1" 2>/dev/null || true)
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086
	kill "-$2" $pids 2>/dev/null || true
}

# lab_down: remove everything of lab $SL_LAB. Idempotent, never fails.
lab_down() {
	local ns i left
	local ns_list
	ns_list=$(lab_all_ns)
	# sluice-dp detaches its XDP program on a clean exit: ask nicely first.
	for ns in $ns_list; do
		lab_kill_ns_procs "$ns" TERM
	done
	for ((i = 0; i < 30; i++)); do
		left=""
		for ns in $ns_list; do
			[ -n "$(ip netns pids "$ns" 2>/dev/null || true)" ] && left="$left $ns"
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	for ns in $left; do lab_kill_ns_procs "$ns" KILL; done
	[ -n "$left" ] && sleep 0.2
	ip -n "$LAB_NS_LB" link set dev "$LAB_IF_LB" xdp off 2>/dev/null || true
	for ns in $ns_list; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -f "/dev/shm/sluice-$LAB_INSTANCE" "/run/sluice/$LAB_INSTANCE-xdp.o" \
		"/run/sluice/$LAB_INSTANCE.sock"
	rm -rf "/var/run/dpdk/$LAB_DP_PREFIX" "/run/dpdk/$LAB_DP_PREFIX"
	case $LAB_DIR in
	*/sluice-lab-*) rm -rf "$LAB_DIR" ;;
	esac
	return 0
}

# --- sluice daemons --------------------------------------------------------

# lab_conf [OPTIONS]: print a config for this lab.
#   --pool4 "1 2 3"  backends of the IPv4 pools (web, webdsr, dns)
#   --pool6 "1 2 3"  backends of the IPv6 pool (web6)
#   --bad syntax    a file libconfig cannot parse (refused-reload test)
#   --bad value     parses, but a VIP's port is out of range (65536)
#   --web "SETTINGS"  more settings of pool web, e.g. 'health = { type = "http"; };'
#   --extra "TEXT"    appended at the top level, e.g. a discovery section
#   --flows N         dataplane.flows_per_worker (default 65536)
#   --vips "TEXT"     more VIPs (libconfig groups, comma-separated)
#   --pools "TEXT"    more pools (the same)
#   --events "TEXT"   the events section's settings (default: no flow or request records)
lab_conf() {
	local pool4="$LAB_BACKENDS" pool6="$LAB_BACKENDS" bad="" b sep webport=80
	local web_extra="" extra="" flows=65536 more_vips="" more_pools=""
	# the event stream's records are off unless a suite asks (docs/events.md): the
	# other suites read sluiced's log for its own lines
	local events="flows = false; requests = false;"
	while [ $# -gt 0 ]; do
		case $1 in
		--vips) more_vips=$2; shift 2 ;;
		--pools) more_pools=$2; shift 2 ;;
		--flows) flows=$2; shift 2 ;;
		--pool4) pool4=$2; shift 2 ;;
		--pool6) pool6=$2; shift 2 ;;
		--bad) bad=$2; shift 2 ;;
		--web) web_extra=$2; shift 2 ;;
		--extra) extra=$2; shift 2 ;;
		--events) events=$2; shift 2 ;;
		*) lab_die "lab_conf: unknown option $1" ;;
		esac
	done
	[ "$bad" = value ] && webport=65536
	cat <<EOF
# sluice config for lab $SL_LAB (generated by tests/lab/lab.sh)
instance = "$LAB_INSTANCE";
dataplane = {
  # --no-huge wants -m 1024 and a small mbuf pool (lab.md).
  eal = [ "-l", "0-1", "--no-huge", "-m", "1024", "--no-pci",
          "--file-prefix", "$LAB_DP_PREFIX" ];
  ports = ( { name = "ext0"; devargs = "net_af_xdp0,iface=$LAB_IF_LB"; } );
  flows_per_worker = $flows;
  mbufs = 16384;
  # Tests open ~10 k connections a second and the client reuses its ports
  # within seconds: a closed flow must not outlive that, or a new connection
  # on a recycled 5-tuple follows the old flow's instance and skews the
  # balance the next check measures.
  tcp_fin_timeout = 2;
};
events = { $events };
vips = (
  { name = "web"; address = "$LAB_VIP_WEB"; port = $webport; protocol = "tcp";
    mode = "tunnel"; pool = "web"; },
  { name = "web6"; address = "$LAB_VIP_WEB6"; port = 80; protocol = "tcp";
    mode = "tunnel"; pool = "web6"; },
  { name = "webdsr"; address = "$LAB_VIP_DSR"; port = 80; protocol = "tcp";
    mode = "dsr"; pool = "web"; },
  { name = "dns"; address = "$LAB_VIP_UDP"; port = $LAB_UDP_PORT; protocol = "udp";
    mode = "tunnel"; pool = "web"; },
  { name = "webdsr6"; address = "$LAB_VIP_DSR6"; port = 80; protocol = "tcp";
    mode = "dsr"; pool = "web6"; },
  { name = "dns6"; address = "$LAB_VIP_UDP6"; port = $LAB_UDP_PORT; protocol = "udp";
    mode = "tunnel"; pool = "web6"; }${more_vips:+,
  $more_vips}
);
pools = (
EOF
	printf '  { name = "web"; backends = ('
	sep=""
	for b in $pool4; do
		printf '%s\n      { name = "%s"; address = "%s"; weight = 1; }' "$sep" "$(lab_be_name "$b")" "$(lab_be4 "$b")"
		sep=","
	done
	printf ' );\n    %s },\n' "$web_extra"
	printf '  { name = "web6"; backends = ('
	sep=""
	for b in $pool6; do
		printf '%s\n      { name = "%s"; address = "%s"; weight = 1; }' "$sep" "$(lab_be_name "$b")-v6" "$(lab_be6 "$b")"
		sep=","
	done
	printf ' ); }%s\n);\n' "${more_pools:+,
  $more_pools}"
	[ -z "$extra" ] || printf '%s\n' "$extra"
	if [ "$bad" = syntax ]; then
		echo 'this is { not libconfig'
	fi
}

# For lab_conf --vips/--pools/--extra in a --nat lab:
# lab_pool_backends 4|6 PREFIX "B..." [PORT]: backends B of one family, named PREFIX<B>
lab_pool_backends() {
	local fam=$1 pre=$2 port=${4:-0} b a sep=""
	for b in $3; do
		if [ "$fam" = 4 ]; then a=$(lab_be4 "$b"); else a=$(lab_be6 "$b"); fi
		printf '%s{ name = "%s%s"; address = "%s"; port = %s; }' "$sep" "$pre" "$b" "$a" "$port"
		sep=", "
	done
}
# lab_nat_vip NAME ADDRESS PORT tcp|udp POOL [MORE SETTINGS]
lab_nat_vip() {
	printf '{ name = "%s"; address = "%s"; port = %s; protocol = "%s"; mode = "nat"; pool = "%s"; %s }' \
		"$1" "$2" "$3" "$4" "$5" "${6:-}"
}
# the nat section: the lab's two sources
lab_nat_section() {
	printf 'nat = { sources = ( "%s", "%s" ); };' "$LAB_NAT_SRC4" "$LAB_NAT_SRC6"
}

lab_bin() { # NAME: path of a built binary, or fail naming it
	local f=$SLUICE_BUILD_DIR/$1
	[ -x "$f" ] || lab_die "no $f: build first (ninja -C $SLUICE_BUILD_DIR)"
	echo "$f"
}

# lab_exit RC: a demo's end: the daemons' last log lines when RC is not 0,
# then lab_down, then exit RC.
lab_exit() {
	[ "$1" = 0 ] || lab_tail_logs
	echo "demo: cleaning up lab $SL_LAB"
	lab_down
	exit "$1"
}

# lab_tail_logs: the last lines of sluiced's and sluice-dp's logs (after a failure).
lab_tail_logs() {
	local f
	[ -d "${LAB_DIR:-/nonexistent}" ] || return 0
	for f in "$LAB_DIR/sluiced.log" "$LAB_DIR/sluice-dp.log"; do
		[ -f "$f" ] && { echo "---- $f (last lines)"; tail -n 15 "$f"; }
	done
	return 0
}

# lab_ctl ARGS...: sluicectl on this lab's instance (it reads the segment).
lab_ctl() {
	ip netns exec "$LAB_NS_LB" "$SLUICE_BUILD_DIR/sluicectl" -i "$LAB_INSTANCE" "$@"
}

# Start sluiced in the lb namespace (log: $LAB_DIR/sluiced.log, appended);
# sets SLUICED_PID to the daemon's own PID.
lab_start_sluiced() {
	local bin
	bin=$(lab_bin sluiced)
	[ -f "$LAB_CONF" ] || lab_conf >"$LAB_CONF"
	echo "=== $(date +%T) start" >>"$LAB_DIR/sluiced.log"
	ip netns exec "$LAB_NS_LB" "$bin" -c "$LAB_CONF" >>"$LAB_DIR/sluiced.log" 2>&1 &
	SLUICED_PID=$!
	lab_wait 20 "sluiced to publish /dev/shm/sluice-$LAB_INSTANCE" "lab_ctl show" ||
		{ tail -n 20 "$LAB_DIR/sluiced.log" >&2; return 1; }
}

# Start sluice-dp in the lb namespace (log: $LAB_DIR/sluice-dp.log); sets DP_PID.
lab_start_dp() {
	local bin
	bin=$(lab_bin sluice-dp)
	[ -f "$LAB_CONF" ] || lab_conf >"$LAB_CONF"
	echo "=== $(date +%T) start" >>"$LAB_DIR/sluice-dp.log"
	ip netns exec "$LAB_NS_LB" "$bin" -c "$LAB_CONF" >>"$LAB_DIR/sluice-dp.log" 2>&1 &
	DP_PID=$!
}

# Wait until the dataplane forwards: an HTTP request through the web VIP
# reaches an instance.
lab_wait_forwarding() { # [VIP]
	local vip=${1:-$LAB_VIP_WEB}
	lab_wait 30 "HTTP through $vip" \
		"lab_in $LAB_NS_CL curl -s -m 1 http://$vip/ | grep -q '^be'" || {
		echo "--- sluice-dp.log" >&2
		tail -n 20 "$LAB_DIR/sluice-dp.log" >&2 || true
		echo "--- sluiced.log" >&2
		tail -n 20 "$LAB_DIR/sluiced.log" >&2 || true
		return 1
	}
}

# lab_sluice_up: decap on the backends, sluiced, sluice-dp, and wait until a
# request goes through.
lab_sluice_up() {
	lab_attach_decap
	lab_start_sluiced
	lab_start_dp
	lab_wait_forwarding "$LAB_VIP_WEB"
}

# --- clients ---------------------------------------------------------------

# lab_load MODE ARGS...: tests/lab/slload.py in the client namespace; prints
# its JSON result (see slload.py --help).
lab_load() {
	ip netns exec "$LAB_NS_CL" "$LAB_PY" "$LAB_LOAD" "$@"
}
