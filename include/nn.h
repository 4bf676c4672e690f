/* nn.h - libnn: dense neural networks for handwritten digits (nnpipe).
 *
 * Conventions: functions return NN_OK (0) or a negative NN_E* code and put
 * results in out-parameters; nn_strerror() gives the text.  Parsers take an
 * optional `why` buffer (may be NULL) that receives the place and the reason,
 * e.g. "line 12: expected 784 values, got 783".  The caller owns what _new
 * and _read return and frees it with the matching _free (NULL is a no-op).
 * The library never prints, exits, closes a FILE it did not open, keeps
 * global error state or calls rand().
 */
#ifndef NN_H
#define NN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef NN_VERSION
#define NN_VERSION "0.1.0"
#endif

enum {
    NN_OK = 0,
    NN_ENOMEM = -1,     /* out of memory */
    NN_EIO = -2,        /* read or write error */
    NN_EFORMAT = -3,    /* malformed input */
    NN_ESHAPE = -4,     /* sizes disagree (vector length, layer shapes) */
    NN_EINVAL = -5,     /* invalid argument or option */
    NN_ENUMERIC = -6,   /* NaN or Inf during training */
    NN_ELIMIT = -7,     /* input exceeds a documented size limit */
    NN_EINTR = -8       /* stopped on request (callback asked to stop) */
};

/* Text for an NN_E* code; never NULL. */
const char *nn_strerror(int err);

/* Largest number of classes and of values per vector the readers accept,
 * longest text line, and largest IDX file (after decompression). */
#define NN_MAX_CLASSES 65536
/* Largest number of weight layers in a model (so NN_MAX_LAYERS - 1 hidden
 * layers). */
#define NN_MAX_LAYERS 16
#define NN_MAX_DIM (1 << 24)
#define NN_MAX_LINE ((size_t)64 << 20)
/* A tag's name (a record's source) is 1 .. NN_MAX_TAG - 1 bytes. */
#define NN_MAX_TAG 4096
#define NN_IDX_MAX_BYTES 2147483647L

/* ------------------------------------------------------------------------ */
/* Random numbers: splitmix64 seeding + xoroshiro128+ (lib/rng.c).          */

typedef struct nn_rng { uint64_t s[2]; } nn_rng;

void nn_rng_seed(nn_rng *r, uint64_t seed);
uint64_t nn_rng_next(nn_rng *r);
double nn_rng_uniform(nn_rng *r);           /* [0, 1) */
double nn_rng_normal(nn_rng *r);            /* N(0, 1) */
uint32_t nn_rng_below(nn_rng *r, uint32_t n);  /* uniform in [0, n), n > 0 */

/* ------------------------------------------------------------------------ */
/* Data sets in memory: n records of dim values and n labels, -1 for a
 * record without a label.  The values are read through nn_data_row or
 * nn_data_rows, as floats; how they are stored is private to lib/data.c
 * (while every value is a pixel value, bit for bit nn_pixel(k), one byte
 * each: MNIST's training images take 47 MB instead of 188 MB).  n, dim and
 * label may be read directly. */

struct nn_data_store;

typedef struct nn_data {
    int n, dim;
    int *label;
    struct nn_data_store *store;    /* private */
} nn_data;

/* Empty data set of vectors of length dim (dim > 0). */
int nn_data_new(nn_data **out, int dim);
void nn_data_free(nn_data *d);
/* Append one record (dim floats, copied; stored as bytes if all are pixel
 * values and the set has no floats yet).  NN_ENOMEM (d unchanged), NN_ELIMIT
 * beyond INT_MAX records, NN_EINVAL for a label outside -1 .. 65535. */
int nn_data_add(nn_data *d, const float *x, int label);
/* Record i (0 <= i < n) as dim floats: a pointer into d when it holds
 * floats, else buf (dim floats) filled from the codes and returned.  Either
 * way the values are those added, bit for bit; valid until d changes. */
const float *nn_data_row(const nn_data *d, int i, float *buf);
/* Records i .. i+count-1 as count*dim floats, in the same way: a pointer
 * into d, or buf (count*dim floats). */
const float *nn_data_rows(const nn_data *d, int i, int count, float *buf);
/* Smallest and largest of the n values x (0 and 0 for n = 0), and of
 * every value of d's records. */
void nn_range(const float *x, long n, float *lo, float *hi);
void nn_data_range(const nn_data *d, float *lo, float *hi);
/* Number of records with a label (>= 0); largest label, or -1 if none. */
int nn_data_n_labeled(const nn_data *d);
int nn_data_max_label(const nn_data *d);

/* ------------------------------------------------------------------------ */
/* Vector streams (lib/vec.c); the formats are specified in docs/formats.md.
 * Text: one record per line, "LABEL<TAB>v1 v2 ... vN", LABEL an integer or
 * '?'; '#' starts a comment line.  Binary: a 16-byte header, then records of
 * an int32 label and dim values.  Readers detect the format from the first
 * byte and accept concatenated binary streams of the same dim. */

enum { NN_VEC_TEXT = 0, NN_VEC_F32 = 1, NN_VEC_U8 = 2 };

typedef struct nn_vec_reader nn_vec_reader;

/* Reader over fp (borrowed, not closed).  dim_hint is the expected vector
 * length, or 0 to take it from the first record; with a hint, a text line of
 * exactly dim_hint values and no label is accepted as unlabelled. */
