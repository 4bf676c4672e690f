/* flagged-ones - MNIST's training vectors with, beside some of their 1s, a
 * copy with a flag drawn on: the 1 written in much of Europe, which MNIST
 * (American writers) hardly holds (make demo's model learns it; see
 * docs/training.md, "A 1 with a flag").
 *
 *     flagged-ones [-s SEED] [-p FRACTION] [-n N] < VECTORS > OUT
 *
 * Reads labelled 28x28 vectors (any form the tools read) and writes them in
 * the binary form, each followed, if it is an upright 1 among the first N
 * records (all by default) and with probability FRACTION [0.25], by a copy
 * with a flag: a stroke from the top of its stem down to the left, 30 to 60
 * degrees below the horizontal, 0.2 to 0.55 of the stem's height long,
 * slightly bent, as wide as the 1's own stroke; the copy is placed again
 * by its centre of mass, as MNIST places its digits.  A slanted 1 (the stem
 * more than 0.2 pixels across per pixel down) gets no flag: with one it is
 * a 7.  The records after the first N are copied as they are, so that
 * nn-train --holdout validates on the same records as without the copies.
 * Deterministic: the same input and SEED [1] give the same output.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn.h"

enum { SIDE = 28, DIM = SIDE * SIDE };
#define PI 3.14159265358979

static double uni(nn_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * nn_rng_uniform(r);
}

/* Draw a flag on the 1 in x (28x28, ink high) into out; 0 if x is not an
 * upright 1 of some height (out untouched). */
static int flag(const float *x, float *out, nn_rng *r)
{
    double n = 0, sy = 0, sx = 0, syy = 0, sxy = 0, ink = 0;
    int top = SIDE, bottom = -1;
    float a[DIM], A[6] = { 1, 0, 0, 0, 1, 0 };

    /* The stem: x = c + s * y fitted to the ink's pixels. */
    for (int y = 0; y < SIDE; y++)
        for (int i = 0; i < SIDE; i++) {
            float v = x[y * SIDE + i];
            ink += v;
            if (v <= 0.3f)
                continue;
            n++;
            sy += y;
            sx += i;
            syy += (double)y * y;
            sxy += (double)i * y;
            top = y < top ? y : top;
            bottom = y > bottom ? y : bottom;
        }
    if (n < 10 || bottom - top < 10)   /* the stem below fits many rows */
        return 0;
    double s = (n * sxy - sx * sy) / (n * syy - sy * sy), c = (sx - s * sy) / n;
    if (fabs(s) > 0.2)
        return 0;
    double h = bottom - top, x0 = c + s * top, y0 = top + 0.5;
    double pen = ink / h / 2 * uni(r, 0.8, 1.1);   /* half the stroke's width */
    double len = h * uni(r, 0.2, 0.55), ang = uni(r, 30, 60) * PI / 180;
    double x1 = x0 - len * cos(ang), y1 = y0 + len * sin(ang);
    double bend = uni(r, -0.15, 0.15) * len;       /* sideways, at the middle */

    memcpy(a, x, sizeof a);
    for (int y = 0; y < SIDE; y++)
        for (int i = 0; i < SIDE; i++) {
            double d = 1e9, v;
            for (int t = 0; t <= 20; t++) {
                double u = t / 20.0, b = 4 * bend * u * (1 - u);
                double px = x0 + (x1 - x0) * u - sin(ang) * b;
                double py = y0 + (y1 - y0) * u - cos(ang) * b;
                double e = hypot(i - px, y - py);
                d = e < d ? e : d;
            }
            v = pen + 0.5 - d;
            v = v < 0 ? 0 : v > 1 ? 1 : v;
            if (v > a[y * SIDE + i])
                a[y * SIDE + i] = (float)v;
        }
    /* Placed again by its centre of mass, at the middle of the square. */
    double m = 0, mx = 0, my = 0;
    for (int y = 0; y < SIDE; y++)
        for (int i = 0; i < SIDE; i++) {
            m += a[y * SIDE + i];
            mx += i * a[y * SIDE + i];
            my += y * a[y * SIDE + i];
        }
    A[2] = (float)(mx / m - (SIDE - 1) / 2.0);
    A[5] = (float)(my / m - (SIDE - 1) / 2.0);
    nn_warp(out, a, SIDE, SIDE, A, NULL, NULL, 0);
    for (int k = 0; k < DIM; k++) {         /* the binary form's pixel values */
        float v = out[k] < 0 ? 0 : out[k] > 1 ? 1 : out[k];
        out[k] = nn_pixel((int)lrintf(v * 255));
    }
    return 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: flagged-ones [-s SEED] [-p FRACTION] [-n N] "
            "< VECTORS > OUT\n");
    exit(2);
}

static double number(const char *opt, const char *arg, double lo, double hi)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(arg, &end);
    if (errno || end == arg || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "flagged-ones: %s: \"%s\": expected a number from "
                "%g to %g\n", opt, arg, lo, hi);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    double frac = 0.25;
    long first = -1, made = 0, n;
    unsigned long seed = 1;
    nn_vec_reader *in;
    nn_vec_writer *out;
    const float *x;
    float copy[DIM];
    char why[256] = "";
    nn_rng r;
    int c, label, rc = 0, werr, status = 0;

    while ((c = getopt(argc, argv, "s:p:n:")) != -1)
        switch (c) {
        case 's': seed = (unsigned long)number("-s", optarg, 0, 4294967295.0); break;
        case 'p': frac = number("-p", optarg, 0, 1); break;
        case 'n': first = (long)number("-n", optarg, 0, 1e12); break;
        default: usage();
        }
    if (optind != argc)
        usage();
    if (nn_vec_reader_new(&in, stdin, DIM) ||
        nn_vec_writer_new(&out, stdout, NN_VEC_U8, DIM)) {
        fprintf(stderr, "flagged-ones: out of memory\n");
        return 1;
    }
    nn_rng_seed(&r, seed);
    while ((rc = nn_vec_read(in, &x, &label, why, sizeof why)) == 1) {
        long i = nn_vec_count(in) - 1;      /* this record's index */
        if (nn_vec_dim(in) != DIM) {
            fprintf(stderr, "flagged-ones: (stdin): record %ld: %d values, "
                    "not a 28x28 image\n", i + 1, nn_vec_dim(in));
            status = 1;
            break;
        }
        werr = nn_vec_write(out, x, label);
        if (!werr && label == 1 && (first < 0 || i < first) &&
            nn_rng_uniform(&r) < frac && flag(x, copy, &r)) {
            werr = nn_vec_write(out, copy, 1);
            made++;
        }
        if (werr) {
            fprintf(stderr, "flagged-ones: (stdout): record %ld: %s\n", i + 1,
                    werr == NN_EINVAL ? "not pixel values k/255 (as idx2vec "
                    "writes them)" : nn_strerror(werr));
            status = 1;
            break;
        }
    }
    if (!status && rc < 0) {
        fprintf(stderr, "flagged-ones: (stdin): %s\n", why[0] ? why : nn_strerror(rc));
        status = 1;
    }
    n = nn_vec_count(in);
    nn_vec_reader_free(in);
    nn_vec_writer_free(out);
    if (status)
        return status;
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "flagged-ones: (stdout): %s\n", strerror(errno));
        return 1;
    }
    fprintf(stderr, "flagged-ones: %ld flagged 1s written beside %ld records\n",
            made, n);
    return 0;
}
