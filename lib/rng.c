/* rng.c - our own PRNG (splitmix64 seeding, xoroshiro128+), so that a seed
 * gives the same model whatever the C library. */
#include <math.h>

#include "nn.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void nn_rng_seed(nn_rng *r, uint64_t seed)
{
    r->s[0] = splitmix64(&seed);
    r->s[1] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t nn_rng_next(nn_rng *r)
{
    uint64_t s0 = r->s[0], s1 = r->s[1], result = s0 + s1;

    s1 ^= s0;
    r->s[0] = rotl(s0, 24) ^ s1 ^ (s1 << 16);
    r->s[1] = rotl(s1, 37);
    return result;
}

double nn_rng_uniform(nn_rng *r)
{
    return (nn_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Box-Muller; the second value is discarded so the stream stays simple. */
double nn_rng_normal(nn_rng *r)
{
    double u1, u2;

    do
        u1 = nn_rng_uniform(r);
    while (u1 <= 0.0);
    u2 = nn_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Lemire's unbiased multiply-and-reject. */
uint32_t nn_rng_below(nn_rng *r, uint32_t n)
{
    uint64_t m = (uint64_t)(uint32_t)(nn_rng_next(r) >> 32) * n;
    uint32_t lo = (uint32_t)m;

    if (lo < n) {
        uint32_t t = -n % n;
        while (lo < t) {
            m = (uint64_t)(uint32_t)(nn_rng_next(r) >> 32) * n;
            lo = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}
