/* check_model.c - matrix product, network creation and prediction. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "nn_internal.h"
#include "tests.h"

/* Plain triple loop in double: the reference for nn_sgemm. */
static void gemm_double(int ta, int tb, int M, int N, int K, float alpha,
                        const float *A, int lda, const float *B, int ldb,
                        float beta, float *C, int ldc)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < K; k++)
                s += (double)(ta ? A[k * lda + i] : A[i * lda + k]) *
                     (tb ? B[j * ldb + k] : B[k * ldb + j]);
            C[i * ldc + j] = (float)(beta * C[i * ldc + j] + alpha * s);
        }
}

static const char *const kernels[] = { "avx512", "avx2", "generic" };

/* Every kernel (those the CPU has), both transposes, odd shapes that cover
 * partial tiles and several k blocks, and beta 0 / non-zero. */
START_TEST(test_sgemm_matches_reference)
{
    static const int shapes[][3] = {
        { 1, 1, 1 }, { 7, 13, 300 }, { 33, 65, 513 }, { 10, 784, 64 },
        { 100, 10, 1 }, { 9, 1100, 3 },
    };
    nn_rng rng;

    ck_assert_int_eq(nn_set_kernel(kernels[_i]), NN_OK);
    nn_rng_seed(&rng, 7);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 8; t++) {
            int ta = t & 1, tb = (t >> 1) & 1, M = shapes[s][0];
            int N = shapes[s][1], K = shapes[s][2];
            float beta = (t >> 2) ? 0.5f : 0.0f;
            float *A = malloc(sizeof(float) * M * K);
            float *B = malloc(sizeof(float) * K * N);
            float *C = malloc(sizeof(float) * M * N);
            float *D = malloc(sizeof(float) * M * N);
            for (int i = 0; i < M * K; i++)
                A[i] = (float)nn_rng_normal(&rng);
            for (int i = 0; i < K * N; i++)
                B[i] = (float)nn_rng_normal(&rng);
            for (int i = 0; i < M * N; i++)
                C[i] = D[i] = (float)nn_rng_normal(&rng);
            nn_sgemm(ta, tb, M, N, K, 1.5f, A, ta ? M : K, B, tb ? K : N,
                     beta, C, N);
            gemm_double(ta, tb, M, N, K, 1.5f, A, ta ? M : K, B, tb ? K : N,
                        beta, D, N);
            for (int i = 0; i < M * N; i++)
                ck_assert_msg(fabsf(C[i] - D[i]) <= 1e-4f * sqrtf((float)K) * 4,
                              "%s %dx%dx%d ta=%d tb=%d: C[%d] = %g, expected %g",
                              nn_sgemm_kernel(), M, N, K, ta, tb, i, C[i], D[i]);
            free(A);
            free(B);
            free(C);
            free(D);
        }
}
END_TEST

/* The kernel is the caller's choice, capped by the CPU: generic always,
 * an unknown name refused without a change. */
START_TEST(test_set_kernel)
{
    char best[16];

    ck_assert_int_eq(nn_set_kernel("avx512"), NN_OK);
    snprintf(best, sizeof best, "%s", nn_sgemm_kernel());
    ck_assert_int_eq(nn_set_kernel("generic"), NN_OK);
    ck_assert_str_eq(nn_sgemm_kernel(), "generic");
    ck_assert_int_eq(nn_set_kernel("avx3"), NN_EINVAL);
    ck_assert_int_eq(nn_set_kernel(NULL), NN_EINVAL);
    ck_assert_str_eq(nn_sgemm_kernel(), "generic");
    ck_assert_int_eq(nn_set_kernel("avx512"), NN_OK);
    ck_assert_str_eq(nn_sgemm_kernel(), best);
}
END_TEST

/* Products big enough to be split among threads (by columns, and by rows
 * when C is narrow) give the same bits for 1, 2 and 3 threads, and match the
 * reference. */
