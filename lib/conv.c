/* conv.c - the convolution layer: forward and backward kernels over
 * mini-batches, as products through nn_sgemm on the image's patches
 * (im2col), the plain loops they are held to, and the layer as training
 * runs it (nn_conv_layer).
 *
 * Shapes (channel last, as the whole library lays images out):
 *   in    B x h x w x cin      value (b, y, x, ci)
 *   W     cout x k x k x cin   unit o's weight (ky, kx, ci)
 *   b     cout
 *   out   B x ho x wo x cout   ho = h, wo = w (same) or h-k+1, w-k+1 (valid)
 *   col   B*ho*wo x k*k*cin    row (b, y, x): the patch under the kernel
 * With the patches as rows, a convolution is a dense layer over them:
 * out[B*ho*wo x cout] = col * W^T + b, and its output rows are already the
 * output image, channel last.  The products read col's rows from the
 * images as they pack them (patch_row), so col is never held; only the
 * input gradient's patches (dcol) are, a few records at a time, before
 * col2im adds them into the images.
 *
 * A layer over one input channel (the network's first, on a grey image)
 * has patches of k*k values only: a product of so small a depth is mostly
 * copying, so its forward pass and weight gradient are direct loops over
 * the image instead (direct_*), which also skip its zero pixels. */
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

/* Floats of patch gradients held at a time: 4 MB, so that a batch's (40
 * MB for 5x5x32 over 14x14 at batch 64) need not all be held. */
#ifndef NN_CONV_COL_FLOATS
#define NN_CONV_COL_FLOATS (1L << 20)
#endif
#define COL_FLOATS NN_CONV_COL_FLOATS

int nn_conv_chunk(const nn_conv *g, int B)
{
    long per = (long)g->ho * g->wo * g->k * g->k * g->cin;
    long n = per > 0 ? COL_FLOATS / per : B;

    return n < 1 ? 1 : n > B ? B : (int)n;
}

/* Records whose weight-gradient parts the direct kernel holds at a time
 * (one input channel): each part is k*k x cout floats. */
static int direct_chunk(const nn_conv *g, int B)
{
    long per = (long)g->k * g->k * g->cout;
    long n = COL_FLOATS / per - 1;

    return n < 1 ? 1 : n > B ? B : (int)n;
}

/* Blocks of NN_GEMM_KC positions, each summed on its own (by the threads)
 * into cout x kkc sums and a patch row of work space, then added to dW in
 * order. */
static long sparse_blocks(long R)
{
    return (R + NN_GEMM_KC - 1) / NN_GEMM_KC;
}

long nn_conv_col_floats(const nn_conv *g, int B)
{
    long kkc = (long)g->k * g->k * g->cin;
    long R = (long)nn_conv_chunk(g, B) * g->ho * g->wo;

    /* direct: the weights k*k x cout, then the records' parts; else the
     * sparse weight gradient's blocks */
    return g->cin == 1 ? (long)(direct_chunk(g, B) + 1) * g->k * g->k * g->cout
                       : sparse_blocks(R) * (g->cout + 1) * kkc;
}

long nn_conv_dcol_floats(const nn_conv *g, int B)
{
    return (long)nn_conv_chunk(g, B) * g->ho * g->wo * g->k * g->k * g->cin;
}

/* Rows i .. i+m-1 of the patch matrix of the images img ((b, y, x) from
 * i), columns j .. j+n-1 (tap, then channel), to dst, row after row: each
 * tap's channels are a run of the image, or zeros outside it.  An
 * nn_row_fn for nn_sgemm_m. */
struct patch_src {
    const nn_conv *g;
    const float *img;
};

