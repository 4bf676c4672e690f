#!/bin/sh
# photos.sh [-v|-c] [MODEL] - read every labelled photo of
# ../shared/data/photos (or $PHOTOS_DIR) with img2vec and nn-predict, and
# print the accuracy overall and per kind (photo, tablet, scan), beside the
# plain method.  -v lists the images read wrongly; -c prints instead, for
# thresholds P, the share of images that `nn-predict --min-prob P` answers
# (its probability is P or more) and the accuracy on those.  Run from the
# top of the source tree.
set -eu
verbose= coverage=
case ${1:-} in
-v) verbose=1; shift ;;
-c) coverage=1; shift ;;
esac
model=${1:-data/model.json}
dir=${PHOTOS_DIR:-../shared/data/photos}
[ -f "$dir/labels.tsv" ] || { echo "photos.sh: no $dir/labels.tsv (set PHOTOS_DIR)" >&2; exit 1; }
[ -f "$model" ] || { echo "photos.sh: no model $model (run make demo)" >&2; exit 1; }
PATH=$(pwd)/cmd:$PATH

# One line per image: kind, label, class read by nnpipe, class read
# plainly, file, nnpipe's probability.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
tail -n +2 "$dir/labels.tsv" | while IFS='	' read -r file label repo commit path kind notes; do
    a=$(img2vec "$dir/$file" 2>/dev/null | nn-predict "$model" | cut -f 1,2)
    b=$(img2vec --plain "$dir/$file" 2>/dev/null | nn-predict "$model" | cut -f 1)
    echo "$kind $label ${a:-x 0} ${b:-x} $file" | awk '{ print $1, $2, $3, $5, $6, $4 }'
done > "$out"

if [ -n "$coverage" ]; then
    awk 'BEGIN { split("0 0.5 0.7 0.8 0.9 0.95", P, " ")
                 printf "%-6s %9s %9s\n", "P", "coverage", "accuracy" }
         { n++; p[n] = $6; ok[n] = $3 == $2 }
         END { for (i = 1; i <= 6; i++) {
                   m = r = 0
                   for (j = 1; j <= n; j++)
                       if (p[j] >= P[i]) { m++; r += ok[j] }
                   printf "%-6s %8.1f%% %8.1f%%\n", P[i], 100 * m / n,
                          m ? 100 * r / m : 0 } }' "$out"
    exit 0
fi

if [ -n "$verbose" ]; then
    echo "read wrongly (file, label, nnpipe, plain):"
    awk '$3 != $2 { print "  " $5, $2, $3, $4 }' "$out"
fi
awk '
    { n[$1]++; a[$1] += $3 == $2; b[$1] += $4 == $2
      N++; A += $3 == $2; B += $4 == $2 }
    END {
        printf "%-8s %6s %9s %9s\n", "kind", "images", "nnpipe", "plain"
        for (k in n)
            printf "%-8s %6d %8.1f%% %8.1f%%\n", k, n[k], 100 * a[k] / n[k], 100 * b[k] / n[k]
        printf "%-8s %6d %8.1f%% %8.1f%%\n", "all", N, 100 * A / N, 100 * B / N
    }' "$out"
