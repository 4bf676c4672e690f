/* photoset - nnpipe's own stress set of "photographed" digits, to measure
 * preprocessing and models on what real photos vary in (make photoset).
 *
 *     photoset [-s SEED] [-r FIRST:COUNT] IMAGES LABELS DIR [PER-KIND]
 *
 * writes DIR/NNNN_dD.jpg and DIR/labels.tsv (the columns of
 * ../shared/data/photos/labels.tsv, so data/photos.sh reads both).  Each
 * picture is a digit drawn as ink on paper and photographed: half are MNIST
 * digits of IMAGES (COUNT of them from index FIRST; all by default; upscaled,
 * their grey levels turned into a pen's edge), half are drawn from our own
 * strokes in styles MNIST rarely holds (a 1 with a flag and a base, a
 * closed-top 4, a crossed 7, a 9 with a straight tail, ...).  Every picture has paper, grain, a little
 * uneven light and JPEG; its kind names the one thing pushed hard:
 *   clean    little of anything;          light    strong gradient, shadow;
 *   texture  paper texture, ruled lines;  blur     out of focus;
 *   persp    perspective and rotation;    inverse  light ink on dark board;
 *   thick    marker or charcoal strokes;  thin     a fine pen;
 *   lowcon   faint pencil;                small    24 to 48 pixels a side;
 *   jpeg     JPEG quality 8 to 25;         dim      dark ink on paper in dim
 *                                                  light (paper below mid-grey).
 * With --numbers, each picture is instead a number of 2 to 6 digits written
 * on one line (the same digits, hands and kinds; some digits touch), named
 * NNNN_nNUMBER.jpg, and labels.tsv has the columns file, number, kind,
 * notes (make numbers; SEED is 18 unless given):
 *
 *     photoset --numbers [-s SEED] [-r FIRST:COUNT] IMAGES LABELS DIR [PER-KIND]
 *
 * With --pieces, COUNT pictures instead, half of one MNIST digit and half
 * of two written touching, each photographed as one of the kinds and read
 * as img2vec reads a digit, go as labelled vectors (0 one digit, 1 two) to
 * FILE, in the binary form: what lib/pair.c's judge learns from (make
 * pair-model):
 *
 *     photoset --pieces [-s SEED] [-r FIRST:COUNT] IMAGES LABELS FILE COUNT
 *
 * With --digits, the same but every picture is one MNIST digit, labelled
 * with that digit: MNIST's hands as our pipeline reads them from photos,
 * never our own pen styles (which the test sets draw), to train on.
 *
 * Deterministic: everything comes from one nn_rng seeded with SEED [17], so
 * the same inputs give the same files.  make photoset draws MNIST *test*
 * digits with seed 17 (the stress set, never trained or tuned on); make
 * photoset-dev draws the last 10000 *training* digits (the --holdout
 * validation split that make demo's model does not train on) with seed 18:
 * the set to tune on.  Written in C over libnn (its IDX reader and
 * rng) and TurboJPEG, as examples/render-digits.c is: no other dependency.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>
#include <unistd.h>

#include "nn.h"

enum { FIELD = 224 };           /* side of the ink field of one digit */
#define PI 3.14159265f

static const char *const kinds[] = {
    "clean", "light", "texture", "blur", "persp", "inverse", "thick", "thin",
    "lowcon", "small", "jpeg", "dim",
};
enum { CLEAN, LIGHT, TEXTURE, BLUR, PERSP, INVERSE, THICK, THIN, LOWCON,
       SMALL, JPEG, DIM, NKIND };

static float uni(nn_rng *r, float lo, float hi)
{
    return lo + (hi - lo) * (float)nn_rng_uniform(r);
}

/* ---- Our own digits: pen strokes in a unit box (x right, y down). ---- */

/* A stroke is a polyline (n points) or, when n == 0, an elliptic arc:
 * centre (e[0], e[1]), radii (e[2], e[3]), from angle e[4] to e[5] degrees
 * (0 at the right, 90 at the bottom). */
struct stroke {
    int n;
    float p[4][2];
    float e[6];
};
struct style {
    int digit;
    const char *name;
    int n;
    struct stroke s[3];
};

