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
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn_internal.h"

#ifdef NN_BLAS
#include <cblas.h>
#endif

enum { KC = 256, MC = 96, NC = 1024, MR_MAX = 8, NR_MAX = 32 };

/* A kernel: t[MR x NR] = sum over k < kc of a[k*MR + r] * b[k*NR + c]. */
typedef void kernel_fn(int kc, const float *a, const float *b, float *t);

struct kernel {
    const char *name;
    int mr, nr;
    kernel_fn *fn;
};

static void kernel_generic(int kc, const float *a, const float *b, float *t)
{
    enum { MR = 4, NR = 8 };
    float acc[MR][NR] = {{0}};

    for (int k = 0; k < kc; k++)
        for (int r = 0; r < MR; r++)
            for (int c = 0; c < NR; c++)
                acc[r][c] += a[k * MR + r] * b[k * NR + c];
    memcpy(t, acc, sizeof acc);
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#define HAVE_X86_KERNELS 1

__attribute__((target("avx2,fma")))
static void kernel_avx2(int kc, const float *a, const float *b, float *t)
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
        _mm256_storeu_ps(t + r * NR, c[r][0]);
        _mm256_storeu_ps(t + r * NR + 8, c[r][1]);
    }
}

__attribute__((target("avx512f")))
static void kernel_avx512(int kc, const float *a, const float *b, float *t)
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
        _mm512_storeu_ps(t + r * NR, c[r][0]);
        _mm512_storeu_ps(t + r * NR + 16, c[r][1]);
    }
}
#endif

int nn_cpu_level(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    const char *force = getenv("NN_KERNEL");    /* for tests and benchmarks */

    __builtin_cpu_init();
    if (force && strcmp(force, "generic") == 0)
        return NN_CPU_GENERIC;
    if (__builtin_cpu_supports("avx512f") && !(force && strcmp(force, "avx2") == 0))
        return NN_CPU_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return NN_CPU_AVX2;
#endif
    return NN_CPU_GENERIC;
}

static const struct kernel *pick_kernel(void)
{
    static const struct kernel generic = { "generic", 4, 8, kernel_generic };
#ifdef HAVE_X86_KERNELS
    static const struct kernel avx2 = { "avx2", 6, 16, kernel_avx2 };
    static const struct kernel avx512 = { "avx512", 8, 32, kernel_avx512 };

    switch (nn_cpu_level()) {
    case NN_CPU_AVX512:
        return &avx512;
    case NN_CPU_AVX2:
        return &avx2;
    }
#endif
    return &generic;
}

static const struct kernel *kernel(void)
{
    /* Benign race: every thread computes the same pointer. */
    static const struct kernel *k;
    if (!k)
        k = pick_kernel();
    return k;
}

const char *nn_sgemm_kernel(void)
{
#ifdef NN_BLAS
    return "blas";
#else
    return kernel()->name;
#endif
}

/* Element (i, k) of op(A) and (k, j) of op(B). */
#define OPA(i, k) (transa ? A[(long)(k) * lda + (i)] : A[(long)(i) * lda + (k)])
#define OPB(k, j) (transb ? B[(long)(j) * ldb + (k)] : B[(long)(k) * ldb + (j)])

/* Reference product: the plain loops, used when packing memory cannot be
 * had and by the tests.  Same k order as the packed code within a block. */
static void gemm_ref(int transa, int transb, int M, int N, int K, float alpha,
                     const float *A, int lda, const float *B, int ldb,
                     float beta, float *C, int ldc)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float *c = &C[(long)i * ldc + j];
            *c = beta == 0.0f ? 0.0f : beta * *c;
            for (int k0 = 0; k0 < K; k0 += KC) {
                float s = 0.0f;
                for (int k = k0; k < K && k < k0 + KC; k++)
                    s += OPA(i, k) * OPB(k, j);
                *c += alpha * s;
            }
        }
}

/* Pack op(A)[i0 .. i0+mc) x [k0 .. k0+kc) into MR-row panels, zero-padded:
 * ap[(p*kc + k)*mr + r] = op(A)(i0 + p*mr + r, k0 + k). */
static void pack_a(int transa, const float *A, int lda, int i0, int mc,
                   int k0, int kc, int mr, float *ap)
{
    for (int p = 0; p < mc; p += mr) {
        int m = mc - p < mr ? mc - p : mr;
        for (int k = 0; k < kc; k++) {
            for (int r = 0; r < m; r++)
                ap[k * mr + r] = OPA(i0 + p + r, k0 + k);
            for (int r = m; r < mr; r++)
                ap[k * mr + r] = 0.0f;
        }
        ap += (long)kc * mr;
    }
}

/* Pack op(B)[k0 .. k0+kc) x [j0 .. j0+nc) into NR-column panels:
 * bp[(q*kc + k)*nr + c] = op(B)(k0 + k, j0 + q*nr + c). */
