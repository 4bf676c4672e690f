/* raster.c - decoded pictures: the buffer (nn_image), its size checks and
 * allocation, alpha laid over the page colour, and the eight EXIF/TIFF
 * orientations, shared by every decoder (lib/img_*.c). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

void nn_img_free(nn_image *img)
{
    if (img) {
        free(img->gray);
        free(img);
    }
}

/* v megapixels as "1200", "12.6", "1.64". */
static void mp_str(char *s, size_t n, double v)
{
    snprintf(s, n, v >= 100 ? "%.0f" : "%.3g", v);
}

int nn_img_check_size(long width, long height, long max_pixels, char *why,
                      size_t whylen)
{
    unsigned long long px;
    char a[32], b[32];

    if (width < 1 || height < 1)
        return nn_why(why, whylen, NN_EFORMAT, "image has no pixels "
                      "(%ldx%ld)", width, height);
    if (width > INT_MAX || height > INT_MAX)
        return nn_why(why, whylen, NN_ELIMIT, "image is %ldx%ld, more than "
                      "%d pixels wide or high", width, height, INT_MAX);
    px = (unsigned long long)width * (unsigned long long)height;
    if (max_pixels > 0 && px > (unsigned long long)max_pixels) {
        if (max_pixels >= 1000000) {
            mp_str(a, sizeof a, (double)px / 1e6);
            mp_str(b, sizeof b, (double)max_pixels / 1e6);
            return nn_why(why, whylen, NN_ELIMIT, "image is %ldx%ld = %s "
                          "megapixels, more than the limit of %s megapixels "
                          "(--max-pixels)", width, height, a, b);
        }
        return nn_why(why, whylen, NN_ELIMIT, "image is %ldx%ld = %llu "
                      "pixels, more than the limit of %ld pixels "
                      "(--max-pixels)", width, height, px, max_pixels);
    }
    if (px > (unsigned long long)INT_MAX || px > SIZE_MAX / 4)
        return nn_why(why, whylen, NN_ELIMIT, "image is %ldx%ld = %llu "
                      "pixels, more than %d", width, height, px, INT_MAX);
    return NN_OK;
}

int nn_img_alloc(nn_image **out, int width, int height)
{
    nn_image *img = malloc(sizeof *img);

    *out = NULL;
    if (!img)
        return NN_ENOMEM;
    img->width = width;
    img->height = height;
    img->format = NULL;
    img->orientation = 1;
    img->gray = malloc((size_t)width * (size_t)height);
    if (!img->gray) {
        free(img);
        return NN_ENOMEM;
    }
    *out = img;
    return NN_OK;
}

/* The alpha rule, documented in nn.h above nn_img_decode: opaque means
 * alpha >= 128; opaque majority -> they are the paper, page = their median;
 * opaque minority -> they are strokes, page = the opposite extreme of their
 * median; partial alpha blends linearly with the page. */
void nn_img_composite(uint8_t *gray, const uint8_t *alpha, size_t n)
{
    size_t hist[256] = { 0 };
    size_t opaque = 0, cum = 0, i;
    unsigned page = 255, med = 0, a;

    for (i = 0; i < n; i++)
        if (alpha[i] >= 128) {
            hist[gray[i]]++;
            opaque++;
        }
    if (opaque > 0) {
        while (med < 255 && (cum += hist[med]) < (opaque + 1) / 2)
            med++;
        if (opaque > n - opaque)
            page = med;                     /* paper with a transparent rim */
        else
            page = med < 128 ? 255 : 0;     /* strokes on a clear sheet */
    }
    for (i = 0; i < n; i++) {
        a = alpha[i];
        if (a < 255)
            gray[i] = (uint8_t)((a * gray[i] + (255 - a) * page + 127) / 255);
    }
}

int nn_img_orient(nn_image *img, int o)
{
    size_t w = (size_t)img->width, h = (size_t)img->height, x, y;
    const uint8_t *s = img->gray;
    uint8_t *d;

    if (o < 2 || o > 8)
        return NN_OK;
    d = malloc(w * h);
    if (!d)
        return NN_ENOMEM;
    /* d is the upright picture: W x H for 2-4, H x W for 5-8; each case
     * says which stored pixel shows at (x, y). */
    switch (o) {
    case 2:                                 /* mirrored left-right */
        for (y = 0; y < h; y++)
            for (x = 0; x < w; x++)
                d[y * w + x] = s[y * w + (w - 1 - x)];
        break;
    case 3:                                 /* upside down */
        for (y = 0; y < h; y++)
            for (x = 0; x < w; x++)
                d[y * w + x] = s[(h - 1 - y) * w + (w - 1 - x)];
        break;
    case 4:                                 /* mirrored top-bottom */
        for (y = 0; y < h; y++)
            memcpy(d + y * w, s + (h - 1 - y) * w, w);
        break;
    case 5:                                 /* transposed */
        for (y = 0; y < w; y++)
            for (x = 0; x < h; x++)
                d[y * h + x] = s[x * w + y];
        break;
    case 6:                                 /* needs 90 degrees clockwise */
        for (y = 0; y < w; y++)
            for (x = 0; x < h; x++)
                d[y * h + x] = s[(h - 1 - x) * w + y];
        break;
    case 7:                                 /* transversed */
        for (y = 0; y < w; y++)
            for (x = 0; x < h; x++)
                d[y * h + x] = s[(h - 1 - x) * w + (w - 1 - y)];
        break;
    default:                                /* 8: 90 degrees anticlockwise */
        for (y = 0; y < w; y++)
            for (x = 0; x < h; x++)
                d[y * h + x] = s[x * w + (w - 1 - y)];
        break;
    }
    free(img->gray);
    img->gray = d;
    if (o >= 5) {
        img->width = (int)h;
        img->height = (int)w;
    }
    img->orientation = o;
    return NN_OK;
}

