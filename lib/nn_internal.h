/* nn_internal.h - libnn private declarations (never installed). */
#ifndef NN_INTERNAL_H
#define NN_INTERNAL_H

#include "nn.h"

#define NN_FORMAT_NAME "nn-model"
#define NN_FORMAT_VERSION 3     /* major version of the JSON schema */

/* Before a function of vectorisable loops: compile it for AVX-512 and AVX2
 * too and pick the version at run time.  ISO C mode fuses no FMA, and each
 * lane does what the scalar loop does, so every version gives the same
 * bits. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define NN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NN_CLONES
#endif

/* The vector instructions the kernels use (lib/cpu.c): the best this CPU
 * has, or fewer as nn_set_kernel says. */
enum { NN_CPU_GENERIC, NN_CPU_AVX2, NN_CPU_AVX512 };
int nn_cpu_level(void);
/* Denormal floats count as and become 0 in the calling thread (MXCSR's
 * FTZ and DAZ) from nn_fp_enter until nn_fp_leave(what it returned),
 * which restores the caller's MXCSR.  Every thread that does libnn's
 * arithmetic runs so (the entry points, the pool's workers), so results
 * do not depend on which thread computes them.  Calls nest. */
unsigned nn_fp_enter(void);
void nn_fp_leave(unsigned old);

/* The thread pool (lib/pool.c).  nn_parallel runs fn(arg, c, worker) for
 * c = 0 .. n-1 on up to nn_pool_threads() threads and returns when all are
 * done.  worker is 0 for the calling thread and 1 .. for the pool's, each
 * running one chunk at a time, so per-worker buffers need no lock; it is
 * -1 when another thread of the program holds the pool and this one works
 * alone (then it must not use worker 0's buffers).  A job started inside a
 * chunk runs all its chunks in that thread, as the same worker. */
typedef void nn_job_fn(void *arg, int c, int worker);
void nn_parallel(int n, nn_job_fn *fn, void *arg);
/* Threads the calling thread's work may use: nn_threads(), or fewer while
 * nn_pool_limit(n) (n >= 1) holds for this thread; nn_pool_limit(0) lifts
 * it.  The trainer uses it to time one thread against all. */
int nn_pool_threads(void);
void nn_pool_limit(int n);

/* The initialisation used when the architecture does not name one: He for
 * ReLU, Xavier for tanh, Nielsen's N(0, 1/n_in) for sigmoid (lib/names.c). */
int nn_init_default(int hidden_act);

/* A layer's values as an image h x w x c, channel last; w = h = 0 for a
 * vector of c values. */
typedef struct nn_shape {
    int w, h, c;
} nn_shape;

/* A network.  All weights and biases live in one block `params` (llm.c
 * style), so initialisation, SGD and saving are flat loops.  Layer l
 * (0-based, 0 .. nlayers-1) maps sizes[l] inputs to sizes[l+1] outputs,
 * of shapes shape[l] and shape[l+1], with weights at params + w_off[l]
 * and biases at params + b_off[l]: a dense layer's W_l[o * sizes[l] + i]
 * (out x in, row-major), a conv layer's W_l[o * fan_in + i] with fan_in =
 * kernel^2 * c_in (see nn_model_layer_type), one bias per output channel;
 * a maxpool layer has none. */
struct nn_model {
    int nlayers;                    /* weight layers */
    int sizes[NN_MAX_LAYERS + 1];
    int type[NN_MAX_LAYERS];        /* NN_LAYER_* */
    int kernel[NN_MAX_LAYERS], pad[NN_MAX_LAYERS];  /* conv */
    nn_shape shape[NN_MAX_LAYERS + 1];
    int hidden_act, output_act, cost, init;
    uint64_t seed;                  /* initialisation seed */
    long n_params;
    long w_off[NN_MAX_LAYERS], b_off[NN_MAX_LAYERS];
    float *params;
    char **class_names;             /* n_out strings, or NULL */
    nn_input_desc input;
    nn_train_info train;            /* epochs_run == 0: never trained */
    float temperature;              /* calibration of softmax outputs (see
                                       nn_temper); 1: none */
    struct nn_model *next;          /* an ensemble's next member, or NULL
                                       (nn_model_join) */
};

/* The nonzero values of a rows x cols matrix (lib/sparse.c), by rows and
 * by columns: row r's are row_val[row_ptr[r] .. row_ptr[r+1]-1] in columns
 * row_idx[...], ascending; column c's are col_val[col_ptr[c] ..
 * col_ptr[c+1]-1] in rows col_idx[...], ascending. */
typedef struct nn_sparse {
    int rows, cols;
    int *row_ptr, *row_idx, *col_ptr, *col_idx;
    float *row_val, *col_val;
} nn_sparse;

/* Room for matrices of up to rows x cols; NN_ENOMEM (s then empty). */
int nn_sparse_alloc(nn_sparse *s, int rows, int cols);
void nn_sparse_free(nn_sparse *s);
/* Take the nonzero values of x (rows x s->cols, rows at most those given
 * to nn_sparse_alloc).
 * Returns 1, or 0 (s unusable) when more than max_density of the values
 * are nonzero and a dense product would be faster. */
