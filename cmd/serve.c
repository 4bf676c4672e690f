/* serve.c - nn-serve's API (docs/api.md): thin handlers over libnn that
 * turn a request held in memory into a JSON reply, and the training run
 * that the page starts, in a thread of its own.  Nothing here exits or
 * knows about sockets (nn-serve.c does), so fuzz/fuzz_serve.c can call
 * serve_handle directly. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "runs.h"
#include "serve.h"
#include "trainrun.h"
#include "util.h"

/* ------------------------------------------------------------------------ */
/* State. */

struct eval_cache {
    nn_eval *e;             /* over the test set */
    int *pred;              /* predicted class of each test record */
    char why[256];          /* why there is none, if e is NULL */
};

struct model_entry {
    nn_model *m;
    char *path;             /* as given, or as written by a run */
    int run;                /* the run that trained it, 0 if given */
    struct eval_cache *eval;    /* made on first use, under eval_mu */
};

enum { RUN_IDLE, RUN_RUNNING, RUN_STOPPING, RUN_DONE, RUN_STOPPED,
       RUN_FAILED };
static const char *const run_state_names[] = {
    "idle", "running", "stopping", "done", "stopped", "failed"
};

enum { MAX_RUN_OPTIONS = 64 };

/* The training run: the latest one, under way or finished. */
struct run {
    int id;                 /* 1, 2, ... in this server's life; 0 none */
    int state;              /* RUN_* */
    int stop;               /* asked to stop after its batch */
    int sig;                /* the signal that stopped it, or 0 */
    int n_opts;
    char *opt_name[MAX_RUN_OPTIONS], *opt_value[MAX_RUN_OPTIONS];
    struct train_setup set;
    nn_epoch_stats *hist;   /* the epochs so far */
    int n_hist, cap_hist;
    int epoch;              /* under way */
    long done, total;       /* records of it */
    double last_bump;       /* when seq last moved for progress */
    int model;              /* its model's id once added, else -1 */
    char path[4096];        /* where its model was written */
    double test_acc;        /* -1 until measured */
    char error[512];        /* why it failed, or "" */
    struct run_log log;     /* the --runs log, if any (fd -1 otherwise) */
    pthread_t thread;
    int joinable;
};

struct server {
    pthread_mutex_t mu;     /* guards n_models, the run, seq, stopping */
    pthread_cond_t changed; /* seq moved, or stopping */
    pthread_mutex_t eval_mu;    /* the models' eval caches */
    struct model_entry models[SERVE_MAX_MODELS];
    int n_models;
    nn_data *train, *test;  /* --data; NULL without */
    char *data_dir, *test_path;
    const char *runs, *save_dir;
    struct run run;
    int n_runs;             /* started */
    long seq;               /* moves with every change of the run */
    int stopping;
};

/* ------------------------------------------------------------------------ */
/* Building JSON text. */

struct buf {
    char *p;
    size_t len, cap;
    int failed;             /* out of memory: the text is incomplete */
};

