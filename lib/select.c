/* select.c - the k-th smallest of an array of floats, and its q-quantile:
 * the medians and quantiles that prep.c's steps and frame.c's lines are
 * measured by. */
#include "nn_internal.h"

/* The k-th smallest of v[0..n-1] (0-based), the value a sort would put at
 * v[k]; v is reordered.  Quickselect (Hoare's partition around the median
 * of three), linear time on average where a sort is n log n. */
float nn_select_kth(float *v, long n, long k)
{
    long lo = 0, hi = n - 1;
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2, i = lo, j = hi;
        float a = v[lo], b = v[mid], c = v[hi];
        float pivot = a < b ? (b < c ? b : a < c ? c : a)
                            : (a < c ? a : b < c ? c : b);
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                float t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

float nn_select_quantile(float *v, long n, double q)
{
    return nn_select_kth(v, n, (long)(q * (n - 1)));
}
