# vec2img: records to a grid picture, PNG or PGM.
idx2vec "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.vec
expect 0 vec2img --help
expect_out "Usage: vec2img"
expect 2 vec2img --scale 0 ten.vec
# 10 records, 5 per row, scale 2: cells of 28*2 + 1 pixels.
expect 0 vec2img --pgm -s 2 -c 5 ten.vec
head -c 15 "$TMP/out" | head -n 2 | tail -n 1 | grep -qx "285 114"
expect 0 vec2img -s 2 ten.vec
head -c 8 "$TMP/out" | od -An -c | grep -q "P   N   G"
# The first cell is the first digit: pixel (y, x) of record 1 at scale 1.
vec2img --pgm -s 1 -c 1 ten.vec > one.pgm
[ "$(wc -c < one.pgm)" -eq $((14 + 29 * 290)) ] || fail "size $(wc -c < one.pgm)"
printf '3\t0.5 0.5 0.5\n' > three.vec
expect 1 vec2img three.vec
expect_err "vec2img: three.vec: 3 values do not make rows of 2"
