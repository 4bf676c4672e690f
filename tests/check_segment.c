/* check_segment.c - segmentation of synthetic numbers: MNIST digits drawn
 * in a row as a person would write them (apart, touching, broken, among
 * specks, across ruled lines), blank pages and pages of many marks. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "tests.h"

enum { S = 4, W = 900, H = 200, MAXD = NN_SEG_MAX_DIGITS };

/* A page W x H of one grey, to draw on. */
static uint8_t *page(uint8_t grey)
{
    uint8_t *g = malloc((size_t)W * H);

    ck_assert_ptr_nonnull(g);
    memset(g, grey, (size_t)W * H);
    return g;
}

/* A white page W x H with MNIST images ks[0..n-1] drawn S times larger in
 * dark ink, left to right, gap pixels between one's ink and the next's
 * (negative: they overlap). */
static uint8_t *line(const nn_idx *idx, const int *ks, int n, int gap)
{
    uint8_t *g = page(230);
    int cursor = 40;

    for (int d = 0; d < n; d++) {
        const uint8_t *p = idx->data + (long)ks[d] * 784;
        int x0 = 28, x1 = -1, ox;
        for (int i = 0; i < 784; i++)
            if (p[i] > 0) {
                x0 = i % 28 < x0 ? i % 28 : x0;
                x1 = i % 28 > x1 ? i % 28 : x1;
            }
        ox = cursor - x0 * S;
        for (int y = 0; y < 28 * S; y++)
            for (int x = 0; x < 28 * S; x++) {
                int v = p[(y / S) * 28 + x / S], gx = ox + x, gy = 40 + y;
                uint8_t ink = (uint8_t)(230 - v * 200 / 255);
                if (gx >= 0 && gx < W && ink < g[gy * W + gx])
                    g[gy * W + gx] = ink;
            }
        cursor = ox + (x1 + 1) * S + gap;
    }
    return g;
}

/* The last row of g with ink (the digits' feet). */
static int last_row(const uint8_t *g)
{
    for (int y = H - 1; y > 0; y--)
        for (int x = 0; x < W; x++)
            if (g[y * W + x] < 150)
                return y;
    return 0;
}

/* The runs of columns of g with ink, left to right: the first and last
 * column of each in x0[], x1[] (at most n); returns how many. */
static int ink_columns(const uint8_t *g, int *x0, int *x1, int n)
{
    int k = 0, was = 0;

    for (int x = 0; x < W && k < n; x++) {
        int ink = 0;
        for (int y = 0; y < H; y++)
            ink |= g[y * W + x] < 150;
        if (ink && !was)
            x0[k] = x;
        if (!ink && was)
            x1[k++] = x - 1;
        was = ink;
    }
    return k;
}

/* Segments g; returns the digit count (or the negative error), boxes in b,
 * the digits' vectors in vecs. */
static float vecs[MAXD * 784];     /* segment()'s digits */

static int segment_wh(const uint8_t *g, int w, int h, nn_box *b)
{
    nn_prep_opts o;
    int n = -1, err;

    nn_prep_opts_default(&o);
    err = nn_segment_digits(g, w, h, &o, NN_SEG_MAX_PARTS, MAXD, vecs, b, &n,
                            NULL, 0);
    return err ? err : n;
}

static int segment(const uint8_t *g, nn_box *b)
{
    return segment_wh(g, W, H, b);
}

static void assert_left_to_right(const nn_box *b, int n)
{
    for (int i = 1; i < n; i++)
        ck_assert_int_lt(b[i - 1].x0, b[i].x0);
}

/* tests/data's ten MNIST images (the training set's first) are
 * 5 0 4 1 9 2 1 3 1 4. */
START_TEST(apart)
{
    nn_idx *idx = mnist10_images();
    int ks[] = { 0, 1, 3, 4, 8 };
    nn_box b[MAXD];
    uint8_t *g = line(idx, ks, 5, 24);

    ck_assert_int_eq(segment(g, b), 5);
    assert_left_to_right(b, 5);
    free(g);
    nn_idx_free(idx);
}
END_TEST

START_TEST(touching)
{
    nn_idx *idx = mnist10_images();
    int ks[] = { 3, 3, 3 };     /* 1 1 1 */
    nn_box b[MAXD];
    uint8_t *g = line(idx, ks, 3, 8);

    /* joined by a stroke at mid-height (written without lifting the pen):
     * one connected part three digits wide */
    for (int y = 40 + 13 * S; y < 40 + 13 * S + 6; y++)
        memset(g + y * W + 60, 40, 160);
    ck_assert_int_eq(segment(g, b), 3);
    assert_left_to_right(b, 3);
    free(g);
    nn_idx_free(idx);
}
END_TEST

