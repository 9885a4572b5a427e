#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Prepare a fresh Debian 12 machine (as root, no stdin needed): install what
# is missing, mount bpffs, configure and build into ./build (or
# $SLUICE_BUILD_DIR). Safe to run again: it installs nothing that is there and
# reconfigures an existing build directory.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${SLUICE_BUILD_DIR:-$SRC/build}

# Build tools, libraries, and what the lab and its tests run.
PACKAGES=(
	meson ninja-build pkg-config gcc clang llvm clang-format
	libdpdk-dev libbpf-dev libxdp-dev bpftool libconfig-dev libcmocka-dev libmnl-dev
	linux-libc-dev
	iproute2 iputils-ping ethtool procps nginx-light wrk curl jq
	python3 python3-scapy hping3
	nodejs # the demo's profile service (tests/lab/services/profile.js)
	libjansson-dev dnsmasq-base
	libmicrohttpd-dev # sluiced's metrics endpoint (docs/architecture.md)
	prometheus # tests/e2e/lb_metrics.sh scrapes sluiced with it; promtool checks the exposition
	etcd-server etcd-client
	haproxy iperf3 nftables gnuplot-nox # perf/bench_lab.sh (benchmark 5)
	valgrind # perf/bench_ipp.sh (benchmark 3: callgrind, valgrind/callgrind.h)
	dpdk-dev # dpdk-testpmd: the ceiling of perf/bench_fwd.sh, bench_flows.sh, bench_conns.sh
)

log() { echo "setup: $*"; }

[ "$(id -u)" = 0 ] || { echo "setup: run as root (packages, namespaces, bpffs)" >&2; exit 1; }

missing=()
for p in "${PACKAGES[@]}"; do
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# nginx must not start a system service: the lab runs its own instances.
	# policy-rc.d exit 101 tells invoke-rc.d "not now" during this install.
	policy=/usr/sbin/policy-rc.d
	made_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
		made_policy=1
	fi
	rc=0
	apt-get update -q </dev/null || rc=$?
	if [ "$rc" = 0 ]; then
		apt-get install -y -q --no-install-recommends \
			-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
			"${missing[@]}" </dev/null || rc=$?
	fi
	[ "$made_policy" = 1 ] && rm -f "$policy"
	[ "$rc" = 0 ] || { echo "setup: apt-get failed ($rc)" >&2; exit "$rc"; }
else
	log "all packages present"
fi
# A system nginx started by an earlier install would hold port 80 in the host
# namespace only; the lab's instances live in their own namespaces, so it is
# harmless, but it is not ours to run: leave it as it is.

if ! mount | grep -q ' /sys/fs/bpf type bpf'; then
	mount -t bpf bpf /sys/fs/bpf 2>/dev/null && log "mounted bpffs on /sys/fs/bpf" ||
		log "could not mount bpffs (libxdp falls back to a single program; harmless)"
fi

if [ -f "$BUILD/build.ninja" ]; then
	meson setup --reconfigure "$BUILD" "$SRC" >/dev/null
else
	meson setup "$BUILD" "$SRC"
fi
ninja -C "$BUILD"
log "built into $BUILD"