NN_CLONES
static void patch_row(const void *ctx, long i, int m, int j, int n,
                      float *dst)
{
    const struct patch_src *s = ctx;
    const nn_conv *g = s->g;
    long per = (long)g->ho * g->wo, b = i / per;
    int cin = g->cin, pos = (int)(i % per), y = pos / g->wo, x = pos % g->wo;
    int ky0 = j / cin / g->k, kx0 = j / cin % g->k, ci0 = j % cin;

    for (int r = 0; r < m; r++) {
        const float *im = s->img + b * g->h * g->w * cin;
        int iy = y + ky0 - g->pad, kx = kx0, ci = ci0;
        for (int left = n; left > 0; ) {
            int len = cin - ci < left ? cin - ci : left, ix = x + kx - g->pad;
            if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w) {
                for (int c = 0; c < len; c++)
                    dst[c] = 0.0f;
            } else {
                const float *src = im + ((long)iy * g->w + ix) * cin + ci;
                for (int c = 0; c < len; c++)
                    dst[c] = src[c];
            }
            dst += len;
            left -= len;
            ci = 0;
            if (++kx == g->k) {
                kx = 0;
                iy++;
            }
        }
        if (++x == g->wo) {         /* the next position */
            x = 0;
            if (++y == g->ho) {
                y = 0;
                b++;
            }
        }
    }
}

/* col2im over B records: each patch gradient row of dcol added into the
 * input gradient din at the pixels its patch came from. */
static void add_patches(float *din, const float *dcol, const nn_conv *g,
                        int B)
{
    int k = g->k, cin = g->cin;
    long kkc = (long)k * k * cin, in_n = (long)g->h * g->w * cin;

    for (int b = 0; b < B; b++) {
        float *im = din + b * in_n;
        for (int y = 0; y < g->ho; y++)
            for (int x = 0; x < g->wo; x++) {
                const float *row =
                    dcol + (((long)b * g->ho + y) * g->wo + x) * kkc;
                /* The kernel's columns inside the image: kx0 .. kx1-1. */
                int ix0 = x - g->pad;
                int kx0 = ix0 < 0 ? -ix0 : 0;
                int kx1 = ix0 + k > g->w ? g->w - ix0 : k;
                for (int ky = 0; ky < k; ky++) {
                    int iy = y + ky - g->pad;
                    if (iy < 0 || iy >= g->h)
                        continue;
                    const float *r = row + ((long)ky * k + kx0) * cin;
                    float *p = im + ((long)iy * g->w + ix0 + kx0) * cin;
                    for (long i = 0; i < (long)(kx1 - kx0) * cin; i++)
                        p[i] += r[i];
                }
            }
    }
}

/* col2im split among the threads by records, which share no image: each
 * value is the same whoever adds it. */
struct col2im {
    float *din;
    const float *dcol;
    const nn_conv *g;
    int B, per;
};

static void col2im_chunk(void *arg, int c, int worker)
{
    const struct col2im *w = arg;
    const nn_conv *g = w->g;
    int r = c * w->per, n = w->B - r < w->per ? w->B - r : w->per;

    (void)worker;
    add_patches(w->din + (long)r * g->h * g->w * g->cin,
                w->dcol + (long)r * g->ho * g->wo * g->k * g->k * g->cin, g,
                n);
}

void nn_col2im(float *din, const float *dcol, const nn_conv *g, int B)
{
    int t = nn_pool_threads(), per = (B + 2 * t - 1) / (2 * t);
    struct col2im w = { din, dcol, g, B, per };

    memset(din, 0, (size_t)B * g->h * g->w * g->cin * sizeof *din);
    if (t == 1)
        add_patches(din, dcol, g, B);
    else
        nn_parallel((B + per - 1) / per, col2im_chunk, &w);
}

/* ------------------------------------------------------------------------ */
/* The direct kernels for one input channel.  Shapes:
 *   Wt    k*k x cout   Wt[t*cout + o] = W[o*k*k + t], tap t = ky*k + kx
 *   part  k*k x cout   a record's share of dW, laid out as Wt
 * For each tap the output columns x0 .. x1-1 see input inside the image
 * (the rest see padding); zero pixels add nothing and are skipped.  A
 * record's sums run in a fixed order, and records are independent, so the
 * results are the same for any split among threads. */