/* Two digits joined by a stroke (written without lifting the pen),
 * together narrower than two digits usually are (two 1s): cut where
 * they meet, not by their width. */
START_TEST(touching_narrow)
{
    nn_idx *idx = mnist10_images();
    int pairs[][2] = { { 3, 6 }, { 8, 3 } };    /* 1 1, 1 1 */
    nn_box b[MAXD];

    for (int k = 0; k < 2; k++) {
        uint8_t *g = line(idx, pairs[k], 2, 2);
        const uint8_t *row = g + (40 + 16 * S) * W;
        int from = -1, to = -1, n;
        for (int x = 1; x < W; x++) {   /* the paper between their strokes */
            if (row[x - 1] < 150 && row[x] >= 150 && from < 0)
                from = x;
            if (row[x - 1] >= 150 && row[x] < 150 && from >= 0 && to < 0)
                to = x;
        }
        ck_assert(from > 0 && to > from);
        for (int r = 0; r < 6; r++)
            memset(g + (40 + 16 * S + r) * W + from - S, 40, to - from + 2 * S);
        n = segment(g, b);
        ck_assert_msg(n == 2, "pair %d: %d digits", k, n);
        assert_left_to_right(b, 2);
        free(g);
    }
    nn_idx_free(idx);
}
END_TEST

/* Two digits written over each other's edge (by two MNIST pixels), no
 * wider than one wide digit, where no path down crosses a single stroke:
 * the judge (lib/pair.c) says two and they are cut; a lone digit, wide or
 * narrow, stays one. */
START_TEST(touching_judged)
{
    nn_idx *idx = mnist10_images();
    int pairs[][2] = { { 8, 1 }, { 1, 6 }, { 4, 8 }, { 7, 8 }, { 8, 8 } };
    nn_box b[MAXD];                     /* 1 0, 0 1, 9 1, 3 1, 1 1 */

    for (int k = 0; k < 5; k++) {
        uint8_t *g = line(idx, pairs[k], 2, -2 * S);
        int n = segment(g, b);
        ck_assert_msg(n == 2, "pair %d: %d digits", k, n);
        assert_left_to_right(b, 2);
        free(g);
    }
    for (int k = 0; k < 10; k++) {
        uint8_t *g = line(idx, &k, 1, 0);
        int n = segment(g, b);
        ck_assert_msg(n == 1, "digit %d alone: %d digits", k, n);
        free(g);
    }
    nn_idx_free(idx);
}
END_TEST

/* The correlation of two vectors of 28x28. */
static double correlation(const float *a, const float *b)
{
    double ma = 0, mb = 0, ab = 0, aa = 0, bb = 0;

    for (int i = 0; i < 784; i++) {
        ma += a[i] / 784;
        mb += b[i] / 784;
    }
    for (int i = 0; i < 784; i++) {
        ab += (a[i] - ma) * (b[i] - mb);
        aa += (a[i] - ma) * (a[i] - ma);
        bb += (b[i] - mb) * (b[i] - mb);
    }
    return ab / sqrt(aa * bb);
}

/* Two digits written over each other's edge (by two MNIST pixels): each
 * cut out is the digit as it reads alone (its vector alike, correlation
 * 0.8 or more), not one with a piece of the other.  Cut at the least ink,
 * as segment.c did before its reader chose the cut, the first pair's left
 * side was at 0.54. */
START_TEST(overlapping)
{
    nn_idx *idx = mnist10_images();
    int pairs[][2] = { { 1, 1 }, { 5, 3 }, { 9, 6 }, { 8, 8 } };
                                        /* 0 0, 2 1, 4 1, 1 1 */
    static float pair[2 * 784];
    nn_box b[MAXD];

    for (int k = 0; k < 4; k++) {
        uint8_t *g = line(idx, pairs[k], 2, -2 * S);
        int n = segment(g, b);
        ck_assert_msg(n == 2, "pair %d: %d digits", k, n);
        memcpy(pair, vecs, sizeof pair);
        free(g);
        for (int d = 0; d < 2; d++) {
            g = line(idx, &pairs[k][d], 1, 0);
            ck_assert_int_eq(segment(g, b), 1);
            ck_assert_msg(correlation(pair + d * 784, vecs) >= 0.8,
                          "pair %d, digit %d: correlation %.2f", k, d,
                          correlation(pair + d * 784, vecs));
            free(g);
        }
    }
    nn_idx_free(idx);
}
END_TEST

