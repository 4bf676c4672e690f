/* img_jpeg.c - JPEG through the TurboJPEG 2 API of libjpeg-turbo 2.1
 * (tjInitDecompress, tjDecompressHeader3, tjDecompress2, tjGetErrorStr2,
 * tjDestroy; no tj3* calls), the only file that includes turbojpeg.h.
 *
 * Baseline, progressive, arithmetic, grayscale, YCbCr and RGB JPEGs are
 * decoded straight to gray (TJPF_GRAY: the Y channel, i.e. Rec. 601 luma,
 * as nn.h specifies).  CMYK and YCCK JPEGs are decoded to CMYK and turned
 * to RGB, then to luma, here: with an Adobe APP14 marker (which every
 * CMYK JPEG from Photoshop, ImageMagick and libjpeg carries) the values are
 * stored inverted (255 = no ink), so R = C' K' / 255; without it they are
 * plain, R = (255 - C)(255 - K) / 255.
 *
 * EXIF orientation: the first APP1 "Exif" segment's IFD0 tag 0x0112, read
 * by nn_img_exif_orientation with every offset bounds-checked, and applied
 * with nn_img_orient so that phone photos come out upright.
 *
 * Damaged data: libjpeg-turbo reports damage such as a truncated file
 * ("Premature end of JPEG file") or a bad Huffman code as a warning and
 * fills the rest with gray; such a picture would be misread, so warnings
 * are errors here, except "extraneous bytes before marker", which phone
 * and camera JPEGs often carry harmlessly.  (libjpeg keeps only the first
 * warning's text: a harmless first warning hides later ones.)  Progressive
 * files with an absurd number of scans are refused (TJFLAG_LIMITSCANS). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

#include "nn_internal.h"

/* What the markers before the first scan say. */
struct markers {
    int orientation;            /* 1-8 */
    int adobe;                  /* an Adobe APP14 segment */
};

static void scan_markers(const uint8_t *b, size_t n, struct markers *m)
{
    size_t i = 2, seg, data, dlen;
    int exif = 0;
    unsigned c;

    m->orientation = 1;
    m->adobe = 0;
    while (i + 2 <= n) {
        if (b[i] != 0xFF)
            return;                     /* not a marker: libjpeg decides */
        c = b[i + 1];
        if (c == 0xFF) {                /* fill byte */
            i++;
            continue;
        }
        if (c == 0x01 || (c >= 0xD0 && c <= 0xD8)) {   /* no length */
            i += 2;
            continue;
        }
        if (c == 0xDA || c == 0xD9 || i + 4 > n)   /* scan or end */
            return;
        seg = (size_t)b[i + 2] << 8 | b[i + 3];
        if (seg < 2)
            return;
        data = i + 4;
        dlen = seg - 2;
        if (dlen > n - data)
            dlen = n - data;            /* cut short: look at what is there */
        if (c == 0xE1 && !exif && dlen >= 6 &&
            memcmp(b + data, "Exif\0", 5) == 0) {
            exif = 1;
            m->orientation = nn_img_exif_orientation(b + data + 6, dlen - 6);
        } else if (c == 0xEE && dlen >= 5 && memcmp(b + data, "Adobe", 5) == 0)
            m->adobe = 1;
        i = data + (seg - 2);
    }
}

/* TurboJPEG's message without the "tjDecompress2(): " prefix. */
static const char *tj_msg(tjhandle tj)
{
    const char *s = tjGetErrorStr2(tj), *p;

    if (!s)
        return "unknown error";
    p = strstr(s, "(): ");
    return p ? p + 4 : s;
}

/* After a call returned -1: 1 if it failed, 0 if it only warned of
 * extraneous bytes before a marker (the call then completed). */
static int tj_failed(tjhandle tj)
{
    return tjGetErrorCode(tj) != TJERR_WARNING ||
           !strstr(tj_msg(tj), "extraneous bytes before marker");
}

/* Error text for the failed call. */
static int tj_error(tjhandle tj, char *why, size_t whylen)
{
    const char *msg = tj_msg(tj);

    return nn_why(why, whylen, NN_EFORMAT, "%s%s", msg,
                  strstr(msg, "Premature end") ? " (truncated file?)" : "");
}

