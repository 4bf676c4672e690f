/* check_train.c - backpropagation against finite differences, and the
 * behaviour of nn_train (learning, seeds, early stopping, NaN). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"
#include "tests.h"

enum { B = 4 };

/* Mean loss of the batch, in double over the float forward pass. */
static double batch_loss(const nn_model *m, const float *x, const int *labels)
{
    float y[B * 3];
    double sum = 0;

    nn_predict(m, x, B, y);
    for (int r = 0; r < B; r++)
        sum += nn_loss(m, y + r * 3, labels[r]);
    return sum / B;
}

/* A pass through the 5-4-3-3 test network; with dropout, masks drawn at
 * random from {0, 1/(1-p)} on the input and both hidden layers. */
static void pass_alloc(nn_pass *p, const nn_model *m, int dropout)
{
    nn_rng rng;

    ck_assert_int_eq(nn_pass_new(p, m, B, dropout ? 0.4f : 0,
                                 dropout ? 0.4f : 0), NN_OK);
    nn_rng_seed(&rng, 7);
    for (int l = 0; dropout && l < m->nlayers; l++)
        for (int i = 0; i < B * m->sizes[l]; i++)
            p->masks[l][i] = nn_rng_uniform(&rng) < 0.4 ? 0.0f : 1 / 0.6f;
}

/* Mean loss of the batch through the masks of p (a forward pass) with m's
 * weights as they are now; the gradient into grad in the model's layout. */
static double masked_loss(const nn_model *m, const float *x,
                          const int *labels, nn_pass *p, float *grad)
{
    float *g = malloc(sizeof(float) * m->n_params);
    double loss = 0;
    long hits = 0;

    nn_pass_load(p, m);
    nn_backprop(p, m, x, labels, B, g, &loss, &hits);
    nn_pass_export(p, m, g, grad);
    free(g);
    return loss / B;
}

/* Every hidden activation with every output/cost pair: 3 x 3 networks,
 * without dropout and then with fixed dropout masks on every layer's
 * input.  Backpropagation must agree with finite differences of the loss
 * (for dropout: through the same masks). */
START_TEST(test_gradient_check)
{
    static const int hidden[] = { NN_ACT_SIGMOID, NN_ACT_RELU, NN_ACT_TANH };
    static const int out[][2] = { { NN_ACT_SOFTMAX, NN_COST_CE },
                                  { NN_ACT_SIGMOID, NN_COST_CE },
                                  { NN_ACT_SIGMOID, NN_COST_QUADRATIC } };
    int net = _i % 9, dropout = _i >= 9;
    nn_model *m = tiny_model(hidden[net / 3], out[net % 3][0], out[net % 3][1], 11);
    float x[B * 5], *grad = malloc(sizeof(float) * m->n_params);
    float *scratch = malloc(sizeof(float) * m->n_params);
    int labels[B] = { 0, 2, 1, 2 }, dropped = 0;
    nn_pass p;
    nn_rng rng;

    nn_rng_seed(&rng, 99);
    for (int i = 0; i < B * 5; i++)
        x[i] = (float)nn_rng_uniform(&rng);
    /* With every mask value 1 the pass is the plain forward pass. */
    pass_alloc(&p, m, dropout);
    for (int l = 0; dropout && l < m->nlayers; l++)
        for (int i = 0; i < B * m->sizes[l]; i++)
            p.masks[l][i] = 1.0f;
    ck_assert_double_eq_tol(masked_loss(m, x, labels, &p, grad),
                            batch_loss(m, x, labels), 1e-6);
    nn_pass_free(&p);
    pass_alloc(&p, m, dropout);
    masked_loss(m, x, labels, &p, grad);
    for (long i = 0; i < m->n_params; i++) {
        const float eps = 1e-2f;
        float w = m->params[i];
        double up, down, num;
        m->params[i] = w + eps;
        up = masked_loss(m, x, labels, &p, scratch);
        m->params[i] = w - eps;
        down = masked_loss(m, x, labels, &p, scratch);
        m->params[i] = w;
        num = (up - down) / (2 * eps);
        dropped += grad[i] == 0 && num == 0;
        ck_assert_msg(fabs(num - grad[i]) <= 2e-4 + 2e-2 * fabs(num),
                      "%s hidden, %s output, %s cost%s: parameter %ld: "
                      "backprop %g, finite difference %g",
                      nn_act_name(m->hidden_act), nn_act_name(m->output_act),
                      nn_cost_name(m->cost), dropout ? ", dropout" : "", i,
                      grad[i], num);
    }
    /* The masks did drop something: weights out of dropped units get no
     * gradient. */
    if (dropout)
        ck_assert_int_gt(dropped, 0);
    nn_pass_free(&p);
    free(grad);
    free(scratch);
    nn_model_free(m);
}
END_TEST

