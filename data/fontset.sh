#!/bin/sh
# fontset.sh [-v] [MODEL] - draw numbers and digits in handwriting fonts
# (ImageMagick, fonts of Debian's handwriting font packages) as a camera
# would see them in three cases that MNIST-made sets do not hold, into
# data/fontset (made again each run), and read them: a number with
# img2vec --digits and nn-predict --number, a single digit with img2vec and
# nn-predict.  Prints, per group, the pictures read right:
#   table-all, table-two, table-one: a sheet (grey 238) lying on a darker
#     table (grey 60, 110 or 150, with noise), turned 0, 4 or -7 degrees,
#     framed with the table all around the sheet, along two sides (the
#     sheet running off the other two) or along one; "2025", "93817",
#     "4071" in 3 fonts (numbers) and 4, 7, 2 alone (digits);
#   point: "3.14", "12.50", "0.75", "99.9", "4.071", "27.3", "1.5",
#     "806.2" in 9 fonts, read as the digits without the point; comma: the
#     same written with a comma ("3,14", "4,071");
#   on-line, over-line, line-below: "2025", "93817", "4071", "586" in 4
#     fonts, written on a line (a form's field) 500 pixels long, touching
#     it, 12 pixels over it, 30 pixels over it;
#   boxes-row, boxes-apart, boxes-around, boxes-turned: the same numbers in
#     4 fonts written in boxes (a form's row of boxes; a box for each digit,
#     apart; one box around the number; the row turned 3 degrees), each
#     digit in its box; in-box: a digit (3, 4, 7, 0) alone in a box;
#   squared, squared-dark, squared-turned: the same numbers in 4 fonts on
#     squared paper whose lines come out dark (grey 140, 120, or 130 turned
#     3 degrees, on 240, every 40 pixels), squared-steep: turned 8 degrees;
#     squared (digits): 0 to 9 in the 4 fonts, each alone on the paper
#     turned 3 degrees; ruled (digits): the same on a ruled page (blue
#     lines, a red margin, blue ink);
#   far: the same numbers in 4 fonts, and 0 to 9 alone, small on a large
#     page (3,000 x 2,000; numbers at 60 points, digits at 100).
# -v lists those read wrongly.  Run from the top of the source tree (make
# fontset installs what it needs).
set -eu
verbose=
[ "${1:-}" = -v ] && { verbose=1; shift; }
model=${1:-data/model.json}
[ -f "$model" ] || { echo "fontset.sh: no model $model (run make demo)" >&2; exit 1; }
command -v convert > /dev/null || { echo "fontset.sh: no ImageMagick (make fontset installs it)" >&2; exit 1; }
PATH=$(pwd)/cmd:$PATH
dir=data/fontset
tmp=$dir.tmp
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp"

f=/usr/share/fonts
dkg=$f/truetype/fifthhorseman/dkg.ttf
steve=$f/truetype/sjfonts/SteveHand.ttf
learn=$f/opentype/bwht/BecauseWeLearn-Regular.otf
build=$f/opentype/bwht/BecauseWeBuild-Regular.otf
bwht="$f/opentype/bwht/BecauseWeBuild-Regular.otf
$f/opentype/bwht/BecauseWeConnect-Regular.otf
$f/opentype/bwht/BecauseWeCreate-Regular.otf
$f/opentype/bwht/BecauseWeLearn-Regular.otf
$f/opentype/bwht/BecauseWeMentor-Regular.otf
$f/opentype/bwht/BecauseWeOrganize-Regular.otf"
for font in $dkg $f/truetype/fifthhorseman/dkgIt.ttf $steve $bwht; do
    [ -f "$font" ] || { echo "fontset.sh: no font $font (make fontset installs it)" >&2; exit 1; }
done
i=0
# add FILE WANT GROUP: a line of labels.tsv
add() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$tmp/labels.tsv"; }

# table KIND TEXT POINTSIZE: TEXT on a 700x400 sheet on a 1400x1000 table
# of each grey, turned, then framed three ways.
table() {
    for font in $dkg $learn $steve; do
        for grey in 60 110 150; do
            for turn in 0 4 -7; do
                i=$((i + 1))
                convert -seed "$i" -size 1400x1000 xc:"gray($grey)" \
                    -attenuate 0.4 +noise Gaussian \( -size 700x400 \
                    xc:'gray(238)' -font "$font" -pointsize "$3" \
                    -fill 'gray(35)' -gravity center -annotate +0+25 "$2" \) \
                    -gravity northwest -geometry +350+300 -composite \
                    -background "gray($grey)" -rotate "$turn" \
                    -gravity center -crop 1400x1000+0+0 +repage "$tmp/scene.png"
                for frame in all:900x560+250+220 two:760x480+380+310 \
                             one:710x320+290+340; do
                    name=$(printf '%s%03d_%s.jpg' "$1" "$i" "${frame%%:*}")
                    convert "$tmp/scene.png" -gravity northwest \
                        -crop "${frame#*:}" +repage -blur 0x1 -quality 85 \
                        "$tmp/$name"
                    add "$name" "$2" "table-${frame%%:*}"
                done
            done
        done
    done
    rm -f "$tmp/scene.png"
}
for n in 2025 93817 4071; do table n "$n" 150; done
for d in 4 7 2; do table d "$d" 170; done

