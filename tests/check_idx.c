/* check_idx.c - nn_idx_read on good and broken IDX files built in memory:
 * raw, gzipped, and the usual broken downloads, each giving the right NN_E*
 * code and a why text that says what is wrong. */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "tests.h"

/* 3 images of 2x3. */
static const unsigned char good[] = {
    0, 0, 0x08, 3,  0, 0, 0, 3,  0, 0, 0, 2,  0, 0, 0, 3,
    0, 1, 2, 3, 4, 5,
    10, 20, 30, 40, 50, 60,
    255, 254, 253, 128, 127, 0
};
#define GOOD_HDR 16
#define GOOD_DATA 18

/* A read-only stream holding n bytes of p (tmpfile: works for n == 0). */
static FILE *mem(const void *p, size_t n)
{
    FILE *fp = tmpfile();

    ck_assert_ptr_nonnull(fp);
    if (n > 0)
        ck_assert_uint_eq(fwrite(p, 1, n, fp), n);
    rewind(fp);
    return fp;
}

/* gzip-wrapped deflate of p[0..n-1] into a malloc'd buffer. */
static unsigned char *gz(const void *p, size_t n, size_t *outlen)
{
    z_stream zs;
    size_t cap = compressBound((uLong)n) + 64;
    unsigned char *out = malloc(cap);

    ck_assert_ptr_nonnull(out);
    memset(&zs, 0, sizeof zs);
    ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8,
                                  Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (unsigned char *)p;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *outlen = zs.total_out;
    deflateEnd(&zs);
    return out;
}

/* nn_idx_read over the bytes p[0..n-1]. */
static int read_bytes(nn_idx **idx, const void *p, size_t n, char *why,
                      size_t whylen)
{
    FILE *fp = mem(p, n);
    int err = nn_idx_read(idx, fp, why, whylen);

    fclose(fp);
    return err;
}

static void assert_good(const nn_idx *idx)
{
    ck_assert_ptr_nonnull(idx);
    ck_assert_int_eq(idx->ndim, 3);
    ck_assert_int_eq(idx->dims[0], 3);
    ck_assert_int_eq(idx->dims[1], 2);
    ck_assert_int_eq(idx->dims[2], 3);
    ck_assert_int_eq(idx->count, 3);
    ck_assert_int_eq(idx->item_size, 6);
    ck_assert_mem_eq(idx->data, good + GOOD_HDR, GOOD_DATA);
}

/* Read p, expect error code want and a why containing sub. */
static void expect_fail(const void *p, size_t n, int want, const char *sub)
{
    nn_idx *idx = (nn_idx *)&idx;   /* must be reset to NULL */
    char why[256] = "";
    int err = read_bytes(&idx, p, n, why, sizeof why);

    ck_assert_msg(err == want, "error %d (%s), expected %d; why: %s", err,
                  nn_strerror(err), want, why);
    ck_assert_ptr_null(idx);
    ck_assert_msg(strstr(why, sub) != NULL, "why '%s' lacks '%s'", why, sub);
}

START_TEST(test_raw_good)
{
    nn_idx *idx = NULL;
    char why[256] = "x";

    ck_assert_int_eq(read_bytes(&idx, good, sizeof good, why, sizeof why),
                     NN_OK);
    assert_good(idx);
    ck_assert_str_eq(why, "");
    nn_idx_free(idx);
}
END_TEST

START_TEST(test_labels_good)
{
    static const unsigned char lab[] = { 0, 0, 8, 1, 0, 0, 0, 4, 7, 2, 1, 0 };
    nn_idx *idx = NULL;

    ck_assert_int_eq(read_bytes(&idx, lab, sizeof lab, NULL, 0), NN_OK);
    ck_assert_int_eq(idx->ndim, 1);
    ck_assert_int_eq(idx->count, 4);
    ck_assert_int_eq(idx->item_size, 1);
    ck_assert_mem_eq(idx->data, lab + 8, 4);
    nn_idx_free(idx);
}
END_TEST

