# idx2vec.sh - idx2vec on the 10-image MNIST fixtures: help and usage
# errors, broken inputs, text and binary output, raw vs gzip, -n, stdin.
img=$DATA/mnist10-images-idx3-ubyte
lab=$DATA/mnist10-labels-idx1-ubyte

# --- help, version, usage errors (exit 2, nothing on stdout) ---
expect 0 idx2vec --help
expect_out 'Usage: idx2vec [OPTIONS] IMAGES [LABELS]'
expect_out '--binary'
expect_out '--count N'
[ ! -s "$TMP/err" ] || fail "--help wrote to stderr"
expect 0 idx2vec -h
expect_out 'Usage: idx2vec'
expect 0 idx2vec --version
expect_out 'idx2vec (nnpipe) '

expect 2 idx2vec
expect_err "idx2vec: missing IMAGES operand"
expect_err "Try 'idx2vec --help'."
[ ! -s "$TMP/out" ] || fail "usage error wrote to stdout"
expect 2 idx2vec --nosuch "$img"
expect_err "idx2vec: unknown option '--nosuch'"
expect_err "Try 'idx2vec --help'."
expect 2 idx2vec -x "$img"
expect_err "idx2vec: unknown option '-x'"
expect 2 idx2vec --binary=1 "$img"
expect_err "option '--binary' takes no argument"
expect 2 idx2vec "$img" -n
expect_err "option '-n' needs an argument"
expect 2 idx2vec -n abc "$img"
expect_err "idx2vec: -n: 'abc' is not an integer"
expect 2 idx2vec -n -1 "$img"
expect_err "out of range"
expect 2 idx2vec "$img" "$lab" extra
expect_err "too many operands"
expect 2 idx2vec --float "$img"
expect_err "add -b"
expect 2 idx2vec - -
expect_err "cannot both be standard input"

# --- run-time errors (exit 1, "idx2vec: FILE: reason") ---
expect 1 idx2vec nosuch
expect_err "idx2vec: nosuch: No such file or directory"
[ ! -s "$TMP/out" ] || fail "error wrote to stdout"

head -c 5000 "$img" > trunc
expect 1 idx2vec trunc "$lab"
expect_err "idx2vec: trunc: truncated: header says 10 images of 28x28 = \
7856 bytes, file has 5000"
[ ! -s "$TMP/out" ] || fail "truncated input wrote to stdout"

cat "$img" "$lab" > long
expect 1 idx2vec long
expect_err "idx2vec: long: 18 bytes of trailing data"

head -c 1000 "$img.gz" > trunc.gz
expect 1 idx2vec trunc.gz
expect_err "idx2vec: trunc.gz: gzip data is truncated (incomplete download?)"

{ printf '\0\0\10\1\0\0\0\3'; tail -c +9 "$lab" | head -c 3; } > lab3
expect 1 idx2vec "$img" lab3
expect_err "idx2vec: $img has 10 images, lab3 has 3 labels"

printf '<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n' \
    > page.gz
expect 1 idx2vec page.gz
expect_err "idx2vec: page.gz: this is an HTML page, not an IDX file \
(a failed download?)"

gzip -c "$img.gz" > twice.gz
expect 1 idx2vec twice.gz
expect_err "idx2vec: twice.gz: file is gzip-compressed twice"

: > empty
expect 1 idx2vec empty
expect_err "idx2vec: empty: empty file"

expect 1 idx2vec "$lab" "$img"
expect_err "not images; the order is IMAGES LABELS"

expect 1 idx2vec "$img" "$img.gz"
expect_err "expected 1 for a labels file"

# --- text output: 10 labelled records of 784 values k/255 ---
expect 0 idx2vec "$img" "$lab"
mv "$TMP/out" text
[ ! -s "$TMP/err" ] || fail "success wrote to stderr"
[ "$(wc -l < text)" -eq 10 ] || fail "expected 10 lines"
echo "labels: $(cut -f1 text | paste -sd ' ' -)"
awk -F '\t' 'NF != 2 || split($2, v, " ") != 784 { exit 1 }' text ||
    fail "records are not LABEL<TAB>784 values"
