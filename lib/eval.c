/* eval.c - accuracy, loss and confusion counts: what nn-eval reports,
 * counted from the same outputs nn-predict prints; the records of a stream
 * predicted as they come (nn_predict_stream), and a digit read in views
 * (nn_predict_views, over augment.c's maps). */
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nn_internal.h"

int nn_eval_new(nn_eval **out, int k)
{
    nn_eval *e;

    *out = NULL;
    if (k < 1 || k > NN_MAX_CLASSES)
        return NN_EINVAL;
    if (!(e = calloc(1, sizeof *e)))
        return NN_ENOMEM;
    e->k = k;
    if (!(e->confusion = calloc((size_t)k * k, sizeof *e->confusion))) {
        free(e);
        return NN_ENOMEM;
    }
    *out = e;
    return NN_OK;
}

void nn_eval_free(nn_eval *e)
{
    if (!e)
        return;
    free(e->confusion);
    free(e);
}

void nn_eval_add(nn_eval *e, const nn_model *m, const float *y, int label)
{
    int pred = nn_argmax(y, e->k);

    if (label < 0 || label >= e->k)
        return;
    e->n++;
    e->correct += pred == label;
    e->loss_sum += nn_loss(m, y, label);
    e->confusion[(long)label * e->k + pred]++;
}

int nn_eval_data(nn_eval *e, const nn_model *m, const nn_data *d,
                 char *why, size_t whylen)
{
    enum { CHUNK = 256 };
    int k = nn_model_n_out(m), err = NN_OK;
    /* Records per nn_predict call: CHUNK, fewer for long records, so that
     * a chunk as floats (x) stays near 1 MiB. */
    int chunk = (1 << 18) / d->dim;
    float *y, *x;

    if (e->k != k)
        return nn_why(why, whylen, NN_EINVAL, "counting %d classes, the "
                      "model has %d", e->k, k);
    if (d->dim != nn_model_n_in(m))
        return nn_why(why, whylen, NN_ESHAPE, "%d values per record, the "
                      "model takes %d", d->dim, nn_model_n_in(m));
    for (int i = 0; i < d->n; i++)
        if (d->label[i] < 0 || d->label[i] >= e->k)
            return d->label[i] < 0
                ? nn_why(why, whylen, NN_EFORMAT, "record %d has no label", i + 1)
                : nn_why(why, whylen, NN_EFORMAT, "record %d: label %d, but "
                         "the model has %d classes", i + 1, d->label[i], e->k);
    chunk = chunk < 1 ? 1 : chunk > CHUNK ? CHUNK : chunk;
    y = malloc((size_t)chunk * k * sizeof *y);
    x = malloc((size_t)chunk * d->dim * sizeof *x);
    if (!y || !x) {
        free(y);
        free(x);
        return NN_ENOMEM;
    }
    for (int i = 0; i < d->n && !err; i += chunk) {
        int b = d->n - i < chunk ? d->n - i : chunk;

        err = nn_predict(m, nn_data_rows(d, i, b, x), b, y);
        for (int r = 0; r < b && !err; r++)
            nn_eval_add(e, m, y + (long)r * k, d->label[i + r]);
    }
    free(y);
    free(x);
    return err;
}

/* Whether more input can be read at once from fp: always for a regular
 * file; for a pipe or terminal, if stdio holds unread bytes or data (or the
 * end) is waiting in the pipe.  A reader that drains the pipe into its
 * buffer would otherwise end every batch after one record.  The unread
 * bytes are glibc's to tell (its FILE fields, as gnulib's freadahead reads
 * them); elsewhere only the pipe is asked, and a batch may end early. */
static int input_waiting(FILE *fp, int regular)
{
    struct pollfd p = { fileno(fp), POLLIN, 0 };

    if (regular)
        return 1;
#ifdef __GLIBC__
    if (fp->_IO_read_ptr < fp->_IO_read_end)
        return 1;
#endif
    return poll(&p, 1, 0) > 0;
}

/* The tags of a batch's records: each record's as an offset into text, the
 * batch's tags one after another (a tag is stored once for its run of
 * records), or -1 for none. */
struct batch_tags {
    long *at;
    char *text;
    size_t len, cap;
};