/* The images and labels as a data set: nn_pixel(k) for each byte, the
 * labels in order, and the shapes that do not fit refused. */
START_TEST(test_idx_data)
{
    static const unsigned char lab[] = { 0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1 };
    static const unsigned char lab4[] = { 0, 0, 8, 1, 0, 0, 0, 4, 7, 2, 1, 0 };
    nn_idx *img = NULL, *l = NULL, *l4 = NULL;
    nn_data *d = NULL;
    float buf[6];
    char why[128] = "";

    ck_assert_int_eq(read_bytes(&img, good, sizeof good, NULL, 0), NN_OK);
    ck_assert_int_eq(read_bytes(&l, lab, sizeof lab, NULL, 0), NN_OK);
    ck_assert_int_eq(read_bytes(&l4, lab4, sizeof lab4, NULL, 0), NN_OK);
    ck_assert_int_eq(nn_idx_data(&d, img, l, why, sizeof why), NN_OK);
    ck_assert_int_eq(d->n, 3);
    ck_assert_int_eq(d->dim, 6);
    for (int i = 0; i < 3; i++) {
        const float *x = nn_data_row(d, i, buf);
        ck_assert_int_eq(d->label[i], lab[8 + i]);
        for (int j = 0; j < 6; j++)
            ck_assert(x[j] == nn_pixel(good[GOOD_HDR + 6 * i + j]));
    }
    nn_data_free(d);
    ck_assert_int_eq(nn_idx_data(&d, img, NULL, why, sizeof why), NN_OK);
    ck_assert_int_eq(d->label[2], -1);
    nn_data_free(d);
    ck_assert_int_eq(nn_idx_data(&d, img, l4, why, sizeof why), NN_ESHAPE);
    ck_assert_ptr_null(d);
    ck_assert_str_eq(why, "3 images but 4 labels");
    ck_assert_int_eq(nn_idx_data(&d, l, NULL, why, sizeof why), NN_ESHAPE);
    ck_assert_ptr_nonnull(strstr(why, "a labels file?"));
    ck_assert_int_eq(nn_idx_data(&d, img, img, why, sizeof why), NN_ESHAPE);
    nn_idx_free(img);
    nn_idx_free(l);
    nn_idx_free(l4);
}
END_TEST

START_TEST(test_gzip_good)
{
    nn_idx *idx = NULL;
    size_t n;
    unsigned char *z = gz(good, sizeof good, &n);

    ck_assert_int_eq(read_bytes(&idx, z, n, NULL, 0), NN_OK);
    assert_good(idx);
    nn_idx_free(idx);
    free(z);
}
END_TEST

/* cat a.gz b.gz is one gzip stream of both contents, as for gzip -d. */
START_TEST(test_gzip_members)
{
    nn_idx *idx = NULL;
    size_t n1, n2;
    unsigned char *z1 = gz(good, 7, &n1);
    unsigned char *z2 = gz(good + 7, sizeof good - 7, &n2);
    unsigned char *both = malloc(n1 + n2);

    ck_assert_ptr_nonnull(both);
    memcpy(both, z1, n1);
    memcpy(both + n1, z2, n2);
    ck_assert_int_eq(read_bytes(&idx, both, n1 + n2, NULL, 0), NN_OK);
    assert_good(idx);
    nn_idx_free(idx);
    free(z1);
    free(z2);
    free(both);
}
END_TEST

