/* augment.c - data augmentation: random affine and elastic distortions of
 * training images, drawn afresh for each image every epoch.
 *
 * Both kinds end in one resampling (nn_warp): each output pixel is read by
 * bilinear interpolation from a point of the source, given by an affine map
 * A and, for the elastic kind, a displacement field added to it.
 *
 * Random numbers, in this order, all from the rng given to
 * nn_augmenter_apply; kinds 0 draws nothing:
 *   affine:  6 calls of nn_rng_uniform (u in [0, 1)): tx, ty = shift *
 *            (2u - 1) pixels; angle = rotate * (2u - 1) degrees; sx, sy =
 *            1 + scale * (2u - 1); k = shear * (2u - 1);
 *   stroke:  1 call of nn_rng_uniform: u = stroke * (2u - 1), first;
 *   elastic: width * height calls of nn_rng_next, one per pixel, row by
 *            row: its top 24 bits give the pixel's x noise, the next 24
 *            its y noise, each b * 2^-23 - 1, in [-1, 1).
 * The picture's content is transformed forwards by
 *   q - c = R(angle) H(k) S(sx, sy) (p - c) + (tx, ty)
 * (c the centre, S the scaling, H the horizontal shear x += k y, R a
 * rotation turning the picture clockwise on screen, where y grows
 * downwards), so A is its inverse: p - c = M^-1 (q - c) - M^-1 t, M = R H S.
 *
 * The elastic field (Simard et al. 2003) is the noise smoothed by a
 * normalised Gaussian of standard deviation sigma truncated at r =
 * ceil(3 sigma), separably (columns, then rows), the noise taken as 0
 * outside the picture, and multiplied by alpha.  The smoothing works on
 * rows padded to a multiple of BLOCK floats between zero borders of r rows
 * and columns, so that its loops have no bounds tests and a count the
 * compiler knows to be a multiple of 8, which it turns into vector code
 * (gcc -O2 too).  All of that scratch is allocated by nn_augmenter_new;
 * nn_augmenter_apply never allocates.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

enum { BLOCK = 8 };             /* smoothing rows: a multiple of this */
#define DEGREE (3.14159265358979323846 / 180.0)     /* in radians */

struct nn_augmenter {
    nn_augment a;
    int w, h;
    float background;
    /* Elastic only (all NULL otherwise). */
    int r;                      /* kernel radius, ceil(3 sigma) */
    int stride;                 /* w rounded up to BLOCK */
    float *k;                   /* r + 1 taps of the normalised Gaussian,
                                   k[0] the centre */
    float *ka;                  /* the same times alpha */
    float *noise[2];            /* x and y noise: h + 2r rows of stride
                                   floats, the noise in rows r .. r+h-1,
                                   columns 0 .. w-1; zero elsewhere */
    float *mid;                 /* h rows of r + stride + r floats: the
                                   column-smoothed noise from column r on,
                                   zero in the r columns on either side */
    float *row;                 /* stride floats: one row-smoothed row */
    float *fx, *fy;             /* w * h displacements, for nn_warp */
    float *pen;                 /* stroke only: w * h, the re-inked image */
};

void nn_augmenter_free(nn_augmenter *g)
{
    if (!g)
        return;
    free(g->k);
    free(g->ka);
    free(g->noise[0]);
    free(g->noise[1]);
    free(g->mid);
    free(g->row);
    free(g->fx);
    free(g->fy);
    free(g->pen);
    free(g);
}

/* NN_OK if magnitude v (named name) is finite and in [0, max], else
 * NN_EINVAL with why. */
static int check_range(const char *name, float v, double max, char *why,
                       size_t whylen)
{
    if (!isfinite(v))
        return nn_why(why, whylen, NN_EINVAL,
                      "augmentation: %s is not a finite number", name);
    if (v < 0)
        return nn_why(why, whylen, NN_EINVAL,
                      "augmentation: %s must not be negative (got %g)", name,
                      v);
    if (v > max)
        return nn_why(why, whylen, NN_EINVAL,
                      "augmentation: %s %g is more than %g", name, v, max);
    return NN_OK;
}

