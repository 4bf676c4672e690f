/* check_vec.c - unit tests of the vector streams (lib/vec.c) and data sets
 * (lib/data.c): round trips, format detection, and every error case. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn_internal.h"

Suite *vec_suite(void);

/* ---- helpers ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* A random finite float from all bit patterns (denormals, -0, huge). */
static float rnd_float(void)
{
    for (;;) {
        uint32_t u = (uint32_t)rnd();
        float f;
        memcpy(&f, &u, sizeof f);
        if (isfinite(f))
            return f;
    }
}

/* A stream holding bytes p[0..n), positioned at the start. */
static FILE *mem_in(const void *p, size_t n)
{
    FILE *fp = tmpfile();
    ck_assert_ptr_nonnull(fp);
    if (n > 0)
        ck_assert_uint_eq(fwrite(p, 1, n, fp), n);
    rewind(fp);
    return fp;
}

/* Whole contents of fp (rewound); *n bytes, NUL-terminated, caller frees. */
static char *slurp(FILE *fp, size_t *n)
{
    long len;
    char *s;

    ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
    len = ftell(fp);
    ck_assert_int_ge(len, 0);
    s = malloc((size_t)len + 1);
    ck_assert_ptr_nonnull(s);
    rewind(fp);
    ck_assert_uint_eq(fread(s, 1, (size_t)len, fp), (size_t)len);
    s[len] = '\0';
    rewind(fp);
    *n = (size_t)len;
    return s;
}

static int read_data(const void *p, size_t n, int hint, nn_data **d,
                     char *why, size_t whylen)
{
    FILE *fp = mem_in(p, n);
    int err = nn_data_read(d, fp, hint, why, whylen);
    fclose(fp);
    return err;
}

static void expect_error(const void *p, size_t n, int hint, int code,
                         const char *want)
{
    nn_data *d = NULL;
    char why[256] = "";
    int err = read_data(p, n, hint, &d, why, sizeof why);

    ck_assert_msg(err == code, "expected %s, got %d (%s) for '%s'",
                  nn_strerror(code), err, why, want);
    ck_assert_ptr_null(d);
    ck_assert_msg(strstr(why, want) != NULL, "why '%s' lacks '%s'", why,
                  want);
}

/* Writes n records of dim values (x row-major, labels) in format fmt to a
 * new temporary stream, rewound. */
static FILE *write_records(int fmt, int n, int dim, const float *x,
                           const int *label)
{
    FILE *fp = tmpfile();
    nn_vec_writer *w = NULL;
    int i;

    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(nn_vec_writer_new(&w, fp, fmt, dim), NN_OK);
    for (i = 0; i < n; i++)
        ck_assert_int_eq(nn_vec_write(w, x + (size_t)i * dim, label[i]),
                         NN_OK);
    nn_vec_writer_free(w);
    ck_assert_int_eq(fflush(fp), 0);
    rewind(fp);
    return fp;
}

/* d holds n records of dim values, bit for bit x (row-major) and label,
 * read back through nn_data_row. */
static void assert_same(const nn_data *d, int n, int dim, const float *x,
                        const int *label)
{
    float *buf = malloc((size_t)dim * sizeof *buf);
    int i, j;

    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(d->n, n);
    ck_assert_int_eq(d->dim, dim);
    for (i = 0; i < n; i++) {
        const float *row = nn_data_row(d, i, buf);
        for (j = 0; j < dim; j++)
            ck_assert_msg(bits(row[j]) == bits(x[i * dim + j]),
                          "record %d value %d: %a read back as %a", i, j,
                          (double)x[i * dim + j], (double)row[j]);
    }
    for (i = 0; i < n; i++)
        ck_assert_int_eq(d->label[i], label[i]);
    free(buf);
}

/* Round trip through format fmt; returns the data read. */
static nn_data *round_trip(int fmt, int n, int dim, const float *x,
                           const int *label)
{
    FILE *fp = write_records(fmt, n, dim, x, label);
    nn_data *d = NULL;
    char why[256] = "";

    ck_assert_msg(nn_data_read(&d, fp, 0, why, sizeof why) == NN_OK, "%s",
                  why);
    fclose(fp);
    assert_same(d, n, dim, x, label);
    return d;
}

/* Binary stream builder. */
struct bin {
    unsigned char b[8192];
    size_t n;
};

static void put_u32(struct bin *s, uint32_t v)
{
    s->b[s->n++] = (unsigned char)v;
    s->b[s->n++] = (unsigned char)(v >> 8);
    s->b[s->n++] = (unsigned char)(v >> 16);
    s->b[s->n++] = (unsigned char)(v >> 24);
}

static void put_hdr(struct bin *s, int type, int flags, uint32_t dim)
{
    static const unsigned char magic[4] = { 0x89, 'N', 'N', 'V' };
    memcpy(s->b + s->n, magic, 4);
    s->n += 4;
    s->b[s->n++] = 1;
    s->b[s->n++] = (unsigned char)type;
    s->b[s->n++] = (unsigned char)flags;
    s->b[s->n++] = 0;
    put_u32(s, dim);
    put_u32(s, 0);
}

/* A record of dim f32 values v, v+1, ... */
static void put_f32_rec(struct bin *s, int32_t label, int dim, float v)
{
    int j;
    put_u32(s, (uint32_t)label);
    for (j = 0; j < dim; j++)
        put_u32(s, bits(v + (float)j));
}

static void put_u8_rec(struct bin *s, int32_t label, int dim, int k)
{
    int j;
    put_u32(s, (uint32_t)label);
    for (j = 0; j < dim; j++)
        s->b[s->n++] = (unsigned char)(k + j);
}

/* The writer's shortest-float rule, restated for checking. */
static void shortest(char *out, float v)
{
    int p;

    if (v == 0.0f) {
        strcpy(out, signbit(v) ? "-0" : "0");
        return;
    }
    for (p = 6; p <= 9; p++) {
        snprintf(out, 32, "%.*g", p, (double)v);
        if (bits(strtof(out, NULL)) == bits(v))
            return;
    }
}

/* ---- round trips ---- */

/* The shared pixel table is nn_pixel bit for bit, and nn_pixel_code finds
 * each k and nothing else: not the neighbouring floats, -0, 2/510, NaN. */
START_TEST(test_pixel_code)
{
    int k;

    for (k = 0; k < 256; k++) {
        float v = nn_pixel(k);
        ck_assert_msg(bits(nn_pixels[k]) == bits(v), "table %d", k);
        ck_assert_int_eq(nn_pixel_code(v), k);
        ck_assert_int_eq(nn_pixel_code(nextafterf(v, 2.0f)), -1);
        if (k > 0)
            ck_assert_int_eq(nn_pixel_code(nextafterf(v, -1.0f)), -1);
    }
    ck_assert_int_eq(nn_pixel_code(-0.0f), -1);
    ck_assert_int_eq(nn_pixel_code(0.5f), -1);
    ck_assert_int_eq(nn_pixel_code(1.5f), -1);
    ck_assert_int_eq(nn_pixel_code(-1.0f), -1);
    ck_assert_int_eq(nn_pixel_code(NAN), -1);
    ck_assert_int_eq(nn_pixel_code(INFINITY), -1);
}
END_TEST

START_TEST(test_text_pixels)
{
    float x[256];
    int k, label = 7;
    FILE *fp;
    nn_data *d;
    char *s, *tok, *save = NULL, want[32];
    size_t n;

    for (k = 0; k < 256; k++)
        x[k] = nn_pixel(k);
    ck_assert(bits(nn_pixel(0)) == bits(0.0f));
    ck_assert(nn_pixel(255) == 1.0f);
    ck_assert(nn_pixel(51) == 0.2f);
    d = round_trip(NN_VEC_TEXT, 1, 256, x, &label);
    nn_data_free(d);

    /* The text is exactly the shortest form of each value. */
    fp = write_records(NN_VEC_TEXT, 1, 256, x, &label);
    s = slurp(fp, &n);
    fclose(fp);
    ck_assert_int_eq(strncmp(s, "7\t0 0.", 6), 0);
    ck_assert(s[n - 1] == '\n');
    ck_assert(strchr(s, '\t') == s + 1);
    s[n - 1] = '\0';
    ck_assert_str_eq(strrchr(s, ' '), " 1");
    tok = strtok_r(s + 2, " ", &save);
    for (k = 0; k < 256; k++, tok = strtok_r(NULL, " ", &save)) {
        ck_assert_ptr_nonnull(tok);
        shortest(want, x[k]);
        ck_assert_str_eq(tok, want);
        ck_assert_uint_le(strlen(tok), 12);
    }
    ck_assert_ptr_null(tok);
    free(s);
}
END_TEST

