/* conv.c - where a convolution layer's time goes: for each conv layer of
 * the bench CNNs C1 and C2 (bench/bench.sh) at batch 64, the GFLOP/s of its
 * three products through nn_sgemm (the patches read from the images as
 * they are packed) and the time of col2im beside them, per batch; the first
 * layers (one input channel) through lib/conv.c's direct kernels, their
 * GFLOP/s those of the products they replace.  Then the whole backward
 * pass of each layer with a delta of one value in DELTA_ONE nonzero, as
 * training meets behind max-pooling and ReLU (C1's second layer: 1 in 17;
 * lib/conv.c), which sums the nonzero terms alone; GFLOP/s there is that
 * of the dense products it stands for.  Usage: bench/conv [-t THREADS]. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn_internal.h"
#include "../cmd/util.h"
#include "bench.h"

enum { ROUNDS = 5, B = 64, DELTA_ONE = 17 };

/* The conv layers of C1 (conv5x5:32,maxpool2,conv5x5:64) and C2
 * (conv3x3:16,maxpool2,conv3x3:32), same padding, MNIST's 28x28. */
static const struct layer {
    const char *name;
    int h, cin, k, cout, first;
} layers[] = {
    { "C1.conv1", 28, 1, 5, 32, 1 },
    { "C1.conv2", 14, 32, 5, 64, 0 },
    { "C2.conv1", 28, 1, 3, 16, 1 },
    { "C2.conv2", 14, 16, 3, 32, 0 },
};

/* The best of ROUNDS times of step s over the whole batch, as lib/conv.c
 * takes it: 0 the forward product (nn_conv_forward, bias included), 1 the
 * weight gradient (nn_conv_backward without the input gradient, the bias
 * gradient included), 2 the input gradient's product (dcol), chunk by
 * chunk, and 3 col2im after it; 4 the whole backward pass with sp (so over
 * the nonzero values of delta).  Over one input channel, steps 0, 1 and 4
 * run lib/conv.c's direct kernels (no zero pixels here), and 4 has no
 * input gradient. */
static double time_step(int s, const nn_conv *g, float *in, float *W,
                        float *out, float *delta, float *din, float *col,
                        float *dcol, float *dW, nn_sparse *sp)
{
    int chunk = nn_conv_chunk(g, B);
    long rows = (long)g->ho * g->wo, kkc = (long)g->k * g->k * g->cin;
    long in_n = (long)g->h * g->w * g->cin, out_n = rows * g->cout;
    double best = 1e30;

    for (int round = 0; round < ROUNDS; round++) {
        double t0 = now();
        if (s == 0)
            nn_conv_forward(out, in, W, dW, B, g, NN_ACT_IDENTITY, col);
        if (s == 1)
            nn_conv_backward(NULL, dW, dcol, delta, in, W, B, g, col, dcol,
                             NULL);
        if (s == 4)
            nn_conv_backward(g->cin > 1 ? din : NULL, dW, dcol, delta, in, W,
                             B, g, col, dcol, sp);
        for (int r = 0; r < B && (s == 2 || s == 3); r += chunk) {
            int n = B - r < chunk ? B - r : chunk, M = (int)(n * rows);
            if (s == 2)
                nn_sgemm(0, 0, M, (int)kkc, g->cout, 1.0f, delta + r * out_n,
                         g->cout, W, (int)kkc, 0.0f, dcol, (int)kkc);
            else
                nn_col2im(din + r * in_n, dcol, g, n);
        }
        double t = now() - t0;
        if (t < best)
            best = t;
    }
    return best;
}

int main(int argc, char **argv)
{
    static const char *const steps[] = { "fwd", "dW", "dx", "col2im",
                                         "bwd 1/17" };
    int threads = 1, c;

    setprog(argv[0]);
    while ((c = getopt(argc, argv, "t:")) != -1)
        if (c == 't')
            threads = (int)parse_int(optarg, 1, NN_MAX_THREADS, "-t");
        else
            usage_error("usage: bench/conv [-t THREADS]");
    nn_set_threads(threads);
    printf("%-9s %-7s %6s %5s %5s %9s %8s\n", "layer", "step", "M", "N", "K",
           "ms/batch", "GFLOP/s");
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        const struct layer *L = &layers[i];
        nn_conv g = { L->h, L->h, L->cin, L->k, (L->k - 1) / 2, L->h, L->h,
                      L->cout };
        long rows = (long)g.ho * g.wo, kkc = (long)g.k * g.k * g.cin;
        long cols = nn_conv_col_floats(&g, B);
        long dcols = nn_conv_dcol_floats(&g, B);
        float *in = filled(B * (long)g.h * g.w * g.cin);
        float *W = filled(g.cout * kkc), *dW = filled(g.cout * kkc);
        float *out = filled(B * rows * g.cout), *delta = filled(B * rows * g.cout);
        float *din = filled(B * (long)g.h * g.w * g.cin);
        float *col = filled(cols), *dcol = filled(dcols);
        double total = 0;
        nn_sparse sp;

        if (nn_sparse_alloc(&sp, nn_conv_chunk(&g, B) * g.ho * g.wo,
                            g.cout) != NN_OK)
            die("out of memory");
        for (int s = 0; s < 5; s++) {
            long M = B * rows, N = g.cout, K = kkc;
            double t, flop;

            if (L->first && (s == 2 || s == 3))
                continue;       /* no input gradient for the first layer */
            if (s == 4) {
                printf("%-9s %-7s %6s %5s %5s %9.3f %8s\n", L->name, "total",
                       "-", "-", "-", 1e3 * total, "-");
                for (long j = 0; j < B * rows * g.cout; j++)
                    if (j % DELTA_ONE)
                        delta[j] = 0;
            }
            t = time_step(s, &g, in, W, out, delta, din, col, dcol, dW, &sp);
            total += t;
            if (s == 1)
                M = g.cout, N = kkc, K = B * rows;
            if (s == 2)
                N = kkc, K = g.cout;
            flop = 2.0 * M * N * K * (s == 4 ? (L->first ? 1 : 2) : 1);
            if (s == 3)
                printf("%-9s %-7s %6s %5s %5s %9.3f %8s\n", L->name, steps[s],
                       "-", "-", "-", 1e3 * t, "-");
            else
                printf("%-9s %-7s %6ld %5ld %5ld %9.3f %8.1f\n", L->name,
                       steps[s], M, N, K, 1e3 * t, flop / t / 1e9);
        }
        nn_sparse_free(&sp);
        free(in), free(W), free(dW), free(out), free(delta), free(din);
        free(col), free(dcol);
    }
    return 0;
}
