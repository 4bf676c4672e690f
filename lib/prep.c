/* prep.c - a grayscale photo or drawing of a digit to an MNIST-like 28x28
 * vector: the one preprocessing path of nnpipe, over plain buffers.
 *
 * MNIST digits are white on black, fitted into a 20x20 box keeping their
 * aspect ratio (anti-aliased), and placed in 28x28 so that their centre of
 * mass is at pixel (14, 14) (measured: the mean over MNIST's training set
 * is (14.01, 14.00) in 0-based pixel coordinates).  Photos add what MNIST
 * never had: either polarity, uneven light, paper texture, ruled lines and
 * specks.  The steps, each one a function below:
 *   1. work at a bounded resolution (area-averaged down to WORK pixels;
 *      segment.c has a smaller picture enlarged to WORK: its rules need
 *      the pixels of a digit that is a fraction of the picture); then, on
 *      a sheet lying on a darker table, the table becomes paper (see
 *      off_sheet); a digit, or a number, found small in a large picture
 *      is read again from the part of the picture around it (closer());
 *   2. polarity: ink is the minority, in strokes thin against the digit
 *      and standing out from the paper: steps 3 to 5 are tried both ways
 *      and the way that finds such strokes wins (the image border, mostly
 *      paper, decides when neither or both do; see nn_prep_digit);
 *   3. flatten the light: subtract a smooth background estimated from
 *      block medians, so shadows and gradients vanish; then, for the
 *      polarity chosen, remove the faint bands that a shadow's hard edge
 *      leaves (a white top-hat; see unshadow);
 *   4. ink mask: Otsu's threshold on the flattened image, with a minimum
 *      contrast below which there is no ink at all (FAINT, FEW);
 *   5. keep the digit: connected components, dropping specks (small next
 *      to the largest part), a shadow's edge (paper on one side only; see
 *      unedge) and ruled lines (spanning the image), and no ink at all if
 *      what is kept hardly stands out from the paper's grain (OVER_GRAIN);
 *      the lines of ruled or squared paper, and a box the digit is written
 *      in (a form's), are cleared (lib/frame.c), and the digit's parts
 *      chosen again;
 *   6. crop to the kept ink, scale its grey levels so strokes reach 1,
 *      area-average into 20x20 keeping the aspect ratio, and place it in
 *      28x28 by centre of mass.
 * The plain method (threshold at mid-grey, shrink the whole image to
 * 28x28, invert) is kept for comparison.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

enum { WORK = NN_PREP_MIN_SIDE / 2 };  /* longest side while preprocessing */
/* Step 4: the flattened image's top (its 0.999 quantile: the ink's cores,
 * when ink is a thousandth of the picture or more) under FAINT is no ink;
 * a digit small in a large photo is less ink than that, and the top is
 * then the FEW-th highest pixel's, if that is FAINT or more and STANDS
 * times the 0.999 quantile or more (a single pixel may be noise; a digit
 * a few pixels high at the working resolution has tens of them, 6 times
 * that quantile or more on make fontset's far pictures, where the grain of
 * blank paper drawn as make photoset draws it is 1.3 times it at most). */
#define FAINT 0.08f
#define STANDS 3.0
enum { FEW = 10 };
/* Step 5's floor: the kept ink's core under OVER_GRAIN times the paper's
 * grain (see blank_grain) is the paper's own mottling or a faint ruled
 * line's pieces, not ink.  Blank pictures drawn as make photoset draws it
 * reach 5.8-9.8 (10 of 27 that gave a vector are under 7); written digits
 * on the tuning sets 8.6 or more. */
#define OVER_GRAIN 7.0
/* Step 1: a picture area-averaged down to the working resolution whose
 * ink found is under CLOSE pixels high there is read again from the part
 * of the picture around that ink (see nn_prep_ink). */
enum { CLOSE = 24 };

/* A float image, row-major.  As the source of resample() only, it may
 * be the caller's gray bytes instead (p NULL), read as k / 255: a copy of
 * the whole picture in floats would cost more than the rest of the work. */
struct fimg {
    int w, h;
    float *p;
    const uint8_t *gray;
};

/* Pixels not set: every caller writes them all (zeroing them first was
 * a pass over each image for nothing). */
static int fimg_new(struct fimg *f, int w, int h)
{
    f->w = w;
    f->h = h;
    f->gray = NULL;
    f->p = malloc((size_t)w * h * sizeof *f->p);
    return f->p ? NN_OK : NN_ENOMEM;
}

static void stage(const nn_prep_opts *o, const char *name, const struct fimg *f)
{
    if (o && o->stage)
        o->stage(name, f->p, f->w, f->h, o->stage_arg);
}

/* How the pixels of one destination axis cover the source: destination
 * pixel i covers [x0 + i*f, x0 + (i+1)*f) in source pixels, f = len/dn;
 * its source pixels are first[i] .. first[i]+count[i]-1 with coverages
 * c[i*cap ..], which sum to area[i] (less than f at the image's edge). */
struct axis {
    int cap;
    int *first, *count;
    double *c, *area;
};

static void axis_free(struct axis *a)
{
    free(a->first);
    free(a->count);
    free(a->c);
    free(a->area);
}

static int axis_new(struct axis *a, double x0, double len, int n, int dn)
{
    double f = len / dn;

    a->cap = (int)ceil(f) + 2;
    a->first = malloc(dn * sizeof *a->first);
    a->count = malloc(dn * sizeof *a->count);
    a->c = malloc((size_t)dn * a->cap * sizeof *a->c);
    a->area = malloc(dn * sizeof *a->area);
    if (!a->first || !a->count || !a->c || !a->area) {
        axis_free(a);
        return NN_ENOMEM;
    }
    for (int i = 0; i < dn; i++) {
        double xa = x0 + i * f, xb = xa + f;
        int k = 0;
        a->first[i] = 0;
        a->area[i] = 0;
        for (int s = (int)floor(xa); s < xb && s < n && k < a->cap; s++) {
            double c = fmin(xb, s + 1) - fmax(xa, s);
            if (s < 0 || c <= 0)
                continue;
            if (k == 0)
                a->first[i] = s;
            a->c[(long)i * a->cap + k++] = c;
            a->area[i] += c;
        }
        a->count[i] = k;
    }
    return NN_OK;
}

/* Source row sy of src through ax into out (dw doubles); line: src->w
 * floats for a row of src->gray. */
static void resample_row(const struct fimg *src, const struct axis *ax,
                         int sy, float *line, double *out, int dw)
{
    const float *in = line;

    if (src->p)
        in = src->p + (long)sy * src->w;
    else
        for (int x = 0; x < src->w; x++)
            line[x] = src->gray[(long)sy * src->w + x] / 255.0f;
    for (int x = 0; x < dw; x++) {
        const double *c = ax->c + (long)x * ax->cap;
        const float *p = in + ax->first[x];
        double sum = 0;
        for (int k = 0; k < ax->count[x]; k++)
            sum += c[k] * p[k];
        out[x] = sum;
    }
}

/* Area-averaging resample of the box (x0, y0, sw x sh) of src into dst
 * (dw x dh): each destination pixel is the mean of the source area it
 * covers, with fractional coverage at its edges.  Separable: rows first,
 * then columns, each through precomputed coverages.  The rows resampled
 * along x are kept only while a destination row needs them: a ring of
 * ay.cap (at most that many a row, the rows in order), not the picture. */
static int resample(const struct fimg *src, double x0, double y0, double sw,
                    double sh, float *dst, int dw, int dh, int dstride)
{
    struct axis ax, ay;
    double *ring = NULL;    /* source row sy in slot sy % ay.cap */
    double *acc = NULL;     /* a row of dst before dividing by the area */
    float *line = NULL;     /* a row of src->gray as floats */
    int next = 0, err;      /* the first source row not in the ring yet */

    if ((err = axis_new(&ax, x0, sw, src->w, dw)))
        return err;
    if ((err = axis_new(&ay, y0, sh, src->h, dh))) {
        axis_free(&ax);
        return err;
    }
    if (!(ring = malloc((size_t)ay.cap * dw * sizeof *ring)) ||
        !(acc = malloc((size_t)dw * sizeof *acc)) ||
        (!src->p && !(line = malloc((size_t)src->w * sizeof *line)))) {
        err = NN_ENOMEM;
        goto done;
    }
    for (int y = 0; y < dh; y++) {
        const double *c = ay.c + (long)y * ay.cap;
        int end = ay.first[y] + ay.count[y];
        if (next < ay.first[y])
            next = ay.first[y];
        for (; next < end; next++)
            resample_row(src, &ax, next, line,
                         ring + (long)(next % ay.cap) * dw, dw);
        /* A whole row of sums at a time, each summed in the same order
         * as alone, so that the loop over x vectorises. */
        for (int x = 0; x < dw; x++)
            acc[x] = 0;
        for (int k = 0; k < ay.count[y]; k++) {
            const double *in = ring + (long)((ay.first[y] + k) % ay.cap) * dw;
            for (int x = 0; x < dw; x++)
                acc[x] += c[k] * in[x];
        }
        for (int x = 0; x < dw; x++) {
            double area = ax.area[x] * ay.area[y];
            dst[(long)y * dstride + x] = area > 0 ? (float)(acc[x] / area)
                                                  : 0.0f;
        }
    }
done:
    free(ring);
    free(acc);
    free(line);
    axis_free(&ax);
    axis_free(&ay);
    return err;
}

