# curves.gp - learning curves from nn-train --log: loss and accuracy per
# epoch, training and validation, the best validation epoch marked.
# gnuplot -e "log='train-log.tsv'; out='curves.png'" curves.gp
if (!exists("log")) log = 'data/train-log.tsv'
if (!exists("out")) out = 'curves.png'

set terminal pngcairo size 1000,400 font ",10"
set output out
set datafile separator "\t"
# Validation columns are -1 when nn-train ran without validation.
val(c) = column(c) < 0 ? NaN : column(c)

# The best epoch as nn-train picks it: the first with the highest accuracy.
best = NaN
best_acc = -1
stats log using "epoch":(v = column("val_acc"), \
    v > best_acc ? (best_acc = v, best = column("epoch")) : 0) nooutput
has_val = best_acc >= 0

set multiplot layout 1,2 title "Learning curves (".log.")"
set xlabel "epoch"
set grid
set key top right
set xtics 1
if (STATS_max_x > 20) set xtics autofreq
if (has_val) set arrow 1 from best, graph 0 to best, graph 1 nohead dt 2 lc "gray40"
if (has_val) set label 1 sprintf("best: epoch %d", best) at best, graph 0.5 offset 0.5,0 font ",9"

set title "Loss (log scale)"
set logscale y
set ylabel "mean loss"
plot log using "epoch":"train_loss" with linespoints pt 7 ps 0.6 lc "#1f77b4" title "training", \
     log using "epoch":(val("val_loss")) with linespoints pt 5 ps 0.6 lc "#d62728" title (has_val ? "validation" : "")

set title "Accuracy"
unset logscale y
set ylabel "accuracy (%)"
set key bottom right
plot log using "epoch":(100 * column("train_acc")) with linespoints pt 7 ps 0.6 lc "#1f77b4" title "training", \
     log using "epoch":(100 * val("val_acc")) with linespoints pt 5 ps 0.6 lc "#d62728" title (has_val ? "validation" : "")
unset multiplot
