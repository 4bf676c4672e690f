/* first.c - the first layer as training runs it: a dense layer over the
 * network's input that skips the input's zeros.
 *
 * Four fifths of an MNIST image's pixels are 0, and a zero input adds
 * nothing to the first layer's outputs or to its weight gradient, which
 * together are nearly all of an epoch's arithmetic.  So the layer holds its
 * weights transposed (in x out: each input's weights are one contiguous
 * row), and a batch with few enough nonzero inputs goes through nn_spmm
 * (lib/sparse.c): each nonzero input adds its row to the output, and each
 * row of the weight gradient sums only the records where that input is
 * nonzero.  A denser batch takes the dense products over the same layout.
 * The result is the dense products' up to the order of the sums.  Nothing
 * lies below the first layer, so it gives no input gradient. */
#include <stdlib.h>

#include "nn_internal.h"

static int sparse_on = 1;       /* nn_set_sparse */

void nn_set_sparse(int on)
{
    sparse_on = on != 0;
}

/* out[B x n_out] = act(in[B x n_in] * WT + b), WT n_in x n_out. */
static void first_forward(nn_tlayer *t, float *out, const float *in, int B)
{
    const nn_sparse *sp = t->sparse;

    t->sparse_batch = sp && nn_sparse_set(t->sparse, in, B,
                                          NN_SPARSE_DENSITY);
    if (t->sparse_batch) {
        /* By the columns when it can: the same bits, faster. */
        if (nn_spmm_by_cols(out, B, t->n_out, t->n_in, sp->col_ptr,
                            sp->col_idx, sp->col_val, t->W, t->b) != NN_OK)
            nn_spmm(out, B, t->n_out, sp->row_ptr, sp->row_idx, sp->row_val,
                    t->W, t->b);
    } else {
        nn_bias_rows(out, t->b, B, t->n_out);
        nn_sgemm(0, 0, B, t->n_out, t->n_in, 1.0f, in, t->n_in, t->W,
                 t->n_out, 1.0f, out, t->n_out);
    }
    nn_activate(out, (long)B * t->n_out, t->n_out, t->act);
}

/* dWT[n_in x n_out] = in^T[n_in x B] * delta[B x n_out], db = column sums
 * of delta; through the nonzero inputs if the forward pass took them. */
static void first_backward(nn_tlayer *t, float *din, float *dWT, float *db,
                           const float *delta, const float *in, int B)
{
    const nn_sparse *sp = t->sparse;

    (void)din;
    if (t->sparse_batch)
        nn_spmm(dWT, t->n_in, t->n_out, sp->col_ptr, sp->col_idx,
                sp->col_val, delta, NULL);
    else
        nn_sgemm(1, 0, t->n_in, t->n_out, B, 1.0f, in, t->n_in, delta,
                 t->n_out, 0.0f, dWT, t->n_out);
    nn_column_sums(db, delta, B, t->n_out);
}

int nn_first_sparse(void)
{
    return sparse_on;
}

/* Prediction sums every record's nonzero inputs, whatever their share:
 * a record's answer must not depend on the batch it came in. */
void nn_first_predict(float *out, const float *x, int B, const float *WT,
                      const float *b, int n_out, int act, nn_sparse *sp)
{
    nn_sparse_rows(sp, x, B);
    nn_spmm(out, B, n_out, sp->row_ptr, sp->row_idx, sp->row_val, WT, b);
    nn_activate(out, (long)B * n_out, n_out, act);
}

static void first_free(nn_tlayer *t)
{
    if (t->sparse)
        nn_sparse_free(t->sparse);
    free(t->sparse);
}

int nn_first_layer(nn_tlayer *t, int B)
{
    t->forward = first_forward;
    t->backward = first_backward;
    t->free = first_free;
    t->units = t->n_out;
    t->fan_in = t->n_in;
    t->unit_step = 1;
    t->in_step = t->n_out;
    t->sparse = NULL;
    t->sparse_batch = 0;
    if (!sparse_on)
        return NN_OK;
    if (!(t->sparse = malloc(sizeof *t->sparse)))
        return NN_ENOMEM;
    if (nn_sparse_alloc(t->sparse, B, t->n_in) != NN_OK) {
        free(t->sparse);
        t->sparse = NULL;
        return NN_ENOMEM;
    }
    return NN_OK;
}
