# bad-inputs: every row of docs/bad-inputs.md, by its id.  Each bad input
# must give exit status 1 and one line on stderr, "tool: file: message",
# with the message of the table.  A last check fails if a row of the table
# has no test here.
I="$DATA/img"
IMG="$DATA/mnist10-images-idx3-ubyte"
LAB="$DATA/mnist10-labels-idx1-ubyte"
: > ids

# bad ID TEXT CMD...: CMD exits 1 with exactly one line on stderr, which
# contains TEXT; the row ID is counted as tested.
bad() {
    id=$1 text=$2
    shift 2
    echo "$id" >> ids
    expect 1 "$@"
    expect_err "$text"
    [ "$(wc -l < "$TMP/err")" -eq 1 ] || {
        cat "$TMP/err" >&2
        fail "$id: expected one line on stderr: $*"
    }
}

# good ID CMD...: CMD exits 0 (a documented acceptance).
good() {
    echo "$1" >> ids
    shift
    expect 0 "$@"
}

# Address-space limit for the memory rows (KB), where it can be set: an
# ASan build reserves terabytes of address space and cannot run under one.
LIMIT=65536
if (ulimit -v $LIMIT && idx2vec --version) >/dev/null 2>&1; then
    lowmem() { (ulimit -v $LIMIT && exec "$@"); }
    [ "$(lowmem sh -c 'ulimit -v')" = $LIMIT ] || fail "ulimit -v has no effect"
else
    lowmem() { "$@"; }
fi

# Fixtures: a 4-value model and data, a 2-image IDX pair.
printf '0\t0 0.5 1 0.25\n1\t1 1 0 0\n2\t0 0 1 1\n' > four.vec
nn-train -q -H 3 -e 2 -o m4.json four.vec
idx2vec -n 2 "$IMG" "$LAB" > two.vec
{ printf '\0\0\10\3\0\0\0\2\0\0\0\34\0\0\0\34'; tail -c +17 "$IMG" | head -c 1568; } > two-images
{ printf '\0\0\10\1\0\0\0\2'; tail -c +9 "$LAB" | head -c 2; } > two-labels
mkdir dir

# ---------------------------------------------------------------------
# A: every tool, whatever it reads.
for tool in "idx2vec" "idx2vec $IMG" "img2vec" "vec2img" "nn-train -o x.json" \
            "nn-eval m4.json" "nn-predict m4.json" "nn-eval" "nn-predict"; do
    case $tool in nn-eval|nn-predict) pre= post=four.vec ;; *) pre= post= ;; esac
    bad A1 ": dir: is a directory" $tool dir $post
    bad A2 ": nosuch: No such file or directory" $tool nosuch $post
done
for tool in idx2vec img2vec vec2img nn-train nn-eval nn-predict; do
    chmod 000 four.vec
    if ! cat four.vec >/dev/null 2>&1; then   # not as root
        case $tool in nn-eval|nn-predict) m=m4.json ;; *) m= ;; esac
        bad A3 ": four.vec: Permission denied" $tool $m four.vec
    else
        echo A3 >> ids
    fi
    chmod 644 four.vec
done
: > empty
bad A4 "idx2vec: empty: empty file (0 bytes)" idx2vec empty
bad A4 "idx2vec: /dev/null: empty file (0 bytes)" idx2vec /dev/null
bad A4 "img2vec: /dev/null: empty file" img2vec /dev/null
bad A4 "vec2img: empty: no records" vec2img empty
bad A4 "nn-train: /dev/null: no records" nn-train -o x.json /dev/null
bad A4 "nn-eval: empty: no records" nn-eval m4.json empty
bad A4 "nn-eval: empty: empty input (expected an nnpipe model in JSON)" nn-eval empty four.vec
bad A4 "nn-predict: /dev/null: empty input" nn-predict /dev/null four.vec
bad A4 "nn-train: empty: empty input" nn-train --resume empty -o x.json four.vec
good A5 nn-predict m4.json empty
[ ! -s "$TMP/out" ] || fail "A5: output from no records"
good A5 nn-predict m4.json /dev/null
bad A6 "nn-eval: (stdin): no records" nn-eval m4.json - < empty

# ---------------------------------------------------------------------
# I: IDX files (idx2vec).
# Truncation at every header byte and around every item boundary.
n=$(wc -c < two-images)
for k in 1 2 3; do
    head -c $k two-images > cut
    bad I1 "idx2vec: cut: file too short for an IDX header: $k byte" idx2vec cut
done
for k in 4 5 6 7 8 9 10 11 12 13 14 15; do
    head -c $k two-images > cut
    bad I1 "idx2vec: cut: truncated header: 3 dimensions need 16 bytes, file has $k" idx2vec cut
done
for k in 16 17 799 800 801 $((n - 1)); do
    head -c $k two-images > cut
    bad I2 "idx2vec: cut: truncated: header says 2 images of 28x28 = 1584 bytes, file has $k" idx2vec cut
done
good I2 idx2vec two-images
for k in 8 9; do
    head -c $k two-labels > cut
    bad I2 "idx2vec: cut: truncated: header says 2 labels = 10 bytes, file has $k" idx2vec two-images cut
done
gzip -c two-images > two.gz
for k in 1 10 20 $(($(wc -c < two.gz) - 1)); do
    head -c $k two.gz > cut.gz
    bad I3 "idx2vec: cut.gz: " idx2vec cut.gz
