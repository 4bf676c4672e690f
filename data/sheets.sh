#!/bin/sh
# sheets.sh [-v] [MODEL] - draw a sheet of paper lying on a darker table,
# photographed (ImageMagick, with fonts of Debian's handwriting font
# packages), and read it: a number on the sheet with img2vec --digits and
# nn-predict --number, a single digit with img2vec and nn-predict.  The
# pictures: 3 fonts x 3 numbers (or digits) x 3 tables (grey 60, 110, 150)
# x the sheet turned 0, 4 or -7 degrees x 3 framings (the table all around
# the sheet; along two sides, the sheet running off the other two; along one
# side), into data/sheets (made again each run).  Prints the numbers and the
# digits read right, per framing.  -v lists those read wrongly.  Run from
# the top of the source tree (make sheets installs what it needs).
set -eu
verbose=
[ "${1:-}" = -v ] && { verbose=1; shift; }
model=${1:-data/model.json}
[ -f "$model" ] || { echo "sheets.sh: no model $model (run make demo)" >&2; exit 1; }
command -v convert > /dev/null || { echo "sheets.sh: no ImageMagick (make sheets installs it)" >&2; exit 1; }
PATH=$(pwd)/cmd:$PATH
dir=data/sheets
tmp=$dir.tmp
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp"

fonts="/usr/share/fonts/truetype/fifthhorseman/dkg.ttf
/usr/share/fonts/opentype/bwht/BecauseWeLearn-Regular.otf
/usr/share/fonts/truetype/sjfonts/SteveHand.ttf"
for f in $fonts; do
    [ -f "$f" ] || { echo "sheets.sh: no font $f (make sheets installs it)" >&2; exit 1; }
done

# draw KIND TEXT POINTSIZE: a 700x400 sheet (grey 238) with TEXT (grey 35)
# on a 1400x1000 table of each grey, turned, then framed three ways.
draw() {
    kind=$1 text=$2 size=$3
    for font in $fonts; do
        for table in 60 110 150; do
            for turn in 0 4 -7; do
                i=$((i + 1))
                convert -seed "$i" -size 1400x1000 xc:"gray($table)" -attenuate 0.4 \
                    +noise Gaussian \( -size 700x400 xc:'gray(238)' \
                    -font "$font" -pointsize "$size" -fill 'gray(35)' \
                    -gravity center -annotate +0+25 "$text" \) \
                    -gravity northwest -geometry +350+300 -composite \
                    -background "gray($table)" -rotate "$turn" \
                    -gravity center -crop 1400x1000+0+0 +repage "$tmp/scene.png"
                for frame in all:900x560+250+220 two:760x480+380+310 \
                             one:710x320+290+340; do
                    name=$(printf '%s%03d_%s.jpg' "$kind" "$i" "${frame%%:*}")
                    convert "$tmp/scene.png" -gravity northwest \
                        -crop "${frame#*:}" +repage -blur 0x1 -quality 85 \
                        "$tmp/$name"
                    printf '%s\t%s\t%s\n' "$name" "$text" "${frame%%:*}" \
                        >> "$tmp/labels.tsv"
                done
            done
        done
    done
}
i=0
for n in 2025 93817 4071; do draw n "$n" 150; done
i=0
for d in 4 7 2; do draw d "$d" 170; done
rm -f "$tmp/scene.png"
rm -rf "$dir"
mv "$tmp" "$dir"

# IMAGE<TAB>READ per picture, then per kind and framing: right of all.
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
        kind = substr($1, 1, 1) == "n" ? "numbers" : "digits"
        n[kind, $3]++; N[kind]++
        if (read[dir $1] "" == $2 "") { w[kind, $3]++; W[kind]++ }
        else if (verbose) printf "%s\t%s\tread %s\n", $1, $2, read[dir $1]
    }
    END {
        printf "%-8s %9s %9s %9s %9s\n", "", "all", "two", "one", "in all"
        for (k = 1; k <= 2; k++) {
            kind = k == 1 ? "numbers" : "digits"
            printf "%-8s %4d of %2d %4d of %2d %4d of %2d %5d of %3d\n", kind,
                w[kind, "all"], n[kind, "all"], w[kind, "two"], n[kind, "two"],
                w[kind, "one"], n[kind, "one"], W[kind], N[kind]
        }
    }' - "$dir/labels.tsv"
