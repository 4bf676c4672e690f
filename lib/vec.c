/* vec.c - the vector streams that connect the nn tools: readers and writers
 * of the text and binary formats (specified in docs/formats.md).  Numbers
 * are read and written in the C locale (lib/numtext.c). */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

#ifdef __GNUC__
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

#define MAX_LINE NN_MAX_LINE        /* text line bytes, newline excluded */
#define HDR_SIZE 16
#define VEC_VERSION 1
#define FLAG_LABELLED 0x01
#define WBUF 65536                   /* writer staging buffer */

/* 0x89 cannot start a text stream (not ASCII) and, as the high byte of the
 * little-endian int32 0x564e4e89, keeps the magic far above any label. */
static const unsigned char magic[4] = { 0x89, 'N', 'N', 'V' };
/* A tag block (a record's source) starts with this instead: as far above
 * any label, and told from a header by its fourth byte. */
static const unsigned char tag_magic[4] = { 0x89, 'N', 'N', 'T' };
#define TAG_HEAD 12                 /* magic, count, length */

static uint32_t get_u32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

static void put_u32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)v;
    b[1] = (unsigned char)(v >> 8);
    b[2] = (unsigned char)(v >> 16);
    b[3] = (unsigned char)(v >> 24);
}

static uint32_t float_bits(float f)
{
    uint32_t u;

    memcpy(&u, &f, sizeof u);
    return u;
}

static int bits_finite(uint32_t u)
{
    return (u & 0x7f800000u) != 0x7f800000u;
}

/* ------------------------------------------------------------------------ */
/* Reader */

enum { ST_FRESH, ST_TEXT, ST_BINARY, ST_END, ST_FAILED };

struct nn_vec_reader {
    FILE *fp;                   /* borrowed */
    int hint;               /* dim_hint, 0 if none */
    int dim;                /* 0 until known */
    int format;             /* NN_VEC_*: text, or the current header's type */
    int state;              /* ST_* */
    long count;             /* records returned */
    long line;              /* text: lines consumed */
    int err;                /* ST_FAILED: the error, repeated on later calls */
    char msg[256];
    /* text */
    char *lbuf;             /* current line, lcap bytes */
    size_t lcap;
    float *vals;            /* fields of the current line as floats */
    size_t vcap;
    /* binary */
    int nhdr;               /* headers read */
    int esize, flags;
    unsigned char *raw;     /* one record's elements, rawcap bytes */
    size_t rawcap;
    float *x;               /* dim floats, once a whole record was read */
    /* the tag of the records that follow: a name, or none (tag[0] == 0) */
    char tag[NN_MAX_TAG];
    long tag_count;         /* the tag's COUNT, -1 if it gives none */
    nn_tag_fn on_tag;       /* told of each tag as it is read */
    void *on_tag_arg;
};

static int fail(nn_vec_reader *r, char *why, size_t whylen, int err,
                const char *fmt, ...) PRINTF_LIKE(5, 6);

/* Records the error (sticky: later reads return it again) and reports it. */
static int fail(nn_vec_reader *r, char *why, size_t whylen, int err,
                const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    r->err = err;
    r->state = ST_FAILED;
    if (why && whylen > 0)
        snprintf(why, whylen, "%s", r->msg);
    return err;
}

/* Up to 20 bytes of s[0..n) for a message, non-printing bytes as \xHH;
 * out must hold 90 bytes. */