done
head -c 300 two.gz > cut.gz
bad I3 "gzip data is truncated" idx2vec cut.gz
printf '\1\0\10\3\0\0\0\1\0\0\0\1\0\0\0\1\0' > magic
bad I4 "idx2vec: magic: not an IDX file: magic number 0x01000803" idx2vec magic
printf '\0\0\15\3\0\0\0\1\0\0\0\1\0\0\0\1\0\0\0\0' > type
bad I5 "idx2vec: type: unsupported IDX type 0x0D (float): only 0x08 (unsigned byte) is supported" idx2vec type
printf '\0\0\10\0' > ndim
bad I6 "idx2vec: ndim: IDX header has 0 dimensions, only 1 to 4 are supported" idx2vec ndim
printf '\0\0\10\11\0\0\0\1' > ndim
bad I6 "IDX header has 9 dimensions" idx2vec ndim
printf '\0\0\10\3\0\0\0\0\0\0\0\34\0\0\0\34' > zero
bad I7 "idx2vec: zero: dimension 1 of 3 is 0" idx2vec zero
# Lying sizes: larger than the file (memory stays small), over the limit,
# a product that overflows 64 bits, a little-endian header.
printf '\0\0\10\3\0\17\102\100\0\0\0\34\0\0\0\34\0\0\0' > lie
bad I8 "idx2vec: lie: truncated: header says 1000000 images of 28x28 = 784000016 bytes, file has 19" lowmem idx2vec lie
printf '\0\0\10\3\177\377\377\377\0\0\0\34\0\0\0\34\0' > big
bad I9 "idx2vec: big: header says 2147483647 images of 28x28: more than the limit of 2147483647 bytes" idx2vec big
printf '\0\0\10\3\377\377\377\377\377\377\377\377\377\377\377\377\0' > ovf
bad I9 "header says 4294967295 images of 4294967295x4294967295: more than the limit" idx2vec ovf
printf '\0\0\10\3\0\1\0\0\0\1\0\0\0\1\0\0\0' > swapped
bad I9 "(byte-swapped it would be 256 images of 256x256: written little-endian?)" idx2vec swapped
cat two-images magic > trailing
bad I10 "idx2vec: trailing: 17 bytes of trailing data: header says 2 images of 28x28 = 1584 bytes, file has 1601" idx2vec trailing
bad I11 "idx2vec: two-images has 2 images, $LAB has 10 labels" idx2vec two-images "$LAB"
bad I12 "idx2vec: two-images: 3 dimensions, expected 1 for a labels file" idx2vec two-images two-images
bad I13 "idx2vec: two-labels: a labels file (1 dimension), not images; the order is IMAGES LABELS" idx2vec two-labels
printf '<!DOCTYPE html>\n<html><body>Not found</body></html>\n' > page
bad I14 "idx2vec: page: this is an HTML page, not an IDX file (a failed download?)" idx2vec page
head -c 4096 "$I/gray.jpg" > photo
bad I15 "idx2vec: photo: this is a JPEG file, not an IDX file" idx2vec photo
printf '\001\002\003\004\377garbage' > garbage
bad I15 "idx2vec: garbage: not an IDX file: magic number 0x01020304" idx2vec garbage
printf 'hello world, not binary\n' > text
bad I15 "idx2vec: text: this is a text file, not an IDX file" idx2vec text
gzip -c two.gz > double.gz
bad I16 "idx2vec: double.gz: file is gzip-compressed twice" idx2vec double.gz
# Every byte value is a class in range (0..255 < 65536): accepted.
{ printf '\0\0\10\1\0\0\0\2\377\0'; } > lab255
good I17 idx2vec two-images lab255
expect_out "255	"

# ---------------------------------------------------------------------
# T: text vector streams (nn-train, nn-eval, nn-predict, vec2img).
# Truncation at every byte: a cut that loses values names the line; a cut
# inside the last value of a line cannot be seen (it is still a number).
n=$(wc -c < four.vec)
k=0
while [ $k -lt "$n" ]; do
    head -c $k four.vec > cut.vec
    echo T1 >> ids
    set +e
    nn-eval m4.json cut.vec >/dev/null 2>"$TMP/err"
    s=$?
    set -e
    case $s in
    0) ;;
    1) grep -q -e "^nn-eval: cut.vec: line [0-9]*: " -e "^nn-eval: cut.vec: record [0-9]* " -e "^nn-eval: cut.vec: no records" "$TMP/err" ||
           { cat "$TMP/err" >&2; fail "T1: cut at $k: message"; } ;;
    *) fail "T1: cut at $k: exit $s" ;;
    esac
    k=$((k + 1))
done
printf '0\t0 0.5 1 0.25\n1\t1 1' > cut.vec
bad T1 "nn-train: cut.vec: line 2: expected 4 values, got 2" nn-train -o x.json cut.vec
bad T1 "nn-eval: cut.vec: line 2: expected 4 values (or a label and 4 values), got 3 fields" nn-eval m4.json cut.vec
for v in nan NaN -nan inf -Inf +INF infinity; do
    printf '0\t0 0.5 1 %s\n' $v > nan.vec
    bad T2 "nn-train: nan.vec: line 1: value 4: $v is not finite" nn-train -o x.json nan.vec
