/* bench.h - what the benchmark programs share: a clock, and matrices of
 * numbers fit for timing products. */
#ifndef BENCH_H
#define BENCH_H

#include <stdlib.h>
#include <time.h>

#include "../cmd/util.h"

static inline double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline float *filled(long n)
{
    float *p = malloc(n * sizeof *p);
    if (!p)
        die("out of memory");
    /* Small, varied, normal numbers: no denormals to slow the kernel. */
    for (long i = 0; i < n; i++)
        p[i] = (float)((i * 7919 % 1009) - 504) / 1009.0f;
    return p;
}

#endif
