/* cpu.c - which vector instructions the kernels use: the best this CPU
 * has, or fewer if the caller asks (nn_set_kernel; the tools take it from
 * NN_KERNEL), so that tests and benchmarks can run every kernel. */
#include <string.h>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "nn_internal.h"

static const char *const levels[] = {
    [NN_CPU_GENERIC] = "generic", [NN_CPU_AVX2] = "avx2",
    [NN_CPU_AVX512] = "avx512",
};

static int cap = NN_CPU_AVX512;     /* set by nn_set_kernel */

static int detect(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return NN_CPU_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return NN_CPU_AVX2;
#endif
    return NN_CPU_GENERIC;
}

int nn_cpu_level(void)
{
    static int best = -1;       /* benign race: every thread finds the same */

    if (best < 0)
        best = detect();
    return best < cap ? best : cap;
}

int nn_set_kernel(const char *name)
{
    for (int i = 0; i < (int)(sizeof levels / sizeof levels[0]); i++)
        if (name && strcmp(name, levels[i]) == 0) {
            cap = i;
            return NN_OK;
        }
    return NN_EINVAL;
}

/* MXCSR's flush-to-zero (bit 15: a result too small for a normal float is
 * 0) and denormals-are-zero (bit 6: such an input counts as 0).  Some
 * cores take about a hundred cycles for each denormal operand or result,
 * and late in training many small gradients and weights are denormal; no
 * digit of a loss or prediction depends on them. */
#define FP_FLUSH 0x8040u

unsigned nn_fp_enter(void)
{
#if defined(__SSE__)
    unsigned old = _mm_getcsr();

    if ((old & FP_FLUSH) != FP_FLUSH)
        _mm_setcsr(old | FP_FLUSH);
    return old;
#else
    return 0;
#endif
}

void nn_fp_leave(unsigned old)
{
#if defined(__SSE__)
    if (_mm_getcsr() != old)
        _mm_setcsr(old);
#else
    (void)old;
#endif
}
