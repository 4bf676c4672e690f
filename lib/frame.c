/* frame.c - what is printed on the paper that digits are written on: the
 * boxes of a form (a row of boxes, a box for each digit, one box around a
 * number) and the lines of ruled or squared paper, found and cleared from
 * an ink mask, so that what is read is the writing: for a number
 * (segment.c, step 1) and for a single digit (prep.c, step 5).
 *
 * A box is straight lines of ink from side to side of a part's bounding
 * box, something written inside it, and paper left there.  Each line is
 * traced (a path of ink that moves at most a pixel across per step, the
 * straightest of the inkiest), so a box photographed a few degrees turned
 * is found; a curve (a digit's loop) bends away from its chord and is no
 * line.  The lines are cleared to their own thickness, so a digit that
 * touches a box's side, or runs across it, keeps its stroke.
 *
 * Ruled or squared paper whose lines come out as ink (dark lines, or a
 * photo whose contrast raises light ones) has two lines or more across,
 * more than RULED of the picture long, sloping GRID_SLANT at most (the
 * picture turned), and on squared paper two or more down too (one: a
 * ruled page's margin); once they are found, every line of their slope
 * inked along FAINT of its part inside the picture is one too (the
 * threshold breaks a faint line; a line's end in a corner), and the lines'
 * ink is cleared but where it is DARKER than theirs (a stroke crossing a
 * line).  A page's lines are thin and fainter than the writing: lines
 * covering most of the picture, or as dark as the ink away from them, are
 * strokes (a digit cropped tight, its bars across the picture).
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

#define LINED 0.9       /* of a box's side: inked so far, a line drawn */
#define SLANT 0.15      /* the most a box's sides slope (8.5 degrees) */
#define BENDS 3         /* curves passed over looking for a line */
#define RULED 0.75      /* of its length: inked so far, a line of the paper */
#define GRID_SLANT 0.18 /* the most a paper's line slopes (10 degrees) */
#define FAINT 0.4       /* inked along this much: a line of the paper */
#define DARKER 1.5      /* the lines' ink: a stroke across a line is darker */