int nn_vec_reader_new(nn_vec_reader **out, FILE *fp, int dim_hint);
void nn_vec_reader_free(nn_vec_reader *r);
/* Next record: returns 1 and sets *x (nn_vec_dim() floats, valid until the
 * next call) and *label (-1 if none); 0 at end of input; or NN_E* with the
 * line (text) or record (binary) number in why. */
int nn_vec_read(nn_vec_reader *r, const float **x, int *label,
                char *why, size_t whylen);
/* Vector length: dim_hint (or 0) until known from a binary header or the
 * first record.  Format of the current stream section (NN_VEC_TEXT before
 * the first read and for empty input). */
int nn_vec_dim(const nn_vec_reader *r);
int nn_vec_format(const nn_vec_reader *r);
/* Records returned so far. */
long nn_vec_count(const nn_vec_reader *r);
/* The tag of the record last returned (its source, e.g. the image it came
 * from): the name of the last tag line (text, "# NAME" or "# NAME<TAB>COUNT")
 * or tag block (binary) before it, valid until the next read; NULL if none
 * came before it.  *count (if count is not NULL): the tag's COUNT, -1 if it
 * gives none.  See docs/formats.md, "Tags". */
const char *nn_vec_tag(const nn_vec_reader *r, long *count);
/* fn(name, count, arg) is called for each tag as nn_vec_read reads it, also
 * for a tag that no record follows (an image with no digit: COUNT 0), before
 * the records that follow it are returned.  fn NULL: no calls. */
typedef void (*nn_tag_fn)(const char *name, long count, void *arg);
void nn_vec_on_tag(nn_vec_reader *r, nn_tag_fn fn, void *arg);

/* Whole stream into memory.  dim_hint as for nn_vec_reader_new.  Empty
 * input is an error (NN_EFORMAT, "no records"). */
int nn_data_read(nn_data **out, FILE *fp, int dim_hint,
                 char *why, size_t whylen);

typedef struct nn_vec_writer nn_vec_writer;

/* Writer of records of length dim to fp (borrowed).  format is NN_VEC_TEXT,
 * NN_VEC_F32 or NN_VEC_U8 (values must then be bit-identical to nn_pixel(k)
 * for some k).  Binary headers are written with the first record; no records,
 * no bytes. */
int nn_vec_writer_new(nn_vec_writer **out, FILE *fp, int format, int dim);
void nn_vec_writer_free(nn_vec_writer *w);
/* label -1 writes '?' (text) or -1 (binary).  NN_EINVAL for a value that the
 * format cannot hold (non-finite, or not k/255 for NN_VEC_U8); NN_EIO when
 * fp reports a write error. */
int nn_vec_write(nn_vec_writer *w, const float *x, int label);
/* A tag for the records that follow: name (1 .. NN_MAX_TAG - 1 bytes, no
 * TAB, LF or CR) and count (the records it covers, or -1 to say nothing).
 * NN_EINVAL for a name or count it cannot hold, NN_EIO on a write error. */
int nn_vec_write_tag(nn_vec_writer *w, const char *name, long count);

/* The float nnpipe uses for pixel value k (0..255): (float)k / 255.0f. */
float nn_pixel(int k);

/* ------------------------------------------------------------------------ */
/* IDX files (lib/idx.c): MNIST's container, gzip-compressed or raw. */

typedef struct nn_idx {
    int ndim;
    int dims[4];           /* dims[0] is the item count */
    long count;            /* dims[0] */
    long item_size;        /* product of dims[1..]: bytes per item */
    uint8_t *data;         /* count * item_size bytes */
} nn_idx;

/* Read an IDX file of unsigned bytes (type 0x08) from fp (borrowed), gzip
 * (concatenated members too) or raw, checking magic, type, dimensions and
 * the exact size.  The why text names common mistakes (HTML page, truncated
 * download, double gzip, little-endian header).  Unused dims[] are 0.
 * NN_EFORMAT, NN_ELIMIT (over NN_IDX_MAX_BYTES), NN_EIO, NN_ENOMEM. */
int nn_idx_read(nn_idx **out, FILE *fp, char *why, size_t whylen);
void nn_idx_free(nn_idx *idx);
/* The images of an IDX file as a data set, pixel k as nn_pixel(k) (as
 * idx2vec writes them), labelled from labels (one byte per item; NULL: no
 * labels, -1).  NN_ESHAPE if images has fewer than 2 dimensions, labels
 * more than 1, or the counts differ; NN_ELIMIT beyond NN_MAX_DIM values an
 * image; NN_ENOMEM.  why says which. */
int nn_idx_data(nn_data **out, const nn_idx *images, const nn_idx *labels,
                char *why, size_t whylen);

/* ------------------------------------------------------------------------ */
/* Models (lib/model.c, lib/json.c). */

typedef struct nn_model nn_model;

enum { NN_ACT_SIGMOID, NN_ACT_RELU, NN_ACT_TANH, NN_ACT_SOFTMAX };
enum { NN_COST_CE, NN_COST_QUADRATIC };
enum { NN_INIT_DEFAULT, NN_INIT_HE, NN_INIT_XAVIER, NN_INIT_NIELSEN };

/* Names <-> codes ("relu", "ce", "he", ...); -1 / NULL if unknown
 * (lib/names.c). */
