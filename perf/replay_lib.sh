#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Sourced by perf/bench_fwd.sh and perf/bench_flows.sh: the replay path of
# /work/shared/lab.md ("Replay in one process") and the live memif path.
#
#   replay: net_pcap0,rx_pcap=F,infinite_rx=1 (in) -> one forwarding lcore
#           -> net_null0,no-rx=1 (out), run in turn by dpdk-testpmd
#           (--forward-mode=io and macswap: the ceiling) and by sluice-dp
#           (its config's two ports; tables from tests/sl_shm_fixture's
#           publish-bench, every backend on port 1 = the null port).
#   rates:  testpmd: median of the per-second Tx-pps of port 1 after a
#           warm-up; sluice-dp: workers[].tx_packets from
#           `sluicectl -i INSTANCE stats --json` over a timed window.
#
# Every DPDK process has its own --file-prefix; callers hold
# /tmp/sluice-e2e.lock. Hugepages: pg_huge_up reserves on top of what
# others reserved and mounts its own directory; pg_huge_down gives back.
set -uo pipefail

: "${SLUICE_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${SLUICE_BUILD_DIR:=$SLUICE_SOURCE_DIR/build}"
PG=$SLUICE_BUILD_DIR/perf/pktgen/sluice-pktgen
DP=$SLUICE_BUILD_DIR/sluice-dp
CTL=$SLUICE_BUILD_DIR/sluicectl
FIX=$SLUICE_BUILD_DIR/tests/sl_shm_fixture
TESTPMD=${TESTPMD:-dpdk-testpmd}
: "${PG_WARMUP:=2}"    # s before the window
: "${PG_WINDOW:=4}"    # s measured
: "${PG_MAGLEV:=65537}"
: "${PG_BACKENDS:=16}" # per pool
PG_HUGE_DIR=/mnt/sl-pg-huge
PG_INST=slpgbench$$
PG_WORK=$(mktemp -d /tmp/sl-pg-bench.XXXXXX)
PG_HUGE_OLD=
PG_PIDS=()

pg_log() { echo "[$(date +%T)] $*" >&2; }

# pg_host: the host fields every result of these benchmarks carries (JSON)
pg_host() {
	jq -nc --arg cpu "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)" \
		--arg kernel "$(uname -r)" --arg dpdk "$(pkg-config --modversion libdpdk)" \
		'{cpu: $cpu, cores: 2, kernel: $kernel, dpdk: $dpdk, hugepages: "2 MiB"}'
}

pg_cleanup() {
	local p
	for p in "${PG_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
	done
	rm -f "/dev/shm/sluice-$PG_INST" "/dev/shm/sluice-$PG_INST".tmp* /run/sl-pg-memif.sock
	rm -rf /var/run/dpdk/sl-pg-* /var/run/dpdk/sluice-$PG_INST "$PG_WORK"
	pg_huge_down
}

# pg_huge_up PAGES: reserve PAGES more 2 MiB pages and mount them
pg_huge_up() {
	PG_HUGE_OLD=$(cat /proc/sys/vm/nr_hugepages)
	echo $((PG_HUGE_OLD + $1)) >/proc/sys/vm/nr_hugepages
	local got
	got=$(cat /proc/sys/vm/nr_hugepages)
	[ "$got" -ge $((PG_HUGE_OLD + $1)) ] ||
		pg_log "warning: asked for $((PG_HUGE_OLD + $1)) hugepages, got $got"
	mkdir -p $PG_HUGE_DIR
	mountpoint -q $PG_HUGE_DIR || mount -t hugetlbfs none $PG_HUGE_DIR
}

pg_huge_down() {
	[ -n "$PG_HUGE_OLD" ] || return 0
	mountpoint -q $PG_HUGE_DIR && umount $PG_HUGE_DIR
	rmdir $PG_HUGE_DIR 2>/dev/null
	echo "$PG_HUGE_OLD" >/proc/sys/vm/nr_hugepages
	PG_HUGE_OLD=
}

