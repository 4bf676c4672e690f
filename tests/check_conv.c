/* check_conv.c - the convolution and max-pooling layers: their gradients
 * against finite differences, the im2col products against the plain
 * loops, the same bits for any thread count, and networks of them built,
 * trained, saved and read back. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"
#include "tests.h"

/* h, w, cin, k, padding, cout, records */
static const struct geom {
    int h, w, cin, k, pad, cout, B;
} geoms[] = {
    { 5, 4, 1, 1, NN_PAD_SAME, 2, 2 },
    { 4, 4, 3, 1, NN_PAD_VALID, 2, 2 },
    { 5, 6, 1, 3, NN_PAD_SAME, 3, 2 },
    { 6, 5, 2, 3, NN_PAD_VALID, 3, 2 },
    { 6, 6, 3, 5, NN_PAD_SAME, 2, 2 },
    { 7, 6, 1, 5, NN_PAD_VALID, 2, 3 },
    { 5, 5, 4, 5, NN_PAD_SAME, 3, 1 },
};
#define N_GEOMS (int)(sizeof geoms / sizeof geoms[0])

static void geom_of(const struct geom *t, nn_conv *g)
{
    g->h = t->h;
    g->w = t->w;
    g->cin = t->cin;
    g->k = t->k;
    g->cout = t->cout;
    g->pad = t->pad == NN_PAD_SAME ? (t->k - 1) / 2 : 0;
    g->ho = t->pad == NN_PAD_SAME ? t->h : t->h - t->k + 1;
    g->wo = t->pad == NN_PAD_SAME ? t->w : t->w - t->k + 1;
}

static float *random_floats(nn_rng *rng, long n)
{
    float *v = malloc((n ? n : 1) * sizeof *v);

    ck_assert_ptr_nonnull(v);
    for (long i = 0; i < n; i++)
        v[i] = (float)(2 * nn_rng_uniform(rng) - 1);
    return v;
}

/* The convolution's buffers for geometry g and B records. */
struct conv_case {
    nn_conv g;
    int B;
    long n_in, n_out, n_w;
    float *in, *W, *b, *r, *out, *col, *dcol;
};

static void case_new(struct conv_case *c, const nn_conv *g, int B,
                     uint64_t seed)
{
    nn_rng rng;

    nn_rng_seed(&rng, seed);
    c->g = *g;
    c->B = B;
    c->n_in = (long)B * g->h * g->w * g->cin;
    c->n_out = (long)B * g->ho * g->wo * g->cout;
    c->n_w = (long)g->cout * g->k * g->k * g->cin;
    c->in = random_floats(&rng, c->n_in);
    c->W = random_floats(&rng, c->n_w);
    c->b = random_floats(&rng, g->cout);
    c->r = random_floats(&rng, c->n_out);
    c->out = malloc(c->n_out * sizeof *c->out);
    c->col = malloc(nn_conv_col_floats(g, B) * sizeof *c->col);
    c->dcol = malloc(nn_conv_dcol_floats(g, B) * sizeof *c->dcol);
}

static void case_free(struct conv_case *c)
{
    free(c->in);
    free(c->W);
    free(c->b);
    free(c->r);
    free(c->out);
    free(c->col);
    free(c->dcol);
}

/* L = sum of r .* conv(in), in double over the fast forward pass. */
static double conv_loss(struct conv_case *c)
{
    double L = 0;

    nn_conv_forward(c->out, c->in, c->W, c->b, c->B, &c->g, NN_ACT_IDENTITY,
                    c->col);
    for (long j = 0; j < c->n_out; j++)
        L += (double)c->r[j] * c->out[j];
    return L;
}

/* dL/dv[i] by central differences. */
static double numeric(struct conv_case *c, float *v, long i)
{
    const float e = 1e-2f;
    float keep = v[i];
    double up, down;

    v[i] = keep + e;
    up = conv_loss(c);
    v[i] = keep - e;
    down = conv_loss(c);
    v[i] = keep;
    return (up - down) / (2.0 * e);
}

/* The gradients of a case, by the fast kernels and by the plain loops. */
struct grads {
    float *dW, *db, *din, *rW, *rb, *rin;
};

