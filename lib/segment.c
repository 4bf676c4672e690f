/* segment.c - a photo of a number written on one line to its digits, left
 * to right, each as prep.c makes a single digit's 28x28 vector.
 *
 * On the ink that prep.c cleans up (steps 1-4 there), at its working
 * resolution, to which a smaller picture is enlarged (a number photographed
 * small, its digits 20 pixels high: the rules below count pixels), as is
 * the part of a large picture around a number small in it.  Every
 * length below is relative to H, the line's ink height (the tallest
 * substantial part), so that the rules hold at any size:
 *   1. ruled lines: the lines of ruled or squared paper that come out as
 *      ink are cleared but where a stroke crosses them (lib/frame.c).  Then
 *      a row more than LINE_ROW of the width in ink is a line across the
 *      page, not a stroke; its ink is cleared; once H is known (step 2),
 *      so is a row's ink running RUN * H or more (a row or its
 *      neighbours, for a line a little slanted: the line a number is
 *      written on, or underlined with), but under ink standing on it (a
 *      digit's foot keeps its bottom), and step 2 starts again; before
 *      that, once, the boxes the number is written in (a form's row of
 *      boxes, a box per digit, one around it: lib/frame.c) are cleared,
 *      and step 2 starts again if there were any;
 *   2. parts: connected components (more than max_parts: not a line of
 *      writing, refused); a part lying along the picture's edge for more
 *      than its own length (a frame, the table beyond the sheet) is
 *      dropped, and does not count as ink that others are measured
 *      against; parts touching the border are dropped when the
 *      inside has substantial ink, unless the picture's frame cut a digit
 *      (a part of a digit's size with at most FRAME * H of its pixels on
 *      the edge: strokes crossing it, not a shadow along it), as specks
 *      (both sides under SPECK * H) and marks wholly above or below the
 *      line's band; but a speck within GAP * H of a part that is no
 *      speck, directly or through other specks so near, is a piece of a
 *      stroke that a fine pen broke (the dashes left of a 0's side, of a
 *      5's middle): it is kept, as one part with what it is near, though
 *      it never makes one part of two each SHORT * H high or more (two
 *      digits with a speck between them, not one broken); a speck in
 *      the lowest POINT * H of the line's band with no ink of a part
 *      SHORT * H high in its columns in the band's lower half is a point
 *      ("4.071") and is dropped, as is a comma ("4,071"; see comma());
 *   3. parts of one digit (a 5's detached flag, a broken 4, a 7's dash):
 *      parts that overlap in x are merged when they share most of the
 *      narrower's width; then a group shorter than PIECE * H joins the
 *      group nearest to it in x, if one is within NEAR * H; last, two
 *      neighbouring groups join when they are within NEAR * H, together
 *      no wider than SPLIT * H, and the judge (lib/pair.c, a small network
 *      that learnt one digit from two written touching) is sure they are
 *      one digit (a thin 0 or 4 in two halves, a 9 and its tail);
 *   4. touching digits: a group that the judge is sure is one digit is
 *      not cut (a narrow 0 open at the top, a 4 seen at an angle, wider
 *      than SPLIT * H); any other is cut in two where a path down it
 *      crosses one stroke, leaves a digit's height of ink on both sides
 *      and does not run inside a loop (see cut()), though a group no wider
 *      than SPLIT * H that the judge does not call two is cut so only if
 *      the reader reads its sides more surely than it whole (a 4 whose
 *      strokes do not meet); failing such a path, a group wider than
 *      SPLIT * H, or one that the judge is sure holds
 *      two, holds about width / (DIGIT_W * H) digits, two at least, and is
 *      cut down a column near the first expected boundary; of the paths,
 *      and of the columns, the cut is the one whose two sides the reader
 *      (lib/pair.c, a small network that learnt MNIST's digits) reads most
 *      surely as digits; each side is cut again while it can be (the judge
 *      is asked only of step 3's groups, not of the sides it cut: a piece
 *      of a digit looks to it like nothing it learnt; a side still wider
 *      than SPLIT * H is cut only if the reader reads its two sides more
 *      surely than it whole); the digits are read in the order of their
 *      ink's mean column; a picture is given READS readings of the
 *      reader (a number written on a line takes a hundred at most; a
 *      scribble across the page would take one for each column, for each
 *      cut): once they are spent, a cut is the first valid one, and a wide
 *      side is not cut again;
 *   5. each digit's pixels go through prep.c's step 6.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

#define LINE_ROW 0.75   /* of the width: a ruled line, not a stroke */
#define SPECK 0.2       /* of H: both sides shorter is a speck */
#define GAP 0.1         /* of H: the longest break in a broken stroke */
#define POINT 0.25      /* of H: a speck this low beside the digits: a point */
#define COMMA 0.5       /* of H: the tallest comma */
#define ABOVE 0.05      /* of H: ink this near above a comma: a stroke */
#define RUN 2.5         /* of H: a row of ink longer is a line, not a stroke */
#define SHORT 0.6       /* of H: a part shorter is a piece of a digit */
#define PIECE 0.3       /* of H: a group shorter is a piece of a digit */
#define NEAR 0.3        /* of H: the farthest a piece is from its digit */
#define CUT 2.0         /* stroke widths: the most ink where two digits meet */
#define TALL 0.7        /* of H: both sides of a cut hold a digit this high */
#define INSIDE 0.4      /* of H: the most path a cut runs inside a loop */
#define WIDE_IN 0.5     /* of a group's height: a loop's inside this wide */
#define FRAME 0.25      /* of H: the most of a digit on the picture's edge */
#define SHARE 0.1       /* of a piece's ink: the least on either side of a cut */
#define PATH_INK 16     /* a cut's cost for an ink pixel (1 for a step aside) */
#define SPLIT 1.1       /* of H: a piece wider holds several digits */
#define DIGIT_W 0.7     /* of H: a digit's typical width (MNIST's: 0.5-0.9) */
#define JUDGE 0.9       /* the judge's probability of two digits: cut above */
#define ONE 0.2         /* and below it, one digit: do not cut, or join */
#define READS 400       /* the reader's readings for one picture, at most */

