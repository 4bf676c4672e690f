/* check_json.c - model files: exact round trips, atomic saves, and the
 * errors (code and message) for malformed documents. */
#include <check.h>
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "nn_internal.h"
#include "tests.h"

/* ------------------------------------------------------------------------ */
/* Helpers. */

/* The whole content of fp (rewound first); *n gets the length. */
static char *contents(FILE *fp, long *n)
{
    char *s;

    ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
    *n = ftell(fp);
    ck_assert_int_ge(*n, 0);
    rewind(fp);
    s = malloc(*n + 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq((long)fread(s, 1, *n, fp), *n);
    s[*n] = '\0';
    rewind(fp);
    return s;
}

/* m written to a new temporary stream, rewound. */
static FILE *written(const nn_model *m)
{
    FILE *fp = tmpfile();

    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(nn_model_write(m, fp), NN_OK);
    rewind(fp);
    return fp;
}

static nn_model *read_back(FILE *fp)
{
    nn_model *m = NULL;
    char why[256] = "";
    int err = nn_model_read(&m, fp, why, sizeof why);

    ck_assert_msg(err == NN_OK, "read failed: %d %s", err, why);
    ck_assert_ptr_nonnull(m);
    return m;
}

static nn_model *read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    nn_model *m;

    ck_assert_ptr_nonnull(fp);
    m = read_back(fp);
    fclose(fp);
    return m;
}

/* Everything the file stores is equal, floats bit for bit. */
static void assert_same_model(const nn_model *a, const nn_model *b)
{
    const nn_train_info *s = &a->train, *t = &b->train;
    int l, n;

    ck_assert_int_eq(a->nlayers, b->nlayers);
    for (l = 0; l <= a->nlayers; l++)
        ck_assert_int_eq(a->sizes[l], b->sizes[l]);
    for (l = 0; l < a->nlayers; l++) {
        ck_assert_int_eq(a->w_off[l], b->w_off[l]);
        ck_assert_int_eq(a->b_off[l], b->b_off[l]);
    }
    if (a->nlayers > 1)
        ck_assert_int_eq(a->hidden_act, b->hidden_act);
    ck_assert_int_eq(a->output_act, b->output_act);
    ck_assert_int_eq(a->cost, b->cost);
    ck_assert_int_eq(a->init, b->init);
    ck_assert_uint_eq(a->seed, b->seed);
    ck_assert_int_eq(a->n_params, b->n_params);
    ck_assert_int_eq(memcmp(a->params, b->params,
                            a->n_params * sizeof *a->params), 0);

    n = nn_model_n_out(a);
    ck_assert_int_eq(!a->class_names, !b->class_names);
    for (l = 0; a->class_names && l < n; l++)
        ck_assert_str_eq(a->class_names[l], b->class_names[l]);

    ck_assert_int_eq(a->input.width, b->input.width);
    ck_assert_int_eq(a->input.height, b->input.height);
    ck_assert_int_eq(memcmp(&a->input.lo, &b->input.lo, sizeof(float)), 0);
    ck_assert_int_eq(memcmp(&a->input.hi, &b->input.hi, sizeof(float)), 0);
    ck_assert_int_eq(a->input.ink_high, b->input.ink_high);

    ck_assert_int_eq(s->opts.epochs, t->opts.epochs);
    ck_assert_int_eq(s->opts.batch, t->opts.batch);
    ck_assert_int_eq(memcmp(&s->opts.rate, &t->opts.rate, sizeof(float)), 0);
    ck_assert_int_eq(memcmp(&s->opts.momentum, &t->opts.momentum,
                            sizeof(float)), 0);
    ck_assert_int_eq(memcmp(&s->opts.lambda, &t->opts.lambda,
                            sizeof(float)), 0);
    ck_assert_int_eq(s->opts.patience, t->opts.patience);
    ck_assert_uint_eq(s->opts.seed, t->opts.seed);
    ck_assert_int_eq(s->epochs_run, t->epochs_run);
    ck_assert_int_eq(s->best_epoch, t->best_epoch);
    ck_assert_int_eq(memcmp(&s->best_val_acc, &t->best_val_acc,
                            sizeof(double)), 0);
    ck_assert_int_eq(s->n_train, t->n_train);
    ck_assert_int_eq(s->n_val, t->n_val);
    ck_assert_int_eq(memcmp(&s->final_rate, &t->final_rate, sizeof(double)), 0);
    ck_assert_int_eq(s->opts.optimizer, t->opts.optimizer);
    ck_assert_int_eq(s->opts.schedule, t->opts.schedule);
    ck_assert_int_eq(s->opts.step_epochs, t->opts.step_epochs);
    ck_assert_int_eq(s->opts.plateau, t->opts.plateau);
    ck_assert_int_eq(s->opts.augment.kinds, t->opts.augment.kinds);
    /* The float members from beta2 to the end of the options. */
    const float *fa[] = { &s->opts.beta2, &s->opts.step_factor,
                          &s->opts.dropout, &s->opts.input_dropout,
                          &s->opts.max_norm, &s->opts.augment.shift,
                          &s->opts.augment.rotate, &s->opts.augment.scale,
                          &s->opts.augment.shear, &s->opts.augment.alpha,
                          &s->opts.augment.sigma };
    const float *fb[] = { &t->opts.beta2, &t->opts.step_factor,
                          &t->opts.dropout, &t->opts.input_dropout,
                          &t->opts.max_norm, &t->opts.augment.shift,
                          &t->opts.augment.rotate, &t->opts.augment.scale,
                          &t->opts.augment.shear, &t->opts.augment.alpha,
                          &t->opts.augment.sigma };
    for (size_t i = 0; i < sizeof fa / sizeof fa[0]; i++)
        ck_assert_msg(memcmp(fa[i], fb[i], sizeof(float)) == 0,
                      "option float %zu: %g, read back %g", i, *fa[i], *fb[i]);
}

