# nn-weights: a layer's weights as records, one per unit; vec2img --signed
# draws them around mid-grey.
M="$DATA/tiny-model.json"

# Each layer's records, unit by unit, are the model file's "weights" array
# cut into rows of "in" values, labelled 0, 1, ...
for l in 1 2; do
    expect 0 nn-weights -l $l "$M"
    n_in=$(grep '"in":' "$M" | sed -n "${l}p" | tr -dc '0-9')
    grep '"weights":' "$M" | sed -n "${l}p" | sed 's/.*\[\(.*\)\].*/\1/' | tr ',' '\n' |
        awk -v n="$n_in" '{ row = row (NR % n == 1 || n == 1 ? "" : " ") $1 }
            NR % n == 0 { print (NR / n - 1) "\t" row; row = "" }' > want
    cmp want "$TMP/out" || fail "layer $l: $(cat "$TMP/out") vs $(cat want)"
done
# The default is layer 1; -b writes the same records in binary.
expect 0 nn-weights "$M"
cp "$TMP/out" l1.vec
nn-weights -l 1 "$M" | cmp - l1.vec
nn-weights -b "$M" > l1.nnv
vec2img --pgm -s 1 l1.nnv > a.pgm
vec2img --pgm -s 1 l1.vec > b.pgm
cmp a.pgm b.pgm

# A trained model's first layer: one record per hidden unit, one value per
# input.
idx2vec "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.vec
nn-train -q -H 12 -e 1 -o m.json ten.vec
nn-weights m.json > w.vec
[ "$(wc -l < w.vec)" -eq 12 ] || fail "expected 12 records, got $(wc -l < w.vec)"
[ "$(head -n 1 w.vec | cut -f 2 | wc -w)" -eq 784 ] || fail "expected 784 values"
[ "$(cut -f 1 w.vec | tr '\n' ' ')" = "0 1 2 3 4 5 6 7 8 9 10 11 " ] || fail "labels"

# vec2img --signed: 0 is mid-grey, the record's largest magnitude white or
# black; without it, values are clamped to [0,1].
printf '?\t-2 0 1 2\n?\t0 0 0 0\n' > s.vec
vec2img --signed --pgm -s 1 -c 1 s.vec | tail -c 6 | od -An -tu1 | tr -s ' ' > got
# Cells are 2x2 plus a 1-pixel grey line: the second record's last row is
# 128 128 then the line (96); the first record's values are 0 128 / 191 255.
echo " 128 128 96 96 96 96" > want2
cmp got want2 || fail "--signed, zero record: $(cat got)"
vec2img --signed --pgm -s 1 -c 1 s.vec | head -c 17 | tail -c 6 | od -An -tu1 | tr -s ' ' > got
[ "$(cat got)" = " 0 128 96 191 255 96" ] || fail "--signed: $(cat got)"
vec2img --pgm -s 1 -c 1 s.vec | head -c 17 | tail -c 6 | od -An -tu1 | tr -s ' ' > got
[ "$(cat got)" = " 0 0 96 255 255 96" ] || fail "plain: $(cat got)"

# Errors and usage.
expect 1 nn-weights -l 3 "$M"
expect_err "nn-weights: $M: --layer 3, but the model has 2 weight layers"
expect 1 nn-weights nosuch.json
expect_err "nn-weights: nosuch.json: No such file or directory"
expect 1 nn-weights "$DATA/bad-shape.json"
expect_err "nn-weights: $DATA/bad-shape.json: "
expect 2 nn-weights
expect_err "Try 'nn-weights --help'."
expect 2 nn-weights -l 0 "$M"
expect 2 nn-weights "$M" "$M"
expect 0 nn-weights --version
expect_out "nn-weights (nnpipe) "
for tool in nn-weights vec2img; do
    expect 0 $tool --help
    for opt in $(sed -n 's/^  *\(-., \)\{0,1\}\(--[a-z-]*\).*/\2/p' "$TMP/out"); do
        grep -qF -- "Fl \\${opt#-}" "$TOP/cmd/$tool.1" || fail "$opt is not in $tool.1"
    done
done
