/* tests.h - the Check suites and helpers shared by the unit tests. */
#ifndef TESTS_H
#define TESTS_H

#include <check.h>
#include "nn.h"

Suite *model_suite(void);
Suite *train_suite(void);
Suite *idx_suite(void);
Suite *vec_suite(void);
Suite *json_suite(void);
Suite *prep_suite(void);
Suite *img_suite(void);
Suite *progress_suite(void);
Suite *eval_suite(void);
Suite *augment_suite(void);
Suite *sparse_suite(void);
Suite *numtext_suite(void);
Suite *segment_suite(void);
Suite *convert_suite(void);
Suite *conv_suite(void);

/* A 5-4-3-3 network with the given activations, cost and seed. */
nn_model *tiny_model(int hidden_act, int output_act, int cost, uint64_t seed);
/* The IDX file tests/data/NAME, read. */
nn_idx *idx_fixture(const char *name);
/* The picture tests/data/NAME, read. */
nn_image *image_fixture(const char *name);
/* The ten MNIST images of tests/data/mnist10-images-idx3-ubyte. */
nn_idx *mnist10_images(void);

#endif
