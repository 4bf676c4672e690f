/* check_prep.c - preprocessing of synthetic pictures: MNIST digits drawn
 * as a person would (dark ink on paper, larger, off-centre, under uneven
 * light, with specks and ruled lines) must come back close to the MNIST
 * original. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "nn_internal.h"
#include "tests.h"

enum { S = 4 };     /* drawing scale */

/* Page of w x h with paper level `paper` (0..255, with a left-to-right
 * light gradient of `gradient`), digit k of idx drawn S times larger at
 * (ox, oy) in ink level `ink`. */
static uint8_t *page(const nn_idx *idx, int k, int w, int h, int ox, int oy,
                     int paper, int ink, int gradient)
{
    uint8_t *g = malloc((size_t)w * h);
    const uint8_t *d = idx->data + (long)k * 784;

    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double p = paper - gradient * (double)x / w;
            int dx = (x - ox) / S, dy = (y - oy) / S;
            double a = x >= ox && y >= oy && dx < 28 && dy < 28
                     ? d[dy * 28 + dx] / 255.0 : 0.0;
            g[(long)y * w + x] = (uint8_t)(p + a * (ink - p) + 0.5);
        }
    return g;
}

/* Cosine similarity of MNIST digit d and vector v, at the best of the
 * shifts by up to one pixel: MNIST's own centring of a digit varies by
 * about half a pixel around (14, 14), so shape is compared here and
 * centring in test_shift_and_centre. */
static double cosine(const uint8_t *d, const float *v)
{
    double best = -1;

    for (int sy = -1; sy <= 1; sy++)
        for (int sx = -1; sx <= 1; sx++) {
            double sxy = 0, sxx = 0, syy = 0;
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++) {
                    int vx = x + sx, vy = y + sy;
                    double a = d[y * 28 + x] / 255.0;
                    double b = vx >= 0 && vy >= 0 && vx < 28 && vy < 28
                             ? v[vy * 28 + vx] : 0.0;
                    sxy += a * b;
                    sxx += a * a;
                    syy += b * b;
                }
            if (sxy / sqrt(sxx * syy) > best)
                best = sxy / sqrt(sxx * syy);
        }
    return best;
}

static void expect_close(const nn_idx *idx, int k, const uint8_t *g, int w,
                         int h, double min_cos, const char *what)
{
    nn_prep_opts o;
    float out[784];
    char why[128] = "";

    nn_prep_opts_default(&o);
    ck_assert_msg(nn_prep_digit(g, w, h, &o, out, why, sizeof why) == NN_OK,
                  "%s, digit %d: %s", what, k, why);
    double c = cosine(idx->data + (long)k * 784, out);
    ck_assert_msg(c >= min_cos, "%s, digit %d: cosine %.3f < %.2f", what, k,
                  c, min_cos);
}

/* Pixel (x, y) of a page w x h in the frame of something on it turned a
 * radians about the page's centre: *u across it, *v down it, from the
 * centre (a sheet on a table, a box on a form). */
static void turned(int x, int y, int w, int h, double a, double *u, double *v)
{
    double dx = x - w / 2, dy = y - h / 2;

    *u = dx * cos(a) + dy * sin(a);
    *v = -dx * sin(a) + dy * cos(a);
}

/* Dark ink on white paper, the digit in the middle of a larger page. */
START_TEST(test_drawn_digits)
{
    nn_idx *idx = mnist10_images();
    for (int k = 0; k < 10; k++) {
        uint8_t *g = page(idx, k, 28 * S + 60, 28 * S + 40, 30, 20, 240, 20, 0);
        expect_close(idx, k, g, 28 * S + 60, 28 * S + 40, 0.9, "drawn");
        free(g);
    }
    nn_idx_free(idx);
}
END_TEST

/* The same digit anywhere on the page gives the same vector: centred by
 * mass, scaled into the 20x20 box. */
