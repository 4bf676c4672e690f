/* idx.c - IDX files (MNIST's container), raw or gzip-compressed, read with
 * every size checked against the data actually present, and with reasons
 * that name the usual broken downloads (HTML page, truncation, double gzip).
 *
 * The input is streamed: the raw bytes, or the output of zlib's inflate, go
 * through src_read().  The header is checked first; the data buffer then
 * grows only as data arrives (never sized from the header alone) up to the
 * size the header promises, and whatever follows is counted as trailing
 * data.  Concatenated gzip members (cat a.gz b.gz) are read as one stream,
 * as gzip(1) does; non-gzip bytes after the last member are an error.
 *
 * Limit: the whole decompressed file, header included, must be at most
 * IDX_MAX_BYTES (2^31 - 1 bytes, just under 2 GiB); a larger header gives
 * NN_ELIMIT before any data is read or buffered.  MNIST's largest file is
 * 47 MB.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "nn_internal.h"

#define IDX_MAX_BYTES ((unsigned long)NN_IDX_MAX_BYTES)
#define CHUNK 65536
#define FIRST_ALLOC (1UL << 20)
#define SNIFF 512               /* bytes looked at to recognise a file */

struct src {
    FILE *fp;
    int gz;                     /* 1: inflate the input */
    int zinit;                  /* zs needs inflateEnd */
    int in_eof;                 /* fp has no more bytes */
    int members;                /* gzip members finished */
    z_stream zs;
    unsigned char in[CHUNK];
    size_t in_pos, in_len;      /* raw mode: unread bytes of in[] */
    unsigned char scratch[CHUNK];
};

/* Up to n bytes of fp into dst, *got of them; at fewer than n the input
 * has ended (in_eof) or failed (NN_EIO). */
static int read_fp(struct src *s, unsigned char *dst, size_t n, size_t *got,
                   char *why, size_t whylen)
{
    *got = s->in_eof ? 0 : fread(dst, 1, n, s->fp);
    if (*got < n) {
        if (ferror(s->fp))
            return nn_why(why, whylen, NN_EIO, "read error: %s",
                          strerror(errno));
        s->in_eof = 1;
    }
    return NN_OK;
}

/* Read up to CHUNK bytes of fp into in[].  NN_EIO on a read error. */
static int fill(struct src *s, char *why, size_t whylen)
{
    s->in_pos = 0;
    return read_fp(s, s->in, CHUNK, &s->in_len, why, whylen);
}

static int raw_read(struct src *s, unsigned char *dst, size_t n,
                    size_t *got, char *why, size_t whylen)
{
    size_t k = s->in_len - s->in_pos, r;
    int err;

    if (k > n)
        k = n;
    memcpy(dst, s->in + s->in_pos, k);
    s->in_pos += k;
    *got = k;
    if (k < n && !s->in_eof) {
        err = read_fp(s, dst + k, n - k, &r, why, whylen);
        *got += r;
        return err;
    }
    return NN_OK;
}

static int gz_read(struct src *s, unsigned char *dst, size_t n,
                   size_t *got, char *why, size_t whylen)
{
    int ret, err;

    *got = 0;
    while (*got < n) {
        size_t want = n - *got;
        uInt before;

        if (s->zs.avail_in == 0 && !s->in_eof) {
            if ((err = fill(s, why, whylen)) != NN_OK)
                return err;
            s->zs.next_in = s->in;
            s->zs.avail_in = (uInt)s->in_len;
        }
        if (s->members > 0 && s->zs.total_out == 0 &&
            s->zs.total_in == 0) {
            /* Between members: end of input, another member, or junk. */
            if (s->zs.avail_in == 0)
                return NN_OK;
            if (s->zs.next_in[0] != 0x1f)
                return nn_why(why, whylen, NN_EFORMAT,
                              "unexpected data after the end of the gzip "
                              "data (%d member%s)", s->members,
                              s->members == 1 ? "" : "s");
        }
        s->zs.next_out = dst + *got;
        s->zs.avail_out = want > CHUNK ? CHUNK : (uInt)want;
        before = s->zs.avail_out;
        ret = inflate(&s->zs, Z_NO_FLUSH);
        *got += before - s->zs.avail_out;
        switch (ret) {
        case Z_OK:
            break;
        case Z_STREAM_END:
            s->members++;
            if (inflateReset(&s->zs) != Z_OK)
                return nn_why(why, whylen, NN_EFORMAT, "zlib: inflateReset "
                              "failed");
            break;
        case Z_BUF_ERROR:
            /* No progress: only possible here when input is exhausted. */
            if (s->zs.avail_in == 0 && s->in_eof)
                return nn_why(why, whylen, NN_EFORMAT, "gzip data is "
                              "truncated (incomplete download?)");
            break;
        case Z_MEM_ERROR:
            return nn_why(why, whylen, NN_ENOMEM, "out of memory in zlib");
        default:    /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
            return nn_why(why, whylen, NN_EFORMAT, "corrupt gzip data: %s",
                          s->zs.msg ? s->zs.msg : "inflate failed");
        }
    }
    return NN_OK;
}