static const char *quote(char *out, const char *s, size_t n)
{
    size_t i, k = 0;

    for (i = 0; i < n && i < 20; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
            out[k++] = (char)c;
        else
            k += (size_t)sprintf(out + k, "\\x%02x", c);
    }
    if (i < n) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

/* What a stream starting with s[0..n) is, when it is a well-known kind of
 * file given by mistake; NULL otherwise. */
static const char *sniff(const unsigned char *s, size_t n)
{
    if (nn_utf8_bom(s, n))
        return "starts with a UTF-8 byte order mark; vector streams are "
               "plain ASCII";
    switch (nn_file_kind(s, n)) {
    case NN_KIND_GZIP:
        return "gzip-compressed data, not a vector stream "
               "(decompress it first, e.g. with zcat)";
    case NN_KIND_IDX:
        return "an IDX file, not a vector stream (convert it with idx2vec)";
    case NN_KIND_JPEG:
        return "a JPEG image, not a vector stream";
    case NN_KIND_PNG:
        return "a PNG image, not a vector stream";
    }
    return NULL;
}

int nn_vec_reader_new(nn_vec_reader **out, FILE *fp, int dim_hint)
{
    nn_vec_reader *r;

    if (!out)
        return NN_EINVAL;
    *out = NULL;
    if (!fp || dim_hint < 0 || dim_hint > NN_MAX_DIM)
        return NN_EINVAL;
    r = calloc(1, sizeof *r);
    if (!r)
        return NN_ENOMEM;
    r->fp = fp;
    r->hint = dim_hint;
    r->dim = dim_hint;
    r->format = NN_VEC_TEXT;
    r->state = ST_FRESH;
    *out = r;
    return NN_OK;
}

void nn_vec_reader_free(nn_vec_reader *r)
{
    if (!r)
        return;
    free(r->lbuf);
    free(r->vals);
    free(r->raw);
    free(r->x);
    free(r);
}

int nn_vec_dim(const nn_vec_reader *r)
{
    return r->dim;
}

int nn_vec_format(const nn_vec_reader *r)
{
    return r->format;
}

long nn_vec_count(const nn_vec_reader *r)
{
    return r->count;
}

const char *nn_vec_tag(const nn_vec_reader *r, long *count)
{
    if (count)
        *count = r->tag[0] ? r->tag_count : -1;
    return r->tag[0] ? r->tag : NULL;
}

/* Whether s[0..n) can be a tag's name: 1 to NN_MAX_TAG - 1 bytes, none of
 * them NUL, TAB, LF or CR (the text form's separators). */
static int tag_name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= NN_MAX_TAG)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\0' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
            return 0;
    return 1;
}

/* Makes name[0..n) (checked) the tag of the records that follow. */
static void set_tag(nn_vec_reader *r, const char *name, size_t n, long count)
{
    memcpy(r->tag, name, n);
    r->tag[n] = '\0';
    r->tag_count = count;
    if (r->on_tag)
        r->on_tag(r->tag, count, r->on_tag_arg);
}

void nn_vec_on_tag(nn_vec_reader *r, nn_tag_fn fn, void *arg)
{
    r->on_tag = fn;
    r->on_tag_arg = arg;
}

/* A comment line p[0..e) ('#' at p) is a tag line when it is "# NAME" or
 * "# NAME<TAB>COUNT" (formats.md 2.1); any other comment leaves the tag as
 * it was. */
static void text_tag(nn_vec_reader *r, const char *p, const char *e)
{
    const char *name = p + 2, *tab;
    long count = -1;

    if (e - p < 3 || p[1] != ' ')
        return;
    tab = memchr(name, '\t', (size_t)(e - name));
    if (tab) {
        const char *d = tab + 1;
        if (d == e || e - d > 10)
            return;
        for (count = 0; d < e; d++) {
            if (*d < '0' || *d > '9')
                return;
            count = count * 10 + (*d - '0');
        }
        if (count > INT32_MAX)
            return;
    }
    if (tag_name_ok(name, (size_t)((tab ? tab : e) - name)))
        set_tag(r, name, (size_t)((tab ? tab : e) - name), count);
}

/* ---- text ---- */

/* Next line into r->lbuf, without its '\n', NUL-terminated (there is always
 * room for one more byte).  1 and *len, or 0 at the end of input, or NN_E*. */
