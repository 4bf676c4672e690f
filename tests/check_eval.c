/* check_eval.c - counting a data set in memory (nn_eval_data) agrees with
 * counting record by record, and refuses records it cannot count. */
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

Suite *eval_suite(void)
{
    Suite *s = suite_create("eval");
    TCase *tc = tcase_create("eval");

    tcase_add_loop_test(tc, test_eval_data, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