/* Read up to n content bytes into dst; *got < n only at the end of the
 * content.  NN_OK or NN_E* (why filled). */
static int src_read(struct src *s, unsigned char *dst, size_t n,
                    size_t *got, char *why, size_t whylen)
{
    if (s->gz)
        return gz_read(s, dst, n, got, why, whylen);
    return raw_read(s, dst, n, got, why, whylen);
}

static const char *type_name(int t)
{
    switch (t) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    }
    return NULL;
}

/* What to say of compressed data and archives (and of gzip inside gzip). */
static const char *const packed[] = {
    [NN_KIND_GZIP] = "file is gzip-compressed twice: the decompressed data "
                     "starts with the gzip magic 1f 8b again (run gunzip on "
                     "it once more)",
    [NN_KIND_HTML] = "this is an HTML page, not an IDX file (a failed "
                     "download?)",
    [NN_KIND_ZIP] = "this is a ZIP archive, not an IDX file (unzip it first)",
    [NN_KIND_BZIP2] = "this is bzip2 data, not an IDX file (bunzip2 it "
                      "first)",
    [NN_KIND_XZ] = "this is xz data, not an IDX file (unxz it first)",
    [NN_KIND_ZSTD] = "this is zstd data, not an IDX file (unzstd it first)",
    [NN_KIND_7Z] = "this is a 7-Zip archive, not an IDX file (extract it "
                   "first)",
};

/* The first n bytes h of the content are not an IDX header: say what they
 * look like. */
static int not_idx(const unsigned char *h, size_t n, int gz, char *why,
                   size_t whylen)
{
    unsigned long magic = 0;
    size_t i;
    int kind = nn_file_kind(h, n);

    if (kind < (int)(sizeof packed / sizeof packed[0]) && packed[kind])
        return nn_why(why, whylen, NN_EFORMAT, "%s", packed[kind]);
    if ((kind >= NN_KIND_JPEG && kind <= NN_KIND_ICO) || kind == NN_KIND_NNV)
        return nn_why(why, whylen, NN_EFORMAT, "this is %s %s file, not an "
                      "IDX file", strchr("AEIOU", nn_kind_name(kind)[0])
                      ? "an" : "a", nn_kind_name(kind));
    if (n >= 4 && h[0] >= 1 && h[0] <= 4 && type_name(h[1]) &&
        h[2] == 0 && h[3] == 0)
        return nn_why(why, whylen, NN_EFORMAT, "header is byte-swapped "
                      "(magic %02x %02x %02x %02x): IDX headers are "
                      "big-endian, this file was written little-endian",
                      h[0], h[1], h[2], h[3]);
    if (n < 4)
        return nn_why(why, whylen, NN_EFORMAT, "file too short for an IDX "
                      "header: %lu byte%s%s", (unsigned long)n,
                      n == 1 ? "" : "s", gz ? " after decompression" : "");
    if (kind == NN_KIND_TEXT || kind == NN_KIND_SVG)
        return nn_why(why, whylen, NN_EFORMAT, "this is a text file, not an "
                      "IDX file");
    for (i = 0; i < 4; i++)
        magic = magic << 8 | h[i];
    return nn_why(why, whylen, NN_EFORMAT, "not an IDX file: magic number "
                  "0x%08lX (%lu), expected 0x00000801 to 0x00000804 "
                  "(00 00 08 NDIM)", magic, magic);
}

