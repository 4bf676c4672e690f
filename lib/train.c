/* train.c - mini-batch training: SGD with momentum or Nesterov momentum,
 * or Adam; learning-rate schedules; L2 weight decay, dropout and max-norm;
 * augmented images; early stopping on a validation set.  Statistics go to
 * callbacks; nothing is printed. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn_internal.h"

double nn_schedule_rate(const nn_train_opts *o, int epoch)
{
    switch (o->schedule) {
    case NN_SCHED_STEP:
        return o->rate * pow(o->step_factor, (epoch - 1) / o->step_epochs);
    case NN_SCHED_COSINE:
        return o->rate * 0.5 * (1.0 + cos(3.14159265358979323846 * (epoch - 1) / o->epochs));
    }
    return o->rate;
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* o->auto_threads: at the start of each epoch and every TRIAL_EVERY
 * batches, TRIAL batches are timed on one thread and TRIAL on all, and the
 * faster is kept until the next trial.  The model does not depend on the
 * thread count, so it may change at any batch. */
enum { TRIAL = 20, TRIAL_EVERY = 400 };

struct autothreads {
    int phase;          /* 0: running, 1: timing one, 2: timing all */
    long batches;       /* since the phase began */
    double t0, t_one;
};

/* After each batch; new_epoch for an epoch's first. */
static void auto_threads(struct autothreads *a, int new_epoch)
{
    double now = seconds();

    a->batches++;
    if (new_epoch || (a->phase == 0 && a->batches >= TRIAL_EVERY)) {
        a->phase = 1;
        a->batches = 0;
        a->t0 = now;
        nn_pool_limit(1);
    } else if (a->phase == 1 && a->batches >= TRIAL) {
        a->t_one = now - a->t0;
        a->phase = 2;
        a->batches = 0;
        a->t0 = now;
        nn_pool_limit(0);
    } else if (a->phase == 2 && a->batches >= TRIAL) {
        nn_pool_limit(a->t_one < now - a->t0 ? 1 : 0);
        a->phase = 0;
        a->batches = 0;
    }
}

/* Working memory of one training run. */
struct work {
    int B;                          /* batch size */
    float *x;                       /* B x n_in: the batch's inputs */
    float *row;                     /* n_in: a record before augmentation */
    int *labels;                    /* B */
    nn_pass pass;                   /* the weights as trained, buffers */
    float *grad, *vel, *best;       /* n_params each; grad and vel laid
                                     * out as pass.params, best as the
                                     * model's */
    float *sq;                      /* adam: n_params, else NULL */
    int *order;                     /* shuffled record indices */
    nn_augmenter *aug;              /* NULL: no augmentation */
};

static void work_free(struct work *w)
{
    free(w->x);
    free(w->row);
    free(w->labels);
    nn_pass_free(&w->pass);
    free(w->grad);
    free(w->vel);
    free(w->best);
    free(w->sq);
    free(w->order);
    nn_augmenter_free(w->aug);
}