int nn_act_parse(const char *s);
const char *nn_act_name(int act);
/* Whether act may be a hidden layer's activation (sigmoid, relu, tanh), or
 * the output layer's (sigmoid, softmax); and those names as "a, b or c"
 * in buf (64 bytes are plenty), for messages. */
int nn_act_hidden(int act);
int nn_act_output(int act);
const char *nn_act_choices(int output, char *buf, size_t len);
int nn_cost_parse(const char *s);
const char *nn_cost_name(int cost);
int nn_init_parse(const char *s);
const char *nn_init_name(int init);

/* Layer types (lib/conv.c, lib/maxpool.c beside the dense layers):
 * "dense", "conv", "maxpool"; and a convolution's padding, "same" (the
 * output as large as the input) or "valid" (only where the kernel fits). */
enum { NN_LAYER_DENSE, NN_LAYER_CONV, NN_LAYER_MAXPOOL };
enum { NN_PAD_SAME, NN_PAD_VALID };
int nn_layer_parse(const char *s);
const char *nn_layer_name(int type);
int nn_pad_parse(const char *s);
const char *nn_pad_name(int pad);

/* A hidden layer of a network given by types.  A convolution takes an
 * image of H x W x C values (channel last: value (y, x, c) at (y * W + x)
 * * C + c) to Ho x Wo x size, with a kernel x kernel filter (kernel odd)
 * per output channel, stride 1; max-pooling takes 2x2 blocks to their
 * largest value, H x W x C to H/2 x W/2 x C (an odd last row or column is
 * dropped).  A dense layer after them sees the image as one vector. */
typedef struct nn_layer_spec {
    int type;               /* NN_LAYER_* */
    int size;               /* dense: units; conv: output channels */
    int kernel;             /* conv: the kernel's side, odd, >= 1 */
    int pad;                /* conv: NN_PAD_SAME or NN_PAD_VALID */
} nn_layer_spec;

/* Architecture of a new network. */
typedef struct nn_arch {
    int nlayers;            /* number of layer sizes, >= 2 (input, output) */
    const int *sizes;       /* sizes[0] inputs ... sizes[nlayers-1] classes */
    int hidden_act;         /* NN_ACT_SIGMOID/RELU/TANH */
    int output_act;         /* NN_ACT_SOFTMAX or NN_ACT_SIGMOID */
    int cost;               /* NN_COST_*; softmax requires NN_COST_CE */
    int init;               /* NN_INIT_*; DEFAULT: he for relu, xavier for
                               tanh, nielsen for sigmoid */
    /* NULL: dense hidden layers of sizes[1 .. nlayers-2].  Otherwise the
     * nlayers - 2 hidden layers, whose sizes follow from them (sizes[1 ..
     * nlayers-2] are not read); the output layer is dense. */
    const nn_layer_spec *hidden;
    /* The input as an image of width x height x (sizes[0] / (width *
     * height)) values; 0, 0: a square one channel deep when sizes[0] is a
     * square (784: 28x28x1), else no image (then no conv or maxpool). */
    int width, height;
} nn_arch;

/* New network with seeded weights.  NN_EINVAL if the combination is not
 * supported (why says which: "layers[0]: a conv layer needs an image"). */
int nn_model_new(nn_model **out, const nn_arch *a, uint64_t seed,
                 char *why, size_t whylen);
void nn_model_free(nn_model *m);
int nn_model_copy(nn_model **out, const nn_model *m);

/* An ensemble: one model made of networks that read the same input and
 * answer with the same classes, whose answer is the mean of their
 * probabilities (several networks trained with different seeds err less
 * than any one of them).  nn_model_join makes members[0..n-1] (each a
 * network or an ensemble, none given twice, NN_MAX_MEMBERS networks in
 * all) one model, *out, which owns them from then on (nn_model_free frees
 * them all); on an error (why says what: "model 2 is not like model 1: it
 * has another number of classes") they are left as they were.
 * Everything else that describes a model (its layers, weights, training
 * record) describes its first network; nn_model_members counts the
 * networks (1: not an ensemble).  An ensemble is not trained further
 * (nn_train: NN_EINVAL), and it is written as version 3 of the model
 * format. */
#define NN_MAX_MEMBERS 16
int nn_model_join(nn_model **out, nn_model **members, int n, char *why,
                  size_t whylen);
int nn_model_members(const nn_model *m);
/* Why m cannot join first in an ensemble ("it has another number of
 * classes"), or NULL if it can: the same input (size, image shape, value
 * range, polarity), output layer and classes (number and names). */
const char *nn_model_unlike(const nn_model *first, const nn_model *m);

int nn_model_n_in(const nn_model *m);
int nn_model_n_out(const nn_model *m);
int nn_model_n_layers(const nn_model *m);     /* weight layers */
int nn_model_layer_size(const nn_model *m, int i); /* 0 = input */
int nn_model_hidden_act(const nn_model *m);
int nn_model_output_act(const nn_model *m);
int nn_model_cost(const nn_model *m);
long nn_model_n_params(const nn_model *m);
/* Weights of weight layer l (0 .. n_layers - 1), row-major out x in: for a
 * dense layer, row o, nn_model_layer_size(m, l) floats, holds the weights
 * into unit o of layer l + 1 (other types: nn_model_layer_units).
 * Borrowed from m (valid until it is trained or freed); NULL if l is out
 * of range. */
