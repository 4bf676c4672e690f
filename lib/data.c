/* data.c - data sets in memory (nn_data): labels, and the values in a
 * growable block of their own that only this file sees: pixel codes, one
 * byte a value, while every value is a pixel value (MNIST's training
 * images: 47 MB instead of 188 MB), else floats.  Readers take the values
 * through nn_data_row(s) as floats, whatever the storage; nn_data_read
 * fills a set from a vector stream, a u8 stream's codes straight into
 * bytes. */
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
    if (!(d->store = calloc(1, sizeof *d->store))) {
        free(d);
        return NN_ENOMEM;
    }
    d->dim = dim;
    *out = d;
    return NN_OK;
}

void nn_data_free(nn_data *d)
{
    if (!d)
        return;
    free(d->store->px);
    free(d->store->x);
    free(d->store);
    free(d->label);
    free(d);
}

/* Sets the capacity to cap records (>= d->n) of the storage in use,
 * checking cap * dim values for overflow. */
static int set_cap(nn_data *d, int cap)
{
    struct nn_data_store *s = d->store;
    size_t size = s->x ? sizeof *s->x : sizeof *s->px;
    void *p;
    int *label;

    if ((size_t)cap > SIZE_MAX / size / (size_t)d->dim)
        return NN_ENOMEM;
    p = realloc(s->x ? (void *)s->x : (void *)s->px,
                (size_t)cap * (size_t)d->dim * size);
    if (!p)
        return NN_ENOMEM;
    if (s->x)
        s->x = p;
    else
        s->px = p;
    label = realloc(d->label, (size_t)cap * sizeof *label);
    if (!label) {
        /* Both blocks still hold min(old, new) records. */
        if (cap < s->cap)
            s->cap = cap;
        return NN_ENOMEM;
    }
    d->label = label;
    s->cap = cap;
    return NN_OK;
}

/* Turns byte storage into floats, for good: room for cap records, the n
 * records converted exactly.  On failure d is unchanged. */
static int to_floats(nn_data *d)
{
    struct nn_data_store *s = d->store;
    float *x;

    if ((size_t)s->cap > SIZE_MAX / sizeof *x / (size_t)d->dim)
        return NN_ENOMEM;
    x = malloc((size_t)s->cap * (size_t)d->dim * sizeof *x);
    if (!x)
        return NN_ENOMEM;
    nn_pixels_to_floats(x, s->px, (size_t)d->n * (size_t)d->dim);
    free(s->px);
    s->px = NULL;
    s->x = x;
    return NN_OK;
}

/* Room for one more record: NN_OK, NN_ELIMIT or NN_ENOMEM. */
static int make_room(nn_data *d)
{
    int cap = d->store->cap;

    if (d->n < cap)
        return NN_OK;
    if (cap == INT_MAX)
        return NN_ELIMIT;
    return set_cap(d, cap < 64 ? 64 : cap > INT_MAX / 2 ? INT_MAX : cap * 2);
}

int nn_data_add(nn_data *d, const float *x, int label)
{
    struct nn_data_store *s;
    size_t at;
    int j, err;

    if (!d || !x || label < -1 || label >= NN_MAX_CLASSES)
        return NN_EINVAL;
    if ((err = make_room(d)) != NN_OK)
        return err;
    s = d->store;
    at = (size_t)d->n * (size_t)d->dim;
    if (!s->x) {
        for (j = 0; j < d->dim; j++) {
            int k = nn_pixel_code(x[j]);
            if (k < 0)
                break;
            s->px[at + j] = (unsigned char)k;
        }
        if (j == d->dim) {
            d->label[d->n++] = label;
            return NN_OK;
        }
        if ((err = to_floats(d)) != NN_OK)
            return err;
    }
    memcpy(s->x + at, x, (size_t)d->dim * sizeof *x);
    d->label[d->n++] = label;
    return NN_OK;
}

/* nn_data_add for a record given as pixel codes. */
static int add_codes(nn_data *d, const unsigned char *codes, int label)
{
    struct nn_data_store *s = d->store;
    size_t at = (size_t)d->n * (size_t)d->dim;
    int err;

    if ((err = make_room(d)) != NN_OK)
        return err;
    if (s->x)
        nn_pixels_to_floats(s->x + at, codes, (size_t)d->dim);
    else
        memcpy(s->px + at, codes, (size_t)d->dim);
    d->label[d->n++] = label;
    return NN_OK;
}

const float *nn_data_rows(const nn_data *d, int i, int count, float *buf)
{
    size_t at = (size_t)i * (size_t)d->dim;

    if (d->store->x)
        return d->store->x + at;
    nn_pixels_to_floats(buf, d->store->px + at,
                        (size_t)count * (size_t)d->dim);
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

/* In 16 lanes, each over every 16th value from the first 16: vector min
 * and max (a single running minimum is a chain the compiler may not
 * reorder).  NaN counts only as x[0], as in a plain loop from x[0]. */
typedef float range_vec __attribute__((vector_size(64), aligned(4),
                                       may_alias));
typedef int range_mask __attribute__((vector_size(64)));

NN_CLONES void nn_range(const float *x, long n, float *lo, float *hi)
{
    enum { L = 16 };
    float a = n > 0 ? x[0] : 0.0f, b = a;
    long i = 1;

    if (n >= 2 * L) {
        range_vec va = *(const range_vec *)x, vb = va;
        for (i = L; i + L <= n; i += L) {
            range_vec v = *(const range_vec *)(x + i);
            range_mask lt = v < va, gt = v > vb;
            va = (range_vec)(((range_mask)v & lt) | ((range_mask)va & ~lt));
            vb = (range_vec)(((range_mask)v & gt) | ((range_mask)vb & ~gt));
        }
        for (int k = 0; k < L; k++) {
            a = va[k] < a ? va[k] : a;
            b = vb[k] > b ? vb[k] : b;
        }
    }
    for (; i < n; i++) {
        a = x[i] < a ? x[i] : a;
        b = x[i] > b ? x[i] : b;
    }
    *lo = a;
    *hi = b;
}

void nn_data_range(const nn_data *d, float *lo, float *hi)
{
    const unsigned char *px = d->store->px;
    long n = (long)d->n * d->dim;
    unsigned char a, b;

    if (d->store->x) {
        nn_range(d->store->x, n, lo, hi);
        return;
    }
    a = b = n > 0 ? px[0] : 0;
    for (long i = 1; i < n; i++) {
        a = px[i] < a ? px[i] : a;
        b = px[i] > b ? px[i] : b;
    }
    *lo = nn_pixels[a];
    *hi = nn_pixels[b];
}

int nn_data_read(nn_data **out, FILE *fp, int dim_hint,
                 char *why, size_t whylen)
{
    nn_vec_reader *r = NULL;
    nn_data *d = NULL;
    const unsigned char *codes;
    const float *x;
    int label, rc, err;

    if (!out)
        return NN_EINVAL;
    *out = NULL;
    if ((err = nn_vec_reader_new(&r, fp, dim_hint)) != NN_OK)
        return err;
    while ((rc = nn_vec_next(r, &x, &codes, &label, why, whylen)) == 1) {
        if (!d && (err = nn_data_new(&d, nn_vec_dim(r))) != NN_OK)
            goto fail;
        err = codes ? add_codes(d, codes, label) : nn_data_add(d, x, label);
        if (err != NN_OK) {
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
    if (d->n < d->store->cap)
        set_cap(d, d->n);   /* shrink to fit; keeps the block on failure */
    nn_vec_reader_free(r);
    *out = d;
    return NN_OK;

fail:
    nn_vec_reader_free(r);
    nn_data_free(d);
    return err;
}