/* The shape, background and the magnitudes of the kinds in use (those of a
 * kind not asked for are not looked at). */
static int check_opts(const nn_augment *a, int w, int h, float background,
                      char *why, size_t whylen)
{
    int err;

    if (a->kinds & ~(NN_AUG_AFFINE | NN_AUG_ELASTIC | NN_AUG_STROKE))
        return nn_why(why, whylen, NN_EINVAL,
                      "augmentation: unknown kinds %d", a->kinds);
    if (w < 1 || h < 1)
        return nn_why(why, whylen, NN_EINVAL,
                      "augmentation: image of %d x %d pixels", w, h);
    if (w > NN_MAX_DIM / h)
        return nn_why(why, whylen, NN_EINVAL,
                      "augmentation: image of %d x %d pixels, more than %d",
                      w, h, NN_MAX_DIM);
    if (!isfinite(background))
        return nn_why(why, whylen, NN_EINVAL,
                      "augmentation: background is not a finite number");
    if (a->kinds & NN_AUG_AFFINE) {
        int side = w < h ? w : h;
        if ((err = check_range("shift", a->shift, side, why, whylen)) ||
            (err = check_range("rotate", a->rotate, 180, why, whylen)) ||
            (err = check_range("scale", a->scale, 1, why, whylen)) ||
            (err = check_range("shear", a->shear, 1, why, whylen)))
            return err;
        if (a->scale >= 1)
            return nn_why(why, whylen, NN_EINVAL,
                          "augmentation: scale must be below 1 (got %g)",
                          a->scale);
    }
    if ((a->kinds & NN_AUG_STROKE) &&
        (err = check_range("stroke", a->stroke, 1, why, whylen)))
        return err;
    if (a->kinds & NN_AUG_ELASTIC) {
        if ((err = check_range("alpha", a->alpha, 1000, why, whylen)) ||
            (err = check_range("sigma", a->sigma, 100, why, whylen)))
            return err;
        if (!(a->sigma > 0))
            return nn_why(why, whylen, NN_EINVAL,
                          "augmentation: sigma must be above 0");
    }
    return NN_OK;
}

/* The elastic kind's kernel and scratch. */
static int elastic_alloc(nn_augmenter *g)
{
    int r = (int)ceil(3.0 * g->a.sigma), w = g->w, h = g->h;
    size_t stride = ((size_t)w + BLOCK - 1) / BLOCK * BLOCK;
    double sum = 0;

    g->r = r;
    g->stride = (int)stride;
    g->k = malloc((r + 1) * sizeof *g->k);
    g->ka = malloc((r + 1) * sizeof *g->ka);
    g->noise[0] = calloc(((size_t)h + 2 * r) * stride, sizeof(float));
    g->noise[1] = calloc(((size_t)h + 2 * r) * stride, sizeof(float));
    g->mid = calloc((size_t)h * (stride + 2 * r), sizeof *g->mid);
    g->row = malloc(stride * sizeof *g->row);
    g->fx = malloc((size_t)w * h * sizeof *g->fx);
    g->fy = malloc((size_t)w * h * sizeof *g->fy);
    if (!g->k || !g->ka || !g->noise[0] || !g->noise[1] || !g->mid ||
        !g->row || !g->fx || !g->fy)
        return NN_ENOMEM;
    for (int j = 0; j <= r; j++) {
        double v = exp(-(double)j * j / (2.0 * g->a.sigma * g->a.sigma));
        sum += j ? 2 * v : v;
    }
    for (int j = 0; j <= r; j++) {
        double v = exp(-(double)j * j / (2.0 * g->a.sigma * g->a.sigma)) / sum;
        g->k[j] = (float)v;
        g->ka[j] = (float)(v * g->a.alpha);
    }
    return NN_OK;
}

