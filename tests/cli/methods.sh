# nn-train's optimizers, schedules, dropout, max-norm and augmentation:
# usage errors, what the model records, reproducibility.
idx2vec -b "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.nnv

# Options of a method that is not selected, and bad values.
expect 2 nn-train --beta2 0.99 -o m.json ten.nnv
expect_err "--beta2 applies to --optimizer adam"
expect 2 nn-train --step-epochs 5 -o m.json ten.nnv
expect_err "--step-epochs applies to --schedule step"
expect 2 nn-train --plateau 3 --schedule cosine -o m.json ten.nnv
expect_err "--plateau applies to --schedule plateau"
expect 2 nn-train --schedule plateau -o m.json ten.nnv
expect_err "--schedule plateau needs --validation or --holdout"
expect 2 nn-train --rotate 5 -o m.json ten.nnv
expect_err "--rotate applies to --augment affine"
expect 2 nn-train --augment affine --elastic-sigma 3 -o m.json ten.nnv
expect_err "--elastic-sigma applies to --augment elastic"
expect 2 nn-train --augment blur -o m.json ten.nnv
expect_err "--augment: unknown value 'blur'"
expect 2 nn-train --optimizer rmsprop -o m.json ten.nnv
expect_err "--optimizer: unknown value 'rmsprop'"
expect 2 nn-train --dropout 1 -o m.json ten.nnv
expect_err "--dropout: 1 is out of range"
[ ! -e m.json ] || fail "a usage error left m.json"

# Augmentation needs images: 5 values per record are not one.
printf '0\t0.1 0.2 0.3 0.4 0.5\n1\t0.5 0.4 0.3 0.2 0.1\n' > five.vec
expect 1 nn-train -q --augment affine -o m.json five.vec
expect_err "augmentation needs images"
[ ! -e m.json ] || fail "a failed run left m.json"

# Everything at once: the model records each method, the log each rate.
all="-H 16,8 --optimizer adam --beta2 0.99 --schedule step --step-epochs 2
     --step-factor 0.25 --dropout 0.3 --input-dropout 0.1 --max-norm 3
     --augment affine,elastic --rotate 12 --elastic-alpha 20 -e 3 -s 4"
expect 0 nn-train -q $all --log log.tsv -o a.json ten.nnv
for field in '"optimizer": "adam"' '"beta2": 0.99' '"schedule": "step"' \
    '"step_epochs": 2' '"step_factor": 0.25' '"dropout": 0.3' \
    '"input_dropout": 0.1' '"max_norm": 3' '"kinds": "affine,elastic"' \
    '"rotate": 12' '"alpha": 20' '"sigma": 4' '"shift": 2' \
    '"final_rate": 0.00025'; do
    grep -qF "$field" a.json || fail "a.json lacks $field"
done
[ "$(cut -f 7 log.tsv | tr '\n' ' ')" = "rate 0.001 0.001 0.00025 " ] ||
    fail "rates in the log: $(cut -f 7 log.tsv | tr '\n' ' ')"

# The same seed gives the same model, whatever the threads; another seed
# draws other masks and distortions.
expect 0 nn-train -q $all --threads 2 -o b.json ten.nnv
cmp a.json b.json
expect 0 nn-train -q $all -s 5 -o c.json ten.nnv
if cmp -s a.json c.json; then fail "seeds 4 and 5 gave the same model"; fi

# The epoch line shows the rate when it changes; nn-predict reads the model.
expect 0 nn-train --no-progress -H 8 --schedule cosine -e 2 -o d.json ten.nnv
expect_err "epoch 2/2: loss "
expect_err "; rate 0.025;"
expect 0 nn-predict a.json ten.nnv
[ "$(wc -l < "$TMP/out")" -eq 10 ] || fail "nn-predict: $(wc -l < "$TMP/out") lines"

# The run log records the methods.
expect 0 nn-train -q -H 8 -e 1 --dropout 0.5 --augment elastic --runs runs.jsonl -o e.json ten.nnv
grep -qF '"dropout":0.5' runs.jsonl || fail "runs.jsonl: $(cat runs.jsonl)"
grep -qF '"augment":"elastic"' runs.jsonl || fail "runs.jsonl: $(cat runs.jsonl)"