static void grads_of(struct grads *d, struct conv_case *c)
{
    d->dW = malloc(c->n_w * sizeof *d->dW);
    d->db = malloc(c->g.cout * sizeof *d->db);
    d->din = malloc(c->n_in * sizeof *d->din);
    d->rW = malloc(c->n_w * sizeof *d->rW);
    d->rb = malloc(c->g.cout * sizeof *d->rb);
    d->rin = malloc(c->n_in * sizeof *d->rin);
    nn_conv_backward(d->din, d->dW, d->db, c->r, c->in, c->W, c->B, &c->g,
                     c->col, c->dcol, NULL);
    nn_conv_backward_ref(d->rin, d->rW, d->rb, c->r, c->in, c->W, c->B,
                         &c->g);
}

/* The fast gradients are the plain loops', up to the order of the sums. */
static void grads_near_plain(const struct grads *d, const struct conv_case *c)
{
    for (long i = 0; i < c->n_w; i++)
        ck_assert_msg(fabsf(d->dW[i] - d->rW[i]) <= 1e-3f * (1 + fabsf(d->rW[i])),
                      "dW[%ld]: %.8g, plain loops %.8g", i, d->dW[i],
                      d->rW[i]);
    for (long i = 0; i < c->g.cout; i++)
        ck_assert_msg(fabsf(d->db[i] - d->rb[i]) <= 1e-3f * (1 + fabsf(d->rb[i])),
                      "db[%ld]: %.8g, plain loops %.8g", i, d->db[i],
                      d->rb[i]);
    for (long i = 0; i < c->n_in; i++) {
        float e = 1e-4f * (1 + fabsf(d->rin[i]));
        ck_assert_msg(fabsf(d->din[i] - d->rin[i]) <= e,
                      "din[%ld]: %.8g, plain loops %.8g", i, d->din[i],
                      d->rin[i]);
    }
}

static void grads_free(struct grads *d)
{
    free(d->dW), free(d->db), free(d->din);
    free(d->rW), free(d->rb), free(d->rin);
}

static void expect_close(double got, double want, const char *what, long i)
{
    ck_assert_msg(fabs(got - want) <= 1e-3 + 1e-3 * fabs(want),
                  "%s[%ld]: backprop %.8g, finite differences %.8g", what, i,
                  got, want);
}

/* The backward pass (with dC/dout = r) agrees with finite differences of
 * L for every weight, bias and input; and so does the plain-loop one. */
START_TEST(test_conv_gradient)
{
    struct conv_case c;
    struct grads d;
    nn_conv g;

    geom_of(&geoms[_i], &g);
    case_new(&c, &g, geoms[_i].B, 100 + _i);
    grads_of(&d, &c);
    for (long i = 0; i < c.n_w; i++) {
        double want = numeric(&c, c.W, i);
        expect_close(d.dW[i], want, "dW", i);
        expect_close(d.rW[i], want, "dW (plain loops)", i);
    }
    for (long i = 0; i < g.cout; i++) {
        double want = numeric(&c, c.b, i);
        expect_close(d.db[i], want, "db", i);
        expect_close(d.rb[i], want, "db (plain loops)", i);
    }
    for (long i = 0; i < c.n_in; i++) {
        double want = numeric(&c, c.in, i);
        expect_close(d.din[i], want, "din", i);
        expect_close(d.rin[i], want, "din (plain loops)", i);
    }
    grads_free(&d);
    case_free(&c);
}
END_TEST

/* Big enough for several chunks of patches: the im2col products give
 * what the plain loops give, up to the order of the sums.  With one input
 * channel (the direct kernels), half the pixels are zero, which they
 * skip; the last case has so many units that the records' weight-gradient
 * parts come in several chunks instead. */