/* The taps of one record's image, pixel by pixel: each nonzero pixel v at
 * (iy, ix) meets tap (ky, kx) at output (iy - ky + pad, ix - kx + pad).
 * Forward (dW 0): out[pos] += v * Wt[tap] over acc = out, w = Wt.
 * Weight gradient (dW 1): part[tap] += v * delta[pos] over acc = part,
 * w = delta.  Either way each sum runs in the order of the reference's
 * loops (outputs, then taps, in reading order), and consecutive steps add
 * into different sums. */
NN_CLONES
static void direct_taps(float *restrict acc, const float *restrict w,
                        const float *restrict im, const nn_conv *g, int dW)
{
    int k = g->k, cout = g->cout;

    for (int iy = 0; iy < g->h; iy++)
        for (int ix = 0; ix < g->w; ix++) {
            float v = im[(long)iy * g->w + ix];
            if (v == 0.0f)
                continue;
            for (int ky = 0; ky < k; ky++) {
                int y = iy - ky + g->pad;
                if (y < 0 || y >= g->ho)
                    continue;
                for (int kx = 0; kx < k; kx++) {
                    int x = ix - kx + g->pad;
                    long pos = ((long)y * g->wo + x) * cout;
                    long tap = (long)(ky * k + kx) * cout;
                    if (x < 0 || x >= g->wo)
                        continue;
                    float *a = acc + (dW ? tap : pos);
                    const float *b = w + (dW ? pos : tap);
                    for (int c = 0; c < cout; c++)
                        a[c] += v * b[c];
                }
            }
        }
}

/* out[ho*wo x cout] of one record = bias + the taps over its image. */
static void direct_forward(float *out, const float *im, const float *Wt,
                           const float *b, const nn_conv *g, int act)
{
    long n = (long)g->ho * g->wo;

    for (long i = 0; i < n; i++)
        memcpy(out + i * g->cout, b, g->cout * sizeof *out);
    direct_taps(out, Wt, im, g, 0);
    nn_activate(out, n * g->cout, g->cout, act);
}

/* part[k*k x cout] = the weight gradient of one record: for each tap, the
 * sum over outputs of delta times the pixel the tap saw. */
static void direct_dW(float *part, const float *delta, const float *im,
                      const nn_conv *g)
{
    memset(part, 0, (size_t)g->k * g->k * g->cout * sizeof *part);
    direct_taps(part, delta, im, g, 1);
}

/* One job for the threads: records r0 .. r0+B-1, split by records. */
struct direct {
    const nn_conv *g;
    const float *in, *Wt, *b, *delta;
    float *out, *part;          /* forward: out; backward: part */
    int B, act, per;
};

static void direct_chunk_run(void *arg, int c, int worker)
{
    const struct direct *d = arg;
    const nn_conv *g = d->g;
    long in_n = (long)g->h * g->w, out_n = (long)g->ho * g->wo * g->cout;
    long kkc = (long)g->k * g->k * g->cout;
    int end = (c + 1) * d->per < d->B ? (c + 1) * d->per : d->B;

    (void)worker;
    for (int r = c * d->per; r < end; r++)
        if (d->delta)
            direct_dW(d->part + r * kkc, d->delta + r * out_n,
                      d->in + r * in_n, g);
        else
            direct_forward(d->out + r * out_n, d->in + r * in_n, d->Wt, d->b,
                           g, d->act);
}

static void direct_run(struct direct *d)
{
    int t = nn_pool_threads();

    d->per = (d->B + 2 * t - 1) / (2 * t);
    nn_parallel((d->B + d->per - 1) / d->per, direct_chunk_run, d);
}

/* Wt, the taps' weights unit by unit within each tap, from W. */
static void transpose_taps(float *Wt, const float *W, const nn_conv *g)
{
    int kk = g->k * g->k;

    for (int o = 0; o < g->cout; o++)
        for (int t = 0; t < kk; t++)
            Wt[(long)t * g->cout + o] = W[(long)o * kk + t];
}

static void direct_conv_forward(float *out, const float *in, const float *W,
                                const float *b, int B, const nn_conv *g,
                                int act, float *col)
{
    struct direct d = { g, in, col, b, NULL, out, NULL, B, act, 0 };

    transpose_taps(col, W, g);
    direct_run(&d);
}