int nn_sparse_set(nn_sparse *s, const float *x, int rows, double max_density);
/* nn_sparse_set by rows only (the by-columns arrays unset), at any
 * density: for the product X * Bm alone. */
void nn_sparse_rows(nn_sparse *s, const float *x, int rows);
/* C[i][0..n-1] = init[0..n-1] (zeros if init is NULL) + the sum over the
 * entries e of row i of val[e] * Bm[idx[e]][0..n-1], for i < rows: row i's
 * entries are ptr[i] .. ptr[i+1]-1.  C is rows x n, Bm has n columns.
 * With the by-rows arrays this is X * Bm; with the by-columns ones, X^T *
 * Bm. */
void nn_spmm(float *C, int rows, int n, const int *ptr, const int *idx,
             const float *val, const float *Bm, const float *init);
/* The same C = init + X * Bm (X rows x k), from X by columns (ptr, idx,
 * val: column c's entries are ptr[c] .. ptr[c+1]-1, their rows idx in
 * ascending order): nn_spmm's bits over X by rows, faster when many rows
 * share each column.  NN_EINVAL if n is below 8 (a vector), or
 * NN_ENOMEM (C then partly written): then use nn_spmm. */
int nn_spmm_by_cols(float *C, int rows, int n, int k, const int *ptr,
                    const int *idx, const float *val, const float *Bm,
                    const float *init);

/* An operand of nn_sgemm_m (lib/gemm.c): a row-major matrix p with row
 * stride ld (trans: its transpose), or, when row is set, a matrix whose
 * rows are computed: row(ctx, i0 + i, m, j0 + j, n, dst) writes columns j
 * .. j+n-1 of its rows i .. i+m-1 to dst, n floats a row (the patches of
 * a convolution's images, never held whole).  A matrix given by rows is
 * not transposed. */
typedef void nn_row_fn(const void *ctx, long i, int m, int j, int n,
                       float *dst);
typedef struct nn_matrix {
    const float *p;
    int ld, trans;
    nn_row_fn *row;
    const void *ctx;
    long i0, j0;
} nn_matrix;
/* C[M x N] = alpha * A[M x K] * B[K x N] + beta * C, as nn_sgemm, whose
 * bits it gives for stored operands.  Each element of C is summed over k
 * in blocks of NN_GEMM_KC: within a block a chain of steps from 0 in
 * ascending k, each step as nn_axpy_rows takes it; then C = beta * C + alpha *
 * the block's sum for the first block, C = C + alpha * the sum after. */
enum { NN_GEMM_KC = 256 };
void nn_sgemm_m(int M, int N, int K, float alpha, const nn_matrix *A,
                const nn_matrix *B, float beta, float *C, int ldc);
/* Y[idx[e]][0..n) += val[e] * x[0..n) for e < ne (Y's rows ldy apart),
 * each element one step of nn_sgemm's sums with the kernel it uses (one
 * FMA with the AVX2 and AVX-512 kernels): so a sum of the nonzero terms
 * alone, in the same order, has the product's bits. */
void nn_axpy_rows(float *Y, long ldy, const int *idx, const float *val,
                  int ne, const float *x, int n);

/* Layer kernels (lib/layers.c).  B is the batch size; matrices row-major.
 * Forward: out[B x n_out] = act(in[B x n_in] * W^T + b). */
void nn_dense_forward(float *out, const float *in, const float *W,
                      const float *b, int B, int n_in, int n_out, int act);
/* Output-layer error signal delta[B x k] = dC/dz for outputs y[B x k],
 * labels[B], divided by B (mean over the batch). */
void nn_output_delta(float *delta, const float *y, const int *labels, int B,
                     int k, int output_act, int cost);
/* Given delta[B x n_out] of a layer whose input was in[B x n_in]:
 * dW[n_out x n_in] = delta^T * in, db[n_out] = column sums of delta, and,
 * if din is not NULL, din[B x n_in] = delta * W (dC/d(in)). */
void nn_dense_backward(float *din, float *dW, float *db, const float *delta,
                       const float *in, const float *W, int B, int n_in,
                       int n_out);
/* The pieces of a layer's pass: y = act(y) in place for n values (softmax
 * over each row of k); each of the B rows of out (n_out wide) = b;
 * db[n_out] = column sums of delta[B x n_out]. */
void nn_activate(float *y, long n, int k, int act);
/* Temperature scaling of n/k softmax rows of y in place: softmax(z / T),
 * computed from y = softmax(z) as y^(1/T) renormalised. */
void nn_temper(float *y, long n, int k, float T);
void nn_bias_rows(float *out, const float *b, int B, int n_out);
void nn_column_sums(float *db, const float *delta, int B, int n_out);
/* din[i] *= act'(z_i) for n values, from the activation's outputs a. */
void nn_times_slope(float *din, const float *a, long n, int act);
/* No activation: a layer that only moves values (max-pooling). */
#define NN_ACT_IDENTITY (-1)