/* Predictions of a and b on a few fixed inputs are bitwise equal. */
static void assert_same_predictions(const nn_model *a, const nn_model *b)
{
    enum { N = 7 };
    int nin = nn_model_n_in(a), nout = nn_model_n_out(a), i;
    float *x = malloc(sizeof(float) * N * nin);
    float *ya = malloc(sizeof(float) * N * nout);
    float *yb = malloc(sizeof(float) * N * nout);
    nn_rng rng;

    ck_assert(x && ya && yb);
    nn_rng_seed(&rng, 99);
    for (i = 0; i < N * nin; i++)
        x[i] = (float)nn_rng_uniform(&rng);
    ck_assert_int_eq(nn_predict(a, x, N, ya), NN_OK);
    ck_assert_int_eq(nn_predict(b, x, N, yb), NN_OK);
    ck_assert_int_eq(memcmp(ya, yb, sizeof(float) * N * nout), 0);
    free(x);
    free(ya);
    free(yb);
}

/* ------------------------------------------------------------------------ */
/* Round trips. */

static const int sizes432[] = { 4, 3, 2 };
static const int sizes5432[] = { 5, 4, 3, 2 };
static const int sizes32[] = { 3, 2 };

static const struct {
    int nlayers;
    const int *sizes;
    int hidden, output, cost, init;
    int names, trained, specials;
} nets[] = {
    { 3, sizes432, NN_ACT_SIGMOID, NN_ACT_SOFTMAX, NN_COST_CE,
      NN_INIT_DEFAULT, 1, 0, 0 },
    { 4, sizes5432, NN_ACT_TANH, NN_ACT_SIGMOID, NN_COST_QUADRATIC,
      NN_INIT_XAVIER, 0, 1, 0 },
    { 4, sizes5432, NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE,
      NN_INIT_HE, 0, 1, 1 },
    { 4, sizes5432, NN_ACT_SIGMOID, NN_ACT_SIGMOID, NN_COST_CE,
      NN_INIT_NIELSEN, 1, 0, 1 },
    { 2, sizes32, NN_ACT_SIGMOID, NN_ACT_SOFTMAX, NN_COST_CE,
      NN_INIT_DEFAULT, 0, 0, 0 },
};

/* Net _i of the table, with names, training record and awkward floats as
 * the table says. */
static nn_model *make_net(int i)
{
    static const char *const names[] = { "zero", "one \"1\"" };
    nn_arch a = { 0 };
    nn_model *m = NULL;
    char why[256] = "";

    a.nlayers = nets[i].nlayers;
    a.sizes = nets[i].sizes;
    a.hidden_act = nets[i].hidden;
    a.output_act = nets[i].output;
    a.cost = nets[i].cost;
    a.init = nets[i].init;
    ck_assert_msg(nn_model_new(&m, &a, 42 + i, why, sizeof why) == NN_OK,
                  "%s", why);
    if (nets[i].names)
        ck_assert_int_eq(nn_model_set_class_names(m, 2, names), NN_OK);
    if (nets[i].trained) {
        nn_input_desc d = { 0, 0, -1.0f, 1.0f, 0 };

        m->train.opts.epochs = 30;
        m->train.opts.batch = 10;
        m->train.opts.rate = 0.1f;
        m->train.opts.momentum = 0.9f;
        m->train.opts.lambda = 5e-5f;
        m->train.opts.patience = 4;
        m->train.opts.seed = UINT64_MAX - 6;   /* beyond a double's 2^53 */
        m->train.epochs_run = 17;
        m->train.best_epoch = 13;
        m->train.best_val_acc = 0.9789;
        m->train.n_train = 50000;
        m->train.n_val = 10000;
        m->train.final_rate = 0.1f / 64;
        m->train.opts.optimizer = NN_OPT_ADAM;
        m->train.opts.beta2 = 0.99f;
        m->train.opts.schedule = NN_SCHED_PLATEAU;
        m->train.opts.step_epochs = 7;
        m->train.opts.step_factor = 0.3f;
        m->train.opts.plateau = 3;
        m->train.opts.dropout = 0.5f;
        m->train.opts.input_dropout = 0.2f;
        m->train.opts.max_norm = 3.5f;
        m->train.opts.augment = (nn_augment){ NN_AUG_AFFINE | NN_AUG_ELASTIC,
                                              1.5f, 12, 0.15f, 0.2f, 36, 5.5f,
                                              0.4f };
        m->seed = ((uint64_t)1 << 53) + 1;
        nn_model_set_input(m, &d);
    }
    if (nets[i].specials) {
        static const float v[] = { FLT_MAX, -FLT_MAX, FLT_MIN, 1e-45f,
                                   -0.0f, 0.1f, 1.0f / 3, 16777217.0f,
                                   3.4028234e38f, 1e-38f, 0x1.fffffep-127f };
        memcpy(m->params, v, sizeof v);
        m->params[m->n_params - 1] = -FLT_MIN / 4;
    }
    return m;
}

START_TEST(test_round_trip)
{
    nn_model *m = make_net(_i), *r, *r2;
    FILE *f1 = written(m), *f2;
    char *s1, *s2;
    long n1, n2;

    r = read_back(f1);
    assert_same_model(m, r);
    if (!nets[_i].specials)   /* FLT_MAX weights overflow to inf */
        assert_same_predictions(m, r);

    /* Writing what was read gives the same bytes. */
    f2 = written(r);
    s1 = contents(f1, &n1);
    s2 = contents(f2, &n2);
    ck_assert_int_eq(n1, n2);
    ck_assert_int_eq(memcmp(s1, s2, n1), 0);

    /* ... and so does writing the original again (no clock, no state). */
    fclose(f2);
    f2 = written(m);
    free(s2);
    s2 = contents(f2, &n2);
    ck_assert_int_eq(n1, n2);
    ck_assert_int_eq(memcmp(s1, s2, n1), 0);

    r2 = read_back(f2);
    assert_same_model(m, r2);
    free(s1);
    free(s2);
    fclose(f1);
    fclose(f2);
    nn_model_free(m);
    nn_model_free(r);
    nn_model_free(r2);
}
END_TEST