/* dW from the records' parts, added in record order, chunk by chunk. */
static void direct_conv_dW(float *dW, const float *delta, const float *in,
                           int B, const nn_conv *g, float *col)
{
    int chunk = direct_chunk(g, B), kk = g->k * g->k;
    long kkc = (long)kk * g->cout, in_n = (long)g->h * g->w;
    long out_n = (long)g->ho * g->wo * g->cout;
    float *sum = col, *part = col + kkc;

    memset(sum, 0, kkc * sizeof *sum);
    for (int r = 0; r < B; r += chunk) {
        int n = B - r < chunk ? B - r : chunk;
        struct direct d = { g, in + r * in_n, NULL, NULL, delta + r * out_n,
                            NULL, part, n, 0, 0 };
        direct_run(&d);
        for (int i = 0; i < n; i++)
            for (long j = 0; j < kkc; j++)
                sum[j] += part[i * kkc + j];
    }
    for (int o = 0; o < g->cout; o++)
        for (int t = 0; t < kk; t++)
            dW[(long)o * kk + t] = sum[(long)t * g->cout + o];
}

/* ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------ */
/* The backward products over a sparse delta.  Behind max-pooling and ReLU
 * most of a layer's delta is zero: three values in four are not their
 * pooling window's largest, and many windows are all below zero (the bench
 * networks' second layers: one value in 17 nonzero in C1, one in 10 in
 * C2).  The weight and input gradients then sum the nonzero terms alone
 * (nn_sparse_rows lists them, row by row), each step as nn_sgemm's kernel
 * takes it and in its order (for dW also in its blocks of NN_GEMM_KC
 * positions): the dense products' bits, the terms left out being exact
 * zeros (unless an input is infinite). */

/* Whether a chunk's delta d (R positions) goes this way: sp then lists it. */
static int sparse_take(nn_sparse *sp, const nn_conv *g, const float *d,
                       long R)
{
    /* dx's dense sums must be one block (nn_spmm has no blocks), and its
     * rows whole vectors (nn_spmm sums rows under 8 floats in plain
     * loops, not with the kernel's FMAs) */
    if (!sp || g->cout > NN_GEMM_KC || g->k * g->k * g->cin < 16)
        return 0;
    nn_sparse_rows(sp, d, (int)R);
    return sp->row_ptr[R] <= NN_CONV_SPARSE * R * g->cout;
}

struct sparse_dW {
    const nn_conv *g;
    const nn_sparse *sp;
    const float *img;           /* the chunk's images */
    float *acc;                 /* each block's sums and patch row */
    long R;
};

/* Block b's sums: the nonzero deltas times their patches. */
static void sparse_dW_block(void *arg, int b, int worker)
{
    const struct sparse_dW *s = arg;
    const nn_conv *g = s->g;
    const int *ptr = s->sp->row_ptr;
    int kkc = g->k * g->k * g->cin;
    long k0 = (long)b * NN_GEMM_KC;
    long k1 = s->R - k0 < NN_GEMM_KC ? s->R : k0 + NN_GEMM_KC;
    float *acc = s->acc + (long)b * (g->cout + 1) * kkc;
    float *prow = acc + (long)g->cout * kkc;
    struct patch_src src = { g, s->img };

    (void)worker;
    memset(acc, 0, (size_t)g->cout * kkc * sizeof *acc);
    for (long pos = k0; pos < k1; pos++) {
        if (ptr[pos] == ptr[pos + 1])
            continue;
        patch_row(&src, pos, 1, 0, kkc, prow);
        nn_axpy_rows(acc, kkc, s->sp->row_idx + ptr[pos],
                     s->sp->row_val + ptr[pos], ptr[pos + 1] - ptr[pos], prow,
                     kkc);
    }
}

/* dW (+)= d^T * col over the listed nonzero deltas of R positions; first:
 * dW is written, not added to. */
