/* check_convert.c - models through ONNX and network2's JSON in memory:
 * round trips bit for bit, every cut-off file refused, what a format cannot
 * hold refused before a byte is written. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"
#include "tests.h"

/* m in format fmt, in memory (caller frees); *len its size. */
static char *export_mem(const nn_model *m, int fmt, size_t *len, int *err)
{
    char *buf = NULL;
    FILE *fp = open_memstream(&buf, len);

    ck_assert_ptr_nonnull(fp);
    *err = nn_model_export(m, fmt, fp, NULL, 0);
    fclose(fp);
    return buf;
}

static int import_mem(nn_model **out, int *fmt, const char *buf, size_t len,
                      char *why, size_t whylen)
{
    FILE *fp = fmemopen((void *)buf, len ? len : 1, "rb");
    int err;

    ck_assert_ptr_nonnull(fp);
    if (len == 0)           /* fmemopen wants a size; read nothing */
        fgetc(fp);
    err = nn_model_import(out, fmt, fp, why, whylen);
    fclose(fp);
    return err;
}

static void assert_same(const nn_model *a, const nn_model *b)
{
    ck_assert_int_eq(nn_model_n_layers(a), nn_model_n_layers(b));
    for (int l = 0; l <= nn_model_n_layers(a); l++)
        ck_assert_int_eq(nn_model_layer_size(a, l), nn_model_layer_size(b, l));
    ck_assert_int_eq(nn_model_hidden_act(a), nn_model_hidden_act(b));
    ck_assert_int_eq(nn_model_output_act(a), nn_model_output_act(b));
    ck_assert_int_eq(nn_model_cost(a), nn_model_cost(b));
    ck_assert_int_eq(a->n_params, b->n_params);
    ck_assert(memcmp(a->params, b->params, a->n_params * sizeof *a->params)
              == 0);
}

/* A model out in fmt and back: the same model, then the same bytes; every
 * shorter prefix of the file is refused (ONNX's too, though protobuf has
 * no end mark: see make_model in lib/model_onnx_read.c). */
static void round_trip(nn_model *m, int fmt)
{
    nn_model *b = NULL, *c = NULL;
    size_t len, len2;
    int err, got = -1;
    char *buf = export_mem(m, fmt, &len, &err), *buf2, why[256];

    ck_assert_int_eq(err, NN_OK);
    ck_assert_int_eq(import_mem(&b, &got, buf, len, why, sizeof why), NN_OK);
    ck_assert_int_eq(got, fmt);
    assert_same(m, b);
    buf2 = export_mem(b, fmt, &len2, &err);
    ck_assert(len2 == len && memcmp(buf, buf2, len) == 0);
    /* A JSON document read without its final newline is whole. */
    for (size_t n = 0; n < len - (buf[len - 1] == '\n'); n++) {
        err = import_mem(&c, NULL, buf, n, why, sizeof why);
        ck_assert_msg(err != NN_OK, "%s: the first %zu of %zu bytes read",
                      nn_format_name(fmt), n, len);
        ck_assert_ptr_null(c);
    }
    free(buf);
    free(buf2);
    nn_model_free(b);
}

START_TEST(test_onnx_round_trip)
{
    static const int acts[][2] = {
        { NN_ACT_RELU, NN_ACT_SOFTMAX }, { NN_ACT_TANH, NN_ACT_SIGMOID },
        { NN_ACT_SIGMOID, NN_ACT_SIGMOID },
    };
    static const char *const names[] = { "no", "maybe", "yes" };
    nn_model *m = tiny_model(acts[_i][0], acts[_i][1],
                             _i == 2 ? NN_COST_QUADRATIC : NN_COST_CE, 11);

    if (_i == 0)
        ck_assert_int_eq(nn_model_set_class_names(m, 3, names), NN_OK);
    round_trip(m, NN_FMT_ONNX);
    nn_model_free(m);
}
END_TEST

/* A CNN on an image that is neither square nor one channel deep (so that
 * a mixed-up order of rows, columns and channels shows): conv same, maxpool,
 * conv valid, dense; its conv layers' kinds and kernels come back too. */
START_TEST(test_onnx_cnn_round_trip)
{
    static const nn_layer_spec net[] = {
        { NN_LAYER_CONV, 3, 3, NN_PAD_SAME }, { NN_LAYER_MAXPOOL, 0, 0, 0 },
        { NN_LAYER_CONV, 2, 3, NN_PAD_VALID },
    };
    int sizes[5] = { 9 * 7 * 2, 0, 0, 0, 4 };
    nn_arch a = { 5, sizes, NN_ACT_TANH, NN_ACT_SOFTMAX, NN_COST_CE,
                  NN_INIT_DEFAULT, net, 9, 7 };
    nn_model *m, *b = NULL;
    char *buf, why[256] = "";
    size_t len;
    int err, fmt;

    ck_assert_int_eq(nn_model_new(&m, &a, 13, why, sizeof why), NN_OK);
    round_trip(m, NN_FMT_ONNX);
    buf = export_mem(m, NN_FMT_ONNX, &len, &err);
    ck_assert_int_eq(import_mem(&b, &fmt, buf, len, why, sizeof why), NN_OK);
    for (int l = 0; l < nn_model_n_layers(m); l++) {
        ck_assert_int_eq(nn_model_layer_type(b, l), nn_model_layer_type(m, l));
        ck_assert_int_eq(nn_model_layer_kernel(b, l),
                         nn_model_layer_kernel(m, l));
        ck_assert_int_eq(b->pad[l], m->pad[l]);
    }
    free(buf);
    nn_model_free(b);
    nn_model_free(m);
}
END_TEST