/* A digit being cut out: the pixels whose piece[] is its index. */
struct piece {
    int id;
    int x0, y0, x1, y1;     /* its box */
    long area;              /* its pixels */
    double cx;              /* their mean column: the reading order */
    int whole;              /* not cut from another */
    int core_w;             /* the width of its tall parts: short pieces
                               joined to a digit do not widen it */
};

/* Scratch for cut(), for pieces up to the image's size. */
struct cuts {
    int *cost;              /* (w + 2) x h: the least cost down to a pixel */
    signed char *from;      /* the same: the column step it came by */
    int *at, *best;         /* h: a path's column in each row */
    double sure;            /* how surely best's sides read, */
    int found;              /* and whether there is a best */
    int *last;              /* h: the cut read last, */
    double last_sure;       /* how surely its sides read */
    int read;               /* and whether there is one */
    int reads;              /* the readings left for the picture */
    unsigned char *sel;     /* w x h, all 0: the networks' pixels, cleared */
};

static int find(int *up, int i)
{
    while (up[i] != i)
        i = up[i] = up[up[i]];
    return i;
}

static int by_x(const void *a, const void *b)
{
    const struct piece *p = a, *q = b;
    return (p->cx > q->cx) - (p->cx < q->cx);
}

/* 1 if part c lies along the picture's edge for more than its own length:
 * a frame, the table beyond a sheet of paper, a shadow along a whole side.
 * Background, not ink, however large (a digit cut by the frame crosses the
 * edge with a stroke's width, see FRAME). */
static int along_edge(const nn_part *c)
{
    int cw = c->x1 - c->x0 + 1, ch = c->y1 - c->y0 + 1;
    return c->border > (cw > ch ? cw : ch);
}

static int too_many(char *why, size_t whylen, int max_digits)
{
    return nn_why(why, whylen, NN_ELIMIT, "more than %d digits: not a "
                  "number on one line (the limit: --max-digits)", max_digits);
}

/* Piece id's box, pixels and mean column, from its pixels inside box b. */
static void measure(const int *piece, int w, int id, nn_box b, struct piece *p)
{
    double xs = 0;

    *p = (struct piece){ id, b.x1, b.y1, b.x0, b.y0, 0, 0, 0, 0 };
    for (int y = b.y0; y <= b.y1; y++)
        for (int x = b.x0; x <= b.x1; x++)
            if (piece[(long)y * w + x] == id) {
                p->x0 = x < p->x0 ? x : p->x0;
                p->x1 = x > p->x1 ? x : p->x1;
                p->y0 = y < p->y0 ? y : p->y0;
                p->y1 = y > p->y1 ? y : p->y1;
                p->area++;
                xs += x;
            }
    p->cx = p->area ? xs / p->area : 0;
    p->core_w = p->x1 - p->x0 + 1;
    p->whole = 0;
}

/* Whether a cut down piece p (at[row]: the last column of its left side in
 * row p->y0 + row) leaves a digit on each side: ink `high` pixels high or
 * more on both sides, each with SHARE of the ink or more. */
static int two_digits(const int *piece, int w, const struct piece *p,
                      const int *at, double high)
{
    int l0 = p->y1 + 1, l1 = -1, r0 = p->y1 + 1, r1 = -1;
    long left = 0;

    for (int y = p->y0; y <= p->y1; y++)
        for (int x = p->x0; x <= p->x1; x++) {
            if (piece[(long)y * w + x] != p->id)
                continue;
            if (x <= at[y - p->y0]) {
                left++;
                l0 = y < l0 ? y : l0;
                l1 = y;
            } else {
                r0 = y < r0 ? y : r0;
                r1 = y;
            }
        }
    return l1 - l0 + 1 >= high && r1 - r0 + 1 >= high &&
           left >= SHARE * p->area && p->area - left >= SHARE * p->area;
}