#define ARC(cx, cy, rx, ry, a0, a1) { 0, { { 0 } }, { cx, cy, rx, ry, a0, a1 } }
static const struct style styles[] = {
    { 0, "oval", 1, { ARC(.5f, .5f, .3f, .47f, -90, 275) } },
    { 0, "round", 1, { ARC(.5f, .5f, .42f, .46f, -100, 265) } },
    { 1, "flag-base", 2, { { 3, { { .2f, .32f }, { .55f, .03f }, { .55f, .97f } }, { 0 } },
                           { 2, { { .28f, .97f }, { .82f, .97f } }, { 0 } } } },
    { 1, "flag", 1, { { 3, { { .15f, .38f }, { .6f, .03f }, { .52f, .97f } }, { 0 } } } },
    { 1, "stick", 1, { { 2, { { .55f, .03f }, { .45f, .97f } }, { 0 } } } },
    { 2, "plain", 2, { ARC(.5f, .3f, .32f, .26f, 190, 385),
                       { 3, { { .8f, .4f }, { .15f, .95f }, { .88f, .95f } }, { 0 } } } },
    { 3, "round", 2, { ARC(.48f, .27f, .3f, .23f, 200, 450),
                       ARC(.48f, .73f, .34f, .25f, 270, 500) } },
    { 3, "flat-top", 2, { { 3, { { .15f, .05f }, { .8f, .05f }, { .42f, .42f } }, { 0 } },
                          ARC(.48f, .7f, .34f, .28f, 250, 500) } },
    { 4, "closed", 2, { { 3, { { .62f, .03f }, { .12f, .64f }, { .9f, .64f } }, { 0 } },
                        { 2, { { .62f, .03f }, { .62f, .98f } }, { 0 } } } },
    { 4, "open", 2, { { 3, { { .25f, .03f }, { .2f, .55f }, { .86f, .55f } }, { 0 } },
                      { 2, { { .66f, .2f }, { .66f, .98f } }, { 0 } } } },
    { 5, "plain", 2, { { 3, { { .8f, .05f }, { .3f, .05f }, { .26f, .46f } }, { 0 } },
                       ARC(.5f, .68f, .33f, .29f, 215, 500) } },
    { 6, "loop", 2, { { 2, { { .72f, .04f }, { .28f, .6f } }, { 0 } },
                      ARC(.5f, .73f, .25f, .24f, 180, 545) } },
    { 7, "crossed", 2, { { 3, { { .12f, .06f }, { .86f, .05f }, { .42f, .97f } }, { 0 } },
                         { 2, { { .36f, .5f }, { .8f, .5f } }, { 0 } } } },
    { 7, "hook", 1, { { 4, { { .12f, .2f }, { .2f, .06f }, { .86f, .05f },
                             { .5f, .97f } }, { 0 } } } },
    { 8, "loops", 2, { ARC(.5f, .27f, .24f, .22f, 0, 360),
                       ARC(.5f, .73f, .3f, .26f, 0, 360) } },
    { 9, "straight-tail", 2, { ARC(.48f, .3f, .28f, .26f, 0, 360),
                               { 2, { { .76f, .3f }, { .72f, .98f } }, { 0 } } } },
    { 9, "thin-tail", 2, { ARC(.5f, .28f, .27f, .24f, -10, 360),
                           { 2, { { .77f, .3f }, { .5f, .98f } }, { 0 } } } },
};
enum { NSTYLE = sizeof styles / sizeof styles[0] };

/* Squared distance from (x, y) to segment a-b. */
static float seg_d2(float x, float y, float ax, float ay, float bx, float by)
{
    float dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
    float t = l2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    dx = ax + t * dx - x;
    dy = ay + t * dy - y;
    return dx * dx + dy * dy;
}

/* The style's strokes as segments in field pixels, slanted by k (x += k *
 * (0.5 - y)) and narrowed to digit proportions; returns the count. */
static int segments(const struct style *st, float k, float (*seg)[4], int cap)
{
    int n = 0;
    for (int i = 0; i < st->n; i++) {
        const struct stroke *s = &st->s[i];
        float pt[64][2];
        int np = 0;
        if (s->n > 0)
            for (; np < s->n; np++) {
                pt[np][0] = s->p[np][0];
                pt[np][1] = s->p[np][1];
            }
        else
            for (; np < 48; np++) {
                float a = (s->e[4] + (s->e[5] - s->e[4]) * np / 47.0f) *
                          PI / 180;
                pt[np][0] = s->e[0] + s->e[2] * cosf(a);
                pt[np][1] = s->e[1] + s->e[3] * sinf(a);
            }
        for (int j = 0; j < np; j++) {
            float y = pt[j][1];
            pt[j][0] = 0.5f + (pt[j][0] - 0.5f) * 0.75f + k * (0.5f - y);
            pt[j][0] = (0.1f + 0.8f * pt[j][0]) * FIELD;
            pt[j][1] = (0.1f + 0.8f * y) * FIELD;
        }
        for (int j = 1; j < np && n < cap; j++, n++) {
            seg[n][0] = pt[j - 1][0];
            seg[n][1] = pt[j - 1][1];
            seg[n][2] = pt[j][0];
            seg[n][3] = pt[j][1];
        }
    }
    return n;
}

/* Ink coverage of a pen of radius r (field pixels) along the style. */
static void draw_style(float *field, const struct style *st, float k, float r)
{
    float seg[256][4];
    int n = segments(st, k, seg, 256);
    for (int y = 0; y < FIELD; y++)
        for (int x = 0; x < FIELD; x++) {
            float best = 1e30f;
            for (int i = 0; i < n; i++) {
                float d2 = seg_d2(x + .5f, y + .5f, seg[i][0], seg[i][1],
                                  seg[i][2], seg[i][3]);
                best = d2 < best ? d2 : best;
            }
            float d = sqrtf(best) - r;
            field[y * FIELD + x] = d <= -.5f ? 1 : d >= .5f ? 0 : .5f - d;
        }
}