START_TEST(test_shift_and_centre)
{
    nn_idx *idx = mnist10_images();
    nn_prep_opts o;
    float a[784], b[784];
    double m = 0, mx = 0, my = 0;
    int x0 = 28, x1 = -1, y0 = 28, y1 = -1;
    uint8_t *g1 = page(idx, 3, 400, 300, 10, 15, 250, 0, 0);
    uint8_t *g2 = page(idx, 3, 400, 300, 250, 170, 250, 0, 0);

    nn_prep_opts_default(&o);
    ck_assert_int_eq(nn_prep_digit(g1, 400, 300, &o, a, NULL, 0), NN_OK);
    ck_assert_int_eq(nn_prep_digit(g2, 400, 300, &o, b, NULL, 0), NN_OK);
    for (int i = 0; i < 784; i++)
        ck_assert_float_eq_tol(a[i], b[i], 1e-5f);
    for (int i = 0; i < 784; i++)
        if (a[i] > 0) {
            int x = i % 28, y = i / 28;
            m += a[i];
            mx += a[i] * x;
            my += a[i] * y;
            x0 = x < x0 ? x : x0;
            x1 = x > x1 ? x : x1;
            y0 = y < y0 ? y : y0;
            y1 = y > y1 ? y : y1;
        }
    ck_assert_double_le(fabs(mx / m - 14), 0.5);
    ck_assert_double_le(fabs(my / m - 14), 0.5);
    ck_assert_int_eq((x1 - x0 + 1 > y1 - y0 + 1 ? x1 - x0 + 1 : y1 - y0 + 1), 20);
    free(g1);
    free(g2);
    nn_idx_free(idx);
}
END_TEST

/* Light strokes on a dark background (a drawing app, a blackboard) are
 * found without --invert; forcing the wrong polarity changes the result. */
START_TEST(test_polarity)
{
    nn_idx *idx = mnist10_images();
    for (int k = 0; k < 10; k++) {
        uint8_t *g = page(idx, k, 200, 160, 40, 20, 10, 250, 0);
        expect_close(idx, k, g, 200, 160, 0.9, "light on dark");
        free(g);
    }
    nn_prep_opts o;
    float out[784];
    uint8_t *g = page(idx, 0, 200, 160, 40, 20, 10, 250, 0);
    nn_prep_opts_default(&o);
    o.invert = 1;
    if (nn_prep_digit(g, 200, 160, &o, out, NULL, 0) == NN_OK)
        ck_assert_double_lt(cosine(idx->data, out), 0.9);
    free(g);
    nn_idx_free(idx);
}
END_TEST

/* A shadow across the page: paper from 250 on the left down to 120 on the
 * right, darker than the ink contrast itself. */
START_TEST(test_uneven_light)
{
    nn_idx *idx = mnist10_images();
    for (int k = 0; k < 10; k++) {
        uint8_t *g = page(idx, k, 300, 200, 90, 40, 250, 40, 130);
        expect_close(idx, k, g, 300, 200, 0.85, "gradient");
        free(g);
    }
    nn_idx_free(idx);
}
END_TEST

/* A shadow with a hard edge across the page, through the digit: the
 * paper and ink beyond a slanted line get 45% less light.  Flattening by
 * blocks alone leaves a band along the edge that joins the digit. */
START_TEST(test_hard_shadow)
{
    nn_idx *idx = mnist10_images();
    for (int k = 0; k < 10; k++) {
        int w = 300, h = 240;
        uint8_t *g = page(idx, k, w, h, 90, 60, 230, 30, 0);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (x > 150 + (y - h / 2) / 3)
                    g[(long)y * w + x] = (uint8_t)(g[(long)y * w + x] * 0.55);
        expect_close(idx, k, g, w, h, 0.85, "hard shadow");
        free(g);
    }
    nn_idx_free(idx);
}
END_TEST

/* Each MNIST digit (k) on a 300 x 240 sheet as page() draws it, the
 * sheet darkened to what paint(u, v) gives where it gives a grey (not -1),
 * under the ink (what is printed on it, a table around it), (u, v) a
 * pixel's place about the middle turned by a radians; read within min_cos
 * of the digit alone. */
static void expect_painted(double a, int (*paint)(double u, double v),
                           double min_cos, const char *what)
{
    nn_idx *idx = mnist10_images();
    for (int k = 0; k < 10; k++) {
        int w = 300, h = 240;
        uint8_t *g = page(idx, k, w, h, 94, 64, 238, 35, 0);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double u, v;
                int grey;
                turned(x, y, w, h, a, &u, &v);
                if ((grey = paint(u, v)) >= 0 && grey < g[(long)y * w + x])
                    g[(long)y * w + x] = (uint8_t)grey;
            }
        expect_close(idx, k, g, w, h, min_cos, what);
        free(g);
    }
    nn_idx_free(idx);
}

/* A darker table (grey 110) around a 200 x 170 sheet. */
static int table(double u, double v)
{
    return fabs(u) > 100 || fabs(v) > 85 ? 110 : -1;
}