done
printf '0\t0 0.5 1 1e39\n' > big.vec
bad T2 "vec2img: big.vec: line 1: value 4: 1e39 is too large for a float" vec2img big.vec
printf '0\t0 0.5 1 1\n1\t0 0.5 1\n' > len.vec
bad T3 "vec2img: len.vec: line 2: expected 4 values, got 3" vec2img len.vec
bad T3 "nn-predict: two.vec: line 1: expected 4 values (or a label and 4 values), got 785 fields" nn-predict m4.json two.vec
nn-train -q -H 2 -e 1 -o m784.json two.vec
bad T3 "nn-eval: four.vec: line 1: expected 784 values (or a label and 784 values), got 5 fields" nn-eval m784.json four.vec
printf '0\n' > nolab.vec
bad T3 "nn-train: nolab.vec: line 1: a label and no values" nn-train -o x.json nolab.vec
printf '70000\t0 0.5 1 1\n' > lab.vec
bad T4 "nn-eval: lab.vec: line 1: label '70000' is not a class number (0..65535) or '?'" nn-eval m4.json lab.vec
printf '%s\t0 0.5 1 1\n' -1 > lab.vec
bad T4 "nn-train: lab.vec: line 1: label '-1' is not a class number (0..65535) or '?'" nn-train -o x.json lab.vec
printf '1.5\t0 0.5 1 1\n' > lab.vec
bad T4 "line 1: label '1.5' is not a class number" vec2img lab.vec
printf '7\t0 0.5 1 1\n' > lab.vec
bad T5 "nn-eval: lab.vec: record 1: label 7, but the model has 3 classes" nn-eval m4.json lab.vec
printf '0\t0 0 0 0\n5\t1 1 1 1\n' > lab.vec
bad T5 "nn-train: lab.vec: " nn-train -q --classes 3 -o x.json lab.vec
expect_err "label 5, but there are 3 classes"
bad T5 "nn-train: lab.vec: training record 2: label 5, but the network has 3 classes; no model written" nn-train -q --resume m4.json -o x.json lab.vec
printf '0\t0 0.5 1 caf\351\n' > latin1.vec
bad T6 "nn-train: latin1.vec: line 1: byte 0xe9 at column 14 is not text (binary data, not a text vector stream)" nn-train -o x.json latin1.vec
printf '\357\273\2770\t0 0.5 1 1\n' > bom.vec
bad T6 "nn-eval: bom.vec: line 1: starts with a UTF-8 byte order mark; vector streams are plain ASCII" nn-eval m4.json bom.vec
printf '0\t0 0.5 1 1\n\001\002\0\003' > bin.vec
bad T7 "nn-eval: bin.vec: line 2: NUL byte (binary data, not a text vector stream)" nn-eval m4.json bin.vec
bad T7 "vec2img: photo: line 1: a JPEG image, not a vector stream" vec2img photo
bad T7 "nn-train: two.gz: line 1: gzip-compressed data, not a vector stream (decompress it first, e.g. with zcat)" nn-train -o x.json two.gz
bad T7 "nn-predict: two-images: line 1: an IDX file, not a vector stream (convert it with idx2vec)" nn-predict m4.json two-images
bad T7 "vec2img: $I/gray.png: header: a PNG image, not a vector stream" vec2img "$I/gray.png"
printf '0\t0 0.5 abc 1\n' > nan.vec
bad T8 "nn-train: nan.vec: line 1: value 3: 'abc' is not a number" nn-train -o x.json nan.vec
printf '0\t0 0.5 1 1 # note\n' > nan.vec
bad T8 "line 1: value 5: '#' is not a number" vec2img nan.vec
# A line without end: refused at 64 MiB, memory stays near that.
echo T9 >> ids
set +e
head -c 67108865 /dev/zero | tr '\0' '1' | vec2img > /dev/null 2> "$TMP/err"
s=$?
set -e
[ $s -eq 1 ] || fail "T9: exit $s"
expect_err "vec2img: (stdin): line 1: longer than 67108864 bytes (not a text vector stream?)"
awk 'BEGIN { printf "0\t"; for (i = 0; i < 16777217; i++) printf "0 "; print "" }' > wide.vec 2>/dev/null || :
bad T10 "vec2img: wide.vec: line 1: more than 16777216 values" vec2img wide.vec
rm -f wide.vec
printf '0\t0 0.5 1\n' > short.vec
bad T11 "nn-predict: short.vec: line 1: a label and 3 values, expected 4 values (the field before a TAB is a label)" nn-predict m4.json short.vec
bad T11 "nn-eval: short.vec: line 1: a label and 3 values" nn-eval m4.json short.vec
printf '0\t0 128 255 3\n1\t1e30 0 0 0\n' > scale.vec
for tool in nn-predict nn-eval; do
    good T12 $tool m4.json scale.vec
    expect_err "$tool: scale.vec: warning: record 1: values from 0 to 255, far outside the model's input range [0, 1]: its answers mean nothing"
    [ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "T12: $tool: more than one warning"
done
[ "$(nn-predict m4.json scale.vec 2>/dev/null | wc -l)" -eq 2 ] || fail "T12: no answers"
printf '0\t0 0.5 1 2\n1\t-1 0 0 0\n' > edge.vec
good T12 nn-predict m4.json edge.vec
[ ! -s "$TMP/err" ] || fail "T12: a warning within [-1, 2]: $(cat "$TMP/err")"
good T12 nn-train -q -e 1 -o scaled.json scale.vec
expect_err "nn-train: warning: scale.vec: values from 0 to 1e+30; networks train best on values scaled to [0,1]"

# ---------------------------------------------------------------------
# B: binary vector streams.  Two u8 records of dim 4: a 16-byte header,
# then 8 bytes a record.  Every cut off a record boundary is an error.
hdr() {     # hdr VERSION TYPE FLAGS DIM0 [RESERVED]: a 16-byte header
    printf '\211NNV\'"$(printf '%03o' "$1")"'\'"$(printf '%03o' "$2")"'\'"$(printf '%03o' "$3")"'\0\'"$(printf '%03o' "$4")"'\0\0\0\'"$(printf '%03o' "${5:-0}")"'\0\0\0'
}
{ hdr 1 2 1 4; printf '\1\0\0\0\0\1\2\3\2\0\0\0\4\5\6\7'; } > two.nnv
good B1 nn-eval m4.json two.nnv
for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
    head -c $k two.nnv > cut.nnv
    bad B1 "nn-eval: cut.nnv: header: truncated: $k of 16 bytes" nn-eval m4.json cut.nnv
done
for k in 17 18 19; do
    head -c $k two.nnv > cut.nnv
    bad B1 "nn-eval: cut.nnv: record 1: truncated: $((k - 16)) of 8 bytes" nn-eval m4.json cut.nnv
done
for k in 20 21 22 23 25 26 27 28 29 30 31; do
    head -c $k two.nnv > cut.nnv
    r=$(( (k - 16) / 8 + 1 )) got=$(( (k - 16) % 8 ))
    bad B1 "nn-eval: cut.nnv: record $r: truncated: $got of 8 bytes" nn-eval m4.json cut.nnv
done
for k in 16 24; do
    head -c $k two.nnv > cut.nnv
    good B1 nn-predict m4.json cut.nnv
done
printf '\211PNG\r\n\032\n\0\0\0\0\0\0\0\0' > magic.nnv
bad B2 "nn-eval: magic.nnv: header: a PNG image, not a vector stream" nn-eval m4.json magic.nnv
printf '\211NNX\1\2\1\0\4\0\0\0\0\0\0\0' > magic.nnv
bad B2 "nn-eval: magic.nnv: header: bad magic, not a vector stream" nn-eval m4.json magic.nnv
hdr 2 2 1 4 > v.nnv
bad B3 "nn-predict: v.nnv: header: version 2 not supported (this reader knows 1)" nn-predict m4.json v.nnv
hdr 1 3 1 4 > v.nnv
bad B3 "nn-train: v.nnv: header: unknown element type 3" nn-train -o x.json v.nnv
hdr 1 2 2 4 > v.nnv
bad B3 "nn-train: v.nnv: header: unknown flags 0x02" nn-train -o x.json v.nnv
hdr 1 2 1 4 9 > v.nnv
bad B3 "vec2img: v.nnv: header: reserved bytes are not zero" vec2img v.nnv
hdr 1 2 1 0 > v.nnv
bad B4 "vec2img: v.nnv: header: dim is 0" vec2img v.nnv
printf '\211NNV\1\2\1\0\1\0\0\1\0\0\0\0' > v.nnv
bad B4 "vec2img: v.nnv: header: dim 16777217 exceeds the limit 16777216" vec2img v.nnv
# A header promising 16M values a record over 7 bytes: memory stays small.
{ printf '\211NNV\1\1\1\0\0\0\0\1\0\0\0\0'; printf '\1\0\0\0abc'; } > v.nnv
bad B4 "vec2img: v.nnv: record 1: truncated: 7 of 67108868 bytes" lowmem vec2img v.nnv
{ hdr 1 1 1 4; printf '\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\300\177'; } > nan.nnv
bad B5 "nn-eval: nan.nnv: record 1: value 4: nan is not finite" nn-eval m4.json nan.nnv
{ hdr 1 1 1 4; printf '\1\0\0\0\0\0\0\0\0\0\200\377\0\0\0\0\0\0\0\0'; } > nan.nnv
bad B5 "nn-train: nan.nnv: record 1: value 2: -inf is not finite" nn-train -o x.json nan.nnv
{ hdr 1 2 0 4; printf '\7\0\1\0\0\0\0\0'; } > lab.nnv
bad B6 "nn-eval: lab.nnv: record 1: label 65543 out of range (-1..65535)" nn-eval m4.json lab.nnv
{ hdr 1 2 0 4; printf '\376\377\377\377\0\0\0\0'; } > lab.nnv
bad B6 "nn-eval: lab.nnv: record 1: label -2 out of range (-1..65535)" nn-eval m4.json lab.nnv
{ hdr 1 2 1 4; printf '\377\377\377\377\0\0\0\0'; } > lab.nnv
bad B6 "vec2img: lab.nnv: record 1: no label (-1), but the header says every record is labelled" vec2img lab.nnv
{ hdr 1 2 0 4; printf '\6\0\0\0\0\0\0\0'; } > lab.nnv
bad B6 "nn-eval: lab.nnv: record 1: label 6, but the model has 3 classes" nn-eval m4.json lab.nnv
hdr 1 2 1 3 > dim.nnv
bad B7 "nn-eval: dim.nnv: header: vectors of 3 values, expected 4" nn-eval m4.json dim.nnv
{ cat two.nnv; hdr 1 2 1 5; } > dim.nnv
bad B7 "nn-train: dim.nnv: record 3: new header: dim 5, expected 4 (concatenated streams must have the same dim)" nn-train -o x.json dim.nnv
cat two.nnv four.vec > mixed
bad B8 "nn-train: mixed: record 3: " nn-train -o x.json mixed
cat four.vec two.nnv > mixed
bad B8 "nn-train: mixed: line 4: " nn-train -o x.json mixed

# ---------------------------------------------------------------------
# M: model files (nn-predict, nn-eval, nn-train --resume).
cp "$DATA/tiny-model.json" tiny.json
printf '0\t0 0 1 1\n1\t1 1 0 0\n' > tiny.vec
good M1 nn-eval tiny.json tiny.vec
# Truncation at every byte: only the final newline may go.
n=$(wc -c < tiny.json)
k=0
while [ $k -lt $((n - 1)) ]; do
    head -c $k tiny.json > cut.json
    echo M1 >> ids
    set +e
    nn-predict cut.json tiny.vec >/dev/null 2>"$TMP/err"
    s=$?
    set -e
    [ $s -eq 1 ] || fail "M1: cut at $k: exit $s"
    grep -q -e "^nn-predict: cut.json: not valid JSON: unexpected end of input at line [0-9]*, column [0-9]* (truncated file?)$" \
            -e "^nn-predict: cut.json: empty input (expected an nnpipe model in JSON)$" "$TMP/err" ||
        { cat "$TMP/err" >&2; fail "M1: cut at $k: message"; }
    k=$((k + 1))
done
head -c $((n - 1)) tiny.json > cut.json
good M1 nn-predict cut.json tiny.vec
printf '   \n\t\n' > blank.json
bad M2 "nn-eval: blank.json: empty input (expected an nnpipe model in JSON)" nn-eval blank.json tiny.vec
sed 's/"nn-model"/"nn-data"/' tiny.json > wrong.json
bad M3 "nn-predict: wrong.json: not an nnpipe model: format is 'nn-data'" nn-predict wrong.json tiny.vec
sed 's/"version": 1/"version": 4/' tiny.json > wrong.json
bad M4 "nn-predict: wrong.json: model format version 4 is newer than this nnpipe supports (3)" nn-predict wrong.json tiny.vec
sed 's/"version": 1/"version": 0/' tiny.json > wrong.json
bad M4 "nn-predict: wrong.json: version: " nn-predict wrong.json tiny.vec
sed 's/"version": 1/"version": 1.5/' tiny.json > wrong.json
bad M4 "nn-eval: wrong.json: version: expected a positive integer, got 1.5" nn-eval wrong.json tiny.vec
sed 's/"version": 1/"version": "1"/' tiny.json > wrong.json
bad M4 "nn-eval: wrong.json: version: expected a positive integer, got a string" nn-eval wrong.json tiny.vec
# Valid JSON of the wrong kind: another tool's output, an array, a number.
nn-eval --json m4.json four.vec > eval.json
bad M5 "nn-predict: eval.json: a JSON document but not an nnpipe model (no \"format\" field)" nn-predict eval.json four.vec
echo '[1, 2, 3]' > wrong.json
bad M5 "nn-eval: wrong.json: a JSON document but not an nnpipe model (the top level is an array, not an object)" nn-eval wrong.json tiny.vec
echo '42' > wrong.json
bad M5 "nn-train: wrong.json: a JSON document but not an nnpipe model" nn-train --resume wrong.json -o x.json tiny.vec
# Lying sizes: more weights promised than given, over a limit, overflow.
sed 's/"in": 4,/"in": 16777216,/; s/"out": 3,/"out": 16777216,/' tiny.json > lie.json
bad M6 "nn-predict: lie.json: layers[0].weights: 12 values, expected 281474976710656" lowmem nn-predict lie.json tiny.vec
sed 's/"in": 4,/"in": 1000000000,/' tiny.json > lie.json
bad M6 "nn-predict: lie.json: layers[0].in: 1000000000 is larger than the limit (16777216)" nn-predict lie.json tiny.vec
sed 's/"in": 4,/"in": 99999999999999999999999999,/' tiny.json > lie.json
bad M6 "nn-predict: lie.json: layers[0].in: " nn-predict lie.json tiny.vec
sed 's/"in": 4,/"in": -2,/' tiny.json > lie.json
bad M6 "nn-predict: lie.json: layers[0].in: -2 is not a valid size (an integer, at least 1)" nn-predict lie.json tiny.vec
sed 's/"weights": \[4,4,/"weights": [null,4,/' tiny.json > nan.json
bad M7 "nn-eval: nan.json: layers[0].weights[0]: null is not a number (NaN or infinity saved by another program?)" nn-eval nan.json tiny.vec
sed 's/"weights": \[4,4,/"weights": [NaN,4,/' tiny.json > nan.json
bad M7 "nn-eval: nan.json: not valid JSON: syntax error at line " nn-eval nan.json tiny.vec
sed 's/"weights": \[4,4,/"weights": [1e39,4,/' tiny.json > nan.json
bad M7 "nn-eval: nan.json: layers[0].weights[0]: 1e+39 is beyond the float range (3.4e+38)" nn-eval nan.json tiny.vec
sed 's/"weights": \[4,4,/"weights": [-Infinity,4,/' tiny.json > nan.json
bad M7 "nn-eval: nan.json: not valid JSON: syntax error" nn-eval nan.json tiny.vec
sed 's/"weights": \[4,4,/"weights": ["4",4,/' tiny.json > nan.json
bad M7 "nn-eval: nan.json: layers[0].weights[0]: expected a number, got a string" nn-eval nan.json tiny.vec
# Shapes that disagree with the layer sizes.
bad M8 "nn-predict: $DATA/bad-shape.json: " nn-predict "$DATA/bad-shape.json" tiny.vec
sed 's/"bias": \[0,0,0\]/"bias": [0,0]/' tiny.json > shape.json
bad M8 "nn-predict: shape.json: layers[0].bias: 2 values, expected 3" nn-predict shape.json tiny.vec
sed 's/"in": 3,/"in": 4,/' tiny.json > shape.json
bad M8 "nn-predict: shape.json: layers[1].in: 4, but layers[0].out is 3" nn-predict shape.json tiny.vec
sed 's/"width": 2,/"width": 3,/' tiny.json > shape.json
bad M8 "nn-predict: shape.json: input: a 3x2 image is 6 values, but layers[0].in is 4" nn-predict shape.json tiny.vec
sed 's/"format": "nn-model",/"format": "nn-model", "classes": ["a", "b", "c"],/' tiny.json > shape.json
bad M8 "nn-predict: shape.json: classes: 3 values, expected 2" nn-predict shape.json tiny.vec
printf '{"format": "nn-m\377del", "version": 1}' > utf.json
bad M9 "nn-predict: utf.json: not valid JSON: byte 0xff at line 1, column 17 is not UTF-8 (binary data?)" nn-predict utf.json tiny.vec
printf '{"format": "nn-model", "tool": "\355\240\200"}' > utf.json
bad M9 "nn-predict: utf.json: not valid JSON: byte 0xed at line 1, column 33 is not UTF-8" nn-predict utf.json tiny.vec
bad M10 "nn-predict: photo: a JPEG file, not an nnpipe model" nn-predict photo tiny.vec
bad M10 "nn-eval: two.gz: a gzip file, not an nnpipe model" nn-eval two.gz tiny.vec
bad M10 "nn-eval: two-images: an IDX file, not an nnpipe model" nn-eval two-images tiny.vec
bad M10 "nn-train: two.nnv: a vector stream, not a model" nn-train --resume two.nnv -o x.json four.vec
bad M10 "nn-predict: four.vec: a vector stream, not a model" nn-predict four.vec tiny.vec
cat tiny.json tiny.json > twice.json
bad M11 "nn-predict: twice.json: not valid JSON: unexpected text after the end of the document at line " nn-predict twice.json tiny.vec
sed 's/"init": "nielsen",/"init": "nielsen", "seed": 7,/' tiny.json > dup.json
bad M12 "nn-predict: dup.json: seed: given twice" nn-predict dup.json tiny.vec
sed 's/"activation": "sigmoid",/"activation": "swish",/' tiny.json > act.json
bad M13 "nn-predict: act.json: layers[0].activation: unknown activation 'swish'" nn-predict act.json tiny.vec
sed '/"layers"/,$d' tiny.json | sed '$s/,$//' > nolayers.json
echo '}' >> nolayers.json
bad M13 "nn-predict: nolayers.json: no \"layers\" field" nn-predict nolayers.json tiny.vec
# An ensemble: of one network; with a network unlike the first (another
# number of classes); with one network broken.
{ printf '{"format": "nn-model", "version": 3, "ensemble": ['; cat tiny.json; printf ']}\n'; } > ens1.json
bad M15 "nn-predict: ens1.json: ensemble: 1 network (an ensemble holds 2 to 16)" nn-predict ens1.json tiny.vec
nn-train -q -H 2 -e 1 -o m4b.json four.vec
{ printf '{"format": "nn-model", "version": 3, "ensemble": ['; cat tiny.json; printf ','; cat m4b.json; printf ']}\n'; } > ens2.json
bad M15 "nn-eval: ens2.json: ensemble: model 2 is not like model 1: it has another number of classes" nn-eval ens2.json tiny.vec
{ printf '{"format": "nn-model", "version": 3, "ensemble": ['; cat tiny.json; printf ','; cat act.json; printf ']}\n'; } > ens3.json
bad M15 "nn-predict: ens3.json: ensemble[1]: layers[0].activation: unknown activation 'swish'" nn-predict ens3.json tiny.vec
for tool in nn-predict nn-eval; do
    echo M14 >> ids
    expect 2 $tool four.vec m4.json
    expect_err "$tool: four.vec is a vector stream and m4.json a model: the model comes first"
    expect_err "Try '$tool --help'."
done

# ---------------------------------------------------------------------
# R: run logs (nn-runs).
bad R1 "nn-runs: m4.json: an nnpipe model, not a run log (nn-train --runs FILE writes one)" nn-runs m4.json
[ ! -s "$TMP/out" ] || fail "R1: output"
echo '{"a": 1}' > other.json
bad R1 "nn-runs: other.json: not a run log: line 1 is not a run as nn-train --runs writes them" nn-runs other.json
nn-train -q -H 2 -e 1 --runs runs.jsonl -o r.json four.vec
{ cat runs.jsonl; echo '{"a": 1}'; cat runs.jsonl; echo '[1'; } > mixed.jsonl
bad R2 "nn-runs: mixed.jsonl: line 2 and others are not a run as nn-train --runs writes them; skipped" nn-runs mixed.jsonl
[ "$(wc -l < "$TMP/out")" -eq 3 ] || fail "R2: the runs: $(cat "$TMP/out")"
good R3 nn-runs empty
[ ! -s "$TMP/out" ] || fail "R3: output"

# ---------------------------------------------------------------------
# G: images (img2vec), one fixture per decoder.  Truncation: every byte of
# the headers, then every 29th byte: all are errors naming the format.
for f in gray.png p5.pgm p4.pbm p6-16.ppm tiff-gray.tif tiff-rgb-mm.tif gray.jpg progressive.jpg; do
    n=$(wc -c < "$I/$f")
    k=1
    while [ $k -lt "$n" ]; do
        head -c $k "$I/$f" > cut
        echo G1 >> ids
        set +e
        img2vec cut >/dev/null 2>"$TMP/err"
        s=$?
        set -e
        [ $s -eq 1 ] || fail "G1: $f cut at $k: exit $s"
        [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q "^img2vec: cut: [A-Za-z]" "$TMP/err" ||
            { cat "$TMP/err" >&2; fail "G1: $f cut at $k: message"; }
        if [ $k -lt 64 ]; then k=$((k + 1)); else k=$((k + 29)); fi
    done
done
head -c 100 "$I/gray.jpg" > cut
bad G1 "img2vec: cut: JPEG: " img2vec cut
head -c 146 "$I/gray.png" > cut
bad G1 "img2vec: cut: PNG: no IEND chunk at the end (truncated file?)" img2vec cut
head -c 1000 "$I/p5.pgm" > cut
bad G1 "img2vec: cut: PGM: truncated: 1200 bytes of pixel data expected, 987 present" img2vec cut
printf 'P5\n7000 7000\n255\n\0\0\0' > lie.pgm
bad G2 "img2vec: lie.pgm: PGM: truncated: 49000000 bytes of pixel data expected, 3 present" lowmem img2vec lie.pgm
printf 'P2\n7000 7000\n255\n0 0 0' > lie.pgm
bad G2 "img2vec: lie.pgm: PGM: truncated: 49000000 samples need at least 97999999 bytes, 6 present" lowmem img2vec lie.pgm
printf 'P5\n4294967297 1\n255\n\0' > lie.pgm
bad G2 "img2vec: lie.pgm: PGM: width 4294967297 is more than 2147483647" img2vec lie.pgm
printf 'P6\n30000 40000\n255\n\0' > lie.ppm
bad G2 "img2vec: lie.ppm: PPM: image is 30000x40000 = 1200 megapixels, more than the limit of 50 megapixels (--max-pixels)" img2vec lie.ppm
printf 'P5\n0 2\n255\n' > lie.pgm
bad G2 "img2vec: lie.pgm: PGM: image has no pixels (0x2)" img2vec lie.pgm
printf 'P5\n2 2\n70000\n\0\0\0\0' > lie.pgm
bad G3 "img2vec: lie.pgm: PGM: maxval 70000 is more than 65535" img2vec lie.pgm
printf 'P5\n2 2\n0\n\0\0\0\0' > lie.pgm
bad G3 "img2vec: lie.pgm: PGM: maxval 0 (must be 1 to 65535)" img2vec lie.pgm
printf 'P2\n2 2\n255\n0 0 0 300\n' > lie.pgm
bad G3 "img2vec: lie.pgm: PGM: " img2vec lie.pgm
printf 'P2\n2 2\n255\n0 0 0 x\n' > lie.pgm
bad G3 "img2vec: lie.pgm: PGM: " img2vec lie.pgm
# Header fields of a PNG, a JPEG and a TIFF rewritten to lie.
# png_size WxH (as 8 octal escapes): gray.png with that IHDR size and a
# correct CRC (gzip's trailer holds the same CRC-32, little-endian).
png_size() {
    printf 'IHDR'"$1" > ihdr
    tail -c +25 "$I/gray.png" | head -c 5 >> ihdr
    crc=$(gzip -c < ihdr | tail -c 8 | head -c 4 | od -An -to1 | tr -s ' ' '\n' | sed '/^$/d')
    { head -c 12 "$I/gray.png"; cat ihdr
      for b in $(echo "$crc" | tac); do printf "\\$b"; done
      tail -c +34 "$I/gray.png"; }
}
orig=$(od -An -to1 -v -j16 -N8 "$I/gray.png" | tr -s ' ' '\n' | sed '/^$/s/^//;/^$/d;s/^/\\/' | tr -d '\n')
png_size "$orig" | cmp -s - "$I/gray.png" || fail "G4: png_size does not rebuild gray.png"
png_size '\0\0\33\130\0\0\33\130' > lie.png
bad G4 "img2vec: lie.png: PNG: " lowmem img2vec lie.png
png_size '\0\1\0\0\0\1\0\0' > lie.png
bad G4 "img2vec: lie.png: PNG: image is 65536x65536 = 4295 megapixels, more than the limit of 50 megapixels (--max-pixels)" img2vec lie.png
png_size '\0\0\0\0\0\0\0\2' > lie.png
bad G4 "img2vec: lie.png: PNG: " img2vec lie.png
sof=$(od -An -tx1 -v "$I/gray.jpg" | tr -d ' \n' | grep -bo 'ffc0' | awk -F: '$1 % 2 == 0 { print $1 / 2; exit }')
{ head -c $((sof + 5)) "$I/gray.jpg"; printf '\377\377\377\377'; tail -c +$((sof + 10)) "$I/gray.jpg"; } > lie.jpg
bad G4 "img2vec: lie.jpg: JPEG: " img2vec lie.jpg
{ head -c $((sof + 5)) "$I/gray.jpg"; printf '\033\130\033\130'; tail -c +$((sof + 10)) "$I/gray.jpg"; } > lie.jpg
bad G4 "img2vec: lie.jpg: JPEG: " lowmem img2vec lie.jpg
{ head -c $((sof + 5)) "$I/gray.jpg"; printf '\0\0\0\0'; tail -c +$((sof + 10)) "$I/gray.jpg"; } > lie.jpg
bad G4 "img2vec: lie.jpg: JPEG: " img2vec lie.jpg
# tiff_set TAG VALUE: tiff-gray.tif (little-endian, read here with od on a
# little-endian host) with the SHORT value of TAG set to VALUE (two octal
# escapes, low byte first), into lie.tif.
tiff_set() {
    f="$I/tiff-gray.tif"
    ifd=$(od -An -tu4 -j4 -N4 "$f" | tr -d ' ')
    n=$(od -An -tu2 -j"$ifd" -N2 "$f" | tr -d ' ')
    cp "$f" lie.tif
    i=0
    while [ $i -lt "$n" ]; do
        p=$((ifd + 2 + 12 * i))
        if [ "$(od -An -tu2 -j$p -N2 "$f" | tr -d ' ')" = "$1" ]; then
            printf "$2" | dd of=lie.tif bs=1 seek=$((p + 8)) conv=notrunc 2>/dev/null
            return 0
        fi
        i=$((i + 1))
    done
    fail "tiff_set: no tag $1"
}
tiff_set 256 '\130\033'      # width 7000
bad G4 "img2vec: lie.tif: TIFF: truncated: strip 0 needs 210000 bytes at offset 8, the file has 1409 bytes" lowmem img2vec lie.tif
tiff_set 257 '\130\033'      # height 7000
bad G4 "img2vec: lie.tif: TIFF: missing or short StripOffsets (35 strips expected)" img2vec lie.tif
tiff_set 256 '\0\0'
bad G4 "img2vec: lie.tif: TIFF: " img2vec lie.tif
tiff_set 258 '\015\0'        # 13 bits per sample
bad G5 "img2vec: lie.tif: TIFF: 13 bits per sample not supported here (1 for bilevel, 8 or 16)" img2vec lie.tif
bad G5 "img2vec: $I/tiff-lzw.tif: TIFF: LZW compression not supported (only uncompressed TIFF): convert it to PNG" img2vec "$I/tiff-lzw.tif"
# Unsupported and wrong kinds, each named.
printf 'GIF89a\1\0\1\0\0\0\0;' > x.gif
bad G5 "img2vec: x.gif: GIF image: not supported, convert it to PNG" img2vec x.gif
printf 'BM\0\0\0\0\0\0\0\0\66\0\0\0\50\0\0\0\1\0' > x.bmp
bad G5 "img2vec: x.bmp: BMP image: not supported, convert it to PNG" img2vec x.bmp
printf '%%PDF-1.4\n' > x.pdf
bad G5 "img2vec: x.pdf: PDF" img2vec x.pdf
bad G6 "img2vec: four.vec: " img2vec four.vec
bad G6 "img2vec: tiny.json: " img2vec tiny.json
bad G6 "img2vec: two.gz: " img2vec two.gz
head -c 2000 /dev/urandom > noise
bad G6 "img2vec: noise: " img2vec noise
bad G7 "img2vec: x.gif: " img2vec "$I/gray.png" x.gif
[ "$(wc -l < "$TMP/out")" -le 1 ] || fail "G7: output after the bad image"

# ---------------------------------------------------------------------
# P: preprocessing of a decoded image.
printf 'P5\n40 30\n255\n' > blank.pgm
head -c 1200 /dev/zero | tr '\0' '\310' >> blank.pgm
bad P1 "img2vec: blank.pgm: no ink found" img2vec blank.pgm
# A speck of dust (5x5 pixels) alone on a 2000x1500 page: under a
# thousandth of the picture, as a digit small in a large photo is, but too
# few pixels for one.
{ printf 'P5\n2000 1500\n255\n'; head -c 2004000 /dev/zero | tr '\0' '\310'
  for r in 1 2 3 4 5; do
      head -c 1002 /dev/zero | tr '\0' '\310'; head -c 5 /dev/zero | tr '\0' '\024'
      head -c 993 /dev/zero | tr '\0' '\310'
  done
  head -c 986000 /dev/zero | tr '\0' '\310'; } > speck.pgm
bad P1 "img2vec: speck.pgm: no ink found: the image is blank or has almost no contrast" img2vec speck.pgm
bad P1 "img2vec: speck.pgm: no ink found: the image is blank or has almost no contrast" img2vec --digits speck.pgm
printf 'P5\n1 1\n255\n\0' > dot.pgm
bad P2 "img2vec: dot.pgm: no ink found: the image is blank or has almost no contrast" img2vec dot.pgm
good P2 img2vec --plain dot.pgm
# A ruled line across a 3000x2 page is dropped: nothing is left.
{ printf 'P5\n3000 2\n255\n'; head -c 4400 /dev/zero | tr '\0' '\377'
  head -c 200 /dev/zero; head -c 1400 /dev/zero | tr '\0' '\377'; } > wide.pgm
bad P3 "img2vec: wide.pgm: no ink found: nothing that looks like a digit" img2vec wide.pgm
# A blank page half in shadow, the shadow's edge slanted: not a 1.
awk -v w=300 -v h=240 'BEGIN { print "P2", w, h, 255
    for (y = 0; y < h; y++) for (x = 0; x < w; x++)
        print (x > 150 + (y - h / 2) / 3 ? 126 : 230) }' > shadow.pgm
bad P7 "img2vec: shadow.pgm: no ink found: only the edge of a shadow" img2vec shadow.pgm
bad P7 "img2vec: shadow.pgm: no ink found: only the edge of a shadow" img2vec --digits shadow.pgm
# Mottled paper with faint ruled lines, nothing written (make photoset's
# texture kind, drawn from a blank image).
bad P8 "img2vec: $DATA/blank-texture.jpg: no ink found: nothing stands out from the paper's grain" img2vec "$DATA/blank-texture.jpg"
# Warnings: the vector is still written.  A thick ring (found both ways
# round), a filled blot, two bars side by side.
pgm() {     # pgm W H AWK-EXPRESSION-OF-x-y: a P2 image, 20 ink on 230 paper
    awk -v w="$1" -v h="$2" 'BEGIN { print "P2", w, h, 255
        for (y = 0; y < h; y++) for (x = 0; x < w; x++) print (('"$3"') ? 20 : 230) }'
}
pgm 120 120 '((x - 60) / 0.75) ^ 2 + (y - 60) ^ 2 < 2025 &&
    ((x - 60) / 0.75) ^ 2 + (y - 60) ^ 2 > 100' > ring.pgm
