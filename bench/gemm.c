/* gemm.c - GFLOP/s of nn_sgemm: a large square product, alone and in one
 * thread per core at once (the ceiling for training), and the products one
 * training step of each bench network makes (bench/bench.sh reads this). */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nn.h"
#include "../cmd/util.h"

enum { ROUNDS = 3 };                /* best of ROUNDS timings */
static const double MIN_SECONDS = 0.05;   /* per timing, for small products */

/* One product as lib/layers.c calls it: C[M x N] = op(A) * op(B). */
struct product {
    int ta, tb, M, N, K;
    float *A, *B, *C;
};

/* The bench networks (bench/bench.sh): sizes and batch. */
static const struct net {
    const char *name;
    int n, sizes[3], batch;
} nets[] = {
    { "B1", 3, { 784, 30, 10 }, 10 },
    { "B2", 3, { 784, 100, 10 }, 32 },
    { "B3", 3, { 784, 800, 10 }, 128 },
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float *filled(long n)
{
    float *p = malloc(n * sizeof *p);
    if (!p)
        die("out of memory");
    /* Small, varied, normal numbers: no denormals to slow the kernel. */
    for (long i = 0; i < n; i++)
        p[i] = (float)((i * 7919 % 1009) - 504) / 1009.0f;
    return p;
}

static void product_init(struct product *p, int ta, int tb, int M, int N, int K)
{
    p->ta = ta, p->tb = tb, p->M = M, p->N = N, p->K = K;
    p->A = filled((long)M * K);
    p->B = filled((long)K * N);
    p->C = filled((long)M * N);
}

static void product_free(struct product *p)
{
    free(p->A);
    free(p->B);
    free(p->C);
}

static void run(const struct product *p)
{
    /* Leading dimensions of the stored (untransposed) matrices. */
    int lda = p->ta ? p->M : p->K, ldb = p->tb ? p->K : p->N;
    nn_sgemm(p->ta, p->tb, p->M, p->N, p->K, 1.0f, p->A, lda, p->B, ldb,
             0.0f, p->C, p->N);
}

static double flops(const struct product *p)
{
    return 2.0 * p->M * p->N * p->K;
}

/* Seconds per call of p: the best of ROUNDS timings, each repeating the
 * call for at least MIN_SECONDS. */
static double time_product(const struct product *p)
{
    double best = 0.0;

    run(p);     /* warm up: caches, page faults */
    for (int r = 0; r < ROUNDS; r++) {
        long reps = 0;
        double t0 = now(), t;
        do {
            run(p);
            reps++;
        } while ((t = now() - t0) < MIN_SECONDS);
        if (r == 0 || t / reps < best)
            best = t / reps;
    }
    return best;
}

static void *square_thread(void *arg)
{
    run(arg);
    return NULL;
}

/* GFLOP/s of `threads` square products of size n running at once, one per
 * thread, each on its own matrices: what the cores give together. */
static double square_peak(int n, int threads)
{
    struct product *p = malloc(threads * sizeof *p);
    pthread_t *tid = malloc(threads * sizeof *tid);
    double best = 0.0;

    if (!p || !tid)
        die("out of memory");
    for (int i = 0; i < threads; i++)
        product_init(&p[i], 0, 0, n, n, n);
    run(&p[0]);
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now(), t;
        for (int i = 0; i < threads; i++)
            if ((errno = pthread_create(&tid[i], NULL, square_thread, &p[i])))
                die("pthread_create:");
        for (int i = 0; i < threads; i++)
            pthread_join(tid[i], NULL);
        t = now() - t0;
        if (r == 0 || t < best)
            best = t;
    }
    for (int i = 0; i < threads; i++)
        product_free(&p[i]);
    free(p);
    free(tid);
    return threads * 2.0 * n * n * n / best * 1e-9;
}

/* One table row; op is "NT" etc. (op(A), op(B)), or "" for a mix. */
static void print_row(const char *name, int M, int N, int K, const char *op,
                      int threads, double gflops)
{
    if (M)
        printf("  %-12s %5d %5d %5d  %2s %7d %9.1f\n", name, M, N, K, op,
               threads, gflops);
    else
        printf("  %-12s %5s %5s %5s  %2s %7d %9.1f\n", name, "", "", "", op,
               threads, gflops);
}

/* The products of one training step of net: per layer the forward pass,
 * the weight gradient and, past the first layer, the input gradient. */
static void net_products(const struct net *net)
{
    struct product p[3];
    const char *what[3];
    char name[32], op[3];
    int B = net->batch;
    double total = 0.0, sum_t = 0.0;

    for (int l = 0; l + 1 < net->n; l++) {
        int in = net->sizes[l], out = net->sizes[l + 1], n = 0;
        what[n] = "fwd";
        product_init(&p[n++], 0, 1, B, out, in);
        what[n] = "dW";
        product_init(&p[n++], 1, 0, out, in, B);
        if (l > 0) {
            what[n] = "dx";
            product_init(&p[n++], 0, 0, B, in, out);
        }
        for (int i = 0; i < n; i++) {
            double t = time_product(&p[i]);
            snprintf(name, sizeof name, "%s.%s%d", net->name, what[i], l + 1);
            op[0] = p[i].ta ? 'T' : 'N';
            op[1] = p[i].tb ? 'T' : 'N';
            op[2] = '\0';
            print_row(name, p[i].M, p[i].N, p[i].K, op, 1,
                      flops(&p[i]) / t * 1e-9);
            total += flops(&p[i]);
            sum_t += t;
            product_free(&p[i]);
        }
    }
    snprintf(name, sizeof name, "%s.step", net->name);
    print_row(name, 0, 0, 0, "", 1, total / sum_t * 1e-9);
}

static void usage(void)
{
    printf("Usage: %s [-n SIZE] [-t THREADS]\n"
"Print the GFLOP/s of nn_sgemm: a SIZE^3 product in one thread and in\n"
"THREADS threads at once (one product each), then the products of one\n"
"training step of the bench networks B1-B3, one thread, best of %d.\n"
"\n"
"  -n SIZE      square product size [2048]\n"
"  -t THREADS   threads for the peak [online CPUs]\n"
"  -h, --help   show this help and exit\n", argv0, ROUNDS);
}

int main(int argc, char **argv)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int n = 2048, threads = cpus > 0 ? (int)cpus : 1, c;

    setprog(argv[0]);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":n:t:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': n = (int)parse_int(optarg, 1, 16384, "-n"); break;
        case 't': threads = (int)parse_int(optarg, 1, 256, "-t"); break;
        case 'h': usage(); exit(close_stdout());
        default: option_error(c, argv);
        }
    }
    if (optind < argc)
        usage_error("too many operands");

    printf("nn_sgemm, kernel %s: GFLOP/s = 2*M*N*K / seconds, best of %d\n",
           nn_sgemm_kernel(), ROUNDS);
    printf("  %-12s %5s %5s %5s  %2s %7s %9s\n", "product", "M", "N", "K",
           "op", "threads", "GFLOP/s");
    print_row("peak", n, n, n, "NN", 1, square_peak(n, 1));
    if (threads > 1)
        print_row("peak", n, n, n, "NN", threads, square_peak(n, threads));
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++)
        net_products(&nets[i]);
    return close_stdout();
}
