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

void nn_maxpool_forward(float *out, int *arg, const float *in, int B,
                        int h, int w, int c)
{
    int ho = h / 2, wo = w / 2;
    long in_n = (long)h * w * c, out_n = (long)ho * wo * c;

    for (int r = 0; r < B; r++) {
        const float *im = in + r * in_n;
        for (int y = 0; y < ho; y++)
            for (int x = 0; x < wo; x++)
                for (int ch = 0; ch < c; ch++) {
                    long j = r * out_n + ((long)y * wo + x) * c + ch;
                    int best = ((2 * y) * w + 2 * x) * c + ch;
                    /* the other three of the block, in reading order */
                    int at[3] = { best + c, best + w * c, best + w * c + c };
                    for (int i = 0; i < 3; i++)
                        if (im[at[i]] > im[best])
                            best = at[i];
                    out[j] = im[best];
                    if (arg)
                        arg[j] = best;
                }
    }
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
