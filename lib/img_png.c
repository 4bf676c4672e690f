/* img_png.c - PNG through libpng's simplified API
 * (png_image_begin_read_from_memory / png_image_finish_read), which does
 * its own setjmp/longjmp error handling and cleanup, and expands palette,
 * tRNS, gray+alpha, low bit depths and 16-bit samples.
 *
 * Colour files are read as 8-bit RGB(A) and turned to gray with the shared
 * Rec. 601 luma (libpng's own colour-to-gray would use other weights);
 * gray files are read as 8-bit gray.  16-bit files without a gAMA or sRGB
 * chunk are taken as sRGB-encoded (PNG_IMAGE_FLAG_16BIT_sRGB) rather than
 * libpng's default of linear, so 0x8080 becomes 0x80 as in every viewer.
 * Files with a gAMA chunk are converted to sRGB by libpng.  Alpha is laid
 * over the implied page colour by nn_img_composite (rule in nn.h, above nn_img_decode). */
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "nn_internal.h"

/* libpng's message, with a hint when the data simply ran out. */
static int png_fail(const char *msg, char *why, size_t whylen)
{
    if (strstr(msg, "end of data") || strstr(msg, "Not enough image data")
        || strstr(msg, "unexpected end"))
        return nn_why(why, whylen, NN_EFORMAT, "%s (truncated file?)", msg);
    return nn_why(why, whylen, NN_EFORMAT, "%s", msg);
}

/* Does the chunk sequence after the signature reach an IEND chunk?  libpng
 * stops reading at the end of the image data, so a file cut after it would
 * otherwise pass as whole. */
static int has_iend(const uint8_t *buf, size_t len)
{
    size_t off = 8, n;

    while (len - off >= 12) {
        if (memcmp(buf + off + 4, "IEND", 4) == 0)
            return 1;
        n = (size_t)buf[off] << 24 | (size_t)buf[off + 1] << 16 |
            (size_t)buf[off + 2] << 8 | buf[off + 3];
        if (n > len - off - 12)
            return 0;
        off += 12 + n;
    }
    return 0;
}

int nn_img_decode_png(nn_image **out, const uint8_t *buf, size_t len,
                      long max_pixels, char *why, size_t whylen)
{
    static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
                                    '\n' };
    png_image im;
    uint8_t *pix = NULL;
    nn_image *img = NULL;
    size_t n, i;
    int color, alpha, ch, err;

    *out = NULL;
    if (len < sizeof sig)
        return nn_why(why, whylen, NN_EFORMAT, "truncated: %lu bytes",
                      (unsigned long)len);
    if (memcmp(buf, sig, sizeof sig) != 0)
        return nn_why(why, whylen, NN_EFORMAT, "damaged signature (file "
                      "transferred in text mode, or \\r\\n converted?)");
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&im, buf, len))
        return png_fail(im.message, why, whylen);   /* im freed by libpng */
    err = nn_img_check_size((long)im.width, (long)im.height, max_pixels,
                            why, whylen);
    if (err) {
        png_image_free(&im);
        return err;
    }
    color = (im.format & PNG_FORMAT_FLAG_COLOR) != 0;
    alpha = (im.format & PNG_FORMAT_FLAG_ALPHA) != 0;
    im.format = color ? (alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB)
                      : (alpha ? PNG_FORMAT_GA : PNG_FORMAT_GRAY);
    im.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
    ch = (int)PNG_IMAGE_PIXEL_CHANNELS(im.format);
    n = (size_t)im.width * im.height;   /* check_size: n * 4 fits */
    if (nn_img_alloc(&img, (int)im.width, (int)im.height) != NN_OK ||
        (ch > 1 && !(pix = malloc(n * (size_t)ch)))) {
        png_image_free(&im);
        nn_img_free(img);
        return NN_ENOMEM;
    }
    /* finish_read frees im's internals whether it succeeds or not */
    if (!png_image_finish_read(&im, NULL, ch > 1 ? pix : img->gray, 0,
                               NULL)) {
        err = png_fail(im.message, why, whylen);
        free(pix);
        nn_img_free(img);
        return err;
    }
    if (!has_iend(buf, len)) {
        free(pix);
        nn_img_free(img);
        return nn_why(why, whylen, NN_EFORMAT, "no IEND chunk at the end "
                      "(truncated file?)");
    }
    if (ch > 1) {
        /* gray from pix; alpha compacted into pix[0..n-1], which only
         * overwrites pixels already read */
        for (i = 0; i < n; i++) {
            const uint8_t *q = pix + i * (size_t)ch;
            uint8_t a = alpha ? q[ch - 1] : 255;

            img->gray[i] = color ? nn_img_luma8(q[0], q[1], q[2]) : q[0];
            pix[i] = a;
        }
        if (alpha)
            nn_img_composite(img->gray, pix, n);
        free(pix);
    }
    *out = img;
    return NN_OK;
}