START_TEST(test_text_random)
{
    enum { N = 400, DIM = 37 };
    static float x[N * DIM];
    int label[N], i;
    nn_data *d;

    for (i = 0; i < N * DIM; i++) {
        switch (rnd() % 4) {
        case 0: x[i] = rnd_float(); break;
        case 1: x[i] = (float)((rnd() >> 11) * 0x1.0p-53); break;
        case 2: x[i] = nn_pixel((int)(rnd() % 256)); break;
        default: x[i] = (float)((double)(int64_t)rnd() * 0x1.0p-40); break;
        }
    }
    x[0] = -0.0f;
    x[1] = 1e-45f;              /* smallest denormal */
    x[2] = 3.4028235e38f;       /* FLT_MAX */
    x[3] = -1.17549435e-38f;    /* -FLT_MIN */
    for (i = 0; i < N; i++)
        label[i] = (int)(rnd() % 12) - 1;
    d = round_trip(NN_VEC_TEXT, N, DIM, x, label);
    nn_data_free(d);
}
END_TEST

/* Decimal strings read as strtof reads them (checks the fast path). */
START_TEST(test_text_decimals)
{
    enum { N = 20000 };
    static char line[N * 24 + 16];
    static float want[N];
    char *p = line, tok[40];
    int i, j;
    nn_data *d = NULL;
    char why[256] = "";

    p += sprintf(p, "1\t");
    for (i = 0; i < N; i++) {
        int nd = 1 + (int)(rnd() % 11), k = (int)(rnd() % 14);
        char *t = tok;
        if (rnd() % 4 == 0)
            *t++ = rnd() % 2 ? '-' : '+';
        if (k >= nd) {
            *t++ = '0';
            *t++ = '.';
            for (j = 0; j < k - nd; j++)
                *t++ = '0';
            for (j = 0; j < nd; j++)
                *t++ = (char)('0' + rnd() % 10);
        } else {
            for (j = 0; j < nd; j++) {
                if (j == nd - k)
                    *t++ = '.';
                *t++ = (char)('0' + rnd() % 10);
            }
        }
        *t = '\0';
        if (i == 0)
            strcpy(tok, "0.003921569");
        if (i == 1)
            strcpy(tok, "5.");
        if (i == 2)
            strcpy(tok, "-0");
        if (i == 3)
            strcpy(tok, ".5");
        if (i == 4)
            strcpy(tok, "1e-3");
        if (i == 5)
            strcpy(tok, "0x1p-3");
        if (i == 6)
            strcpy(tok, "000000000000.1000000000000");
        want[i] = strtof(tok, NULL);
        p += snprintf(p, (size_t)(line + sizeof line - p), "%s%s",
                      i ? " " : "", tok);
    }
    *p++ = '\n';
    ck_assert_msg(read_data(line, (size_t)(p - line), 0, &d, why,
                            sizeof why) == NN_OK, "%s", why);
    ck_assert_int_eq(d->dim, N);
    assert_same(d, 1, N, want, (const int[]){ 1 });
    nn_data_free(d);
}
END_TEST

START_TEST(test_text_forms)
{
    float x[] = { 0.0f, -0.0f, 1.0f, 0.5f, 0.1f, 1e-10f, 16777216.0f,
                  3.4028235e38f, -2.5f, 0.2f };
    int label[] = { 3, -1 };
    const char *want = "3\t0 -0 1 0.5 0.1\n"
                       "?\t1e-10 16777216 3.4028235e+38 -2.5 0.2\n";
    FILE *fp = write_records(NN_VEC_TEXT, 2, 5, x, label);
    size_t n;
    char *s = slurp(fp, &n);

    ck_assert_str_eq(s, want);
    free(s);
    fclose(fp);
}
END_TEST

START_TEST(test_shortest_rule)
{
    enum { N = 3000 };
    static float x[N];
    FILE *fp;
    char *s, *tok, *save = NULL, want[32];
    size_t n;
    int i, label = 0;

    for (i = 0; i < N; i++)
        x[i] = i % 2 ? rnd_float() : (float)((rnd() >> 11) * 0x1.0p-53);
    fp = write_records(NN_VEC_TEXT, 1, N, x, &label);
    s = slurp(fp, &n);
    fclose(fp);
    s[n - 1] = '\0';
    tok = strtok_r(s + 2, " ", &save);
    for (i = 0; i < N; i++, tok = strtok_r(NULL, " ", &save)) {
        ck_assert_ptr_nonnull(tok);
        shortest(want, x[i]);
        ck_assert_str_eq(tok, want);
    }
    free(s);
}
END_TEST

START_TEST(test_binary_f32)
{
    enum { N = 300, DIM = 19 };
    static float x[N * DIM];
    int label[N], i;
    FILE *fp;
    char *s;
    size_t n;
    nn_data *d;

    for (i = 0; i < N * DIM; i++)
        x[i] = rnd_float();
    x[0] = -0.0f;
    x[1] = 1e-45f;
    for (i = 0; i < N; i++)
        label[i] = (int)(rnd() % 10);
    label[0] = 0;
    label[N - 1] = NN_MAX_CLASSES - 1;
    d = round_trip(NN_VEC_F32, N, DIM, x, label);
    nn_data_free(d);

    /* The exact bytes: header, then label and values little-endian. */
    fp = write_records(NN_VEC_F32, N, DIM, x, label);
    s = slurp(fp, &n);
    fclose(fp);
    ck_assert_uint_eq(n, 16 + (size_t)N * (4 + 4 * DIM));
    ck_assert_int_eq(memcmp(s, "\x89NNV\x01\x01\x01\x00\x13\0\0\0\0\0\0\0",
                            16), 0);
    ck_assert_int_eq(memcmp(s + 16, "\x00\x00\x00\x00", 4), 0);
    ck_assert_int_eq((unsigned char)s[20 + 0], 0x00);
    ck_assert_int_eq((unsigned char)s[20 + 3], 0x80);   /* -0.0f */
    free(s);
}
END_TEST

START_TEST(test_binary_u8)
{
    float x[2 * 256];
    int label[2] = { -1, 4 }, k;
    FILE *fp;
    char *s;
    size_t n;
    nn_data *d;

    for (k = 0; k < 256; k++) {
        x[k] = nn_pixel(k);
        x[256 + k] = nn_pixel(255 - k);
    }
    d = round_trip(NN_VEC_U8, 2, 256, x, label);
    nn_data_free(d);

    fp = write_records(NN_VEC_U8, 2, 256, x, label);
    s = slurp(fp, &n);
    fclose(fp);
    ck_assert_uint_eq(n, 16 + 2 * (4 + 256));
    /* First record unlabelled: flags 0, one header. */
    ck_assert_int_eq(memcmp(s, "\x89NNV\x01\x02\x00\x00\x00\x01\0\0\0\0\0\0",
                            16), 0);
    ck_assert_int_eq(memcmp(s + 16, "\xff\xff\xff\xff", 4), 0);
    for (k = 0; k < 256; k++)
        ck_assert_int_eq((unsigned char)s[20 + k], k);
    ck_assert_int_eq(memcmp(s + 276, "\x04\0\0\0\xff\xfe", 6), 0);
    free(s);
}
END_TEST

/* A labelled first record sets the "all labelled" flag; a later unlabelled
 * record makes the writer start a new header without it. */