START_TEST(test_sgemm_threads_identical)
{
    static const int shapes[][3] = { { 37, 300, 300 }, { 500, 20, 300 },
                                     { 129, 1100, 40 } };
    nn_rng rng;

    ck_assert_int_eq(nn_set_kernel(kernels[_i]), NN_OK);
    nn_rng_seed(&rng, 11);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 4; t++) {
            int ta = t & 1, tb = t >> 1, M = shapes[s][0], N = shapes[s][1];
            int K = shapes[s][2];
            float *A = malloc(sizeof(float) * M * K);
            float *B = malloc(sizeof(float) * K * N);
            float *C[3], *D = malloc(sizeof(float) * M * N);
            for (int i = 0; i < M * K; i++)
                A[i] = (float)nn_rng_normal(&rng);
            for (int i = 0; i < K * N; i++)
                B[i] = (float)nn_rng_normal(&rng);
            for (int n = 0; n < 3; n++) {
                C[n] = malloc(sizeof(float) * M * N);
                for (int i = 0; i < M * N; i++)
                    C[n][i] = 1.0f;
                ck_assert_int_eq(nn_set_threads(n + 1), n + 1);
                nn_sgemm(ta, tb, M, N, K, 1.0f, A, ta ? M : K, B, tb ? K : N,
                         0.5f, C[n], N);
            }
            nn_set_threads(1);
            for (int i = 0; i < M * N; i++)
                D[i] = 1.0f;
            gemm_double(ta, tb, M, N, K, 1.0f, A, ta ? M : K, B, tb ? K : N,
                        0.5f, D, N);
            for (int i = 0; i < M * N; i++)
                ck_assert_msg(fabsf(C[0][i] - D[i]) <= 1e-4f * sqrtf((float)K) * 4,
                              "%dx%dx%d: C[%d] = %g, expected %g", M, N, K, i,
                              C[0][i], D[i]);
            ck_assert(memcmp(C[0], C[1], sizeof(float) * M * N) == 0);
            ck_assert(memcmp(C[0], C[2], sizeof(float) * M * N) == 0);
            for (int n = 0; n < 3; n++)
                free(C[n]);
            free(A);
            free(B);
            free(D);
        }
}
END_TEST

#if defined(__SSE__)
/* Denormal floats: each term of the product below is one (|A| about 1,
 * |B| below 2^-126), and the work counts them as 0 (MXCSR's DAZ) in
 * every thread: the product equals the one over B with those entries
 * zeroed, bit for bit, with 1, 2 and 3 threads and the AVX2 and AVX-512
 * kernels alike.  A network whose hidden unit's value is denormal
 * (1e-20 * 1e-20) flushes it to 0 (FTZ): its two outputs are equal; and
 * a softmax output that would be denormal is 0. */
