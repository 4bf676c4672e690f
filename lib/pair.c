/* pair.c - the two small networks segment.c asks as it cuts a number into
 * digits: the judge (is a piece of ink one digit or two written touching?)
 * and the reader (how surely is a piece some digit?).
 *
 * Where two digits touch, the ink alone often cannot tell: a "10" is no
 * wider than a wide 0, and the stroke where a 9's tail meets the next 9
 * looks like one of its own.  So a small network learnt it from pictures
 * (make pair-model: examples/photoset --pieces, one MNIST training digit or
 * two written touching, photographed as the stress set's digits are, each
 * read as img2vec reads a digit).  And where digits overlap, the cut that
 * leaves two readable digits is the right one: the reader is a network of
 * the same size that learnt MNIST's first 50,000 training digits (make
 * reader-model).  Their models, lib/pair-model.json and
 * lib/reader-model.json, are built into the library (lib/gen/pair_model.c
 * and reader_model.c hold their text) and read on first use; they are
 * never freed. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "nn_internal.h"

extern const char nn_pair_json[];   /* lib/gen/pair_model.c */
extern const char nn_reader_json[]; /* lib/gen/reader_model.c */

static nn_model *judge, *reader;
static pthread_once_t judge_once = PTHREAD_ONCE_INIT;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;

/* The model whose text is json, or NULL (only out of memory: the text is
 * ours). */
static nn_model *builtin(const char *json)
{
    FILE *fp = fmemopen((void *)json, strlen(json), "r");
    nn_model *m = NULL;
    char why[256];

    if (fp && nn_model_read(&m, fp, why, sizeof why) != NN_OK)
        m = NULL;
    if (fp)
        fclose(fp);
    return m;
}

static void judge_load(void)
{
    judge = builtin(nn_pair_json);
}

static void reader_load(void)
{
    reader = builtin(nn_reader_json);
}

double nn_pair_prob(const float *vec)
{
    float y[2];

    pthread_once(&judge_once, judge_load);
    if (!judge || nn_predict(judge, vec, 1, y) != NN_OK)
        return -1;
    return y[1];
}

double nn_read_prob(const float *vec)
{
    float y[10], best = 0;

    pthread_once(&reader_once, reader_load);
    if (!reader || nn_predict(reader, vec, 1, y) != NN_OK)
        return -1;
    for (int k = 0; k < 10; k++)
        best = y[k] > best ? y[k] : best;
    return best;
}
