/* fuzz_idx.c - libFuzzer target: nn_idx_read over arbitrary bytes (raw or
 * gzip-compressed IDX files). */
#include <stdint.h>
#include <stdio.h>

#include "nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256];
    nn_idx *idx = NULL;
    FILE *fp;
    volatile uint8_t sum = 0;

    if (size == 0 || !(fp = fmemopen((void *)data, size, "rb")))
        return 0;
    if (nn_idx_read(&idx, fp, why, sizeof why) == NN_OK) {
        /* Touch every byte the header promised. */
        for (long i = 0; i < idx->count * idx->item_size; i++)
            sum += idx->data[i];
    }
    nn_idx_free(idx);
    fclose(fp);
    return 0;
}
