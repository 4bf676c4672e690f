/* data.c - data sets in memory (nn_data): a growable n x dim block of pixel
 * codes (one byte a value) or of floats, with labels, the rows as floats,
 * and nn_data_read, which fills one from a vector stream. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

int nn_data_new(nn_data **out, int dim)
{
    nn_data *d;

    if (!out)
        return NN_EINVAL;
    *out = NULL;
    if (dim < 1 || dim > NN_MAX_DIM)
        return NN_EINVAL;
    d = calloc(1, sizeof *d);
    if (!d)
        return NN_ENOMEM;
    d->dim = dim;
    *out = d;
    return NN_OK;
}

void nn_data_free(nn_data *d)
{
    if (!d)
        return;
    free(d->px);
    free(d->x);
    free(d->label);
    free(d);
}

/* Sets the capacity to cap records (>= d->n) of the storage in use,
 * checking cap * dim values for overflow. */
static int set_cap(nn_data *d, int cap)
{
    size_t size = d->x ? sizeof *d->x : sizeof *d->px;
    void *p;
    int *label;

    if ((size_t)cap > SIZE_MAX / size / (size_t)d->dim)
        return NN_ENOMEM;
    p = realloc(d->x ? (void *)d->x : (void *)d->px,
                (size_t)cap * (size_t)d->dim * size);
    if (!p)
        return NN_ENOMEM;
    if (d->x)
        d->x = p;
    else
        d->px = p;
    label = realloc(d->label, (size_t)cap * sizeof *label);
    if (!label) {
        /* Both blocks still hold min(old, new) records. */
        if (cap < d->cap)
            d->cap = cap;
        return NN_ENOMEM;
    }
    d->label = label;
    d->cap = cap;
    return NN_OK;
}

/* out[v] = nn_pixel(p[v]) for n values.  Training gathers every record of
 * every epoch through here, so the loop is compiled for AVX-512 and AVX2
 * too: the division is nn_pixel's, correctly rounded in every lane (about
 * 1.7x faster than looking each value up in nn_pixels). */
NN_CLONES
static void pixels_to_floats(float *restrict out, const unsigned char *restrict p,
                             size_t n)
{
    for (size_t v = 0; v < n; v++)
        out[v] = (float)p[v] / 255.0f;
}

/* Turns byte storage into floats, for good: room for cap records, the n
 * records converted exactly.  On failure d is unchanged. */
static int to_floats(nn_data *d)
{
    float *x;

    if ((size_t)d->cap > SIZE_MAX / sizeof *x / (size_t)d->dim)
        return NN_ENOMEM;
    x = malloc((size_t)d->cap * (size_t)d->dim * sizeof *x);
    if (!x)
        return NN_ENOMEM;
    pixels_to_floats(x, d->px, (size_t)d->n * (size_t)d->dim);
    free(d->px);
    d->px = NULL;
    d->x = x;
    return NN_OK;
}

int nn_data_add(nn_data *d, const float *x, int label)
{
    int j, err;

    if (!d || !x || label < -1 || label >= NN_MAX_CLASSES)
        return NN_EINVAL;
    if (d->n == d->cap) {
        int cap;
        if (d->cap == INT_MAX)
            return NN_ELIMIT;
        cap = d->cap < 64 ? 64 : d->cap > INT_MAX / 2 ? INT_MAX : d->cap * 2;
        if ((err = set_cap(d, cap)) != NN_OK)
            return err;
    }
    if (!d->x) {
        unsigned char *p = d->px + (size_t)d->n * (size_t)d->dim;
        for (j = 0; j < d->dim; j++) {
            int k = nn_pixel_code(x[j]);
            if (k < 0)
                break;
            p[j] = (unsigned char)k;
        }
        if (j == d->dim) {
            d->label[d->n++] = label;
            return NN_OK;
        }
        if ((err = to_floats(d)) != NN_OK)
            return err;
    }
    memcpy(d->x + (size_t)d->n * (size_t)d->dim, x,
           (size_t)d->dim * sizeof *x);
    d->label[d->n++] = label;
    return NN_OK;
}

const float *nn_data_rows(const nn_data *d, int i, int count, float *buf)
{
    size_t at = (size_t)i * (size_t)d->dim;

    if (d->x)
        return d->x + at;
    pixels_to_floats(buf, d->px + at, (size_t)count * (size_t)d->dim);
    return buf;
}

const float *nn_data_row(const nn_data *d, int i, float *buf)
{
    return nn_data_rows(d, i, 1, buf);
}

int nn_data_n_labeled(const nn_data *d)
{
    int i, n = 0;

    for (i = 0; i < d->n; i++)
        n += d->label[i] >= 0;
    return n;
}

int nn_data_max_label(const nn_data *d)
{
    int i, m = -1;

    for (i = 0; i < d->n; i++)
        if (d->label[i] > m)
            m = d->label[i];
    return m;
}

void nn_range(const float *x, long n, float *lo, float *hi)
{
    float a = n > 0 ? x[0] : 0.0f, b = a;

    for (long i = 1; i < n; i++) {
        a = x[i] < a ? x[i] : a;
        b = x[i] > b ? x[i] : b;
    }
    *lo = a;
    *hi = b;
}

void nn_data_range(const nn_data *d, float *lo, float *hi)
{
    long n = (long)d->n * d->dim;

    if (d->x) {
        nn_range(d->x, n, lo, hi);
    } else {
        unsigned char a = n > 0 ? d->px[0] : 0, b = a;

        for (long i = 1; i < n; i++) {
            a = d->px[i] < a ? d->px[i] : a;
            b = d->px[i] > b ? d->px[i] : b;
        }
        *lo = nn_pixels[a];
        *hi = nn_pixels[b];
    }
}

int nn_data_read(nn_data **out, FILE *fp, int dim_hint,
                 char *why, size_t whylen)
{
    nn_vec_reader *r = NULL;
    nn_data *d = NULL;
    const float *x;
    int label, rc, err;

    if (!out)
        return NN_EINVAL;
    *out = NULL;
    if ((err = nn_vec_reader_new(&r, fp, dim_hint)) != NN_OK)
        return err;
    while ((rc = nn_vec_read(r, &x, &label, why, whylen)) == 1) {
        if (!d && (err = nn_data_new(&d, nn_vec_dim(r))) != NN_OK)
            goto fail;
        if ((err = nn_data_add(d, x, label)) != NN_OK) {
            nn_why(why, whylen, err, "record %ld: %s", nn_vec_count(r),
                   err == NN_ELIMIT ? "too many records" : nn_strerror(err));
            goto fail;
        }
    }
    if (rc < 0) {
        err = rc;
        goto fail;
    }
    if (!d) {
        err = nn_why(why, whylen, NN_EFORMAT, "no records");
        goto fail;
    }
    if (d->n < d->cap)
        set_cap(d, d->n);   /* shrink to fit; keeps the block on failure */
    nn_vec_reader_free(r);
    *out = d;
    return NN_OK;

fail:
    nn_vec_reader_free(r);
    nn_data_free(d);
    return err;
}