START_TEST(test_denormals_flushed)
{
    enum { M = 64, N = 300, K = 300 };
    static const char *const vector_kernels[] = { "avx512", "avx2" };
    float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * N);
    float *Z = malloc(sizeof(float) * K * N), *C = malloc(sizeof(float) * M * N);
    float *ref = malloc(sizeof(float) * M * N);
    int sizes[] = { 1, 1, 2 };
    nn_arch a = { 3, sizes, NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE,
                  NN_INIT_DEFAULT, NULL, 0, 0 };
    nn_model *m;
    float x = 1e-20f, y[2];
    nn_rng rng;

    nn_rng_seed(&rng, 5);
    for (int i = 0; i < M * K; i++)
        A[i] = (float)nn_rng_normal(&rng);
    for (int i = 0; i < K * N; i++) {
        float v = (float)nn_rng_normal(&rng);
        B[i] = i % 3 ? v : v * 1e-39f;
        Z[i] = i % 3 ? v : copysignf(0.0f, v);
    }
    ck_assert(fpclassify(B[0]) == FP_SUBNORMAL);
    nn_set_threads(1);
    ck_assert_int_eq(nn_set_kernel("avx2"), NN_OK);
    nn_sgemm(0, 0, M, N, K, 1.0f, A, K, Z, N, 0.0f, ref, N);
    for (int k = 0; k < 2; k++)
        for (int t = 1; t <= 3; t++) {
            ck_assert_int_eq(nn_set_kernel(vector_kernels[k]), NN_OK);
            nn_set_threads(t);
            nn_sgemm(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
            ck_assert_msg(memcmp(C, ref, sizeof(float) * M * N) == 0,
                          "%s, %d threads: a denormal term counted",
                          nn_sgemm_kernel(), t);
        }
    nn_set_threads(1);
    ck_assert_int_eq(nn_set_kernel("avx512"), NN_OK);

    ck_assert_int_eq(nn_model_new(&m, &a, 1, NULL, 0), NN_OK);
    m->params[m->w_off[0]] = 1e-20f;
    m->params[m->b_off[0]] = 0.0f;
    m->params[m->w_off[1]] = 1e38f;
    m->params[m->w_off[1] + 1] = 0.0f;
    m->params[m->b_off[1]] = m->params[m->b_off[1] + 1] = 0.0f;
    ck_assert_int_eq(nn_predict(m, &x, 1, y), NN_OK);
    ck_assert_msg(y[0] == y[1], "outputs %.9g %.9g: a denormal hidden "
                  "value was kept", y[0], y[1]);
    /* exp(-100) is denormal as a float: softmax gives 0. */
    x = 1.0f;
    m->params[m->w_off[0]] = 1.0f;
    m->params[m->w_off[1]] = -100.0f;
    ck_assert_int_eq(nn_predict(m, &x, 1, y), NN_OK);
    ck_assert_msg(y[0] == 0.0f && y[1] == 1.0f, "outputs %.9g %.9g: a "
                  "denormal output was kept", y[0], y[1]);
    nn_model_free(m);
    free(A);
    free(B);
    free(Z);
    free(C);
    free(ref);
}
END_TEST

/* The caller's floating-point mode (MXCSR's control bits: FTZ and DAZ
 * off, then on) is as it was after prediction, products and training.
 * The status flags (bits 0-5) record what any arithmetic did. */
START_TEST(test_fp_mode_restored)
{
    static const unsigned modes[] = { 0x1f80, 0x1f80 | 0x8040 };
    nn_model *m = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 3);
    unsigned saved = _mm_getcsr();
    float x[5] = { 0.1f, 0.2f, 0.3f, 0.4f, 0.5f }, y[3];
    float *A = calloc(200 * 200, sizeof(float));
    float *C = calloc(200 * 200, sizeof(float));
    nn_data *d;
    nn_train_opts o;

    ck_assert_int_eq(nn_data_new(&d, 5), NN_OK);
    ck_assert_int_eq(nn_data_add(d, x, 1), NN_OK);
    nn_train_opts_default(&o);
    o.epochs = 1;
    nn_set_threads(2);
    for (int i = 0; i < 2; i++) {
        _mm_setcsr(modes[i]);
        ck_assert_int_eq(nn_predict(m, x, 1, y), NN_OK);
        ck_assert_uint_eq(_mm_getcsr() & ~0x3fu, modes[i]);
        nn_sgemm(0, 0, 200, 200, 200, 1.0f, A, 200, A, 200, 0.0f, C, 200);
        ck_assert_uint_eq(_mm_getcsr() & ~0x3fu, modes[i]);
        ck_assert_int_eq(nn_train(m, d, NULL, &o, NULL, NULL, 0), NN_OK);
        ck_assert_uint_eq(_mm_getcsr() & ~0x3fu, modes[i]);
    }
    _mm_setcsr(saved);
    nn_set_threads(1);
    nn_data_free(d);
    nn_model_free(m);
    free(A);
    free(C);
}
END_TEST
#endif

START_TEST(test_same_seed_same_model)
{
    nn_model *a = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 42);
    nn_model *b = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 42);
    nn_model *c = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 43);

    ck_assert_int_eq(a->n_params, b->n_params);
    ck_assert(memcmp(a->params, b->params, a->n_params * sizeof(float)) == 0);
    ck_assert(memcmp(a->params, c->params, a->n_params * sizeof(float)) != 0);
    nn_model_free(a);
    nn_model_free(b);
    nn_model_free(c);
}
END_TEST

