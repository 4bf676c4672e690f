/* fuzz_model.c - libFuzzer target: nn_model_read on arbitrary bytes; a model
 * that reads must predict, write, and read back to the same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write m to memory; returns the buffer (caller frees) or NULL. */
static char *write_model(const nn_model *m, size_t *len)
{
    char *buf = NULL;
    FILE *fp = open_memstream(&buf, len);

    if (!fp)
        return NULL;
    if (nn_model_write(m, fp) != NN_OK) {
        fclose(fp);
        free(buf);
        return NULL;
    }
    fclose(fp);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256];
    nn_model *m = NULL, *m2 = NULL;
    char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    float *x = NULL, *y = NULL;
    FILE *fp;

    if (size == 0 || !(fp = fmemopen((void *)data, size, "rb")))
        return 0;
    if (nn_model_read(&m, fp, why, sizeof why) != NN_OK) {
        fclose(fp);
        return 0;
    }
    fclose(fp);

    /* Predict on one zero and one ones vector, when small enough. */
    if ((long)nn_model_n_in(m) * 2 < (1 << 20)) {
        x = calloc(2 * (size_t)nn_model_n_in(m), sizeof *x);
        y = calloc(2 * (size_t)nn_model_n_out(m), sizeof *y);
        if (x && y) {
            for (int i = 0; i < nn_model_n_in(m); i++)
                x[nn_model_n_in(m) + i] = 1;
            nn_predict(m, x, 2, y);
        }
    }

    /* Round trip: what is written reads back and writes the same bytes. */
    if ((a = write_model(m, &alen)) != NULL) {
        if (!(fp = fmemopen(a, alen, "rb")))
            goto done;
        if (nn_model_read(&m2, fp, why, sizeof why) != NN_OK) {
            fprintf(stderr, "written model does not read back: %s\n", why);
            __builtin_trap();
        }
        fclose(fp);
        b = write_model(m2, &blen);
        if (!b || blen != alen || memcmp(a, b, alen) != 0)
            __builtin_trap();
    }
done:
    free(a);
    free(b);
    free(x);
    free(y);
    nn_model_free(m);
    nn_model_free(m2);
    return 0;
}
