# nn-convert: nnpipe <-> network2.py's JSON, nnpipe <-> ONNX; exports
# checked by Debian's python3-onnx, network2 files made and run by numpy as
# network2.py does (tests/cli/nn-convert.py); round trips; bad input.
PY=/usr/bin/python3         # Debian's, where python3-onnx is importable
HELP="$TOP/tests/cli/nn-convert.py"
$PY -c 'import onnx, numpy' 2>/dev/null ||
    fail "$PY cannot import onnx and numpy (make check installs python3-onnx)"

idx2vec "$DATA/mnist10-images-idx3-ubyte" "$DATA/mnist10-labels-idx1-ubyte" > ten.vec

# same A B [FIELDS]: the two nnpipe models are equal but for what nnpipe
# records of their making (training, init, seed) and FIELDS (jq paths).
same() {
    drop=".training, .init, .seed${3:+, $3}"
    jq -S "del($drop)" "$1" > a.cmp
    jq -S "del($drop)" "$2" > b.cmp
    cmp a.cmp b.cmp || { diff a.cmp b.cmp | head -n 20 >&2; fail "$1 and $2 differ"; }
}

# Models of every kind the dense layers make: ReLU, sigmoid and tanh hidden
# layers, softmax and sigmoid outputs, both costs, class names, none hidden.
nn-train -q -H 16 -e 2 -s 1 --holdout 3 --class-names zero,one,two,three,four,five,six,seven,eight,nine -o relu.json ten.vec
grep -q '"temperature"' relu.json || fail "relu.json: no calibration (--holdout)"
nn-train -q -H 16,12 -a sigmoid --output sigmoid --cost quadratic -e 2 -s 2 -o sig.json ten.vec
nn-train -q -H 8 -a sigmoid --output sigmoid -e 2 -s 3 -o sigce.json ten.vec
nn-train -q -H 10 -a tanh -e 2 -s 4 -o tanh.json ten.vec
nn-train -q -H none -e 2 -s 5 -o linear.json ten.vec

# nnpipe -> ONNX -> nnpipe: the same model, the same answers; ONNX ->
# nnpipe -> ONNX: the same bytes.  Debian's checker accepts every export.
# round_trip M...: each model M.json to M.onnx and back, to the same model,
# answers and bytes.
round_trip() {
    for m; do
        expect 0 nn-convert $m.json $m.onnx
        [ ! -s "$TMP/out" ] || fail "nn-convert wrote to standard output"
        nn-convert $m.onnx $m.back.json
        same $m.json $m.back.json
        nn-predict --probs $m.json ten.vec > a.p
        nn-predict --probs $m.back.json ten.vec > b.p
        cmp a.p b.p || fail "$m: predictions differ after the ONNX round trip"
        nn-convert $m.back.json again.onnx
        cmp $m.onnx again.onnx || fail "$m: ONNX -> nnpipe -> ONNX differs"
    done
}
round_trip relu sig sigce tanh linear
$PY "$HELP" check relu.onnx sig.onnx sigce.onnx tanh.onnx linear.onnx

# Convolutional networks (a few batches of training): same and valid
# padding, a conv straight before a dense layer, a maxpool before the
# output, class names.  The same round trips; Debian's checker accepts the
# exports (Reshape and Transpose to NCHW, Conv, MaxPool, Transpose back and
# Flatten before Gemm).  onnx-opencv.sh runs them.
nn-train -q --net conv3x3:4,maxpool2,conv5x5:6:valid,maxpool2,dense:16 -e 1 -s 6 -o cnn.json ten.vec
nn-train -q --net conv3x3:3:valid -a tanh -e 1 -s 7 --class-names zero,one,two,three,four,five,six,seven,eight,nine -o cnn2.json ten.vec
nn-train -q --net conv1x1:2,maxpool2,maxpool2 -a sigmoid -e 1 -s 8 -o cnn3.json ten.vec
round_trip cnn cnn2 cnn3
$PY "$HELP" check cnn.onnx cnn2.onnx cnn3.onnx
# A CNN as other programs write it (NCHW from the input on, flattened as
# it is) reads back; onnx-opencv.sh compares its predictions with OpenCV's.
$PY "$HELP" cnn-foreign cnnf.onnx
expect 0 nn-convert cnnf.onnx cnnf.json
jq -e '[.layers[].type] == ["conv", "maxpool", "conv", "maxpool", "dense"]' cnnf.json > /dev/null ||
    fail "cnnf.json: not the layers of cnnf.onnx"