/* Two Gaussian blobs per class in 5 dimensions: separable. */
static nn_data *blobs(int n, uint64_t seed)
{
    nn_data *d;
    nn_rng rng;
    float x[5];

    ck_assert_int_eq(nn_data_new(&d, 5), NN_OK);
    nn_rng_seed(&rng, seed);
    for (int i = 0; i < n; i++) {
        int c = i % 3;
        for (int j = 0; j < 5; j++)
            x[j] = (float)(0.15 * nn_rng_normal(&rng) + (j == c ? 0.8 : 0.2));
        ck_assert_int_eq(nn_data_add(d, x, c), NN_OK);
    }
    return d;
}

/* Accuracy on fresh samples of the blobs. */
static double blob_accuracy(const nn_model *m)
{
    nn_data *t = blobs(300, 2);
    float x[5], y[3];
    int hits = 0;

    for (int i = 0; i < t->n; i++) {
        nn_predict(m, nn_data_row(t, i, x), 1, y);
        hits += nn_argmax(y, 3) == t->label[i];
    }
    nn_data_free(t);
    return hits / 300.0;
}

static int record_losses(const nn_epoch_stats *s, void *arg)
{
    ((double *)arg)[s->epoch - 1] = s->train_loss;
    return 0;
}

START_TEST(test_loss_falls)
{
    nn_data *d = blobs(300, 1);
    nn_model *m = tiny_model(NN_ACT_TANH, NN_ACT_SOFTMAX, NN_COST_CE, 2);
    nn_train_opts o;
    double losses[20], loss, acc;
    nn_train_hooks hooks = { record_losses, NULL, losses };
    char why[128] = "";

    nn_train_opts_default(&o);
    o.epochs = 20;
    o.batch = 10;
    ck_assert_int_eq(nn_train(m, d, NULL, &o, &hooks, why, sizeof why), NN_OK);
    ck_assert_msg(losses[19] < 0.25 * losses[0], "loss %g -> %g", losses[0],
                  losses[19]);
    ck_assert_int_eq(nn_model_train_info(m)->epochs_run, 20);
    acc = blob_accuracy(m);
    loss = losses[19];
    ck_assert_msg(acc > 0.97, "accuracy %g (final loss %g)", acc, loss);
    nn_data_free(d);
    nn_model_free(m);
}
END_TEST

START_TEST(test_training_reproducible)
{
    nn_data *d = blobs(100, 1);
    nn_model *a = tiny_model(NN_ACT_SIGMOID, NN_ACT_SIGMOID, NN_COST_CE, 5);
    nn_model *b = tiny_model(NN_ACT_SIGMOID, NN_ACT_SIGMOID, NN_COST_CE, 5);
    nn_train_opts o;

    nn_train_opts_default(&o);
    o.epochs = 3;
    o.batch = 7;
    ck_assert_int_eq(nn_train(a, d, NULL, &o, NULL, NULL, 0), NN_OK);
    ck_assert_int_eq(nn_train(b, d, NULL, &o, NULL, NULL, 0), NN_OK);
    ck_assert(memcmp(a->params, b->params, a->n_params * sizeof(float)) == 0);
    /* Same initial weights, another shuffling seed: another model. */
    nn_model *c = tiny_model(NN_ACT_SIGMOID, NN_ACT_SIGMOID, NN_COST_CE, 5);
    o.seed = 6;
    ck_assert_int_eq(nn_train(c, d, NULL, &o, NULL, NULL, 0), NN_OK);
    ck_assert(memcmp(a->params, c->params, a->n_params * sizeof(float)) != 0);
    nn_model_free(c);
    nn_data_free(d);
    nn_model_free(a);
    nn_model_free(b);
}
END_TEST

/* auto_threads: the model is the one trained on one thread, and the
 * threads are the caller's again afterwards. */
