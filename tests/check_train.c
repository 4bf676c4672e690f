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

/* Every hidden activation with every output/cost pair: 3 x 3 networks. */
START_TEST(test_gradient_check)
{
    static const int hidden[] = { NN_ACT_SIGMOID, NN_ACT_RELU, NN_ACT_TANH };
    static const int out[][2] = { { NN_ACT_SOFTMAX, NN_COST_CE },
                                  { NN_ACT_SIGMOID, NN_COST_CE },
                                  { NN_ACT_SIGMOID, NN_COST_QUADRATIC } };
    nn_model *m = tiny_model(hidden[_i / 3], out[_i % 3][0], out[_i % 3][1], 11);
    float x[B * 5], *acts[3], *deltas[3], *grad = malloc(sizeof(float) * m->n_params);
    int labels[B] = { 0, 2, 1, 2 };
    double loss = 0;
    long hits = 0;
    nn_rng rng;

    nn_rng_seed(&rng, 99);
    for (int i = 0; i < B * 5; i++)
        x[i] = (float)nn_rng_uniform(&rng);
    for (int l = 0; l < 3; l++) {
        acts[l] = malloc(sizeof(float) * B * m->sizes[l + 1]);
        deltas[l] = malloc(sizeof(float) * B * m->sizes[l + 1]);
    }
    nn_backprop(m, x, labels, B, acts, deltas, grad, &loss, &hits);
    ck_assert_double_eq_tol(loss / B, batch_loss(m, x, labels), 1e-6);
    for (long i = 0; i < m->n_params; i++) {
        const float eps = 1e-2f;
        float p = m->params[i];
        double up, down, num;
        m->params[i] = p + eps;
        up = batch_loss(m, x, labels);
        m->params[i] = p - eps;
        down = batch_loss(m, x, labels);
        m->params[i] = p;
        num = (up - down) / (2 * eps);
        ck_assert_msg(fabs(num - grad[i]) <= 2e-4 + 2e-2 * fabs(num),
                      "%s hidden, %s output, %s cost: parameter %ld: "
                      "backprop %g, finite difference %g",
                      nn_act_name(m->hidden_act), nn_act_name(m->output_act),
                      nn_cost_name(m->cost), i, grad[i], num);
    }
    for (int l = 0; l < 3; l++) {
        free(acts[l]);
        free(deltas[l]);
    }
    free(grad);
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
    /* Accuracy on fresh samples of the same blobs. */
    nn_data *t = blobs(300, 2);
    float y[3];
    int hits = 0;
    for (int i = 0; i < t->n; i++) {
        nn_predict(m, t->x + i * 5, 1, y);
        hits += nn_argmax(y, 3) == t->label[i];
    }
    acc = hits / 300.0;
    loss = losses[19];
    ck_assert_msg(acc > 0.97, "accuracy %g (final loss %g)", acc, loss);
    nn_data_free(t);
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
    float y[3];
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
        nn_predict(m, v->x + i * 5, 1, y);
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

    d->x[17] = INFINITY;        /* forward pass gives NaN */
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

Suite *train_suite(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("train");

    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_gradient_check, 0, 9);
    tcase_add_test(tc, test_loss_falls);
    tcase_add_test(tc, test_training_reproducible);
    tcase_add_test(tc, test_early_stopping);
    tcase_add_test(tc, test_batch_hook_stops);
    tcase_add_test(tc, test_nan_refused);
    tcase_add_test(tc, test_bad_labels);
    suite_add_tcase(s, tc);
    return s;
}