/* The digit on a sheet (grey 238) turned 4 degrees on a darker table
 * (grey 110) that shows all around it: the table becomes paper (step 1b).
 * Without that, the sheet is a broad light "stroke" on a dark page, and
 * the digit is read from it. */
START_TEST(test_turned_sheet)
{
    expect_painted(0.07, table, 0.85, "turned sheet");
}
END_TEST

/* A box's sides (grey 70), 140 pixels square, 3 wide. */
static int box(double u, double v)
{
    return (fabs(fabs(u) - 70) <= 1 && fabs(v) <= 70) ||
           (fabs(fabs(v) - 70) <= 1 && fabs(u) <= 70) ? 70 : -1;
}

/* The digit written in a box on a form, the box turned 2 degrees: the
 * box's sides are cleared (lib/frame.c), not read as part of the digit.
 * Without unbox() the digit is read with its box around it (digit 0:
 * cosine 0.468). */
START_TEST(test_in_a_box)
{
    expect_painted(2 * 3.14159265 / 180, box, 0.85, "in a box");
}
END_TEST

/* Squared paper's lines (grey 120, darker than the digit's edge), 3
 * pixels wide, every 36. */
static int squares(double u, double v)
{
    return fmod(u + 366, 36) < 3 || fmod(v + 372, 36) < 3 ? 120 : -1;
}

/* The digit written on squared paper whose lines come out as ink, turned
 * 8 degrees: the lines are cleared but where a stroke crosses them
 * (lib/frame.c), not kept as the digit's or as one part with it (without
 * unrule(), or with lines looked for up to 0.1 of slope only, digit 0:
 * cosine 0.485). */
START_TEST(test_squared_paper)
{
    expect_painted(8 * 3.14159265 / 180, squares, 0.85, "squared paper");
}
END_TEST

/* A ruled page's lines (grey 150), 3 pixels wide, every 36, and its
 * margin (grey 120, as a red line comes out), 100 pixels left of the
 * middle. */
static int ruled(double u, double v)
{
    return fabs(u + 100) < 1.5 ? 120 : fmod(v + 372, 36) < 3 ? 150 : -1;
}

/* The same without the margin. */
static int lined(double u, double v)
{
    (void)u;
    return fmod(v + 372, 36) < 3 ? 150 : -1;
}

/* The digit written across the lines of a ruled page, turned 3 degrees:
 * the lines and the margin are cleared but where a stroke crosses them,
 * not read with the digit (without the lines of one direction and the
 * margin cleared, digit 0: cosine 0.443; without the margin, digit 2:
 * 0.536). */
START_TEST(test_ruled_paper)
{
    expect_painted(3 * 3.14159265 / 180, ruled, 0.85, "ruled paper");
    expect_painted(3 * 3.14159265 / 180, lined, 0.85, "lined paper");
}
END_TEST

/* A Z-shaped 2 cropped tight, w x h, black on white: its bars run across
 * the picture (pen radius r). */
static uint8_t *zee(int w, int h, double r)
{
    const double m = 6, px[4] = { m, w - m, m, w - m };
    const double py[4] = { 8, 8, h - 8, h - 8 };
    uint8_t *g = malloc((size_t)w * h);

    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double d = 1e9;
            for (int k = 0; k < 3; k++) {   /* to the nearest segment */
                double ax = px[k + 1] - px[k], ay = py[k + 1] - py[k];
                double t = ((x - px[k]) * ax + (y - py[k]) * ay) /
                           (ax * ax + ay * ay);
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                d = fmin(d, hypot(x - px[k] - t * ax, y - py[k] - t * ay));
            }
            g[(long)y * w + x] = d <= r ? 0 : 255;
        }
    return g;
}

/* Whether nn_prep_ruled finds a ruled page in g (w x h). */
static int ruled_page(const uint8_t *g, int w, int h)
{
    nn_prep_opts o;
    nn_ink ink;
    int found;

    nn_prep_opts_default(&o);
    ck_assert_int_eq(nn_prep_ink(g, w, h, &o, 0, &ink, NULL, 0), NN_OK);
    found = nn_prep_ruled(&ink);
    nn_ink_free(&ink);
    return found;
}

/* Strokes that run across the picture are not a ruled page's lines: a
 * Z-shaped 2 cropped to its bars, whose bars are as dark as its diagonal
 * (a page's lines are fainter than the writing), and
 * tests/data/zee.png, the same drawn smaller by ImageMagick, where the
 * bars and what looks like lines beside them cover most of the picture
 * (a page's lines are thin). */
