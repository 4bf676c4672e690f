#!/bin/sh
# throughput.sh - records per second on a million records, one process and
# cut across workers (issue 20 part 6): nn-predict at 1 and default threads,
# GNU parallel --pipe-part -j2 on this machine, and parallel -S over ssh to
# a throwaway sshd on 127.0.0.1; where one process's CPU time goes (read,
# parse, predict, write); and photos per second through img2vec |
# nn-predict.  make bench runs it as its section 4b with its B2 model;
#     make bench-throughput          (or: sh bench/throughput.sh [MODEL])
# runs it alone, with a B2-shaped model trained for 1 epoch (speed depends
# on the shape, not the weights).  From the top of the source tree, after
# `make bench/runstat data/train.nnv`.  Goals are not judged here: the
# 500,000 records/s of issue 15 is judged in section 6 of make bench.
#
# Variables: RECORDS (records a stream) [1000000], RUNS (runs a row; the
# median is shown) [3], PHOTOS (copies of examples/digit-*.jpg) [200],
# FORMATS (the streams measured) [binary text], SSH (0: no ssh rows) [1].
set -eu
export LC_ALL=C
RECORDS=${RECORDS:-1000000}
RUNS=${RUNS:-3}
PHOTOS=${PHOTOS:-200}
FORMATS=${FORMATS:-binary text}
SSH=${SSH:-1}

tmp=$(mktemp -d)
. bench/lib.sh
. tests/sshd.sh
trap 'sshd_stop "$tmp/ssh"; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

for f in cmd/nn-train cmd/nn-predict cmd/idx2vec cmd/img2vec cmd/vecinfo \
         bench/runstat data/train.nnv; do
    [ -e "$f" ] || fail "$f missing: run make bench/runstat data/train.nnv"
done
m=$(missing_pkgs parallel openssh-client openssh-server rsync)
if [ -n "$m" ]; then
    say "installing$m (Debian) for the parallel and ssh rows"
    install_pkgs $m
fi
command -v parallel >/dev/null || fail "GNU parallel is not installed (Debian: parallel)"
PATH=$PWD/cmd:$PATH
export PATH

if [ $# -ge 1 ]; then
    model=$1
    standalone=
else
    say "a B2-shaped model (784-100-10), 1 epoch"
    model=$tmp/B2.json
    nn-train -q -H 100 -a relu --output softmax -b 32 -e 1 -s 1 -o "$model" data/train.nnv
    standalone=1
fi

# stats FILE CMD: RUNS runs of the shell command CMD; "WALL CPU" to FILE,
# the median wall seconds and the median CPU seconds (all processes).
stats() {
    st_f=$1
    shift
    st_i=0
    : > "$st_f.all"
    while [ "$st_i" -lt "$RUNS" ]; do
        measure "$tmp/run" sh -c "$*"
        cat "$tmp/run" >> "$st_f.all"
        st_i=$((st_i + 1))
    done
    echo "$(cut -d' ' -f1 "$st_f.all" | median) $(cut -d' ' -f3 "$st_f.all" | median)" > "$st_f"
}

# row LABEL N CMD: a row of the records/s table from stats of CMD over N
# records; the figures also stay in $(key LABEL) for the breakdown.
row() {
    r_l=$1 r_n=$2
    shift 2
    say "$r_l"
    stats "$(key "$r_l")" "$*"
    awk -v l="$r_l" -v n="$r_n" '{ printf "  %-34s %8d %8.2f %8.2f %5.2f %11.0f\n",
        l, n, $1, $2, ($1 > 0 ? $2 / $1 : 0), n / $1 }' "$(key "$r_l")"
}
key() { echo "$tmp/r.$(echo "$1" | tr -c 'a-zA-Z0-9\n' _)"; }
cpu() { cut -d' ' -f2 "$(key "$1")"; }