static int work_alloc(struct work *w, const nn_model *m, int B, int n,
                      const nn_train_opts *o)
{
    memset(w, 0, sizeof *w);
    w->B = B;
    w->x = malloc((size_t)B * m->sizes[0] * sizeof *w->x);
    w->labels = malloc(B * sizeof *w->labels);
    w->grad = malloc(m->n_params * sizeof *w->grad);
    w->vel = calloc(m->n_params, sizeof *w->vel);
    w->best = malloc(m->n_params * sizeof *w->best);
    w->order = malloc(n * sizeof *w->order);
    w->row = malloc((size_t)m->sizes[0] * sizeof *w->row);
    if (!w->x || !w->labels || !w->grad || !w->vel || !w->best || !w->order
        || !w->row)
        return NN_ENOMEM;
    if (o->optimizer == NN_OPT_ADAM && !(w->sq = calloc(m->n_params, sizeof *w->sq)))
        return NN_ENOMEM;
    return nn_pass_new(&w->pass, m, B, o->input_dropout, o->dropout);
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

/* Dropout masks for the next batch of B records: each value is kept with
 * probability 1 - p and then scaled by 1/(1-p) (inverted dropout: the
 * trained network is used as it is).  Two decisions per random number. */
static void draw_masks(const nn_model *m, nn_pass *p, int B,
                       const nn_train_opts *o, nn_rng *rng)
{
    for (int l = 0; l < m->nlayers; l++) {
        float drop = l == 0 ? o->input_dropout : o->dropout;
        float keep = 1.0f / (1.0f - drop);
        uint32_t below = (uint32_t)(drop * 4294967296.0);
        long n = (long)B * m->sizes[l];
        float *mask = p->masks[l];

        if (!mask)
            continue;
        for (long i = 0; i < n; i += 2) {
            uint64_t u = nn_rng_next(rng);
            mask[i] = (uint32_t)u < below ? 0.0f : keep;
            if (i + 1 < n)
                mask[i + 1] = (uint32_t)(u >> 32) < below ? 0.0f : keep;
        }
    }
}

/* The update loops below are most of a small network's epoch after the
 * matrix products, so they are compiled for AVX-512 and AVX2 too
 * (NN_CLONES). */

/* Momentum SGD over n parameters, with gradient g + decay*p (decay 0 for
 * biases, which are not decayed):
 *   classical: v = momentum*v - rate*g;  p += v
 *   nesterov:  v = momentum*v - rate*g;  p += momentum*v - rate*g */
NN_CLONES
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

NN_CLONES
static void nesterov_update(float *restrict p, const float *restrict g,
                            float *restrict v, long n, float momentum,
                            float rate, float decay)
{
    for (long i = 0; i < n; i++) {
        float step = rate * (g[i] + decay * p[i]);
        v[i] = momentum * v[i] - step;
        p[i] += momentum * v[i] - step;
    }
}

/* Adam (Kingma and Ba, 2015) with L2 in the gradient: m and s are the
 * running averages of g and g^2; c1 and c2 are 1 - beta^t, their bias
 * corrections at step t. */
NN_CLONES
static void adam_update(float *restrict p, const float *restrict g,
                        float *restrict m, float *restrict s, long n,
                        float beta1, float beta2, float rate, float decay,
                        float c1, float c2)
{
    const float eps = 1e-8f;

    for (long i = 0; i < n; i++) {
        float gi = g[i] + decay * p[i];
        m[i] = beta1 * m[i] + (1.0f - beta1) * gi;
        s[i] = beta2 * s[i] + (1.0f - beta2) * gi * gi;
        p[i] -= rate * (m[i] / c1) / (sqrtf(s[i] / c2) + eps);
    }
}

/* Scale each unit's incoming weights whose L2 norm is above c back to
 * norm c (unit o's weight from input i is at t->W[o * unit_step + i *
 * in_step]). */
static void max_norm(const nn_tlayer *t, float c)
{
    for (int o = 0; o < t->units; o++) {
        float *w = t->W + o * t->unit_step;
        double sum = 0.0;
        for (int i = 0; i < t->fan_in; i++)
            sum += (double)w[i * t->in_step] * w[i * t->in_step];
        if (sum > (double)c * c) {
            float f = (float)(c / sqrt(sum));
            for (int i = 0; i < t->fan_in; i++)
                w[i * t->in_step] *= f;
        }
    }
}

/* One step of the optimizer on a layer's nw weights pw and n - nw biases
 * pb, with gradient g (n values, the weights' first); state a (velocity or
 * first moment) and s (adam's second moment) laid out as g.  t is the
 * 1-based step count. */
static void update(float *pw, float *pb, const float *g, float *a, float *s,
                   long n, long nw, const nn_train_opts *o, float rate,
                   float decay, long t)
{
    float c1, c2;

    switch (o->optimizer) {
    case NN_OPT_NESTEROV:
        nesterov_update(pw, g, a, nw, o->momentum, rate, decay);
        nesterov_update(pb, g + nw, a + nw, n - nw, o->momentum, rate, 0.0f);
        break;
    case NN_OPT_ADAM:
        c1 = (float)(1.0 - pow(o->momentum, (double)t));
        c2 = (float)(1.0 - pow(o->beta2, (double)t));
        adam_update(pw, g, a, s, nw, o->momentum, o->beta2, rate, decay, c1, c2);
        adam_update(pb, g + nw, a + nw, s + nw, n - nw, o->momentum,
                    o->beta2, rate, 0.0f, c1, c2);
        break;
    default:
        sgd_update(pw, g, a, nw, o->momentum, rate, decay);
        sgd_update(pb, g + nw, a + nw, n - nw, o->momentum, rate, 0.0f);
    }
}

/* One mini-batch of b records in w->x: gradient, then the update of each
 * layer.  Adds the batch's summed loss to *loss and its correct answers to
 * *hits. */
static void train_batch(const nn_model *m, struct work *w, int b,
                        const nn_train_opts *o, float rate, float decay,
                        long t, double *loss, long *hits)
{
    nn_backprop(&w->pass, m, w->x, w->labels, b, w->grad, loss, hits);
    for (int l = 0; l < m->nlayers; l++) {
        const nn_tlayer *L = &w->pass.layer[l];
        long off = m->w_off[l];
        long nw = m->b_off[l] - off, n = nw + L->units;
        update(L->W, L->b, w->grad + off, w->vel + off,
               w->sq ? w->sq + off : NULL, n, nw, o, rate, decay, t);
        if (o->max_norm > 0)
            max_norm(L, o->max_norm);
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
    nn_eval *e;
    int err;

    if ((err = nn_eval_new(&e, nn_model_n_out(m))))
        return err;
    if (!(err = nn_eval_data(e, m, d, NULL, 0))) {
        *loss = e->loss_sum / e->n;
        *acc = (double)e->correct / e->n;
    }
    nn_eval_free(e);
    return err;
}

/* What is wrong with o, or NULL. */
static const char *bad_opts(const nn_train_opts *o)
{
    if (o->epochs < 1 || o->batch < 1)
        return "epochs and batch size must be at least 1";
    if (!(o->rate > 0) || !isfinite(o->rate))
        return "the learning rate must be above 0";
    if (!(o->momentum >= 0 && o->momentum < 1))
        return "momentum (adam: beta1) must be in [0, 1)";
    if (!(o->lambda >= 0) || !isfinite(o->lambda))
        return "lambda must be 0 or more";
    if (!nn_optimizer_name(o->optimizer))
        return "unknown optimizer";
    if (o->optimizer == NN_OPT_ADAM && !(o->beta2 >= 0 && o->beta2 < 1))
        return "beta2 must be in [0, 1)";
    if (!nn_schedule_name(o->schedule))
        return "unknown learning-rate schedule";
    if (o->schedule == NN_SCHED_STEP
        && (o->step_epochs < 1 || !(o->step_factor > 0 && o->step_factor <= 1)))
        return "the step schedule needs step epochs >= 1 and a factor in (0, 1]";
    if (o->schedule == NN_SCHED_PLATEAU && o->plateau < 1)
        return "the plateau schedule needs a plateau of at least 1 epoch";
    if (!(o->dropout >= 0 && o->dropout < 1)
        || !(o->input_dropout >= 0 && o->input_dropout < 1))
        return "dropout must be in [0, 1)";
    if (!(o->max_norm >= 0) || !isfinite(o->max_norm))
        return "max-norm must be 0 (off) or more";
    return NULL;
}

/* The augmenter for m's input images, in *out (NULL without
 * augmentation). */
static int new_augmenter(nn_augmenter **out, const nn_model *m,
                         const nn_augment *a, char *why, size_t whylen)
{
    const nn_input_desc *in = &m->input;

    *out = NULL;
    if (!a->kinds)
        return NN_OK;
    if (in->width < 1 || (long)in->width * in->height != m->sizes[0])
        return nn_why(why, whylen, NN_EINVAL, "augmentation needs images: "
                      "the model's %d inputs have no image shape",
                      m->sizes[0]);
    return nn_augmenter_new(out, a, in->width, in->height,
                            in->ink_high ? in->lo : in->hi, why, whylen);
}

/* Copy the b records order[0..b-1] of d into the batch, distorted by the
 * augmenter if there is one.  A record stored as bytes is converted
 * straight into the batch, or into w->row for the augmenter. */
static void gather(struct work *w, const nn_data *d, const int *order, int b,
                   nn_rng *rng)
{
    for (int r = 0; r < b; r++) {
        float *dst = w->x + (long)r * d->dim;
        if (w->aug) {
            nn_augmenter_apply(w->aug, dst,
                               nn_data_row(d, order[r], w->row), rng);
        } else {
            const float *src = nn_data_row(d, order[r], dst);
            if (src != dst)
                memcpy(dst, src, d->dim * sizeof *dst);
        }
        w->labels[r] = d->label[order[r]];
    }
}

/* Mean negative log-likelihood of the labels under probabilities y (n rows
 * of k) tempered by T. */
static double tempered_nll(const float *y, const int *label, int n, int k,
                           double T)
{
    double nll = 0;

    for (int i = 0; i < n; i++) {
        const float *row = y + (long)i * k;
        double max = -INFINITY, sum = 0;
        for (int j = 0; j < k; j++)
            max = fmax(max, log(fmax(row[j], FLT_MIN)) / T);
        for (int j = 0; j < k; j++)
            sum += exp(log(fmax(row[j], FLT_MIN)) / T - max);
        nll -= log(fmax(row[label[i]], FLT_MIN)) / T - max - log(sum);
    }
    return nll / n;
}

/* Temperature scaling (Guo et al. 2017) fitted on the validation set, so
 * that a softmax model's probabilities mean what they say: T minimising
 * the tempered NLL (convex in 1/T), by golden-section search over log T
 * in [log 0.05, log 20]; m->temperature = T.  1 without softmax or
 * labelled validation records, or on NN_ENOMEM. */
static int fit_temperature(nn_model *m, const nn_data *val)
{
    enum { CHUNK = 256 };
    int k = nn_model_n_out(m), n = 0, *label;
    float *y, *buf;
    double a = log(0.05), b = log(20.0), g = (sqrt(5.0) - 1) / 2;

    m->temperature = 1.0f;
    if (!val || val->n == 0 || m->output_act != NN_ACT_SOFTMAX)
        return NN_OK;
    y = malloc((size_t)val->n * k * sizeof *y);
    label = malloc((size_t)val->n * sizeof *label);
    buf = malloc((size_t)CHUNK * val->dim * sizeof *buf);
    if (!y || !label || !buf) {
        free(y);
        free(label);
        free(buf);
        return NN_ENOMEM;
    }
    for (int i = 0; i < val->n; i += CHUNK) {
        int c = val->n - i < CHUNK ? val->n - i : CHUNK, err;
        const float *x = nn_data_rows(val, i, c, buf);
        float *out = y + (long)n * k;
        if ((err = nn_predict(m, x, c, out)) != NN_OK) {
            free(y);
            free(label);
            free(buf);
            return err;
        }
        for (int j = 0; j < c; j++)     /* only the labelled records */
            if (val->label[i + j] >= 0 && val->label[i + j] < k) {
                memmove(y + (long)n * k, out + (long)j * k, k * sizeof *y);
                label[n++] = val->label[i + j];
            }
    }
    if (n > 0) {
        double c = b - g * (b - a), d = a + g * (b - a);
        double fc = tempered_nll(y, label, n, k, exp(c));
        double fd = tempered_nll(y, label, n, k, exp(d));
        for (int it = 0; it < 40; it++) {
            if (fc < fd) {
                b = d;
                d = c;
                fd = fc;
                c = b - g * (b - a);
                fc = tempered_nll(y, label, n, k, exp(c));
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + g * (b - a);
                fd = tempered_nll(y, label, n, k, exp(d));
            }
        }
        m->temperature = (float)exp((a + b) / 2);
    }
    free(y);
    free(label);
    free(buf);
    return NN_OK;
}

int nn_train(nn_model *m, const nn_data *train, const nn_data *val,
             const nn_train_opts *o, const nn_train_hooks *hooks,
             char *why, size_t whylen)
{
    int k = nn_model_n_out(m), n = train->n, err = NN_OK;
    int B = o->batch < n ? o->batch : n, since_best = 0, best_epoch = 0, epoch;
    int since_halved = 0;       /* plateau: epochs without a better one */
    double best_acc = -1.0, rate = o->rate;
    long steps = 0;
    int stopped = 0;            /* by a hook during an epoch */
    struct work w;
    struct autothreads at = { 0, 0, 0, 0 };
    int timed = o->auto_threads && nn_threads() > 1;
    nn_train_hooks none = { NULL, NULL, NULL };
    nn_rng rng, noise;          /* shuffling; dropout and augmentation */
    const char *bad;

    if (m->next)
        return nn_why(why, whylen, NN_EINVAL, "an ensemble of %d networks "
                      "is not trained further (train a network, then join "
                      "it)", nn_model_members(m));
    m->temperature = 1.0f;      /* fitted again at the end */

    if (n <= 0)
        return nn_why(why, whylen, NN_EINVAL, "no training records");
    if (train->dim != m->sizes[0] || (val && val->n && val->dim != m->sizes[0]))
        return nn_why(why, whylen, NN_ESHAPE, "vectors have %d values, the "
                      "network takes %d", val && train->dim == m->sizes[0]
                      ? val->dim : train->dim, m->sizes[0]);
    if ((bad = bad_opts(o)))
        return nn_why(why, whylen, NN_EINVAL, "invalid training options: %s",
                      bad);
    if ((err = check_labels(train, k, "training", why, whylen)) ||
        (val && (err = check_labels(val, k, "validation", why, whylen))))
        return err;
    if (val && val->n == 0)
        val = NULL;
    if (o->schedule == NN_SCHED_PLATEAU && !val)
        return nn_why(why, whylen, NN_EINVAL, "the plateau schedule needs "
                      "validation records");
    if (!hooks)
        hooks = &none;
    if ((err = work_alloc(&w, m, B, n, o))
        || (err = new_augmenter(&w.aug, m, &o->augment, why, whylen))) {
        work_free(&w);
        return err;
    }
    /* Each random stream differs from the initialisation stream, and a
     * resumed run does not repeat the first run's draws. */
    nn_rng_seed(&rng, o->seed ^ 0x5eedf00dULL ^ (uint64_t)m->train.epochs_run << 32);
    nn_rng_seed(&noise, o->seed ^ 0xd40b0075ULL ^ (uint64_t)m->train.epochs_run << 32);
    for (int i = 0; i < n; i++)
        w.order[i] = i;
    memcpy(w.best, m->params, m->n_params * sizeof *w.best);

    for (epoch = 1; epoch <= o->epochs; epoch++) {
        nn_epoch_stats s = { .epoch = epoch, .epochs = o->epochs,
                             .val_loss = -1, .val_acc = -1 };
        double loss = 0.0, t0 = seconds();
        long hits = 0;

        if (o->schedule != NN_SCHED_PLATEAU)
            rate = nn_schedule_rate(o, epoch);
        s.rate = rate;
        for (int i = n - 1; i > 0; i--) {
            int j = (int)nn_rng_below(&rng, (uint32_t)i + 1), t = w.order[i];
            w.order[i] = w.order[j];
            w.order[j] = t;
        }
        for (int i = 0; i < n; i += B) {
            int b = n - i < B ? n - i : B;
            /* No denormals in the batch's arithmetic; the hooks run in
             * the caller's floating-point mode. */
            unsigned fp = nn_fp_enter();
            gather(&w, train, w.order + i, b, &noise);
            draw_masks(m, &w.pass, b, o, &noise);
            train_batch(m, &w, b, o, (float)rate, o->lambda / n, ++steps,
                        &loss, &hits);
            nn_fp_leave(fp);
            if (timed)
                auto_threads(&at, i == 0);
            if (hooks->batch && hooks->batch(epoch, i + b, n, hooks->arg)) {
                stopped = 1;
                break;
            }
        }
        /* The weights as trained into the model, for what follows. */
        nn_pass_store(&w.pass, m);
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
                         rate);
            break;
        }
        if (val) {
            if ((err = evaluate(m, val, &s.val_loss, &s.val_acc)))
                break;
            if (s.val_acc > best_acc) {
                best_acc = s.val_acc;
                best_epoch = epoch;
                memcpy(w.best, m->params, m->n_params * sizeof *w.best);
                since_best = since_halved = 0;
            } else {
                since_best++;
                since_halved++;
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
        /* Nielsen's rule: halve the rate after `plateau` epochs without a
         * better validation accuracy; stop when it is 1/128 of the first. */
        if (o->schedule == NN_SCHED_PLATEAU && since_halved >= o->plateau) {
            since_halved = 0;
            if ((rate /= 2) < o->rate / 128.0) {
                epoch++;
                break;
            }
        }
    }
    /* Keep the best weights (with validation) or the last finite ones,
     * with their probabilities calibrated on the validation set. */
    memcpy(m->params, w.best, m->n_params * sizeof *w.best);
    if (!err)               /* out of memory: uncalibrated, not lost */
        (void)fit_temperature(m, val);
    m->train.opts = *o;
    /* Validation figures describe this run only. */
    m->train.best_epoch = best_epoch ? m->train.epochs_run + best_epoch : 0;
    m->train.best_val_acc = best_epoch ? best_acc : -1.0;
    m->train.n_val = val ? val->n : 0;
    m->train.epochs_run += epoch - 1;
    m->train.n_train = n;
    m->train.final_rate = rate;
    work_free(&w);
    nn_pool_limit(0);
    return err;
}
