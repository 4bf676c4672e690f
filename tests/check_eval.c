/* check_eval.c - counting a data set in memory (nn_eval_data) agrees with
 * counting record by record, and refuses records it cannot count. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"
#include "tests.h"

/* _i = 0: records of random floats, stored as floats; 1: of random pixel
 * values, stored as bytes and converted a chunk at a time. */
START_TEST(test_eval_data)
{
    enum { N = 600 };   /* more than one internal chunk */
    nn_model *m = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 7);
    nn_eval *e, *ref;
    nn_data *d;
    nn_rng rng;
    float x[5], y[3];
    char why[256] = "";

    ck_assert_int_eq(nn_data_new(&d, 5), NN_OK);
    nn_rng_seed(&rng, 11);
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < 5; j++)
            x[j] = _i ? nn_pixel((int)nn_rng_below(&rng, 256))
                      : (float)nn_rng_uniform(&rng);
        ck_assert_int_eq(nn_data_add(d, x, (int)nn_rng_below(&rng, 3)), NN_OK);
    }
    ck_assert(_i ? d->store->px != NULL : d->store->x != NULL);
    ck_assert_int_eq(nn_eval_new(&e, 3), NN_OK);
    ck_assert_int_eq(nn_eval_new(&ref, 3), NN_OK);
    ck_assert_int_eq(nn_eval_data(e, m, d, why, sizeof why), NN_OK);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(nn_predict(m, nn_data_row(d, i, x), 1, y), NN_OK);
        nn_eval_add(ref, m, y, d->label[i]);
    }
    ck_assert_int_eq(e->n, N);
    ck_assert_int_eq(e->correct, ref->correct);
    ck_assert(memcmp(e->confusion, ref->confusion, 9 * sizeof *e->confusion) == 0);
    ck_assert_double_eq_tol(e->loss_sum, ref->loss_sum, 1e-9 * N);

    /* A label the model does not have, or none: refused, nothing counted. */
    nn_eval_free(e);
    ck_assert_int_eq(nn_eval_new(&e, 3), NN_OK);
    d->label[41] = 3;
    ck_assert_int_eq(nn_eval_data(e, m, d, why, sizeof why), NN_EFORMAT);
    ck_assert_str_eq(why, "record 42: label 3, but the model has 3 classes");
    d->label[41] = -1;
    ck_assert_int_eq(nn_eval_data(e, m, d, why, sizeof why), NN_EFORMAT);
    ck_assert_str_eq(why, "record 42 has no label");
    ck_assert_int_eq(e->n, 0);
    /* Vectors of another length, or a count of other classes. */
    d->dim = 4;
    ck_assert_int_eq(nn_eval_data(e, m, d, why, sizeof why), NN_ESHAPE);
    d->dim = 5;
    nn_eval_free(e);
    ck_assert_int_eq(nn_eval_new(&e, 4), NN_OK);
    ck_assert_int_eq(nn_eval_data(e, m, d, NULL, 0), NN_EINVAL);

    nn_eval_free(e);
    nn_eval_free(ref);
    nn_data_free(d);
    nn_model_free(m);
}
END_TEST

struct seen {
    const nn_model *m;
    const float *xs;        /* every record's input, in order */
    long n;
};

static int check_record(const nn_record *rec, void *arg)
{
    struct seen *s = arg;
    float y[3];

    ck_assert_int_eq(rec->index, s->n + 1);
    ck_assert(memcmp(rec->x, s->xs + s->n * 5, 5 * sizeof *rec->x) == 0);
    ck_assert_int_eq(nn_predict(s->m, rec->x, 1, y), NN_OK);
    ck_assert(memcmp(rec->y, y, sizeof y) == 0);
    ck_assert_int_eq(rec->label, s->n % 4 == 3 ? -1 : (int)(s->n % 3));
    s->n++;
    return 0;
}

/* nn_predict_stream hands each record over with its input, output, label
 * and number, across batches. */