/* How many pixels of paper on the path at[] lie inside a loop of the
 * piece's ink: ink is met looking from them in seven of the eight
 * directions or more, and it is WIDE_IN of the piece's height apart or
 * more across.  A path into a 0 or a 6 whose loop is left open (the pen
 * lifted before it closed) passes inside it, seeing out only through the
 * opening; one between two digits has open paper above or below, or only
 * a narrow gap across. */
static int enclosed(const int *piece, int w, const struct piece *p,
                    const int *at)
{
    static const int dir[8][2] = { { 1, 0 }, { -1, 0 }, { 0, 1 }, { 0, -1 },
                                   { 1, 1 }, { 1, -1 }, { -1, 1 }, { -1, -1 } };
    int n = 0;

    for (int y = p->y0; y <= p->y1; y++) {
        int x = at[y - p->y0], hits = 0, span = 0;
        if (x < p->x0 || x > p->x1 || piece[(long)y * w + x] == p->id)
            continue;
        for (int d = 0; d < 8; d++) {
            int sx = x + dir[d][0], sy = y + dir[d][1];
            while (sx >= p->x0 && sx <= p->x1 && sy >= p->y0 && sy <= p->y1 &&
                   piece[(long)sy * w + sx] != p->id)
                sx += dir[d][0], sy += dir[d][1];
            hits += sx >= p->x0 && sx <= p->x1 && sy >= p->y0 && sy <= p->y1;
            if (d < 2)
                span += sx > x ? sx - x : x - sx;
        }
        n += hits >= 7 && span >= WIDE_IN * (p->y1 - p->y0 + 1);
    }
    return n;
}

/* Selects in sel (within p's box) the pixels of piece p (side -1), or of a
 * side of it cut at at[] (the last column of the left side in each row):
 * the left (side 0) or the right (1). */
static void select_part(const nn_ink *ink, const int *piece,
                        const struct piece *p, const int *at, int side,
                        unsigned char *sel)
{
    for (int y = p->y0; y <= p->y1; y++)
        for (int x = p->x0; x <= p->x1; x++)
            sel[(long)y * ink->w + x] =
                piece[(long)y * ink->w + x] == p->id &&
                (side < 0 || (x > at[y - p->y0]) == side);
}

/* What net (nn_pair_prob, the judge's probability of two digits, or
 * nn_read_prob, the reader's of the likeliest digit; lib/pair.c) says of
 * the pixels of sel inside box b, read as step 5 would read them as a
 * digit; -1 if it cannot tell.  sel is cleared. */
static double ask(const nn_ink *ink, unsigned char *sel, nn_box b,
                  double (*net)(const float *))
{
    float vec[28 * 28];
    double prob = nn_prep_place(ink, sel, b, vec) == NN_OK ? net(vec) : -1;

    for (int y = b.y0; y <= b.y1; y++)
        memset(sel + (long)y * ink->w + b.x0, 0, b.x1 - b.x0 + 1);
    return prob;
}

/* The judge's probability that piece p holds two digits. */
static double judge_piece(const nn_ink *ink, const int *piece,
                          const struct piece *p, unsigned char *sel)
{
    select_part(ink, piece, p, NULL, -1, sel);
    return ask(ink, sel, (nn_box){ p->x0, p->y0, p->x1, p->y1 }, nn_pair_prob);
}

/* How surely the reader reads a part of piece p (as select_part()) as a
 * digit: the log of its highest probability; -INFINITY once the picture's
 * readings are spent. */
static double read_part(const nn_ink *ink, const int *piece,
                        const struct piece *p, const int *at, int side,
                        struct cuts *c)
{
    double prob;

    if (c->reads <= 0)
        return -INFINITY;
    c->reads--;
    select_part(ink, piece, p, at, side, c->sel);
    prob = ask(ink, c->sel, (nn_box){ p->x0, p->y0, p->x1, p->y1 },
               nn_read_prob);
    return log(prob > 1e-6 ? prob : 1e-6);
}

/* How surely the reader reads both sides of piece p cut at c->at.  A cut
 * that parts p's ink as the one read last did (no ink of p between them in
 * any row) is not read again: neighbouring paths that meet above the
 * box's bottom, neighbouring columns with paper between them. */
static double read_sides(const nn_ink *ink, const int *piece,
                         const struct piece *p, struct cuts *c)
{
    int same = c->read;

    for (int y = p->y0; y <= p->y1 && same; y++) {
        int a = c->at[y - p->y0], b = c->last[y - p->y0];
        for (int x = (a < b ? a : b) + 1; x <= (a < b ? b : a) && same; x++)
            same = piece[(long)y * ink->w + x] != p->id;
    }
    if (!same) {
        c->last_sure = read_part(ink, piece, p, c->at, 0, c) +
                       read_part(ink, piece, p, c->at, 1, c);
        memcpy(c->last, c->at, (p->y1 - p->y0 + 1) * sizeof *c->at);
        c->read = 1;
    }
    return c->last_sure;
}

/* Whether the sides of the best cut, c->best, read more surely than
 * piece p whole. */
static int sides_win(const nn_ink *ink, const int *piece,
                     const struct piece *p, struct cuts *c)
{
    return c->sure > read_part(ink, piece, p, NULL, -1, c);
}

