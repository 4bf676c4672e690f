/* check_augment.c - data augmentation: what each transform does to
 * synthetic pictures (a pixel, bars, blobs, ramps) and to MNIST digits,
 * the random draws, and the option checks. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "tests.h"

static const float IDENTITY[6] = { 1, 0, 0, 0, 1, 0 };

static float *image(int w, int h)
{
    float *p = calloc((size_t)w * h, sizeof *p);

    ck_assert_ptr_nonnull(p);
    return p;
}

/* A Gaussian blob of standard deviations sx, sy centred at (cx, cy). */
static float *blob(int w, int h, double cx, double cy, double sx, double sy)
{
    float *p = image(w, h);

    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double u = (x - cx) / sx, v = (y - cy) / sy;
            p[y * w + x] = (float)exp(-(u * u + v * v) / 2);
        }
    return p;
}

/* Total ink, centre of mass, and variances and covariance about it. */
struct moments {
    double sum, mx, my, vx, vy, cxy;
};

static struct moments moments(const float *p, int w, int h)
{
    struct moments m = { 0, 0, 0, 0, 0, 0 };

    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            m.sum += p[y * w + x];
            m.mx += p[y * w + x] * x;
            m.my += p[y * w + x] * y;
        }
    m.mx /= m.sum;
    m.my /= m.sum;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            m.vx += p[y * w + x] * (x - m.mx) * (x - m.mx);
            m.vy += p[y * w + x] * (y - m.my) * (y - m.my);
            m.cxy += p[y * w + x] * (x - m.mx) * (y - m.my);
        }
    m.vx /= m.sum;
    m.vy /= m.sum;
    m.cxy /= m.sum;
    return m;
}

static double mean_abs_diff(const float *a, const float *b, int n)
{
    double s = 0;

    for (int i = 0; i < n; i++)
        s += fabs((double)a[i] - b[i]);
    return s / n;
}

static nn_augmenter *augmenter(const nn_augment *a, int w, int h, float bg)
{
    nn_augmenter *g = NULL;
    char why[128] = "";

    ck_assert_msg(nn_augmenter_new(&g, a, w, h, bg, why, sizeof why) == NN_OK,
                  "nn_augmenter_new: %s", why);
    ck_assert_ptr_nonnull(g);
    return g;
}

/* Options with all magnitudes 0 and the given kinds. */
static nn_augment nothing(int kinds)
{
    nn_augment a;

    nn_augment_default(&a);
    a.kinds = kinds;
    a.shift = a.rotate = a.scale = a.shear = a.alpha = 0;
    return a;
}

/* ---- nn_warp ---------------------------------------------------------- */

START_TEST(test_warp_identity)
{
    enum { W = 13, H = 10 };
    float src[W * H], dst[W * H], zero[W * H] = { 0 };
    nn_rng rng;

    nn_rng_seed(&rng, 3);
    for (int i = 0; i < W * H; i++)
        src[i] = (float)nn_rng_uniform(&rng) * 3 - 1;
    nn_warp(dst, src, W, H, IDENTITY, NULL, NULL, 0.5f);
    ck_assert_mem_eq(dst, src, sizeof src);
    memset(dst, 0, sizeof dst);
    nn_warp(dst, src, W, H, IDENTITY, zero, zero, 0.5f);
    ck_assert_mem_eq(dst, src, sizeof src);
    /* Sizes of one pixel, and wider than nn_warp's pieces of a row. */
    nn_warp(dst, src, 1, 1, IDENTITY, NULL, NULL, 7.0f);
    ck_assert_float_eq(dst[0], src[0]);
    nn_warp(dst, src, W * H, 1, IDENTITY, NULL, NULL, 7.0f);
    ck_assert_mem_eq(dst, src, sizeof src);
    nn_warp(dst, src, 1, W * H, IDENTITY, NULL, NULL, 7.0f);
    ck_assert_mem_eq(dst, src, sizeof src);
}
END_TEST

/* A = {1,0,-2, 0,1,0} moves the picture 2 pixels right; integer shifts are
 * exact, a half-pixel shift shares a pixel between two. */
