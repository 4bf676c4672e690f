/* check_sparse.c - the first layer's sparse products (lib/sparse.c):
 * nn_sparse_set's two orderings, nn_spmm against plain loops, and the
 * training pass with transposed first-layer weights against the plain one. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"
#include "tests.h"

/* rows x cols values, each nonzero with probability density. */
static float *random_sparse(int rows, int cols, double density, uint64_t seed)
{
    float *x = malloc(sizeof(float) * rows * cols);
    nn_rng rng;

    nn_rng_seed(&rng, seed);
    for (int i = 0; i < rows * cols; i++)
        x[i] = nn_rng_uniform(&rng) < density
            ? (float)nn_rng_uniform(&rng) + 0.01f : 0.0f;
    return x;
}

START_TEST(test_set_orders)
{
    /* 3 x 4, with a -0 (skipped: it adds nothing) and a NaN (kept). */
    const float x[] = { 0, 2, 0, 3,
                        -0.0f, 0, 0, 0,
                        5, NAN, 0, 7 };
    const int row_ptr[] = { 0, 2, 2, 5 }, row_idx[] = { 1, 3, 0, 1, 3 };
    const int col_ptr[] = { 0, 1, 3, 3, 5 }, col_idx[] = { 2, 0, 2, 0, 2 };
    nn_sparse s;

    ck_assert_int_eq(nn_sparse_alloc(&s, 4, 4), NN_OK);
    ck_assert_int_eq(nn_sparse_set(&s, x, 3, 1.0), 1);
    ck_assert_int_eq(s.rows, 3);
    ck_assert_mem_eq(s.row_ptr, row_ptr, sizeof row_ptr);
    ck_assert_mem_eq(s.row_idx, row_idx, sizeof row_idx);
    ck_assert_mem_eq(s.col_ptr, col_ptr, sizeof col_ptr);
    ck_assert_mem_eq(s.col_idx, col_idx, sizeof col_idx);
    ck_assert(s.row_val[0] == 2 && s.row_val[1] == 3 && s.row_val[2] == 5);
    ck_assert(isnan(s.row_val[3]) && s.row_val[4] == 7);
    ck_assert(s.col_val[0] == 5 && s.col_val[1] == 2 && isnan(s.col_val[2]));
    ck_assert(s.col_val[3] == 3 && s.col_val[4] == 7);
    /* 5 of 12 nonzero: refused above a density of 0.4. */
    ck_assert_int_eq(nn_sparse_set(&s, x, 3, 0.4), 0);
    ck_assert_int_eq(nn_sparse_set(&s, x, 3, 5.0 / 12), 1);
    nn_sparse_free(&s);
}
END_TEST

/* nn_spmm by rows (X * Bm) and by columns (X^T * Bm), with and without an
 * initial row, against double-precision loops, with each kernel, for
 * widths around the vectors (8 floats) and strips (up to 128): below a
 * vector, exact multiples, a last vector overlapping the one before,
 * several strips. */
static const char *const kernels[] = { "avx512", "avx2", "generic" };
static const int widths[] = { 1, 5, 7, 8, 9, 31, 100, 128, 129, 300, 800 };
enum { N_WIDTHS = sizeof widths / sizeof widths[0] };

/* Rows longer than the vector code's 16 values: the same entries with
 * every kernel as a plain scan finds them (zeros, -0, a NaN, values in
 * every lane of a block and in the tail). */
