#!/bin/sh
# run.sh - run the tool tests: each tests/cli/NAME.sh runs with the tools on
# PATH and the helpers of lib.sh; it passes when it exits 0 and, if
# NAME.ok exists, its standard output equals NAME.ok.  Exit status 77
# means skipped (a precondition such as the MNIST files is missing).
# Usage: tests/cli/run.sh [NAME...]   (from the top of the tree)
top=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$top/cmd:$PATH"
DATA="$top/tests/data"
TOP=$top
export PATH DATA TOP
pass=0 fail=0 skip=0
if [ $# -eq 0 ]; then
    set -- $(cd "$top/tests/cli" && ls *.sh | grep -v -e '^run\.sh$' -e '^lib\.sh$' | sed 's/\.sh$//')
fi
for name in "$@"; do
    TMP=$(mktemp -d) || exit 1
    export TMP
    script="$top/tests/cli/$name.sh"
    (cd "$TMP" && sh -eu -c ". '$top/tests/cli/lib.sh'; . '$script'") >"$TMP/.out" 2>"$TMP/.err"
    status=$?
    if [ "$status" -eq 77 ]; then
        echo "skip $name: $(tail -n 1 "$TMP/.err")"
        skip=$((skip + 1))
    elif [ "$status" -eq 0 ]; then
        if [ -f "$top/tests/cli/$name.ok" ] && ! diff -u "$top/tests/cli/$name.ok" "$TMP/.out" >"$TMP/.diff"; then
            echo "FAIL $name: output differs from $name.ok"
            sed 's/^/    /' "$TMP/.diff" | head -n 40
            fail=$((fail + 1))
        else
            echo "ok   $name"
            pass=$((pass + 1))
        fi
    else
        echo "FAIL $name"
        sed 's/^/    /' "$TMP/.err" | tail -n 20
        fail=$((fail + 1))
    fi
    rm -rf "$TMP"
done
echo "cli: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
