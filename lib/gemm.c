/* gemm.c - single-precision matrix product, the work of every layer.
 *
 * A packed, blocked product in the style of BLIS/GotoBLAS: blocks of op(A)
 * and op(B) are copied into contiguous panels, and a small register-blocked
 * kernel computes an MR x NR tile of C from them.  The kernel is chosen at
 * run time from the CPU (AVX-512, AVX2+FMA, or plain C), so one binary is
 * fast on this machine and still correct on a CPU without AVX-512.  Each
 * element of C is summed over k in the same order (KC-sized blocks in
 * ascending k) whatever M, N and the kernel tile, so a record's result does
 * not depend on the batch it is in.  `make BLAS=1` uses cblas_sgemm instead.
 */
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

#ifdef NN_BLAS
#include <cblas.h>
#endif

enum { KC = NN_GEMM_KC, MC = 96, NC = 1024, MR_MAX = 8, NR_MAX = 32 };

/* A kernel: the MR x NR tile T = sum over k < kc of a[k*MR + r] * b[k*NR + c]
 * into C (row stride ldc) as C = beta*C + alpha*T, or C = alpha*T when beta
 * is 0 (C is then not read); each element as update() computes it. */
typedef void kernel_fn(int kc, const float *a, const float *b, float *C,
                       long ldc, float alpha, float beta);

/* Y[idx[e]][0..n) += val[e] * x[0..n) for e < ne, Y's rows ldy apart:
 * steps of the kernel's sums, with its arithmetic (see nn_axpy_rows). */
typedef void axpy_fn(float *Y, long ldy, const int *idx, const float *val,
                     int ne, const float *x, int n);

struct kernel {
    const char *name;
    int mr, nr;
    kernel_fn *fn;
    axpy_fn *axpy;
};

static inline float update(float c, float t, float alpha, float beta)
{
    return beta == 0.0f ? alpha * t : beta * c + alpha * t;
}

static void kernel_generic(int kc, const float *a, const float *b, float *C,
                           long ldc, float alpha, float beta)
{
    enum { MR = 4, NR = 8 };
    float acc[MR][NR] = {{0}};

    for (int k = 0; k < kc; k++)
        for (int r = 0; r < MR; r++)
            for (int c = 0; c < NR; c++)
                acc[r][c] += a[k * MR + r] * b[k * NR + c];
    for (int r = 0; r < MR; r++)
        for (int c = 0; c < NR; c++)
            C[r * ldc + c] = update(C[r * ldc + c], acc[r][c], alpha, beta);
}

static void axpy_generic(float *Y, long ldy, const int *idx,
                         const float *val, int ne, const float *x, int n)
{
    for (int e = 0; e < ne; e++) {
        float *y = Y + idx[e] * ldy, a = val[e];
        for (int j = 0; j < n; j++)
            y[j] += a * x[j];
    }
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#define HAVE_X86_KERNELS 1

__attribute__((target("avx2,fma")))
static void axpy_avx2(float *Y, long ldy, const int *idx, const float *val,
                      int ne, const float *x, int n)
{
    for (int e = 0; e < ne; e++) {
        float *y = Y + idx[e] * ldy;
        __m256 a = _mm256_set1_ps(val[e]);
        int j = 0;
        for (; j + 8 <= n; j += 8)
            _mm256_storeu_ps(y + j, _mm256_fmadd_ps(a, _mm256_loadu_ps(x + j),
                                                    _mm256_loadu_ps(y + j)));
        for (; j < n; j++)
            y[j] = __builtin_fmaf(val[e], x[j], y[j]);
    }
}

__attribute__((target("avx512f,fma")))
static void axpy_avx512(float *Y, long ldy, const int *idx, const float *val,
                        int ne, const float *x, int n)
{
    __mmask16 tail = (__mmask16)((1u << (n % 16)) - 1);

    for (int e = 0; e < ne; e++) {
        float *y = Y + idx[e] * ldy;
        __m512 a = _mm512_set1_ps(val[e]);
        int j = 0;
        for (; j + 16 <= n; j += 16)
            _mm512_storeu_ps(y + j, _mm512_fmadd_ps(a, _mm512_loadu_ps(x + j),
                                                    _mm512_loadu_ps(y + j)));
        if (tail)
            _mm512_mask_storeu_ps(y + j, tail,
                _mm512_fmadd_ps(a, _mm512_maskz_loadu_ps(tail, x + j),
                                _mm512_maskz_loadu_ps(tail, y + j)));
    }
}

/* update() on eight and on sixteen floats at a time. */
__attribute__((target("avx2")))
static inline void update8(float *c, __m256 t, float alpha, float beta)
{
    __m256 at = _mm256_mul_ps(_mm256_set1_ps(alpha), t);

    if (beta != 0.0f)
        at = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(beta),
                                         _mm256_loadu_ps(c)), at);
    _mm256_storeu_ps(c, at);
}

