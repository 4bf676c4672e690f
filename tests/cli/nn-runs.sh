# nn-runs and nn-train --runs/--test: the run log and its table.
idx2vec "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.vec

# A run with validation and a test set: one JSON line, and the test
# accuracy nn-train prints is nn-eval's.
expect 0 nn-train -H 8 -e 3 --holdout 3 --test ten.vec --runs runs.jsonl -o a.json ten.vec
expect_err "nn-train: test accuracy "
acc=$(sed -n 's/^nn-train: test accuracy \([0-9.]*% ([0-9]*\/[0-9]*)\) on ten.vec$/\1/p' "$TMP/err")
[ -n "$acc" ] || fail "no test accuracy line: $(cat "$TMP/err")"
nn-eval a.json ten.vec > eval.txt
grep -qF "accuracy   $acc" eval.txt || fail "test accuracy $acc, nn-eval says: $(grep accuracy eval.txt)"
[ "$(wc -l < runs.jsonl)" -eq 1 ] || fail "runs.jsonl: $(wc -l < runs.jsonl) lines"
for f in '"command":["nn-train","-H","8","-e","3","--holdout","3",' '"network":"784-8-10"' \
    '"activation":"relu"' '"epochs":3,' '"epochs_run":3,' '"rate":0.05,' '"seed":1,' \
    '"n_train":7,' '"n_val":3,' '"model":"a.json"' '"test":"ten.vec"' '"time":"20'; do
    grep -qF "$f" runs.jsonl || fail "runs.jsonl lacks $f: $(cat runs.jsonl)"