/* The cut at c->at becomes c->best if its sides read more surely than
 * those of the best so far. */
static void consider(const nn_ink *ink, const int *piece,
                     const struct piece *p, struct cuts *c)
{
    double s = read_sides(ink, piece, p, c);

    if (c->found && s <= c->sure)
        return;
    memcpy(c->best, c->at, (p->y1 - p->y0 + 1) * sizeof *c->at);
    c->sure = s;
    c->found = 1;
}

/* Whether piece p is two digits or more; if so, c->best holds where the
 * first ends (the last column of its left side in each row).  Two digits
 * written touching meet in a stroke: a path down the box that crosses one
 * stroke (one run of ink, CUT stroke widths long at most) and leaves a
 * digit's height (TALL * H) on both sides is where they meet.  A path that
 * halves a 0 or an 8 crosses two strokes; one through a stroke inside a
 * digit leaves only a piece of it on one side (a 7's bar, a 9's loop, a
 * 4's corner); one into a loop left open runs inside it (enclosed()).
 * Of such paths, the one whose two sides the reader reads most surely
 * (read_sides()); in a group of step 3 no wider than SPLIT * H that the
 * judge does not call two, only if they read more surely than the group
 * whole.  A group of step 3 that the judge is sure is one digit
 * is not cut at all (an open 0 or 6 that enclosed() does not see: a
 * narrow loop; a digit seen at an angle, wider than SPLIT * H).  Failing
 * such a path, a piece wider than SPLIT * H, or one of the groups of step
 * 3 that the judge is sure holds two, is cut down a column near the first
 * expected boundary (digits DIGIT_W * H wide): the one whose sides the
 * reader reads most surely.  Where digits overlap, a cut at the least ink
 * leaves a piece of one digit on the other's side, and both read wrongly.
 * A piece cut from another is cut so only if its sides read more surely
 * than it does whole. */
static int cut(const nn_ink *ink, const int *piece, const struct piece *p,
               int tall, struct cuts *c)
{
    int w = ink->w;
    int bw = p->x1 - p->x0 + 3, bh = p->y1 - p->y0 + 1, gw = bw - 2;
    int narrow = p->core_w <= SPLIT * tall;     /* a digit's width */
    long edge = 0;
    double t, two = -1;
#define INK(x, y) (piece[(long)(y) * w + (x)] == p->id)

    if (p->whole && (two = judge_piece(ink, piece, p, c->sel)) >= 0 &&
        two < ONE)
        return 0;
    c->read = c->found = 0;

    /* The stroke width: 2 * area / perimeter, the perimeter counted as the
     * ink pixels with paper beside them. */
    for (int y = p->y0; y <= p->y1; y++)
        for (int x = p->x0; x <= p->x1; x++)
            if (INK(x, y) && (x == p->x0 || x == p->x1 || y == p->y0 ||
                              y == p->y1 || !INK(x - 1, y) ||
                              !INK(x + 1, y) || !INK(x, y - 1) ||
                              !INK(x, y + 1)))
                edge++;
    t = edge ? 2.0 * p->area / edge : 1;

    /* The cheapest path down to each pixel of the box and a column of paper
     * either side: each ink pixel PATH_INK, each step aside 1, and a step
     * aside between two ink pixels that touch at their corners (through a
     * thin slanted stroke) PATH_INK more. */
#define IN(i, y) ((i) > 0 && (i) + 1 < bw && INK(p->x0 - 1 + (i), p->y0 + (y)))
#define SLIP(j, i, y) (IN(j, y) && IN(i, (y) - 1))  /* from (j, y-1) to (i, y) */
    for (int y = 0; y < bh; y++)
        for (int i = 0; i < bw; i++) {
            int k = y * bw + i, m = 0, from = 0;
            if (y > 0) {
                const int *up = c->cost + k - bw;
                m = up[0];
                for (int d = -1; d <= 1; d += 2) {
                    int j = i + d, step;
                    if (j < 0 || j >= bw)
                        continue;
                    step = up[d] + 1 + SLIP(j, i, y) * PATH_INK;
                    if (step < m)
                        m = step, from = d;
                }
            }
            c->cost[k] = m + IN(i, y) * PATH_INK;
            c->from[k] = (signed char)from;
        }
    /* The path to each bottom pixel of the box, back up: the one crossing
     * the least ink that leaves two digits. */
    for (int e = 1; e + 1 < bw; e++) {
        int i = e, crossed = 0, runs = 0, was = 0;
        for (int y = bh - 1; y >= 0; y--) {
            int j = i + c->from[y * bw + i];
            int here = IN(i, y) || (y > 0 && j != i && SLIP(j, i, y));
            c->at[y] = p->x0 - 1 + i;
            crossed += here;
            runs += here && !was;
            was = here;
            i = j;
        }
        if (runs > 1 || crossed > CUT * t ||
            !two_digits(piece, w, p, c->at, TALL * tall) ||
            enclosed(piece, w, p, c->at) > INSIDE * tall)
            continue;
        consider(ink, piece, p, c);
    }
    /* A path found is the cut, but a group of step 3 a digit wide that the
     * judge does not call two (a 4 written in two strokes, each a digit's
     * height) is cut only if its sides read more surely than it does
     * whole. */
    if (c->found)
        return !(p->whole && narrow && two < JUDGE) ||
               sides_win(ink, piece, p, c);
    if (narrow && !(p->whole && two >= JUDGE))
        return 0;

    /* Wide and no such path: a straight cut near the first expected
     * boundary, where both sides keep ink PIECE * H high (a 5's flag alone
     * is no digit). */
    int parts = (int)(gw / (DIGIT_W * tall) + 0.5);
    parts = parts < 2 ? 2 : parts;
    double e = p->x0 + (double)gw / parts;
    int lo = (int)(e - 0.3 * gw / parts), hi = (int)(e + 0.3 * gw / parts);
    for (int x = lo > p->x0 ? lo : p->x0 + 1; x <= hi && x < p->x1; x++) {
        for (int y = 0; y < bh; y++)
            c->at[y] = x - 1;
        if (two_digits(piece, w, p, c->at, PIECE * tall))
            consider(ink, piece, p, c);
    }
    /* A side of a cut that is still wide: a digit written wide (slanted,
     * seen at an angle) reads more surely whole than in two. */
    return c->found && (p->whole || sides_win(ink, piece, p, c));
#undef SLIP
#undef IN
#undef INK
}

