# img2vec: images of every format to one 784-value record each, errors.
I="$DATA/img"
expect 0 img2vec --help
expect_out "Usage: img2vec"
expect 0 img2vec --version
expect_out "img2vec (nnpipe) "
expect 2 img2vec --bogus a.png
expect_err "img2vec: unknown option '--bogus'"
expect_err "Try 'img2vec --help'."
expect 2 img2vec --label x a.png

# One record per image, in order; the same picture in any format gives
# nearly the same vector (the JPEGs are lossy).
expect 0 img2vec "$I/gray.png" "$I/p5.pgm" "$I/rgb.png" "$I/baseline.jpg" "$I/orient-6.jpg"
[ "$(wc -l < "$TMP/out")" -eq 5 ] || fail "expected 5 records"
awk -F'\t' '$1 != "?" || split($2, v, " ") != 784 { exit 1 }' "$TMP/out"
awk -F'\t' 'NR == 1 { split($2, a, " ") }
    { split($2, b, " "); d = 0; for (i = 1; i <= 784; i++) d += (a[i] - b[i])^2
      if (d > 20) { print "record " NR " differs: " d; exit 1 } }' "$TMP/out"
img2vec "$I/gray.png" > one
img2vec < "$I/gray.png" > stdin
img2vec - < "$I/gray.png" > dash
cmp one stdin
cmp one dash
# --label, binary output read back by the vector reader (through idx2vec's
# sibling tools: nn-predict needs a model, so compare sizes).
expect 0 img2vec --label 7 "$I/gray.png"
cut -f 1 "$TMP/out" | grep -qx 7
img2vec -b "$I/gray.png" "$I/rgb.png" > two.nnv
[ "$(wc -c < two.nnv)" -eq $((16 + 2 * (4 + 784 * 4))) ] || fail "binary size"

# A bad file is named, the others are still converted, exit status 1.
printf 'GIF89a....' > pic.gif
: > empty.png
expect 1 img2vec "$I/gray.png" nosuch.png pic.gif empty.png "$I/rgb.png"
expect_err "img2vec: nosuch.png: No such file or directory"
expect_err "img2vec: pic.gif: "
expect_err "img2vec: empty.png: "
[ "$(wc -l < "$TMP/out")" -eq 2 ] || fail "good images not converted"
# A blank page says so; a huge image is refused before decoding.
printf 'P5\n40 30\n255\n' > blank.pgm
head -c 1200 /dev/zero | tr '\0' '\310' >> blank.pgm
expect 1 img2vec blank.pgm
expect_err "img2vec: blank.pgm: no ink found"
expect 1 img2vec --max-pixels 100 "$I/gray.png"
expect_err "img2vec: $I/gray.png: "
expect_err "--max-pixels"
# --debug-dir writes each step.
mkdir dbg
expect 0 img2vec --debug-dir dbg "$I/gray.png"
[ -f dbg/gray.png-5-vector.pgm ] || fail "no debug images: $(ls dbg)"
[ "$(ls dbg | wc -l)" -ge 5 ] || fail "debug stages: $(ls dbg)"
# Input larger than any image of --max-pixels could be is refused while
# reading, not after reading it all (8 bytes a pixel plus 1 MiB).
head -c 3000000 /dev/zero > big.raw
expect 1 img2vec --max-pixels 100 big.raw
expect_err "img2vec: big.raw: image file larger than 1 MiB (the limit)"
# A picture that looks wrong is warned about, its vector still written:
# a filled blot (no pen strokes), two bars side by side (two digits?).
awk 'BEGIN { print "P2 100 80 255"
    for (y = 0; y < 80; y++) for (x = 0; x < 100; x++)
        print ((x - 50) ^ 2 + (y - 40) ^ 2 < 100 ? 20 : 230) }' > blot.pgm
expect 0 img2vec blot.pgm
expect_err "img2vec: blot.pgm: warning: no stroke-like ink"
[ "$(wc -l < "$TMP/out")" -eq 1 ] || fail "no vector for the blot"
awk 'BEGIN { print "P2 120 80 255"
    for (y = 0; y < 80; y++) for (x = 0; x < 120; x++)
        print (y > 15 && y < 65 && (x > 30 && x < 36 || x > 80 && x < 86) ? 20 : 230) }' > pair.pgm
expect 0 img2vec pair.pgm
expect_err "img2vec: pair.pgm: warning: 2 digits side by side?"

# --digits: a '# IMAGE<TAB>COUNT' line, then COUNT records (the README's
# photo of 317154); nn-predict --number reads text and binary alike.
NUM="$TOP/docs/img/number.jpg"
expect 0 img2vec --digits "$NUM"
[ "$(head -n 1 "$TMP/out")" = "# $NUM	6" ] || fail "--digits: no '# IMAGE<TAB>6' line"
[ "$(grep -vc '^#' "$TMP/out")" -eq 6 ] || fail "--digits: not 6 records"
idx2vec "$DATA/mnist10-images-idx3-ubyte" "$DATA/mnist10-labels-idx1-ubyte" > ten.vec
nn-train -q -H 8 -e 1 -o m784.json ten.vec
img2vec --digits "$NUM" "$NUM" | nn-predict --number m784.json > text.out
img2vec -b --digits "$NUM" "$NUM" | nn-predict --number m784.json > bin.out
cmp text.out bin.out || fail "--number: text and binary differ"
[ "$(wc -l < text.out)" -eq 2 ] || fail "--number: not one line per image"
awk -F '\t' -v f="$NUM" 'NF != 3 || $1 != f || $2 !~ /^[0-9][0-9][0-9][0-9][0-9][0-9]$/ || $3 <= 0 || $3 > 1 { exit 1 }' text.out ||
    fail "--number: not IMAGE<TAB>6 digits<TAB>P"