START_TEST(test_binary_reheader)
{
    float x[3 * 2] = { 0, 1, 0.5f, 0.25f, 1, 0 };
    int label[3] = { 1, -1, 2 };
    FILE *fp = write_records(NN_VEC_F32, 3, 2, x, label);
    size_t n;
    char *s = slurp(fp, &n);
    nn_data *d;
    char why[256] = "";

    ck_assert_uint_eq(n, 16 + 12 + 16 + 12 + 12);
    ck_assert_int_eq(s[6], 1);
    ck_assert_int_eq(memcmp(s + 28, "\x89NNV", 4), 0);
    ck_assert_int_eq(s[28 + 6], 0);
    ck_assert_int_eq(nn_data_read(&d, fp, 0, why, sizeof why), NN_OK);
    assert_same(d, 3, 2, x, label);
    nn_data_free(d);
    free(s);
    fclose(fp);
}
END_TEST

/* Text and both binary forms of the same records give identical data. */
START_TEST(test_autodetect)
{
    enum { N = 50, DIM = 28 };
    static float x[N * DIM];
    int label[N], i, f, lab;
    static const int fmts[3] = { NN_VEC_TEXT, NN_VEC_F32, NN_VEC_U8 };
    nn_data *d[3];

    for (i = 0; i < N * DIM; i++)
        x[i] = nn_pixel((int)(rnd() % 256));
    for (i = 0; i < N; i++)
        label[i] = i % 7 == 0 ? -1 : (int)(rnd() % 10);
    for (f = 0; f < 3; f++) {
        FILE *fp = write_records(fmts[f], N, DIM, x, label);
        nn_vec_reader *r = NULL;
        const float *v;
        char why[256] = "";

        ck_assert_int_eq(nn_vec_reader_new(&r, fp, 0), NN_OK);
        ck_assert_int_eq(nn_vec_dim(r), 0);
        ck_assert_int_eq(nn_vec_count(r), 0);
        ck_assert_int_eq(nn_vec_read(r, &v, &lab, why, sizeof why), 1);
        ck_assert_int_eq(nn_vec_format(r), fmts[f]);
        ck_assert_int_eq(nn_vec_dim(r), DIM);
        ck_assert_int_eq(nn_vec_count(r), 1);
        ck_assert_int_eq(lab, label[0]);
        nn_vec_reader_free(r);
        rewind(fp);
        ck_assert_int_eq(nn_data_read(&d[f], fp, 0, why, sizeof why), NN_OK);
        fclose(fp);
        assert_same(d[f], N, DIM, x, label);
        /* pixel values only: kept as bytes, shrunk to fit */
        ck_assert_ptr_nonnull(d[f]->store->px);
        ck_assert_ptr_null(d[f]->store->x);
        ck_assert_int_eq(d[f]->store->cap, N);
    }
    for (f = 1; f < 3; f++) {
        ck_assert_int_eq(memcmp(d[0]->store->px, d[f]->store->px, N * DIM), 0);
        ck_assert_int_eq(memcmp(d[0]->label, d[f]->label, sizeof label), 0);
    }
    ck_assert_int_eq(nn_data_n_labeled(d[0]), N - 8);
    for (f = 0; f < 3; f++)
        nn_data_free(d[f]);
}
END_TEST

/* ---- text syntax ---- */

START_TEST(test_text_comments_blank_crlf)
{
    const char *in = "# nnpipe vectors\r\n"
                     "\n"
                     "   \t \r\n"
                     "3\t0 0.5 1\r\n"
                     "  # indented comment\n"
                     "?  \t 1\t\t0.25   0  \n"
                     "\t7 0 0 0\n"
                     "12\t1 1 1";           /* no final newline */
    nn_data *d = NULL;
    char why[256] = "";
    float want[12] = { 0, 0.5f, 1, 1, 0.25f, 0, 0, 0, 0, 1, 1, 1 };
    int labels[4] = { 3, -1, 7, 12 };

    ck_assert_msg(read_data(in, strlen(in), 0, &d, why, sizeof why) == NN_OK,
                  "%s", why);
    assert_same(d, 4, 3, want, labels);
    ck_assert_int_eq(nn_data_n_labeled(d), 3);
    ck_assert_int_eq(nn_data_max_label(d), 12);
    nn_data_free(d);

    /* Comments and blank lines still count for line numbers. */
    in = "# c\n\n1\t0 0\r\n\n#\n2\t0\n";
    expect_error(in, strlen(in), 0, NN_ESHAPE,
                 "line 6: expected 2 values, got 1");
}
END_TEST

START_TEST(test_dim_hint)
{
    const char *in = "0 0.5 1\n"
                     "2\t0 0.5 1\n"
                     "?\t1 1 1\n"
                     "1 0 0\n";
    nn_data *d = NULL;
    char why[256] = "";
    float want[12] = { 0, 0.5f, 1, 0, 0.5f, 1, 1, 1, 1, 1, 0, 0 };
    int labels[4] = { -1, 2, -1, -1 };
    nn_vec_reader *r = NULL;
    FILE *fp;

    ck_assert_msg(read_data(in, strlen(in), 3, &d, why, sizeof why) == NN_OK,
                  "%s", why);
    assert_same(d, 4, 3, want, labels);
    ck_assert_int_eq(nn_data_n_labeled(d), 1);
    nn_data_free(d);

    /* Without a hint the first field is the label. */
    ck_assert_int_eq(read_data(in, 8, 0, &d, why, sizeof why), NN_OK);
    ck_assert_int_eq(d->dim, 2);
    ck_assert_int_eq(d->label[0], 0);
    nn_data_free(d);

    fp = mem_in(in, strlen(in));
    ck_assert_int_eq(nn_vec_reader_new(&r, fp, 3), NN_OK);
    ck_assert_int_eq(nn_vec_dim(r), 3);
    nn_vec_reader_free(r);
    fclose(fp);

    ck_assert_int_eq(nn_vec_reader_new(&r, stdin, -1), NN_EINVAL);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(nn_vec_reader_new(&r, stdin, NN_MAX_DIM + 1), NN_EINVAL);
    ck_assert_int_eq(nn_vec_reader_new(&r, NULL, 0), NN_EINVAL);
}
END_TEST

/* ---- errors ---- */

struct bad_input {
    const char *in;
    size_t len;             /* 0: strlen(in) */
    int hint;
    int err;
    const char *why;
};