/* An MNIST digit (28x28 bytes) as ink: upscaled bilinearly into the
 * field's central 20/28, its grey level cut at level t with a pen-like
 * edge (lower t: thicker strokes), then grown by a disk of radius grow. */
static int draw_mnist(float *field, const uint8_t *img, float t, int grow)
{
    float s = 28.0f / FIELD;
    for (int y = 0; y < FIELD; y++)
        for (int x = 0; x < FIELD; x++) {
            float u = (x + .5f) * s - .5f, v = (y + .5f) * s - .5f;
            int x0 = (int)floorf(u), y0 = (int)floorf(v);
            float fx = u - x0, fy = v - y0, g = 0;
            for (int j = 0; j < 2; j++)
                for (int i = 0; i < 2; i++) {
                    int xx = x0 + i, yy = y0 + j;
                    float w = (i ? fx : 1 - fx) * (j ? fy : 1 - fy);
                    if (xx >= 0 && yy >= 0 && xx < 28 && yy < 28)
                        g += w * img[yy * 28 + xx] / 255.0f;
                }
            float a = (g - t) * 8 + .5f;
            field[y * FIELD + x] = a < 0 ? 0 : a > 1 ? 1 : a;
        }
    if (grow <= 0)
        return 0;
    float *src = malloc(sizeof *src * FIELD * FIELD);
    if (!src)
        return -1;
    memcpy(src, field, sizeof *src * FIELD * FIELD);
    for (int y = 0; y < FIELD; y++)
        for (int x = 0; x < FIELD; x++) {
            float m = 0;
            for (int dy = -grow; dy <= grow; dy++)
                for (int dx = -grow; dx <= grow; dx++) {
                    int xx = x + dx, yy = y + dy;
                    if (dx * dx + dy * dy <= grow * grow && xx >= 0 &&
                        yy >= 0 && xx < FIELD && yy < FIELD &&
                        src[yy * FIELD + xx] > m)
                        m = src[yy * FIELD + xx];
                }
            field[y * FIELD + x] = m;
        }
    free(src);
    return 0;
}

/* ---- The photograph. ---- */

/* Smooth noise in about [-1, 1]: bilinear between random values on a
 * grid of cells of the given size (a few octaves make paper texture). */
static void value_noise(float *out, int w, int h, float cell, float amp,
                        nn_rng *r)
{
    int gw = (int)(w / cell) + 2, gh = (int)(h / cell) + 2;
    float *g = malloc(sizeof *g * gw * gh);
    if (!g)
        return;
    for (int i = 0; i < gw * gh; i++)
        g[i] = uni(r, -1, 1);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float u = x / cell, v = y / cell;
            int i = (int)u, j = (int)v;
            float fx = u - i, fy = v - j;
            out[y * w + x] += amp * ((1 - fy) * ((1 - fx) * g[j * gw + i] +
                                                 fx * g[j * gw + i + 1]) +
                                     fy * ((1 - fx) * g[(j + 1) * gw + i] +
                                           fx * g[(j + 1) * gw + i + 1]));
        }
    free(g);
}

/* Gaussian blur of standard deviation sigma, separable, clamped edges. */
static void blur(float *img, int w, int h, float sigma)
{
    int r = (int)ceilf(3 * sigma);
    float k[64], sum = 0, *tmp;
    if (sigma < 0.3f || r > 63 || !(tmp = malloc(sizeof *tmp * w * h)))
        return;
    for (int i = 0; i <= r; i++)
        sum += (k[i] = expf(-i * i / (2 * sigma * sigma))) * (i ? 2 : 1);
    for (int i = 0; i <= r; i++)
        k[i] /= sum;
    for (int pass = 0; pass < 2; pass++) {
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                float s = 0;
                for (int i = -r; i <= r; i++) {
                    int xx = pass ? x : x + i, yy = pass ? y + i : y;
                    xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
                    yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
                    s += k[i < 0 ? -i : i] * img[yy * w + xx];
                }
                tmp[y * w + x] = s;
            }
        memcpy(img, tmp, sizeof *tmp * w * h);
    }
    free(tmp);
}

/* The homography taking the unit square's corners to q[4][2] (clockwise
 * from top left), inverted: H maps a picture point to field coordinates
 * in [0,1]^2.  Solved as in Heckbert's "Fundamentals of texture mapping". */
