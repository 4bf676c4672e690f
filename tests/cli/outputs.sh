# outputs: every row of docs/outputs.md, by its id: no output overwrites an
# input or another output, a trained model is never lost, no temporary or
# half-written file is left, and exit status 0 means every output exists.
# A last check fails if a row of the table has no test here.
: > ids
export TMPDIR="$TMP/rescue"     # where a model that cannot be written goes
mkdir rescue

# row ID STATUS CMD...: CMD exits with STATUS; the row is counted as tested.
row() {
    echo "$1" >> ids
    shift
    expect "$@"
}
# no_temp DIR: no temporary file in DIR.
no_temp() {
    ! ls "$1" | grep -q '\.tmp' || fail "temporary files left in $1: $(ls "$1")"
}
# kept: the model that could not be written is in $TMPDIR, whole; removed.
kept() {
    expect_err "; the trained model is kept in $TMPDIR/nn-train-"
    [ "$(ls rescue | wc -l)" -eq 1 ] || fail "kept: $(ls rescue)"
    nn-eval rescue/nn-train-*.json ten.vec > /dev/null || fail "the kept model does not load"
    rm -f rescue/*
}

idx2vec "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.vec
cp ten.vec orig.vec
nn-train -q -H 4 -e 1 -o m.json ten.vec
cp m.json old.json
train="nn-train -q -H 4 -e 1"

# ---------------------------------------------------------------------
# W1-W4: an output that is an input or another output, refused first.
ln -s ten.vec link.vec
ln ten.vec hard.vec
for out in ten.vec ./ten.vec link.vec hard.vec "$TMP/ten.vec"; do
    row W1 2 $train -o "$out" ten.vec
    expect_err "nn-train: $out: is both the model (-o) and the training data; an input is never overwritten"
done
row W1 2 $train --validation m.json -o m.json ten.vec
expect_err "is both the model (-o) and the validation data (--validation)"
row W1 2 $train --test ten.vec -o ten.vec orig.vec
expect_err "is both the model (-o) and the test data (--test)"
row W1 2 nn-train -q -e 1 --resume m.json -o m.json ten.vec
expect_err "is both the model (-o) and the model resumed (--resume)"
row W2 2 $train --log ten.vec -o x.json ten.vec
expect_err "nn-train: ten.vec: is both the log (--log) and the training data"
row W2 2 $train --runs link.vec -o x.json ten.vec
expect_err "nn-train: link.vec: is both the run log (--runs) and the training data"
row W3 2 $train --log x -o x ten.vec
expect_err "nn-train: x: is both the log (--log) and the model (-o)"
row W3 2 $train --log x --runs ./x -o y.json ten.vec
expect_err "is both the run log (--runs) and the log (--log)"
cmp ten.vec orig.vec || fail "the training data changed"
cmp m.json old.json || fail "the model changed"
[ ! -e x ] && [ ! -e x.json ] && [ ! -e y.json ] || fail "an output was written: $(ls)"

# Standard output appended to an input, in every tool.
cp "$DATA/img/gray.png" g.png
nn-weights m.json > w.vec
for cmd in "idx2vec two.idx" "img2vec g.png" "vec2img ten.vec" "nn-predict m.json ten.vec" \
           "nn-eval m.json ten.vec" "nn-weights m.json" "nn-runs runs.jsonl"; do
    set -- $cmd
    tool=$1
    eval "f=\${$#}"
    [ "$f" != two.idx ] || cp "$DATA/mnist10-images-idx3-ubyte" two.idx
    [ "$f" != runs.jsonl ] || $train --runs runs.jsonl -o r.json ten.vec
    cp "$f" before
    echo W4 >> ids
    set +e
    $cmd >> "$f" 2>"$TMP/err"
    s=$?
    set -e
    [ $s -eq 2 ] || fail "W4: $cmd >> $f: exit $s"
    expect_err "$tool: $f: is both standard output and"
    cmp "$f" before || fail "W4: $f changed"
done
echo W4 >> ids
set +e
nn-predict m.json - < ten.vec >> ten.vec 2>"$TMP/err"
s=$?
set -e
[ $s -eq 2 ] || fail "W4: stdin and stdout the same file: exit $s"
expect_err "nn-predict: standard input: is both standard output and the vectors"
row W4 0 nn-predict m.json /dev/null        # a device is not compared

# ---------------------------------------------------------------------
# W5-W9: outputs checked before training; links and devices.
mkdir dir
row W5 1 $train -o dir ten.vec
expect_err "nn-train: dir: is a directory, not a file for the model (-o)"
row W5 1 $train --log dir -o x.json ten.vec
expect_err "nn-train: dir: is a directory, not a file for the log (--log)"
row W5 1 $train --runs dir -o x.json ten.vec
expect_err "nn-train: dir: is a directory, not a file for the run log (--runs)"
row W6 1 $train -o nodir/m.json ten.vec
expect_err "nn-train: nodir/m.json: cannot write in nodir: No such file or directory"
row W6 1 $train --log nodir/log -o x.json ten.vec
row W6 1 $train --runs nodir/runs -o x.json ten.vec
[ ! -e x.json ] || fail "x.json written"
cp m.json ro.json
chmod 444 ro.json
mkdir rodir
chmod 555 rodir
if ! ( : > rodir/probe ) 2>/dev/null; then    # not as root
    row W6 1 $train -o rodir/m.json ten.vec
    expect_err "cannot write in rodir: Permission denied"
    row W7 1 $train -o ro.json ten.vec
    expect_err "nn-train: ro.json: Permission denied"
    row W7 1 $train --log ro.json -o x.json ten.vec
else
    rm -f rodir/probe
    echo W7 >> ids
fi
chmod 755 rodir
ln -s old.json link.json
row W8 0 $train -e 2 -o link.json ten.vec
[ -L link.json ] || fail "W8: the link was replaced"
! cmp -s old.json m.json || fail "W8: the link's target was not written"
cp m.json old.json
ln -s nowhere.json dangling.json
row W8 1 $train -o dangling.json ten.vec
expect_err "nn-train: dangling.json: a symbolic link to a missing file, not a file for the model (-o)"
ln -s /dev/null null
row W9 0 $train -o null ten.vec
[ -L null ] || fail "W9: the link to /dev/null was replaced"
mkfifo pipe
cat pipe > got &
row W9 0 $train -o pipe ten.vec
wait
$train -o - ten.vec > want
cmp got want
[ -p pipe ] || fail "W9: the pipe was replaced"

# ---------------------------------------------------------------------
# W10-W13: a full disk at the end loses nothing.
ln -s /dev/full full
row W10 1 $train -o full ten.vec
expect_err "nn-train: full: write error: No space left on device; the trained model is kept in"
[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "W10: more than one message"
kept
[ -L full ] || fail "W10: the link to /dev/full was replaced"
mkdir disk
if mount -t tmpfs -o size=64k tmpfs disk 2>/dev/null; then
    trap 'umount "$TMP/disk" 2>/dev/null || :' EXIT
    nn-train -q -H 2 -e 1 -o disk/m.json ten.vec
    cp disk/m.json small.json
    [ "$(wc -c < small.json)" -lt 30000 ] || fail "the small model does not fit"
    row W10 1 nn-train -q -H 16 -e 1 -o disk/m.json ten.vec
    expect_err "nn-train: disk/m.json: cannot write "
    expect_err "No space left on device; the trained model is kept in"
    [ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "W10: more than one message"
    kept
    cmp disk/m.json small.json || fail "W10: the old model changed"
    [ "$(ls disk | wc -l)" -eq 1 ] || fail "W10: files left: $(ls disk)"
    head -c 50000 /dev/zero > disk/fill 2>/dev/null || :
    row W22 1 sh -c 'idx2vec "$DATA/mnist10-images-idx3-ubyte.gz" > disk/out.vec'
    expect_err "idx2vec: writing output failed: No space left on device"
    umount disk
    trap - EXIT
fi
row W11 1 sh -c "$train -o - ten.vec > /dev/full"
expect_err "nn-train: writing the model to standard output failed: No space left on device; the trained model is kept in"
kept
set +e
{ $train -H 200 -o - ten.vec 2>"$TMP/err"; echo $? > status; } | head -c 1 > /dev/null
set -e
[ "$(cat status)" -eq 1 ] || fail "W11: -o - | head: exit $(cat status)"
expect_err "nn-train: writing the model to standard output failed: Broken pipe; the trained model is kept in"
kept
row W12 1 nn-train -q -H 4 -e 3 --log /dev/full -o logged.json ten.vec
expect_err "nn-train: /dev/full: cannot write the log (No space left on device); training goes on, and the model will be written"
[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "W12: more than one message"
nn-eval logged.json ten.vec > /dev/null || fail "W12: no model"
row W13 1 $train --runs /dev/full -o ran.json ten.vec
expect_err "nn-train: /dev/full: the model was written, the run log not: No space left on device"
nn-eval ran.json ten.vec > /dev/null || fail "W13: no model"
no_temp .

# ---------------------------------------------------------------------
# W14-W17: signals.  Random labelled vectors keep nn-train busy for hours;
# the test stops it.  wait_for TEXT: wait until its stderr (sig.err) holds
# TEXT.
awk 'BEGIN { srand(3); for (i = 0; i < 400; i++) { s = ""
    for (j = 0; j < 30; j++) s = s " " rand(); print i % 4 "\t" s } }' > busy.vec
wait_for() {
    n=0
    until grep -q -- "$1" sig.err 2>/dev/null; do
        n=$((n + 1))
        kill -0 "$pid" 2>/dev/null || fail "nn-train ended: $(cat sig.err)"
        [ "$n" -lt 300 ] || { kill -9 "$pid"; fail "no '$1' in: $(cat sig.err)"; }
        sleep 0.1
    done
}
# run_busy ARGS...: start nn-train in the background ($pid).  sig.err goes
# first: the shell may open it for the new process after wait_for looks.
run_busy() {
    rm -f sig.err
    nn-train -H 16 -e 1000000 -b 4 --threads 1 "$@" busy.vec 2>sig.err &
    pid=$!
}
# reap ID: wait for $pid and set $status; the row is counted.
reap() {
    echo "$1" >> ids
    set +e
    wait "$pid"
    status=$?
    set -e
}

# SIGINT after a few epochs: stops after the current batch, writes the best
# epoch's model (validation on a holdout), exits 130.
run_busy --holdout 100 -o int.json
wait_for "epoch 3/"
kill -INT "$pid"
reap W14
[ "$status" -eq 130 ] || fail "SIGINT: exit $status, expected 130: $(tail -3 sig.err)"
grep -q "nn-train: SIGINT during epoch [0-9]*: writing the best model so far (epoch [0-9]*" sig.err ||
    fail "SIGINT message: $(tail -2 sig.err)"
nn-eval int.json busy.vec > /dev/null || fail "int.json is not a model"
grep -q '"epochs_run": *[0-9]' int.json

# SIGTERM without validation: the weights as they are, exit 143.
run_busy -o term.json
wait_for "epoch 2/"
kill -TERM "$pid"
reap W14
[ "$status" -eq 143 ] || fail "SIGTERM: exit $status, expected 143"
grep -q "SIGTERM during epoch [0-9]*: writing the model as trained so far" sig.err
nn-eval term.json busy.vec > /dev/null || fail "term.json is not a model"

# A second signal during training ends it at once: nothing written.
# Stopped, the process receives both signals together when continued.
cp term.json twice.json
run_busy -o twice.json
wait_for "epoch 2/"
kill -STOP "$pid"
kill -INT "$pid"
kill -TERM "$pid"
kill -CONT "$pid"
reap W15
[ "$status" -gt 128 ] || fail "two signals: exit $status"
cmp twice.json term.json || fail "two signals: the model file changed"
! grep -q "writing" sig.err || fail "two signals: $(tail -2 sig.err)"
no_temp .

# A second signal while a big model (about 29 MB) is being written: the
# model is finished and renamed first, and no temporary file is left.
cp m.json late.json
rm -f sig.err
nn-train -H 3000 -e 1000000 --threads 1 -o late.json ten.vec 2>sig.err &
pid=$!
wait_for "epoch 1/"
kill -INT "$pid"
n=0
until ls late.json.tmp* >/dev/null 2>&1; do
    n=$((n + 1))
    kill -0 "$pid" 2>/dev/null || fail "W16: the model was written before it was seen: $(tail -3 sig.err)"
    [ "$n" -lt 3000 ] || { kill -9 "$pid"; fail "W16: no temporary file seen: $(tail -3 sig.err; ls)"; }
    sleep 0.01
done
kill -INT "$pid"
reap W16
[ "$status" -eq 130 ] || fail "W16: exit $status"
no_temp .
[ "$(wc -c < late.json)" -gt 29000000 ] || fail "W16: the model was not written whole"
nn-eval late.json ten.vec > /dev/null || fail "W16: late.json is not a model"

# SIGKILL cannot be caught: stopped while the temporary file is written,
# then killed, the writer leaves the old model whole (and the temporary).
cp m.json old.json
nn-train -q -H 3000 -e 1 -o m.json ten.vec 2>/dev/null &
pid=$!
seen=0 i=0
while [ $i -lt 6000 ]; do
    if ls m.json.tmp* >/dev/null 2>&1; then
        kill -STOP $pid
        seen=1
        break
    fi
    kill -0 $pid 2>/dev/null || break
    sleep 0.01
    i=$((i + 1))
done
[ $seen -eq 1 ] || fail "W17: the temporary file never appeared"
cmp m.json old.json || fail "W17: m.json changed while the new model was written"
kill -KILL $pid
reap W17
cmp m.json old.json || fail "W17: m.json damaged by a killed writer"
nn-eval m.json ten.vec > /dev/null
tmp=$(ls m.json.tmp*)
[ "$(wc -c < "$tmp")" -lt 29000000 ] || fail "W17: the killed writer had finished"
rm -f m.json.tmp*

# ---------------------------------------------------------------------
# W18-W21: img2vec --debug-dir.
mkdir a b
cp "$DATA/img/gray.png" a/x.png
cp "$DATA/img/gray.jpg" b/x.png
row W18 0 img2vec --debug-dir dbg a/x.png
[ -f dbg/x.png-1-gray.pgm ] && [ -f dbg/x.png-5-vector.pgm ] || fail "W18: $(ls dbg)"
row W18 1 img2vec --debug-dir dbg/sub/deeper a/x.png
expect_err "img2vec: dbg/sub/deeper: cannot make the directory for --debug-dir: No such file or directory"
[ ! -s "$TMP/out" ] || fail "W18: a vector before the directory was checked"
row W18 1 img2vec --debug-dir ten.vec a/x.png
expect_err "img2vec: ten.vec: not a directory (--debug-dir)"
rm -r dbg
row W19 0 img2vec --debug-dir dbg a/x.png b/x.png g.png
[ "$(wc -l < "$TMP/out")" -eq 3 ] || fail "W19: vectors"
for f in 1-x.png 2-x.png g.png; do
    [ -f "dbg/$f-1-gray.pgm" ] || fail "W19: no dbg/$f-1-gray.pgm: $(ls dbg)"
done
[ "$(ls dbg | wc -l)" -eq 15 ] || fail "W19: $(ls dbg)"
cmp -s dbg/1-x.png-1-gray.pgm dbg/2-x.png-1-gray.pgm && fail "W19: the same steps for two images"
# The first image's first step would be the second image.
cp dbg/g.png-4-digit.pgm s.pgm
cp dbg/g.png-1-gray.pgm s.pgm-1-gray.pgm
cp s.pgm-1-gray.pgm want.pgm
row W20 1 img2vec --debug-dir . s.pgm s.pgm-1-gray.pgm
expect_err "img2vec: ./s.pgm-1-gray.pgm: is one of the images read; the step is not written"
[ "$(wc -l < "$TMP/out")" -eq 2 ] || fail "W20: the vectors"
cmp s.pgm-1-gray.pgm want.pgm || fail "W20: an image read was overwritten"
if mount -t tmpfs -o size=8k tmpfs disk 2>/dev/null; then
    trap 'umount "$TMP/disk" 2>/dev/null || :' EXIT
    row W21 1 img2vec --debug-dir disk g.png a/x.png
    expect_err "No space left on device"
    [ "$(wc -l < "$TMP/out")" -eq 2 ] || fail "W21: the vectors"
    for f in disk/*; do    # each step file whole: a PGM header and every pixel
        [ -e "$f" ] || continue
        head -c 2 "$f" | grep -q P5 || fail "W21: $f"
    done
    umount disk
    trap - EXIT
else
    # Without root: a directory that a step cannot be made in.
    mkdir dbg2
    ln -s /nonexistent/dir/step dbg2/g.png-1-gray.pgm
    row W21 1 img2vec --debug-dir dbg2 g.png
    expect_err "img2vec: dbg2/g.png-1-gray.pgm: No such file or directory"
    [ "$(wc -l < "$TMP/out")" -eq 1 ] || fail "W21: the vector"
fi

# ---------------------------------------------------------------------
# W22, W23: standard output (every tool is tried in output-errors.sh).
row W22 1 sh -c 'nn-predict m.json ten.vec > /dev/full'
expect_err "nn-predict: writing output failed: No space left on device"
echo W23 >> ids
for i in 1 2 3 4 5 6 7 8 9 10; do cat ten.vec; done > many.vec
set +e
{ nn-predict --probs m.json many.vec 2>"$TMP/err"; echo $? > status; } | head -c 1 > /dev/null
set -e
[ "$(cat status)" -eq 0 ] || fail "W23: exit $(cat status)"
[ ! -s "$TMP/err" ] || fail "W23: $(cat "$TMP/err")"

# ---------------------------------------------------------------------
# Every row of the table has a test, and every test a row.
rows_tested docs/outputs.md
