# examples/flagged-ones (the default model's training data): every record
# is copied as it is, and an upright 1 is followed by a copy with a flag;
# a slanted 1, another digit and records past -n get none.
flagged=$TOP/examples/flagged-ones
[ -x "$flagged" ] || fail "examples/flagged-ones not built (make check builds it)"

# A 28x28 image, as a text record: LABEL, then ink (1) where the stem
# x = X0 + SLOPE * (y - 4), 3 pixels wide, runs from row 4 to row 23.
stem() {
    awk -v label="$1" -v x0="$2" -v slope="$3" 'BEGIN {
        printf "%s", label
        for (y = 0; y < 28; y++)
            for (x = 0; x < 28; x++) {
                c = x0 + slope * (y - 4)
                printf "\t%d", (y >= 4 && y <= 23 && x >= c - 1 && x <= c + 1)
            }
        printf "\n"
    }'
}
{
    stem 1 14 0         # an upright 1: gets a flag
    stem 7 14 0         # the same ink labelled 7: none
    stem 1 9 0.5        # a slanted 1: none (with a flag it is a 7)
    stem 1 14 0         # past -n 3 below: none
} > in.vec

# record N of a binary stream (16-byte header, then 4-byte label and 784
# bytes each), as a line of decimal bytes.
record() {
    od -An -v -tu1 -j $((16 + ($2 - 1) * 788)) -N 788 "$1" | tr -s ' \n' ' '
}
bytes() { wc -c < "$1" | tr -d ' '; }

expect 0 "$flagged" -p 0 < in.vec
mv out plain.nnv
[ "$(bytes plain.nnv)" -eq $((16 + 4 * 788)) ] || fail "-p 0: not the 4 records"
# The copy holds the input's pixels (1 -> 255) and labels.
record plain.nnv 1 | awk '{ if ($1 != 1) exit 1; for (i = 5; i <= NF; i++)
    if ($i != 0 && $i != 255) exit 1 }' || fail "-p 0: record 1 is not the 1 given"
[ "$(record plain.nnv 2 | awk '{ print $1 }')" -eq 7 ] || fail "-p 0: record 2 is not the 7"

expect 0 "$flagged" -p 1 -n 3 < in.vec
mv out flagged.nnv
expect_err "1 flagged 1s written beside 4 records"
[ "$(bytes flagged.nnv)" -eq $((16 + 5 * 788)) ] || fail "-p 1: not 5 records"
[ "$(record flagged.nnv 1)" = "$(record plain.nnv 1)" ] || fail "record 1 changed"
for i in 2 3 4; do
    [ "$(record flagged.nnv $((i + 1)))" = "$(record plain.nnv $i)" ] ||
        fail "record $i changed or a copy beside it"
done
# The copy: labelled 1, more ink than the 1, and ink left of the stem's
# left edge (x = 13) in the upper half: the flag.
record flagged.nnv 2 | awk '{
    if ($1 != 1) { print "label " $1; exit 1 }
    for (i = 5; i <= NF; i++) { ink += $i; p = i - 5
        if ($i > 127 && p % 28 < 11 && int(p / 28) < 14) left++ }
    if (ink <= 60 * 255 || left < 3) { print "ink " ink ", left " left; exit 1 }
}' || fail "record 2 is not a flagged 1"

# Deterministic, and the seed draws another flag.
expect 0 "$flagged" -p 1 -n 3 < in.vec
cmp out flagged.nnv || fail "two runs differ"
expect 0 "$flagged" -p 1 -n 3 -s 2 < in.vec
cmp -s out flagged.nnv && fail "seed 2 drew the same flag"

# Bad input and options.
printf '1\t0.5\t0.25\n' > short.vec
expect 1 "$flagged" < short.vec
expect_err "flagged-ones: (stdin): line 1:"
awk 'NR == 1 { $2 = 0.3 } 1' OFS='\t' in.vec > notpixel.vec
expect 1 "$flagged" < notpixel.vec
expect_err "flagged-ones: (stdout): record 1: not pixel values k/255"
expect 2 "$flagged" -p 2 < in.vec
expect_err "-p: \"2\": expected a number from 0 to 1"
expect 2 "$flagged" in.vec
expect_err "usage: flagged-ones"
