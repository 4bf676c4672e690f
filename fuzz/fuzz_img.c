/* fuzz_img.c - libFuzzer target: nn_img_decode (JPEG, PNG, Netpbm, TIFF,
 * recognised from the bytes), with a pixel limit as img2vec has one. */
#include <stdint.h>
#include <stdio.h>

#include "nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256];
    nn_image *img = NULL;
    volatile uint8_t sum = 0;

    if (nn_img_decode(&img, data, size, 1L << 22, why, sizeof why) == NN_OK) {
        if (img->width < 1 || img->height < 1 ||
            (long)img->width * img->height > (1L << 22))
            __builtin_trap();
        for (long i = 0; i < (long)img->width * img->height; i++)
            sum += img->gray[i];
    }
    nn_img_free(img);
    return 0;
}
