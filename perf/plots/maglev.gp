# Benchmark 4a: Maglev build time, imbalance, entries moved; from perf/results/maglev.json.
# Run from the repository root: gnuplot perf/plots/maglev.gp
set terminal pngcairo size 1200,420 noenhanced font ",10"
set output "docs/img/maglev.png"
q(m, f) = sprintf("< jq -r '.results[] | select(.m == %d) | [.backends, %s] | @tsv' perf/results/maglev.json", m, f)
set multiplot layout 1,3 title "Maglev (common/sl_maglev.c), one pool"
set logscale x
set xlabel "backends"
set xrange [7:1400]
set xtics ("10" 10, "100" 100, "1000" 1000)
set grid
set key top left
set ylabel "build time, ms (median)"
set logscale y
plot q(65537, ".build_ns_median / 1e6") using 1:2 with linespoints title "M = 65537", \
     q(655373, ".build_ns_median / 1e6") using 1:2 with linespoints title "M = 655373"
unset logscale y
set ylabel "imbalance (max entries / mean)"
set yrange [0.999:*]
plot q(65537, ".imbalance") using 1:2 with linespoints title "M = 65537", \
     q(655373, ".imbalance") using 1:2 with linespoints title "M = 655373"
set yrange [*:*]
set ylabel "entries moved / entries of the removed backend"
set key top left
plot q(65537, ".moved / .removed_backend_entries") using 1:2 with linespoints title "M = 65537", \
     q(655373, ".moved / .removed_backend_entries") using 1:2 with linespoints title "M = 655373"
unset multiplot