/* The q-quantile of n values (copied; v is not changed). */
static float quantile(const float *v, long n, double q, float *scratch)
{
    memcpy(scratch, v, n * sizeof *v);
    return nn_select_quantile(scratch, n, q);
}

/* Step 2: the median of a band around the border is the paper's level. */
static float border_level(const struct fimg *f, float *scratch)
{
    int bw = f->w / 20 + 1, bh = f->h / 20 + 1;
    long n = 0;

    for (int y = 0; y < f->h; y++)
        for (int x = 0; x < f->w; x++)
            if (y < bh || y >= f->h - bh || x < bw || x >= f->w - bw)
                scratch[n++] = f->p[(long)y * f->w + x];
    return nn_select_kth(scratch, n, n / 2);
}

/* Step 3: subtract a smooth background.  The image is cut into a grid of
 * blocks; a block's background is the median of its pixels (ink is the
 * minority), taken as the lowest of its 3x3 neighbourhood so that a thick
 * stroke filling a block does not count as background; the per-pixel
 * background is interpolated bilinearly between block centres.  With
 * median set, the neighbourhood's median instead of its lowest (which
 * keeps a shadow's edge in place whichever side is up), and the difference
 * kept signed: polarity() reads which side of the paper the ink is on.
 * med: the blocks' medians (block_medians(), for f's polarity). */
enum { G = 8 };     /* flatten()'s grid: G x G blocks */

/* The medians of the blocks of a working image f (0 for an empty block),
 * for it (med) and for its inverse 1 - f (inv), which both polarities and
 * tails() flatten: 1 - x never increases with x, so the median of a block
 * of 1 - f is 1 - the value at the mirror rank in f's block, found by the
 * same selection (select_kth leaves the lower ranks below its k). */
struct medians {
    float med[G][G], inv[G][G];
};

static void block_medians(const struct fimg *f, float *scratch,
                          struct medians *m)
{
    double bw = (double)f->w / G, bh = (double)f->h / G;

    for (int gy = 0; gy < G; gy++)
        for (int gx = 0; gx < G; gx++) {
            float *block = scratch, mirror;
            long n = 0;
            for (int y = (int)(gy * bh); y < (int)((gy + 1) * bh); y++)
                for (int x = (int)(gx * bw); x < (int)((gx + 1) * bw); x++)
                    block[n++] = f->p[(long)y * f->w + x];
            if (n == 0) {
                m->med[gy][gx] = m->inv[gy][gx] = 0;
                continue;
            }
            /* 1 - f's rank n / 2 is f's rank n - 1 - n / 2: the same for
             * odd n, the highest of the ranks below for even n. */
            m->med[gy][gx] = mirror = nn_select_kth(block, n, n / 2);
            if (n % 2 == 0)
                for (long i = 0; i < n / 2; i++)
                    mirror = i == 0 || block[i] > mirror ? block[i] : mirror;
            m->inv[gy][gx] = 1.0f - mirror;
        }
}

static void flatten(struct fimg *f, const float med[G][G], int median)
{
    float bg[G][G];
    double bw = (double)f->w / G, bh = (double)f->h / G, cax[WORK];
    double top[WORK], bot[WORK];
    int cx0[WORK], cx1[WORK];

    for (int gy = 0; gy < G; gy++)
        for (int gx = 0; gx < G; gx++) {
            float lo = med[gy][gx], nb[9];
            int k = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int y = gy + dy, x = gx + dx;
                    if (y < 0 || y >= G || x < 0 || x >= G)
                        continue;
                    nb[k++] = med[y][x];
                    lo = med[y][x] < lo ? med[y][x] : lo;
                }
            bg[gy][gx] = median ? nn_select_kth(nb, k, k / 2) : lo;
        }
    /* Where each column lies between block centres, the same on every
     * row (f is at most WORK wide: a working image). */
    for (int x = 0; x < f->w; x++) {
        double tx = (x + 0.5) / bw - 0.5;
        cx0[x] = tx < 0 ? 0 : (int)tx;
        cx1[x] = cx0[x] + 1 < G ? cx0[x] + 1 : G - 1;
        cax[x] = tx < 0 ? 0 : fmin(tx - cx0[x], 1);
    }
    /* Each row's background between its two rows of block centres: those
     * two interpolated along x change only when y0 does. */
    for (int y = 0, last = -1; y < f->h; y++) {
        double ty = (y + 0.5) / bh - 0.5;
        int y0 = ty < 0 ? 0 : (int)ty, y1 = y0 + 1 < G ? y0 + 1 : G - 1;
        double ay = ty < 0 ? 0 : fmin(ty - y0, 1);
        float *row = f->p + (long)y * f->w;
        if (y0 != last)
            for (int x = 0; x < f->w; x++) {
                double ax = cax[x];
                top[x] = (1 - ax) * bg[y0][cx0[x]] + ax * bg[y0][cx1[x]];
                bot[x] = (1 - ax) * bg[y1][cx0[x]] + ax * bg[y1][cx1[x]];
            }
        last = y0;
        for (int x = 0; x < f->w; x++) {
            double b = (1 - ay) * top[x] + ay * bot[x];
            row[x] = median ? (float)(row[x] - b)
                   : row[x] > b ? (float)(row[x] - b) : 0.0f;
        }
    }
}

/* The lowest (grow = 0) or highest value of each window of 2r + 1 values
 * along a line of n values, stride apart; windows are cut at the ends.
 * van Herk and Gil-Werman: the line, padded with r values that never win
 * at each end, is cut into blocks of 2r + 1; each window spans the end of
 * one block and the start of the next, so it is the better of a running
 * best from its block's end (tail) and one from the next block's start
 * (head, in place): three comparisons a value whatever r.  buf holds
 * 2 (n + 2r) floats. */
static void slide(float *p, int n, long stride, int r, int grow, float *buf)
{
    int len = n + 2 * r, L = 2 * r + 1;
    float *head = buf, *tail = buf + len, none = grow ? -INFINITY : INFINITY;

#define BEST(a, b) (grow ? ((a) > (b) ? (a) : (b)) : ((a) < (b) ? (a) : (b)))
    for (int j = 0; j < r; j++)
        head[j] = head[n + r + j] = none;
    for (int j = 0; j < n; j++)
        head[r + j] = p[(long)j * stride];
    for (int b0 = 0; b0 < len; b0 += L) {
        int b1 = b0 + L < len ? b0 + L : len;
        tail[b1 - 1] = head[b1 - 1];
        for (int j = b1 - 2; j >= b0; j--)
            tail[j] = BEST(head[j], tail[j + 1]);
        for (int j = b0 + 1; j < b1; j++)
            head[j] = BEST(head[j], head[j - 1]);
    }
    for (int i = 0; i < n; i++)
        p[(long)i * stride] = BEST(tail[i], head[i + 2 * r]);
#undef BEST
}

/* Grey-level erosion (grow = 0) or dilation of f with a (2r + 1)-square,
 * one axis after the other; buf as slide() needs for the longer side. */
static void square(struct fimg *f, int r, int grow, float *buf)
{
    for (int y = 0; y < f->h; y++)
        slide(f->p + (long)y * f->w, f->w, 1, r, grow, buf);
    for (int x = 0; x < f->w; x++)
        slide(f->p + x, f->h, f->w, r, grow, buf);
}

/* The white top-hat of f: f less its opening (erosion, then dilation) by
 * a (2r + 1)-square, which keeps what is narrower than the square.  open:
 * room for the opening (as many floats as f has pixels). */
static int tophat(struct fimg *f, int r, float *open)
{
    long n = (long)f->w * f->h;
    int side = f->w > f->h ? f->w : f->h;
    float *buf = malloc(2 * ((size_t)side + 2 * r) * sizeof *buf);
    struct fimg o = { f->w, f->h, open, NULL };

    if (!buf)
        return NN_ENOMEM;
    memcpy(open, f->p, (size_t)n * sizeof *open);
    square(&o, r, 0, buf);
    square(&o, r, 1, buf);
    for (long i = 0; i < n; i++)
        f->p[i] -= open[i];
    free(buf);
    return NN_OK;
}

