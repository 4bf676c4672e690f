# tests/serve/lib.sh - start and stop nn-serve for the tests that talk to
# it (tests/cli/nn-serve*.sh, tests/cli/browser.sh); sourced after
# tests/cli/lib.sh.  Only 127.0.0.1, on a port the kernel picks.

# serve_start ARGS...: start nn-serve --port 0 ARGS in the background; its
# stderr goes to serve.err.  Sets URL (http://127.0.0.1:PORT/) and SPID,
# once the address is printed (data loading may take some seconds).
serve_start() {
    rm -f serve.url
    nn-serve --port 0 "$@" > serve.url 2> serve.err &
    SPID=$!
    # A test that fails leaves no server behind.
    trap 'kill "$SPID" 2>/dev/null || true' EXIT
    i=0
    while [ ! -s serve.url ]; do
        kill -0 "$SPID" 2>/dev/null || { cat serve.err >&2; fail "nn-serve did not start: $*"; }
        i=$((i + 1))
        [ "$i" -lt 600 ] || fail "nn-serve printed no address in 60 s"
        sleep 0.1
    done
    URL=$(head -n 1 serve.url)
    case $URL in http://127.0.0.1:*/) ;; *) fail "nn-serve printed '$URL' ($*): $(cat serve.url serve.err)";; esac
}

# serve_stop [SIGNAL]: stop it (TERM by default) and check that it ends
# with status 0 within 30 s.
serve_stop() {
    kill "-${1:-TERM}" "$SPID"
    i=0
    while kill -0 "$SPID" 2>/dev/null; do
        i=$((i + 1))
        [ "$i" -lt 300 ] || { kill -KILL "$SPID"; fail "nn-serve did not stop in 30 s"; }
        sleep 0.1
    done
    set +e
    wait "$SPID"
    status=$?
    set -e
    [ "$status" -eq 0 ] || { cat serve.err >&2; fail "nn-serve exited $status"; }
}

# api METHOD PATH [CURL-ARGS...]: the request's body into body.json and
# its status into the variable code.
api() {
    m=$1 p=$2
    shift 2
    code=$(curl -s -o body.json -w '%{http_code}' -X "$m" "$@" "$URL${p#/}")
}

# api_expect STATUS METHOD PATH [CURL-ARGS...]: api, failing unless the
# status is STATUS; a status of 400 or more also needs {"error": TEXT}.
api_expect() {
    want=$1
    shift
    api "$@"
    [ "$code" = "$want" ] || { head -c 600 body.json >&2; fail "$1 $2: status $code, expected $want"; }
    if [ "$want" -ge 400 ]; then
        jq -e '.error | type == "string" and length > 0' body.json > /dev/null ||
            fail "$1 $2: status $code without a JSON error: $(head -c 300 body.json)"
    fi
}

# train_wait: poll GET /api/train until the run is no longer under way
# (at most 120 s); the last state is in body.json.
train_wait() {
    i=0
    while :; do
        api_expect 200 GET /api/train
        case $(jq -r .state body.json) in running|stopping) ;; *) return 0;; esac
        i=$((i + 1))
        [ "$i" -lt 1200 ] || fail "the training run did not end in 120 s"
        sleep 0.1
    done
}
