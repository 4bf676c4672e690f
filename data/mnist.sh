#!/bin/sh
# mnist.sh NAME - print the path of MNIST file NAME (e.g.
# train-images-idx3-ubyte), gzipped or not, looking in $MNIST_DIR, data/mnist
# and ../shared/data/mnist; if it is in none, download the four files into
# data/mnist from a public mirror and check the published MD5 sums of the
# uncompressed data.  Run from the top of the source tree.
set -eu
name=$1
for dir in ${MNIST_DIR:+"$MNIST_DIR"} data/mnist ../shared/data/mnist; do
    for f in "$dir/$name.gz" "$dir/$name"; do
        if [ -f "$f" ]; then
            echo "$f"
            exit 0
        fi
    done
done

mirrors="https://ossci-datasets.s3.amazonaws.com/mnist
https://storage.googleapis.com/cvdf-datasets/mnist"
sums="2646ac647ad5339dbf082846283269ea  t10k-images-idx3-ubyte
27ae3e4e09519cfbb04c329615203637  t10k-labels-idx1-ubyte
6bbc9ace898e44ae57da46a324031adb  train-images-idx3-ubyte
a25bea736e30d166cdddb491f175f624  train-labels-idx1-ubyte"

fetch() {   # fetch URL FILE
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --retry 2 -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$1"
    else
        echo "mnist.sh: neither curl nor wget is installed" >&2
        return 1
    fi
}

echo "mnist.sh: MNIST not found (set MNIST_DIR); downloading to data/mnist" >&2
mkdir -p data/mnist
for f in train-images-idx3-ubyte train-labels-idx1-ubyte \
         t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -f "data/mnist/$f.gz" ] && continue
    ok=
    for m in $mirrors; do
        echo "mnist.sh: $m/$f.gz" >&2
        if fetch "$m/$f.gz" "data/mnist/$f.gz.part"; then
            want=$(echo "$sums" | awk -v f="$f" '$2 == f { print $1 }')
            got=$(gzip -dc "data/mnist/$f.gz.part" 2>/dev/null | md5sum | cut -d' ' -f1)
            if [ "$got" = "$want" ]; then
                mv "data/mnist/$f.gz.part" "data/mnist/$f.gz"
                ok=1
                break
            fi
            echo "mnist.sh: $f.gz: checksum mismatch ($got, expected $want)" >&2
        fi
        rm -f "data/mnist/$f.gz.part"
    done
    [ -n "$ok" ] || { echo "mnist.sh: cannot download $f.gz" >&2; exit 1; }
done
echo "data/mnist/$name.gz"
