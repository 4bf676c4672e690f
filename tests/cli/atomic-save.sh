# atomic-save: a model file is replaced only by a complete one (written to
# FILE.tmpXXXXXX, flushed, renamed), even when the writer is killed; a
# device is written straight to.  The full disk is in full-disk.sh.
idx2vec "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.vec
nn-train -q -H 4 -e 1 -o m.json ten.vec
cp m.json old.json

# Killed during the write: a 3000-unit model (about 29 MB) takes long
# enough to write that the temporary file is seen; the writer is stopped
# there, then killed.
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
[ $seen -eq 1 ] || fail "the temporary file never appeared"
cmp m.json old.json || fail "m.json changed while the new model was written"
kill -KILL $pid
wait $pid || :
cmp m.json old.json || fail "m.json damaged by a killed writer"
nn-eval m.json ten.vec > /dev/null
tmp=$(ls m.json.tmp*)
[ -f "$tmp" ] || fail "no temporary file left by the killed writer"
[ "$(wc -c < "$tmp")" -lt 29000000 ] || fail "the killed writer had finished"
rm -f m.json.tmp*

# A device is written to, not replaced.  Through symbolic links, so that a
# writer that replaced files (as nnpipe once did) would replace the links
# here rather than /dev/full and /dev/null themselves.
ln -s /dev/full full
ln -s /dev/null null
expect 1 nn-train -q -H 4 -e 1 -o full ten.vec
expect_err "nn-train: full: write error: No space left on device"
[ -L full ] || fail "the link to /dev/full was replaced"
expect 0 nn-train -q -H 4 -e 1 -o null ten.vec
[ -L null ] || fail "the link to /dev/null was replaced"

# A named pipe gets the model as standard output would.
mkfifo pipe
cat pipe > got &
expect 0 nn-train -q -H 4 -e 1 -o pipe ten.vec
wait
nn-train -q -H 4 -e 1 -o - ten.vec > want
cmp got want
[ -p pipe ] || fail "the pipe was replaced"

# Success replaces the file and leaves no temporary.
expect 0 nn-train -q -H 5 -e 1 -o m.json ten.vec
! cmp -s m.json old.json || fail "m.json not replaced"
[ "$(ls | grep -c '\.tmp')" -eq 0 ] || fail "temporary files left: $(ls)"
