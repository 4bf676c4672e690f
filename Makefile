# nnpipe: libnn and the nn tools.  See README.md.
VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib
INCDIR = $(PREFIX)/include
MANDIR = $(PREFIX)/share/man
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O3 -g

# Debian packages the build and the tests need (installed by make deps).
DEB_PKGS = pkg-config zlib1g-dev libcjson-dev libturbojpeg0-dev libpng-dev check \
	libncurses-dev tmux libcivetweb-dev libonnx-dev protobuf-c-compiler \
	libprotobuf-c-dev

NN_CFLAGS = -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -MMD -MP
NN_CPPFLAGS = -Iinclude -Ilib -D_POSIX_C_SOURCE=200809L \
	-DNN_VERSION='"$(VERSION)"'
DEP_PKGS = libcjson zlib libturbojpeg libpng libprotobuf-c
DEP_CFLAGS = $$($(PKG_CONFIG) --cflags $(DEP_PKGS))
DEP_LIBS = $$($(PKG_CONFIG) --libs $(DEP_PKGS)) -lm -lpthread

# Warnings are errors with WERROR=1, and in CI (which sets CI=true).
ifneq ($(filter 1 true,$(WERROR) $(CI)),)
NN_CFLAGS += -Werror
endif
# GCC 12 reports false "null destination pointer" format warnings under
# -fsanitize=address, hence the two -Wno- flags.
ifeq ($(SAN),1)
NN_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-Wno-format-truncation -Wno-format-overflow
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(BLAS),1)
NN_CPPFLAGS += -DNN_BLAS
DEP_PKGS += openblas
endif

# lib/gen/onnx.pb-c.c is made by protoc-c from Debian's onnx.proto.
MODEL_SRC = lib/gen/pair_model.c lib/gen/reader_model.c
LIB_SRC = $(wildcard lib/*.c) lib/gen/onnx.pb-c.c $(MODEL_SRC)
LIB_OBJ = $(LIB_SRC:.c=.o)
TOOLS = cmd/idx2vec cmd/img2vec cmd/vec2img cmd/vecinfo cmd/nn-train cmd/nn-predict cmd/nn-eval \
	cmd/nn-runs cmd/nn-weights cmd/nn-draw cmd/nn-serve cmd/nn-convert
TEST_SRC = $(wildcard tests/check_*.c)
TEST_OBJ = $(TEST_SRC:.c=.o)
# Helpers the tools share (not libnn).
CMD_OBJ = cmd/util.o cmd/files.o cmd/progress.o cmd/runs.o cmd/trainrun.o
DEPS = $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(TOOLS:=.d) \
	examples/render-digits.d examples/photoset.d examples/flagged-ones.d \
	$(SERVE_OBJ:.o=.d)

all: $(TOOLS)

%.o: %.c
	$(CC) $(NN_CPPFLAGS) $(CPPFLAGS) $(NN_CFLAGS) $(DEP_CFLAGS) $(CFLAGS) -c -o $@ $<

lib/libnn.a: $(LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $(LIB_OBJ)

$(TOOLS): %: %.o $(CMD_OBJ) lib/libnn.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $@.o $(TOOL_OBJ) $(CMD_OBJ) lib/libnn.a $(DEP_LIBS)

# ONNX (lib/model_onnx_*.c): C for onnx.proto's messages, generated with
# protoc-c; its structs have anonymous unions (C11), and generated code
# is not held to our warnings.
ONNX_PROTO = /usr/include/onnx/onnx.proto
ONNX_OBJ = lib/model_onnx_read.o lib/model_onnx_write.o
lib/gen/onnx.pb-c.c: $(ONNX_PROTO)
	@mkdir -p lib/gen
	protoc-c --proto_path=$(dir $(ONNX_PROTO)) --c_out=lib/gen $(ONNX_PROTO)
lib/gen/onnx.pb-c.h: lib/gen/onnx.pb-c.c
$(ONNX_OBJ) $(ONNX_OBJ:lib/%=fuzz/build/lib/%): lib/gen/onnx.pb-c.h
$(ONNX_OBJ) $(ONNX_OBJ:lib/%=fuzz/build/lib/%): NN_CFLAGS += -std=c11
lib/gen/onnx.pb-c.o fuzz/build/lib/gen/onnx.pb-c.o: NN_CFLAGS = -std=c11 -w -MMD -MP

# The judge and the reader of lib/pair.c: their models' text as C strings
# (lib/gen/pair_model.c holds nn_pair_json, and so on).
$(MODEL_SRC): lib/gen/%_model.c: lib/%-model.json
	@mkdir -p lib/gen
	{ echo '/* lib/$*-model.json, made by make $*-model; see lib/pair.c. */'; \
	  echo 'extern const char nn_$*_json[];'; echo 'const char nn_$*_json[] ='; \
	  sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$$/\\n"/' $<; echo ';'; } > $@.tmp && \
	mv $@.tmp $@ || { rm -f $@.tmp; exit 1; }