static void sparse_dW(float *dW, const nn_sparse *sp, const float *img,
                      const nn_conv *g, long R, int first, float *acc)
{
    long nb = sparse_blocks(R), kkc = (long)g->k * g->k * g->cin;
    long n = g->cout * kkc;
    struct sparse_dW s = { g, sp, img, acc, R };

    nn_parallel((int)nb, sparse_dW_block, &s);
    for (long b = 0; b < nb; b++) {
        const float *a = acc + b * (n + kkc);   /* past block b-1's patch row */
        for (long i = 0; i < n; i++)
            dW[i] = first && b == 0 ? a[i] : dW[i] + a[i];
    }
}

/* op(A) for nn_sgemm_m: the patch matrix of the images s->img. */
static nn_matrix patch_matrix(const struct patch_src *s)
{
    return (nn_matrix){ .row = patch_row, .ctx = s };
}

void nn_conv_forward(float *out, const float *in, const float *W,
                     const float *b, int B, const nn_conv *g, int act,
                     float *col)
{
    long rows = (long)B * g->ho * g->wo;
    int kkc = g->k * g->k * g->cin;

    if (g->cin == 1) {
        direct_conv_forward(out, in, W, b, B, g, act, col);
        return;
    }
    struct patch_src src = { g, in };
    nn_matrix A = patch_matrix(&src), Wt = { .p = W, .ld = kkc, .trans = 1 };
    /* out[rows x cout] = col * W^T + b */
    nn_bias_rows(out, b, (int)rows, g->cout);
    nn_sgemm_m((int)rows, g->cout, kkc, 1.0f, &A, &Wt, 1.0f, out, g->cout);
    nn_activate(out, rows * g->cout, g->cout, act);
}

void nn_conv_backward(float *din, float *dW, float *db, const float *delta,
                      const float *in, const float *W, int B,
                      const nn_conv *g, float *col, float *dcol,
                      nn_sparse *sp)
{
    int chunk = nn_conv_chunk(g, B);
    long rows = (long)g->ho * g->wo, kkc = (long)g->k * g->k * g->cin;
    long in_n = (long)g->h * g->w * g->cin, out_n = rows * g->cout;

    nn_column_sums(db, delta, (int)(B * rows), g->cout);
    if (g->cin == 1)
        direct_conv_dW(dW, delta, in, B, g, col);
    /* Chunk by chunk, the records whose patch gradients dcol holds; dW's
     * sums too, so that they add in the same order whatever the path. */
    for (int r = 0; r < B; r += chunk) {
        int n = B - r < chunk ? B - r : chunk;
        const float *d = delta + r * out_n;
        int sparse = sparse_take(sp, g, d, n * rows);
        if (g->cin > 1 && sparse) {
            sparse_dW(dW, sp, in + r * in_n, g, n * rows, r == 0, col);
        } else if (g->cin > 1) {
            struct patch_src src = { g, in + r * in_n };
            nn_matrix dT = { .p = d, .ld = g->cout, .trans = 1 };
            nn_matrix P = patch_matrix(&src);
            /* dW[cout x kkc] (+)= d^T[cout x n*rows] * col[n*rows x kkc] */
            nn_sgemm_m(g->cout, (int)kkc, (int)(n * rows), 1.0f, &dT, &P,
                       r ? 1.0f : 0.0f, dW, (int)kkc);
        }
        if (!din)
            continue;
        /* dcol[n*rows x kkc] = d[n*rows x cout] * W[cout x kkc] */
        if (sparse)
            nn_spmm(dcol, (int)(n * rows), (int)kkc, sp->row_ptr,
                    sp->row_idx, sp->row_val, W, NULL);
        else
            nn_sgemm(0, 0, (int)(n * rows), (int)kkc, g->cout, 1.0f, d,
                     g->cout, W, (int)kkc, 0.0f, dcol, (int)kkc);
        nn_col2im(din + r * in_n, dcol, g, n);
    }
}