__attribute__((target("avx512f")))
static inline void update16(float *c, __m512 t, float alpha, float beta)
{
    __m512 at = _mm512_mul_ps(_mm512_set1_ps(alpha), t);

    if (beta != 0.0f)
        at = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(beta),
                                         _mm512_loadu_ps(c)), at);
    _mm512_storeu_ps(c, at);
}

__attribute__((target("avx2,fma")))
static void kernel_avx2(int kc, const float *a, const float *b, float *C,
                        long ldc, float alpha, float beta)
{
    enum { MR = 6, NR = 16 };
    __m256 c[MR][2];

    for (int r = 0; r < MR; r++)
        c[r][0] = c[r][1] = _mm256_setzero_ps();
    for (int k = 0; k < kc; k++) {
        __m256 b0 = _mm256_loadu_ps(b + k * NR);
        __m256 b1 = _mm256_loadu_ps(b + k * NR + 8);
        for (int r = 0; r < MR; r++) {
            __m256 ar = _mm256_broadcast_ss(a + k * MR + r);
            c[r][0] = _mm256_fmadd_ps(ar, b0, c[r][0]);
            c[r][1] = _mm256_fmadd_ps(ar, b1, c[r][1]);
        }
    }
    for (int r = 0; r < MR; r++) {
        update8(C + r * ldc, c[r][0], alpha, beta);
        update8(C + r * ldc + 8, c[r][1], alpha, beta);
    }
}

__attribute__((target("avx512f")))
static void kernel_avx512(int kc, const float *a, const float *b, float *C,
                          long ldc, float alpha, float beta)
{
    enum { MR = 8, NR = 32 };
    __m512 c[MR][2];

    for (int r = 0; r < MR; r++)
        c[r][0] = c[r][1] = _mm512_setzero_ps();
    for (int k = 0; k < kc; k++) {
        __m512 b0 = _mm512_loadu_ps(b + k * NR);
        __m512 b1 = _mm512_loadu_ps(b + k * NR + 16);
        for (int r = 0; r < MR; r++) {
            __m512 ar = _mm512_set1_ps(a[k * MR + r]);
            c[r][0] = _mm512_fmadd_ps(ar, b0, c[r][0]);
            c[r][1] = _mm512_fmadd_ps(ar, b1, c[r][1]);
        }
    }
    for (int r = 0; r < MR; r++) {
        update16(C + r * ldc, c[r][0], alpha, beta);
        update16(C + r * ldc + 16, c[r][1], alpha, beta);
    }
}

/* ap[k*8 + r] = A[r*lda + k] for r < 8, k < kc: eight rows of A packed
 * into an MR = 8 panel, eight columns at a time by an 8x8 transpose. */
