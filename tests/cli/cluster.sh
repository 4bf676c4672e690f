# cluster: tagged records, streams cut by GNU parallel, and
# examples/cluster/classify.sh on several local workers, over ssh to a
# test-owned sshd on 127.0.0.1, and with a worker killed on purpose; every
# output is compared with one process's.  Slurm: tests/cli/slurm.sh.
command -v parallel >/dev/null || skip "GNU parallel not installed (make check installs it)"
I="$DATA/img"
CLASSIFY="$TOP/examples/cluster/classify.sh"
tab=$(printf '\t')

# A model of MNIST's shape, trained on the ten fixture images.
idx2vec "$DATA/mnist10-images-idx3-ubyte" "$DATA/mnist10-labels-idx1-ubyte" > ten.vec
nn-train -q -H 16 -e 20 -s 1 -o m.json ten.vec

# --- Tags: img2vec --tag names each record's image; nn-predict --tag
# prints the name first, in text and in binary, and as JSON.
mkdir imgs imgs/sub
cp "$I/gray.png" "$I/p5.pgm" "$I/rgb.png" "$I/baseline.jpg" imgs/
cp "$I/gray.png" "imgs/sub/it's a b.png"
cp "$I/orient-6.jpg" imgs/sub/z.JPG
echo "not an image" > imgs/README
find imgs -type f ! -name README | LC_ALL=C sort > list
[ "$(wc -l < list)" -eq 6 ] || fail "expected 6 images"
tr '\n' '\0' < list | xargs -0 img2vec --tag > tagged.vec
tr '\n' '\0' < list | xargs -0 img2vec > plain.vec
[ "$(grep -c '^# ' tagged.vec)" -eq 6 ] || fail "not one tag line an image"
grep -v '^# ' tagged.vec | cmp - plain.vec || fail "tags changed the records"
nn-predict --tag m.json tagged.vec > one.out
nn-predict m.json plain.vec > plain.out
cut -f1 one.out | cmp - list || fail "tags are not the file names in order"
cut -f2- one.out | cmp - plain.out || fail "--tag changed the predictions"
tr '\n' '\0' < list | xargs -0 img2vec --tag -b | nn-predict --tag m.json | cmp - one.out
nn-predict --tag --json m.json tagged.vec | head -n 1 | grep -q '^{"tag":"imgs/baseline.jpg","class":' ||
    fail "JSON lacks the tag"
# No tag: an empty first column.
nn-predict --tag m.json plain.vec | cut -f1 | grep -qvx '' && fail "untagged records got a tag"
# A name that a tag line cannot hold is refused; the rest are written.
cp "$I/gray.png" "tab${tab}name.png"
expect 1 img2vec --tag "tab${tab}name.png" "$I/gray.png"
expect_err "cannot be a tag"
[ "$(grep -c '^?' "$TMP/out")" -eq 1 ] || fail "the good image was not written"

# --- Streams that split.  Text with tags: cut only before a tag line
# (--recstart '# '), so each record stays with its name.
for b in 4k 10k; do
    parallel --pipe --recstart '# ' --recend '\n' --block $b -k -j2 \
        nn-predict --tag m.json < tagged.vec | cmp - one.out || fail "text --pipe --block $b"
done
# Binary: one header, then fixed-size records (vecinfo says fixed 1); cut
# at multiples of the record size with the header given to every piece.
idx2vec -b "$DATA/mnist10-images-idx3-ubyte" "$DATA/mnist10-labels-idx1-ubyte" > ten.nnv
head -c 16 ten.nnv > big.nnv
tail -c +17 ten.nnv > recs
i=0; while [ $i -lt 100 ]; do cat recs; i=$((i + 1)); done >> big.nnv
vecinfo big.nnv > info
grep -qx "record${tab}788" info && grep -qx "records${tab}1000" info &&
    grep -qx "fixed${tab}1" info || { cat info >&2; fail "vecinfo"; }
[ "$(vecinfo -r big.nnv)" = 788 ] || fail "vecinfo -r"
cat ten.nnv ten.nnv | vecinfo > info
grep -qx "records${tab}20" info && ! grep -q fixed info || fail "vecinfo on a pipe"
cat ten.nnv ten.nnv > two.nnv
vecinfo two.nnv | grep -qx "fixed${tab}0" || fail "two sections are not fixed"
expect 1 vecinfo -r ten.vec
expect_err "vecinfo: ten.vec: a text stream"
nn-predict m.json big.nnv > big.out
rec=$(vecinfo -r big.nnv)
for n in 37 250; do
    parallel --pipe --header '(?s).{16}' --recend '' --block $((n * rec)) -k -j2 \
        nn-predict m.json < big.nnv | cmp - big.out || fail "binary --pipe, $n records a block"
    parallel --pipe-part -a big.nnv --header '(?s).{16}' --recend '' --block $((n * rec)) -k -j2 \
        nn-predict m.json | cmp - big.out || fail "binary --pipe-part, $n records a block"
