/* layers.c - forward and backward kernels of a dense layer, its
 * activations and the output costs, over whole mini-batches; and the dense
 * layer as training runs it (nn_dense_layer).  The other layer types have
 * files of their own (conv.c, maxpool.c). */
#include <float.h>
#include <math.h>
#include <string.h>

#include "nn_internal.h"

void nn_activate(float *y, long n, int k, int act)
{
    switch (act) {
    case NN_ACT_SIGMOID:
        for (long i = 0; i < n; i++)
            y[i] = 1.0f / (1.0f + expf(-y[i]));
        break;
    case NN_ACT_RELU:
        for (long i = 0; i < n; i++)
            y[i] = y[i] > 0.0f ? y[i] : 0.0f;
        break;
    case NN_ACT_TANH:
        for (long i = 0; i < n; i++)
            y[i] = tanhf(y[i]);
        break;
    case NN_ACT_SOFTMAX:
        for (long r = 0; r < n; r += k) {
            float *row = y + r, max = row[0], sum = 0.0f;
            for (int j = 1; j < k; j++)
                if (row[j] > max)
                    max = row[j];
            for (int j = 0; j < k; j++) {
                row[j] = expf(row[j] - max);    /* max first: no overflow */
                sum += row[j];
            }
            for (int j = 0; j < k; j++)
                row[j] /= sum;
        }
        break;
    }
}

/* log y / T is z / T up to a constant per row, which softmax ignores; a
 * probability that underflowed to 0 stays about 0. */
void nn_temper(float *y, long n, int k, float T)
{
    for (long r = 0; r < n; r += k) {
        float *row = y + r;
        double max = -INFINITY, sum = 0;
        for (int j = 0; j < k; j++)
            max = fmax(max, log(fmax(row[j], FLT_MIN)) / T);
        for (int j = 0; j < k; j++)
            sum += (row[j] = (float)exp(log(fmax(row[j], FLT_MIN)) / T - max));
        for (int j = 0; j < k; j++)
            row[j] = (float)(row[j] / sum);
    }
}

void nn_bias_rows(float *out, const float *b, int B, int n_out)
{
    for (int r = 0; r < B; r++)
        memcpy(out + (long)r * n_out, b, n_out * sizeof *out);
}

void nn_column_sums(float *db, const float *delta, int B, int n_out)
{
    memset(db, 0, n_out * sizeof *db);
    for (int r = 0; r < B; r++)
        for (int o = 0; o < n_out; o++)
            db[o] += delta[(long)r * n_out + o];
}

/* out[B x n_out] = act(in[B x n_in] * W^T + b), W is n_out x n_in. */
void nn_dense_forward(float *out, const float *in, const float *W,
                      const float *b, int B, int n_in, int n_out, int act)
{
    nn_bias_rows(out, b, B, n_out);
    nn_sgemm(0, 1, B, n_out, n_in, 1.0f, in, n_in, W, n_in, 1.0f, out, n_out);
    nn_activate(out, (long)B * n_out, n_out, act);
}

/* dC/dz of the output layer.  Softmax or sigmoid with cross-entropy both
 * reduce to y - onehot; the quadratic cost keeps the sigmoid's slope. */
void nn_output_delta(float *delta, const float *y, const int *labels, int B,
                     int k, int output_act, int cost)
{
    float scale = 1.0f / B;

    for (int r = 0; r < B; r++) {
        const float *yr = y + (long)r * k;
        float *dr = delta + (long)r * k;
        for (int j = 0; j < k; j++) {
            float d = yr[j] - (j == labels[r] ? 1.0f : 0.0f);
            if (cost == NN_COST_QUADRATIC && output_act == NN_ACT_SIGMOID)
                d *= yr[j] * (1.0f - yr[j]);
            dr[j] = d * scale;
        }
    }
}

/* din .*= act'(z), written in terms of the activation's output a. */
void nn_times_slope(float *din, const float *a, long n, int act)
{
    switch (act) {
    case NN_ACT_SIGMOID:
        for (long i = 0; i < n; i++)
            din[i] *= a[i] * (1.0f - a[i]);
        break;
    case NN_ACT_RELU:
        for (long i = 0; i < n; i++)
            din[i] = a[i] > 0.0f ? din[i] : 0.0f;
        break;
    case NN_ACT_TANH:
        for (long i = 0; i < n; i++)
            din[i] *= 1.0f - a[i] * a[i];
        break;
    }
}

void nn_dense_backward(float *din, float *dW, float *db, const float *delta,
                       const float *in, const float *W, int B, int n_in,
                       int n_out)
{
    /* dW[n_out x n_in] = delta^T[n_out x B] * in[B x n_in] */
    nn_sgemm(1, 0, n_out, n_in, B, 1.0f, delta, n_out, in, n_in, 0.0f, dW, n_in);
    nn_column_sums(db, delta, B, n_out);
    if (!din)
        return;
    /* din[B x n_in] = delta[B x n_out] * W[n_out x n_in] */
    nn_sgemm(0, 0, B, n_in, n_out, 1.0f, delta, n_out, W, n_in, 0.0f, din, n_in);
}

/* The dense layer as training runs it: the model's layout, W[o][i]. */
static void dense_forward(nn_tlayer *t, float *out, const float *in, int B)
{
    nn_dense_forward(out, in, t->W, t->b, B, t->n_in, t->n_out, t->act);
}

static void dense_backward(nn_tlayer *t, float *din, float *dW, float *db,
                           const float *delta, const float *in, int B)
{
    nn_dense_backward(din, dW, db, delta, in, t->W, B, t->n_in, t->n_out);
}

void nn_dense_layer(nn_tlayer *t)
{
    t->forward = dense_forward;
    t->backward = dense_backward;
    t->units = t->n_out;
    t->fan_in = t->n_in;
    t->unit_step = t->n_in;
    t->in_step = 1;
}

/* log(p), with p kept above 1e-12 so that a certain wrong answer costs a
 * finite amount.  Written so that NaN stays NaN (fmax would hide it, and a
 * diverged network would report a finite loss). */
static double safe_log(double p)
{
    return log(p < 1e-12 ? 1e-12 : p);
}

double nn_loss(const nn_model *m, const float *y, int label)
{
    int k = m->sizes[m->nlayers];
    double loss = 0.0;

    if (m->output_act == NN_ACT_SOFTMAX)
        return -safe_log(y[label]);
    for (int j = 0; j < k; j++) {
        double t = j == label, a = y[j];
        if (m->cost == NN_COST_QUADRATIC)
            loss += 0.5 * (a - t) * (a - t);
        else
            loss -= t * safe_log(a) + (1 - t) * safe_log(1 - a);
    }
    return loss;
}

int nn_argmax(const float *y, int n)
{
    int best = 0;
    for (int j = 1; j < n; j++)
        if (y[j] > y[best])
            best = j;
    return best;
}
