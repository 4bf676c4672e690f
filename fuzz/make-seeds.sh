#!/bin/sh
# make-seeds.sh - (re)make the seed corpora fuzz/seeds/TARGET from the test
# fixtures in tests/data: the inputs made from them (fuzz/run.sh reads the
# fixtures themselves from tests/data).  Needs the tools built (make).  The
# seeds are small and kept in git; run this after changing the fixtures.
set -eu
cd "$(dirname "$0")/.."
D=tests/data
S=fuzz/seeds
rm -rf "$S"
mkdir -p "$S/idx" "$S/vec" "$S/model" "$S/prep" "$S/serve" "$S/convert"

# IDX: a 2-item cut of the images (the fixtures themselves: tests/data).
{ printf '\0\0\10\3\0\0\0\2\0\0\0\34\0\0\0\34'; tail -c +17 $D/mnist10-images-idx3-ubyte | head -c 1568; } > "$S/idx/two-images"

# Vectors: a first byte choosing the dim hint (see fuzz_vec.c), then a
# stream: text, binary u8, binary f32, unlabelled, 4-value records.
for f in text u8; do
    case $f in text) opt= ;; u8) opt=-b ;; esac
    { printf '\0'; cmd/idx2vec -n 2 $opt $D/mnist10-images-idx3-ubyte $D/mnist10-labels-idx1-ubyte; } > "$S/vec/$f"
done
{ printf '\6'; cmd/idx2vec -n 1 $D/mnist10-images-idx3-ubyte | cut -f 2; } > "$S/vec/hint784"
printf '\5# comment\n1\t0 0.5 1 0.25\n?\t1e-3 -0 0x1p-3 .5\r\n\n0 1 0 1\n' > "$S/vec/dim4"
# f32 proper: img2vec writes float32 records.
{ printf '\0'; cmd/img2vec -b $D/img/gray.png; } > "$S/vec/f32"

# Models: a small trained one (the fixtures themselves: tests/data).
cmd/idx2vec $D/mnist10-images-idx3-ubyte $D/mnist10-labels-idx1-ubyte > "$S/ten.vec"
cmd/nn-train -q -H 3 -e 1 --class-names a,b,c,d,e,f,g,h,i,j -o "$S/model/trained.json" "$S/ten.vec" 2>/dev/null
# An ensemble: that model and another of another shape, joined.
cmd/nn-train -q -H 2 -e 1 -s 2 --class-names a,b,c,d,e,f,g,h,i,j -o "$S/two.json" "$S/ten.vec" 2>/dev/null
cmd/nn-convert "$S/model/trained.json" "$S/two.json" "$S/model/ensemble.json"
# Conversions: that model as ONNX, a sigmoid one as ONNX and network2.
cmd/nn-convert "$S/model/trained.json" "$S/convert/trained.onnx"
cmd/nn-train -q -H 3 -a sigmoid --output sigmoid -e 1 -o "$S/sig.json" "$S/ten.vec" 2>/dev/null
cmd/nn-convert "$S/sig.json" "$S/convert/sigmoid.onnx"
cmd/nn-convert "$S/sig.json" "$S/convert/network2.json"
rm -f "$S/ten.vec" "$S/sig.json" "$S/two.json"

# Images: the fixtures themselves (tests/data/img).

# Preprocessing: width-1, flags, height-1 (fuzz_prep.c), options, pixels
# of a 28x28 digit and of a 40x30 PGM.
tail -c +17 $D/mnist10-images-idx3-ubyte | head -c 784 > "$S/prep.px"
{ printf '\33\0\33\3'; cat "$S/prep.px"; } > "$S/prep/mnist"
{ printf '\47\0\35\3'; tail -c 1200 $D/img/p5.pgm; } > "$S/prep/pgm40x30"
{ printf '\33\0\33\4'; cat "$S/prep.px"; } > "$S/prep/plain"
rm -f "$S/prep.px"
# A squiggle across a 400x150 picture: one stroke that every column cuts,
# the most work segment.c can be given (before its readings were bounded,
# 147 s under the fuzzer's sanitizers).
{ printf '\217\1\225\0'; LC_ALL=C awk 'BEGIN {
    W = 400; H = 150
    for (t = 0; t < W; t += 0.25) {
        cy = 75 + 50 * sin(t / 6)
        for (y = int(cy) - 3; y <= int(cy) + 4; y++)
            for (x = int(t) - 3; x <= int(t) + 4; x++)
                if (x >= 0 && x < W && (x - t) ^ 2 + (y - cy) ^ 2 < 10)
                    ink[y * W + x] = 1
    }
    for (i = 0; i < W * H; i++)
        printf "%c", i in ink ? 1 : 255
}'; } > "$S/prep/squiggle"

# nn-serve's requests (fuzz_serve.c): a route byte, the query up to a
# newline, the body.  Routes: 0 a PNG, 2 a vector record, 6 training
# options, 9 weights, 11 a confusion cell, 17 a path of the input's own.
{ printf '\0model=1\n'; cat $D/img/gray.png; } > "$S/serve/predict-png"
{ printf '\2\n'; cmd/idx2vec -n 1 $D/mnist10-images-idx3-ubyte $D/mnist10-labels-idx1-ubyte; } > "$S/serve/predict-vec"
printf '\6\n{"hidden": [12, 8], "epochs": 2, "rate": 0.1, "holdout": 3, "augment": "affine", "shift": 1}' > "$S/serve/train"
printf '\11model=0&layer=0&max=3\n' > "$S/serve/weights"
printf '\13model=1&actual=3&predicted=5&max=2\n' > "$S/serve/misread"
printf '\21/app.js' > "$S/serve/path"
