/* check_img.c - nn_img_decode on the fixtures of tests/data/img (one 40x30
 * picture, a dark "7" and a red square on light paper, saved in every
 * variant: see tests/data/README.md) and on broken, forged and synthetic
 * inputs built in memory.
 *
 * gray.png is the reference: lossless variants must match it exactly,
 * JPEGs within a small mean difference with the dark shape in the same
 * place, EXIF orientations 1-8 all upright.  Every fixture cut short or
 * with a byte changed must give an error or a picture, never a crash (run
 * under valgrind or SAN=1 to see the difference). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <zlib.h>

#include "tests.h"
#include "nn_internal.h"

#define W 40
#define H 30
#define PAPER 230               /* luma of the paper, ink 38, red 88 */

/* ------------------------------------------------------------------------ */
/* Helpers. */

static uint8_t *load(const char *name, size_t *n)
{
    const char *dir = getenv("DATA") ? getenv("DATA") : "tests/data";
    char path[512];
    uint8_t *b = NULL;
    long len;
    FILE *fp;

    snprintf(path, sizeof path, "%s/img/%s", dir, name);
    fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s (run from the top of the tree "
                  "or set DATA)", path);
    ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
    len = ftell(fp);
    ck_assert_int_ge(len, 1);
    rewind(fp);
    b = malloc((size_t)len);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(fread(b, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    *n = (size_t)len;
    return b;
}

static nn_image *decode_ok(const uint8_t *b, size_t n, const char *what)
{
    nn_image *img = NULL;
    char why[512] = "";
    int err = nn_img_decode(&img, b, n, NN_IMG_MAX_PIXELS, why, sizeof why);

    ck_assert_msg(err == NN_OK, "%s: error %d: %s", what, err, why);
    ck_assert_ptr_nonnull(img);
    ck_assert_ptr_nonnull(img->gray);
    ck_assert_ptr_nonnull(img->format);
    return img;
}

static nn_image *load_decode(const char *name)
{
    size_t n;
    uint8_t *b = load(name, &n);
    nn_image *img = decode_ok(b, n, name);

    free(b);
    return img;
}

/* Decode must fail with err and a why containing sub; *out stays NULL. */
static void expect_fail(const void *b, size_t n, long max_pixels, int err,
                        const char *sub)
{
    nn_image *img = (nn_image *)&img;   /* must be reset to NULL */
    char why[512] = "";
    int got = nn_img_decode(&img, b, n, max_pixels, why, sizeof why);

    ck_assert_msg(got == err, "error %d (%s), expected %d; why: %s", got,
                  nn_strerror(got), err, why);
    ck_assert_ptr_null(img);
    ck_assert_msg(strstr(why, sub) != NULL, "why '%s' lacks '%s'", why, sub);
}

/* Bounding box of the pixels darker than 128. */
static void bbox(const nn_image *img, int *x0, int *y0, int *x1, int *y1)
{
    int x, y;

    *x0 = img->width, *y0 = img->height, *x1 = -1, *y1 = -1;
    for (y = 0; y < img->height; y++)
        for (x = 0; x < img->width; x++)
            if (img->gray[y * img->width + x] < 128) {
                if (x < *x0) *x0 = x;
                if (x > *x1) *x1 = x;
                if (y < *y0) *y0 = y;
                if (y > *y1) *y1 = y;
            }
}

static double mean_abs_diff(const nn_image *a, const nn_image *b, int *maxd)
{
    size_t i, n = (size_t)a->width * a->height;
    double s = 0;
    int d;

    *maxd = 0;
    for (i = 0; i < n; i++) {
        d = abs((int)a->gray[i] - (int)b->gray[i]);
        s += d;
        if (d > *maxd)
            *maxd = d;
    }
    return s / (double)n;
}

/* ------------------------------------------------------------------------ */
/* Every variant decodes to the reference picture. */

START_TEST(test_reference)
{
    nn_image *r = load_decode("gray.png");
    int x0, y0, x1, y1;

    ck_assert_str_eq(r->format, "PNG");
    ck_assert_int_eq(r->width, W);
    ck_assert_int_eq(r->height, H);
    ck_assert_int_eq(r->orientation, 1);
    ck_assert_int_eq(r->gray[0], PAPER);
    ck_assert_int_eq(r->gray[5 * W + 10], 38);      /* ink: the bar */
    ck_assert_int_eq(r->gray[22 * W + 32], 88);     /* red square */
    bbox(r, &x0, &y0, &x1, &y1);
    ck_assert_int_eq(x0, 6);
    ck_assert_int_eq(y0, 3);
    ck_assert_int_eq(x1, 34);
    ck_assert_int_eq(y1, 24);
    nn_img_free(r);
}
END_TEST

/* Lossless: identical to the reference, byte for byte. */
static const struct { const char *file, *format; } lossless[] = {
    { "rgb.png", "PNG" }, { "gray16.png", "PNG" }, { "rgb16.png", "PNG" },
    { "palette.png", "PNG" }, { "interlaced.png", "PNG" },
    { "graya.png", "PNG" },     /* transparent border -> paper colour */
    { "p2.pgm", "PGM" }, { "p5.pgm", "PGM" }, { "p2-16.pgm", "PGM" },
    { "p5-16.pgm", "PGM" }, { "p3.ppm", "PPM" }, { "p6.ppm", "PPM" },
    { "p3-16.ppm", "PPM" }, { "p6-16.ppm", "PPM" },
    { "tiff-rgb.tif", "TIFF" }, { "tiff-rgb-mm.tif", "TIFF" },
    { "tiff-gray.tif", "TIFF" }, { "tiff-gray16.tif", "TIFF" },
    { "tiff-palette.tif", "TIFF" }, { "tiff-orient6.tif", "TIFF" },
};

START_TEST(test_lossless)
{
    nn_image *r = load_decode("gray.png");
    nn_image *img = load_decode(lossless[_i].file);
    int maxd;
    double mad;

    ck_assert_str_eq(img->format, lossless[_i].format);
    ck_assert_int_eq(img->width, W);
    ck_assert_int_eq(img->height, H);
    mad = mean_abs_diff(img, r, &maxd);
    ck_assert_msg(maxd == 0, "%s: differs from gray.png by up to %d (mean "
                  "%.3f)", lossless[_i].file, maxd, mad);
    nn_img_free(img);
    nn_img_free(r);
}
END_TEST

/* JPEG: close to the reference, the dark shape in the same place. */
static const char *const jpegs[] = {
    "baseline.jpg", "progressive.jpg", "gray.jpg", "rgbcs.jpg", "cmyk.jpg",
    "cmyk-adobe.jpg", "cmyk-plain.jpg", "orient-1.jpg", "orient-2.jpg",
    "orient-3.jpg", "orient-4.jpg", "orient-5.jpg", "orient-6.jpg",
    "orient-7.jpg", "orient-8.jpg"
};

START_TEST(test_jpeg)
{
    const char *f = jpegs[_i];
    nn_image *r = load_decode("gray.png");
    nn_image *img = load_decode(f);
    int x0, y0, x1, y1, r0, s0, r1, s1, maxd;
    double mad;

    ck_assert_str_eq(img->format, "JPEG");
    ck_assert_msg(img->width == W && img->height == H, "%s: %dx%d, not "
                  "upright", f, img->width, img->height);
    if (strncmp(f, "orient-", 7) == 0)
        ck_assert_int_eq(img->orientation, f[7] - '0');
    else
        ck_assert_int_eq(img->orientation, 1);
    mad = mean_abs_diff(img, r, &maxd);
    ck_assert_msg(mad < 3.0, "%s: mean difference %.2f from gray.png", f,
                  mad);
    bbox(r, &r0, &s0, &r1, &s1);
    bbox(img, &x0, &y0, &x1, &y1);
    ck_assert_msg(abs(x0 - r0) <= 1 && abs(y0 - s0) <= 1 &&
                  abs(x1 - r1) <= 1 && abs(y1 - s1) <= 1, "%s: dark shape "
                  "at %d,%d-%d,%d, expected %d,%d-%d,%d", f, x0, y0, x1, y1,
                  r0, s0, r1, s1);
    /* dark on light: paper corner and the ink of the bar */
    ck_assert_int_ge(img->gray[0], PAPER - 12);
    ck_assert_int_le(img->gray[5 * W + 10], 38 + 12);
    nn_img_free(img);
    nn_img_free(r);
}
END_TEST

/* Scaled decoding: each JPEG at the smallest scale that keeps the longer
 * side (40) at least min_side: 1/1, 1/2 (20), 1/8 (5), turned upright
 * after scaling, and at 1/2 close to the reference averaged over 2x2
 * pixels.  A PNG ignores min_side. */
START_TEST(test_jpeg_scaled)
{
    static const struct { int min_side, w, h; } want[] = {
        { 41, W, H }, { 40, W, H }, { 20, W / 2, H / 2 }, { 21, W, H },
        { 1, (W + 7) / 8, (H + 7) / 8 }, { 0, W, H },
    };
    const char *f = jpegs[_i];
    char path[512], why[256] = "";
    nn_image *r = load_decode("gray.png"), *img;
    FILE *fp;

    snprintf(path, sizeof path, "%s/img/%s",
             getenv("DATA") ? getenv("DATA") : "tests/data", f);
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        ck_assert_ptr_nonnull(fp = fopen(path, "rb"));
        ck_assert_int_eq(nn_img_read_scaled(&img, fp, NN_IMG_MAX_PIXELS,
                                            want[k].min_side, why,
                                            sizeof why), NN_OK);
        fclose(fp);
        ck_assert_msg(img->width == want[k].w && img->height == want[k].h,
                      "%s, min_side %d: %dx%d, expected %dx%d", f,
                      want[k].min_side, img->width, img->height, want[k].w,
                      want[k].h);
        if (want[k].w == W / 2) {
            double s = 0;
            for (int y = 0; y < H / 2; y++)
                for (int x = 0; x < W / 2; x++) {
                    const uint8_t *q = r->gray + 2 * y * W + 2 * x;
                    double avg = (q[0] + q[1] + q[W] + q[W + 1]) / 4.0;
                    s += fabs(img->gray[y * (W / 2) + x] - avg);
                }
            ck_assert_msg(s / (W / 2 * H / 2) < 6.0, "%s at 1/2: mean "
                          "difference %.2f", f, s / (W / 2 * H / 2));
        }
        nn_img_free(img);
    }
    snprintf(path, sizeof path, "%s/img/gray.png",
             getenv("DATA") ? getenv("DATA") : "tests/data");
    ck_assert_ptr_nonnull(fp = fopen(path, "rb"));
    ck_assert_int_eq(nn_img_read_scaled(&img, fp, 0, 1, why, sizeof why),
                     NN_OK);
    fclose(fp);
    ck_assert(img->width == W && img->height == H);
    nn_img_free(img);
    nn_img_free(r);
}
END_TEST

/* Bilevel: the reference thresholded at 128 (1 = black). */
static const char *const bilevel[] = { "p1.pbm", "p4.pbm",
                                       "tiff-bilevel.tif" };

START_TEST(test_bilevel)
{
    nn_image *r = load_decode("gray.png");
    nn_image *img = load_decode(bilevel[_i]);
    size_t i;

    ck_assert_int_eq(img->width, W);
    ck_assert_int_eq(img->height, H);
    for (i = 0; i < (size_t)W * H; i++)
        ck_assert_int_eq(img->gray[i], r->gray[i] < 128 ? 0 : 255);
    nn_img_free(img);
    nn_img_free(r);
}
END_TEST

/* Strokes on a transparent sheet: the paper becomes white, the strokes
 * keep their luma (premultiplied TIFF alpha too). */
static const char *const strokes[] = { "rgba.png", "palette-trns.png",
                                       "tiff-rgba.tif",
                                       "tiff-rgba-assoc.tif" };

START_TEST(test_alpha_fixtures)
{
    nn_image *r = load_decode("gray.png");
    nn_image *img = load_decode(strokes[_i]);
    size_t i;

    ck_assert_int_eq(img->width, W);
    ck_assert_int_eq(img->height, H);
    for (i = 0; i < (size_t)W * H; i++)
        ck_assert_int_eq(img->gray[i], r->gray[i] == PAPER ? 255
                                                           : r->gray[i]);
    nn_img_free(img);
    nn_img_free(r);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Alpha rule on synthetic PNGs written by libpng. */

static uint8_t *make_png(uint32_t format, int w, int h, const uint8_t *px,
                         size_t *len)
{
    png_image im;
    png_alloc_size_t n = 0;
    uint8_t *b;

    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    im.width = (png_uint_32)w;
    im.height = (png_uint_32)h;
    im.format = format;
    ck_assert(png_image_write_to_memory(&im, NULL, &n, 0, px, 0, NULL));
    b = malloc(n);
    ck_assert_ptr_nonnull(b);
    ck_assert(png_image_write_to_memory(&im, b, &n, 0, px, 0, NULL));
    *len = n;
    return b;
}

/* 10x10 gray+alpha: background (g0, a0), a 6-pixel stroke (g1, a1) in
 * column 5, and the 8x8 middle set to (g2, a2) if a2 >= 0. */
static nn_image *ga_picture(int g0, int a0, int g1, int a1, int g2, int a2)
{
    uint8_t px[10 * 10 * 2];
    nn_image *img;
    uint8_t *b;
    size_t n;
    int x, y;

    for (y = 0; y < 10; y++)
        for (x = 0; x < 10; x++) {
            uint8_t *p = px + 2 * (y * 10 + x);
            p[0] = (uint8_t)g0, p[1] = (uint8_t)a0;
            if (a2 >= 0 && x >= 1 && x <= 8 && y >= 1 && y <= 8)
                p[0] = (uint8_t)g2, p[1] = (uint8_t)a2;
            if (x == 5 && y >= 2 && y <= 7)
                p[0] = (uint8_t)g1, p[1] = (uint8_t)a1;
        }
    b = make_png(PNG_FORMAT_GA, 10, 10, px, &n);
    img = decode_ok(b, n, "synthetic PNG");
    free(b);
    return img;
}

START_TEST(test_alpha_dark_strokes)
{
    nn_image *img = ga_picture(0, 0, 20, 255, 0, -1);

    ck_assert_int_eq(img->gray[0], 255);            /* white page */
    ck_assert_int_eq(img->gray[2 * 10 + 5], 20);
    nn_img_free(img);
}
END_TEST

START_TEST(test_alpha_light_strokes)
{
    nn_image *img = ga_picture(255, 0, 240, 255, 0, -1);

    ck_assert_int_eq(img->gray[0], 0);              /* black page */
    ck_assert_int_eq(img->gray[2 * 10 + 5], 240);
    nn_img_free(img);
}
END_TEST

/* Like photos/139_d3.png: an opaque sheet (64 of 100 pixels) with a clear
 * border: the border takes the sheet's median, whichever its polarity. */
START_TEST(test_alpha_paper_border)
{
    nn_image *img = ga_picture(0, 0, 30, 255, 200, 255);

    ck_assert_int_eq(img->gray[0], 200);
    ck_assert_int_eq(img->gray[9 * 10 + 9], 200);
    ck_assert_int_eq(img->gray[1 * 10 + 1], 200);
    ck_assert_int_eq(img->gray[2 * 10 + 5], 30);
    nn_img_free(img);
    img = ga_picture(255, 0, 250, 255, 10, 255);    /* white on black */
    ck_assert_int_eq(img->gray[0], 10);
    ck_assert_int_eq(img->gray[2 * 10 + 5], 250);
    nn_img_free(img);
}
END_TEST

/* Partial alpha blends linearly with the page colour. */
START_TEST(test_alpha_partial)
{
    nn_image *img = ga_picture(0, 0, 40, 128, 0, -1);
    nn_image *img2;
         /* half-transparent */
    /* stroke alpha 128 counts as opaque, a minority, dark: page 255 */
    ck_assert_int_eq(img->gray[2 * 10 + 5],
                     (128 * 40 + 127 * 255 + 127) / 255);
    ck_assert_int_eq(img->gray[0], 255);
    img2 = ga_picture(0, 64, 0, 255, 0, -1);        /* faint background */
    ck_assert_int_eq(img2->gray[0], (64 * 0 + 191 * 255 + 127) / 255);
    nn_img_free(img);
    nn_img_free(img2);
}
END_TEST

/* Fully transparent: blank white. */
START_TEST(test_alpha_all_clear)
{
    nn_image *img = ga_picture(0, 0, 0, 0, 0, -1);
    int i;

    for (i = 0; i < 100; i++)
        ck_assert_int_eq(img->gray[i], 255);
    nn_img_free(img);
}
END_TEST

/* RGBA: luma of a coloured stroke, white page. */
START_TEST(test_alpha_rgba)
{
    uint8_t px[3 * 2 * 4] = { 0 };
    nn_image *img;
    uint8_t *b;
    size_t n;

    px[0] = 255, px[3] = 255;                       /* red, opaque */
    px[4 * 4 + 1] = 255, px[4 * 4 + 3] = 255;       /* green, opaque */
    b = make_png(PNG_FORMAT_RGBA, 3, 2, px, &n);
    img = decode_ok(b, n, "RGBA");
    ck_assert_int_eq(img->gray[0], 76);             /* 0.299 * 255 */
    ck_assert_int_eq(img->gray[4], 150);            /* 0.587 * 255 */
    ck_assert_int_eq(img->gray[1], 255);
    nn_img_free(img);
    free(b);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Orientation. */

START_TEST(test_orient_buffer)
{
    /* stored picture abc/def; what shows upright for tags 1-8 */
    static const char *const want[9] = { "", "abcdef", "cbafed", "fedcba",
        "defabc", "adbecf", "daebfc", "fcebda", "cfbead" };
    nn_image *img = NULL;
    int o;

    for (o = 1; o <= 8; o++) {
        ck_assert_int_eq(nn_img_alloc(&img, 3, 2), NN_OK);
        memcpy(img->gray, "abcdef", 6);
        ck_assert_int_eq(nn_img_orient(img, o), NN_OK);
        ck_assert_int_eq(img->width, o >= 5 ? 2 : 3);
        ck_assert_int_eq(img->height, o >= 5 ? 3 : 2);
        ck_assert_int_eq(img->orientation, o);
        ck_assert_msg(memcmp(img->gray, want[o], 6) == 0, "orientation %d: "
                      "%.6s, expected %s", o, (const char *)img->gray,
                      want[o]);
        nn_img_free(img);
    }
}
END_TEST

/* EXIF blocks, well-formed and broken; -1 marks the end of a block. */
#define E(...) { __VA_ARGS__, -1 }
static const struct { int bytes[64]; int want; } exif[] = {
    /* II, one entry: orientation SHORT 6 */
    { E('I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 1, 3, 0, 1, 0, 0, 0,
        6, 0, 0, 0, 0, 0, 0, 0), 6 },
    /* MM, two entries, orientation second: 8 */
    { E('M', 'M', 0, 42, 0, 0, 0, 8, 0, 2, 1, 0x0f, 2, 0, 0, 0, 0, 4,
        'A', 'B', 'C', 0, 1, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0), 8 },
    /* orientation as a LONG: accepted */
    { E('I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 1, 4, 0, 1, 0, 0, 0,
        3, 0, 0, 0), 3 },
    /* value 9 and 0: out of range */
    { E('I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 1, 3, 0, 1, 0, 0, 0,
        9, 0, 0, 0), 1 },
    { E('I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 1, 3, 0, 1, 0, 0, 0,
        0, 0, 0, 0), 1 },
    /* IFD offset far past the end, and just past it */
    { E('I', 'I', 42, 0, 0xf0, 0xff, 0xff, 0xff, 1, 0, 0x12, 1, 3, 0, 1, 0,
        0, 0, 6, 0, 0, 0), 1 },
    { E('I', 'I', 42, 0, 22, 0, 0, 0, 1, 0, 0x12, 1, 3, 0, 1, 0, 0, 0,
        6, 0, 0, 0), 1 },
    /* 65535 entries claimed, the first (present) one is read */
    { E('I', 'I', 42, 0, 8, 0, 0, 0, 0xff, 0xff, 0x12, 1, 3, 0, 1, 0, 0, 0,
        5, 0, 0, 0), 5 },
    /* entry cut short */
    { E('I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 1, 3, 0, 1, 0, 0, 0, 6),
      1 },
    /* 1000 SHORTs at an offset past the end */
    { E('I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 1, 3, 0, 0xe8, 3, 0, 0,
        0, 1, 0, 0), 1 },
    /* count 0x40000000 LONGs: the byte count overflows 32 bits */
    { E('I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 1, 4, 0, 0, 0, 0, 0x40,
        8, 0, 0, 0), 1 },
    /* ASCII type */
    { E('I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 1, 2, 0, 1, 0, 0, 0,
        '6', 0, 0, 0), 1 },
    /* bad byte order, bad magic, too short */
    { E('I', 'M', 42, 0, 8, 0, 0, 0), 1 },
    { E('I', 'I', 43, 0, 8, 0, 0, 0), 1 },
    { E('M', 'M', 0, 42, 0, 0), 1 },
    { E(-1), 1 },
};

static size_t exif_bytes(int i, uint8_t *b)
{
    size_t n = 0;

    while (exif[i].bytes[n] >= 0) {
        b[n] = (uint8_t)exif[i].bytes[n];
        n++;
    }
    return n;
}

START_TEST(test_exif_parse)
{
    uint8_t b[64] = { 0 };
    size_t n = exif_bytes(_i, b), k;

    ck_assert_int_eq(nn_img_exif_orientation(b, n), exif[_i].want);
    /* every shorter block: in range, no out-of-bounds read */
    for (k = 0; k < n; k++) {
        uint8_t *c = malloc(k ? k : 1);
        int o;

        ck_assert_ptr_nonnull(c);
        memcpy(c, b, k);
        o = nn_img_exif_orientation(c, k);
        ck_assert(o >= 1 && o <= 8);
        free(c);
    }
}
END_TEST

/* The same blocks spliced into baseline.jpg as an APP1 segment. */
START_TEST(test_exif_in_jpeg)
{
    uint8_t blk[64], *b, *j;
    size_t n, m = exif_bytes(_i, blk), len;
    nn_image *img;

    b = load("baseline.jpg", &n);
    len = n + 4 + 6 + m;
    j = malloc(len);
    ck_assert_ptr_nonnull(j);
    memcpy(j, b, 2);                            /* SOI */
    j[2] = 0xff, j[3] = 0xe1;
    j[4] = (uint8_t)((2 + 6 + m) >> 8), j[5] = (uint8_t)(2 + 6 + m);
    memcpy(j + 6, "Exif\0\0", 6);
    memcpy(j + 12, blk, m);
    memcpy(j + 12 + m, b + 2, n - 2);
    img = decode_ok(j, len, "baseline.jpg with an EXIF block");
    ck_assert_int_eq(img->orientation, exif[_i].want);
    nn_img_free(img);
    free(j);
    free(b);
}
END_TEST

/* An APP1 segment whose length runs past the end of the file. */
START_TEST(test_exif_lying_length)
{
    static const uint8_t j[] = { 0xff, 0xd8, 0xff, 0xe1, 0xff, 0xf0, 'E',
        'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 1, 3,
        0, 1, 0, 0, 0, 6, 0, 0, 0 };

    expect_fail(j, sizeof j, 0, NN_EFORMAT, "JPEG: ");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* JPEG damage. */

START_TEST(test_jpeg_truncated)
{
    size_t n;
    uint8_t *b = load("baseline.jpg", &n);

    expect_fail(b, n * 3 / 4, 0, NN_EFORMAT, "(truncated file?)");
    expect_fail(b, 2, 0, NN_EFORMAT, "JPEG: ");
    free(b);
}
END_TEST

/* Junk between header segments is a harmless warning: decoded. */
START_TEST(test_jpeg_extraneous)
{
    size_t n, seg;
    uint8_t *b = load("baseline.jpg", &n), *j = malloc(n + 3);
    nn_image *img, *r;
    int maxd;

    ck_assert_ptr_nonnull(j);
    ck_assert(b[2] == 0xff && b[3] == 0xe0);        /* JFIF APP0 */
    seg = 4 + ((size_t)b[4] << 8 | b[5]);
    memcpy(j, b, seg);
    memcpy(j + seg, "\0\0\0", 3);
    memcpy(j + seg + 3, b + seg, n - seg);
    img = decode_ok(j, n + 3, "JPEG with extraneous bytes");
    r = decode_ok(b, n, "baseline.jpg");
    ck_assert(mean_abs_diff(img, r, &maxd) == 0);
    nn_img_free(img);
    nn_img_free(r);
    free(j);
    free(b);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Every fixture cut short or with a byte changed: an error with a reason,
 * or a well-formed picture; never a crash. */

static const char *const all[] = {
    "gray.png", "rgb.png", "gray16.png", "rgb16.png", "palette.png",
    "palette-trns.png", "interlaced.png", "rgba.png", "graya.png",
    "baseline.jpg", "progressive.jpg", "gray.jpg", "rgbcs.jpg", "cmyk.jpg",
    "cmyk-adobe.jpg", "cmyk-plain.jpg", "orient-1.jpg", "orient-2.jpg",
    "orient-3.jpg", "orient-4.jpg", "orient-5.jpg", "orient-6.jpg",
    "orient-7.jpg", "orient-8.jpg", "p1.pbm", "p4.pbm", "p2.pgm", "p5.pgm",
    "p2-16.pgm", "p5-16.pgm", "p3.ppm", "p6.ppm", "p3-16.ppm", "p6-16.ppm",
    "tiff-rgb.tif", "tiff-rgb-mm.tif", "tiff-gray.tif", "tiff-gray16.tif",
    "tiff-palette.tif", "tiff-bilevel.tif", "tiff-rgba.tif",
    "tiff-rgba-assoc.tif", "tiff-orient6.tif", "tiff-lzw.tif"
};
#define NALL ((int)(sizeof all / sizeof all[0]))

/* Decode a copy of b[0..n-1] (so that reads past n are caught). */
static int try_decode(const uint8_t *b, size_t n, const char *what)
{
    uint8_t *c = malloc(n ? n : 1);
    nn_image *img = (nn_image *)&img;
    char why[512] = "";
    int err;

    ck_assert_ptr_nonnull(c);
    memcpy(c, b, n);
    err = nn_img_decode(&img, c, n, NN_IMG_MAX_PIXELS, why, sizeof why);
    if (err == NN_OK) {
        ck_assert_ptr_nonnull(img);
        ck_assert_msg(img->width >= 1 && img->height >= 1 &&
                      (long)img->width * img->height <= NN_IMG_MAX_PIXELS,
                      "%s: %dx%d", what, img->width, img->height);
        ck_assert_ptr_nonnull(img->gray);
        nn_img_free(img);
    } else {
        ck_assert_msg(err == NN_EFORMAT || err == NN_ELIMIT, "%s: error %d "
                      "(%s): %s", what, err, nn_strerror(err), why);
        ck_assert_ptr_null(img);
        ck_assert_msg(why[0] != '\0', "%s: error without a reason", what);
    }
    free(c);
    return err;
}

START_TEST(test_truncated)
{
    size_t n, k, step;
    uint8_t *b = load(all[_i], &n);
    char what[128];

    step = n / 32 ? n / 32 : 1;
    for (k = 0; k < n; k += k < 64 ? 1 : step) {
        snprintf(what, sizeof what, "%s cut to %lu bytes", all[_i],
                 (unsigned long)k);
        try_decode(b, k, what);
    }
    try_decode(b, n - 1, all[_i]);
    /* half the file: the pixel data is incomplete */
    snprintf(what, sizeof what, "%s cut in half", all[_i]);
    ck_assert_msg(try_decode(b, n / 2, what) != NN_OK, "%s: decoded", what);
    free(b);
}
END_TEST

START_TEST(test_corrupt)
{
    static const uint8_t vals[] = { 0x00, 0xff, 0x80, 0x7f };
    size_t n, k, step;
    uint8_t *b = load(all[_i], &n), *c = malloc(n);
    char what[128];
    int v;

    ck_assert_ptr_nonnull(c);
    step = n / 48 ? n / 48 : 1;
    for (k = 0; k < n; k += k < 48 ? 1 : step)
        for (v = 0; v < 4; v++) {
            memcpy(c, b, n);
            c[k] = c[k] == vals[v] ? (uint8_t)~vals[v] : vals[v];
            snprintf(what, sizeof what, "%s with byte %lu = 0x%02x",
                     all[_i], (unsigned long)k, c[k]);
            try_decode(c, n, what);
        }
    free(c);
    free(b);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* What is not a decodable image. */

#define B(lit) lit, sizeof(lit) - 1
static const struct {
    const char *bytes;
    size_t len;
    const char *name;           /* nn_img_format_name */
    const char *why;
} notimg[] = {
    { B(""), NULL, "empty file" },
    { B("\x01\x02\x03\x04\x05garbage"), NULL,
      "not a known image format (first bytes 01 02 03 04)" },
    { B("\x01\x02"), NULL, "not an image: only 2 bytes" },
    { B("GIF89a\x28\0\x1e\0\xf7\0\0"), "GIF",
      "GIF image: not supported, convert it to PNG" },
    { B("BM\x36\x10\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x28\0\0\0"), "BMP",
      "BMP image: not supported" },
    { B("RIFF\x24\x01\0\0WEBPVP8 "), "WebP", "WebP image: not supported" },
    { B("\0\0\0\x18" "ftypheic\0\0\0\0mif1heic"), "HEIC",
      "phone HEIC photo: not supported, convert it to JPEG" },
    { B("\0\0\0\x1c" "ftypmif1\0\0\0\0mif1avifmiaf"), "AVIF",
      "AVIF image: not supported" },
    { B("\0\0\0\x18" "ftypmp42\0\0\0\0isommp42"), "video", "a video" },
    { B("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "PDF", "PDF document, not an image" },
    { B("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\">"),
      "SVG", "SVG drawing" },
    { B("<svg width=\"10\">"), "SVG", "SVG drawing" },
    { B("\n<!DOCTYPE html>\n<html><body>404</body></html>"), "HTML",
      "an HTML page, not an image" },
    { B("5\t0.1 0.2 0.3\n"), "text", "a text file, not an image" },
    { B("P7\nWIDTH 2\nHEIGHT 2\nDEPTH 1\nMAXVAL 255\nENDHDR\n"), "PAM",
      "PAM (P7): not supported" },
    { B("\x1f\x8b\x08\0\0\0\0\0"), "gzip", "decompress it first" },
    { B("PK\3\4\x14\0"), "ZIP", "ZIP archive" },
    { B("\0\0\0\x0cjP  \r\n\x87\n"), "JPEG 2000", "JPEG 2000" },
    { B("8BPS\0\1"), "PSD", "Photoshop" },
    { B("II+\0\x08\0\0\0"), "TIFF", "BigTIFF: not supported" },
    { B("\x89PN"), "PNG", "PNG: truncated: 3 bytes" },
    { B("\x89PNG\n\x1a\n\0\0\0\x0dIHDR"), "PNG", "PNG: damaged signature" },
    { B("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0"), "PNG", "PNG: " },
    { B("\xff\xd8"), "JPEG", "JPEG: " },
    { B("\xff\xd8\xff\xe0\0\x10JFIF\0"), "JPEG", "JPEG: " },
    { B("\xff\xd8\xff\xd9"), "JPEG", "JPEG: " },
    { B("II*\0\x08\0\0\0"), "TIFF", "TIFF: truncated header" },
    { B("II*\0\x08\0\0\0\0\0"), "TIFF", "TIFF: no image size" },
    { B("II*\0\xff\0\0\0"), "TIFF", "TIFF: truncated header" },
    { B("MM\0*\0\0\0\x08\0\x03\x01\0\0\3\0\0\0\1\0\x05\0\0"
        "\x01\x01\0\3\0\0\0\1\0\x05\0\0\x01\x06\0\3\0\0\0\1\0\x05\0\0"),
      "TIFF", "TIFF: CMYK not supported" },
};

START_TEST(test_not_image)
{
    const char *name = nn_img_format_name((const uint8_t *)notimg[_i].bytes,
                                          notimg[_i].len);

    if (notimg[_i].name)
        ck_assert_msg(name && strcmp(name, notimg[_i].name) == 0,
                      "format name %s, expected %s", name ? name : "NULL",
                      notimg[_i].name);
    else
        ck_assert_ptr_null(name);
    expect_fail(notimg[_i].bytes, notimg[_i].len, NN_IMG_MAX_PIXELS,
                NN_EFORMAT, notimg[_i].why);
}
END_TEST

START_TEST(test_format_names)
{
    static const struct { const char *file, *name; } t[] = {
        { "gray.png", "PNG" }, { "baseline.jpg", "JPEG" },
        { "p1.pbm", "PBM" }, { "p4.pbm", "PBM" }, { "p2.pgm", "PGM" },
        { "p5.pgm", "PGM" }, { "p3.ppm", "PPM" }, { "p6.ppm", "PPM" },
        { "tiff-rgb.tif", "TIFF" }, { "tiff-rgb-mm.tif", "TIFF" },
    };
    size_t i, n;
    uint8_t *b;

    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        b = load(t[i].file, &n);
        ck_assert_str_eq(nn_img_format_name(b, n), t[i].name);
        free(b);
    }
    ck_assert_ptr_null(nn_img_format_name(NULL, 0));
}
END_TEST

START_TEST(test_tiff_lzw)
{
    size_t n;
    uint8_t *b = load("tiff-lzw.tif", &n);

    expect_fail(b, n, NN_IMG_MAX_PIXELS, NN_EFORMAT, "TIFF: LZW compression "
                "not supported (only uncompressed TIFF): convert it to PNG");
    free(b);
}
END_TEST

START_TEST(test_bad_args)
{
    nn_image *img = (nn_image *)&img;
    char why[128] = "";

    ck_assert_int_eq(nn_img_decode(NULL, (const uint8_t *)"P5", 2, 0, why,
                                   sizeof why), NN_EINVAL);
    ck_assert_int_eq(nn_img_decode(&img, NULL, 5, 0, why, sizeof why),
                     NN_EINVAL);
    ck_assert_ptr_null(img);
    ck_assert_int_eq(nn_img_decode(&img, NULL, 0, 0, NULL, 0), NN_EFORMAT);
    nn_img_free(NULL);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Netpbm details, in memory. */

START_TEST(test_pnm_syntax)
{
    static const char p2[] = "P2\n# comment\n3 2 # more\n#\n1000\n"
                             "0 500 1000\n1000\t0\r250\n";
    static const char p5[] = "P5 2 2 65535 \x80\x80\xff\xff\0\0\x01\0";
    static const char p6[] = "P6\n4 1\n255\n\xff\0\0\0\xff\0\0\0\xff"
                             "\xff\xff\xff";
    static const char p4[] = "P4\n10 2\n\xa0\x40\x00\xc0";
    static const char p1[] = "P1\n3 2\n010\n1 0 1";
    static const uint8_t w2[] = { 0, 128, 255, 255, 0, 64 };
    static const uint8_t w5[] = { 128, 255, 0, 1 };
    static const uint8_t w6[] = { 76, 150, 29, 255 };
    static const uint8_t w4[] = { 0, 255, 0, 255, 255, 255, 255, 255, 255,
                                  0, 255, 255, 255, 255, 255, 255, 255, 255,
                                  0, 0 };
    static const uint8_t w1[] = { 255, 0, 255, 0, 255, 0 };
    nn_image *img;

    img = decode_ok((const uint8_t *)p2, sizeof p2 - 1, "P2");
    ck_assert_int_eq(img->width, 3);
    ck_assert_mem_eq(img->gray, w2, 6);
    nn_img_free(img);
    img = decode_ok((const uint8_t *)p5, sizeof p5 - 1, "P5");
    ck_assert_mem_eq(img->gray, w5, 4);
    nn_img_free(img);
    img = decode_ok((const uint8_t *)p6, sizeof p6 - 1, "P6");
    ck_assert_str_eq(img->format, "PPM");
    ck_assert_mem_eq(img->gray, w6, 4);
    nn_img_free(img);
    img = decode_ok((const uint8_t *)p4, sizeof p4 - 1, "P4");
    ck_assert_str_eq(img->format, "PBM");
    ck_assert_mem_eq(img->gray, w4, 20);
    nn_img_free(img);
    img = decode_ok((const uint8_t *)p1, sizeof p1 - 1, "P1");
    ck_assert_mem_eq(img->gray, w1, 6);
    nn_img_free(img);
}
END_TEST

static const struct {
    const char *bytes;
    size_t len;
    int err;
    const char *why;
} badpnm[] = {
    { B("P5\n3 2\n255\n\x01\x02"), NN_EFORMAT,
      "PGM: truncated: 6 bytes of pixel data expected, 2 present" },
    { B("P6\n3 2\n65535\n\x01\x02"), NN_EFORMAT,
      "PPM: truncated: 36 bytes of pixel data expected, 2 present" },
    { B("P5\n3 2\n255"), NN_EFORMAT, "truncated: no pixel data" },
    { B("P2\n2 2\n255\n1 2 3"), NN_EFORMAT,
      "truncated: 4 samples need at least 7 bytes, 6 present" },
    { B("P2\n2 2\n255\n1 2 3  \n"), NN_EFORMAT,
      "truncated: 4 samples expected, 3 present" },
    { B("P2\n2 2\n255\n1 2 3 x\n"), NN_EFORMAT, "bad sample 4 of 4: found 'x'" },
    { B("P2\n2 1\n100\n50 101\n"), NN_EFORMAT,
      "sample 2 of 2 is more than maxval 100" },
    { B("P5\n2 1\n100\n\x10\xff"), NN_EFORMAT,
      "sample 2 of 2 is 255, more than maxval 100" },
    { B("P1\n2 1\n1 2\n"), NN_EFORMAT, "bad sample 2 of 2" },
    { B("P5\n2 1\n0\n\0\0"), NN_EFORMAT, "maxval 0" },
    { B("P5\n2 1\n65536\n\0\0"), NN_EFORMAT, "maxval 65536 is more than "
      "65535" },
    { B("P5\n0 1\n255\n"), NN_EFORMAT, "no pixels (0x1)" },
    { B("P5\n3x 2\n255\n"), NN_EFORMAT, "junk after the width" },
    { B("P5\n3\n"), NN_EFORMAT, "truncated header: no height" },
    { B("P5\n-3 2\n255\n"), NN_EFORMAT, "width expected, found '-'" },
    { B("P5"), NN_EFORMAT, "truncated header: no width" },
    { B("P5\n99999999999999999999999 1\n255\n"), NN_ELIMIT,
      "width 99999999999999999999... is more than 2147483647" },
    { B("P5\n2147483647 2147483647\n255\n"), NN_ELIMIT,
      "more than the limit of 50 megapixels" },
};

START_TEST(test_pnm_bad)
{
    expect_fail(badpnm[_i].bytes, badpnm[_i].len, NN_IMG_MAX_PIXELS,
                badpnm[_i].err, badpnm[_i].why);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* The pixel limit: decided from the header, before pixel memory.  The
 * forged headers below carry no pixel data at all, so NN_ELIMIT (rather
 * than "truncated") shows the order of the checks. */

static void put32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

#define BIG "image is 30000x40000 = 1200 megapixels, more than the limit " \
            "of 50 megapixels (--max-pixels)"

START_TEST(test_limit_png)
{
    uint8_t b[8 + 25 + 12 + 12];
    uint8_t *ihdr = b + 8, *idat = b + 33;

    memcpy(b, "\x89PNG\r\n\x1a\n", 8);
    put32be(ihdr, 13);
    memcpy(ihdr + 4, "IHDR", 4);
    put32be(ihdr + 8, 30000);
    put32be(ihdr + 12, 40000);
    memcpy(ihdr + 16, "\x08\x02\0\0\0", 5);
    put32be(ihdr + 21, (uint32_t)crc32(0, ihdr + 4, 17));
    memcpy(idat, "\0\0\0\0IDAT", 8);              /* empty IDAT */
    put32be(idat + 8, (uint32_t)crc32(0, idat + 4, 4));
    memcpy(b + 45, "\0\0\0\0IEND\xae\x42\x60\x82", 12);
    expect_fail(b, sizeof b, NN_IMG_MAX_PIXELS, NN_ELIMIT, "PNG: " BIG);
}
END_TEST

START_TEST(test_limit_jpeg)
{
    size_t n, i;
    uint8_t *b = load("baseline.jpg", &n);

    for (i = 2; i + 9 < n; i++)         /* SOF0: FF C0 len P H H W W */
        if (b[i] == 0xff && b[i + 1] == 0xc0)
            break;
    ck_assert(i + 9 < n);
    b[i + 5] = 40000 >> 8, b[i + 6] = 40000 & 0xff;
    b[i + 7] = 30000 >> 8, b[i + 8] = 30000 & 0xff;
    expect_fail(b, n, NN_IMG_MAX_PIXELS, NN_ELIMIT, "JPEG: " BIG);
    free(b);
}
END_TEST

START_TEST(test_limit_pnm_tiff)
{
    static const char pnm[] = "P6\n30000 40000\n255\n";
    static const uint8_t tif[] = { 'I', 'I', 42, 0, 8, 0, 0, 0, 3, 0,
        0, 1, 4, 0, 1, 0, 0, 0, 0x30, 0x75, 0, 0,       /* width 30000 */
        1, 1, 4, 0, 1, 0, 0, 0, 0x40, 0x9c, 0, 0,       /* height 40000 */
        6, 1, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0,             /* BlackIsZero */
        0, 0, 0, 0 };

    expect_fail(pnm, sizeof pnm - 1, NN_IMG_MAX_PIXELS, NN_ELIMIT,
                "PPM: " BIG);
    expect_fail(tif, sizeof tif, NN_IMG_MAX_PIXELS, NN_ELIMIT, "TIFF: " BIG);
    /* no limit: a truncation error, found before allocating 3.6 GB */
    expect_fail(pnm, sizeof pnm - 1, 0, NN_EFORMAT, "PPM: truncated: "
                "3600000000 bytes of pixel data expected, 0 present");
}
END_TEST

/* width * height == max_pixels is allowed, one pixel less is not. */
START_TEST(test_limit_exact)
{
    static const char *const files[] = { "gray.png", "baseline.jpg",
                                         "p5.pgm", "tiff-rgb.tif" };
    nn_image *img = NULL;
    uint8_t *b;
    size_t n;
    int i;

    for (i = 0; i < 4; i++) {
        b = load(files[i], &n);
        ck_assert_int_eq(nn_img_decode(&img, b, n, W * H, NULL, 0), NN_OK);
        nn_img_free(img);
        expect_fail(b, n, W * H - 1, NN_ELIMIT, "image is 40x30 = 1200 "
                    "pixels, more than the limit of 1199 pixels");
        free(b);
    }
}
END_TEST

/* ------------------------------------------------------------------------ */


Suite *img_suite(void)
{
    Suite *s = suite_create("img");
    TCase *tc;

    tc = tcase_create("variants");
    tcase_add_test(tc, test_reference);
    tcase_add_loop_test(tc, test_lossless, 0,
                        (int)(sizeof lossless / sizeof lossless[0]));
    tcase_add_loop_test(tc, test_jpeg, 0,
                        (int)(sizeof jpegs / sizeof jpegs[0]));
    tcase_add_loop_test(tc, test_jpeg_scaled, 0,
                        (int)(sizeof jpegs / sizeof jpegs[0]));
    tcase_add_loop_test(tc, test_bilevel, 0,
                        (int)(sizeof bilevel / sizeof bilevel[0]));
    tcase_add_loop_test(tc, test_alpha_fixtures, 0,
                        (int)(sizeof strokes / sizeof strokes[0]));
    tcase_add_test(tc, test_format_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("alpha");
    tcase_add_test(tc, test_alpha_dark_strokes);
    tcase_add_test(tc, test_alpha_light_strokes);
    tcase_add_test(tc, test_alpha_paper_border);
    tcase_add_test(tc, test_alpha_partial);
    tcase_add_test(tc, test_alpha_all_clear);
    tcase_add_test(tc, test_alpha_rgba);
    suite_add_tcase(s, tc);

    tc = tcase_create("orientation");
    tcase_add_test(tc, test_orient_buffer);
    tcase_add_loop_test(tc, test_exif_parse, 0,
                        (int)(sizeof exif / sizeof exif[0]));
    tcase_add_loop_test(tc, test_exif_in_jpeg, 0,
                        (int)(sizeof exif / sizeof exif[0]));
    tcase_add_test(tc, test_exif_lying_length);
    suite_add_tcase(s, tc);

    tc = tcase_create("damage");
    tcase_set_timeout(tc, 120);         /* under valgrind */
    tcase_add_test(tc, test_jpeg_truncated);
    tcase_add_test(tc, test_jpeg_extraneous);
    tcase_add_loop_test(tc, test_truncated, 0, NALL);
    tcase_add_loop_test(tc, test_corrupt, 0, NALL);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_loop_test(tc, test_not_image, 0,
                        (int)(sizeof notimg / sizeof notimg[0]));
    tcase_add_test(tc, test_tiff_lzw);
    tcase_add_test(tc, test_bad_args);
    tcase_add_test(tc, test_pnm_syntax);
    tcase_add_loop_test(tc, test_pnm_bad, 0,
                        (int)(sizeof badpnm / sizeof badpnm[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("limit");
    tcase_add_test(tc, test_limit_png);
    tcase_add_test(tc, test_limit_jpeg);
    tcase_add_test(tc, test_limit_pnm_tiff);
    tcase_add_test(tc, test_limit_exact);
    suite_add_tcase(s, tc);
    return s;
}
