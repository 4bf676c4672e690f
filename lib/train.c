/* train.c - mini-batch stochastic gradient descent with momentum, L2 weight
 * decay and early stopping on a validation set.  Statistics go to a
 * callback; nothing is printed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn_internal.h"

void nn_train_opts_default(nn_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->epochs = 10;
    o->batch = 32;
    o->rate = 0.05f;
    o->momentum = 0.9f;
    o->lambda = 0.0f;
    o->patience = 0;
    o->seed = 1;
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Working memory of one training run. */
struct work {
    int B;                          /* batch size */
    float *x;                       /* B x n_in: the batch's inputs */
    int *labels;                    /* B */
    float *acts[NN_MAX_LAYERS];     /* B x sizes[l+1] */
    float *deltas[NN_MAX_LAYERS];   /* B x sizes[l+1] */
    float *grad, *vel, *best;       /* n_params each */
    int *order;                     /* shuffled record indices */
};

static void work_free(struct work *w, int nlayers)
{
    free(w->x);
    free(w->labels);
    for (int l = 0; l < nlayers; l++) {
        free(w->acts[l]);
        free(w->deltas[l]);
    }
    free(w->grad);
    free(w->vel);
    free(w->best);
    free(w->order);
}

static int work_alloc(struct work *w, const nn_model *m, int B, int n)
{
    memset(w, 0, sizeof *w);
    w->B = B;
    w->x = malloc((size_t)B * m->sizes[0] * sizeof *w->x);
    w->labels = malloc(B * sizeof *w->labels);
    w->grad = malloc(m->n_params * sizeof *w->grad);
    w->vel = calloc(m->n_params, sizeof *w->vel);
    w->best = malloc(m->n_params * sizeof *w->best);
    w->order = malloc(n * sizeof *w->order);
    if (!w->x || !w->labels || !w->grad || !w->vel || !w->best || !w->order)
        return NN_ENOMEM;
    for (int l = 0; l < m->nlayers; l++) {
        w->acts[l] = malloc((size_t)B * m->sizes[l + 1] * sizeof(float));
        w->deltas[l] = malloc((size_t)B * m->sizes[l + 1] * sizeof(float));
        if (!w->acts[l] || !w->deltas[l])
            return NN_ENOMEM;
    }
    return NN_OK;
}

static int check_labels(const nn_data *d, int k, const char *name,
                        char *why, size_t whylen)
{
    for (int i = 0; i < d->n; i++) {
        if (d->label[i] < 0)
            return nn_why(why, whylen, NN_EFORMAT, "%s record %d has no label",
                          name, i + 1);
        if (d->label[i] >= k)
            return nn_why(why, whylen, NN_ESHAPE, "%s record %d: label %d, "
                          "but the network has %d classes", name, i + 1,
                          d->label[i], k);
    }
    return NN_OK;
}

void nn_backprop(const nn_model *m, const float *x, const int *labels, int B,
                 float **acts, float **deltas, float *grad, double *loss,
                 long *hits)
{
    int L = m->nlayers, k = m->sizes[L];
    const float *y = acts[L - 1];

    nn_forward(m, x, B, acts);
    for (int r = 0; r < B; r++) {
        *loss += nn_loss(m, y + (long)r * k, labels[r]);
        *hits += nn_argmax(y + (long)r * k, k) == labels[r];
    }
    nn_output_delta(deltas[L - 1], y, labels, B, k, m->output_act, m->cost);
    for (int l = L - 1; l >= 0; l--)
        nn_dense_backward(l > 0 ? deltas[l - 1] : NULL, grad + m->w_off[l],
                          grad + m->b_off[l], deltas[l],
                          l > 0 ? acts[l - 1] : x, m->params + m->w_off[l], B,
                          m->sizes[l], m->sizes[l + 1], m->hidden_act);
}

/* One mini-batch: gradient, then the momentum update.  Adds the batch's
 * summed loss to *loss and its correct answers to *hits. */