/* Step 4: Otsu's threshold over a 256-bin histogram of values in [0,1]. */
static float otsu(const struct fimg *f)
{
    long hist[256] = { 0 }, n = (long)f->w * f->h, wb = 0;
    double sum = 0, sumb = 0, best = -1;
    int t = 0;

    for (long i = 0; i < n; i++) {
        int b = (int)(f->p[i] * 255.0f + 0.5f);
        hist[b < 0 ? 0 : b > 255 ? 255 : b]++;
    }
    for (int i = 0; i < 256; i++)
        sum += (double)i * hist[i];
    for (int i = 0; i < 256; i++) {
        long wf;
        double mb, mf, between;
        wb += hist[i];
        if (wb == 0)
            continue;
        wf = n - wb;
        if (wf == 0)
            break;
        sumb += (double)i * hist[i];
        mb = sumb / wb;
        mf = (sum - sumb) / wf;
        between = (double)wb * wf * (mb - mf) * (mb - mf);
        if (between > best) {
            best = between;
            t = i;
        }
    }
    return (t + 0.5f) / 255.0f;
}

/* Step 5: the 8-connected components of mask (1 = ink): *label_out[i] is
 * pixel i's component (-1: paper), *comps_out their boxes (both the
 * caller's to free).  Returns the count, or -1 when out of memory. */
int nn_prep_parts(const unsigned char *mask, int w, int h, int **label_out,
                  nn_part **comps_out)
{
    int *label = malloc((size_t)w * h * sizeof *label), n = 0, cap = 64;
    long *stack = malloc((size_t)w * h * sizeof *stack);
    nn_part *comps = malloc(cap * sizeof *comps);

    if (!label || !stack || !comps)
        goto fail;
    for (long i = 0; i < (long)w * h; i++)
        label[i] = -1;
    for (long start = 0; start < (long)w * h; start++) {
        long top = 0;
        if (!mask[start] || label[start] >= 0)
            continue;
        if (n == cap) {
            nn_part *c = realloc(comps, 2 * cap * sizeof *comps);
            if (!c)
                goto fail;
            comps = c;
            cap *= 2;
        }
        comps[n] = (nn_part){ 0, w, h, -1, -1, 0 };
        label[start] = n;
        stack[top++] = start;
        while (top > 0) {
            long i = stack[--top];
            int x = (int)(i % w), y = (int)(i / w);
            nn_part *c = &comps[n];
            c->area++;
            if (x < c->x0) c->x0 = x;
            if (x > c->x1) c->x1 = x;
            if (y < c->y0) c->y0 = y;
            if (y > c->y1) c->y1 = y;
            if (x == 0 || y == 0 || x == w - 1 || y == h - 1)
                c->border++;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int nx = x + dx, ny = y + dy;
                    long j = (long)ny * w + nx;
                    if (nx < 0 || ny < 0 || nx >= w || ny >= h)
                        continue;
                    if (mask[j] && label[j] < 0) {
                        label[j] = n;
                        stack[top++] = j;
                    }
                }
        }
        n++;
    }
    free(stack);
    *label_out = label;
    *comps_out = comps;
    return n;
fail:
    free(label);
    free(stack);
    free(comps);
    return -1;
}

/* Step 1b: the table around a sheet.  A sheet photographed on a darker
 * table: Otsu's threshold of the picture splits the paper from the table
 * (the writing is too little of it to move the threshold), and the
 * largest light part is the sheet.  What is not the sheet and is reached
 * from the picture's edge without crossing it is the table, but for what
 * an opening by a square of side 2 * (side / ROOM) + 1 removes: strokes
 * that the frame cuts, a shadow's thin band.  The dark pixels that the
 * sheet encloses are the writing.  When the sheet covers SHEET of the
 * picture with at most WRITING of it dark, the table TABLE of the picture
 * and half the shorter side of its edge, the table is DARKER than the
 * paper and plain (at most GRAIN of it darker than its level by DEEP of
 * the writing's contrast, scaled by the table's level over the paper's: a
 * wood's grain is not plain), the table and a band of BAND pixels over the
 * sheet's edge become paper, but for what is that much darker than the
 * table: writing that runs off the sheet, or that lies in a shadow taken
 * for the table.  Otherwise the sheet's edge reads as a stroke, the
 * polarity as light on dark, and a corner of table that a turned sheet
 * leaves as ink.  NN_OK or NN_ENOMEM. */
#define SHEET 0.25f     /* of the picture: the least a sheet covers */
#define ROOM 50         /* of the longer side: the opening's radius */
#define TABLE 0.03f     /* of the picture: the least that is table */
#define WRITING 0.2f    /* of the sheet's pixels: the most writing */
#define DARKER 0.15f    /* the least the table is darker than the paper */
#define DEEP 0.3f       /* of the writing's scaled contrast: not table */
#define GRAIN 0.02f     /* of the table: the most that is not table */
#define BAND 3          /* pixels of the sheet's edge made paper */

/* off_sheet()'s pixels: the sheet, neither it nor the table, reached from
 * the edge through HOLE, the writing, the table (REACHED, opened). */
enum { PAPER, HOLE, REACHED, WRIT, BOARD };

/* The parts of HOLE touching the picture's edge (marked REACHED in m),
 * opened by a square of radius r, as t->p[] > 0. */
static int table_of(unsigned char *m, int r, struct fimg *t)
{
    long n = (long)t->w * t->h;
    int side = t->w > t->h ? t->w : t->h, *label = NULL;
    unsigned char *hole = malloc(n);
    float *buf = malloc(2 * ((size_t)side + 2 * r) * sizeof *buf);
    nn_part *parts = NULL;

    if (hole)
        for (long i = 0; i < n; i++)
            hole[i] = m[i] == HOLE;
    if (!hole || !buf || nn_prep_parts(hole, t->w, t->h, &label, &parts) < 0) {
        free(hole);
        free(buf);
        return NN_ENOMEM;
    }
    free(hole);
    for (long i = 0; i < n; i++) {
        if (label[i] >= 0 && parts[label[i]].border)
            m[i] = REACHED;
        t->p[i] = m[i] == REACHED;
    }
    square(t, r, 0, buf);
    square(t, r, 1, buf);
    free(label);
    free(parts);
    free(buf);
    return NN_OK;
}

/* The q-quantile of the pixels i of f with m[i] == v (at least one). */
static float level_of(const struct fimg *f, const unsigned char *m,
                      unsigned char v, double q, float *scratch)
{
    long k = 0;

    for (long i = 0; i < (long)f->w * f->h; i++)
        if (m[i] == v)
            scratch[k++] = f->p[i];
    return nn_select_quantile(scratch, k, q);
}

static int off_sheet(struct fimg *f, float *scratch)
{
    long n = (long)f->w * f->h, table = 0, edge = 0, ink = 0, grain = 0;
    int side = f->w > f->h ? f->w : f->h, *label = NULL, np, s = 0;
    int err = NN_ENOMEM;
    unsigned char *m = malloc(n);
    nn_part *parts = NULL;
    struct fimg t = { 0, 0, NULL, NULL };
    float light = otsu(f), paper, level, deep;

    if (!m)
        goto done;
    for (long i = 0; i < n; i++)
        m[i] = f->p[i] > light;
    /* Most pictures: too little of the edge is dark to be a table. */
    for (int y = 0; y < f->h; y++)
        for (int x = 0; x < f->w; x++)
            if (y == 0 || x == 0 || y == f->h - 1 || x == f->w - 1)
                edge += !m[(long)y * f->w + x];
    err = NN_OK;
    if (2 * edge < (f->w < f->h ? f->w : f->h))
        goto done;
    edge = 0;
    err = NN_ENOMEM;
    if (fimg_new(&t, f->w, f->h))
        goto done;
    if ((np = nn_prep_parts(m, f->w, f->h, &label, &parts)) < 0)
        goto done;
    for (int i = 1; i < np; i++)
        s = parts[i].area > parts[s].area ? i : s;
    err = NN_OK;
    if (np == 0 || parts[s].area < SHEET * n)
        goto done;
    for (long i = 0; i < n; i++)
        m[i] = label[i] == s ? PAPER : HOLE;
    if ((err = table_of(m, side / ROOM, &t)))
        goto done;
    for (int y = 0; y < f->h; y++)
        for (int x = 0; x < f->w; x++) {
            long i = (long)y * f->w + x;
            if (t.p[i] > 0) {
                m[i] = BOARD;
                table++;
                edge += y == 0 || x == 0 || y == f->h - 1 || x == f->w - 1;
            } else if (m[i] == HOLE && label[i] < 0) {
                m[i] = WRIT;
                ink++;
            }
        }
    if (table < TABLE * n || 2 * edge < (f->w < f->h ? f->w : f->h) ||
        ink == 0 || ink > WRITING * parts[s].area)
        goto done;
    paper = level_of(f, m, PAPER, 0.5, scratch);
    level = level_of(f, m, BOARD, 0.5, scratch);
    deep = DEEP * (paper - level_of(f, m, WRIT, 0.5, scratch)) * level / paper;
    for (long i = 0; i < n; i++)
        grain += m[i] == BOARD && f->p[i] < level - deep;
    if (paper - level < DARKER || grain > GRAIN * table)
        goto done;
    {
        float *buf = malloc(2 * ((size_t)side + 2 * BAND) * sizeof *buf);
        if (!buf) {
            err = NN_ENOMEM;
            goto done;
        }
        square(&t, BAND, 1, buf);
        free(buf);
    }
    for (long i = 0; i < n; i++)
        if (t.p[i] > 0 && f->p[i] >= level - deep)
            f->p[i] = paper;
done:
    free(m);
    free(t.p);
    free(label);
    free(parts);
    return err;
}