static int by_int(const void *a, const void *b)
{
    return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/* A part's ink seen along a direction, for tracing lines: a step s
 * along (0 to len - 1), a position t across (0 to span - 1); horiz: s is
 * the column from the box's left, t the row from its top, else the
 * other way. */
struct along {
    const int *label;
    int w, id, horiz, len, span;
    nn_box b;
};

/* The pixel at (s, t), as an index into the box (bw = len or span). */
static long in_box(const struct along *a, int s, int t)
{
    return a->horiz ? (long)t * a->len + s : (long)s * a->span + t;
}

static int ink_at(const struct along *a, int s, int t)
{
    int x = a->b.x0 + (a->horiz ? s : t), y = a->b.y0 + (a->horiz ? t : s);
    return a->label[(long)y * a->w + x] == a->id;
}

/* How far a drawn line's path may stray from its chord: within the
 * line's thickness, and a photo's slight bend. */
static int stray(const struct along *a)
{
    return 3 + a->len / 50;
}

/* Where a path's middle begins and ends (*e0, *e1): its ends may run
 * along the lines it meets. */
static void middle(const struct along *a, int *e0, int *e1)
{
    *e0 = 1 + a->len / 20;
    *e1 = a->len - 1 - *e0;
}

/* Where the straight line through a path's middle's ends is at step s. */
static double chord(const struct along *a, const int *path, int s)
{
    int e0, e1;

    middle(a, &e0, &e1);
    return path[e0] + (double)(path[e1] - path[e0]) * (s - e0) /
           (e1 > e0 ? e1 - e0 : 1);
}

/* The best straight line of ink across the part, through no pixel
 * taken[] (in the box: lines found, curves passed over): the path from
 * one side of the box to the other, moving at most one position across
 * per step, that holds the most ink, the straightest of those (a step
 * aside costs a quarter of an ink pixel), into path[] (len).  Its ink
 * pixels, or -1 when it bends from the straight line between its ends by
 * more than a slant's error: a digit's curve, not a drawn line.  score
 * and from: len * span of scratch. */
static int trace(const struct along *a, const unsigned char *taken,
                 int *score, signed char *from, int *path)
{
    int best = INT_MIN, end = 0, ink = 0, bent = stray(a), e0, e1;

    middle(a, &e0, &e1);

    for (int s = 0; s < a->len; s++)
        for (int t = 0; t < a->span; t++) {
            int k = s * a->span + t, m = 0, f = 0;
            if (s > 0) {
                m = score[k - a->span];
                for (int d = -1; d <= 1; d += 2)
                    if (t + d >= 0 && t + d < a->span &&
                        score[k - a->span + d] - 1 > m)
                        m = score[k - a->span + d] - 1, f = d;
            }
            score[k] = m + 4 * (ink_at(a, s, t) && !taken[in_box(a, s, t)]);
            from[k] = (signed char)f;
        }
    for (int t = 0; t < a->span; t++)
        if (score[(a->len - 1) * a->span + t] > best)
            best = score[(a->len - 1) * a->span + t], end = t;
    for (int s = a->len - 1; s >= 0; s--) {
        path[s] = end;
        ink += ink_at(a, s, end) && !taken[in_box(a, s, end)];
        end += from[s * a->span + end];
    }
    /* Straight but for its ends, and no steeper than a box's side
     * turned SLANT. */
    if (abs(path[e1] - path[e0]) > SLANT * (e1 - e0) + bent)
        return -1;
    for (int s = e0; s <= e1; s++)
        if (fabs(path[s] - chord(a, path, s)) > bent)
            return -1;
    return ink;
}

/* The run of the part's ink across the line at step s through path[s]:
 * its first and last positions in *t0, *t1. */
static void across(const struct along *a, const int *path, int s, int *t0,
                   int *t1)
{
    *t0 = *t1 = path[s];
    while (*t0 > 0 && ink_at(a, s, *t0 - 1))
        --*t0;
    while (*t1 + 1 < a->span && ink_at(a, s, *t1 + 1))
        ++*t1;
}

/* Clears from mask m the line that path[] traced (the part's ink along
 * a's direction): its middle is fitted, as a straight line, to the runs
 * of ink across it that are as thick as the line (the median run) and no
 * more, and at each step the line's thickness about it is cleared.  A
 * stroke that touches the line, runs along it or crosses it keeps all
 * but the line's own pixels.  runs: len of scratch. */
static void clear_line(const struct along *a, const int *path, int *runs,
                       unsigned char *m)
{
    double n = 0, ss = 0, st = 0, sss = 0, sst = 0, slope, mid;
    int thick, half;

    for (int s = 0; s < a->len; s++) {
        int t0, t1;
        across(a, path, s, &t0, &t1);
        runs[s] = ink_at(a, s, path[s]) ? t1 - t0 + 1 : 0;
    }
    qsort(runs, a->len, sizeof *runs, by_int);
    thick = runs[a->len / 2];
    half = thick / 2 + 1;
    for (int s = 0; s < a->len; s++) {
        int t0, t1;
        if (!ink_at(a, s, path[s]))
            continue;
        across(a, path, s, &t0, &t1);
        if (t1 - t0 + 1 > thick)
            continue;
        n++;
        ss += s;
        st += (t0 + t1) / 2.0;
        sss += (double)s * s;
        sst += s * (t0 + t1) / 2.0;
    }
    if (n < 2 || n * sss - ss * ss == 0)
        return;
    slope = (n * sst - ss * st) / (n * sss - ss * ss);
    mid = (st - slope * ss) / n;
    for (int s = 0; s < a->len; s++) {
        int c = (int)lround(mid + slope * s);
        for (int t = c - half; t <= c + half; t++)
            if (t >= 0 && t < a->span && ink_at(a, s, t))
                m[a->horiz ? (long)(a->b.y0 + t) * a->w + a->b.x0 + s
                           : (long)(a->b.y0 + s) * a->w + a->b.x0 + t] = 0;
    }
}

/* Marks in taken[] (the box's) the runs of ink across path[]: a line
 * found (bent 0), or where a curve passed over strays from its chord by
 * more than bent.  Where the run is a line it meets (a quarter of the box
 * across or more), only as much as a line is thick. */
static void take(const struct along *a, const int *path, int bent,
                 unsigned char *taken)
{
    int reach = 1 + a->span / 25;

    for (int s = 0; s < a->len; s++) {
        int t0, t1;
        if (bent && fabs(path[s] - chord(a, path, s)) <= bent)
            continue;
        across(a, path, s, &t0, &t1);
        if (t1 - t0 >= a->span / 4) {
            t0 = t0 > path[s] - reach ? t0 : path[s] - reach;
            t1 = t1 < path[s] + reach ? t1 : path[s] + reach;
        }
        for (int t = t0; t <= t1; t++)
            taken[in_box(a, s, t)] = 1;
    }
}

/* Whether n lines (paths, a's direction) include two that are a box's
 * sides: at least half the box apart (a stroke traced twice along its
 * width, or two strokes of a digit, are not). */
static int apart(const struct along *a, const int *paths, int n)
{
    double lo = a->span, hi = -1;

    for (int l = 0; l < n; l++) {
        double mid = (paths[(long)l * a->len] +
                      paths[(long)l * a->len + a->len - 1]) / 2.0;
        lo = mid < lo ? mid : lo;
        hi = mid > hi ? mid : hi;
    }
    return n >= 2 && hi - lo >= 0.5 * a->span;
}

/* The boxes among parts c (n of them; label: their pixels, w wide),
 * cleared from mask m.  A part seen whole (not touching the picture's
 * edge), with something written inside its box and paper left there (not
 * a loop, not a blot), is searched for straight lines of ink from side to
 * side of its box, inked LINED of their length (less the run that the
 * first line's slope takes); with two lines across and two down, each
 * pair half the box apart or more, it is a frame, and its lines are
 * cleared (clear_line()).  1 if any part was a frame, 0 if none, -1
 * when out of memory. */
int nn_prep_frames(unsigned char *m, int w, const int *label,
                   const nn_part *c, int n)
{
    enum { MAXLINES = 2 * NN_SEG_MAX_DIGITS + 4 };
    int found = 0, err = 0;

    for (int i = 0; i < n && !err; i++) {
        nn_box b = { c[i].x0, c[i].y0, c[i].x1, c[i].y1 };
        int bw = b.x1 - b.x0 + 1, bh = b.y1 - b.y0 + 1;
        int edge = 1 + bh / 40, lines[2] = { 0, 0 };
        double slope = 0;   /* of the first line across: the frame's turn */
        long inside = 0, room = (long)(bw - 2 * edge) * (bh - 2 * edge);
        struct along a[2] = { { label, w, i, 1, bw, bh, b },
                              { label, w, i, 0, bh, bw, b } };
        int *score, *path, *paths[2];
        signed char *from;
        unsigned char *taken;

        if (bh < 12 || bw < 0.3 * bh || c[i].border || room <= 0)
            continue;
        for (int y = b.y0 + edge; y <= b.y1 - edge; y++)
            for (int x = b.x0 + edge; x <= b.x1 - edge; x++)
                inside += m[(long)y * w + x] != 0;
        if (inside < 0.02 * room || inside > 0.5 * room)
            continue;
        score = malloc((size_t)bw * bh * sizeof *score);
        from = malloc((size_t)bw * bh);
        taken = calloc((size_t)bw * bh, 1);
        path = malloc((size_t)MAXLINES * (bw + bh) * sizeof *path);
        if (!score || !from || !taken || !path) {
            err = -1;
            goto next;
        }
        paths[0] = path;
        paths[1] = path + (size_t)MAXLINES / 2 * (bw + bh);
        /* The lines across (d 0) and down (d 1), best first; a line found
         * takes its pixels' runs across it, so that the next is another. */
        for (int d = 0; d < 2; d++) {
            memset(taken, 0, (size_t)bw * bh);
            for (int bends = 0; lines[d] < MAXLINES / 2;) {
                int *p = paths[d] + (size_t)lines[d] * a[d].len;
                int got = trace(&a[d], taken, score, from, p), e0, e1;
                if (got < 0) {      /* a curve holds more ink: passed over */
                    if (++bends > BENDS)
                        break;
                    take(&a[d], p, stray(&a[d]), taken);
                    continue;
                }
                if (d == 0 && lines[0] == 0) {
                    middle(&a[0], &e0, &e1);
                    slope = fabs((double)(p[e1] - p[e0]) / (e1 - e0));
                    slope = slope < SLANT ? slope : SLANT;
                }
                if (got < LINED * (a[d].len - slope * a[d].span))
                    break;
                take(&a[d], p, 0, taken);
                lines[d]++;
            }
        }
        if (!apart(&a[0], paths[0], lines[0]) ||
            !apart(&a[1], paths[1], lines[1]))
            goto next;
        found = 1;
        for (int d = 0; d < 2; d++)
            for (int l = 0; l < lines[d]; l++)
                clear_line(&a[d], paths[d] + (size_t)l * a[d].len, score, m);
next:
        free(score);
        free(from);
        free(taken);
        free(path);
    }
    return err ? err : found;
}

/* The lines of one direction on ruled or squared paper, turned at most
 * GRID_SLANT: of the slopes d / len (d = -GRID_SLANT * len .. GRID_SLANT *
 * len pixels over a line's length), the one along which the most lines of
 * ink RULED * len long or more are found; of slopes finding as many (a
 * thick line is found a little askew too), the one that gathers the ink
 * most sharply (the sum of the squares of the ink along each line), else
 * the one nearer level.  The picture is len long by span across; its np
 * ink pixels are at (pu[i] along, pv[i] across) (for rows, x and y; for
 * columns, y and x).  *drift gets d, and at[k] (span + 2 * GRID_SLANT *
 * len + 1 of them, k = across - the drift at along + GRID_SLANT * len) is
 * 1 on the lines of that slope with ink FAINT of their length inside the
 * picture or more; with no line found, d is 0 and at[] all 0.  The count
 * of lines found (runs of such k), or -1 when out of memory. */
static int grid_lines(const int *pu, const int *pv, long np, int len,
                      int span, int *drift, unsigned char *at)
{
    int dmax = (int)(GRID_SLANT * len), n = span + 2 * dmax + 1;
    double best_sharp = 0;
    long *ink = malloc(n * sizeof *ink);
    long *ends = malloc((n + 1) * sizeof *ends);    /* lines' ends */
    int *shift = malloc(len * sizeof *shift);
    int best = ink && ends && shift ? 0 : -1;

    *drift = 0;
    memset(at, 0, n);
    for (int t = 0; t <= 2 * dmax && best >= 0; t++) {
        int lines = 0, d = (t + 1) / 2 * (t % 2 ? 1 : -1); /* 0, 1, -1, .. */
        double sharp = 0;
        for (int u = 0; u < len; u++)
            shift[u] = dmax - (int)lround((double)d * u / len);
        memset(ink, 0, n * sizeof *ink);
        for (long i = 0; i < np; i++)
            ink[pv[i] + shift[pu[i]]]++;
        for (int k = 0; k < n; k++) {
            lines += ink[k] > RULED * len &&
                     (k == 0 || ink[k - 1] <= RULED * len);
            sharp += (double)ink[k] * ink[k];
        }
        if (lines && (lines > best || (lines == best && sharp > best_sharp))) {
            long inside = 0;    /* line k's pixels inside the picture */
            best = lines;
            best_sharp = sharp;
            *drift = d;
            memset(ends, 0, (n + 1) * sizeof *ends);
            for (int u = 0; u < len; u++) {
                ends[shift[u]]++;
                ends[shift[u] + span]--;
            }
            for (int k = 0; k < n; k++) {
                inside += ends[k];
                at[k] = ink[k] > FAINT * inside;
            }
        }
    }
    free(ink);
    free(ends);
    free(shift);
    return best;
}

/* Whether lines at[0..n-1] (grid_lines()) cover more than half of their
 * places: not thin lines of the paper but strokes, thick or many (a small
 * picture, a digit's bars). */
static int thick(const unsigned char *at, int n)
{
    int on = 0;

    for (int k = 0; k < n; k++)
        on += at[k];
    return 2 * on > n;
}

/* Ruled or squared paper whose lines come out as ink: two lines or more
 * across (grid_lines()), and any down (a margin, or squared paper's).
 * Their ink, and that of the pixel either side (the line's blurred edge),
 * is cleared but where it is DARKER times the lines' own ink (its median)
 * or more: a stroke written across a line.  Where two lines cross (their
 * blurs add up) and along the picture's edge (a line's blur had nowhere
 * to spread), a line's ink is darker than elsewhere, and is cleared
 * whatever its level: a stroke across it loses a few pixels.  1 if
 * cleared, 0 if the paper is not ruled, -1 when out of memory. */
int nn_prep_ruled(nn_ink *ink)
{
    int w = ink->w, h = ink->h;
    int mr = (int)(GRID_SLANT * w), mc = (int)(GRID_SLANT * h);
    int nr = h + 2 * mr + 1, nc = w + 2 * mc + 1, dr, dc, rows, cols;
    int ret = -1;
    long nv = 0, nw = 0, np = 0, npx = (long)w * h;
    unsigned char *row = malloc(nr), *col = malloc(nc), *on = NULL;
    int *px = malloc(npx * sizeof *px), *py = malloc(npx * sizeof *py);
    float *v = NULL, level;

    if (!row || !col || !px || !py)
        goto done;
    for (int y = 0; y < h; y++)         /* the ink, listed once */
        for (int x = 0; x < w; x++)
            if (ink->mask[(long)y * w + x])
                px[np] = x, py[np++] = y;
    rows = grid_lines(px, py, np, w, h, &dr, row);
    cols = rows >= 2 ? grid_lines(py, px, np, h, w, &dc, col) : 0;
    if (rows < 2 || cols < 0) {
        ret = rows < 0 || cols < 0 ? -1 : 0;
        goto done;
    }
    if (thick(row, nr) || thick(col, nc)) {
        ret = 0;
        goto done;
    }
    if (!(on = malloc(npx)) || !(v = malloc(np * sizeof *v)))
        goto done;
    /* a pixel's line across each way, as grid_lines() numbers them */
#define ROW_K(x, y) ((y) - (int)lround((double)dr * (x) / w) + mr)
#define COL_K(x, y) ((x) - (int)lround((double)dc * (y) / h) + mc)
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            long i = (long)y * w + x;
            int r = ROW_K(x, y), c = COL_K(x, y), near = 0, wide = 0;
            for (int e = -2; e <= 2; e++) {     /* 1: a row, 2: a column */
                int k = (r + e >= 0 && r + e < nr && row[r + e]) |
                        (c + e >= 0 && c + e < nc && col[c + e]) << 1;
                wide |= k;
                near |= e >= -1 && e <= 1 ? k : 0;
            }
            /* where lines cross, the corners their blurs fill too */
            if (wide == 3 || (near && (x < 2 || y < 2 || x >= w - 2 ||
                                       y >= h - 2)))
                near = 4;           /* cleared whatever its level */
            on[i] = (unsigned char)near;
            /* the lines' own ink (from v's start), away from the others;
             * the writing's, away from them all (from its end) */
            if (ink->mask[i] && near && near != 4 && row[r] != col[c])
                v[nv++] = ink->p[i];
            else if (ink->mask[i] && !wide)
                v[np - ++nw] = ink->p[i];
        }
#undef ROW_K
#undef COL_K
    level = nv ? nn_select_kth(v, nv, nv / 2) : 0;
    /* Printed lines are fainter than the writing: DARKER times their ink
     * is no more than the writing's core (the 0.9 quantile of the ink away
     * from them), as a stroke across them is.  "Lines" as dark as the rest
     * of the ink are strokes (a Z-shaped 2 cropped to its bars). */
    if (nw && nn_select_quantile(v + np - nw, nw, 0.9) < DARKER * level) {
        ret = 0;
        goto done;
    }
    for (long i = 0; i < npx; i++)
        if (on[i] == 4 || (on[i] && ink->p[i] < DARKER * level))
            ink->mask[i] = 0;
    ret = 1;
done:
    free(row);
    free(col);
    free(px);
    free(py);
    free(v);
    free(on);
    return ret;
}