const float *nn_model_weights(const nn_model *m, int l);
/* Weight layer l's type (NN_LAYER_*; -1 if l is out of range), and the
 * shape of layer size i (0 = input): 1 and an image of *w x *h x *c
 * values, or 0 with *w = *h = 0 and *c the size when it is not an image
 * (a dense layer's output, or an input without width and height).  A conv
 * layer's weights (nn_model_weights) are, for each output channel o,
 * kernel x kernel x c_in values (ky, kx, ci) at ((o * kernel + ky) *
 * kernel + kx) * c_in + ci; nn_model_layer_kernel gives kernel (0 unless
 * conv). */
int nn_model_layer_type(const nn_model *m, int l);
/* Units of weight layer l that have weights (a dense layer's outputs, a
 * conv layer's output channels, none for maxpool), each with *fan_in
 * weights at nn_model_weights(m, l) + o * *fan_in; 0 if l is out of
 * range. */
int nn_model_layer_units(const nn_model *m, int l, int *fan_in);
int nn_model_layer_shape(const nn_model *m, int i, int *w, int *h, int *c);
int nn_model_layer_kernel(const nn_model *m, int l);

/* Class names: class i's name, or NULL when the model has none (then the
 * class is printed as its number).  set: names is n_out strings, copied,
 * each 1 to 255 bytes of UTF-8 without control characters (NN_EINVAL
 * otherwise; NN_ESHAPE if n is not n_out). */
const char *nn_model_class_name(const nn_model *m, int i);
int nn_model_set_class_names(nn_model *m, int n, const char *const *names);
/* What is wrong with class name s ("control character in a name"), or
 * NULL if it is acceptable. */
const char *nn_class_name_problem(const char *s);

/* Input description, recorded for the tools that make vectors. */
typedef struct nn_input_desc {
    int width, height;      /* image shape, 0 if not an image */
    float lo, hi;           /* value range, normally 0 and 1 */
    int ink_high;           /* 1: ink is hi (MNIST: white digit on black) */
} nn_input_desc;
void nn_model_input(const nn_model *m, nn_input_desc *d);
void nn_model_set_input(nn_model *m, const nn_input_desc *d);
/* Whether values from lo to hi are plausible input for m: within its
 * input range widened by the range's width on each side, [-1, 2] for
 * [0, 1].  Values far outside (a pixel given as 255 rather than 1) make
 * the network's answers meaningless, however confident; the tools warn. */
int nn_model_input_ok(const nn_model *m, float lo, float hi);

/* Outputs of the network (probabilities) for n inputs x (n * n_in floats)
 * into y (n * n_out floats).  The result for a record does not depend on n
 * or on the other records. */
int nn_predict(const nn_model *m, const float *x, int n, float *y);

/* Loss of one output vector y against class `label` for the model's cost. */
double nn_loss(const nn_model *m, const float *y, int label);
/* Index of the largest of y[0..n-1] (first on ties). */
int nn_argmax(const float *y, int n);

/* ------------------------------------------------------------------------ */
/* Data augmentation (lib/augment.c): random distortions of images, drawn
 * afresh for each training image every epoch. */

enum { NN_AUG_AFFINE = 1, NN_AUG_ELASTIC = 2, NN_AUG_STROKE = 4 };

typedef struct nn_augment {
    int kinds;              /* NN_AUG_* bits; 0: no augmentation */
    /* Affine: each drawn uniformly from [-v, v], independently. */
    float shift;            /* translation in x and in y, pixels */
    float rotate;           /* rotation, degrees */
    float scale;            /* scale factor 1 + s, for x and for y */
    float shear;            /* horizontal shear factor */
    /* Elastic (Simard et al. 2003): a field of displacements drawn from
     * U(-1, 1) per pixel, smoothed with a Gaussian of standard deviation
     * sigma pixels, times alpha. */
    float alpha, sigma;
    /* Stroke width: the image moved a fraction u of the way to its grey
     * dilation (u > 0) or erosion (u < 0) by a 3x3 cross, u drawn from
     * [-stroke, stroke]; a pen's width varies where MNIST's hardly does. */
    float stroke;
} nn_augment;

/* kinds 0 and the default magnitudes: shift 2, rotate 10, scale 0.1,
 * shear 0.1, alpha 34, sigma 4, stroke 0.7. */
void nn_augment_default(nn_augment *a);
/* "affine", "elastic", "stroke" joined by commas in any order <-> kinds (0
 * for "none"); parse returns -1 for anything else; name writes into buf. */
int nn_augment_parse(const char *s);
const char *nn_augment_name(int kinds, char *buf, size_t len);

typedef struct nn_augmenter nn_augmenter;

/* Distorter of width x height images (row-major floats) whose pixels
 * outside the picture take the value background.  NN_EINVAL for a bad
 * shape or magnitude (why says which), NN_ENOMEM. */
int nn_augmenter_new(nn_augmenter **out, const nn_augment *a, int width,
                     int height, float background, char *why, size_t whylen);
void nn_augmenter_free(nn_augmenter *g);
/* dst = a random distortion of src (distinct buffers of width * height
 * floats), using the kinds and magnitudes given at creation and random
 * numbers from rng only: the same rng state gives the same dst. */
void nn_augmenter_apply(nn_augmenter *g, float *dst, const float *src,
                        nn_rng *rng);