/* Which components are the digit: not ruled lines (spanning nearly the
 * whole width or height while thin), and not specks (under 5% of the
 * largest remaining part).  Parts touching the image border are only used
 * when nothing substantial lies inside it. */
static void choose(const nn_part *c, int n, int w, int h, unsigned char *keep)
{
    long largest = 0, largest_inner = 0;

    for (int i = 0; i < n; i++) {
        int cw = c[i].x1 - c[i].x0 + 1, ch = c[i].y1 - c[i].y0 + 1;
        /* A ruled line runs from one edge of the page to the other. */
        int line = (c[i].x0 == 0 && c[i].x1 == w - 1 && ch < 0.1 * h) ||
                   (c[i].y0 == 0 && c[i].y1 == h - 1 && cw < 0.1 * w);
        keep[i] = !line;
        if (!keep[i])
            continue;
        if (c[i].area > largest)
            largest = c[i].area;
        if (!c[i].border && c[i].area > largest_inner)
            largest_inner = c[i].area;
    }
    int inner_only = largest_inner >= 0.2 * largest;
    long ref = inner_only ? largest_inner : largest;
    for (int i = 0; i < n; i++)
        if (keep[i])
            keep[i] = c[i].area >= 0.05 * ref && !(inner_only && c[i].border);
}

/* MNIST's stroke width in its 20x20 box, 2 * area / perimeter of the
 * pixels above mid-grey: median 2.69 over the training set (10th and 90th
 * percentiles 2.10 and 3.69). */
#define MNIST_STROKE 2.69
enum { FINE = 80 };     /* box side for the stroke work: 4 x 20 */

/* Estimated stroke width of the pixels of f above 0.5: 2 * area /
 * perimeter, the perimeter being the ink pixels with a 4-neighbour that is
 * not ink (a stroke w pixels wide and L long gives about w). */
static double stroke_width(const struct fimg *f)
{
    long area = 0, edge = 0;

    for (int y = 0; y < f->h; y++)
        for (int x = 0; x < f->w; x++) {
            static const int d[4][2] = { { 1, 0 }, { -1, 0 }, { 0, 1 }, { 0, -1 } };
            int out = 0;
            if (f->p[(long)y * f->w + x] <= 0.5f)
                continue;
            area++;
            for (int k = 0; k < 4 && !out; k++) {
                int nx = x + d[k][0], ny = y + d[k][1];
                out = nx < 0 || ny < 0 || nx >= f->w || ny >= f->h ||
                      f->p[(long)ny * f->w + nx] <= 0.5f;
            }
            edge += out;
        }
    return edge ? 2.0 * area / edge : 0.0;
}

/* Grey-level dilation (grow = 1) or erosion of f with a disk of radius r;
 * outside f counts as 0.  Row dy of the disk spans |dx| <= span[dy]. */
static int morph(struct fimg *f, int r, int grow)
{
    float *src = malloc((size_t)f->w * f->h * sizeof *src);
    int *span = malloc((2 * (size_t)r + 1) * sizeof *span);

    if (!src || !span) {
        free(src);
        free(span);
        return NN_ENOMEM;
    }
    memcpy(src, f->p, (size_t)f->w * f->h * sizeof *src);
    for (int dy = -r; dy <= r; dy++) {
        int dx = 0;
        while ((dx + 1) * (dx + 1) + dy * dy <= r * r)
            dx++;
        span[dy + r] = dx;
    }
    for (int y = 0; y < f->h; y++)
        for (int x = 0; x < f->w; x++) {
            float v = src[(long)y * f->w + x];
            int outside = 0;
            for (int dy = -r; dy <= r; dy++) {
                int ny = y + dy, s = span[dy + r];
                int lo = x - s < 0 ? 0 : x - s;
                int hi = x + s >= f->w ? f->w - 1 : x + s;
                const float *row;
                if (ny < 0 || ny >= f->h || x - s < 0 || x + s >= f->w)
                    outside = 1;
                if (ny < 0 || ny >= f->h)
                    continue;
                row = src + (long)ny * f->w;
                for (int nx = lo; nx <= hi; nx++)
                    v = grow ? (row[nx] > v ? row[nx] : v)
                             : (row[nx] < v ? row[nx] : v);
            }
            if (outside)
                v = grow ? (v > 0 ? v : 0.0f) : (v < 0 ? v : 0.0f);
            f->p[(long)y * f->w + x] = v;
        }
    free(src);
    free(span);
    return NN_OK;
}

/* Step 6: crop f to the kept ink (x0..x1, y0..y1), bring its strokes to
 * MNIST's width, scale it into the 20x20 box and place the result in
 * out[28*28] by centre of mass.  The stroke work happens in a box four times
 * the final size, with a margin for the strokes to grow into. */
static int place(const struct fimg *f, int x0, int y0, int x1, int y1,
                 float *out)
{
    double bw = x1 - x0 + 1, bh = y1 - y0 + 1, side = fmax(bw, bh);
    double s = FINE / side, target = MNIST_STROKE * FINE / 20.0, sw;
    int margin = FINE / 8, nw = (int)fmax(1, floor(bw * s + 0.5));
    int nh = (int)fmax(1, floor(bh * s + 0.5)), r;
    struct fimg g;
    float box[20 * 20] = { 0 };
    double m = 0, mx = 0, my = 0;
    int dx, dy, err;

    if ((err = fimg_new(&g, nw + 2 * margin, nh + 2 * margin)))
        return err;
    if ((err = resample(f, x0 - margin / s, y0 - margin / s,
                        bw + 2 * margin / s, bh + 2 * margin / s, g.p, g.w,
                        g.h, g.w))) {
        free(g.p);
        return err;
    }
    sw = stroke_width(&g);
    r = (int)floor(fabs(target - sw) / 2 + 0.5);
    if (sw > 0 && sw < 0.8 * target && r > 0)
        err = morph(&g, r, 1);
    else if (sw > 1.4 * target && r > 0)
        err = morph(&g, r, 0);
    if (err) {
        free(g.p);
        return err;
    }
    /* The ink's box again (strokes grew or shrank), into 20x20. */
    int gx0 = g.w, gy0 = g.h, gx1 = -1, gy1 = -1;
    for (int y = 0; y < g.h; y++)
        for (int x = 0; x < g.w; x++)
            if (g.p[(long)y * g.w + x] > 0.05f) {
                gx0 = x < gx0 ? x : gx0;
                gx1 = x > gx1 ? x : gx1;
                gy0 = y < gy0 ? y : gy0;
                gy1 = y > gy1 ? y : gy1;
            }
    if (gx1 < 0) {
        gx0 = gy0 = 0;
        gx1 = g.w - 1;
        gy1 = g.h - 1;
    }
    bw = gx1 - gx0 + 1;
    bh = gy1 - gy0 + 1;
    s = 20.0 / fmax(bw, bh);
    nw = (int)fmax(1, floor(bw * s + 0.5));
    nh = (int)fmax(1, floor(bh * s + 0.5));
    err = resample(&g, gx0, gy0, bw, bh, box, nw, nh, 20);
    free(g.p);
    if (err)
        return err;
    for (int y = 0; y < nh; y++)
        for (int x = 0; x < nw; x++) {
            double v = box[y * 20 + x];
            m += v;
            mx += v * x;
            my += v * y;
        }
    /* Shift so the centre of mass lands on (14, 14), staying inside. */
    dx = m > 0 ? (int)floor(14 - mx / m + 0.5) : (28 - nw) / 2;
    dy = m > 0 ? (int)floor(14 - my / m + 0.5) : (28 - nh) / 2;
    dx = dx < 0 ? 0 : dx > 28 - nw ? 28 - nw : dx;
    dy = dy < 0 ? 0 : dy > 28 - nh ? 28 - nh : dy;
    memset(out, 0, 28 * 28 * sizeof *out);
    for (int y = 0; y < nh; y++)
        for (int x = 0; x < nw; x++)
            out[(y + dy) * 28 + x + dx] = box[y * 20 + x];
    return NN_OK;
}