START_TEST(test_auto_threads)
{
    nn_data *d = blobs(100, 1);
    nn_model *a = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 5);
    nn_model *b = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 5);
    nn_train_opts o;

    nn_train_opts_default(&o);
    o.epochs = 3;
    o.batch = 7;
    nn_set_threads(1);
    ck_assert_int_eq(nn_train(a, d, NULL, &o, NULL, NULL, 0), NN_OK);
    nn_set_threads(2);
    o.auto_threads = 1;
    ck_assert_int_eq(nn_train(b, d, NULL, &o, NULL, NULL, 0), NN_OK);
    ck_assert(memcmp(a->params, b->params, a->n_params * sizeof(float)) == 0);
    ck_assert_int_eq(nn_pool_threads(), 2);
    nn_set_threads(1);
    nn_data_free(d);
    nn_model_free(a);
    nn_model_free(b);
}
END_TEST

struct trace { int epochs; double val_acc[50]; };

static int trace_epochs(const nn_epoch_stats *s, void *arg)
{
    struct trace *t = arg;
    t->val_acc[t->epochs++] = s->val_acc;
    return 0;
}

/* With patience p, training stops p epochs after the best one and the best
 * epoch's weights are kept. */
START_TEST(test_early_stopping)
{
    nn_data *d = blobs(60, 1), *v = blobs(600, 3);
    nn_model *m = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 8);
    nn_train_opts o;
    struct trace t = { 0 };
    const nn_train_info *info;
    double best = -1, acc;
    float x[5], y[3];
    int hits = 0;

    nn_train_opts_default(&o);
    o.epochs = 50;
    o.batch = 5;
    o.rate = 0.5f;     /* noisy on purpose: accuracy goes up and down */
    o.patience = 2;
    nn_train_hooks hooks = { trace_epochs, NULL, &t };
    ck_assert_int_eq(nn_train(m, d, v, &o, &hooks, NULL, 0), NN_OK);
    info = nn_model_train_info(m);
    for (int e = 0; e < t.epochs; e++)
        if (t.val_acc[e] > best)
            best = t.val_acc[e];
    ck_assert_double_eq(info->best_val_acc, best);
    ck_assert_int_eq(info->epochs_run, t.epochs);
    ck_assert(t.epochs == 50 || t.epochs == info->best_epoch + 2);
    for (int i = 0; i < v->n; i++) {
        nn_predict(m, nn_data_row(v, i, x), 1, y);
        hits += nn_argmax(y, 3) == v->label[i];
    }
    acc = (double)hits / v->n;
    ck_assert_double_eq_tol(acc, best, 1e-12);
    nn_data_free(d);
    nn_data_free(v);
    nn_model_free(m);
}
END_TEST

/* Stops during epoch 2 after `left` more batches. */
struct stopper {
    int calls, left;
    long done;
};

static int stop_in_epoch2(int epoch, long done, long total, void *arg)
{
    struct stopper *st = arg;
    ck_assert_int_le(done, total);
    st->calls++;
    st->done = done;
    return epoch == 2 && --st->left == 0;
}

/* A batch hook that asks to stop ends training after that batch: NN_EINTR,
 * the interrupted epoch counted, and (without validation) the weights as
 * they are, which differ from those after one epoch. */
START_TEST(test_batch_hook_stops)
{
    nn_data *d = blobs(300, 1);
    nn_model *a = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 2);
    nn_model *b = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 2);
    struct stopper st = { 0, 3, 0 };
    nn_train_hooks hooks = { NULL, stop_in_epoch2, &st };
    nn_train_opts o;

    nn_train_opts_default(&o);
    o.epochs = 5;
    o.batch = 10;
    ck_assert_int_eq(nn_train(a, d, NULL, &o, &hooks, NULL, 0), NN_EINTR);
    ck_assert_int_eq(st.calls, 30 + 3);
    ck_assert_int_eq(st.done, 30);
    ck_assert_int_eq(nn_model_train_info(a)->epochs_run, 2);
    o.epochs = 1;
    ck_assert_int_eq(nn_train(b, d, NULL, &o, NULL, NULL, 0), NN_OK);
    ck_assert(memcmp(a->params, b->params,
                     sizeof(float) * nn_model_n_params(a)) != 0);
    nn_model_free(a);
    nn_model_free(b);
    nn_data_free(d);
}
END_TEST