/* He init: weights of a wide layer have standard deviation sqrt(2/n_in). */
START_TEST(test_init_scale)
{
    int sizes[] = { 400, 300, 10 };
    nn_arch a = { 3, sizes, NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE,
                  NN_INIT_DEFAULT, NULL, 0, 0 };
    nn_model *m;
    double ss = 0;

    ck_assert_int_eq(nn_model_new(&m, &a, 1, NULL, 0), NN_OK);
    for (int i = 0; i < 400 * 300; i++)
        ss += (double)m->params[i] * m->params[i];
    ck_assert_double_eq_tol(sqrt(ss / (400 * 300)), sqrt(2.0 / 400), 0.002);
    ck_assert_int_eq(m->init, NN_INIT_HE);
    nn_model_free(m);
}
END_TEST

START_TEST(test_bad_arch)
{
    int sizes[] = { 4, 3, 2 };
    char why[128] = "";
    nn_model *m;
    nn_arch a = { 3, sizes, NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_QUADRATIC,
                  NN_INIT_DEFAULT, NULL, 0, 0 };

    ck_assert_int_eq(nn_model_new(&m, &a, 1, why, sizeof why), NN_EINVAL);
    ck_assert_ptr_null(m);
    ck_assert(strstr(why, "cross-entropy"));
    a.cost = NN_COST_CE;
    a.hidden_act = NN_ACT_SOFTMAX;
    ck_assert_int_eq(nn_model_new(&m, &a, 1, why, sizeof why), NN_EINVAL);
    a.hidden_act = NN_ACT_RELU;
    sizes[1] = 0;
    ck_assert_int_eq(nn_model_new(&m, &a, 1, why, sizeof why), NN_EINVAL);
    ck_assert(strstr(why, "layer size 0"));
}
END_TEST

/* A record's output is the same alone and inside any batch, bit for bit
 * (nn-predict and nn-eval rely on it). */
START_TEST(test_predict_batch_independent)
{
    enum { N = 300 };
    int sizes[] = { 20, 17, 9, 5 };
    nn_arch a = { 4, sizes, NN_ACT_TANH, NN_ACT_SOFTMAX, NN_COST_CE,
                  NN_INIT_DEFAULT, NULL, 0, 0 };
    nn_model *m;
    float *x = malloc(sizeof(float) * N * 20), all[N * 5], one[5];
    nn_rng rng;

    nn_rng_seed(&rng, 3);
    for (int i = 0; i < N * 20; i++)
        x[i] = (float)nn_rng_uniform(&rng);
    ck_assert_int_eq(nn_model_new(&m, &a, 5, NULL, 0), NN_OK);
    ck_assert_int_eq(nn_predict(m, x, N, all), NN_OK);
    for (int r = 0; r < N; r++) {
        float sum = 0;
        ck_assert_int_eq(nn_predict(m, x + r * 20, 1, one), NN_OK);
        ck_assert(memcmp(one, all + r * 5, sizeof one) == 0);
        for (int j = 0; j < 5; j++)
            sum += one[j];
        ck_assert_float_eq_tol(sum, 1.0f, 1e-5f);
    }
    nn_model_free(m);
    free(x);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_int_eq(nn_act_parse("relu"), NN_ACT_RELU);
    ck_assert_int_eq(nn_act_parse("nope"), -1);
    ck_assert_str_eq(nn_act_name(NN_ACT_TANH), "tanh");
    ck_assert_int_eq(nn_cost_parse("quadratic"), NN_COST_QUADRATIC);
    ck_assert_int_eq(nn_init_parse("nielsen"), NN_INIT_NIELSEN);
    ck_assert_ptr_null(nn_init_name(99));
    ck_assert_str_eq(nn_strerror(NN_ESHAPE), "sizes do not match");
}
END_TEST

/* A class name is 1 to 255 bytes of UTF-8 without control characters: a
 * model file is JSON, which holds nothing else (an ONNX model's names that
 * were not UTF-8 were written and could not be read back). */
