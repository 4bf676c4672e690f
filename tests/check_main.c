/* check_main.c - runs every unit-test suite; exit status 1 if any failed. */
#include <stdio.h>
#include <stdlib.h>

#include "tests.h"

nn_model *tiny_model(int hidden_act, int output_act, int cost, uint64_t seed)
{
    static const int sizes[] = { 5, 4, 3, 3 };
    nn_arch a = { 4, sizes, hidden_act, output_act, cost, NN_INIT_DEFAULT,
                  NULL, 0, 0 };
    nn_model *m = NULL;

    ck_assert_int_eq(nn_model_new(&m, &a, seed, NULL, 0), NN_OK);
    return m;
}

/* tests/data/NAME, open for reading. */
static FILE *fixture(const char *name)
{
    char path[256];
    FILE *fp;

    snprintf(path, sizeof path, "tests/data/%s", name);
    fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "%s: cannot open", path);
    return fp;
}

nn_idx *idx_fixture(const char *name)
{
    FILE *fp = fixture(name);
    nn_idx *idx = NULL;

    ck_assert_int_eq(nn_idx_read(&idx, fp, NULL, 0), NN_OK);
    fclose(fp);
    return idx;
}

nn_image *image_fixture(const char *name)
{
    FILE *fp = fixture(name);
    nn_image *img = NULL;

    ck_assert_int_eq(nn_img_read(&img, fp, NN_IMG_MAX_PIXELS, NULL, 0),
                     NN_OK);
    fclose(fp);
    return img;
}

nn_idx *mnist10_images(void)
{
    return idx_fixture("mnist10-images-idx3-ubyte");
}

int main(void)
{
    SRunner *sr = srunner_create(model_suite());
    int failed;

    srunner_add_suite(sr, train_suite());
    srunner_add_suite(sr, idx_suite());
    srunner_add_suite(sr, vec_suite());
    srunner_add_suite(sr, json_suite());
    srunner_add_suite(sr, prep_suite());
    srunner_add_suite(sr, segment_suite());
    srunner_add_suite(sr, img_suite());
    srunner_add_suite(sr, progress_suite());
    srunner_add_suite(sr, eval_suite());
    srunner_add_suite(sr, augment_suite());
    srunner_add_suite(sr, sparse_suite());
    srunner_add_suite(sr, numtext_suite());
    srunner_add_suite(sr, convert_suite());
    srunner_add_suite(sr, conv_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
