/* img.c - image files to gray: format detection from the bytes, dispatch
 * to lib/img_jpeg.c, img_png.c, img_pnm.c and the TIFF reader below, and
 * what the formats share: size checks, alpha compositing, the EXIF/TIFF
 * orientation tag and the eight orientations.  Conventions in img.h. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

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

int nn_img_decode(nn_image **out, const uint8_t *buf, size_t len,
                  long max_pixels, char *why, size_t whylen)
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
        err = nn_img_decode_jpeg(out, buf, len, max_pixels, msg, sizeof msg);
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

int nn_img_read(nn_image **out, FILE *fp, long max_pixels, char *why,
                size_t whylen)
{
    size_t limit = max_pixels > 0 && (unsigned long)max_pixels < (SIZE_MAX >> 4)
                 ? (size_t)max_pixels * 8 + ((size_t)1 << 20) : SIZE_MAX >> 1;
    size_t len;
    char *buf;
    int err;

    *out = NULL;
    if ((err = nn_read_all(fp, limit, "image file", &buf, &len, why, whylen)))
        return err;
    err = nn_img_decode(out, (const uint8_t *)buf, len, max_pixels, why, whylen);
    free(buf);
    return err;
}

void nn_img_free(nn_image *img)
{
    if (img) {
        free(img->gray);
        free(img);
    }
}

/* ------------------------------------------------------------------------ */
/* Shared helpers. */

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

/* The alpha rule, documented in img.h above nn_img_decode: opaque means
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

/* ------------------------------------------------------------------------ */
/* TIFF structure (EXIF blocks and TIFF files), every read bounds-checked. */

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