START_TEST(test_network2_round_trip)
{
    nn_model *m = tiny_model(NN_ACT_SIGMOID, NN_ACT_SIGMOID,
                             _i ? NN_COST_QUADRATIC : NN_COST_CE, 12);

    round_trip(m, NN_FMT_NETWORK2);
    nn_model_free(m);
}
END_TEST

/* network2 cannot hold ReLU, tanh or softmax: NN_EINVAL, nothing written. */
START_TEST(test_network2_refuses)
{
    static const int acts[][2] = {
        { NN_ACT_RELU, NN_ACT_SIGMOID }, { NN_ACT_TANH, NN_ACT_SIGMOID },
        { NN_ACT_SIGMOID, NN_ACT_SOFTMAX },
    };
    nn_model *m = tiny_model(acts[_i][0], acts[_i][1], NN_COST_CE, 1);
    char *buf = NULL, why[256] = "";
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);

    ck_assert_int_eq(nn_model_export(m, NN_FMT_NETWORK2, fp, why, sizeof why),
                     NN_EINVAL);
    fclose(fp);
    ck_assert_uint_eq(len, 0);
    ck_assert_msg(strstr(why, "network2 has sigmoid layers only") != NULL,
                  "%s", why);
    ck_assert_msg(strstr(why, nn_act_name(_i == 2 ? NN_ACT_SOFTMAX
                                          : acts[_i][0])) != NULL, "%s", why);
    free(buf);
    nn_model_free(m);
}
END_TEST

/* network2's documents: what is read, and the place named when not. */
START_TEST(test_network2_read)
{
    static const struct { const char *doc, *why; } cases[] = {
        { "{\"sizes\": [2, 1], \"weights\": [[[0.5, -1]]], "
          "\"biases\": [[[0.25]]], \"cost\": \"QuadraticCost\"}", NULL },
        { "{\"sizes\": [2, 1], \"weights\": [[[0.5]]], "
          "\"biases\": [[[0.25]]], \"cost\": \"QuadraticCost\"}",
          "weights[0][0]: 1 value, expected 2" },
        { "{\"sizes\": [2, 1], \"weights\": [[[0.5, 1]]], "
          "\"biases\": [[0.25]], \"cost\": \"CrossEntropyCost\"}",
          "biases[0][0]: expected a one-element list [b], got a number" },
        { "{\"sizes\": [2, 1], \"weights\": [[[0.5, 1]]], "
          "\"biases\": [[[0.25]]]}", "no \"cost\" field" },
        { "{\"sizes\": [2, 1.5], \"weights\": [], \"biases\": [], "
          "\"cost\": \"QuadraticCost\"}", "sizes[1]: 1.5 is not a layer size" },
        { "{\"sizes\": [2, 1], \"weights\": [[[0.5, null]]], "
          "\"biases\": [[[0.25]]], \"cost\": \"QuadraticCost\"}",
          "weights[0][0][1]" },
    };
    nn_model *m = NULL;
    char why[256] = "";
    int fmt = -1;
    int err = import_mem(&m, &fmt, cases[_i].doc, strlen(cases[_i].doc), why,
                         sizeof why);

    ck_assert_int_eq(fmt, NN_FMT_NETWORK2);
    if (!cases[_i].why) {
        ck_assert_int_eq(err, NN_OK);
        ck_assert_float_eq(nn_model_weights(m, 0)[1], -1.0f);
        ck_assert_float_eq(m->params[m->b_off[0]], 0.25f);
        ck_assert_int_eq(nn_model_cost(m), NN_COST_QUADRATIC);
        ck_assert_int_eq(nn_model_output_act(m), NN_ACT_SIGMOID);
    } else {
        ck_assert_int_ne(err, NN_OK);
        ck_assert_msg(strstr(why, cases[_i].why) != NULL, "got '%s'", why);
    }
    nn_model_free(m);
}
END_TEST

Suite *convert_suite(void)
{
    Suite *s = suite_create("convert");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_onnx_round_trip, 0, 3);
    tcase_add_test(tc, test_onnx_cnn_round_trip);
    tcase_add_loop_test(tc, test_network2_round_trip, 0, 2);
    tcase_add_loop_test(tc, test_network2_refuses, 0, 3);
    tcase_add_loop_test(tc, test_network2_read, 0, 6);
    suite_add_tcase(s, tc);
    return s;
}