static int keep_tag(struct batch_tags *t, int i, const char *tag)
{
    size_t n;

    if (!tag) {
        t->at[i] = -1;
        return NN_OK;
    }
    if (i > 0 && t->at[i - 1] >= 0 && !strcmp(t->text + t->at[i - 1], tag)) {
        t->at[i] = t->at[i - 1];
        return NN_OK;
    }
    n = strlen(tag) + 1;
    if (t->len + n > t->cap) {
        size_t cap = 2 * (t->len + n);
        char *p = realloc(t->text, cap);
        if (!p)
            return NN_ENOMEM;
        t->text = p;
        t->cap = cap;
    }
    memcpy(t->text + t->len, tag, n);
    t->at[i] = (long)t->len;
    t->len += n;
    return NN_OK;
}

int nn_predict_stream(const nn_model *m, nn_vec_reader *r, int batch,
                      nn_record_fn fn, void *arg, char *why, size_t whylen)
{
    int n_in = nn_model_n_in(m), k = nn_model_n_out(m), err = NN_OK;
    float *x = malloc((size_t)batch * n_in * sizeof *x);
    float *y = malloc((size_t)batch * k * sizeof *y);
    int *labels = malloc(batch * sizeof *labels);
    struct batch_tags tags = { malloc(batch * sizeof *tags.at), NULL, 0, 0 };
    int n = 0, more = 1, regular;
    long answered = 0;
    FILE *fp = nn_vec_file(r);
    struct stat st;

    regular = fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode);
    if (!x || !y || !labels || !tags.at) {
        err = NN_ENOMEM;
        goto fail;
    }
    while (more) {
        const float *v;
        int label, got = nn_vec_read(r, &v, &label, why, whylen);
        if (got < 0) {
            err = got;
            goto fail;
        }
        if (got > 0) {
            if (nn_vec_dim(r) != n_in) {
                err = nn_why(why, whylen, NN_ESHAPE, "record %ld: %d values, "
                             "the model takes %d", nn_vec_count(r),
                             nn_vec_dim(r), n_in);
                goto fail;
            }
            memcpy(x + (long)n * n_in, v, n_in * sizeof *x);
            if ((err = keep_tag(&tags, n, nn_vec_tag(r, NULL))))
                goto fail;
            labels[n++] = label;
        }
        more = got > 0;
        if (n > 0 && (n == batch || !more || !input_waiting(fp, regular))) {
            if ((err = nn_predict(m, x, n, y)))
                goto fail;
            for (int i = 0; i < n; i++) {
                nn_record rec = { x + (long)i * n_in, y + (long)i * k,
                                  labels[i], ++answered, tags.at[i] < 0 ?
                                  NULL : tags.text + tags.at[i], i == n - 1 };
                if (fn(&rec, arg)) {
                    err = NN_EINTR;
                    goto fail;
                }
            }
            n = 0;
            tags.len = 0;
        }
    }
fail:
    free(x);
    free(y);
    free(labels);
    free(tags.at);
    free(tags.text);
    return err;
}

int nn_predict_views(const nn_model *m, const float *x, int n, int views,
                     float *y)
{
    nn_input_desc d;
    int n_in = nn_model_n_in(m), n_out = nn_model_n_out(m), err;
    float *vx, *vy;

    if (views < 1 || views > NN_MAX_VIEWS)
        return NN_EINVAL;
    if (n > INT_MAX / NN_MAX_VIEWS)     /* views * n records for nn_predict */
        return NN_ELIMIT;
    nn_model_input(m, &d);
    if (views == 1 || n <= 0 || (long)d.width * d.height != n_in)
        return nn_predict(m, x, n, y);
    vx = malloc((size_t)views * n * n_in * sizeof *vx);
    vy = malloc((size_t)views * n * n_out * sizeof *vy);
    if (!vx || !vy) {
        free(vx);
        free(vy);
        return NN_ENOMEM;
    }
    for (int v = 0; v < views; v++) {
        float A[6];
        nn_view_map(v, A);
        for (int i = 0; i < n; i++)
            nn_warp(vx + ((size_t)v * n + i) * n_in, x + (size_t)i * n_in,
                    d.width, d.height, A, NULL, NULL,
                    d.ink_high ? d.lo : d.hi);
    }
    if ((err = nn_predict(m, vx, views * n, vy)) == NN_OK)
        for (long k = 0; k < (long)n * n_out; k++) {
            double sum = 0;
            for (int v = 0; v < views; v++)
                sum += vy[(size_t)v * n * n_out + k];
            y[k] = (float)(sum / views);
        }
    free(vx);
    free(vy);
    return err;
}