# Numbers with a decimal point, on white paper, and the same with a comma.
for font in $dkg $f/truetype/fifthhorseman/dkgIt.ttf $steve $bwht; do
    for t in 3.14 12.50 0.75 99.9 4.071 27.3 1.5 806.2; do
        i=$((i + 1))
        for mark in point comma; do
            name=$(printf 'n%03d_%s.jpg' "$i" "$mark")
            text=$t
            [ "$mark" = comma ] && text=$(echo "$t" | tr . ,)
            convert -size 800x300 xc:'gray(235)' -font "$font" \
                -pointsize 140 -fill 'gray(30)' -gravity center \
                -annotate +0+0 "$text" -blur 0x1 -quality 90 "$tmp/$name"
            add "$name" "$(echo "$t" | tr -d .)" "$mark"
        done
    done
done

# Numbers written on a line.
for font in $dkg $steve $learn $build; do
    for t in 2025 93817 4071 586; do
        for gap in 0:on-line 12:over-line 30:line-below; do
            i=$((i + 1))
            name=$(printf 'n%03d_line.jpg' "$i")
            y=$((200 + ${gap%%:*}))
            convert -size 800x300 xc:'gray(235)' -font "$font" \
                -pointsize 140 -fill 'gray(30)' -gravity center \
                -annotate +0+0 "$t" -stroke 'gray(60)' -strokewidth 4 \
                -draw "line 150,$y 650,$y" -blur 0x1 -quality 90 "$tmp/$name"
            add "$name" "$t" "${gap#*:}"
        done
    done