# image 1's pixels: text value = byte / 255
od -An -v -tu1 -j 16 -N 784 "$img" | tr -s ' ' '\n' | sed '/^$/d' > px1
head -n 1 text | cut -f2 | tr ' ' '\n' > v1
paste px1 v1 | awk '{ d = $1 / 255 - $2; if (d < 0) d = -d }
    d > 1e-6 { print "pixel " NR ": " $1 " -> " $2; bad = 1 }
    END { exit bad }' >&2 || fail "pixel values differ from k/255"

# raw and gzip inputs, labels or images on stdin: same output
expect 0 idx2vec "$img.gz" "$lab.gz"
cmp -s text "$TMP/out" || fail "gz input gives other output"
expect 0 sh -c 'idx2vec - "$1" < "$2"' sh "$lab" "$img.gz"
cmp -s text "$TMP/out" || fail "images from stdin give other output"
expect 0 sh -c 'cat "$2" | idx2vec "$1" -' sh "$img" "$lab.gz"
cmp -s text "$TMP/out" || fail "labels from stdin give other output"

# without labels: '?' labels, same values
expect 0 idx2vec "$img"
echo "unlabelled: $(cut -f1 "$TMP/out" | paste -sd ' ' -)"
[ "$(cut -f2 "$TMP/out")" = "$(cut -f2 text)" ] || fail "unlabelled values"

# -n
expect 0 idx2vec -n 3 "$img" "$lab"
head -n 3 text | cmp -s - "$TMP/out" || fail "-n 3 is not the first 3 records"
expect 0 idx2vec --count=0 "$img"
[ ! -s "$TMP/out" ] || fail "-n 0 wrote output"
expect 0 idx2vec -n 99 "$img"
[ "$(wc -l < "$TMP/out")" -eq 10 ] || fail "-n 99 should give all 10"

# --- binary: 16-byte header + 10 records of int32 label and 784 values ---
expect 0 idx2vec -b "$img" "$lab"
mv "$TMP/out" bin
echo "binary u8 bytes: $(wc -c < bin)"
[ "$(wc -c < bin)" -eq $((16 + 10 * (4 + 784))) ] || fail "-b size"
tail -c +17 "$img" > pixels
i=0
while [ $i -lt 10 ]; do     # each record's values are the IDX bytes
    dd if=bin bs=1 skip=$((16 + i * 788 + 4)) count=784 2>/dev/null > r
    dd if=pixels bs=784 skip=$i count=1 2>/dev/null | cmp -s - r ||
        fail "-b record $((i + 1)) differs from the image bytes"
    i=$((i + 1))
done
expect 0 idx2vec --binary "$img.gz" "$lab.gz"
cmp -s bin "$TMP/out" || fail "-b: gz input gives other output"
expect 0 idx2vec -b -n 3 "$img" "$lab"
[ "$(wc -c < "$TMP/out")" -eq $((16 + 3 * 788)) ] || fail "-b -n 3 size"
expect 0 idx2vec -b --float "$img" "$lab"
echo "binary f32 bytes: $(wc -c < "$TMP/out")"
[ "$(wc -c < "$TMP/out")" -eq $((16 + 10 * (4 + 4 * 784))) ] ||
    fail "-b --float size"

# --- output errors: a closed pipe is quiet, a full disk is not ---
{ printf '\0\0\10\3\0\0\3\350\0\0\0\34\0\0\0\34'
  i=0; while [ $i -lt 100 ]; do cat pixels; i=$((i + 1)); done; } > big
{ idx2vec big 2>pipe.err; echo $? > pipe.st; } | head -c 100 > /dev/null
[ "$(cat pipe.st)" -eq 0 ] || fail "closed pipe: exit $(cat pipe.st)"
[ ! -s pipe.err ] || fail "closed pipe: $(cat pipe.err)"
if [ -w /dev/full ]; then
    expect 1 sh -c 'idx2vec "$1" > /dev/full' sh "$img"
    expect_err "idx2vec: writing output failed: No space left on device"
fi
