# nn-draw: options and errors, then the canvas driven inside a detached tmux
# session (send-keys, capture-pane) and the records it wrote.

expect 0 nn-draw --help
expect_out "Usage: nn-draw"
expect_out "--multi"
expect 0 nn-draw --version
expect_out "nn-draw (nnpipe) "
expect 2 nn-draw --bogus
expect_err "nn-draw: unknown option '--bogus'"
expect_err "Try 'nn-draw --help'."
expect 2 nn-draw --label x
expect_err "nn-draw: --label: 'x' is not an integer"
expect 2 nn-draw -m a.json b.json
expect_err "two models given"
expect 2 nn-draw a.json b.json
# The model is checked before the terminal is touched.
expect 1 nn-draw nosuch.json
expect_err "nn-draw: nosuch.json: No such file or directory"
expect 1 nn-draw "$DATA/tiny-model.json"
expect_err "tiny-model.json: the model takes 4 values, not a 28x28 image"
# Without a controlling terminal (setsid), a clear error.
if command -v setsid >/dev/null 2>&1; then
    expect 1 setsid -w nn-draw
    expect_err "nn-draw: /dev/tty: "
    expect_err "needs a terminal"
fi

command -v tmux >/dev/null 2>&1 || skip "tmux not found"

# A small model from the ten MNIST fixtures: enough for the panel.
idx2vec "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.vec
nn-train -q -H 16 -e 5 -s 1 -o m.json ten.vec

# A private tmux server for each run (a new one does not wait for the last
# to shut down), without the user's configuration; its socket lives in the
# scratch directory, which run.sh removes.
run=0
SOCK="$TMP/tmux-$run"
tm() {
    tmux -S "$SOCK" -f /dev/null "$@"
}
trap 'tm kill-server >/dev/null 2>&1 || :' EXIT

# start W H ARGS...: run nn-draw ARGS in a fresh W x H session, stdout to
# out.vec, stderr to err; its exit status lands in the file status.
start() {
    w=$1 h=$2
    shift 2
    run=$((run + 1))
    SOCK="$TMP/tmux-$run"
    rm -f status out.vec err
    tm new-session -d -s t -x "$w" -y "$h" -c "$TMP" \
        "nn-draw $* > out.vec 2> err; echo \$? > status; sleep 60"
}

screen() {
    tm capture-pane -p -t t
}

# wait_for COMMAND...: poll (up to 10 s) until COMMAND succeeds.
wait_for() {
    i=0
    until "$@"; do
        i=$((i + 1))
        if [ "$i" -ge 200 ]; then
            screen >&2 || :
            cat err >&2 2>/dev/null || :
            fail "timed out waiting for: $*"
        fi
        sleep 0.05
    done
}
shows() {
    screen | grep -qF -- "$1"
}
# Painted cells ("##") inside the grid, left of the panel.
cells() {
    screen | sed -n '3,30p' | cut -c 2-57 | grep -o '##' | wc -l
}
has_cells() {
    [ "$(cells)" -eq "$1" ]
}
# finish: wait for nn-draw to exit and end the session.
finish() {
    wait_for test -s status
    tm kill-server >/dev/null 2>&1 || :
}

# keys for a 7 drawn with the keyboard from the starting cursor (14, 14):
# up to row 6, left to column 8, pen down, a bar of 12 cells to the right,
# a stroke down and to the left, pen up.  35 cells; the cursor cell shows
# as [] rather than ##.
seven="$(i=0; while [ $i -lt 8 ]; do printf 'Up '; i=$((i + 1)); done
    i=0; while [ $i -lt 6 ]; do printf 'Left '; i=$((i + 1)); done
    printf 'p '
    i=0; while [ $i -lt 11 ]; do printf 'Right '; i=$((i + 1)); done
    i=0; while [ $i -lt 7 ]; do printf 'Down Down Left '; i=$((i + 1)); done
    printf 'Down Down p')"

# One digit: the grid, the painted cells, the prediction panel, then Enter
# writes one unlabelled record of 784 values with ink, and exits 0.
start 100 36 -m m.json
wait_for shows "draw a digit"
screen > blank.txt
grep -q '^+--------------------------------------------------------+' blank.txt ||
    fail "no grid on the screen"
tm send-keys -t t $seven
wait_for has_cells 34
screen > seven.txt
grep -qF "prediction: " seven.txt || fail "no prediction shown"
for c in 0 1 2 3 4 5 6 7 8 9; do
    grep -qE " $c \|[# ]{20}\| +[0-9]+\.[0-9]%\$" seven.txt ||
        fail "no bar for class $c"
done
grep -qF "the network sees:" seven.txt || fail "no preview"
[ "$(sed -n '/the network sees:/,$p' seven.txt | grep -c '[@%#]')" -gt 5 ] ||
    fail "the preview shows no ink"
tm send-keys -t t Enter
finish
[ "$(cat status)" -eq 0 ] || fail "Enter: exit status $(cat status)"
[ "$(wc -l < out.vec)" -eq 1 ] || fail "Enter: expected one record"
awk -F'\t' '$1 != "?" || split($2, v, " ") != 784 { exit 1 }
    { for (i = 1; i <= 784; i++) n += v[i] > 0.5
      if (n < 20) { print n " values above 0.5" > "/dev/stderr"; exit 1 } }' \
    out.vec || fail "Enter: not a record with ink"