static void pack_b(int transb, const float *B, int ldb, int k0, int kc,
                   int j0, int nc, int nr, float *bp)
{
    for (int q = 0; q < nc; q += nr) {
        int n = nc - q < nr ? nc - q : nr;
        for (int k = 0; k < kc; k++) {
            float *dst = bp + (long)k * nr;
            if (!transb && n == nr) {
                memcpy(dst, &B[(long)(k0 + k) * ldb + j0 + q], nr * sizeof *dst);
                continue;
            }
            for (int c = 0; c < n; c++)
                dst[c] = OPB(k0 + k, j0 + q + c);
            for (int c = n; c < nr; c++)
                dst[c] = 0.0f;
        }
        bp += (long)kc * nr;
    }
}

/* The product over the blocks of one thread, with its packing buffers ap
 * (MC*KC floats) and bp (KC*(NC+NR_MAX) floats). */
static void gemm_packed(const struct kernel *kern, int transa, int transb,
                        int M, int N, int K, float alpha, const float *A,
                        int lda, const float *B, int ldb, float beta, float *C,
                        int ldc, float *ap, float *bp)
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
            pack_b(transb, B, ldb, k0, kc, j0, nc, kern->nr, bp);
            for (int i0 = 0; i0 < M; i0 += MC) {
                int mc = M - i0 < MC ? M - i0 : MC;
                pack_a(transa, A, lda, i0, mc, k0, kc, kern->mr, ap);
                for (int q = 0; q < nc; q += kern->nr) {
                    int n = nc - q < kern->nr ? nc - q : kern->nr;
                    const float *bq = bp + (long)(q / kern->nr) * kc * kern->nr;
                    for (int p = 0; p < mc; p += kern->mr) {
                        int m = mc - p < kern->mr ? mc - p : kern->mr;
                        float t[MR_MAX * NR_MAX];
                        kern->fn(kc, ap + (long)(p / kern->mr) * kc * kern->mr,
                                 bq, t);
                        for (int r = 0; r < m; r++) {
                            float *c = &C[(long)(i0 + p + r) * ldc + j0 + q];
                            const float *tr = t + r * kern->nr;
                            if (b == 0.0f)
                                for (int j = 0; j < n; j++)
                                    c[j] = alpha * tr[j];
                            else
                                for (int j = 0; j < n; j++)
                                    c[j] = b * c[j] + alpha * tr[j];
                        }
                    }
                }
            }
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Threads.  A product worth splitting is cut into chunks of columns of C
 * (or of rows, when C is narrow), and the calling thread and the workers
 * take chunks from a shared counter until none is left.  Each element of C
 * is computed by the same code over the same k order whoever computes it,
 * so results are identical for any number of threads.  Taking chunks
 * rather than a fixed half each means a worker that the system does not
 * schedule (a busy machine) delays the product by at most one chunk. */

enum { MIN_FLOPS = 1 << 21,     /* smaller products run on one thread */
       CHUNKS_PER_THREAD = 2 };

struct job {
    void (*fn)(void *arg, int c);   /* nn_parallel's work, or NULL: a product */
    void *arg;
    const struct kernel *kern;
    int transa, transb, M, N, K, lda, ldb, ldc;
    float alpha, beta;
    const float *A, *B;
    float *C;
    int split_cols;             /* chunks are columns of C, else rows */
    int chunk, nchunks;         /* chunk width (or height) and count */
};

struct worker {
    pthread_t tid;
    float *ap, *bp;
};

static struct {
    pthread_mutex_t lock;       /* held by the thread submitting a job */
    pthread_mutex_t mu;         /* guards the fields below */
    pthread_cond_t work, done;
    int nthreads;               /* wanted, the caller included */
    int nworkers;               /* started */
    struct worker w[NN_MAX_THREADS];
    float *ap, *bp;             /* the submitting thread's buffers */
    const struct job *job;
    unsigned long gen;          /* job number, to wake the workers */
    int next, finished;         /* chunks taken, chunks done */
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
           PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 1, 0,
           {{0}}, NULL, NULL, NULL, 0, 0, 0 };

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

static void run_chunk(const struct job *j, int c, float *ap, float *bp)
{
    int lo = c * j->chunk;
    if (j->fn) {
        j->fn(j->arg, c);
    } else if (j->split_cols) {
        int n = j->N - lo < j->chunk ? j->N - lo : j->chunk;
        const float *B = j->transb ? j->B + (long)lo * j->ldb : j->B + lo;
        gemm_packed(j->kern, j->transa, j->transb, j->M, n, j->K, j->alpha,
                    j->A, j->lda, B, j->ldb, j->beta, j->C + lo, j->ldc, ap, bp);
    } else {
        int m = j->M - lo < j->chunk ? j->M - lo : j->chunk;
        const float *A = j->transa ? j->A + lo : j->A + (long)lo * j->lda;
        gemm_packed(j->kern, j->transa, j->transb, m, j->N, j->K, j->alpha,
                    A, j->lda, j->B, j->ldb, j->beta, j->C + (long)lo * j->ldc,
                    j->ldc, ap, bp);
    }
}

