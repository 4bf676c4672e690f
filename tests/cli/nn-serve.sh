# nn-serve over HTTP on 127.0.0.1, with the 10-image fixtures as its data:
# the command line, the page's files and nothing else, predictions equal to
# img2vec | nn-predict, hostile input answered with JSON errors while the
# server goes on, a slow client cut off, training from the API giving
# nn-train's model bytes, and a run stopped by SIGTERM saving its model.
. "$TOP/tests/serve/lib.sh"
command -v curl > /dev/null && command -v jq > /dev/null ||
    skip "curl and jq needed (make check installs them)"

# The command line.
expect 0 nn-serve --help
expect_out "--data DIR"
expect 0 nn-serve --version
expect_out "nn-serve (nnpipe)"
expect 2 nn-serve
expect_err "nn-serve: nothing to serve: give a MODEL, or --data DIR"
expect 2 nn-serve --port 70000 m.json
expect_err "--port: 70000 is out of range"
expect 2 nn-serve --bind localhost m.json
expect_err "is not an IPv4 address"
expect 1 nn-serve missing.json
expect_err "nn-serve: missing.json: No such file or directory"
expect 1 nn-serve --data nodir
expect_err "nn-serve: nodir/train-images-idx3-ubyte(.gz): No such file or directory"

# A model of 784 inputs and a data directory, both from the fixtures.
mkdir d saved
for set in train t10k; do
    ln -s "$DATA/mnist10-images-idx3-ubyte.gz" "d/$set-images-idx3-ubyte.gz"
    ln -s "$DATA/mnist10-labels-idx1-ubyte" "d/$set-labels-idx1-ubyte"
done
idx2vec "$DATA/mnist10-images-idx3-ubyte" "$DATA/mnist10-labels-idx1-ubyte" > ten.vec
nn-train -q -H 16 -e 20 -s 1 -o m.json ten.vec
expect 2 nn-serve --runs m.json m.json
expect_err "m.json: is both the run log (--runs) and a model"

serve_start --data d --runs runs.jsonl --save-dir saved m.json

# The page's files, and nothing else: no file from disk by any name.
api_expect 200 GET /
grep -q '<canvas id="pad"' body.json
curl -s -D headers -o /dev/null "${URL}app.js"
grep -qi '^content-type: text/javascript' headers
for p in /../etc/passwd /%2e%2e/%2e%2e/etc/passwd /..%2f..%2fetc%2fpasswd \
         //etc/passwd /web/index.html /cmd/serve.c \
         /api/../../etc/passwd /etc/passwd; do
    code=$(curl -s --path-as-is -o body.json -w '%{http_code}' "$URL${p#/}")
    [ "$code" = 404 ] || [ "$code" = 400 ] || fail "GET $p: status $code"
    jq -e .error body.json > /dev/null || fail "GET $p: no JSON error"
    ! grep -q 'root:' body.json || fail "GET $p served /etc/passwd"
done
api_expect 405 DELETE /api/models
api_expect 405 POST /index.html
api_expect 404 GET /api/nothing

# The models.
api_expect 200 GET /api/models
[ "$(jq '.models | length' body.json)" -eq 1 ]
[ "$(jq -c '[.models[0].layers[].size]' body.json)" = '[784,16,10]' ]

# A photo: the class and probability img2vec | nn-predict give.
for f in "$TOP/examples/digit-3.jpg" "$DATA/img/gray.png" "$DATA/img/p5.pgm"; do
    api_expect 200 POST /api/predict -H 'Content-Type: image/jpeg' --data-binary "@$f"
    want=$(img2vec "$f" | nn-predict m.json)
    got=$(jq -r '"\(.class)\t\(.probabilities[.class])"' body.json)
    [ "$got" = "$want" ] || fail "$f: served '$got', img2vec | nn-predict '$want'"
    [ "$(jq '.input | length' body.json)" -eq 784 ]
    [ "$(jq '.probabilities | length' body.json)" -eq 10 ]
    jq -e '.ms >= 0 and .model == 0' body.json > /dev/null
done
# The 28x28 input is img2vec's vector.
img2vec "$TOP/examples/digit-3.jpg" | cut -f 2 | tr ' ' '\n' > want.txt
curl -s -H 'Content-Type: application/octet-stream' \
    --data-binary "@$TOP/examples/digit-3.jpg" "${URL}api/predict" |
    jq -r '.input[]' > got.txt
