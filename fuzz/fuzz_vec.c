/* fuzz_vec.c - libFuzzer target: the vector stream reader (text and binary,
 * detected from the first byte) and nn_data_read.  The first input byte
 * chooses the dim hint, the rest is the stream. */
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
    volatile float sum = 0;

    if (size < 1)
        return 0;
    hint = hints[data[0] % (sizeof hints / sizeof hints[0])];
    data++;
    size--;

    /* Record by record, reading every value returned. */
    if (!(fp = fmemopen((void *)data, size ? size : 1, "rb")))
        return 0;
    if (size == 0)
        fgetc(fp);      /* fmemopen cannot open 0 bytes: consume the 1 */
    if (nn_vec_reader_new(&r, fp, hint) == NN_OK) {
        while ((rc = nn_vec_read(r, &x, &label, why, sizeof why)) == 1)
            for (int i = 0; i < nn_vec_dim(r); i++)
                sum += x[i];
        /* A failed reader keeps failing. */
        if (rc < 0 && nn_vec_read(r, &x, &label, why, sizeof why) != rc)
            __builtin_trap();
    }
    nn_vec_reader_free(r);
    fclose(fp);

    /* The whole stream into memory. */
    if (size > 0 && (fp = fmemopen((void *)data, size, "rb"))) {
        if (nn_data_read(&d, fp, hint, why, sizeof why) == NN_OK &&
            (d->n < 1 || d->dim < 1))
            __builtin_trap();
        nn_data_free(d);
        fclose(fp);
    }
    return 0;
}