/* The baseline of the programs nnpipe grew from: black and white at mid
 * grey, the whole image shrunk to 28x28, inverted. */
static int plain(struct fimg *f, float *out)
{
    for (long i = 0; i < (long)f->w * f->h; i++)
        f->p[i] = f->p[i] > 0.5f ? 1.0f : 0.0f;    /* f is ink-high already */
    return resample(f, 0, 0, f->w, f->h, out, 28, 28, 28);
}

void nn_prep_opts_default(nn_prep_opts *o)
{
    memset(o, 0, sizeof *o);
    o->invert = -1;
}

/* How far ink stands out on the dark side and on the light side of the
 * paper: the 0.005 and 0.995 quantiles of the image less its background
 * (edge-preserving, whichever polarity).  Ink lies on one side only; the
 * paper's grain and the edges of shadows reach both about equally.  The
 * flattened copy goes in scratch. */
static void tails(const struct fimg *gray, const struct medians *m,
                  float *scratch, double *dark, double *light)
{
    long n = (long)gray->w * gray->h;
    struct fimg r = { gray->w, gray->h, scratch, NULL };

    memcpy(r.p, gray->p, n * sizeof *r.p);
    flatten(&r, m->med, 1);
    /* r is ours to reorder: no copy to select in */
    *dark = -nn_select_quantile(r.p, n, 0.005);
    *light = nn_select_quantile(r.p, n, 0.995);
}

/* What the steps 3 to 5 find under one polarity: the flattened image (ink
 * high), its ink mask's parts and which are the digit, and the evidence
 * that this is ink: its contrast, and how stroke-like the kept parts are. */
struct side {
    struct fimg f;
    unsigned char *mask, *keep;
    unsigned char *digit;   /* 1: a pixel of a kept part */
    int *label;             /* each pixel's part in comps, -1: paper */
    nn_part *comps;
    int n;                  /* parts in comps */
    int x0, y0, x1, y1;     /* the kept parts' box; x1 < 0: nothing kept */
    float top;              /* the flattened image's 0.999 quantile */
    float t;                /* the mask's threshold */
    double width;           /* stroke width of the kept parts, pixels */
    double share;           /* their area over the image's */
    int groups;             /* side by side groups of tall kept parts */
};

static void side_free(struct side *k)
{
    free(k->f.p);
    free(k->mask);
    free(k->keep);
    free(k->digit);
    free(k->label);
    free(k->comps);
    memset(k, 0, sizeof *k);
}

/* Written strokes are thin against the digit and ink is the minority of
 * the picture.  The wrong polarity finds the paper as "ink" (one broad part
 * covering most of the picture), only the paper's grain (specks as wide
 * as they are long), or the inside of a loop (a blob).  Stroke width is
 * 2 * area / perimeter: a filled disc's is half its extent, a 3:2
 * ellipse's about 0.4 of it, a 2:1 ellipse's 0.32 (a bound of 0.4 let a
 * 9's loop through as the digit); a ring's is (R - r) / 2R, 0.3 when the
 * hole is 0.4 of the ring; MNIST's strokes are 0.13 of their box. */
static int stroke_like(const struct side *k)
{
    double extent = fmax(k->x1 - k->x0 + 1, k->y1 - k->y0 + 1);
    return k->x1 >= 0 && k->top >= FAINT && k->share < 0.4 &&
           k->width < 0.3 * extent;
}

/* Tall kept parts (at least half the tallest) in groups whose columns do
 * not overlap: digits written side by side. */
static int side_by_side(const struct side *k)
{
    int tallest = 0, groups = 0, lo[64], hi[64];

    for (int i = 0; i < k->n; i++)
        if (k->keep[i] && k->comps[i].y1 - k->comps[i].y0 + 1 > tallest)
            tallest = k->comps[i].y1 - k->comps[i].y0 + 1;
    for (int i = 0; i < k->n; i++) {
        const nn_part *c = &k->comps[i];
        int g;
        if (!k->keep[i] || 2 * (c->y1 - c->y0 + 1) < tallest)
            continue;
        for (g = 0; g < groups; g++)
            if (c->x0 <= hi[g] && c->x1 >= lo[g])
                break;
        if (g == groups) {
            if (groups == 64)
                continue;
            lo[groups] = c->x0;
            hi[groups++] = c->x1;
        }
        lo[g] = c->x0 < lo[g] ? c->x0 : lo[g];
        hi[g] = c->x1 > hi[g] ? c->x1 : hi[g];
    }
    return groups;
}

/* k's box: that of its kept parts (x1 -1 if none). */
static void kept_parts_box(struct side *k)
{
    k->x0 = k->y0 = INT32_MAX;
    k->x1 = k->y1 = -1;
    for (int i = 0; i < k->n; i++)
        if (k->keep[i]) {
            const nn_part *c = &k->comps[i];
            k->x0 = c->x0 < k->x0 ? c->x0 : k->x0;
            k->y0 = c->y0 < k->y0 ? c->y0 : k->y0;
            k->x1 = c->x1 > k->x1 ? c->x1 : k->x1;
            k->y1 = c->y1 > k->y1 ? c->y1 : k->y1;
        }
}

/* Steps 4 and 5 on k->f, the flattened image: threshold, parts, which
 * are the digit, and the evidence.  NN_OK or NN_ENOMEM. */
static int segment(struct side *k, float *scratch)
{
    long npx = (long)k->f.w * k->f.h, area = 0, edge = 0;

    free(k->mask);
    free(k->keep);
    free(k->digit);
    free(k->label);
    free(k->comps);
    k->mask = k->keep = k->digit = NULL;
    k->label = NULL;
    k->comps = NULL;
    k->n = 0;
    k->x1 = -1;
    if (!(k->mask = malloc(npx)))
        return NN_ENOMEM;
    k->top = quantile(k->f.p, npx, 0.999, scratch);
    /* (the 0.999 quantile of a picture of 1000 * FEW pixels or fewer is
     * among its FEW brightest already) */
    if (k->top < FAINT && npx > 1000L * FEW) {
        float few = quantile(k->f.p, npx, 1.0 - (double)FEW / npx, scratch);
        k->top = few >= FAINT && few >= STANDS * k->top ? few : k->top;
    }
    k->t = fmaxf(otsu(&k->f), 0.25f * k->top);
    for (long i = 0; i < npx; i++)
        k->mask[i] = k->f.p[i] > k->t;
    if ((k->n = nn_prep_parts(k->mask, k->f.w, k->f.h, &k->label,
                              &k->comps)) < 0) {
        k->n = 0;
        return NN_ENOMEM;
    }
    if (!(k->keep = malloc(k->n ? k->n : 1)) || !(k->digit = malloc(npx)))
        return NN_ENOMEM;
    choose(k->comps, k->n, k->f.w, k->f.h, k->keep);
    /* Which pixels are the digit's: a byte each, not the labels' int. */
    for (long i = 0; i < npx; i++)
        k->digit[i] = k->label[i] >= 0 && k->keep[k->label[i]];
    kept_parts_box(k);
    /* Stroke width of the kept parts: 2 * area / perimeter, as
     * stroke_width() measures it. */
    for (int y = 0; y < k->f.h; y++)
        for (int x = 0; x < k->f.w; x++) {
            long i = (long)y * k->f.w + x;
            if (!k->digit[i])
                continue;
            area++;
            edge += x == 0 || y == 0 || x == k->f.w - 1 || y == k->f.h - 1 ||
                    !k->mask[i - 1] || !k->mask[i + 1] ||
                    !k->mask[i - k->f.w] || !k->mask[i + k->f.w];
        }
    k->width = edge ? 2.0 * area / edge : 0;
    k->share = (double)area / npx;
    k->groups = side_by_side(k);
    return NN_OK;
}

/* Whether the ink kept by step 5 stands out from the paper less than
 * OVER_GRAIN times the paper's grain: the flattened image's median, when
 * ink (the mask) is under half of it and that median is under the
 * faintest ink (FAINT; else most of the picture is neither paper nor the
 * ink kept: a thick stroke's middle that flattening hollowed out, say).
 * A clean drawing's paper is flat: its median is 0, and any ink stands
 * out. */
