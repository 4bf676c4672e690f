/* sparse.c - the first layer's products with a mostly-zero input.
 *
 * Four fifths of an MNIST image's pixels are 0, and a zero input adds
 * nothing to the first layer's output or to its weight gradient, which
 * together are nearly all of an epoch's arithmetic.  nn_sparse_set keeps
 * the nonzero values of a batch by rows and by columns; nn_spmm then sums
 * only those, with the weights held transposed (in x out) so that each
 * nonzero input selects one contiguous row.  The result is the dense
 * product's up to summation order: the terms skipped are exact zeros.
 */
#include <stdlib.h>
#include <string.h>
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#endif

#include "nn_internal.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")
#endif

void nn_sparse_free(nn_sparse *s)
{
    free(s->row_ptr);
    free(s->col_ptr);
    free(s->row_idx);
    free(s->col_idx);
    free(s->row_val);
    free(s->col_val);
    memset(s, 0, sizeof *s);
}

int nn_sparse_alloc(nn_sparse *s, int rows, int cols)
{
    size_t cap = (size_t)rows * cols;

    memset(s, 0, sizeof *s);
    s->row_ptr = malloc((rows + 1) * sizeof *s->row_ptr);
    s->col_ptr = malloc((cols + 1) * sizeof *s->col_ptr);
    s->row_idx = malloc(cap * sizeof *s->row_idx);
    s->col_idx = malloc(cap * sizeof *s->col_idx);
    s->row_val = malloc(cap * sizeof *s->row_val);
    s->col_val = malloc(cap * sizeof *s->col_val);
    if (!s->row_ptr || !s->col_ptr || !s->row_idx || !s->col_idx ||
        !s->row_val || !s->col_val) {
        nn_sparse_free(s);
        return NN_ENOMEM;
    }
    s->cols = cols;
    return NN_OK;
}

/* The nonzero values of x[0..n) and their places into val and idx, from
 * c0 on: how many.  Every value is stored and the end moves only past
 * nonzero ones: no branch to mispredict on the pixels.  Stores may reach
 * n - c0 places beyond the end. */
static int take_plain(int *idx, float *val, const float *x, int c0, int n)
{
    int e = 0;

    for (int c = c0; c < n; c++) {
        idx[e] = c;
        val[e] = x[c];
        e += x[c] != 0.0f;
    }
    return e;
}

#if defined(__GNUC__) && defined(__x86_64__)
/* Sixteen at a time: the nonzero ones packed into the low lanes of a
 * register (in a register: compressing straight to memory is slow on some
 * cores), and all sixteen lanes stored. */
__attribute__((target("avx512f")))
static int take_avx512(int *idx, float *val, const float *x, int n)
{
    __m512i place = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                      12, 13, 14, 15);
    int c = 0, e = 0;

    for (; c + 16 <= n; c += 16) {
        __m512 v = _mm512_loadu_ps(x + c);
        __mmask16 k = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(),
                                         _CMP_NEQ_UQ);   /* as != */
        _mm512_storeu_ps(val + e, _mm512_maskz_compress_ps(k, v));
        _mm512_storeu_si512(idx + e, _mm512_maskz_compress_epi32(k, place));
        e += __builtin_popcount(k);
        place = _mm512_add_epi32(place, _mm512_set1_epi32(16));
    }
    return e + take_plain(idx + e, val + e, x, c, n);
}
#endif

static int take_row(int *idx, float *val, const float *x, int n)
{
#if defined(__GNUC__) && defined(__x86_64__)
    if (nn_cpu_level() == NN_CPU_AVX512)
        return take_avx512(idx, val, x, n);
#endif
    return take_plain(idx, val, x, 0, n);
}

/* The nonzero values of x by rows, unless more than limit of them: 1, or
 * 0 with s unusable. */
static int take_rows(nn_sparse *s, const float *x, int rows, long limit)
{
    int cols = s->cols;
    long e = 0;

    for (int r = 0; r < rows; r++) {
        s->row_ptr[r] = (int)e;
        e += take_row(s->row_idx + e, s->row_val + e, x + (long)r * cols,
                      cols);
        if (e > limit)
            return 0;
    }
    s->row_ptr[rows] = (int)e;
    s->rows = rows;
    return 1;
}

void nn_sparse_rows(nn_sparse *s, const float *x, int rows)
{
    take_rows(s, x, rows, (long)rows * s->cols);
}

int nn_sparse_set(nn_sparse *s, const float *x, int rows, double max_density)
{
    int cols = s->cols, *count = s->col_ptr + 1;
    long e;

    if (!take_rows(s, x, rows, (long)(max_density * rows * cols)))
        return 0;
    e = s->row_ptr[rows];

    /* By columns: count, start offsets, then place each entry in row
     * order, so each column lists its rows in ascending order. */
    memset(s->col_ptr, 0, (cols + 1) * sizeof *s->col_ptr);
    for (long i = 0; i < e; i++)
        count[s->row_idx[i]]++;
    for (int c = 0; c < cols; c++)
        s->col_ptr[c + 1] += s->col_ptr[c];
    for (int r = 0; r < rows; r++)
        for (int i = s->row_ptr[r]; i < s->row_ptr[r + 1]; i++) {
            int at = s->col_ptr[s->row_idx[i]]++;
            s->col_idx[at] = r;
            s->col_val[at] = s->row_val[i];
        }
    /* Placing moved each start to the next column's start: shift back. */
    memmove(s->col_ptr + 1, s->col_ptr, cols * sizeof *s->col_ptr);
    s->col_ptr[0] = 0;
    return 1;
}

