#!/bin/sh
# mnist.sh - the whole MNIST pipeline by hand, with the tools on PATH (or
# run from the top of the source tree after make).  MNIST_DIR names the
# directory holding the four MNIST files.
set -eu
d=${MNIST_DIR:-../shared/data/mnist}
PATH=$(pwd)/cmd:$PATH
idx2vec "$d/train-images-idx3-ubyte.gz" "$d/train-labels-idx1-ubyte.gz" > train.vec
idx2vec "$d/t10k-images-idx3-ubyte.gz" "$d/t10k-labels-idx1-ubyte.gz" > test.vec
nn-train --hidden 100 --epochs 10 --seed 1 -o model.json train.vec
nn-eval model.json test.vec
head -n 5 test.vec | nn-predict model.json