static int blank_grain(const struct side *k, float *scratch)
{
    long npx = (long)k->f.w * k->f.h, n = 0, ink = 0;
    double sum = 0;
    float core, paper;

    if (k->x1 < 0)
        return 0;
    for (long i = 0; i < npx; i++) {
        sum += k->f.p[i];
        ink += k->mask[i];
        if (k->digit[i])
            scratch[n++] = k->f.p[i];
    }
    core = nn_select_quantile(scratch, n, 0.9);
    /* the median of values >= 0 is at most twice their mean: most ink
     * stands out far more, and needs no selection over the picture */
    if (2 * ink >= npx || core >= OVER_GRAIN * 2 * sum / npx)
        return 0;
    memcpy(scratch, k->f.p, npx * sizeof *scratch);
    paper = nn_select_quantile(scratch, npx, 0.5);
    return paper < FAINT && core < OVER_GRAIN * paper;
}

/* Step 5b: the edge of a shadow is not ink.  Where light falls unevenly,
 * flatten() leaves a band of "ink" along a shadow's hard edge, which
 * unshadow() cannot tell from strong ink when it is the strongest thing in
 * the picture (a blank page half in shadow), and which is kept beside a
 * digit that it touches or outweighs.  A pen's stroke has paper on both
 * sides; such a band has the lit paper on one side and, on the other, the
 * shadow, as dark as the band itself.  Each part of the mask is crossed
 * across its length (along rows if it is taller than wide, else along
 * columns; along its length, a stroke that the threshold broke ends in
 * ink left out of the mask): a crossing is one-sided when its ink (its
 * darkest pixel in the picture) stands out from the paper beyond one end
 * (the median of the 2nd to REACH-th pixels past it that are not ink)
 * less than ONE_SIDED times as much as from the paper beyond the other,
 * and no ink of the part itself or of the digit lies further on that side
 * (else it is a gap between strokes, or a thick stroke's middle that
 * flattening left out of the mask, and the crossing is not judged).  A
 * part crossed MIN_CROSS times or more, EDGE of them or more one-sided, is
 * an edge.  On make photoset-dev, the digits' parts are one-sided 0.04 of
 * the time or less, the bands kept beside them 0.20 to 0.99; on blank
 * pictures drawn as make photoset draws its light kind, 0.27 to 0.95. */
#define ONE_SIDED 0.3
#define EDGE 0.15
enum { MIN_CROSS = 10, REACH = 6 };

/* Whether ink of part `part`, or of the digit, lies on a line of k's
 * labels (label, step apart) beyond position `end` in direction dir (-1 or
 * 1; along rows when pass is 0): none lies beyond that part's box and the
 * digit's. */
static int ink_beyond(const struct side *k, const int *label, long step,
                      int part, int end, int dir, int pass)
{
    const nn_part *c = &k->comps[part];
    int lo = pass ? c->y0 : c->x0, hi = pass ? c->y1 : c->x1;

    if (k->x1 >= 0) {
        int klo = pass ? k->y0 : k->x0, khi = pass ? k->y1 : k->x1;
        lo = klo < lo ? klo : lo;
        hi = khi > hi ? khi : hi;
    }
    for (int at = end + dir; at >= lo && at <= hi; at += dir) {
        int q = label[(long)at * step];
        if (q >= 0 && (q == part || k->keep[q]))
            return 1;
    }
    return 0;
}

/* Which parts of k's mask are edges (edge[part] set), in g: the working
 * picture, ink high.  NN_OK or NN_ENOMEM. */
static int edges(const struct fimg *g, const struct side *k,
                 unsigned char *edge)
{
    int w = g->w, h = g->h, n = k->n;
    long *cross = calloc(2 * (size_t)(n ? n : 1), sizeof *cross), *one;

    if (!cross)
        return NN_ENOMEM;
    one = cross + n;
    /* along rows (pass 0: the tall parts), then along columns */
    for (int pass = 0; pass < 2; pass++) {
        int lines = pass ? w : h, len = pass ? h : w;
        long step = pass ? w : 1, across = pass ? 1 : w;
        for (int a = 0; a < lines; a++) {
            const int *label = k->label + a * across;
            const unsigned char *mask = k->mask + a * across;
            const float *p = g->p + a * across;
            for (int b = 0; b < len;) {
                int part = label[b * step], b0 = b, ns[2] = { 0, 0 }, weak;
                float ink = 0, side[2][REACH];
                const nn_part *c;
                if (part < 0) {
                    b++;
                    continue;
                }
                for (; b < len && label[b * step] == part; b++)
                    ink = fmaxf(ink, p[b * step]);
                c = &k->comps[part];
                if ((c->y1 - c->y0 > c->x1 - c->x0) == pass)
                    continue;   /* along the part's length */
                if (b0 < REACH || b - 1 > len - 1 - REACH)
                    continue;   /* too near the picture's edge */
                for (int d = 2; d <= REACH; d++) {
                    long end[2] = { (long)(b0 - d) * step,
                                    (long)(b - 1 + d) * step };
                    for (int e = 0; e < 2; e++)
                        if (!mask[end[e]])
                            side[e][ns[e]++] = p[end[e]];
                }
                if (ns[0] < 3 || ns[1] < 3)
                    continue;
                double l = ink - nn_select_kth(side[0], ns[0], ns[0] / 2);
                double r = ink - nn_select_kth(side[1], ns[1], ns[1] / 2);
                weak = fmin(l, r) < ONE_SIDED * fmax(l, r);
                int dir = l < r ? -1 : 1;   /* toward the darker side */
                if (weak && ink_beyond(k, label, step, part,
                                       dir < 0 ? b0 : b - 1, dir, pass))
                    continue;
                cross[part]++;
                one[part] += weak;
            }
        }
    }
    for (int i = 0; i < n; i++)
        edge[i] = cross[i] >= MIN_CROSS && one[i] >= EDGE * cross[i];
    free(cross);
    return NN_OK;
}

/* Step 5b on k, found in g (the working picture, ink high): the edges of
 * shadows leave its mask, its parts and its digit.  *cleared: whether they
 * were part of the digit.  NN_OK or NN_ENOMEM. */
static int unedge(struct side *k, const struct fimg *g, int *cleared)
{
    unsigned char *is = malloc(k->n ? k->n : 1);

    *cleared = 0;
    if (!is || edges(g, k, is)) {
        free(is);
        return NN_ENOMEM;
    }
    for (long i = 0; i < (long)g->w * g->h; i++)
        if (k->label[i] >= 0 && is[k->label[i]]) {
            *cleared |= k->digit[i];
            k->mask[i] = k->digit[i] = 0;
            k->label[i] = -1;
        }
    for (int i = 0; i < k->n; i++)
        k->keep[i] = k->keep[i] && !is[i];
    kept_parts_box(k);
    free(is);
    return NN_OK;
}

/* Steps 3 to 5 on gray (values in [0,1]) as ink-high when invert is 0,
 * inverted first when it is 1; m: gray's block medians.  NN_OK (whatever
 * was found) or NN_ENOMEM. */
static int find_ink(const struct fimg *gray, const struct medians *m,
                    int invert, struct side *k, float *scratch)
{
    long npx = (long)gray->w * gray->h;

    memset(k, 0, sizeof *k);
    if (fimg_new(&k->f, gray->w, gray->h))
        return NN_ENOMEM;
    for (long i = 0; i < npx; i++)
        k->f.p[i] = invert ? 1.0f - gray->p[i] : gray->p[i];
    flatten(&k->f, invert ? m->inv : m->med, 0);
    return segment(k, scratch);
}

/* Step 3b, for the polarity chosen: the light's hard edges.  A shadow
 * with a hard edge changes the paper's level faster than the blocks of
 * flatten() follow, and leaves a band beside the edge as bright as faint
 * ink, often touching the digit.  The white top-hat of the picture (less
 * its opening by a square) follows such an edge exactly, as it does any
 * ramp or plateau wider than the square.  Where the flattened image is
 * faint (under SURE of its top), it keeps only what the top-hat also calls
 * ink; its strong ink stays whatever the top-hat says, so that a stroke
 * wider than the square (a marker's, in a tight crop) keeps its core.  The
 * square's side is an eighth of the picture's.  Chosen on make
 * photoset-dev's light kind (66% read right before, 97.5% after). */
#define SURE 0.7f
static int unshadow(const struct fimg *gray, int invert, struct side *k,
                    float *scratch)
{
    long npx = (long)gray->w * gray->h;
    int side = gray->w > gray->h ? gray->w : gray->h, r = side / 16 + 2;
    long lost = 0;          /* ink of the mask that is ink no more */
    struct fimg g;

    if (k->top < FAINT)     /* no ink: nothing to clean */
        return NN_OK;
    if (fimg_new(&g, gray->w, gray->h))
        return NN_ENOMEM;
    for (long i = 0; i < npx; i++)
        g.p[i] = invert ? 1.0f - gray->p[i] : gray->p[i];
    if (tophat(&g, r, scratch)) {
        free(g.p);
        return NN_ENOMEM;
    }
    for (long i = 0; i < npx; i++)
        if (k->f.p[i] < SURE * k->top && g.p[i] < k->f.p[i]) {
            k->f.p[i] = g.p[i];
            lost += k->mask[i] && g.p[i] <= k->t;
        }
    free(g.p);
    return lost ? segment(k, scratch) : NN_OK;     /* the same mask: done */
}