/* "10000 images of 28x28" and the like. */
static void describe(char *buf, size_t len, int ndim, const unsigned long *d)
{
    const char *s = d[0] == 1 ? "" : "s";

    switch (ndim) {
    case 1:
        snprintf(buf, len, "%lu label%s", d[0], s);
        break;
    case 2:
        snprintf(buf, len, "%lu item%s of %lu", d[0], s, d[1]);
        break;
    case 3:
        snprintf(buf, len, "%lu image%s of %lux%lu", d[0], s, d[1], d[2]);
        break;
    default:
        snprintf(buf, len, "%lu item%s of %lux%lux%lu", d[0], s, d[1], d[2],
                 d[3]);
    }
}

static unsigned long be32(const unsigned char *p)
{
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
           (unsigned long)p[2] << 8 | p[3];
}

/* The header's dimensions d[0..ndim-1] exceed the limit. */
static int too_big(const unsigned long *d, int ndim, size_t hdr, char *why,
                   size_t whylen)
{
    unsigned long sw[4] = { 0, 0, 0, 0 }, prod = 1;
    char desc[128], desc2[128], hint[192] = "";
    int i, fits = 1;

    /* A little-endian writer gives huge dimensions; say if swapping the
     * bytes would make sense of them. */
    for (i = 0; i < ndim; i++) {
        sw[i] = (d[i] & 0xff) << 24 | (d[i] & 0xff00) << 8 |
                (d[i] >> 8 & 0xff00) | d[i] >> 24;
        if (sw[i] == 0 || sw[i] > (IDX_MAX_BYTES - hdr) / prod)
            fits = 0;
        else
            prod *= sw[i];
    }
    describe(desc, sizeof desc, ndim, d);
    if (fits) {
        describe(desc2, sizeof desc2, ndim, sw);
        snprintf(hint, sizeof hint, " (byte-swapped it would be %s: "
                 "written little-endian?)", desc2);
    }
    return nn_why(why, whylen, NN_ELIMIT, "header says %s: more than the "
                  "limit of %lu bytes%s", desc, IDX_MAX_BYTES, hint);
}

/* A source whose first bytes (already in s->in) show gzip magic. */
static int start_gzip(struct src *s, char *why, size_t whylen)
{
    int ret;

    s->gz = 1;
    s->zs.next_in = s->in;
    s->zs.avail_in = (uInt)s->in_len;
    ret = inflateInit2(&s->zs, 15 + 32);
    if (ret == Z_MEM_ERROR)
        return nn_why(why, whylen, NN_ENOMEM, "out of memory in zlib");
    if (ret != Z_OK)
        return nn_why(why, whylen, NN_EFORMAT, "zlib: inflateInit2 failed");
    s->zinit = 1;
    return NN_OK;
}