/* A page g shrunk f times (W / f x H / f), each pixel the mean of f x f. */
static uint8_t *shrink(const uint8_t *g, int f)
{
    uint8_t *s = malloc((size_t)(W / f) * (H / f));

    ck_assert_ptr_nonnull(s);
    for (int y = 0; y < H / f; y++)
        for (int x = 0; x < W / f; x++) {
            int sum = 0;
            for (int v = 0; v < f; v++)
                for (int u = 0; u < f; u++)
                    sum += g[(y * f + v) * W + x * f + u];
            s[y * (W / f) + x] = (uint8_t)(sum / (f * f));
        }
    return s;
}

/* A number photographed small: five digits apart, in a picture of 150x33
 * pixels (19 high), and five overlapping by two MNIST pixels, in one of
 * 225x50 (28 high).  Worked on at those sizes, as segment.c did before
 * small pictures were enlarged to the working resolution, the first gave
 * 6 digits and the second 4. */
START_TEST(small_picture)
{
    nn_idx *idx = mnist10_images();
    struct { int ks[5], gap, f; } t[] = {
        { { 0, 1, 2, 3, 4 }, 0, 6 },            /* 5 0 4 1 9 */
        { { 5, 6, 7, 8, 9 }, -2 * S, 4 },       /* 2 1 3 1 4 */
    };
    nn_box b[MAXD];

    for (int k = 0; k < 2; k++) {
        uint8_t *g = line(idx, t[k].ks, 5, t[k].gap), *s = shrink(g, t[k].f);
        int n = segment_wh(s, W / t[k].f, H / t[k].f, b);
        ck_assert_msg(n == 5, "picture %d: %d digits", k, n);
        assert_left_to_right(b, 5);
        free(s);
        free(g);
    }
    nn_idx_free(idx);
}
END_TEST

/* A digit written half as wide again (or seen at an angle), wider than
 * segment.c's SPLIT * H, that the judge is sure is one digit: not cut
 * in two.  These five were cut by the width rule alone; of the ten, the
 * 2 still is (the judge is not sure of it). */
START_TEST(wide_digit)
{
    nn_idx *idx = mnist10_images();
    int ks[] = { 0, 1, 2, 7, 9 };       /* 5 0 4 3 4 */
    nn_box b[MAXD];

    for (int k = 0; k < 5; k++) {
        const uint8_t *p = idx->data + (long)ks[k] * 784;
        uint8_t *g = page(230);
        for (int y = 0; y < 28 * S; y++)
            for (int x = 0; x < 28 * S * 3 / 2; x++) {
                int v = p[(y / S) * 28 + x * 2 / (3 * S)];
                g[(40 + y) * W + 100 + x] = (uint8_t)(230 - v * 200 / 255);
            }
        ck_assert_msg(segment(g, b) == 1, "digit %d: %d digits", k,
                      segment(g, b));
        free(g);
    }
    nn_idx_free(idx);
}
END_TEST

/* A short stroke beside a digit, not over it (a 5's flag drawn apart), is
 * a piece of that digit, not a digit of its own. */
START_TEST(detached_piece)
{
    nn_idx *idx = mnist10_images();
    int ks[] = { 1, 7 };        /* 0 3 */
    nn_box b[MAXD];
    uint8_t *g = line(idx, ks, 2, 40);
    int right = 0;

    for (int x = 0; x < W; x++)         /* the 3's rightmost ink */
        for (int y = 0; y < H; y++)
            if (g[y * W + x] < 150)
                right = x;
    for (int y = 40 + 6 * S; y < 40 + 6 * S + 8; y++)
        memset(g + y * W + right + 6, 40, 6 * S);
    ck_assert_int_eq(segment(g, b), 2);
    ck_assert_int_ge(b[1].x1, right + 6 + 6 * S - 2);
    free(g);
    nn_idx_free(idx);
}
END_TEST

/* Digits drawn with a thin pen (one pixel wide where prep.c works): a
 * path down through the corners of a slanted stroke's pixels crosses the
 * stroke, so a 0 or a 2 is not cut in two. */
START_TEST(thin)
{
    nn_box b[MAXD];
    uint8_t *g = page(230);

    for (int a = 0; a < 3600; a++) {            /* a 0: an ellipse */
        double t = a * 3.14159265 / 1800;
        int x = (int)(200 + 45 * cos(t)), y = (int)(100 + 70 * sin(t));
        for (int d = 0; d < 2; d++)
            g[(y + d) * W + x] = g[y * W + x + d] = 40;
    }
    for (int a = 0; a < 1000; a++) {            /* a 2: arc, slant, base */
        double t = 3.14159265 * (1.1 + 1.25 * a / 1000.0), u = a / 1000.0;
        int x = (int)(400 + 45 * cos(t)), y = (int)(70 + 40 * sin(t));
        int sx = (int)(445 - 95 * u), sy = (int)(70 + 100 * u);
        int bx = (int)(350 + 100 * u);
        for (int d = 0; d < 2; d++) {
            g[(y + d) * W + x] = g[y * W + x + d] = 40;
            g[(sy + d) * W + sx] = g[sy * W + sx + d] = 40;
            g[(170 + d) * W + bx] = 40;
        }
    }
    ck_assert_int_eq(segment(g, b), 2);
    free(g);
}
END_TEST