static int read_line(nn_vec_reader *r, size_t *len, char *why, size_t whylen)
{
    FILE *fp = r->fp;
    size_t n = 0, cap = r->lcap;
    char *buf = r->lbuf;
    int c, err = NN_OK;

    flockfile(fp);
    while ((c = getc_unlocked(fp)) != EOF && c != '\n') {
        if (n + 1 >= cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            char *p;
            if (n >= MAX_LINE) {
                err = NN_ELIMIT;
                break;
            }
            if (ncap > MAX_LINE + 1)
                ncap = MAX_LINE + 1;
            p = realloc(buf, ncap);
            if (!p) {
                err = NN_ENOMEM;
                break;
            }
            r->lbuf = buf = p;
            r->lcap = cap = ncap;
        }
        buf[n++] = (char)c;
    }
    funlockfile(fp);
    if (err == NN_ELIMIT) {
        const char *what = r->line == 0 ?
            sniff((const unsigned char *)buf, n) : NULL;
        if (what)
            return fail(r, why, whylen, NN_EFORMAT, "line 1: %s", what);
        return fail(r, why, whylen, NN_ELIMIT,
                    "line %ld: longer than %lu bytes (not a text vector "
                    "stream?)", r->line + 1, (unsigned long)MAX_LINE);
    }
    if (err == NN_ENOMEM)
        return fail(r, why, whylen, NN_ENOMEM, "line %ld: out of memory",
                    r->line + 1);
    if (c == EOF) {
        if (ferror(fp))
            return fail(r, why, whylen, NN_EIO, "line %ld: read error",
                        r->line + 1);
        if (n == 0)
            return 0;
    }
    if (!buf) {             /* empty first line: nothing allocated yet */
        r->lbuf = buf = malloc(4096);
        if (!buf)
            return fail(r, why, whylen, NN_ENOMEM, "out of memory");
        r->lcap = 4096;
    }
    buf[n] = '\0';
    r->line++;
    *len = n;
    return 1;
}

/* '?' -> -1, or a decimal class number below NN_MAX_CLASSES. */
static int parse_label(const char *t, const char *e, int *out)
{
    long v = 0;

    if (e - t == 1 && *t == '?') {
        *out = -1;
        return 0;
    }
    if (t == e)
        return -1;
    for (; t < e; t++) {
        if (*t < '0' || *t > '9')
            return -1;
        v = v * 10 + (*t - '0');
        if (v >= NN_MAX_CLASSES)
            return -1;
    }
    *out = (int)v;
    return 0;
}

static int grow_vals(nn_vec_reader *r, size_t need)
{
    size_t cap = r->vcap ? r->vcap : 1024;
    float *p;

    while (cap < need)
        cap *= 2;
    if (cap > (size_t)NN_MAX_DIM + 1)
        cap = (size_t)NN_MAX_DIM + 1;
    p = realloc(r->vals, cap * sizeof *p);
    if (!p)
        return NN_ENOMEM;
    r->vals = p;
    r->vcap = cap;
    return NN_OK;
}

/* Before reporting a malformed record: if the line r->lbuf[0..e) holds a
 * byte that is not printable ASCII, tab or CR, the input is binary data, and
 * saying so is clearer than quoting the bytes. */
static int binary_line(nn_vec_reader *r, const char *e, char *why,
                       size_t whylen)
{
    const char *s;

    for (s = r->lbuf; s < e; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && c != '\t' && c != '\r') || c >= 0x7f)
            return fail(r, why, whylen, NN_EFORMAT,
                        "line %ld: byte 0x%02x at column %lu is not text "
                        "(binary data, not a text vector stream)", r->line,
                        c, (unsigned long)(s - r->lbuf + 1));
    }
    return NN_OK;
}

