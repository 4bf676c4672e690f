/* img_pnm.c - Netpbm images: PBM (P1 plain, P4 raw), PGM (P2, P5) and PPM
 * (P3, P6), maxval 1..65535 (samples above 255 are two bytes, big-endian,
 * in the raw formats), as specified on netpbm.sourceforge.net.
 *
 * Header: magic, width, height and (except PBM) maxval, separated by
 * whitespace (space, \t, \n, \v, \f, \r) and '#' comments running to the
 * end of the line; raw formats then have exactly one whitespace byte before
 * the raster.  Plain rasters are decimal samples separated by whitespace
 * (comments are tolerated there too); P1 digits need no separator.  In PBM
 * 1 is black.  Only the first image of a multi-image file is read.
 *
 * Every header value is range-checked before use, the pixel limit is
 * applied to the header, and the raster's size is checked against the bytes
 * present before any pixel memory is allocated. */
#include <stdio.h>
#include <stdlib.h>

#include "nn_internal.h"

struct rd {
    const uint8_t *p;
    size_t n, i;
};

static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
           c == '\r';
}

/* Skip whitespace and comments. */
static void skip(struct rd *r)
{
    while (r->i < r->n) {
        if (is_ws(r->p[r->i]))
            r->i++;
        else if (r->p[r->i] == '#')
            while (r->i < r->n && r->p[r->i] != '\n' && r->p[r->i] != '\r')
                r->i++;
        else
            break;
    }
}

/* A byte for a message: 'x', or byte 0x01. */
static const char *show(int b, char *s, size_t n)
{
    snprintf(s, n, b > 0x20 && b < 0x7f ? "'%c'" : "byte 0x%02x", b);
    return s;
}

/* Header value `what` into *v, at most max.  NN_EFORMAT or NN_ELIMIT. */
static int header_value(struct rd *r, const char *what, unsigned long max,
                        unsigned long *v, char *why, size_t whylen)
{
    unsigned long x = 0;
    int big = 0;
    size_t start;
    char c[16];

    skip(r);
    start = r->i;
    while (r->i < r->n && r->p[r->i] >= '0' && r->p[r->i] <= '9') {
        x = x * 10 + (unsigned long)(r->p[r->i++] - '0');
        if (x > max)
            big = 1, x = max + 1;
    }
    if (r->i == start) {
        if (r->i >= r->n)
            return nn_why(why, whylen, NN_EFORMAT, "truncated header: no "
                          "%s", what);
        return nn_why(why, whylen, NN_EFORMAT, "bad header: %s expected, "
                      "found %s", what, show(r->p[r->i], c, sizeof c));
    }
    if (r->i < r->n && !is_ws(r->p[r->i]) && r->p[r->i] != '#')
        return nn_why(why, whylen, NN_EFORMAT, "bad header: junk after the "
                      "%s", what);
    if (big)
        return nn_why(why, whylen, what[0] == 'm' ? NN_EFORMAT : NN_ELIMIT,
                      "%s %.*s%s is more than %lu", what,
                      (int)(r->i - start > 20 ? 20 : r->i - start),
                      (const char *)r->p + start,
                      r->i - start > 20 ? "..." : "", max);
    *v = x;
    return NN_OK;
}

/* Next plain sample (at most maxval), or an error naming the sample. */
static int plain_sample(struct rd *r, int bit, unsigned maxval,
                        unsigned long k, unsigned long total, unsigned *v,
                        char *why, size_t whylen)
{
    unsigned long x = 0;
    size_t start;
    char c[16];

    skip(r);
    start = r->i;
    if (bit) {
        if (r->i < r->n && (r->p[r->i] == '0' || r->p[r->i] == '1'))
            x = (unsigned long)(r->p[r->i++] - '0');
    } else
        while (r->i < r->n && r->p[r->i] >= '0' && r->p[r->i] <= '9') {
            x = x * 10 + (unsigned long)(r->p[r->i++] - '0');
            if (x > maxval)
                return nn_why(why, whylen, NN_EFORMAT, "sample %lu of %lu "
                              "is more than maxval %u", k + 1, total,
                              maxval);
        }
    if (r->i == start) {
        if (r->i >= r->n)
            return nn_why(why, whylen, NN_EFORMAT, "truncated: %lu samples "
                          "expected, %lu present", total, k);
        return nn_why(why, whylen, NN_EFORMAT, "bad sample %lu of %lu: "
                      "found %s", k + 1, total, show(r->p[r->i], c, sizeof c));
    }
    *v = (unsigned)x;
    return NN_OK;
}