START_TEST(test_set_wide_rows)
{
    enum { R = 5, C = 50 };
    float x[R * C];
    int ptr[R + 1], idx[R * C], e = 0;
    nn_sparse s;
    nn_rng rng;

    nn_rng_seed(&rng, 3);
    for (int i = 0; i < R * C; i++)
        x[i] = nn_rng_uniform(&rng) < 0.6 ? 0.0f : (float)nn_rng_normal(&rng);
    x[7] = -0.0f;
    x[C + 20] = NAN;
    for (int i = 2 * C; i < 2 * C + 16; i++)
        x[i] = 1.0f + i;
    for (int r = 0; r < R; r++) {
        ptr[r] = e;
        for (int c = 0; c < C; c++)
            if (x[r * C + c] != 0.0f)
                idx[e++] = c;
    }
    ptr[R] = e;
    ck_assert_int_eq(nn_set_kernel(kernels[_i]), NN_OK);
    ck_assert_int_eq(nn_sparse_alloc(&s, R, C), NN_OK);
    nn_sparse_rows(&s, x, R);
    ck_assert_mem_eq(s.row_ptr, ptr, sizeof ptr);
    ck_assert_mem_eq(s.row_idx, idx, e * sizeof *idx);
    for (int r = 0; r < R; r++)
        for (int i = ptr[r]; i < ptr[r + 1]; i++)
            ck_assert(memcmp(&s.row_val[i], &x[r * C + idx[i]],
                             sizeof(float)) == 0);
    nn_sparse_free(&s);
    ck_assert_int_eq(nn_set_kernel("avx512"), NN_OK);
}
END_TEST

/* c (m x n) against init + A * b in double, where A (m x inner) has
 * element (i, k) at a[i * si + k * sk]: X with si = cols, sk = 1, or X^T
 * with si = 1, sk = cols. */
static void check_product(const float *c, int m, int inner, int n,
                          const float *a, long si, long sk, const float *b,
                          const float *init, const char *what)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double want = init ? init[j] : 0;
            for (int k = 0; k < inner; k++)
                want += (double)a[i * si + k * sk] * b[k * n + j];
            ck_assert_msg(fabs(c[i * n + j] - want) <= 1e-5 * (1 + fabs(want)),
                          "%s, n %d, %s (%d,%d): %g, want %g",
                          nn_sgemm_kernel(), n, what, i, j,
                          (double)c[i * n + j], want);
        }
}

START_TEST(test_spmm)
{
    int n = widths[_i % N_WIDTHS], rows = 9, cols = 37;
    float *x = random_sparse(rows, cols, 0.3, 1);
    float *br = random_sparse(cols, n, 1.0, 2), *bc = random_sparse(rows, n, 1.0, 3);
    float *init = random_sparse(1, n, 1.0, 4);
    float *c = malloc(sizeof(float) * cols * n);
    float *cb = malloc(sizeof(float) * rows * n);
    nn_sparse s;

    ck_assert_int_eq(nn_set_kernel(kernels[_i / N_WIDTHS]), NN_OK);
    ck_assert_int_eq(nn_sparse_alloc(&s, rows, cols), NN_OK);
    ck_assert_int_eq(nn_sparse_set(&s, x, rows, 1.0), 1);
    for (int with_init = 0; with_init < 2; with_init++) {
        const float *in = with_init ? init : NULL;

        nn_spmm(c, rows, n, s.row_ptr, s.row_idx, s.row_val, br, in);
        check_product(c, rows, cols, n, x, cols, 1, br, in, "X*B");
        /* X by columns: the same bits, from a vector's width on. */
        memset(cb, 0, sizeof(float) * rows * n);
        if (n < 8) {
            ck_assert_int_eq(nn_spmm_by_cols(cb, rows, n, cols, s.col_ptr,
                             s.col_idx, s.col_val, br, in), NN_EINVAL);
        } else {
            ck_assert_int_eq(nn_spmm_by_cols(cb, rows, n, cols, s.col_ptr,
                             s.col_idx, s.col_val, br, in), NN_OK);
            ck_assert_msg(memcmp(cb, c, sizeof(float) * rows * n) == 0,
                          "%s, n %d: by columns, not the bits by rows",
                          nn_sgemm_kernel(), n);
        }
        nn_spmm(c, cols, n, s.col_ptr, s.col_idx, s.col_val, bc, in);
        check_product(c, cols, rows, n, x, 1, cols, bc, in, "X^T*B");
    }
    nn_sparse_free(&s);
    free(x);
    free(br);
    free(bc);
    free(init);
    free(c);
    free(cb);
}
END_TEST

/* The AVX2 and AVX-512 code give the same bits: both products, by rows
 * and by columns, with 1 and 3 threads, widths from a vector to several
 * tiles and strips (each element one chain of FMAs in column order). */