static void square_to_quad(float q[4][2], double m[9])
{
    double x0 = q[0][0], y0 = q[0][1], x1 = q[1][0], y1 = q[1][1];
    double x2 = q[2][0], y2 = q[2][1], x3 = q[3][0], y3 = q[3][1];
    double sx = x0 - x1 + x2 - x3, sy = y0 - y1 + y2 - y3;
    double dx1 = x1 - x2, dx2 = x3 - x2, dy1 = y1 - y2, dy2 = y3 - y2;
    double den = dx1 * dy2 - dx2 * dy1;
    double g = (sx * dy2 - dx2 * sy) / den, h = (dx1 * sy - sx * dy1) / den;
    double f[9] = { x1 - x0 + g * x1, x3 - x0 + h * x3, x0,
                    y1 - y0 + g * y1, y3 - y0 + h * y3, y0, g, h, 1 };
    /* Adjugate: the inverse up to a scale, which a homography ignores. */
    m[0] = f[4] * f[8] - f[5] * f[7];
    m[1] = f[2] * f[7] - f[1] * f[8];
    m[2] = f[1] * f[5] - f[2] * f[4];
    m[3] = f[5] * f[6] - f[3] * f[8];
    m[4] = f[0] * f[8] - f[2] * f[6];
    m[5] = f[2] * f[3] - f[0] * f[5];
    m[6] = f[3] * f[7] - f[4] * f[6];
    m[7] = f[1] * f[6] - f[0] * f[7];
    m[8] = f[0] * f[4] - f[1] * f[3];
}

/* The field (fw x FIELD pixels) at (u, v) in [0,1]^2, bilinear. */
static float field_at(const float *field, int fw, double u, double v)
{
    double x = u * fw - .5, y = v * FIELD - .5;
    int x0 = (int)floor(x), y0 = (int)floor(y);
    double fx = x - x0, fy = y - y0, s = 0;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 2; i++) {
            int xx = x0 + i, yy = y0 + j;
            if (xx >= 0 && yy >= 0 && xx < fw && yy < FIELD)
                s += (i ? fx : 1 - fx) * (j ? fy : 1 - fy) *
                     field[yy * fw + xx];
        }
    return (float)s;
}

/* Area-average src (sw x sh) down to dst (dw x dh), whole pixels. */
static void shrink(const float *src, int sw, int sh, float *dst, int dw, int dh)
{
    for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++) {
            int xa = x * sw / dw, xb = (x + 1) * sw / dw;
            int ya = y * sh / dh, yb = (y + 1) * sh / dh;
            double s = 0;
            for (int yy = ya; yy < yb; yy++)
                for (int xx = xa; xx < xb; xx++)
                    s += src[yy * sw + xx];
            dst[y * dw + x] = (float)(s / ((xb - xa) * (yb - ya)));
        }
}

/* The picture (rgb: w x h x 3, in [0, 1]) as a JPEG of the given quality
 * into *jpeg (*size bytes; tjFree it).  0, or -1 with a message. */
static int encode(const float *rgb, int w, int h, int quality,
                  unsigned char **jpeg, unsigned long *size)
{
    unsigned char *px = malloc((size_t)w * h * 3);
    tjhandle tj = tjInitCompress();
    int ok = px && tj;

    for (long i = 0; ok && i < (long)w * h * 3; i++) {
        float v = rgb[i] * 255 + .5f;
        px[i] = v < 0 ? 0 : v > 255 ? 255 : (unsigned char)v;
    }
    if (ok && tjCompress2(tj, px, w, 0, h, TJPF_RGB, jpeg, size, TJSAMP_420,
                          quality, 0) != 0) {
        fprintf(stderr, "photoset: %s\n", tjGetErrorStr2(tj));
        ok = 0;
    }
    free(px);
    if (tj)
        tjDestroy(tj);
    return ok ? 0 : -1;
}

/* The picture as a JPEG file at path (through path.tmp). */
static int write_jpeg(const char *path, const float *rgb, int w, int h,
                      int quality)
{
    unsigned char *jpeg = NULL;
    unsigned long size = 0;
    char tmp[4200];
    int ok = encode(rgb, w, h, quality, &jpeg, &size) == 0;
    FILE *fp;

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (ok) {
        ok = (fp = fopen(tmp, "wb")) && fwrite(jpeg, 1, size, fp) == size;
        if (fp && fclose(fp) != 0)
            ok = 0;
        if (!ok || rename(tmp, path) != 0) {
            fprintf(stderr, "photoset: %s: %s\n", path, strerror(errno));
            remove(tmp);
            ok = 0;
        }
    }
    tjFree(jpeg);
    return ok ? 0 : -1;
}

/* The picture as the grey levels of its JPEG (what img2vec would read from
 * the file) into gray (w x h bytes). */
static int jpeg_gray(const float *rgb, int w, int h, int quality,
                     unsigned char *gray)
{
    unsigned char *jpeg = NULL;
    unsigned long size = 0;
    tjhandle tj = NULL;
    int ok = encode(rgb, w, h, quality, &jpeg, &size) == 0 &&
             (tj = tjInitDecompress()) &&
             tjDecompress2(tj, jpeg, size, gray, w, 0, h, TJPF_GRAY, 0) == 0;

    if (!ok)
        fprintf(stderr, "photoset: %s\n", tj ? tjGetErrorStr2(tj) : "out of memory");
    tjFree(jpeg);
    if (tj)
        tjDestroy(tj);
    return ok ? 0 : -1;
}

/* A picture's grey levels, w x h bytes. */
struct gray { unsigned char *px; int w, h; };

/* One picture of kind k of the ink field (fw x FIELD pixels) into path, or
 * (path NULL) its grey levels into *g (g->px for the caller to free); a
 * field a times as wide as high makes a picture a times as wide. */