START_TEST(test_conv_fast_vs_plain)
{
    static const struct geom big[] = {
        { 28, 28, 8, 5, NN_PAD_SAME, 4, 13 },
        { 20, 20, 16, 3, NN_PAD_VALID, 5, 30 },
        { 28, 28, 1, 5, NN_PAD_SAME, 32, 60 },
        { 8, 8, 1, 7, NN_PAD_SAME, 200, 120 },
    };
    struct conv_case c;
    struct grads d;
    nn_conv g;
    float *ref;

    geom_of(&big[_i], &g);
    case_new(&c, &g, big[_i].B, 7);
    if (g.cout < 200)
        ck_assert_int_lt(nn_conv_chunk(&g, c.B), c.B);
    if (g.cin == 1)
        for (long i = 0; i < c.n_in; i += 2)
            c.in[i] = 0;
    ref = malloc(c.n_out * sizeof *ref);
    nn_conv_forward(c.out, c.in, c.W, c.b, c.B, &g, NN_ACT_IDENTITY, c.col);
    nn_conv_forward_ref(ref, c.in, c.W, c.b, c.B, &g);
    for (long j = 0; j < c.n_out; j++)
        ck_assert_msg(fabsf(c.out[j] - ref[j]) <= 1e-4f * (1 + fabsf(ref[j])),
                      "out[%ld]: %.8g, plain loops %.8g", j, c.out[j], ref[j]);
    grads_of(&d, &c);
    grads_near_plain(&d, &c);
    free(ref);
    grads_free(&d);
    case_free(&c);
}
END_TEST

/* A delta mostly zero, as behind max-pooling and ReLU: the backward pass
 * over its nonzero values alone (sp given) has the dense products' bits,
 * for each matrix kernel and 1 and 3 threads, and the plain loops' values.
 * The cases: several chunks and blocks of NN_GEMM_KC positions; rows of
 * patches not a whole number of vectors (72); a delta of one value in
 * five. */
START_TEST(test_conv_sparse_delta)
{
    static const struct geom big[] = {
        { 14, 14, 32, 5, NN_PAD_SAME, 64, 13 },
        { 9, 7, 8, 3, NN_PAD_VALID, 20, 9 },
        { 14, 14, 16, 3, NN_PAD_SAME, 32, 40 },
    };
    static const double density[] = { 0.06, 0.1, 0.2 };
    static const char *const kernels[] = { "avx512", "avx2", "generic" };
    int gi = _i / 3;
    struct conv_case c;
    struct grads d;
    nn_sparse sp;
    nn_conv g;
    nn_rng rng;

    ck_assert(density[gi] < NN_CONV_SPARSE * 0.9);    /* taken sparse */
    geom_of(&big[gi], &g);
    case_new(&c, &g, big[gi].B, 11);
    nn_rng_seed(&rng, 12);
    for (long j = 0; j < c.n_out; j++)
        if (nn_rng_uniform(&rng) >= density[gi])
            c.r[j] = 0;
    ck_assert_int_eq(nn_sparse_alloc(&sp, nn_conv_chunk(&g, c.B) * g.ho * g.wo,
                                     g.cout), NN_OK);
    ck_assert_int_eq(nn_set_kernel(kernels[_i % 3]), NN_OK);
    grads_of(&d, &c);           /* dense, and the plain loops */
    for (int t = 1; t <= 3; t += 2) {
        float *dW = malloc(c.n_w * sizeof *dW);
        float *db = malloc(g.cout * sizeof *db);
        float *din = malloc(c.n_in * sizeof *din);
        nn_set_threads(t);
        sp.row_ptr[0] = -1;
        nn_conv_backward(din, dW, db, c.r, c.in, c.W, c.B, &g, c.col, c.dcol,
                         &sp);
        ck_assert_msg(sp.row_ptr[0] == 0, "the nonzero values were not taken");
        ck_assert_msg(memcmp(dW, d.dW, c.n_w * sizeof *dW) == 0,
                      "%s, %d threads: dW not the dense product's bits",
                      kernels[_i % 3], t);
        ck_assert_msg(memcmp(din, d.din, c.n_in * sizeof *din) == 0,
                      "%s, %d threads: din not the dense product's bits",
                      kernels[_i % 3], t);
        ck_assert(memcmp(db, d.db, g.cout * sizeof *db) == 0);
        free(dW);
        free(db);
        free(din);
    }
    grads_near_plain(&d, &c);
    nn_set_threads(1);
    nn_set_kernel("avx512");
    nn_sparse_free(&sp);
    grads_free(&d);
    case_free(&c);
}
END_TEST

/* Max-pooling: finite differences through distinct values (odd sides
 * included, whose last row and column get no gradient). */
