#!/bin/sh
# run.sh - run one libFuzzer target for FUZZ_TIME seconds (default 60), at
# the lowest CPU priority, over its seeds (the test fixtures in tests/data,
# and fuzz/seeds/TARGET, made from them) and its grown corpus
# (fuzz/corpus/TARGET, not in git).  Prints
# the executions; exits 1 on a finding, whose input is saved as
# fuzz/build/TARGET-crash-* (or -leak-, -oom-, -timeout-).
# Usage: sh fuzz/run.sh TARGET   (from the top of the tree, after
# make fuzz-build)
set -eu
t=$1
time=${FUZZ_TIME:-60}
bin=fuzz/build/fuzz_$t
[ -x "$bin" ] || { echo "fuzz/run.sh: $bin: not built (make fuzz-build)" >&2; exit 1; }
mkdir -p "fuzz/corpus/$t"
log=fuzz/build/$t.log
dict=
[ -f "fuzz/$t.dict" ] && dict=-dict=fuzz/$t.dict
# The fixtures a target reads as they are, without copies in fuzz/seeds.
case $t in
idx|model|convert) fixtures=tests/data ;;
img) fixtures=tests/data/img ;;
*) fixtures= ;;
esac
seeds=
for d in "fuzz/seeds/$t" $fixtures; do
    [ -d "$d" ] && seeds="$seeds $d"
done
set +e
nice -n 19 "$bin" -max_total_time="$time" -timeout=25 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="fuzz/build/$t-" \
    $dict "fuzz/corpus/$t" $seeds >"$log" 2>&1
status=$?
set -e
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
echo "fuzz $t: ${runs:-?} executions in ${time} s, ${cov:-cov: ?}, corpus $(ls "fuzz/corpus/$t" | wc -l) files"
if [ "$status" -ne 0 ]; then
    echo "fuzz $t: FINDING (exit $status); log $log:" >&2
    grep -A 30 -e '^==[0-9]*==' -e 'runtime error' -e 'deadly signal' "$log" | head -n 60 >&2
    exit 1
fi
