# lib.sh - the helpers of bench/bench.sh and bench/throughput.sh, sourced
# from the top of the source tree; they expect $tmp, a scratch directory.

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

# percent FRACTION: FRACTION as a whole percentage, e.g. 0.234 -> 23%.
percent() { awk -v f="$1" 'BEGIN { printf "%.0f%%\n", 100 * f }'; }

# measure FILE CMD...: run CMD under bench/runstat (wall seconds, peak RSS
# in KiB and CPU seconds to FILE), its stderr to FILE.err; fail with that
# stderr if it fails.
measure() {
    f=$1
    shift
    bench/runstat "$f" "$@" 2>"$f.err" || {
        tail -n 5 "$f.err" >&2
        fail "failed: $*"
    }
}

# cores FILE: CPU time over wall time of the run bench/runstat wrote to
# FILE: how many cores it kept busy on average.
cores() { awk '{ printf "%.2f\n", ($1 > 0 ? $3 / $1 : 0) }' "$1"; }

# median_wall RUNS CMD: the median wall seconds of RUNS runs of the shell
# command CMD (through sh -c, as a user's shell would run it).
median_wall() {
    mw_runs=$1
    shift
    mw_i=0
    while [ "$mw_i" -lt "$mw_runs" ]; do
        measure "$tmp/run" sh -c "$*"
        cut -d' ' -f1 "$tmp/run"
        mw_i=$((mw_i + 1))
    done | median
}

# missing_pkgs PKG...: those of the Debian packages PKG not installed.
missing_pkgs() {
    for p; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
            printf ' %s' "$p"
    done
}

# install_pkgs PKG...: install the Debian packages PKG (sudo when not root);
# a failure is left for the caller to notice.
install_pkgs() {
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
    { $sudo apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@"; } >&2 || true
}
