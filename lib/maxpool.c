/* maxpool.c - 2x2 max-pooling with stride 2: forward and backward over
 * mini-batches, and the layer as training runs it (nn_maxpool_layer).
 *
 * Shapes (channel last):
 *   in    B x h x w x c
 *   out   B x h/2 x w/2 x c     (an odd last row or column is dropped)
 *   arg   B x h/2 x w/2 x c     where in its record each output came from
 * The backward pass sends each output's gradient to the one input that
 * gave it: the first of the block, row by row, when several are equal. */
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

/* One block row of outputs: the four inputs of each block compared in
 * reading order, channel by channel (a loop the compiler vectorizes). */
NN_CLONES
static void pool_row(float *restrict out, int *restrict arg,
                     const float *restrict im, int y, int w, int c)
{
    for (int x = 0; x < w / 2; x++) {
        int at0 = ((2 * y) * w + 2 * x) * c, at1 = at0 + c;
        int at2 = at0 + w * c, at3 = at2 + c;
        float *o = out + (long)x * c;
        int *a = arg ? arg + (long)x * c : NULL;
        for (int ch = 0; ch < c; ch++) {
            float m = im[at0 + ch];
            int best = at0 + ch;
            if (im[at1 + ch] > m)
                m = im[at1 + ch], best = at1 + ch;
            if (im[at2 + ch] > m)
                m = im[at2 + ch], best = at2 + ch;
            if (im[at3 + ch] > m)
                m = im[at3 + ch], best = at3 + ch;
            o[ch] = m;
            if (a)
                a[ch] = best;
        }
    }
}

void nn_maxpool_forward(float *out, int *arg, const float *in, int B,
                        int h, int w, int c)
{
    int ho = h / 2, wo = w / 2;
    long in_n = (long)h * w * c, out_n = (long)ho * wo * c, row = (long)wo * c;

    for (int r = 0; r < B; r++)
        for (int y = 0; y < ho; y++)
            pool_row(out + r * out_n + y * row,
                     arg ? arg + r * out_n + y * row : NULL, in + r * in_n,
                     y, w, c);
}

void nn_maxpool_backward(float *din, const float *delta, const int *arg,
                         int B, int n_in, int n_out)
{
    memset(din, 0, (size_t)B * n_in * sizeof *din);
    for (int r = 0; r < B; r++)
        for (int j = 0; j < n_out; j++)
            din[(long)r * n_in + arg[(long)r * n_out + j]] +=
                delta[(long)r * n_out + j];
}

static void pool_forward(nn_tlayer *t, float *out, const float *in, int B)
{
    nn_maxpool_forward(out, t->arg, in, B, t->conv.h, t->conv.w, t->conv.cin);
}

static void pool_backward(nn_tlayer *t, float *din, float *dW, float *db,
                          const float *delta, const float *in, int B)
{
    (void)dW, (void)db, (void)in;
    if (din)
        nn_maxpool_backward(din, delta, t->arg, B, t->n_in, t->n_out);
}

static void pool_free(nn_tlayer *t)
{
    free(t->arg);
    t->arg = NULL;
}

int nn_maxpool_layer(nn_tlayer *t, int B)
{
    t->forward = pool_forward;
    t->backward = pool_backward;
    t->free = pool_free;
    t->units = t->fan_in = 0;
    t->unit_step = t->in_step = 0;
    t->arg = malloc((size_t)B * t->n_out * sizeof *t->arg);
    return t->arg ? NN_OK : NN_ENOMEM;
}