pg_median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print 0; else print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# pg_testpmd MODE PCAP MBUFS: prints the Mpps testpmd forwards pcap -> null
pg_testpmd() {
	local mode=$1 pcap=$2 mbufs=$3 log=$PG_WORK/testpmd-$1.log
	local secs=$((PG_WARMUP + PG_WINDOW + 1))
	# the pcap PMD reads the whole file into mbufs before forwarding starts
	timeout -s INT $((secs + 60)) "$TESTPMD" -l 0-1 --file-prefix sl-pg-tp$$ \
		--huge-dir $PG_HUGE_DIR --no-telemetry \
		--vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1" --vdev net_null0,no-rx=1 -- \
		--forward-mode="$mode" --nb-cores=1 --total-num-mbufs="$mbufs" --stats-period 1 \
		>"$log" 2>&1 &
	local pid=$!
	PG_PIDS+=("$pid")
	# forwarding starts once the port lines show up; count reports from then
	local i n
	for ((i = 0; i < 600; i++)); do
		n=$(grep -c Tx-pps "$log" 2>/dev/null)
		[ "${n:-0}" -ge $((2 * secs)) ] && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.2
	done
	kill -INT $pid 2>/dev/null
	wait $pid 2>/dev/null
	# port 1 (null) is the second port block of each report: its Tx-pps
	awk '/Port statistics/ {blk=0} /Tx-pps/ {blk++; if (blk==2) print $2}' "$log" |
		tail -n +$((PG_WARMUP + 1)) | head -n "$PG_WINDOW" | pg_median |
		awk '{printf "%.3f\n", $1/1e6}'
}

# pg_dp_conf FILE FLOWS MBUFS PORT0_DEVARGS PORT1_DEVARGS|"" [PORT2_DEVARGS]: sluice-dp's
# config (ports in0, out0, warm0); PG_DP_NAT, if set, is its nat section
pg_dp_conf() {
	local ports="{ name = \"in0\"; devargs = \"$4\"; }"
	[ -n "$5" ] && ports="$ports, { name = \"out0\"; devargs = \"$5\"; }"
	[ -n "${6:-}" ] && ports="$ports, { name = \"warm0\"; devargs = \"$6\"; }"
	cat >"$1" <<CONF
instance = "$PG_INST";
dataplane = {
  eal = [ "-l", "0-1", "--huge-dir", "$PG_HUGE_DIR", "--no-telemetry" ];
  ports = ( $ports );
  flows_per_worker = $2;
  mbufs = $3;
};
${PG_DP_NAT:-}
vips = (
  { name = "tun4"; address = "198.18.100.1"; port = 80; protocol = "tcp";
    mode = "tunnel"; pool = "web"; }
);
pools = (
  { name = "web"; backends = ( { address = "198.18.1.11"; weight = 1; } ); }
);
CONF
}

# pg_dp_start CONF TX_PORT: start sluice-dp on CONF and publish the bench
# tables (backends on TX_PORT); sets PG_DP_PID
pg_dp_start() {
	local conf=$1 txp=$2 log=$PG_WORK/sluice-dp.log i
	rm -f "/dev/shm/sluice-$PG_INST"
	"$FIX" create-bench "$PG_INST" 1 3 "$PG_MAGLEV" || return 1 # in0, out0, warm0
	"$FIX" publish-bench "$PG_INST" 1 "$txp" "$PG_BACKENDS" || return 1
	"$DP" -c "$conf" >"$log" 2>&1 &
	PG_DP_PID=$!
	PG_PIDS+=("$PG_DP_PID")
	if ! "$FIX" wait-ack "$PG_INST" 1 120000; then
		pg_log "sluice-dp did not attach; log:"
		tail -n 20 "$log" >&2
		return 1
	fi
}