START_TEST(test_nan_refused)
{
    nn_data *d = blobs(60, 1);
    nn_model *m = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 8);
    nn_model *before;
    nn_train_opts o;
    char why[128] = "";

    ck_assert_ptr_nonnull(d->store->x);    /* blobs are not pixel values */
    d->store->x[17] = INFINITY;        /* forward pass gives NaN */
    ck_assert_int_eq(nn_model_copy(&before, m), NN_OK);
    nn_train_opts_default(&o);
    ck_assert_int_eq(nn_train(m, d, NULL, &o, NULL, why, sizeof why),
                     NN_ENUMERIC);
    ck_assert_msg(strstr(why, "not finite"), "why: %s", why);
    /* The weights of the last finite epoch (here: the initial ones). */
    ck_assert(memcmp(m->params, before->params, m->n_params * sizeof(float)) == 0);
    nn_data_free(d);
    nn_model_free(m);
    nn_model_free(before);
}
END_TEST

START_TEST(test_bad_labels)
{
    nn_data *d = blobs(30, 1);
    nn_model *m = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 8);
    nn_train_opts o;
    char why[128] = "";

    nn_train_opts_default(&o);
    d->label[7] = 3;
    ck_assert_int_eq(nn_train(m, d, NULL, &o, NULL, why, sizeof why),
                     NN_ESHAPE);
    ck_assert_msg(strstr(why, "record 8: label 3"), "why: %s", why);
    d->label[7] = -1;
    ck_assert_int_eq(nn_train(m, d, NULL, &o, NULL, why, sizeof why),
                     NN_EFORMAT);
    ck_assert_msg(strstr(why, "record 8 has no label"), "why: %s", why);
    nn_data_free(d);
    nn_model_free(m);
}
END_TEST

START_TEST(test_schedule_rates)
{
    nn_train_opts o;

    nn_train_opts_default(&o);
    o.rate = 0.1f;
    o.epochs = 10;
    ck_assert_double_eq(nn_schedule_rate(&o, 7), o.rate);
    o.schedule = NN_SCHED_STEP;
    o.step_epochs = 3;
    o.step_factor = 0.5f;
    ck_assert_double_eq(nn_schedule_rate(&o, 1), o.rate);
    ck_assert_double_eq(nn_schedule_rate(&o, 3), o.rate);
    ck_assert_double_eq(nn_schedule_rate(&o, 4), o.rate * 0.5);
    ck_assert_double_eq(nn_schedule_rate(&o, 7), o.rate * 0.25);
    o.schedule = NN_SCHED_COSINE;
    ck_assert_double_eq_tol(nn_schedule_rate(&o, 1), o.rate, 1e-12);
    ck_assert_double_eq_tol(nn_schedule_rate(&o, 6), o.rate / 2, 1e-12);
    ck_assert_double_eq_tol(nn_schedule_rate(&o, 10),
                            o.rate * (1 + cos(3.14159265358979323846 * 0.9)) / 2, 1e-12);
    for (int e = 2; e <= 10; e++)
        ck_assert(nn_schedule_rate(&o, e) < nn_schedule_rate(&o, e - 1));
    ck_assert_int_eq(nn_schedule_parse("cosine"), NN_SCHED_COSINE);
    ck_assert_str_eq(nn_schedule_name(NN_SCHED_PLATEAU), "plateau");
    ck_assert_int_eq(nn_schedule_parse("linear"), -1);
    ck_assert_int_eq(nn_optimizer_parse("adam"), NN_OPT_ADAM);
    ck_assert_str_eq(nn_optimizer_name(NN_OPT_NESTEROV), "nesterov");
    ck_assert_ptr_null(nn_optimizer_name(3));
}
END_TEST

struct rates { int n; double rate[64], val_acc[64]; };

static int trace_rates(const nn_epoch_stats *s, void *arg)
{
    struct rates *r = arg;
    r->rate[r->n] = s->rate;
    r->val_acc[r->n++] = s->val_acc;
    return 0;
}

/* Nielsen's rule: the rate is halved after `plateau` epochs without a
 * better validation accuracy, and training stops once it falls below
 * 1/128 of the first rate. */
