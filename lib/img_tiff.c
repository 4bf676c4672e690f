/* img_tiff.c - TIFF: the structure (byte order, directories, tags, every
 * read bounds-checked), which EXIF blocks share (nn_img_exif_orientation,
 * for JPEG), and the decoder of baseline TIFF files. */
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

struct tiff {
    const uint8_t *p;
    size_t len;
    int be;                     /* "MM": big-endian */
};

struct tiff_entry {
    unsigned type;
    uint32_t count;
    size_t off;                 /* of the values */
};

static unsigned rd16(const struct tiff *t, size_t o)
{
    const uint8_t *q = t->p + o;

    return t->be ? (unsigned)q[0] << 8 | q[1] : (unsigned)q[1] << 8 | q[0];
}

static uint32_t rd32(const struct tiff *t, size_t o)
{
    const uint8_t *q = t->p + o;

    return t->be ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
                   (uint32_t)q[2] << 8 | q[3]
                 : (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 |
                   (uint32_t)q[1] << 8 | q[0];
}

/* Byte order and the offset of IFD0; 0 if not a TIFF header. */
static int tiff_open(struct tiff *t, const uint8_t *p, size_t len,
                     uint32_t *ifd)
{
    t->p = p;
    t->len = len;
    if (len < 8)
        return 0;
    if (p[0] == 'I' && p[1] == 'I')
        t->be = 0;
    else if (p[0] == 'M' && p[1] == 'M')
        t->be = 1;
    else
        return 0;
    if (rd16(t, 2) != 42)
        return 0;
    *ifd = rd32(t, 4);
    return 1;
}

static unsigned type_size(unsigned type)
{
    switch (type) {
    case 1: case 2: case 6: case 7: return 1;      /* BYTE ASCII SBYTE UNDEF */
    case 3: case 8: return 2;                      /* SHORT SSHORT */
    case 4: case 9: case 11: case 13: return 4;    /* LONG SLONG FLOAT IFD */
    case 5: case 10: case 12: return 8;            /* RATIONAL DOUBLE */
    }
    return 0;
}

/* Find tag in the IFD at offset ifd.  1 and *e if present with all its
 * values inside the buffer, else 0. */
static int tiff_find(const struct tiff *t, uint32_t ifd, unsigned tag,
                     struct tiff_entry *e)
{
    size_t n, i, pos;
    uint64_t bytes, off;

    if (ifd > t->len || t->len - ifd < 2)
        return 0;
    n = rd16(t, ifd);
    for (i = 0; i < n; i++) {
        pos = ifd + 2 + 12 * i;
        if (pos > t->len || t->len - pos < 12)
            return 0;               /* IFD cut short */
        if (rd16(t, pos) != tag)
            continue;
        e->type = rd16(t, pos + 2);
        e->count = rd32(t, pos + 4);
        bytes = (uint64_t)type_size(e->type) * e->count;
        if (bytes == 0)
            return 0;
        off = bytes <= 4 ? pos + 8 : rd32(t, pos + 8);
        if (off > t->len || bytes > t->len - off)
            return 0;
        e->off = (size_t)off;
        return 1;
    }
    return 0;
}

/* NN_OK if the IFD at ifd and the values of all its entries lie inside the
 * file; else a "truncated" error, since tiff_find would take a cut-off tag
 * for a missing one. */
static int tiff_check_ifd(const struct tiff *t, uint32_t ifd, char *why,
                          size_t whylen)
{
    size_t n = rd16(t, ifd), i, pos;
    uint64_t bytes, off;

    if ((uint64_t)ifd + 2 + 12 * (uint64_t)n > t->len)
        return nn_why(why, whylen, NN_EFORMAT, "truncated: a directory of "
                      "%lu entries at offset %lu, the file has %lu bytes",
                      (unsigned long)n, (unsigned long)ifd,
                      (unsigned long)t->len);
    for (i = 0; i < n; i++) {
        pos = ifd + 2 + 12 * i;
        bytes = (uint64_t)type_size(rd16(t, pos + 2)) * rd32(t, pos + 4);
        off = bytes <= 4 ? pos + 8 : rd32(t, pos + 8);
        if (off + bytes > t->len)
            return nn_why(why, whylen, NN_EFORMAT, "truncated: tag %u needs "
                          "%llu bytes at offset %llu, the file has %lu "
                          "bytes", rd16(t, pos), (unsigned long long)bytes,
                          (unsigned long long)off, (unsigned long)t->len);
    }
    return NN_OK;
}

/* Value i of an integer entry (BYTE, SHORT, LONG); 0 if not one. */
static int tiff_uint(const struct tiff *t, const struct tiff_entry *e,
                     uint32_t i, uint32_t *v)
{
    if (i >= e->count)
        return 0;
    switch (e->type) {
    case 1: *v = t->p[e->off + i]; return 1;
    case 3: *v = rd16(t, e->off + 2 * (size_t)i); return 1;
    case 4: *v = rd32(t, e->off + 4 * (size_t)i); return 1;
    }
    return 0;
}

/* First value of tag, or def if absent or not an integer. */
static uint32_t tiff_get(const struct tiff *t, uint32_t ifd, unsigned tag,
                         uint32_t def)
{
    struct tiff_entry e;
    uint32_t v;

    return tiff_find(t, ifd, tag, &e) && tiff_uint(t, &e, 0, &v) ? v : def;
}

int nn_img_exif_orientation(const uint8_t *tiff, size_t len)
{
    struct tiff t;
    uint32_t ifd, o;

    if (!tiff || !tiff_open(&t, tiff, len, &ifd))
        return 1;
    o = tiff_get(&t, ifd, 0x0112, 1);
    return o >= 1 && o <= 8 ? (int)o : 1;
}

/* ------------------------------------------------------------------------ */
/* TIFF files: the first image of a baseline TIFF, uncompressed, in strips,
 * chunky (PlanarConfiguration 1): bilevel or gray (WhiteIsZero or
 * BlackIsZero, 1, 8 or 16 bits), RGB (8 or 16 bits), palette (8 bits), each
 * with an optional alpha channel (ExtraSamples 1, premultiplied, or 2); the
 * Orientation tag is applied.  Compressed, tiled, planar, CMYK, YCbCr,
 * floating-point and other variants are refused with a reason. */

enum {
    T_WIDTH = 256, T_HEIGHT = 257, T_BPS = 258, T_COMPRESSION = 259,
    T_PHOTOMETRIC = 262, T_STRIP_OFFSETS = 273, T_ORIENTATION = 274,
    T_SPP = 277, T_ROWS_PER_STRIP = 278, T_PLANAR = 284, T_COLORMAP = 320,
    T_TILE_WIDTH = 322, T_EXTRA = 338, T_SAMPLE_FORMAT = 339
};

static const char *compression_name(uint32_t c)
{
    switch (c) {
    case 2: return "CCITT modified Huffman";
    case 3: return "CCITT Group 3";
    case 4: return "CCITT Group 4";
    case 5: return "LZW";
    case 6: case 7: return "JPEG";
    case 8: case 32946: return "Deflate (zip)";
    case 32773: return "PackBits";
    case 34925: return "LZMA";
    case 50000: return "Zstandard";
    case 50001: return "WebP";
    }
    return NULL;
}

/* Sample k of a row (bps 8 or 16). */
static unsigned sample(const struct tiff *t, size_t row, size_t k, int bps)
{
    return bps == 8 ? t->p[row + k] : rd16(t, row + 2 * k);
}

int nn_img_decode_tiff(nn_image **out, const uint8_t *buf, size_t len,
                       long max_pixels, char *why, size_t whylen)
{
    struct tiff t;
    struct tiff_entry offs, cmap, bpse;
    uint32_t ifd = 0, w, h, comp, photo, spp, rps, planar, sfmt, v;
    uint32_t nstrips, s, i, bps = 1;
    unsigned base, maxv, r, g, b, a;
    uint64_t rowbytes, need;
    size_t x, y, row = 0;
    nn_image *img = NULL;
    uint8_t *alpha = NULL;
    const char *cn;
    int alpha_kind = 0, err, o;

    *out = NULL;
    if (!tiff_open(&t, buf, len, &ifd) || ifd > len || len - ifd < 2)
        return nn_why(why, whylen, NN_EFORMAT, "truncated header (first "
                      "directory at offset %lu, the file has %lu bytes)",
                      (unsigned long)ifd, (unsigned long)len);
    if ((err = tiff_check_ifd(&t, ifd, why, whylen)) != NN_OK)
        return err;
    w = tiff_get(&t, ifd, T_WIDTH, 0);
    h = tiff_get(&t, ifd, T_HEIGHT, 0);
    comp = tiff_get(&t, ifd, T_COMPRESSION, 1);
    photo = tiff_get(&t, ifd, T_PHOTOMETRIC, 99);
    spp = tiff_get(&t, ifd, T_SPP, 1);
    rps = tiff_get(&t, ifd, T_ROWS_PER_STRIP, 0xFFFFFFFFu);
    planar = tiff_get(&t, ifd, T_PLANAR, 1);
    sfmt = tiff_get(&t, ifd, T_SAMPLE_FORMAT, 1);
    if (w == 0 || h == 0)
        return nn_why(why, whylen, NN_EFORMAT, "no image size (missing or "
                      "unreadable ImageWidth/ImageLength)");
    if (comp != 1) {
        cn = compression_name(comp);
        if (cn)
            return nn_why(why, whylen, NN_EFORMAT, "%s compression not "
                          "supported (only uncompressed TIFF): convert it "
                          "to PNG", cn);
        return nn_why(why, whylen, NN_EFORMAT, "compression %lu not "
                      "supported (only uncompressed TIFF): convert it to "
                      "PNG", (unsigned long)comp);
    }
    if (tiff_find(&t, ifd, T_TILE_WIDTH, &bpse))
        return nn_why(why, whylen, NN_EFORMAT, "tiled TIFF not supported: "
                      "convert it to PNG");
    if (photo > 3)
        return nn_why(why, whylen, NN_EFORMAT, "%s not supported: convert "
                      "it to PNG", photo == 5 ? "CMYK" : photo == 6 ?
                      "YCbCr" : photo == 99 ? "missing "
                      "PhotometricInterpretation" : "colour space");
    base = photo == 2 ? 3 : 1;
    if (spp < base || spp > base + 4)
        return nn_why(why, whylen, NN_EFORMAT, "%lu samples per pixel for "
                      "%s", (unsigned long)spp, base == 3 ? "RGB" : "gray");
    if (tiff_find(&t, ifd, T_BPS, &bpse)) {
        if (!tiff_uint(&t, &bpse, 0, &bps))
            bps = 0;
        for (i = 1; i < bpse.count && i < spp; i++)
            if (!tiff_uint(&t, &bpse, i, &v) || v != bps)
                bps = 0;
    }
    if (planar != 1 && spp > 1)
        return nn_why(why, whylen, NN_EFORMAT, "planar TIFF (separate "
                      "colour planes) not supported: convert it to PNG");
    if (sfmt != 1)
        return nn_why(why, whylen, NN_EFORMAT, "%s samples not supported: "
                      "convert it to PNG", sfmt == 3 ? "floating-point" :
                      sfmt == 2 ? "signed" : "non-integer");
    if (!(bps == 8 || bps == 16 || (bps == 1 && spp == 1 && photo <= 1)) ||
        (photo == 3 && bps != 8))
        return nn_why(why, whylen, NN_EFORMAT, "%lu bits per sample not "
                      "supported here (1 for bilevel, 8 or 16)",
                      (unsigned long)bps);
    if (spp > base && tiff_find(&t, ifd, T_EXTRA, &bpse) &&
        tiff_uint(&t, &bpse, 0, &v) && (v == 1 || v == 2))
        alpha_kind = (int)v;            /* 1 premultiplied, 2 straight */
    if (photo == 3 && (!tiff_find(&t, ifd, T_COLORMAP, &cmap) ||
                       cmap.type != 3 || cmap.count < 3 * 256))
        return nn_why(why, whylen, NN_EFORMAT, "palette image without a "
                      "valid ColorMap");
    err = nn_img_check_size((long)w, (long)h, max_pixels, why, whylen);
    if (err)
        return err;

    /* Every strip must be inside the file before anything is allocated. */
    rowbytes = ((uint64_t)w * spp * bps + 7) / 8;
    if (rps == 0 || rps > h)
        rps = h;
    nstrips = (h - 1) / rps + 1;
    if (!tiff_find(&t, ifd, T_STRIP_OFFSETS, &offs) ||
        offs.count < nstrips)
        return nn_why(why, whylen, NN_EFORMAT, "missing or short "
                      "StripOffsets (%lu strips expected)",
                      (unsigned long)nstrips);
    for (s = 0; s < nstrips; s++) {
        need = rowbytes * (s + 1 < nstrips ? rps : h - s * rps);
        if (!tiff_uint(&t, &offs, s, &v))
            return nn_why(why, whylen, NN_EFORMAT, "bad StripOffsets");
        if (v > len || need > len - v)
            return nn_why(why, whylen, NN_EFORMAT, "truncated: strip %lu "
                          "needs %llu bytes at offset %lu, the file has "
                          "%lu bytes", (unsigned long)s,
                          (unsigned long long)need, (unsigned long)v,
                          (unsigned long)len);
    }

    if (nn_img_alloc(&img, (int)w, (int)h) != NN_OK)
        return NN_ENOMEM;
    if (alpha_kind && !(alpha = malloc((size_t)w * h))) {
        nn_img_free(img);
        return NN_ENOMEM;
    }
    maxv = bps == 16 ? 65535 : bps == 8 ? 255 : 1;
    for (y = 0; y < h; y++) {
        if (y % rps == 0) {
            tiff_uint(&t, &offs, (uint32_t)(y / rps), &v);
            row = v;
        }
        for (x = 0; x < w; x++) {
            size_t k = x * spp, px = y * w + x;
            uint8_t lum;

            if (bps == 1) {
                r = t.p[row + x / 8] >> (7 - x % 8) & 1;
                lum = r ? 255 : 0;
            } else if (photo == 2) {
                r = sample(&t, row, k, (int)bps);
                g = sample(&t, row, k + 1, (int)bps);
                b = sample(&t, row, k + 2, (int)bps);
                lum = nn_img_luma(r, g, b, maxv);
            } else if (photo == 3) {
                i = t.p[row + k];
                r = rd16(&t, cmap.off + 2 * (size_t)i);
                g = rd16(&t, cmap.off + 2 * (size_t)(256 + i));
                b = rd16(&t, cmap.off + 2 * (size_t)(512 + i));
                lum = nn_img_luma(r, g, b, 65535);
            } else
                lum = nn_img_scale(sample(&t, row, k, (int)bps), maxv);
            if (photo == 0)
                lum = (uint8_t)(255 - lum);
            if (alpha) {
                a = nn_img_scale(sample(&t, row, k + base, (int)bps), maxv);
                alpha[px] = (uint8_t)a;
                /* premultiplied: undo it (luma is linear in R, G, B) */
                if (alpha_kind == 1)
                    lum = a == 0 ? 0 : lum >= a ? 255 :
                          (uint8_t)((lum * 255u + a / 2) / a);
            }
            img->gray[px] = lum;
        }
        row += (size_t)rowbytes;
    }
    if (alpha) {
        nn_img_composite(img->gray, alpha, (size_t)w * h);
        free(alpha);
    }
    o = (int)tiff_get(&t, ifd, T_ORIENTATION, 1);
    if (nn_img_orient(img, o) != NN_OK) {
        nn_img_free(img);
        return NN_ENOMEM;
    }
    *out = img;
    return NN_OK;
}