/* A group of step 3: its root in up[] and twice its box's middle column. */
struct group { int root, mid2; };

static int by_mid(const void *a, const void *b)
{
    const struct group *p = a, *q = b;
    return (p->mid2 > q->mid2) - (p->mid2 < q->mid2);
}

/* Step 3's last rule: neighbouring groups (the roots r of up, their boxes
 * gb[r]) within NEAR * H of each other, together no wider than SPLIT * H,
 * that the judge is sure make one digit are joined, left to right (a group
 * joined may join its next neighbour too).  label and keep are step 2's
 * parts (n of them).  0, or -1 when out of memory. */
static int join_halves(const nn_ink *ink, const int *label,
                       const unsigned char *keep, int n, int *up, nn_box *gb,
                       int tall, unsigned char *sel)
{
    struct group *g = malloc((n ? n : 1) * sizeof *g);
    int ng = 0;

    if (!g)
        return -1;
    for (int r = 0; r < n; r++)
        if (gb[r].x1 >= 0 && find(up, r) == r)
            g[ng++] = (struct group){ r, gb[r].x0 + gb[r].x1 };
    qsort(g, ng, sizeof *g, by_mid);
    for (int i = 1, left = ng ? g[0].root : 0; i < ng; i++) {
        int right = g[i].root;
        nn_box a = gb[left], b = gb[right];
        nn_box u = { a.x0 < b.x0 ? a.x0 : b.x0, a.y0 < b.y0 ? a.y0 : b.y0,
                     a.x1 > b.x1 ? a.x1 : b.x1, a.y1 > b.y1 ? a.y1 : b.y1 };
        double two = -1;
        if (b.x0 - a.x1 <= NEAR * tall && u.x1 - u.x0 + 1 <= SPLIT * tall) {
            for (int y = u.y0; y <= u.y1; y++)
                for (int x = u.x0; x <= u.x1; x++) {
                    long k = (long)y * ink->w + x;
                    int r = label[k] >= 0 && keep[label[k]]
                          ? find(up, label[k]) : -1;
                    sel[k] = r == left || r == right;
                }
            two = ask(ink, sel, u, nn_pair_prob);
        }
        if (two >= 0 && two < ONE) {
            up[right] = left;
            gb[left] = u;
        } else
            left = right;
    }
    free(g);
    return 0;
}

/* Step 2's specks (keep[i] 2) that lie within gap pixels (GAP * H) of
 * another part kept (keep 1 or 2) join it in up[], unless that would join
 * two parts each SHORT * H high (two digits); a speck is then kept (1) if
 * its group holds a part that is no speck, else dropped (0): specks near
 * only specks are noise, not a digit.  0, or -1 when out of memory. */
static int link_specks(const int *label, const nn_part *c, int n,
                       unsigned char *keep, int *up, int w, int h, int gap,
                       int tall)
{
    unsigned char *high = calloc(n ? n : 1, 1);

    if (!high)
        return -1;
    for (int i = 0; i < n; i++)
        high[i] = keep[i] == 1 && c[i].y1 - c[i].y0 + 1 >= SHORT * tall;
    for (int i = 0; i < n; i++) {
        if (keep[i] != 2)
            continue;
        for (int y = c[i].y0; y <= c[i].y1; y++)
            for (int x = c[i].x0; x <= c[i].x1; x++) {
                long k = (long)y * w + x;
                /* its edge: the nearest pixel of any other part is
                 * nearest to one of the speck's edge pixels */
                if (label[k] != i ||
                    (x > 0 && x + 1 < w && y > 0 && y + 1 < h &&
                     label[k - 1] == i && label[k + 1] == i &&
                     label[k - w] == i && label[k + w] == i))
                    continue;
                for (int v = y - gap; v <= y + gap; v++)
                    for (int u = x - gap; u <= x + gap; u++) {
                        int l, ri, rl;
                        if (u < 0 || v < 0 || u >= w || v >= h)
                            continue;
                        l = label[(long)v * w + u];
                        if (l < 0 || l == i || !keep[l])
                            continue;
                        ri = find(up, i);
                        rl = find(up, l);
                        if (ri != rl && !(high[ri] && high[rl])) {
                            up[ri] = rl;
                            high[rl] |= high[ri];
                        }
                    }
            }
    }
    for (int i = 0; i < n; i++)
        if (keep[i] == 1)
            high[find(up, i)] |= 2;
    for (int i = 0; i < n; i++)
        if (keep[i] == 2)
            keep[i] = (high[find(up, i)] & 2) ? 1 : 0;
    free(high);
    return 0;
}