START_TEST(test_plateau_schedule)
{
    nn_data *d = blobs(90, 1), *v = blobs(300, 3);
    nn_model *m = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 8);
    struct rates r = { 0 };
    nn_train_hooks hooks = { trace_rates, NULL, &r };
    nn_train_opts o;
    double best = -1;
    int since = 0, halvings = 0;

    nn_train_opts_default(&o);
    o.epochs = 60;
    o.batch = 10;
    o.schedule = NN_SCHED_PLATEAU;
    o.plateau = 2;
    ck_assert_int_eq(nn_train(m, d, v, &o, &hooks, NULL, 0), NN_OK);
    ck_assert_double_eq(r.rate[0], o.rate);
    for (int e = 0; e < r.n; e++) {
        if (e > 0 && r.rate[e] != r.rate[e - 1]) {
            ck_assert_double_eq(r.rate[e], r.rate[e - 1] / 2);
            ck_assert_int_eq(since, o.plateau);
            since = 0;
            halvings++;
        }
        if (r.val_acc[e] > best) {
            best = r.val_acc[e];
            since = 0;
        } else {
            since++;
        }
    }
    /* It stopped by the rule, after the eighth halving was due. */
    ck_assert_int_lt(r.n, 60);
    ck_assert_int_eq(halvings, 7);
    ck_assert_int_eq(since, o.plateau);
    ck_assert_double_eq(nn_model_train_info(m)->final_rate, o.rate / 256.0);
    /* Without validation records it cannot work. */
    char why[128] = "";
    ck_assert_int_eq(nn_train(m, d, NULL, &o, NULL, why, sizeof why), NN_EINVAL);
    ck_assert_msg(strstr(why, "plateau"), "why: %s", why);
    nn_data_free(d);
    nn_data_free(v);
    nn_model_free(m);
}
END_TEST

/* One step on the whole batch from zero state: SGD moves each weight by
 * -rate*g, Nesterov by -(1+momentum)*rate*g, Adam by rate*g/|g| (its bias
 * corrections make the first step exactly that, up to epsilon). */
START_TEST(test_first_step)
{
    nn_data *d = blobs(40, 1);
    nn_model *m0 = tiny_model(NN_ACT_TANH, NN_ACT_SOFTMAX, NN_COST_CE, 4);
    nn_model *sgd, *nes, *adam;
    nn_train_opts o;
    long moved = 0;

    nn_train_opts_default(&o);
    o.epochs = 1;
    o.batch = 40;
    o.rate = 0.01f;
    o.momentum = 0.9f;
    ck_assert_int_eq(nn_model_copy(&sgd, m0), NN_OK);
    ck_assert_int_eq(nn_model_copy(&nes, m0), NN_OK);
    ck_assert_int_eq(nn_model_copy(&adam, m0), NN_OK);
    ck_assert_int_eq(nn_train(sgd, d, NULL, &o, NULL, NULL, 0), NN_OK);
    o.optimizer = NN_OPT_NESTEROV;
    ck_assert_int_eq(nn_train(nes, d, NULL, &o, NULL, NULL, 0), NN_OK);
    o.optimizer = NN_OPT_ADAM;
    ck_assert_int_eq(nn_train(adam, d, NULL, &o, NULL, NULL, 0), NN_OK);
    for (long i = 0; i < m0->n_params; i++) {
        double g = m0->params[i] - sgd->params[i];     /* rate * g */
        double n = m0->params[i] - nes->params[i];
        double a = m0->params[i] - adam->params[i];
        ck_assert_double_eq_tol(n, 1.9 * g, 1e-6 + 1e-3 * fabs(g));
        if (fabs(g) > 1e-6) {
            ck_assert_double_eq_tol(a, g > 0 ? o.rate : -o.rate, 1e-3 * o.rate);
            moved++;
        }
    }
    ck_assert_int_gt(moved, m0->n_params / 2);
    nn_model_free(m0);
    nn_model_free(sgd);
    nn_model_free(nes);
    nn_model_free(adam);
    nn_data_free(d);
}
END_TEST

/* Every optimizer, with dropout and max-norm too, learns the blobs;
 * with the same seed the run is repeated exactly. */
