# nn-predict and nn-eval: output formats, agreement, errors.
idx2vec "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.vec
idx2vec "$DATA/mnist10-images-idx3-ubyte.gz" > nolabels.vec
nn-train -q -H 16 -e 20 -s 1 -o m.json ten.vec

for tool in nn-predict nn-eval; do
    expect 0 $tool --help
    expect_out "Usage: $tool"
    expect 0 $tool --version
    expect_out "$tool (nnpipe) "
    expect 2 $tool
    expect_err "$tool: no model given"
    expect_err "Try '$tool --help'."
    expect 2 $tool --bogus m.json
    expect 2 $tool m.json a b
    expect 1 $tool nosuch.json ten.vec
    expect_err "$tool: nosuch.json: No such file or directory"
    echo '{"format":"nn-model","version":9}' > future.json
    expect 1 $tool future.json ten.vec
    expect_err "$tool: future.json: "
    expect 1 $tool ten.vec ten.vec
    expect_err "$tool: ten.vec: "
    printf '3\t0.5 0.5\n' > short.vec
    expect 1 $tool m.json short.vec
    expect_err "$tool: short.vec: line 1: expected 784 values"
    expect 1 $tool m.json .
    expect_err "$tool: .: is a directory"
done

# One line per record: class, probability, then the record's label.
expect 0 nn-predict m.json ten.vec
[ "$(wc -l < "$TMP/out")" -eq 10 ] || fail "expected 10 lines"
awk -F'\t' 'NF != 3 || $2 < 0 || $2 > 1 { exit 1 }' "$TMP/out"
cut -f 3 "$TMP/out" | tr '\n' ' ' | grep -q '^5 0 4 1 9 2 1 3 1 4 $'
cp "$TMP/out" predictions
# Without labels: two fields.  From standard input, and with head.
expect 0 nn-predict m.json nolabels.vec
awk -F'\t' 'NF != 2 { exit 1 }' "$TMP/out"
cut -f 1 "$TMP/out" > classes
cut -f 1 predictions | cmp - classes
head -n 3 ten.vec | nn-predict m.json > three
head -n 3 predictions | cmp - three
# --top, --probs, --json, --min-prob.
expect 0 nn-predict --top 3 m.json ten.vec
awk -F'\t' 'NF != 7 || $2 < $4 || $4 < $6 { exit 1 }' "$TMP/out"
expect 0 nn-predict --probs m.json ten.vec
awk -F'\t' '{ s = 0; for (i = 2; i <= 11; i++) s += $i; if (NF != 12 || s < 0.999 || s > 1.001) exit 1 }' "$TMP/out"
expect 0 nn-predict --json m.json ten.vec
[ "$(grep -c '^{"class":"[0-9]","prob":[0-9.e-]*,"label":"[0-9]"}$' "$TMP/out")" -eq 10 ] || fail "bad JSON lines"
expect 0 nn-predict --min-prob 1 m.json ten.vec
[ "$(cut -f 1 "$TMP/out" | grep -c '^?$')" -ge 1 ] || fail "--min-prob 1 rejected nothing"
expect 2 nn-predict --min-prob 2 m.json ten.vec
expect 2 nn-predict --top 0 m.json ten.vec

# --number: one line per image; with --views 1 its digits are the records'
# classes and P the least of their probabilities; more views are read by
# default, and --views is for --number only.
{ printf '# a\t3\n'; head -n 3 ten.vec; printf '# b\t2\n'; sed -n 4,5p ten.vec; } > nums.vec
expect 0 nn-predict --number --views 1 m.json nums.vec
head -n 5 predictions | awk -F'\t' 'NR <= 3 { a = a $1; if (!pa || $2 < pa) pa = $2 }
    NR > 3 { b = b $1; if (!pb || $2 < pb) pb = $2 }
    END { printf "a\t%s\t%s\nb\t%s\t%s\n", a, pa, b, pb }' > want.num
awk -F'\t' 'NR == FNR { w[FNR] = $0; next }
    { split(w[FNR], f, "\t"); if ($1 != f[1] || $2 != f[2] || $3 - f[3] > 1e-5 || f[3] - $3 > 1e-5) exit 1 }' \
    want.num "$TMP/out" || fail "--number --views 1: not the records' classes: $(cat "$TMP/out")"
expect 0 nn-predict --number m.json nums.vec
awk -F'\t' 'NF != 3 || $2 !~ /^[0-9]+$/ { exit 1 } { n += length($2) } END { exit n != 5 }' "$TMP/out" ||
    fail "--number: not 3 and 2 digits: $(cat "$TMP/out")"
expect 2 nn-predict --number --views 6 m.json nums.vec
expect 2 nn-predict --views 3 m.json ten.vec
expect_err "nn-predict: --views is for --number"

# nn-eval agrees with nn-predict record for record.
expect 0 nn-eval m.json ten.vec
expect_out "records    10"
expect_out "confusion matrix: rows are the actual class, columns the predicted class"
expect_out "precision"
right=$(awk -F'\t' '$1 == $3' predictions | wc -l)
expect_out "($right/10)"
expect 0 nn-eval --json m.json ten.vec
expect_out '"n":10,'
expect_out "\"correct\":$right,"
expect_out '"accuracy":'
expect_out '"loss":'
expect_out '"confusion":[['
expect 1 nn-eval m.json nolabels.vec
expect_err "nn-eval: nolabels.vec: record 1 has no label"
: > empty.vec
expect 1 nn-eval m.json empty.vec
expect_err "nn-eval: empty.vec: no records"

# A closed pipe ends nn-predict quietly.
for i in 1 2 3 4 5 6 7 8 9 10; do cat ten.vec; done > hundred.vec
for i in 1 2 3 4 5 6 7 8 9 10; do cat hundred.vec; done > thousand.vec
nn-predict m.json thousand.vec 2> pipe.err | head -n 1 > /dev/null
[ ! -s pipe.err ] || fail "closed pipe: $(cat pipe.err)"

# From a pipe, a record is answered while the writer keeps the pipe open
# (a program that sends one record and waits for the answer).
mkfifo in.fifo
nn-predict m.json < in.fifo > answers.txt &
pid=$!
exec 3> in.fifo
head -n 1 thousand.vec >&3
n=0
until [ -s answers.txt ]; do
    n=$((n + 1))
    [ "$n" -lt 100 ] || { exec 3>&-; kill "$pid"; fail "no answer while the pipe is open"; }
    sleep 0.1
done
head -n 2 thousand.vec | tail -n 1 >&3
exec 3>&-
wait "$pid"
[ "$(wc -l < answers.txt)" -eq 2 ] || fail "expected 2 answers: $(cat answers.txt)"
