# Benchmark 2 (perf/bench_flows.sh): forwarding rate and memory per flow
# against the number of concurrent flows (replay and live paths).
#   gnuplot -e "in='perf/results/flows-X.json'; out='perf/plots/flows.png'" perf/plots/flows.gp
if (!exists("in")) in = 'perf/results/flows.json'
if (!exists("out")) out = 'perf/plots/flows.png'
rep = sprintf("< jq -r '.cases[] | select(.path==\"replay\") | \"\\(.flows) \\(.sluice_mpps) \\(.table_bytes_per_flow) \\(.rss_bytes_per_flow)\"' %s", in)
live = sprintf("< jq -r '.cases[] | select(.path==\"live\") | \"\\(.flows) \\(.sluice_mpps) \\(.table_bytes_per_flow) \\(.rss_bytes_per_flow)\"' %s", in)
set terminal pngcairo size 1000,480 font ",10"
set output out
set multiplot layout 1,2 title "sluice-dp, 1 worker, established TCP, 64 B, tun4"
set logscale x
set format x "10^{%T}"
set xlabel "concurrent flows"
set grid
set key bottom left
set ylabel "Mpps"
set yrange [0:*]
plot rep using 1:2 with linespoints pt 7 title "replay (pcap -> null)", \
     live using 1:2 with linespoints pt 5 title "live (pktgen <-> memif)"
set ylabel "bytes per flow"
set logscale y
set key top right
plot rep using 1:3 with linespoints pt 7 title "flow table (config)", \
     live using 1:3 with linespoints pt 5 title "flow table, live", \
     rep using 1:4 with linespoints pt 6 title "RSS / flows (replay)", \
     live using 1:4 with linespoints pt 4 title "RSS / flows (live)"
unset multiplot
