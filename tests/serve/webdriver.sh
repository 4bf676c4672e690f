# tests/serve/webdriver.sh - a WebDriver client in sh, curl and jq, over
# chromedriver's W3C HTTP API, driving Debian's headless Chromium; sourced
# after tests/cli/lib.sh.  Only 127.0.0.1; the browser starts with a fresh
# profile and no network of its own.

WD_ELEMENT=element-6066-11e4-a52e-4f735466cecf

# wd_start: start chromedriver on a free port and open a session (WD, SID).
wd_start() {
    command -v chromedriver > /dev/null && command -v chromium > /dev/null ||
        skip "chromium and chromium-driver needed (make check installs them)"
    port=$((20000 + $$ % 20000))
    for try in 1 2 3 4 5; do
        chromedriver --port="$port" > chromedriver.log 2>&1 &
        WDPID=$!
        # A test that fails leaves neither chromedriver nor nn-serve.
        trap 'kill "$WDPID" ${SPID:+"$SPID"} 2>/dev/null || true' EXIT
        WD=http://127.0.0.1:$port
        i=0
        while [ "$i" -lt 100 ]; do
            if curl -s "$WD/status" 2>/dev/null | jq -e .value.ready > /dev/null 2>&1; then
                break 2
            fi
            kill -0 "$WDPID" 2>/dev/null || break
            i=$((i + 1))
            sleep 0.1
        done
        kill "$WDPID" 2>/dev/null || true
        port=$((port + 1))
    done
    [ "$try" -lt 5 ] || [ "$i" -lt 100 ] || fail "chromedriver did not start: $(cat chromedriver.log)"
    mkdir -p profile
    caps=$(jq -n --arg dir "$PWD/profile" '{capabilities: {alwaysMatch: {
        browserName: "chrome", "goog:chromeOptions": {
            binary: "/usr/bin/chromium",
            args: ["--headless", "--no-sandbox", "--disable-gpu",
                   "--no-first-run", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync",
                   "--disable-dev-shm-usage", "--window-size=1300,2000",
                   ("--user-data-dir=" + $dir)]}}}}')
    SID=$(curl -s -X POST -H 'Content-Type: application/json' -d "$caps" \
        "$WD/session" | jq -r '.value.sessionId // empty')
    [ -n "$SID" ] || fail "no WebDriver session: $(tail -n 20 chromedriver.log)"
}

# wd_stop: end the session and chromedriver.
wd_stop() {
    curl -s -X DELETE "$WD/session/$SID" > /dev/null || true
    kill "$WDPID" 2>/dev/null || true
    wait "$WDPID" 2>/dev/null || true
}

# wd METHOD PATH [JSON]: a session command; prints .value, fails on an
# error.
wd() {
    if [ $# -ge 3 ]; then
        curl -s -X "$1" -H 'Content-Type: application/json' -d "$3" "$WD/session/$SID$2" > wd.json
    else
        curl -s -X "$1" "$WD/session/$SID$2" > wd.json
    fi
    if jq -e '.value | type == "object" and has("error")' wd.json > /dev/null 2>&1; then
        fail "WebDriver $1 $2: $(jq -r '.value.error + ": " + .value.message' wd.json | head -c 500)"
    fi
    jq -c .value wd.json
}

# wd_js SCRIPT [ARGS-JSON]: run SCRIPT (a function body) in the page; prints
# its return value as JSON.
wd_js() {
    wd POST /execute/sync "$(jq -n --arg s "$1" --argjson a "${2:-[]}" '{script: $s, args: $a}')"
}

# wd_wait SCRIPT [SECONDS]: until SCRIPT returns true (at most 30 s).
wd_wait() {
    i=0
    while [ "$(wd_js "$1")" != true ]; do
        i=$((i + 1))
        [ "$i" -lt $((${2:-30} * 10)) ] || fail "page: waited in vain for: $1"
        sleep 0.1
    done
}

# wd_find CSS: the element's id.
wd_find() {
    wd POST /element "$(jq -n --arg c "$1" '{using: "css selector", value: $c}')" |
        jq -r ".\"$WD_ELEMENT\""
}

wd_click() {
    wd POST "/element/$(wd_find "$1")/click" '{}' > /dev/null
}

# wd_stroke CSS TYPE X,Y ...: one stroke of a pointer of TYPE (mouse, pen,
# touch) through the points, offsets from the element's centre.
wd_stroke() {
    el=$(wd_find "$1")
    type=$2
    shift 2
    acts=$(for p in "$@"; do echo "$p"; done | jq -R -s --arg el "$el" --arg k "$WD_ELEMENT" '
        split("\n") | map(select(length > 0) | split(",") | map(tonumber)) as $pts |
        [{type: "pointerMove", duration: 0, origin: {($k): $el},
          x: $pts[0][0], y: $pts[0][1]}, {type: "pointerDown", button: 0}] +
        [$pts[1:][] | {type: "pointerMove", duration: 20, origin: {($k): $el},
                       x: .[0], y: .[1]}] +
        [{type: "pointerUp", button: 0}]')
    wd POST /actions "$(jq -n --arg t "$type" --argjson a "$acts" \
        '{actions: [{type: "pointer", id: ("p-" + $t), parameters: {pointerType: $t},
                     actions: $a}]}')" > /dev/null
    wd DELETE /actions > /dev/null
}

# wd_upload CSS FILE: give FILE to the <input type=file>.
wd_upload() {
    wd POST "/element/$(wd_find "$1")/value" "$(jq -n --arg f "$2" '{text: $f}')" > /dev/null
}

# wd_shot FILE [CSS]: a PNG of the window, or of one element.
wd_shot() {
    if [ $# -ge 2 ]; then
        wd GET "/element/$(wd_find "$2")/screenshot"
    else
        wd GET /screenshot
    fi | jq -r . | base64 -d > "$1"
    [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "$1: not a PNG"
}