static const struct bad_input bad_text[] = {
    { "1\t0 0\n2\t0 0 0\n", 0, 0, NN_ESHAPE,
      "line 2: expected 2 values, got 3" },
    { "1\t0 0\n\n# x\n1\t0 0 0 0\n", 0, 0, NN_ESHAPE,
      "line 4: expected 2 values, got 4" },
    { "1\t0 abc\n", 0, 0, NN_EFORMAT,
      "line 1: value 2: 'abc' is not a number" },
    { "1\t0 0\n1\t0 nan\n", 0, 0, NN_EFORMAT,
      "line 2: value 2: nan is not finite" },
    { "1\tinf 0\n", 0, 0, NN_EFORMAT, "line 1: value 1: inf is not finite" },
    { "1\t-infinity 0\n", 0, 0, NN_EFORMAT,
      "value 1: -infinity is not finite" },
    { "1\t0 1e50\n", 0, 0, NN_EFORMAT, "line 1: value 2: 1e50 is too large" },
    { "1\t0 0x\n", 0, 0, NN_EFORMAT, "value 2: '0x' is not a number" },
    { "1\t0,5 0\n", 0, 0, NN_EFORMAT, "value 1: '0,5' is not a number" },
    { "1\t0 1 # note\n", 0, 0, NN_EFORMAT,
      "line 1: value 3: '#' is not a number" },
    { "1\t0 1\n1\t0 1 # x\n", 0, 0, NN_ESHAPE,
      "line 2: expected 2 values, got 4" },
    { "1\t0 1..5\n", 0, 0, NN_EFORMAT, "'1..5' is not a number" },
    { "1\t0 \v5\n", 0, 0, NN_EFORMAT,
      "line 1: byte 0x0b at column 5 is not text (binary data" },
    { "1\t0 \xe2\x80\x93" "5\n", 0, 0, NN_EFORMAT,
      "line 1: byte 0xe2 at column 5 is not text" },
    { "\xbc\xa7\x08\x34\xd5=$\n", 0, 0, NN_EFORMAT,
      "line 1: byte 0xbc at column 1 is not text" },
    { "1\t0 0\n\x01\x02\n", 0, 0, NN_EFORMAT,
      "line 2: byte 0x01 at column 1 is not text" },
    { "x\t0 0\n", 0, 0, NN_EFORMAT,
      "line 1: label 'x' is not a class number (0..65535) or '?'" },
    { "-1\t0\n", 0, 0, NN_EFORMAT, "line 1: label '-1'" },
    { "65536\t0\n", 0, 0, NN_EFORMAT, "line 1: label '65536'" },
    { "1.5\t0\n", 0, 0, NN_EFORMAT, "line 1: label '1.5'" },
    { "0.5 0.25 0\n", 0, 0, NN_EFORMAT, "line 1: label '0.5'" },
    { "3\n", 0, 0, NN_EFORMAT, "line 1: a label and no values" },
    { "# only\n3\t \r\n", 0, 0, NN_EFORMAT, "line 2: a label and no values" },
    { "1 2\n", 0, 3, NN_ESHAPE,
      "line 1: expected 3 values (or a label and 3 values), got 2 fields" },
    { "0 0 0\n1 2 3 4 5\n", 0, 3, NN_ESHAPE, "line 2: expected 3 values" },
    { "abc 0\n", 0, 2, NN_EFORMAT, "line 1: value 1: 'abc' is not a number" },
    { "? 1 1\n", 0, 3, NN_EFORMAT, "line 1: value 1: '?' is not a number" },
    /* The field before a TAB is a label, even where dropping it would
     * leave the hinted number of values. */
    { "7\t0.5 1\n", 0, 3, NN_ESHAPE, "line 1: a label and 2 values, "
      "expected 3 values (the field before a TAB is a label)" },
    { "0 0 0\n?\t1 1\n", 0, 3, NN_ESHAPE, "line 2: a label and 2 values" },
    { "  0.5\t 1 1\n", 0, 3, NN_ESHAPE, "line 1: a label and 2 values" },
    { "1\t0 abc\n", 0, 2, NN_EFORMAT, "line 1: value 2: 'abc'" },
    { "1\t0 1\n1\t\x01\x02\n", 0, 2, NN_EFORMAT,
      "line 2: byte 0x01 at column 3 is not text" },
    { "1\t0 1\n1\tx\x7f\n", 0, 2, NN_EFORMAT,
      "line 2: byte 0x7f at column 4 is not text" },
    { "1\t0 \0 0\n", 8, 0, NN_EFORMAT, "line 1: NUL byte" },
    { "1\t0 0\n\0\0\0\0", 10, 0, NN_EFORMAT, "line 2: NUL byte" },
    { "\0\0\0\0\0\0\0\0", 8, 0, NN_EFORMAT, "line 1: NUL byte" },
    { "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10, 0, NN_EFORMAT,
      "line 1: gzip-compressed data" },
    { "\0\0\x08\x03\0\0\xea\x60\0\0\0\x1c\0\0\0\x1c", 16, 0, NN_EFORMAT,
      "line 1: an IDX file" },
    { "\xff\xd8\xff\xe0\0\x10JFIF", 10, 0, NN_EFORMAT, "line 1: a JPEG image" },
    { "\xef\xbb\xbf" "1\t0\n", 0, 0, NN_EFORMAT, "byte order mark" },
    { "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, 0, NN_EFORMAT,
      "header: a PNG image" },
    { "\x89NNV\x01\x01\x00\x00\x03\x00", 10, 0, NN_EFORMAT,
      "header: truncated: 10 of 16 bytes" },
    { "\x89NN", 3, 0, NN_EFORMAT, "header: truncated: 3 of 16 bytes" },
    { "\x89" "abcdefghijklmnopq", 0, 0, NN_EFORMAT, "header: bad magic" },
    { "", 0, 0, NN_EFORMAT, "no records" },
    { "# nothing\n\n  \n", 0, 0, NN_EFORMAT, "no records" },
};

START_TEST(test_bad_text)
{
    const struct bad_input *b = &bad_text[_i];
    expect_error(b->in, b->len ? b->len : strlen(b->in), b->hint, b->err,
                 b->why);
}
END_TEST

START_TEST(test_bad_binary)
{
    struct bin s;
    struct bin *a = &s;

    /* truncated record, truncated label */
    memset(a, 0, sizeof *a);
    put_hdr(a, NN_VEC_F32, 0, 3);
    put_f32_rec(a, 1, 3, 0.5f);
    put_f32_rec(a, 2, 3, 0.5f);
    expect_error(a->b, a->n - 6, 0, NN_EFORMAT,
                 "record 2: truncated: 10 of 16 bytes");
    expect_error(a->b, a->n - 14, 0, NN_EFORMAT,
                 "record 2: truncated: 2 of 16 bytes");

    /* header fields */
    memset(a, 0, sizeof *a);
    put_hdr(a, NN_VEC_F32, 0, 3);
    put_f32_rec(a, 1, 3, 0.5f);
    a->b[4] = 2;
    expect_error(a->b, a->n, 0, NN_EFORMAT, "header: version 2 not supported");
    a->b[4] = 1;
    a->b[5] = 3;
    expect_error(a->b, a->n, 0, NN_EFORMAT, "header: unknown element type 3");
    a->b[5] = 1;
    a->b[6] = 2;
    expect_error(a->b, a->n, 0, NN_EFORMAT, "header: unknown flags 0x02");
    a->b[6] = 0;
    a->b[7] = 1;
    expect_error(a->b, a->n, 0, NN_EFORMAT, "header: reserved bytes");
    a->b[7] = 0;
    a->b[15] = 1;
    expect_error(a->b, a->n, 0, NN_EFORMAT, "header: reserved bytes");
    a->b[15] = 0;
    a->b[8] = 0;
    expect_error(a->b, a->n, 0, NN_EFORMAT, "header: dim is 0");
    a->b[8] = 1;
    a->b[11] = 1;               /* 2^24 + 1 */
    expect_error(a->b, a->n, 0, NN_ELIMIT, "header: dim 16777217 exceeds");
    a->b[8] = 3;
    a->b[11] = 0;
    expect_error(a->b, a->n, 4, NN_ESHAPE,
                 "header: vectors of 3 values, expected 4");

    /* labels */
    memset(a, 0, sizeof *a);
    put_hdr(a, NN_VEC_U8, 0, 2);
    put_u8_rec(a, 65536, 2, 0);
    expect_error(a->b, a->n, 0, NN_EFORMAT,
                 "record 1: label 65536 out of range (-1..65535)");
    memset(a, 0, sizeof *a);
    put_hdr(a, NN_VEC_U8, 0, 2);
    put_u8_rec(a, 3, 2, 0);
    put_u8_rec(a, -2, 2, 0);
    expect_error(a->b, a->n, 0, NN_EFORMAT, "record 2: label -2 out of range");
    memset(a, 0, sizeof *a);
    put_hdr(a, NN_VEC_U8, 1, 2);
    put_u8_rec(a, 3, 2, 0);
    put_u8_rec(a, -1, 2, 0);
    expect_error(a->b, a->n, 0, NN_EFORMAT, "record 2: no label (-1)");

    /* values */
    memset(a, 0, sizeof *a);
    put_hdr(a, NN_VEC_F32, 0, 3);
    put_f32_rec(a, 1, 3, 0.5f);
    put_f32_rec(a, 1, 3, NAN);
    expect_error(a->b, a->n, 0, NN_EFORMAT,
                 "record 2: value 1: nan is not finite");
    memset(a, 0, sizeof *a);
    put_hdr(a, NN_VEC_F32, 0, 3);
    put_u32(a, 0);
    put_u32(a, 0);
    put_u32(a, 0);
    put_u32(a, 0xff800000u);
    expect_error(a->b, a->n, 0, NN_EFORMAT,
                 "record 1: value 3: -inf is not finite");

    /* 2^24 values promised, 5000 bytes there.  That memory follows the
     * bytes, not the header, is tested under a limit in
     * tests/cli/bad-inputs.sh (B4). */
    memset(a, 0, sizeof *a);
    put_hdr(a, NN_VEC_U8, 0, NN_MAX_DIM);
    put_u32(a, 1);
    a->n += 5000;
    expect_error(a->b, a->n, 0, NN_EFORMAT,
                 "record 1: truncated: 5004 of 16777220 bytes");
}
END_TEST

