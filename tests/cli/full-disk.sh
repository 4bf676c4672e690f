# full-disk: a 64 KB tmpfs as a full disk (needs root to mount; skipped
# otherwise).  A model that does not fit leaves the old one whole and no
# temporary; standard output to the full disk is an error.
mkdir disk
mount -t tmpfs -o size=64k tmpfs disk 2>/dev/null || skip "cannot mount a tmpfs (not root?)"
trap 'umount "$TMP/disk" 2>/dev/null || :' EXIT
idx2vec "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.vec
nn-train -q -H 2 -e 1 -o disk/m.json ten.vec
cp disk/m.json old.json
[ "$(wc -c < old.json)" -lt 30000 ] || fail "the small model does not fit"

expect 1 nn-train -q -H 16 -e 1 -o disk/m.json ten.vec
expect_err "nn-train: disk/m.json: "
expect_err "No space left on device"
[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "more than one message"
cmp disk/m.json old.json
[ "$(ls disk | wc -l)" -eq 1 ] || fail "temporary files left: $(ls disk)"

# Standard output to the full disk.
head -c 50000 /dev/zero > disk/fill 2>/dev/null || :
expect 1 sh -c 'idx2vec "$DATA/mnist10-images-idx3-ubyte.gz" > disk/out.vec'
expect_err "idx2vec: writing output failed: No space left on device"