/* text as a stream to read from. */
static nn_model *read_text(const char *text)
{
    FILE *fp = tmpfile();
    nn_model *m;

    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fputs(text, fp) >= 0, 1);
    rewind(fp);
    m = read_back(fp);
    fclose(fp);
    return m;
}

/* Weight arrays read back bit for bit (lib/json.c keeps an array of
 * numbers as floats, each read by numtext's scanner): random bit patterns
 * of every magnitude, read as written, after a string holding a control
 * byte (which an earlier reader took as a reason to go slow), and with
 * every array split over many lines (jq's layout). */
START_TEST(test_fast_numbers)
{
    static const int sizes[] = { 100, 50, 10 };
    static const char head[] = "{\"x\": \"\x01\",";
    nn_arch a = { 3, sizes, NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE,
                  NN_INIT_HE, NULL, 0, 0 };
    nn_model *m, *fast, *slow, *lines;
    nn_rng rng;
    long n, i, j;
    char *s, *t, *u;

    ck_assert_int_eq(nn_model_new(&m, &a, 1, NULL, 0), NN_OK);
    nn_rng_seed(&rng, 5);
    for (i = 0; i < m->n_params; i++) {
        uint32_t bits;
        float f;
        do {
            bits = (uint32_t)nn_rng_next(&rng);
            memcpy(&f, &bits, sizeof f);
        } while (!isfinite(f));
        m->params[i] = i % 3 ? f : (float)(nn_rng_normal(&rng) * 0.05);
    }
    FILE *fp = written(m);
    s = contents(fp, &n);
    fclose(fp);
    fast = read_text(s);
    t = malloc(n + 32);
    u = malloc(2 * n + 1);
    ck_assert(t && u);
    memcpy(t, head, strlen(head));
    memcpy(t + strlen(head), s + 1, n);       /* s[n] is its NUL */
    slow = read_text(t);
    for (i = j = 0; i < n; i++) {
        u[j++] = s[i];
        if (s[i] == ',')
            u[j++] = '\n';
    }
    u[j] = '\0';
    lines = read_text(u);
    ck_assert(memcmp(fast->params, m->params, m->n_params * sizeof(float)) == 0);
    ck_assert(memcmp(slow->params, m->params, m->n_params * sizeof(float)) == 0);
    ck_assert(memcmp(lines->params, m->params, m->n_params * sizeof(float)) == 0);
    free(s);
    free(t);
    free(u);
    nn_model_free(m);
    nn_model_free(fast);
    nn_model_free(slow);
    nn_model_free(lines);
}
END_TEST

/* A string where an array belongs is a string, even one that spells an
 * escaped control character and a number ("\u00010"): the file is
 * refused as cJSON alone would refuse it. */
START_TEST(test_forged_marker)
{
    nn_model *m = make_net(0), *r = NULL;
    FILE *fp = written(m);
    long n;
    char *s = contents(fp, &n), *t, *bias, why[256] = "";

    fclose(fp);
    bias = strstr(s, "\"bias\": [");
    ck_assert_ptr_nonnull(bias);
    t = malloc(n + 32);
    ck_assert_ptr_nonnull(t);
    memcpy(t, s, bias - s);
    strcpy(t + (bias - s), "\"bias\": \"\\u00010\"");
    strcat(t, strchr(bias, ']') + 1);
    fp = tmpfile();
    ck_assert_ptr_nonnull(fp);
    fputs(t, fp);
    rewind(fp);
    ck_assert_int_eq(nn_model_read(&r, fp, why, sizeof why), NN_EFORMAT);
    ck_assert_msg(strstr(why, "bias: expected an array, got a string") != NULL,
                  "%s", why);
    fclose(fp);
    free(s);
    free(t);
    nn_model_free(m);
}
END_TEST

/* The calibration temperature goes into the file only when fitted, comes
 * back bit for bit, and tempers what nn_predict gives: y^(1/T)
 * renormalised, rows summing to 1, the same class on top. */
START_TEST(test_calibration)
{
    nn_model *m = make_net(0), *r;
    float x[784] = { 0 }, y1[10], y2[10];
    int k = nn_model_n_out(m);
    long n;
    FILE *fp = written(m);
    char *s = contents(fp, &n);

    ck_assert_ptr_null(strstr(s, "calibration"));
    free(s);
    fclose(fp);
    for (int i = 0; i < m->sizes[0]; i++)
        x[i] = (i % 7) / 7.0f;
    ck_assert_int_eq(nn_predict(m, x, 1, y1), NN_OK);
    m->temperature = 2.5f;
    fp = written(m);
    r = read_back(fp);
    fclose(fp);
    ck_assert_float_eq(r->temperature, 2.5f);
    ck_assert_int_eq(nn_predict(r, x, 1, y2), NN_OK);
    ck_assert_int_eq(m->output_act, NN_ACT_SOFTMAX);
    {
        double sum = 0, z = 0;
        for (int j = 0; j < k; j++) {
            sum += y2[j];
            z += pow(y1[j], 1 / 2.5);
        }
        ck_assert_double_eq_tol(sum, 1, 1e-5);
        for (int j = 0; j < k; j++)
            ck_assert_double_eq_tol(y2[j], pow(y1[j], 1 / 2.5) / z, 1e-5);
        ck_assert_int_eq(nn_argmax(y1, k), nn_argmax(y2, k));
    }
    nn_model_free(r);
    nn_model_free(m);
}
END_TEST