START_TEST(test_warp_shift)
{
    enum { W = 12, H = 10 };
    float src[W * H] = { 0 }, dst[W * H], want[W * H];
    float right2[6] = { 1, 0, -2, 0, 1, 0 };
    float down3left1[6] = { 1, 0, 1, 0, 1, -3 };
    float half[6] = { 1, 0, -0.5f, 0, 1, 0 };

    src[5 * W + 4] = 1;
    nn_warp(dst, src, W, H, right2, NULL, NULL, 0);
    memset(want, 0, sizeof want);
    want[5 * W + 6] = 1;
    ck_assert_mem_eq(dst, want, sizeof want);

    nn_warp(dst, src, W, H, down3left1, NULL, NULL, 0);
    memset(want, 0, sizeof want);
    want[8 * W + 3] = 1;
    ck_assert_mem_eq(dst, want, sizeof want);

    nn_warp(dst, src, W, H, half, NULL, NULL, 0);
    memset(want, 0, sizeof want);
    want[5 * W + 4] = want[5 * W + 5] = 0.5f;
    ck_assert_mem_eq(dst, want, sizeof want);

    /* A small blob (a 2x3 block with different values) moves whole. */
    memset(src, 0, sizeof src);
    for (int y = 2; y < 4; y++)
        for (int x = 1; x < 4; x++)
            src[y * W + x] = 0.1f * (y * W + x);
    nn_warp(dst, src, W, H, right2, NULL, NULL, 0);
    memset(want, 0, sizeof want);
    for (int y = 2; y < 4; y++)
        for (int x = 1; x < 4; x++)
            want[y * W + x + 2] = src[y * W + x];
    ck_assert_mem_eq(dst, want, sizeof want);

    /* The same shift through the displacement fields instead of A. */
    float dx[W * H], dy[W * H] = { 0 };
    for (int i = 0; i < W * H; i++)
        dx[i] = -2;
    nn_warp(dst, src, W, H, IDENTITY, dx, dy, 0);
    ck_assert_mem_eq(dst, want, sizeof want);
}
END_TEST

/* What comes in from outside the picture is the background. */
START_TEST(test_warp_background)
{
    enum { W = 9, H = 7 };
    float src[W * H], dst[W * H], dx[W * H];
    float right3[6] = { 1, 0, -3, 0, 1, 0 };
    float left25[6] = { 1, 0, 2.5f, 0, 1, 0 };
    float far[6] = { 1, 0, 1000, 0, 1, -1e9f };

    for (int i = 0; i < W * H; i++)
        src[i] = 1;
    nn_warp(dst, src, W, H, right3, NULL, NULL, 0.25f);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            ck_assert_float_eq(dst[y * W + x], x < 3 ? 0.25f : 1.0f);
    /* 2.5 pixels left: the last column is outside, the one before it half
     * picture half background, the one before that half past the edge. */
    nn_warp(dst, src, W, H, left25, NULL, NULL, 0.25f);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float want = x < W - 3 ? 1.0f : x == W - 3 ? 0.625f : 0.25f;
            ck_assert_float_eq(dst[y * W + x], want);
        }
    nn_warp(dst, src, W, H, far, NULL, NULL, -1.0f);
    for (int i = 0; i < W * H; i++)
        ck_assert_float_eq(dst[i], -1.0f);
    /* Huge displacements read background too (no overflow). */
    for (int i = 0; i < W * H; i++)
        dx[i] = i % 2 ? 1e30f : -1e30f;
    nn_warp(dst, src, W, H, IDENTITY, dx, NULL, 0.5f);
    for (int i = 0; i < W * H; i++)
        ck_assert_float_eq(dst[i], 0.5f);
}
END_TEST

/* A 90-degree rotation about the centre of an odd-size picture: a
 * horizontal bar through the centre becomes a vertical one, the centre
 * pixel stays, and a pixel right of the centre goes below it. */
START_TEST(test_warp_rotate90)
{
    enum { W = 29, H = 29, C = 14 };
    float src[W * H] = { 0 }, dst[W * H];
    /* Turning p to R p with R = [0 -1; 1 0] (clockwise on screen, y down):
     * A = R^-1 = [0 1; -1 0]. */
    float A[6] = { 0, 1, 0, -1, 0, 0 };

    for (int x = C - 4; x <= C + 4; x++)
        src[C * W + x] = 1;
    src[C * W + C] = 2;
    nn_warp(dst, src, W, H, A, NULL, NULL, 0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float want = x == C && y >= C - 4 && y <= C + 4 ? 1.0f : 0.0f;
            if (x == C && y == C)
                want = 2;
            ck_assert_msg(fabsf(dst[y * W + x] - want) < 1e-6f,
                          "(%d, %d): %g, want %g", x, y, dst[y * W + x], want);
        }

    memset(src, 0, sizeof src);
    src[C * W + C + 5] = 1;
    nn_warp(dst, src, W, H, A, NULL, NULL, 0);
    ck_assert_float_eq(dst[(C + 5) * W + C], 1.0f);
    ck_assert_double_eq_tol(moments(dst, W, H).sum, 1, 1e-6);
}
END_TEST

/* Enlarging twice about the centre doubles a blob's spread (four times its
 * second moments and its ink) and keeps its centre. */