$(MODEL_SRC:.c=.o) $(MODEL_SRC:lib/%.c=fuzz/build/lib/%.o): NN_CFLAGS += -Wno-overlength-strings

# nn-serve: the API (cmd/serve.c), the page built into the binary
# (web/assets.c, made by our own web/embed from WEB_FILES) and civetweb,
# which has no pkg-config file in Debian 12.
WEB_FILES = web/index.html web/app.js web/style.css
SERVE_OBJ = cmd/serve.o web/assets.o
cmd/nn-serve: $(SERVE_OBJ)
cmd/nn-serve: TOOL_OBJ = $(SERVE_OBJ)
cmd/nn-serve: DEP_LIBS += -lcivetweb
web/embed: web/embed.c
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ web/embed.c
web/assets.c: web/embed $(WEB_FILES)
	web/embed $(WEB_FILES) > $@.tmp && mv $@.tmp $@ || { rm -f $@.tmp; exit 1; }
web/assets.o: NN_CPPFLAGS += -Icmd

# nn-draw alone uses ncurses.
cmd/nn-draw.o: DEP_CFLAGS += $$($(PKG_CONFIG) --cflags ncurses)
cmd/nn-draw: DEP_LIBS += $$($(PKG_CONFIG) --libs ncurses)

tests/check_nn: $(TEST_OBJ) cmd/progress.o cmd/util.o lib/libnn.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TEST_OBJ) cmd/progress.o cmd/util.o lib/libnn.a \
		$$($(PKG_CONFIG) --libs check) $(DEP_LIBS)

-include $(DEPS)

.PHONY: FORCE all deps check unit cli clean distclean install uninstall demo photos photoset \
	photoset-dev numbers numbers-dev fontset pair-model reader-model example-digits pictures fuzz fuzz-build valgrind loadtest screenshots