START_TEST(test_concatenated)
{
    struct bin s;
    nn_data *d = NULL;
    char why[256] = "";
    size_t n1;
    float buf[12];
    const float *v;

    memset(&s, 0, sizeof s);
    put_hdr(&s, NN_VEC_F32, 1, 3);
    put_f32_rec(&s, 1, 3, 0.5f);
    put_f32_rec(&s, 2, 3, 1.5f);
    n1 = s.n;
    put_hdr(&s, NN_VEC_U8, 0, 3);       /* type and flags may differ */
    put_u8_rec(&s, -1, 3, 10);
    put_hdr(&s, NN_VEC_U8, 1, 3);       /* a header with no records */
    put_hdr(&s, NN_VEC_F32, 0, 3);
    put_f32_rec(&s, 9, 3, -4.0f);
    ck_assert_msg(read_data(s.b, s.n, 0, &d, why, sizeof why) == NN_OK, "%s",
                  why);
    ck_assert_int_eq(d->n, 4);
    ck_assert_int_eq(d->label[2], -1);
    v = nn_data_rows(d, 0, 4, buf);
    ck_assert(v[3] == 1.5f && v[5] == 3.5f);
    ck_assert(v[6] == nn_pixel(10) && v[8] == nn_pixel(12));
    ck_assert(v[9] == -4.0f && d->label[3] == 9);
    nn_data_free(d);

    /* a stream ending in a header is complete */
    ck_assert_int_eq(read_data(s.b, n1 + 16, 0, &d, why, sizeof why), NN_OK);
    ck_assert_int_eq(d->n, 2);
    nn_data_free(d);
    /* a header alone holds no records */
    expect_error(s.b, 16, 0, NN_EFORMAT, "no records");
    /* a truncated second header */
    expect_error(s.b, n1 + 8, 0, NN_EFORMAT,
                 "record 3: truncated header: 8 of 16 bytes");

    /* different dims */
    s.n = n1;
    put_hdr(&s, NN_VEC_F32, 1, 4);
    put_f32_rec(&s, 1, 4, 0.5f);
    expect_error(s.b, s.n, 0, NN_ESHAPE,
                 "record 3: new header: dim 4, expected 3");
    /* bad version in a later header */
    s.n = n1;
    put_hdr(&s, NN_VEC_F32, 1, 3);
    s.b[n1 + 4] = 9;
    expect_error(s.b, s.n, 0, NN_EFORMAT,
                 "record 3: new header: version 9");
}
END_TEST

/* cat a.vec b.vec: two writers' outputs in one stream. */
START_TEST(test_cat_written)
{
    float x[4] = { nn_pixel(1), nn_pixel(2), nn_pixel(3), 1.0f };
    int label[2] = { 1, 2 }, f;

    for (f = NN_VEC_TEXT; f <= NN_VEC_U8; f++) {
        FILE *a = write_records(f, 2, 2, x, label);
        FILE *b = write_records(NN_VEC_F32 + (f == NN_VEC_F32), 2, 2, x,
                                label);
        size_t na, nb;
        char *sa = slurp(a, &na), *sb = slurp(b, &nb);
        char *cat = malloc(na + nb);
        nn_data *d = NULL;
        char why[256] = "";
        float buf[2];
        int err;

        memcpy(cat, sa, na);
        memcpy(cat + na, sb, nb);
        err = read_data(cat, na + nb, 0, &d, why, sizeof why);
        if (f == NN_VEC_TEXT) {         /* text then binary: not allowed */
            ck_assert_int_eq(err, NN_EFORMAT);
            ck_assert_msg(strstr(why, "line 3:") != NULL, "%s", why);
        } else {
            ck_assert_msg(err == NN_OK, "%s", why);
            ck_assert_int_eq(d->n, 4);
            ck_assert(nn_data_row(d, 3, buf)[1] == 1.0f);
        }
        nn_data_free(d);
        free(cat);
        free(sa);
        free(sb);
        fclose(a);
        fclose(b);
    }
}
END_TEST

START_TEST(test_empty)
{
    FILE *fp = mem_in("", 0);
    nn_vec_reader *r = NULL;
    const float *x = NULL;
    int label = 5;
    char why[256] = "";

    ck_assert_int_eq(nn_vec_reader_new(&r, fp, 0), NN_OK);
    ck_assert_int_eq(nn_vec_read(r, &x, &label, why, sizeof why), 0);
    ck_assert_int_eq(nn_vec_read(r, &x, &label, why, sizeof why), 0);
    ck_assert_int_eq(nn_vec_count(r), 0);
    ck_assert_int_eq(nn_vec_dim(r), 0);
    nn_vec_reader_free(r);
    fclose(fp);
    nn_vec_reader_free(NULL);
    nn_vec_writer_free(NULL);
    nn_data_free(NULL);
}
END_TEST

/* After an error, the reader repeats it. */
START_TEST(test_sticky_error)
{
    const char *in = "1\t0 0\n1\t0 x\n1\t0 0\n";
    FILE *fp = mem_in(in, strlen(in));
    nn_vec_reader *r = NULL;
    const float *x;
    int label;
    char why[256] = "";

    ck_assert_int_eq(nn_vec_reader_new(&r, fp, 0), NN_OK);
    ck_assert_int_eq(nn_vec_read(r, &x, &label, why, sizeof why), 1);
    ck_assert_int_eq(nn_vec_read(r, &x, &label, why, sizeof why), NN_EFORMAT);
    ck_assert_str_eq(why, "line 2: value 2: 'x' is not a number");
    why[0] = '\0';
    ck_assert_int_eq(nn_vec_read(r, &x, &label, why, sizeof why), NN_EFORMAT);
    ck_assert_str_eq(why, "line 2: value 2: 'x' is not a number");
    ck_assert_int_eq(nn_vec_read(r, &x, &label, NULL, 0), NN_EFORMAT);
    ck_assert_int_eq(nn_vec_count(r), 1);
    nn_vec_reader_free(r);
    fclose(fp);
}
END_TEST

START_TEST(test_read_error)
{
    FILE *fp = fopen("/dev/null", "w");     /* reading it fails */
    nn_data *d = NULL;
    char why[256] = "";

    if (!fp)
        return;
    ck_assert_int_eq(nn_data_read(&d, fp, 0, why, sizeof why), NN_EIO);
    ck_assert_ptr_null(d);
    ck_assert_msg(strstr(why, "read error") != NULL, "%s", why);
    fclose(fp);
}
END_TEST

START_TEST(test_write_error)
{
    FILE *fp = fopen("/dev/full", "w");
    nn_vec_writer *w = NULL;
    float x[3] = { 0, nn_pixel(128), 1 };
    int f;

    if (!fp)
        return;
    setvbuf(fp, NULL, _IONBF, 0);
    for (f = NN_VEC_TEXT; f <= NN_VEC_U8; f++) {
        ck_assert_int_eq(nn_vec_writer_new(&w, fp, f, 3), NN_OK);
        ck_assert_int_eq(nn_vec_write(w, x, 1), NN_EIO);
        nn_vec_writer_free(w);
    }
    fclose(fp);
}
END_TEST