/* The resampling step, deterministic: dst(x, y) = src(sx, sy) by bilinear
 * interpolation (background outside), where, with c = ((w-1)/2, (h-1)/2),
 *   sx = A[0]*(x-cx) + A[1]*(y-cy) + cx + A[2] + (dx ? dx[y*w+x] : 0)
 *   sy = A[3]*(x-cx) + A[4]*(y-cy) + cy + A[5] + (dy ? dy[y*w+x] : 0).
 * A maps each output pixel to where it is read from, so A = {1,0,-2, 0,1,0}
 * moves the picture 2 pixels right. */
void nn_warp(float *dst, const float *src, int w, int h, const float A[6],
             const float *dx, const float *dy, float background);

/* ------------------------------------------------------------------------ */
/* Training (lib/train.c). */

enum { NN_OPT_SGD, NN_OPT_NESTEROV, NN_OPT_ADAM };
enum { NN_SCHED_CONSTANT, NN_SCHED_STEP, NN_SCHED_COSINE, NN_SCHED_PLATEAU };

/* Names <-> codes ("sgd", "nesterov", "adam"; "constant", "step",
 * "cosine", "plateau"); -1 / NULL if unknown. */
int nn_optimizer_parse(const char *s);
const char *nn_optimizer_name(int opt);
int nn_schedule_parse(const char *s);
const char *nn_schedule_name(int sched);

typedef struct nn_train_opts {
    int epochs;             /* upper bound on epochs */
    int batch;              /* mini-batch size */
    float rate;             /* learning rate eta (the initial one) */
    float momentum;         /* sgd, nesterov: momentum, 0 = plain SGD;
                               adam: beta1 */
    float lambda;           /* L2: adds lambda/(2n) sum w^2 to the cost */
    int patience;           /* stop after this many epochs without a better
                               validation accuracy; 0 = never */
    uint64_t seed;          /* shuffling, dropout, augmentation (and init,
                               in the tools) */
    int optimizer;          /* NN_OPT_* */
    float beta2;            /* adam: decay of the squared-gradient average */
    int schedule;           /* NN_SCHED_*; see nn_schedule_rate */
    int step_epochs;        /* step: every this many epochs ... */
    float step_factor;      /* ... the rate is multiplied by this */
    int plateau;            /* plateau: halve the rate after this many
                               epochs without a better validation accuracy;
                               stop once it is below rate / 128 */
    float dropout;          /* probability of dropping a hidden unit */
    float input_dropout;    /* probability of dropping an input value */
    float max_norm;         /* each unit's incoming weights are scaled back
                               to this L2 norm after each step; 0: off */
    nn_augment augment;     /* needs the model's input image shape */
    int auto_threads;       /* 1: train on one thread while that is faster
                               than on nn_threads() (timed at each epoch's
                               start and every 400 batches: on a busy
                               machine a second thread waits for a core);
                               the model does not depend on it.  Not saved
                               with the model. */
} nn_train_opts;

void nn_train_opts_default(nn_train_opts *o);

/* The learning rate of epoch e (1-based) for the step and cosine schedules
 * (constant and plateau: o->rate; plateau halvings are made by nn_train):
 *   step:   rate * step_factor ^ floor((e - 1) / step_epochs)
 *   cosine: rate * (1 + cos(pi * (e - 1) / epochs)) / 2 */
double nn_schedule_rate(const nn_train_opts *o, int epoch);

typedef struct nn_epoch_stats {
    int epoch;              /* 1-based */
    int epochs;             /* o->epochs */
    double train_loss;      /* mean data loss over the epoch's batches */
    double train_acc;       /* 0..1, measured before each batch's update */
    double val_loss, val_acc;  /* after the epoch; -1 without validation */
    int best_epoch;         /* epoch (of this run) with the best validation
                               accuracy so far, 0 without validation */
    double seconds;         /* wall time of this epoch */
    double rate;            /* the learning rate used in this epoch */
} nn_epoch_stats;

/* What nn_train calls back, each may be NULL.  epoch: after each epoch.
 * batch: after each mini-batch, with the records done so far in the epoch
 * (done of total).  A non-zero return from either stops training, and
 * nn_train returns NN_EINTR.  The model then holds the best epoch's weights
 * (with validation, once an epoch has been validated), or else the weights
 * as they are, and an interrupted epoch counts as run. */
typedef struct nn_train_hooks {
    int (*epoch)(const nn_epoch_stats *s, void *arg);
    int (*batch)(int epoch, long done, long total, void *arg);
    void *arg;
} nn_train_hooks;

/* Train m on the labelled records of train (all must have labels in
 * [0, n_out)).  With val (may be NULL), the weights of the epoch with the
 * best validation accuracy are kept.  Returns NN_OK, NN_ENUMERIC (loss not
 * finite; m then holds the last good weights), NN_EINTR, or NN_E*. */
int nn_train(nn_model *m, const nn_data *train, const nn_data *val,
             const nn_train_opts *o, const nn_train_hooks *hooks,
             char *why, size_t whylen);

/* What nn_train records in the model (written to its JSON). */
typedef struct nn_train_info {
    nn_train_opts opts;
    int epochs_run;         /* total, over resumed runs */
    int best_epoch;         /* 0 if no validation */
    double best_val_acc;    /* -1 if no validation */
    long n_train, n_val;    /* records of the last run */
    double final_rate;      /* learning rate of the last epoch run */
} nn_train_info;
/* No wall times are recorded, so that a seed and an input give a
 * byte-identical model file (for a given matrix kernel: see nn_sgemm). */
