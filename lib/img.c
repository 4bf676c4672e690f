/* img.c - image files to gray: the kind of file from its bytes
 * (lib/sniff.c), then the decoder for it (lib/img_jpeg.c, img_png.c,
 * img_pnm.c, img_tiff.c), or a message for a kind none decodes.  The
 * decoders share lib/raster.c; conventions above nn_img_decode in nn.h. */
#include <stdint.h>
#include <stdlib.h>

#include "nn_internal.h"

/* ------------------------------------------------------------------------ */
/* What nn_img_decode says of the kinds of file it does not decode. */

static const char *const not_decoded[] = {
    [NN_KIND_PAM] = "Netpbm PAM (P7): not supported, convert it with "
                    "pamtopnm",
    [NN_KIND_BIGTIFF] = "BigTIFF: not supported, convert it to PNG",
    [NN_KIND_GIF] = "GIF image: not supported, convert it to PNG",
    [NN_KIND_BMP] = "BMP image: not supported, convert it to PNG",
    [NN_KIND_WEBP] = "WebP image: not supported, convert it to PNG or JPEG",
    [NN_KIND_HEIC] = "phone HEIC photo: not supported, convert it to JPEG",
    [NN_KIND_AVIF] = "AVIF image: not supported, convert it to PNG or JPEG",
    [NN_KIND_VIDEO] = "a video (MP4/QuickTime), not an image: save a frame "
                      "as PNG",
    [NN_KIND_PDF] = "PDF document, not an image: export the page as PNG",
    [NN_KIND_JP2] = "JPEG 2000 image: not supported, convert it to PNG",
    [NN_KIND_JXL] = "JPEG XL image: not supported, convert it to PNG",
    [NN_KIND_PSD] = "Photoshop document (PSD): not supported, export it as "
                    "PNG",
    [NN_KIND_ICO] = "Windows icon (ICO): not supported, convert it to PNG",
    [NN_KIND_GZIP] = "gzip-compressed data: decompress it first",
    [NN_KIND_ZIP] = "ZIP archive: extract the image first",
    [NN_KIND_HTML] = "an HTML page, not an image (a web page saved instead "
                     "of the picture?)",
    [NN_KIND_SVG] = "SVG drawing (vector graphics): not supported, render "
                    "it to PNG",
    [NN_KIND_TEXT] = "a text file, not an image",
};

const char *nn_img_format_name(const uint8_t *buf, size_t len)
{
    if (!buf || len == 0)
        return NULL;
    return nn_kind_name(nn_file_kind(buf, len));
}

/* ------------------------------------------------------------------------ */

/* nn_img_decode; a JPEG scaled down as nn_img_read_scaled says. */
static int decode(nn_image **out, const uint8_t *buf, size_t len,
                  long max_pixels, int min_side, char *why, size_t whylen)
{
    char msg[512] = "";
    int err, kind;

    if (!out)
        return nn_why(why, whylen, NN_EINVAL, "no output pointer");
    *out = NULL;
    if (!buf && len > 0)
        return nn_why(why, whylen, NN_EINVAL, "no input buffer");
    if (len == 0)
        return nn_why(why, whylen, NN_EFORMAT, "empty file");
    kind = nn_file_kind(buf, len);
    switch (kind) {
    case NN_KIND_JPEG:
        err = nn_img_decode_jpeg(out, buf, len, max_pixels, min_side, msg,
                                 sizeof msg);
        break;
    case NN_KIND_PNG:
        err = nn_img_decode_png(out, buf, len, max_pixels, msg, sizeof msg);
        break;
    case NN_KIND_PBM: case NN_KIND_PGM: case NN_KIND_PPM:
        err = nn_img_decode_pnm(out, buf, len, max_pixels, msg, sizeof msg);
        break;
    case NN_KIND_TIFF:
        err = nn_img_decode_tiff(out, buf, len, max_pixels, msg, sizeof msg);
        break;
    default:
        if (kind < (int)(sizeof not_decoded / sizeof not_decoded[0]) &&
            not_decoded[kind])
            return nn_why(why, whylen, NN_EFORMAT, "%s", not_decoded[kind]);
        if (len < 4)
            return nn_why(why, whylen, NN_EFORMAT, "not an image: only %lu "
                          "byte%s", (unsigned long)len, len == 1 ? "" : "s");
        return nn_why(why, whylen, NN_EFORMAT, "not a known image format "
                      "(first bytes %02x %02x %02x %02x); supported: JPEG, "
                      "PNG, TIFF, Netpbm", buf[0], buf[1], buf[2], buf[3]);
    }
    if (err != NN_OK) {
        nn_img_free(*out);
        *out = NULL;
        return nn_why(why, whylen, err, "%s: %s", nn_kind_name(kind),
                      msg[0] ? msg : nn_strerror(err));
    }
    (*out)->format = nn_kind_name(kind);
    return NN_OK;
}

int nn_img_decode(nn_image **out, const uint8_t *buf, size_t len,
                  long max_pixels, char *why, size_t whylen)
{
    return decode(out, buf, len, max_pixels, 0, why, whylen);
}

int nn_img_read(nn_image **out, FILE *fp, long max_pixels, char *why,
                size_t whylen)
{
    return nn_img_read_scaled(out, fp, max_pixels, 0, why, whylen);
}

int nn_img_read_scaled(nn_image **out, FILE *fp, long max_pixels,
                       int min_side, char *why, size_t whylen)
{
    size_t limit = max_pixels > 0 && (unsigned long)max_pixels < (SIZE_MAX >> 4)
                 ? (size_t)max_pixels * 8 + ((size_t)1 << 20) : SIZE_MAX >> 1;
    size_t len;
    char *buf;
    int err;

    *out = NULL;
    if ((err = nn_read_all(fp, limit, "image file", &buf, &len, why, whylen)))
        return err;
    err = decode(out, (const uint8_t *)buf, len, max_pixels, min_side, why,
                 whylen);
    free(buf);
    return err;
}

