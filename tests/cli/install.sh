# make install into a temporary prefix, then build examples/classify.c
# against the installed header and library with pkg-config.
make -s -C "$TOP" install PREFIX="$TMP/root" > /dev/null
for t in idx2vec nn-train nn-predict nn-eval; do
    [ -x "$TMP/root/bin/$t" ] || fail "$t not installed"
done
[ -f "$TMP/root/share/man/man1/nn-train.1" ] || fail "man page not installed"
PKG_CONFIG_PATH="$TMP/root/lib/pkgconfig"
export PKG_CONFIG_PATH
# CC and LDFLAGS come from make (e.g. the sanitizer flags of make SAN=1).
${CC:-cc} ${LDFLAGS:-} -o classify "$TOP/examples/classify.c" $(pkg-config --cflags --libs libnn)
"$TMP/root/bin/idx2vec" "$DATA/mnist10-images-idx3-ubyte.gz" "$DATA/mnist10-labels-idx1-ubyte.gz" > ten.vec
"$TMP/root/bin/nn-train" -q -H 8 -e 5 -o m.json ten.vec
./classify m.json < ten.vec > classes
"$TMP/root/bin/nn-predict" m.json ten.vec | cut -f 1 | cmp - classes
make -s -C "$TOP" uninstall PREFIX="$TMP/root" > /dev/null
[ ! -e "$TMP/root/bin/nn-train" ] || fail "uninstall left nn-train"