# --to and '-' name the format and the stream.
nn-convert --to onnx relu.json - > piped.onnx
cmp relu.onnx piped.onnx
nn-convert --to nnpipe - back.json < relu.onnx
same relu.json back.json

# nnpipe -> network2 -> nnpipe (sigmoid models; network2 has no class
# names): the same weights, biases, activations and cost.
for m in sig sigce; do
    expect 0 nn-convert $m.json $m.net2.json
    nn-convert $m.net2.json $m.from2.json
    same $m.json $m.from2.json
    nn-convert $m.from2.json again.net2.json
    cmp $m.net2.json again.net2.json || fail "$m: network2 -> nnpipe -> network2 differs"
done
grep -q '"cost": "QuadraticCost"' sig.net2.json || fail "sig.net2.json: cost"
grep -q '"cost": "CrossEntropyCost"' sigce.net2.json || fail "sigce.net2.json: cost"

# network2.py's feedforward (numpy, double) over what nn-convert wrote
# gives what nn-predict gives with the nnpipe model: the class, and the
# outputs within 1e-5.
# agree A B: files of lines "class<TAB>out..." agree.
agree() {
    paste "$1" "$2" | awk -F '\t' -v k=10 '
        { if ($1 != $(k + 2)) bad++
          for (j = 2; j <= k + 1; j++) {
              d = $j - $(j + k + 1); if (d < 0) d = -d; if (d > max) max = d } }
        END { printf "%d records, %d classes differ, largest difference %.3g\n",
                     NR, bad, max > "/dev/stderr"
              exit !(NR == 10 && bad == 0 && max <= 1e-5) }' ||
        fail "$1 and $2 disagree"
}
for m in sig sigce; do
    $PY "$HELP" forward2 $m.net2.json ten.vec > numpy.p
    nn-predict --probs $m.json ten.vec | cut -f 1-11 > ours.p
    agree numpy.p ours.p
done

# A network in network2.py's own layout (its save() of random weights by
# its initialiser, made by numpy) converts and predicts as numpy does.
$PY "$HELP" network2 nielsen.json 7 784,30,10 CrossEntropyCost
expect 0 nn-convert nielsen.json nielsen.nn.json
grep -q '"output": {' nielsen.nn.json || fail "not an nnpipe model"
[ "$(jq -r '.output.activation, .output.cost, .layers[0].activation' nielsen.nn.json | tr '\n' ' ')" = "sigmoid ce sigmoid " ] ||
    fail "network2 model: not sigmoid layers with cost ce"
$PY "$HELP" forward2 nielsen.json ten.vec > numpy.p
nn-predict --probs nielsen.nn.json ten.vec | cut -f 1-11 > ours.p
agree numpy.p ours.p
$PY "$HELP" network2 quad.json 8 784,20,15,10 QuadraticCost
nn-convert quad.json quad.nn.json
[ "$(jq -r .output.cost quad.nn.json)" = quadratic ] || fail "QuadraticCost is not quadratic"
$PY "$HELP" forward2 quad.json ten.vec > numpy.p
nn-predict --probs quad.nn.json ten.vec | cut -f 1-11 > ours.p
agree numpy.p ours.p

# An ONNX model laid out as other programs write it (weights [in, out] in
# float_data, a [1, out] bias, Softmax over axis -1) reads and predicts as
# numpy computes it.
$PY "$HELP" foreign foreign.onnx ten.vec > numpy.p
expect 0 nn-convert foreign.onnx foreign.json
nn-predict --probs foreign.json ten.vec | cut -f 1-11 > ours.p
agree numpy.p ours.p

# What a format cannot hold is refused with the reason; exit 1, and the
# output is left as it was (or not made).
echo old > kept.json
expect 1 nn-convert relu.json kept.json
expect_err "nn-convert: relu.json: cannot be written as network2: network2 has sigmoid layers only, and this model's hidden layers are relu"
[ "$(cat kept.json)" = old ] || fail "kept.json was changed"
expect 1 nn-convert linear.json n.json
expect_err "network2 has sigmoid layers only, and this model's output is softmax"
[ ! -e n.json ] || fail "n.json made"