START_TEST(test_strokes_not_ruled)
{
    uint8_t *g = zee(100, 100, 4);
    nn_image *img = image_fixture("zee.png");

    ck_assert_msg(ruled_page(g, 100, 100) == 0, "drawn Z read as ruled");
    ck_assert_msg(ruled_page(img->gray, img->width, img->height) == 0,
                  "zee.png read as ruled");
    free(g);
    nn_img_free(img);
}
END_TEST

/* nn_prep_digit on g (w x h) fails with "no ink found". */
static void expect_no_ink(const uint8_t *g, int w, int h, const char *what)
{
    nn_prep_opts o;
    float out[784];
    char why[128] = "";

    nn_prep_opts_default(&o);
    ck_assert_msg(nn_prep_digit(g, w, h, &o, out, why, sizeof why) ==
                  NN_EFORMAT && strstr(why, "no ink found"), "%s: %s", what,
                  why);
}

/* The same paper with nothing written on it, blurred as a camera's lens
 * does (a 3 x 3 mean, twice), and tests/data/squared-blank.png (its
 * lines blurred by ImageMagick): no digit.  Not the corners of the
 * lines' crossings, darker where their blurs add up (both pictures), nor
 * the lines along the picture's edge, darker where their blur had nowhere
 * to spread (the PNG). */
START_TEST(test_squared_paper_blank)
{
    int w = 300, h = 240;
    uint8_t *g = malloc((size_t)w * h), *t = malloc((size_t)w * h);

    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double u, v;
            turned(x, y, w, h, 3 * 3.14159265 / 180, &u, &v);
            g[(long)y * w + x] = (uint8_t)(squares(u, v) < 0 ? 238 : 120);
        }
    for (int pass = 0; pass < 2; pass++) {
        memcpy(t, g, (size_t)w * h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int sum = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int sx = x + dx < 0 ? 0 : x + dx >= w ? w - 1 : x + dx;
                        int sy = y + dy < 0 ? 0 : y + dy >= h ? h - 1 : y + dy;
                        sum += t[(long)sy * w + sx];    /* the edge's */
                    }
                g[(long)y * w + x] = (uint8_t)((sum + 4) / 9);
            }
    }
    expect_no_ink(g, w, h, "blurred");
    free(g);
    free(t);

    nn_image *img = image_fixture("squared-blank.png");
    expect_no_ink(img->gray, img->width, img->height, "squared-blank.png");
    nn_img_free(img);
}
END_TEST

/* A digit small in a large photo: MNIST's ten, each some 80 pixels high
 * on a page of 3,000 x 2,000 (11 pixels high at the working resolution,
 * less than a thousandth of the picture's pixels), and a speck of dust
 * alone on such a page.  The digit is ink, and is read again from the part
 * of the page around it; the speck is no ink. */
START_TEST(test_far_digit)
{
    nn_idx *idx = mnist10_images();
    int w = 3000, h = 2000;

    for (int k = 0; k < 10; k++) {
        uint8_t *g = page(idx, k, w, h, 600 + 170 * k, 500 + 90 * k, 240, 20,
                          0);
        expect_close(idx, k, g, w, h, 0.9, "far");
        free(g);
    }
    uint8_t *g = malloc((size_t)w * h);
    ck_assert_ptr_nonnull(g);
    memset(g, 240, (size_t)w * h);
    for (int y = 1000; y < 1005; y++)
        memset(g + (long)y * w + 1500, 20, 5);
    expect_no_ink(g, w, h, "a speck");
    free(g);
    nn_idx_free(idx);
}
END_TEST

/* Specks away from the digit and a ruled line across the page are not the
 * digit. */
START_TEST(test_specks_and_lines)
{
    nn_idx *idx = mnist10_images();
    for (int k = 0; k < 10; k++) {
        int w = 320, h = 240;
        uint8_t *g = page(idx, k, w, h, 100, 60, 235, 30, 0);
        for (int y = 10; y < 13; y++)           /* specks, 3x3 */
            for (int x = 10; x < 13; x++) {
                g[y * w + x] = 40;
                g[(y + 200) * w + x + 280] = 40;
            }
        for (int x = 0; x < w; x++)             /* ruled line under it */
            g[(long)220 * w + x] = g[(long)221 * w + x] = 120;
        expect_close(idx, k, g, w, h, 0.9, "specks and line");
        free(g);
    }
    nn_idx_free(idx);
}
END_TEST

