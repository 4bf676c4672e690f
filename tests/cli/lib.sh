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