awk 'NR == FNR { w[FNR] = $1; next } { d = w[FNR] - $1; if (d < 0) d = -d;
     if (d > 1e-6) bad++ } END { exit bad > 0 }' want.txt got.txt ||
    fail "the input of /api/predict differs from img2vec's vector"

# error_like TEXT: body.json is an error naming TEXT (else the body, shown).
error_like() {
    jq -e --arg t "$1" '.error | test($t)' body.json > /dev/null 2>&1 ||
        fail "expected an error about '$1', got: $(head -c 300 body.json)"
}

# A vector record, as nn-predict reads it.
sed -n 4p ten.vec > one.vec
api_expect 200 POST /api/predict -H 'Content-Type: text/plain' --data-binary @one.vec
[ "$(jq -r '"\(.class)\t\(.probabilities[.class])"' body.json)" = \
  "$(nn-predict m.json one.vec | cut -f 1,2)" ]
api_expect 400 POST /api/predict -H 'Content-Type: text/plain' --data-binary @ten.vec
error_like "more than one record"
printf '1\t0.5 0.5\n' > short.vec
api_expect 400 POST /api/predict -H 'Content-Type: text/plain' --data-binary @short.vec

# Bad and hostile input: a JSON error each time, and the server goes on.
head -c 600 "$TOP/examples/digit-3.jpg" > cut.jpg
printf 'GIF89a\001\000\001\000\000\000\000;' > x.gif
# A header of 30000 x 30000 pixels, and nothing after it.
printf 'P5 30000 30000 255\n' > huge.pgm
head -c 4096 /dev/urandom > noise.bin
: > empty
{ printf 'P5 64 64 255\n'; head -c 4096 /dev/zero | tr '\000' '\377'; } > blank.pgm
# STATUS FILE Content-Type ('Content-Type:' alone sends none)
for case in "422 cut.jpg image/jpeg" "422 x.gif image/gif" \
            "413 huge.pgm image/x-portable-graymap" "422 noise.bin image/png" \
            "422 empty image/png" "422 blank.pgm image/x-portable-graymap" \
            "415 one.vec application/json" "415 one.vec"; do
    set -- $case
    api_expect "$1" POST /api/predict -H "Content-Type:${3:+ $3}" --data-binary "@$2"
    api_expect 200 GET /api/info
done
api_expect 422 POST /api/predict -H 'Content-Type: image/gif' --data-binary @x.gif
error_like "GIF"
head -c $((17 << 20)) /dev/zero > big.bin
api_expect 413 POST /api/predict -H 'Content-Type: image/png' --data-binary @big.bin
# The same sent at once, as a browser sends it (no Expect): answered before
# it is read, and the answer reaches the client still sending, not a reset
# (before the server read and dropped the rest, two uploads in ten got no
# answer: curl "Send failure", status 000).
for i in 1 2 3 4 5 6 7 8 9 10; do
    api_expect 413 POST /api/predict -H 'Content-Type: image/png' -H 'Expect:' \
        --data-binary @big.bin