good P4 img2vec ring.pgm
expect_err "img2vec: ring.pgm: warning: polarity uncertain, read as dark ink on light paper"
pgm 100 80 '(x - 50) ^ 2 + (y - 40) ^ 2 < 100' > blot.pgm
good P5 img2vec blot.pgm
expect_err "img2vec: blot.pgm: warning: no stroke-like ink"
pgm 120 80 'y > 15 && y < 65 && (x > 30 && x < 36 || x > 80 && x < 86)' > pair.pgm
good P6 img2vec pair.pgm
expect_err "img2vec: pair.pgm: warning: 2 digits side by side?"

# ---------------------------------------------------------------------
# C: the other model formats (nn-convert).
nn-convert "$DATA/tiny-model.json" tiny.onnx
n=$(wc -c < tiny.onnx)
for i in $(seq 0 40) $(seq 41 13 $((n - 1))); do    # tests/check_convert.c: all
    head -c "$i" tiny.onnx > cut.onnx
    bad C1 "nn-convert: cut.onnx: " nn-convert cut.onnx c1-out.json
    grep -q -e "ONNX model" -e "empty input" "$TMP/err" || fail "C1: cut at $i: $(cat "$TMP/err")"
done
# The operator's name, 7 letters, only in the activation node.
sed 's/Sigmoid/Sinusoi/g' tiny.onnx > other.onnx
bad C2 "nn-convert: other.onnx: graph.node[1] (Sinusoi 'dense0.act'): operator Sinusoi is not supported here" nn-convert other.onnx c-out.json
n2() {  # n2 WEIGHTS BIASES COST: a 2-2-1 network2 file, x.n2
    printf '{"sizes": [2, 2, 1], "weights": %s, "biases": %s, "cost": %s}' "$1" "$2" "$3" > x.n2
}
n2 '[[[1, 2], [3]], [[1, 2]]]' '[[[0], [0]], [[0]]]' '"QuadraticCost"'
bad C3 "nn-convert: x.n2: weights[0][1]: 1 value, expected 2" nn-convert x.n2 c-out.json
n2 '[[[1, 2], [3, 4]], [[1, 2]]]' '[[[0], [0]], [[0], [1]]]' '"QuadraticCost"'
bad C3 "x.n2: biases[1]: 2 values, expected 1" nn-convert x.n2 c-out.json
n2 '[[[1, 2], [3, 4]], [[1, 2]]]' '[[0, 0], [[0]]]' '"QuadraticCost"'
bad C3 "x.n2: biases[0][0]: expected a one-element list [b], got a number" nn-convert x.n2 c-out.json
n2 '[[[1, 2], [3, 4]], [[1, 2]]]' '[[[0], [0]], [[0]]]' '"LogLikelihoodCost"'
bad C4 "x.n2: cost: 'LogLikelihoodCost', expected CrossEntropyCost or QuadraticCost" nn-convert x.n2 c-out.json
printf '{"sizes": [2, 1.5], "weights": [], "biases": [], "cost": "QuadraticCost"}' > x.n2
bad C4 "x.n2: sizes[1]: 1.5 is not a layer size (an integer, 1 to 16777216)" nn-convert x.n2 c-out.json
printf '{"sizes": [2, 1], "weights": [[[1, 2]]], "biases": [[[0]]]}' > x.n2
bad C4 "x.n2: no \"cost\" field" nn-convert x.n2 c-out.json
idx2vec "$IMG" "$LAB" > ten.vec
nn-train -q -H 4 -e 1 -o relu.json ten.vec
echo old > kept.json
bad C5 "nn-convert: relu.json: cannot be written as network2: network2 has sigmoid layers only, and this model's hidden layers are relu" nn-convert relu.json kept.json
[ "$(cat kept.json)" = old ] || fail "C5: kept.json changed"
for f in c-out.json c1-out.json c-out.json.tmp* c1-out.json.tmp* kept.json.tmp*; do
    [ ! -e "$f" ] || fail "C: $f was written"
