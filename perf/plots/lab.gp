# SPDX-License-Identifier: BSD-3-Clause
#
# Plots of perf/bench_lab.sh (benchmark 5, the lab against peers). The script
# writes <stem>.tsv from its JSON (one row per path, medians) and calls
#   gnuplot -e "datafile='<stem>.tsv'; outstem='<stem>'; subtitle='...'" perf/plots/lab.gp
# which draws <stem>-rps.png (requests/s, keep-alive and one connection per
# request), <stem>-p99.png (p50 and p99 latency, ms) and <stem>-iperf.png
# (iperf3 TCP Gbit/s). Redraw from a committed run with
#   perf/bench_lab.sh --plot perf/results/lab-<date>.json
# Columns: 1 path, 2 ka_rps, 3 close_rps, 4 ka_p50_ms, 5 ka_p99_ms,
#          6 close_p50_ms, 7 close_p99_ms, 8 iperf_gbps
# With http=1 (the HTTP routing paths, <stem>-http.tsv): the titles say so
# and there is no iperf3 plot.

if (!exists("datafile")) datafile = 'lab.tsv'
if (!exists("outstem")) outstem = 'lab'
if (!exists("subtitle")) subtitle = ''
if (!exists("http")) http = 0
what = http ? "HTTP routed by path (/login, /profile)" : "HTTP"
where = http ? "(same lab, full NAT, same 3 nginx)" : "(same lab, same 3 nginx)"

set terminal pngcairo size 1000,560 font "sans,10"
set datafile separator "\t"
set datafile missing "NaN"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside right top vertical
set xtics nomirror
set yrange [0:*]

set output outstem.'-rps.png'
set title what." requests/s through each path ".where."\n{/*0.8 ".subtitle."}"
set ylabel "requests/s"
plot datafile using 2:xtic(1) title "keep-alive" lc rgb "#2b6cb0", \
     '' using 3 title "Connection: close" lc rgb "#dd6b20", \
     '' using 0:2:(sprintf("%.0f", $2)) with labels offset -2.2,0.6 font ",8" notitle, \
     '' using 0:3:(sprintf("%.0f", $3)) with labels offset 2.2,0.6 font ",8" notitle

set output outstem.'-p99.png'
set title what." latency through each path, wrk percentiles (lower is better)\n{/*0.8 ".subtitle."}"
set ylabel "ms"
plot datafile using 4:xtic(1) title "keep-alive p50" lc rgb "#90cdf4", \
     '' using 5 title "keep-alive p99" lc rgb "#2b6cb0", \
     '' using 6 title "close p50" lc rgb "#fbd38d", \
     '' using 7 title "close p99" lc rgb "#dd6b20"

if (http) exit
set output outstem.'-iperf.png'
set title "iperf3 TCP throughput to backend 1 through each path\n{/*0.8 ".subtitle."}"
set ylabel "Gbit/s"
set style histogram clustered gap 2
plot datafile using 8:xtic(1) title "iperf3" lc rgb "#38a169", \
     '' using 0:8:(sprintf("%.2f", $8)) with labels offset 0,0.6 font ",8" notitle
