# confusion.gp - the confusion matrix as a heat map: rows the true class,
# columns the predicted class, each cell's count written in it, colours on
# a log scale so that the few errors show beside the large diagonal.
# conf: the matrix as whitespace-separated rows (nn-eval --json | jq -r
# '.confusion[] | @tsv'); classes: the class names, space-separated.
# gnuplot -e "conf='c.tsv'; classes='0 1 2'; out='c.png'" confusion.gp
if (!exists("conf")) conf = 'confusion.tsv'
if (!exists("out")) out = 'confusion.png'
if (!exists("title")) title = "Confusion matrix"

stats conf matrix using 3 nooutput
k = int(STATS_size_x)
if (!exists("classes")) classes = ""; do for [i = 0:k - 1] { classes = classes.sprintf(" %d", i) }

set terminal pngcairo size 620,560 font ",10"
set output out
set title title
set xlabel "predicted class"
set ylabel "true class"
set xrange [-0.5:k - 0.5]
set yrange [k - 0.5:-0.5]
set size ratio -1
set xtics scale 0 nomirror ()
set ytics scale 0 nomirror ()
do for [i = 0:k - 1] {
    set xtics add (word(classes, i + 1) i)
    set ytics add (word(classes, i + 1) i)
}
unset key
set logscale cb
set cbrange [1:STATS_max]
set cblabel "images (log scale); blank: none"
set palette defined (0 "#fdd9b5", 1 "#fd9d5a", 2 "#e6550d", 3 "#7f2704")
# Zero cells are left blank: log(0) is undefined, so they are not drawn.
count(c) = c > 0 ? c : NaN
# White text on the dark cells, black on the light ones.
ink(c) = c > STATS_max ** 0.6 ? 0xffffff : 0x000000
plot conf matrix using 1:2:(count($3)) with image, \
     conf matrix using 1:2:($3 > 0 ? sprintf("%d", $3) : ""):(ink($3)) \
         with labels tc rgb variable font ",9"
