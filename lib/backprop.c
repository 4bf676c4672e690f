/* backprop.c - a mini-batch through the network and back, as training runs
 * it: the layers (each with its own weight layout, see nn_tlayer), the
 * dropout masks applied, the gradient of the batch's mean loss. */
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

void nn_pass_free(nn_pass *p)
{
    for (int l = 0; l < p->nlayers; l++) {
        if (p->layer[l].free)
            p->layer[l].free(&p->layer[l]);
        free(p->acts[l]);
        free(p->deltas[l]);
        free(p->masks[l]);
        free(p->in[l]);
    }
    free(p->params);
    memset(p, 0, sizeof *p);
}

int nn_pass_new(nn_pass *p, const nn_model *m, int B, float input_dropout,
                float dropout)
{
    memset(p, 0, sizeof *p);
    p->nlayers = m->nlayers;
    if (!(p->params = malloc(m->n_params * sizeof *p->params)))
        goto fail;
    for (int l = 0; l < m->nlayers; l++) {
        nn_tlayer *t = &p->layer[l];
        size_t n_out = (size_t)B * m->sizes[l + 1] * sizeof(float);
        size_t n_in = (size_t)B * m->sizes[l] * sizeof(float);
        /* Dropout on the network's input, and on the inputs of the dense
         * layers: the convolutions see whole images. */
        float drop = l == 0 ? input_dropout
                   : m->type[l] == NN_LAYER_DENSE ? dropout : 0;
        int err = NN_OK;

        t->n_in = m->sizes[l];
        t->n_out = m->sizes[l + 1];
        t->act = l == m->nlayers - 1 ? m->output_act : m->hidden_act;
        t->W = p->params + m->w_off[l];
        t->b = p->params + m->b_off[l];
        /* A dense layer over the network's input skips its zeros. */
        switch (m->type[l]) {
        case NN_LAYER_CONV:
            nn_model_conv(m, l, &t->conv);
            err = nn_conv_layer(t, B);
            break;
        case NN_LAYER_MAXPOOL:
            nn_model_conv(m, l, &t->conv);
            t->act = NN_ACT_IDENTITY;
            err = nn_maxpool_layer(t, B);
            break;
        default:
            if (l == 0)
                err = nn_first_layer(t, B);
            else
                nn_dense_layer(t);
        }
        if (err != NN_OK)
            goto fail;
        if (!(p->acts[l] = malloc(n_out)) || !(p->deltas[l] = malloc(n_out)))
            goto fail;
        if (drop > 0 && (!(p->masks[l] = malloc(n_in)) ||
                         !(p->in[l] = malloc(n_in))))
            goto fail;
    }
    nn_pass_load(p, m);
    return NN_OK;
fail:
    nn_pass_free(p);
    return NN_ENOMEM;
}

/* Layer t's weights between the model's layout (m, W[o][i]) and its own
 * (t): to the model with to_model, else from it. */
static void copy_weights(const nn_tlayer *t, float *own, float *model,
                         int to_model)
{
    if (t->unit_step == t->fan_in && t->in_step == 1) {
        size_t n = (size_t)t->fan_in * t->units * sizeof *own;
        memcpy(to_model ? model : own, to_model ? own : model, n);
        return;
    }
    for (int o = 0; o < t->units; o++)
        for (int i = 0; i < t->fan_in; i++) {
            float *a = &own[o * t->unit_step + i * t->in_step];
            float *b = &model[(long)o * t->fan_in + i];
            if (to_model)
                *b = *a;
            else
                *a = *b;
        }
}

void nn_pass_load(nn_pass *p, const nn_model *m)
{
    memcpy(p->params, m->params, m->n_params * sizeof *p->params);
    for (int l = 0; l < p->nlayers; l++)
        copy_weights(&p->layer[l], p->params + m->w_off[l],
                     m->params + m->w_off[l], 0);
}

void nn_pass_export(const nn_pass *p, const nn_model *m, const float *src,
                    float *dst)
{
    memcpy(dst, src, m->n_params * sizeof *dst);
    for (int l = 0; l < p->nlayers; l++)
        copy_weights(&p->layer[l], (float *)src + m->w_off[l],
                     dst + m->w_off[l], 1);
}

void nn_pass_store(const nn_pass *p, nn_model *m)
{
    nn_pass_export(p, m, p->params, m->params);
}

/* out = in .* mask over n values. */
static void apply_mask(float *out, const float *in, const float *mask, long n)
{
    for (long i = 0; i < n; i++)
        out[i] = in[i] * mask[i];
}

void nn_backprop(nn_pass *p, const nn_model *m, const float *x,
                 const int *labels, int B, float *grad, double *loss,
                 long *hits)
{
    int L = m->nlayers, k = m->sizes[L];
    const float *y = p->acts[L - 1], *in[NN_MAX_LAYERS];

    /* Forward, dropping the masked values of each layer's input. */
    for (int l = 0; l < L; l++) {
        const float *x_l = l ? p->acts[l - 1] : x;
        nn_tlayer *t = &p->layer[l];

        in[l] = x_l;
        if (p->masks[l]) {
            apply_mask(p->in[l], x_l, p->masks[l], (long)B * t->n_in);
            in[l] = p->in[l];
        }
        t->forward(t, p->acts[l], in[l], B);
    }
    for (int r = 0; r < B; r++) {
        *loss += nn_loss(m, y + (long)r * k, labels[r]);
        *hits += nn_argmax(y + (long)r * k, k) == labels[r];
    }
    nn_output_delta(p->deltas[L - 1], y, labels, B, k, m->output_act, m->cost);
    for (int l = L - 1; l >= 0; l--) {
        nn_tlayer *t = &p->layer[l];
        float *din = l > 0 ? p->deltas[l - 1] : NULL;
        long n_in = (long)B * t->n_in;

        t->backward(t, din, grad + m->w_off[l], grad + m->b_off[l],
                    p->deltas[l], in[l], B);
        if (!din)
            continue;
        /* Through the dropout mask, then the activation's slope, taken
         * from the values before masking. */
        if (p->masks[l])
            apply_mask(din, din, p->masks[l], n_in);
        nn_times_slope(din, p->acts[l - 1], n_in, p->layer[l - 1].act);
    }
}
