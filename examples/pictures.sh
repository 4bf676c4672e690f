#!/bin/sh
# pictures.sh - PNG pictures of a trained model, for a person to look at:
#   curves.png         loss and accuracy per epoch (from nn-train --log)
#   confusion.png      the confusion matrix on the test set, as a heat map
#   weights.png        the first layer's weights, one image per hidden unit
#   misclassified.png  test images the model gets wrong, true and predicted
# Usage: examples/pictures.sh MODEL LOG TEST OUTDIR
# TEST is labelled vectors in text form (idx2vec without -b).  Needs the
# nnpipe tools on PATH (or cmd/ when run from the top of the tree),
# gnuplot with the pngcairo terminal (Debian: gnuplot-nox) and jq.
set -eu
if [ $# -ne 4 ]; then
    echo "usage: $0 MODEL LOG TEST OUTDIR" >&2
    exit 2
fi
model=$1 log=$2 test=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
PATH=$here/../cmd:$PATH
for tool in gnuplot jq nn-eval nn-predict nn-weights vec2img; do
    command -v $tool > /dev/null || { echo "$0: $tool not found" >&2; exit 1; }
done
if [ "$(head -c 1 "$test" | od -An -tx1 | tr -d ' ')" = 89 ]; then
    echo "$0: $test: binary vectors; give text ones (idx2vec without -b)" >&2
    exit 1
fi
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Each picture is made under a temporary name and renamed when complete.
gnuplot -e "log='$log'; out='$tmp/curves.png'" "$here/curves.gp"
mv "$tmp/curves.png" "$out/curves.png"

nn-eval --json "$model" "$test" > "$tmp/eval.json"
jq -r '.confusion[] | @tsv' "$tmp/eval.json" > "$tmp/confusion.tsv"
classes=$(jq -r '.classes | join(" ")' "$tmp/eval.json")
acc=$(jq -r '.accuracy * 100 | . * 100 | round / 100' "$tmp/eval.json")
n=$(jq -r '.n' "$tmp/eval.json")
gnuplot -e "conf='$tmp/confusion.tsv'; classes='$classes'; out='$tmp/confusion.png'; title='Confusion matrix: $n test images, $acc% right'" \
    "$here/confusion.gp"
mv "$tmp/confusion.png" "$out/confusion.png"

# The first 64 hidden units, 16 to a row; mid-grey is 0.
nn-weights "$model" | head -n 64 | vec2img --signed -c 16 -s 2 > "$tmp/weights.png"
mv "$tmp/weights.png" "$out/weights.png"

# The first 40 test images the model gets wrong: nn-predict's class,
# probability and label beside each record, then each image as a 28x28
# matrix block for gnuplot and a caption word "TRUE>PREDICTED:PROB%".
nn-predict "$model" "$test" | paste - "$test" |
    awk -F'\t' -v dat="$tmp/mis.dat" -v max=40 '
        $1 != $3 && n < max {
            k = split($5, v, " ")
            side = int(sqrt(k) + 0.5)
            for (i = 0; i < k; i++)
                printf "%s%s", v[i + 1], (i % side == side - 1) ? "\n" : " " > dat
            printf "\n\n" > dat
            printf "%s>%s:%d%% ", $3, $1, int($2 * 100)
            n++
        }' > "$tmp/captions"
if [ -s "$tmp/captions" ]; then
    gnuplot -e "data='$tmp/mis.dat'; captions='$(cat "$tmp/captions")'; out='$tmp/mis.png'" \
        "$here/misclassified.gp"
    mv "$tmp/mis.png" "$out/misclassified.png"
else
    echo "$0: no misclassified images in $test" >&2
fi
ls -l "$out"/*.png