int nn_idx_read(nn_idx **out, FILE *fp, char *why, size_t whylen)
{
    struct src *s = NULL;
    unsigned char head[SNIFF], *data = NULL;
    unsigned long d[4] = { 0, 0, 0, 0 };
    unsigned long long trailing = 0;
    size_t got, n, hdr, need, have, cap;
    nn_idx *idx = NULL;
    const char *has_what;
    char desc[128];
    int err, ndim, i;

    if (!out || !fp)
        return nn_why(why, whylen, NN_EINVAL, "no output or no input");
    *out = NULL;
    if (why && whylen > 0)
        why[0] = '\0';
    s = calloc(1, sizeof *s);
    if (!s)
        return nn_why(why, whylen, NN_ENOMEM, "out of memory");
    s->fp = fp;
    if ((err = fill(s, why, whylen)) != NN_OK)
        goto fail;
    if (s->in_len == 0) {
        err = nn_why(why, whylen, NN_EFORMAT, "empty file (0 bytes)");
        goto fail;
    }
    if (s->in_len >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b &&
        (err = start_gzip(s, why, whylen)) != NN_OK)
        goto fail;
    has_what = s->gz ? "decompressed data has" : "file has";

    /* Magic: 00 00 TYPE NDIM. */
    if ((err = src_read(s, head, 4, &got, why, whylen)) != NN_OK)
        goto fail;
    if (got == 0 && s->gz) {
        err = nn_why(why, whylen, NN_EFORMAT, "gzip data decompresses to "
                     "nothing (empty file)");
        goto fail;
    }
    if (got < 4 || head[0] != 0 || head[1] != 0) {
        n = got;
        if (got == 4 && (err = src_read(s, head + 4, SNIFF - 4, &n,
                                        why, whylen)) != NN_OK)
            goto fail;
        err = not_idx(head, got == 4 ? 4 + n : got, s->gz, why, whylen);
        goto fail;
    }
    if (!type_name(head[2])) {
        err = nn_why(why, whylen, NN_EFORMAT, "unknown IDX type 0x%02X "
                     "(IDX types are 0x08 unsigned byte, 0x09 signed byte, "
                     "0x0B short, 0x0C int, 0x0D float, 0x0E double; only "
                     "unsigned byte is supported)", head[2]);
        goto fail;
    }
    if (head[2] != 0x08) {
        err = nn_why(why, whylen, NN_EFORMAT, "unsupported IDX type 0x%02X "
                     "(%s): only 0x08 (unsigned byte) is supported",
                     head[2], type_name(head[2]));
        goto fail;
    }
    ndim = head[3];
    if (ndim < 1 || ndim > 4) {
        err = nn_why(why, whylen, NN_EFORMAT, "IDX header has %d "
                     "dimensions, only 1 to 4 are supported", ndim);
        goto fail;
    }
    hdr = 4 + 4 * (size_t)ndim;
    if ((err = src_read(s, head + 4, hdr - 4, &got, why, whylen)) != NN_OK)
        goto fail;
    if (got < hdr - 4) {
        err = nn_why(why, whylen, NN_EFORMAT, "truncated header: %d "
                     "dimensions need %lu bytes, %s %lu", ndim,
                     (unsigned long)hdr, has_what, (unsigned long)(4 + got));
        goto fail;
    }

    /* Dimensions: each nonzero, the total within the limit.  Checking the
     * running product against the limit before each multiplication keeps it
     * below 2^31 * 2^32, so it cannot overflow. */
    need = 1;
    for (i = 0; i < ndim; i++) {
        d[i] = be32(head + 4 + 4 * i);
        if (d[i] == 0) {
            err = nn_why(why, whylen, NN_EFORMAT, "dimension %d of %d is 0",
                         i + 1, ndim);
            goto fail;
        }
    }
    for (i = 0; i < ndim; i++) {
        if (d[i] > (IDX_MAX_BYTES - hdr) / need) {
            err = too_big(d, ndim, hdr, why, whylen);
            goto fail;
        }
        need *= d[i];
    }
    describe(desc, sizeof desc, ndim, d);

    /* Data: the buffer grows with what arrives, never past need. */
    cap = need < FIRST_ALLOC ? need : FIRST_ALLOC;
    data = malloc(cap);
    if (!data) {
        err = nn_why(why, whylen, NN_ENOMEM, "out of memory");
        goto fail;
    }
    have = 0;
    for (;;) {
        if ((err = src_read(s, data + have, cap - have, &got, why,
                            whylen)) != NN_OK) {
            size_t len = why ? strlen(why) : 0;
            if (why && len + 1 < whylen && have + got < need)
                snprintf(why + len, whylen - len, ": header says %s = %lu "
                         "bytes, %s %lu", desc, (unsigned long)(hdr + need),
                         has_what, (unsigned long)(hdr + have + got));
            goto fail;
        }
        have += got;
        if (have < cap || cap == need)
            break;
        {
            size_t ncap = cap > need / 2 ? need : cap * 2;
            unsigned char *p = realloc(data, ncap);
            if (!p) {
                err = nn_why(why, whylen, NN_ENOMEM, "out of memory");
                goto fail;
            }
            data = p;
            cap = ncap;
        }
    }
    if (have < need) {
        err = nn_why(why, whylen, NN_EFORMAT, "truncated: header says %s = "
                     "%lu bytes, %s %lu", desc, (unsigned long)(hdr + need),
                     has_what, (unsigned long)(hdr + have));
        goto fail;
    }

    /* Anything after the data is an error; count it (up to the limit). */
    do {
        if ((err = src_read(s, s->scratch, CHUNK, &got, why, whylen))
            != NN_OK)
            goto fail;
        trailing += got;
    } while (got == CHUNK && trailing <= IDX_MAX_BYTES);
    if (trailing > 0) {
        err = nn_why(why, whylen, NN_EFORMAT, "%s%llu byte%s of trailing "
                     "data: header says %s = %lu bytes, %s %s%llu",
                     got == CHUNK ? "more than " : "", trailing,
                     trailing == 1 ? "" : "s", desc,
                     (unsigned long)(hdr + need), has_what,
                     got == CHUNK ? "more than " : "",
                     (unsigned long long)(hdr + need) + trailing);
        goto fail;
    }

    idx = calloc(1, sizeof *idx);
    if (!idx) {
        err = nn_why(why, whylen, NN_ENOMEM, "out of memory");
        goto fail;
    }
    idx->ndim = ndim;
    for (i = 0; i < ndim; i++)
        idx->dims[i] = (int)d[i];   /* each <= IDX_MAX_BYTES < 2^31 */
    idx->count = (long)d[0];
    idx->item_size = (long)(need / d[0]);
    idx->data = data;
    if (s->zinit)
        inflateEnd(&s->zs);
    free(s);
    *out = idx;
    return NN_OK;

fail:
    free(data);
    if (s && s->zinit)
        inflateEnd(&s->zs);
    free(s);
    return err;
}