__attribute__((target("avx2")))
static void pack_rows8(const float *A, int lda, int kc, float *ap)
{
    int k = 0;

    for (; k + 8 <= kc; k += 8) {
        __m256 r[8], t[8];
        for (int i = 0; i < 8; i++)
            r[i] = _mm256_loadu_ps(A + (long)i * lda + k);
        for (int i = 0; i < 8; i += 2) {    /* pairs of rows interleaved */
            t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
            t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
        }
        for (int i = 0; i < 8; i += 4) {    /* then quads */
            r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
            r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
            r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
            r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
        }
        for (int i = 0; i < 4; i++) {       /* then the 128-bit halves */
            _mm256_storeu_ps(ap + (k + i) * 8,
                             _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
            _mm256_storeu_ps(ap + (k + i + 4) * 8,
                             _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
        }
    }
    for (; k < kc; k++)
        for (int i = 0; i < 8; i++)
            ap[k * 8 + i] = A[(long)i * lda + k];
}
#endif

static const struct kernel *pick_kernel(void)
{
    static const struct kernel generic = { "generic", 4, 8, kernel_generic,
                                           axpy_generic };
#ifdef HAVE_X86_KERNELS
    static const struct kernel avx2 = { "avx2", 6, 16, kernel_avx2, axpy_avx2 };
    static const struct kernel avx512 = { "avx512", 8, 32, kernel_avx512,
                                          axpy_avx512 };

    switch (nn_cpu_level()) {
    case NN_CPU_AVX512:
        return &avx512;
    case NN_CPU_AVX2:
        return &avx2;
    }
#endif
    return &generic;
}

void nn_axpy_rows(float *Y, long ldy, const int *idx, const float *val,
                  int ne, const float *x, int n)
{
    pick_kernel()->axpy(Y, ldy, idx, val, ne, x, n);
}

const char *nn_sgemm_kernel(void)
{
#ifdef NN_BLAS
    return "blas";
#else
    return pick_kernel()->name;
#endif
}

/* Element (i, j) of op(X): stored, or (rows) row i's column j. */
static float elem(const nn_matrix *x, long i, long j)
{
    float v;

    if (x->row) {
        x->row(x->ctx, x->i0 + i, 1, (int)(x->j0 + j), 1, &v);
        return v;
    }
    return x->trans ? x->p[j * x->ld + i] : x->p[i * x->ld + j];
}

/* op(X) from its element (i, j) on. */
static nn_matrix shift(nn_matrix x, long i, long j)
{
    if (x.row) {
        x.i0 += i;
        x.j0 += j;
    } else {
        x.p += x.trans ? j * x.ld + i : i * x.ld + j;
    }
    return x;
}

/* Reference product: the plain loops, used when packing memory cannot be
 * had and by the tests.  Same k order as the packed code within a block. */
static void gemm_ref(int M, int N, int K, float alpha, const nn_matrix *A,
                     const nn_matrix *B, float beta, float *C, int ldc)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float *c = &C[(long)i * ldc + j];
            *c = beta == 0.0f ? 0.0f : beta * *c;
            for (int k0 = 0; k0 < K; k0 += KC) {
                float s = 0.0f;
                for (int k = k0; k < K && k < k0 + KC; k++)
                    s += elem(A, i, k) * elem(B, k, j);
                *c += alpha * s;
            }
        }
}

/* Pack op(A)[i0 .. i0+mc) x [k0 .. k0+kc) into MR-row panels, zero-padded:
 * ap[(p*kc + k)*mr + r] = op(A)(i0 + p*mr + r, k0 + k).  A matrix given by
 * rows has each panel's rows written to rows[MR_MAX x KC] first. */
NN_CLONES
static void pack_a(const nn_matrix *A, int i0, int mc, int k0, int kc,
                   int mr, float *ap)
{
    float rows[MR_MAX * KC];

    for (int p = 0; p < mc; p += mr) {
        int m = mc - p < mr ? mc - p : mr, ld = kc;
        const float *src = rows;
        if (A->row) {
            A->row(A->ctx, A->i0 + i0 + p, m, (int)A->j0 + k0, kc, rows);
        } else if (!A->trans) {
            src = A->p + (long)(i0 + p) * A->ld + k0;
            ld = A->ld;
        }
#ifdef HAVE_X86_KERNELS
        if (!A->trans && m == 8 && mr == 8 && nn_cpu_level() >= NN_CPU_AVX2) {
            pack_rows8(src, ld, kc, ap);
            ap += (long)kc * mr;
            continue;
        }
#endif
        for (int k = 0; k < kc; k++) {
            for (int r = 0; r < m; r++)
                ap[k * mr + r] = A->trans
                                     ? A->p[(long)(k0 + k) * A->ld + i0 + p + r]
                                     : src[(long)r * ld + k];
            for (int r = m; r < mr; r++)
                ap[k * mr + r] = 0.0f;
        }
        ap += (long)kc * mr;
    }
}

/* Pack op(B)[k0 .. k0+kc) x [j0 .. j0+nc) into NR-column panels:
 * bp[(q*kc + k)*nr + c] = op(B)(k0 + k, j0 + q*nr + c). */
