# A short load test of nn-serve (tests/serve/load.sh, which make loadtest
# runs longer): 1000 predictions of a drawing and of a photo from 8
# clients at once, three times, without an error and without memory growing
# pass after pass.
command -v ab > /dev/null || skip "ab needed (make check installs apache2-utils)"
idx2vec "$DATA/mnist10-images-idx3-ubyte" "$DATA/mnist10-labels-idx1-ubyte" |
    nn-train -q -H 16 -e 5 -o m.json
# Under AddressSanitizer (make SAN=1 check) freed memory waits in its
# quarantine, so RSS says nothing about leaks: the errors still count.
if [ "${SAN:-}" = 1 ]; then export RSS_CHECK=0; fi
sh "$TOP/tests/serve/load.sh" -n 1000 -c 8 m.json >&2
