# lib-layers.sh - libnn's files call each other without a circle: from the
# symbols each lib/*.o defines and uses (nm), every "uses" edge goes into
# tsort, which reports any loop.  docs/design.md draws the layers.
objs=$(ls "$TOP"/lib/*.o 2>/dev/null) || fail "no lib/*.o: build first"
for o in $objs; do
    nm "$o" | awk -v f="$(basename "$o" .o)" '
        $2 ~ /^[TDRBi]$/ { print "D", $3, f }
        $1 == "U" { print "U", $2, f }'
done | awk '
    $1 == "D" { def[$2] = $3 }
    $1 == "U" { use[NR] = $2 " " $3 }
    END {
        for (k in use) {
            split(use[k], a, " ")
            if ((a[1] in def) && def[a[1]] != a[2])
                print a[2], def[a[1]]
        }
    }' | sort -u > edges
[ -s edges ] || fail "no calls between lib/ files found"
grep -q '^train backprop$' edges || fail "train.o does not use backprop.o?"
tsort edges > order 2> loop || fail "a circle between lib/ files: $(cat loop)"
[ ! -s loop ] || fail "a circle between lib/ files: $(cat loop)"
