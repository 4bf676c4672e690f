/* segment.c - a photo of a number written on one line to its digits, left
 * to right, each as prep.c makes a single digit's 28x28 vector.
 *
 * On the ink that prep.c cleans up (steps 1-4 there), at its working
 * resolution.  Every length below is relative to H, the line's ink height
 * (the tallest substantial part), so that the rules hold at any size:
 *   1. ruled lines: a row more than LINE_ROW of the width in ink is a line
 *      across the page, not a stroke; its ink is cleared;
 *   2. parts: connected components (more than max_parts: not a line of
 *      writing, refused); parts touching the border are dropped when the
 *      inside has substantial ink, as specks (both sides under SPECK * H)
 *      and marks wholly above or below the line's band;
 *   3. parts of one digit (a 5's detached flag, a broken 4, a 7's dash)
 *      overlap in x: merged when they share most of the narrower's width;
 *   4. touching digits: a group wider than SPLIT * H holds about
 *      width / (DIGIT_W * H) digits, cut at the column with the least ink
 *      near each expected boundary;
 *   5. each digit's pixels go through prep.c's step 6.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

#define LINE_ROW 0.75   /* of the width: a ruled line, not a stroke */
#define SPECK 0.2       /* of H: both sides shorter is a speck */
#define SHORT 0.6       /* of H: a part shorter is a piece of a digit */
#define SPLIT 1.1       /* of H: a group wider holds several digits */
#define DIGIT_W 0.7     /* of H: a digit's typical width (MNIST's: 0.5-0.9) */

struct group {
    int x0, x1;         /* columns of the digit's pixels (after a split) */
    int root;           /* the merged group its parts belong to */
};

static int find(int *up, int i)
{
    while (up[i] != i)
        i = up[i] = up[up[i]];
    return i;
}

static int by_x(const void *a, const void *b)
{
    const struct group *p = a, *q = b;
    return (p->x0 > q->x0) - (p->x0 < q->x0);
}

/* 3x5 digits for the numbers on the boxes (bit 2 is the left column). */
static const unsigned char font[10][5] = {
    { 7, 5, 5, 5, 7 }, { 2, 6, 2, 2, 7 }, { 7, 1, 7, 4, 7 }, { 7, 1, 3, 1, 7 },
    { 5, 5, 7, 1, 1 }, { 7, 4, 7, 1, 7 }, { 7, 4, 7, 5, 7 }, { 7, 1, 1, 1, 1 },
    { 7, 5, 7, 5, 7 }, { 7, 5, 7, 1, 7 },
};

static void put(float *img, int w, int h, int x, int y, float v)
{
    if (x >= 0 && y >= 0 && x < w && y < h)
        img[(long)y * w + x] = v;
}

/* The stage "4-boxes": the kept ink dimmed, each digit's box and its
 * number (1 = leftmost) drawn at full white. */
static void show_boxes(const nn_prep_opts *o, const nn_ink *ink,
                       const unsigned char *kept, const nn_box *b, int n,
                       int s)
{
    float *img;

    if (!o->stage || !(img = malloc((size_t)ink->w * ink->h * sizeof *img)))
        return;
    for (long i = 0; i < (long)ink->w * ink->h; i++)
        img[i] = kept[i] ? 0.6f * ink->p[i] : 0.0f;
    for (int d = 0; d < n; d++) {
        char num[12];
        int len = snprintf(num, sizeof num, "%d", d + 1);
        for (int x = b[d].x0; x <= b[d].x1; x++) {
            put(img, ink->w, ink->h, x, b[d].y0, 1);
            put(img, ink->w, ink->h, x, b[d].y1, 1);
        }
        for (int y = b[d].y0; y <= b[d].y1; y++) {
            put(img, ink->w, ink->h, b[d].x0, y, 1);
            put(img, ink->w, ink->h, b[d].x1, y, 1);
        }
        for (int c = 0; c < len; c++)
            for (int y = 0; y < 5 * s; y++)
                for (int x = 0; x < 3 * s; x++)
                    if (font[num[c] - '0'][y / s] & (4 >> (x / s)))
                        put(img, ink->w, ink->h, b[d].x0 + 2 + c * 4 * s + x,
                            b[d].y0 + 2 + y, 1);
    }
    o->stage("4-boxes", img, ink->w, ink->h, o->stage_arg);
    free(img);
}