/* Take and run chunks of the current job until none is left; pool.mu is
 * held on entry and on return. */
static void take_chunks(float *ap, float *bp)
{
    const struct job *j = pool.job;
    while (pool.next < j->nchunks) {
        int c = pool.next++;
        pthread_mutex_unlock(&pool.mu);
        run_chunk(j, c, ap, bp);
        pthread_mutex_lock(&pool.mu);
        if (++pool.finished == j->nchunks)
            pthread_cond_signal(&pool.done);
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (pool.gen == seen)
            pthread_cond_wait(&pool.work, &pool.mu);
        seen = pool.gen;
        if (pool.job)
            take_chunks(w->ap, w->bp);
    }
    return NULL;
}

/* Start workers up to n - 1; returns the number of threads available. */
static int start_workers(int n)
{
    while (pool.nworkers < n - 1) {
        struct worker *w = &pool.w[pool.nworkers];
        if (alloc_buffers(&w->ap, &w->bp) != 0)
            break;
        if (pthread_create(&w->tid, NULL, worker_main, w) != 0) {
            free(w->ap);
            free(w->bp);
            break;
        }
        pthread_detach(w->tid);
        pool.nworkers++;
    }
    return pool.nworkers + 1;
}

int nn_set_threads(int n)
{
    if (n <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 ? (int)cpus : 1;
    }
    if (n > NN_MAX_THREADS)
        n = NN_MAX_THREADS;
    pthread_mutex_lock(&pool.lock);
    pool.nthreads = n;
    pthread_mutex_unlock(&pool.lock);
    return n;
}

int nn_threads(void)
{
    return pool.nthreads;
}

/* Split the product into chunks for up to `threads` threads: columns of C
 * in multiples of the kernel's NR, or rows in multiples of MR. */
static void plan(struct job *j, int threads)
{
    int want = threads * CHUNKS_PER_THREAD;
    j->split_cols = j->N >= j->M;
    int len = j->split_cols ? j->N : j->M;
    int unit = j->split_cols ? j->kern->nr : j->kern->mr;
    int units = (len + unit - 1) / unit;
    int per = (units + want - 1) / want;
    j->chunk = per * unit;
    j->nchunks = (len + j->chunk - 1) / j->chunk;
}

/* Run the chunks of j on the pool's threads and this one; pool.lock is
 * held and the workers started. */
static void run_job(const struct job *j)
{
    pthread_mutex_lock(&pool.mu);
    pool.job = j;
    pool.next = pool.finished = 0;
    pool.gen++;
    pthread_cond_broadcast(&pool.work);
    take_chunks(pool.ap, pool.bp);
    while (pool.finished < j->nchunks)
        pthread_cond_wait(&pool.done, &pool.mu);
    pool.job = NULL;
    pthread_mutex_unlock(&pool.mu);
}

void nn_parallel(int n, void (*fn)(void *arg, int c), void *arg)
{
    struct job j = { .fn = fn, .arg = arg, .chunk = 1, .nchunks = n };

    if (n > 1 && pool.nthreads > 1 && pthread_mutex_trylock(&pool.lock) == 0) {
        if (start_workers(pool.nthreads) > 1) {
            run_job(&j);
            n = 0;
        }
        pthread_mutex_unlock(&pool.lock);
    }
    for (int c = 0; c < n; c++)
        fn(arg, c);
}

void nn_sgemm(int transa, int transb, int M, int N, int K, float alpha,
              const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc)
{
    struct job j = { NULL, NULL, kernel(), transa, transb, M, N, K, lda, ldb,
                     ldc, alpha, beta, A, B, C, 1, N, 1 };
    float *ap, *bp;

    if (M <= 0 || N <= 0)
        return;
#ifdef NN_BLAS
    cblas_sgemm(CblasRowMajor, transa ? CblasTrans : CblasNoTrans,
                transb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda,
                B, ldb, beta, C, ldc);
    return;
#endif
    /* Another thread of the program is using the pool: work alone. */
    if (pthread_mutex_trylock(&pool.lock) != 0) {
        if (alloc_buffers(&ap, &bp) != 0) {
            gemm_ref(transa, transb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
            return;
        }
        gemm_packed(j.kern, transa, transb, M, N, K, alpha, A, lda, B, ldb,
                    beta, C, ldc, ap, bp);
        free(ap);
        free(bp);
        return;
    }
    if (!pool.ap && alloc_buffers(&pool.ap, &pool.bp) != 0) {
        pthread_mutex_unlock(&pool.lock);
        gemm_ref(transa, transb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    int threads = 1;
    if (pool.nthreads > 1 && 2.0 * M * N * K >= MIN_FLOPS)
        threads = start_workers(pool.nthreads);
    if (threads > 1)
        plan(&j, threads);
    if (j.nchunks <= 1) {
        gemm_packed(j.kern, transa, transb, M, N, K, alpha, A, lda, B, ldb,
                    beta, C, ldc, pool.ap, pool.bp);
    } else {
        run_job(&j);
    }
    pthread_mutex_unlock(&pool.lock);
}