# Install the Debian packages the build needs, if any is missing.
deps:
	@missing=; for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	        || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    if [ "$$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi; \
	    $$sudo apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

# What make check needs beyond the build: curl and jq (the API tests),
# Chromium and its driver (the browser tests), ab (the load test), ONNX's
# checker, OpenCV and numpy (nn-convert's exports run by others' code), GNU
# parallel, ssh, sshd and rsync (tests/cli/cluster.sh), Slurm and munge
# (tests/cli/slurm.sh).
CHECK_PKGS = curl jq chromium chromium-driver apache2-utils python3-onnx \
	python3-opencv python3-numpy parallel openssh-client openssh-server rsync \
	slurm-wlm munge

check: deps
	$(MAKE) deps DEB_PKGS="$(CHECK_PKGS)"
	$(MAKE) all tests/check_nn examples/flagged-ones
	tests/check_nn
	CC="$(CC)" LDFLAGS="$(LDFLAGS)" SAN="$(SAN)" tests/cli/run.sh

# The unit tests alone, and the tool tests alone.
unit: tests/check_nn
	tests/check_nn
cli: all examples/flagged-ones
	CC="$(CC)" LDFLAGS="$(LDFLAGS)" tests/cli/run.sh

# The demo: MNIST to a trained model, its test accuracy, a few predictions.
# The default model reads photos of handwriting (issue 17) and numbers
# (issue 18): an ensemble of three convolutional networks (bench network
# C1), each trained on affine distortions (shift, rotation, scale, shear;
# nn-train's defaults), 4 epochs with a cosine schedule, on 50,000 images
# and copies of some of their 1s with a flag (data/train-flagged.nnv,
# below); the other 10,000 choose the best epoch and fit the temperature.
# They differ only in the seed (DEMO_SEEDS; one seed makes one network);
# nn-convert joins them, and the ensemble answers with the mean of their
# probabilities.  It was chosen
# on the tuning sets (make photoset-dev, make numbers-dev; docs/training.md,
# "The default model", "A 1 with a flag", "Three networks") and trains in
# about 3 minutes on 2 cores.
# DEMO_MODEL=data/model-mlp.json: the same with the earlier MLP default.
DEMO_MODEL = data/model.json
DEMO_SEEDS = 1 2 3
DEMO_TRAIN = --net conv5x5:32,maxpool2,conv5x5:64,maxpool2,dense:256 -b 64 \
	--augment affine --epochs 4 --schedule cosine --holdout 10000 \
	--test data/test.nnv --runs data/runs.jsonl

demo: deps
	$(MAKE) all $(DEMO_MODEL) data/test.nnv
	cmd/nn-eval $(DEMO_MODEL) data/test.nnv
	@echo; echo "The first five test images: predicted class, probability, true label"
	cmd/idx2vec -n 5 "$$(sh data/mnist.sh t10k-images-idx3-ubyte)" \
	    "$$(sh data/mnist.sh t10k-labels-idx1-ubyte)" | cmd/nn-predict $(DEMO_MODEL)
	@echo; echo "The example photos: file, predicted class, probability"
	cmd/img2vec examples/*.jpg | cmd/nn-predict $(DEMO_MODEL) > data/examples.out
	@ls examples/*.jpg | paste - data/examples.out
	@echo; echo "In a browser: cmd/nn-serve --data $$(dirname "$$(sh data/mnist.sh t10k-images-idx3-ubyte)") --runs data/runs.jsonl --save-dir data $(DEMO_MODEL), then open http://127.0.0.1:8080/"

# nn-serve under load on 127.0.0.1 with the demo model (tests/serve/load.sh,
# ab): p50 and p99 latency, errors, memory over three passes.
LOAD_N = 20000
LOAD_C = 16
loadtest: deps
	$(MAKE) deps DEB_PKGS="$(CHECK_PKGS)"
	$(MAKE) all data/model.json
	sh tests/serve/load.sh -n $(LOAD_N) -c $(LOAD_C) data/model.json

# The README's pictures of nn-serve's page, docs/img/serve-*.png, taken by
# the browser test (tests/cli/browser.sh) in headless Chromium.
screenshots: deps
	$(MAKE) deps DEB_PKGS="$(CHECK_PKGS)"
	$(MAKE) all
	SHOTS=$(CURDIR)/docs/img sh tests/cli/run.sh browser | tee /dev/stderr | grep -q '^ok   browser'

# Accuracy on the real photos of ../shared/data/photos (PHOTOS_DIR), with
# the demo model, beside the plain method; -v lists the misread images.
# Beside them, the project's own stress set (make photoset).
photos: deps
	$(MAKE) all $(DEMO_MODEL) data/photoset/labels.tsv
	sh data/photos.sh -v $(DEMO_MODEL)
	@echo; echo "The stress set data/photoset (make photoset), by kind:"
	PHOTOS_DIR=data/photoset sh data/photos.sh $(DEMO_MODEL)

# The stress set: MNIST test digits and our own styles drawn as ink on
# paper and photographed (examples/photoset.c), PHOTOSET_N per kind.
PHOTOSET_N = 40
photoset: data/photoset/labels.tsv
examples/photoset: examples/photoset.o lib/libnn.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $@.o lib/libnn.a $(DEP_LIBS)
data/photoset/labels.tsv: examples/photoset
	rm -rf data/photoset.tmp && mkdir -p data/photoset.tmp && \
	examples/photoset "$$(sh data/mnist.sh t10k-images-idx3-ubyte)" \
	    "$$(sh data/mnist.sh t10k-labels-idx1-ubyte)" data/photoset.tmp \
	    $(PHOTOSET_N) && rm -rf data/photoset && mv data/photoset.tmp data/photoset || \
	    { rm -rf data/photoset.tmp; exit 1; }

# The tuning set: the same kinds drawn with another seed from the last 10000
# MNIST *training* digits, the --holdout split that the demo model does not
# train on.  Choose models and options on it (make photoset-dev reads it
# with the demo model), never on data/photoset nor on the real photos.
PHOTOSET_DEV_N = 200
photoset-dev: data/photoset-dev/labels.tsv
	$(MAKE) all $(DEMO_MODEL)
	PHOTOS_DIR=data/photoset-dev sh data/photos.sh $(DEMO_MODEL)
data/photoset-dev/labels.tsv: examples/photoset
	rm -rf data/photoset-dev.tmp && mkdir -p data/photoset-dev.tmp && \
	examples/photoset -s 18 -r 50000:10000 \
	    "$$(sh data/mnist.sh train-images-idx3-ubyte)" \
	    "$$(sh data/mnist.sh train-labels-idx1-ubyte)" data/photoset-dev.tmp \
	    $(PHOTOSET_DEV_N) && rm -rf data/photoset-dev && \
	    mv data/photoset-dev.tmp data/photoset-dev || \
	    { rm -rf data/photoset-dev.tmp; exit 1; }

# The numbers set: 2 to 6 digits on one line, MNIST test digits and our
# own styles photographed as the stress set is (examples/photoset.c
# --numbers), NUMBERS_N per kind (2,400 numbers: a figure within about a
# point; 240 until 2026-12-06); read with the demo model by
# data/numbers.sh (whole numbers, digits).  Never trained or tuned on.
# data/numbers.n remembers NUMBERS_N, so that the set is made again when
# it changes.
NUMBERS_N = 200
numbers: deps
	$(MAKE) all $(DEMO_MODEL) data/numbers/labels.tsv
	sh data/numbers.sh $(DEMO_MODEL)
data/numbers.n: FORCE
	@echo $(NUMBERS_N) | cmp -s - $@ || echo $(NUMBERS_N) > $@
FORCE:
data/numbers/labels.tsv: examples/photoset data/numbers.n
	rm -rf data/numbers.tmp && mkdir -p data/numbers.tmp && \
	examples/photoset --numbers "$$(sh data/mnist.sh t10k-images-idx3-ubyte)" \
	    "$$(sh data/mnist.sh t10k-labels-idx1-ubyte)" data/numbers.tmp \
	    $(NUMBERS_N) && rm -rf data/numbers && mv data/numbers.tmp data/numbers || \
	    { rm -rf data/numbers.tmp; exit 1; }

# Numbers and digits drawn in handwriting fonts by ImageMagick as a camera
# sees them where MNIST-made sets do not go: a sheet on a darker table, a
# decimal point or comma, a number written on a line, numbers and digits
# written in a form's boxes, on squared or ruled paper, small on a large
# page; into data/fontset, and read (data/fontset.sh; docs/training.md,
# "The sheet on the table", "Numbers and digits written in boxes",
# "Squared paper", "A single digit on squared paper", "Ruled paper", "A
# digit or a number small in a large photo", "A decimal comma").  Not
# MNIST's hands:
# what is measured is what lies around the writing.
FONTSET_PKGS = imagemagick fonts-dkg-handwriting fonts-bwht fonts-sjfonts

fontset: deps
	$(MAKE) deps DEB_PKGS="$(FONTSET_PKGS)"
	$(MAKE) all $(DEMO_MODEL)
	sh data/fontset.sh $(DEMO_MODEL)

# The numbers tuning set: the same from the last 10000 MNIST *training*
# digits with another seed (1200 numbers), where segmentation rules are
# tried; never on data/numbers.
NUMBERS_DEV_N = 100
numbers-dev: deps
	$(MAKE) all $(DEMO_MODEL) data/numbers-dev/labels.tsv
	NUMBERS_DIR=data/numbers-dev sh data/numbers.sh $(DEMO_MODEL)
data/numbers-dev/labels.tsv: examples/photoset
	rm -rf data/numbers-dev.tmp && mkdir -p data/numbers-dev.tmp && \
	examples/photoset --numbers -s 1018 -r 50000:10000 \
	    "$$(sh data/mnist.sh train-images-idx3-ubyte)" \
	    "$$(sh data/mnist.sh train-labels-idx1-ubyte)" data/numbers-dev.tmp \
	    $(NUMBERS_DEV_N) && rm -rf data/numbers-dev && \
	    mv data/numbers-dev.tmp data/numbers-dev || \
	    { rm -rf data/numbers-dev.tmp; exit 1; }


# The judge of lib/pair.c (is a piece of ink one digit or two written
# touching?), made again into lib/pair-model.json, which the library
# builds in: PAIR_N pictures a half of one MNIST training digit or of two
# touching, drawn and photographed by examples/photoset --pieces from the
# first 50000 (never the last 10000, which the tuning sets draw on), in
# two halves side by side; a small network trained on all but
# PAIR_HOLDOUT of them, which measure it (nn-train's validation accuracy).
PAIR_N = 12000
PAIR_HOLDOUT = 2000
PAIR_TRAIN = --net conv3x3:16,maxpool2,conv3x3:32,maxpool2,dense:64 --classes 2 \
	--class-names one,two --epochs 10 -b 32 --schedule cosine \
	--holdout $(PAIR_HOLDOUT) --seed 1 --threads 1
pair-model: deps
	$(MAKE) all examples/photoset
	$(MAKE) -j2 data/pieces-1.nnv data/pieces-2.nnv
	cat data/pieces-1.nnv data/pieces-2.nnv | \
	    cmd/nn-train $(PAIR_TRAIN) -o lib/pair-model.json
data/pieces-%.nnv: examples/photoset
	examples/photoset --pieces -s $* -r 0:50000 \
	    "$$(sh data/mnist.sh train-images-idx3-ubyte)" \
	    "$$(sh data/mnist.sh train-labels-idx1-ubyte)" $@ $(PAIR_N)

# The reader of lib/pair.c (how surely is a piece of ink some digit? the
# cut between two overlapping digits is where both read surely), made
# again into lib/reader-model.json: a network of the judge's size trained
# as the default model is (affine distortions, cosine schedule) on MNIST's
# first 50000 training digits; the last 10000 measure it.
READER_TRAIN = --net conv3x3:16,maxpool2,conv3x3:32,maxpool2,dense:64 \
	--augment affine --epochs 4 -b 64 --schedule cosine --holdout 10000 \
	--seed 1 --threads 1
reader-model: deps
	$(MAKE) all data/train.nnv
	cmd/nn-train $(READER_TRAIN) -o lib/reader-model.json data/train.nnv

# PNG pictures of the MLP (the earlier demo model, whose first-layer
# weights are 28x28 pictures) into docs/img (examples/pictures.sh):
# learning curves, confusion matrix, first-layer weights, misclassified
# test images.  gnuplot and jq are installed as make deps does.
PIC_PKGS = gnuplot-nox jq

pictures: deps
	$(MAKE) deps DEB_PKGS="$(PIC_PKGS)"
	$(MAKE) all data/model-mlp.json data/test.vec
	sh examples/pictures.sh data/model-mlp.json data/train-mlp-log.tsv data/test.vec docs/img

# $(call mnist_vec,IDX2VEC-OPTIONS,SET): MNIST SET (train or t10k), found
# or fetched by data/mnist.sh, through idx2vec into $@; nothing is left
# behind when MNIST cannot be had.
mnist_vec = img=$$(sh data/mnist.sh $(2)-images-idx3-ubyte) && \
	lab=$$(sh data/mnist.sh $(2)-labels-idx1-ubyte) && \
	cmd/idx2vec $(1) "$$img" "$$lab" > $@.tmp && mv $@.tmp $@ || \
	{ rm -f $@.tmp; exit 1; }

data/train.nnv: | cmd/idx2vec
	$(call mnist_vec,-b,train)
data/test.nnv: | cmd/idx2vec
	$(call mnist_vec,-b,t10k)
data/test.vec: | cmd/idx2vec
	$(call mnist_vec,,t10k)
# The models are trained again when the trainer changes, so that what make
# demo and make photos show is what the code makes now.
data/member-%.json: data/train-flagged.nnv data/test.nnv cmd/nn-train
	cmd/nn-train $(DEMO_TRAIN) --seed $* --log data/train-log-$*.tsv \
	    -o $@ data/train-flagged.nnv
data/model.json: $(DEMO_SEEDS:%=data/member-%.json) cmd/nn-convert
	cmd/nn-convert --to nnpipe $(DEMO_SEEDS:%=data/member-%.json) $@

# The default model's training vectors: MNIST's 60,000, each upright 1 of
# the first 50,000 followed, one time in four, by a copy with a flag drawn
# on (the 1 written in much of Europe, which MNIST hardly holds;
# examples/flagged-ones.c); the last 10,000 stay the --holdout.
examples/flagged-ones: examples/flagged-ones.o lib/libnn.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $@.o lib/libnn.a $(DEP_LIBS)
data/train-flagged.nnv: data/train.nnv examples/flagged-ones
	examples/flagged-ones -p 0.25 -n 50000 < data/train.nnv > $@.tmp && \
	    mv $@.tmp $@ || { rm -f $@.tmp; exit 1; }

# The default before C1 (until issue 18's numbers): bench network C2 with a
# dense layer of 128, trained as the default is (17 s), for comparison:
# make numbers DEMO_MODEL=data/model-small.json, and so on.
DEMO_SMALL_TRAIN = --net conv3x3:16,maxpool2,conv3x3:32,maxpool2,dense:128 -b 64 \
	--augment affine --epochs 4 --schedule cosine --holdout 10000 --seed 1
data/model-small.json: data/train.nnv data/test.nnv cmd/nn-train
	cmd/nn-train $(DEMO_SMALL_TRAIN) -o $@ data/train.nnv

# The earlier default model, for comparison: the 784-256-10 MLP without
# distortions, early stopping with patience 4 (7 s of training), used by
# make demo DEMO_MODEL=data/model-mlp.json and make photos DEMO_MODEL=....
DEMO_MLP_TRAIN = --holdout 10000 --patience 4 --epochs 20 --seed 1 \
	--test data/test.nnv --runs data/runs.jsonl
data/model-mlp.json: data/train.nnv data/test.nnv cmd/nn-train
	cmd/nn-train $(DEMO_MLP_TRAIN) --log data/train-mlp-log.tsv -o $@ data/train.nnv

# The example photos of examples/ are committed; this draws them again.
examples/render-digits: examples/render-digits.o lib/libnn.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $@.o lib/libnn.a $(DEP_LIBS)
example-digits: examples/render-digits
	examples/render-digits examples

# Fuzzing (fuzz/README.md): libFuzzer targets built with clang, ASan and
# UBSan from the library sources into fuzz/build/, apart from the gcc
# objects.  make fuzz runs each target FUZZ_TIME seconds.
FUZZ_CC = clang
FUZZ_TIME = 60
FUZZ_TARGETS = idx vec model img prep serve convert
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_LIB_OBJ = $(LIB_SRC:lib/%.c=fuzz/build/lib/%.o)
FUZZ_BIN = $(FUZZ_TARGETS:%=fuzz/build/fuzz_%)

fuzz/build/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(NN_CPPFLAGS) $(NN_CFLAGS) $(DEP_CFLAGS) $(FUZZ_CFLAGS) \
	    -fsanitize=fuzzer-no-link -c -o $@ $<

# Loops over weights and pixels (the layers' kernels, prep.c's and
# segment.c's image work) without comparisons traced: loop bounds and pixel
# tests, which guide the fuzzer little, were three quarters of fuzz_prep's
# time (a photographed number: 4.2 s, now 1.0 s).  Their edges are still
# counted.
$(patsubst %,fuzz/build/lib/%.o,gemm conv maxpool layers first sparse prep segment): \
    FUZZ_CFLAGS += -fno-sanitize-coverage=trace-cmp

fuzz/build/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(NN_CPPFLAGS) $(DEP_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	    -o $@ $< $(FUZZ_EXTRA) $(FUZZ_LIB_OBJ) $(DEP_LIBS)

# fuzz_serve takes nn-serve's API (cmd/serve.c) and what it uses.
FUZZ_SERVE_OBJ = $(patsubst %,fuzz/build/%,cmd/serve.o cmd/trainrun.o \
	cmd/runs.o cmd/files.o cmd/util.o web/assets.o)
fuzz/build/cmd/%.o fuzz/build/web/%.o: NN_CPPFLAGS += -Icmd
fuzz/build/cmd/%.o: cmd/%.c
	@mkdir -p fuzz/build/cmd
	$(FUZZ_CC) $(NN_CPPFLAGS) $(NN_CFLAGS) $(DEP_CFLAGS) $(FUZZ_CFLAGS) \
	    -fsanitize=fuzzer-no-link -c -o $@ $<
fuzz/build/web/%.o: web/%.c
	@mkdir -p fuzz/build/web
	$(FUZZ_CC) $(NN_CPPFLAGS) $(NN_CFLAGS) $(DEP_CFLAGS) $(FUZZ_CFLAGS) \
	    -fsanitize=fuzzer-no-link -c -o $@ $<
fuzz/build/fuzz_serve: $(FUZZ_SERVE_OBJ)
fuzz/build/fuzz_serve: FUZZ_EXTRA = -Icmd $(FUZZ_SERVE_OBJ)

.SECONDARY: $(FUZZ_LIB_OBJ) $(FUZZ_SERVE_OBJ)
-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_SERVE_OBJ:.o=.d)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	for t in $(FUZZ_TARGETS); do \
	    FUZZ_TIME=$(FUZZ_TIME) sh fuzz/run.sh $$t || exit 1; \
	done

# Each tool under valgrind on a small pipeline; fails on any error or leak.
valgrind: all
	sh tests/valgrind.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(INCDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	for t in $(TOOLS); do [ ! -f $$t.1 ] || install -m 644 $$t.1 $(DESTDIR)$(MANDIR)/man1; done
	install -m 644 include/nn.h $(DESTDIR)$(INCDIR)
	install -m 644 lib/libnn.a $(DESTDIR)$(LIBDIR)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' lib/libnn.pc.in \
	    > $(DESTDIR)$(LIBDIR)/pkgconfig/libnn.pc

uninstall:
	for t in $(TOOLS); do n=$${t#cmd/}; rm -f $(DESTDIR)$(BINDIR)/$$n $(DESTDIR)$(MANDIR)/man1/$$n.1; done
	rm -f $(DESTDIR)$(INCDIR)/nn.h $(DESTDIR)$(LIBDIR)/libnn.a \
	    $(DESTDIR)$(LIBDIR)/pkgconfig/libnn.pc

# The benchmark: matrix product peak, training B1-B3 beside PyTorch (which it
# installs if missing), prediction speed; a table on stdout (bench/bench.sh).
BENCH = bench/gemm bench/runstat bench/augment bench/conv
.PHONY: bench bench-throughput bench-clean
bench: all $(BENCH) data/train.nnv data/test.nnv data/model.json
	sh bench/bench.sh
# Its section 4b alone: records/s on a million records, one process, GNU
# parallel -j2 and over ssh to 127.0.0.1; photos/s (bench/throughput.sh).
bench-throughput: all bench/runstat data/train.nnv
	sh bench/throughput.sh

$(BENCH): %: %.o cmd/util.o lib/libnn.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $@.o cmd/util.o lib/libnn.a $(DEP_LIBS)
-include $(BENCH:=.d)

clean: bench-clean
bench-clean:
	rm -f bench/*.o bench/*.d $(BENCH)

clean:
	rm -f lib/*.o lib/*.d lib/libnn.a cmd/*.o cmd/*.d $(TOOLS) \
	    web/embed web/assets.c web/*.o web/*.d lib/gen/* \
	    tests/*.o tests/*.d tests/check_nn examples/*.o examples/*.d \
	    examples/render-digits examples/photoset examples/flagged-ones
	rm -rf fuzz/build

# Also remove what make demo made (MNIST vectors and the model).
distclean: clean
	rm -f data/*.nnv data/*.vec data/*.tmp data/model.json data/member-*.json \
	    data/train-log-*.tsv \
	    data/model-mlp.json data/train-mlp-log.tsv data/model-small.json \
	    data/runs.jsonl data/examples.out
	rm -rf data/photoset data/photoset-dev data/numbers data/numbers.n data/numbers-dev \
	    data/fontset
	rm -rf data/mnist