const nn_train_info *nn_model_train_info(const nn_model *m);

/* ------------------------------------------------------------------------ */
/* Evaluation (lib/eval.c): the code path of nn-predict and nn-eval. */

typedef struct nn_eval {
    int k;                  /* classes */
    long n;                 /* labelled records counted */
    long correct;
    double loss_sum;
    long *confusion;        /* k*k, confusion[actual*k + predicted] */
} nn_eval;

int nn_eval_new(nn_eval **out, int k);
void nn_eval_free(nn_eval *e);
/* Count one record with output y (k floats) and true label. */
void nn_eval_add(nn_eval *e, const nn_model *m, const float *y, int label);
/* Predict every record of d and count it.  Every record needs a label in
 * [0, e->k): NN_EFORMAT otherwise, with why naming the record (nothing is
 * counted then); NN_ESHAPE if d->dim is not the model's input length. */
int nn_eval_data(nn_eval *e, const nn_model *m, const nn_data *d,
                 char *why, size_t whylen);

/* A record as nn_predict_stream answers it; the pointers are valid during
 * the call only. */
typedef struct nn_record {
    const float *x;         /* the input, n_in floats */
    const float *y;         /* the network's output, n_out floats */
    int label;              /* the record's label, -1 if none */
    long index;             /* 1 for the stream's first record */
    const char *tag;        /* its tag (nn_vec_tag), NULL if none */
    int batch_end;          /* the last of its batch: answers written so far
                             * are due now (flush them) */
} nn_record;

/* Called for each record in input order; non-zero stops. */
typedef int (*nn_record_fn)(const nn_record *rec, void *arg);

/* Read every record of r, predict in batches of up to `batch` records and
 * call fn for each.  From a pipe or terminal a batch also ends when no more
 * input is waiting, so each record is answered as soon as it arrives (the
 * caller flushes its output at rec->batch_end) while a fast producer still
 * gets whole batches (results do not depend on the batch).  Returns NN_OK at the end of input, NN_ESHAPE if the
 * vectors do not have the model's length, NN_EINTR if fn stopped, or the
 * reader's error (why names the line or record). */
int nn_predict_stream(const nn_model *m, nn_vec_reader *r, int batch,
                      nn_record_fn fn, void *arg, char *why, size_t whylen);

/* Prediction over views (test-time augmentation): y as nn_predict's, each
 * record's outputs the mean of those for the image and small distortions
 * of it, the first `views` (1 to NN_MAX_VIEWS) of: the image, turned 8
 * degrees anticlockwise and clockwise, scaled by 0.9 and by 1.1 (about the
 * centre, the input's background outside).  A digit cut from a written
 * number reads more surely so (nn-predict --number).  A model whose input
 * is not an image (nn_model_input) is asked once.  NN_EINVAL for views out
 * of range, NN_ELIMIT for more than INT_MAX / NN_MAX_VIEWS records,
 * NN_ENOMEM, or nn_predict's error (lib/eval.c). */
#define NN_MAX_VIEWS 5
int nn_predict_views(const nn_model *m, const float *x, int n, int views,
                     float *y);

/* ------------------------------------------------------------------------ */
/* Model files (lib/json.c): JSON, schema in docs/model-format.md. */

/* Read a model from fp (borrowed).  Every field and shape is checked; why
 * names the field ("layers[1].weights: 1000 values, expected 1280"). */
int nn_model_read(nn_model **out, FILE *fp, char *why, size_t whylen);
int nn_model_write(const nn_model *m, FILE *fp);
/* Write to path atomically: a temporary file in the same directory,
 * flushed, synced and renamed over path.  "-" is not accepted here. */
int nn_model_save(const nn_model *m, const char *path, char *why, size_t whylen);

/* Other programs' model files (lib/model_convert.c over lib/model_nielsen.c
 * and lib/model_onnx_*.c; the mapping is in docs/model-format.md):
 * NN_FMT_NNPIPE, nnpipe's own JSON; NN_FMT_NETWORK2, the JSON that
 * network2.py of Nielsen's book saves; NN_FMT_ONNX, an ONNX model of
 * dense, conv and maxpool layers. */
enum { NN_FMT_NNPIPE, NN_FMT_NETWORK2, NN_FMT_ONNX };
/* "nnpipe", "network2", "onnx" <-> NN_FMT_*; -1 / NULL if unknown. */
int nn_format_parse(const char *s);
const char *nn_format_name(int fmt);
/* Read a model in any of the formats from fp (borrowed), recognised from
 * its bytes, into *out; *fmt (may be NULL) says which it was.  Errors as
 * nn_model_read's, why naming the place ("weights[1][3]: 29 values,
 * expected 30", "graph.node[2] 'conv1': operator Conv is not supported"). */
int nn_model_import(nn_model **out, int *fmt, FILE *fp, char *why,
                    size_t whylen);
/* Write m in format fmt to fp (borrowed, flushed, not closed), or replace
 * path atomically as nn_model_save does.  NN_EINVAL with the reason when
 * the format cannot express m ("network2 has sigmoid layers only, and this
 * model's hidden layers are relu"); nothing is written then. */
