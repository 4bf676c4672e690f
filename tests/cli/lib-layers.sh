# lib-layers.sh - libnn's files call each other without a circle: from the
# symbols each lib/*.o defines and uses (nm), every "uses" edge goes into
# tsort, which reports any loop.  docs/design.md draws the layers, and
# draws them as they are.
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

# docs/design.md's rows are each file's longest chain of calls down: its
# row (a line starting with a number) for every file named at a line's
# start there, against the edges' longest paths.
ls "$TOP"/lib/*.c | sed 's|.*/||; s|\.c$||' > files
awk 'NR == FNR { f[$1] = 1; next }
     { e[++n] = $1 " " $2 }
     END {
        for (k in f) row[k] = 0
        do {
            changed = 0
            for (i = 1; i <= n; i++) {
                split(e[i], a, " ")
                if (row[a[1]] < row[a[2]] + 1) { row[a[1]] = row[a[2]] + 1; changed = 1 }
            }
        } while (changed)
        for (k in row) print k, row[k]
     }' files edges | sort > rows
awk '/^```/ { inside = !inside; next }
     inside && substr($0, 4, 1) != " " {   # an entry, not its text going on
        first = 1
        if ($1 ~ /^[0-9]+$/) { r = $1; first = 2 }
        for (i = first; i <= NF && $i ~ /^[a-z_]+\.c,?$/; i++) {
            name = $i; sub(/,$/, "", name); sub(/\.c$/, "", name)
            print name, r
        }
     }' "$TOP/docs/design.md" | sort > drawn
cut -d' ' -f1 rows | sort > want
cut -d' ' -f1 drawn | sort > have
comm -23 want have > missing
[ ! -s missing ] || fail "docs/design.md does not draw: $(tr '\n' ' ' < missing)"
join rows drawn | awk '$2 != $3 { print $1 ".c: row " $3 " drawn, " $2 " by its calls" }' > wrong
[ ! -s wrong ] || fail "docs/design.md's layers: $(cat wrong)"