static int photograph(const float *field, int fw, int k, nn_rng *r,
                      const char *path, struct gray *g)
{
    float asp = (float)fw / FIELD;
    int w0 = (int)uni(r, 240, 520), h = (int)(w0 * uni(r, 0.8f, 1.3f));
    int w = (int)(w0 * asp);
    float *lum = calloc((size_t)w * h, sizeof *lum);
    float *tex = calloc((size_t)w * h, sizeof *tex), *rgb = NULL;
    float q[4][2], side = uni(r, 0.45f, 0.75f) * (w0 < h ? w0 : h);
    float cx = w * uni(r, .4f, .6f), cy = h * uni(r, .4f, .6f);
    float rot = uni(r, -8, 8) * PI / 180 / asp, jit = .03f * side;
    double m[9];
    int err = -1, quality = (int)uni(r, 70, 95), ow = w, oh = h;

    if (!lum || !tex)
        goto done;
    if (k == PERSP) {
        rot = uni(r, -25, 25) * PI / 180 / asp;
        jit = .18f * side;
    }
    for (int i = 0; i < 4; i++) {       /* corners, clockwise from top left */
        float u = (i == 1 || i == 2 ? .5f : -.5f) * side * asp;
        float v = (i >= 2 ? .5f : -.5f) * side;
        q[i][0] = cx + cosf(rot) * u - sinf(rot) * v + uni(r, -jit, jit);
        q[i][1] = cy + sinf(rot) * u + cosf(rot) * v + uni(r, -jit, jit);
    }
    square_to_quad(q, m);

    /* Paper and ink levels (luminance), the light over the sheet. */
    float paper = uni(r, .72f, .95f), ink = uni(r, .05f, .25f);
    if (k == LOWCON)
        ink = paper - uni(r, .1f, .22f);
    if (k == DIM) {
        paper = uni(r, .3f, .48f);
        ink = uni(r, .02f, .1f);
    }
    if (k == INVERSE) {
        paper = uni(r, .08f, .3f);
        ink = uni(r, .7f, .95f);
    }
    float grad = k == LIGHT ? uni(r, .35f, .6f) : uni(r, 0, .15f);
    float ga = uni(r, 0, 2 * PI);
    float shade = k == LIGHT ? uni(r, .25f, .45f) : 0;
    float sx0 = w * uni(r, .2f, .8f), sdir = uni(r, -.5f, .5f);
    float soft = uni(r, 4, 40);
    value_noise(tex, w, h, 40, k == TEXTURE ? .08f : .02f, r);
    value_noise(tex, w, h, 6, k == TEXTURE ? .05f : .015f, r);
    float rule0 = uni(r, 0, 30), gap = uni(r, 22, 40);
    int ruled = k == TEXTURE || nn_rng_uniform(r) < .15;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double d = m[6] * x + m[7] * y + m[8];
            double u = (m[0] * x + m[1] * y + m[2]) / d;
            double v = (m[3] * x + m[4] * y + m[5]) / d;
            float a = u >= 0 && u <= 1 && v >= 0 && v <= 1
                    ? field_at(field, fw, u, v) : 0;
            float p = paper + tex[y * w + x];
            if (ruled && fmodf(y - rule0 + 1000 * gap, gap) < 1.5f)
                p -= (paper - ink) * (k == TEXTURE ? .35f : .2f);
            float light = 1 - grad * (.5f + .5f * ((x - w / 2.0f) * cosf(ga) +
                                                   (y - h / 2.0f) * sinf(ga)) /
                                                  (.5f * (w + h)));
            if (shade > 0) {        /* a shadow's edge has a penumbra */
                float e = (x - sx0 - sdir * y) / soft + .5f;
                light *= 1 - shade * (e < 0 ? 0 : e > 1 ? 1 : e);
            }
            lum[y * w + x] = ((1 - a) * p + a * ink) * light;
        }
    blur(lum, w, h, k == BLUR ? uni(r, 2.5f, 5) * side / 300 : uni(r, .4f, 1));
    if (k == SMALL) {
        int s = (int)(uni(r, 24, 48) * asp);   /* each digit's size */
        ow = w >= h ? s : s * w / h;
        oh = w >= h ? s * h / w : s;
        float *big = lum;
        if (!(lum = malloc(sizeof *lum * ow * oh))) {
            lum = big;
            goto done;
        }
        shrink(big, w, h, lum, ow, oh);
        free(big);
    }
    if (k == JPEG)
        quality = (int)uni(r, 8, 25);
    if (!(rgb = malloc(sizeof *rgb * ow * oh * 3)))
        goto done;
    float tint[3] = { uni(r, .95f, 1.05f), 1, uni(r, .88f, 1.02f) };
    for (long i = 0; i < (long)ow * oh; i++) {
        float noise = (float)nn_rng_normal(r) * .015f;
        for (int c = 0; c < 3; c++)
            rgb[i * 3 + c] = lum[i] * tint[c] + noise;
    }
    if (path)
        err = write_jpeg(path, rgb, ow, oh, quality);
    else if ((g->px = malloc((size_t)ow * oh))) {
        g->w = ow;
        g->h = oh;
        err = jpeg_gray(rgb, ow, oh, quality, g->px);
    }