START_TEST(test_warp_scale)
{
    enum { W = 41, H = 41 };
    float *src = blob(W, H, 20, 20, 2.0, 1.5), *dst = image(W, H);
    float twice[6] = { 0.5f, 0, 0, 0, 0.5f, 0 };
    struct moments a = moments(src, W, H), b;

    nn_warp(dst, src, W, H, twice, NULL, NULL, 0);
    b = moments(dst, W, H);
    ck_assert_double_eq_tol(b.mx, 20, 1e-3);
    ck_assert_double_eq_tol(b.my, 20, 1e-3);
    ck_assert_double_ge(sqrt(b.vx / a.vx), 1.95);
    ck_assert_double_le(sqrt(b.vx / a.vx), 2.1);
    ck_assert_double_ge(sqrt(b.vy / a.vy), 1.95);
    ck_assert_double_le(sqrt(b.vy / a.vy), 2.1);
    ck_assert_double_eq_tol(b.sum / a.sum, 4, 0.1);
    free(src);
    free(dst);
}
END_TEST

/* A horizontal shear (x += k (y - cy)) moves each row in proportion to its
 * distance from the centre: a vertical line becomes a slanted one. */
START_TEST(test_warp_shear)
{
    enum { W = 15, H = 15, C = 7 };
    float src[W * H] = { 0 }, dst[W * H];
    float k1[6] = { 1, -1, 0, 0, 1, 0 };        /* the inverse of k = 1 */
    float khalf[6] = { 1, -0.5f, 0, 0, 1, 0 };

    for (int y = 0; y < H; y++)
        src[y * W + C] = 1;
    nn_warp(dst, src, W, H, k1, NULL, NULL, 0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            ck_assert_float_eq(dst[y * W + x], x == y ? 1.0f : 0.0f);
    nn_warp(dst, src, W, H, khalf, NULL, NULL, 0);
    for (int y = 0; y < H; y++) {
        double s = 0, sx = 0;
        for (int x = 0; x < W; x++) {
            s += dst[y * W + x];
            sx += dst[y * W + x] * x;
        }
        ck_assert_double_eq_tol(s, 1, 1e-6);
        ck_assert_double_eq_tol(sx / s, C + 0.5 * (y - C), 1e-5);
    }
}
END_TEST

/* ---- nn_augmenter_apply ----------------------------------------------- */

START_TEST(test_apply_deterministic)
{
    enum { W = 28, H = 28 };
    float *src = blob(W, H, 12, 15, 4, 2), *a = image(W, H), *b = image(W, H);
    nn_augment o;
    nn_rng r1, r2;

    nn_augment_default(&o);
    for (int kinds = 1; kinds <= 3; kinds++) {
        o.kinds = kinds;
        nn_augmenter *g = augmenter(&o, W, H, 0), *g2 = augmenter(&o, W, H, 0);
        nn_rng_seed(&r1, 42);
        nn_rng_seed(&r2, 42);
        nn_augmenter_apply(g, a, src, &r1);
        nn_augmenter_apply(g2, b, src, &r2);    /* another augmenter */
        ck_assert_mem_eq(a, b, W * H * sizeof *a);
        nn_augmenter_apply(g, a, src, &r1);     /* then used again */
        nn_augmenter_apply(g2, b, src, &r2);
        ck_assert_mem_eq(a, b, W * H * sizeof *a);
        nn_rng_seed(&r2, 43);
        nn_augmenter_apply(g, b, src, &r2);
        ck_assert_msg(mean_abs_diff(a, b, W * H) > 1e-3,
                      "kinds %d: seeds 42 and 43 give the same picture", kinds);
        nn_augmenter_free(g);
        nn_augmenter_free(g2);
    }
    free(src);
    free(a);
    free(b);
}
END_TEST

/* The number of random numbers drawn: none without kinds, 6 for affine,
 * one per pixel for elastic (the order documented in lib/augment.c). */
START_TEST(test_apply_draws)
{
    enum { W = 11, H = 7 };
    float src[W * H] = { 0 }, dst[W * H];
    static const int draws[4] = { 0, 6, W * H, 6 + W * H };
    nn_augment o;

    nn_augment_default(&o);
    for (int kinds = 0; kinds <= 3; kinds++) {
        nn_rng r, want;
        o.kinds = kinds;
        nn_augmenter *g = augmenter(&o, W, H, 0);
        nn_rng_seed(&r, 9);
        nn_rng_seed(&want, 9);
        nn_augmenter_apply(g, dst, src, &r);
        for (int i = 0; i < draws[kinds]; i++)
            nn_rng_next(&want);
        ck_assert_msg(r.s[0] == want.s[0] && r.s[1] == want.s[1],
                      "kinds %d: not %d draws", kinds, draws[kinds]);
        nn_augmenter_free(g);
    }
}
END_TEST

/* No kinds, or magnitudes that are all 0: the picture unchanged. */
START_TEST(test_apply_identity)
{
    enum { W = 28, H = 28 };
    float *src = blob(W, H, 10, 17, 3, 5), *dst = image(W, H);
    nn_augment o;
    nn_rng r;
    nn_augmenter *g;

    nn_rng_seed(&r, 1);
    nn_augment_default(&o);                     /* kinds 0 */
    g = augmenter(&o, W, H, 0.5f);
    nn_augmenter_apply(g, dst, src, &r);
    ck_assert_mem_eq(dst, src, W * H * sizeof *dst);
    nn_augmenter_free(g);

    for (int kinds = 1; kinds <= 3; kinds++) {
        o = nothing(kinds);
        g = augmenter(&o, W, H, 0.5f);
        for (int i = 0; i < 3; i++) {
            memset(dst, 0, W * H * sizeof *dst);
            nn_augmenter_apply(g, dst, src, &r);
            ck_assert_msg(memcmp(dst, src, W * H * sizeof *dst) == 0,
                          "kinds %d: zero magnitudes changed the picture",
                          kinds);
        }
        nn_augmenter_free(g);
    }
    free(src);
    free(dst);
}
END_TEST

/* Affine and elastic together draw the affine numbers first: with alpha 0
 * they give exactly the affine-only picture. */
START_TEST(test_apply_both_order)
{
    enum { W = 28, H = 28 };
    float *src = blob(W, H, 12, 15, 4, 2), *a = image(W, H), *b = image(W, H);
    nn_augment o;
    nn_rng r1, r2;

    nn_augment_default(&o);
    o.kinds = NN_AUG_AFFINE;
    nn_augmenter *aff = augmenter(&o, W, H, 0);
    o.kinds = NN_AUG_AFFINE | NN_AUG_ELASTIC;
    o.alpha = 0;
    nn_augmenter *both = augmenter(&o, W, H, 0);
    nn_rng_seed(&r1, 5);
    nn_rng_seed(&r2, 5);
    for (int i = 0; i < 5; i++) {
        nn_augmenter_apply(aff, a, src, &r1);
        nn_augmenter_apply(both, b, src, &r2);
        for (int k = 0; k < W * H; k++)             /* one step per image */
            nn_rng_next(&r1);
        ck_assert_mem_eq(a, b, W * H * sizeof *a);
        ck_assert_double_gt(mean_abs_diff(a, src, W * H), 1e-3);
    }
    nn_augmenter_free(aff);
    nn_augmenter_free(both);
    free(src);
    free(a);
    free(b);
}
END_TEST

/* The documented transform: with the six numbers drawn in their order
 * (tx, ty, angle, sx, sy, k), a small blob at p goes to
 *   q = c + R(angle) H(k) S(sx, sy) (p - c) + t,
 * R turning clockwise on screen (y down), H the shear x += k y. */
START_TEST(test_apply_affine_formula)
{
    enum { W = 41, H = 41 };
    const double px = 25, py = 17, c = 20;
    float *src = blob(W, H, px, py, 1.5, 1.5), *dst = image(W, H);
    nn_augment o = nothing(NN_AUG_AFFINE);
    nn_rng r, mine;

    o.shift = 3;
    o.rotate = 30;
    o.scale = 0.2f;
    o.shear = 0.3f;
    nn_augmenter *g = augmenter(&o, W, H, 0);
    nn_rng_seed(&r, 17);
    for (int i = 0; i < 20; i++) {
        double u[6];
        mine = r;
        for (int j = 0; j < 6; j++)
            u[j] = 2 * nn_rng_uniform(&mine) - 1;
        double tx = 3 * u[0], ty = 3 * u[1];
        double t = 30 * u[2] * 3.14159265358979323846 / 180;
        double sx = 1 + 0.2 * u[3], sy = 1 + 0.2 * u[4], k = 0.3 * u[5];
        double x = (px - c) * sx, y = (py - c) * sy;
        x += k * y;
        double qx = c + cos(t) * x - sin(t) * y + tx;
        double qy = c + sin(t) * x + cos(t) * y + ty;

        nn_augmenter_apply(g, dst, src, &r);
        struct moments m = moments(dst, W, H);
        ck_assert_msg(hypot(m.mx - qx, m.my - qy) < 0.1,
                      "draw %d: blob at (%.3f, %.3f), expected (%.3f, %.3f)",
                      i, m.mx, m.my, qx, qy);
    }
    nn_augmenter_free(g);
    free(src);
    free(dst);
}
END_TEST

/* Shift alone: a centred blob's centre of mass moves by at most `shift` in
 * x and in y, and by much of it in some draws; its shape is kept. */
START_TEST(test_apply_shift)
{
    enum { W = 28, H = 28 };
    float *src = blob(W, H, 13.5, 13.5, 2, 2), *dst = image(W, H);
    nn_augment o = nothing(NN_AUG_AFFINE);
    struct moments a = moments(src, W, H);
    double most_x = 0, most_y = 0;
    nn_rng r;

    o.shift = 3;
    nn_augmenter *g = augmenter(&o, W, H, 0);
    nn_rng_seed(&r, 7);
    for (int i = 0; i < 200; i++) {
        nn_augmenter_apply(g, dst, src, &r);
        struct moments b = moments(dst, W, H);
        ck_assert_double_le(fabs(b.mx - a.mx), 3 + 1e-4);
        ck_assert_double_le(fabs(b.my - a.my), 3 + 1e-4);
        ck_assert_double_eq_tol(b.sum, a.sum, 1e-3);
        most_x = fmax(most_x, fabs(b.mx - a.mx));
        most_y = fmax(most_y, fabs(b.my - a.my));
    }
    ck_assert_double_gt(most_x, 2.5);
    ck_assert_double_gt(most_y, 2.5);
    nn_augmenter_free(g);
    free(src);
    free(dst);
}
END_TEST

/* Rotation alone: ink is kept, the centre of mass stays at the centre, and
 * an elongated blob turns (its x-y covariance becomes non-zero). */
START_TEST(test_apply_rotate)
{
    enum { W = 28, H = 28 };
    float *src = blob(W, H, 13.5, 13.5, 4, 1.5), *dst = image(W, H);
    nn_augment o = nothing(NN_AUG_AFFINE);
    struct moments a = moments(src, W, H);
    double most_cov = 0;
    nn_rng r;

    o.rotate = 30;
    nn_augmenter *g = augmenter(&o, W, H, 0);
    nn_rng_seed(&r, 11);
    for (int i = 0; i < 50; i++) {
        nn_augmenter_apply(g, dst, src, &r);
        struct moments b = moments(dst, W, H);
        ck_assert_double_eq_tol(b.sum / a.sum, 1, 0.03);
        ck_assert_double_le(hypot(b.mx - 13.5, b.my - 13.5), 0.1);
        /* turned by at most 30 degrees: the long axis stays mostly in x */
        ck_assert_double_gt(b.vx, b.vy);
        most_cov = fmax(most_cov, fabs(b.cxy));
    }
    /* cov = (vx - vy) sin(2t) / 2, about 6 at 30 degrees */
    ck_assert_double_gt(most_cov, 4);
    nn_augmenter_free(g);
    free(src);
    free(dst);
}
END_TEST

/* The default distortions of MNIST digits: values stay in [0, 1], pixels
 * change, and ink is kept on average and within bounds in each picture:
 * those of the scaling for affine (area 0.81 to 1.21), loose ones for
 * elastic, whose default alpha and sigma (Simard's) compress and stretch
 * thin strokes (0.52 to 1.89 seen over 500 draws). */
START_TEST(test_apply_digits)
{
    static const double lo[4] = { 0, 0.75, 0.4, 0.4 };
    static const double hi[4] = { 0, 1.3, 2.2, 2.2 };
    nn_idx *idx = mnist10_images();
    float src[784], dst[784];
    nn_augment o;
    nn_rng r;

    nn_augment_default(&o);
    nn_rng_seed(&r, 2);
    for (int kinds = 1; kinds <= 3; kinds++) {
        double mean = 0;
        o.kinds = kinds;
        nn_augmenter *g = augmenter(&o, 28, 28, 0);
        for (int k = 0; k < 10; k++) {
            double ink = 0;
            for (int i = 0; i < 784; i++) {
                src[i] = nn_pixel(idx->data[k * 784 + i]);
                ink += src[i];
            }
            for (int t = 0; t < 10; t++) {
                double ink2 = 0;
                nn_augmenter_apply(g, dst, src, &r);
                for (int i = 0; i < 784; i++) {
                    ck_assert(dst[i] >= -1e-6f && dst[i] <= 1 + 1e-6f);
                    ink2 += dst[i];
                }
                ck_assert_msg(ink2 > lo[kinds] * ink && ink2 < hi[kinds] * ink,
                              "kinds %d, digit %d: ink %g, was %g", kinds, k,
                              ink2, ink);
                ck_assert_double_gt(mean_abs_diff(src, dst, 784), 0.005);
                mean += ink2 / ink / 100;
            }
        }
        ck_assert_msg(fabs(mean - 1) < 0.08, "kinds %d: mean ink ratio %g",
                      kinds, mean);
        nn_augmenter_free(g);
    }
    nn_idx_free(idx);
}
END_TEST

/* The elastic displacement field, read through a ramp picture (bilinear
 * interpolation of a linear function is exact): src = x gives dst = x +
 * dx(x, y) away from the border, src = y gives y + dy. */
enum { RW = 64, RH = 64, MARGIN = 16 };

static void field(float alpha, float sigma, uint64_t seed, int axis,
                  double *d)
{
    float *src = image(RW, RH), *dst = image(RW, RH);
    nn_augment o = nothing(NN_AUG_ELASTIC);
    nn_rng r;

    o.alpha = alpha;
    o.sigma = sigma;
    nn_augmenter *g = augmenter(&o, RW, RH, 0);
    for (int y = 0; y < RH; y++)
        for (int x = 0; x < RW; x++)
            src[y * RW + x] = (float)(axis ? y : x);
    nn_rng_seed(&r, seed);
    nn_augmenter_apply(g, dst, src, &r);
    for (int i = 0; i < RW * RH; i++)
        d[i] = (double)dst[i] - src[i];
    nn_augmenter_free(g);
    free(src);
    free(dst);
}

/* Mean |d| over the interior, and the correlation of d with its right-hand
 * neighbour there. */
static double interior_mean_abs(const double *d)
{
    double s = 0;
    int n = 0;

    for (int y = MARGIN; y < RH - MARGIN; y++)
        for (int x = MARGIN; x < RW - MARGIN; x++, n++)
            s += fabs(d[y * RW + x]);
    return s / n;
}

static double neighbour_correlation(const double *d)
{
    double sab = 0, saa = 0, sbb = 0;

    for (int y = MARGIN; y < RH - MARGIN; y++)
        for (int x = MARGIN; x < RW - MARGIN; x++) {
            double a = d[y * RW + x], b = d[y * RW + x + 1];
            sab += a * b;
            saa += a * a;
            sbb += b * b;
        }
    return sab / sqrt(saa * sbb);
}

START_TEST(test_elastic_field)
{
    static double d1[RW * RH], d4[RW * RH], dy[RW * RH];
    double m1, m4, my;

    field(8, 4, 1, 0, d1);
    field(32, 4, 1, 0, d4);
    field(8, 4, 1, 1, dy);
    m1 = interior_mean_abs(d1);
    m4 = interior_mean_abs(d4);
    my = interior_mean_abs(dy);
    /* The same noise times alpha: four times the displacement. */
    ck_assert_double_eq_tol(m4 / m1, 4, 0.01);
    /* A normalised kernel: U(-1, 1) noise smoothed with sigma 4 has a
     * standard deviation of about 0.041, a mean |d| of about 0.032. */
    ck_assert_double_ge(m1 / 8, 0.02);
    ck_assert_double_le(m1 / 8, 0.045);
    ck_assert_double_ge(my / 8, 0.02);
    ck_assert_double_le(my / 8, 0.045);
    /* The x and y fields are different noise. */
    for (int i = 0; i < RW * RH; i++)
        dy[i] -= d1[i];
    ck_assert_double_gt(interior_mean_abs(dy), 0.3 * m1);
    /* Smooth: neighbours nearly agree (exp(-1/(4 sigma^2)) = 0.98 for sigma
     * 4), but not for a small sigma (about 0.4 for sigma 0.5). */
    ck_assert_double_gt(neighbour_correlation(d1), 0.95);
    field(8, 0.5f, 1, 0, d1);
    ck_assert_double_lt(neighbour_correlation(d1), 0.7);
}
END_TEST

/* The documented noise: one nn_rng_next per pixel, row by row, its top 24
 * bits the x noise and the next 24 the y noise, b * 2^-23 - 1.  With a
 * tiny sigma the kernel is a single tap, so the field is alpha times the
 * noise. */
START_TEST(test_elastic_noise)
{
    static double d[RW * RH];

    for (int axis = 0; axis < 2; axis++) {
        nn_rng r;
        field(1, 0.01f, 8, axis, d);
        nn_rng_seed(&r, 8);
        for (int y = 0; y < RH; y++)
            for (int x = 0; x < RW; x++) {
                uint64_t b = nn_rng_next(&r);
                uint64_t bits = axis ? (b >> 16) & 0xffffff : b >> 40;
                double want = bits * 0x1p-23 - 1;
                if (x > 0 && y > 0 && x < RW - 1 && y < RH - 1)
                    ck_assert_double_eq_tol(d[y * RW + x], want, 1e-5);
            }
    }
}
END_TEST

/* A larger alpha moves pixels further, on average, for any seed. */
START_TEST(test_elastic_alpha_grows)
{
    static double d[RW * RH];
    static const float alphas[] = { 1, 3, 10, 30 };

    for (uint64_t seed = 1; seed <= 3; seed++) {
        double last = 0;
        for (int i = 0; i < 4; i++) {
            field(alphas[i], 4, seed, (int)seed % 2, d);
            double m = interior_mean_abs(d);
            ck_assert_double_gt(m, last * 2.5);
            last = m;
        }
    }
}
END_TEST

/* ---- options ---------------------------------------------------------- */

START_TEST(test_default)
{
    nn_augment a;

    memset(&a, 0x55, sizeof a);
    nn_augment_default(&a);
    ck_assert_int_eq(a.kinds, 0);
    ck_assert_float_eq(a.shift, 2);
    ck_assert_float_eq(a.rotate, 10);
    ck_assert_float_eq(a.scale, 0.1f);
    ck_assert_float_eq(a.shear, 0.1f);
    ck_assert_float_eq(a.alpha, 34);
    ck_assert_float_eq(a.sigma, 4);
}
END_TEST

START_TEST(test_new_rejects)
{
    static const struct {
        int kinds, w, h;
        const char *field;          /* which magnitude is set to value */
        float value;
        const char *why;            /* expected in the why text */
    } bad[] = {
        { 1, 0, 28, NULL, 0, "0 x 28" },
        { 1, 28, -1, NULL, 0, "28 x -1" },
        { 1, 5000, 5000, NULL, 0, "more than" },
        { 8, 28, 28, NULL, 0, "kinds" },
        { 4, 28, 28, "stroke", 1.5f, "stroke" },
        { 5, 28, 28, "stroke", -0.1f, "stroke must not be negative" },
        { 1, 28, 28, "shift", NAN, "shift is not a finite" },
        { 1, 28, 28, "shift", -1, "shift must not be negative" },
        { 1, 28, 28, "shift", 29, "shift" },
        { 1, 28, 28, "rotate", 181, "rotate" },
        { 1, 28, 28, "rotate", INFINITY, "rotate is not a finite" },
        { 1, 28, 28, "scale", 1, "scale must be below 1" },
        { 1, 28, 28, "scale", -0.1f, "scale must not be negative" },
        { 1, 28, 28, "shear", 2, "shear" },
        { 2, 28, 28, "sigma", 0, "sigma must be above 0" },
        { 3, 28, 28, "sigma", -1, "sigma must not be negative" },
        { 2, 28, 28, "sigma", 101, "sigma" },
        { 2, 28, 28, "alpha", 1001, "alpha" },
        { 2, 28, 28, "alpha", NAN, "alpha is not a finite" },
        { 2, 28, 28, "background", NAN, "background" },
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nn_augment a;
        nn_augmenter *g = (nn_augmenter *)&a;   /* set to NULL on error */
        char why[128] = "";
        float bg = 0;

        nn_augment_default(&a);
        a.kinds = bad[i].kinds;
        if (bad[i].field) {
            const char *f = bad[i].field;
            if (!strcmp(f, "shift")) a.shift = bad[i].value;
            if (!strcmp(f, "rotate")) a.rotate = bad[i].value;
            if (!strcmp(f, "scale")) a.scale = bad[i].value;
            if (!strcmp(f, "shear")) a.shear = bad[i].value;
            if (!strcmp(f, "alpha")) a.alpha = bad[i].value;
            if (!strcmp(f, "sigma")) a.sigma = bad[i].value;
            if (!strcmp(f, "stroke")) a.stroke = bad[i].value;
            if (!strcmp(f, "background")) bg = bad[i].value;
        }
        ck_assert_int_eq(nn_augmenter_new(&g, &a, bad[i].w, bad[i].h, bg, why,
                                          sizeof why), NN_EINVAL);
        ck_assert_ptr_null(g);
        ck_assert_msg(strstr(why, bad[i].why) &&
                      strncmp(why, "augmentation: ", 14) == 0,
                      "case %zu: why \"%s\", expected \"%s\"", i, why,
                      bad[i].why);
        /* why may be NULL */
        ck_assert_int_eq(nn_augmenter_new(&g, &a, bad[i].w, bad[i].h, bg, NULL,
                                          0), NN_EINVAL);
    }
    ck_assert_int_eq(nn_augmenter_new(NULL, NULL, 28, 28, 0, NULL, 0),
                     NN_EINVAL);
}
END_TEST

/* Only the magnitudes of the kinds in use are checked; the limits
 * themselves are accepted. */
START_TEST(test_new_accepts)
{
    nn_augment a;
    nn_augmenter *g = NULL;

    nn_augment_default(&a);
    a.kinds = NN_AUG_AFFINE;
    a.sigma = 0;
    a.alpha = -5;
    ck_assert_int_eq(nn_augmenter_new(&g, &a, 28, 28, 0, NULL, 0), NN_OK);
    nn_augmenter_free(g);
    nn_augment_default(&a);
    a.kinds = NN_AUG_ELASTIC;
    a.shift = 1000;
    a.scale = 5;
    ck_assert_int_eq(nn_augmenter_new(&g, &a, 28, 28, 0, NULL, 0), NN_OK);
    nn_augmenter_free(g);
    a = nothing(NN_AUG_AFFINE | NN_AUG_ELASTIC);
    a.shift = 28;
    a.rotate = 180;
    a.scale = 0.99f;
    a.shear = 1;
    a.alpha = 1000;
    a.sigma = 100;
    ck_assert_int_eq(nn_augmenter_new(&g, &a, 28, 28, 0, NULL, 0), NN_OK);
    nn_augmenter_free(g);
    a.kinds = NN_AUG_AFFINE;                    /* the largest picture */
    ck_assert_int_eq(nn_augmenter_new(&g, &a, 4096, 4096, 0, NULL, 0), NN_OK);
    nn_augmenter_free(g);
    nn_augmenter_free(NULL);
}
END_TEST

START_TEST(test_parse_name)
{
    static const char *const names[] = {
        "none", "affine", "elastic", "affine,elastic", "stroke",
        "affine,stroke", "elastic,stroke", "affine,elastic,stroke"
    };
    static const char *const bad[] = {
        "", "foo", "affine,", ",affine", "Affine", "affine,affine",
        "affine, elastic", "affine,elastic,", "elastic,", "elastic,foo",
        "none,affine", " none"
    };
    char buf[32];

    for (int k = 0; k < 8; k++) {
        ck_assert_int_eq(nn_augment_parse(names[k]), k);
        ck_assert_ptr_eq(nn_augment_name(k, buf, sizeof buf), buf);
        ck_assert_str_eq(buf, names[k]);
        ck_assert_int_eq(nn_augment_parse(buf), k);
    }
    ck_assert_int_eq(nn_augment_parse("elastic,affine"),
                     NN_AUG_AFFINE | NN_AUG_ELASTIC);
    ck_assert_int_eq(nn_augment_parse("stroke,elastic"),
                     NN_AUG_STROKE | NN_AUG_ELASTIC);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(nn_augment_parse(bad[i]) == -1, "\"%s\" accepted",
                      bad[i]);
    ck_assert_int_eq(nn_augment_parse(NULL), -1);
    nn_augment_name(3, buf, 7);                 /* cut to fit */
    ck_assert_str_eq(buf, "affine");
}
END_TEST

/* The stroke kind thickens and thins a line, by up to a pixel on each side,
 * keeping it where it is; at magnitude 0 it changes nothing. */
START_TEST(test_stroke)
{
    enum { W = 12, H = 12 };
    float src[W * H] = { 0 }, dst[W * H];
    nn_augment a;
    nn_augmenter *g;
    nn_rng rng;
    int thicker = 0, thinner = 0;

    for (int y = 2; y < 10; y++)
        src[y * W + 5] = src[y * W + 6] = 1;     /* a line 2 pixels wide */
    nn_augment_default(&a);
    a.kinds = NN_AUG_STROKE;
    a.stroke = 1;
    ck_assert_int_eq(nn_augmenter_new(&g, &a, W, H, 0, NULL, 0), NN_OK);
    nn_rng_seed(&rng, 5);
    for (int t = 0; t < 50; t++) {
        double s = 0, mx = 0;
        nn_augmenter_apply(g, dst, src, &rng);
        for (int i = 0; i < W * H; i++) {
            s += dst[i];
            mx += dst[i] * (i % W);
            ck_assert(dst[i] >= 0 && dst[i] <= 1);
        }
        ck_assert_double_le(s, 16 + 2 * 8 + 2 * 2 + 1e-4); /* 1 px around */
        if (s > 0)
            ck_assert_double_eq_tol(mx / s, 5.5, 1e-4);
        thicker += s > 16.5;
        thinner += s < 15.5;
    }
    ck_assert_int_gt(thicker, 10);
    ck_assert_int_gt(thinner, 10);
    nn_augmenter_free(g);
    a.stroke = 0;
    ck_assert_int_eq(nn_augmenter_new(&g, &a, W, H, 0, NULL, 0), NN_OK);
    nn_augmenter_apply(g, dst, src, &rng);
    ck_assert_mem_eq(dst, src, sizeof src);
    nn_augmenter_free(g);
}
END_TEST

Suite *augment_suite(void)
{
    Suite *s = suite_create("augment");
    TCase *tc = tcase_create("augment");

    tcase_set_timeout(tc, 60);          /* loops of checks on a busy machine */
    tcase_add_test(tc, test_stroke);
    tcase_add_test(tc, test_warp_identity);
    tcase_add_test(tc, test_warp_shift);
    tcase_add_test(tc, test_warp_background);
    tcase_add_test(tc, test_warp_rotate90);
    tcase_add_test(tc, test_warp_scale);
    tcase_add_test(tc, test_warp_shear);
    tcase_add_test(tc, test_apply_deterministic);
    tcase_add_test(tc, test_apply_draws);
    tcase_add_test(tc, test_apply_identity);
    tcase_add_test(tc, test_apply_both_order);
    tcase_add_test(tc, test_apply_affine_formula);
    tcase_add_test(tc, test_apply_shift);
    tcase_add_test(tc, test_apply_rotate);
    tcase_add_test(tc, test_apply_digits);
    tcase_add_test(tc, test_elastic_field);
    tcase_add_test(tc, test_elastic_noise);
    tcase_add_test(tc, test_elastic_alpha_grows);
    tcase_add_test(tc, test_default);
    tcase_add_test(tc, test_new_rejects);
    tcase_add_test(tc, test_new_accepts);
    tcase_add_test(tc, test_parse_name);
    suite_add_tcase(s, tc);
    return s;
}