/* A page with a 0 whose loop is left open at the top (330 of 360
 * degrees: the pen lifted before it closed), half_w wide and 70 high on
 * either side of its centre, drawn stroke pixels wide. */
static uint8_t *open_zero(int half_w, int stroke)
{
    uint8_t *g = page(230);

    for (int a = 150; a < 3450; a++) {
        double t = (a + 900) * 3.14159265 / 1800;
        for (int r = 0; r < stroke; r++) {
            int x = (int)(300 + (half_w - r) * cos(t));
            int y = (int)(100 - (70 - r) * sin(t));
            g[y * W + x] = 40;
        }
    }
    return g;
}

/* A round 0 left open at the top: a path through the opening crosses the
 * 0 only once, at its bottom, but runs inside the loop; the 0 stays one
 * digit. */
START_TEST(open_loop)
{
    nn_box b[MAXD];
    uint8_t *g = open_zero(52, 8);

    ck_assert_int_eq(segment(g, b), 1);
    free(g);
}
END_TEST

/* A 9 and a 3 cut in two by a band of paper across them are still one
 * digit each. */
START_TEST(broken)
{
    nn_idx *idx = mnist10_images();
    int ks[] = { 4, 7, 1 };
    nn_box b[MAXD];
    uint8_t *g = line(idx, ks, 3, 30);

    for (int y = 40 + 15 * S; y < 40 + 15 * S + 5; y++)
        memset(g + y * W + 40, 230, 300);
    ck_assert_int_eq(segment(g, b), 3);
    free(g);
    nn_idx_free(idx);
}
END_TEST

/* A 0 in two halves, a band of paper down its middle (a thin pen that
 * skipped at its top and bottom), beside a 1: the halves are too wide
 * apart to overlap, but together they are one digit to the judge. */
START_TEST(broken_halves)
{
    nn_idx *idx = mnist10_images();
    int ks[] = { 1, 3 };                /* 0 1 */
    nn_box b[MAXD];
    uint8_t *g = line(idx, ks, 1, 0);
    int x0 = W, x1 = 0;

    for (int y = 0; y < H; y++)         /* the 0's ink */
        for (int x = 0; x < W; x++)
            if (g[y * W + x] < 150) {
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
            }
    free(g);
    g = line(idx, ks, 2, 30);
    for (int y = 0; y < H; y++)
        memset(g + y * W + (x0 + x1) / 2 - 3, 230, 6);
    ck_assert_int_eq(segment(g, b), 2);
    ck_assert_int_le(b[0].x0, x0 + 2);
    ck_assert_int_ge(b[0].x1, x1 - 2);
    free(g);
    nn_idx_free(idx);
}
END_TEST

/* A narrow 0 left open at the top: its inside is too narrow for a loop to
 * enclosed(), so a path through the opening crosses one stroke and leaves
 * a half on each side; the judge keeps it one digit. */
START_TEST(narrow_open_loop)
{
    nn_box b[MAXD];
    uint8_t *g = open_zero(28, 5);

    ck_assert_int_eq(segment(g, b), 1);
    free(g);
}
END_TEST

/* A 4 whose left stroke does not quite meet its bar (MNIST training image
 * 50389, tests/data/open-four-idx3-ubyte): a path between the two strokes
 * crosses no ink and leaves a digit's height on both sides, and the judge
 * is not sure it holds two; read whole, it is a 4 more surely than its
 * sides are digits, so it is not cut. */
START_TEST(open_four)
{
    nn_idx *idx = idx_fixture("open-four-idx3-ubyte");
    int ks[] = { 0 };
    nn_box b[MAXD];
    uint8_t *g = line(idx, ks, 1, 0);

    ck_assert_int_eq(segment(g, b), 1);
    free(g);
    nn_idx_free(idx);
}
END_TEST

/* A 1 and a 0 whose right side a fine pen left in dashes, each shorter
 * than a speck is wide (SPECK * H) with gaps under GAP * H between them:
 * the dashes are the 0's, not specks to drop, and its box spans them. */