NN_CLONES
static void pack_b(const nn_matrix *B, int k0, int kc, int j0, int nc,
                   int nr, float *bp)
{
    if (B->row) {       /* a row at a time, then into the panels */
        float row[NC];
        for (int k = 0; k < kc; k++) {
            B->row(B->ctx, B->i0 + k0 + k, 1, (int)B->j0 + j0, nc, row);
            for (int q = 0; q < nc; q += nr) {
                float *dst = bp + ((long)q / nr * kc + k) * nr;
                int c = 0, n = nc - q < nr ? nc - q : nr;
                for (; c < n; c++)
                    dst[c] = row[q + c];
                for (; c < nr; c++)
                    dst[c] = 0.0f;
            }
        }
        return;
    }
    for (int q = 0; q < nc; q += nr) {
        int n = nc - q < nr ? nc - q : nr;
        for (int k = 0; k < kc; k++) {
            float *dst = bp + (long)k * nr;
            int c = B->trans ? n : 0;
            if (!B->trans) {
                const float *src = &B->p[(long)(k0 + k) * B->ld + j0 + q];
                for (; c < n; c++)      /* vectorised: no call */
                    dst[c] = src[c];
            }
            for (; c < nr; c++)
                dst[c] = 0.0f;
        }
        /* Transposed: each column of the panel is a stored row, read
         * along its length. */
        for (int c = 0; c < n && B->trans; c++) {
            const float *src = &B->p[(long)(j0 + q + c) * B->ld + k0];
            for (int k = 0; k < kc; k++)
                bp[(long)k * nr + c] = src[k];
        }
        bp += (long)kc * nr;
    }
}

/* The product over the blocks of one thread, with its packing buffers ap
 * (MC*KC floats) and bp (KC*(NC+NR_MAX) floats). */