int nn_segment_digits(const uint8_t *gray, int w, int h,
                      const nn_prep_opts *o, int max_parts, int max_digits,
                      float *out, nn_box *boxes, int *n_out, char *why,
                      size_t whylen)
{
    nn_ink ink;
    nn_part *c = NULL;
    int *label = NULL, *up = NULL, *cols = NULL, n, nd = 0, err;
    unsigned char *keep = NULL, *sel = NULL, *kept = NULL;
    struct group *g = NULL;
    nn_box *wb = NULL;      /* boxes at working resolution */
    long area_max = 0;
    int tall = 0, inner = 0, band0, band1, ng = 0;

    *n_out = 0;
    if (o->plain)
        return nn_why(why, whylen, NN_EINVAL, "the plain method reads one "
                      "digit, not a number");
    if (max_parts < 1 || max_digits < 1)
        return NN_EINVAL;
    if ((err = nn_prep_ink(gray, w, h, o, &ink, why, whylen)))
        return err;
    err = NN_ENOMEM;
    long npx = (long)ink.w * ink.h;

    /* 1. Ruled lines. */
    for (int y = 0; y < ink.h; y++) {
        long k = 0;
        for (int x = 0; x < ink.w; x++)
            k += ink.mask[(long)y * ink.w + x];
        if (k > LINE_ROW * ink.w)
            memset(ink.mask + (long)y * ink.w, 0, ink.w);
    }

    /* 2. Parts, and which of them are writing. */
    if ((n = nn_prep_parts(ink.mask, ink.w, ink.h, &label, &c)) < 0)
        goto done;
    if (n > max_parts) {
        err = nn_why(why, whylen, NN_ELIMIT, "%d separate marks, more than "
                     "%d: not a number on one line (the limit: "
                     "--max-parts)", n, max_parts);
        goto done;
    }
    if (!(keep = calloc(n ? n : 1, 1)) || !(up = malloc((n ? n : 1) * sizeof *up)))
        goto done;
    for (int i = 0; i < n; i++) {
        area_max = c[i].area > area_max ? c[i].area : area_max;
        up[i] = i;
    }
    for (int i = 0; i < n; i++)
        if (!c[i].border && c[i].area >= 0.2 * area_max)
            inner = 1;
    for (int i = 0; i < n; i++) {
        keep[i] = c[i].area >= 0.05 * area_max && !(inner && c[i].border);
        if (keep[i] && c[i].y1 - c[i].y0 + 1 > tall)
            tall = c[i].y1 - c[i].y0 + 1;
    }
    if (tall == 0) {
        err = nn_why(why, whylen, NN_EFORMAT, "no ink found: nothing that "
                     "looks like a digit");
        goto done;
    }
    /* The line's band: the rows of its taller parts (a digit broken
     * across, or cut by a ruled line, spans it with its pieces); H, its
     * height, is the line's ink height. */
    band0 = ink.h;
    band1 = -1;
    for (int i = 0; i < n; i++)
        if (keep[i] && c[i].y1 - c[i].y0 + 1 >= 0.3 * tall) {
            band0 = c[i].y0 < band0 ? c[i].y0 : band0;
            band1 = c[i].y1 > band1 ? c[i].y1 : band1;
        }
    tall = band1 - band0 + 1;
    for (int i = 0; i < n; i++) {
        int cw = c[i].x1 - c[i].x0 + 1, ch = c[i].y1 - c[i].y0 + 1;
        if (c[i].border && inner)
            keep[i] = 0;
        else if (cw < SPECK * tall && ch < SPECK * tall)
            keep[i] = 0;
        else if (c[i].y1 < band0 || c[i].y0 > band1)
            keep[i] = 0;
        else
            keep[i] = 1;
    }

    /* 3. Parts of one digit overlap in x. */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            int ov, narrow, short_part;
            if (!keep[i] || !keep[j])
                continue;
            ov = (c[i].x1 < c[j].x1 ? c[i].x1 : c[j].x1) -
                 (c[i].x0 > c[j].x0 ? c[i].x0 : c[j].x0) + 1;
            narrow = c[i].x1 - c[i].x0 < c[j].x1 - c[j].x0
                   ? c[i].x1 - c[i].x0 + 1 : c[j].x1 - c[j].x0 + 1;
            short_part = c[i].y1 - c[i].y0 + 1 < SHORT * tall ||
                         c[j].y1 - c[j].y0 + 1 < SHORT * tall;
            if (ov > 0 && ov >= (short_part ? 0.5 : 0.8) * narrow)
                up[find(up, i)] = find(up, j);
        }

    /* 4. Groups, split where they are several digits wide. */
    if (!(g = malloc((n ? n : 1) * sizeof *g)) ||
        !(cols = calloc(ink.w, sizeof *cols)))
        goto done;
    for (int i = 0; i < n; i++) {
        int r = find(up, i), k;
        if (!keep[i])
            continue;
        for (k = 0; k < ng && g[k].root != r; k++)
            ;
        if (k == ng)
            g[ng++] = (struct group){ c[i].x0, c[i].x1, r };
        g[k].x0 = c[i].x0 < g[k].x0 ? c[i].x0 : g[k].x0;
        g[k].x1 = c[i].x1 > g[k].x1 ? c[i].x1 : g[k].x1;
    }
    if (ng == 0) {      /* only specks: the band was theirs */
        err = nn_why(why, whylen, NN_EFORMAT, "no ink found: nothing that "
                     "looks like a digit");
        goto done;
    }
    qsort(g, ng, sizeof *g, by_x);
    {
        struct group *d = NULL;
        int cap = ng;
        for (int k = 0; k < ng; k++) {
            int gw = g[k].x1 - g[k].x0 + 1;
            int parts = gw > SPLIT * tall ? (int)(gw / (DIGIT_W * tall) + 0.5) : 1;
            parts = parts < 1 ? 1 : parts;
            if (nd + parts > max_digits) {
                free(d);
                err = nn_why(why, whylen, NN_ELIMIT, "more than %d digits: "
                             "not a number on one line (the limit: "
                             "--max-digits)", max_digits);
                goto done;
            }
            if (nd + parts > cap) {
                struct group *t;
                cap = 2 * (nd + parts);
                if (!(t = realloc(d, cap * sizeof *t))) {
                    free(d);
                    goto done;
                }
                d = t;
            } else if (!d && !(d = malloc(cap * sizeof *d))) {
                goto done;
            }
            /* The column profile of the group's ink. */
            memset(cols, 0, ink.w * sizeof *cols);
            for (long i = 0; i < npx; i++)
                if (label[i] >= 0 && keep[label[i]] &&
                    find(up, label[i]) == g[k].root)
                    cols[i % ink.w]++;
            int from = g[k].x0;
            for (int p = 1; p < parts; p++) {
                double e = g[k].x0 + (double)p * gw / parts;
                int lo = (int)(e - 0.3 * gw / parts), hi = (int)(e + 0.3 * gw / parts);
                int best = (int)e;
                for (int x = lo; x <= hi; x++)
                    if (x > from && x < g[k].x1 &&
                        (cols[x] < cols[best] ||
                         (cols[x] == cols[best] && fabs(x - e) < fabs(best - e))))
                        best = x;
                d[nd++] = (struct group){ from, best - 1, g[k].root };
                from = best;
            }
            d[nd++] = (struct group){ from, g[k].x1, g[k].root };
        }
        free(g);
        g = d;
    }

    /* 5. Each digit's pixels to its vector. */
    if (nd == 0 || !(sel = malloc(npx)) || !(kept = calloc(npx, 1)) ||
        !(wb = malloc(nd * sizeof *wb)))
        goto done;
    for (int k = 0; k < nd; k++) {
        wb[k] = (nn_box){ ink.w, ink.h, -1, -1 };
        for (long i = 0; i < npx; i++) {
            int x = (int)(i % ink.w), y = (int)(i / ink.w);
            sel[i] = label[i] >= 0 && keep[label[i]] &&
                     find(up, label[i]) == g[k].root && x >= g[k].x0 &&
                     x <= g[k].x1;
            if (sel[i]) {
                kept[i] = 1;
                wb[k].x0 = x < wb[k].x0 ? x : wb[k].x0;
                wb[k].x1 = x > wb[k].x1 ? x : wb[k].x1;
                wb[k].y0 = y < wb[k].y0 ? y : wb[k].y0;
                wb[k].y1 = y > wb[k].y1 ? y : wb[k].y1;
            }
        }
        if ((err = nn_prep_place(&ink, sel, out + (long)k * 28 * 28)))
            goto done;
        if (boxes) {
            double sx = (double)w / ink.w, sy = (double)h / ink.h;
            boxes[k] = (nn_box){ (int)(wb[k].x0 * sx), (int)(wb[k].y0 * sy),
                                 (int)((wb[k].x1 + 1) * sx) - 1,
                                 (int)((wb[k].y1 + 1) * sy) - 1 };
        }
    }
    show_boxes(o, &ink, kept, wb, nd, tall >= 60 ? tall / 30 : 1);
    *n_out = nd;
    err = NN_OK;
done:
    nn_ink_free(&ink);
    free(label);
    free(c);
    free(keep);
    free(up);
    free(g);
    free(cols);
    free(sel);
    free(kept);
    free(wb);
    return err;
}