int nn_img_decode_pnm(nn_image **out, const uint8_t *buf, size_t len,
                      long max_pixels, char *why, size_t whylen)
{
    struct rd r = { buf, len, 2 };
    unsigned long w = 0, h = 0, maxval = 1, k, total, x, y;
    unsigned v[3] = { 0, 0, 0 }, c;
    int kind, plain, ch, bit, bytes, err;
    uint64_t need;
    nn_image *img = NULL;
    uint8_t *g;
    const uint8_t *p;

    *out = NULL;
    if (len < 2 || buf[0] != 'P' || buf[1] < '1' || buf[1] > '6')
        return nn_why(why, whylen, NN_EFORMAT, "not a Netpbm file");
    kind = (buf[1] - '1') % 3;          /* 0 PBM, 1 PGM, 2 PPM */
    plain = buf[1] <= '3';
    bit = kind == 0;
    ch = kind == 2 ? 3 : 1;
    if ((err = header_value(&r, "width", 2147483647UL, &w, why, whylen)) ||
        (err = header_value(&r, "height", 2147483647UL, &h, why, whylen)))
        return err;
    if (!bit && (err = header_value(&r, "maxval", 65535, &maxval, why,
                                    whylen)))
        return err;
    if (maxval == 0)
        return nn_why(why, whylen, NN_EFORMAT, "maxval 0 (must be 1 to "
                      "65535)");
    err = nn_img_check_size((long)w, (long)h, max_pixels, why, whylen);
    if (err)
        return err;
    total = w * h * (unsigned long)ch;  /* w * h <= SIZE_MAX / 4: fits */

    /* Enough bytes for the raster?  Plain: one per sample at least, two
     * with separators between samples. */
    if (plain) {
        if (r.i >= r.n)
            return nn_why(why, whylen, NN_EFORMAT, "truncated: no pixel "
                          "data after the header");
        need = bit ? total : 2 * (uint64_t)total - 1;
        if (need > r.n - r.i)
            return nn_why(why, whylen, NN_EFORMAT, "truncated: %lu samples "
                          "need at least %llu bytes, %lu present", total,
                          (unsigned long long)need,
                          (unsigned long)(r.n - r.i));
    } else {
        if (r.i >= r.n)
            return nn_why(why, whylen, NN_EFORMAT, "truncated: no pixel "
                          "data after the header");
        r.i++;                          /* the one whitespace byte */
        bytes = maxval > 255 ? 2 : 1;
        need = bit ? (uint64_t)(w + 7) / 8 * h : (uint64_t)total * bytes;
        if (need > r.n - r.i)
            return nn_why(why, whylen, NN_EFORMAT, "truncated: %llu bytes "
                          "of pixel data expected, %lu present",
                          (unsigned long long)need,
                          (unsigned long)(r.n - r.i));
    }

    if (nn_img_alloc(&img, (int)w, (int)h) != NN_OK)
        return NN_ENOMEM;
    g = img->gray;
    p = buf + r.i;
    k = 0;
    for (y = 0; y < h; y++) {
        if (bit && !plain)
            p = buf + r.i + y * ((w + 7) / 8);
        for (x = 0; x < w; x++) {
            for (c = 0; c < (unsigned)ch; c++, k++) {
                if (plain) {
                    err = plain_sample(&r, bit, (unsigned)maxval, k, total,
                                       &v[c], why, whylen);
                    if (err) {
                        nn_img_free(img);
                        return err;
                    }
                } else if (bit)
                    v[c] = p[x / 8] >> (7 - x % 8) & 1;
                else if (maxval > 255) {
                    v[c] = (unsigned)p[0] << 8 | p[1];
                    p += 2;
                } else
                    v[c] = *p++;
                if (v[c] > maxval) {
                    nn_img_free(img);
                    return nn_why(why, whylen, NN_EFORMAT, "sample %lu of "
                                  "%lu is %u, more than maxval %lu", k + 1,
                                  total, v[c], maxval);
                }
            }
            if (bit)
                *g++ = v[0] ? 0 : 255;
            else if (ch == 1)
                *g++ = nn_img_scale(v[0], (unsigned)maxval);
            else
                *g++ = nn_img_luma(v[0], v[1], v[2], (unsigned)maxval);
        }
    }
    *out = img;
    return NN_OK;
}
