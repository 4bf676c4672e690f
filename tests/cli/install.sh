# make install into a temporary prefix, then build examples/classify.c
# against the installed header and library with pkg-config.
make -s -C "$TOP" install PREFIX="$TMP/root" > /dev/null
tools="idx2vec img2vec vec2img nn-train nn-predict nn-eval nn-runs nn-weights nn-draw nn-convert"
for t in $tools; do
    [ -x "$TMP/root/bin/$t" ] || fail "$t not installed"
    man="$TMP/root/share/man/man1/$t.1"
    [ -f "$man" ] || fail "$t.1 not installed"
    grep -q '^\.Sh EXIT STATUS' "$man" || fail "$t.1 has no EXIT STATUS"
    grep -q '^\.Sh EXAMPLES' "$man" || fail "$t.1 has no EXAMPLES"
    # Every long option that --help lists is in the man page (mdoc: Fl \-name).
    sed 's/\\-/-/g' "$man" > man.txt
    for opt in $("$TMP/root/bin/$t" --help | grep -E '^ +(-[a-zA-Z0-9], )?--[a-z]' |
                 sed 's/^ *\(-[a-zA-Z0-9], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/'); do
        grep -qF "Fl ${opt#-}" man.txt || fail "$t.1 lacks $opt (in --help)"
    done
done
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
