# progress: idx2vec and img2vec draw a progress line only on a terminal
# (or with NN_PROGRESS=1), erase it when done, and change no output.
IMGS="$DATA/mnist10-images-idx3-ubyte.gz"
LABS="$DATA/mnist10-labels-idx1-ubyte.gz"
cr=$(printf '\r')

# stderr is a file here: nothing extra.
expect 0 idx2vec "$IMGS" "$LABS"
[ ! -s "$TMP/err" ] || fail "idx2vec wrote to a non-terminal: $(cat "$TMP/err")"
cp "$TMP/out" plain.vec

# Forced on: the last state is drawn, then blanked; the vectors are the same.
expect 0 env NN_PROGRESS=1 idx2vec "$IMGS" "$LABS"
cmp plain.vec "$TMP/out"
expect_err "[####################] 100% 10/10 images, "
tr "$cr" '\n' < "$TMP/err" | tail -n 2 > lines
[ "$(wc -l < lines)" -eq 2 ] || fail "progress: not one line, then erased"
grep -q '^ *$' lines || fail "progress line not erased: $(cat -A lines)"
[ "$(tail -c 1 "$TMP/err")" = "$cr" ] || fail "not back at the line start"
expect 0 env NN_PROGRESS=1 idx2vec --no-progress "$IMGS" "$LABS"
[ ! -s "$TMP/err" ] || fail "--no-progress drew: $(cat "$TMP/err")"
expect 0 idx2vec --help
expect_out "--no-progress"

# img2vec counts files; a warning starts on a line of its own.
expect 1 env NN_PROGRESS=1 img2vec --invert "$DATA/img/gray.png" nosuch.png "$DATA/img/gray.png"
expect_err "images, "
expect_err "3/3 images"
grep -q "^img2vec: nosuch.png: No such file or directory$" "$TMP/err" ||
    fail "warning not on its own line: $(cat -A "$TMP/err")"
[ "$(wc -l < "$TMP/out")" -eq 2 ] || fail "expected 2 records"
expect 1 img2vec "$DATA/img/gray.png" nosuch.png
[ "$(cat "$TMP/err")" = "img2vec: nosuch.png: No such file or directory" ] ||
    fail "img2vec wrote to a non-terminal: $(cat -A "$TMP/err")"

# nn-train: a line per epoch, counting records, erased before the epoch's
# own line, which stays as it was; -q and --no-progress turn it off.
idx2vec "$IMGS" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.vec
NN_PROGRESS=1 expect 0 nn-train -H 4 -e 2 -b 3 -o m.json ten.vec
expect_err "epoch 2/2 ["
expect_err "100% 10/10 records"
tr '\r' '\n' < "$TMP/err" | grep -q "^epoch 1/2: loss" || fail "epoch line changed: $(cat -A "$TMP/err")"
NN_PROGRESS=1 expect 0 nn-train -H 4 -e 2 --no-progress -o m.json ten.vec
! grep -q "records," "$TMP/err" || fail "--no-progress drew: $(cat -A "$TMP/err")"
NN_PROGRESS=1 expect 0 nn-train -q -H 4 -e 2 -o m.json ten.vec
[ ! -s "$TMP/err" ] || fail "-q drew: $(cat -A "$TMP/err")"

# On a real terminal (script(1) gives one), shown without NN_PROGRESS, off
# with NN_PROGRESS=0.
command -v script > /dev/null || skip "script(1) not found"
script -qec "idx2vec '$IMGS' > /dev/null" /dev/null > tty.txt < /dev/null
grep -q "100% 10/10 images" tty.txt || fail "no progress on a terminal: $(cat -A tty.txt)"
NN_PROGRESS=0 script -qec "idx2vec '$IMGS' > /dev/null" /dev/null > tty.txt < /dev/null
[ ! -s tty.txt ] || fail "NN_PROGRESS=0 drew: $(cat -A tty.txt)"