START_TEST(broken_stroke)
{
    nn_box b[MAXD];
    uint8_t *g = page(230);

    for (int y = 30; y <= 170; y++)             /* a 1 */
        memset(g + y * W + 200, 40, 4);
    for (int a = 0; a < 3600; a++) {            /* a 0, 70 wide */
        double t = a * 3.14159265 / 1800;
        int x = (int)(330 + 35 * cos(t)), y = (int)(100 + 70 * sin(t));
        /* its right side: 10 pixels of every 16 along it, no more */
        if (cos(t) > 0.2 && (int)(a * 0.125) % 16 >= 10)
            continue;
        for (int d = 0; d < 4; d++)
            g[y * W + x - d] = 40;
    }
    ck_assert_int_eq(segment(g, b), 2);
    ck_assert_int_le(b[1].x0, 297);
    ck_assert_int_ge(b[1].x1, 362);
    free(g);
}
END_TEST

/* "4.01" written with the point close to the 4's foot, nearer than the
 * dashes of a broken stroke lie: the point is dropped, not taken into the
 * 4 (which then reads as two digits) nor read as a digit of its own. */
START_TEST(decimal_point)
{
    nn_idx *idx = mnist10_images();
    int ks[] = { 2, 1, 3 };     /* 4 0 1 */
    nn_box b[MAXD];
    uint8_t *g = line(idx, ks, 3, 40);
    int x0[3], x1[3], y1, foot = 0;

    ck_assert_int_eq(ink_columns(g, x0, x1, 3), 3);     /* 4, 0, 1 */
    y1 = last_row(g);
    for (int y = y1 - 24; y <= y1; y++)     /* the 4's foot's last column */
        for (int x = x0[0]; x <= x1[0]; x++)
            foot = g[y * W + x] < 150 && x > foot ? x : foot;
    for (int y = y1 - 12; y <= y1; y++)     /* a point 13 across, 5 off */
        for (int x = foot + 5; x <= foot + 17; x++)
            g[y * W + x] = 40;
    ck_assert_int_eq(segment(g, b), 3);
    assert_left_to_right(b, 3);
    ck_assert_int_lt(b[0].x1, foot + 17);  /* the 4 without the point */
    free(g);
    nn_idx_free(idx);
}
END_TEST

/* "4,01": a comma between the 4 and the 0, from the digits' foot down
 * below it, slanting left, 34 pixels high (a third of the digits'):
 * dropped as a point is, neither read as a digit (a 1) nor taken into a
 * neighbour. */
START_TEST(decimal_comma)
{
    nn_idx *idx = mnist10_images();
    int ks[] = { 2, 1, 3 };     /* 4 0 1 */
    nn_box b[MAXD];
    uint8_t *g = line(idx, ks, 3, 40);
    int x0[3], x1[3], y1;

    ck_assert_int_eq(ink_columns(g, x0, x1, 3), 3);     /* 4, 0, 1 */
    y1 = last_row(g);
    for (int t = 0; t <= 30; t++) {     /* a pen 9 pixels wide */
        int cx = (x1[0] + x0[1]) / 2 + 4 - t / 4, cy = y1 - 6 + t;
        for (int y = cy - 4; y <= cy + 4; y++)
            for (int x = cx - 4; x <= cx + 4; x++)
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= 16)
                    g[y * W + x] = 40;
    }
    ck_assert_int_eq(segment(g, b), 3);
    assert_left_to_right(b, 3);
    /* the 4 and the 0 without it (it spans x1[0] + 13 to x0[1] - 12) */
    ck_assert_int_lt(b[0].x1, x1[0] + 10);
    ck_assert_int_gt(b[1].x0, x0[1] - 10);
    free(g);
    nn_idx_free(idx);
}
END_TEST

/* tests/data/broken-tail.jpg, "3519" in a fine pen whose 9's tail is
 * broken near its end: the last dash, short, below the other digits'
 * feet and with nothing above it in its columns, is no comma, since the
 * tail goes on just above it.  The 9's box keeps it: it reaches the
 * lowest ink right of the 1, which is that dash's. */
START_TEST(not_a_comma)
{
    nn_image *img = image_fixture("broken-tail.jpg");
    nn_box b[MAXD];
    nn_prep_opts o;
    int n = -1, low = 0;

    nn_prep_opts_default(&o);
    ck_assert_int_eq(nn_segment_digits(img->gray, img->width, img->height,
                                       &o, NN_SEG_MAX_PARTS, MAXD, vecs, b,
                                       &n, NULL, 0), NN_OK);
    ck_assert_int_eq(n, 4);
    for (int y = 0; y < img->height; y++)
        for (int x = b[2].x1 + 1; x < img->width; x++)
            low = img->gray[(long)y * img->width + x] < 100 ? y : low;
    ck_assert_msg(b[3].y1 >= low - 3, "the 9's box ends at row %d, its "
                  "ink at %d", b[3].y1, low);
    nn_img_free(img);
}
END_TEST