pg_dp_stop() {
	kill -TERM "$PG_DP_PID" 2>/dev/null
	local i
	for ((i = 0; i < 100; i++)); do kill -0 "$PG_DP_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$PG_DP_PID" 2>/dev/null
	wait "$PG_DP_PID" 2>/dev/null
	rm -f "/dev/shm/sluice-$PG_INST"
}

pg_now() { date +%s.%N; }

# pg_dp_rx: packets the workers received so far
pg_dp_rx() { "$CTL" -i "$PG_INST" stats --json | jq '[.workers[].rx_packets] | add // 0'; }

# pg_dp_drain PACKETS: wait (up to 60 s) until the workers received PACKETS and sent
# nothing more for 0.5 s: a capture run's pcap (read once) is through
pg_dp_drain() {
	local i tx last=-1
	for ((i = 0; i < 600; i++)); do
		if [ "$(pg_dp_rx)" -ge "$1" ]; then
			tx=$("$CTL" -i "$PG_INST" stats --json | jq '[.workers[].tx_packets] | add // 0')
			[ "$tx" = "$last" ] && return 0
			last=$tx
			sleep 0.4
		fi
		sleep 0.1
	done
	pg_log "sluice-dp received $(pg_dp_rx) of $1 packets in 60 s"
	return 1
}

# pg_dp_window: JSON {mpps, rx_mpps, window_s, tx/rx_packets, flow counters, drops
# (whole life and in the window), nat (full-NAT counters, deltas over the window but
# conns_active and established), rss_kb} over PG_WINDOW s after PG_WARMUP s
pg_dp_window() {
	local a b t0 t1 rss na nb
	sleep "$PG_WARMUP"
	t0=$(pg_now)
	a=$("$CTL" -i "$PG_INST" stats --json) || return 1
	na=$("$FIX" get "$PG_INST" nat) || return 1
	sleep "$PG_WINDOW"
	b=$("$CTL" -i "$PG_INST" stats --json) || return 1
	nb=$("$FIX" get "$PG_INST" nat) || return 1
	t1=$(pg_now)
	rss=$(awk '/^VmRSS/ {print $2}' /proc/"$PG_DP_PID"/status)
	jq -n --argjson a "$a" --argjson b "$b" --argjson t0 "$t0" --argjson t1 "$t1" \
		--argjson rss "${rss:-0}" --argjson na "$na" --argjson nb "$nb" '
		def sum(s; f): [s.workers[] | f] | add;
		($t1 - $t0) as $secs
		| (sum($b; .tx_packets) - sum($a; .tx_packets)) as $tx
		| (sum($b; .rx_packets) - sum($a; .rx_packets)) as $rx
		| {mpps: ($tx / $secs / 1e6 * 1000 | round / 1000),
		   rx_mpps: ($rx / $secs / 1e6 * 1000 | round / 1000),
		   window_s: ($secs * 1000 | round / 1000), tx_packets: $tx, rx_packets: $rx,
		   flow_hits: (sum($b; .flow_hits) - sum($a; .flow_hits)),
		   flow_misses: (sum($b; .flow_misses) - sum($a; .flow_misses)),
		   flows_active: sum($b; .flows_active),
		   flow_evictions: sum($b; .flow_evictions),
		   drops: ($b.drops // {}),
		   drops_in_window: ($b.drops // {} | with_entries(.value -= ($a.drops[.key] // 0))
				     | with_entries(select(.value != 0))),
		   nat: {conns_active: $nb.conns_active, established: $nb.established,
			 opened: ($nb.conns_opened - $na.conns_opened),
			 reused: ($nb.conns_reused - $na.conns_reused),
			 synproxy_cookies: ($nb.synproxy_cookies - $na.synproxy_cookies),
			 synproxy_valid: ($nb.synproxy_valid - $na.synproxy_valid),
			 connect_failures: ($nb.connect_failures - $na.connect_failures)},
		   rss_kb: $rss}'
}
