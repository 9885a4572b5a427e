# Benchmark 6 (perf/bench_conns.sh): new connections per second through the
# SYN proxy, one worker, beside what testpmd forwards of the same pcap counted
# in connections (4 packets each), and the ratio to macswap on the second axis.
#   gnuplot -e "in='perf/results/conns-X.json'; out='perf/results/conns-X.png'" perf/plots/conns.gp
if (!exists("in")) in = 'perf/results/conns.json'
if (!exists("out")) out = 'perf/plots/conns.png'
data = sprintf("< jq -r '.cases[] | \"\\(.mode) \\(.sluice_conns_per_s / 1e3) \\(.ceiling_macswap_conns_per_s / 1e3) \\(.ceiling_io_conns_per_s / 1e3) \\(.ratio_macswap)\"' %s", in)
set terminal pngcairo size 900,500 font ",10"
set output out
set title "SYN proxy, 1 worker, replay pcap: new connections/s (thousands) and ratio to testpmd macswap"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set ylabel "thousand connections / s"
set y2label "sluice / macswap"
set y2range [0:0.5]
set y2tics 0.05
set ytics nomirror
set yrange [0:*]
set xtics scale 0
set key top left
set grid ytics
plot data using 2:xtic(1) title "sluice-dp" lc rgb "#1f77b4", \
     '' using 3 title "testpmd macswap (packets / 4)" lc rgb "#aaaaaa", \
     '' using 4 title "testpmd io (packets / 4)" lc rgb "#dddddd", \
     '' using 0:5 axes x1y2 with linespoints pt 7 lc rgb "#d62728" title "ratio to macswap"