START_TEST(test_methods_learn)
{
    static const struct { int opt; float rate, dropout, in_drop, max_norm; } c[] = {
        { NN_OPT_SGD, 0.05f, 0, 0, 0 },
        { NN_OPT_NESTEROV, 0.05f, 0, 0, 0 },
        { NN_OPT_ADAM, 0.01f, 0, 0, 0 },
        { NN_OPT_SGD, 0.05f, 0.3f, 0.1f, 0 },
        { NN_OPT_ADAM, 0.01f, 0.3f, 0, 1.0f },
    };
    nn_data *d = blobs(300, 1);
    nn_model *a = tiny_model(NN_ACT_TANH, NN_ACT_SOFTMAX, NN_COST_CE, 2);
    nn_model *b = tiny_model(NN_ACT_TANH, NN_ACT_SOFTMAX, NN_COST_CE, 2);
    nn_train_opts o;
    double acc;

    nn_train_opts_default(&o);
    o.epochs = 20;
    o.batch = 10;
    o.optimizer = c[_i].opt;
    o.rate = c[_i].rate;
    o.dropout = c[_i].dropout;
    o.input_dropout = c[_i].in_drop;
    o.max_norm = c[_i].max_norm;
    o.schedule = NN_SCHED_COSINE;
    ck_assert_int_eq(nn_train(a, d, NULL, &o, NULL, NULL, 0), NN_OK);
    acc = blob_accuracy(a);
    ck_assert_msg(acc > 0.95, "case %d: accuracy %g", _i, acc);
    ck_assert_int_eq(nn_train(b, d, NULL, &o, NULL, NULL, 0), NN_OK);
    ck_assert(memcmp(a->params, b->params, a->n_params * sizeof(float)) == 0);
    nn_model_free(a);
    nn_model_free(b);
    nn_data_free(d);
}
END_TEST

/* Largest L2 norm of a unit's incoming weights. */
static double max_row_norm(const nn_model *m)
{
    double max = 0;

    for (int l = 0; l < m->nlayers; l++)
        for (int o = 0; o < m->sizes[l + 1]; o++) {
            const float *row = m->params + m->w_off[l] + (long)o * m->sizes[l];
            double sum = 0;
            for (int i = 0; i < m->sizes[l]; i++)
                sum += (double)row[i] * row[i];
            if (sqrt(sum) > max)
                max = sqrt(sum);
        }
    return max;
}

START_TEST(test_max_norm)
{
    nn_data *d = blobs(300, 1);
    nn_model *a = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 2);
    nn_model *b = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 2);
    nn_train_opts o;

    nn_train_opts_default(&o);
    o.epochs = 10;
    o.batch = 10;
    o.rate = 0.2f;
    ck_assert_int_eq(nn_train(a, d, NULL, &o, NULL, NULL, 0), NN_OK);
    ck_assert_msg(max_row_norm(a) > 1.5, "norm %g", max_row_norm(a));
    o.max_norm = 1.5f;
    ck_assert_int_eq(nn_train(b, d, NULL, &o, NULL, NULL, 0), NN_OK);
    ck_assert_msg(max_row_norm(b) <= 1.5 * (1 + 1e-6), "norm %g",
                  max_row_norm(b));
    nn_model_free(a);
    nn_model_free(b);
    nn_data_free(d);
}
END_TEST

/* Dropout changes the run; a different seed changes the masks. */
START_TEST(test_dropout_seeded)
{
    nn_data *d = blobs(100, 1);
    nn_model *m[3];
    nn_train_opts o;

    nn_train_opts_default(&o);
    o.epochs = 2;
    o.batch = 10;
    for (int i = 0; i < 3; i++) {
        m[i] = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 2);
        o.dropout = i ? 0.5f : 0.0f;
        ck_assert_int_eq(nn_train(m[i], d, NULL, &o, NULL, NULL, 0), NN_OK);
        o.seed++;
    }
    /* Each pair differs (m[1] and m[2] differ in their masks only, as
     * shuffling also depends on the seed: see test_training_reproducible). */
    ck_assert(memcmp(m[0]->params, m[1]->params, m[0]->n_params * 4) != 0);
    ck_assert(memcmp(m[1]->params, m[2]->params, m[0]->n_params * 4) != 0);
    for (int i = 0; i < 3; i++)
        nn_model_free(m[i]);
    nn_data_free(d);
}
END_TEST

/* Records of pixel values train the same whether the set keeps them as
 * bytes or as floats: the batch gets the same floats.  _i = 1: through the
 * augmenter (4x4 images). */