/* A convolution's geometry (lib/conv.c): input h x w x cin, output ho x
 * wo x cout, kernel k x k, pad rows and columns of zeros on each side
 * ((k - 1) / 2 for same padding, 0 for valid). */
typedef struct nn_conv {
    int h, w, cin, k, pad, ho, wo, cout;
} nn_conv;
/* Layer l of m as a convolution. */
void nn_model_conv(const nn_model *m, int l, nn_conv *g);
/* How many records' patch gradients the input gradient's product takes
 * at a time (at most B): dcol buffers hold nn_conv_dcol_floats(g, B)
 * floats.  col buffers, nn_conv_col_floats(g, B) (0 but for one input
 * channel), are the direct kernels' work space. */
int nn_conv_chunk(const nn_conv *g, int B);
long nn_conv_col_floats(const nn_conv *g, int B);
long nn_conv_dcol_floats(const nn_conv *g, int B);
/* The patch matrix col[B*ho*wo x k*k*cin]: row (b, y, x) holds the input
 * patch under the kernel at output (y, x) of record b, (ky, kx, ci) in
 * order, zeros outside the image.  col2im adds each patch gradient back
 * to its input: din[B x h*w*cin] = the sum (din zeroed first). */
void nn_col2im(float *din, const float *dcol, const nn_conv *g, int B);
/* out[B x ho*wo*cout] = act(conv(in[B x h*w*cin], W[cout x k*k*cin]) + b):
 * a product through nn_sgemm_m that reads the patches from in, or for
 * one input channel direct loops; col a buffer of nn_conv_col_floats. */
void nn_conv_forward(float *out, const float *in, const float *W,
                     const float *b, int B, const nn_conv *g, int act,
                     float *col);
/* From delta[B x ho*wo*cout] = dC/dz: dW[cout x k*k*cin], db[cout], and
 * din[B x h*w*cin] unless din is NULL; a col buffer of
 * nn_conv_col_floats, a dcol one of nn_conv_dcol_floats, and sp room for
 * nn_conv_chunk(g, B) * ho * wo x cout values (or NULL: the dense
 * products only; the same bits either way). */
void nn_conv_backward(float *din, float *dW, float *db, const float *delta,
                      const float *in, const float *W, int B,
                      const nn_conv *g, float *col, float *dcol,
                      nn_sparse *sp);
/* The largest share of nonzero values in a chunk's delta for which
 * nn_conv_backward sums those alone. */
#define NN_CONV_SPARSE 0.25
/* The same as plain loops, the reference the tests hold them to (forward
 * without activation). */
void nn_conv_forward_ref(float *out, const float *in, const float *W,
                         const float *b, int B, const nn_conv *g);
void nn_conv_backward_ref(float *din, float *dW, float *db,
                          const float *delta, const float *in,
                          const float *W, int B, const nn_conv *g);

/* 2x2 max-pooling, stride 2 (lib/maxpool.c): in[B x h*w*c] to out[B x
 * (h/2)*(w/2)*c]; arg (unless NULL) gets, for each output, the index in
 * its record of the input taken: the first of the block (row by row) on a
 * tie.  backward: din[B x h*w*c] = delta[B x n_out] at those places, zero
 * elsewhere. */
void nn_maxpool_forward(float *out, int *arg, const float *in, int B,
                        int h, int w, int c);
void nn_maxpool_backward(float *din, const float *delta, const int *arg,
                         int B, int n_in, int n_out);

/* Forward pass of B records through m's layers from .. nlayers-1, x being
 * layer from's input; acts[l] (B x sizes[l+1] floats) get each layer's
 * outputs; the last is the prediction.  Dense layers through dense
 * products.  work holds nn_forward_work(m, B) floats (NULL if 0). */
long nn_forward_work(const nn_model *m, int B);
void nn_forward(const nn_model *m, int from, const float *x, int B,
                float **acts, float *work);

/* A weight layer as training runs it.  Each type gives forward and
 * backward passes over a batch of B records and keeps its weights W in
 * the layout its products want, saying where unit o's weight from input i
 * is: W[o * unit_step + i * in_step] for units o < units and inputs i <
 * fan_in (a dense layer: units n_out, fan_in n_in; a convolution: one
 * unit per output channel over its kernel's k*k*cin values; max-pooling:
 * none).  So the optimizer, max-norm and the gradient block are the same
 * flat loops for every type, and nn_pass_load and nn_pass_store copy
 * weights from and to the model's layout. */