START_TEST(test_writer_rejects)
{
    FILE *fp = tmpfile();
    nn_vec_writer *w = NULL;
    float x[2] = { 0, 0.5f };
    int f;

    ck_assert_int_eq(nn_vec_writer_new(&w, fp, 3, 2), NN_EINVAL);
    ck_assert_ptr_null(w);
    ck_assert_int_eq(nn_vec_writer_new(&w, fp, NN_VEC_TEXT, 0), NN_EINVAL);
    ck_assert_int_eq(nn_vec_writer_new(&w, fp, NN_VEC_TEXT, NN_MAX_DIM + 1),
                     NN_EINVAL);
    ck_assert_int_eq(nn_vec_writer_new(&w, NULL, NN_VEC_TEXT, 2), NN_EINVAL);
    for (f = NN_VEC_TEXT; f <= NN_VEC_U8; f++) {
        ck_assert_int_eq(nn_vec_writer_new(&w, fp, f, 2), NN_OK);
        x[1] = NAN;
        ck_assert_int_eq(nn_vec_write(w, x, 1), NN_EINVAL);
        x[1] = -INFINITY;
        ck_assert_int_eq(nn_vec_write(w, x, 1), NN_EINVAL);
        x[1] = 0.5f;
        ck_assert_int_eq(nn_vec_write(w, x, -2), NN_EINVAL);
        ck_assert_int_eq(nn_vec_write(w, x, NN_MAX_CLASSES), NN_EINVAL);
        nn_vec_writer_free(w);
    }
    ck_assert_int_eq(nn_vec_writer_new(&w, fp, NN_VEC_U8, 2), NN_OK);
    x[1] = 0.3f;                        /* not k/255 */
    ck_assert_int_eq(nn_vec_write(w, x, 1), NN_EINVAL);
    x[1] = nextafterf(nn_pixel(100), 1.0f);
    ck_assert_int_eq(nn_vec_write(w, x, 1), NN_EINVAL);
    x[1] = -0.0f;
    ck_assert_int_eq(nn_vec_write(w, x, 1), NN_EINVAL);
    x[1] = 1.0f + FLT_EPSILON;
    ck_assert_int_eq(nn_vec_write(w, x, 1), NN_EINVAL);
    x[1] = nn_pixel(100);
    ck_assert_int_eq(nn_vec_write(w, x, NN_MAX_CLASSES - 1), NN_OK);
    nn_vec_writer_free(w);
    /* Nothing of the rejected records was written. */
    ck_assert_int_eq(fflush(fp), 0);
    ck_assert_int_eq(ftell(fp), 16 + 4 + 2);
    fclose(fp);
}
END_TEST

/* Random garbage and damaged streams fail cleanly (run under valgrind). */
START_TEST(test_garbage)
{
    static const char alphabet[] = "0123456789 \t\n\r.-+e#?xn\x89\0\xff";
    float x[3 * 5];
    int label[5] = { 1, 2, -1, 3, 4 }, i, j, f;

    for (i = 0; i < 3 * 5; i++)
        x[i] = nn_pixel((int)(rnd() % 256));
    for (i = 0; i < 600; i++) {
        unsigned char buf[400];
        size_t n = (size_t)(rnd() % sizeof buf);
        nn_data *d = NULL;
        char why[256] = "";
        int err;

        for (j = 0; j < (int)n; j++)
            buf[j] = i % 2 ? (unsigned char)rnd()
                           : (unsigned char)alphabet[rnd() % (sizeof alphabet)];
        if (i % 3 == 0 && n >= 16) {
            struct bin h;
            h.n = 0;
            put_hdr(&h, 1 + (int)(rnd() % 2), 0, 1 + (uint32_t)(rnd() % 8));
            memcpy(buf, h.b, 16);
        }
        err = read_data(buf, n, (int)(rnd() % 3), &d, why, sizeof why);
        if (err == NN_OK)
            ck_assert(d != NULL && d->n > 0);
        else
            ck_assert(d == NULL && why[0] != '\0' && err < 0);
        nn_data_free(d);
    }
    /* valid streams with one byte changed or cut short */
    for (f = NN_VEC_TEXT; f <= NN_VEC_U8; f++) {
        FILE *fp = write_records(f, 5, 3, x, label);
        size_t n;
        char *s = slurp(fp, &n);
        fclose(fp);
        for (i = 0; i < 300; i++) {
            char *c = malloc(n);
            size_t m = i % 2 ? n : (size_t)(rnd() % n);
            nn_data *d = NULL;
            char why[256] = "";
            int err;

            memcpy(c, s, n);
            c[rnd() % n] = (char)rnd();
            err = read_data(c, m, 0, &d, why, sizeof why);
            ck_assert(err == NN_OK ? d != NULL : d == NULL && why[0]);
            nn_data_free(d);
            free(c);
        }
        free(s);
    }
}
END_TEST

START_TEST(test_long_line)
{
    size_t n = ((size_t)64 << 20) + 16;
    char *s = malloc(n);

    ck_assert_ptr_nonnull(s);
    memcpy(s, "1\t0\n", 4);
    memset(s + 4, '0', n - 4);
    expect_error(s, n, 0, NN_ELIMIT, "line 2: longer than 67108864 bytes");
    s[0] = 0x1f;                    /* and garbage without newlines */
    s[1] = (char)0x8b;
    s[3] = '0';
    expect_error(s, n, 0, NN_EFORMAT, "line 1: gzip");
    free(s);
}
END_TEST

/* A record is returned as soon as it is complete: nothing waits for more
 * input (img2vec | nn-predict, one vector at a time). */
START_TEST(test_pipe_streaming)
{
    int fd[2], f;
    float x[2] = { nn_pixel(128), 1 };

    for (f = NN_VEC_TEXT; f <= NN_VEC_U8; f++) {
        FILE *in, *out;
        nn_vec_writer *w = NULL;
        nn_vec_reader *r = NULL;
        const float *v;
        int label;
        char why[256] = "";

        ck_assert_int_eq(pipe(fd), 0);
        in = fdopen(fd[0], "r");
        out = fdopen(fd[1], "w");
        ck_assert_int_eq(nn_vec_writer_new(&w, out, f, 2), NN_OK);
        ck_assert_int_eq(nn_vec_write(w, x, 3), NN_OK);
        ck_assert_int_eq(fflush(out), 0);       /* writer stays open */
        ck_assert_int_eq(nn_vec_reader_new(&r, in, 2), NN_OK);
        ck_assert_int_eq(nn_vec_read(r, &v, &label, why, sizeof why), 1);
        ck_assert(label == 3 && v[0] == nn_pixel(128) && v[1] == 1.0f);
        ck_assert_int_eq(nn_vec_write(w, x, 4), NN_OK);
        nn_vec_writer_free(w);
        fclose(out);
        ck_assert_int_eq(nn_vec_read(r, &v, &label, why, sizeof why), 1);
        ck_assert_int_eq(label, 4);
        ck_assert_int_eq(nn_vec_read(r, &v, &label, why, sizeof why), 0);
        ck_assert_int_eq(nn_vec_count(r), 2);
        nn_vec_reader_free(r);
        fclose(in);
    }
}
END_TEST

/* ---- nn_data ---- */

START_TEST(test_data)
{
    nn_data *d = NULL;
    float x[5];
    int i, j;

    ck_assert_int_eq(nn_data_new(&d, 0), NN_EINVAL);
    ck_assert_ptr_null(d);
    ck_assert_int_eq(nn_data_new(&d, NN_MAX_DIM + 1), NN_EINVAL);
    ck_assert_int_eq(nn_data_new(&d, 5), NN_OK);
    ck_assert_int_eq(d->n, 0);
    ck_assert_int_eq(nn_data_n_labeled(d), 0);
    ck_assert_int_eq(nn_data_max_label(d), -1);
    for (i = 0; i < 1000; i++) {
        for (j = 0; j < 5; j++)
            x[j] = (float)(i * 5 + j);
        ck_assert_int_eq(nn_data_add(d, x, i % 3 == 0 ? -1 : i % 10), NN_OK);
    }
    ck_assert_int_eq(nn_data_add(d, x, -2), NN_EINVAL);
    ck_assert_int_eq(nn_data_add(d, x, NN_MAX_CLASSES), NN_EINVAL);
    ck_assert_int_eq(d->n, 1000);
    ck_assert_int_ge(d->store->cap, 1000);
    for (i = 0; i < 1000; i++)
        for (j = 0; j < 5; j++)
            ck_assert(nn_data_row(d, i, x)[j] == (float)(i * 5 + j));
    ck_assert_int_eq(nn_data_n_labeled(d), 666);
    ck_assert_int_eq(nn_data_max_label(d), 9);
    nn_data_free(d);
}
END_TEST