/* Dark ink on paper in dim light (the paper below mid-grey, so the border
 * alone would call it light strokes on a dark board), and light chalk on a
 * board above mid-grey: read the right way round, with no doubt. */
START_TEST(test_polarity_mid_grey)
{
    nn_idx *idx = mnist10_images();
    for (int k = 0; k < 10; k++) {
        nn_prep_info info = { -1, -1, -1, -1 };
        nn_prep_opts o;
        float out[784];
        for (int chalk = 0; chalk < 2; chalk++) {
            uint8_t *g = chalk ? page(idx, k, 200, 160, 40, 20, 150, 250, 0)
                               : page(idx, k, 200, 160, 40, 20, 100, 10, 0);
            nn_prep_opts_default(&o);
            o.info = &info;
            ck_assert_int_eq(nn_prep_digit(g, 200, 160, &o, out, NULL, 0), NN_OK);
            ck_assert_msg(cosine(idx->data + (long)k * 784, out) >= 0.9,
                          "digit %d, chalk %d: cosine %.3f", k, chalk,
                          cosine(idx->data + (long)k * 784, out));
            ck_assert_int_eq(info.inverted, !chalk);
            ck_assert_int_eq(info.strokes, 1);
            ck_assert_int_eq(info.uncertain, 0);
            ck_assert_int_eq(info.groups, 1);
            free(g);
        }
    }
    nn_idx_free(idx);
}
END_TEST

/* A filled blot is not a stroke, whichever way round: info says so (the
 * tool warns), and the polarity still follows the ink. */
START_TEST(test_no_strokes)
{
    enum { W = 200, H = 160 };
    static uint8_t g[W * H];
    nn_prep_info info;
    nn_prep_opts o;
    float out[784];

    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            g[y * W + x] = hypot(x - 100, y - 80) < 20 ? 20 : 230;
    nn_prep_opts_default(&o);
    o.info = &info;
    ck_assert_int_eq(nn_prep_digit(g, W, H, &o, out, NULL, 0), NN_OK);
    ck_assert_int_eq(info.strokes, 0);
    ck_assert_int_eq(info.inverted, 1);
}
END_TEST

/* Two digits written side by side are two groups. */
START_TEST(test_side_by_side)
{
    nn_idx *idx = mnist10_images();
    enum { W = 320, H = 160 };
    uint8_t *a = page(idx, 3, W, H, 30, 20, 240, 20, 0);
    uint8_t *b = page(idx, 7, W, H, 180, 20, 240, 20, 0);
    nn_prep_info info;
    nn_prep_opts o;
    float out[784];

    for (int i = 0; i < W * H; i++)
        a[i] = a[i] < b[i] ? a[i] : b[i];
    nn_prep_opts_default(&o);
    o.info = &info;
    ck_assert_int_eq(nn_prep_digit(a, W, H, &o, out, NULL, 0), NN_OK);
    ck_assert_int_eq(info.groups, 2);
    ck_assert_int_eq(info.strokes, 1);
    free(a);
    free(b);
    nn_idx_free(idx);
}
END_TEST

/* A blank page, one grey, with a faint texture, and tests/data's
 * blank-grain.jpg (paper with nothing on it, drawn and photographed as
 * make photoset's clean kind is): no ink.  The grain's brightest pixels
 * pass the minimum contrast, but stand out from the paper far less than a
 * small digit's do (STANDS).  And blank-texture.jpg (its texture kind:
 * mottled paper, faint ruled lines): what stands out most, the lines'
 * pieces and the mottling, stands out from the paper's grain less than
 * ink does (OVER_GRAIN). */
START_TEST(test_blank)
{
    uint8_t g[100 * 80];
    nn_prep_opts o;
    float out[784];
    char why[128] = "";

    memset(g, 230, sizeof g);
    nn_prep_opts_default(&o);
    ck_assert_int_eq(nn_prep_digit(g, 100, 80, &o, out, why, sizeof why),
                     NN_EFORMAT);
    ck_assert_msg(strstr(why, "no ink"), "why: %s", why);
    for (int i = 0; i < (int)sizeof g; i++)     /* faint paper texture */
        g[i] = (uint8_t)(228 + (i * 7919 % 5));
    ck_assert_int_eq(nn_prep_digit(g, 100, 80, &o, out, why, sizeof why),
                     NN_EFORMAT);
    nn_image *img = image_fixture("blank-grain.jpg");
    expect_no_ink(img->gray, img->width, img->height, "blank-grain.jpg");
    nn_img_free(img);
    img = image_fixture("blank-texture.jpg");
    expect_no_ink(img->gray, img->width, img->height, "blank-texture.jpg");
    nn_img_free(img);
}
END_TEST