typedef struct nn_tlayer nn_tlayer;
struct nn_tlayer {
    /* out[B x n_out] = act(in[B x n_in] * W^T + b) */
    void (*forward)(nn_tlayer *t, float *out, const float *in, int B);
    /* From delta[B x n_out] (dC/dz) and the input in: dW (laid out as W),
     * db[n_out], and din[B x n_in] = dC/d(in) unless din is NULL. */
    void (*backward)(nn_tlayer *t, float *din, float *dW, float *db,
                     const float *delta, const float *in, int B);
    void (*free)(nn_tlayer *t);     /* may be NULL */
    int n_in, n_out, act;
    float *W, *b;
    int units, fan_in;
    long unit_step, in_step;
    nn_sparse *sparse;          /* first layer: the batch's nonzero inputs */
    int sparse_batch;           /* the last forward pass went through them */
    nn_conv conv;               /* conv; maxpool: its input h, w, cin */
    float *col, *dcol;          /* conv: the patches of a chunk */
    int *arg;                   /* maxpool: B x n_out places of the maxima */
};
/* The types: a dense layer (lib/layers.c), the first layer as trained
 * (lib/first.c: held transposed, its products over the nonzero inputs), a
 * convolution (lib/conv.c) and max-pooling (lib/maxpool.c, its conv.h,
 * conv.w and conv.cin set to its input's shape).  Each fills in t's
 * functions and layout; n_in, n_out and act are set, and conv for the
 * last two.  Those taking B make room for batches of B records:
 * NN_ENOMEM. */
void nn_dense_layer(nn_tlayer *t);
int nn_first_layer(nn_tlayer *t, int B);
int nn_conv_layer(nn_tlayer *t, int B);
int nn_maxpool_layer(nn_tlayer *t, int B);
/* Prediction's first layer (lib/first.c): out[B x n_out] = act(x[B x
 * n_in] * WT + b) through x's nonzero values, WT being the weights
 * transposed (n_in x n_out) and sp room for B x n_in values (n_in is
 * sp->cols); each record's outputs are the same bits whatever the batch
 * and the threads.  nn_first_sparse: whether prediction takes this path
 * (nn_set_sparse). */
void nn_first_predict(float *out, const float *x, int B, const float *WT,
                      const float *b, int n_out, int act, nn_sparse *sp);
int nn_first_sparse(void);

/* Above this share of nonzero inputs, the dense products are used.  On the
 * first layer's two products over an epoch of batches (first version of
 * nn_spmm), sparse was 2.0-2.8x faster than dense at MNIST's 0.19 nonzero,
 * and 0.89x (784-800, batch 128) to 1.24x (784-100, batch 32) at
 * Fashion-MNIST's 0.50. */
#define NN_SPARSE_DENSITY 0.35

/* The network as training runs it (lib/backprop.c): its layers, their
 * weights and biases in a block of its own (params, at the model's
 * offsets, each layer's weights in its layout), and the buffers of a batch
 * of up to B records: acts[l] and deltas[l] hold B x sizes[l+1] floats
 * for each weight layer l.  For dropout, masks[l] (B x sizes[l] floats, or
 * NULL for none) multiplies the input of layer l: masks[0] the network's
 * input, masks[l] hidden layer l's output, and the masked values go to
 * in[l].  Each mask value is 0 (dropped) or 1/(1-p). */
typedef struct nn_pass {
    int nlayers;
    float *params;
    nn_tlayer layer[NN_MAX_LAYERS];
    float *acts[NN_MAX_LAYERS], *deltas[NN_MAX_LAYERS];
    float *masks[NN_MAX_LAYERS], *in[NN_MAX_LAYERS];
} nn_pass;

/* A pass for m and batches of up to B records, with masks on the input
 * (input_dropout > 0) and on the hidden layers (dropout > 0), and m's
 * weights loaded.  NN_ENOMEM (p then empty). */
int nn_pass_new(nn_pass *p, const nn_model *m, int B, float input_dropout,
                float dropout);
void nn_pass_free(nn_pass *p);
/* m's weights into p, and p's back into m. */
void nn_pass_load(nn_pass *p, const nn_model *m);
void nn_pass_store(const nn_pass *p, nn_model *m);
/* src (a block laid out as p->params) in the model's layout into dst:
 * what nn_pass_store does with p->params. */
void nn_pass_export(const nn_pass *p, const nn_model *m, const float *src,
                    float *dst);

/* Gradient of the mean loss of B records x (B x n_in) with labels, with
 * the weights and masks of p, without the L2 term, into grad (n_params
 * floats, laid out as p->params).  The summed loss and the number of
 * correct answers are added to *loss and *hits. */
void nn_backprop(nn_pass *p, const nn_model *m, const float *x,
                 const int *labels, int B, float *grad, double *loss,
                 long *hits);

/* Numbers as text (lib/numtext.c).  nn_scan_float reads the whole token
 * s[0..e) as strtof does in the C locale: NN_NUM_OK and *out, or
 * NN_NUM_BAD (not a number), NN_NUM_NONFINITE ("inf", "nan"),
 * NN_NUM_RANGE (beyond the float range). */
enum { NN_NUM_OK, NN_NUM_BAD, NN_NUM_NONFINITE, NN_NUM_RANGE };
int nn_scan_float(const char *s, const char *e, float *out);
/* The JSON number at s (before end) as strtod reads it, and its end in
 * *next: 0, or -1 if s does not start with one in JSON's grammar. */
int nn_scan_json(const char *s, const char *end, double *out,
                 const char **next);