done:
    free(lum);
    free(tex);
    free(rgb);
    return err;
}

/* One digit of kind k into field (FIELD x FIELD): an MNIST test digit or
 * one of our styles; its source in notes.  Returns the digit, -1 when out
 * of memory. */
static int draw_digit(float *field, int k, int mnist, nn_rng *r,
                      const nn_idx *img, const nn_idx *lab, long first,
                      long count, char *notes, size_t len)
{
    if (mnist) {
        long j = first + nn_rng_below(r, (uint32_t)count);
        float t = k == THICK ? uni(r, .1f, .25f) : k == THIN
                ? uni(r, .7f, .85f) : uni(r, .35f, .6f);
        int grow = k == THICK ? (int)uni(r, 3, 9) : 0;
        if (draw_mnist(field, img->data + j * 784, t, grow))
            return -1;
        snprintf(notes, len, "MNIST image %ld", j);
        return lab->data[j];
    }
    const struct style *st = &styles[nn_rng_below(r, NSTYLE)];
    float pen = k == THICK ? uni(r, .06f, .1f) : k == THIN
              ? uni(r, .008f, .015f) : uni(r, .02f, .045f);
    draw_style(field, st, uni(r, -.1f, .35f), pen * FIELD);
    snprintf(notes, len, "style %s", st->name);
    return st->digit;
}

/* Tiles of digits (nd of FIELD x FIELD) into a new line lw wide, FIELD
 * high, tile d at (ox[d], oy[d]), the darker ink where they overlap; NULL
 * when out of memory. */
static float *lay_out(const float *tiles, int nd, const int *ox,
                      const int *oy, int lw)
{
    float *f = calloc((size_t)lw * FIELD, sizeof *f);

    for (int d = 0; f && d < nd; d++)
        for (int y = 0; y < FIELD; y++)
            for (int x = 0; x < FIELD; x++) {
                int fx = x + ox[d], fy = y + oy[d];
                float v = tiles[((long)d * FIELD + y) * FIELD + x];
                if (fx >= 0 && fy >= 0 && fx < lw && fy < FIELD &&
                    v > f[fy * lw + fx])
                    f[fy * lw + fx] = v;
            }
    return f;
}

/* A number of 2 to 6 digits of kind k on one line, into *line (its width
 * in *lw, FIELD high; the caller frees it), its digits into number and
 * their sources into notes.  The gap between two digits' ink is -6% to 30%
 * of the digit height: about one pair in six touches or overlaps.  0, or
 * -1 when out of memory. */
static int draw_number(int k, nn_rng *r, const nn_idx *img,
                       const nn_idx *lab, long first, long count,
                       float **line, int *lw,
                       char *number, char *notes, size_t len)
{
    enum { MARGIN = 40, MAXD = 6 };
    int nd = 2 + (int)nn_rng_below(r, 5), ox[MAXD], oy[MAXD], cursor = MARGIN;
    float *tiles = malloc(sizeof *tiles * FIELD * FIELD * MAXD), *f;
    size_t used = 0;

    if (!tiles)
        return -1;
    for (int d = 0; d < nd; d++) {
        float *t = tiles + (long)d * FIELD * FIELD;
        char src[128];
        int x0 = FIELD, x1 = -1;
        int digit = draw_digit(t, k, nn_rng_below(r, 2) == 0, r, img, lab,
                               first, count, src, sizeof src);
        if (digit < 0) {
            free(tiles);
            return -1;
        }
        number[d] = (char)('0' + digit);
        used += snprintf(notes + used, used < len ? len - used : 0, "%s%s",
                         d ? "; " : "", src);
        for (int y = 0; y < FIELD; y++)
            for (int x = 0; x < FIELD; x++)
                if (t[y * FIELD + x] > .1f) {
                    x0 = x < x0 ? x : x0;
                    x1 = x > x1 ? x : x1;
                }
        if (x1 < 0)
            x0 = x1 = FIELD / 2;
        ox[d] = cursor - x0;
        oy[d] = (int)(uni(r, -.04f, .04f) * FIELD);
        cursor = ox[d] + x1 + (int)(uni(r, -.06f, .3f) * 160);
    }
    number[nd] = '\0';
    *lw = cursor + MARGIN;
    f = lay_out(tiles, nd, ox, oy, *lw);
    free(tiles);
    return (*line = f) ? 0 : -1;
}

/* Two MNIST digits of kind k (COUNT of IMAGES from FIRST) written touching,
 * for --pieces: the second's ink reaches to the first's or over it by up
 * to 8% of the height in the row where they come closest, its line shifted
 * as draw_number's are.  Into *line (*lw wide, FIELD high; the caller
 * frees it).  0, or -1 when out of memory. */
