#!/bin/sh
# bench.sh - the benchmark of `make bench`: matrix product speed, training
# B1-B3 on all of MNIST in nnpipe and in PyTorch side by side, the B2
# pipeline from IDX files, and prediction speed; one table on standard
# output, progress on standard error.  Run from the top of the source tree
# after `make bench/gemm bench/runstat bench/augment data/train.nnv data/test.nnv`.
#
# Variables: THREADS (the many-thread runs; default all online CPUs), PHOTO
# (the photo for img2vec | nn-predict), EPOCHS_B1, EPOCHS_B2, EPOCHS_B3,
# TORCH_BUDGET (seconds; a PyTorch run stops after the epoch that passes
# it, or within the first epoch, whose time is then scaled up).
set -eu
export LC_ALL=C

THREADS=${THREADS:-$(getconf _NPROCESSORS_ONLN)}
# The photo: the project's own example if there is one, else a phone photo.
PHOTO=${PHOTO:-$(ls examples/*.jpg 2>/dev/null | head -n 1)}
PHOTO=${PHOTO:-${PHOTOS_DIR:-../shared/data/photos}/147_d2.jpg}
EPOCHS_B1=${EPOCHS_B1:-5}
EPOCHS_B2=${EPOCHS_B2:-5}
EPOCHS_B3=${EPOCHS_B3:-3}
TORCH_BUDGET=${TORCH_BUDGET:-40}
PY=${PY:-/usr/bin/python3}   # Debian's python3-torch is importable only here
N=60000                 # training records

start=$(date +%s)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

say() { echo "bench: $*" >&2; }
thr() { if [ "$1" -eq 1 ]; then echo "1 thread"; else echo "$1 threads"; fi; }
fail() { echo "bench: $*" >&2; exit 1; }

# median: the median of the numbers on standard input, one per line.
median() {
    sort -g | awk '{ v[NR] = $1 }
        END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2];
              else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# calc EXPR: a floating-point expression, printed with %.6g.
calc() { awk "BEGIN { printf \"%.6g\n\", $1 }"; }

# measure FILE CMD...: run CMD under bench/runstat (wall seconds and peak RSS
# in KiB to FILE), its stderr to FILE.err; fail with that stderr if it fails.
measure() {
    f=$1
    shift
    bench/runstat "$f" "$@" 2>"$f.err" || {
        tail -n 5 "$f.err" >&2
        fail "failed: $*"
    }
}

for f in cmd/nn-train cmd/nn-eval cmd/nn-predict cmd/idx2vec cmd/img2vec \
         bench/gemm bench/runstat bench/augment data/train.nnv data/test.nnv; do
    [ -e "$f" ] || fail "$f missing: run make bench"
done
train_img=$(sh data/mnist.sh train-images-idx3-ubyte)
train_lab=$(sh data/mnist.sh train-labels-idx1-ubyte)
test_img=$(sh data/mnist.sh t10k-images-idx3-ubyte)
test_lab=$(sh data/mnist.sh t10k-labels-idx1-ubyte)

# PyTorch: Debian's package, installed here if it is missing.
if ! "$PY" -c 'import torch' 2>/dev/null; then
    say "installing python3-torch (Debian) for the comparison"
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
    { $sudo apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-torch; } >&2 || true
fi
if "$PY" -c 'import torch' 2>/dev/null; then
    torch=$("$PY" -c 'import sys; sys.path.insert(0, "bench"); import mlp, torch
print(torch.__version__ + ", BLAS " + mlp.blas_name())')
else
    torch=
fi

tlist=1
[ "$THREADS" -eq 1 ] || tlist="1 $THREADS"
if cmd/nn-train --help | grep -q -- --threads; then
    threads_opt=1
else
    threads_opt=
fi

# --------------------------------------------------------------------------
echo "nnpipe benchmark, $(date '+%Y-%m-%d %H:%M:%S %Z')"
echo "CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
     "$(getconf _NPROCESSORS_ONLN) online; load average at start:" \
     "$(cut -d' ' -f1-3 /proc/loadavg)"
busy=
if awk '{ exit !($1 >= 1) }' /proc/loadavg; then
    busy=1
    echo "WARNING: the machine is busy; other work slows every figure here, and"
    echo "multi-threaded PyTorch (OpenMP) far more than the rest.  Run it idle."
fi
if [ -n "$threads_opt" ]; then
    echo "nn-train: --threads N given as in each row"
else
    echo "nn-train: no --threads option yet, so every nnpipe run uses 1 thread;" \
         "its $THREADS-thread rows are that 1-thread run beside PyTorch's $THREADS threads"
fi
if [ -n "$torch" ]; then
    echo "PyTorch: $torch ($PY, Debian python3-torch), CPU;" \
         "torch.set_num_threads, OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and" \
         "MKL_NUM_THREADS set to each row's threads"
else
    echo "PyTorch: NOT AVAILABLE ($PY cannot import torch and python3-torch" \
         "could not be installed): no PyTorch figures below"
fi
echo

# --------------------------------------------------------------------------
say "matrix products (bench/gemm)"
bench/gemm -t "$THREADS" > "$tmp/gemm"
echo "1. Matrix products: nn_sgemm (lib/gemm.c), single precision"
cat "$tmp/gemm"
# peaks FILE: "P1 PT", the GEMM peaks in bench/gemm's output FILE with 1
# thread and with THREADS threads (the better of one product split by libnn
# and THREADS products at once).
peaks() {
    awk -v t="$THREADS" '$1 == "peak" { p1 = $6 }
        $1 ~ /^peak/ && $7 != "-" && $7 + 0 > pt { pt = $7 + 0 }
        END { print p1, (t > 1 ? pt : p1) }' "$1"
}
peak_before=$(peaks "$tmp/gemm")
echo "GEMM peak: $(echo "$peak_before" | cut -d' ' -f1) GFLOP/s with 1 thread;" \
     "$(echo "$peak_before" | cut -d' ' -f2) GFLOP/s with $(thr "$THREADS") (the better"
echo "of 'peak', one product split by libnn, and 'peak.apart', $THREADS products at"
echo "once, one thread each)."
echo "B*.fwd/dW/dx: a layer's forward product, weight gradient and input"
echo "gradient at the batch size; B*.step: all of one training step together."
echo

# --------------------------------------------------------------------------
# config NAME: the network, its options for nn-train and mlp.py.
config() {
    case $1 in
    B1) hidden=30 act=sigmoid out=sigmoid batch=10 rate=0.5 mom=0
        epochs=$EPOCHS_B1 desc="784-30-10 sigmoid, CE, b10" ;;
    B2) hidden=100 act=relu out=softmax batch=32 rate=0.05 mom=0.9
        epochs=$EPOCHS_B2 desc="784-100-10 ReLU, softmax, b32" ;;
    B3) hidden=800 act=relu out=softmax batch=128 rate=0.05 mom=0.9
        epochs=$EPOCHS_B3 desc="784-800-10 ReLU, softmax, b128" ;;
    esac
    # Forward 2*N*sum(in*out); backward twice that, less the first layer's
    # input gradient (2*N*784*hidden).
    flop=$(calc "$N * (6 * (784 * $hidden + $hidden * 10) - 2 * 784 * $hidden)")
}

# row CONFIG THREADS IMPL EPOCHS S_EPOCH ACC RSS_KB [RATIO]: a training
# result, kept in $tmp/rows for the table and the goals.
row() {
    echo "$1 $2 $3 $4 $5 $6 $7 ${8:-}" >> "$tmp/rows"
}

nnpipe_train() {   # CONFIG THREADS [IMPL]
    topt=
    [ -z "$threads_opt" ] || topt="--threads $2"
    impl=${3:-nnpipe}
    say "$1 $impl, $(thr "$2"), $epochs epochs"
    sparse=on
    [ "$impl" = nnpipe ] || sparse=off
    NN_SPARSE=$sparse measure "$tmp/run" cmd/nn-train -q -H "$hidden" -a "$act" --output "$out" \
        -b "$batch" -r "$rate" -m "$mom" -e "$epochs" -s 1 $topt \
        --log "$tmp/log" -o "$tmp/$1-$2.json" data/train.nnv
    s=$(awk 'NR > 1 { print $6 }' "$tmp/log" | median)
    acc=$(cmd/nn-eval "$tmp/$1-$2.json" data/test.nnv | awk '$1 == "accuracy" { print $2 / 100 }')
    [ "$impl" = nnpipe ] && nn_s=$s
    row "$1" "$2" "$impl" "$epochs" "$s" "$acc" "$(cut -d' ' -f2 "$tmp/run")"
}

torch_train() {    # CONFIG THREADS
    if [ -z "$torch" ]; then
        row "$1" "$2" pytorch - - - -
        return
    fi
    say "$1 PyTorch, $(thr "$2"), $epochs epochs (at most ${TORCH_BUDGET} s)"
    if ! bench/runstat "$tmp/run" env OMP_NUM_THREADS="$2" \
        OPENBLAS_NUM_THREADS="$2" MKL_NUM_THREADS="$2" "$PY" bench/mlp.py \
        --hidden "$hidden" --act "$act" --output "$out" --batch "$batch" \
        --rate "$rate" --momentum "$mom" --epochs "$epochs" \
        --max-seconds "$TORCH_BUDGET" --threads "$2" "$train_img" \
        "$train_lab" "$test_img" "$test_lab" > "$tmp/torch" 2> "$tmp/torch.err"
    then
        echo "$1, $(thr "$2"): PyTorch failed: $(tail -n 1 "$tmp/torch.err")" >> "$tmp/notes"
        row "$1" "$2" pytorch - - - -
        return
    fi
    if grep -q '^epoch' "$tmp/torch"; then
        s=$(awk '$1 == "epoch" { print $3 }' "$tmp/torch" | median)
        e=$(grep -c '^epoch' "$tmp/torch")
    else    # part of the first epoch only: its time scaled up
        s=$(awk '$1 == "partial" { print $3 / $4 }' "$tmp/torch")
        e=$(awk '$1 == "partial" { printf "%.2f", $4 }' "$tmp/torch")
    fi
    acc=$(awk '$1 == "test_acc" { print $2 }' "$tmp/torch")
    row "$1" "$2" pytorch "$e" "$s" "$acc" "$(cut -d' ' -f2 "$tmp/run")" \
        "$(calc "$s / $nn_s")"
}

: > "$tmp/rows"
: > "$tmp/notes"
for c in B1 B2 B3; do
    config "$c"
    for t in $tlist; do
        nnpipe_train "$c" "$t"
        torch_train "$c" "$t"
    done
done
# B3 once more with the dense products only: the share of the GEMM peak.
config B3
nnpipe_train B3 1 dense

# The peak again, now that training is over: the larger of the two is the
# ceiling, since other work on a shared machine only ever slows it.
say "matrix products again (bench/gemm -p)"
bench/gemm -p -t "$THREADS" > "$tmp/gemm2"
peak_after=$(peaks "$tmp/gemm2")
peak1=$(echo "$peak_before $peak_after" | awk '{ print ($1 > $3 ? $1 : $3) }')
peakT=$(echo "$peak_before $peak_after" | awk '{ print ($2 > $4 ? $2 : $4) }')

echo "2. Training on all 60,000 MNIST training images; test accuracy on the 10,000"
echo "test images."
echo "FLOP per epoch = N * (6*sum(in*out) - 2*784*hidden): forward 2*N*sum(in*out),"
echo "backward twice that less the first layer's input gradient; biases,"
echo "activations and the update are not counted.  These are the dense"
echo "products' FLOP, which PyTorch computes.  nnpipe skips the zero pixels (81%"
echo "of MNIST's) in the first layer's products, so its GFLOP/s is an effective"
echo "rate and can pass the GEMM peak; the row 'dense' is nnpipe with the dense"
echo "products only (NN_SPARSE=off), for the share of the peak.  s/epoch: median over the"
echo "epochs of one run.  speedup: PyTorch s/epoch / nnpipe s/epoch (above 1:"
echo "nnpipe is faster).  %peak: of the GEMM peak at the row's threads, the"
echo "larger of before and after training: $(echo "$peak_before" | cut -d' ' -f1) and" \
     "$(echo "$peak_after" | cut -d' ' -f1) GFLOP/s with 1 thread"
[ "$THREADS" -eq 1 ] ||
    echo "and $(echo "$peak_before" | cut -d' ' -f2) and" \
         "$(echo "$peak_after" | cut -d' ' -f2) with $(thr "$THREADS")"
echo "B1 $(config B1; echo "$desc, rate $rate, momentum $mom")"
echo "B2 $(config B2; echo "$desc, rate $rate, momentum $mom")"
echo "B3 $(config B3; echo "$desc, rate $rate, momentum $mom")"
echo "SGD, shuffled each epoch, seed 1; nnpipe: nn-train's initialisation, PyTorch: the same families."
if grep -q ' pytorch 0\.' "$tmp/rows"; then
    echo "PyTorch epochs below 1: the first epoch passed TORCH_BUDGET=$TORCH_BUDGET s and"
    echo "was stopped; s/epoch is its time scaled up from the part done."
fi
printf "  %-3s %7s  %-7s %6s %8s %8s %7s %9s %10s %9s\n" cfg threads impl \
    epochs s/epoch GFLOP/s %peak "test acc" "peak RSS" speedup
while read -r c t impl e s acc rss ratio; do
    config "$c"
    if [ "$s" = - ]; then
        printf "  %-3s %7d  %-7s no figures\n" "$c" "$t" "$impl"
        continue
    fi
    peak=$peak1
    [ "$t" -eq 1 ] || peak=$peakT
    awk -v c="$c" -v t="$t" -v impl="$impl" -v e="$e" -v s="$s" -v acc="$acc" \
        -v rss="$rss" -v ratio="$ratio" -v flop="$flop" -v peak="$peak" 'BEGIN {
        g = flop / s / 1e9
        printf "  %-3s %7d  %-7s %6s %8.3f %8.2f %6.1f%% %8.2f%% %7.0f MB",
               c, t, impl, e, s, g, 100 * g / peak, 100 * acc, rss / 1024
        if (ratio != "")
            printf " %8.2fx", ratio
        printf "\n" }'
done < "$tmp/rows"
cat "$tmp/notes"
echo

# --------------------------------------------------------------------------
say "B2 pipelines"
config B2
b2="-q -H $hidden -b $batch -r $rate -m $mom -e 1 -s 1 --log $tmp/log"
echo "3. B2 from the IDX files, 1 epoch, nn-train's default threads: wall time of"
echo "the whole command; 'not training' is wall time less the epoch (reading,"
echo "parsing, starting, writing the model)."
printf "  %-44s %8s %13s\n" command wall "not training"
pipe_row() {   # LABEL: the row of the last run
    w=$(cut -d' ' -f1 "$tmp/run")
    e=$(awk 'NR == 2 { print $6 }' "$tmp/log")
    printf "  %-44s %7.2fs %12.2fs\n" "$1" "$w" "$(calc "$w - $e")"
}
measure "$tmp/run" sh -c "cmd/nn-train $b2 -o $tmp/p.json data/train.nnv"
pipe_row "nn-train data/train.nnv (binary file)"
measure "$tmp/run" sh -c "cmd/idx2vec -b '$train_img' '$train_lab' | cmd/nn-train $b2 -o $tmp/p.json"
pipe_row "idx2vec -b IDX | nn-train (binary stream)"
measure "$tmp/run" sh -c "cmd/idx2vec '$train_img' '$train_lab' | cmd/nn-train $b2 -o $tmp/p.json"
pipe_row "idx2vec IDX | nn-train (text stream)"
echo

# --------------------------------------------------------------------------
say "prediction"
model=$tmp/B2-1.json
for i in 1 2 3 4 5 6 7 8 9 10; do cat data/test.nnv; done > "$tmp/big.nnv"
cat data/test.nnv data/test.nnv > "$tmp/mid.nnv"
cmd/idx2vec "$test_img" "$test_lab" > "$tmp/test.vec"
echo "4. Prediction: nn-predict with the B2 model (784-100-10), output to /dev/null,"
echo "median of 3 runs (model loading included)"
printf "  %-44s %8s %8s %12s\n" input records seconds records/s
predict_row() {   # LABEL RECORDS CMD: median of 3 timed runs of CMD
    label=$1 n=$2
    shift 2
    for i in 1 2 3; do
        measure "$tmp/run" sh -c "$*"
        cut -d' ' -f1 "$tmp/run"
    done | median > "$tmp/med"
    awk -v l="$label" -v n="$n" '{ printf "  %-44s %8d %8.3f %12.0f\n", l, n, $1, n / $1 }' "$tmp/med"
    echo "$label $n $(cat "$tmp/med")" >> "$tmp/pred"
}
: > "$tmp/pred"
predict_row "binary file (read in batches of 256)" 100000 \
    "cmd/nn-predict $model $tmp/big.nnv > /dev/null"
predict_row "binary pipe (one record at a time)" 20000 \
    "cat $tmp/mid.nnv | cmd/nn-predict $model > /dev/null"
predict_row "text file" 10000 "cmd/nn-predict $model $tmp/test.vec > /dev/null"
echo

if [ -f "$PHOTO" ]; then
    say "img2vec | nn-predict on $PHOTO"
    echo "img2vec PHOTO | nn-predict MODEL, PHOTO=$PHOTO"
    echo "($(wc -c < "$PHOTO") bytes), median of 11 runs, each through sh -c as a"
    echo "user's shell would run it"
    printf "  %-44s %8s\n" command "wall ms"
    photo_row() {   # LABEL CMD
        label=$1
        shift
        for i in 1 2 3 4 5 6 7 8 9 10 11; do
            measure "$tmp/run" sh -c "$*"
            cut -d' ' -f1 "$tmp/run"
        done | median > "$tmp/med"
        awk -v l="$label" '{ printf "  %-44s %8.1f\n", l, 1000 * $1 }' "$tmp/med"
    }
    cmd/img2vec "$PHOTO" > "$tmp/photo.vec" 2>/dev/null
    photo_row "img2vec PHOTO | nn-predict B2-model" \
        "cmd/img2vec '$PHOTO' | cmd/nn-predict $tmp/B2-1.json > /dev/null"
    photo_ms=$(awk '{ print 1000 * $1 }' "$tmp/med")
    photo_row "img2vec PHOTO | nn-predict B3-model" \
        "cmd/img2vec '$PHOTO' | cmd/nn-predict $tmp/B3-1.json > /dev/null"
    photo_row "  img2vec PHOTO alone" "cmd/img2vec '$PHOTO' > /dev/null"
    photo_row "  nn-predict B2-model on its vector alone" \
        "cmd/nn-predict $tmp/B2-1.json $tmp/photo.vec > /dev/null"
    photo_row "  nn-predict B3-model on its vector alone" \
        "cmd/nn-predict $tmp/B3-1.json $tmp/photo.vec > /dev/null"
else
    echo "img2vec | nn-predict: no photo $PHOTO (set PHOTO=FILE)"
    photo_ms=
fi
echo

# --------------------------------------------------------------------------
say "augmentation (bench/augment)"
bench/augment 20000 7 > "$tmp/aug"
echo "5. Augmentation (nn-train --augment): one distortion of a 28x28 image, and"
echo "what it adds to a 1-thread epoch of 60,000 images of B2 and B3 above"
awk -v b2="$(awk '$1 == "B2" && $2 == 1 && $3 == "nnpipe" { print $5 }' "$tmp/rows")" \
    -v b3="$(awk '$1 == "B3" && $2 == 1 && $3 == "nnpipe" { print $5 }' "$tmp/rows")" '
    /us\/image/ && $1 != "warp" {
        s = 60000 * $2 / 1e6
        printf "  %-16s %6.2f us/image  %5.2f s/epoch  B2 +%.0f%%  B3 +%.0f%%\n",
               $1, $2, s, 100 * s / b2, 100 * s / b3
    }' "$tmp/aug"
echo

# --------------------------------------------------------------------------
echo "6. Goals, from the figures above"
goal() {   # TEXT FIGURE MET(1/0)
    if [ "$3" = 1 ]; then m=met; else m=MISSED; fi
    printf "  %-44s %-28s %s\n" "$1" "$2" "$m"
}
for c in B1 B2 B3; do
    for t in $tlist; do
        r=$(awk -v c="$c" -v t="$t" '$1 == c && $2 == t && $3 == "pytorch" { print $8 }' "$tmp/rows")
        if [ "$c" = B1 ]; then
            what="$c faster than PyTorch, $(thr "$t")" test="$r > 1"
        else
            what="$c at least 2x PyTorch, $(thr "$t")" test="$r >= 2"
        fi
        if [ -z "$r" ]; then
            goal "$what" "no PyTorch figure" 0
        else
            goal "$what" "$(printf %.2fx "$r")" "$(awk "BEGIN { print ($test) }")"
        fi
    done
done
config B3
s=$(awk '$1 == "B3" && $2 == 1 && $3 == "dense" { print $5 }' "$tmp/rows")
pct=$(calc "100 * $flop / $s / 1e9 / $peak1")
goal "B3 dense at >= 50% of the GEMM peak, 1 thread" "$(printf %.1f "$pct")%" \
    "$(awk "BEGIN { print ($pct >= 50) }")"
rate=$(awk '$1 == "binary" && $2 == "file" { print $(NF - 1) / $NF }' "$tmp/pred")
goal ">= 100,000 records/s from binary" "$(printf "%.0f/s = %.2fx the goal" "$rate" "$(calc "$rate / 100000")")" \
    "$(awk "BEGIN { print ($rate >= 100000) }")"
if [ -n "$photo_ms" ]; then
    goal "img2vec | nn-predict under 20 ms" "$(printf "%.1f ms = %.2fx the limit" "$photo_ms" "$(calc "$photo_ms / 20")")" \
        "$(awk "BEGIN { print ($photo_ms < 20) }")"
else
    goal "img2vec | nn-predict under 20 ms" "no photo" 0
fi
if [ -n "$busy" ]; then
    echo "  (The machine was busy: PyTorch with several threads waits in OpenMP"
    echo "  barriers for cores other work holds, so those ratios flatter nnpipe.)"
fi
echo
echo "Whole run: $(( $(date +%s) - start )) s; load average at the end:" \
     "$(cut -d' ' -f1-3 /proc/loadavg)"