/* Pixel values only: one byte a value in px, x unused, and read back bit
 * for bit through nn_data_row (into the caller's buffer) and nn_data_rows. */
START_TEST(test_data_bytes)
{
    enum { N = 300, DIM = 7 };
    static float x[N * DIM];
    static int label[N];
    float buf[3 * DIM];
    nn_data *d = NULL;
    int i, j;

    for (i = 0; i < N * DIM; i++)
        x[i] = nn_pixel((int)(rnd() % 256));
    x[0] = 0.0f;
    x[1] = 1.0f;
    ck_assert_int_eq(nn_data_new(&d, DIM), NN_OK);
    for (i = 0; i < N; i++) {
        label[i] = (int)(rnd() % 11) - 1;
        ck_assert_int_eq(nn_data_add(d, x + i * DIM, label[i]), NN_OK);
    }
    ck_assert_ptr_nonnull(d->store->px);
    ck_assert_ptr_null(d->store->x);
    for (i = 0; i < N * DIM; i++)
        ck_assert_int_eq(d->store->px[i], nn_pixel_code(x[i]));
    assert_same(d, N, DIM, x, label);
    ck_assert_ptr_eq(nn_data_row(d, 5, buf), buf);
    ck_assert_ptr_eq(nn_data_rows(d, 10, 3, buf), buf);
    for (j = 0; j < 3 * DIM; j++)
        ck_assert(bits(buf[j]) == bits(x[10 * DIM + j]));
    nn_data_free(d);
}
END_TEST

/* The first value that is not a pixel value turns the block into floats:
 * earlier records read back bit for bit, later pixel records stay floats,
 * and nn_data_row then points into d.  Likewise while reading a stream. */
START_TEST(test_data_converts)
{
    enum { N = 200, DIM = 6, AT = 130 };    /* AT: past a growth of cap */
    static float x[N * DIM];
    static int label[N];
    float buf[2 * DIM];
    const float *row;
    nn_data *d = NULL;
    char why[256] = "";
    FILE *fp;
    int i, j;

    for (i = 0; i < N * DIM; i++)
        x[i] = nn_pixel((int)(rnd() % 256));
    x[AT * DIM + 4] = 0.25f;            /* 63.75/255: between two pixels */
    for (i = 0; i < N; i++)
        label[i] = i % 10;
    ck_assert_int_eq(nn_data_new(&d, DIM), NN_OK);
    for (i = 0; i < N; i++) {
        ck_assert_int_eq(nn_data_add(d, x + i * DIM, label[i]), NN_OK);
        if (i == AT - 1) {
            ck_assert_ptr_nonnull(d->store->px);
            ck_assert_ptr_null(d->store->x);
        }
        if (i == AT) {
            ck_assert_ptr_null(d->store->px);
            ck_assert_ptr_nonnull(d->store->x);
            for (j = 0; j <= AT * DIM + 5; j++)
                ck_assert_msg(bits(d->store->x[j]) == bits(x[j]), "value %d", j);
        }
    }
    ck_assert_ptr_null(d->store->px);
    assert_same(d, N, DIM, x, label);
    row = nn_data_row(d, 7, buf);
    ck_assert_ptr_eq(row, d->store->x + 7 * DIM);
    ck_assert_ptr_eq(nn_data_rows(d, 3, 2, buf), d->store->x + 3 * DIM);
    nn_data_free(d);

    /* The same records as a stream, binary and text. */
    for (i = 0; i < 2; i++) {
        fp = write_records(i ? NN_VEC_TEXT : NN_VEC_F32, N, DIM, x, label);
        ck_assert_int_eq(nn_data_read(&d, fp, 0, why, sizeof why), NN_OK);
        fclose(fp);
        ck_assert_ptr_null(d->store->px);
        ck_assert_ptr_nonnull(d->store->x);
        ck_assert_int_eq(d->store->cap, N);    /* shrunk to fit */
        assert_same(d, N, DIM, x, label);
        nn_data_free(d);
    }
}
END_TEST

/* A u8 stream's records come as their codes (nn_vec_next) and go into
 * nn_data as bytes without floats between; after float records they go
 * into the float block, as nn_pixel(k).  nn_data_range on both. */
START_TEST(test_data_codes)
{
    enum { DIM = 5 };
    static struct bin s;
    const unsigned char *codes;
    const float *v;
    nn_vec_reader *r;
    nn_data *d;
    float lo, hi, want[DIM];
    char why[256] = "";
    int lab, j;
    FILE *fp;

    s.n = 0;
    put_hdr(&s, NN_VEC_U8, 1, DIM);
    put_u8_rec(&s, 3, DIM, 10);
    put_u8_rec(&s, 4, DIM, 250);
    fp = mem_in(s.b, s.n);
    ck_assert_int_eq(nn_vec_reader_new(&r, fp, 0), NN_OK);
    ck_assert_int_eq(nn_vec_next(r, &v, &codes, &lab, why, sizeof why), 1);
    ck_assert_ptr_null(v);
    ck_assert_ptr_nonnull(codes);
    for (j = 0; j < DIM; j++)
        ck_assert_int_eq(codes[j], 10 + j);
    ck_assert_int_eq(nn_vec_read(r, &v, &lab, why, sizeof why), 1);
    for (j = 0; j < DIM; j++)
        ck_assert(bits(v[j]) == bits(nn_pixel(250 + j)));
    nn_vec_reader_free(r);
    rewind(fp);
    ck_assert_int_eq(nn_data_read(&d, fp, 0, why, sizeof why), NN_OK);
    fclose(fp);
    ck_assert_ptr_nonnull(d->store->px);
    ck_assert_int_eq(d->store->px[DIM + 2], 252);
    nn_data_range(d, &lo, &hi);
    ck_assert(bits(lo) == bits(nn_pixel(10)) && hi == nn_pixel(254));
    nn_data_free(d);

    /* f32 records that are not pixel values, then u8 ones */
    s.n = 0;
    put_hdr(&s, NN_VEC_F32, 1, DIM);
    put_f32_rec(&s, 1, DIM, -2.5f);
    put_hdr(&s, NN_VEC_U8, 1, DIM);
    put_u8_rec(&s, 2, DIM, 7);
    fp = mem_in(s.b, s.n);
    ck_assert_int_eq(nn_data_read(&d, fp, 0, why, sizeof why), NN_OK);
    fclose(fp);
    ck_assert_ptr_null(d->store->px);
    ck_assert_int_eq(d->n, 2);
    for (j = 0; j < DIM; j++)
        want[j] = nn_pixel(7 + j);
    ck_assert_mem_eq(nn_data_row(d, 1, NULL), want, sizeof want);
    nn_data_range(d, &lo, &hi);
    ck_assert(lo == -2.5f && hi == 1.5f);
    nn_data_free(d);
}
END_TEST

/* A first record that is not all pixel values gives floats at once; -0 is
 * not pixel 0 and keeps its sign. */
START_TEST(test_data_floats)
{
    float x[2][3] = { { 0.0f, 0.5f, 1.0f }, { -0.0f, 0.0f, 1.0f } };
    int label[2] = { 1, 2 };
    nn_data *d = NULL;
    float buf[3];

    for (int r = 0; r < 2; r++) {
        ck_assert_int_eq(nn_data_new(&d, 3), NN_OK);
        ck_assert_int_eq(nn_data_add(d, x[r], label[r]), NN_OK);
        ck_assert_ptr_null(d->store->px);
        ck_assert_ptr_nonnull(d->store->x);
        ck_assert_ptr_eq(nn_data_row(d, 0, buf), d->store->x);
        assert_same(d, 1, 3, x[r], &label[r]);
        nn_data_free(d);
    }
}
END_TEST