/* The reference: each output a sum over the kernel, in plain loops. */
void nn_conv_forward_ref(float *out, const float *in, const float *W,
                         const float *b, int B, const nn_conv *g)
{
    int k = g->k, cin = g->cin;

    for (int r = 0; r < B; r++) {
        const float *im = in + (long)r * g->h * g->w * cin;
        for (int y = 0; y < g->ho; y++)
            for (int x = 0; x < g->wo; x++)
                for (int o = 0; o < g->cout; o++) {
                    float s = b[o];
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++) {
                            int iy = y + ky - g->pad, ix = x + kx - g->pad;
                            if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w)
                                continue;
                            for (int ci = 0; ci < cin; ci++)
                                s += W[(((long)o * k + ky) * k + kx) * cin + ci]
                                     * im[((long)iy * g->w + ix) * cin + ci];
                        }
                    out[(((long)r * g->ho + y) * g->wo + x) * g->cout + o] = s;
                }
    }
}

void nn_conv_backward_ref(float *din, float *dW, float *db,
                          const float *delta, const float *in,
                          const float *W, int B, const nn_conv *g)
{
    int k = g->k, cin = g->cin;
    long in_n = (long)g->h * g->w * cin;

    memset(dW, 0, (size_t)g->cout * k * k * cin * sizeof *dW);
    memset(db, 0, (size_t)g->cout * sizeof *db);
    if (din)
        memset(din, 0, (size_t)B * in_n * sizeof *din);
    for (int r = 0; r < B; r++)
        for (int y = 0; y < g->ho; y++)
            for (int x = 0; x < g->wo; x++)
                for (int o = 0; o < g->cout; o++) {
                    float d = delta[(((long)r * g->ho + y) * g->wo + x) *
                                    g->cout + o];
                    db[o] += d;
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++) {
                            int iy = y + ky - g->pad, ix = x + kx - g->pad;
                            if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w)
                                continue;
                            for (int ci = 0; ci < cin; ci++) {
                                long wi = (((long)o * k + ky) * k + kx) * cin + ci;
                                long ii = r * in_n + ((long)iy * g->w + ix) * cin + ci;
                                dW[wi] += d * in[ii];
                                if (din)
                                    din[ii] += d * W[wi];
                            }
                        }
                }
}

/* The convolution as training runs it: the model's layout. */
static void conv_forward(nn_tlayer *t, float *out, const float *in, int B)
{
    nn_conv_forward(out, in, t->W, t->b, B, &t->conv, t->act, t->col);
}

static void conv_backward(nn_tlayer *t, float *din, float *dW, float *db,
                          const float *delta, const float *in, int B)
{
    nn_conv_backward(din, dW, db, delta, in, t->W, B, &t->conv, t->col,
                     t->dcol, t->sparse);
}

static void conv_free(nn_tlayer *t)
{
    free(t->col);
    free(t->dcol);
    if (t->sparse)
        nn_sparse_free(t->sparse);
    free(t->sparse);
    t->col = t->dcol = NULL;
    t->sparse = NULL;
}

int nn_conv_layer(nn_tlayer *t, int B)
{
    size_t n = (size_t)nn_conv_col_floats(&t->conv, B) * sizeof(float);
    size_t dn = (size_t)nn_conv_dcol_floats(&t->conv, B) * sizeof(float);

    t->forward = conv_forward;
    t->backward = conv_backward;
    t->free = conv_free;
    t->units = t->conv.cout;
    t->fan_in = t->conv.k * t->conv.k * t->conv.cin;
    t->unit_step = t->fan_in;
    t->in_step = 1;
    t->col = n ? malloc(n) : NULL;
    t->dcol = malloc(dn);
    t->sparse = NULL;
    if ((n && !t->col) || !t->dcol)
        return NN_ENOMEM;
    if (!nn_first_sparse())     /* nn_set_sparse(0): the dense products */
        return NN_OK;
    /* the nonzero values of a chunk's delta */
    if (!(t->sparse = malloc(sizeof *t->sparse)) ||
        nn_sparse_alloc(t->sparse, nn_conv_chunk(&t->conv, B) * t->conv.ho *
                        t->conv.wo, t->conv.cout) != NN_OK) {
        free(t->sparse);
        t->sparse = NULL;
        return NN_ENOMEM;
    }
    return NN_OK;
}
