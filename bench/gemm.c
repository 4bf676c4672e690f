/* gemm.c - GFLOP/s of nn_sgemm: a large square product (the ceiling for
 * training), with one thread and with several, and the products one
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
#include "bench.h"

/* Best of ROUNDS timings; the peak, the reference for everything else, is
 * worth more rounds on a shared machine. */
enum { ROUNDS = 3, PEAK_ROUNDS = 5 };
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

/* GFLOP/s of `threads` square products of size n running at once, each in
 * a thread of its own on its own matrices: what the cores give together,
 * with no splitting of one product.  threads = 1: one product. */
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
    for (int r = 0; r < PEAK_ROUNDS; r++) {
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

/* Threads for each nn_sgemm call: libnn has nn_set_threads when nn.h
 * defines NN_MAX_THREADS.  Returns 0 if it cannot use t threads. */
static int use_threads(int t)
{
#ifdef NN_MAX_THREADS
    return nn_set_threads(t) == t;
#else
    return t == 1;
#endif
}

/* The GEMM peaks with 1 thread and with `threads`, for the share of the
 * peak in each product's row (0: not measured). */
static double peak1, peakT;

/* A cell: GFLOP/s g and its share of peak, or "-" for g < 0. */
static void cell(char *buf, size_t n, double g, double peak)
{
    if (g < 0)
        snprintf(buf, n, "%9s %6s", "-", "");
    else if (peak > 0)
        snprintf(buf, n, "%9.1f %5.1f%%", g, 100.0 * g / peak);
    else
        snprintf(buf, n, "%9.1f %6s", g, "");
}

/* One table row: GFLOP/s with 1 thread and with more (-1: not measured),
 * each with its share of that thread count's peak when share is set. */
static void print_row(const char *name, const struct product *p, double g1,
                      double gt, int share)
{
    char c1[32], ct[32];

    cell(c1, sizeof c1, g1, share ? peak1 : 0.0);
    cell(ct, sizeof ct, gt, share ? peakT : 0.0);
    if (p)
        printf("  %-11s %5d %5d %5d  %c%c %s %s\n", name, p->M, p->N, p->K,
               p->ta ? 'T' : 'N', p->tb ? 'T' : 'N', c1, ct);
    else
        printf("  %-11s %5s %5s %5s  %2s %s %s\n", name, "", "", "", "", c1,
               ct);
}

/* The products of one training step of net, with 1 and with `threads`
 * threads: per layer the forward pass, the weight gradient and, past the
 * first layer, the input gradient; then all of them together. */
static void net_products(const struct net *net, int threads)
{
    static const char *const what[] = { "fwd", "dW", "dx" };
    double total = 0.0, sum1 = 0.0, sumt = 0.0;
    int B = net->batch;
    char name[32];

    for (int l = 0; l + 1 < net->n; l++) {
        int in = net->sizes[l], out = net->sizes[l + 1];
        for (int i = 0; i < (l > 0 ? 3 : 2); i++) {
            struct product p;
            double t1, tt = -1.0;
            if (i == 0)
                product_init(&p, 0, 1, B, out, in);
            else if (i == 1)
                product_init(&p, 1, 0, out, in, B);
            else
                product_init(&p, 0, 0, B, in, out);
            use_threads(1);
            t1 = time_product(&p);
            if (threads > 1 && use_threads(threads))
                tt = time_product(&p);
            snprintf(name, sizeof name, "%s.%s%d", net->name, what[i], l + 1);
            print_row(name, &p, flops(&p) / t1 * 1e-9,
                      tt > 0 ? flops(&p) / tt * 1e-9 : -1.0, 1);
            total += flops(&p);
            sum1 += t1;
            sumt += tt;
            product_free(&p);
        }
    }
    snprintf(name, sizeof name, "%s.step", net->name);
    print_row(name, NULL, total / sum1 * 1e-9,
              threads > 1 && use_threads(threads) ? total / sumt * 1e-9 : -1.0,
              1);
    use_threads(1);
}

static void usage(void)
{
    printf("Usage: %s [-p] [-n SIZE] [-t THREADS]\n"
"Print the GFLOP/s of nn_sgemm, with 1 thread and with THREADS threads\n"
"(nn_set_threads), best of %d timings (%d for the peak): a SIZE^3 product;\n"
"THREADS such products at once, one thread each; the products of one\n"
"training step of the bench networks B1-B3, each with its share of the\n"
"peak (with THREADS threads: the better of one product split and THREADS\n"
"products at once).\n"
"\n"
"  -n SIZE      square product size [2048]\n"
"  -p           the square products only\n"
"  -t THREADS   the second column's threads [online CPUs]\n"
"  -h, --help   show this help and exit\n", argv0, ROUNDS, PEAK_ROUNDS);
}

int main(int argc, char **argv)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int n = 2048, threads = cpus > 0 ? (int)cpus : 1, peak_only = 0, c;
    struct product sq = { 0, 0, 0, 0, 0, NULL, NULL, NULL };   /* shape only */
    double g1, gt;
    char col[32];

    setprog(argv[0]);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":n:pt:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': n = (int)parse_int(optarg, 1, 16384, "-n"); break;
        case 'p': peak_only = 1; break;
        case 't': threads = (int)parse_int(optarg, 1, 256, "-t"); break;
        case 'h': usage(); exit(close_stdout());
        default: option_error(c, argv);
        }
    }
    if (optind < argc)
        usage_error("too many operands");
    sq.M = sq.N = sq.K = n;

    printf("nn_sgemm, kernel %s: GFLOP/s = 2*M*N*K / seconds, best of %d "
           "(peak: of %d)%s\n", nn_sgemm_kernel(), ROUNDS, PEAK_ROUNDS,
           use_threads(threads) ? "" :
           "; '-': this libnn has no threads");
    snprintf(col, sizeof col, "%d threads", threads);
    printf("  %-11s %5s %5s %5s  %2s %9s %6s %9s %6s\n", "product", "M", "N",
           "K", "op", "1 thread", "%peak", col, "%peak");
    use_threads(1);
    g1 = square_peak(n, 1);
    gt = threads > 1 && use_threads(threads) ? square_peak(n, 1) : -1.0;
    print_row("peak", &sq, g1, gt, 0);
    use_threads(1);
    peak1 = peakT = g1;
    if (threads > 1) {
        double apart = square_peak(n, threads);
        print_row("peak.apart", &sq, -1.0, apart, 0);
        peakT = gt > apart ? gt : apart;
    }
    for (size_t i = 0; !peak_only && i < sizeof nets / sizeof nets[0]; i++)
        net_products(&nets[i], threads);
    return close_stdout();
}
