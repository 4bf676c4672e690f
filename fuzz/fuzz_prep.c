/* fuzz_prep.c - libFuzzer target: nn_prep_digit and nn_segment_digits
 * (its judge of touching digits too) on decoded images.  The first 4 bytes
 * are the width and height (1..512 each) and the options; the rest are the
 * pixels, repeated to fill the image. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256];
    nn_prep_opts o;
    static float out[NN_SEG_MAX_DIGITS * 28 * 28];
    nn_box boxes[NN_SEG_MAX_DIGITS];
    uint8_t *gray;
    int w, h, n = 0;

    if (size < 5)
        return 0;
    w = 1 + (data[0] | (data[1] & 1) << 8);
    h = 1 + (data[2] | (data[1] & 2) << 7);
    nn_prep_opts_default(&o);
    o.invert = data[3] % 3 - 1;         /* -1 decide, 0 no, 1 yes */
    o.plain = data[3] / 3 % 2;
    data += 4;
    size -= 4;
    if (!(gray = malloc((size_t)w * h)))
        return 0;
    for (size_t i = 0; i < (size_t)w * h; i++)
        gray[i] = data[i % size];
    if (nn_prep_digit(gray, w, h, &o, out, why, sizeof why) == NN_OK)
        for (int i = 0; i < 28 * 28; i++)
            if (!(out[i] >= 0 && out[i] <= 1))
                __builtin_trap();
    if (!o.plain &&
        nn_segment_digits(gray, w, h, &o, NN_SEG_MAX_PARTS, NN_SEG_MAX_DIGITS,
                          out, boxes, &n, why, sizeof why) == NN_OK)
        for (long i = 0; i < (long)n * 28 * 28; i++)
            if (!(out[i] >= 0 && out[i] <= 1))
                __builtin_trap();
    free(gray);
    return 0;
}