START_TEST(test_class_names)
{
    nn_model *m = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 1);
    const char *good[] = { "a", "\xc3\xa9t\xc3\xa9", "\xe2\x82\xac" };
    const char *cut[] = { "a", "\xe2", "c" }, *bad[] = { "a", "b\xff" "c", "c" };
    char longest[257];

    ck_assert_int_eq(nn_model_set_class_names(m, 3, good), NN_OK);
    ck_assert_str_eq(nn_model_class_name(m, 1), "\xc3\xa9t\xc3\xa9");
    ck_assert_int_eq(nn_model_set_class_names(m, 3, cut), NN_EINVAL);
    ck_assert_int_eq(nn_model_set_class_names(m, 3, bad), NN_EINVAL);
    ck_assert_str_eq(nn_class_name_problem("\xe2\x82"), "a name that is not UTF-8");
    ck_assert_str_eq(nn_class_name_problem("x\x01"), "control character in a name");
    ck_assert_str_eq(nn_class_name_problem(""), "a name has 1 to 255 bytes");
    memset(longest, 'x', 255);
    longest[255] = '\0';
    ck_assert_ptr_null(nn_class_name_problem(longest));
    longest[255] = 'x';
    longest[256] = '\0';
    ck_assert_ptr_nonnull(nn_class_name_problem(longest));
    nn_model_free(m);
}
END_TEST

/* Layer 0's weights are the ones its forward pass uses, unit by unit:
 * with tanh, an input that is 1 at i alone moves unit o's pre-activation
 * from b[o] to W[o][i] + b[o]. */
START_TEST(test_weights)
{
    nn_model *m = tiny_model(NN_ACT_TANH, NN_ACT_SOFTMAX, NN_COST_CE, 4);
    const float *w = nn_model_weights(m, 0);
    float x[5] = { 0 }, base[4], h[4], a1[3], y[3], *acts[3] = { base, a1, y };

    ck_assert_ptr_nonnull(w);
    ck_assert_ptr_null(nn_model_weights(m, -1));
    ck_assert_ptr_null(nn_model_weights(m, 3));
    /* Layer 1 follows layer 0's 4 x 5 weights and 4 biases. */
    ck_assert_ptr_eq(nn_model_weights(m, 1), w + 4 * 5 + 4);
    nn_forward(m, 0, x, 1, acts, NULL);
    acts[0] = h;
    for (int i = 0; i < 5; i++) {
        x[i] = 1;
        nn_forward(m, 0, x, 1, acts, NULL);
        for (int o = 0; o < 4; o++)
            ck_assert_float_eq_tol(atanhf(h[o]) - atanhf(base[o]),
                                   w[o * 5 + i], 1e-4f);
        x[i] = 0;
    }
    nn_model_free(m);
}
END_TEST

/* An ensemble answers with the mean of its networks' probabilities; an
 * ensemble joined to another network brings its own members; a copy, or
 * the file written and read back, answers the same bit for bit; a model
 * unlike the first is refused and nothing changes; every member takes the
 * class names; an ensemble is not trained further, nor written in a
 * format that holds one network. */