/* One record from the fields in p[0..e) (e writable; not blank). */
static int text_record(nn_vec_reader *r, char *p, char *e, const float **x,
                       int *label, char *why, size_t whylen)
{
    size_t nf = 0;                      /* fields seen */
    size_t maxf = r->dim ? (size_t)r->dim + 1 : (size_t)NN_MAX_DIM + 1;
    char *t0 = p, *t0e = p;             /* field 0: label or value 1 */
    int tab0 = 0;                       /* a TAB follows field 0: a label */
    int bad0 = NN_NUM_OK;               /* field 0 as a value (hint only) */
    size_t badi = 0;                    /* first bad field after field 0 */
    int badk = NN_NUM_OK;
    char *bt = NULL, *bte = NULL, q[90];
    int labelled, lab = -1, rc;
    long ln = r->line;

    for (;;) {
        char *t;
        while (p < e && (*p == ' ' || *p == '\t')) {
            if (nf == 1 && *p == '\t')
                tab0 = 1;
            p++;
        }
        if (p == e)
            break;
        t = p;
        while (p < e && *p != ' ' && *p != '\t')
            p++;
        if (nf < maxf) {
            if (nf >= r->vcap && grow_vals(r, nf + 1))
                return fail(r, why, whylen, NN_ENOMEM,
                            "line %ld: out of memory", ln);
            if (nf == 0) {
                t0 = t;
                t0e = p;
                if (r->hint)
                    bad0 = nn_scan_float(t, p, &r->vals[0]);
            } else if (badk == NN_NUM_OK) {
                /* Most values of an image are 0: no call for those. */
                int k = p - t == 1 && *t == '0'
                    ? (r->vals[nf] = 0.0f, NN_NUM_OK)
                    : nn_scan_float(t, p, &r->vals[nf]);
                if (k != NN_NUM_OK) {
                    badi = nf;
                    badk = k;
                    bt = t;
                    bte = p;
                }
            }
        } else if (!r->dim) {
            return fail(r, why, whylen, NN_ELIMIT,
                        "line %ld: more than %d values", ln, NN_MAX_DIM);
        }
        nf++;
    }

    if (!r->dim || nf == (size_t)r->dim + 1) {
        labelled = 1;
    } else if (r->hint && nf == (size_t)r->dim && !tab0) {
        labelled = 0;
    } else if ((rc = binary_line(r, e, why, whylen)) != NN_OK) {
        return rc;
    } else if (r->hint && nf == (size_t)r->dim) {
        return fail(r, why, whylen, NN_ESHAPE,
                    "line %ld: a label and %lu values, expected %d values "
                    "(the field before a TAB is a label)", ln,
                    (unsigned long)(nf - 1), r->dim);
    } else if (r->hint) {
        return fail(r, why, whylen, NN_ESHAPE,
                    "line %ld: expected %d values (or a label and %d "
                    "values), got %lu fields", ln, r->dim, r->dim,
                    (unsigned long)nf);
    } else {
        return fail(r, why, whylen, NN_ESHAPE,
                    "line %ld: expected %d values, got %lu", ln, r->dim,
                    (unsigned long)(nf - 1));
    }

    if (labelled) {
        if (parse_label(t0, t0e, &lab)) {
            if ((rc = binary_line(r, e, why, whylen)) != NN_OK)
                return rc;
            return fail(r, why, whylen, NN_EFORMAT,
                        "line %ld: label '%s' is not a class number "
                        "(0..%d) or '?'", ln, quote(q, t0, (size_t)(t0e - t0)),
                        NN_MAX_CLASSES - 1);
        }
        if (nf < 2)
            return fail(r, why, whylen, NN_EFORMAT,
                        "line %ld: a label and no values", ln);
    } else if (bad0 != NN_NUM_OK) {
        badi = 0;
        badk = bad0;
        bt = t0;
        bte = t0e;
    }
    if (badk != NN_NUM_OK) {
        unsigned long vi;
        if ((rc = binary_line(r, e, why, whylen)) != NN_OK)
            return rc;
        vi = (unsigned long)(labelled ? badi : badi + 1);
        quote(q, bt, (size_t)(bte - bt));
        if (badk == NN_NUM_BAD)
            return fail(r, why, whylen, NN_EFORMAT,
                        "line %ld: value %lu: '%s' is not a number", ln, vi, q);
        if (badk == NN_NUM_NONFINITE)
            return fail(r, why, whylen, NN_EFORMAT,
                        "line %ld: value %lu: %s is not finite", ln, vi, q);
        return fail(r, why, whylen, NN_EFORMAT,
                    "line %ld: value %lu: %s is too large for a float",
                    ln, vi, q);
    }
    if (!r->dim)
        r->dim = (int)(nf - 1);
    *x = labelled ? r->vals + 1 : r->vals;
    *label = lab;
    r->count++;
    return 1;
}

static int text_read(nn_vec_reader *r, const float **x, int *label,
                     char *why, size_t whylen)
{
    for (;;) {
        size_t n = 0;
        char *s, *e, *p;
        int rc = read_line(r, &n, why, whylen);

        if (rc <= 0) {
            if (rc == 0)
                r->state = ST_END;
            return rc;
        }
        s = r->lbuf;
        e = s + n;
        if (r->line == 1) {
            const char *what = sniff((const unsigned char *)s, n);
            if (what)
                return fail(r, why, whylen, NN_EFORMAT, "line 1: %s", what);
        }
        if (memchr(s, '\0', n))
            return fail(r, why, whylen, NN_EFORMAT,
                        "line %ld: NUL byte (binary data, not a text vector "
                        "stream)", r->line);
        if (e > s && e[-1] == '\r')
            *--e = '\0';
        for (p = s; p < e && (*p == ' ' || *p == '\t'); p++)
            ;
        if (p < e && *p == '#')
            text_tag(r, p, e);
        if (p == e || *p == '#')
            continue;
        return text_record(r, p, e, x, label, why, whylen);
    }
}