done

# ---------------------------------------------------------------------
# N: numbers.  page W H AWK-EXPR: a PGM whose pixel (x, y) is AWK-EXPR.
page() {
    awk -v w="$1" -v h="$2" "BEGIN { print \"P2\"; print w, h; print 255
        for (y = 0; y < h; y++) for (x = 0; x < w; x++) print ($3) }"
}
idx2vec "$IMG" "$LAB" > ten.vec
nn-train -q -H 8 -e 1 -o m784.json ten.vec
MODEL=m784.json
# number ID FILE: what nn-predict --number prints for img2vec's output.
number() {
    img2vec --digits "$2" 2>/dev/null | nn-predict --number "$MODEL" > num.out || true
    printf '%s\t?\t0\n' "$2" | cmp -s - num.out || {
        cat num.out >&2
        fail "$1: nn-predict --number does not print '$2	?	0'"
    }
}
page 200 80 200 > nblank.pgm
bad N1 "img2vec: nblank.pgm: no ink found: the image is blank" img2vec --digits nblank.pgm
printf '# nblank.pgm\t0\n' | cmp -s - "$TMP/out" || fail "N1: no '# nblank.pgm<TAB>0' line"
number N1 nblank.pgm
# 40 dots of 3x3 pixels scattered over a 300x100 page.
page 300 100 '(x % 37 < 3 && y % 23 < 3 && (x * 7 + y) % 5 < 3) ? 20 : 220' > specks.pgm
bad N2 "img2vec: specks.pgm: no ink found: nothing that looks like a digit" img2vec --digits specks.pgm
number N2 specks.pgm
page 300 200 '(y % 25 < 2) ? 60 : 220' > ruled.pgm
bad N3 "img2vec: ruled.pgm: no ink found: nothing that looks like a digit" img2vec --digits ruled.pgm
number N3 ruled.pgm
# The same with a margin down it, darker than the lines.
page 300 200 '(x >= 40 && x < 42) ? 40 : (y % 25 < 2) ? 60 : 220' > margin.pgm
bad N3 "img2vec: margin.pgm: no ink found: nothing that looks like a digit" img2vec --digits margin.pgm
bad N3 "img2vec: margin.pgm: no ink found: nothing that looks like a digit" img2vec margin.pgm
# Squared paper, lines 3 pixels wide every 40, turned 3 degrees.
page 800 300 '((y + int(x * 0.0524) + 400) % 40 < 3 || (x - int(y * 0.0524) + 400) % 40 < 3) ? 110 : 235' > squared.pgm
bad N7 "img2vec: squared.pgm: no ink found: nothing that looks like a digit" img2vec --digits squared.pgm
number N7 squared.pgm
bad N7 "img2vec: squared.pgm: no ink found: nothing that looks like a digit" img2vec squared.pgm
page 830 190 '(x >= 16 && x < 816 && y >= 16 && y < 176 && x % 16 < 6 && y % 16 < 6) ? 20 : 220' > marks.pgm
bad N4 "img2vec: marks.pgm: 500 separate marks, more than 200: not a number on one line (the limit: --max-parts)" img2vec --digits marks.pgm
number N4 marks.pgm
bad N4 "img2vec: marks.pgm: no ink found: nothing that looks like a digit" img2vec --digits --max-parts 1000 marks.pgm
head -n 1 ten.vec > one.vec
bad N5 "nn-predict: one.vec: record 1: no line '# IMAGE<TAB>COUNT' before it" nn-predict --number "$MODEL" one.vec
{ printf '# a.jpg\t2\n'; cat one.vec; } > short.vec
bad N6 "nn-predict: a.jpg: 2 digits announced, 1 read" nn-predict --number "$MODEL" short.vec
printf 'a.jpg\t?\t0\n' | cmp -s - "$TMP/out" || fail "N6: not 'a.jpg<TAB>?<TAB>0'"

# ---------------------------------------------------------------------
# Every row of the table has a test, and every test a row.
rows_tested docs/bad-inputs.md