int nn_model_export(const nn_model *m, int fmt, FILE *fp, char *why,
                    size_t whylen);
int nn_model_export_save(const nn_model *m, int fmt, const char *path,
                         char *why, size_t whylen);

/* ------------------------------------------------------------------------ */
/* Image files to 8-bit grayscale (lib/img*.c).
 *
 * Supported: JPEG (baseline, progressive, grayscale, RGB, CMYK/YCCK, with
 * the EXIF orientation applied), PNG (every colour type and bit depth,
 * palette, tRNS, alpha), Netpbm (PBM P1/P4, PGM P2/P5, PPM P3/P6, maxval up
 * to 65535) and uncompressed baseline TIFF (bilevel, 8/16-bit gray and
 * RGB, palette, with alpha; the Orientation tag applied).  Only the first
 * image of a multi-image file is read.  Other formats are recognised and
 * named in the error (GIF, BMP, WebP, HEIC, AVIF, PDF, SVG, HTML, ...).
 *
 * Colour to gray is Rec. 601 luma on the stored (gamma-encoded) values,
 * Y = 0.299 R + 0.587 G + 0.114 B rounded to the nearest integer: the Y of
 * JPEG's own YCbCr, so a colour JPEG decoded straight to gray and the same
 * picture in PNG agree.  Samples deeper than 8 bits are scaled to 0..255
 * with rounding (v * 255 / maxval).  Transparent pixels are laid over the
 * page colour the picture implies (see nn_img_decode).
 */
/* A decoded picture: width x height bytes, row-major, top row first, as it
 * is meant to be seen (EXIF orientation applied); 0 = black, 255 = white.
 * Plain data carrier: fields may be read directly. */
typedef struct nn_image {
    int width, height;
    uint8_t *gray;          /* width * height bytes */
    const char *format;     /* "JPEG", "PNG", "PGM", ... (static string) */
    int orientation;        /* EXIF/TIFF orientation applied: 1 = none,
                               2-8 as in the EXIF standard */
} nn_image;

/* A reasonable pixel limit for tools: 50 megapixels (a 12 MP phone photo
 * is 12 000 000 pixels). */
#define NN_IMG_MAX_PIXELS 50000000L

/* Decode the image file held in buf[0..len-1] (the whole file; the caller
 * reads it, stdin too).  The format is recognised from the bytes, never
 * from a file name.  max_pixels: width * height above it gives NN_ELIMIT,
 * decided from the header before any pixel memory is allocated
 * ("image is 30000x40000 = 1200 megapixels, more than the limit of 50
 * megapixels (--max-pixels)"); 0 or less means no limit, for trusted input
 * only (INT_MAX pixels at most in any case).
 *
 * Alpha (PNG, TIFF): a pixel with alpha a (0..255) and luma Y becomes
 * (a Y + (255 - a) P) / 255, P being the page colour the image implies.
 * Pixels with a >= 128 count as opaque.  If they cover more than half of
 * the image they are the paper (a sheet with a transparent border), and P is
 * their median luma; otherwise they are strokes on a transparent sheet, and
 * P is the opposite extreme of their median: white (255) behind dark strokes
 * (median < 128), black (0) behind light ones.  No opaque pixel: P = 255.
 *
 * Returns NN_OK and *out (free with nn_img_free), or *out = NULL and:
 * NN_EFORMAT (empty, unsupported, corrupt or truncated; why names the
 * format and the problem, e.g. "PNG: IDAT: invalid distance too far back",
 * "phone HEIC photo: not supported, convert it to JPEG"), NN_ELIMIT,
 * NN_ENOMEM, or NN_EINVAL (out NULL, or buf NULL with len > 0). */
int nn_img_decode(nn_image **out, const uint8_t *buf, size_t len,
                  long max_pixels, char *why, size_t whylen);
void nn_img_free(nn_image *img);     /* NULL is a no-op */
/* Read an image file from fp (borrowed; a pipe is fine) and decode it.  The
 * file may not be larger than an uncompressed image of max_pixels could be
 * (8 bytes a pixel, plus 1 MiB): NN_ELIMIT beyond; else as nn_img_decode. */
int nn_img_read(nn_image **out, FILE *fp, long max_pixels, char *why,
                size_t whylen);
/* nn_img_read for a picture that only feeds a smaller one: a JPEG is
 * decoded scaled down by 8, 4 or 2 (in the DCT domain: a faster decode) as
 * far as its longer side stays at least min_side pixels; the picture's
 * width and height are then the scaled ones.  max_pixels still judges the
 * full size.  Other formats, and min_side <= 0, decode at full size. */
int nn_img_read_scaled(nn_image **out, FILE *fp, long max_pixels,
                       int min_side, char *why, size_t whylen);

/* What the bytes look like: "JPEG", "PNG", "PBM", "PGM", "PPM", "TIFF" (all
 * decodable, if not corrupt), or an unsupported kind ("GIF", "BMP", "WebP",
 * "HEIC", "AVIF", "video", "PDF", "SVG", "HTML", "PAM", "JPEG 2000",
 * "JPEG XL", "ICO", "PSD", "gzip", "ZIP", "bzip2", "xz", "zstd", "7-Zip",
 * "IDX", "binary vector stream", "text"); NULL if unrecognised or
 * len == 0. */
const char *nn_img_format_name(const uint8_t *buf, size_t len);