/* ---- tags ---- */

/* Reads every record of fp, checking each one's tag and count against
 * tags[i] (NULL: none) and counts[i]. */
static void expect_tags(FILE *fp, int n, const char *const *tags,
                        const long *counts)
{
    nn_vec_reader *r = NULL;
    const float *x;
    char why[256] = "";
    int label, i;
    long count;

    ck_assert_int_eq(nn_vec_reader_new(&r, fp, 0), NN_OK);
    ck_assert_ptr_null(nn_vec_tag(r, NULL));
    for (i = 0; i < n; i++) {
        const char *t;
        ck_assert_msg(nn_vec_read(r, &x, &label, why, sizeof why) == 1,
                      "record %d: %s", i + 1, why);
        t = nn_vec_tag(r, &count);
        if (!tags[i]) {
            ck_assert_ptr_null(t);
            ck_assert_int_eq(count, -1);
        } else {
            ck_assert_ptr_nonnull(t);
            ck_assert_str_eq(t, tags[i]);
            ck_assert_int_eq(count, counts[i]);
        }
    }
    ck_assert_msg(nn_vec_read(r, &x, &label, why, sizeof why) == 0, "%s",
                  why);
    nn_vec_reader_free(r);
}

/* The writer's tags read back, in every format: a tag covers the records
 * after it until the next one. */
START_TEST(test_tags_written)
{
    static const int fmts[3] = { NN_VEC_TEXT, NN_VEC_F32, NN_VEC_U8 };
    const char *tags[5] = { NULL, "a b/c.jpg", "a b/c.jpg", "#2 x", "y" };
    long counts[5] = { -1, -1, -1, 2, 0 };
    float x[2] = { 0.0f, 1.0f };

    for (int f = 0; f < 3; f++) {
        FILE *fp = tmpfile();
        nn_vec_writer *w = NULL;
        ck_assert_ptr_nonnull(fp);
        ck_assert_int_eq(nn_vec_writer_new(&w, fp, fmts[f], 2), NN_OK);
        /* Names the tag lines could not hold are refused. */
        ck_assert_int_eq(nn_vec_write_tag(w, "a\tb", -1), NN_EINVAL);
        ck_assert_int_eq(nn_vec_write_tag(w, "a\nb", -1), NN_EINVAL);
        ck_assert_int_eq(nn_vec_write_tag(w, "", -1), NN_EINVAL);
        ck_assert_int_eq(nn_vec_write_tag(w, "a", -2), NN_EINVAL);
        ck_assert_int_eq(nn_vec_write(w, x, 1), NN_OK);
        ck_assert_int_eq(nn_vec_write_tag(w, "a b/c.jpg", -1), NN_OK);
        ck_assert_int_eq(nn_vec_write(w, x, 2), NN_OK);
        ck_assert_int_eq(nn_vec_write(w, x, -1), NN_OK);
        ck_assert_int_eq(nn_vec_write_tag(w, "#2 x", 2), NN_OK);
        ck_assert_int_eq(nn_vec_write(w, x, 3), NN_OK);
        ck_assert_int_eq(nn_vec_write_tag(w, "y", 0), NN_OK);
        ck_assert_int_eq(nn_vec_write(w, x, 3), NN_OK);
        nn_vec_writer_free(w);
        rewind(fp);
        expect_tags(fp, 5, tags, counts);
        fclose(fp);
    }
}
END_TEST

/* The text form: "# NAME" or "# NAME<TAB>COUNT"; other comments leave the
 * tag as it was.  A binary stream may start with a tag after its header. */
START_TEST(test_tags_syntax)
{
    const char *in = "#no space\n"
                     "1\t0\n"
                     "# a.png\r\n"
                     "1\t0\n"
                     "#\n"
                     "# \n"
                     "# x\tnot a count\n"
                     "# x\t12345678901\n"
                     "1\t0\n"
                     "  # b c\t7\n"
                     "\n"
                     "1\t0\n"
                     "# d\t\n"
                     "1\t0\n";
    const char *tags[5] = { NULL, "a.png", "a.png", "b c", "b c" };
    long counts[5] = { -1, -1, -1, 7, 7 };
    static const unsigned char bin[] = {
        0x89, 'N', 'N', 'V', 1, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
        0x89, 'N', 'N', 'T', 3, 0, 0, 0, 2, 0, 0, 0, 'i', 'j',
        5, 0, 0, 0, 255
    };
    const char *btag[1] = { "ij" };
    long bcount[1] = { 3 };
    FILE *fp = mem_in(in, strlen(in));

    expect_tags(fp, 5, tags, counts);
    fclose(fp);
    fp = mem_in(bin, sizeof bin);
    expect_tags(fp, 1, btag, bcount);
    fclose(fp);
}
END_TEST

/* Broken tag blocks name the record they come before. */
START_TEST(test_tags_bad)
{
    unsigned char b[64] = {
        0x89, 'N', 'N', 'V', 1, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
        0x89, 'N', 'N', 'T', 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 'i', 'j'
    };

    expect_error(b, 25, 0, NN_EFORMAT, "record 1: truncated tag: 9 bytes");
    expect_error(b, 29, 0, NN_EFORMAT, "record 1: truncated tag: 13 bytes");
    b[24] = 0;
    expect_error(b, 30, 0, NN_EFORMAT,
                 "record 1: tag: name of 0 bytes (1..4095)");
    b[24] = 2;
    b[29] = '\t';
    expect_error(b, 30, 0, NN_EFORMAT,
                 "record 1: tag: name holds a NUL, TAB, LF or CR byte");
    b[20] = b[21] = b[22] = 0;
    b[23] = 0x80;
    expect_error(b, 30, 0, NN_EFORMAT, "record 1: tag: count 2147483648 out "
                 "of range (-1..2147483647)");
}
END_TEST

Suite *vec_suite(void)
{
    Suite *s = suite_create("vec");
    TCase *tc = tcase_create("round trip");
    int nbad = (int)(sizeof bad_text / sizeof bad_text[0]);

    tcase_add_test(tc, test_pixel_code);
    tcase_add_test(tc, test_text_pixels);
    tcase_add_test(tc, test_text_random);
    tcase_add_test(tc, test_text_decimals);
    tcase_add_test(tc, test_text_forms);
    tcase_add_test(tc, test_shortest_rule);
    tcase_add_test(tc, test_binary_f32);
    tcase_add_test(tc, test_binary_u8);
    tcase_add_test(tc, test_binary_reheader);
    tcase_add_test(tc, test_autodetect);
    tcase_add_test(tc, test_cat_written);
    tcase_add_test(tc, test_pipe_streaming);
    suite_add_tcase(s, tc);

    tc = tcase_create("syntax and errors");
    tcase_add_test(tc, test_text_comments_blank_crlf);
    tcase_add_test(tc, test_dim_hint);
    tcase_add_loop_test(tc, test_bad_text, 0, nbad);
    tcase_add_test(tc, test_bad_binary);
    tcase_add_test(tc, test_concatenated);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_sticky_error);
    tcase_add_test(tc, test_read_error);
    tcase_add_test(tc, test_write_error);
    tcase_add_test(tc, test_writer_rejects);
    tcase_add_test(tc, test_garbage);
    suite_add_tcase(s, tc);

    tc = tcase_create("tags");
    tcase_add_test(tc, test_tags_written);
    tcase_add_test(tc, test_tags_syntax);
    tcase_add_test(tc, test_tags_bad);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_set_timeout(tc, 120);         /* a 64 MiB line, under valgrind */
    tcase_add_test(tc, test_long_line);
    suite_add_tcase(s, tc);

    tc = tcase_create("data");
    tcase_add_test(tc, test_data);
    tcase_add_test(tc, test_data_bytes);
    tcase_add_test(tc, test_data_converts);
    tcase_add_test(tc, test_data_floats);
    tcase_add_test(tc, test_data_codes);
    suite_add_tcase(s, tc);
    return s;
}
