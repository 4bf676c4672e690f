/* fuzz_convert.c - libFuzzer target: nn_model_import on arbitrary bytes
 * (nnpipe's JSON, network2's JSON, ONNX, recognised from the bytes); a model
 * that reads must be written in every format that can hold it and read back
 * from that as the same format, to the same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* m in format fmt, in memory (caller frees), or NULL if fmt cannot hold m. */
static char *export_mem(const nn_model *m, int fmt, size_t *len)
{
    char *buf = NULL, why[256];
    FILE *fp = open_memstream(&buf, len);
    int err;

    if (!fp)
        return NULL;
    err = nn_model_export(m, fmt, fp, why, sizeof why);
    fclose(fp);
    if (err == NN_EINVAL && *len == 0) {    /* refused before writing */
        free(buf);
        return NULL;
    }
    if (err) {
        fprintf(stderr, "export as %s: %s\n", nn_format_name(fmt), why);
        __builtin_trap();
    }
    return buf;
}

static nn_model *import_mem(const void *buf, size_t len, int *fmt)
{
    nn_model *m = NULL;
    char why[256];
    FILE *fp = fmemopen((void *)buf, len, "rb");

    if (!fp)
        return NULL;
    if (nn_model_import(&m, fmt, fp, why, sizeof why) != NN_OK)
        m = NULL;
    fclose(fp);
    return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_model *m;
    int fmt;

    if (size == 0 || !(m = import_mem(data, size, &fmt)))
        return 0;
    for (int f = NN_FMT_NNPIPE; f <= NN_FMT_ONNX; f++) {
        size_t alen = 0, blen = 0;
        char *a = export_mem(m, f, &alen), *b = NULL;
        nn_model *m2;
        int got = -1;

        if (!a)
            continue;
        if (!(m2 = import_mem(a, alen, &got)) || got != f) {
            fprintf(stderr, "a model written as %s does not read back\n",
                    nn_format_name(f));
            __builtin_trap();
        }
        b = export_mem(m2, f, &blen);
        if (!b || blen != alen || memcmp(a, b, alen) != 0)
            __builtin_trap();
        free(a);
        free(b);
        nn_model_free(m2);
    }
    nn_model_free(m);
    return 0;
}