static void bput(struct buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;

        while (cap < b->len + n + 1)
            cap *= 2;
        if (!(p = realloc(b->p, cap))) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void bputs(struct buf *b, const char *s)
{
    bput(b, s, strlen(s));
}

static void bprintf(struct buf *b, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void bprintf(struct buf *b, const char *fmt, ...)
{
    char small[256], *big;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        bput(b, small, (size_t)n);
        return;
    }
    if (!(big = malloc((size_t)n + 1))) {
        b->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    bput(b, big, (size_t)n);
    free(big);
}

/* s as a JSON string; bytes below 0x20 escaped, the rest as they are. */
static void bstr(struct buf *b, const char *s)
{
    bputs(b, "\"");
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            bprintf(b, "\\%c", c);
        else if (c < 0x20)
            bprintf(b, "\\u%04x", c);
        else
            bput(b, (const char *)&c, 1);
    }
    bputs(b, "\"");
}

/* A number, or null if it is not finite (JSON has no NaN). */
static void bnum(struct buf *b, double x, int digits)
{
    if (isfinite(x))
        bprintf(b, "%.*g", digits, x);
    else
        bputs(b, "null");
}

static void bfloats(struct buf *b, const float *x, long n, int digits)
{
    bputs(b, "[");
    for (long i = 0; i < n; i++) {
        if (i)
            bputs(b, ",");
        bnum(b, x[i], digits);
    }
    bputs(b, "]");
}

/* ------------------------------------------------------------------------ */
/* Replies. */

void reply_free(struct reply *rp)
{
    if (rp->owned)
        free(rp->body);
    rp->body = NULL;
    rp->owned = 0;
}

static const char out_of_memory[] = "{\"error\": \"out of memory\"}";

/* The text of b as the reply; 500 if it could not be built whole. */
static void reply_buf(struct reply *rp, int status, struct buf *b)
{
    rp->type = "application/json";
    if (b->failed || !b->p) {
        free(b->p);
        rp->status = 500;
        rp->body = (char *)out_of_memory;
        rp->len = sizeof out_of_memory - 1;
        rp->owned = 0;
        return;
    }
    rp->status = status;
    rp->body = b->p;
    rp->len = b->len;
    rp->owned = 1;
}

void reply_error(struct reply *rp, int status, const char *fmt, ...)
{
    struct buf b = { 0 };
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    bputs(&b, "{\"error\": ");
    bstr(&b, msg);
    bputs(&b, "}\n");
    reply_buf(rp, status, &b);
}

/* ------------------------------------------------------------------------ */
/* Query strings: "model=2&layer=0", integers only. */

/* 1 and *v if key is there, 0 if not, -1 with the reply made if its value
 * is not an integer in [lo, hi]. */
static int query_int(const struct request *rq, const char *key, long lo,
                     long hi, long *v, struct reply *rp)
{
    size_t klen = strlen(key);
    const char *q = rq->query;
    char val[32], why[256];

    while (q && *q) {
        size_t n = strcspn(q, "&");
        if (n > klen && strncmp(q, key, klen) == 0 && q[klen] == '=') {
            size_t vlen = n - klen - 1;
            if (vlen >= sizeof val)
                vlen = sizeof val - 1;
            memcpy(val, q + klen + 1, vlen);
            val[vlen] = '\0';
            if (scan_int(val, lo, hi, key, v, why, sizeof why)) {
                reply_error(rp, 400, "%s", why);
                return -1;
            }
            return 1;
        }
        q += n + (q[n] == '&');
    }
    return 0;
}

/* The model named by ?model=N (the first one without it), or NULL with the
 * reply made; *id is its number. */
static struct model_entry *query_model(struct server *s,
                                       const struct request *rq, int *id,
                                       struct reply *rp)
{
    long v = 0;
    int n;

    pthread_mutex_lock(&s->mu);
    n = s->n_models;
    pthread_mutex_unlock(&s->mu);
    if (query_int(rq, "model", 0, SERVE_MAX_MODELS - 1, &v, rp) < 0)
        return NULL;
    if (n == 0) {
        reply_error(rp, 404, "no model: give one on nn-serve's command "
                    "line, or train one");
        return NULL;
    }
    if (v >= n) {
        reply_error(rp, 404, "no model %ld (there are %d)", v, n);
        return NULL;
    }
    *id = (int)v;
    return &s->models[v];   /* entries never move nor change once added */
}

/* ------------------------------------------------------------------------ */
/* Models. */

static int add_model(struct server *s, nn_model *m, const char *path,
                     int run)
{
    int id;
    char *p = strdup(path);

    if (!p)
        return -1;
    pthread_mutex_lock(&s->mu);
    id = s->n_models;
    if (id == SERVE_MAX_MODELS) {
        pthread_mutex_unlock(&s->mu);
        free(p);
        return -1;
    }
    s->models[id].m = m;
    s->models[id].path = p;
    s->models[id].run = run;
    s->n_models++;
    pthread_mutex_unlock(&s->mu);
    return id;
}

int serve_add_model(struct server *s, nn_model *m, const char *path)
{
    return add_model(s, m, path, 0);
}

/* One model as the page needs it: the layers drawn from their sizes and
 * types (the public accessors; a conv layer adds its kernel, conv and
 * maxpool their image's shape, maxpool has no activation), the input
 * image, class names and how it was trained. */
static void model_json(struct buf *b, int id, const struct model_entry *e)
{
    const nn_model *m = e->m;
    const nn_train_info *t = nn_model_train_info(m);
    nn_input_desc d;
    int L = nn_model_n_layers(m);
    const char *slash = strrchr(e->path, '/');

    nn_model_input(m, &d);
    bprintf(b, "{\"id\": %d, \"name\": ", id);
    bstr(b, slash ? slash + 1 : e->path);
    bputs(b, ", \"path\": ");
    bstr(b, e->path);
    bprintf(b, ", \"run\": %d, \"layers\": [", e->run);
    for (int i = 0; i <= L; i++) {
        bprintf(b, "%s{\"size\": %d", i ? ", " : "", nn_model_layer_size(m, i));
        if (i > 0) {
            int type = nn_model_layer_type(m, i - 1), w, h, c;

            bputs(b, ", \"type\": ");
            bstr(b, nn_layer_name(type));
            if (type == NN_LAYER_CONV)
                bprintf(b, ", \"kernel\": %d", nn_model_layer_kernel(m, i - 1));
            if (type != NN_LAYER_DENSE && nn_model_layer_shape(m, i, &w, &h, &c))
                bprintf(b, ", \"width\": %d, \"height\": %d, \"channels\": %d",
                        w, h, c);
            if (type != NN_LAYER_MAXPOOL) {
                bputs(b, ", \"activation\": ");
                bstr(b, nn_act_name(i < L ? nn_model_hidden_act(m)
                                          : nn_model_output_act(m)));
            }
        }
        bputs(b, "}");
    }
    bprintf(b, "], \"params\": %ld, \"members\": %d, \"input\": {\"width\": "
            "%d, \"height\": %d}, \"classes\": ", nn_model_n_params(m),
            nn_model_members(m), d.width, d.height);
    if (nn_model_class_name(m, 0)) {
        bputs(b, "[");
        for (int k = 0; k < nn_model_n_out(m); k++) {
            if (k)
                bputs(b, ", ");
            bstr(b, nn_model_class_name(m, k));
        }
        bputs(b, "]");
    } else {
        bprintf(b, "%d", nn_model_n_out(m));
    }
    bprintf(b, ", \"epochs_run\": %d, \"best_val_acc\": ", t->epochs_run);
    bnum(b, t->best_val_acc >= 0 ? t->best_val_acc : NAN, 6);
    bputs(b, "}");
}

static void get_models(struct server *s, const struct request *rq,
                       struct reply *rp)
{
    struct buf b = { 0 };
    int n;

    (void)rq;
    pthread_mutex_lock(&s->mu);
    n = s->n_models;
    pthread_mutex_unlock(&s->mu);
    bputs(&b, "{\"models\": [");
    for (int i = 0; i < n; i++) {
        if (i)
            bputs(&b, ", ");
        model_json(&b, i, &s->models[i]);
    }
    bputs(&b, "]}\n");
    reply_buf(rp, 200, &b);
}

/* ------------------------------------------------------------------------ */
/* Prediction. */

/* Whether the media type t (parameters after ';' ignored) is want, or
 * starts with it when want ends in '/'. */
static int type_is(const char *t, const char *want)
{
    size_t n = strlen(want);

    if (!t)
        return 0;
    while (*t == ' ')
        t++;
    if (strncasecmp(t, want, n) != 0)
        return 0;
    return want[n - 1] == '/' || t[n] == '\0' || t[n] == ';' || t[n] == ' ';
}

/* A picture through img2vec's steps (nn_img_decode, nn_prep_digit) into x,
 * 28x28 values.  0, or an HTTP status with why. */
static int image_input(const struct request *rq, float *x, char *why,
                       size_t whylen)
{
    nn_image *img = NULL;
    nn_prep_opts po;
    int err;

    err = nn_img_decode(&img, rq->body, rq->len, SERVE_MAX_PIXELS, why,
                        whylen);
    if (err == NN_ELIMIT)
        return 413;
    if (err == NN_ENOMEM)
        return 500;
    if (err)
        return 422;
    nn_prep_opts_default(&po);
    err = nn_prep_digit(img->gray, img->width, img->height, &po, x, why,
                        whylen);
    nn_img_free(img);
    return err == NN_ENOMEM ? 500 : err ? 422 : 0;
}

/* One vector record (text or binary, as nn-predict reads) of n values
 * into x.  0, or an HTTP status with why. */
static int vector_input(const struct request *rq, int n, float *x,
                        char *why, size_t whylen)
{
    nn_vec_reader *r = NULL;
    const float *v;
    FILE *fp;
    int label, got, status = 0;

    if (rq->len == 0) {
        snprintf(why, whylen, "empty body: send one vector record");
        return 400;
    }
    if (!(fp = fmemopen((void *)rq->body, rq->len, "rb")))
        return snprintf(why, whylen, "%s", strerror(errno)), 500;
    if (nn_vec_reader_new(&r, fp, n)) {
        fclose(fp);
        return snprintf(why, whylen, "out of memory"), 500;
    }
    got = nn_vec_read(r, &v, &label, why, whylen);
    if (got == 0) {
        snprintf(why, whylen, "no record: send one vector record");
        status = 400;
    } else if (got < 0) {
        status = got == NN_ENOMEM ? 500 : 400;
    } else if (nn_vec_dim(r) != n) {
        snprintf(why, whylen, "the record has %d values, the model takes %d",
                 nn_vec_dim(r), n);
        status = 422;
    } else {
        memcpy(x, v, n * sizeof *x);
        if (nn_vec_read(r, &v, &label, NULL, 0) != 0) {
            snprintf(why, whylen, "more than one record: send one per "
                     "request");
            status = 400;
        }
    }
    nn_vec_reader_free(r);
    fclose(fp);
    return status;
}

/* POST /api/predict.  One digit per request; the numbers issue's reading
 * of several digits will cut the picture into digits first and answer an
 * object like this one for each (a POST /api/read beside this one), so
 * image_input and the prediction below are the per-digit step it calls. */
static void post_predict(struct server *s, const struct request *rq,
                         struct reply *rp)
{
    struct model_entry *e;
    struct buf b = { 0 };
    char why[512] = "";
    float *x = NULL, *y = NULL;
    int id, n_in, k, status, best;
    double t0 = monotonic();

    if (!(e = query_model(s, rq, &id, rp)))
        return;
    n_in = nn_model_n_in(e->m);
    k = nn_model_n_out(e->m);
    if (!(x = malloc(n_in * sizeof *x)) || !(y = malloc(k * sizeof *y))) {
        reply_error(rp, 500, "out of memory");
        goto done;
    }
    if (type_is(rq->type, "image/") ||
        type_is(rq->type, "application/octet-stream")) {
        if (n_in != 28 * 28) {
            reply_error(rp, 422, "model %d takes %d values; a picture gives "
                        "28x28 = 784", id, n_in);
            goto done;
        }
        status = image_input(rq, x, why, sizeof why);
    } else if (type_is(rq->type, "text/plain")) {
        status = vector_input(rq, n_in, x, why, sizeof why);
    } else {
        reply_error(rp, 415, "Content-Type %s: send a picture (image/*, "
                    "application/octet-stream) or a vector record "
                    "(text/plain)", rq->type ? rq->type : "missing");
        goto done;
    }
    if (status) {
        reply_error(rp, status, "%s", why[0] ? why : "bad input");
        goto done;
    }
    if (nn_predict(e->m, x, 1, y)) {
        reply_error(rp, 500, "out of memory");
        goto done;
    }
    best = nn_argmax(y, k);
    bprintf(&b, "{\"class\": %d, \"probabilities\": ", best);
    bfloats(&b, y, k, 6);
    bputs(&b, ", \"input\": ");
    bfloats(&b, x, n_in, 6);
    bprintf(&b, ", \"ms\": %.3g, \"model\": %d", (monotonic() - t0) * 1000,
            id);
    if (nn_model_class_name(e->m, best)) {
        bputs(&b, ", \"class_name\": ");
        bstr(&b, nn_model_class_name(e->m, best));
    }
    bputs(&b, "}\n");
    reply_buf(rp, 200, &b);
done:
    free(x);
    free(y);
}

/* GET /api/weights?model=N&layer=L&max=K: the weights into the first K
 * units of weight layer L, for pictures of what each unit looks for. */
static void get_weights(struct server *s, const struct request *rq,
                        struct reply *rp)
{
    struct model_entry *e;
    struct buf b = { 0 };
    nn_input_desc d;
    long layer = 0, max = 64;
    int id, in, out;
    const float *W;

    if (!(e = query_model(s, rq, &id, rp)) ||
        query_int(rq, "layer", 0, NN_MAX_CLASSES, &layer, rp) < 0 ||
        query_int(rq, "max", 1, 1024, &max, rp) < 0)
        return;
    if (layer >= nn_model_n_layers(e->m)) {
        reply_error(rp, 404, "model %d has %d weight layers (0 to %d)", id,
                    nn_model_n_layers(e->m), nn_model_n_layers(e->m) - 1);
        return;
    }
    W = nn_model_weights(e->m, (int)layer);
    out = nn_model_layer_units(e->m, (int)layer, &in);
    nn_model_input(e->m, &d);
    if (layer > 0 || d.width * d.height != in)
        d.width = d.height = 0;     /* not a picture */
    if (nn_model_layer_type(e->m, (int)layer) == NN_LAYER_CONV) {
        /* filters over one channel are kernel x kernel pictures */
        int k = nn_model_layer_kernel(e->m, (int)layer);
        d.width = d.height = k * k == in ? k : 0;
    }
    if (max > out)
        max = out;
    bprintf(&b, "{\"model\": %d, \"layer\": %ld, \"in\": %d, \"out\": %d, "
            "\"width\": %d, \"height\": %d, \"units\": [", id, layer, in, out,
            d.width, d.height);
    for (long u = 0; u < max; u++) {
        if (u)
            bputs(&b, ",");
        bfloats(&b, W + u * in, in, 4);
    }
    bputs(&b, "]}\n");
    reply_buf(rp, 200, &b);
}

/* ------------------------------------------------------------------------ */
/* The test set: confusion matrix and the digits misread. */

/* The model's predictions on the test set, made once; NULL with the
 * reply made if there is no test set or it does not fit the model. */
static struct eval_cache *evaluate(struct server *s, struct model_entry *e,
                                   struct reply *rp)
{
    struct eval_cache *c;
    const nn_model *m = e->m;
    int k = nn_model_n_out(m), chunk = 256;
    float *buf = NULL, *y = NULL;

    if (!s->test) {
        reply_error(rp, 409, "no test set: start nn-serve with --data DIR");
        return NULL;
    }
    pthread_mutex_lock(&s->eval_mu);
    if ((c = e->eval))
        goto done;
    if (!(c = calloc(1, sizeof *c)))
        goto done;
    if (s->test->dim != nn_model_n_in(m)) {
        snprintf(c->why, sizeof c->why, "the test set has %d values a "
                 "record, the model takes %d", s->test->dim, nn_model_n_in(m));
    } else if (nn_data_max_label(s->test) >= k) {
        snprintf(c->why, sizeof c->why, "the test set has labels up to %d, "
                 "the model %d classes", nn_data_max_label(s->test), k);
    } else if (nn_eval_new(&c->e, k) ||
               !(c->pred = malloc(s->test->n * sizeof *c->pred)) ||
               !(buf = malloc((size_t)chunk * s->test->dim * sizeof *buf)) ||
               !(y = malloc((size_t)chunk * k * sizeof *y))) {
        nn_eval_free(c->e);
        free(c->pred);
        free(c);
        c = NULL;
        goto done;
    } else {
        for (int i = 0; i < s->test->n; i += chunk) {
            int n = s->test->n - i < chunk ? s->test->n - i : chunk;
            nn_predict(m, nn_data_rows(s->test, i, n, buf), n, y);
            for (int j = 0; j < n; j++) {
                nn_eval_add(c->e, m, y + (long)j * k, s->test->label[i + j]);
                c->pred[i + j] = nn_argmax(y + (long)j * k, k);
            }
        }
    }
    e->eval = c;
done:
    pthread_mutex_unlock(&s->eval_mu);
    free(buf);
    free(y);
    if (!c)
        reply_error(rp, 500, "out of memory");
    else if (!c->e)
        reply_error(rp, 409, "%s", c->why);
    return c && c->e ? c : NULL;
}

static void get_confusion(struct server *s, const struct request *rq,
                          struct reply *rp)
{
    struct model_entry *e;
    struct eval_cache *c;
    struct buf b = { 0 };
    int id, k;

    if (!(e = query_model(s, rq, &id, rp)) || !(c = evaluate(s, e, rp)))
        return;
    k = c->e->k;
    bprintf(&b, "{\"model\": %d, \"n\": %ld, \"correct\": %ld, \"accuracy\": "
            "%.6g, \"loss\": %.6g, \"matrix\": [", id, c->e->n, c->e->correct,
            (double)c->e->correct / c->e->n, c->e->loss_sum / c->e->n);
    for (int a = 0; a < k; a++) {
        bputs(&b, a ? ", [" : "[");
        for (int p = 0; p < k; p++)
            bprintf(&b, "%s%ld", p ? ", " : "", c->e->confusion[a * k + p]);
        bputs(&b, "]");
    }
    bputs(&b, "]}\n");
    reply_buf(rp, 200, &b);
}

/* GET /api/misread?model=N&actual=A&predicted=P&max=K: the test images of
 * one cell of the confusion matrix. */
static void get_misread(struct server *s, const struct request *rq,
                        struct reply *rp)
{
    struct model_entry *e;
    struct eval_cache *c;
    struct buf b = { 0 };
    long a = -1, p = -1, max = 40;
    int id, shown = 0, count = 0;
    float *buf;

    if (!(e = query_model(s, rq, &id, rp)) || !(c = evaluate(s, e, rp)) ||
        query_int(rq, "max", 1, 1000, &max, rp) < 0)
        return;
    if (query_int(rq, "actual", 0, c->e->k - 1, &a, rp) <= 0 ||
        query_int(rq, "predicted", 0, c->e->k - 1, &p, rp) <= 0) {
        if (!rp->body)
            reply_error(rp, 400, "give actual=A and predicted=P, classes "
                        "from 0 to %d", c->e->k - 1);
        return;
    }
    if (!(buf = malloc(s->test->dim * sizeof *buf))) {
        reply_error(rp, 500, "out of memory");
        return;
    }
    bprintf(&b, "{\"model\": %d, \"actual\": %ld, \"predicted\": %ld, "
            "\"images\": [", id, a, p);
    for (int i = 0; i < s->test->n; i++) {
        if (s->test->label[i] != a || c->pred[i] != p)
            continue;
        count++;
        if (shown == max)
            continue;
        bprintf(&b, "%s{\"index\": %d, \"input\": ", shown ? ", " : "", i);
        bfloats(&b, nn_data_row(s->test, i, buf), s->test->dim, 4);
        bputs(&b, "}");
        shown++;
    }
    bprintf(&b, "], \"count\": %d}\n", count);
    free(buf);
    reply_buf(rp, 200, &b);
}

/* ------------------------------------------------------------------------ */
/* Training. */

/* The run's state as JSON; s->mu held. */
static void run_json(struct server *s, struct buf *b)
{
    const struct run *r = &s->run;

    bprintf(b, "{\"seq\": %ld, \"run\": %d, \"state\": \"%s\", \"options\": {",
            s->seq, r->id, run_state_names[r->state]);
    for (int i = 0; i < r->n_opts; i++) {
        bputs(b, i ? ", " : "");
        bstr(b, r->opt_name[i]);
        bputs(b, ": ");
        bstr(b, r->opt_value[i]);
    }
    bprintf(b, "}, \"epoch\": %d, \"epochs\": %d, \"done\": %ld, \"total\": "
            "%ld, \"history\": [", r->epoch, r->set.train.epochs, r->done,
            r->total);
    for (int i = 0; i < r->n_hist; i++) {
        const nn_epoch_stats *e = &r->hist[i];
        bprintf(b, "%s{\"epoch\": %d, \"loss\": ", i ? ", " : "", e->epoch);
        bnum(b, e->train_loss, 6);
        bprintf(b, ", \"acc\": %.6g, \"val_loss\": ", e->train_acc);
        bnum(b, e->val_acc >= 0 ? e->val_loss : NAN, 6);
        bputs(b, ", \"val_acc\": ");
        bnum(b, e->val_acc >= 0 ? e->val_acc : NAN, 6);
        bprintf(b, ", \"best\": %s, \"seconds\": %.3g, \"rate\": %.6g}",
                e->best_epoch == e->epoch && e->val_acc >= 0 ? "true" : "false",
                e->seconds, e->rate);
    }
    bputs(b, "], \"model\": ");
    if (r->model >= 0)
        bprintf(b, "%d", r->model);
    else
        bputs(b, "null");
    bputs(b, ", \"path\": ");
    if (r->path[0])
        bstr(b, r->path);
    else
        bputs(b, "null");
    bputs(b, ", \"test_acc\": ");
    bnum(b, r->test_acc >= 0 ? r->test_acc : NAN, 6);
    bputs(b, ", \"error\": ");
    if (r->error[0])
        bstr(b, r->error);
    else
        bputs(b, "null");
    bputs(b, "}\n");
}

/* Something changed: wake the event streams.  s->mu held. */
static void bump(struct server *s)
{
    s->seq++;
    pthread_cond_broadcast(&s->changed);
}

static int on_batch(int epoch, long done, long total, void *arg)
{
    struct server *s = arg;
    struct run *r = &s->run;
    double now = monotonic();
    int stop;

    pthread_mutex_lock(&s->mu);
    if (epoch != r->epoch || now - r->last_bump >= 0.25) {
        r->last_bump = now;
        r->epoch = epoch;
        r->done = done;
        r->total = total;
        bump(s);
    }
    stop = r->stop;
    pthread_mutex_unlock(&s->mu);
    return stop;
}

static int on_epoch(const nn_epoch_stats *st, void *arg)
{
    struct server *s = arg;
    struct run *r = &s->run;
    int stop;

    pthread_mutex_lock(&s->mu);
    if (r->n_hist == r->cap_hist) {
        int cap = r->cap_hist ? 2 * r->cap_hist : 32;
        nn_epoch_stats *h = realloc(r->hist, cap * sizeof *h);
        if (h) {
            r->hist = h;
            r->cap_hist = cap;
        }
    }
    if (r->n_hist < r->cap_hist)
        r->hist[r->n_hist++] = *st;
    r->done = r->total;
    bump(s);
    stop = r->stop;
    pthread_mutex_unlock(&s->mu);
    return stop;
}

/* A file name for run id's model in the save directory, not yet taken. */
static void model_path(const struct server *s, int id, char *path,
                       size_t len)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    struct stat st;

    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime_r(&now, &tm));
    snprintf(path, len, "%s/nn-serve-%s-run%d.json", s->save_dir, stamp, id);
    for (int i = 2; i < 1000 && lstat(path, &st) == 0; i++)
        snprintf(path, len, "%s/nn-serve-%s-run%d-%d.json", s->save_dir,
                 stamp, id, i);
}