/* ---- binary ---- */

/* Checks and adopts header h (16 bytes, magic already matched). */
static int bin_header(nn_vec_reader *r, const unsigned char *h, char *why,
                      size_t whylen)
{
    char where[48];
    uint32_t dim = get_u32(h + 8);
    int first = r->nhdr == 0;

    if (first)
        snprintf(where, sizeof where, "header");
    else
        snprintf(where, sizeof where, "record %ld: new header", r->count + 1);
    if (h[4] != VEC_VERSION)
        return fail(r, why, whylen, NN_EFORMAT,
                    "%s: version %d not supported (this reader knows %d)",
                    where, h[4], VEC_VERSION);
    if (h[5] != NN_VEC_F32 && h[5] != NN_VEC_U8)
        return fail(r, why, whylen, NN_EFORMAT,
                    "%s: unknown element type %d", where, h[5]);
    if (h[6] & ~FLAG_LABELLED)
        return fail(r, why, whylen, NN_EFORMAT,
                    "%s: unknown flags 0x%02x", where, h[6]);
    if (h[7] || get_u32(h + 12))
        return fail(r, why, whylen, NN_EFORMAT,
                    "%s: reserved bytes are not zero", where);
    if (dim == 0)
        return fail(r, why, whylen, NN_EFORMAT, "%s: dim is 0", where);
    if (dim > NN_MAX_DIM)
        return fail(r, why, whylen, NN_ELIMIT,
                    "%s: dim %lu exceeds the limit %d", where,
                    (unsigned long)dim, NN_MAX_DIM);
    if (r->dim && dim != (uint32_t)r->dim) {
        if (first)
            return fail(r, why, whylen, NN_ESHAPE,
                        "header: vectors of %lu values, expected %d",
                        (unsigned long)dim, r->dim);
        return fail(r, why, whylen, NN_ESHAPE,
                    "%s: dim %lu, expected %d (concatenated streams must "
                    "have the same dim)", where, (unsigned long)dim, r->dim);
    }
    r->dim = (int)dim;
    r->format = h[5];
    r->esize = h[5] == NN_VEC_F32 ? 4 : 1;
    r->flags = h[6];
    r->nhdr++;
    return NN_OK;
}

/* Reads a record's need bytes into r->raw; *got < need at the end of the
 * input.  The buffer grows only as bytes arrive, so a header's dim cannot
 * make the reader allocate much more than the input holds. */
static int read_body(nn_vec_reader *r, size_t need, size_t *got)
{
    size_t n = 0, want;

    for (;;) {
        if (r->rawcap < need && n == r->rawcap) {
            size_t cap = r->rawcap ? 2 * r->rawcap : 4096;
            unsigned char *p;
            if (cap > need)
                cap = need;
            if (!(p = realloc(r->raw, cap)))
                return NN_ENOMEM;
            r->raw = p;
            r->rawcap = cap;
        }
        want = (need < r->rawcap ? need : r->rawcap) - n;
        n += fread(r->raw + n, 1, want, r->fp);
        if (n == need || n < r->rawcap)
            break;
    }
    *got = n;
    return n < need && ferror(r->fp) ? NN_EIO : NN_OK;
}

/* A tag block whose magic is in b[0..4) (formats.md 3.3): its count and
 * length, then the name. */
static int bin_tag(nn_vec_reader *r, unsigned char *b, char *why,
                   size_t whylen)
{
    char name[NN_MAX_TAG];
    long rec = r->count + 1;
    size_t got = fread(b + 4, 1, TAG_HEAD - 4, r->fp);
    uint32_t count, len;

    if (got == TAG_HEAD - 4) {
        count = get_u32(b + 4);
        len = get_u32(b + 8);
        if (count != 0xffffffffu && count > INT32_MAX)
            return fail(r, why, whylen, NN_EFORMAT, "record %ld: tag: count "
                        "%lu out of range (-1..%ld)", rec,
                        (unsigned long)count, (long)INT32_MAX);
        if (len == 0 || len >= NN_MAX_TAG)
            return fail(r, why, whylen, NN_EFORMAT, "record %ld: tag: name "
                        "of %lu bytes (1..%d)", rec, (unsigned long)len,
                        NN_MAX_TAG - 1);
        got = fread(name, 1, len, r->fp);
        if (got == len) {
            if (!tag_name_ok(name, len))
                return fail(r, why, whylen, NN_EFORMAT, "record %ld: tag: "
                            "name holds a NUL, TAB, LF or CR byte", rec);
            set_tag(r, name, len, count == 0xffffffffu ? -1 : (long)count);
            return NN_OK;
        }
        got += TAG_HEAD;
    } else {
        got += 4;
    }
    if (ferror(r->fp))
        return fail(r, why, whylen, NN_EIO, "record %ld: read error", rec);
    return fail(r, why, whylen, NN_EFORMAT, "record %ld: truncated tag: "
                "%lu bytes", rec, (unsigned long)got);
}

