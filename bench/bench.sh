#!/bin/sh
# bench.sh - the benchmark of `make bench`: matrix product speed, training
# B1-B3 on all of MNIST in nnpipe and in PyTorch side by side, the B2
# pipeline from IDX files, prediction speed and model loading, throughput
# on a million records across workers (bench/throughput.sh, which `make
# bench-throughput` runs alone), and the goals judged from these figures;
# one table on standard output, progress on standard error.  Run from the top of the source tree after
# `make bench/gemm bench/runstat bench/augment data/train.nnv data/test.nnv`.
#
# The peer is Debian's PyTorch at its best on this CPU: the bench installs
# python3-torch and OpenBLAS if they are missing, runs PyTorch (and only
# PyTorch) on OpenBLAS with the core type this CPU's flags call for, prints
# the BLAS and kernel each PyTorch run reports, and gives no ratio for a
# run that was not on them.
#
# Variables: THREADS (the many-thread runs; default all online CPUs), PHOTO
# (the photo for img2vec | nn-predict), EPOCHS_B1, EPOCHS_B2, EPOCHS_B3,
# EPOCHS_C1, EPOCHS_C2 (the convolutional networks, issue 16),
# TORCH_BUDGET (seconds; a PyTorch run stops after the epoch that passes
# it, or within the first epoch, whose time is then scaled up),
# PEER_CORETYPE (OpenBLAS core type for PyTorch instead of the one chosen
# from the CPU's flags; empty: OpenBLAS's own detection).
set -eu
export LC_ALL=C