/* The kernels work on strips of up to 16 vectors of VW floats, held in
 * registers while they run through one output row's nonzeros.  The
 * vectors are GCC's generic vectors, so one source becomes AVX2 or SSE
 * code with 8 floats a vector and AVX-512 code with 16 (one register
 * each; GCC compiles a vector wider than the target's registers through
 * memory, ten times slower): lib/sparse_vec.h, included once for each
 * width.  A strip's last vector may start before the previous one ends (a
 * row of 100 floats in vectors of 8: at 0, 8, ... 88 and 92); the columns
 * both cover get the same value twice. */
enum { NV_MAX = 16, TW = 64 };  /* TW: a by-columns tile's width (below) */
typedef float vec8 __attribute__((vector_size(8 * sizeof(float)), aligned(4),
                                  may_alias));
typedef float vec16 __attribute__((vector_size(16 * sizeof(float)),
                                   aligned(4), may_alias));

#define VW 8
#define vec vec8
#define KERNEL(name) name##8
#include "sparse_vec.h"
#undef VW
#undef vec
#undef KERNEL
#define VW 16
#define vec vec16
#define KERNEL(name) name##16
#include "sparse_vec.h"
#undef VW
#undef vec
#undef KERNEL

/* The strips compiled three times, chosen as gemm.c chooses its kernel
 * (nn_cpu_level).  The file is compiled with fp-contract=fast (top), so a
 * multiply-add is one FMA instruction where the CPU has them, and each
 * element is the same chain of FMAs in AVX2 and AVX-512 code, as in the
 * matrix kernels; the generic code rounds each product. */
typedef void spmm_fn(float *, int, int, const int *, const int *,
                     const float *, const float *, const float *);

static void spmm_generic(float *C, int rows, int n, const int *ptr,
                         const int *idx, const float *val, const float *Bm,
                         const float *init)
{
    spmm_strips8(C, rows, n, ptr, idx, val, Bm, init, 4);
}

#if defined(__GNUC__) && defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void spmm_avx2(float *C, int rows, int n, const int *ptr,
                      const int *idx, const float *val, const float *Bm,
                      const float *init)
{
    spmm_strips8(C, rows, n, ptr, idx, val, Bm, init, 8);
}

__attribute__((target("avx512f,fma")))   /* fma: the 8-wide code */
static void spmm_avx512(float *C, int rows, int n, const int *ptr,
                        const int *idx, const float *val, const float *Bm,
                        const float *init)
{
    if (n < 16)     /* the AVX2 code's vectors: the same FMAs */
        spmm_strips8(C, rows, n, ptr, idx, val, Bm, init, 8);
    else
        spmm_strips16(C, rows, n, ptr, idx, val, Bm, init, 4);
}
#endif

static spmm_fn *spmm_pick(void)
{
#if defined(__GNUC__) && defined(__x86_64__)
    switch (nn_cpu_level()) {
    case NN_CPU_AVX512:
        return spmm_avx512;
    case NN_CPU_AVX2:
        return spmm_avx2;
    }
#endif
    return spmm_generic;
}

/* A product cut into row ranges for nn_parallel: each row is computed
 * whole by one thread, so the result does not depend on the threads. */
struct spmm_job {
    float *C;
    int rows, n, chunk;
    const int *ptr, *idx;
    const float *val, *Bm, *init;
};

static void spmm_rows(float *C, int rows, int n, const int *ptr,
                      const int *idx, const float *val, const float *Bm,
                      const float *init);

static void spmm_chunk(void *arg, int c, int worker)
{
    const struct spmm_job *j = arg;
    int r0 = c * j->chunk, rows = j->rows - r0 < j->chunk ? j->rows - r0 : j->chunk;

    (void)worker;               /* no buffers of its own */
    spmm_rows(j->C + (long)r0 * j->n, rows, j->n, j->ptr + r0, j->idx, j->val,
              j->Bm, j->init);
}

void nn_spmm(float *C, int rows, int n, const int *ptr, const int *idx,
             const float *val, const float *Bm, const float *init)
{
    enum { MIN_WORK = 1 << 20 };    /* multiply-adds worth a second thread */
    int threads = nn_pool_threads();
    struct spmm_job j = { C, rows, n, rows, ptr, idx, val, Bm, init };

    if (rows <= 0)
        return;
    if (threads > 1 && (long)(ptr[rows] - ptr[0]) * n >= MIN_WORK)
        j.chunk = (rows + 2 * threads - 1) / (2 * threads);
    nn_parallel((rows + j.chunk - 1) / j.chunk, spmm_chunk, &j);
}