static int bin_read(nn_vec_reader *r, const float **x,
                    const unsigned char **codes, int *label, char *why,
                    size_t whylen)
{
    unsigned char b[HDR_SIZE];
    size_t got, need;
    long rec = r->count + 1;
    int64_t lab;
    int j, rc;

    for (;;) {
        need = (size_t)r->dim * (size_t)r->esize;
        got = fread(b, 1, 4, r->fp);
        if (got < 4) {
            if (ferror(r->fp))
                return fail(r, why, whylen, NN_EIO,
                            "record %ld: read error", rec);
            if (got == 0) {
                r->state = ST_END;
                return 0;
            }
            return fail(r, why, whylen, NN_EFORMAT,
                        "record %ld: truncated: %lu of %lu bytes", rec,
                        (unsigned long)got, (unsigned long)(4 + need));
        }
        if (memcmp(b, tag_magic, 4) == 0) {
            if ((rc = bin_tag(r, b, why, whylen)) != NN_OK)
                return rc;
            continue;
        }
        if (memcmp(b, magic, 4) != 0)
            break;
        got = fread(b + 4, 1, HDR_SIZE - 4, r->fp);
        if (got < HDR_SIZE - 4) {
            if (ferror(r->fp))
                return fail(r, why, whylen, NN_EIO,
                            "record %ld: read error", rec);
            return fail(r, why, whylen, NN_EFORMAT,
                        "record %ld: truncated header: %lu of %d bytes",
                        rec, (unsigned long)(got + 4), HDR_SIZE);
        }
        if ((rc = bin_header(r, b, why, whylen)) != NN_OK)
            return rc;
    }

    lab = (int64_t)get_u32(b);
    if (lab > INT32_MAX)
        lab -= (int64_t)1 << 32;
    if (lab < -1 || lab >= NN_MAX_CLASSES)
        return fail(r, why, whylen, NN_EFORMAT,
                    "record %ld: label %ld out of range (-1..%d)", rec,
                    (long)lab, NN_MAX_CLASSES - 1);
    if (lab == -1 && (r->flags & FLAG_LABELLED))
        return fail(r, why, whylen, NN_EFORMAT,
                    "record %ld: no label (-1), but the header says every "
                    "record is labelled", rec);
    if ((rc = read_body(r, need, &got)) != NN_OK)
        return fail(r, why, whylen, rc, "record %ld: %s", rec,
                    rc == NN_EIO ? "read error" : "out of memory");
    if (got < need)
        return fail(r, why, whylen, NN_EFORMAT,
                    "record %ld: truncated: %lu of %lu bytes", rec,
                    (unsigned long)(4 + got), (unsigned long)(4 + need));
    if (!r->x && !(r->x = malloc((size_t)r->dim * sizeof *r->x)))
        return fail(r, why, whylen, NN_ENOMEM, "record %ld: out of memory",
                    rec);
    if (r->esize == 4) {
        for (j = 0; j < r->dim; j++) {
            uint32_t u = get_u32(r->raw + 4 * (size_t)j);
            if (!bits_finite(u))
                return fail(r, why, whylen, NN_EFORMAT,
                            "record %ld: value %d: %s is not finite", rec,
                            j + 1, (u & 0x007fffffu) ? "nan" :
                            (u >> 31) ? "-inf" : "inf");
            memcpy(&r->x[j], &u, sizeof u);
        }
        *x = r->x;
    } else {
        *codes = r->raw;
    }
    *label = (int)lab;
    r->count++;
    return 1;
}

