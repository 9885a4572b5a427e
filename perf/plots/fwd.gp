# Benchmark 1 (perf/bench_fwd.sh): Mpps per case, sluice-dp beside testpmd
# macswap and io, and sluice-dp's ratio to macswap on the second axis.
#   gnuplot -e "in='perf/results/fwd-X.json'; out='perf/plots/fwd.png'" perf/plots/fwd.gp
if (!exists("in")) in = 'perf/results/fwd.json'
if (!exists("out")) out = 'perf/plots/fwd.png'
data = sprintf("< jq -r '.cases[] | \"\\(.mode)/\\(.traffic[0:3])/\\(.size)B \\(.sluice_mpps) \\(.testpmd_macswap_mpps) \\(.testpmd_io_mpps) \\(.ratio_macswap)\"' %s", in)
set terminal pngcairo size 1100,520 font ",10"
set output out
set title "sluice-dp, 1 worker, replay pcap -> null (one core): Mpps and ratio to testpmd macswap"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set ylabel "Mpps"
set y2label "sluice / macswap"
set y2range [0:1]
set y2tics 0.1
set ytics nomirror
set yrange [0:*]
set xtics rotate by -35 scale 0
set key top right
set grid ytics
plot data using 2:xtic(1) title "sluice-dp" lc rgb "#1f77b4", \
     '' using 3 title "testpmd macswap" lc rgb "#aaaaaa", \
     '' using 4 title "testpmd io" lc rgb "#dddddd", \
     '' using 0:5 axes x1y2 with linespoints pt 7 lc rgb "#d62728" title "ratio to macswap"