START_TEST(test_stream_records)
{
    enum { N = 300, BATCH = 64 };
    nn_model *m = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 3);
    float *xs = malloc(N * 5 * sizeof *xs);
    struct seen s = { m, xs, 0 };
    nn_vec_writer *w;
    nn_vec_reader *r;
    nn_rng rng;
    FILE *fp = tmpfile();

    ck_assert_ptr_nonnull(fp);
    nn_rng_seed(&rng, 5);
    ck_assert_int_eq(nn_vec_writer_new(&w, fp, NN_VEC_F32, 5), NN_OK);
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < 5; j++)
            xs[i * 5 + j] = (float)nn_rng_uniform(&rng);
        ck_assert_int_eq(nn_vec_write(w, xs + i * 5, i % 4 == 3 ? -1 : i % 3),
                         NN_OK);
    }
    nn_vec_writer_free(w);
    rewind(fp);
    ck_assert_int_eq(nn_vec_reader_new(&r, fp, 5), NN_OK);
    ck_assert_int_eq(nn_predict_stream(m, r, BATCH, check_record, &s, NULL, 0),
                     NN_OK);
    ck_assert_int_eq(s.n, N);
    nn_vec_reader_free(r);
    fclose(fp);
    free(xs);
    nn_model_free(m);
}
END_TEST

/* The ranges of values, and what counts as far outside a model's input
 * range [0, 1]: below -1 or above 2. */
START_TEST(test_input_range)
{
    nn_model *m = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE, 3);
    float x[5] = { 0.25f, -0.5f, 3, 1, 0 }, lo, hi;
    nn_data *d;

    nn_range(x, 5, &lo, &hi);
    ck_assert(lo == -0.5f && hi == 3);
    nn_range(x, 1, &lo, &hi);
    ck_assert(lo == 0.25f && hi == 0.25f);
    nn_range(x, 0, &lo, &hi);
    ck_assert(lo == 0 && hi == 0);
    /* Long rows go through lanes: the extremes anywhere, in the lanes'
     * part or the tail after it. */
    for (int n = 32; n <= 70; n += 19)
        for (int at = 0; at < n; at += 3) {
            float v[70];
            for (int i = 0; i < n; i++)
                v[i] = (float)((i * 37) % 11) / 11;
            v[at] = -2;
            v[n - 1 - at] = 5;
            nn_range(v, n, &lo, &hi);
            ck_assert_msg(lo == -2 && hi == 5, "n %d, at %d: %g %g", n, at,
                          lo, hi);
        }

    /* Bytes, and floats after a value that is not a pixel. */
    ck_assert_int_eq(nn_data_new(&d, 2), NN_OK);
    ck_assert_int_eq(nn_data_add(d, (float[]){ nn_pixel(7), nn_pixel(200) }, 0),
                     NN_OK);
    ck_assert_int_eq(nn_data_add(d, (float[]){ nn_pixel(9), nn_pixel(3) }, 0),
                     NN_OK);
    ck_assert_ptr_nonnull(d->store->px);
    nn_data_range(d, &lo, &hi);
    ck_assert(lo == nn_pixel(3) && hi == nn_pixel(200));
    ck_assert_int_eq(nn_data_add(d, (float[]){ -4, 255 }, 1), NN_OK);
    ck_assert_ptr_nonnull(d->store->x);
    nn_data_range(d, &lo, &hi);
    ck_assert(lo == -4 && hi == 255);
    nn_data_free(d);

    ck_assert(nn_model_input_ok(m, 0, 1));
    ck_assert(nn_model_input_ok(m, -1, 2));
    ck_assert(!nn_model_input_ok(m, 0, 2.01f));
    ck_assert(!nn_model_input_ok(m, -1.01f, 1));
    ck_assert(!nn_model_input_ok(m, 0, 255));
    nn_model_free(m);
}
END_TEST

/* ---- nn_predict_views --------------------------------------------------- */