START_TEST(test_spmm_kernels_agree)
{
    enum { ROWS = 128, COLS = 300 };
    int n = widths[_i % N_WIDTHS];
    float *x = random_sparse(ROWS, COLS, 0.2, 9);
    float *br = random_sparse(COLS, n, 1.0, 10), *bc = random_sparse(ROWS, n, 1.0, 11);
    float *init = random_sparse(1, n, 1.0, 12), *c[2][3];
    nn_sparse s;

    ck_assert_int_eq(nn_sparse_alloc(&s, ROWS, COLS), NN_OK);
    ck_assert_int_eq(nn_sparse_set(&s, x, ROWS, 1.0), 1);
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(nn_set_kernel(kernels[k]), NN_OK);
        nn_set_threads(k ? 3 : 1);
        for (int p = 0; p < 3; p++)
            c[k][p] = malloc(sizeof(float) * COLS * n);
        nn_spmm(c[k][0], ROWS, n, s.row_ptr, s.row_idx, s.row_val, br, init);
        nn_spmm(c[k][1], COLS, n, s.col_ptr, s.col_idx, s.col_val, bc, NULL);
        if (nn_spmm_by_cols(c[k][2], ROWS, n, COLS, s.col_ptr, s.col_idx,
                            s.col_val, br, init) != NN_OK)
            memcpy(c[k][2], c[k][0], sizeof(float) * ROWS * n);
    }
    nn_set_threads(1);
    ck_assert_int_eq(nn_set_kernel("avx512"), NN_OK);
    ck_assert_msg(memcmp(c[0][0], c[1][0], sizeof(float) * ROWS * n) == 0,
                  "n %d: X*B by rows differs between AVX-512 and AVX2", n);
    ck_assert_msg(memcmp(c[0][1], c[1][1], sizeof(float) * COLS * n) == 0,
                  "n %d: X^T*B differs between AVX-512 and AVX2", n);
    ck_assert_msg(memcmp(c[0][2], c[1][2], sizeof(float) * ROWS * n) == 0,
                  "n %d: X*B by columns differs between AVX-512 and AVX2",
                  n);
    for (int k = 0; k < 2; k++)
        for (int p = 0; p < 3; p++)
            free(c[k][p]);
    nn_sparse_free(&s);
    free(x);
    free(br);
    free(bc);
    free(init);
}
END_TEST

/* Big enough to be split among threads: the same bits with 1, 2 and 3. */
START_TEST(test_spmm_threads)
{
    enum { ROWS = 64, COLS = 300, N = 200 };
    float *x = random_sparse(ROWS, COLS, 0.3, 6), *b = random_sparse(COLS, N, 1.0, 7);
    float *c1 = malloc(sizeof(float) * ROWS * N), *c = malloc(sizeof(float) * ROWS * N);
    nn_sparse s;

    ck_assert_int_eq(nn_set_kernel(kernels[_i]), NN_OK);
    ck_assert_int_eq(nn_sparse_alloc(&s, ROWS, COLS), NN_OK);
    ck_assert_int_eq(nn_sparse_set(&s, x, ROWS, 1.0), 1);
    ck_assert_int_ge((long)s.row_ptr[ROWS] * N, 1 << 20);
    nn_set_threads(1);
    nn_spmm(c1, ROWS, N, s.row_ptr, s.row_idx, s.row_val, b, NULL);
    for (int t = 2; t <= 3; t++) {
        nn_set_threads(t);
        memset(c, 0, sizeof(float) * ROWS * N);
        nn_spmm(c, ROWS, N, s.row_ptr, s.row_idx, s.row_val, b, NULL);
        ck_assert_mem_eq(c, c1, sizeof(float) * ROWS * N);
        memset(c, 0, sizeof(float) * ROWS * N);
        ck_assert_int_eq(nn_spmm_by_cols(c, ROWS, N, COLS, s.col_ptr,
                                         s.col_idx, s.col_val, b, NULL), NN_OK);
        ck_assert_mem_eq(c, c1, sizeof(float) * ROWS * N);
    }
    nn_set_threads(1);
    nn_sparse_free(&s);
    free(x);
    free(b);
    free(c1);
    free(c);
}
END_TEST

/* Loss and gradient (model layout) of a pass over x through m, with the
 * input mask if not NULL; *sparse: whether the first layer took the
 * nonzero inputs. */
