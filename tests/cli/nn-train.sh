# nn-train: options, reproducibility, atomic output, errors.
idx2vec "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.vec
idx2vec -b "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.nnv

expect 0 nn-train --help
expect_out "Usage: nn-train"
expect_out "--hidden"
expect 0 nn-train --version
expect_out "nn-train (nnpipe) "
expect 2 nn-train ten.vec
expect_err "nn-train: no output file: give -o MODEL"
expect_err "Try 'nn-train --help'."
expect 2 nn-train --bogus -o m.json ten.vec
expect 2 nn-train --epochs 0 -o m.json ten.vec
expect_err "nn-train: --epochs: 0 is out of range"
expect 2 nn-train --rate abc -o m.json ten.vec
expect_err "--rate: 'abc' is not a number"
expect 2 nn-train --hidden 10,x -o m.json ten.vec
expect 2 nn-train --activation softmax -o m.json ten.vec
expect 2 nn-train --cost quadratic -o m.json ten.vec
expect_err "needs --output sigmoid"
expect 2 nn-train --patience 3 -o m.json ten.vec
expect_err "--patience needs --validation or --holdout"
expect 2 nn-train -o m.json a.vec b.vec

# Same seed and input: byte-identical models, from text or binary, file or
# standard input.  Another seed: another model.
expect 0 nn-train -q -H 8 -e 3 -s 5 -o a.json ten.vec
expect 0 nn-train -q -H 8 -e 3 -s 5 -o b.json ten.nnv
nn-train -q -H 8 -e 3 -s 5 -o c.json < ten.vec
cmp a.json b.json
cmp a.json c.json
expect 0 nn-train -q -H 8 -e 3 -s 6 -o d.json ten.vec
if cmp -s a.json d.json; then fail "seeds 5 and 6 gave the same model"; fi
# -o - writes the model to standard output.
nn-train -q -H 8 -e 3 -s 5 -o - ten.vec > e.json
cmp a.json e.json

# Per-epoch lines on stderr, silenced by -q; the log has a header and a row
# per epoch.
expect 0 nn-train -H 8 -e 2 --holdout 3 --log log.tsv -o f.json ten.vec
expect_err "epoch 1/2: loss "
expect_err "val acc"
[ "$(wc -l < log.tsv)" -eq 3 ] || fail "log has $(wc -l < log.tsv) lines"
head -n 1 log.tsv | grep -q "^epoch	train_loss	train_acc	val_loss	val_acc	seconds	rate$"
expect 0 nn-train -q -H 8 -e 2 -o g.json ten.vec
[ ! -s "$TMP/err" ] || fail "-q printed: $(cat "$TMP/err")"

# Architectures named in the model.
expect 0 nn-train -q -H 6,5 -a tanh --output sigmoid --cost quadratic \
    --weight-init xavier -e 1 -o h.json ten.vec
grep -q '"activation": "tanh"' h.json
grep -q '"cost": "quadratic"' h.json
expect 0 nn-train -q -H none -e 1 -o i.json ten.vec
[ "$(grep -c '"in":' i.json)" -eq 1 ] || fail "--hidden none: expected one layer"

# --resume continues from a model and counts its epochs.
expect 0 nn-train -q --resume a.json -e 2 -o r.json ten.vec
grep -q '"epochs_run": 5' r.json
expect 2 nn-train -q --resume a.json -H 9 -o r.json ten.vec
# It goes on with the options the model recorded, and says so; options
# given override them.  Resuming with them given gives the same bytes.
expect 0 nn-train -q -H 8 -e 2 -b 3 -l 5 -r 0.02 -m 0.5 --optimizer nesterov \
    --augment affine --rotate 5 -s 9 -o opts.json ten.vec
expect 0 nn-train --resume opts.json -e 1 -o r1.json ten.vec
expect_err "nn-train: resuming opts.json after 2 epochs with -e 1 -b 3 -r 0.02 -m 0.5 -l 5 -s 9 -p 0 --optimizer nesterov --schedule constant --augment affine --shift 2 --rotate 5 --scale 0.1 --shear 0.1"
expect 0 nn-train -q --resume opts.json -e 1 -b 3 -l 5 -r 0.02 -m 0.5 \
    --optimizer nesterov --augment affine --rotate 5 -s 9 -o r2.json ten.vec
cmp r1.json r2.json || fail "resumed options differ from the same options given"
expect 0 nn-train -q --resume opts.json -e 1 -b 5 -o r3.json ten.vec
grep -q '"batch": 5' r3.json || fail "an option given did not override the model's"
grep -q '"lambda": 5' r3.json || fail "lambda not resumed"
expect 0 nn-train -q -H 8 -e 1 --holdout 3 -p 2 -o pat.json ten.vec
expect 2 nn-train -q --resume pat.json -o r4.json ten.vec
expect_err "nn-train: pat.json was trained with --patience 2, which needs --validation or --holdout: give one, or --patience 0"
expect 0 nn-train -q --resume pat.json -p 0 -o r4.json ten.vec

# Class names are stored; their count must match the classes.
expect 0 nn-train -q -H 4 -e 1 --class-names zero,one,two,three,four,five,six,seven,eight,nine -o n.json ten.vec
grep -q '"nine"' n.json
expect 1 nn-train -q -H 4 -e 1 --class-names a,b -o n2.json ten.vec
expect_err "nn-train: ten.vec: label 9, but there are 2 classes"
[ ! -e n2.json ] || fail "a model was written after an error"

