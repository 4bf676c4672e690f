# misclassified.gp - a grid of images, each titled with its true and its
# predicted class.  data: the images as gnuplot matrix blocks (rows of
# values in [0,1], top row first), one index per image; captions: one word
# per image ("4>9:87%" for true 4 predicted 9 at 87%); cols: images per row.
# gnuplot -e "data='m.dat'; captions='4>9:87% ...'; out='m.png'" misclassified.gp
if (!exists("data")) data = 'misclassified.dat'
if (!exists("out")) out = 'misclassified.png'
if (!exists("cols")) cols = 10
if (!exists("title")) title = "Misclassified test images: true class -> predicted class (probability)"

n = words(captions)
rows = (n + cols - 1) / cols
# Pixel layout: square cells, a gap above each for its caption, a band on
# top for the title.
cell = 84
gap = 22
top = 36
width = cols * (cell + 4)
height = top + rows * cell + (rows - 1) * gap + 4
set terminal pngcairo size width, height font ",9"
set output out
set palette gray
unset colorbox
unset border
unset tics
unset key
set cbrange [0:1]
set multiplot layout rows, cols title title \
    margins 2.0 / width, 1 - 2.0 / width, 4.0 / height, 1 - 1.0 * top / height \
    spacing 4.0 / width, 1.0 * gap / height
do for [i = 1:n] {
    w = word(captions, i)
    t = strstrt(w, ">")
    c = strstrt(w, ":")
    set title sprintf("%s -> %s (%s)", w[1:t - 1], w[t + 1:c - 1], w[c + 1:]) \
        offset 0, -1
    # Matrix rows count up from the bottom: turn the image upright.
    plot [-0.5:27.5] [27.5:-0.5] data index i - 1 matrix with image
}
unset multiplot