void nn_idx_free(nn_idx *idx)
{
    if (!idx)
        return;
    free(idx->data);
    free(idx);
}

int nn_idx_data(nn_data **out, const nn_idx *images, const nn_idx *labels,
                char *why, size_t whylen)
{
    nn_data *d = NULL;
    float *x = NULL, tab[256];
    int err;

    *out = NULL;
    if (images->ndim < 2)
        return nn_why(why, whylen, NN_ESHAPE, "images: %d dimension%s, "
                      "expected 2 or more (a labels file?)", images->ndim,
                      images->ndim == 1 ? "" : "s");
    if (images->item_size > NN_MAX_DIM)
        return nn_why(why, whylen, NN_ELIMIT, "images: %ld values per "
                      "image, more than the limit of %d", images->item_size,
                      NN_MAX_DIM);
    if (labels && labels->ndim != 1)
        return nn_why(why, whylen, NN_ESHAPE, "labels: %d dimensions, "
                      "expected 1", labels->ndim);
    if (labels && labels->count != images->count)
        return nn_why(why, whylen, NN_ESHAPE, "%ld images but %ld labels",
                      images->count, labels->count);
    if ((err = nn_data_new(&d, (int)images->item_size)) ||
        !(x = malloc(images->item_size * sizeof *x)))
        goto nomem;
    for (int k = 0; k < 256; k++)
        tab[k] = nn_pixel(k);
    for (long i = 0; i < images->count; i++) {
        const uint8_t *p = images->data + i * images->item_size;

        for (long j = 0; j < images->item_size; j++)
            x[j] = tab[p[j]];
        if ((err = nn_data_add(d, x, labels ? labels->data[i] : -1))) {
            free(x);
            nn_data_free(d);
            return nn_why(why, whylen, err, "image %ld: %s", i + 1,
                          nn_strerror(err));
        }
    }
    free(x);
    *out = d;
    return NN_OK;
nomem:
    nn_data_free(d);
    return nn_why(why, whylen, NN_ENOMEM, "out of memory");
}