/* The run, in its own thread: nn-train's steps over the --data set. */
static void *train_main(void *arg)
{
    struct server *s = arg;
    struct run *r = &s->run;
    nn_data view, *val = NULL;
    const nn_data *train = s->train;
    nn_model *m = NULL;
    char why[512] = "", path[4096];
    char *argv[2 * MAX_RUN_OPTIONS + 1];
    int err, argc = 0, id, saved_fail;
    double test_acc = -1;

    if (r->set.holdout > 0) {
        if (train_split_holdout(s->train, r->set.holdout, &view, &val, why,
                                sizeof why))
            goto fail;
        train = &view;
    }
    if (train_new_model(&m, &r->set, train, 0, s->data_dir, why, sizeof why))
        goto fail;
    nn_train_hooks hooks = { on_epoch, on_batch, s };
    err = nn_train(m, train, val, &r->set.train, &hooks, why, sizeof why);
    if (err && err != NN_EINTR) {
        if (!why[0])
            snprintf(why, sizeof why, "%s", nn_strerror(err));
        goto fail;
    }
    if (err == NN_EINTR && r->sig) {
        char during[64];
        snprintf(during, sizeof during, "run %d, epoch %d", r->id, r->epoch);
        train_say_stopped(r->sig, during, m);
    }
    /* The model first, as nn-train does: nothing after this can lose it. */
    model_path(s, r->id, path, sizeof path);
    saved_fail = train_save_model(m, path);
    if (s->test && nn_data_max_label(s->test) < nn_model_n_out(m)) {
        nn_eval *e;
        if (nn_eval_new(&e, nn_model_n_out(m)) == NN_OK &&
            nn_eval_data(e, m, s->test, NULL, 0) == NN_OK && e->n > 0)
            test_acc = (double)e->correct / e->n;
        nn_eval_free(e);
    }
    if (r->log.fd >= 0) {
        argv[argc++] = "nn-serve";
        for (int i = 0; i < r->n_opts; i++) {
            argv[argc++] = r->opt_name[i];
            argv[argc++] = r->opt_value[i];
        }
        runs_append(&r->log, argc, argv, m, path, s->test_path, test_acc);
    }
    if (!saved_fail && nn_model_train_info(m)->best_val_acc >= 0)
        warn("run %d: best validation accuracy %.2f%% at epoch %d; model "
             "written to %s", r->id,
             100 * nn_model_train_info(m)->best_val_acc,
             nn_model_train_info(m)->best_epoch, path);
    else if (!saved_fail)
        warn("run %d: model written to %s", r->id, path);
    id = add_model(s, m, path, r->id);
    pthread_mutex_lock(&s->mu);
    if (id < 0) {
        snprintf(r->error, sizeof r->error, "the model was written to %.400s, "
                 "but the server holds %d models already", path,
                 SERVE_MAX_MODELS);
        nn_model_free(m);
    } else if (saved_fail) {
        snprintf(r->error, sizeof r->error, "the model could not be written "
                 "to %.400s (nn-serve's messages say where it was kept)", path);
    }
    snprintf(r->path, sizeof r->path, "%s", path);
    r->model = id;
    r->test_acc = test_acc;
    r->state = err == NN_EINTR ? RUN_STOPPED : RUN_DONE;
    bump(s);
    pthread_mutex_unlock(&s->mu);
    nn_data_free(val);
    return NULL;
fail:
    warn("run %d: %s; no model written", r->id, why);
    nn_model_free(m);
    nn_data_free(val);
    if (r->log.fd >= 0)
        close(r->log.fd);
    pthread_mutex_lock(&s->mu);
    snprintf(r->error, sizeof r->error, "%s", why);
    r->state = RUN_FAILED;
    bump(s);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* A JSON option value as the text nn-train's option would take: strings as
 * they are, numbers as written (integers without a point; others with the
 * digits that give the same double back), arrays of numbers joined by
 * commas (--hidden [256, 128]). */
static int option_text(const cJSON *v, char *out, size_t len)
{
    if (cJSON_IsString(v))
        return snprintf(out, len, "%s", v->valuestring) < (int)len ? 0 : -1;
    if (cJSON_IsNumber(v)) {
        double x = v->valuedouble;
        if (x == floor(x) && fabs(x) < 1e15)
            snprintf(out, len, "%.0f", x);
        else
            snprintf(out, len, "%.17g", x);
        return 0;
    }
    if (cJSON_IsArray(v)) {
        size_t n = 0;
        const cJSON *item;

        out[0] = '\0';
        cJSON_ArrayForEach(item, v) {
            if (!cJSON_IsNumber(item) || n + 32 > len)
                return -1;
            n += snprintf(out + n, len - n, "%s%.17g", n ? "," : "",
                          item->valuedouble);
        }
        return 0;
    }
    return -1;
}

static void free_run_options(struct run *r)
{
    for (int i = 0; i < r->n_opts; i++) {
        free(r->opt_name[i]);
        free(r->opt_value[i]);
    }
    r->n_opts = 0;
}

/* The options of a request into set, names and values into the run (only
 * when all are good); 0, or -1 with the reply made. */
static int parse_run_options(const struct request *rq,
                             struct train_setup *set, char **names,
                             char **values, int *n, struct reply *rp)
{
    cJSON *root, *v;
    char text[256], why[512];
    nn_train_opts d;
    int k = 0;

    if (rq->len > (size_t)SERVE_MAX_OPTIONS) {
        reply_error(rp, 413, "options: more than %ld bytes",
                    SERVE_MAX_OPTIONS);
        return -1;
    }
    root = cJSON_ParseWithLength((const char *)rq->body, rq->len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        reply_error(rp, 400, "options: expected a JSON object of nn-train's "
                    "long options, e.g. {\"hidden\": \"100\", \"epochs\": 3}");
        return -1;
    }
    nn_train_opts_default(&d);
    train_setup_init(set, &d);
    cJSON_ArrayForEach(v, root) {
        const struct option *o = train_option_named(v->string);
        if (!o) {
            reply_error(rp, 400, "unknown option '%s'", v->string);
            goto fail;
        }
        if (option_text(v, text, sizeof text)) {
            reply_error(rp, 400, "--%s: expected a string or a number",
                        v->string);
            goto fail;
        }
        if (train_option(set, o->val, text, why, sizeof why) < 0) {
            reply_error(rp, 400, "%s", why);
            goto fail;
        }
        if (k == MAX_RUN_OPTIONS) {
            reply_error(rp, 400, "more than %d options", MAX_RUN_OPTIONS);
            goto fail;
        }
        names[k] = malloc(strlen(o->name) + 3);
        values[k] = strdup(text);
        if (!names[k] || !values[k]) {
            free(names[k]);
            free(values[k]);
            reply_error(rp, 500, "out of memory");
            goto fail;
        }
        sprintf(names[k], "--%s", o->name);
        k++;
    }
    cJSON_Delete(root);
    train_rate_defaults(set, set->activation);
    if (train_setup_check(set, set->holdout > 0, NULL, why, sizeof why)) {
        reply_error(rp, 400, "%s", why);
        goto fail_names;
    }
    *n = k;
    return 0;
fail:
    cJSON_Delete(root);
fail_names:
    for (int i = 0; i < k; i++) {
        free(names[i]);
        free(values[i]);
    }
    return -1;
}

static void post_train(struct server *s, const struct request *rq,
                       struct reply *rp)
{
    struct train_setup set;
    char *names[MAX_RUN_OPTIONS], *values[MAX_RUN_OPTIONS];
    struct run_log log = { -1, NULL, 0 };
    struct run *r = &s->run;
    struct buf b = { 0 };
    int n;

    if (parse_run_options(rq, &set, names, values, &n, rp))
        return;
    if (!s->train) {
        reply_error(rp, 409, "no training data: start nn-serve with --data "
                    "DIR");
        goto fail;
    }
    if (set.holdout >= s->train->n) {
        reply_error(rp, 400, "--holdout %d leaves no training records (the "
                    "data has %d)", set.holdout, s->train->n);
        goto fail;
    }
    pthread_mutex_lock(&s->mu);
    if (s->stopping || r->state == RUN_RUNNING || r->state == RUN_STOPPING) {
        pthread_mutex_unlock(&s->mu);
        reply_error(rp, 409, s->stopping ? "the server is stopping"
                    : "run %d is under way: one run at a time", r->id);
        goto fail;
    }
    if (s->runs && runs_start(&log, s->runs) != 0) {
        pthread_mutex_unlock(&s->mu);
        reply_error(rp, 500, "%s: %s", s->runs, strerror(errno));
        goto fail;
    }
    if (r->joinable)
        pthread_join(r->thread, NULL);      /* finished: its state says */
    r->joinable = 0;
    free_run_options(r);
    free(r->hist);
    memset(r, 0, sizeof *r);
    r->id = ++s->n_runs;
    r->set = set;
    r->n_opts = n;
    memcpy(r->opt_name, names, n * sizeof *names);
    memcpy(r->opt_value, values, n * sizeof *values);
    r->model = -1;
    r->test_acc = -1;
    r->log = log;
    r->state = RUN_RUNNING;
    if (pthread_create(&r->thread, NULL, train_main, s) != 0) {
        r->state = RUN_FAILED;
        snprintf(r->error, sizeof r->error, "cannot start a thread");
        if (log.fd >= 0)
            close(log.fd);
        bump(s);
        pthread_mutex_unlock(&s->mu);
        reply_error(rp, 500, "cannot start a thread");
        return;
    }
    r->joinable = 1;
    bump(s);
    run_json(s, &b);
    pthread_mutex_unlock(&s->mu);
    reply_buf(rp, 202, &b);
    return;
fail:
    for (int i = 0; i < n; i++) {
        free(names[i]);
        free(values[i]);
    }
}

static void get_train(struct server *s, const struct request *rq,
                      struct reply *rp)
{
    struct buf b = { 0 };

    (void)rq;
    pthread_mutex_lock(&s->mu);
    run_json(s, &b);
    pthread_mutex_unlock(&s->mu);
    reply_buf(rp, 200, &b);
}

static void post_train_stop(struct server *s, const struct request *rq,
                            struct reply *rp)
{
    struct buf b = { 0 };
    struct run *r = &s->run;

    (void)rq;
    pthread_mutex_lock(&s->mu);
    if (r->state != RUN_RUNNING && r->state != RUN_STOPPING) {
        pthread_mutex_unlock(&s->mu);
        reply_error(rp, 409, "no run under way");
        return;
    }
    r->stop = 1;
    r->state = RUN_STOPPING;
    bump(s);
    run_json(s, &b);
    pthread_mutex_unlock(&s->mu);
    reply_buf(rp, 202, &b);
}

int serve_train_wait(struct server *s, long *seq, double timeout, char **json)
{
    struct buf b = { 0 };
    struct timespec until;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)timeout;
    until.tv_nsec += (long)((timeout - floor(timeout)) * 1e9);
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    while (!s->stopping && s->seq <= *seq && rc == 0)
        rc = pthread_cond_timedwait(&s->changed, &s->mu, &until);
    if (s->stopping) {
        pthread_mutex_unlock(&s->mu);
        return -1;
    }
    if (s->seq <= *seq) {
        pthread_mutex_unlock(&s->mu);
        return 0;
    }
    *seq = s->seq;
    run_json(s, &b);
    pthread_mutex_unlock(&s->mu);
    if (b.failed) {
        free(b.p);
        return 0;
    }
    *json = b.p;
    return 1;
}

