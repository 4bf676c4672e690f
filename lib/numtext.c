/* numtext.c - numbers as text, both ways, for the vector streams and the
 * model files: one decimal scanner, exact (what strtof and strtod give in
 * the C locale) and fast for the short decimals nnpipe writes, and one
 * formatter, the shortest text that reads back to the same float.
 *
 * Why the fast paths are exact.  The scanner reads a decimal as an integer
 * m of nd significant digits and a power of ten: the value is m * 10^s.
 *   double: with nd <= 15 and |s| <= 22, m and 10^|s| are exact doubles,
 *     so the one multiplication or division rounds correctly, as strtod
 *     does (Clinger's fast path).
 *   float: with nd <= 9 and -11 <= s <= 0, q = m / 10^-s is the correctly
 *     rounded double of the decimal, off by at most 2^-53 relatively.  A
 *     decimal of this size that is not itself a float midpoint differs
 *     from every midpoint by more than 2^-50.5 relatively, so q lies on
 *     the same side of every midpoint as the decimal, and rounding q to
 *     float gives what strtof gives.  A decimal that is a midpoint is
 *     m / 10^-s with 5^-s dividing m, an exact double, so q is exact and
 *     rounds as strtof rounds it (to even).  With 0 < s <= 6, m * 10^s is
 *     below 10^15 < 2^53, an exact double, and rounding it once to float
 *     is correct.
 * Both need arithmetic in the declared types (FLT_EVAL_METHOD 0, as on
 * x86-64 and AArch64); anything else goes to strtof or strtod.  Each
 * returned value is checked against them in tests/check_numtext.c.
 *
 * A model file's numbers (JSON, -0.012345678) take a shorter road,
 * scan_json_short: the same m and s, eight digit bytes a step, and the
 * same double fast path (nd <= 15, -22 <= s <= 0); whatever else it meets
 * (an exponent, more digits, the end of the text near) goes to scan().
 * A model's float is the float of that double, as the reader has always
 * taken it (nn_scan_json_floats reads runs of them). */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