/* The file is readable, indented JSON with each vector on one line. */
START_TEST(test_layout)
{
    nn_model *m = make_net(0);
    FILE *fp = written(m);
    long n, lines = 0, i;
    char *s = contents(fp, &n);

    for (i = 0; i < n; i++)
        lines += s[i] == '\n';
    ck_assert_int_lt(lines, 72);
    ck_assert_ptr_nonnull(strstr(s, "{\n  \"format\": \"nn-model\",\n"
                                    "  \"version\": 1,\n"));
    ck_assert_ptr_nonnull(strstr(s, "\"tool\": \"nnpipe " NN_VERSION "\""));
    ck_assert_ptr_nonnull(strstr(s, "\"classes\": [\"zero\", "
                                    "\"one \\\"1\\\"\"]"));
    ck_assert_ptr_nonnull(strstr(s, "\"range\": [0, 1]"));
    ck_assert_ptr_null(strstr(s, "null"));
    ck_assert_ptr_null(strchr(s, '\t'));
    ck_assert_int_eq(s[n - 1], '\n');
    free(s);
    fclose(fp);
    nn_model_free(m);
}
END_TEST

/* Each float is written with the fewest digits that give it back. */
START_TEST(test_short_floats)
{
    nn_model *m = make_net(0);
    FILE *fp;
    long n;
    char *s;

    m->params[0] = 0.1f;
    m->params[1] = 0.5f;
    m->params[2] = 1e-45f;
    m->params[3] = -0.0f;
    m->params[4] = 123456792.0f;
    fp = written(m);
    s = contents(fp, &n);
    ck_assert_ptr_nonnull(strstr(s, "\"weights\": [0.1,0.5,1.4013e-45,-0,"
                                    "1.2345679e+08,"));
    free(s);
    fclose(fp);
    nn_model_free(m);
}
END_TEST

START_TEST(test_read_defaults)
{
    static const char doc[] =
        "{\"format\": \"nn-model\", \"version\": 1,\n"
        " \"output\": {\"activation\": \"softmax\", \"cost\": \"ce\"},\n"
        " \"layers\": [{\"in\": 4, \"out\": 2, \"activation\": \"softmax\","
        " \"weights\": [1, 2, 3, 4, 5, 6, 7, 8], \"bias\": [-1, 1],"
        " \"comment\": \"ignored\"}],\n"
        " \"future\": {\"anything\": [null, true]}}\n";
    FILE *fp = tmpfile();
    nn_model *m;

    fputs(doc, fp);
    rewind(fp);
    m = read_back(fp);
    ck_assert_int_eq(m->nlayers, 1);
    ck_assert_int_eq(m->params[m->w_off[0] + 7], 8);
    ck_assert_int_eq(m->params[m->b_off[0]], -1);
    ck_assert_int_eq(m->output_act, NN_ACT_SOFTMAX);
    ck_assert_int_eq(m->init, NN_INIT_NIELSEN);
    ck_assert_uint_eq(m->seed, 0);
    ck_assert_int_eq(m->input.width, 2);       /* sqrt of 4 inputs */
    ck_assert_int_eq(m->input.height, 2);
    ck_assert(m->input.lo == 0.0f && m->input.hi == 1.0f);
    ck_assert_int_eq(m->input.ink_high, 1);
    ck_assert_ptr_null(m->class_names);
    ck_assert_int_eq(m->train.epochs_run, 0);
    ck_assert(m->train.best_val_acc == -1.0);
    ck_assert_int_eq(m->train.opts.optimizer, NN_OPT_SGD);
    ck_assert_int_eq(m->train.opts.augment.kinds, 0);
    nn_model_free(m);
    fclose(fp);
}
END_TEST

/* Through a pipe, which cannot seek; the stream stays open.  The document
 * is small enough to sit in the pipe's buffer, so no second process. */
START_TEST(test_read_pipe)
{
    nn_model *m = make_net(1), *r;
    FILE *f = written(m), *in;
    long n;
    char *s = contents(f, &n);
    int fd[2];

    ck_assert_int_lt(n, 4096);
    ck_assert_int_eq(pipe(fd), 0);
    ck_assert_int_eq(write(fd[1], s, n), n);
    close(fd[1]);
    in = fdopen(fd[0], "rb");
    ck_assert_ptr_nonnull(in);
    r = read_back(in);
    assert_same_model(m, r);
    ck_assert_int_eq(fgetc(in), EOF);   /* still ours to use and close */
    fclose(in);
    free(s);
    fclose(f);
    nn_model_free(m);
    nn_model_free(r);
}
END_TEST

START_TEST(test_io_errors)
{
    nn_model *m = make_net(0), *r = (nn_model *)&r;
    FILE *fp = fopen("/dev/null", "wb");
    char why[256] = "";

    /* Reading a stream open only for writing fails as an I/O error. */
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(nn_model_read(&r, fp, why, sizeof why), NN_EIO);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(why, "read error"));
    fclose(fp);
    if ((fp = fopen("/dev/full", "wb"))) {
        ck_assert_int_eq(nn_model_write(m, fp), NN_EIO);
        fclose(fp);
    }
    nn_model_free(m);
}
END_TEST

START_TEST(test_nan_refused)
{
    nn_model *m = make_net(1);
    FILE *fp = tmpfile();
    long n;
    char *s;

    m->params[m->b_off[1] + 2] = NAN;
    ck_assert_int_eq(nn_model_write(m, fp), NN_ENUMERIC);
    s = contents(fp, &n);
    ck_assert_int_eq(n, 0);               /* nothing written */
    free(s);
    m->params[m->b_off[1] + 2] = 0;
    m->params[3] = -INFINITY;
    ck_assert_int_eq(nn_model_write(m, fp), NN_ENUMERIC);
    m->params[3] = 0;
    m->train.best_val_acc = NAN;
    ck_assert_int_eq(nn_model_write(m, fp), NN_ENUMERIC);
    fclose(fp);
    nn_model_free(m);
}
END_TEST