# --------------------------------------------------------------------------
# A million records: MNIST's 60,000 training vectors over and over, binary
# (one header, then fixed-size records) and text.
say "making $RECORDS records, binary and text"
rec=$(vecinfo -r data/train.nnv)
head -c 16 data/train.nnv > "$tmp/m.nnv"
tail -c +17 data/train.nnv > "$tmp/recs"
n=0
while [ "$n" -lt "$RECORDS" ]; do cat "$tmp/recs"; n=$((n + 60000)); done |
    head -c $((RECORDS * rec)) >> "$tmp/m.nnv"
rm "$tmp/recs"
# The text form of the same records (idx2vec's text is exact for u8).
txt=$tmp/m.vec
cmd/idx2vec "$(sh data/mnist.sh train-images-idx3-ubyte)" \
    "$(sh data/mnist.sh train-labels-idx1-ubyte)" > "$tmp/t.vec"
n=0
while [ "$n" -lt "$RECORDS" ]; do cat "$tmp/t.vec"; n=$((n + 60000)); done |
    head -n "$RECORDS" > "$txt"
rm "$tmp/t.vec"
vecinfo "$tmp/m.nnv" | grep -qx "records	$RECORDS" || fail "the binary stream is not $RECORDS records"

if [ -n "$standalone" ]; then
    echo "nnpipe throughput (bench/throughput.sh), $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo "CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
         "$(getconf _NPROCESSORS_ONLN) online CPUs"
    echo "Load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

# The ssh worker: a throwaway sshd on 127.0.0.1, this tree's tools on the
# "remote" PATH (--env PATH), the data piped to it through ssh.
ssh_ok= sshd_why="SSH=0"
if [ "$SSH" != 0 ] && sshd_start "$tmp/ssh"; then
    ssh_ok=1
    PARALLEL_SSH="ssh -F $tmp/ssh/config"
    export PARALLEL_SSH
fi
# Blocks of an eighth of the stream, 4 jobs a worker: each job starts an
# nn-predict that reads the model, and over ssh a connection too (about
# 0.2 s a job here, 0.7 s with ssh), so blocks of 10,000 records made
# parallel -j2 five times slower than one process (109,214 records/s
# against 562,208; 6,014 over ssh: 2026-12-04 22:38 UTC, Zen 5).
blockrecs=$(( (RECORDS + 7) / 8 ))
binpart="--pipe-part -a $tmp/m.nnv --header '(?s).{16}' --recend '' --block $((blockrecs * rec)) -k"
txtpart="--pipe-part -a $txt --block $(( $(wc -c < "$txt") / 8 + 1 )) -k"
predict1="nn-predict --threads 1 $model"

echo "4b. Throughput: $RECORDS records (MNIST's training vectors repeated),"
echo "the B2 model (784-100-10), predictions to /dev/null unless 'to a file';"
echo "median of $RUNS runs each.  wall, CPU: seconds (CPU: all processes, user"
echo "and system); cores: CPU over wall.  -j2: parallel --pipe-part, 2 jobs of"
echo "nn-predict --threads 1 on this machine, -k (input order), cut at record"
echo "boundaries in 8 blocks (binary: $blockrecs records of vecinfo -r bytes"
echo "after the 16-byte header; text: at line ends).  ssh: the same"
echo "with -S 2/nnw, 2 jobs on 127.0.0.1 through a test-owned sshd, the data"
echo "piped through ssh; its CPU is this side's only (ssh, parallel; sshd and"
echo "the remote jobs are not children of the run, so not counted)."
printf "  %-34s %8s %8s %8s %5s %11s\n" run records wall CPU cores records/s
for fmt in $FORMATS; do
    if [ "$fmt" = binary ]; then in=$tmp/m.nnv part=$binpart; else in=$txt part=$txtpart; fi
    echo "  $fmt ($(( $(wc -c < "$in") / 1000000 )) MB):"
    row "$fmt read: cat" "$RECORDS" "cat $in > /dev/null"
    row "$fmt parse: vecinfo" "$RECORDS" "vecinfo $in > /dev/null"
    row "$fmt nn-predict --threads 1" "$RECORDS" "$predict1 $in > /dev/null"
    row "$fmt   to a file" "$RECORDS" "$predict1 $in > $tmp/out"
    row "$fmt nn-predict (default threads)" "$RECORDS" "nn-predict $model $in > /dev/null"
    row "$fmt parallel -j2" "$RECORDS" "parallel $part -j2 $predict1 > /dev/null"
    if [ -n "$ssh_ok" ]; then
        row "$fmt parallel -S 2/nnw (ssh)" "$RECORDS" \
            "parallel --env PATH -S 2/nnw $part $predict1 > /dev/null"
    else
        echo "  $fmt parallel -S (ssh): skipped, $sshd_why"
    fi
    # Where one process's time goes, in CPU seconds.
    echo "$fmt $(cpu "$fmt read: cat") $(cpu "$fmt parse: vecinfo")" \
         "$(cpu "$fmt nn-predict --threads 1") $(cpu "$fmt   to a file")" >> "$tmp/split"