void serve_shutdown(struct server *s, int sig)
{
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    if (s->run.state == RUN_RUNNING) {
        s->run.stop = 1;
        s->run.sig = sig;
        s->run.state = RUN_STOPPING;
    }
    bump(s);
    pthread_mutex_unlock(&s->mu);
}

/* ------------------------------------------------------------------------ */
/* The run log and the server. */

/* GET /api/runs: the lines of the --runs log (all runs, nn-train's too),
 * the last 500 at most, each as it was written. */
static void get_runs(struct server *s, const struct request *rq,
                     struct reply *rp)
{
    enum { MAX_RUNS = 500 };
    struct buf b = { 0 };
    char *line = NULL, **keep;
    size_t cap = 0;
    long n = 0;
    ssize_t len;
    FILE *fp;

    (void)rq;
    bputs(&b, "{\"log\": ");
    if (!s->runs) {
        bputs(&b, "null, \"runs\": []}\n");
        reply_buf(rp, 200, &b);
        return;
    }
    bstr(&b, s->runs);
    bputs(&b, ", \"runs\": [");
    if (!(keep = calloc(MAX_RUNS, sizeof *keep))) {
        free(b.p);
        reply_error(rp, 500, "out of memory");
        return;
    }
    if ((fp = fopen(s->runs, "r"))) {
        while ((len = getline(&line, &cap, fp)) > 0) {
            cJSON *o = cJSON_ParseWithLength(line, (size_t)len);
            if (cJSON_IsObject(o)) {    /* a line cut short is left out */
                free(keep[n % MAX_RUNS]);
                keep[n % MAX_RUNS] = cJSON_PrintUnformatted(o);
                n++;
            }
            cJSON_Delete(o);
        }
        fclose(fp);
    }
    for (long i = n > MAX_RUNS ? n - MAX_RUNS : 0, first = i; i < n; i++) {
        bputs(&b, i > first ? ", " : "");
        bputs(&b, keep[i % MAX_RUNS] ? keep[i % MAX_RUNS] : "null");
    }
    bputs(&b, "]}\n");
    for (int i = 0; i < MAX_RUNS; i++)
        free(keep[i]);
    free(keep);
    free(line);
    reply_buf(rp, 200, &b);
}

