# output-errors: standard output that cannot be written.  A full disk
# (/dev/full) is an error: one message, exit 1.  A closed pipe (| head)
# ends the tool quietly with exit 0.
idx2vec "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.vec
nn-train -q -H 4 -e 1 -o m.json ten.vec
for i in 1 2 3 4 5 6 7 8; do cat ten.vec ten.vec ten.vec ten.vec ten.vec; done > many.vec
set -- "$DATA/img/gray.png"
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
    set -- "$@" "$DATA/img/gray.png"
done
imgs="$*"

# full TOOL ARGS...: TOOL > /dev/full fails with the write error.
full() {
    set +e
    "$@" > /dev/full 2> "$TMP/err"
    s=$?
    set -e
    [ $s -eq 1 ] || { cat "$TMP/err" >&2; fail "exit $s, expected 1: $* > /dev/full"; }
    grep -q "^$1: .*No space left on device" "$TMP/err" ||
        { cat "$TMP/err" >&2; fail "no write error message: $*"; }
    [ "$(wc -l < "$TMP/err")" -eq 1 ] || { cat "$TMP/err" >&2; fail "more than one message: $*"; }
}
# closed TOOL ARGS...: TOOL | head -c 1 ends with 0 and says nothing.  The
# output must outgrow the pipe (64 KB), so that the tool does write to a
# closed pipe.
closed() {
    { set +e; "$@" 2> "$TMP/err"; echo $? > "$TMP/status"; } | head -c 1 > /dev/null
    [ "$(cat "$TMP/status")" -eq 0 ] || { cat "$TMP/err" >&2; fail "exit $(cat "$TMP/status"): $* | head"; }
    [ ! -s "$TMP/err" ] || { cat "$TMP/err" >&2; fail "message on a closed pipe: $*"; }
}

full idx2vec "$DATA/mnist10-images-idx3-ubyte.gz"
full idx2vec -b "$DATA/mnist10-images-idx3-ubyte.gz"
full img2vec "$DATA/img/gray.png"
full vec2img ten.vec
full vec2img --pgm ten.vec
full nn-predict m.json ten.vec
full nn-eval m.json ten.vec
full nn-eval --json m.json ten.vec
full nn-train -q -H 4 -e 1 -o - ten.vec
for tool in idx2vec img2vec vec2img nn-train nn-predict nn-eval; do
    full $tool --help
    full $tool --version
done

closed idx2vec "$DATA/mnist10-images-idx3-ubyte.gz"
# A model is kept whole: refused by a closed pipe, it goes to a file of
# its own in $TMPDIR, named in the one message, and the exit status is 1.
mkdir keep
{ set +e; TMPDIR=$TMP/keep nn-train -q -H 200 -e 1 -o - ten.vec 2> "$TMP/err"
  echo $? > "$TMP/status"; } | head -c 1 > /dev/null
[ "$(cat "$TMP/status")" -eq 1 ] || fail "nn-train -o - | head: exit $(cat "$TMP/status")"
expect_err "nn-train: writing the model to standard output failed: Broken pipe; the trained model is kept in $TMP/keep/nn-train-"
[ "$(wc -l < "$TMP/err")" -eq 1 ] || { cat "$TMP/err" >&2; fail "more than one message"; }
nn-eval keep/nn-train-*.json ten.vec > /dev/null || fail "the kept model does not load"
closed idx2vec -b "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz"
closed img2vec $imgs
closed vec2img many.vec
closed vec2img --pgm many.vec
closed nn-predict m.json many.vec
closed nn-predict --probs m.json many.vec
closed nn-eval m.json ten.vec