int nn_augmenter_new(nn_augmenter **out, const nn_augment *a, int width,
                     int height, float background, char *why, size_t whylen)
{
    nn_augmenter *g;
    int err;

    if (!out || !a)
        return nn_why(why, whylen, NN_EINVAL, "augmentation: no options");
    *out = NULL;
    if ((err = check_opts(a, width, height, background, why, whylen)))
        return err;
    if (!(g = calloc(1, sizeof *g)))
        return NN_ENOMEM;
    g->a = *a;
    g->w = width;
    g->h = height;
    g->background = background;
    if (((a->kinds & NN_AUG_ELASTIC) && (err = elastic_alloc(g))) ||
        ((a->kinds & NN_AUG_STROKE) &&
         !(g->pen = malloc((size_t)width * height * sizeof *g->pen)))) {
        err = NN_ENOMEM;
        nn_augmenter_free(g);
        return nn_why(why, whylen, err, "augmentation: out of memory");
    }
    *out = g;
    return NN_OK;
}

/* Bilinear sample of src (w x h) whose top-left neighbour is (x0, y0), at
 * fractions fx, fy, where some of the four neighbours may be outside the
 * picture: those read bg. */
static float sample_border(const float *src, int w, int h, int x0, int y0,
                           float fx, float fy, float bg)
{
    int x1 = x0 + 1, y1 = y0 + 1;
    int in_x0 = x0 >= 0 && x0 < w, in_x1 = x1 >= 0 && x1 < w;
    int in_y0 = y0 >= 0 && y0 < h, in_y1 = y1 >= 0 && y1 < h;
    float p00 = in_y0 && in_x0 ? src[(size_t)y0 * w + x0] : bg;
    float p01 = in_y0 && in_x1 ? src[(size_t)y0 * w + x1] : bg;
    float p10 = in_y1 && in_x0 ? src[(size_t)y1 * w + x0] : bg;
    float p11 = in_y1 && in_x1 ? src[(size_t)y1 * w + x1] : bg;
    float top = p00 + fx * (p01 - p00), bot = p10 + fx * (p11 - p10);

    return top + fy * (bot - top);
}

/* nn_warp works on a row in pieces of CHUNK pixels, in two steps: where
 * each pixel reads from (the floor and fraction of its point), then the
 * four neighbours and the interpolation.  The first step always does all
 * CHUNK lanes (past the row's end too, on values that are then dropped), a
 * loop of a fixed count that the compiler turns into vector code; the
 * second, a gather, is scalar.  (CHUNK is above 16 so that gcc -O3 does
 * not unroll the first step completely, which it then vectorises badly.) */
enum { CHUNK = 32 };

NN_CLONES
void nn_warp(float *dst, const float *src, int w, int h, const float A[6],
             const float *dx, const float *dy, float background)
{
    float cx = (float)(w - 1) * 0.5f, cy = (float)(h - 1) * 0.5f;
    float a0 = A[0], a1 = A[1], a2 = A[2], a3 = A[3], a4 = A[4], a5 = A[5];
    float xmax = (float)w + 3.0f, ymax = (float)h + 3.0f;
    float fx[CHUNK], fy[CHUNK];
    int ix[CHUNK], iy[CHUNK];

    for (int y = 0; y < h; y++) {
        float ry = (float)y - cy;
        float bx = a1 * ry + cx + a2, by = a4 * ry + cy + a5;
        for (int x0 = 0; x0 < w; x0 += CHUNK) {
            size_t i = (size_t)y * w + x0;
            int n = w - x0 < CHUNK ? w - x0 : CHUNK;
            /* The point read, plus 2, clamped to [0, w + 3] x [0, h + 3]
             * (every neighbour is outside the picture there already),
             * so that the conversion to int is defined (a NaN becomes 0)
             * and truncates towards floor; then ix = floor - 2. */
            for (int l = 0; l < CHUNK; l++) {
                float rx = (float)(x0 + l) - cx;
                fx[l] = a0 * rx + bx + 2.0f;
                fy[l] = a3 * rx + by + 2.0f;
            }
            if (dx)
                for (int l = 0; l < n; l++)
                    fx[l] += dx[i + l];
            if (dy)
                for (int l = 0; l < n; l++)
                    fy[l] += dy[i + l];
            for (int l = 0; l < CHUNK; l++) {
                float px = fx[l] > 0.0f ? fx[l] : 0.0f;
                float py = fy[l] > 0.0f ? fy[l] : 0.0f;
                px = px < xmax ? px : xmax;
                py = py < ymax ? py : ymax;
                ix[l] = (int)px;
                iy[l] = (int)py;
                fx[l] = px - (float)ix[l];
                fy[l] = py - (float)iy[l];
                ix[l] -= 2;
                iy[l] -= 2;
            }
            for (int l = 0; l < n; l++) {
                int x = ix[l], yy = iy[l];
                float top, bot;
                const float *p;
                if ((unsigned)x >= (unsigned)(w - 1) ||
                    (unsigned)yy >= (unsigned)(h - 1)) {
                    dst[i + l] = sample_border(src, w, h, x, yy, fx[l], fy[l],
                                               background);
                    continue;
                }
                p = src + (size_t)yy * w + x;
                top = p[0] + fx[l] * (p[1] - p[0]);
                bot = p[w] + fx[l] * (p[w + 1] - p[w]);
                dst[i + l] = top + fy[l] * (bot - top);
            }
        }
    }
}