START_TEST(test_predict_views)
{
    static const int sizes[] = { 784, 16, 10 };
    nn_arch a = { 3, sizes, NN_ACT_RELU, NN_ACT_SOFTMAX, NN_COST_CE,
                  NN_INIT_DEFAULT, NULL, 0, 0 };
    nn_input_desc d = { 28, 28, 0, 1, 1 };
    nn_idx *idx = mnist10_images();
    nn_model *m = NULL, *t = tiny_model(NN_ACT_RELU, NN_ACT_SOFTMAX,
                                        NN_COST_CE, 1);
    static float x[2 * 784], v[784], one[10], want[2 * 10], y[2 * 10];
    const double turn = 8 * 3.14159265358979323846 / 180;
    /* The documented views, as the maps nn_warp takes (each output pixel
     * read from the source): turned either way, scaled by 0.9 and 1.1. */
    const float c = (float)cos(turn), s = (float)sin(turn);
    const float A[5][6] = { { 1, 0, 0, 0, 1, 0 }, { c, -s, 0, s, c, 0 },
                            { c, s, 0, -s, c, 0 },
                            { 1 / .9f, 0, 0, 0, 1 / .9f, 0 },
                            { 1 / 1.1f, 0, 0, 0, 1 / 1.1f, 0 } };
    int differs = 0;

    ck_assert_int_eq(nn_model_new(&m, &a, 1, NULL, 0), NN_OK);
    nn_model_set_input(m, &d);
    for (int i = 0; i < 2 * 784; i++)
        x[i] = nn_pixel(idx->data[i]);
    /* One view: nn_predict's answer, bit for bit. */
    ck_assert_int_eq(nn_predict(m, x, 2, want), NN_OK);
    ck_assert_int_eq(nn_predict_views(m, x, 2, 1, y), NN_OK);
    ck_assert_mem_eq(y, want, sizeof y);
    /* Three and five: the mean of the answers for the views. */
    for (int n = 3; n <= 5; n += 2) {
        memset(want, 0, sizeof want);
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < n; k++) {
                nn_warp(v, x + i * 784, 28, 28, A[k], NULL, NULL, 0);
                ck_assert_int_eq(nn_predict(m, v, 1, one), NN_OK);
                for (int j = 0; j < 10; j++)
                    want[i * 10 + j] += one[j] / n;
            }
        ck_assert_int_eq(nn_predict_views(m, x, 2, n, y), NN_OK);
        for (int j = 0; j < 20; j++)
            ck_assert_float_eq_tol(y[j], want[j], 1e-5);
        ck_assert_int_eq(nn_predict(m, x, 1, one), NN_OK);
        for (int j = 0; j < 10; j++)
            differs += fabsf(y[j] - one[j]) > 1e-4f;
    }
    ck_assert_int_gt(differs, 0);
    ck_assert_int_eq(nn_predict_views(m, x, 2, 0, y), NN_EINVAL);
    ck_assert_int_eq(nn_predict_views(m, x, 2, NN_MAX_VIEWS + 1, y),
                     NN_EINVAL);
    ck_assert_int_eq(nn_predict_views(m, x, INT_MAX / NN_MAX_VIEWS + 1, 5, y),
                     NN_ELIMIT);
    /* A model whose input is no image is asked once. */
    ck_assert_int_eq(nn_predict(t, x, 2, want), NN_OK);
    ck_assert_int_eq(nn_predict_views(t, x, 2, 5, y), NN_OK);
    ck_assert_mem_eq(y, want, 2 * 3 * sizeof *y);
    nn_model_free(m);
    nn_model_free(t);
    nn_idx_free(idx);
}
END_TEST

Suite *eval_suite(void)
{
    Suite *s = suite_create("eval");
    TCase *tc = tcase_create("eval");

    tcase_add_loop_test(tc, test_eval_data, 0, 2);
    tcase_add_test(tc, test_stream_records);
    tcase_add_test(tc, test_input_range);
    tcase_add_test(tc, test_predict_views);
    suite_add_tcase(s, tc);
    return s;
}