done
# A client that asks to continue and is refused sends nothing: the
# connection closes after the answer, not after --timeout (10 s) of waiting
# for a body that will not come.
port=${URL##*:}
port=${port%/}
t0=$(date +%s)
bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1
    printf "POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 17825792\r\nExpect: 100-continue\r\n\r\n" >&3
    cat <&3' sh "$port" > refused.out
grep -q '^HTTP/1.1 413' refused.out || fail "Expect over the limit: no 413: $(head -n 1 refused.out)"
[ $(($(date +%s) - t0)) -lt 5 ] || fail "Expect over the limit: the connection stayed open"
api_expect 404 POST '/api/predict?model=5' -H 'Content-Type: image/jpeg' \
    --data-binary "@$TOP/examples/digit-3.jpg"
api_expect 400 POST '/api/predict?model=x' -H 'Content-Type: image/jpeg' \
    --data-binary "@$TOP/examples/digit-3.jpg"
# Headers larger than civetweb takes: its own error, in JSON too.
big=$(head -c 40000 /dev/zero | tr '\000' a)
code=$(curl -s -o body.json -w '%{http_code}' -H "X-Big: $big" "${URL}api/info")
[ "$code" -ge 400 ] || fail "headers of 40 kB: status $code"
jq -e .error body.json > /dev/null || fail "headers of 40 kB: no JSON error"
api_expect 200 GET /api/info

# Inside the model: weights as pictures, the confusion matrix, its cells.
api_expect 200 GET '/api/weights?model=0&layer=0&max=3'
jq -e '.width == 28 and .height == 28 and (.units | length) == 3 and
       (.units[0] | length) == 784' body.json > /dev/null
api_expect 404 GET '/api/weights?model=0&layer=2'
api_expect 200 GET '/api/confusion?model=0'
nn-eval --json m.json ten.vec > eval.json
[ "$(jq -c .matrix body.json)" = "$(jq -c .confusion eval.json)" ] ||
    fail "confusion matrix: served $(jq -c .matrix body.json), nn-eval $(jq -c .confusion eval.json)"
api_expect 200 GET '/api/misread?model=0&actual=3&predicted=3'
[ "$(jq .count body.json)" -eq "$(jq '.confusion[3][3]' eval.json)" ]
[ "$(jq '.images | length' body.json)" -eq "$(jq .count body.json)" ]
api_expect 400 GET '/api/misread?model=0&actual=3'

# Training: nn-train's options by their long names, checked as nn-train
# checks them.
api_expect 400 POST /api/train -d '{"bogus": 1}'
jq -e '.error == "unknown option '"'"'bogus'"'"'"' body.json > /dev/null
api_expect 400 POST /api/train -d '{"rate": "x"}'
jq -e '.error == "--rate: '"'"'x'"'"' is not a number"' body.json > /dev/null
api_expect 400 POST /api/train -d '{"patience": 2}'
jq -e '.error == "--patience needs --validation or --holdout"' body.json > /dev/null
api_expect 400 POST /api/train -d '[1, 2]'
api_expect 400 POST /api/train -d '{"holdout": 10}'
api_expect 409 POST /api/train/stop

# A run gives the bytes nn-train gives for the same options and seed.
opts='{"hidden": [12, 8], "epochs": 4, "batch": 3, "holdout": 3, "seed": 7,
       "rate": 0.1, "augment": "affine"}'
api_expect 202 POST /api/train -d "$opts"
train_wait
[ "$(jq -r .state body.json)" = done ] || fail "run: $(cat body.json)"
[ "$(jq '.history | length' body.json)" -eq 4 ]
model=$(jq -r .path body.json)
case $model in saved/nn-serve-*-run1.json) ;; *) fail "model written to $model";; esac
idx2vec -b "$DATA/mnist10-images-idx3-ubyte" "$DATA/mnist10-labels-idx1-ubyte" > ten.nnv
nn-train -q -H 12,8 -e 4 -b 3 --holdout 3 -s 7 -r 0.1 --augment affine -o cli.json ten.nnv
cmp cli.json "$model" || fail "the page's model differs from nn-train's"
api_expect 200 GET /api/models
[ "$(jq '.models | length' body.json)" -eq 2 ]
[ "$(jq '.models[1].run' body.json)" -eq 1 ]
api_expect 200 GET /api/runs
[ "$(jq '.runs | length' body.json)" -eq 1 ]
jq -e '.runs[0].network == "784-12-8-10" and .runs[0].seed == 7' body.json > /dev/null
[ "$(wc -l < runs.jsonl)" -eq 1 ]

# Server-sent events: the run's state, at once.
curl -sN --max-time 2 "${URL}api/train/events" > events.txt || true
grep -q '^data: {"seq": [0-9]*, "run": 1, "state": "done"' events.txt ||
    fail "events: $(head -c 300 events.txt)"

# A client that stops sending is cut off after --timeout (408, in JSON),
# and the others are served.
serve_stop
serve_start --timeout 1 m.json
# One stalled upload, its body sent at once (no Expect: curl would wait
# for a 100 Continue, and the first byte timed would be that).
{ head -c 100 /dev/zero; sleep 5; } | curl -s -o body.json --max-time 30 \
    -X POST -T - -H 'Content-Type: image/png' -H 'Expect:' \
    -w '%{http_code} %{time_starttransfer}\n' "${URL}api/predict" > took || true