/* GET /api/info: what this server can do. */
static void get_info(struct server *s, const struct request *rq,
                     struct reply *rp)
{
    struct buf b = { 0 };

    (void)rq;
    bputs(&b, "{\"version\": \"" NN_VERSION "\", \"data\": ");
    if (s->train) {
        bputs(&b, "{\"dir\": ");
        bstr(&b, s->data_dir);
        bprintf(&b, ", \"train\": %d, \"test\": %d}", s->train->n,
                s->test->n);
    } else {
        bputs(&b, "null");
    }
    bputs(&b, ", \"runs\": ");
    if (s->runs)
        bstr(&b, s->runs);
    else
        bputs(&b, "null");
    bprintf(&b, ", \"max_body\": %ld, \"max_pixels\": %ld}\n",
            SERVE_MAX_BODY, SERVE_MAX_PIXELS);
    reply_buf(rp, 200, &b);
}

typedef void handler(struct server *, const struct request *, struct reply *);

static const struct route {
    const char *method, *path;
    handler *fn;
} routes[] = {
    { "GET", "/api/info", get_info },
    { "GET", "/api/models", get_models },
    { "POST", "/api/predict", post_predict },
    { "GET", "/api/weights", get_weights },
    { "GET", "/api/confusion", get_confusion },
    { "GET", "/api/misread", get_misread },
    { "GET", "/api/train", get_train },
    { "POST", "/api/train", post_train },
    { "POST", "/api/train/stop", post_train_stop },
    { "GET", "/api/runs", get_runs },
};