START_TEST(test_bytes_train_alike)
{
    int sizes[] = { 16, 8, 3 };
    nn_arch a = { 3, sizes, NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE,
                  NN_INIT_DEFAULT, NULL, 0, 0 };
    nn_input_desc in = { 4, 4, 0.0f, 1.0f, 1 };
    nn_data *d[2];
    nn_model *m[2];
    nn_train_opts o;
    nn_rng rng;
    float x[16];

    nn_rng_seed(&rng, 5);
    ck_assert_int_eq(nn_data_new(&d[0], 16), NN_OK);
    ck_assert_int_eq(nn_data_new(&d[1], 16), NN_OK);
    for (int i = 0; i < 90; i++) {
        for (int j = 0; j < 16; j++)
            x[j] = nn_pixel(j % 3 == i % 3 ? 200 + (int)nn_rng_below(&rng, 56)
                                           : (int)nn_rng_below(&rng, 80));
        ck_assert_int_eq(nn_data_add(d[0], x, i % 3), NN_OK);
        ck_assert_int_eq(nn_data_add(d[1], x, i % 3), NN_OK);
    }
    /* d[1] to floats: add a record that is not pixels, then drop it. */
    x[0] = 0.5f;
    ck_assert_int_eq(nn_data_add(d[1], x, 0), NN_OK);
    d[1]->n--;
    ck_assert_ptr_nonnull(d[0]->store->px);
    ck_assert_ptr_nonnull(d[1]->store->x);

    nn_train_opts_default(&o);
    o.epochs = 3;
    o.batch = 7;
    if (_i)
        o.augment.kinds = NN_AUG_AFFINE | NN_AUG_ELASTIC;
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(nn_model_new(&m[k], &a, 9, NULL, 0), NN_OK);
        nn_model_set_input(m[k], &in);
        ck_assert_int_eq(nn_train(m[k], d[k], NULL, &o, NULL, NULL, 0), NN_OK);
    }
    ck_assert(memcmp(m[0]->params, m[1]->params,
                     m[0]->n_params * sizeof(float)) == 0);
    for (int k = 0; k < 2; k++) {
        nn_model_free(m[k]);
        nn_data_free(d[k]);
    }
}
END_TEST

START_TEST(test_bad_options)
{
    static const struct { const char *field; const char *why; } c[] = {
        { "dropout", "dropout must be in [0, 1)" },
        { "optimizer", "unknown optimizer" },
        { "beta2", "beta2 must be in [0, 1)" },
        { "step", "the step schedule needs" },
        { "max_norm", "max-norm must be 0 (off) or more" },
        { "augment", "augmentation needs images" },
    };
    nn_data *d = blobs(30, 1);
    nn_model *m = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 8);
    nn_train_opts o;
    char why[128] = "";

    nn_train_opts_default(&o);
    switch (_i) {
    case 0: o.dropout = 1.0f; break;
    case 1: o.optimizer = 7; break;
    case 2: o.optimizer = NN_OPT_ADAM; o.beta2 = 1.0f; break;
    case 3: o.schedule = NN_SCHED_STEP; o.step_epochs = 0; break;
    case 4: o.max_norm = -1.0f; break;
    case 5: o.augment.kinds = NN_AUG_AFFINE; break;   /* 5 inputs: no image */
    }
    ck_assert_int_eq(nn_train(m, d, NULL, &o, NULL, why, sizeof why), NN_EINVAL);
    ck_assert_msg(strstr(why, c[_i].why), "%s: why: %s", c[_i].field, why);
    ck_assert_int_eq(nn_model_train_info(m)->epochs_run, 0);
    nn_data_free(d);
    nn_model_free(m);
}
END_TEST

Suite *train_suite(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("train");

    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_gradient_check, 0, 18);
    tcase_add_test(tc, test_loss_falls);
    tcase_add_test(tc, test_training_reproducible);
    tcase_add_test(tc, test_auto_threads);
    tcase_add_test(tc, test_early_stopping);
    tcase_add_test(tc, test_batch_hook_stops);
    tcase_add_test(tc, test_nan_refused);
    tcase_add_test(tc, test_bad_labels);
    tcase_add_test(tc, test_schedule_rates);
    tcase_add_test(tc, test_plateau_schedule);
    tcase_add_test(tc, test_first_step);
    tcase_add_loop_test(tc, test_methods_learn, 0, 5);
    tcase_add_test(tc, test_max_norm);
    tcase_add_test(tc, test_dropout_seeded);
    tcase_add_loop_test(tc, test_bad_options, 0, 6);
    tcase_add_loop_test(tc, test_bytes_train_alike, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