START_TEST(test_ensemble)
{
    enum { N = 9 };
    nn_model *m[3], *two, *e, *c, *r, *odd;
    float x[N * 5], y[3][N * 3], ye[N * 3], yc[N * 3];
    int sizes[] = { 5, 4 };
    nn_arch a = { 2, sizes, NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE,
                  NN_INIT_DEFAULT, NULL, 0, 0 };
    const char *names[] = { "a", "b", "c" };
    char why[256] = "";
    nn_train_opts o;
    nn_data *d;
    nn_rng rng;
    FILE *fp;

    nn_rng_seed(&rng, 8);
    for (int i = 0; i < N * 5; i++)
        x[i] = (float)nn_rng_uniform(&rng);
    for (int k = 0; k < 3; k++) {
        m[k] = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 11 + k);
        ck_assert_int_eq(nn_predict(m[k], x, N, y[k]), NN_OK);
    }
    ck_assert_int_eq(nn_model_join(&two, m, 2, why, sizeof why), NN_OK);
    ck_assert_int_eq(nn_model_members(two), 2);
    m[1] = m[2];
    m[0] = two;
    ck_assert_int_eq(nn_model_join(&e, m, 2, why, sizeof why), NN_OK);
    ck_assert_int_eq(nn_model_members(e), 3);
    ck_assert_int_eq(nn_predict(e, x, N, ye), NN_OK);
    for (int i = 0; i < N * 3; i++)
        ck_assert_float_eq_tol(ye[i], (y[0][i] + y[1][i] + y[2][i]) / 3,
                               1e-6f);

    ck_assert_int_eq(nn_model_copy(&c, e), NN_OK);
    ck_assert_int_eq(nn_model_members(c), 3);
    ck_assert_int_eq(nn_predict(c, x, N, yc), NN_OK);
    ck_assert_int_eq(memcmp(ye, yc, sizeof ye), 0);
    nn_model_free(c);

    fp = tmpfile();
    ck_assert_int_eq(nn_model_write(e, fp), NN_OK);
    rewind(fp);
    ck_assert_int_eq(nn_model_read(&r, fp, why, sizeof why), NN_OK);
    fclose(fp);
    ck_assert_int_eq(nn_model_members(r), 3);
    ck_assert_int_eq(nn_predict(r, x, N, yc), NN_OK);
    ck_assert_int_eq(memcmp(ye, yc, sizeof ye), 0);
    nn_model_free(r);

    m[0] = e;
    m[1] = e->next;
    ck_assert_int_eq(nn_model_join(&r, m, 2, why, sizeof why), NN_EINVAL);
    ck_assert_str_eq(why, "model 2: a network given twice");
    ck_assert_int_eq(nn_model_new(&odd, &a, 1, NULL, 0), NN_OK);
    m[1] = odd;
    ck_assert_int_eq(nn_model_join(&r, m, 2, why, sizeof why), NN_EINVAL);
    ck_assert_str_eq(why, "model 2 is not like model 1: it has another "
                          "number of classes");
    ck_assert_int_eq(nn_model_members(e), 3);
    ck_assert_int_eq(nn_model_members(odd), 1);
    nn_model_free(odd);

    ck_assert_int_eq(nn_model_set_class_names(e, 3, names), NN_OK);
    for (const nn_model *k = e; k; k = k->next)
        ck_assert_str_eq(nn_model_class_name(k, 2), "c");

    ck_assert_int_eq(nn_data_new(&d, 5), NN_OK);
    ck_assert_int_eq(nn_data_add(d, x, 1), NN_OK);
    nn_train_opts_default(&o);
    ck_assert_int_eq(nn_train(e, d, NULL, &o, NULL, why, sizeof why),
                     NN_EINVAL);
    ck_assert(strstr(why, "an ensemble of 3 networks is not trained"));
    nn_data_free(d);

    fp = tmpfile();
    ck_assert_int_eq(nn_model_export(e, NN_FMT_ONNX, fp, why, sizeof why),
                     NN_EINVAL);
    ck_assert(strstr(why, "onnx holds one network"));
    ck_assert_int_eq(nn_model_export(e, NN_FMT_NETWORK2, fp, why, sizeof why),
                     NN_EINVAL);
    ck_assert_int_eq(ftell(fp), 0);
    fclose(fp);
    nn_model_free(e);
}
END_TEST

Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("model");
    tcase_set_timeout(tc, 60);          /* threads on a busy 2-core machine */

    tcase_add_test(tc, test_set_kernel);
    tcase_add_loop_test(tc, test_sgemm_matches_reference, 0, 3);
    tcase_add_loop_test(tc, test_sgemm_threads_identical, 0, 3);
#if defined(__SSE__)
    tcase_add_test(tc, test_denormals_flushed);
    tcase_add_test(tc, test_fp_mode_restored);
#endif
    tcase_add_test(tc, test_same_seed_same_model);
    tcase_add_test(tc, test_init_scale);
    tcase_add_test(tc, test_bad_arch);
    tcase_add_test(tc, test_predict_batch_independent);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_class_names);
    tcase_add_test(tc, test_weights);
    tcase_add_test(tc, test_ensemble);
    suite_add_tcase(s, tc);
    return s;
}