static int draw_pair(int k, nn_rng *r, const nn_idx *img, const nn_idx *lab,
                     long first, long count, float **line, int *lw)
{
    enum { MARGIN = 40 };
    float *tiles = malloc(sizeof *tiles * FIELD * FIELD * 2);
    int right[FIELD], left[FIELD], x0 = FIELD, x1 = -1, ox[2], oy[2];
    int closest = FIELD;
    char src[64];

    if (!tiles)
        return -1;
    for (int d = 0; d < 2; d++)
        if (draw_digit(tiles + d * FIELD * FIELD, k, 1, r, img, lab, first,
                       count, src, sizeof src) < 0) {
            free(tiles);
            return -1;
        }
    /* Each row's last ink of the first digit, first ink of the second. */
    for (int y = 0; y < FIELD; y++) {
        right[y] = -FIELD;
        left[y] = 2 * FIELD;
        for (int x = 0; x < FIELD; x++) {
            if (tiles[y * FIELD + x] > .1f) {
                right[y] = x;
                x0 = x < x0 ? x : x0;
            }
            if (tiles[(FIELD + y) * FIELD + FIELD - 1 - x] > .1f) {
                left[y] = FIELD - 1 - x;
                x1 = FIELD - 1 - x > x1 ? FIELD - 1 - x : x1;
            }
        }
    }
    oy[0] = 0;
    oy[1] = (int)(uni(r, -.04f, .04f) * FIELD);
    for (int y = 0; y < FIELD; y++) {
        int yb = y - oy[1];
        if (yb >= 0 && yb < FIELD && left[yb] - right[y] < closest)
            closest = left[yb] - right[y];
    }
    ox[0] = MARGIN - x0;
    ox[1] = ox[0] + 1 - closest - (int)uni(r, 0, .08f * FIELD);
    *lw = ox[1] + (x1 < 0 ? FIELD : x1 + 1) + MARGIN;
    *line = lay_out(tiles, 2, ox, oy, *lw);
    free(tiles);
    return *line ? 0 : -1;
}

/* --pieces: n pictures of kind k chosen at random, half of one MNIST digit
 * (label 0), half of two touching (label 1), each photographed and read as
 * img2vec reads a single digit, as 28x28 vectors into path (binary, through
 * path.tmp).  With digits, every picture is one MNIST digit, labelled with
 * that digit (--digits).  0, or -1 with a message. */
