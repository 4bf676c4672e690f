# An ONNX export run by a program we did not write: OpenCV's dnn module
# (Debian's python3-opencv) reads a model of the demo's shape (784-256-10,
# ReLU, softmax) that nn-convert exported, and on 1,000 MNIST test images
# gives the class nn-predict gives for every one, with every probability
# within 1e-5 of nn-predict's (which prints 6 significant digits).
PY=/usr/bin/python3         # Debian's, where python3-opencv is importable
$PY -c 'import cv2, onnx, numpy' 2>/dev/null ||
    fail "$PY cannot import cv2, onnx and numpy (make check installs python3-opencv and python3-onnx)"
dir=$(mnist_dir)
idx2vec -b "$(mnist_file "$dir" train-images-idx3-ubyte)" \
    "$(mnist_file "$dir" train-labels-idx1-ubyte)" > train.nnv
idx2vec -n 1000 "$(mnist_file "$dir" t10k-images-idx3-ubyte)" \
    "$(mnist_file "$dir" t10k-labels-idx1-ubyte)" > test.vec
# Held out as make demo does, so that the model is calibrated (a
# temperature: a Mul before the Softmax in ONNX).
nn-train -q -H 256 -e 1 -s 1 --holdout 10000 -o m.json train.nnv
grep -q '"temperature"' m.json || fail "m.json: no calibration"
nn-convert m.json m.onnx
$PY "$TOP/tests/cli/nn-convert.py" check m.onnx
nn-predict --probs m.json test.vec > ours.p
set -- $($PY "$TOP/tests/cli/nn-convert.py" opencv m.onnx test.vec ours.p)
echo "OpenCV $($PY -c 'import cv2; print(cv2.__version__)'): $1 images, $2 with nn-predict's class, largest probability difference $3" >&2
[ "$1" -eq 1000 ] || fail "expected 1000 images, OpenCV ran $1"
[ "$2" -eq 1000 ] || fail "OpenCV's class differs from nn-predict's on $(($1 - $2)) images"
awk -v d="$3" 'BEGIN { exit !(d <= 1e-5) }' || fail "probabilities differ by $3 (> 1e-5)"

# The same for convolutional networks, both paddings, trained a few batches
# (500 images): nnpipe's export, and a CNN as other programs write it
# (NCHW, flattened as it is; tests/cli/nn-convert.py cnn-foreign) that
# nn-convert read.
idx2vec -n 500 "$(mnist_file "$dir" train-images-idx3-ubyte)" \
    "$(mnist_file "$dir" train-labels-idx1-ubyte)" > small.vec
nn-train -q --net conv3x3:4,maxpool2,conv5x5:6:valid,maxpool2,dense:16 -e 1 -s 1 -o cnn.json small.vec
nn-convert cnn.json cnn.onnx
$PY "$TOP/tests/cli/nn-convert.py" cnn-foreign cnnf.onnx
nn-convert cnnf.onnx cnnf.json
for m in cnn cnnf; do
    $PY "$TOP/tests/cli/nn-convert.py" check $m.onnx
    nn-predict --probs $m.json test.vec > ours.p
    set -- $($PY "$TOP/tests/cli/nn-convert.py" opencv $m.onnx test.vec ours.p)
    echo "OpenCV, $m: $1 images, $2 with nn-predict's class, largest probability difference $3" >&2
    [ "$1" -eq 1000 ] || fail "$m: expected 1000 images, OpenCV ran $1"
    [ "$2" -eq 1000 ] || fail "$m: OpenCV's class differs from nn-predict's on $(($1 - $2)) images"
    awk -v d="$3" 'BEGIN { exit !(d <= 1e-5) }' || fail "$m: probabilities differ by $3 (> 1e-5)"
done