START_TEST(specks)
{
    nn_idx *idx = mnist10_images();
    int ks[] = { 0, 2, 9 };
    nn_box b[MAXD];
    uint8_t *g = line(idx, ks, 3, 30);
    nn_rng r;

    nn_rng_seed(&r, 3);
    for (int k = 0; k < 40; k++) {
        int x = (int)nn_rng_below(&r, W - 3), y = (int)nn_rng_below(&r, H - 3);
        for (int dy = 0; dy < 3; dy++)
            memset(g + (y + dy) * W + x, 30, 3);
    }
    ck_assert_int_eq(segment(g, b), 3);
    free(g);
    nn_idx_free(idx);
}
END_TEST

START_TEST(ruled)
{
    nn_idx *idx = mnist10_images();
    int ks[] = { 0, 1, 3, 4 };
    nn_box b[MAXD];
    uint8_t *g = line(idx, ks, 4, 30);

    for (int y = 20; y < H; y += 45)
        for (int t = 0; t < 3; t++)
            memset(g + (y + t) * W, 60, W);
    ck_assert_int_eq(segment(g, b), 4);
    assert_left_to_right(b, 4);
    free(g);
    nn_idx_free(idx);
}
END_TEST

/* A photo framed tightly: the first digit cut by the picture's left edge
 * is a digit (the frame crosses its strokes); a shadow as tall as the
 * digits lying along the right edge is not (its ink runs along the edge). */
START_TEST(framed)
{
    nn_idx *idx = mnist10_images();
    int ks[] = { 0, 1, 4 };     /* 5 0 9 */
    nn_box b[MAXD];
    int cw = 400, left = 52;    /* the 5's ink begins at about 40 */
    uint8_t *g = line(idx, ks, 3, 30), *c = malloc((size_t)cw * H);

    ck_assert_ptr_nonnull(c);
    for (int y = 0; y < H; y++) {
        memcpy(c + (long)y * cw, g + (long)y * W + left, cw);
        if (y >= 40 && y < 150)
            memset(c + (long)y * cw + cw - 12, 40, 12);
    }
    ck_assert_int_eq(segment_wh(c, cw, H, b), 3);
    ck_assert_int_eq(b[0].x0, 0);
    ck_assert_int_lt(b[2].x1, cw - 12);
    free(c);
    free(g);
    nn_idx_free(idx);
}
END_TEST

/* MNIST's first five digits (5 0 4 1 9) on a line 30 pixels apart, for a
 * test to change the page around them. */
static uint8_t *first_five(void)
{
    nn_idx *idx = mnist10_images();
    int ks[] = { 0, 1, 2, 3, 4 };
    uint8_t *g = line(idx, ks, 5, 30);

    nn_idx_free(idx);
    return g;
}

/* g, first_five()'s page changed, is still read as the five digits, left
 * to right, the first box no further left than the 5's ink; boxes in b. */
static void assert_first_five(const uint8_t *g, nn_box *b)
{
    ck_assert_int_eq(segment(g, b), 5);
    assert_left_to_right(b, 5);
    ck_assert_int_ge(b[0].x0, 30);      /* the 5's ink begins at about 40 */
}

/* As assert_first_five(), and each digit reads as it did on the page
 * before the change (plain: its five vectors), its vector alike
 * (correlation 0.8 or more). */
static void assert_as_plain(const uint8_t *g, nn_box *b, const float *plain)
{
    assert_first_five(g, b);
    for (int k = 0; k < 5; k++)
        ck_assert_msg(correlation(plain + k * 784, vecs + k * 784) >= 0.8,
                      "digit %d: correlation %.2f", k,
                      correlation(plain + k * 784, vecs + k * 784));
}

/* A hard shadow over all but a lit wedge at the left, the number in the
 * shadow: both polarities find strokes that stand out alike, and the
 * wedge, as light paper on a dark page, is less of the picture than the
 * ink.  The pen's strokes are the thinner; the wedge's are not read. */
START_TEST(lit_wedge)
{
    nn_box b[MAXD];
    uint8_t *g = first_five();

    for (int y = 0; y < H; y++)
        for (int x = 60 - 60 * y / H; x < W; x++)
            g[y * W + x] = (uint8_t)(g[y * W + x] * 0.55);
    assert_first_five(g, b);
    free(g);
}
END_TEST

/* A number small in a large photo: first_five()'s page in the middle of
 * one six times as wide and as high (its digits some 6 pixels high at the
 * working resolution).  It is read again from the part of the photo
 * around it: five digits that read as on the page alone (correlation 0.8
 * or more), their boxes where they are on the large page. */