START_TEST(test_maxpool_gradient)
{
    static const int shapes[][4] = { { 4, 4, 1, 2 }, { 5, 7, 3, 2 },
                                     { 6, 2, 2, 3 } };
    int h = shapes[_i][0], w = shapes[_i][1], c = shapes[_i][2];
    int B = shapes[_i][3], n_in = h * w * c, n_out = (h / 2) * (w / 2) * c;
    float *in = malloc(sizeof(float) * B * n_in);
    float *out = malloc(sizeof(float) * B * n_out);
    float *r = malloc(sizeof(float) * B * n_out);
    float *din = malloc(sizeof(float) * B * n_in);
    int *arg = malloc(sizeof(int) * B * n_out);
    nn_rng rng;

    nn_rng_seed(&rng, 3 + _i);
    /* distinct values at least 0.01 apart, shuffled */
    for (int i = 0; i < B * n_in; i++)
        in[i] = 0.01f * i;
    for (int i = B * n_in - 1; i > 0; i--) {
        int j = (int)(nn_rng_uniform(&rng) * (i + 1));
        float t = in[i];
        in[i] = in[j];
        in[j] = t;
    }
    for (int j = 0; j < B * n_out; j++)
        r[j] = (float)(2 * nn_rng_uniform(&rng) - 1);
    nn_maxpool_forward(out, arg, in, B, h, w, c);
    nn_maxpool_backward(din, r, arg, B, n_in, n_out);
    for (int i = 0; i < B * n_in; i++) {
        const float e = 1e-3f;
        float keep = in[i];
        double up = 0, down = 0;

        in[i] = keep + e;
        nn_maxpool_forward(out, NULL, in, B, h, w, c);
        for (int j = 0; j < B * n_out; j++)
            up += (double)r[j] * out[j];
        in[i] = keep - e;
        nn_maxpool_forward(out, NULL, in, B, h, w, c);
        for (int j = 0; j < B * n_out; j++)
            down += (double)r[j] * out[j];
        in[i] = keep;
        expect_close(din[i], (up - down) / (2.0 * e), "din", i);
    }
    free(in), free(out), free(r), free(din), free(arg);
}
END_TEST

/* Ties: a block of equal values passes its gradient to the first of them
 * (row by row) only, never to two. */