int nn_vec_next(nn_vec_reader *r, const float **x,
                const unsigned char **codes, int *label, char *why,
                size_t whylen)
{
    unsigned char h[HDR_SIZE];
    size_t got;
    int c, rc;

    *x = NULL;
    *codes = NULL;

    if (r->state == ST_FAILED) {
        if (why && whylen > 0)
            snprintf(why, whylen, "%s", r->msg);
        return r->err;
    }
    if (r->state == ST_END)
        return 0;
    if (r->state == ST_FRESH) {
        c = getc(r->fp);
        if (c == EOF) {
            if (ferror(r->fp))
                return fail(r, why, whylen, NN_EIO, "read error");
            r->state = ST_END;
            return 0;
        }
        if (ungetc(c, r->fp) == EOF)
            return fail(r, why, whylen, NN_EIO, "read error");
        if (c != magic[0]) {
            r->state = ST_TEXT;
        } else {
            got = fread(h, 1, HDR_SIZE, r->fp);
            if (got < HDR_SIZE && ferror(r->fp))
                return fail(r, why, whylen, NN_EIO, "header: read error");
            if (got >= 4 && memcmp(h, magic, 4) != 0) {
                const char *what = sniff(h, got);
                return fail(r, why, whylen, NN_EFORMAT,
                            "header: %s", what ? what :
                            "bad magic, not a vector stream");
            }
            if (got < HDR_SIZE)
                return fail(r, why, whylen, NN_EFORMAT,
                            "header: truncated: %lu of %d bytes",
                            (unsigned long)got, HDR_SIZE);
            if ((rc = bin_header(r, h, why, whylen)) != NN_OK)
                return rc;
            r->state = ST_BINARY;
        }
    }
    if (r->state == ST_TEXT)
        return text_read(r, x, label, why, whylen);
    return bin_read(r, x, codes, label, why, whylen);
}