THREADS=${THREADS:-$(getconf _NPROCESSORS_ONLN)}
# The photo: the project's own example if there is one, else a phone photo.
PHOTO=${PHOTO:-$(ls examples/*.jpg 2>/dev/null | head -n 1)}
PHOTO=${PHOTO:-${PHOTOS_DIR:-../shared/data/photos}/147_d2.jpg}
EPOCHS_B1=${EPOCHS_B1:-5}
EPOCHS_B2=${EPOCHS_B2:-5}
EPOCHS_B3=${EPOCHS_B3:-3}
EPOCHS_C1=${EPOCHS_C1:-1}
EPOCHS_C2=${EPOCHS_C2:-2}
TORCH_BUDGET=${TORCH_BUDGET:-40}
PY=${PY:-/usr/bin/python3}   # Debian's python3-torch is importable only here
# OpenBLAS for PyTorch.  The OpenMP build, because its threads are torch's
# own OpenMP threads; libopenblas0-pthread brings a pool of its own beside
# them.  On 2 cores that made PyTorch's B3 at 2 threads take 5.0 s/epoch
# instead of 0.97 (4 threads, each waiting half the time for a core); at 1
# thread the two builds ran it alike, 1.2 s/epoch (2026-12-04, Zen 5).
BLAS_PKG=libopenblas0-openmp
N=60000                 # training records

start=$(date +%s)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

. bench/lib.sh

for f in cmd/nn-train cmd/nn-eval cmd/nn-predict cmd/idx2vec cmd/img2vec \
         bench/gemm bench/runstat bench/augment bench/conv data/train.nnv \
         data/test.nnv; do
    [ -e "$f" ] || fail "$f missing: run make bench"
done
train_img=$(sh data/mnist.sh train-images-idx3-ubyte)
train_lab=$(sh data/mnist.sh train-labels-idx1-ubyte)
test_img=$(sh data/mnist.sh t10k-images-idx3-ubyte)
test_lab=$(sh data/mnist.sh t10k-labels-idx1-ubyte)

# --------------------------------------------------------------------------
# The CPU.

# cpu_field NAME: the field NAME of the first processor in /proc/cpuinfo.
cpu_field() {
    awk -F: -v k="$1" '{ f = $1; sub(/[ \t]+$/, "", f) }
        f == k { v = substr($0, index($0, ":") + 1); sub(/^ /, "", v); print v; exit }' \
        /proc/cpuinfo
}
cpu_flags=" $(cpu_field flags) "

# has_flags FLAG...: whether the CPU has every FLAG.
has_flags() {
    for f; do
        case $cpu_flags in *" $f "*) ;; *) return 1 ;; esac
    done
}

# cpu_summary: model name, family and model, online CPUs, and the vector
# extensions (as /proc/cpuinfo names them) that the kernels care about.
cpu_summary() {
    v=
    for f in sse4_2 avx avx2 fma avx512f avx512dq avx512cd avx512bw \
             avx512vl avx512_vnni avx512_bf16; do
        if has_flags "$f"; then v="$v $f"; fi
    done
    echo "$(cpu_field 'model name') (family $(cpu_field 'cpu family')," \
         "model $(cpu_field model)), $(getconf _NPROCESSORS_ONLN) online CPUs;" \
         "flags:${v:- none of SSE4.2, AVX, AVX2, AVX-512}"
}

# has_avx2, has_avx512: whether the CPU has what OpenBLAS's AVX2 kernels
# (Haswell, Zen) and its AVX-512 kernels (SkylakeX) need.
has_avx2() { has_flags avx2 fma; }
has_avx512() { has_flags avx512f avx512dq avx512cd avx512bw avx512vl; }

# openblas_coretype: the OpenBLAS 0.3.21 core type (OPENBLAS_CORETYPE) for
# this CPU's flags, or nothing: OpenBLAS's own detection.  Its AVX-512
# kernels (SkylakeX; Cooperlake adds BF16) ran B3's products 1.7 to 1.8
# times as fast as its AVX2 ones (Haswell) on an AVX-512 CPU (Zen 5).
openblas_coretype() {
    if has_avx512 && has_flags avx512_bf16; then
        echo Cooperlake
    elif has_avx512; then
        echo SkylakeX
    elif has_avx2; then
        echo Haswell
    fi
}

# coretypes: the OpenBLAS core types worth trying on this CPU.
coretypes() {
    if has_avx2; then echo Haswell Zen; fi
    if has_avx512; then echo SkylakeX; fi
    if has_avx512 && has_flags avx512_bf16; then echo Cooperlake; fi
}

# --------------------------------------------------------------------------
# The peer: Debian's PyTorch on OpenBLAS.

# install_peer: python3-torch and OpenBLAS, if either is missing.  (Debian's
# OpenBLAS also becomes the system's libblas.so.3 unless one was chosen by
# hand; the bench does not rely on that, nor change it.)
install_peer() {
    m=$(missing_pkgs python3-torch "$BLAS_PKG")
    [ -n "$m" ] || return 0
    say "installing$m (Debian) for the comparison"
    install_pkgs $m
}

# pkg_dir PKG: the directory of the libblas.so.3 that Debian's PKG installs.
pkg_dir() {
    d=$(dpkg -L "$1" 2>/dev/null | grep '/libblas\.so\.3$' | head -n 1)
    echo "${d%/*}"
}

# peer_with DIR CORE THREADS ARGS...: bench/mlp.py ARGS --threads THREADS
# with PyTorch on DIR's libblas.so.3 (its directory first in
# LD_LIBRARY_PATH, for this process alone), OPENBLAS_CORETYPE=CORE (empty:
# OpenBLAS's own detection; an inherited value is not used), and THREADS
# threads in every pool it might start; under bench/runstat, whose figures
# go to $tmp/peer.run.
peer_with() {
    dir=$1 core=$2 t=$3
    shift 3
    bench/runstat "$tmp/peer.run" \
        env LD_LIBRARY_PATH="$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        OPENBLAS_CORETYPE="$core" OMP_NUM_THREADS="$t" \
        OPENBLAS_NUM_THREADS="$t" MKL_NUM_THREADS="$t" \
        "$PY" bench/mlp.py "$@" --threads "$t"
}

# peer THREADS ARGS...: bench/mlp.py as the rows run it.
peer() { peer_with "$blas_dir" "$coretype" "$@"; }

# step FILE: the GFLOP/s of a whole step in the output FILE of mlp.py blas.
step() { awk '$1 == "product" && $2 == "step" { print $6 }' "$1"; }

# probe CANDIDATE: PyTorch's B3 products on OpenBLAS with the core type
# CANDIDATE, "auto" (OpenBLAS's detection) or "reference" (the reference
# BLAS), 1 thread; kept in $tmp/blas.CANDIDATE if it ran the step faster
# than what is there (the bench probes twice, to see past other work).
probe() {
    case $1 in
    auto) dir=$blas_dir core= ;;
    reference) dir=$ref_dir core= ;;
    *) dir=$blas_dir core=$1 ;;
    esac
    [ -n "$dir" ] || return 0
    peer_with "$dir" "$core" 1 blas > "$tmp/probe"
    if [ ! -s "$tmp/blas.$1" ] ||
        awk -v a="$(step "$tmp/probe")" -v b="$(step "$tmp/blas.$1")" 'BEGIN { exit !(a > b) }'
    then
        mv "$tmp/probe" "$tmp/blas.$1"
    fi
}

# key FILE NAME: the value of the "NAME value" line of mlp.py's output FILE.
key() { awk -v k="$2" '$1 == k { sub(/^[^ ]+ /, ""); print; exit }' "$1"; }

# peer_fault FILE THREADS: why the PyTorch run whose output is FILE was not
# PyTorch at its best with THREADS threads; nothing if it was.
peer_fault() {
    core=$(key "$1" openblas_core)
    tt=$(key "$1" torch_threads)
    bt=$(key "$1" openblas_threads)
    if [ -z "$core" ]; then
        echo "mlp.py did not say which BLAS it ran on"
    elif [ "$core" = - ]; then
        echo "its sgemm_ came from $(key "$1" blas_file), not OpenBLAS" \
             "(section 1 shows the reference BLAS's speed)"
    elif [ -n "$coretype" ] && [ "$core" != "$coretype" ]; then
        echo "OpenBLAS ran its $core kernels, not $coretype"
    elif [ "$tt" != "$2" ] || [ "$bt" != "$2" ]; then
        echo "it ran torch at $tt threads and OpenBLAS at $bt, not $2"
    elif [ "$2" -gt 1 ] && ! key "$1" openblas_config | grep -q USE_OPENMP; then
        echo "its OpenBLAS had threads of its own beside torch's OpenMP" \
             "threads (two pools, oversubscribed)"
    elif awk -v w="$(key "$1" train_wait)" 'BEGIN { exit !(w != "" && w > 0.2) }'
    then
        echo "in its median epoch a thread of it waited" \
             "$(percent "$(key "$1" train_wait)")" \
             "of the time for a CPU that other work held (a starved peer)"
    fi
}

install_peer
blas_dir=$(pkg_dir "$BLAS_PKG")
ref_dir=$(pkg_dir libblas3)
coretype=${PEER_CORETYPE-$(openblas_coretype)}
if "$PY" -c 'import torch' 2>/dev/null && [ -n "$blas_dir" ]; then
    torch=1
    say "PyTorch's matrix products by OpenBLAS core type"
    for _ in 1 2; do
        for c in $(coretypes) auto reference; do
            probe "$c"
        done
    done
    chosen_blas=$tmp/blas.${coretype:-auto}
    [ -s "$chosen_blas" ] || peer 1 blas > "$chosen_blas"
    [ "$THREADS" -eq 1 ] || peer "$THREADS" blas > "$tmp/blas.threads"
    peer_status=$(peer_fault "$chosen_blas" 1)
else
    torch=
fi

tlist=1
[ "$THREADS" -eq 1 ] || tlist="1 $THREADS"

# --------------------------------------------------------------------------
echo "nnpipe benchmark, $(date '+%Y-%m-%d %H:%M:%S %Z')"
echo "CPU: $(cpu_summary)"
echo "Load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
busy=
if awk '{ exit !($1 >= 1) }' /proc/loadavg; then
    busy=1
    echo "WARNING: the machine is busy; other work slows every figure here, and"
    echo "multi-threaded PyTorch (OpenMP) far more than the rest.  Run it idle."
fi
echo "nn-train: --threads N as in each row"
if [ -n "$torch" ]; then
    f=$chosen_blas
    echo "PyTorch: $(key "$f" torch) ($PY, Debian python3-torch), CPU" \
         "capability $(key "$f" torch_capability)"
    echo "  BLAS: $(key "$f" blas_file) (its sgemm_, as mapped);" \
         "the bench gives PyTorch alone $blas_dir first in LD_LIBRARY_PATH" \
         "($BLAS_PKG $(dpkg-query -W -f='${Version}' "$BLAS_PKG"))"
    echo "  OpenBLAS kernel: $(key "$f" openblas_core); OPENBLAS_CORETYPE=${coretype:-(unset)}" \
         "$(if [ -n "${PEER_CORETYPE+x}" ]; then echo "(PEER_CORETYPE)";
            else echo "(from the CPU's flags)"; fi)"
    if [ -n "${OPENBLAS_CORETYPE:-}" ] && [ "$OPENBLAS_CORETYPE" != "$coretype" ]; then
        echo "  (OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE in the environment not used)"
    fi
    echo "  threads: torch.set_num_threads, OMP_NUM_THREADS, OPENBLAS_NUM_THREADS"
    echo "  and MKL_NUM_THREADS at each row's count; each PyTorch run reports"
    echo "  the BLAS, kernel and threads it ran with (listed below the table),"
    echo "  and a run that was not on the above gets no ratio."
    [ -z "$peer_status" ] || echo "  NOT AT ITS BEST: $peer_status: no ratios below"
else
    echo "PyTorch: NOT AVAILABLE ($PY cannot import torch, or python3-torch or" \
         "$BLAS_PKG could not be installed): no PyTorch figures below"
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
echo "%peak: of the peak at the column's threads; what keeps a product below it"
echo "is mostly its shape (a side of 10, or K = batch) and memory traffic."
echo

# blas_row LABEL FILE: a row of PyTorch's B3 products from mlp.py blas.
blas_row() {
    awk -v l="$1" -v peak="$(echo "$peak_before" | cut -d' ' -f1)" '
        $1 == "product" { g[++n] = $6 }
        END { printf "  %-30s", l
              for (i = 1; i <= n; i++) printf " %6.1f", g[i]
              printf " %8.1f%%\n", 100 * g[n] / peak }' "$2"
}
if [ -n "$torch" ]; then
    echo "PyTorch's products of a B3 step (mlp.py blas: addmm and mm as nn.Linear"
    echo "and autograd call them), GFLOP/s, 1 thread, by OpenBLAS core type, the"
    echo "better of two runs each:"
    printf "  %-30s %6s %6s %6s %6s %6s %6s %9s\n" "BLAS, core type" fwd1 dW1 fwd2 \
        dW2 dx2 step "step/peak"
    for c in $(coretypes); do
        mark=
        [ "$c" != "$coretype" ] || mark=", chosen"
        blas_row "OpenBLAS $c$mark" "$tmp/blas.$c"
    done
    blas_row "OpenBLAS auto ($(key "$tmp/blas.auto" openblas_core))" "$tmp/blas.auto"
    [ -z "$ref_dir" ] || blas_row "reference BLAS" "$tmp/blas.reference"
    [ "$THREADS" -eq 1 ] ||
        blas_row "OpenBLAS ${coretype:-auto}, $(thr "$THREADS")" "$tmp/blas.threads"
    echo "step/peak: of nn_sgemm's 1-thread peak above.  The reference BLAS is"
    echo "what Debian's python3-torch runs on unless told otherwise."
    best=$(for c in $(coretypes); do echo "$c $(step "$tmp/blas.$c")"; done |
           sort -k2 -g | tail -n 1)
    if [ -n "$best" ] &&
        awk -v b="${best#* }" -v c="$(step "$chosen_blas")" 'BEGIN { exit !(b > 1.1 * c) }'
    then
        echo "WARNING: core type ${best% *} ran the step more than 10% faster than" \
             "the chosen ${coretype:-auto}; try PEER_CORETYPE=${best% *}$(
             [ -z "$busy" ] || echo " (or rerun on an idle machine: noise)")."
    fi
    echo
fi

# --------------------------------------------------------------------------
# config NAME: the network, its options for nn-train and mlp.py (net:
# --hidden N or --net LIST, both tools' syntax).
config() {
    case $1 in
    B1) hidden=30 act=sigmoid out=sigmoid batch=10 rate=0.5 mom=0
        epochs=$EPOCHS_B1 desc="784-30-10 sigmoid, CE, b10" ;;
    B2) hidden=100 act=relu out=softmax batch=32 rate=0.05 mom=0.9
        epochs=$EPOCHS_B2 desc="784-100-10 ReLU, softmax, b32" ;;
    B3) hidden=800 act=relu out=softmax batch=128 rate=0.05 mom=0.9
        epochs=$EPOCHS_B3 desc="784-800-10 ReLU, softmax, b128" ;;
    C1) hidden= net=conv5x5:32,maxpool2,conv5x5:64,maxpool2,dense:256
        act=relu out=softmax batch=64 rate=0.05 mom=0.9
        epochs=$EPOCHS_C1 desc="$net (same padding), ReLU, softmax, b64" ;;
    C2) hidden= net=conv3x3:16,maxpool2,conv3x3:32,maxpool2
        act=relu out=softmax batch=64 rate=0.05 mom=0.9
        epochs=$EPOCHS_C2 desc="$net (same padding), ReLU, softmax, b64" ;;
    esac
    if [ -n "$hidden" ]; then
        layers="--hidden $hidden"
        # Forward 2*N*sum(in*out); backward twice that, less the first
        # layer's input gradient (2*N*784*hidden).
        flop=$(calc "$N * (6 * (784 * $hidden + $hidden * 10) - 2 * 784 * $hidden)")
        return
    fi
    layers="--net $net"
    # The products' FLOP a record, forward: each conv layer 2*H*W*Cout*K*K*Cin,
    # each dense layer 2*in*out; backward twice that, less the first conv
    # layer's input gradient.  C1: conv 1,254,400 + 20,070,400, dense
    # 1,605,632 + 5,120; C2: conv 225,792 + 1,806,336, dense 31,360.
    case $1 in
    C1) flop=$(calc "$N * (3 * (1254400 + 20070400 + 1605632 + 5120) - 1254400)") ;;
    C2) flop=$(calc "$N * (3 * (225792 + 1806336 + 31360) - 225792)") ;;
    esac
}

# row CONFIG THREADS IMPL EPOCHS S_EPOCH ACC RSS_KB CORES [RATIO]: a
# training result, kept in $tmp/rows for the table and the goals.  RATIO:
# PyTorch's s/epoch over nnpipe's, or "-" when there is none.
row() {
    echo "$1 $2 $3 $4 $5 $6 $7 $8 ${9:-}" >> "$tmp/rows"
}

# rss FILE: the peak RSS in KiB of the run bench/runstat wrote to FILE.
rss() { cut -d' ' -f2 "$1"; }

nnpipe_train() {   # CONFIG THREADS [IMPL]
    impl=${3:-nnpipe}
    say "$1 $impl, $(thr "$2"), $epochs epochs"
    sparse=on
    [ "$impl" = nnpipe ] || sparse=off
    NN_SPARSE=$sparse measure "$tmp/run" cmd/nn-train -q $layers -a "$act" --output "$out" \
        -b "$batch" -r "$rate" -m "$mom" -e "$epochs" -s 1 --threads "$2" \
        --log "$tmp/log" -o "$tmp/$1-$2.json" data/train.nnv
    s=$(awk 'NR > 1 { print $6 }' "$tmp/log" | median)
    acc=$(cmd/nn-eval "$tmp/$1-$2.json" data/test.nnv | awk '$1 == "accuracy" { print $2 / 100 }')
    [ "$impl" = nnpipe ] && nn_s=$s
    row "$1" "$2" "$impl" "$epochs" "$s" "$acc" "$(rss "$tmp/run")" "$(cores "$tmp/run")"
}

torch_train() {    # CONFIG THREADS
    if [ -z "$torch" ]; then
        row "$1" "$2" pytorch - - - - - -
        return
    fi
    say "$1 PyTorch, $(thr "$2"), $epochs epochs (at most ${TORCH_BUDGET} s)"
    if ! peer "$2" train $layers --act "$act" --output "$out" \
        --batch "$batch" --rate "$rate" --momentum "$mom" --epochs "$epochs" \
        --max-seconds "$TORCH_BUDGET" "$train_img" "$train_lab" "$test_img" \
        "$test_lab" > "$tmp/torch" 2> "$tmp/torch.err"
    then
        echo "$1, $(thr "$2"): PyTorch failed: $(tail -n 1 "$tmp/torch.err")" >> "$tmp/notes"
        row "$1" "$2" pytorch - - - - - -
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
    f=$tmp/torch
    echo "  $1, $(thr "$2"): OpenBLAS $(key "$f" openblas_core); threads: torch" \
         "$(key "$f" torch_threads) (interop $(key "$f" torch_interop_threads))," \
         "OpenBLAS $(key "$f" openblas_threads), OS $(key "$f" os_threads) at the end;" \
         "training: $(key "$f" train_cores) cores busy, a thread waited" \
         "$(percent "$(key "$f" train_wait)")" \
         "for a CPU" >> "$tmp/peers"
    fault=$(peer_fault "$f" "$2")
    if [ -n "$fault" ]; then
        echo "$1, $(thr "$2"): no ratio, PyTorch was not at its best: $fault" >> "$tmp/notes"
        ratio=-
    else
        ratio=$(calc "$s / $nn_s")
    fi
    row "$1" "$2" pytorch "$e" "$s" "$acc" "$(rss "$tmp/peer.run")" \
        "$(cores "$tmp/peer.run")" "$ratio"
}

: > "$tmp/rows"
: > "$tmp/notes"
: > "$tmp/peers"
for c in B1 B2 B3 C1 C2; do
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
echo "epochs of one run.  cores: CPU time over wall time of the whole run (data"
echo "reading included), about 1 when a run really uses one thread.  speedup:"
echo "PyTorch s/epoch / nnpipe s/epoch (above 1: nnpipe is faster); '-': no"
echo "ratio (see below).  %peak: of the GEMM peak at the row's threads, the"
echo "larger of before and after training: $(echo "$peak_before" | cut -d' ' -f1) and" \
     "$(echo "$peak_after" | cut -d' ' -f1) GFLOP/s with 1 thread"
[ "$THREADS" -eq 1 ] ||
    echo "and $(echo "$peak_before" | cut -d' ' -f2) and" \
         "$(echo "$peak_after" | cut -d' ' -f2) with $(thr "$THREADS")"
echo "B1 $(config B1; echo "$desc, rate $rate, momentum $mom")"
echo "B2 $(config B2; echo "$desc, rate $rate, momentum $mom")"
echo "B3 $(config B3; echo "$desc, rate $rate, momentum $mom")"
echo "C1 $(config C1; echo "$desc, rate $rate, momentum $mom")"
echo "C2 $(config C2; echo "$desc, rate $rate, momentum $mom")"
echo "C1, C2: FLOP per epoch = N * (3 * the forward products' FLOP - the first"
echo "conv layer's input gradient), convolutions counted as dense products over"
echo "their patches.  nnpipe skips the zero pixels in the first layer and the zero"
echo "deltas behind max-pooling and ReLU in the others' backward products (one in"
echo "17 nonzero in C1's second layer), so its GFLOP/s is an effective rate here too."
echo "SGD, shuffled each epoch, seed 1; nnpipe: nn-train's initialisation, PyTorch: the same families."
if grep -q ' pytorch 0\.' "$tmp/rows"; then
    echo "PyTorch epochs below 1: the first epoch passed TORCH_BUDGET=$TORCH_BUDGET s and"
    echo "was stopped; s/epoch is its time scaled up from the part done."
fi
printf "  %-3s %7s  %-7s %6s %8s %8s %7s %9s %10s %5s %9s\n" cfg threads \
    impl epochs s/epoch GFLOP/s %peak "test acc" "peak RSS" cores speedup
while read -r c t impl e s acc rss ncores ratio; do
    config "$c"
    if [ "$s" = - ]; then
        printf "  %-3s %7d  %-7s no figures\n" "$c" "$t" "$impl"
        continue
    fi
    peak=$peak1
    [ "$t" -eq 1 ] || peak=$peakT
    awk -v c="$c" -v t="$t" -v impl="$impl" -v e="$e" -v s="$s" -v acc="$acc" \
        -v rss="$rss" -v cores="$ncores" -v ratio="$ratio" -v flop="$flop" \
        -v peak="$peak" 'BEGIN {
        g = flop / s / 1e9
        printf "  %-3s %7d  %-7s %6s %8.3f %8.2f %6.1f%% %8.2f%% %7.0f MB %5.2f",
               c, t, impl, e, s, g, 100 * g / peak, 100 * acc, rss / 1024, cores
        if (ratio == "-")
            printf " %9s", "-"
        else if (ratio != "")
            printf " %8.2fx", ratio
        printf "\n" }'
done < "$tmp/rows"
cat "$tmp/notes"
if [ -s "$tmp/peers" ]; then
    echo "PyTorch's runs, as each reported its BLAS and threads:"
    cat "$tmp/peers"
fi
echo

# --------------------------------------------------------------------------
say "convolution products (bench/conv)"
echo "2b. The convolutions of C1 and C2 (bench/conv): each conv layer's products"
echo "through nn_sgemm at batch 64 (fwd: patches x filters, the patches packed"
echo "straight from the images; dW: the filters' gradient; dx: the patches'"
echo "gradient, then col2im), per batch, best of 5; then 'bwd 1/17', the whole"
echo "backward pass with a delta of one value in 17 nonzero, as C1's second layer"
echo "has in training, through the nonzero values alone, at the FLOP of the dense"
echo "products it stands for; %peak: of the GEMM peak at the column's threads."
echo "The first layers (one input channel) run lib/conv.c's direct kernels"
echo "instead, on inputs without zeros here, counted at the FLOP of the products."
for t in $tlist; do
    peak=$peak1
    [ "$t" -eq 1 ] || peak=$peakT
    echo "  $(thr "$t"):"
    bench/conv -t "$t" | awk -v peak="$peak" '
        NR == 1 { printf "  %s %6s\n", $0, "%peak"; next }
        { printf "  %s", $0
          if ($NF != "-") printf " %5.1f%%", 100 * $NF / peak
          printf "\n" }'
done
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
for _ in 1 2 3 4 5 6 7 8 9 10; do cat data/test.nnv; done > "$tmp/big.nnv"
cat data/test.nnv data/test.nnv > "$tmp/mid.nnv"
cmd/idx2vec "$test_img" "$test_lab" > "$tmp/test.vec"
echo "4. Prediction: nn-predict --threads $THREADS with the B2 model (784-100-10),"
echo "output to /dev/null, median of 3 runs (model loading included)"
printf "  %-44s %8s %8s %12s\n" input records seconds records/s
predict_row() {   # LABEL RECORDS CMD: median of 3 timed runs of CMD
    label=$1 n=$2
    shift 2
    median_wall 3 "$*" > "$tmp/med"
    awk -v l="$label" -v n="$n" '{ printf "  %-44s %8d %8.3f %12.0f\n", l, n, $1, n / $1 }' "$tmp/med"
    echo "$label $n $(cat "$tmp/med")" >> "$tmp/pred"
}
: > "$tmp/pred"
predict="cmd/nn-predict --threads $THREADS $model"
predict_row "binary file (read in batches of 1024)" 100000 \
    "$predict $tmp/big.nnv > /dev/null"
predict_row "binary pipe (one record at a time)" 20000 \
    "cat $tmp/mid.nnv | $predict > /dev/null"
predict_row "text file" 10000 "$predict $tmp/test.vec > /dev/null"
echo

say "model loading"
echo "Model loading: nn-predict MODEL on an empty input (reading the JSON model"
echo "and starting; no record), median of 11 runs"
printf "  %-44s %8s %8s %12s\n" model "MB" "ms" "MB/s"
load_row() {   # LABEL MODEL
    size=$(wc -c < "$2")
    median_wall 11 "cmd/nn-predict $2 /dev/null > /dev/null" > "$tmp/med"
    awk -v l="$1" -v b="$size" '{ printf "  %-44s %8.2f %8.1f %12.0f\n", l,
        b / 1e6, 1000 * $1, b / 1e6 / $1 }' "$tmp/med"
    load_mbs=$(awk -v b="$size" '{ print b / 1e6 / $1 }' "$tmp/med")
    load_ms=$(awk '{ print 1000 * $1 }' "$tmp/med")
}
load_row "B2 model (784-100-10)" "$tmp/B2-1.json"
load_row "B3 model (784-800-10)" "$tmp/B3-1.json"
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
        median_wall 11 "$*" > "$tmp/med"
        awk -v l="$label" '{ printf "  %-44s %8.1f\n", l, 1000 * $1 }' "$tmp/med"
    }
    cmd/img2vec "$PHOTO" > "$tmp/photo.vec" 2>/dev/null
    # The issue's goal is for the default model (data/model.json, made by
    # make); B2's row stays for comparison with earlier runs.
    photo_ms=
    if [ -f data/model.json ]; then
        photo_row "img2vec PHOTO | nn-predict data/model.json" \
            "cmd/img2vec '$PHOTO' | cmd/nn-predict data/model.json > /dev/null"
        photo_ms=$(awk '{ print 1000 * $1 }' "$tmp/med")
    fi
    photo_row "img2vec PHOTO | nn-predict B2-model" \
        "cmd/img2vec '$PHOTO' | cmd/nn-predict $tmp/B2-1.json > /dev/null"
    photo_row "img2vec PHOTO | nn-predict B3-model" \
        "cmd/img2vec '$PHOTO' | cmd/nn-predict $tmp/B3-1.json > /dev/null"
    photo_row "  img2vec PHOTO alone" "cmd/img2vec '$PHOTO' > /dev/null"
    photo_row "  nn-predict B2-model on its vector alone" \
        "cmd/nn-predict $tmp/B2-1.json $tmp/photo.vec > /dev/null"
    photo_row "  nn-predict B3-model on its vector alone" \
        "cmd/nn-predict $tmp/B3-1.json $tmp/photo.vec > /dev/null"
    # What any two-process pipeline costs here, before any work.
    photo_row "  start-up: img2vec --version | nn-predict ..." \
        "cmd/img2vec --version | cmd/nn-predict --version > /dev/null"
    photo_row "  start-up: /bin/true | /bin/true" "/bin/true | /bin/true"
else
    echo "img2vec | nn-predict: no photo $PHOTO (set PHOTO=FILE)"
    photo_ms=
fi
echo

# Throughput on a million records, across workers, and of photos (issue
# 20 part 6): bench/throughput.sh, which also runs alone.
sh bench/throughput.sh "$tmp/B2-1.json"

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
echo "6. Goals (issues 15 and 16), from the figures above"
goal() {   # TEXT FIGURE MET: 1 met, 0 not met, - not judged
    case $3 in 1) m=met ;; 0) m="NOT MET" ;; *) m="not judged" ;; esac
    printf "  %-50s %-30s %s\n" "$1" "$2" "$m"
}
# ratio_goal CONFIG THREADS TEST TEXT: the goal TEXT on the row's ratio r
# (PyTorch's s/epoch over nnpipe's), met when the awk expression TEST holds.
ratio_goal() {
    r=$(awk -v c="$1" -v t="$2" '$1 == c && $2 == t && $3 == "pytorch" { print $9 }' "$tmp/rows")
    if [ -z "$r" ] || [ "$r" = - ]; then
        goal "$4" "no ratio (see section 2)" -
    else
        goal "$4" "$(printf %.2fx "$r")" "$(awk -v r="$r" "BEGIN { print ($3) }")"
    fi
}
for t in $tlist; do
    ratio_goal B1 "$t" "r > 1" "B1 faster than PyTorch, $(thr "$t")"
done
for c in B2 B3; do
    for t in $tlist; do
        ratio_goal "$c" "$t" "r >= 2" "$c at least 2x PyTorch, $(thr "$t")"
    done
done
ratio_goal B3 1 "r >= 3" "B3 at least 3x PyTorch, 1 thread (the aim)"
for c in C1 C2; do
    ratio_goal "$c" 1 "r >= 1" "$c as fast as PyTorch, 1 thread (issue 16)"
    ratio_goal "$c" 1 "r >= 1.5" "$c 1.5x PyTorch, 1 thread (the target)"
    mem=$(awk -v c="$c" '$1 == c && $2 == 1 && $7 != "-" { r[$3] = $7 }
        END { if (r["nnpipe"] && r["pytorch"]) print r["nnpipe"] / r["pytorch"] }' "$tmp/rows")
    if [ -n "$mem" ]; then
        goal "$c less memory than PyTorch, 1 thread" \
            "$(printf "peak RSS %.2fx PyTorch's" "$mem")" "$(awk "BEGIN { print ($mem < 1) }")"
    else
        goal "$c less memory than PyTorch, 1 thread" "no PyTorch figure" -
    fi
done
config B3
s=$(awk '$1 == "B3" && $2 == 1 && $3 == "dense" { print $5 }' "$tmp/rows")
pct=$(calc "100 * $flop / $s / 1e9 / $peak1")
goal "B3 dense at >= 75% of the GEMM peak, 1 thread" "$(printf %.1f "$pct")%" \
    "$(awk "BEGIN { print ($pct >= 75) }")"
rate=$(awk '$1 == "binary" && $2 == "file" { print $(NF - 1) / $NF }' "$tmp/pred")
goal ">= 500,000 records/s, binary file, B2, $(thr "$THREADS")" \
    "$(printf "%.0f/s = %.2fx the goal" "$rate" "$(calc "$rate / 500000")")" \
    "$(awk "BEGIN { print ($rate >= 500000) }")"
if [ -n "$photo_ms" ]; then
    goal "img2vec | nn-predict data/model.json under 10 ms" \
        "$(printf "%.1f ms = %.2fx the limit" "$photo_ms" "$(calc "$photo_ms / 10")")" \
        "$(awk "BEGIN { print ($photo_ms < 10) }")"
else
    goal "img2vec | nn-predict data/model.json under 10 ms" \
        "no photo or no data/model.json" -
fi
goal "B3 model loads at >= 500 MB/s of JSON" \
    "$(printf "%.0f MB/s = %.2fx the goal" "$load_mbs" "$(calc "$load_mbs / 500")")" \
    "$(awk "BEGIN { print ($load_mbs >= 500) }")"
goal "B3 model (784-800-10) loads in under 20 ms" \
    "$(printf "%.1f ms = %.2fx the limit" "$load_ms" "$(calc "$load_ms / 20")")" \
    "$(awk "BEGIN { print ($load_ms < 20) }")"
if [ -n "$busy" ]; then
    echo "  (The machine was busy: a PyTorch run whose threads waited for a CPU"
    echo "  more than 20% of the time got no ratio; the others' figures still"
    echo "  carry some noise.)"
fi
echo
echo "Whole run: $(( $(date +%s) - start )) s; load average at the end:" \
     "$(cut -d' ' -f1-3 /proc/loadavg)"