done
# The accuracies are the model's and the printed ones.
val=$(sed -n 's/.*"best_val_acc": *\([0-9.]*\).*/\1/p' a.json)
grep -qF "\"best_val_acc\":$val" runs.jsonl || fail "best_val_acc is not the model's $val"
n=${acc#*(}; n=${n%)}
awk -v n="$n" 'BEGIN { split(n, p, "/"); print "\"test_acc\":" p[1] / p[2] }' > want
grep -qF "$(cat want)" runs.jsonl || fail "runs.jsonl lacks $(cat want)"

# Without validation or test set: nulls, shown as '-'; -q prints nothing.
expect 0 nn-train -q -H 4 -e 2 --runs runs.jsonl -o b.json ten.vec
[ ! -s "$TMP/err" ] || fail "-q printed: $(cat "$TMP/err")"
grep -qF '"best_val_acc":null' runs.jsonl
grep -qF '"test_acc":null' runs.jsonl
expect 0 nn-runs runs.jsonl
[ "$(wc -l < "$TMP/out")" -eq 3 ] || fail "expected a header and 2 rows: $(cat "$TMP/out")"
head -n 1 "$TMP/out" | grep -q '^run  time  *network  *act  *rate  *batch  *lambda  *seed  *epochs  *best  *val acc  *test acc  *seconds  *model$' ||
    fail "header: $(head -n 1 "$TMP/out")"
awk 'NR == 2 && $1 == 1 && $NF == "a.json" { ok = 1 } END { exit !ok }' "$TMP/out" ||
    fail "run 1 is not first: $(cat "$TMP/out")"
awk 'NR == 3 && $1 == 2 && $(NF - 2) == "-" && $(NF - 3) == "-" && $(NF - 4) == "-" { ok = 1 } END { exit !ok }' "$TMP/out" ||
    fail "run 2 without '-': $(cat "$TMP/out")"
# Every row has the header's number of columns (the time has a space).
awk 'NR > 1 && NF != 15 { exit 1 }' "$TMP/out" || fail "ragged table: $(cat "$TMP/out")"

# Sorting, on a log with known values: val (default), test, seconds, time,
# run; -n keeps the last N lines before sorting.
cat > known.jsonl <<'END'
{"time":"2026-01-01T10:00:00Z","network":"784-10","best_val_acc":0.5,"test_acc":0.9,"seconds":30,"model":"r1"}

{"time":"2026-01-03T10:00:00Z","network":"784-10","best_val_acc":0.7,"test_acc":null,"seconds":10,"model":"r3"}
{"time":"2026-01-02T10:00:00Z","network":"784-10","best_val_acc":null,"test_acc":0.8,"seconds":20,"model":"r4"}
{"time":"2026-01-04T10:00:00Z","network":"784-10","best_val_acc":0.7,"test_acc":0.95,"model":"r5"}
END
order() {
    expect 0 nn-runs "$@"
    awk 'NR > 1 { printf "%s ", $NF }' "$TMP/out"
}
[ "$(order known.jsonl)" = "r3 r5 r1 r4 " ] || fail "by val: $(order known.jsonl)"
[ "$(order -s test known.jsonl)" = "r5 r1 r4 r3 " ] || fail "by test: $(order -s test known.jsonl)"
[ "$(order -s seconds known.jsonl)" = "r3 r4 r1 r5 " ] || fail "by seconds: $(order -s seconds known.jsonl)"
[ "$(order -s time known.jsonl)" = "r5 r3 r4 r1 " ] || fail "by time: $(order -s time known.jsonl)"
[ "$(order --sort=run known.jsonl)" = "r1 r3 r4 r5 " ] || fail "by run: $(order -s run known.jsonl)"
[ "$(order -n 2 known.jsonl)" = "r5 r4 " ] || fail "-n 2: $(order -n 2 known.jsonl)"
# Run numbers are line numbers, blank lines included.
expect 0 nn-runs -s run known.jsonl
awk 'NR > 1 { printf "%s ", $1 }' "$TMP/out" | grep -qx "1 3 4 5 " || fail "run numbers: $(cat "$TMP/out")"
nn-runs < known.jsonl > stdin.txt
nn-runs known.jsonl | cmp - stdin.txt

# A broken line is named and skipped, the rest listed, exit 1.
{ cat known.jsonl; echo '{"time": "2026-01-05T'; echo '[1, 2]'; } > broken.jsonl
expect 1 nn-runs broken.jsonl
expect_err "nn-runs: broken.jsonl: line 6 and others are not a run as nn-train --runs writes them; skipped"
[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "more than one message for broken lines"
[ "$(wc -l < "$TMP/out")" -eq 5 ] || fail "broken.jsonl: $(cat "$TMP/out")"

# Errors and usage.
expect 1 nn-runs nosuch.jsonl
expect_err "nn-runs: nosuch.jsonl: No such file or directory"
expect 2 nn-runs -s bogus known.jsonl
expect_err "nn-runs: --sort: unknown key 'bogus'"
expect_err "Try 'nn-runs --help'."
expect 2 nn-runs -n 0 known.jsonl
expect 2 nn-runs a b
expect 0 nn-runs --version
expect_out "nn-runs (nnpipe) "
expect 0 nn-runs --help
for opt in $(sed -n 's/^  *\(-., \)\{0,1\}\(--[a-z-]*\).*/\2/p' "$TMP/out"); do
    grep -qF -- "Fl \\${opt#-}" "$TOP/cmd/nn-runs.1" || fail "$opt is not in nn-runs.1"
done

# nn-train: a run log that cannot be opened stops the run before training;
# a bad test set too; neither writes a model.
mkdir dir
expect 1 nn-train -q -H 4 -e 1 --runs dir -o c.json ten.vec
expect_err "nn-train: dir: "
[ ! -e c.json ] || fail "c.json written"
expect 1 nn-train -q -H 4 -e 1 --runs nodir/runs.jsonl -o c.json ten.vec
expect_err "nn-train: nodir/runs.jsonl: cannot write in nodir: No such file or directory"
sed 's/^[0-9]*/?/' ten.vec > unlabelled.vec
expect 1 nn-train -q -H 4 -e 1 --test unlabelled.vec -o c.json ten.vec
expect_err "nn-train: unlabelled.vec: --test needs a label from 0 to 9 on every record"
printf '3\t0.5 0.5\n' > short.vec
expect 1 nn-train -q -H 4 -e 1 --test short.vec -o c.json ten.vec
expect_err "nn-train: short.vec: "
[ ! -e c.json ] || fail "c.json written"
[ "$(wc -l < runs.jsonl)" -eq 2 ] || fail "failed runs were logged"

# Runs ending together append whole lines.
for i in 1 2 3 4; do
    nn-train -q -H 4 -e 2 -s $i --runs par.jsonl -o p$i.json ten.vec &
done
wait
expect 0 nn-runs par.jsonl
[ "$(wc -l < "$TMP/out")" -eq 5 ] || fail "parallel runs: $(cat par.jsonl)"