/* nn_prep_ink on the part `from` of the picture. */
static int ink_of(const uint8_t *gray, int w, int h, nn_box from,
                  const nn_prep_opts *o, int grow, nn_ink *ink, char *why,
                  size_t whylen)
{
    struct fimg src = { w, h, NULL, gray }, f = { 0, 0, NULL, NULL };
    int fw = from.x1 - from.x0 + 1, fh = from.y1 - from.y0 + 1;
    struct side sides[2], *k;
    struct medians m;
    nn_prep_info info = { 0, 0, 0, 0 };
    float *scratch = NULL, paper;
    int invert, edge, err = NN_ENOMEM;
    double scale;

    memset(ink, 0, sizeof *ink);
    ink->from = from;
    memset(sides, 0, sizeof sides);
    /* Step 1: floats in [0,1], at most WORK pixels on the longest side
     * (exactly WORK if told to grow a smaller picture). */
    scale = (double)WORK / (fw > fh ? fw : fh);
    scale = grow ? scale : fmin(1.0, scale);
    if (fimg_new(&f, (int)fmax(1, floor(fw * scale + 0.5)),
                 (int)fmax(1, floor(fh * scale + 0.5))))
        goto fail;
    if (resample(&src, from.x0, from.y0, fw, fh, f.p, f.w, f.h, f.w))
        goto fail;
    if (!(scratch = malloc((size_t)f.w * f.h * sizeof *scratch)))
        goto fail;
    stage(o, "1-gray", &f);
    if ((err = off_sheet(&f, scratch)))
        goto fail;

    /* Step 2: polarity.  The border is mostly paper: its median says which
     * side of mid-grey the paper is on.  Unless told, both polarities go
     * through steps 3 to 5, and the one that finds stroke-like ink wins,
     * unless its ink stands out much less than the other side's; when both
     * do, the one whose ink stands out more (tails()), or when that is
     * close, the one whose strokes are less than half as wide as the
     * other's (the lit wedge of a page beside a hard shadow is a "stroke"
     * as wide as a marker's), or failing that, the one with less ink; when
     * neither does, the border's. */
    paper = border_level(&f, scratch);
    invert = o->invert >= 0 ? o->invert : paper > 0.5f;
    block_medians(&f, scratch, &m);
    if ((err = find_ink(&f, &m, invert, &sides[0], scratch)))
        goto fail;
    info.inverted = invert;
    info.strokes = stroke_like(&sides[0]);
    if (o->invert < 0) {
        double dark, light, ca, cb;
        int a, b;
        if ((err = find_ink(&f, &m, !invert, &sides[1], scratch)))
            goto fail;
        tails(&f, &m, scratch, &dark, &light);
        a = info.strokes;
        b = stroke_like(&sides[1]);
        ca = invert ? dark : light;     /* how far each side's ink stands out */
        cb = invert ? light : dark;
        if (a && b) {
            double sa = sides[0].share, sb = sides[1].share;
            double wa = sides[0].width, wb = sides[1].width;
            if (fmax(ca, cb) >= 1.5 * fmin(ca, cb))
                b = cb > ca;
            else if (fmax(wa, wb) >= 2 * fmin(wa, wb))
                b = wb < wa;            /* the pen's is the thinner stroke */
            else {                      /* ink is the minority */
                info.uncertain = fmax(sa, sb) < 1.5 * fmin(sa, sb);
                b = sb < sa;
            }
            info.strokes = 1;
        } else if (a || b) {
            /* Strokes on the side that stands out less are the paper's
             * grain or a shadow's edge beside a blob of ink. */
            int weak = a ? cb >= 1.5 * ca : ca >= 1.5 * cb;
            info.strokes = !weak;
            b = weak ? cb > ca : b;
        }
        if (b) {
            side_free(&sides[0]);
            sides[0] = sides[1];
            memset(&sides[1], 0, sizeof sides[1]);
            info.inverted = !invert;
        }
    }
    k = &sides[0];
    if ((err = unshadow(&f, info.inverted, k, scratch)))
        goto fail;
    info.groups = k->groups;
    if (o->info)
        *o->info = info;
    if (info.inverted)
        for (long i = 0; i < (long)f.w * f.h; i++)
            f.p[i] = 1.0f - f.p[i];
    stage(o, "2-ink", &f);
    ink->w = f.w;
    ink->h = f.h;
    if (o->plain) {
        ink->p = f.p;
        f.p = NULL;
        err = NN_OK;
        goto fail;
    }
    stage(o, "3-flat", &k->f);
    if (k->top < FAINT) {
        err = nn_why(why, whylen, NN_EFORMAT, "no ink found: the image is "
                     "blank or has almost no contrast");
        goto fail;
    }
    if ((err = unedge(k, &f, &edge)))
        goto fail;
    if (edge && k->x1 < 0) {
        err = nn_why(why, whylen, NN_EFORMAT, "no ink found: only the edge "
                     "of a shadow");
        goto fail;
    }
    if (blank_grain(k, scratch)) {
        err = nn_why(why, whylen, NN_EFORMAT, "no ink found: nothing stands "
                     "out from the paper's grain");
        goto fail;
    }
    ink->p = k->f.p;            /* the chosen polarity's, flattened */
    ink->mask = k->mask;
    ink->digit = k->digit;
    k->f.p = NULL;
    k->mask = NULL;
    k->digit = NULL;
    err = NN_OK;
fail:
    free(f.p);
    free(scratch);
    side_free(&sides[0]);
    side_free(&sides[1]);
    return err;
}

/* The box of step 5's kept parts (ink->digit); x1 is -1 if there are
 * none. */
static nn_box kept_box(const nn_ink *ink)
{
    nn_box b = { ink->w, ink->h, -1, -1 };

    for (int y = 0; y < ink->h; y++)
        for (int x = 0; x < ink->w; x++)
            if (ink->digit[(long)y * ink->w + x]) {
                b.x0 = x < b.x0 ? x : b.x0;
                b.x1 = x > b.x1 ? x : b.x1;
                b.y0 = y < b.y0 ? y : b.y0;
                b.y1 = y;
            }
    return b;
}

/* Where to read small ink again (step 1): the ink kept in a picture that
 * was area-averaged down (ink->digit, step 5's parts) under CLOSE pixels
 * high is read again from the part of the picture around it, with its
 * height's margin on each side, if that part is at most half the
 * picture's longer side each way: a digit 80 pixels high in a phone's
 * photo of a page is 10 at the working resolution, too few for its shape,
 * but all of them in the part around it.  1 and *near that part (in the
 * picture's pixels), or 0. */
static int closer(const nn_ink *ink, nn_box *near)
{
    int fw = ink->from.x1 - ink->from.x0 + 1, m;
    int fh = ink->from.y1 - ink->from.y0 + 1, side = fw > fh ? fw : fh;
    double s = (double)fw / ink->w;     /* picture pixels per working one */
    nn_box b;

    if (s <= 1 || !ink->digit)
        return 0;
    b = kept_box(ink);
    if (b.x1 < 0 || b.y1 - b.y0 + 1 >= CLOSE)
        return 0;
    m = b.y1 - b.y0 + 1;
    near->x0 = ink->from.x0 + (int)fmax(0, (b.x0 - m) * s);
    near->y0 = ink->from.y0 + (int)fmax(0, (b.y0 - m) * s);
    near->x1 = ink->from.x0 + (int)fmin(fw - 1, (b.x1 + m + 1) * s);
    near->y1 = ink->from.y0 + (int)fmin(fh - 1, (b.y1 + m + 1) * s);
    return 2 * (near->x1 - near->x0 + 1) <= side &&
           2 * (near->y1 - near->y0 + 1) <= side;
}

/* Steps 1 to 4: ink->p the ink at working resolution (values in [0,1],
 * ink high, light flattened) and ink->mask its pixels above the threshold;
 * with o->plain, ink->p after step 2 (the polarity chosen) and no mask.
 * A digit small in a large photo is read again from the part of the
 * photo around it (closer()). */
