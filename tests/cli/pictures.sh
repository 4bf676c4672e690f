# pictures: examples/pictures.sh makes its four PNGs from a model, its log
# and labelled test vectors, sized by what they show.
command -v gnuplot > /dev/null || skip "gnuplot not found (make pictures installs it)"
command -v jq > /dev/null || skip "jq not found (make pictures installs it)"
gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo || skip "gnuplot lacks pngcairo"
idx2vec "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.vec
nn-train -q -H 8 -e 4 --holdout 3 --log log.tsv -o m.json ten.vec

# size FILE: "WIDTH HEIGHT" from a PNG's header, which must be there.
size() {
    [ "$(head -c 8 "$1" | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ] || fail "$1 is not a PNG"
    od -An -tu1 -j16 -N8 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4, $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }'
}

expect 0 sh "$TOP/examples/pictures.sh" m.json log.tsv ten.vec pics
[ "$(size pics/curves.png)" = "1000 400" ] || fail "curves.png: $(size pics/curves.png)"
[ "$(size pics/confusion.png)" = "620 560" ] || fail "confusion.png: $(size pics/confusion.png)"
# 8 hidden units in one row of 16 at most, cells 28*2 + 1 pixels.
[ "$(size pics/weights.png)" = "456 57" ] || fail "weights.png: $(size pics/weights.png)"
# One cell per misclassified image, 10 to a row: 84-pixel cells, 22 between
# rows, 36 above for the title, 4 below.
wrong=$(nn-predict m.json ten.vec | awk -F'\t' '$1 != $3' | wc -l)
if [ "$wrong" -gt 0 ]; then
    rows=$(( (wrong + 9) / 10 ))
    [ "$(size pics/misclassified.png)" = "880 $((36 + rows * 84 + (rows - 1) * 22 + 4))" ] ||
        fail "misclassified.png for $wrong images: $(size pics/misclassified.png)"
fi
[ "$(ls pics | wc -l)" -eq $((3 + (wrong > 0))) ] || fail "out: $(ls pics)"

# The model got everything right: no grid, and a note saying so.
nn-predict m.json ten.vec | paste - ten.vec | awk -F'\t' '$1 == $3 { print $4 "\t" $5 }' > right.vec
if [ -s right.vec ]; then
    expect 0 sh "$TOP/examples/pictures.sh" m.json log.tsv right.vec pics2
    expect_err "no misclassified images in right.vec"
    [ ! -e pics2/misclassified.png ] || fail "misclassified.png for no image"
fi

# Without validation the curves still draw (the validation lines are empty).
nn-train -q -H 8 -e 2 --log log2.tsv -o m2.json ten.vec
expect 0 sh "$TOP/examples/pictures.sh" m2.json log2.tsv ten.vec pics3
[ "$(size pics3/curves.png)" = "1000 400" ] || fail "curves.png without validation"

# Binary test vectors are refused; so is a missing file, leaving no picture.
idx2vec -b "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.nnv
expect 1 sh "$TOP/examples/pictures.sh" m.json log.tsv ten.nnv pics4
expect_err "ten.nnv: binary vectors; give text ones"
expect 2 sh "$TOP/examples/pictures.sh" m.json log.tsv
[ ! -e pics4 ] || fail "pics4 made"