/* ------------------------------------------------------------------------ */
/* Preprocessing (lib/prep.c): a grayscale image of a digit to an MNIST-like
 * 28x28 vector (white digit on black, in [0,1]); see the file's comment for
 * the steps. */

/* Called with each intermediate image (values in [0,1], w x h), for a person
 * to look at ("1-gray", "2-ink", "3-flat", "4-digit"). */
typedef void (*nn_stage_fn)(const char *name, const float *img, int w, int h,
                            void *arg);

/* What preprocessing found, for a tool to warn about a picture that looks
 * wrong (img2vec does). */
typedef struct nn_prep_info {
    int inverted;           /* 1: read as dark ink on light paper */
    int uncertain;          /* both polarities found strokes of about the
                               same contrast: the choice may be wrong */
    int strokes;            /* 0: nothing stroke-like under either polarity
                               (a blob, a texture, a photo of something else) */
    int groups;             /* tall parts side by side: 2 or more suggests
                               several digits */
} nn_prep_info;

typedef struct nn_prep_opts {
    int invert;             /* -1: decide from the image; 0 no; 1 yes (dark
                               ink on light paper) */
    int plain;              /* threshold, shrink, invert: the old baseline */
    nn_stage_fn stage;      /* may be NULL */
    void *stage_arg;
    nn_prep_info *info;     /* may be NULL: filled when the polarity has been
                               decided, even if no ink is found after */
} nn_prep_opts;

/* nn_prep_digit area-averages a picture down to NN_PREP_MIN_SIDE / 2 on
 * its longer side before anything else; one twice that size loses nothing
 * it needs (for nn_img_read_scaled). */
#define NN_PREP_MIN_SIDE 800

void nn_prep_opts_default(nn_prep_opts *o);
/* gray: w x h bytes, 0 black .. 255 white.  out: 28*28 floats.  NN_EFORMAT
 * with why "no ink found: ..." for a blank image; NN_ENOMEM. */
int nn_prep_digit(const uint8_t *gray, int w, int h, const nn_prep_opts *o,
                  float *out, char *why, size_t whylen);

/* ------------------------------------------------------------------------ */
/* Segmentation (lib/segment.c): a photo of a number written on one line to
 * its digits, left to right, each normalised as nn_prep_digit does; see the
 * file's comment for the rules. */

/* A digit's box in the image's pixels, corners inclusive. */
typedef struct nn_box { int x0, y0, x1, y1; } nn_box;

/* Defaults for the limits below (the tools' --max-parts, --max-digits). */
#define NN_SEG_MAX_PARTS 200
#define NN_SEG_MAX_DIGITS 20

/* gray as for nn_prep_digit; o->plain is refused (NN_EINVAL).  Writes *n
 * (1 .. max_digits) digits to out (max_digits * 28*28 floats) and, if boxes
 * is not NULL, their boxes (max_digits of them).  o->stage also gets
 * "4-boxes": the kept ink with each digit's box and number.  NN_EFORMAT
 * "no ink found: ..." when there is nothing like a digit; NN_ELIMIT when
 * the ink has more than max_parts separate marks or more than max_digits
 * digits; NN_ENOMEM.  *n is 0 on failure. */
int nn_segment_digits(const uint8_t *gray, int w, int h,
                      const nn_prep_opts *o, int max_parts, int max_digits,
                      float *out, nn_box *boxes, int *n, char *why,
                      size_t whylen);

/* ------------------------------------------------------------------------ */
/* Matrix product (lib/gemm.c).  Row-major C = alpha*op(A)*op(B) + beta*C,
 * op(A) M x K, op(B) K x N.  The order in which each element of C is summed
 * depends only on K, so results do not depend on M, N or thread count.
 * Safe to call from several threads at once. */
void nn_sgemm(int transa, int transb, int M, int N, int K, float alpha,
              const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc);
/* Threads nn_sgemm may use, and so training and prediction: n >= 1, or 0
 * (or less) for one per online CPU, at most NN_MAX_THREADS.  The library
 * starts with 1; the tools default to all CPUs (--threads).  A product is
 * split by rows or columns of C, never along k, so results are identical
 * for any n.  Returns the number set.  With make BLAS=1 the BLAS library's
 * own threads are used instead. */
#define NN_MAX_THREADS 64
int nn_set_threads(int n);
int nn_threads(void);
/* Name of the kernel in use ("avx512", "avx2", "generic", "blas"). */
const char *nn_sgemm_kernel(void);
/* Use at most the vector instructions of kernel name ("avx512", "avx2" or
 * "generic"; the CPU's best by default), for tests and benchmarks: every
 * kernel gives the same bits.  NN_EINVAL for another name.  Call it before
 * any other thread uses libnn.  The tools take it from NN_KERNEL. */
int nn_set_kernel(const char *name);
/* Training takes the first layer's products through the nonzero inputs
 * when at most a third or so of them are nonzero (MNIST: a fifth), and a
 * conv layer's backward products through the nonzero values of its error
 * signal when at most a quarter are (behind max-pooling and ReLU); on = 0
 * turns both off, for benchmarks.  The results then differ in the last
 * bits for the first (another order of summation), not for the second.
 * The tools take NN_SPARSE=off.  Call it before building a training pass. */
void nn_set_sparse(int on);

#ifdef __cplusplus
}
#endif
#endif