/* tests/data/tiny-model.json is this model, byte for byte (README.md
 * there says what it computes).  NN_REMAKE_FIXTURES=1 rewrites the file
 * instead, after a deliberate change of the format. */
START_TEST(test_fixture)
{
    static const int sz[] = { 4, 3, 2 };
    static const float w0[] = { 4, 4, -4, -4, -4, -4, 4, 4, 0, 0, 0, 0 };
    static const float w1[] = { 3, -3, 0, -3, 3, 0 };
    nn_arch a = { 3, sz, NN_ACT_SIGMOID, NN_ACT_SOFTMAX, NN_COST_CE,
                  NN_INIT_DEFAULT, NULL, 0, 0 };
    const char *dir = getenv("DATA") ? getenv("DATA") : "tests/data";
    const char *remake = getenv("NN_REMAKE_FIXTURES");
    nn_model *m = NULL, *r;
    char path[512];
    FILE *f, *fp;
    char *s1, *s2;
    long n1, n2;

    ck_assert_int_eq(nn_model_new(&m, &a, 1, NULL, 0), NN_OK);
    memcpy(m->params + m->w_off[0], w0, sizeof w0);
    memset(m->params + m->b_off[0], 0, 3 * sizeof(float));
    memcpy(m->params + m->w_off[1], w1, sizeof w1);
    memset(m->params + m->b_off[1], 0, 2 * sizeof(float));
    snprintf(path, sizeof path, "%s/tiny-model.json", dir);
    if (remake && strcmp(remake, "1") == 0)
        ck_assert_int_eq(nn_model_save(m, path, NULL, 0), NN_OK);
    f = written(m);
    fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s (run from the top of the tree "
                  "or set DATA)", path);
    s1 = contents(f, &n1);
    s2 = contents(fp, &n2);
    ck_assert_msg(n1 == n2 && memcmp(s1, s2, n1) == 0,
                  "%s differs from what nn_model_write makes now", path);
    r = read_back(fp);
    assert_same_model(m, r);
    free(s1);
    free(s2);
    fclose(f);
    fclose(fp);
    nn_model_free(m);
    nn_model_free(r);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Atomic save. */

static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/check_json.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* Remove the files in tmpdir and tmpdir; returns how many files there were. */
static int remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    char p[sizeof tmpdir + sizeof e->d_name + 1];
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
        unlink(p);
        n++;
    }
    closedir(d);
    rmdir(tmpdir);
    return n;
}

START_TEST(test_save)
{
    nn_model *m = make_net(0), *m2 = make_net(2), *r;
    char path[128], why[256] = "";
    struct stat st;
    mode_t mask;
    FILE *fp;

    make_tmpdir();
    snprintf(path, sizeof path, "%s/model.json", tmpdir);
    ck_assert_msg(nn_model_save(m, path, why, sizeof why) == NN_OK, "%s",
                  why);
    r = read_file(path);
    assert_same_model(m, r);
    nn_model_free(r);

    /* The mode is what a plain fopen would give, not mkstemp's 0600. */
    mask = umask(0);
    umask(mask);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0666 & ~mask);

    /* Saving over an existing file replaces it. */
    ck_assert_ptr_nonnull(fp = fopen(path, "wb"));
    fputs("junk that is longer than nothing", fp);
    fclose(fp);
    ck_assert_int_eq(nn_model_save(m2, path, why, sizeof why), NN_OK);
    r = read_file(path);
    assert_same_model(m2, r);
    nn_model_free(r);

    /* A model that cannot be written leaves the old file as it was. */
    m->params[0] = INFINITY;
    ck_assert_int_eq(nn_model_save(m, path, why, sizeof why), NN_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(why, "layers[0].weights[0]: infinity"));
    r = read_file(path);
    assert_same_model(m2, r);
    nn_model_free(r);

    ck_assert_int_eq(remove_tmpdir(), 1);   /* no temporary left behind */
    nn_model_free(m);
    nn_model_free(m2);
}
END_TEST