START_TEST(far_away)
{
    enum { F = 6 };
    nn_box b[MAXD];
    float alone[5 * 784];
    uint8_t *g = first_five(), *big = malloc((size_t)F * W * F * H);

    ck_assert_ptr_nonnull(big);
    ck_assert_int_eq(segment(g, b), 5);
    memcpy(alone, vecs, sizeof alone);
    memset(big, 230, (size_t)F * W * F * H);
    for (int y = 0; y < H; y++)
        memcpy(big + (long)(2 * H + y) * F * W + 2 * W, g + (long)y * W, W);
    ck_assert_int_eq(segment_wh(big, F * W, F * H, b), 5);
    assert_left_to_right(b, 5);
    ck_assert_int_ge(b[0].x0, 2 * W + 30);      /* the 5's ink: 2 * W + 40 */
    ck_assert_int_le(b[4].x1, 3 * W);
    ck_assert_int_ge(b[0].y0, 2 * H + 30);
    for (int k = 0; k < 5; k++)
        ck_assert_msg(correlation(alone + k * 784, vecs + k * 784) >= 0.8,
                      "digit %d: correlation %.2f", k,
                      correlation(alone + k * 784, vecs + k * 784));
    free(big);
    free(g);
}
END_TEST

/* The sheet photographed on a darker table: the table around it is darker
 * than the paper, so it is ink to the threshold, and one part, larger than
 * all the digits; it lies along the picture's edge and is dropped. */
START_TEST(on_a_table)
{
    nn_box b[MAXD];
    uint8_t *g = first_five();

    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (x < 20 || x >= 600 || y < 15 || y >= H - 15)
                g[y * W + x] = 90;
    assert_first_five(g, b);
    ck_assert_int_lt(b[4].x1, 600);
    free(g);
}
END_TEST

/* The sheet turned 4 degrees on a darker table that shows all around it.
 * prep.c's sheet step makes the table paper (check_prep.c's
 * test_turned_sheet fails without it); here the number is read whole.
 * Without the sheet step only 2 digits were found until step 1b of
 * segment.c (the long rows of the sheet's edges cleared as lines). */
START_TEST(turned_sheet)
{
    nn_box b[MAXD];
    uint8_t *g = first_five();
    double c = cos(0.07), s = sin(0.07);       /* 4 degrees */

    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double u = (x - 380) * c + (y - 100) * s;
            double v = -(x - 380) * s + (y - 100) * c;
            if (fabs(u) > 355 || fabs(v) > 75)
                g[y * W + x] = 110;
        }
    assert_first_five(g, b);
    free(g);
}
END_TEST

/* A number written on a form's line that runs under it, touching the
 * digits' feet, longer than any stroke but not across the page: the line
 * is cleared, not read as part of a digit, but under the feet standing on
 * it, which keep their bottom. */
START_TEST(on_a_line)
{
    nn_box b[MAXD];
    uint8_t *g = first_five();
    int y1 = last_row(g);

    for (int y = y1 - 2; y <= y1 + 2; y++)  /* 5 thick, 60% of the width */
        memset(g + y * W + 20, 50, 540);
    assert_first_five(g, b);
    for (int k = 1; k < 5; k++)             /* the feet on it kept whole */
        b[0].y1 = b[k].y1 > b[0].y1 ? b[k].y1 : b[0].y1;
    ck_assert_int_ge(b[0].y1, y1);
    free(g);
}
END_TEST

/* The number written in a form's row of boxes, one digit in each, the
 * walls touching the 5's left and the 1's left, the row turned 2 degrees
 * as on a photo of a form: the frame's straight lines are cleared (step
 * 1c), not read as 1s nor left joining the digits into one part; each
 * digit reads as it does without the boxes (its vector alike: the 1,
 * slanted against its wall, 0.82). */
START_TEST(in_boxes)
{
    static float plain[5 * 784];
    nn_box b[MAXD];
    uint8_t *g = first_five();
    int x0[5], x1[5], walls[6], k;
    double turn = tan(2 * 3.14159265 / 180);

    ck_assert_int_eq(segment(g, b), 5);
    memcpy(plain, vecs, sizeof plain);
    ck_assert_int_eq(ink_columns(g, x0, x1, 5), 5);
    walls[0] = x0[0] - 2;
    for (k = 1; k < 5; k++)
        walls[k] = k == 3 ? x0[3] - 2 : (x1[k - 1] + x0[k]) / 2;
    walls[5] = x1[4] + 12;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int yt = y + (int)lround(turn * (x - 300));
            int xt = x - (int)lround(turn * (y - 95)), line = 0;
            if (yt < 30 || yt > 160 || xt < walls[0] - 1 || xt > walls[5] + 1)
                continue;
            for (k = 0; k < 6; k++)
                line |= abs(xt - walls[k]) <= 1;
            if (line || abs(yt - 31) <= 1 || abs(yt - 159) <= 1)
                g[y * W + x] = 60;
        }
    assert_as_plain(g, b, plain);
    free(g);
}
END_TEST

