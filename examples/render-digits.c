/* render-digits - draw the example digits of examples/ as if written in
 * ink on ruled paper and photographed with a phone: a pen stroke of
 * varying pressure, a sheet lit unevenly with a soft shadow, paper grain,
 * faint ruled lines, sensor noise, a little blur and JPEG compression.
 *
 *     render-digits DIR     writes DIR/digit-0.jpg ... DIR/digit-9.jpg
 *
 * Everything is deterministic (a fixed seed), so the committed pictures
 * can be made again with `make examples/digits`.  The strokes are our own
 * drawing of each digit, not taken from any data set.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <turbojpeg.h>

#include "nn.h"

enum { W = 480, H = 640, MAXPT = 64, MAXSTROKE = 3 };

/* A digit: up to MAXSTROKE pen strokes through points of a unit box (x to
 * the right, y down).  Smooth strokes pass through their points along a
 * Catmull-Rom curve; the others are straight segments. */
struct stroke {
    int smooth;
    int n;
    float pt[16][2];
};
struct glyph {
    int n;
    struct stroke s[MAXSTROKE];
};

static const struct glyph glyphs[10] = {
    {1, {{1, 12, {{.50f, .03f}, {.25f, .12f}, {.14f, .40f}, {.18f, .72f},
                  {.36f, .95f}, {.60f, .96f}, {.80f, .78f}, {.86f, .45f},
                  {.78f, .16f}, {.58f, .03f}, {.42f, .06f}, {.36f, .12f}}}}},
    {1, {{0, 3, {{.30f, .22f}, {.56f, .03f}, {.54f, .97f}}}}},
    {2, {{1, 8, {{.18f, .25f}, {.35f, .06f}, {.62f, .04f}, {.80f, .22f},
                 {.72f, .45f}, {.45f, .68f}, {.18f, .93f}, {.17f, .94f}}},
         {0, 2, {{.17f, .94f}, {.88f, .91f}}}}},
    {2, {{1, 8, {{.18f, .14f}, {.45f, .02f}, {.74f, .10f}, {.76f, .30f},
                 {.46f, .47f}, {.80f, .62f}, {.78f, .86f}, {.48f, .98f}}},
         {1, 3, {{.48f, .98f}, {.30f, .95f}, {.16f, .84f}}}}},
    {2, {{0, 3, {{.58f, .03f}, {.12f, .64f}, {.88f, .64f}}},
         {0, 2, {{.66f, .30f}, {.64f, .98f}}}}},
    {2, {{0, 3, {{.80f, .04f}, {.32f, .05f}, {.26f, .44f}}},
         {1, 7, {{.26f, .44f}, {.50f, .36f}, {.76f, .46f}, {.82f, .70f},
                 {.66f, .92f}, {.40f, .98f}, {.16f, .86f}}}}},
    {1, {{1, 10, {{.72f, .03f}, {.46f, .18f}, {.26f, .45f}, {.20f, .74f},
                  {.34f, .95f}, {.60f, .96f}, {.78f, .78f}, {.70f, .56f},
                  {.46f, .50f}, {.24f, .66f}}}}},
    {1, {{0, 3, {{.12f, .06f}, {.86f, .05f}, {.40f, .97f}}}}},
    {1, {{1, 12, {{.52f, .48f}, {.26f, .32f}, {.30f, .08f}, {.54f, .02f},
                  {.72f, .16f}, {.62f, .38f}, {.30f, .62f}, {.26f, .88f},
                  {.52f, .98f}, {.78f, .84f}, {.72f, .62f}, {.52f, .48f}}}}},
    {1, {{1, 9, {{.76f, .28f}, {.56f, .44f}, {.30f, .38f}, {.26f, .14f},
                 {.50f, .02f}, {.74f, .10f}, {.78f, .34f}, {.70f, .66f},
                 {.58f, .98f}}}}},
};

/* The pen's path, flattened to segments in pixels. */
struct path {
    int n;
    float x[4096], y[4096];
    int cut[4096];          /* 1: no segment from point i-1 to point i */
};

static void add(struct path *p, float x, float y, int cut)
{
    if (p->n < 4096) {
        p->x[p->n] = x;
        p->y[p->n] = y;
        p->cut[p->n] = cut;
        p->n++;
    }
}

/* Place a glyph: scale s, slant (shear), rotation rot, centre (cx, cy). */
static void trace(struct path *p, const struct glyph *g, float s, float slant,
                  float rot, float cx, float cy)
{
    float c = cosf(rot), sn = sinf(rot);
    for (int k = 0; k < g->n; k++) {
        const struct stroke *st = &g->s[k];
        for (int i = 0; i + 1 < st->n; i++) {
            const float *p0 = st->pt[i > 0 ? i - 1 : 0], *p1 = st->pt[i];
            const float *p2 = st->pt[i + 1];
            const float *p3 = st->pt[i + 2 < st->n ? i + 2 : st->n - 1];
            for (int j = 0; j < 16; j++) {
                float t = j / 16.0f, u, v;
                if (st->smooth) {   /* Catmull-Rom */
                    float t2 = t * t, t3 = t2 * t;
                    u = 0.5f * (2 * p1[0] + (p2[0] - p0[0]) * t +
                                (2 * p0[0] - 5 * p1[0] + 4 * p2[0] - p3[0]) * t2 +
                                (3 * p1[0] - p0[0] - 3 * p2[0] + p3[0]) * t3);
                    v = 0.5f * (2 * p1[1] + (p2[1] - p0[1]) * t +
                                (2 * p0[1] - 5 * p1[1] + 4 * p2[1] - p3[1]) * t2 +
                                (3 * p1[1] - p0[1] - 3 * p2[1] + p3[1]) * t3);
                } else {
                    u = p1[0] + (p2[0] - p1[0]) * t;
                    v = p1[1] + (p2[1] - p1[1]) * t;
                }
                u = (u - 0.5f) * 0.7f + slant * (0.5f - v);  /* digits are narrow */
                v -= 0.5f;
                add(p, cx + s * (c * u - sn * v), cy + s * (sn * u + c * v),
                    i == 0 && j == 0);
            }
        }
        const float *e = st->pt[st->n - 1];
        float u = (e[0] - 0.5f) * 0.7f + slant * (0.5f - e[1]), v = e[1] - 0.5f;
        add(p, cx + s * (c * u - sn * v), cy + s * (sn * u + c * v), 0);
    }
}