done
# Numbers written on squared paper whose lines come out dark: lines 2
# pixels wide, 40 pixels apart, grey 140 and 120 (158 and 141 at their
# darkest once blurred), and grey 130 turned 3 and 8 degrees; digits on it
# and on a ruled page.
squares='' ruled=''
for x in $(seq -200 40 1000); do squares="$squares line $x,-200 $x,500"; done
for y in $(seq -200 40 500); do squares="$squares line -200,$y 1000,$y"; done
for y in $(seq 40 40 280); do ruled="$ruled line 0,$y 400,$y"; done
for font in $dkg $steve $learn $build; do
    for t in 2025 93817 4071 586; do
        for paper in 140:0:squared 120:0:squared-dark 130:3:squared-turned \
                     130:8:squared-steep; do
            i=$((i + 1))
            name=$(printf 'n%03d_squared.jpg' "$i")
            grey=${paper%%:*} turn=${paper#*:} turn=${turn%%:*}
            convert -size 800x300 xc:'gray(240)' -stroke "gray($grey)" \
                -strokewidth 2 -draw "rotate $turn $squares" -stroke none \
                -font "$font" -pointsize 140 -fill 'gray(30)' \
                -gravity center -annotate +0+0 "$t" -blur 0x1 -quality 90 \
                "$tmp/$name"
            add "$name" "$t" "${paper##*:}"
        done
    done
    # and each digit alone: on the turned paper, a square and a half high,
    # and on a ruled page (blue lines 40 pixels apart, a red margin, blue
    # ink: the margin comes out darker than the lines)
    for d in 0 1 2 3 4 5 6 7 8 9; do
        i=$((i + 1))
        name=$(printf 'd%03d_squared.jpg' "$i")
        convert -size 300x300 xc:'gray(240)' -stroke 'gray(130)' \
            -strokewidth 2 -draw "rotate 3 $squares" -stroke none \
            -font "$font" -pointsize 180 -fill 'gray(30)' -gravity center \
            -annotate +0+0 "$d" -blur 0x1 -quality 90 "$tmp/$name"
        add "$name" "$d" squared
        i=$((i + 1))
        name=$(printf 'd%03d_ruled.jpg' "$i")
        convert -size 400x300 xc:'rgb(250,250,245)' \
            -stroke 'rgb(220,80,80)' -strokewidth 2 -draw 'line 60,0 60,300' \
            -stroke 'rgb(120,160,220)' -draw "$ruled" -stroke none \
            -font "$font" -pointsize 150 -fill 'rgb(20,40,150)' \
            -gravity center -annotate +0+0 "$d" -blur 0x1 -quality 90 \
            "$tmp/$name"
        add "$name" "$d" ruled
    done
done

# Numbers written in boxes: a form's row of boxes, a box for each digit 20
# pixels apart, one box around the number, and the row turned 3 degrees;
# each digit drawn alone and centred in its box (110 x 180).  And a digit
# alone in a box.
# glyphs FONT TEXT: each character of TEXT as $tmp/gK.png, trimmed.
glyphs() {
    k=0
    while [ $k -lt ${#2} ]; do
        convert -background none -fill 'gray(30)' -font "$1" -pointsize 130 \
            label:"$(echo "$2" | cut -c$((k + 1)))" -trim +repage "$tmp/g$k.png"
        k=$((k + 1))
    done
}
# boxed FILE TEXT LAYOUT: TEXT's glyphs in boxes laid out as LAYOUT.
boxed() {
    n=${#2} gap=0 draw='' put='' turn=0
    [ "$3" = apart ] && gap=20
    [ "$3" = turned ] && turn=3
    x0=$(((900 - n * 110 - (n - 1) * gap) / 2))
    k=0
    while [ $k -lt $n ]; do
        bx=$((x0 + k * (110 + gap)))
        [ "$3" = around ] ||
            draw="$draw rectangle $bx,60 $((bx + 110)),240"
        wh=$(identify -format '%w %h' "$tmp/g$k.png")
        gw=${wh% *} gh=${wh#* }
        put="$put $tmp/g$k.png -geometry +$((bx + 55 - gw / 2))+$((150 - gh / 2)) -composite"
        k=$((k + 1))
    done
    [ "$3" = around ] &&
        draw="rectangle $((x0 - 10)),50 $((x0 + n * 110 + 10)),250"
    # shellcheck disable=SC2086
    convert -size 900x320 xc:'gray(238)' -fill none -stroke 'gray(90)' \
        -strokewidth 3 -draw "$draw" $put -background 'gray(238)' \
        -rotate "$turn" -blur 0x1 -quality 90 "$1"
}
for font in $dkg $steve $learn $build; do
    for t in 2025 93817 4071 586; do
        glyphs "$font" "$t"
        for layout in row apart around turned; do
            i=$((i + 1))
            name=$(printf 'n%03d_boxes.jpg' "$i")
            boxed "$tmp/$name" "$t" "$layout"
            add "$name" "$t" "boxes-$layout"
        done
    done
    for d in 3 4 7 0; do
        glyphs "$font" "$d"
        i=$((i + 1))
        name=$(printf 'd%03d_box.jpg' "$i")
        boxed "$tmp/$name" "$d" row
        add "$name" "$d" in-box
    done
done
rm -f "$tmp"/g*.png

# A number and a digit small in a large photo: a 3,000 x 2,000 page (grey
# 225, with noise and a camera's blur), the numbers at 60 points (their
# digits some 45 pixels high) and each digit alone at 100 points (some
# 70), each somewhere else on the page.
# far FILE FONT POINTS TEXT
far() {
    convert -size 3000x2000 xc:'gray(225)' -font "$2" -pointsize "$3" \
        -fill 'gray(40)' -gravity center \
        -annotate +$((i * 137 % 1600 - 800))+$((i * 71 % 1000 - 500)) "$4" \
        -seed "$i" -attenuate 0.3 +noise Gaussian -blur 0x1.2 -quality 85 "$1"
}
for font in $dkg $steve $learn $build; do
    for t in 2025 93817 4071 586; do
        i=$((i + 1))
        name=$(printf 'n%03d_far.jpg' "$i")
        far "$tmp/$name" "$font" 60 "$t"
        add "$name" "$t" far
    done
    for d in 0 1 2 3 4 5 6 7 8 9; do
        i=$((i + 1))
        name=$(printf 'd%03d_far.jpg' "$i")
        far "$tmp/$name" "$font" 100 "$d"
        add "$name" "$d" far
    done
done

rm -rf "$dir"
mv "$tmp" "$dir"

# IMAGE<TAB>READ per picture, then per group: read right of all.
{
    grep '^n' "$dir/labels.tsv" | cut -f1 | sed "s|^|$dir/|" |
        xargs img2vec --digits --no-progress 2>/dev/null |
        nn-predict --number "$model" | cut -f1,2 || true
    grep '^d' "$dir/labels.tsv" | cut -f1 | while read -r f; do
        r=$(img2vec "$dir/$f" 2>/dev/null | nn-predict "$model" | cut -f1) || true
        printf '%s\t%s\n' "$dir/$f" "${r:-?}"
    done
} | awk -F '\t' -v verbose="$verbose" -v dir="$dir/" '
    NR == FNR { read[$1] = $2; next }
    {
        g = (substr($1, 1, 1) == "d" ? "digit " : "number ") $3
        if (!(g in n)) order[++groups] = g
        n[g]++
        if (read[dir $1] "" == $2 "") w[g]++
        else if (verbose) printf "%s\t%s\tread %s\n", $1, $2, read[dir $1]
    }
    END {
        for (k = 1; k <= groups; k++)
            printf "%-22s %3d of %3d\n", order[k], w[order[k]], n[order[k]]
    }' - "$dir/labels.tsv"
