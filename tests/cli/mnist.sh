# End to end on real MNIST (found as make demo finds it): a small network
# trained briefly must reach an accuracy a broken trainer cannot.
dir=$(mnist_dir)
idx2vec -b "$(mnist_file "$dir" train-images-idx3-ubyte)" \
    "$(mnist_file "$dir" train-labels-idx1-ubyte)" > train.nnv
idx2vec "$(mnist_file "$dir" t10k-images-idx3-ubyte)" \
    "$(mnist_file "$dir" t10k-labels-idx1-ubyte)" > test.vec
idx2vec -b "$(mnist_file "$dir" t10k-images-idx3-ubyte)" \
    "$(mnist_file "$dir" t10k-labels-idx1-ubyte)" > test.nnv
[ "$(wc -l < test.vec)" -eq 10000 ] || fail "test.vec: expected 10000 lines"

nn-train -q -H 64 -e 2 -s 1 -o m.json train.nnv
nn-eval --json m.json test.vec > eval.json
acc=$(sed 's/.*"accuracy":\([0-9.e-]*\).*/\1/' eval.json)
echo "784-64-10, 2 epochs: test accuracy $acc" >&2
awk -v a="$acc" 'BEGIN { exit !(a >= 0.95) }' || fail "accuracy $acc < 0.95"
grep -q '"n":10000,' eval.json

# Text and binary streams of the same images give the same predictions.
nn-predict m.json test.vec > p1
nn-predict m.json test.nnv > p2
cmp p1 p2

# The example photos of examples/ (pen on ruled paper, uneven light): the
# photo path with this small model reads at least 8 of the 10.
for d in 0 1 2 3 4 5 6 7 8 9; do
    img2vec -b --label "$d" "$TOP/examples/digit-$d.jpg"
done > photos.nnv
nn-eval --json m.json photos.nnv > photos.json
right=$(sed 's/.*"correct":\([0-9]*\).*/\1/' photos.json)
echo "examples/digit-*.jpg: $right of 10 read right" >&2
[ "$right" -ge 8 ] || fail "only $right of the 10 example photos read right"