void serve_handle(struct server *s, const struct request *rq,
                  struct reply *rp)
{
    const char *path = strcmp(rq->path, "/") ? rq->path : "/index.html";
    int known = 0;

    memset(rp, 0, sizeof *rp);
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(routes[i].path, path) != 0)
            continue;
        if (strcmp(routes[i].method, rq->method) == 0) {
            routes[i].fn(s, rq, rp);
            return;
        }
        known = 1;
    }
    if (known) {
        reply_error(rp, 405, "%s %s: method not allowed", rq->method, path);
        return;
    }
    /* Only the page's own files, by exact name: nothing from disk. */
    for (const struct asset *a = serve_assets; a->path; a++) {
        if (strcmp(a->path, path) != 0)
            continue;
        if (strcmp(rq->method, "GET") != 0) {
            reply_error(rp, 405, "%s %s: method not allowed", rq->method,
                        path);
            return;
        }
        rp->status = 200;
        rp->type = a->type;
        rp->body = (char *)a->data;
        rp->len = a->len;
        return;
    }
    reply_error(rp, 404, "%s: not found", path);
}

/* One of MNIST's files in dir, gzipped or not, read whole. */
static int read_idx_in(const char *dir, const char *name, nn_idx **out,
                       char *path, size_t plen, char *why, size_t whylen)
{
    char w[256] = "";
    FILE *fp;
    int err;

    snprintf(path, plen, "%s/%s.gz", dir, name);
    if (!(fp = fopen(path, "rb"))) {
        snprintf(path, plen, "%s/%s", dir, name);
        fp = fopen(path, "rb");
    }
    if (!fp) {
        snprintf(why, whylen, "%s/%s(.gz): %s", dir, name, strerror(errno));
        return -1;
    }
    err = nn_idx_read(out, fp, w, sizeof w);
    fclose(fp);
    if (err)
        snprintf(why, whylen, "%s: %s", path, w[0] ? w : nn_strerror(err));
    return err ? -1 : 0;
}