# Bad input: named, exit 1, and no model file is left behind.
printf '3\t0.5 0.5\n4\t0.1\n' > short.vec
expect 1 nn-train -q -o bad.json short.vec
expect_err "nn-train: short.vec: line 2"
[ ! -e bad.json ] || fail "bad.json written"
: > empty.vec
expect 1 nn-train -q -o bad.json empty.vec
expect_err "nn-train: empty.vec: "
expect 1 nn-train -q -o bad.json nosuch.vec
expect_err "nn-train: nosuch.vec: No such file or directory"
printf '?\t0.5 0.5\n' > unlabelled.vec
expect 1 nn-train -q -o bad.json unlabelled.vec
expect_err "has no label"
expect 1 nn-train -q -o nodir/m.json ten.vec
expect_err "nn-train: nodir/m.json: cannot write in nodir"
# An existing model is only replaced by a complete one.
cp a.json keep.json
expect 1 nn-train -q -o keep.json short.vec
cmp a.json keep.json
[ "$(ls | grep -c tmp)" -eq 0 ] || fail "temporary files left: $(ls)"

# Unscaled input that overflows to NaN: refused, nothing written.
awk -F'\t' '{ n = split($2, v, " "); s = ""; for (i = 1; i <= n; i++) s = s " " v[i] * 3e38; print $1 "\t" s }' ten.vec > huge.vec
expect 1 nn-train -q -H 8 -e 3 -r 1000 -o nan.json huge.vec
expect_err "not finite"
expect_err "no model written"
[ ! -e nan.json ] || fail "nan.json written"

# Random labelled vectors that a network cannot learn.
awk 'BEGIN { srand(3); for (i = 0; i < 400; i++) { s = ""
    for (j = 0; j < 30; j++) s = s " " rand(); print i % 4 "\t" s } }' > busy.vec

# Without --threads, nn-train may switch between one thread and all at any
# batch; the model is the same as with --threads 1, and with --threads 2.
# The layers are big enough for products to be split among threads
# (2*128*512*30 flops, over lib/gemm.c's MIN_FLOPS of 2^21).
nn-train -q -H 512 -e 3 -b 128 -o auto.json busy.vec
nn-train -q -H 512 -e 3 -b 128 --threads 1 -o one.json busy.vec
nn-train -q -H 512 -e 3 -b 128 --threads 2 -o two.json busy.vec
cmp auto.json one.json
cmp auto.json two.json

# --net: hidden layers by type (issue 16).  A bad token is named, exit 2.
expect 2 nn-train --net conv5x:32 -o cnnbad.json ten.vec
expect_err 'nn-train: --net: "conv5x:32": expected convKxK:CHANNELS'
expect 2 nn-train --net conv4x4:8 -o cnnbad.json ten.vec
expect_err 'nn-train: --net: "conv4x4:8": the kernel must be square and odd'
expect 2 nn-train --net conv3x3:8,pool -o cnnbad.json ten.vec
expect_err 'nn-train: --net: "pool": expected dense:UNITS, convKxK:CHANNELS or maxpool2'
expect 2 nn-train --net dense:0 -o cnnbad.json ten.vec
expect_err 'nn-train: --net: "dense:0": expected dense:UNITS'
# A convolution needs an image: 30 values are none.
expect 1 nn-train -q --net conv3x3:4 -o cnnbad.json busy.vec
expect_err "nn-train: hidden layer 1 (conv) needs an image, but its input is 30 values"
[ ! -e cnnbad.json ] || fail "cnnbad.json written"
# --hidden 16 is --net dense:16: the same model, byte for byte.
nn-train -q -H 16 -e 2 -o h.json ten.vec
nn-train -q --net dense:16 -e 2 -o n.json ten.vec
cmp h.json n.json
grep -q '"version": 1,' n.json || fail "a dense network is not written as version 1"
# A small CNN: trained, read back by every tool, the same with 1 and 2
# threads.
nn-train -q --net conv3x3:4,maxpool2,conv5x5:6:valid,maxpool2,dense:8 -e 2 --threads 1 -o cnn1.json ten.vec
nn-train -q --net conv3x3:4,maxpool2,conv5x5:6:valid,maxpool2,dense:8 -e 2 --threads 2 -o cnn2.json ten.vec
cmp cnn1.json cnn2.json
grep -q '"version": 2,' cnn1.json || fail "a CNN is not written as version 2"
grep -q '"type": "maxpool"' cnn1.json || fail "no maxpool layer in the file"
expect 0 nn-predict cnn1.json ten.vec
[ "$(wc -l < "$TMP/out")" -eq 10 ] || fail "nn-predict: expected 10 lines"
expect 0 nn-eval cnn1.json ten.vec
expect_out "records    10"
expect 0 nn-weights cnn1.json
[ "$(wc -l < "$TMP/out")" -eq 4 ] || fail "nn-weights: expected 4 filters"
awk -F'\t' '{ if (split($2, v, " ") != 9) exit 1 }' "$TMP/out" || fail "nn-weights: expected 3x3 filters"
expect 1 nn-weights -l 2 cnn1.json
expect_err "layer 2 is a maxpool layer, which has no weights"
nn-train -q --resume cnn1.json -e 1 -o cnn3.json ten.vec
grep -q '"type": "conv"' cnn3.json || fail "the resumed CNN lost its layers"