/* Raw inputs that must fail: bytes, code, substring of why. */
#define B(lit) lit, sizeof(lit) - 1
static const struct bad {
    const char *bytes;
    size_t len;
    int err;
    const char *why;
} bad[] = {
    { B("\x01\x02\x03\x04\x05\x06\x07\x08\x09"), NN_EFORMAT,
      "not an IDX file: magic number 0x01020304" },
    { B("\0\0\x0D\x03\0\0\0\x01\0\0\0\x01\0\0\0\x01\0\0\0\0"), NN_EFORMAT,
      "unsupported IDX type 0x0D (float): only 0x08 (unsigned byte)" },
    { B("\0\0\x0E\x01\0\0\0\x01"), NN_EFORMAT, "0x0E (double)" },
    { B("\0\0\x42\x01\0\0\0\x01\0"), NN_EFORMAT,
      "unknown IDX type 0x42 (IDX types are 0x08 unsigned byte, 0x09" },
    { B("\0\0\x08\x00"), NN_EFORMAT, "0 dimensions, only 1 to 4" },
    { B("\0\0\x08\x05"), NN_EFORMAT, "5 dimensions, only 1 to 4" },
    { B("\0\0\x08\x03\0\0\0\x03\0\0\0\0\0\0\0\x03"), NN_EFORMAT,
      "dimension 2 of 3 is 0" },
    { B("\0\0\x08\x03\0\0\0\x03\0\0\0\x02"), NN_EFORMAT,
      "truncated header: 3 dimensions need 16 bytes, file has 12" },
    /* good's header with 4 of its 18 data bytes missing */
    { B("\0\0\x08\x03\0\0\0\x03\0\0\0\x02\0\0\0\x03"
      "\0\1\2\3\4\5\6\7\x08\x09\x0a\x0b\x0c\x0d"), NN_EFORMAT,
      "truncated: header says 3 images of 2x3 = 34 bytes, file has 30" },
    { B("\0\0\x08\x01\0\0\0\x02\x07\x03\x01\x02"), NN_EFORMAT,
      "2 bytes of trailing data: header says 2 labels = 10 bytes, "
      "file has 12" },
    { B("<!DOCTYPE html>\n<html><body>404 Not Found</body></html>\n"),
      NN_EFORMAT,
      "this is an HTML page, not an IDX file (a failed download?)" },
    { B("\r\n  <HTML><HEAD><TITLE>Moved"), NN_EFORMAT, "HTML page" },
    { B(""), NN_EFORMAT, "empty file" },
    { B("\0\0"), NN_EFORMAT, "too short for an IDX header: 2 bytes" },
    { B("\x03\x08\0\0\0\0\xea\x60"), NN_EFORMAT, "byte-swapped" },
    { B("PK\x03\x04\x14\0\0\0"), NN_EFORMAT, "ZIP archive" },
    { B("\0\0\x08\x01\0\0\0\x01"), NN_EFORMAT,
      "truncated: header says 1 label = 9 bytes, file has 8" },
    /* Headers beyond the 2 GiB limit on a tiny file: NN_ELIMIT at once,
     * whether the product overflows 64 bits or not. */
    { B("\0\0\x08\x04\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
      "\xff\xff\xff\xff\0"), NN_ELIMIT,
      "header says 4294967295 items of 4294967295x4294967295x4294967295: "
      "more than the limit of 2147483647 bytes" },
    { B("\0\0\x08\x03\0\0\xea\x60\0\0\xea\x60\0\0\xea\x60"), NN_ELIMIT,
      "more than the limit" },
    { B("\0\0\x08\x01\x7f\xff\xff\xf8"), NN_ELIMIT, "more than the limit" },
    /* a little-endian header: the hint names the byte-swapped reading */
    { B("\0\0\x08\x03\x60\xea\0\0\x1c\0\0\0\x1c\0\0\0"), NN_ELIMIT,
      "byte-swapped it would be 60000 images of 28x28" },
};

START_TEST(test_bad)
{
    expect_fail(bad[_i].bytes, bad[_i].len, bad[_i].err, bad[_i].why);
}
END_TEST

/* Largest header within the limit, with no data: the reader must not
 * allocate what the header claims before the data is there. */
START_TEST(test_big_header_tiny_file)
{
    expect_fail("\0\0\x08\x01\x7f\xff\xff\xf7", 8, NN_EFORMAT,
                "truncated: header says 2147483639 labels = 2147483647 "
                "bytes, file has 8");
}
END_TEST