done
# A block that is not a multiple of the record size is caught, not misread.
parallel --pipe-part -a big.nnv --header '(?s).{16}' --recend '' --block 1000 -k -j2 \
    nn-predict m.json > cut.out 2>cut.err && fail "a cut inside records went unnoticed"
grep -q "nn-predict: (stdin): record " cut.err || { cat cut.err >&2; fail "no error for a bad cut"; }

# --- classify.sh on this machine, two workers, two images a job.
find imgs -type f ! -name README -print0 | LC_ALL=C sort -z | xargs -0 img2vec --tag |
    nn-predict --tag m.json > ref.out
cmp ref.out one.out
expect 0 "$CLASSIFY" -j 2 -n 2 m.json imgs
cmp "$TMP/out" ref.out || fail "classify.sh -j 2 differs from one process"
expect 0 "$CLASSIFY" -n 1 -j 3 "$TMP/m.json" imgs/
cmp "$TMP/out" ref.out || fail "classify.sh with DIR/"
expect 2 "$CLASSIFY" -n 0 m.json imgs
expect 2 "$CLASSIFY" m.json
expect 1 "$CLASSIFY" nosuch.json imgs
expect_err "nosuch.json: cannot read the model"

# A bad image: the others are printed, the exit status says so.
printf 'P5\n40 30\n255\n' > imgs/sub/blank.pgm
head -c 1200 /dev/zero | tr '\0' '\310' >> imgs/sub/blank.pgm
expect 1 "$CLASSIFY" -n 2 -r 1 m.json imgs
cmp "$TMP/out" ref.out || fail "a bad image lost the others"
expect_err "imgs/sub/blank.pgm: no ink found"
rm imgs/sub/blank.pgm

# A worker killed mid-run: the first nn-predict answers one image, then
# waits; the test kills it (by its pid).  The job runs again; nothing of
# the killed run is printed, nothing is lost.
mkdir wrap
real=$(command -v nn-predict)
cat > wrap/nn-predict <<WRAP
#!/bin/sh
if mkdir "$TMP/victim" 2>/dev/null; then
    "$real" "\$@" | head -n 1
    echo \$\$ > "$TMP/victim/pid.tmp" && mv "$TMP/victim/pid.tmp" "$TMP/victim/pid"
    exec sleep 120
fi
exec "$real" "\$@"
WRAP
chmod +x wrap/nn-predict
PATH="$TMP/wrap:$PATH" "$CLASSIFY" -j 2 -n 2 m.json imgs > killed.out 2> killed.err &
cpid=$!
t=0
while [ ! -f victim/pid ] && [ $t -lt 300 ]; do sleep 0.1; t=$((t + 1)); done
[ -f victim/pid ] || { kill "$cpid"; fail "the worker to kill never started"; }
kill -KILL "$(cat victim/pid)"
wait "$cpid" || { cat killed.err >&2; fail "classify.sh failed after a worker was killed"; }
cmp killed.out ref.out || fail "a killed worker lost or doubled records"

# --- Over ssh to 127.0.0.1: a test-owned sshd on a free loopback port, a
# throwaway key, stopped at the end.  -b sends the model (--basefile).
command -v rsync >/dev/null || skip "ssh path not tested: no rsync (parallel --basefile needs it)"
. "$TOP/tests/sshd.sh"
trap 'sshd_stop "$TMP/ssh"' EXIT
sshd_start "$TMP/ssh" || skip "ssh path not tested: $sshd_why"
# The tools at this tree's path on the "remote" machine: --env PATH.
export PARALLEL_SSH="ssh -F $TMP/ssh/config" PARALLEL="--env PATH"
expect 0 "$CLASSIFY" -S 2/nnw,1/: -n 2 m.json imgs
cmp "$TMP/out" ref.out || fail "classify.sh -S nnw,: differs from one process"
mkdir models
cp m.json models/
expect 0 "$CLASSIFY" -S 2/nnw -b -w "$TMP/work" -n 1 models/m.json imgs
cmp "$TMP/out" ref.out || fail "classify.sh -b differs from one process"
cmp work/m.json m.json || fail "--basefile did not send the model"
sshd_stop "$TMP/ssh"
trap - EXIT