/* CMYK (4 bytes a pixel) to gray, n pixels. */
static void cmyk_to_gray(uint8_t *gray, const uint8_t *cmyk, size_t n,
                         int inverted)
{
    size_t i;
    unsigned c, m, y, k, r, g, b;

    for (i = 0; i < n; i++, cmyk += 4) {
        c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
        if (!inverted)
            c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
        /* now 255 = no ink */
        r = (c * k + 127) / 255;
        g = (m * k + 127) / 255;
        b = (y * k + 127) / 255;
        gray[i] = nn_img_luma8(r, g, b);
    }
}

/* The smallest of libjpeg-turbo's scales 1/8, 1/4, 1/2 that keeps the
 * longer side of a w x h picture at least min_side, else 1/1. */
static tjscalingfactor pick_scale(int w, int h, int min_side)
{
    tjscalingfactor best = { 1, 1 }, *sf;
    int n = 0, side = w > h ? w : h;

    if (min_side <= 0 || !(sf = tjGetScalingFactors(&n)))
        return best;
    for (int i = 0; i < n; i++)
        if (sf[i].num == 1 && (sf[i].denom == 2 || sf[i].denom == 4 ||
                               sf[i].denom == 8) &&
            sf[i].denom > best.denom && TJSCALED(side, sf[i]) >= min_side)
            best = sf[i];
    return best;
}

int nn_img_decode_jpeg(nn_image **out, const uint8_t *buf, size_t len,
                       long max_pixels, int min_side, char *why,
                       size_t whylen)
{
    tjscalingfactor sf;
    tjhandle tj = NULL;
    nn_image *img = NULL;
    uint8_t *cmyk = NULL;
    struct markers mk;
    int w = 0, h = 0, subsamp = 0, cs = 0, rc, err = NN_OK;
    unsigned long size = (unsigned long)len;

    *out = NULL;
    if ((size_t)size != len)
        return nn_why(why, whylen, NN_ELIMIT, "file too large");
    scan_markers(buf, len, &mk);
    tj = tjInitDecompress();
    if (!tj)
        return nn_why(why, whylen, NN_ENOMEM, "cannot start the decoder: "
                      "%s", tj_msg(NULL));
    if (tjDecompressHeader3(tj, buf, size, &w, &h, &subsamp, &cs) < 0 &&
        tj_failed(tj)) {
        err = tj_error(tj, why, whylen);
        goto fail;
    }
    if ((err = nn_img_check_size(w, h, max_pixels, why, whylen)) != NN_OK)
        goto fail;
    sf = pick_scale(w, h, min_side);
    w = TJSCALED(w, sf);
    h = TJSCALED(h, sf);
    if (nn_img_alloc(&img, w, h) != NN_OK) {
        err = NN_ENOMEM;
        goto fail;
    }
    if (cs == TJCS_CMYK || cs == TJCS_YCCK) {
        cmyk = malloc((size_t)w * (size_t)h * 4);
        if (!cmyk) {
            err = NN_ENOMEM;
            goto fail;
        }
        rc = tjDecompress2(tj, buf, size, cmyk, w, 0, h, TJPF_CMYK,
                           TJFLAG_LIMITSCANS);
    } else
        rc = tjDecompress2(tj, buf, size, img->gray, w, 0, h, TJPF_GRAY,
                           TJFLAG_LIMITSCANS);
    if (rc < 0 && tj_failed(tj)) {
        err = tj_error(tj, why, whylen);
        goto fail;
    }
    if (cmyk) {
        cmyk_to_gray(img->gray, cmyk, (size_t)w * (size_t)h, mk.adobe);
        free(cmyk);
        cmyk = NULL;
    }
    if (nn_img_orient(img, mk.orientation) != NN_OK) {
        err = NN_ENOMEM;
        goto fail;
    }
    tjDestroy(tj);
    *out = img;
    return NN_OK;

fail:
    free(cmyk);
    nn_img_free(img);
    if (tj)
        tjDestroy(tj);
    return err;
}