NN_CLONES
static void gemm_packed(const struct kernel *kern, int M, int N, int K,
                        float alpha, const nn_matrix *A, const nn_matrix *B,
                        float beta, float *C, int ldc, float *ap, float *bp)
{
    if (K <= 0) {   /* C = beta*C */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                float *c = &C[(long)i * ldc + j];
                *c = beta == 0.0f ? 0.0f : beta * *c;
            }
    }
    for (int j0 = 0; j0 < N; j0 += NC) {
        int nc = N - j0 < NC ? N - j0 : NC;
        for (int k0 = 0; k0 < K; k0 += KC) {
            int kc = K - k0 < KC ? K - k0 : KC;
            /* The first k block scales C by beta, later ones accumulate. */
            float b = k0 == 0 ? beta : 1.0f;
            pack_b(B, k0, kc, j0, nc, kern->nr, bp);
            for (int i0 = 0; i0 < M; i0 += MC) {
                int mc = M - i0 < MC ? M - i0 : MC;
                pack_a(A, i0, mc, k0, kc, kern->mr, ap);
                for (int q = 0; q < nc; q += kern->nr) {
                    int n = nc - q < kern->nr ? nc - q : kern->nr;
                    const float *bq = bp + (long)(q / kern->nr) * kc * kern->nr;
                    for (int p = 0; p < mc; p += kern->mr) {
                        int m = mc - p < kern->mr ? mc - p : kern->mr;
                        const float *a = ap + (long)(p / kern->mr) * kc *
                                                  kern->mr;
                        float *c = &C[(long)(i0 + p) * ldc + j0 + q];
                        float t[MR_MAX * NR_MAX];
                        if (m == kern->mr && n == kern->nr) {
                            kern->fn(kc, a, bq, c, ldc, alpha, b);
                            continue;
                        }
                        /* An edge tile: whole into t, its part into C. */
                        kern->fn(kc, a, bq, t, kern->nr, 1.0f, 0.0f);
                        for (int r = 0; r < m; r++)
                            for (int j = 0; j < n; j++)
                                c[r * ldc + j] = update(c[r * ldc + j],
                                                        t[r * kern->nr + j],
                                                        alpha, b);
                    }
                }
            }
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Threads.  A product worth splitting is cut into chunks of columns of C
 * (or of rows, when C is narrow) for the pool (lib/pool.c).  Each element
 * of C is computed by the same code over the same k order whoever
 * computes it, so results are identical for any number of threads. */

enum { MIN_FLOPS = 1 << 21,     /* smaller products run on one thread */
       CHUNKS_PER_THREAD = 2 };

struct job {
    const struct kernel *kern;
    int M, N, K, ldc;
    float alpha, beta;
    nn_matrix A, B;
    float *C;
    int split_cols;             /* chunks are columns of C, else rows */
    int chunk;                  /* chunk width (or height) */
};

/* Packing buffers of each pool thread (index: worker), made on first use
 * by that thread alone. */
static float *pack[NN_MAX_THREADS][2];

static int alloc_buffers(float **ap, float **bp)
{
    *ap = malloc(sizeof(float) * MC * KC);
    *bp = malloc(sizeof(float) * KC * (NC + NR_MAX));
    if (*ap && *bp)
        return 0;
    free(*ap);
    free(*bp);
    *ap = *bp = NULL;
    return -1;
}

/* The product of rows or columns [lo, lo + chunk) with the buffers ap, bp
 * (NULL: the plain loops). */
static void product(const struct job *j, int lo, float *ap, float *bp)
{
    int M = j->M, N = j->N;
    nn_matrix A = j->A, B = j->B;
    float *C = j->C;

    if (j->split_cols) {
        N = N - lo < j->chunk ? N - lo : j->chunk;
        B = shift(B, 0, lo);
        C += lo;
    } else {
        M = M - lo < j->chunk ? M - lo : j->chunk;
        A = shift(A, lo, 0);
        C += (long)lo * j->ldc;
    }
    if (ap)
        gemm_packed(j->kern, M, N, j->K, j->alpha, &A, &B, j->beta, C, j->ldc,
                    ap, bp);
    else
        gemm_ref(M, N, j->K, j->alpha, &A, &B, j->beta, C, j->ldc);
}

static void run_chunk(void *arg, int c, int worker)
{
    const struct job *j = arg;
    float *ap, *bp;

    if (worker < 0) {           /* not a pool thread: buffers of its own */
        if (alloc_buffers(&ap, &bp) != 0)
            ap = bp = NULL;
        product(j, c * j->chunk, ap, bp);
        free(ap);
        free(bp);
        return;
    }
    if (!pack[worker][0] && alloc_buffers(&pack[worker][0],
                                          &pack[worker][1]) != 0) {
        product(j, c * j->chunk, NULL, NULL);
        return;
    }
    product(j, c * j->chunk, pack[worker][0], pack[worker][1]);
}

void nn_sgemm_m(int M, int N, int K, float alpha, const nn_matrix *A,
                const nn_matrix *B, float beta, float *C, int ldc)
{
    struct job j = { pick_kernel(), M, N, K, ldc, alpha, beta, *A, *B, C,
                     1, N };
    int threads = nn_pool_threads(), want, len, unit, units, nchunks = 1;

    if (M <= 0 || N <= 0)
        return;
    /* Columns of C in multiples of the kernel's NR, or rows in multiples
     * of MR, CHUNKS_PER_THREAD a thread. */
    if (threads > 1 && 2.0 * M * N * K >= MIN_FLOPS) {
        want = threads * CHUNKS_PER_THREAD;
        j.split_cols = N >= M;
        len = j.split_cols ? N : M;
        unit = j.split_cols ? j.kern->nr : j.kern->mr;
        units = (len + unit - 1) / unit;
        j.chunk = (units + want - 1) / want * unit;
        nchunks = (len + j.chunk - 1) / j.chunk;
    }
    nn_parallel(nchunks, run_chunk, &j);
}

void nn_sgemm(int transa, int transb, int M, int N, int K, float alpha,
              const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc)
{
    nn_matrix a = { .p = A, .ld = lda, .trans = transa };
    nn_matrix b = { .p = B, .ld = ldb, .trans = transb };

#ifdef NN_BLAS
    if (M > 0 && N > 0)
        cblas_sgemm(CblasRowMajor, transa ? CblasTrans : CblasNoTrans,
                    transb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A,
                    lda, B, ldb, beta, C, ldc);
    return;
#endif
    nn_sgemm_m(M, N, K, alpha, &a, &b, beta, C, ldc);
}