/* The run of numbers at s (before end) each followed by ',', as far as
 * they are in the short form a model file writes, as floats (each the
 * float of what nn_scan_json reads) into out[0..n): how many, and in
 * *stop the byte after the last comma taken (s when none).  Whatever
 * stops it is left for nn_scan_json. */
long nn_scan_json_floats(const char *s, const char *end, float *out, long n,
                         const char **stop);
/* strtod on the start of s[0..n), with '.' for the locale's decimal
 * point, as cJSON reads a number: NN_NUM_OK, *out and the bytes it took,
 * or NN_NUM_BAD if it took none. */
int nn_scan_prefix(const char *s, size_t n, double *out, size_t *took);
/* The shortest of %.6g .. %.9g that strtof reads back as f, and with
 * via_double strtod-then-float too (the way JSON readers through doubles
 * read it: 1 float in 10^9 or so, such as 7.0385307e-26, needs a digit
 * more); %.15g .. %.17g and strtod for a double.  '.' is the decimal point
 * whatever the locale.  Into s (NN_NUM_CHARS bytes); returns the length.
 * f and d must be finite. */
#define NN_NUM_CHARS 32
int nn_format_float(char *s, float f, int via_double);
int nn_format_double(char *s, double d);

/* JSON documents in memory (lib/json.c).  nn_json_parse reads the
 * document s[0..len) (valid UTF-8, checked by the caller with
 * nn_utf8_bad) into a tree, accepting what cJSON 1.7 accepts; NN_EFORMAT
 * with why "not valid JSON: syntax error at line 3, column 17", "...:
 * unexpected end of input at ... (truncated file?)" or "...: unexpected
 * text after the end of the document at ...", or NN_ENOMEM.  An array of
 * numbers that are all finite as floats is one NN_JSON_FLOATS node. */
enum { NN_JSON_NULL, NN_JSON_FALSE, NN_JSON_TRUE, NN_JSON_NUMBER,
       NN_JSON_STRING, NN_JSON_ARRAY, NN_JSON_OBJECT, NN_JSON_FLOATS };
typedef struct nn_json nn_json;
struct nn_json {
    int type;
    const char *key;        /* a member's name, else NULL */
    nn_json *next;          /* the next member or element */
    nn_json *child;         /* ARRAY, OBJECT: the first element or member */
    long n;                 /* ARRAY, OBJECT, FLOATS: how many */
    double num;             /* NUMBER: strtod's value */
    const char *str;        /* STRING: NUL-terminated; \u0000 ends it */
    const float *v;         /* FLOATS: the n numbers as floats */
    long off;               /* FLOATS: v's place while parsing */
};
typedef struct nn_json_doc nn_json_doc;
int nn_json_parse(nn_json_doc **out, const char *s, size_t len, char *why,
                  size_t whylen);
nn_json *nn_json_root(const nn_json_doc *d);
void nn_json_free(nn_json_doc *d);
/* Line and column (1-based) of byte off in s. */
void nn_json_position(const char *s, size_t off, long *line, long *col);
/* Offset of the first byte of s that is not well-formed UTF-8 (RFC 3629:
 * no overlong forms, surrogates or code points above U+10FFFF), or len.  A
 * sequence cut off by the end passes: that is a truncated file, which the
 * parser reports. */
size_t nn_utf8_bad(const char *s, size_t len);

/* Doubles from here up round to infinity as floats (2^128 - 2^103). */
#define NN_FLOAT_LIMIT 0x1.ffffffp127
/* Integers above 2^53 lose bits in a double. */
#define NN_JSON_MAX_EXACT 9007199254740992.0

/* The members of a parsed document, checked (lib/json_get.c).  where is
 * the path of obj ("" at the top, "training.options"); why names the
 * member: "training.options.rate: expected a number, got a string".  A
 * member given twice is an error; an absent one leaves *out as it was, or
 * is an error when required.  Each returns NN_OK or NN_E* (mostly
 * NN_EFORMAT; NN_ESHAPE for an array of the wrong length). */
typedef struct nn_jget {
    char *why;
    size_t whylen;
} nn_jget;
/* "where.key", or "key" at the top, into p (n bytes). */
const char *nn_json_join(char *p, size_t n, const char *where,
                         const char *key);
/* s for a message, in dst (NN_JSON_CLIP bytes): at most 40 bytes of it,
 * control characters as '?'.  What v is: "null", "a number", "an array"... */
#define NN_JSON_CLIP 48
const char *nn_json_clip(char *dst, const char *s);
const char *nn_json_kind(const nn_json *v);
int nn_json_is_array(const nn_json *v);
int nn_json_member(nn_jget *r, const nn_json *obj, const char *where,
                   const char *key, int required, const nn_json **out);
/* nn_json_member, and the member's path in path (NN_JSON_PATH bytes). */
#define NN_JSON_PATH 96
int nn_json_lookup(nn_jget *r, const nn_json *obj, const char *where,
                   const char *key, int required, const nn_json **out,
                   char *path);