START_TEST(test_maxpool_ties)
{
    /* one 4x4 image of 2 channels; channel 0: all four equal in the first
     * block, the last two equal in the second; channel 1: the middle two
     * equal */
    float in[4 * 4 * 2], out[2 * 2 * 2], din[4 * 4 * 2];
    float delta[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    int arg[8];

    for (int i = 0; i < 32; i++)
        in[i] = -1.0f;
    /* (y, x, c) at (y * 4 + x) * 2 + c */
#define AT(y, x, c) in[((y) * 4 + (x)) * 2 + (c)]
    AT(0, 0, 0) = AT(0, 1, 0) = AT(1, 0, 0) = AT(1, 1, 0) = 0.5f;
    AT(1, 2, 0) = AT(1, 3, 0) = 0.25f;
    AT(0, 1, 1) = AT(1, 0, 1) = 0.75f;
    nn_maxpool_forward(out, arg, in, 1, 4, 4, 2);
    nn_maxpool_backward(din, delta, arg, 1, 32, 8);
    ck_assert_float_eq(out[0], 0.5f);
    ck_assert_float_eq(out[2], 0.25f);
    ck_assert_float_eq(out[1], 0.75f);
    for (int i = 0; i < 32; i++) {
        float want = i == ((0 * 4 + 0) * 2 + 0) ? 1   /* block 1, ch 0 */
                   : i == ((1 * 4 + 2) * 2 + 0) ? 3   /* block 2, ch 0 */
                   : i == ((0 * 4 + 1) * 2 + 1) ? 2   /* block 1, ch 1 */
                   : i == ((0 * 4 + 2) * 2 + 1) ? 4   /* blocks 2-4: */
                   : i == ((2 * 4 + 0) * 2 + 0) ? 5   /* all -1, the */
                   : i == ((2 * 4 + 0) * 2 + 1) ? 6   /* first of each */
                   : i == ((2 * 4 + 2) * 2 + 0) ? 7
                   : i == ((2 * 4 + 2) * 2 + 1) ? 8 : 0;
        ck_assert_msg(din[i] == want, "din[%d] = %g, expected %g", i,
                      din[i], want);
    }
#undef AT
}
END_TEST

static const nn_layer_spec cnn_spec[] = {
    { NN_LAYER_CONV, 4, 3, NN_PAD_SAME },
    { NN_LAYER_MAXPOOL, 0, 0, 0 },
    { NN_LAYER_CONV, 3, 3, NN_PAD_VALID },
    { NN_LAYER_DENSE, 5, 0, 0 },
};

/* side x side inputs, the n hidden layers of spec, 3 classes. */
static nn_model *cnn(int side, const nn_layer_spec *spec, int n,
                     uint64_t seed)
{
    int sizes[NN_MAX_LAYERS + 1] = { side * side };
    nn_arch a = { n + 2, sizes, NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE,
                  NN_INIT_DEFAULT, spec, 0, 0 };
    nn_model *m = NULL;
    char why[200] = "";

    sizes[n + 1] = 3;
    ck_assert_msg(nn_model_new(&m, &a, seed, why, sizeof why) == NN_OK,
                  "%s", why);
    return m;
}

/* A 10x10 input: conv3x3:4, maxpool2, conv3x3:3:valid, dense:5, 3
 * classes. */
static nn_model *small_cnn(uint64_t seed)
{
    return cnn(10, cnn_spec, 4, seed);
}

START_TEST(test_cnn_shapes)
{
    nn_model *m = small_cnn(1);
    int w, h, c;
    static const int want[][3] = { { 10, 10, 1 }, { 10, 10, 4 },
                                   { 5, 5, 4 }, { 3, 3, 3 } };

    ck_assert_int_eq(nn_model_n_layers(m), 5);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(nn_model_layer_shape(m, i, &w, &h, &c), 1);
        ck_assert_int_eq(w, want[i][0]);
        ck_assert_int_eq(h, want[i][1]);
        ck_assert_int_eq(c, want[i][2]);
        ck_assert_int_eq(nn_model_layer_size(m, i), w * h * c);
    }
    ck_assert_int_eq(nn_model_layer_shape(m, 4, &w, &h, &c), 0);
    ck_assert_int_eq(c, 5);
    ck_assert_int_eq(nn_model_layer_type(m, 0), NN_LAYER_CONV);
    ck_assert_int_eq(nn_model_layer_type(m, 1), NN_LAYER_MAXPOOL);
    ck_assert_int_eq(nn_model_layer_type(m, 4), NN_LAYER_DENSE);
    ck_assert_int_eq(nn_model_layer_type(m, 5), -1);
    ck_assert_int_eq(nn_model_layer_kernel(m, 2), 3);
    /* 4*9+4, 0, 3*36+3, 27*5+5, 5*3+3 */
    ck_assert_int_eq(nn_model_n_params(m), 40 + 111 + 140 + 18);
    nn_model_free(m);
}
END_TEST

/* A conv layer is refused on an input that is not an image, and where
 * its kernel does not fit. */
START_TEST(test_cnn_refused)
{
    int sizes[3] = { 50, 0, 3 };
    nn_layer_spec conv = { NN_LAYER_CONV, 2, 3, NN_PAD_SAME };
    nn_layer_spec big = { NN_LAYER_CONV, 2, 5, NN_PAD_VALID };
    nn_arch a = { 3, sizes, NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE,
                  NN_INIT_DEFAULT, &conv, 0, 0 };
    nn_model *m = NULL;
    char why[200] = "";

    ck_assert_int_eq(nn_model_new(&m, &a, 1, why, sizeof why), NN_EINVAL);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(why, "needs an image") != NULL, "%s", why);
    sizes[0] = 16;          /* 4x4 */
    a.hidden = &big;
    ck_assert_int_eq(nn_model_new(&m, &a, 1, why, sizeof why), NN_EINVAL);
    ck_assert_msg(strstr(why, "does not fit") != NULL, "%s", why);
    a.hidden = &conv;
    ck_assert_int_eq(nn_model_new(&m, &a, 1, why, sizeof why), NN_OK);
    nn_model_free(m);
}
END_TEST

/* The gradient of a whole network of conv, pool and dense layers: the
 * same bits with 1, 2 and 3 threads. */