START_TEST(test_gzip_truncated)
{
    size_t n;
    unsigned char *z = gz(good, sizeof good, &n);

    expect_fail(z, n - 10, NN_EFORMAT,
                "gzip data is truncated (incomplete download?)");
    expect_fail(z, 12, NN_EFORMAT, "gzip data is truncated");
    free(z);
}
END_TEST

START_TEST(test_gzip_corrupt)
{
    size_t n;
    unsigned char *z = gz(good, sizeof good, &n);

    z[n - 6] ^= 0xff;           /* CRC-32 */
    expect_fail(z, n, NN_EFORMAT, "corrupt gzip data: incorrect data check");
    free(z);
}
END_TEST

START_TEST(test_gzip_content_errors)
{
    size_t n;
    unsigned char *z = gz(good, sizeof good - 1, &n), *z2;

    expect_fail(z, n, NN_EFORMAT, "truncated: header says 3 images of 2x3 "
                "= 34 bytes, decompressed data has 33");
    free(z);
    z = gz("", 0, &n);
    expect_fail(z, n, NN_EFORMAT, "gzip data decompresses to nothing");
    free(z);
    z = gz("<html>", 6, &n);
    expect_fail(z, n, NN_EFORMAT, "HTML page");
    free(z);
    z = gz(good, sizeof good, &n);
    z2 = malloc(n + 3);
    ck_assert_ptr_nonnull(z2);
    memcpy(z2, z, n);
    memcpy(z2 + n, "abc", 3);
    expect_fail(z2, n + 3, NN_EFORMAT, "unexpected data after the end of "
                "the gzip data");
    free(z);
    free(z2);
}
END_TEST

START_TEST(test_double_gzip)
{
    size_t n1, n2;
    unsigned char *z1 = gz(good, sizeof good, &n1);
    unsigned char *z2 = gz(z1, n1, &n2);

    expect_fail(z2, n2, NN_EFORMAT, "gzip-compressed twice");
    free(z1);
    free(z2);
}
END_TEST

START_TEST(test_read_error)
{
    FILE *fp = fopen("/dev/null", "w");    /* reading it fails */
    nn_idx *idx = NULL;
    char why[256] = "";

    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(nn_idx_read(&idx, fp, why, sizeof why), NN_EIO);
    ck_assert_ptr_null(idx);
    ck_assert_msg(strstr(why, "read error") != NULL, "why: %s", why);
    fclose(fp);
}
END_TEST

/* why may be NULL or tiny; the text is cut, never overrun. */
START_TEST(test_why_buffers)
{
    nn_idx *idx = NULL;
    char why[8];

    ck_assert_int_eq(read_bytes(&idx, "", 0, NULL, 0), NN_EFORMAT);
    memset(why, 'x', sizeof why);
    ck_assert_int_eq(read_bytes(&idx, good, sizeof good - 1, why, 5),
                     NN_EFORMAT);
    ck_assert_str_eq(why, "trun");
    ck_assert_int_eq(why[5], 'x');
    nn_idx_free(NULL);
}
END_TEST

Suite *idx_suite(void)
{
    Suite *s = suite_create("idx");
    TCase *tc = tcase_create("read");

    tcase_add_test(tc, test_raw_good);
    tcase_add_test(tc, test_labels_good);
    tcase_add_test(tc, test_idx_data);
    tcase_add_test(tc, test_gzip_good);
    tcase_add_test(tc, test_gzip_members);
    tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, test_big_header_tiny_file);
    tcase_add_test(tc, test_gzip_truncated);
    tcase_add_test(tc, test_gzip_corrupt);
    tcase_add_test(tc, test_gzip_content_errors);
    tcase_add_test(tc, test_double_gzip);
    tcase_add_test(tc, test_read_error);
    tcase_add_test(tc, test_why_buffers);
    suite_add_tcase(s, tc);
    return s;
}