read -r code took < took
[ "$code" = 408 ] || fail "a stalled client: status $code"
error_like "--timeout"
awk -v t="$took" 'BEGIN { exit !(t < 4) }' || fail "a stalled client was answered after $took s"
# A client that waits for a 100 Continue before its body (curl does for a
# body over 1 MB) gets one, then its answer.
head -c 2000000 /dev/zero > big.bin
curl -sv -o body.json -H 'Content-Type: image/png' --data-binary @big.bin \
    "${URL}api/predict" 2> trace.txt || true
grep -q '^< HTTP/1.1 100 Continue' trace.txt || fail "no 100 Continue: $(grep '^<' trace.txt)"
grep -q '^< HTTP/1.1 422 ' trace.txt || fail "a large upload: $(grep '^<' trace.txt)"
error_like "."
api_expect 200 GET /api/info
serve_stop

# One run at a time; SIGTERM stops it after its batch and it saves its
# model first, as nn-train does.
serve_start --data d --save-dir saved --runs runs.jsonl
api_expect 202 POST /api/train -d '{"hidden": 8, "epochs": 1000000, "holdout": 2, "patience": 0}'
api_expect 409 POST /api/train -d '{"hidden": 8}'
error_like "one run at a time"
i=0
until api_expect 200 GET /api/train && [ "$(jq '.history | length' body.json)" -ge 3 ]; do
    i=$((i + 1)); [ "$i" -lt 300 ] || fail "no epoch in 30 s"; sleep 0.1
done
serve_stop TERM
grep -q 'SIGTERM during run 1, epoch [0-9]*: writing the best model so far' serve.err ||
    fail "$(cat serve.err)"
model=$(ls saved/nn-serve-*-run1-2.json saved/nn-serve-*-run1.json 2>/dev/null | grep -v "$(basename "$model")" | head -n 1)
[ -n "$model" ] || fail "no model saved on SIGTERM: $(ls saved)"
[ "$(jq '.training.epochs_run' "$model")" -ge 3 ] || fail "$model: $(jq -c .training "$model")"
[ "$(wc -l < runs.jsonl)" -eq 2 ]
ls saved | grep -v '^nn-serve-.*\.json$' && fail "a stray file in saved/" || true

# A CNN (issue 16): its layers' types from the accessor, its filters as
# weights, its answer to a vector the same as nn-predict's, and a run
# trained from the API with --net giving nn-train's model bytes.
nn-train -q --net conv3x3:4,maxpool2,dense:8 -e 2 -s 1 -o cnn.json ten.vec
serve_start --data d --save-dir saved cnn.json
api_expect 200 GET /api/models
jq -e '[.models[0].layers[1:][].type] == ["conv", "maxpool", "dense", "dense"]' body.json > /dev/null ||
    fail "layer types: $(jq -c '.models[0].layers' body.json)"
jq -e '.models[0].layers[1].kernel == 3 and .models[0].layers[2].width == 14 and (.models[0].layers[2] | has("activation") | not)' \
    body.json > /dev/null || fail "layers: $(jq -c '.models[0].layers' body.json)"
api_expect 200 GET '/api/weights?model=0&layer=0'
jq -e '.out == 4 and .in == 9 and .width == 3 and (.units | length) == 4' body.json > /dev/null ||
    fail "weights: $(head -c 300 body.json)"
api_expect 200 POST /api/predict -H 'Content-Type: text/plain' --data-binary @one.vec
[ "$(jq -r .class body.json)" = "$(nn-predict cnn.json one.vec | cut -f 1)" ] ||
    fail "/api/predict: $(head -c 300 body.json)"
api_expect 202 POST /api/train -d '{"net": "conv3x3:4,maxpool2", "epochs": 2, "seed": 3}'
train_wait
[ "$(jq -r .state body.json)" = done ] || fail "run: $(cat body.json)"
nn-train -q --net conv3x3:4,maxpool2 -e 2 -s 3 -o cnn-cli.json ten.vec
cmp cnn-cli.json "$(jq -r .path body.json)" || fail "the page's CNN differs from nn-train's"
serve_stop