mv out.vec seven.vec
expect 0 nn-predict m.json seven.vec

# The same 7 drawn in the top left corner gives nearly the same vector
# (preprocessing crops and centres it).
start 100 36
wait_for shows "draw a digit"
tm send-keys -t t Up Up Up Up Up Left Left Left Left Left Left Left $seven
wait_for has_cells 34
tm send-keys -t t Enter
finish
[ "$(cat status)" -eq 0 ] || fail "corner: exit status $(cat status)"
paste seven.vec out.vec | awk -F'\t' '{ split($2, a, " "); split($4, b, " ")
    for (i = 1; i <= 784; i++) d += (a[i] - b[i])^2
    if (d > 0.5) { print "corner and centre differ: " d; exit 1 } }'

# Enter on an empty grid writes nothing and says so; c clears; q quits with
# status 1 and writes nothing.
start 100 36 -m m.json
wait_for shows "draw a digit"
tm send-keys -t t Enter
wait_for shows "nothing drawn yet"
tm send-keys -t t Space Right Space x
wait_for has_cells 1
tm send-keys -t t c
wait_for has_cells 0
tm send-keys -t t q
finish
[ "$(cat status)" -eq 1 ] || fail "q: exit status $(cat status)"
[ ! -s out.vec ] || fail "q wrote something"
grep -qF "nn-draw: nothing written" err || fail "q: no message"

# --label and --multi: records as Enter is pressed, the grid cleared after
# each, q ends with status 0.  Binary output too.
start 100 36 --label 3 --multi m.json
wait_for shows "(label 3); 0 written"
tm send-keys -t t Space Down Space Down Space Enter
wait_for shows "(label 3); 1 written"
wait_for has_cells 0
tm send-keys -t t Up Space Left Space BSpace Left Space Enter
wait_for shows "(label 3); 2 written"
tm send-keys -t t Escape
finish
[ "$(cat status)" -eq 0 ] || fail "--multi: exit status $(cat status)"
[ "$(cut -f 1 out.vec | tr '\n' ' ')" = "3 3 " ] || fail "--multi: labels"
start 100 36 -b
wait_for shows "draw a digit"
tm send-keys -t t Space Up Space Enter
finish
[ "$(wc -c < out.vec)" -eq $((16 + 4 + 784 * 4)) ] || fail "-b: size"

# The mouse (xterm encoding, as tmux passes it on): a left-button drag
# paints the cells on its way, a right-button drag erases.  Each event waits
# for the last one's effect: a terminal sends them apart, while ncurses may
# drop a press that arrives in one piece with the motion after it.
mouse() {
    printf '\033[M%b%b%b' "$(printf '\\%03o' $((32 + $1)))" \
        "$(printf '\\%03o' $((33 + $2)))" "$(printf '\\%03o' $((33 + $3)))"
}
# cursor_at X Y: the cursor ([]) is on cell (X, Y).
cursor_at() {
    [ "$(screen | sed -n "$(($2 + 3))p" | cut -c "$((2 * $1 + 2))-$((2 * $1 + 3))")" = "[]" ]
}
start 100 36
wait_for shows "draw a digit"
# Cell (x, y) is at screen column 1 + 2x, row 2 + y: drag from (5, 6) to
# (14, 6), then erase from (5, 6) to (7, 6).
tm send-keys -t t -l "$(mouse 0 11 8)"
wait_for cursor_at 5 6
tm send-keys -t t -l "$(mouse 32 19 8)"
wait_for cursor_at 9 6
tm send-keys -t t -l "$(mouse 32 29 8)"
wait_for cursor_at 14 6
tm send-keys -t t -l "$(mouse 3 29 8)"
wait_for has_cells 9
tm send-keys -t t -l "$(mouse 2 11 8)"
wait_for cursor_at 5 6
tm send-keys -t t -l "$(mouse 34 15 8)"
wait_for cursor_at 7 6
tm send-keys -t t -l "$(mouse 3 15 8)"
wait_for has_cells 7
tm send-keys -t t q
finish

# Records are held back while standard output is the terminal, and written
# when the screen is closed.
rm -f status
run=$((run + 1))
SOCK="$TMP/tmux-$run"
tm new-session -d -s t -x 100 -y 36 -c "$TMP" \
    "nn-draw --multi --label 5; echo \$? > status; sleep 60"
wait_for shows "draw a digit"
tm send-keys -t t Space Enter
wait_for shows "1 written"
tm send-keys -t t Space Up Space Enter
wait_for shows "2 written"
tm send-keys -t t q
wait_for test -s status
[ "$(tm capture-pane -p -J -S - -t t | grep -c '^5 ')" -eq 2 ] || fail "held records not written"
tm kill-server

# A terminal too small for the grid is refused.
start 80 24
finish
[ "$(cat status)" -eq 1 ] || fail "small: exit status $(cat status)"
grep -qF "nn-draw: the terminal is 80x24; nn-draw needs at least" err ||
    fail "small: no message"