/* An integer in lo..hi; a count (0 .. INT_MAX) into an int; an unsigned
 * 64-bit integer (a number up to 2^53, or a decimal string). */
int nn_json_int(nn_jget *r, const nn_json *obj, const char *where,
                const char *key, int required, double lo, double hi,
                long *out);
int nn_json_count(nn_jget *r, const nn_json *obj, const char *where,
                  const char *key, int *out);
int nn_json_u64(nn_jget *r, const nn_json *obj, const char *where,
                const char *key, uint64_t *out);
/* v (named path, or path[idx] for idx >= 0) as a finite float; a float
 * member; a double member in lo..hi. */
int nn_json_to_float(nn_jget *r, const nn_json *v, const char *path,
                     long idx, float *out);
int nn_json_float(nn_jget *r, const nn_json *obj, const char *where,
                  const char *key, float *out);
int nn_json_double(nn_jget *r, const nn_json *obj, const char *where,
                   const char *key, double lo, double hi, double *out);
/* A string, an object, a required array of exactly n elements. */
int nn_json_str(nn_jget *r, const nn_json *obj, const char *where,
                const char *key, int required, const char **out);
int nn_json_object(nn_jget *r, const nn_json *obj, const char *where,
                   const char *key, int required, const nn_json **out);
int nn_json_array(nn_jget *r, const nn_json *obj, const char *where,
                  const char *key, long n, const nn_json **out);
/* The n elements of array a (named path) as finite floats into dst. */
int nn_json_floats(nn_jget *r, const nn_json *a, const char *path,
                   float *dst);
/* A string member that parse (-1 for unknown names) turns into a code. */
int nn_json_name(nn_jget *r, const nn_json *obj, const char *where,
                 const char *key, int (*parse)(const char *), int *out);

/* A JSON document laid out in a buffer (lib/json.c): members one a line,
 * indented two spaces a level; a flat array on one line, ", " between its
 * items.  Keys are written as given (identifiers), strings escaped as
 * cJSON escapes them.  err: NN_ENOMEM (or NN_EINVAL for a misnesting), and
 * nothing more is written.  Zero-initialise; free(p) afterwards. */
#define NN_JW_DEPTH 16
typedef struct nn_jw {
    char *p;
    size_t len, cap;
    int err, depth;
    int flat[NN_JW_DEPTH], items[NN_JW_DEPTH], object[NN_JW_DEPTH];
} nn_jw;
/* An object or array as member key of an object (in an array, or at the
 * top, the key is ignored); closing the top one ends the document with a
 * newline. */
void nn_jw_open(nn_jw *w, const char *key, int object, int flat);
void nn_jw_close(nn_jw *w);
/* A value given as its text (a number), or as a string to escape. */
void nn_jw_raw(nn_jw *w, const char *key, const char *text);
void nn_jw_str(nn_jw *w, const char *key, const char *s);
/* v[0..n-1] as "[a,b,...]" (nn_format_float, read back through doubles
 * too); -1, or the index of the first value that is not finite (then
 * nothing is written). */
long nn_jw_floats(nn_jw *w, const char *key, const float *v, long n);

/* malloc(n), a large block advised to the kernel's 2 MiB pages (fewer
 * page faults); freed with free(). */
void *nn_alloc_big(size_t n);
/* Read all of fp into *out (NUL-terminated, caller frees) and *outlen,
 * a regular file at its size in one go.  NN_ELIMIT, why "WHAT larger than N MiB (the
 * limit)", beyond limit bytes; NN_EIO, NN_ENOMEM. */
int nn_read_all(FILE *fp, size_t limit, const char *what, char **out,
                size_t *outlen, char *why, size_t whylen);
/* p[0..n) to fp, flushed: NN_OK, or NN_EIO with why "write error:
 * <strerror>" (errno kept). */
int nn_write_all(FILE *fp, const void *p, size_t n, char *why,
                 size_t whylen);
/* Writes a whole file to fp: NN_OK, or NN_EIO with errno set, or NN_E*
 * with why filled. */
typedef int (*nn_write_fn)(FILE *fp, const void *arg, char *why,
                           size_t whylen);
/* Replace the file at path atomically with what write(fp, arg) writes: a
 * temporary file in the same directory, flushed, synced and renamed over
 * path; nothing is left behind on failure.  A device or FIFO is written
 * directly.  why names the file and the step that failed. */
int nn_replace_file(const char *path, nn_write_fn write, const void *arg,
                    char *why, size_t whylen);

/* The other model formats, for lib/model_convert.c.  Readers: the model
 * network2's document root describes (lib/model_nielsen.c), the model of
 * the ONNX file buf[0..len) (lib/model_onnx_read.c); why names the place.
 * Writers, as nn_write_fn (arg the nn_model): NN_EINVAL with the reason
 * when the format cannot express the model, before anything is written. */
int nn_network2_read(nn_model **out, const nn_json *root, char *why,
                     size_t whylen);
int nn_network2_write(FILE *fp, const void *m, char *why, size_t whylen);
int nn_onnx_read(nn_model **out, const uint8_t *buf, size_t len, char *why,
                 size_t whylen);