/* A shadow's hard edge is not ink.  A blank page half in the shadow of
 * test_hard_shadow, and tests/data/shadow-blank.jpg (a blank page drawn
 * and photographed as make photoset's light kind is): "no ink found", not
 * the band that flattening leaves along the edge, read as a 1.  And
 * tests/data/shadow-zero.jpg (the light kind: a round 0 beside the edge,
 * read as a 6 while the band was kept with it): the 0 alone, nothing kept
 * in the left third of the picture, where the band is. */
START_TEST(test_shadow_edge)
{
    int w = 300, h = 240;
    uint8_t *g = malloc((size_t)w * h);
    nn_image *img;
    nn_prep_opts o;
    nn_ink ink;
    long all = 0, left = 0;

    ck_assert_ptr_nonnull(g);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            g[(long)y * w + x] = x > 150 + (y - h / 2) / 3 ? 126 : 230;
    expect_no_ink(g, w, h, "a page half in shadow");
    free(g);
    img = image_fixture("shadow-blank.jpg");
    expect_no_ink(img->gray, img->width, img->height, "shadow-blank.jpg");
    nn_img_free(img);

    img = image_fixture("shadow-zero.jpg");
    nn_prep_opts_default(&o);
    ck_assert_int_eq(nn_prep_ink(img->gray, img->width, img->height, &o, 0,
                                 &ink, NULL, 0), NN_OK);
    for (int y = 0; y < ink.h; y++)
        for (int x = 0; x < ink.w; x++)
            if (ink.digit[(long)y * ink.w + x]) {
                all++;
                left += x < ink.w / 3;
            }
    ck_assert_msg(all > 0 && left == 0, "shadow-zero.jpg: %ld of %ld kept "
                  "pixels in the left third", left, all);
    nn_ink_free(&ink);
    nn_img_free(img);
}
END_TEST

/* The plain baseline shrinks the whole page: the digit is not re-centred. */
START_TEST(test_plain)
{
    nn_idx *idx = mnist10_images();
    nn_prep_opts o;
    float out[784];
    uint8_t *g = page(idx, 1, 28 * S, 28 * S, 0, 0, 255, 0, 0);

    nn_prep_opts_default(&o);
    o.plain = 1;
    ck_assert_int_eq(nn_prep_digit(g, 28 * S, 28 * S, &o, out, NULL, 0), NN_OK);
    ck_assert_double_ge(cosine(idx->data + 784, out), 0.8);
    free(g);
    g = page(idx, 1, 28 * S * 3, 28 * S * 3, 0, 0, 255, 0, 0);
    ck_assert_int_eq(nn_prep_digit(g, 28 * S * 3, 28 * S * 3, &o, out, NULL, 0),
                     NN_OK);
    ck_assert_double_lt(cosine(idx->data + 784, out), 0.5);
    free(g);
    nn_idx_free(idx);
}
END_TEST

Suite *prep_suite(void)
{
    Suite *s = suite_create("prep");
    TCase *tc = tcase_create("prep");

    tcase_set_timeout(tc, 60);          /* loops of checks on a busy machine */
    tcase_add_test(tc, test_drawn_digits);
    tcase_add_test(tc, test_shift_and_centre);
    tcase_add_test(tc, test_polarity);
    tcase_add_test(tc, test_uneven_light);
    tcase_add_test(tc, test_hard_shadow);
    tcase_add_test(tc, test_shadow_edge);
    tcase_add_test(tc, test_turned_sheet);
    tcase_add_test(tc, test_in_a_box);
    tcase_add_test(tc, test_squared_paper);
    tcase_add_test(tc, test_squared_paper_blank);
    tcase_add_test(tc, test_ruled_paper);
    tcase_add_test(tc, test_strokes_not_ruled);
    tcase_add_test(tc, test_specks_and_lines);
    tcase_add_test(tc, test_polarity_mid_grey);
    tcase_add_test(tc, test_no_strokes);
    tcase_add_test(tc, test_side_by_side);
    tcase_add_test(tc, test_blank);
    tcase_add_test(tc, test_far_digit);
    tcase_add_test(tc, test_plain);
    suite_add_tcase(s, tc);
    return s;
}