static int pieces(nn_rng *r, const nn_idx *img, const nn_idx *lab,
                  long first, long count, long n, int digits, const char *path)
{
    char tmp[4200], why[256] = "";
    float vec[28 * 28], *line = NULL;
    nn_vec_writer *vw = NULL;
    nn_prep_opts o;
    FILE *fp;
    int ok;

    nn_prep_opts_default(&o);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (!(fp = fopen(tmp, "wb")) ||
        nn_vec_writer_new(&vw, fp, NN_VEC_F32, 28 * 28) != NN_OK) {
        fprintf(stderr, "photoset: %s: %s\n", tmp, strerror(errno));
        if (fp)
            fclose(fp);
        remove(tmp);
        return -1;
    }
    ok = 1;
    for (long i = 0; ok && i < n; i++) {
        int k = (int)nn_rng_below(r, NKIND);
        int two = digits ? 0 : (int)nn_rng_below(r, 2), label = two, d = 0;
        int lw = FIELD, err;
        struct gray g = { NULL, 0, 0 };
        char src[64];
        if (two)
            ok = draw_pair(k, r, img, lab, first, count, &line, &lw) == 0;
        else
            ok = (line = malloc(sizeof *line * FIELD * FIELD)) &&
                 (d = draw_digit(line, k, 1, r, img, lab, first, count, src,
                                 sizeof src)) >= 0;
        if (digits)
            label = d;
        ok = ok && photograph(line, lw, k, r, NULL, &g) == 0;
        free(line);
        line = NULL;
        if (ok) {
            err = nn_prep_digit(g.px, g.w, g.h, &o, vec, why, sizeof why);
            if (err == NN_OK)
                ok = nn_vec_write(vw, vec, label) == NN_OK;
            else if (err != NN_EFORMAT)    /* no ink left: not a piece */
                ok = 0;
        }
        free(g.px);
    }
    nn_vec_writer_free(vw);
    if (fclose(fp) != 0 || !ok) {
        fprintf(stderr, "photoset: %s: %s\n", tmp, why[0] ? why : strerror(errno));
        remove(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "photoset: %s: %s\n", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

static int read_idx(const char *path, nn_idx **out)
{
    char why[256] = "";
    FILE *fp = fopen(path, "rb");
    int err;
    if (!fp) {
        fprintf(stderr, "photoset: %s: %s\n", path, strerror(errno));
        return -1;
    }
    err = nn_idx_read(out, fp, why, sizeof why);
    fclose(fp);
    if (err)
        fprintf(stderr, "photoset: %s: %s\n", path, why[0] ? why : nn_strerror(err));
    return err ? -1 : 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: photoset [--numbers] [-s SEED] [-r FIRST:COUNT] IMAGES "
            "LABELS DIR [PER-KIND]\n"
            "       photoset --pieces|--digits [-s SEED] [-r FIRST:COUNT] IMAGES "
            "LABELS FILE COUNT\n");
}

int main(int argc, char **argv)
{
    int numbers = argc > 1 && strcmp(argv[1], "--numbers") == 0;
    int split = argc > 1 && strcmp(argv[1], "--pieces") == 0;
    int digits = argc > 1 && strcmp(argv[1], "--digits") == 0;
    argc -= numbers + split + digits;
    argv += numbers + split + digits;
    nn_idx *img = NULL, *lab = NULL;
    float *field = malloc(sizeof *field * FIELD * FIELD);
    char path[4096], tmp[4200], *end;
    FILE *tsv = NULL;
    nn_rng r;
    unsigned long seed = numbers ? 18 : 17;
    long first = 0, count = -1;
    int per = 40, no = 0, rc = 1, c;

    while ((c = getopt(argc, argv, "s:r:")) != -1) {
        errno = 0;
        if (c == 's') {
            seed = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end) {
                fprintf(stderr, "photoset: -s: \"%s\": expected a number\n", optarg);
                rc = 2;
                goto done;
            }
        } else if (c == 'r') {
            first = strtol(optarg, &end, 10);
            if (!errno && end != optarg && *end == ':')
                count = strtol(end + 1, &end, 10);
            if (errno || first < 0 || count < 1 || *end) {
                fprintf(stderr, "photoset: -r: \"%s\": expected FIRST:COUNT\n", optarg);
                rc = 2;
                goto done;
            }
        } else {
            usage();
            rc = 2;
            goto done;
        }
    }
    argc -= optind - 1;
    argv += optind - 1;
    if (argc == 5)
        per = atoi(argv[4]);
    if (argc < 4 || argc > 5 || per < 2 ||
        per > (split || digits ? 1000000 : 10000)) {
        usage();
        rc = 2;
        goto done;
    }
    if (!field || read_idx(argv[1], &img) || read_idx(argv[2], &lab))
        goto done;
    if (img->item_size != 28 * 28 || lab->count != img->count) {
        fprintf(stderr, "photoset: %s: not 28x28 images with labels\n", argv[1]);
        goto done;
    }
    if (count < 0)
        count = (long)img->count;
    if (first + count > (long)img->count) {
        fprintf(stderr, "photoset: %s: -r %ld:%ld: only %ld images\n", argv[1], first,
                count, (long)img->count);
        goto done;
    }
    if (split || digits) {
        nn_rng_seed(&r, seed);
        rc = pieces(&r, img, lab, first, count, per, digits, argv[3]) ? 1 : 0;
        goto done;
    }
    snprintf(path, sizeof path, "%s/labels.tsv", argv[3]);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (!(tsv = fopen(tmp, "w"))) {
        fprintf(stderr, "photoset: %s: %s\n", tmp, strerror(errno));
        goto done;
    }
    if (numbers) {
        fprintf(tsv, "file\tnumber\tkind\tnotes\n");
        nn_rng_seed(&r, seed);
        for (int k = 0; k < NKIND; k++)
            for (int i = 0; i < per; i++) {
                char name[64], number[8], notes[1024];
                float *line;
                int lw;
                if (draw_number(k, &r, img, lab, first, count, &line, &lw,
                                number, notes, sizeof notes))
                    goto done;
                snprintf(name, sizeof name, "%04d_n%s.jpg", ++no, number);
                snprintf(path, sizeof path, "%s/%s", argv[3], name);
                int err = photograph(line, lw, k, &r, path, NULL);
                free(line);
                if (err)
                    goto done;
                fprintf(tsv, "%s\t%s\t%s\t%s\n", name, number, kinds[k], notes);
            }
        goto close;
    }
    fprintf(tsv, "file\tlabel\trepo\tcommit\tpath\tkind\tnotes\n");
    nn_rng_seed(&r, seed);
    for (int k = 0; k < NKIND; k++)
        for (int i = 0; i < per; i++) {
            char name[64], notes[128];
            int digit = draw_digit(field, k, i % 2 == 0, &r, img, lab, first,
                                   count, notes, sizeof notes);
            if (digit < 0)
                goto done;
            snprintf(name, sizeof name, "%04d_d%d.jpg", ++no, digit);
            snprintf(path, sizeof path, "%s/%s", argv[3], name);
            if (photograph(field, FIELD, k, &r, path, NULL))
                goto done;
            fprintf(tsv, "%s\t%d\t-\t-\t-\t%s\t%s\n", name, digit, kinds[k], notes);
        }
close:
    if (fclose(tsv) != 0) {
        tsv = NULL;
        fprintf(stderr, "photoset: %s: %s\n", tmp, strerror(errno));
        goto done;
    }
    tsv = NULL;
    snprintf(path, sizeof path, "%s/labels.tsv", argv[3]);
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "photoset: %s: %s\n", path, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    if (tsv) {
        fclose(tsv);
        remove(tmp);
    }
    nn_idx_free(img);
    nn_idx_free(lab);
    free(field);
    return rc;
}
