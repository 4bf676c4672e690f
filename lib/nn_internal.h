/* nn_internal.h - libnn private declarations (never installed). */
#ifndef NN_INTERNAL_H
#define NN_INTERNAL_H

#include "nn.h"

#define NN_MAX_LAYERS 16        /* weight layers */
#define NN_FORMAT_NAME "nn-model"
#define NN_FORMAT_VERSION 1     /* major version of the JSON schema */

/* A dense network.  All weights and biases live in one block `params`
 * (llm.c style), so initialisation, SGD and saving are flat loops.  Layer l
 * (0-based, 0 .. nlayers-1) maps sizes[l] inputs to sizes[l+1] outputs with
 * weights W_l[o * sizes[l] + i] (out x in, row-major) at params + w_off[l]
 * and biases at params + b_off[l]. */
struct nn_model {
    int nlayers;                    /* weight layers */
    int sizes[NN_MAX_LAYERS + 1];
    int hidden_act, output_act, cost, init;
    uint64_t seed;                  /* initialisation seed */
    long n_params;
    long w_off[NN_MAX_LAYERS], b_off[NN_MAX_LAYERS];
    float *params;
    char **class_names;             /* n_out strings, or NULL */
    nn_input_desc input;
    nn_train_info train;            /* epochs_run == 0: never trained */
};

/* Allocate m's params block and offsets for its sizes (params zeroed). */
int nn_model_alloc_params(nn_model *m);

/* Formats "fmt" into why (if non-NULL) and returns err. */
int nn_why(char *why, size_t whylen, int err, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