int nn_vec_read(nn_vec_reader *r, const float **x, int *label,
                char *why, size_t whylen)
{
    const unsigned char *codes;
    int rc = nn_vec_next(r, x, &codes, label, why, whylen);

    if (rc == 1 && codes) {
        nn_pixels_to_floats(r->x, codes, (size_t)r->dim);
        *x = r->x;
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Writer */

struct nn_vec_writer {
    FILE *fp;
    int format, dim;
    int nhdr;               /* headers written */
    int hdr_flags;          /* flags of the last header */
    unsigned char *buf;     /* staging, WBUF bytes; empty between calls */
    size_t len;
    char pixs[256][NN_NUM_CHARS];   /* text of pixel k (text writers) */
    unsigned char pixn[256];
};

int nn_vec_writer_new(nn_vec_writer **out, FILE *fp, int format, int dim)
{
    nn_vec_writer *w;
    int k;

    if (!out)
        return NN_EINVAL;
    *out = NULL;
    if (!fp || dim < 1 || dim > NN_MAX_DIM ||
        (format != NN_VEC_TEXT && format != NN_VEC_F32 &&
         format != NN_VEC_U8))
        return NN_EINVAL;
    w = calloc(1, sizeof *w);
    if (!w)
        return NN_ENOMEM;
    w->buf = malloc(WBUF);
    if (!w->buf) {
        free(w);
        return NN_ENOMEM;
    }
    w->fp = fp;
    w->format = format;
    w->dim = dim;
    for (k = 0; format == NN_VEC_TEXT && k < 256; k++)
        w->pixn[k] = (unsigned char)nn_format_float(w->pixs[k],
                                                    nn_pixels[k], 0);
    *out = w;
    return NN_OK;
}

void nn_vec_writer_free(nn_vec_writer *w)
{
    if (!w)
        return;
    free(w->buf);
    free(w);
}

static int wflush(nn_vec_writer *w)
{
    if (w->len > 0 && fwrite(w->buf, 1, w->len, w->fp) != w->len) {
        w->len = 0;
        return NN_EIO;
    }
    w->len = 0;
    return NN_OK;
}

/* A header for the records to come; flags as the first record's. */
static void put_header(nn_vec_writer *w, int flags)
{
    unsigned char *b = w->buf + w->len;

    memset(b, 0, HDR_SIZE);
    memcpy(b, magic, 4);
    b[4] = VEC_VERSION;
    b[5] = (unsigned char)w->format;
    b[6] = (unsigned char)flags;
    put_u32(b + 8, (uint32_t)w->dim);
    w->len += HDR_SIZE;
    w->nhdr++;
    w->hdr_flags = flags;
}

/* Makes room for n more bytes (n <= WBUF). */
static int wroom(nn_vec_writer *w, size_t n)
{
    return w->len + n > WBUF ? wflush(w) : NN_OK;
}

static int write_text(nn_vec_writer *w, const float *x, int label)
{
    int j, k, err;

    if (label < 0)
        w->buf[w->len++] = '?';
    else
        w->len += (size_t)sprintf((char *)w->buf + w->len, "%d", label);
    w->buf[w->len++] = '\t';
    for (j = 0; j < w->dim; j++) {
        /* a separator and a number */
        if ((err = wroom(w, 1 + NN_NUM_CHARS)) != NN_OK)
            return err;
        if (j > 0)
            w->buf[w->len++] = ' ';
        k = nn_pixel_code(x[j]);
        if (k >= 0) {
            memcpy(w->buf + w->len, w->pixs[k], w->pixn[k]);
            w->len += w->pixn[k];
        } else {
            char *at = (char *)w->buf + w->len;
            w->len += (size_t)nn_format_float(at, x[j], 0);
        }
    }
    if ((err = wroom(w, 1)) != NN_OK)
        return err;
    w->buf[w->len++] = '\n';
    return NN_OK;
}

static int write_binary(nn_vec_writer *w, const float *x, int label)
{
    int j, err, flags = label >= 0 ? FLAG_LABELLED : 0;

    /* The header's "all labelled" flag is set from the first record; an
     * unlabelled record after that starts a new header without it. */
    if (w->nhdr == 0 || (w->hdr_flags & ~flags))
        put_header(w, flags);
    put_u32(w->buf + w->len, (uint32_t)label);
    w->len += 4;
    for (j = 0; j < w->dim; j++) {
        if ((err = wroom(w, 4)) != NN_OK)
            return err;
        if (w->format == NN_VEC_F32) {
            put_u32(w->buf + w->len, float_bits(x[j]));
            w->len += 4;
        } else {
            w->buf[w->len++] = (unsigned char)nn_pixel_code(x[j]);
        }
    }
    return NN_OK;
}

int nn_vec_write(nn_vec_writer *w, const float *x, int label)
{
    int j, err;

    if (!w || !x || label < -1 || label >= NN_MAX_CLASSES)
        return NN_EINVAL;
    /* Check the whole record first, so that nothing of it is written. */
    for (j = 0; j < w->dim; j++) {
        if (!bits_finite(float_bits(x[j])))
            return NN_EINVAL;
        if (w->format == NN_VEC_U8 && nn_pixel_code(x[j]) < 0)
            return NN_EINVAL;
    }
    w->len = 0;
    if (w->format == NN_VEC_TEXT)
        err = write_text(w, x, label);
    else
        err = write_binary(w, x, label);
    if (err == NN_OK)
        err = wflush(w);
    if (err == NN_OK && ferror(w->fp))
        err = NN_EIO;
    return err;
}

int nn_vec_write_tag(nn_vec_writer *w, const char *name, long count)
{
    size_t n = name ? strlen(name) : 0;
    int err;

    if (!w || !tag_name_ok(name, n) || count < -1 || count > INT32_MAX)
        return NN_EINVAL;
    w->len = 0;
    if (w->format == NN_VEC_TEXT) {
        w->len = (size_t)sprintf((char *)w->buf, "# %s", name);
        if (count >= 0)
            w->len += (size_t)sprintf((char *)w->buf + w->len, "\t%ld",
                                      count);
        w->buf[w->len++] = '\n';
    } else {
        /* A tag may not come before the first header; flags 0 says
         * nothing of the labels to come. */
        if (w->nhdr == 0)
            put_header(w, 0);
        memcpy(w->buf + w->len, tag_magic, 4);
        put_u32(w->buf + w->len + 4, (uint32_t)count);
        put_u32(w->buf + w->len + 8, (uint32_t)n);
        memcpy(w->buf + w->len + TAG_HEAD, name, n);
        w->len += TAG_HEAD + n;
    }
    err = wflush(w);
    if (err == NN_OK && ferror(w->fp))
        err = NN_EIO;
    return err;
}

FILE *nn_vec_file(const nn_vec_reader *r)
{
    return r->fp;
}
