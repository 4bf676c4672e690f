# nn-serve's page in a real browser (headless Chromium through chromedriver,
# tests/serve/webdriver.sh): draw digits with pointer events and see the
# class, upload a photo and see what img2vec | nn-predict say, train from
# the page and watch the curve grow, click a confusion matrix cell.  The
# screenshots go to $SHOTS (default: the scratch directory); make
# screenshots sets it to docs/img for the README.
. "$TOP/tests/serve/lib.sh"
. "$TOP/tests/serve/webdriver.sh"
command -v curl > /dev/null && command -v jq > /dev/null ||
    skip "curl and jq needed (make check installs them)"
dir=$(mnist_dir)
shots=${SHOTS:-$PWD}
mkdir -p "$shots" saved

# A model that reads drawn digits: MNIST, two epochs.
idx2vec -b "$(mnist_file "$dir" train-images-idx3-ubyte)" \
    "$(mnist_file "$dir" train-labels-idx1-ubyte)" > train.nnv
nn-train -q -H 100 -e 3 -s 1 --holdout 10000 -o model.json train.nnv

serve_start --data "$dir" --runs runs.jsonl --save-dir saved model.json
wd_start
wd POST /url "$(jq -n --arg u "$URL" '{url: $u}')" > /dev/null
wd_wait 'return document.querySelector("#model").options.length == 1'
wd_wait 'return document.querySelectorAll("#confusion tr").length == 11'

# Draw a 1 with the mouse: a stroke down the middle, slightly slanted.
wd_stroke '#pad' mouse 5,-95 3,-60 1,-20 -1,20 -3,60 -5,95
wd_wait 'return document.querySelector("#draw-class").textContent == "1"' 10
wd_js 'return document.querySelectorAll("#draw-bars .bar").length' | grep -qx 10 ||
    fail "no bar per class"
wd_click '#clear'
wd_wait 'return document.querySelector("#draw-class").textContent == "?"'

# A 0 with a pen, round: the page must not scroll while drawing.
wd_js 'window.scrollTo(0, 0); return 0' > /dev/null
zero=$(awk 'BEGIN { for (i = 0; i <= 28; i++) { a = 6.2832 * i / 26;
        printf "%d,%d\n", 55 * sin(a), -85 * cos(a) } }')
# shellcheck disable=SC2086
wd_stroke '#pad' pen $zero
wd_wait 'return document.querySelector("#draw-class").textContent == "0"' 10
[ "$(wd_js 'return window.scrollY')" = 0 ] || fail "the page scrolled while drawing"
# The 28x28 image shown has ink: the network's input, drawn.
wd_js 'const c = document.querySelector("#draw-seen");
       const d = c.getContext("2d").getImageData(0, 0, 28, 28).data;
       let ink = 0; for (let i = 0; i < d.length; i += 4) ink += d[i] > 128;
       return ink > 20' | grep -qx true || fail "the 28x28 input shows no ink"
wd_shot "$shots/serve-draw.png" '#draw'
# Undo takes the stroke away.
wd_click '#undo'
wd_wait 'return document.querySelector("#draw-class").textContent == "?"'

# A photo: the class img2vec | nn-predict give.
want=$(img2vec "$TOP/examples/digit-3.jpg" | nn-predict model.json | cut -f 1)
wd_upload '#photo-file' "$TOP/examples/digit-3.jpg"
wd_wait "return document.querySelector('#photo-class').textContent == '$want'"
wd_wait 'return document.querySelector("#photo-img").complete &&
               document.querySelector("#photo-img").naturalWidth > 0'
wd_shot "$shots/serve-photo.png" '#photo'
# A file that is no picture: the API's error, shown.
printf 'not a picture\n' > bad.png
wd_upload '#photo-file' "$PWD/bad.png"
wd_wait 'return /text file/.test(document.querySelector("#photo-prob").textContent)'

# Training from the page: the curve grows epoch by epoch, and the model
# trained becomes the one selected.
wd_js 'const f = document.querySelector("#train-form");
       f.hidden.value = "32"; f.epochs.value = "4"; f.holdout.value = "10000";
       f.seed.value = "2"; f.augment.value = "affine"; return 0' > /dev/null
wd_click '#train-start'
# The points on the curve, as the page shows them, until the run is done:
# more than one count seen means the curve grew while training went on.
: > points
i=0
until wd_js 'return /run 1: done/.test(document.querySelector("#train-state").textContent)' |
        grep -qx true; do
    wd_js 'return document.querySelector("#curve").dataset.points' >> points
    i=$((i + 1))
    [ "$i" -lt 600 ] || fail "the run did not end in 60 s"
    sleep 0.1
done
[ "$(sort -u points | grep -cv '"0"')" -ge 2 ] ||
    fail "the curve did not grow while training: $(sort -u points | tr '\n' ' ')"
[ "$(wd_js 'return document.querySelector("#curve").dataset.points')" = '"4"' ] ||
    fail "the curve has $(wd_js 'return document.querySelector("#curve").dataset.points') points after 4 epochs"
wd_wait 'return document.querySelector("#model").options.length == 2 &&
               document.querySelector("#model").value == "1"'
wd_wait 'return document.querySelectorAll("#runs tbody tr").length == 1'
wd_wait 'return document.querySelectorAll("#confusion tr").length == 11'
wd_shot "$shots/serve-train.png" '#train'
# The same bytes as nn-train with these options.
model=$(ls saved/nn-serve-*-run1.json)
nn-train -q -H 32 -e 4 --holdout 10000 -s 2 -b 32 -l 0 --optimizer sgd \
    --schedule constant --dropout 0 -p 0 -a relu --augment affine -o cli.json train.nnv
cmp cli.json "$model" || fail "the page's model differs from nn-train's"

# Inside: a layer per box, 64 weight pictures, a confusion cell's digits.
wd_js 'return document.querySelectorAll("#network rect").length' | grep -qx 3 ||
    fail "the network is not drawn as 3 layers"
wd_wait 'return document.querySelectorAll("#weights canvas").length == 32'
wd_js 'const td = [...document.querySelectorAll("#confusion td.miss")]
           .sort((a, b) => b.textContent - a.textContent)[0];
       td.id = "cell"; return td.textContent' > cell.json
wd_click '#cell'
wd_wait "return document.querySelectorAll('#misread canvas').length == Math.min(60, $(jq -r . cell.json))"
wd_shot "$shots/serve-inside.png" '#inside'
wd_js 'return document.querySelector("#error").hidden' | grep -qx true ||
    fail "the page shows an error: $(wd_js 'return document.querySelector("#error").textContent')"
# The whole page, with a photo and a drawing, on the model just trained.
wd_upload '#photo-file' "$TOP/examples/digit-3.jpg"
wd_wait 'return document.querySelector("#photo-bars").children.length == 30'
# shellcheck disable=SC2086
wd_stroke '#pad' mouse $zero
wd_wait 'return document.querySelector("#draw-bars").children.length == 30'
wd_js 'window.scrollTo(0, 0); return 0' > /dev/null
wd_shot "$shots/serve-page.png"
wd_stop
