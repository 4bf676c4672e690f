# lib.sh - helpers for tests/cli/*.sh (sourced by run.sh; sh -eu).
# The current directory is a fresh scratch directory ($TMP); $DATA holds the
# fixtures; the tools are on PATH.

fail() {
    echo "$*" >&2
    exit 1
}

# expect STATUS CMD...: run CMD (stdout to $TMP/out, stderr to $TMP/err) and
# fail unless it exits with STATUS.
expect() {
    want=$1
    shift
    set +e
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    set -e
    [ "$got" -eq "$want" ] || {
        cat "$TMP/err" >&2
        fail "expected exit $want, got $got: $*"
    }
}

# expect_err TEXT: the last expect's stderr contains TEXT (fixed string).
expect_err() {
    grep -qF -- "$1" "$TMP/err" || {
        cat "$TMP/err" >&2
        fail "stderr lacks '$1'"
    }
}

# expect_out TEXT: the last expect's stdout contains TEXT (fixed string).
expect_out() {
    grep -qF -- "$1" "$TMP/out" || {
        head -c 2000 "$TMP/out" >&2
        fail "stdout lacks '$1'"
    }
}

# skip REASON: mark the test skipped (run.sh counts exit status 77).
skip() {
    echo "$*" >&2
    exit 77
}

# mnist_dir: print the directory holding the MNIST files, as make demo
# looks for them ($MNIST_DIR, data/mnist, ../shared/data/mnist), or skip.
mnist_dir() {
    for d in ${MNIST_DIR:+"$MNIST_DIR"} "$TOP/data/mnist" "$TOP/../shared/data/mnist"; do
        if [ -f "$d/train-images-idx3-ubyte.gz" ] || [ -f "$d/train-images-idx3-ubyte" ]; then
            echo "$d"
            return 0
        fi
    done
    skip "MNIST not found (set MNIST_DIR)"
}

# mnist_file DIR NAME: the gzipped or raw file NAME in DIR.
mnist_file() {
    if [ -f "$1/$2.gz" ]; then echo "$1/$2.gz"; else echo "$1/$2"; fi
}

# rows_tested DOC: every row id of the tables of DOC (docs/NAME.md; an id
# is a capital letter and a number, first in a row) was written to the
# file ids by a test, and every id in ids is a row of DOC.
rows_tested() {
    [ -f "$TOP/$1" ] || fail "$1 is missing"
    for id in $(sort -u ids); do
        grep -q "^| $id |" "$TOP/$1" || fail "test $id has no row in $1"
    done
    for id in $(sed -n 's/^| \([A-Z][0-9]*\) |.*/\1/p' "$TOP/$1"); do
        grep -qx "$id" ids || fail "$1 row $id has no test"
    done
}