int nn_onnx_write(FILE *fp, const void *m, char *why, size_t whylen);

/* What kind of file starts with b[0..n) (lib/sniff.c): NN_KIND_UNKNOWN for
 * unrecognised binary data, else the kind; nn_kind_name gives its name
 * ("JPEG", "IDX", "binary vector stream", "text"; NULL for unknown). */
enum {
    NN_KIND_UNKNOWN,
    /* images the decoders read */
    NN_KIND_JPEG, NN_KIND_PNG, NN_KIND_PBM, NN_KIND_PGM, NN_KIND_PPM,
    NN_KIND_TIFF,
    /* images and documents they do not */
    NN_KIND_PAM, NN_KIND_BIGTIFF, NN_KIND_GIF, NN_KIND_BMP, NN_KIND_WEBP,
    NN_KIND_HEIC, NN_KIND_AVIF, NN_KIND_VIDEO, NN_KIND_PDF, NN_KIND_JP2,
    NN_KIND_JXL, NN_KIND_PSD, NN_KIND_ICO,
    /* nnpipe's own binary formats */
    NN_KIND_IDX, NN_KIND_NNV,
    /* compressed data and archives */
    NN_KIND_GZIP, NN_KIND_ZIP, NN_KIND_BZIP2, NN_KIND_XZ, NN_KIND_ZSTD,
    NN_KIND_7Z,
    /* text (the first 512 bytes hold no control characters) */
    NN_KIND_HTML, NN_KIND_SVG, NN_KIND_TEXT
};
int nn_file_kind(const uint8_t *b, size_t n);
const char *nn_kind_name(int kind);
/* 3 if b[0..n) starts with a UTF-8 byte order mark, else 0. */
size_t nn_utf8_bom(const uint8_t *b, size_t n);

/* Image decoding (lib/img.c dispatches to lib/img_*.c, over lib/raster.c).
 * Per-format decoders, called by nn_img_decode with len > 0 and the format
 * recognised; same contract as nn_img_decode, why without a format prefix
 * (the caller adds "JPEG: " etc.); min_side as nn_img_read_scaled. */
int nn_img_decode_jpeg(nn_image **out, const uint8_t *buf, size_t len,
                       long max_pixels, int min_side, char *why,
                       size_t whylen);
int nn_img_decode_png(nn_image **out, const uint8_t *buf, size_t len,
                      long max_pixels, char *why, size_t whylen);
int nn_img_decode_pnm(nn_image **out, const uint8_t *buf, size_t len,
                      long max_pixels, char *why, size_t whylen);
int nn_img_decode_tiff(nn_image **out, const uint8_t *buf, size_t len,
                       long max_pixels, char *why, size_t whylen);

/* Decoded pictures (lib/raster.c).  NN_OK if a width x height picture is
 * acceptable: both >= 1 (NN_EFORMAT
 * otherwise), at most max_pixels pixels (NN_ELIMIT, with the message shown
 * above; max_pixels <= 0: no limit), and in any case at most INT_MAX pixels
 * with width * height * 4 fitting in a size_t (NN_ELIMIT). */
int nn_img_check_size(long width, long height, long max_pixels, char *why,
                      size_t whylen);
/* New picture with an uninitialised gray buffer; NN_ENOMEM. */
int nn_img_alloc(nn_image **out, int width, int height);

/* Rec. 601 luma of 8-bit R, G, B, rounded. */
static inline uint8_t nn_img_luma8(unsigned r, unsigned g, unsigned b)
{
    return (uint8_t)((299u * r + 587u * g + 114u * b + 500u) / 1000u);
}
/* Luma of samples 0..maxval (1..65535), scaled to 0..255, rounded once. */
static inline uint8_t nn_img_luma(unsigned r, unsigned g, unsigned b,
                                  unsigned maxval)
{
    uint64_t y = 299u * (uint64_t)r + 587u * (uint64_t)g +
                 114u * (uint64_t)b;
    uint64_t d = 1000u * (uint64_t)maxval;

    return (uint8_t)((y * 255u + d / 2) / d);
}
/* Sample 0..maxval scaled to 0..255, rounded. */
static inline uint8_t nn_img_scale(unsigned v, unsigned maxval)
{
    return (uint8_t)(((uint32_t)v * 255u + maxval / 2) / maxval);
}

/* Lay gray[i] (luma) with alpha[i] over the implied page colour, in place,
 * for n pixels (the rule above nn_img_decode). */
void nn_img_composite(uint8_t *gray, const uint8_t *alpha, size_t n);

/* Orientation (1-8) from an EXIF/TIFF block tiff[0..len-1] starting at its
 * byte-order mark ("II*\0" or "MM\0*"): tag 0x0112 of IFD0.  1 when absent,
 * out of range or unreadable; every offset is bounds-checked
 * (lib/img_tiff.c: EXIF is a TIFF structure). */