int serve_load_data(struct server *s, const char *dir, char *why,
                    size_t whylen)
{
    static const char *const names[2][2] = {
        { "train-images-idx3-ubyte", "train-labels-idx1-ubyte" },
        { "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" },
    };
    nn_data **sets[2] = { &s->train, &s->test };
    char path[4096], w[256] = "";

    if (!(s->data_dir = strdup(dir)))
        return snprintf(why, whylen, "out of memory"), -1;
    for (int i = 0; i < 2; i++) {
        nn_idx *img = NULL, *lab = NULL;
        int err = read_idx_in(dir, names[i][0], &img, path, sizeof path, why,
                              whylen);

        if (!err && i == 1 && !(s->test_path = strdup(path)))
            err = -1;
        if (!err)
            err = read_idx_in(dir, names[i][1], &lab, path, sizeof path, why,
                              whylen);
        if (!err && nn_idx_data(sets[i], img, lab, w, sizeof w)) {
            snprintf(why, whylen, "%s/%s: %s", dir, names[i][0], w);
            err = -1;
        }
        nn_idx_free(img);
        nn_idx_free(lab);
        if (err)
            return -1;
    }
    if (s->train->dim != s->test->dim)
        return snprintf(why, whylen, "%s: the training images have %d "
                        "values, the test images %d", dir, s->train->dim,
                        s->test->dim), -1;
    return 0;
}

int serve_new(struct server **out, const char *runs, const char *save_dir)
{
    struct server *s = calloc(1, sizeof *s);

    *out = s;
    if (!s)
        return -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->eval_mu, NULL);
    pthread_cond_init(&s->changed, NULL);
    s->runs = runs;
    s->save_dir = save_dir;
    s->run.model = -1;
    s->run.log.fd = -1;
    return 0;
}

void serve_free(struct server *s)
{
    if (!s)
        return;
    serve_shutdown(s, 0);
    if (s->run.joinable)
        pthread_join(s->run.thread, NULL);
    free_run_options(&s->run);
    free(s->run.hist);
    for (int i = 0; i < s->n_models; i++) {
        struct eval_cache *c = s->models[i].eval;
        nn_model_free(s->models[i].m);
        free(s->models[i].path);
        if (c) {
            nn_eval_free(c->e);
            free(c->pred);
            free(c);
        }
    }
    nn_data_free(s->train);
    nn_data_free(s->test);
    free(s->data_dir);
    free(s->test_path);
    pthread_cond_destroy(&s->changed);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->eval_mu);
    free(s);
}