/* Ink coverage at (x, y): 1 inside the pen of radius r around the path,
 * with a one-pixel anti-aliased edge. */
static float coverage(const struct path *p, float x, float y, float r)
{
    float best = 1e30f;
    for (int i = 1; i < p->n; i++) {
        if (p->cut[i])
            continue;
        float ax = p->x[i - 1], ay = p->y[i - 1];
        float dx = p->x[i] - ax, dy = p->y[i] - ay;
        float l2 = dx * dx + dy * dy;
        float t = l2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / l2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        float ex = ax + t * dx - x, ey = ay + t * dy - y;
        float d2 = ex * ex + ey * ey;
        if (d2 < best)
            best = d2;
    }
    float d = sqrtf(best) - r;
    return d <= -0.5f ? 1 : d >= 0.5f ? 0 : 0.5f - d;
}

static float uniform(nn_rng *r, float lo, float hi)
{
    return lo + (hi - lo) * (float)nn_rng_uniform(r);
}

static void box_blur(float *img, int w, int h)
{
    float *tmp = malloc(sizeof *tmp * w * h);
    if (!tmp)
        return;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float s = 0;
            int n = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = x + dx, yy = y + dy;
                    if (xx >= 0 && xx < w && yy >= 0 && yy < h) {
                        s += img[yy * w + xx];
                        n++;
                    }
                }
            tmp[y * w + x] = s / n;
        }
    for (int i = 0; i < w * h; i++)
        img[i] = tmp[i];
    free(tmp);
}

static int render(int digit, nn_rng *r, const char *path)
{
    static float ink[W * H];
    static unsigned char rgb[W * H * 3];
    static struct path p;

    /* The hand: size, slant, tilt and place vary from digit to digit. */
    p.n = 0;
    float s = uniform(r, 0.42f, 0.55f) * H;
    trace(&p, &glyphs[digit], s, uniform(r, -0.05f, 0.25f),
          uniform(r, -0.12f, 0.12f), W * uniform(r, 0.40f, 0.60f),
          H * uniform(r, 0.42f, 0.58f));
    float pen = uniform(r, 5.0f, 8.0f);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            ink[y * W + x] = coverage(&p, x + 0.5f, y + 0.5f, pen);
    box_blur(ink, W, H);

    /* The sheet: light falling off from one corner, a soft shadow band
     * (a phone held over the page), grain, faint blue ruled lines. */
    float lx = uniform(r, 0, W), ly = uniform(r, 0, H / 2.0f);
    float shadow_x = uniform(r, 0.55f, 0.85f) * W, shadow_w = 60;
    float line0 = uniform(r, 10, 40), gap = uniform(r, 44, 56);
    float ink_r = uniform(r, 20, 45), ink_g = uniform(r, 25, 50);
    float ink_b = uniform(r, 60, 120);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float d = hypotf(x - lx, y - ly) / hypotf(W, H);
            float light = 1.0f - 0.35f * d;
            float sh = (x - shadow_x) / shadow_w;
            if (sh > 0)
                light *= 1.0f - 0.25f * (sh > 1 ? 1 : sh);
            float pr = 232, pg = 228, pb = 214;
            float ly2 = fmodf(y - line0 + gap, gap);
            if (ly2 < 1.5f) {       /* a ruled line */
                pr -= 35;
                pg -= 20;
                pb -= 5;
            }
            float grain = uniform(r, -6, 6);
            float a = ink[y * W + x] * uniform(r, 0.85f, 1.0f);
            float v[3] = {pr + grain, pg + grain, pb + grain};
            float in[3] = {ink_r, ink_g, ink_b};
            for (int c = 0; c < 3; c++) {
                float o = ((1 - a) * v[c] + a * in[c]) * light +
                          uniform(r, -3, 3);
                rgb[(y * W + x) * 3 + c] = o < 0 ? 0 : o > 255 ? 255 : (unsigned char)o;
            }
        }

    tjhandle tj = tjInitCompress();
    unsigned char *jpeg = NULL;
    unsigned long size = 0;
    if (!tj || tjCompress2(tj, rgb, W, 0, H, TJPF_RGB, &jpeg, &size,
                           TJSAMP_420, 85, 0) != 0) {
        fprintf(stderr, "render-digits: %s: %s\n", path, tjGetErrorStr2(tj));
        return -1;
    }
    FILE *fp = fopen(path, "wb");
    int ok = fp && fwrite(jpeg, 1, size, fp) == size;
    if (fp && fclose(fp) != 0)
        ok = 0;
    if (!ok)
        perror(path);
    tjFree(jpeg);
    tjDestroy(tj);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: render-digits DIR\n");
        return 2;
    }
    nn_rng r;
    nn_rng_seed(&r, 2026);
    for (int d = 0; d < 10; d++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/digit-%d.jpg", argv[1], d);
        if (render(d, &r, path) != 0)
            return 1;
    }
    return 0;
}
