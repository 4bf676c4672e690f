#!/bin/sh
# photos.sh [-v] [MODEL] - read every labelled photo of ../shared/data/photos
# (or $PHOTOS_DIR) with img2vec and nn-predict, and print the accuracy
# overall and per kind (photo, tablet, scan), beside the plain method.
# -v lists the images read wrongly.  Run from the top of the source tree.
set -eu
verbose=
[ "${1:-}" = -v ] && { verbose=1; shift; }
model=${1:-data/model.json}
dir=${PHOTOS_DIR:-../shared/data/photos}
[ -f "$dir/labels.tsv" ] || { echo "photos.sh: no $dir/labels.tsv (set PHOTOS_DIR)" >&2; exit 1; }
[ -f "$model" ] || { echo "photos.sh: no model $model (run make demo)" >&2; exit 1; }
PATH=$(pwd)/cmd:$PATH

# One line per image: kind, label, class read by nnpipe, class read plainly.
tail -n +2 "$dir/labels.tsv" | while IFS='	' read -r file label repo commit path kind notes; do
    a=$(img2vec "$dir/$file" 2>/dev/null | nn-predict "$model" | cut -f 1)
    b=$(img2vec --plain "$dir/$file" 2>/dev/null | nn-predict "$model" | cut -f 1)
    echo "$kind $label ${a:-x} ${b:-x} $file"
done > photos.out

if [ -n "$verbose" ]; then
    echo "read wrongly (file, label, nnpipe, plain):"
    awk '$3 != $2 { print "  " $5, $2, $3, $4 }' photos.out
fi
awk '
    { n[$1]++; a[$1] += $3 == $2; b[$1] += $4 == $2
      N++; A += $3 == $2; B += $4 == $2 }
    END {
        printf "%-8s %6s %9s %9s\n", "kind", "images", "nnpipe", "plain"
        for (k in n)
            printf "%-8s %6d %8.1f%% %8.1f%%\n", k, n[k], 100 * a[k] / n[k], 100 * b[k] / n[k]
        printf "%-8s %6d %8.1f%% %8.1f%%\n", "all", N, 100 * A / N, 100 * B / N
    }' photos.out
rm -f photos.out