static double pass_grad(const nn_model *m, const float *x, const int *labels,
                        int R, const float *mask, float *grad, long *hits,
                        int *sparse)
{
    float *g = malloc(sizeof(float) * m->n_params);
    double loss = 0;
    nn_pass p;

    ck_assert_int_eq(nn_pass_new(&p, m, R, mask ? 0.3f : 0, 0), NN_OK);
    if (mask)
        memcpy(p.masks[0], mask, sizeof(float) * R * m->sizes[0]);
    *hits = 0;
    nn_backprop(&p, m, x, labels, R, g, &loss, hits);
    nn_pass_export(&p, m, g, grad);
    *sparse = p.layer[0].sparse_batch;
    nn_pass_free(&p);
    free(g);
    return loss;
}

/* The first layer as trained (transposed), through the sparse products (a
 * mostly-zero input) and through the dense ones (a full input, or
 * nn_set_sparse(0)), gives the same loss and gradient, and the loss of
 * the plain forward pass.  A 40-20-3 ReLU network: 20 hidden units reach
 * the vector code; optionally with input dropout. */
START_TEST(test_first_layer)
{
    enum { R = 6, IN = 40, H = 20, K = 3 };
    int dense = _i & 1, dropout = _i >> 1, used;
    static const int sizes[] = { IN, H, K };
    nn_arch a = { 3, sizes, NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE,
                  NN_INIT_DEFAULT, NULL, 0, 0 };
    nn_model *m;
    float *x = random_sparse(R, IN, dense ? 1.0 : 0.2, 5), y[R * K];
    float *g, *gd, mask[R * IN];
    int labels[R] = { 0, 1, 2, 2, 1, 0 };
    double loss, loss_d, plain = 0;
    long hits, hits_d;
    nn_rng rng;
    char why[128];

    ck_assert_int_eq(nn_model_new(&m, &a, 3, why, sizeof why), NN_OK);
    g = malloc(sizeof(float) * m->n_params);
    gd = malloc(sizeof(float) * m->n_params);
    nn_rng_seed(&rng, 8);
    for (int i = 0; i < R * IN; i++)
        mask[i] = nn_rng_uniform(&rng) < 0.3 ? 0.0f : 1 / 0.7f;

    loss = pass_grad(m, x, labels, R, dropout ? mask : NULL, g, &hits, &used);
    ck_assert_int_eq(used, !dense);     /* the path meant */
    nn_set_sparse(0);
    loss_d = pass_grad(m, x, labels, R, dropout ? mask : NULL, gd, &hits_d,
                       &used);
    nn_set_sparse(1);
    ck_assert_int_eq(used, 0);
    ck_assert_double_eq_tol(loss, loss_d, 1e-5 * loss);
    ck_assert_int_eq(hits, hits_d);
    for (long i = 0; i < m->n_params; i++)
        ck_assert_msg(fabsf(g[i] - gd[i]) <= 1e-5f * (1 + fabsf(gd[i])),
                      "%s input%s: parameter %ld: %g, dense products %g",
                      dense ? "dense" : "sparse", dropout ? ", dropout" : "",
                      i, (double)g[i], (double)gd[i]);
    if (!dropout) {
        nn_predict(m, x, R, y);
        for (int r = 0; r < R; r++)
            plain += nn_loss(m, y + r * K, labels[r]);
        ck_assert_double_eq_tol(loss, plain, 1e-5 * plain);
    }
    free(x);
    free(g);
    free(gd);
    nn_model_free(m);
}
END_TEST

Suite *sparse_suite(void)
{
    Suite *s = suite_create("sparse");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);          /* loops of checks on a busy machine */
    tcase_add_test(tc, test_set_orders);
    tcase_add_loop_test(tc, test_set_wide_rows, 0, 3);
    tcase_add_loop_test(tc, test_spmm, 0, 3 * N_WIDTHS);
    tcase_add_loop_test(tc, test_spmm_kernels_agree, 0, N_WIDTHS);
    tcase_add_loop_test(tc, test_spmm_threads, 0, 3);
    tcase_add_loop_test(tc, test_first_layer, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}