/* v = momentum*v - rate*(g + decay*p); p += v, over n parameters (with
 * decay 0, exactly g, as for biases, which are not decayed).  The
 * loop is a fifth of a small network's epoch, so it is compiled for
 * AVX-512 and AVX2 too and picked at run time; it has no FMA to fuse (ISO
 * C mode), so every version gives the same bits. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void sgd_update(float *restrict p, const float *restrict g,
                       float *restrict v, long n, float momentum, float rate,
                       float decay)
{
    if (decay == 0.0f)
        for (long i = 0; i < n; i++) {
            v[i] = momentum * v[i] - rate * g[i];
            p[i] += v[i];
        }
    else
        for (long i = 0; i < n; i++) {
            v[i] = momentum * v[i] - rate * (g[i] + decay * p[i]);
            p[i] += v[i];
        }
}

static void train_batch(nn_model *m, struct work *w, int B, float rate,
                        float momentum, float decay, double *loss, long *hits)
{
    int L = m->nlayers;

    nn_backprop(m, w->x, w->labels, B, w->acts, w->deltas, w->grad, loss, hits);
    /* v = momentum*v - rate*(g + decay*w); w += v.  Biases are not decayed. */
    for (int l = 0; l < L; l++) {
        long nw = m->b_off[l] - m->w_off[l], nb = m->sizes[l + 1];
        float *p = m->params + m->w_off[l], *g = w->grad + m->w_off[l];
        float *v = w->vel + m->w_off[l];
        sgd_update(p, g, v, nw, momentum, rate, decay);
        sgd_update(p + nw, g + nw, v + nw, nb, momentum, rate, 0.0f);
    }
}

static int all_finite(const float *p, long n)
{
    for (long i = 0; i < n; i++)
        if (!isfinite(p[i]))
            return 0;
    return 1;
}

/* Mean loss and accuracy of m on d. */
static int evaluate(const nn_model *m, const nn_data *d, double *loss,
                    double *acc)
{
    enum { CHUNK = 1024 };
    int k = nn_model_n_out(m);
    float *y = malloc((size_t)CHUNK * k * sizeof *y);
    double sum = 0.0;
    long hits = 0;

    if (!y)
        return NN_ENOMEM;
    for (int i = 0; i < d->n; i += CHUNK) {
        int b = d->n - i < CHUNK ? d->n - i : CHUNK;
        int err = nn_predict(m, d->x + (long)i * d->dim, b, y);
        if (err) {
            free(y);
            return err;
        }
        for (int r = 0; r < b; r++) {
            sum += nn_loss(m, y + (long)r * k, d->label[i + r]);
            hits += nn_argmax(y + (long)r * k, k) == d->label[i + r];
        }
    }
    free(y);
    *loss = sum / d->n;
    *acc = (double)hits / d->n;
    return NN_OK;
}