static const double p10[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
    1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* A decimal read by scan(): m * 10^scale with nd significant digits; m
 * and scale are exact only for nd <= 19, which the fast paths need
 * anyway. */
struct decimal {
    uint64_t m;
    int nd, scale, neg;
};

static int digit(const char *p, const char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Up to eight digits at once (after simdjson): v holds the eight bytes at
 * p, the first in the low byte. */

/* How many of them, from the first, are '0'..'9'.  A byte is a digit when
 * its high half is 3 and stays 3 after adding 6; adding 6 carries into
 * the next byte only from a byte above 0xF9, a non-digit, so the first
 * non-digit is found exactly (what lies after it does not matter). */
static int digit_run(uint64_t v)
{
    uint64_t x = ((v & 0xF0F0F0F0F0F0F0F0ULL) |
                  (((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4))
                 ^ 0x3333333333333333ULL;

    return x ? __builtin_ctzll(x) >> 3 : 8;
}

/* The value of eight digit values 0..9 (bytes, the first in the low byte)
 * as one eight-digit number. */
static uint32_t eight_value(uint64_t v)
{
    v = v * 10 + (v >> 8);          /* pairs of digits in 16-bit lanes */
    v = ((v & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32)) +
         ((v >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32))) >> 32;
    return (uint32_t)v;
}

static const uint32_t pow10[9] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000
};

/* Up to eight digits at p (eight bytes readable there): their count k into
 * *k and their value. */
static inline uint32_t run8(const char *p, int *k)
{
    uint64_t v;

    memcpy(&v, p, sizeof v);
    *k = digit_run(v);
    if (*k == 0)
        return 0;
    v -= 0x3030303030303030ULL;     /* no borrow reaches the k digits */
    if (*k < 8)
        v <<= 8 * (8 - *k);         /* the digits last, zeros before */
    return eight_value(v);
}
#endif

/* The digits at p into d (m and nd); the end of them.  The numbers of a
 * model file have nine digits or so: most take one or two steps of eight
 * bytes, the last step the k < 8 digits before the first non-digit
 * (shifted up so that the zeros below them read as leading zeros). */
static inline const char *digits(const char *p, const char *end,
                                 struct decimal *d)
{
    const char *first = p;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    int k;

    while (end - p >= 8) {
        uint32_t lo = run8(p, &k);
        if (k == 0)
            break;
        d->m = d->m * pow10[k] + lo;
        p += k;
        if (k < 8)
            break;
    }
    if (end - p >= 8) {             /* stopped at a non-digit */
        d->nd += (int)(p - first);
        return p;
    }
#endif
    for (; digit(p, end); p++)
        d->m = d->m * 10 + (uint64_t)(*p - '0');
    d->nd += (int)(p - first);
    return p;
}

/* The number at s (before end) in JSON's grammar (json: -?, no leading
 * zeros, digits on both sides of a point) or in the looser one of strtof
 * without its words and hex forms ([+-]?, digits on either side of an
 * optional point); in both an optional exponent [eE][+-]?digits.  The end
 * of the number, or NULL if s does not start with one. */
static inline const char *scan(const char *s, const char *end, int json,
                               struct decimal *d)
{
    const char *p = s, *q;
    int any, exp = 0, eneg = 0;

    d->m = 0;
    d->nd = d->scale = d->neg = 0;
    if (p < end && (*p == '-' || (!json && *p == '+')))
        d->neg = *p++ == '-';
    q = p;
    if (json && p < end && *p == '0') {
        p++;                        /* "0", then no more digits before '.' */
    } else {
        while (p < end && *p == '0')
            p++;                    /* leading zeros: no digit yet */
        p = digits(p, end, d);
    }
    any = p > q;
    if (json && !any)
        return NULL;
    if (p < end && *p == '.') {
        q = ++p;
        if (d->nd == 0)
            while (p < end && *p == '0')
                p++;                /* leading zeros after the point */
        p = digits(p, end, d);
        d->scale -= (int)(p - q);
        if (json && p == q)
            return NULL;
        any |= p > q;
    }
    if (!any)
        return NULL;
    if (p < end && (*p == 'e' || *p == 'E')) {
        q = p++;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        if (!digit(p, end)) {
            if (json)
                return NULL;
            return q;               /* "1e": the number is "1" */
        }
        for (; digit(p, end); p++)
            if (exp < 10000)
                exp = exp * 10 + (*p - '0');
    }
    d->scale += eneg ? -exp : exp;
    return p;
}

/* s[0..n) through strtof (is_float) or strtod in the C locale's sense: on
 * a NUL-terminated copy, with '.' as the locale's decimal point.  The
 * whole text must be read.  NN_NUM_OK or NN_NUM_BAD; *range is set when
 * strtof/strtod said ERANGE. */
static int convert(const char *s, size_t n, int is_float, double *out,
                   int *range)
{
    const char *point = localeconv()->decimal_point;
    size_t plen = strlen(point), i, k = 0;
    char small[64], *buf = small, *end;
    int err = NN_NUM_OK;

    if (n + plen * n + 1 > sizeof small &&
        !(buf = malloc(n + plen * n + 1)))
        return NN_NUM_BAD;
    for (i = 0; i < n; i++) {
        if (s[i] == '.') {
            memcpy(buf + k, point, plen);
            k += plen;
        } else {
            /* The locale's own point is no point here. */
            if (strcmp(point, ".") != 0 && s[i] == point[0])
                err = NN_NUM_BAD;
            buf[k++] = s[i];
        }
    }
    buf[k] = '\0';
    errno = 0;
    if (is_float)
        *out = strtof(buf, &end);
    else
        *out = strtod(buf, &end);
    *range = errno == ERANGE;
    if (end != buf + k || k == 0)
        err = NN_NUM_BAD;
    if (buf != small)
        free(buf);
    return err;
}

int nn_scan_float(const char *s, const char *e, float *out)
{
    struct decimal d;
    double v;
    int range, err;

#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
    if (scan(s, e, 0, &d) == e && d.nd <= 9 && d.scale >= -11 &&
        d.scale <= 6) {
        v = d.scale < 0 ? (double)d.m / p10[-d.scale]
                        : (double)d.m * p10[d.scale];
        *out = (float)(d.neg ? -v : v);
        return NN_NUM_OK;
    }
#endif
    if (s == e || isspace((unsigned char)*s))   /* strtof would skip it */
        return NN_NUM_BAD;
    if ((err = convert(s, (size_t)(e - s), 1, &v, &range)))
        return err;
    if (!isfinite(v))
        return range ? NN_NUM_RANGE : NN_NUM_NONFINITE;
    *out = (float)v;
    return NN_NUM_OK;
}

#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0 && \
    defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* nn_scan_json's common case, the numbers of a model file: -?int.frac or
 * -?int, at most 16 digits before and after the point with at most 15
 * significant, no exponent, 32 bytes or more before end (the most it
 * reads: a '-', 7 digits, the point, 8 zeros, 8 and 8 digit bytes).  1 with *out and
 * *next as nn_scan_json gives them (by the same double fast path), or 0
 * when the number is not of this form: scan() reads it then. */
static inline int scan_json_short(const char *s, const char *end,
                                  double *out, const char **next)
{
    const char *p = s + (*s == '-'), *q;
    uint64_t m = 0;
    int k, k2, nd = 0, scale;
    double v;

    if (end - s < 32)
        return 0;
    if (*p == '0') {
        p++;
    } else {
        m = run8(p, &k);
        if (k == 0 || k == 8)
            return 0;
        p += k;
        nd = k;
    }
    q = p;
    if (*p == '.') {
        q = ++p;
        if (m == 0)
            while (*p == '0' && p - q < 8)
                p++;                /* leading zeros after the point */
        uint32_t lo = run8(p, &k);
        if (k == 0 && p == q)
            return 0;               /* "1." is for scan() to refuse */
        m = m * pow10[k] + lo;
        p += k;
        nd += k;
        if (k == 8) {
            lo = run8(p, &k2);
            if (k2 == 8)
                return 0;
            m = m * pow10[k2] + lo;
            p += k2;
            nd += k2;
        }
    }
    if (nd > 15 || *p == 'e' || *p == 'E')
        return 0;
    scale = (int)(q - p);           /* minus the digits after the point */
    if (-scale > 22)
        return 0;
    v = (double)(int64_t)m / p10[-scale];   /* m < 10^15 */
    *out = *s == '-' ? -v : v;
    *next = p;
    return 1;
}
#endif

/* nn_scan_json by scan(): any number, the fast path or strtod. */
#if defined(__GNUC__)
__attribute__((noinline))   /* the short form's caller saves no registers */
#endif
static int scan_json_any(const char *s, const char *end, double *out,
                         const char **next)
{
    struct decimal d;
    const char *p = scan(s, end, 1, &d);
    int range;

    if (!p)
        return -1;
    *next = p;
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
    if (d.nd <= 15 && d.scale >= -22 && d.scale <= 22) {
        double v = d.scale < 0 ? (double)d.m / p10[-d.scale]
                               : (double)d.m * p10[d.scale];
        *out = d.neg ? -v : v;
        return 0;
    }
#endif
    return convert(s, (size_t)(p - s), 0, out, &range) ? -1 : 0;
}

int nn_scan_json(const char *s, const char *end, double *out,
                 const char **next)
{
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0 && \
    defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (s < end && scan_json_short(s, end, out, next))
        return 0;
#endif
    return scan_json_any(s, end, out, next);
}

long nn_scan_json_floats(const char *s, const char *end, float *out, long n,
                         const char **stop)
{
    long i = 0;
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0 && \
    defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const char *next;
    double x;

    /* The short form has at most 15 digits: a float, never infinite. */
    while (i < n && s < end && scan_json_short(s, end, &x, &next) &&
           *next == ',') {      /* next < end: the short form left room */
        out[i++] = (float)x;
        s = next + 1;
    }
#else
    (void)end, (void)out, (void)n;
#endif
    *stop = s;
    return i;
}

int nn_scan_prefix(const char *s, size_t n, double *out, size_t *took)
{
    char point = localeconv()->decimal_point[0], small[64], *buf = small;
    char *stop;

    if (n >= sizeof small && !(buf = malloc(n + 1)))
        return NN_NUM_BAD;
    for (size_t i = 0; i < n; i++)
        buf[i] = s[i] == '.' ? point : s[i];
    buf[n] = '\0';
    *out = strtod(buf, &stop);
    *took = (size_t)(stop - buf);
    if (buf != small)
        free(buf);
    return *took > 0 ? NN_NUM_OK : NN_NUM_BAD;
}

/* ------------------------------------------------------------------------ */
/* Formatting.  printf follows LC_NUMERIC: the text is read back in the
 * same locale, then whatever stands for its decimal point becomes '.'. */

static int same_float(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static int same_double(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* The locale's decimal point in s (n bytes) as '.'; the new length. */
static int c_point(char *s, int n)
{
    int i, k = 0, gap = 0;

    for (i = 0; i < n; i++) {
        char c = s[i];
        if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' ||
            c == 'E' || c == '.' || c == 'i' || c == 'n' || c == 'f' ||
            c == 'a') {
            s[k++] = c;
            gap = 0;
        } else if (!gap) {
            s[k++] = '.';
            gap = 1;
        }
    }
    s[k] = '\0';
    return k;
}

int nn_format_float(char *s, float f, int via_double)
{
    int p, n = 0;

    for (p = 6; p <= 9; p++) {
        n = snprintf(s, NN_NUM_CHARS, "%.*g", p, (double)f);
        if (same_float(strtof(s, NULL), f)
            && (!via_double || same_float((float)strtod(s, NULL), f)))
            return c_point(s, n);
    }
    /* Not reached for a finite float (%.9g reads back either way): a
     * safety net. */
    n = snprintf(s, NN_NUM_CHARS, "%.17g", (double)f);
    return c_point(s, n);
}

int nn_format_double(char *s, double d)
{
    int p, n = 0;

    for (p = 15; p < 17; p++) {
        n = snprintf(s, NN_NUM_CHARS, "%.*g", p, d);
        if (same_double(strtod(s, NULL), d))
            return c_point(s, n);
    }
    n = snprintf(s, NN_NUM_CHARS, "%.17g", d);
    return c_point(s, n);
}
