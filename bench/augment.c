/* augment.c - micro-benchmark of data augmentation: microseconds per 28x28
 * image for nn_augmenter_apply with the default magnitudes, affine only,
 * elastic only and both (and a plain nn_warp at the identity, for
 * comparison); best of RUNS runs of N images each.
 *
 * Built by make bench (bench/bench.sh runs it) or make bench/augment:
 *   bench/augment [N [RUNS]]       (default 20000 images, 7 runs)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nn.h"

enum { W = 28, H = 28 };

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* A digit-like picture: a ring of radius 7, stroke about 2 pixels, with
 * soft edges, white on black. */
static void draw_ring(float *img)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double d = hypot(x - 13.5, (y - 13.5) * 0.8) - 7.0;
            double v = 1.0 - fabs(d) / 1.5;
            img[y * W + x] = (float)(v > 0 ? v : 0);
        }
}

/* Best time of `runs` runs of n images through g (NULL: nn_warp at the
 * identity), in microseconds per image; *sum collects the outputs so that
 * nothing is optimised away. */
static double time_it(nn_augmenter *g, const float *src, float *dst, int n,
                      int runs, double *sum)
{
    static const float A[6] = { 1, 0, 0, 0, 1, 0 };
    double best = INFINITY;
    nn_rng rng;

    nn_rng_seed(&rng, 1);
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        for (int i = 0; i < n; i++) {
            if (g)
                nn_augmenter_apply(g, dst, src, &rng);
            else
                nn_warp(dst, src, W, H, A, NULL, NULL, 0.0f);
            *sum += dst[(i * 97) % (W * H)];
        }
        double t = (now() - t0) / n * 1e6;
        if (t < best)
            best = t;
    }
    return best;
}

int main(int argc, char **argv)
{
    static const struct { const char *name; int kinds; } modes[] = {
        { "affine", NN_AUG_AFFINE },
        { "elastic", NN_AUG_ELASTIC },
        { "affine,elastic", NN_AUG_AFFINE | NN_AUG_ELASTIC },
    };
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    int runs = argc > 2 ? atoi(argv[2]) : 7;
    float src[W * H], dst[W * H];
    double sum = 0;

    if (n < 1 || runs < 1) {
        fprintf(stderr, "usage: bench/augment [N [RUNS]]\n");
        return 2;
    }
    draw_ring(src);
    printf("%dx%d images, default magnitudes, best of %d runs of %d\n",
           W, H, runs, n);
    printf("%-16s %8.2f us/image\n", "warp (identity)",
           time_it(NULL, src, dst, n, runs, &sum));
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        nn_augment a;
        nn_augmenter *g;
        char why[128];

        nn_augment_default(&a);
        a.kinds = modes[m].kinds;
        if (nn_augmenter_new(&g, &a, W, H, 0.0f, why, sizeof why) != NN_OK) {
            fprintf(stderr, "bench/augment: %s\n", why);
            return 1;
        }
        printf("%-16s %8.2f us/image\n", modes[m].name,
               time_it(g, src, dst, n, runs, &sum));
        nn_augmenter_free(g);
    }
    printf("(checksum %g)\n", sum);
    return 0;
}
