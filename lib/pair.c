/* pair.c - whether a piece of ink is one digit or two written touching: the
 * judge segment.c asks before it cuts a piece in two.
 *
 * Where two digits touch, the ink alone often cannot tell: a "10" is no
 * wider than a wide 0, and the stroke where a 9's tail meets the next 9
 * looks like one of its own.  So a small network learnt it from pictures
 * (make pair-model: examples/photoset --pieces, one MNIST training digit or
 * two written touching, photographed as the stress set's digits are, each
 * read as img2vec reads a digit).  Its model, lib/pair-model.json, is built
 * into the library (lib/gen/pair_model.c holds its text) and read on first
 * use; it is never freed. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "nn_internal.h"

extern const char nn_pair_json[];   /* lib/gen/pair_model.c */

static nn_model *judge;
static pthread_once_t judge_once = PTHREAD_ONCE_INIT;

static void judge_load(void)
{
    FILE *fp = fmemopen((void *)nn_pair_json, strlen(nn_pair_json), "r");
    char why[256];

    if (fp && nn_model_read(&judge, fp, why, sizeof why) != NN_OK)
        judge = NULL;       /* only out of memory: the text is ours */
    if (fp)
        fclose(fp);
}

double nn_pair_prob(const float *vec)
{
    float y[2];

    pthread_once(&judge_once, judge_load);
    if (!judge || nn_predict(judge, vec, 1, y) != NN_OK)
        return -1;
    return y[1];
}