/* The inverse of the random affine transform: 6 draws from rng. */
static void draw_affine(const nn_augment *a, nn_rng *rng, float A[6])
{
    double tx = a->shift * (2 * nn_rng_uniform(rng) - 1);
    double ty = a->shift * (2 * nn_rng_uniform(rng) - 1);
    double angle = a->rotate * (2 * nn_rng_uniform(rng) - 1);
    double sx = 1 + a->scale * (2 * nn_rng_uniform(rng) - 1);
    double sy = 1 + a->scale * (2 * nn_rng_uniform(rng) - 1);
    double k = a->shear * (2 * nn_rng_uniform(rng) - 1);
    double t = angle * DEGREE;
    double c = cos(t), s = sin(t);
    /* M^-1 = S^-1 H^-1 R^-1, H^-1 = [1 -k; 0 1], R^-1 = [c s; -s c]. */
    double m00 = (c + k * s) / sx, m01 = (s - k * c) / sx;
    double m10 = -s / sy, m11 = c / sy;

    A[0] = (float)m00;
    A[1] = (float)m01;
    A[2] = (float)-(m00 * tx + m01 * ty);
    A[3] = (float)m10;
    A[4] = (float)m11;
    A[5] = (float)-(m10 * tx + m11 * ty);
}

/* Column pass: mid row y (from column r) = sum over j of k[|j|] times noise
 * row y + j, j = -r .. r, over whole padded rows of n floats (zero beyond
 * the picture). */
NN_CLONES
static void smooth_columns(float *restrict mid, const float *restrict noise,
                           const float *k, int r, int h, int n)
{
    int mstride = n + 2 * r;

    for (int y = 0; y < h; y++) {
        const float *c = noise + (size_t)(y + r) * n;
        float *o = mid + (size_t)y * mstride + r;
        for (int x = 0; x < n; x++)
            o[x] = k[0] * c[x];
        for (int j = 1; j <= r; j++) {
            const float *up = c - (size_t)j * n, *down = c + (size_t)j * n;
            for (int x = 0; x < n; x++)
                o[x] += k[j] * (up[x] + down[x]);
        }
    }
}

/* Row pass of one row: out[x] = sum over j of k[|j|] in[x + j], j = -r ..
 * r, x < n, where in has r zeros before it and r after its n floats. */
NN_CLONES
static void smooth_row(float *restrict out, const float *restrict in,
                       const float *k, int r, int n)
{
    for (int x = 0; x < n; x++)
        out[x] = k[0] * in[x];
    for (int j = 1; j <= r; j++) {
        const float *left = in - j, *right = in + j;
        for (int x = 0; x < n; x++)
            out[x] += k[j] * (left[x] + right[x]);
    }
}