done
rm -f "$tmp/out"
echo
echo "Where one process's CPU time goes (nn-predict --threads 1, to a file),"
echo "in seconds and shares: read = cat's CPU (reading the file from the"
echo "page cache); parse = vecinfo's less cat's (vecinfo reads every record"
echo "through libnn's reader and does nothing else; nn-predict reads a binary"
echo "file in batches of 1024, vecinfo one record at a time); predict ="
echo "nn-predict to /dev/null less vecinfo (the network and formatting its"
echo "lines); write = nn-predict to a file less to /dev/null.  A negative"
echo "figure is noise: a stage too small to see on this machine."
printf "  %-8s %14s %14s %14s %14s %8s\n" stream read parse predict write total
awk '{ rd = $2; pa = $3 - $2; pr = $4 - $3; wr = $5 - $4; t = $5
       printf "  %-8s %7.2fs %4.0f%% %7.2fs %4.0f%% %7.2fs %4.0f%% %7.2fs %4.0f%% %7.2fs\n",
              $1, rd, 100 * rd / t, pa, 100 * pa / t, pr, 100 * pr / t, wr, 100 * wr / t, t }' \
    "$tmp/split"
echo

# --------------------------------------------------------------------------
# Photos: the ten example photos copied PHOTOS times in all.
say "photos"
mkdir "$tmp/photos"
i=0
while [ "$i" -lt "$PHOTOS" ]; do
    for j in examples/digit-*.jpg; do
        [ "$i" -lt "$PHOTOS" ] || break
        cp "$j" "$tmp/photos/$(printf %05d "$i")-${j##*/}"
        i=$((i + 1))
    done
done
photos=$(ls "$tmp/photos" | wc -l)
echo "Photos: $photos copies of examples/digit-*.jpg ($(du -sk "$tmp/photos" | cut -f1) KB),"
echo "classified with the same model; median of $RUNS runs.  classify.sh:"
echo "examples/cluster/classify.sh, 20 photos a job."
printf "  %-34s %8s %8s %8s %5s %11s\n" run photos wall CPU cores photos/s
row "img2vec | nn-predict" "$photos" \
    "img2vec --tag --no-progress $tmp/photos/* | nn-predict --tag --threads 1 $model > /dev/null"
row "  img2vec alone" "$photos" "img2vec --tag --no-progress $tmp/photos/* > /dev/null"
row "classify.sh -j 2" "$photos" "examples/cluster/classify.sh -j 2 -n 20 $model $tmp/photos > /dev/null"
if [ -n "$ssh_ok" ]; then
    row "classify.sh -S 2/nnw (ssh)" "$photos" \
        "PARALLEL='--env PATH' examples/cluster/classify.sh -S 2/nnw -n 20 $model $tmp/photos > /dev/null"
else
    echo "  classify.sh -S (ssh): skipped, $sshd_why"
fi
echo
if [ -n "$standalone" ]; then
    echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
