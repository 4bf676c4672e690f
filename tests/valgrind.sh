#!/bin/sh
# valgrind.sh - each tool under valgrind (memcheck) on a small pipeline,
# and on a few bad inputs; fails on any memory error or leak (definite,
# indirect or possible).  Run from the top of the tree after make, or with
# make valgrind.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
D="$top/tests/data"
PATH="$top/cmd:$PATH"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind not installed" >&2; exit 1; }
fails=0 runs=0

# vg STATUS CMD...: CMD under valgrind exits STATUS with no valgrind error.
vg() {
    want=$1
    shift
    runs=$((runs + 1))
    rm -f vg.log.*
    set +e
    valgrind -q --error-exitcode=99 --leak-check=full --trace-children=yes \
        --errors-for-leak-kinds=definite,indirect,possible \
        --show-leak-kinds=definite,indirect,possible --log-file=vg.log.%p \
        "$@" > vg.out 2> vg.err
    got=$?
    set -e
    cat vg.log.* > vg.log
    if [ $got -ne "$want" ] || [ -s vg.log ]; then
        echo "FAIL (exit $got, expected $want): $*"
        sed 's/^/    /' vg.log vg.err | head -n 40
        fails=$((fails + 1))
    else
        echo "ok   $*"
    fi
}

vg 0 idx2vec -n 20 "$D/mnist10-images-idx3-ubyte.gz" "$D/mnist10-labels-idx1-ubyte.gz"
cp vg.out ten.vec
vg 0 idx2vec -b "$D/mnist10-images-idx3-ubyte" "$D/mnist10-labels-idx1-ubyte"
cp vg.out ten.nnv
vg 0 nn-train -q -H 8 -e 2 --holdout 3 -o m.json ten.vec
vg 0 nn-train -q --resume m.json -e 1 -o m2.json ten.nnv
vg 0 nn-predict --top 2 m.json ten.vec
vg 0 nn-predict --json m2.json ten.nnv
vg 0 nn-eval m.json ten.vec
vg 0 nn-eval --json m.json ten.nnv
vg 0 img2vec "$D/img/gray.png" "$D/img/baseline.jpg" "$D/img/p5.pgm" "$D/img/tiff-rgb.tif"
cp vg.out four.vec
vg 0 vec2img four.vec
vg 0 vec2img --pgm ten.nnv
cat "$D/img/progressive.jpg" > in.jpg
vg 0 sh -c 'img2vec < in.jpg | nn-predict m.json'
vg 0 sh -c "img2vec --digits '$top/docs/img/number.jpg' | nn-predict --number m.json"

# Error paths free what they took, too.
printf '0\t0 0.5 nan 1\n' > nan.vec
head -c 1000 "$D/mnist10-images-idx3-ubyte" > cut
head -c 500 "$D/tiny-model.json" > cut.json
head -c 100 "$D/img/gray.jpg" > cut.jpg
vg 1 idx2vec cut
vg 1 nn-train -o x.json nan.vec
vg 1 nn-predict cut.json ten.vec
vg 1 nn-eval "$D/bad-shape.json" ten.vec
vg 1 img2vec cut.jpg "$D/img/gray.png"
vg 1 vec2img cut

# nn-serve: every kind of request, a training run finished and one stopped
# by SIGTERM, then the log (curl needed; make check installs it).
if command -v curl >/dev/null; then
    mkdir d
    for set in train t10k; do
        ln -s "$D/mnist10-images-idx3-ubyte.gz" "d/$set-images-idx3-ubyte.gz"
        ln -s "$D/mnist10-labels-idx1-ubyte" "d/$set-labels-idx1-ubyte"
    done
    nn-train -q -H 16 -e 5 -o m.json ten.vec
    head -n 1 ten.vec > one.vec
    runs=$((runs + 1))
    rm -f vg.log.*
    valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
        --show-leak-kinds=definite,indirect,possible --log-file=vg.log.%p \
        nn-serve --port 0 --data d --runs runs.jsonl m.json > url 2> serve.err &
    spid=$!
    i=0
    while [ ! -s url ] && [ $i -lt 300 ]; do i=$((i + 1)); sleep 0.1; done
    u=$(head -n 1 url)
    post() { curl -s -o /dev/null -X POST -H "Content-Type: $1" --data-binary "$2" "$u$3"; }
    for f in "$D/img/gray.png" "$D/img/gray.jpg" cut.jpg "$D/img/p5.pgm"; do
        post image/png "@$f" api/predict
    done
    post text/plain @one.vec api/predict
    post text/plain @ten.vec api/predict
    post application/json '{"hidden": 8, "epochs": 3, "holdout": 2}' api/train
    sleep 2
    post application/json '{"bogus": 1}' api/train
    post application/json '{"hidden": 8, "epochs": 1000000, "holdout": 2, "patience": 0}' api/train
    for p in / api/info api/models api/confusion 'api/misread?actual=1&predicted=1' \
             api/weights api/runs api/train nothing; do
        curl -s -o /dev/null "$u$p"
    done
    curl -s -o /dev/null --max-time 1 "${u}api/train/events" || true
    kill -TERM "$spid"
    set +e
    wait "$spid"
    got=$?
    set -e
    cat vg.log.* > vg.log
    if [ $got -ne 0 ] || [ -s vg.log ] || ! grep -q 'SIGTERM during run 2' serve.err; then
        echo "FAIL (exit $got): nn-serve"
        sed 's/^/    /' vg.log serve.err | head -n 40
        fails=$((fails + 1))
    else
        echo "ok   nn-serve (requests, two training runs, SIGTERM)"
    fi
fi

echo "valgrind: $runs runs, $fails failed"
[ $fails -eq 0 ]