/* The x and y noise: w * h draws from rng (see the top of the file). */
static void draw_noise(nn_augmenter *g, nn_rng *rng)
{
    int w = g->w, r = g->r, stride = g->stride;

    for (int y = 0; y < g->h; y++) {
        float *nx = g->noise[0] + (size_t)(y + r) * stride;
        float *ny = g->noise[1] + (size_t)(y + r) * stride;
        for (int x = 0; x < w; x++) {
            uint64_t b = nn_rng_next(rng);
            nx[x] = (float)(b >> 40) * 0x1p-23f - 1.0f;
            ny[x] = (float)((b >> 16) & 0xffffff) * 0x1p-23f - 1.0f;
        }
    }
}

/* Displacement field f (w * h floats) from noise: smoothed, times alpha. */
static void smooth(nn_augmenter *g, float *f, const float *noise)
{
    int w = g->w, r = g->r;
    int n = g->stride & ~(BLOCK - 1);   /* = stride, a multiple of BLOCK */

    smooth_columns(g->mid, noise, g->k, r, g->h, n);
    for (int y = 0; y < g->h; y++) {
        smooth_row(g->row, g->mid + (size_t)y * (n + 2 * r) + r, g->ka, r, n);
        memcpy(f + (size_t)y * w, g->row, w * sizeof *f);
    }
}

/* pen = src moved u of the way to its grey dilation (u > 0, ink high:
 * strokes grow by up to a pixel on each side) or erosion (u < 0) by the
 * 3x3 cross; outside the picture is bg. */
static void restroke(float *pen, const float *src, int w, int h, float u,
                     float bg)
{
    float a = fabsf(u);

    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float v = src[(size_t)y * w + x], m = v;
            float nb[4] = { x > 0 ? src[(size_t)y * w + x - 1] : bg,
                            x < w - 1 ? src[(size_t)y * w + x + 1] : bg,
                            y > 0 ? src[(size_t)(y - 1) * w + x] : bg,
                            y < h - 1 ? src[(size_t)(y + 1) * w + x] : bg };
            for (int i = 0; i < 4; i++)
                m = u > 0 ? fmaxf(m, nb[i]) : fminf(m, nb[i]);
            pen[(size_t)y * w + x] = v + a * (m - v);
        }
}

void nn_augmenter_apply(nn_augmenter *g, float *dst, const float *src,
                        nn_rng *rng)
{
    float A[6] = { 1, 0, 0, 0, 1, 0 };
    int elastic = g->a.kinds & NN_AUG_ELASTIC;

    if (!g->a.kinds) {
        memcpy(dst, src, (size_t)g->w * g->h * sizeof *dst);
        return;
    }
    if (g->a.kinds & NN_AUG_STROKE) {
        float u = g->a.stroke * (float)(2 * nn_rng_uniform(rng) - 1);
        restroke(g->pen, src, g->w, g->h, u, g->background);
        src = g->pen;
    }
    if (g->a.kinds & NN_AUG_AFFINE)
        draw_affine(&g->a, rng, A);
    if (elastic) {
        draw_noise(g, rng);
        smooth(g, g->fx, g->noise[0]);
        smooth(g, g->fy, g->noise[1]);
    }
    nn_warp(dst, src, g->w, g->h, A, elastic ? g->fx : NULL,
            elastic ? g->fy : NULL, g->background);
}

/* The views of nn_predict_views (lib/eval.c), in order: the image, turned
 * VIEW_TURN degrees anticlockwise and clockwise, scaled by 1 -+ VIEW_SCALE.
 * Small next to the training's distortions (nn_augment_default), so that
 * every view is a digit the network has learnt to read. */
#define VIEW_TURN 8.0
#define VIEW_SCALE 0.1

void nn_view_map(int v, float A[6])
{
    double t = (v == 1 ? -VIEW_TURN : v == 2 ? VIEW_TURN : 0) * DEGREE;
    double s = v == 3 ? 1 - VIEW_SCALE : v == 4 ? 1 + VIEW_SCALE : 1;

    /* A reads each output pixel from the source: the inverse turn and
     * scale about the centre. */
    A[0] = (float)(cos(t) / s);
    A[1] = (float)(sin(t) / s);
    A[2] = 0;
    A[3] = (float)(-sin(t) / s);
    A[4] = (float)(cos(t) / s);
    A[5] = 0;
}