/* Step 1b: a line that the number is written on or underlined with (a
 * form's field, not across the page): ink running along a row (or the
 * rows beside it, for a line a little slanted; as the picture was, not
 * as cleared so far) for run pixels or more, longer than any digit's
 * stroke, is the line's, and is cleared but under ink standing on it (a
 * digit's foot, a stroke crossing it: the digit keeps its bottom, a 0 its
 * loop).  1 if any was, 0 if not, -1 when out of memory. */
static int underline(nn_ink *ink, int run)
{
    int found = 0, w = ink->w, h = ink->h;
    unsigned char *m = ink->mask, *was = malloc((size_t)w * h);

    if (!was)
        return -1;
    memcpy(was, m, (size_t)w * h);
    for (int y = 0; y < h; y++)         /* the line's pixels: 2 in m */
        for (int x = 0; x < w;) {
            int x0 = x;
            while (x < w && (was[(long)y * w + x] ||
                             (y > 0 && was[(long)(y - 1) * w + x]) ||
                             (y + 1 < h && was[(long)(y + 1) * w + x])))
                x++;
            if (x - x0 >= run) {
                for (int k = x0; k < x; k++)
                    m[(long)y * w + k] *= 2;
                found = 1;
            }
            x += x == x0;
        }
    /* Top down: a line's pixel is what is above it in its column (the
     * line's pixels above it decided already), ink or paper. */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (m[(long)y * w + x] == 2)
                m[(long)y * w + x] = y > 0 && m[(long)(y - 1) * w + x] == 1;
    free(was);
    return found;
}

/* Whether speck i is a point (a decimal point, a full stop): in the
 * lowest POINT * H of the line's band (whose last row is band1), and no
 * part SHORT * H high has ink in its columns in the band's lower half (a
 * point is written beside a digit's foot, though it may lie under a 4's
 * arm).  A point is dropped, not linked as a broken stroke's piece. */
static int point(const int *label, const nn_part *c, int w, int i,
                 int band1, int tall)
{
    if (c[i].y0 < band1 - POINT * tall)
        return 0;
    for (int y = band1 - tall / 2; y <= band1; y++)
        for (int x = c[i].x0; x <= c[i].x1; x++) {
            int l = label[(long)y * w + x];
            if (l >= 0 && l != i && c[l].y1 - c[l].y0 + 1 >= SHORT * tall)
                return 0;
        }
    return 1;
}

/* Whether part i is a comma ("4,071", "1,5"): shorter than COMMA * H and
 * narrower than SHORT * H, its top in the lower half of the digits' rows
 * (d0 to d1: those of the parts SHORT * H high) and its bottom at their
 * foot or below, with no other ink in its columns from d0 down (not a
 * digit's foot broken off, with the rest of the digit above it; not
 * under a 4's arm) nor within ABOVE * H above its top end, the ink of
 * its top row (not the last dash of a 9's tail broken by a fine pen; a
 * digit's stem beside the comma does not count).  A comma is dropped as a
 * point is. */