# Bad input: a clear message naming the place, exit 1, no output file.
head -c 30000 relu.onnx > cut.onnx
expect 1 nn-convert cut.onnx out.json
expect_err "nn-convert: cut.onnx: not a complete ONNX model: field 7 at byte"
expect_err "(truncated file?)"
$PY "$HELP" unsupported leaky.onnx
expect 1 nn-convert leaky.onnx out.json
expect_err "nn-convert: leaky.onnx: graph.node[1] (LeakyRelu 'act1'): operator LeakyRelu is not supported here"
$PY "$HELP" cnn-foreign pool3.onnx 3
expect 1 nn-convert pool3.onnx out.json
expect_err "nn-convert: pool3.onnx: graph.node[6] (MaxPool 'pool1'): nnpipe reads 2x2 max-pooling"
$PY "$HELP" mixed mixed.onnx
expect 1 nn-convert mixed.onnx out.json
expect_err "nn-convert: mixed.onnx: graph.node[3] (Tanh 'act1'): hidden layers must be Relu, Sigmoid or Tanh (and all the same)"
$PY "$HELP" ragged ragged.json 9 784,30,10 CrossEntropyCost
expect 1 nn-convert ragged.json out.json
expect_err "nn-convert: ragged.json: weights[0][3]: 783 values, expected 784"
sed 's/"CrossEntropyCost"/"LogLikelihoodCost"/' nielsen.json > cost.json
expect 1 nn-convert cost.json out.json
expect_err "cost.json: cost: 'LogLikelihoodCost', expected CrossEntropyCost or QuadraticCost"
ls out.json out.json.tmp* 2>/dev/null && fail "an output file was left"

# An ensemble: models joined answer with the mean of their probabilities
# (nn-predict prints 6 significant digits); it reads back the same, and it
# is written in nnpipe's format only.  A model unlike the first (another
# output layer) is refused by name, and nothing is written.
nn-train -q -H 16 -e 2 -s 9 --holdout 3 --class-names zero,one,two,three,four,five,six,seven,eight,nine -o relu2.json ten.vec
expect 0 nn-convert relu.json relu2.json relu.json ens.json
jq -e '.version == 3 and (.ensemble | length) == 3' ens.json > /dev/null ||
    fail "ens.json: not a version 3 ensemble of 3 networks"
nn-predict --probs relu.json ten.vec | cut -f 2-11 > a.p
nn-predict --probs relu2.json ten.vec | cut -f 2-11 > b.p
nn-predict --probs ens.json ten.vec | cut -f 2-11 > e.p
paste a.p b.p e.p | awk -F'\t' '{ for (k = 1; k <= 10; k++) {
        d = (2 * $k + $(k + 10)) / 3 - $(k + 20); if (d < 0) d = -d;
        if (d > 2e-6 * (1 + $(k + 20))) { print NR ": class " k - 1 ": " $(k + 20); exit 1 } } }' ||
    fail "ens.json: its probabilities are not the mean of its networks'"
nn-convert --to nnpipe ens.json again.json
cmp ens.json again.json || fail "ens.json: not the same after reading and writing"
expect 1 nn-convert ens.json ens.onnx
expect_err "nn-convert: ens.json: cannot be written as onnx: onnx holds one network, and this model is an ensemble of 3 (nnpipe's format holds it)"
expect 1 nn-convert relu.json relu2.json joined.onnx
expect_err "nn-convert: the ensemble: cannot be written as onnx: onnx holds one network, and this model is an ensemble of 2"
expect 1 nn-convert relu.json sig.json mixed.json
expect_err "nn-convert: sig.json: cannot join relu.json: its output layer is another kind"
expect 1 nn-train --resume ens.json -o more.json ten.vec
expect_err "nn-train: ens.json: an ensemble of 3 networks is not trained further"
ls ens.onnx joined.onnx mixed.json more.json 2>/dev/null && fail "an output file was left"

# Usage.
expect 2 nn-convert relu.json
expect_err "no output given"
expect 2 nn-convert --to keras relu.json x
expect_err "--to: 'keras' is not a format"
expect 2 nn-convert relu.json relu.json
expect 0 nn-convert --help
expect_out "Usage: nn-convert"

# Outputs (docs/outputs.md): a full disk, a missing directory, standard
# output to a terminal for ONNX.
expect 1 nn-convert --to onnx relu.json /dev/full
expect_err "nn-convert: /dev/full: write error: No space left on device"
expect 1 nn-convert relu.json nodir/x.onnx
expect_err "nodir/x.onnx: cannot write in nodir"
