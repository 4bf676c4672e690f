#!/bin/sh
# numbers.sh [-v] [MODEL] - read every number of data/numbers (or
# $NUMBERS_DIR; made by make numbers) with img2vec --digits and nn-predict
# --number, and print per kind and overall: whole numbers read right, digits
# read right (a digit counts when the number has the right count of digits
# and that digit is right at its place), and numbers with the right count
# of digits, and the whole numbers' 95% interval.  -v lists the numbers
# read wrongly.  Run from the top of the source tree.
set -eu
verbose=
[ "${1:-}" = -v ] && { verbose=1; shift; }
model=${1:-data/model.json}
dir=${NUMBERS_DIR:-data/numbers}
[ -f "$dir/labels.tsv" ] || { echo "numbers.sh: no $dir/labels.tsv (make numbers)" >&2; exit 1; }
[ -f "$model" ] || { echo "numbers.sh: no model $model (run make demo)" >&2; exit 1; }
PATH=$(pwd)/cmd:$PATH
out=$(mktemp)
trap 'rm -f "$out"' EXIT INT TERM

# IMAGE<TAB>NUMBER<TAB>P per image, in labels.tsv's order.
tail -n +2 "$dir/labels.tsv" | cut -f 1 | sed "s|^|$dir/|" |
    xargs img2vec --digits --no-progress 2>/dev/null |
    nn-predict --number "$model" > "$out" || true

awk -F '\t' -v verbose="$verbose" -v dir="$dir/" '
    NR == FNR { read[$1] = $2; next }
    FNR == 1 { next }
    {
        # As strings: awk compares numeric-looking fields as numbers, and
        # "0500" read as "500" is not right.
        file = $1; want = $2 ""; kind = $3; got = read[dir file] ""
        if (got == "") got = "?"
        n[kind]++; N++
        d[kind] += length(want); D += length(want)
        if (got == want) { w[kind]++; W++ }
        else if (verbose) printf "  %s read %s\n", file, got
        if (length(got) == length(want)) {
            c[kind]++; C++
            for (i = 1; i <= length(want); i++)
                if (substr(got, i, 1) == substr(want, i, 1)) { r[kind]++; R++ }
        }
    }
    END {
        printf "%-8s %7s %7s %7s %7s\n", "kind", "numbers", "whole", "digits", "count"
        for (k in n)
            printf "%-8s %7d %6.1f%% %6.1f%% %6.1f%%\n", k, n[k], 100 * w[k] / n[k],
                   100 * r[k] / d[k], 100 * c[k] / n[k]
        printf "%-8s %7d %6.1f%% %6.1f%% %6.1f%%\n", "all", N, 100 * W / N,
               100 * R / D, 100 * C / N
        # Wilson score interval, 95%: where the rate of whole numbers read
        # right lies, given this many numbers.
        z = 1.96; p = W / N; k = 1 + z * z / N
        mid = (p + z * z / (2 * N)) / k
        half = z * sqrt(p * (1 - p) / N + z * z / (4 * N * N)) / k
        printf "whole numbers read right: %d of %d, %.1f%% (95%% interval %.1f-%.1f%%)\n",
               W, N, 100 * p, 100 * (mid - half), 100 * (mid + half)
    }' "$out" "$dir/labels.tsv"