START_TEST(test_cnn_threads_identical)
{
    enum { NB = 32, N_IN = 28 * 28 };
    static const nn_layer_spec spec[] = {
        { NN_LAYER_CONV, 16, 5, NN_PAD_SAME },
        { NN_LAYER_MAXPOOL, 0, 0, 0 },
        { NN_LAYER_CONV, 16, 3, NN_PAD_SAME },
        { NN_LAYER_MAXPOOL, 0, 0, 0 },
        { NN_LAYER_DENSE, 32, 0, 0 },
    };
    nn_model *m = cnn(28, spec, 5, 5);
    float *x = malloc(sizeof(float) * NB * N_IN), *grad[3];
    int labels[NB];
    nn_rng rng;

    nn_rng_seed(&rng, 9);
    for (int i = 0; i < NB * N_IN; i++)
        x[i] = nn_rng_uniform(&rng) < 0.3 ? (float)nn_rng_uniform(&rng) : 0;
    for (int r = 0; r < NB; r++)
        labels[r] = r % 3;
    for (int t = 0; t < 3; t++) {
        nn_pass p;
        double loss = 0;
        long hits = 0;

        nn_set_threads(t + 1);
        grad[t] = malloc(m->n_params * sizeof *grad[t]);
        ck_assert_int_eq(nn_pass_new(&p, m, NB, 0, 0), NN_OK);
        nn_backprop(&p, m, x, labels, NB, grad[t], &loss, &hits);
        nn_pass_free(&p);
        if (t)
            ck_assert_msg(memcmp(grad[t], grad[0], m->n_params *
                                 sizeof *grad[0]) == 0,
                          "%d threads: another gradient than 1 thread", t + 1);
    }
    nn_set_threads(1);
    for (int t = 0; t < 3; t++)
        free(grad[t]);
    free(x);
    nn_model_free(m);
}
END_TEST

/* Backpropagation through the whole network against finite differences
 * of the mean loss (in double over the float forward pass). */
START_TEST(test_cnn_gradient)
{
    enum { NB = 3 };
    nn_model *m = small_cnn(11);
    float x[NB * 100], y[NB * 3], *g = malloc(m->n_params * sizeof *g);
    int labels[NB] = { 0, 2, 1 };
    nn_rng rng;
    nn_pass p;
    double loss = 0;
    long hits = 0;

    nn_rng_seed(&rng, 4);
    for (int i = 0; i < NB * 100; i++)
        x[i] = (float)nn_rng_uniform(&rng);
    ck_assert_int_eq(nn_pass_new(&p, m, NB, 0, 0), NN_OK);
    nn_backprop(&p, m, x, labels, NB, g, &loss, &hits);
    nn_pass_free(&p);
    for (long i = 0; i < m->n_params; i++) {
        const float e = 1e-2f;
        float keep = m->params[i];
        double up = 0, down = 0;

        m->params[i] = keep + e;
        nn_predict(m, x, NB, y);
        for (int r = 0; r < NB; r++)
            up += nn_loss(m, y + r * 3, labels[r]) / NB;
        m->params[i] = keep - e;
        nn_predict(m, x, NB, y);
        for (int r = 0; r < NB; r++)
            down += nn_loss(m, y + r * 3, labels[r]) / NB;
        m->params[i] = keep;
        /* ReLU's kinks make a few differences unreliable: allow 1e-2. */
        ck_assert_msg(fabs(g[i] - (up - down) / (2 * e)) <= 1e-2,
                      "param %ld: backprop %.6g, finite differences %.6g", i,
                      g[i], (up - down) / (2 * e));
    }
    free(g);
    nn_model_free(m);
}
END_TEST

/* Written, read back and written again: the same text, the same
 * predictions bit for bit. */
START_TEST(test_cnn_round_trip)
{
    nn_model *m = small_cnn(3), *back = NULL;
    char *t1 = NULL, *t2 = NULL, why[200] = "";
    size_t n1 = 0, n2 = 0;
    float x[2 * 100], y1[6], y2[6];
    FILE *f = open_memstream(&t1, &n1);

    for (int i = 0; i < 200; i++)
        x[i] = (float)(i % 7) / 7;
    ck_assert_int_eq(nn_model_write(m, f), NN_OK);
    fclose(f);
    ck_assert_msg(strstr(t1, "\"version\": 2") && strstr(t1, "\"type\": \"conv\""),
                  "no version 2 or no conv layer in the file");
    f = fmemopen(t1, n1, "r");
    ck_assert_msg(nn_model_read(&back, f, why, sizeof why) == NN_OK, "%s", why);
    fclose(f);
    f = open_memstream(&t2, &n2);
    ck_assert_int_eq(nn_model_write(back, f), NN_OK);
    fclose(f);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(t1, t2, n1) == 0);
    nn_predict(m, x, 2, y1);
    nn_predict(back, x, 2, y2);
    ck_assert(memcmp(y1, y2, sizeof y1) == 0);
    free(t1);
    free(t2);
    nn_model_free(m);
    nn_model_free(back);
}
END_TEST

