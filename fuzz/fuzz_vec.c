/* fuzz_vec.c - libFuzzer target: the vector stream reader (text and binary,
 * detected from the first byte) and nn_data_read.  The first input byte
 * chooses the dim hint, the rest is the stream. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int hints[] = { 0, 0, 1, 2, 3, 4, 784 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256];
    nn_vec_reader *r = NULL;
    nn_data *d = NULL;
    const float *x;
    FILE *fp;
    int hint, label, rc;

    if (size < 2)
        return 0;       /* the empty stream is a unit test */
    hint = hints[data[0] % (sizeof hints / sizeof hints[0])];
    data++;
    size--;

    /* Record by record, reading every value returned. */
    if (!(fp = fmemopen((void *)data, size, "rb")))
        return 0;
    if (nn_vec_reader_new(&r, fp, hint) == NN_OK) {
        /* What the reader returns is in range: finite values, labels
         * -1 .. NN_MAX_CLASSES - 1. */
        while ((rc = nn_vec_read(r, &x, &label, why, sizeof why)) == 1) {
            if (label < -1 || label >= NN_MAX_CLASSES)
                __builtin_trap();
            for (int i = 0; i < nn_vec_dim(r); i++)
                if (!isfinite(x[i]))
                    __builtin_trap();
        }
        /* A failed reader keeps failing. */
        if (rc < 0 && nn_vec_read(r, &x, &label, why, sizeof why) != rc)
            __builtin_trap();
    }
    nn_vec_reader_free(r);
    fclose(fp);

    /* The whole stream into memory. */
    if ((fp = fmemopen((void *)data, size, "rb"))) {
        if (nn_data_read(&d, fp, hint, why, sizeof why) == NN_OK &&
            (d->n < 1 || d->dim < 1))
            __builtin_trap();
        nn_data_free(d);
        fclose(fp);
    }
    return 0;
}