static int comma(const int *label, const nn_part *c, int w, int i, int d0,
                 int d1, int tall)
{
    int g = (int)(ABOVE * tall + 0.5), t0 = c[i].x1, t1 = c[i].x0;

    if (c[i].y1 - c[i].y0 + 1 >= COMMA * tall ||
        c[i].x1 - c[i].x0 + 1 >= SHORT * tall ||
        2 * c[i].y0 < d0 + d1 || c[i].y1 < d1)
        return 0;
    for (int x = c[i].x0; x <= c[i].x1; x++)   /* its top row's ink */
        if (label[(long)c[i].y0 * w + x] == i) {
            t0 = x < t0 ? x : t0;
            t1 = x;
        }
    for (int y = d0; y <= c[i].y1; y++)
        for (int x = c[i].x0 - g; x <= c[i].x1 + g; x++) {
            int l = x >= 0 && x < w ? label[(long)y * w + x] : -1;
            if (l >= 0 && l != i &&
                ((x >= c[i].x0 && x <= c[i].x1) ||
                 (y >= c[i].y0 - g && y < c[i].y0 && x >= t0 - g &&
                  x <= t1 + g)))
                return 0;
        }
    return 1;
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
    int *label = NULL, *up = NULL, *piece = NULL, *root = NULL, n, nd = 0, err;
    unsigned char *keep = NULL, *sel = NULL, *kept = NULL;
    struct piece *d = NULL;
    struct cuts cu = { 0 };
    nn_box *wb = NULL;      /* boxes at working resolution */
    nn_box *gb = NULL;      /* the groups' boxes, at their roots */
    long area_max = 0;
    int tall = 0, inner = 0, band0, band1, boxed = 0, lined = 0, d0, d1;

    *n_out = 0;
    if (o->plain)
        return nn_why(why, whylen, NN_EINVAL, "the plain method reads one "
                      "digit, not a number");
    if (max_parts < 1 || max_digits < 1)
        return NN_EINVAL;
    if ((err = nn_prep_ink(gray, w, h, o, 1, &ink, why, whylen)))
        return err;
    err = NN_ENOMEM;
    long npx = (long)ink.w * ink.h;

    /* 1. Ruled lines. */
    if (nn_prep_ruled(&ink) < 0)
        goto done;                      /* err is NN_ENOMEM */
    for (int y = 0; y < ink.h; y++) {
        long k = 0;
        for (int x = 0; x < ink.w; x++)
            k += ink.mask[(long)y * ink.w + x];
        if (k > LINE_ROW * ink.w)
            memset(ink.mask + (long)y * ink.w, 0, ink.w);
    }

    /* 2. Parts, and which of them are writing. */
parts:
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
        if (!along_edge(&c[i]))
            area_max = c[i].area > area_max ? c[i].area : area_max;
        up[i] = i;
    }
    for (int i = 0; i < n; i++)
        if (!c[i].border && c[i].area >= 0.2 * area_max)
            inner = 1;
    for (int i = 0; i < n; i++) {
        keep[i] = c[i].area >= 0.05 * area_max && !(inner && c[i].border) &&
                  !along_edge(&c[i]);
        if (keep[i] && c[i].y1 - c[i].y0 + 1 > tall)
            tall = c[i].y1 - c[i].y0 + 1;
    }
    if (tall == 0) {
        err = nn_why(why, whylen, NN_EFORMAT, "no ink found: nothing that "
                     "looks like a digit");
        goto done;
    }
    /* 1c. Boxes written in, then 1b. a line written on or under (step 1
     * with H known, the boxes gone): each once. */
    if (!lined) {
        int found = boxed ? 0 : nn_prep_frames(ink.mask, ink.w, label, c, n);
        boxed = 1;
        if (found == 0) {
            found = underline(&ink, (int)(RUN * tall));
            lined = 1;
        }
        if (found < 0)
            goto done;                  /* err is NN_ENOMEM */
        if (found) {
            free(label);
            free(c);
            free(keep);
            free(up);
            label = up = NULL;
            c = NULL;
            keep = NULL;
            area_max = tall = inner = 0;
            goto parts;
        }
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
    d0 = ink.h;                         /* the digits' rows */
    d1 = -1;
    for (int i = 0; i < n; i++)
        if (keep[i] && c[i].y1 - c[i].y0 + 1 >= SHORT * tall) {
            d0 = c[i].y0 < d0 ? c[i].y0 : d0;
            d1 = c[i].y1 > d1 ? c[i].y1 : d1;
        }
    for (int i = 0; i < n; i++) {
        int cw = c[i].x1 - c[i].x0 + 1, ch = c[i].y1 - c[i].y0 + 1;
        /* A digit that the photo's frame cut through: a digit's size, and
         * crossing the edge (a stroke's width or two of its pixels there),
         * not lying along it as a shadow or the table beyond the page. */
        int framed = c[i].border <= FRAME * tall && ch >= 0.5 * tall &&
                     ch <= 1.5 * tall && cw <= 1.5 * tall;
        if (along_edge(&c[i]) || (c[i].border && inner && !framed))
            keep[i] = 0;
        else if (cw < SPECK * tall && ch < SPECK * tall)
            keep[i] = point(label, c, ink.w, i, band1, tall) ? 0 : 2;
        else if (c[i].y1 < band0 || c[i].y0 > band1 ||
                 (d1 >= 0 && comma(label, c, ink.w, i, d0, d1, tall)))
            keep[i] = 0;
        else
            keep[i] = 1;
    }

    if (link_specks(label, c, n, keep, up, ink.w, ink.h,
                    (int)(GAP * tall + 0.5), tall))
        goto done;
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
    /* A group shorter than PIECE * H is a piece of the digit nearest to it
     * (a 5's flag drawn apart, a broken stroke), if one is within NEAR * H. */
    if (!(gb = malloc((n ? n : 1) * sizeof *gb)))
        goto done;
    for (int i = 0; i < n; i++)
        gb[i] = (nn_box){ ink.w, ink.h, -1, -1 };
    for (int i = 0; i < n; i++) {
        nn_box *b = &gb[find(up, i)];
        if (!keep[i])
            continue;
        b->x0 = c[i].x0 < b->x0 ? c[i].x0 : b->x0;
        b->y0 = c[i].y0 < b->y0 ? c[i].y0 : b->y0;
        b->x1 = c[i].x1 > b->x1 ? c[i].x1 : b->x1;
        b->y1 = c[i].y1 > b->y1 ? c[i].y1 : b->y1;
    }
    for (int r = 0; r < n; r++) {
        int near = -1, gap = 0;
        if (gb[r].x1 < 0 || gb[r].y1 - gb[r].y0 + 1 >= PIECE * tall)
            continue;
        for (int q = 0; q < n; q++) {
            int g = (gb[r].x0 > gb[q].x0 ? gb[r].x0 : gb[q].x0) -
                    (gb[r].x1 < gb[q].x1 ? gb[r].x1 : gb[q].x1);
            g = g < 0 ? 0 : g;
            if (gb[q].x1 >= 0 && gb[q].y1 - gb[q].y0 + 1 >= PIECE * tall &&
                (near < 0 || g < gap))
                near = q, gap = g;
        }
        if (near >= 0 && gap <= NEAR * tall)
            up[r] = near;
    }
    if (!(sel = calloc(npx, 1)) ||
        join_halves(&ink, label, keep, n, up, gb, tall, sel))
        goto done;

    /* 4. Digits: a piece for each group, cut while it holds two. */
    if (!(piece = malloc(npx * sizeof *piece)) ||
        !(root = malloc(max_digits * sizeof *root)) ||
        !(d = malloc(max_digits * sizeof *d)) ||
        !(cu.cost = malloc((npx + 2L * ink.h) * sizeof *cu.cost)) ||
        !(cu.from = malloc(npx + 2L * ink.h)) ||
        !(cu.at = malloc(ink.h * sizeof *cu.at)) ||
        !(cu.best = malloc(ink.h * sizeof *cu.best)) ||
        !(cu.last = malloc(ink.h * sizeof *cu.last)))
        goto done;
    cu.sel = sel;
    cu.reads = READS;
    for (long i = 0; i < npx; i++) {
        int r = label[i] >= 0 && keep[label[i]] ? find(up, label[i]) : -1, k;
        piece[i] = -1;
        if (r < 0)
            continue;
        for (k = 0; k < nd && root[k] != r; k++)
            ;
        if (k == nd) {
            if (nd == max_digits) {
                err = too_many(why, whylen, max_digits);
                goto done;
            }
            root[nd++] = r;
        }
        piece[i] = k;
    }
    if (nd == 0) {      /* only specks: the band was theirs */
        err = nn_why(why, whylen, NN_EFORMAT, "no ink found: nothing that "
                     "looks like a digit");
        goto done;
    }
    for (int k = 0; k < nd; k++) {
        measure(piece, ink.w, k, (nn_box){ 0, 0, ink.w - 1, ink.h - 1 }, &d[k]);
        d[k].core_w = gb[root[k]].x1 - gb[root[k]].x0 + 1;
        d[k].whole = 1;
    }
    for (int k = 0; k < nd; k++)
        while (cut(&ink, piece, &d[k], tall, &cu)) {
            nn_box box = { d[k].x0, d[k].y0, d[k].x1, d[k].y1 };
            if (nd == max_digits) {
                err = too_many(why, whylen, max_digits);
                goto done;
            }
            for (int y = box.y0; y <= box.y1; y++)
                for (int x = cu.best[y - box.y0] + 1; x <= box.x1; x++)
                    if (piece[(long)y * ink.w + x] == k)
                        piece[(long)y * ink.w + x] = nd;
            measure(piece, ink.w, k, box, &d[k]);
            measure(piece, ink.w, nd, box, &d[nd]);
            nd++;
        }
    qsort(d, nd, sizeof *d, by_x);

    /* 5. Each digit's pixels to its vector, left to right. */
    if (!(kept = calloc(npx, 1)) ||
        !(wb = malloc(nd * sizeof *wb)))
        goto done;
    for (int k = 0; k < nd; k++) {
        for (long i = 0; i < npx; i++) {
            sel[i] = piece[i] == d[k].id;
            kept[i] |= sel[i];
        }
        wb[k] = (nn_box){ d[k].x0, d[k].y0, d[k].x1, d[k].y1 };
        if ((err = nn_prep_place(&ink, sel, wb[k], out + (long)k * 28 * 28)))
            goto done;
        if (boxes) {
            nn_box f = ink.from;     /* the picture's part read */
            double sx = (double)(f.x1 - f.x0 + 1) / ink.w;
            double sy = (double)(f.y1 - f.y0 + 1) / ink.h;
            boxes[k] = (nn_box){ f.x0 + (int)(wb[k].x0 * sx),
                                 f.y0 + (int)(wb[k].y0 * sy),
                                 f.x0 + (int)((wb[k].x1 + 1) * sx) - 1,
                                 f.y0 + (int)((wb[k].y1 + 1) * sy) - 1 };
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
    free(piece);
    free(root);
    free(d);
    free(cu.cost);
    free(cu.from);
    free(cu.at);
    free(cu.best);
    free(cu.last);
    free(sel);
    free(kept);
    free(wb);
    free(gb);
    return err;
}