START_TEST(test_save_errors)
{
    nn_model *m = make_net(0);
    char path[128], why[256] = "";

    make_tmpdir();
    snprintf(path, sizeof path, "%s/no/such/dir/model.json", tmpdir);
    ck_assert_int_eq(nn_model_save(m, path, why, sizeof why), NN_EIO);
    ck_assert_ptr_nonnull(strstr(why, "No such file or directory"));
    ck_assert_ptr_nonnull(strstr(why, "model.json.tmp"));

    /* A directory in the way: the rename fails, the temporary goes. */
    snprintf(path, sizeof path, "%s/model.json", tmpdir);
    ck_assert_int_eq(mkdir(path, 0777), 0);
    ck_assert_int_eq(nn_model_save(m, path, why, sizeof why), NN_EIO);
    ck_assert_ptr_nonnull(strstr(why, "cannot rename"));
    ck_assert_int_eq(rmdir(path), 0);
    ck_assert_int_eq(remove_tmpdir(), 0);   /* nothing left behind */

    ck_assert_int_eq(nn_model_save(m, "-", why, sizeof why), NN_EINVAL);
    ck_assert_int_eq(nn_model_save(m, "", NULL, 0), NN_EINVAL);
    nn_model_free(m);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Malformed documents: the code, and a piece of the message. */

#define HDR "{\"format\": \"nn-model\", \"version\": 1, "
#define OUT(act, cost) \
    "\"output\": {\"activation\": \"" act "\", \"cost\": \"" cost "\"}, "
#define LAYER(in, out, act, w, b) \
    "{\"in\": " in ", \"out\": " out ", \"activation\": \"" act \
    "\", \"weights\": [" w "], \"bias\": [" b "]}"
#define L0 LAYER("2", "3", "relu", "1, 2, 3, 4, 5, 6", "0, 0, 0")
#define L1 LAYER("3", "2", "softmax", "1, 2, 3, 4, 5, 6", "0, 0")
#define DOC(extra, l0, l1) \
    HDR extra OUT("softmax", "ce") "\"layers\": [" l0 ", " l1 "]}"
#define GOOD DOC("", L0, L1)
#define L11 LAYER("1", "1", "relu", "1", "0")
#define L11X4 L11 ", " L11 ", " L11 ", " L11

#define ENS(members) \
    "{\"format\": \"nn-model\", \"version\": 3, \"ensemble\": " members "}"
#define L0_3 LAYER("3", "3", "relu", "1, 2, 3, 4, 5, 6, 7, 8, 9", "0, 0, 0")

static const struct {
    const char *name, *doc;
    int err;
    const char *why;
} bad[] = {
    { "good", GOOD, NN_OK, "" },
    { "ensemble", ENS("[" GOOD ", " GOOD "]"), NN_OK, "" },
    { "ensemble of one", ENS("[" GOOD "]"), NN_EFORMAT,
      "ensemble: 1 network (an ensemble holds 2 to 16)" },
    { "ensemble not a list", ENS("\"a, b\""), NN_EFORMAT,
      "ensemble: expected an array, got a string" },
    { "ensemble missing", "{\"format\": \"nn-model\", \"version\": 3}",
      NN_EFORMAT, "no \"ensemble\" field" },
    { "ensemble member bad", ENS("[" GOOD ", " GOOD ", " HDR "\"seed\": 1}]"),
      NN_EFORMAT, "ensemble[2]: no \"layers\" field" },
    { "ensemble unlike", ENS("[" GOOD ", " DOC("", L0_3, L1) "]"), NN_EINVAL,
      "ensemble: model 2 is not like model 1: it takes another number of "
      "input values" },
    { "ensemble in ensemble", ENS("[" GOOD ", " ENS("[" GOOD ", " GOOD "]")
      "]"), NN_EFORMAT, "ensemble[1]: no \"layers\" field" },
    { "unknown fields", DOC("\"x\": {\"y\": [1, null]}, ",
                            L0, L1), NN_OK, "" },
    { "not JSON", "model.json: no such file\n", NN_EFORMAT,
      "not valid JSON: syntax error at line 1, column 1" },
    { "bad JSON later", "{\n  \"format\": \"nn-model\",\n  \"version\": 1,,"
      "\n}", NN_EFORMAT, "not valid JSON: syntax error at line 3, column" },
    { "truncated", HDR OUT("softmax", "ce") "\"layers\": [{\"in\": 2, "
      "\"weights\": [0.5, 0.25", NN_EFORMAT,
      "unexpected end of input at line 1, column" },
    { "mismatched bracket", "{\"a\": [1, 2}", NN_EFORMAT,
      "not valid JSON: syntax error at line 1, column 12" },
    { "lone surrogate", "{\"a\": \"x\\ud800y\"}", NN_EFORMAT,
      "not valid JSON: syntax error at line 1, column 9" },
    { "unquoted key", "{a: 1}", NN_EFORMAT,
      "not valid JSON: syntax error at line 1, column 3" },
    { "number then dot", "{\"a\": [1.5.3]}", NN_EFORMAT,
      "not valid JSON: syntax error at line 1, column 11" },
    { "truncated in string", HDR "\"lay", NN_EFORMAT,
      "unexpected end of input" },
    { "empty", "", NN_EFORMAT, "empty input" },
    { "blank", " \n\t\n", NN_EFORMAT, "empty input" },
    { "two documents", GOOD "\n" GOOD, NN_EFORMAT,
      "unexpected text after the end of the document at line 2, column 1" },
    { "array", "[1, 2, 3]", NN_EFORMAT,
      "not an nnpipe model (the top level is an array, not an object)" },
    { "no format", "{\"layers\": []}", NN_EFORMAT,
      "a JSON document but not an nnpipe model (no \"format\" field)" },
    { "wrong format", "{\"format\": \"foo\", \"version\": 1}", NN_EFORMAT,
      "not an nnpipe model: format is 'foo'" },
    { "format number", "{\"format\": 1, \"version\": 1}", NN_EFORMAT,
      "not an nnpipe model: format is a number" },
    { "version 4", "{\"format\": \"nn-model\", \"version\": 4, \"layers\": "
      "\"in a new layout\"}", NN_EFORMAT,
      "model format version 4 is newer than this nnpipe supports (3)" },
    { "version string", "{\"format\": \"nn-model\", \"version\": \"1\"}",
      NN_EFORMAT, "version: expected a positive integer, got a string" },
    { "no version", "{\"format\": \"nn-model\"}", NN_EFORMAT,
      "no \"version\" field" },
    { "duplicate key", DOC("\"version\": 1, ", L0, L1), NN_EFORMAT,
      "version: given twice" },
    { "missing layers", HDR OUT("softmax", "ce") "\"seed\": 1}", NN_EFORMAT,
      "no \"layers\" field" },
    { "empty layers", HDR OUT("softmax", "ce") "\"layers\": []}",
      NN_EFORMAT, "layers: empty" },
    { "too many layers", HDR OUT("softmax", "ce") "\"layers\": [" L11X4
      ", " L11X4 ", " L11X4 ", " L11X4 ", " L11 "]}", NN_ELIMIT,
      "layers: 17 layers, more than the limit (16)" },
    { "missing weights", HDR OUT("softmax", "ce") "\"layers\": [{\"in\": 2, "
      "\"out\": 2, \"activation\": \"softmax\", \"bias\": [0, 0]}]}",
      NN_EFORMAT, "layers[0]: no \"weights\" field" },
    { "weights too short", DOC("", LAYER("2", "3", "relu", "1, 2, 3, 4, 5",
                                         "0, 0, 0"), L1), NN_ESHAPE,
      "layers[0].weights: 5 values, expected 6" },
    { "bias wrong length", DOC("", L0, LAYER("3", "2", "softmax",
                                             "1, 2, 3, 4, 5, 6", "0")),
      NN_ESHAPE, "layers[1].bias: 1 value, expected 2" },
    { "chain mismatch", DOC("", L0, LAYER("4", "2", "softmax",
                                          "1, 2, 3, 4, 5, 6, 7, 8", "0, 0")),
      NN_ESHAPE, "layers[1].in: 4, but layers[0].out is 3" },
    { "weight as string", DOC("", LAYER("2", "3", "relu",
                                        "1, \"2\", 3, 4, 5, 6", "0, 0, 0"),
                              L1), NN_EFORMAT,
      "layers[0].weights[1]: expected a number, got a string" },
    { "null weight", DOC("", L0, LAYER("3", "2", "softmax",
                                       "1, 2, 3, 4, null, 6", "0, 0")),
      NN_EFORMAT, "layers[1].weights[4]: null is not a number" },
    { "out of float range", DOC("", L0, LAYER("3", "2", "softmax",
                                              "1e40, 2, 3, 4, 5, 6", "0, 0")),
      NN_EFORMAT, "layers[1].weights[0]: 1e+40 is beyond the float range" },
    { "infinite", DOC("", L0, LAYER("3", "2", "softmax", "1, 2, 3, 4, 5, 6",
                                    "0, -1e999")),
      NN_EFORMAT, "layers[1].bias[1]: -inf is beyond the float range" },
    { "unknown activation", DOC("", LAYER("2", "3", "swish",
                                          "1, 2, 3, 4, 5, 6", "0, 0, 0"),
                                L1), NN_EFORMAT,
      "layers[0].activation: unknown activation 'swish'" },
    { "softmax hidden", DOC("", LAYER("2", "3", "softmax",
                                      "1, 2, 3, 4, 5, 6", "0, 0, 0"), L1),
      NN_EFORMAT, "layers[0].activation: 'softmax' is not a hidden-layer" },
    { "output mismatch", HDR OUT("sigmoid", "ce") "\"layers\": [" L0 ", " L1
      "]}", NN_EFORMAT,
      "output.activation: 'sigmoid', but layers[1].activation is 'softmax'" },
    { "softmax quadratic", HDR OUT("softmax", "quadratic") "\"layers\": ["
      L0 ", " L1 "]}", NN_EFORMAT,
      "output: softmax needs cost 'ce', not 'quadratic'" },
    { "unknown cost", HDR OUT("softmax", "hinge") "\"layers\": [" L0 ", " L1
      "]}", NN_EFORMAT, "output.cost: unknown cost 'hinge'" },
    { "classes count", DOC("\"classes\": [\"a\", \"b\", \"c\"], ", L0, L1),
      NN_ESHAPE, "classes: 3 values, expected 2" },
    { "class not string", DOC("\"classes\": [\"a\", 2], ", L0, L1),
      NN_EFORMAT, "classes[1]: expected a string, got a number" },
    { "class with newline", DOC("\"classes\": [\"a\", \"b\\n\"], ", L0, L1),
      NN_EFORMAT, "classes[1]: control character" },
    { "negative size", DOC("", LAYER("-2", "3", "relu", "1, 2, 3, 4, 5, 6",
                                     "0, 0, 0"), L1), NN_EFORMAT,
      "layers[0].in: -2 is not a valid size" },
    { "fractional size", DOC("", LAYER("2.5", "3", "relu",
                                       "1, 2, 3, 4, 5, 6", "0, 0, 0"), L1),
      NN_EFORMAT, "layers[0].in: 2.5 is not a valid size" },
    { "huge size", DOC("", LAYER("1e9", "3", "relu", "1, 2, 3, 4, 5, 6",
                                 "0, 0, 0"), L1), NN_ELIMIT,
      "layers[0].in: 1000000000 is larger than the limit (16777216)" },
    { "size as string", DOC("", LAYER("\"2\"", "3", "relu",
                                      "1, 2, 3, 4, 5, 6", "0, 0, 0"), L1),
      NN_EFORMAT, "layers[0].in: expected an integer, got a string" },
    { "unknown init", DOC("\"init\": \"lecun\", ", L0, L1), NN_EFORMAT,
      "init: unknown initialisation 'lecun'" },
    { "negative seed", DOC("\"seed\": -1, ", L0, L1), NN_EFORMAT,
      "seed: -1 is not an integer from 0 to 2^53" },
    { "seed too big", DOC("\"seed\": \"18446744073709551616\", ", L0, L1),
      NN_EFORMAT, "seed: \"18446744073709551616\" is not an integer" },
    { "image shape", DOC("\"input\": {\"width\": 28, \"height\": 28}, ",
                         L0, L1), NN_ESHAPE,
      "input: a 28x28 image is 784 values, but layers[0].in is 2" },
    { "bad range", DOC("\"input\": {\"range\": [1, 0]}, ", L0, L1),
      NN_EFORMAT, "input.range: [1, 0] is empty" },
    { "bad ink", DOC("\"input\": {\"ink\": \"blue\"}, ", L0, L1), NN_EFORMAT,
      "input.ink: 'blue', expected 'high' or 'low'" },
    { "training not object", DOC("\"training\": [], ", L0, L1), NN_EFORMAT,
      "training: expected an object, got an array" },
    { "bad training field", DOC("\"training\": {\"options\": {\"rate\": "
                                "\"fast\"}}, ", L0, L1), NN_EFORMAT,
      "training.options.rate: expected a number, got a string" },
    { "unknown optimizer", DOC("\"training\": {\"options\": {\"optimizer\": "
      "\"rmsprop\"}}, ", L0, L1), NN_EFORMAT,
      "training.options.optimizer: unknown value \"rmsprop\"" },
    { "unknown augmentation", DOC("\"training\": {\"options\": {\"augment\": "
      "{\"kinds\": \"blur\"}}}, ", L0, L1), NN_EFORMAT,
      "training.options.augment.kinds: unknown value \"blur\"" },
    { "negative epochs", DOC("\"training\": {\"epochs_run\": -1}, ", L0, L1),
      NN_EFORMAT, "training.epochs_run: -1 is out of range" },
    { "not UTF-8", "{\"format\": \"nn-m\xff" "del\"}", NN_EFORMAT,
      "not valid JSON: byte 0xff at line 1, column 17 is not UTF-8" },
    { "overlong UTF-8", "{\n\"format\": \"\xc0\xae\"}", NN_EFORMAT,
      "byte 0xc0 at line 2, column 12 is not UTF-8" },
    { "UTF-8 surrogate", "{\"tool\": \"\xed\xa0\x80\"}", NN_EFORMAT,
      "byte 0xed at line 1, column 11 is not UTF-8" },
    { "UTF-8 cut off", "{\"tool\": \"\xe2\x82", NN_EFORMAT,
      "unexpected end of input" },
    { "a PNG", "\x89PNG\r\n\x1a\n", NN_EFORMAT,
      "a PNG file, not an nnpipe model" },
    { "a vector stream", "\x89NNV\x01\x02\x01", NN_EFORMAT,
      "a binary vector stream file, not an nnpipe model" },
};

/* What cJSON 1.7 accepted, the reader still accepts, with the values
 * strtod gives: numbers with leading zeros, a bare point, a point without
 * an integer part, an exponent sign, 70 digits; strings with the escapes
 * cJSON took (an escaped NUL ends a string, bad hex digits read as NUL). */
START_TEST(test_cjson_leniency)
{
    static const char *const w[] = { "01", "1.", "-.5", "1E+0", "0.5e-0",
        "0.1000000000000000000000000000000000000000000000000000000000000000"
        "00001", };
    static const char doc[] = HDR "\"tool\": \"a\\u0000b\\uzzzzc\", "
        OUT("softmax", "ce") "\"layers\": [" LAYER("2", "3", "relu",
        "%s, %s, %s, %s, %s, %s", "0, 0, 0") ", " L1 "]}";
    char text[1024];
    nn_model *m = NULL;
    FILE *fp = tmpfile();

    ck_assert_ptr_nonnull(fp);
    snprintf(text, sizeof text, doc, w[0], w[1], w[2], w[3], w[4], w[5]);
    fputs(text, fp);
    rewind(fp);
    ck_assert_int_eq(nn_model_read(&m, fp, NULL, 0), NN_OK);
    for (int i = 0; i < 6; i++)
        ck_assert_msg(m->params[m->w_off[0] + i] == (float)strtod(w[i], NULL),
                      "%s read as %g", w[i], (double)m->params[i]);
    nn_model_free(m);
    fclose(fp);
}
END_TEST

/* nn_utf8_bad reads len bytes and no more, whatever len is: each buffer is
 * allocated to its exact size, so that ASan (make SAN=1) sees a read past
 * it.  The fast ASCII paths take 32 and 8 bytes at a time; an ASCII text
 * of a multiple of 32 bytes was read one byte past its end. */
START_TEST(test_utf8_bounds)
{
    for (size_t len = 1; len <= 100; len++)
        for (int tail = 0; tail < 2; tail++) {
            char *s = malloc(len);

            ck_assert_ptr_nonnull(s);
            memset(s, 'a', len);
            if (tail && len >= 2)
                memcpy(s + len - 2, "\xc3\xa9", 2);   /* e acute */
            ck_assert_uint_eq(nn_utf8_bad(s, len), len);
            s[len - 1] = (char)0xff;
            ck_assert_uint_eq(nn_utf8_bad(s, len),
                              tail && len >= 2 ? len - 2 : len - 1);
            free(s);
        }
}
END_TEST

START_TEST(test_bad_document)
{
    FILE *fp = tmpfile();
    nn_model *m = (nn_model *)&fp;
    char why[256] = "";
    int err;

    ck_assert_ptr_nonnull(fp);
    fputs(bad[_i].doc, fp);
    rewind(fp);
    err = nn_model_read(&m, fp, why, sizeof why);
    ck_assert_msg(err == bad[_i].err, "%s: got %d (%s), expected %d",
                  bad[_i].name, err, why, bad[_i].err);
    ck_assert_msg(strstr(why, bad[_i].why) != NULL,
                  "%s: message '%s' lacks '%s'", bad[_i].name, why,
                  bad[_i].why);
    if (err) {
        ck_assert_ptr_null(m);
        rewind(fp);   /* without a why buffer too */
        ck_assert_int_eq(nn_model_read(&m, fp, NULL, 0), err);
    }
    nn_model_free(m);
    fclose(fp);
}
END_TEST

Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("round trip");
    int nnets = (int)(sizeof nets / sizeof nets[0]);
    int nbad = (int)(sizeof bad / sizeof bad[0]);

    tcase_add_loop_test(tc, test_round_trip, 0, nnets);
    tcase_add_test(tc, test_layout);
    tcase_add_test(tc, test_calibration);
    tcase_add_test(tc, test_fast_numbers);
    tcase_add_test(tc, test_forged_marker);
    tcase_add_test(tc, test_cjson_leniency);
    tcase_add_test(tc, test_utf8_bounds);
    tcase_add_test(tc, test_short_floats);
    tcase_add_test(tc, test_read_defaults);
    tcase_add_test(tc, test_read_pipe);
    tcase_add_test(tc, test_io_errors);
    tcase_add_test(tc, test_nan_refused);
    tcase_add_test(tc, test_fixture);
    suite_add_tcase(s, tc);

    tc = tcase_create("save");
    tcase_add_test(tc, test_save);
    tcase_add_test(tc, test_save_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("bad documents");
    tcase_add_loop_test(tc, test_bad_document, 0, nbad);
    suite_add_tcase(s, tc);
    return s;
}