START_TEST(blank)
{
    uint8_t *g = page(200);
    nn_box b[MAXD];

    ck_assert_int_eq(segment(g, b), NN_EFORMAT);
    free(g);
}
END_TEST

/* Squared paper's lines drawn on page g: grey 160, 5 pixels wide, every
 * step pixels, turned by degrees about row 95, one of them down column
 * at there. */
static void squares(uint8_t *g, int step, double degrees, int at)
{
    double turn = tan(degrees * 3.14159265 / 180);

    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int yt = y + (int)lround(turn * x) + step;
            int xt = x - (int)lround(turn * (y - 95)) - at + 2 + 20 * step;
            if ((yt % step < 5 || xt % step < 5) && g[y * W + x] > 160)
                g[y * W + x] = 160;
        }
}

/* The number written on squared paper whose lines come out dark (a grey
 * of 160 on the page's 230, 5 pixels wide, every 56: half a digit's
 * height), turned 2 degrees as on a photo, a line down the 1: the lines
 * are cleared but where a stroke crosses them (step 1), not left joining
 * the digits into one part (as they do without the step, or looked for
 * only square to the picture: 1 digit); each digit reads as it does on
 * plain paper (its vector alike; with all the lines' ink cleared, strokes
 * too, the 1 correlates 0.55). */
START_TEST(squared_paper)
{
    static float plain[5 * 784];
    nn_box b[MAXD];
    uint8_t *g = first_five();
    int x0[5], x1[5];

    ck_assert_int_eq(segment(g, b), 5);
    memcpy(plain, vecs, sizeof plain);
    ck_assert_int_eq(ink_columns(g, x0, x1, 5), 5);
    squares(g, 56, 2, (x0[3] + x1[3]) / 2);         /* down the 1 */
    assert_as_plain(g, b, plain);
    free(g);
}
END_TEST

/* Squared paper with nothing written on it, its lines 40 pixels apart
 * and turned 3 degrees: no digit.  Not the lines' ends left in the
 * picture's corners (each line is measured against its part inside the
 * picture), nor those of thick lines cleared along a slope a little
 * askew that finds as many of them (of such slopes, the one that gathers
 * their ink most sharply). */
START_TEST(squared_paper_blank)
{
    nn_box b[MAXD];
    uint8_t *g = page(230);

    squares(g, 40, 3, 0);
    ck_assert_int_eq(segment(g, b), NN_EFORMAT);
    free(g);
}
END_TEST

/* 500 dots of one size: no line of digits, refused by the parts limit. */
START_TEST(many_parts)
{
    uint8_t *g = page(230);
    nn_box b[MAXD];

    for (int k = 0; k < 500; k++) {
        int x = 10 + (k % 50) * 17, y = 10 + (k / 50) * 18;
        for (int dy = 0; dy < 8; dy++)
            memset(g + (y + dy) * W + x, 20, 8);
    }
    ck_assert_int_eq(segment(g, b), NN_ELIMIT);
    free(g);
}
END_TEST

Suite *segment_suite(void)
{
    Suite *s = suite_create("segment");
    TCase *tc = tcase_create("segment");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, apart);
    tcase_add_test(tc, touching);
    tcase_add_test(tc, touching_narrow);
    tcase_add_test(tc, touching_judged);
    tcase_add_test(tc, overlapping);
    tcase_add_test(tc, wide_digit);
    tcase_add_test(tc, small_picture);
    tcase_add_test(tc, detached_piece);
    tcase_add_test(tc, thin);
    tcase_add_test(tc, open_loop);
    tcase_add_test(tc, broken);
    tcase_add_test(tc, broken_halves);
    tcase_add_test(tc, narrow_open_loop);
    tcase_add_test(tc, open_four);
    tcase_add_test(tc, broken_stroke);
    tcase_add_test(tc, decimal_point);
    tcase_add_test(tc, decimal_comma);
    tcase_add_test(tc, not_a_comma);
    tcase_add_test(tc, on_a_line);
    tcase_add_test(tc, in_boxes);
    tcase_add_test(tc, squared_paper);
    tcase_add_test(tc, squared_paper_blank);
    tcase_add_test(tc, specks);
    tcase_add_test(tc, ruled);
    tcase_add_test(tc, framed);
    tcase_add_test(tc, lit_wedge);
    tcase_add_test(tc, on_a_table);
    tcase_add_test(tc, far_away);
    tcase_add_test(tc, turned_sheet);
    tcase_add_test(tc, blank);
    tcase_add_test(tc, many_parts);
    suite_add_tcase(s, tc);
    return s;
}