int nn_train(nn_model *m, const nn_data *train, const nn_data *val,
             const nn_train_opts *o, const nn_train_hooks *hooks,
             char *why, size_t whylen)
{
    int k = nn_model_n_out(m), n = train->n, err;
    int B = o->batch < n ? o->batch : n, since_best = 0, best_epoch = 0, epoch;
    double best_acc = -1.0;
    int stopped = 0;            /* by a hook during an epoch */
    struct work w;
    nn_train_hooks none = { NULL, NULL, NULL };
    nn_rng rng;

    if (n <= 0)
        return nn_why(why, whylen, NN_EINVAL, "no training records");
    if (train->dim != m->sizes[0] || (val && val->n && val->dim != m->sizes[0]))
        return nn_why(why, whylen, NN_ESHAPE, "vectors have %d values, the "
                      "network takes %d", val && train->dim == m->sizes[0]
                      ? val->dim : train->dim, m->sizes[0]);
    if (o->epochs < 1 || o->batch < 1 || !(o->rate > 0) || o->momentum < 0 ||
        o->momentum >= 1 || o->lambda < 0)
        return nn_why(why, whylen, NN_EINVAL, "invalid training options");
    if ((err = check_labels(train, k, "training", why, whylen)) ||
        (val && (err = check_labels(val, k, "validation", why, whylen))))
        return err;
    if (val && val->n == 0)
        val = NULL;
    if (!hooks)
        hooks = &none;
    if ((err = work_alloc(&w, m, B, n))) {
        work_free(&w, m->nlayers);
        return err;
    }
    /* The shuffling stream differs from the initialisation stream, and a
     * resumed run does not repeat the first run's order. */
    nn_rng_seed(&rng, o->seed ^ 0x5eedf00dULL ^ (uint64_t)m->train.epochs_run << 32);
    for (int i = 0; i < n; i++)
        w.order[i] = i;
    memcpy(w.best, m->params, m->n_params * sizeof *w.best);

    for (epoch = 1; epoch <= o->epochs; epoch++) {
        nn_epoch_stats s = { .epoch = epoch, .epochs = o->epochs,
                             .val_loss = -1, .val_acc = -1 };
        double loss = 0.0, t0 = seconds();
        long hits = 0;

        for (int i = n - 1; i > 0; i--) {
            int j = (int)nn_rng_below(&rng, (uint32_t)i + 1), t = w.order[i];
            w.order[i] = w.order[j];
            w.order[j] = t;
        }
        for (int i = 0; i < n; i += B) {
            int b = n - i < B ? n - i : B;
            for (int r = 0; r < b; r++) {
                int src = w.order[i + r];
                memcpy(w.x + (long)r * train->dim,
                       train->x + (long)src * train->dim,
                       train->dim * sizeof *w.x);
                w.labels[r] = train->label[src];
            }
            train_batch(m, &w, b, o->rate, o->momentum, o->lambda / n,
                        &loss, &hits);
            if (hooks->batch && hooks->batch(epoch, i + b, n, hooks->arg)) {
                stopped = 1;
                break;
            }
        }
        if (stopped) {
            /* Keep these weights unless a validated epoch was better. */
            if (!best_epoch && all_finite(m->params, m->n_params))
                memcpy(w.best, m->params, m->n_params * sizeof *w.best);
            err = NN_EINTR;
            epoch++;
            break;
        }
        s.train_loss = loss / n;
        s.train_acc = (double)hits / n;
        if (!isfinite(s.train_loss) || !all_finite(m->params, m->n_params)) {
            memcpy(m->params, w.best, m->n_params * sizeof *w.best);
            err = nn_why(why, whylen, NN_ENUMERIC, "epoch %d: training loss is "
                         "not finite (learning rate %g too high?)", epoch,
                         o->rate);
            break;
        }
        if (val) {
            if ((err = evaluate(m, val, &s.val_loss, &s.val_acc)))
                break;
            if (s.val_acc > best_acc) {
                best_acc = s.val_acc;
                best_epoch = epoch;
                memcpy(w.best, m->params, m->n_params * sizeof *w.best);
                since_best = 0;
            } else {
                since_best++;
            }
        } else {
            memcpy(w.best, m->params, m->n_params * sizeof *w.best);
        }
        s.best_epoch = best_epoch;
        s.seconds = seconds() - t0;
        if (hooks->epoch && hooks->epoch(&s, hooks->arg)) {
            err = NN_EINTR;
            epoch++;
            break;
        }
        if (o->patience > 0 && since_best >= o->patience) {
            epoch++;
            break;
        }
    }
    /* Keep the best weights (with validation) or the last finite ones. */
    memcpy(m->params, w.best, m->n_params * sizeof *w.best);
    m->train.opts = *o;
    /* Validation figures describe this run only. */
    m->train.best_epoch = best_epoch ? m->train.epochs_run + best_epoch : 0;
    m->train.best_val_acc = best_epoch ? best_acc : -1.0;
    m->train.n_val = val ? val->n : 0;
    m->train.epochs_run += epoch - 1;
    m->train.n_train = n;
    work_free(&w, m->nlayers);
    return err;
}