int nn_img_exif_orientation(const uint8_t *tiff, size_t len);
/* Turn img (stored as orientation o, 1-8) upright: rotate and flip the
 * buffer, swap width and height for 5-8, set img->orientation.  NN_ENOMEM
 * (img unchanged) or NN_OK. */
int nn_img_orient(nn_image *img, int o);

/* Allocate m's params block and offsets for its sizes (params zeroed). */
int nn_model_alloc_params(nn_model *m);
/* The values of an nn_data (lib/data.c): exactly one of px (pixel codes,
 * the value of code k being nn_pixel(k)) and x (floats) is in use once a
 * record is added; room for cap records. */
struct nn_data_store {
    unsigned char *px;
    float *x;
    int cap;
};

/* Pixel codes (lib/pixel.c): nn_pixels[k] is nn_pixel(k), k = 0..255;
 * nn_pixel_code(v) is k if v is nn_pixel(k) bit for bit, else -1 (-0.0f,
 * NaN and values between pixels included): the test for the u8 format and
 * for byte storage in nn_data; out[i] = nn_pixel(p[i]) for n codes. */
extern const float nn_pixels[256];
int nn_pixel_code(float v);
void nn_pixels_to_floats(float *restrict out, const unsigned char *restrict p,
                         size_t n);
/* The stream a vector reader reads (lib/vec.c). */
FILE *nn_vec_file(const nn_vec_reader *r);
/* nn_vec_read, but a record of a u8 stream comes as its dim pixel codes in
 * *codes (*x NULL), without turning them into floats; else *x as
 * nn_vec_read gives it and *codes NULL. */
int nn_vec_next(nn_vec_reader *r, const float **x,
                const unsigned char **codes, int *label, char *why,
                size_t whylen);
/* nn_model_new without the initial weights (params left unset), for a
 * reader that fills them. */
int nn_model_blank(nn_model **out, const nn_arch *a, uint64_t seed,
                   char *why, size_t whylen);

/* Formats "fmt" into why (if non-NULL) and returns err. */
int nn_why(char *why, size_t whylen, int err, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* The map for nn_warp of view v (0 to NN_MAX_VIEWS - 1) of
 * nn_predict_views (lib/augment.c). */
void nn_view_map(int v, float A[6]);

/* Preprocessing's steps that segment.c shares (lib/prep.c). */
typedef struct nn_ink {
    int w, h;               /* the working resolution */
    nn_box from;            /* the part of the picture it was made from
                               (all of it, or the part around small ink:
                               see prep.c), in the picture's pixels */
    float *p;               /* ink, in [0,1], high where there is ink */
    unsigned char *mask;    /* 1 where p is above the ink threshold */
    unsigned char *digit;   /* 1 where the mask's parts that step 5 kept
                               are (segment.c edits the mask: finds its
                               own parts) */
} nn_ink;
/* A connected part of the mask: pixel count, box, and how many of its
 * pixels lie on the picture's edge (0: it does not touch it). */
typedef struct nn_part { long area; int x0, y0, x1, y1; long border; } nn_part;
/* Steps 1-4 (see prep.c): *ink for nn_ink_free, even on failure.  grow:
 * a picture smaller than the working resolution is enlarged to it. */
int nn_prep_ink(const uint8_t *gray, int w, int h, const nn_prep_opts *o,
                int grow, nn_ink *ink, char *why, size_t whylen);
void nn_ink_free(nn_ink *ink);
/* The k-th smallest of v[0..n-1] (0-based), the value a sort would put at
 * v[k]; v is reordered (select.c). */
float nn_select_kth(float *v, long n, long k);
/* The q-quantile (0..1) of v[0..n-1]: nn_select_kth at rank q (n - 1). */
float nn_select_quantile(float *v, long n, double q);
int nn_prep_parts(const unsigned char *mask, int w, int h, int **label,
                  nn_part **parts);
/* The boxes digits are written in (lib/frame.c), among parts c (n, with
 * their labels, w wide), cleared from mask m: 1 if any, 0 if none, -1
 * when out of memory. */
int nn_prep_frames(unsigned char *m, int w, const int *label,
                   const nn_part *c, int n);
/* The lines of ruled or squared paper (lib/frame.c), cleared from ink's
 * mask but where a stroke crosses them: 1 if the paper is ruled, 0 if not,
 * -1 when out of memory. */
int nn_prep_ruled(nn_ink *ink);
/* The pixels of one digit (sel: w x h, 1 = the digit's, all inside the
 * box in) to out[28*28]; NN_EINVAL if sel is empty, NN_ENOMEM. */
int nn_prep_place(const nn_ink *ink, const unsigned char *sel, nn_box in,
                  float *out);

/* The probability that vec (28x28, as nn_prep_place makes it) holds two
 * digits written touching rather than one (lib/pair.c); -1 when the judge
 * cannot be loaded (out of memory). */
double nn_pair_prob(const float *vec);
/* The reader's (lib/pair.c) highest probability of one of the ten digits
 * for vec: how surely it is some digit; -1 as above. */
double nn_read_prob(const float *vec);

#endif