static void spmm_rows(float *C, int rows, int n, const int *ptr,
                      const int *idx, const float *val, const float *Bm,
                      const float *init)
{
    if (n >= 8) {
        spmm_pick()(C, rows, n, ptr, idx, val, Bm, init);
        return;
    }
    for (int i = 0; i < rows; i++) {
        float *c = C + (long)i * n;
        for (int j = 0; j < n; j++)
            c[j] = init ? init[j] : 0.0f;
        for (int e = ptr[i]; e < ptr[i + 1]; e++)
            for (int j = 0; j < n; j++)
                c[j] += val[e] * Bm[(long)idx[e] * n + j];
    }
}

/* ------------------------------------------------------------------------ */
/* X * Bm with X by columns.  The row-wise kernel above loads a strip of a
 * row of Bm for each nonzero of X: with X an MNIST batch and Bm the first
 * layer's weights, each load comes from the second-level cache and feeds
 * one multiply-add.  Walking X by columns instead, each row of Bm is loaded
 * once for all the rows of X that have that column nonzero, and the sums
 * wait in a tile of C that stays in the first-level cache (rows x TW
 * floats: 32 KB for a batch of 128).  Each element of C is still init plus
 * the same products in ascending column order of X, one FMA each: the
 * row-wise kernel's bits. */
typedef void tiles_fn(float *, float *, int, int, int, const int *,
                      const int *, const float *, const float *,
                      const float *, int, int, int);

static void tiles_generic(float *C, float *T, int rows, int n, int k,
                          const int *ptr, const int *idx, const float *val,
                          const float *Bm, const float *init, int w, int t0,
                       int t1)
{
    tiles_by_cols8(C, T, rows, n, k, ptr, idx, val, Bm, init, w / 8, t0, t1);
}

#if defined(__GNUC__) && defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void tiles_avx2(float *C, float *T, int rows, int n, int k,
                       const int *ptr, const int *idx, const float *val,
                       const float *Bm, const float *init, int w, int t0,
                       int t1)
{
    tiles_by_cols8(C, T, rows, n, k, ptr, idx, val, Bm, init, w / 8, t0, t1);
}

__attribute__((target("avx512f,fma")))   /* fma: the 8-wide code */
static void tiles_avx512(float *C, float *T, int rows, int n, int k,
                         const int *ptr, const int *idx, const float *val,
                         const float *Bm, const float *init, int w, int t0,
                       int t1)
{
    if (w % 16)     /* the AVX2 code's vectors: the same FMAs */
        tiles_by_cols8(C, T, rows, n, k, ptr, idx, val, Bm, init, w / 8, t0,
                       t1);
    else
        tiles_by_cols16(C, T, rows, n, k, ptr, idx, val, Bm, init, w / 16,
                        t0, t1);
}
#endif

static tiles_fn *tiles_pick(void)
{
#if defined(__GNUC__) && defined(__x86_64__)
    switch (nn_cpu_level()) {
    case NN_CPU_AVX512:
        return tiles_avx512;
    case NN_CPU_AVX2:
        return tiles_avx2;
    }
#endif
    return tiles_generic;
}

/* A product cut into runs of tiles for nn_parallel, each with a tile of
 * its own; failed: a run found no memory for it. */
struct cols_job {
    float *C;
    int rows, n, k, w, tiles, chunk;    /* w: tile width; chunk: tiles a run */
    const int *ptr, *idx;
    const float *val, *Bm, *init;
    volatile int failed;
};

static void cols_chunk(void *arg, int c, int worker)
{
    struct cols_job *j = arg;
    int t0 = c * j->chunk;
    int t1 = j->tiles - t0 < j->chunk ? j->tiles : t0 + j->chunk;
    void *T;

    (void)worker;
    if (posix_memalign(&T, 64, (size_t)j->rows * j->w * sizeof(float))) {
        j->failed = 1;
        return;
    }
    tiles_pick()(j->C, T, j->rows, j->n, j->k, j->ptr, j->idx, j->val,
                 j->Bm, j->init, j->w, t0, t1);
    free(T);
}

int nn_spmm_by_cols(float *C, int rows, int n, int k, const int *ptr,
                    const int *idx, const float *val, const float *Bm,
                    const float *init)
{
    enum { MIN_WORK = 1 << 20 };    /* multiply-adds worth a second thread */
    int threads = nn_pool_threads(), w = n < TW ? n / 8 * 8 : TW;
    struct cols_job j = { C, rows, n, k, w, 0, 0, ptr, idx, val, Bm, init,
                          0 };

    if (n < 8)
        return NN_EINVAL;
    if (rows <= 0)
        return NN_OK;
    j.tiles = j.chunk = (n + w - 1) / w;
    if (threads > 1 && (long)ptr[k] * n >= MIN_WORK)
        j.chunk = (j.tiles + 2 * threads - 1) / (2 * threads);
    nn_parallel((j.tiles + j.chunk - 1) / j.chunk, cols_chunk, &j);
    return j.failed ? NN_ENOMEM : NN_OK;
}