int nn_prep_ink(const uint8_t *gray, int w, int h, const nn_prep_opts *o,
                int grow, nn_ink *ink, char *why, size_t whylen)
{
    nn_ink again;
    nn_box near;
    int err;

    if (w < 1 || h < 1) {
        memset(ink, 0, sizeof *ink);
        return nn_why(why, whylen, NN_EINVAL, "empty image");
    }
    err = ink_of(gray, w, h, (nn_box){ 0, 0, w - 1, h - 1 }, o, grow, ink,
                 why, whylen);
    if (err || o->plain || !closer(ink, &near))
        return err;
    if (ink_of(gray, w, h, near, o, grow, &again, NULL, 0) != NN_OK) {
        nn_ink_free(&again);
        return NN_OK;
    }
    nn_ink_free(ink);
    *ink = again;
    return NN_OK;
}

void nn_ink_free(nn_ink *ink)
{
    free(ink->p);
    free(ink->mask);
    free(ink->digit);
    memset(ink, 0, sizeof *ink);
}

/* Step 6 for the pixels of one digit (sel[i] set): its ink only, with a
 * pixel of anti-aliased edge, scaled so that the strokes' cores reach 1,
 * then cropped, brought to MNIST's stroke width and placed into out.
 * The work is on a window of the image: the digit's box and what place()
 * reads around it (a margin of an eighth of its side), not the whole
 * image (segment.c places many candidate digits of one picture). */
int nn_prep_place(const nn_ink *ink, const unsigned char *sel, nn_box in,
                  float *out)
{
    struct fimg f = { 0, 0, NULL, NULL };
    float *core_v, core;
    int x0 = INT32_MAX, y0 = INT32_MAX, x1 = -1, y1 = -1, err;
    int wx0, wy0, wx1, wy1, pad;    /* the window */
    long k = 0, n;

    for (int y = in.y0; y <= in.y1; y++)
        for (int x = in.x0; x <= in.x1; x++)
            if (sel[(long)y * ink->w + x]) {
                k++;
                x0 = x < x0 ? x : x0;
                y0 = y < y0 ? y : y0;
                x1 = x > x1 ? x : x1;
                y1 = y > y1 ? y : y1;
            }
    if (k == 0)
        return NN_EINVAL;
    pad = ((x1 - x0 > y1 - y0 ? x1 - x0 : y1 - y0) + 1) / 8 + 2;
    wx0 = x0 > pad ? x0 - pad : 0;
    wy0 = y0 > pad ? y0 - pad : 0;
    wx1 = x1 + pad < ink->w ? x1 + pad : ink->w - 1;
    wy1 = y1 + pad < ink->h ? y1 + pad : ink->h - 1;
    f.w = wx1 - wx0 + 1;
    f.h = wy1 - wy0 + 1;
    n = (long)f.w * f.h;
    if (!(f.p = calloc(n + k, sizeof *f.p)))  /* and core_v after it */
        return NN_ENOMEM;
    core_v = f.p + n;
    k = 0;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
            if (sel[(long)y * ink->w + x])
                core_v[k++] = ink->p[(long)y * ink->w + x];
    core = nn_select_quantile(core_v, k, 0.9);
    /* Only pixels within one of the box can be near the digit; the rest
     * stay 0 (and 0 / core is 0: sel's pixels are ink, above 0). */
    for (int y = y0 > 0 ? y0 - 1 : 0; y <= y1 + 1 && y < ink->h; y++)
        for (int x = x0 > 0 ? x0 - 1 : 0; x <= x1 + 1 && x < ink->w; x++) {
            long i = (long)y * ink->w + x;
            int near = 0;
            for (int dy = -1; dy <= 1 && !near; dy++)
                for (int dx = -1; dx <= 1 && !near; dx++) {
                    int sx = x + dx, sy = y + dy;
                    near = sx >= 0 && sy >= 0 && sx < ink->w &&
                           sy < ink->h && sel[(long)sy * ink->w + sx];
                }
            f.p[(long)(y - wy0) * f.w + x - wx0] =
                near ? fminf(1.0f, ink->p[i] / core) : 0.0f;
        }
    err = place(&f, x0 - wx0, y0 - wy0, x1 - wx0, y1 - wy0, out);
    free(f.p);
    return err;
}

/* Whether step 5's ink could hold a box: ink in the band along each side
 * of its bounding box (as deep as a box turned 8 degrees needs) in 80% of
 * the side's columns or rows.  Most digits fail this cheap test, and
 * unbox() does not look further. */
static int boxed(const nn_ink *ink)
{
    nn_box b = kept_box(ink);
    int x0 = b.x0, y0 = b.y0, x1 = b.x1, y1 = b.y1, band, sides = 0;

    if (x1 < 0)
        return 0;
    band = 2 + (int)(0.15 * (x1 - x0 > y1 - y0 ? x1 - x0 : y1 - y0));
    for (int side = 0; side < 4; side++) {
        int across = side < 2, n = across ? x1 - x0 + 1 : y1 - y0 + 1;
        int hit = 0;
        for (int i = 0; i < n; i++) {
            int any = 0;
            for (int d = 0; d < band && !any; d++) {
                int x = across ? x0 + i : side == 2 ? x0 + d : x1 - d;
                int y = !across ? y0 + i : side == 0 ? y0 + d : y1 - d;
                any = x >= x0 && x <= x1 && y >= y0 && y <= y1 &&
                      ink->digit[(long)y * ink->w + x];
            }
            hit += any;
        }
        sides += hit >= 0.8 * n;
    }
    return sides == 4;
}

/* Step 5 again on ink's mask, once what was printed on the paper is
 * cleared from it: the digit's parts, chosen from what is left.  NN_OK
 * or NN_ENOMEM. */
static int choose_again(nn_ink *ink)
{
    nn_part *c = NULL;
    unsigned char *keep = NULL;
    int *label = NULL, n, err = NN_ENOMEM;

    if ((n = nn_prep_parts(ink->mask, ink->w, ink->h, &label, &c)) < 0 ||
        !(keep = malloc(n ? n : 1)))
        goto done;
    choose(c, n, ink->w, ink->h, keep);
    for (long i = 0; i < (long)ink->w * ink->h; i++)
        ink->digit[i] = label[i] >= 0 && keep[label[i]];
    err = NN_OK;
done:
    free(label);
    free(c);
    free(keep);
    return err;
}

/* Step 5a: the lines of ruled or squared paper (lib/frame.c) are cleared
 * from ink's mask, and step 5 chooses the digit's parts again from what is
 * left.  NN_OK (lines or none) or NN_ENOMEM. */
static int unrule(nn_ink *ink)
{
    int found = nn_prep_ruled(ink);

    if (found <= 0)
        return found < 0 ? NN_ENOMEM : NN_OK;
    return choose_again(ink);
}

/* Step 5b: the box a digit is written in on a form (lib/frame.c), likewise.
 * NN_OK (a box or none) or NN_ENOMEM. */
static int unbox(nn_ink *ink)
{
    nn_part *c = NULL;
    int *label = NULL, n, found;

    if (!boxed(ink))
        return NN_OK;
    if ((n = nn_prep_parts(ink->mask, ink->w, ink->h, &label, &c)) < 0)
        return NN_ENOMEM;
    found = nn_prep_frames(ink->mask, ink->w, label, c, n);
    free(label);
    free(c);
    if (found <= 0)
        return found < 0 ? NN_ENOMEM : NN_OK;
    return choose_again(ink);
}

int nn_prep_digit(const uint8_t *gray, int w, int h, const nn_prep_opts *o,
                  float *out, char *why, size_t whylen)
{
    nn_ink ink;
    unsigned char *sel;
    int any = 0, err;

    if ((err = nn_prep_ink(gray, w, h, o, 0, &ink, why, whylen)))
        return err;
    if (o->plain) {
        struct fimg f = { ink.w, ink.h, ink.p, NULL };
        err = plain(&f, out);
        goto done;
    }
    /* Step 5, as nn_prep_ink chose the polarity by it, but without the
     * lines of ruled or squared paper and the box the digit was written
     * in. */
    if ((err = unrule(&ink)) || (err = unbox(&ink)))
        goto done;
    err = NN_ENOMEM;
    sel = ink.digit;
    for (long i = 0; i < (long)ink.w * ink.h && !any; i++)
        any = sel[i];
    if (!any) {
        err = nn_why(why, whylen, NN_EFORMAT, "no ink found: nothing that "
                     "looks like a digit");
        goto done;
    }
    if (o->stage) {
        struct fimg f = { ink.w, ink.h, NULL, NULL };
        if (!(f.p = malloc((size_t)f.w * f.h * sizeof *f.p)))
            goto done;
        for (long i = 0; i < (long)f.w * f.h; i++)
            f.p[i] = sel[i] ? ink.p[i] : 0.0f;
        stage(o, "4-digit", &f);
        free(f.p);
    }
    err = nn_prep_place(&ink, sel, (nn_box){ 0, 0, ink.w - 1, ink.h - 1 },
                        out);
done:
    nn_ink_free(&ink);
    return err;
}