/* A version 1 file, written before layer types existed, reads and
 * predicts bit for bit as then (tests/data/README.md), and is written
 * back as it was.  Then was with dense products: prediction now sums a
 * dense first layer over the nonzero inputs (nn_set_sparse), in another
 * order, so the dense products are asked for here. */
START_TEST(test_v1_file)
{
    const char *dir = getenv("DATA") ? getenv("DATA") : "tests/data";
    char path[512], why[256] = "", *text = NULL, *again = NULL;
    size_t n = 0, n2 = 0;
    nn_model *m = NULL;
    nn_idx *im = NULL;
    nn_data *d = NULL;
    float *x, y[10 * 10];
    FILE *f;

    snprintf(path, sizeof path, "%s/v1-mlp.json", dir);
    ck_assert_ptr_nonnull(f = fopen(path, "rb"));
    ck_assert_msg(nn_model_read(&m, f, why, sizeof why) == NN_OK, "%s", why);
    rewind(f);
    ck_assert_int_eq(nn_read_all(f, 1 << 20, "model", &text, &n, why,
                                 sizeof why), NN_OK);
    fclose(f);
    snprintf(path, sizeof path, "%s/mnist10-images-idx3-ubyte", dir);
    ck_assert_ptr_nonnull(f = fopen(path, "rb"));
    ck_assert_int_eq(nn_idx_read(&im, f, why, sizeof why), NN_OK);
    fclose(f);
    ck_assert_int_eq(nn_idx_data(&d, im, NULL, why, sizeof why), NN_OK);
    x = malloc(sizeof(float) * 10 * 784);
    nn_set_sparse(0);
    nn_predict(m, nn_data_rows(d, 0, 10, x), 10, y);
    nn_set_sparse(1);
    snprintf(path, sizeof path, "%s/v1-mlp.probs", dir);
    ck_assert_ptr_nonnull(f = fopen(path, "r"));
    for (int i = 0; i < 100; i++) {
        char tok[64];
        float want;

        ck_assert_int_eq(fscanf(f, "%63s", tok), 1);
        want = strtof(tok, NULL);
        ck_assert_msg(memcmp(&y[i], &want, sizeof want) == 0,
                      "record %d, class %d: %a, version 1 gave %a", i / 10,
                      i % 10, y[i], want);
    }
    fclose(f);
    f = open_memstream(&again, &n2);
    ck_assert_int_eq(nn_model_write(m, f), NN_OK);
    fclose(f);
    ck_assert_msg(n == n2 && memcmp(text, again, n) == 0,
                  "the model is not written back as version 1 wrote it");
    free(text);
    free(again);
    free(x);
    nn_data_free(d);
    nn_idx_free(im);
    nn_model_free(m);
}
END_TEST

Suite *conv_suite(void)
{
    Suite *s = suite_create("conv");
    TCase *tc = tcase_create("kernels");

    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_conv_gradient, 0, N_GEOMS);
    tcase_add_loop_test(tc, test_conv_fast_vs_plain, 0, 4);
    tcase_add_loop_test(tc, test_conv_sparse_delta, 0, 9);
    tcase_add_loop_test(tc, test_maxpool_gradient, 0, 3);
    tcase_add_test(tc, test_maxpool_ties);
    suite_add_tcase(s, tc);
    tc = tcase_create("networks");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_cnn_shapes);
    tcase_add_test(tc, test_cnn_refused);
    tcase_add_test(tc, test_cnn_threads_identical);
    tcase_add_test(tc, test_cnn_gradient);
    tcase_add_test(tc, test_cnn_round_trip);
    tcase_add_test(tc, test_v1_file);
    suite_add_tcase(s, tc);
    return s;
}
