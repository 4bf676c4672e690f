/* pixel.c - pixel values as nnpipe codes them: code k (0..255) stands for
 * the float k / 255, exactly (nn_pixel).  The vector streams store them
 * as bytes (u8), and nn_data keeps them so; this is the one place that
 * turns codes into floats and tells whether a float is one. */
#include <string.h>

#include "nn_internal.h"

/* IEEE division is correctly rounded, at translation time as at run time:
 * the table, nn_pixel and the loop below give the same bits. */
#define PX(k) ((float)(k) / 255.0f)
#define PX4(k) PX(k), PX((k) + 1), PX((k) + 2), PX((k) + 3)
#define PX16(k) PX4(k), PX4((k) + 4), PX4((k) + 8), PX4((k) + 12)
#define PX64(k) PX16(k), PX16((k) + 16), PX16((k) + 32), PX16((k) + 48)
const float nn_pixels[256] = { PX64(0), PX64(64), PX64(128), PX64(192) };

float nn_pixel(int k)
{
    return PX(k);
}

int nn_pixel_code(float v)
{
    uint32_t a, b;
    int k;

    if (!(v >= 0.0f && v <= 1.0f))
        return -1;
    k = (int)(v * 255.0f + 0.5f);
    memcpy(&a, &nn_pixels[k], sizeof a);
    memcpy(&b, &v, sizeof b);
    return a == b ? k : -1;
}

/* Training gathers every record of every epoch through here, so the loop
 * is compiled for AVX-512 and AVX2 too: the division is correctly rounded
 * in every lane (about 1.7x faster than looking each value up in
 * nn_pixels). */
NN_CLONES
void nn_pixels_to_floats(float *restrict out, const unsigned char *restrict p,
                         size_t n)
{
    for (size_t v = 0; v < n; v++)
        out[v] = PX(p[v]);
}
