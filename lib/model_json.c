/* model_json.c - the model file's schema (docs/model-format.md), both
 * ways: nn_model_write lays a model out as JSON (lib/json.c's writer) and
 * nn_model_save puts it in place through nn_replace_file; nn_model_read
 * parses the document (lib/json.c's reader) and checks every field. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

/* Largest model file nn_model_read accepts (documented; NN_ELIMIT above). */
#ifndef NN_MODEL_MAX_BYTES
#define NN_MODEL_MAX_BYTES ((size_t)1 << 30)
#endif

/* Counts in a long: up to 2^53 on LP64, LONG_MAX where long has 32 bits. */
#if LONG_MAX > 9007199254740992LL
#define MAX_LONG NN_JSON_MAX_EXACT
#else
#define MAX_LONG ((double)LONG_MAX)
#endif

static int bad_model(char *why, size_t whylen, const char *what)
{
    return nn_why(why, whylen, NN_EINVAL, "invalid model: %s", what);
}

/* The float members of the training methods: those of nn_train_opts in
 * training.options, those of nn_augment in its "augment" object.  One
 * table serves the writer and the reader. */
struct float_field { const char *key; size_t off; };

static const struct float_field opt_floats[] = {
    { "beta2", offsetof(nn_train_opts, beta2) },
    { "step_factor", offsetof(nn_train_opts, step_factor) },
    { "dropout", offsetof(nn_train_opts, dropout) },
    { "input_dropout", offsetof(nn_train_opts, input_dropout) },
    { "max_norm", offsetof(nn_train_opts, max_norm) },
};
static const struct float_field aug_floats[] = {
    { "shift", offsetof(nn_augment, shift) },
    { "rotate", offsetof(nn_augment, rotate) },
    { "scale", offsetof(nn_augment, scale) },
    { "shear", offsetof(nn_augment, shear) },
    { "alpha", offsetof(nn_augment, alpha) },
    { "sigma", offsetof(nn_augment, sigma) },
    { "stroke", offsetof(nn_augment, stroke) },  /* last: see put_options */
};
#define N_FIELDS(t) (sizeof (t) / sizeof (t)[0])
#define FIELD(base, f) ((float *)((char *)(base) + (f)->off))

/* ------------------------------------------------------------------------ */
/* Writing.  The document is laid out in memory and written at once, so
 * that a model that cannot be stored (a NaN) leaves nothing behind. */

static void put_int(nn_jw *w, const char *key, long v)
{
    char s[32];

    snprintf(s, sizeof s, "%ld", v);
    nn_jw_raw(w, key, s);
}

/* Up to 2^53 a number; above, a decimal string, since most JSON readers
 * hold numbers as doubles. */
static void put_u64(nn_jw *w, const char *key, uint64_t v)
{
    char s[32];

    snprintf(s, sizeof s, "%" PRIu64, v);
    if (v <= (uint64_t)1 << 53)
        nn_jw_raw(w, key, s);
    else
        nn_jw_str(w, key, s);
}

static int not_finite(const char *path, const char *key, double v,
                      char *why, size_t whylen)
{
    char p[NN_JSON_PATH];

    return nn_why(why, whylen, NN_ENUMERIC, "%s: %s cannot be stored in "
                  "JSON", nn_json_join(p, sizeof p, path, key),
                  isnan(v) ? "NaN" : "infinity");
}

/* A float (a double) member key of the object at path; in an array, the
 * next element, named path.key in messages. */
static int put_float(nn_jw *w, const char *path, const char *key, float f,
                     char *why, size_t whylen)
{
    char s[NN_NUM_CHARS];

    if (!isfinite(f))
        return not_finite(path, key, f, why, whylen);
    nn_format_float(s, f, 1);
    nn_jw_raw(w, key, s);
    return NN_OK;
}

static int put_double(nn_jw *w, const char *path, const char *key,
                      double d, char *why, size_t whylen)
{
    char s[NN_NUM_CHARS];

    if (!isfinite(d))
        return not_finite(path, key, d, why, whylen);
    nn_format_double(s, d);
    nn_jw_raw(w, key, s);
    return NN_OK;
}

/* v[0..n-1] as the array member key of layers[l]. */
static int put_floats(nn_jw *w, int l, const char *key, const float *v,
                      long n, char *why, size_t whylen)
{
    long i = nn_jw_floats(w, key, v, n);

    if (i >= 0)
        return nn_why(why, whylen, NN_ENUMERIC,
                      "layers[%d].%s[%ld]: %s cannot be stored in JSON", l,
                      key, i, isnan(v[i]) ? "NaN" : "infinity");
    return NN_OK;
}

/* Members fields[0..n-1] of the struct at base (the object at path). */
static int put_fields(nn_jw *w, const char *path, const void *base,
                      const struct float_field *fields, size_t n,
                      char *why, size_t whylen)
{
    int err = NN_OK;

    for (size_t i = 0; i < n && !err; i++)
        err = put_float(w, path, fields[i].key,
                        *FIELD((void *)base, &fields[i]), why, whylen);
    return err;
}

/* The object training.options: the training methods of o. */
static int put_options(nn_jw *w, const nn_train_opts *o, char *why,
                       size_t whylen)
{
    const char *opt = nn_optimizer_name(o->optimizer);
    const char *sched = nn_schedule_name(o->schedule);
    const char *path = "training.options";
    char kinds[32];
    int err;

    if (!opt || !sched)
        return bad_model(why, whylen, "unknown optimizer or schedule");
    nn_jw_open(w, "options", 1, 0);
    put_int(w, "epochs", o->epochs);
    put_int(w, "batch", o->batch);
    if ((err = put_float(w, path, "rate", o->rate, why, whylen))
        || (err = put_float(w, path, "momentum", o->momentum, why, whylen))
        || (err = put_float(w, path, "lambda", o->lambda, why, whylen)))
        return err;
    put_int(w, "patience", o->patience);
    put_u64(w, "seed", o->seed);
    nn_jw_str(w, "optimizer", opt);
    nn_jw_str(w, "schedule", sched);
    put_int(w, "step_epochs", o->step_epochs);
    put_int(w, "plateau", o->plateau);
    if ((err = put_fields(w, path, o, opt_floats, N_FIELDS(opt_floats), why,
                          whylen)))
        return err;
    nn_jw_open(w, "augment", 1, 0);
    nn_jw_str(w, "kinds", nn_augment_name(o->augment.kinds, kinds,
                                          sizeof kinds));
    /* stroke (added after version 1's files were written) only when that
     * kind is used, so that a model trained without it is written as
     * before, byte for byte. */
    if ((err = put_fields(w, "training.options.augment", &o->augment,
                          aug_floats, N_FIELDS(aug_floats)
                          - !(o->augment.kinds & NN_AUG_STROKE), why,
                          whylen)))
        return err;
    nn_jw_close(w);
    nn_jw_close(w);
    return NN_OK;
}

/* The object "training": what nn_train recorded. */
static int put_training(nn_jw *w, const nn_train_info *t, char *why,
                        size_t whylen)
{
    int err;

    nn_jw_open(w, "training", 1, 0);
    if ((err = put_options(w, &t->opts, why, whylen)))
        return err;
    put_int(w, "epochs_run", t->epochs_run);
    put_int(w, "best_epoch", t->best_epoch);
    if ((err = put_double(w, "training", "best_val_acc", t->best_val_acc,
                          why, whylen))
        || (err = put_double(w, "training", "final_rate", t->final_rate,
                             why, whylen)))
        return err;
    put_int(w, "n_train", t->n_train);
    put_int(w, "n_val", t->n_val);
    nn_jw_close(w);
    return NN_OK;
}

/* The whole document into w. */
static int put_model(nn_jw *w, const nn_model *m, char *why, size_t whylen)
{
    const char *hid = nn_act_name(m->hidden_act);
    const char *outact = nn_act_name(m->output_act);
    const char *cost = nn_cost_name(m->cost);
    const char *init = nn_init_name(m->init);
    int err, l, version = 1;

    if (m->nlayers < 1 || m->nlayers > NN_MAX_LAYERS || !m->params)
        return bad_model(why, whylen, "no layers");
    if (!hid || !outact || !cost || !init)
        return bad_model(why, whylen, "unknown activation, cost or init");
    /* A network of dense layers is written as version 1, which every
     * nnpipe reads; layers of other types need version 2. */
    for (l = 0; l < m->nlayers; l++)
        if (m->type[l] != NN_LAYER_DENSE)
            version = 2;
    nn_jw_open(w, NULL, 1, 0);
    nn_jw_str(w, "format", NN_FORMAT_NAME);
    put_int(w, "version", version);
    nn_jw_str(w, "tool", "nnpipe " NN_VERSION);
    nn_jw_open(w, "output", 1, 0);
    nn_jw_str(w, "activation", outact);
    nn_jw_str(w, "cost", cost);
    nn_jw_close(w);
    if (m->temperature != 1.0f) {       /* written only when fitted */
        nn_jw_open(w, "calibration", 1, 0);
        if ((err = put_float(w, "calibration", "temperature", m->temperature,
                             why, whylen)))
            return err;
        nn_jw_close(w);
    }
    nn_jw_str(w, "init", init);
    put_u64(w, "seed", m->seed);

    nn_jw_open(w, "input", 1, 0);
    put_int(w, "width", m->input.width);
    put_int(w, "height", m->input.height);
    nn_jw_open(w, "range", 0, 1);
    if ((err = put_float(w, "input", "range", m->input.lo, why, whylen))
        || (err = put_float(w, "input", "range", m->input.hi, why, whylen)))
        return err;
    nn_jw_close(w);
    nn_jw_str(w, "ink", m->input.ink_high ? "high" : "low");
    nn_jw_close(w);

    if (m->class_names) {
        nn_jw_open(w, "classes", 0, 1);
        for (l = 0; l < m->sizes[m->nlayers]; l++) {
            const char *bad = m->class_names[l]
                ? nn_class_name_problem(m->class_names[l]) : "no name";

            if (bad)
                return nn_why(why, whylen, NN_EINVAL, "classes[%d]: %s", l,
                              bad);
            nn_jw_str(w, NULL, m->class_names[l]);
        }
        nn_jw_close(w);
    }

    if ((err = put_training(w, &m->train, why, whylen)))
        return err;

    nn_jw_open(w, "layers", 0, 0);
    for (l = 0; l < m->nlayers; l++) {
        int type = m->type[l];
        long nb = (l + 1 < m->nlayers ? m->w_off[l + 1] : m->n_params)
                  - m->b_off[l];

        nn_jw_open(w, NULL, 1, 0);
        if (version > 1)
            nn_jw_str(w, "type", nn_layer_name(type));
        put_int(w, "in", m->sizes[l]);
        put_int(w, "out", m->sizes[l + 1]);
        if (type != NN_LAYER_DENSE) {
            put_int(w, "width", m->shape[l + 1].w);
            put_int(w, "height", m->shape[l + 1].h);
            put_int(w, "channels", m->shape[l + 1].c);
        }
        if (type == NN_LAYER_CONV) {
            put_int(w, "kernel", m->kernel[l]);
            nn_jw_str(w, "padding", nn_pad_name(m->pad[l]));
        }
        if (type != NN_LAYER_MAXPOOL) {
            nn_jw_str(w, "activation", l == m->nlayers - 1 ? outact : hid);
            if ((err = put_floats(w, l, "bias", m->params + m->b_off[l], nb,
                                  why, whylen))
                || (err = put_floats(w, l, "weights", m->params + m->w_off[l],
                                     m->b_off[l] - m->w_off[l], why,
                                     whylen)))
                return err;
        }
        nn_jw_close(w);
    }
    nn_jw_close(w);
    nn_jw_close(w);
    return w->err;
}

/* An ensemble: version 3, its networks in "ensemble", each as a model of
 * its own. */
static int put_ensemble(nn_jw *w, const nn_model *m, char *why,
                        size_t whylen)
{
    int err = NN_OK;

    nn_jw_open(w, NULL, 1, 0);
    nn_jw_str(w, "format", NN_FORMAT_NAME);
    put_int(w, "version", 3);
    nn_jw_str(w, "tool", "nnpipe " NN_VERSION);
    nn_jw_open(w, "ensemble", 0, 0);
    for (; m && !err; m = m->next)
        err = put_model(w, m, why, whylen);
    nn_jw_close(w);
    nn_jw_close(w);
    return err ? err : w->err;
}

static int write_model(const nn_model *m, FILE *fp, char *why, size_t whylen)
{
    nn_jw w;
    int err;

    if (!m || !fp)
        return nn_why(why, whylen, NN_EINVAL, "no model or no stream");
    memset(&w, 0, sizeof w);
    err = m->next ? put_ensemble(&w, m, why, whylen)
                  : put_model(&w, m, why, whylen);
    if (err == NN_OK && fwrite(w.p, 1, w.len, fp) != w.len)
        err = NN_EIO;
    free(w.p);
    if (err == NN_ENOMEM)
        return nn_why(why, whylen, err, "%s", nn_strerror(err));
    if (err && err != NN_EIO)
        return err;
    if (err || fflush(fp) != 0 || ferror(fp))
        return nn_why(why, whylen, NN_EIO, "write error: %s",
                      strerror(errno));
    return NN_OK;
}

int nn_model_write(const nn_model *m, FILE *fp)
{
    return write_model(m, fp, NULL, 0);
}

static int write_model_to(FILE *fp, const void *m, char *why, size_t whylen)
{
    return write_model(m, fp, why, whylen);
}

int nn_model_save(const nn_model *m, const char *path, char *why,
                  size_t whylen)
{
    if (!m || !path || !*path)
        return nn_why(why, whylen, NN_EINVAL, "no model or no file name");
    if (strcmp(path, "-") == 0)
        return nn_why(why, whylen, NN_EINVAL,
                      "'-' is not a file name here (write to standard "
                      "output with nn_model_write)");
    return nn_replace_file(path, write_model_to, m, why, whylen);
}

/* ------------------------------------------------------------------------ */
/* Reading. */


/* A layer size: 1..NN_MAX_DIM (NN_ELIMIT above). */
static int get_size(nn_jget *r, const nn_json *obj, const char *where,
                    const char *key, int *out)
{
    const nn_json *v;
    char p[NN_JSON_PATH];
    double d;
    int err;

    if ((err = nn_json_lookup(r, obj, where, key, 1, &v, p)))
        return err;
    if (v->type != NN_JSON_NUMBER)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected an integer, got %s", p, nn_json_kind(v));
    d = v->num;
    if (d != floor(d) || d < 1)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: %.15g is not a valid size (an integer, at least 1)",
                      p, d);
    if (d > NN_MAX_DIM)
        return nn_why(r->why, r->whylen, NN_ELIMIT,
                      "%s: %.15g is larger than the limit (%d)", p, d,
                      NN_MAX_DIM);
    *out = (int)d;
    return NN_OK;
}

/* Activation name of one layer, with where it is allowed. */
static int get_act(nn_jget *r, const nn_json *obj, const char *where,
                   int last, int *out)
{
    const char *s = "";
    char c[NN_JSON_CLIP];
    int err, a;

    if ((err = nn_json_str(r, obj, where, "activation", 1, &s)))
        return err;
    a = nn_act_parse(s);
    if (a < 0)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s.activation: unknown activation '%s'", where,
                      nn_json_clip(c, s));
    if (!last && !nn_act_hidden(a))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s.activation: '%s' is not a hidden-layer activation "
                      "(%s)", where, s, nn_act_choices(0, c, sizeof c));
    if (last && !nn_act_output(a))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s.activation: '%s' is not an output activation "
                      "(%s)", where, s, nn_act_choices(1, c, sizeof c));
    *out = a;
    return NN_OK;
}

/* "format" and "version": is this a document we can read at all? */
static int check_header(nn_jget *r, const nn_json *root, int *version)
{
    const nn_json *v;
    char c[NN_JSON_CLIP];
    int err;

    if (root->type != NN_JSON_OBJECT)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "a JSON document but not an nnpipe model (the top "
                      "level is %s, not an object)", nn_json_kind(root));
    if ((err = nn_json_member(r, root, "", "format", 0, &v)))
        return err;
    if (!v)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "a JSON document but not an nnpipe model "
                      "(no \"format\" field)");
    if (v->type != NN_JSON_STRING)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "not an nnpipe model: format is %s, not \"%s\"",
                      nn_json_kind(v), NN_FORMAT_NAME);
    if (strcmp(v->str, NN_FORMAT_NAME) != 0)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "not an nnpipe model: format is '%s'",
                      nn_json_clip(c, v->str));
    if ((err = nn_json_member(r, root, "", "version", 1, &v)))
        return err;
    if (v->type != NN_JSON_NUMBER)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "version: expected a positive integer, got %s",
                      nn_json_kind(v));
    if (v->num != floor(v->num) || v->num < 1)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "version: expected a positive integer, got %.15g",
                      v->num);
    if (v->num > NN_FORMAT_VERSION)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "model format version %.15g is newer than this nnpipe "
                      "supports (%d)", v->num, NN_FORMAT_VERSION);
    *version = (int)v->num;
    return NN_OK;
}

/* Layer l's type, and for a conv layer its kernel, padding and channels,
 * into sp.  A version 1 file has dense layers only. */
static int get_spec(nn_jget *r, const nn_json *L, const char *where,
                    int version, nn_layer_spec *sp)
{
    const char *s = NULL;
    char c[NN_JSON_CLIP];
    long k = 0;
    int err;

    sp->type = NN_LAYER_DENSE;
    if ((err = nn_json_str(r, L, where, "type", 0, &s)) || !s)
        return err;
    if ((sp->type = nn_layer_parse(s)) < 0)
        return nn_why(r->why, r->whylen, NN_EFORMAT, "%s.type: unknown layer "
                      "type '%s' (dense, conv or maxpool)", where,
                      nn_json_clip(c, s));
    if (sp->type != NN_LAYER_DENSE && version < 2)
        return nn_why(r->why, r->whylen, NN_EFORMAT, "%s.type: '%s' layers "
                      "need version 2", where, s);
    if (sp->type != NN_LAYER_CONV)
        return NN_OK;
    if ((err = nn_json_int(r, L, where, "kernel", 1, 1, 99, &k))
        || (err = nn_json_name(r, L, where, "padding", nn_pad_parse,
                               &sp->pad))
        || (err = nn_json_count(r, L, where, "channels", &sp->size)))
        return err;
    sp->kernel = (int)k;
    return NN_OK;
}

/* The input's image shape as the file gives it (0, 0 if it does not), for
 * the layers' shapes; read_input checks it. */
static void input_shape(const nn_json *root, int *w, int *h)
{
    const nn_json *in = NULL;
    long v;
    char why[8];
    nn_jget q = { why, sizeof why };

    *w = *h = 0;
    if (nn_json_object(&q, root, "", "input", 0, &in) || !in)
        return;
    v = 0;
    if (!nn_json_int(&q, in, "input", "width", 0, 0, NN_MAX_DIM, &v))
        *w = (int)v;
    v = 0;
    if (!nn_json_int(&q, in, "input", "height", 0, 0, NN_MAX_DIM, &v))
        *h = (int)v;
}

/* Weights and biases of layer l into m->params. */
static int read_params(nn_jget *r, nn_model *m, int l, const nn_json *w,
                       const nn_json *b)
{
    char p[32];
    int err;

    snprintf(p, sizeof p, "layers[%d].weights", l);
    if ((err = nn_json_floats(r, w, p, m->params + m->w_off[l])))
        return err;
    snprintf(p, sizeof p, "layers[%d].bias", l);
    return nn_json_floats(r, b, p, m->params + m->b_off[l]);
}

static int read_input(nn_jget *r, nn_model *m, const nn_json *root)
{
    const nn_json *in, *range;
    nn_input_desc d;
    const char *ink = NULL;
    long w, h;
    int err;

    if ((err = nn_json_object(r, root, "", "input", 0, &in)) || !in)
        return err;
    nn_model_input(m, &d);
    w = d.width;
    h = d.height;
    if ((err = nn_json_int(r, in, "input", "width", 0, 0, NN_MAX_DIM, &w))
        || (err = nn_json_int(r, in, "input", "height", 0, 0, NN_MAX_DIM, &h)))
        return err;
    if ((w == 0) != (h == 0))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "input: width %ld and height %ld (both 0 when the "
                      "input is not an image)", w, h);
    if (w > 0 && w * h != m->sizes[0])
        return nn_why(r->why, r->whylen, NN_ESHAPE,
                      "input: a %ldx%ld image is %ld values, but "
                      "layers[0].in is %d", w, h, w * h, m->sizes[0]);
    d.width = (int)w;
    d.height = (int)h;
    if ((err = nn_json_member(r, in, "input", "range", 0, &range)))
        return err;
    if (range) {
        float lohi[2];

        if ((err = nn_json_array(r, in, "input", "range", 2, &range))
            || (err = nn_json_floats(r, range, "input.range", lohi)))
            return err;
        d.lo = lohi[0];
        d.hi = lohi[1];
        if (!(d.lo < d.hi))
            return nn_why(r->why, r->whylen, NN_EFORMAT,
                          "input.range: [%g, %g] is empty (need lo < hi)",
                          (double)d.lo, (double)d.hi);
    }
    if ((err = nn_json_str(r, in, "input", "ink", 0, &ink)))
        return err;
    if (ink) {
        if (strcmp(ink, "high") != 0 && strcmp(ink, "low") != 0) {
            char c[NN_JSON_CLIP];

            return nn_why(r->why, r->whylen, NN_EFORMAT,
                          "input.ink: '%s', expected 'high' or 'low'",
                          nn_json_clip(c, ink));
        }
        d.ink_high = ink[0] == 'h';
    }
    nn_model_set_input(m, &d);
    return NN_OK;
}

static int read_classes(nn_jget *r, nn_model *m, const nn_json *root)
{
    const nn_json *arr, *c;
    const char **names;
    int n = m->sizes[m->nlayers], i, err;

    if ((err = nn_json_member(r, root, "", "classes", 0, &arr)) || !arr)
        return err;
    if ((err = nn_json_array(r, root, "", "classes", n, &arr)))
        return err;
    if (arr->type == NN_JSON_FLOATS)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "classes[0]: expected a string, got a number");
    for (c = arr->child, i = 0; c; c = c->next, i++) {
        const char *bad;

        if (c->type != NN_JSON_STRING)
            return nn_why(r->why, r->whylen, NN_EFORMAT,
                          "classes[%d]: expected a string, got %s", i,
                          nn_json_kind(c));
        if ((bad = nn_class_name_problem(c->str)))
            return nn_why(r->why, r->whylen, NN_EFORMAT, "classes[%d]: %s",
                          i, bad);
    }
    if (!(names = malloc((size_t)n * sizeof *names)))
        return nn_why(r->why, r->whylen, NN_ENOMEM, "%s",
                      nn_strerror(NN_ENOMEM));
    for (c = arr->child, i = 0; c; c = c->next, i++)
        names[i] = c->str;
    err = nn_model_set_class_names(m, n, names);
    free(names);
    if (err)
        return nn_why(r->why, r->whylen, err, "classes: %s",
                      nn_strerror(err));
    return NN_OK;
}

/* Members fields[0..n-1] of the struct at base from obj; each absent one
 * takes its value in the struct at dflt. */
static int read_fields(nn_jget *r, const nn_json *obj, const char *where,
                       void *base, const void *dflt,
                       const struct float_field *fields, size_t n)
{
    int err = NN_OK;

    for (size_t i = 0; i < n && !err; i++) {
        *FIELD(base, &fields[i]) = *FIELD((void *)dflt, &fields[i]);
        err = nn_json_float(r, obj, where, fields[i].key, FIELD(base, &fields[i]));
    }
    return err;
}

/* The optional calibration member: the softmax temperature, above 0 (1,
 * none, when absent, as in models written before it existed). */
static int read_calibration(nn_jget *r, nn_model *m, const nn_json *root)
{
    const nn_json *c;
    int err;

    m->temperature = 1.0f;
    if ((err = nn_json_object(r, root, "", "calibration", 0, &c)) || !c ||
        (err = nn_json_float(r, c, "calibration", "temperature",
                             &m->temperature)))
        return err;
    if (!(m->temperature > 0))
        return nn_why(r->why, r->whylen, NN_EFORMAT, "calibration.temperature:"
                      " %g, must be above 0", m->temperature);
    return NN_OK;
}

/* The members add_methods writes; those absent (models of nnpipe before
 * they existed) keep nn_train_opts_default's values. */
static int read_methods(nn_jget *r, const nn_json *o, nn_train_opts *op)
{
    const char *where = "training.options";
    const nn_json *aug;
    nn_train_opts d;
    int err;

    nn_train_opts_default(&d);
    op->optimizer = d.optimizer;
    op->schedule = d.schedule;
    op->step_epochs = d.step_epochs;
    op->plateau = d.plateau;
    op->augment = d.augment;
    if ((err = nn_json_name(r, o, where, "optimizer", nn_optimizer_parse,
                        &op->optimizer))
        || (err = nn_json_name(r, o, where, "schedule", nn_schedule_parse,
                           &op->schedule))
        || (err = nn_json_count(r, o, where, "step_epochs", &op->step_epochs))
        || (err = nn_json_count(r, o, where, "plateau", &op->plateau))
        || (err = read_fields(r, o, where, op, &d, opt_floats,
                              N_FIELDS(opt_floats)))
        || (err = nn_json_object(r, o, where, "augment", 0, &aug)))
        return err;
    where = "training.options.augment";
    if (!aug)
        return NN_OK;
    if ((err = nn_json_name(r, aug, where, "kinds", nn_augment_parse,
                        &op->augment.kinds)))
        return err;
    return read_fields(r, aug, where, &op->augment, &d.augment, aug_floats,
                       N_FIELDS(aug_floats));
}

static int read_training(nn_jget *r, nn_model *m, const nn_json *root)
{
    const nn_json *t, *o;
    nn_train_info *ti = &m->train;
    nn_train_opts *op = &ti->opts;
    long v;
    int err;

    if ((err = nn_json_object(r, root, "", "training", 0, &t)) || !t)
        return err;
    if ((err = nn_json_object(r, t, "training", "options", 0, &o)))
        return err;
    if (o && ((err = nn_json_count(r, o, "training.options", "epochs",
                              &op->epochs))
              || (err = nn_json_count(r, o, "training.options", "batch",
                                 &op->batch))
              || (err = nn_json_float(r, o, "training.options", "rate",
                                  &op->rate))
              || (err = nn_json_float(r, o, "training.options", "momentum",
                                  &op->momentum))
              || (err = nn_json_float(r, o, "training.options", "lambda",
                                  &op->lambda))
              || (err = nn_json_count(r, o, "training.options", "patience",
                                 &op->patience))
              || (err = nn_json_u64(r, o, "training.options", "seed", &op->seed))
              || (err = read_methods(r, o, op))))
        return err;
    if ((err = nn_json_count(r, t, "training", "epochs_run", &ti->epochs_run))
        || (err = nn_json_count(r, t, "training", "best_epoch", &ti->best_epoch))
        || (err = nn_json_double(r, t, "training", "best_val_acc", -1, 1,
                             &ti->best_val_acc))
        || (err = nn_json_double(r, t, "training", "final_rate", 0, 1e30,
                             &ti->final_rate)))
        return err;
    v = ti->n_train;
    if ((err = nn_json_int(r, t, "training", "n_train", 0, 0, MAX_LONG, &v)))
        return err;
    ti->n_train = v;
    v = ti->n_val;
    if ((err = nn_json_int(r, t, "training", "n_val", 0, 0, MAX_LONG, &v)))
        return err;
    ti->n_val = v;
    return NN_OK;
}

/* The model described by root, checked field by field. */
static int from_tree(nn_jget *r, const nn_json *root, nn_model **out)
{
    const nn_json *layers, *L, *Ls[NN_MAX_LAYERS];
    const nn_json *w[NN_MAX_LAYERS], *b[NN_MAX_LAYERS];
    const nn_json *output;
    const char *s = "";
    int sizes[NN_MAX_LAYERS + 1], acts[NN_MAX_LAYERS], version = 1;
    nn_layer_spec spec[NN_MAX_LAYERS];
    char where[32], c[NN_JSON_CLIP], msg[200];
    nn_arch arch;
    nn_model *m = NULL;
    uint64_t seed = 0;
    long nl;
    int err, l, out_act, cost, init = NN_INIT_DEFAULT;

    if ((err = check_header(r, root, &version)))
        return err;
    if ((err = nn_json_str(r, root, "", "tool", 0, &s)))
        return err;

    /* Shapes first, so nothing is allocated for a malformed model. */
    if ((err = nn_json_member(r, root, "", "layers", 1, &layers)))
        return err;
    if (!nn_json_is_array(layers))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "layers: expected an array, got %s", nn_json_kind(layers));
    nl = layers->n;
    if (nl < 1)
        return nn_why(r->why, r->whylen, NN_EFORMAT, "layers: empty");
    if (nl > NN_MAX_LAYERS)
        return nn_why(r->why, r->whylen, NN_ELIMIT,
                      "layers: %ld layers, more than the limit (%d)", nl,
                      NN_MAX_LAYERS);
    if (layers->type == NN_JSON_FLOATS)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "layers[0]: expected an object, got a number");
    for (L = layers->child, l = 0; L; L = L->next, l++) {
        int in, nout;

        snprintf(where, sizeof where, "layers[%d]", l);
        if (L->type != NN_JSON_OBJECT)
            return nn_why(r->why, r->whylen, NN_EFORMAT,
                          "%s: expected an object, got %s", where, nn_json_kind(L));
        Ls[l] = L;
        w[l] = b[l] = NULL;
        if ((err = get_spec(r, L, where, version, &spec[l]))
            || (err = get_size(r, L, where, "in", &in))
            || (err = get_size(r, L, where, "out", &nout)))
            return err;
        if (spec[l].type != NN_LAYER_DENSE && l == nl - 1)
            return nn_why(r->why, r->whylen, NN_EFORMAT, "%s.type: the "
                          "output layer is dense", where);
        spec[l].size = spec[l].type == NN_LAYER_DENSE ? nout : spec[l].size;
        if (l > 0 && in != sizes[l])
            return nn_why(r->why, r->whylen, NN_ESHAPE,
                          "%s.in: %d, but layers[%d].out is %d", where, in,
                          l - 1, sizes[l]);
        sizes[l] = in;
        sizes[l + 1] = nout;
        if (spec[l].type == NN_LAYER_MAXPOOL) {
            acts[l] = l ? acts[0] : -1;
            continue;
        }
        if ((err = get_act(r, L, where, l == nl - 1, &acts[l])))
            return err;
        if (acts[0] < 0)
            acts[0] = acts[l];
        /* A conv layer's arrays are checked once the shapes are known. */
        if (spec[l].type == NN_LAYER_DENSE
            && ((err = nn_json_array(r, L, where, "weights", (long)in * nout,
                                     &w[l]))
                || (err = nn_json_array(r, L, where, "bias", nout, &b[l]))))
            return err;
        if (l > 0 && l < nl - 1 && acts[l] != acts[0])
            return nn_why(r->why, r->whylen, NN_EFORMAT,
                          "%s.activation: '%s', but layers[0] has '%s' "
                          "(hidden layers share one activation)", where,
                          nn_act_name(acts[l]), nn_act_name(acts[0]));
    }
    if (sizes[nl] > NN_MAX_CLASSES)
        return nn_why(r->why, r->whylen, NN_ELIMIT,
                      "layers[%ld].out: %d classes, more than the limit (%d)",
                      nl - 1, sizes[nl], NN_MAX_CLASSES);

    if ((err = nn_json_object(r, root, "", "output", 1, &output))
        || (err = nn_json_str(r, output, "output", "activation", 1, &s)))
        return err;
    if ((out_act = nn_act_parse(s)) < 0)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "output.activation: unknown activation '%s'",
                      nn_json_clip(c, s));
    if (out_act != acts[nl - 1])
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "output.activation: '%s', but layers[%ld].activation "
                      "is '%s'", nn_json_clip(c, s), nl - 1,
                      nn_act_name(acts[nl - 1]));
    if ((err = nn_json_str(r, output, "output", "cost", 1, &s)))
        return err;
    if ((cost = nn_cost_parse(s)) < 0)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "output.cost: unknown cost '%s' (ce or quadratic)",
                      nn_json_clip(c, s));
    if (out_act == NN_ACT_SOFTMAX && cost != NN_COST_CE)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "output: softmax needs cost 'ce', not '%s'",
                      nn_cost_name(cost));

    s = NULL;
    if ((err = nn_json_str(r, root, "", "init", 0, &s)))
        return err;
    if (s && (init = nn_init_parse(s)) < 0)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "init: unknown initialisation '%s'",
                      nn_json_clip(c, s));
    if ((err = nn_json_u64(r, root, "", "seed", &seed)))
        return err;

    /* nn_model_blank gives the defaults of the optional sections. */
    arch.nlayers = (int)nl + 1;
    arch.sizes = sizes;
    arch.hidden_act = nl > 1 && acts[0] >= 0 ? acts[0] : NN_ACT_SIGMOID;
    arch.output_act = out_act;
    arch.cost = cost;
    arch.init = init;
    arch.hidden = spec;
    arch.width = arch.height = 0;
    for (l = 0; l < nl; l++)
        if (spec[l].type != NN_LAYER_DENSE)
            input_shape(root, &arch.width, &arch.height);
    msg[0] = '\0';
    if ((err = nn_model_blank(&m, &arch, seed, msg, sizeof msg)))
        return nn_why(r->why, r->whylen, err == NN_EINVAL ? NN_EFORMAT : err,
                      "%s", msg[0] ? msg : nn_strerror(err));
    for (l = 0; l < nl; l++) {
        long nb = (l + 1 < nl ? m->w_off[l + 1] : m->n_params) - m->b_off[l];

        snprintf(where, sizeof where, "layers[%d]", l);
        if (m->sizes[l + 1] != sizes[l + 1]) {
            err = nn_why(r->why, r->whylen, NN_ESHAPE, "%s.out: %d, but the "
                         "%s layer gives %dx%dx%d = %d values", where,
                         sizes[l + 1], nn_layer_name(m->type[l]),
                         m->shape[l + 1].w, m->shape[l + 1].h,
                         m->shape[l + 1].c, m->sizes[l + 1]);
            goto fail;
        }
        if (m->type[l] == NN_LAYER_MAXPOOL)
            continue;
        if (m->type[l] == NN_LAYER_CONV
            && ((err = nn_json_array(r, Ls[l], where, "weights",
                                     m->b_off[l] - m->w_off[l], &w[l]))
                || (err = nn_json_array(r, Ls[l], where, "bias", nb, &b[l]))))
            goto fail;
        if ((err = read_params(r, m, l, w[l], b[l])))
            goto fail;
    }
    if ((err = read_input(r, m, root)) || (err = read_classes(r, m, root))
        || (err = read_training(r, m, root))
        || (err = read_calibration(r, m, root)))
        goto fail;
    *out = m;
    return NN_OK;

fail:
    nn_model_free(m);
    return err;
}

/* A network (from_tree), or an ensemble of them: a version 3 document
 * whose "ensemble" holds two or more models, each read as a file of its
 * own would be, and then joined (nn_model_join checks that they match). */
static int read_tree(nn_jget *r, const nn_json *root, nn_model **out)
{
    nn_model *members[NN_MAX_MEMBERS];
    const nn_json *list, *e;
    char inner[256], where[32];
    int version = 1, err, n = 0;

    if ((err = check_header(r, root, &version)))
        return err;
    if (version < 3)
        return from_tree(r, root, out);
    if ((err = nn_json_member(r, root, "", "ensemble", 1, &list)))
        return err;
    if (!nn_json_is_array(list))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "ensemble: expected an array, got %s",
                      nn_json_kind(list));
    if (list->n < 2 || list->n > NN_MAX_MEMBERS)
        return nn_why(r->why, r->whylen, list->n < 2 ? NN_EFORMAT : NN_ELIMIT,
                      "ensemble: %ld network%s (an ensemble holds 2 to %d)",
                      list->n, list->n == 1 ? "" : "s", NN_MAX_MEMBERS);
    for (e = list->child; e && !err; e = e->next)
        if ((err = from_tree(r, e, &members[n])) == NN_OK)
            n++;
    if (err)        /* where in members[n] */
        snprintf(where, sizeof where, "ensemble[%d]", n);
    else if ((err = nn_model_join(out, members, n, r->why, r->whylen)))
        snprintf(where, sizeof where, "ensemble");
    if (err) {      /* the members are still ours to free */
        while (n > 0)
            nn_model_free(members[--n]);
        if (r->why && r->whylen) {
            snprintf(inner, sizeof inner, "%s", r->why);
            snprintf(r->why, r->whylen, "%s: %s", where, inner);
        }
    }
    return err;
}

int nn_model_read(nn_model **out, FILE *fp, char *why, size_t whylen)
{
    nn_jget r = { why, whylen };
    nn_json_doc *doc;
    char *buf = NULL, *text;
    size_t len = 0, off;
    long line, col;
    int err;

    if (why && whylen)
        why[0] = '\0';
    if (!out || !fp)
        return nn_why(why, whylen, NN_EINVAL, "no model or no stream");
    *out = NULL;
    if ((err = nn_read_all(fp, NN_MODEL_MAX_BYTES, "model file", &buf, &len,
                           why, whylen)))
        return err;
    text = buf;
    if (nn_utf8_bom((const uint8_t *)text, len)) {
        text += 3;  /* a UTF-8 byte order mark, as some editors write */
        len -= 3;
    }
    for (off = 0; off < len && (text[off] == ' ' || text[off] == '\t' ||
                                text[off] == '\n' || text[off] == '\r'); off++)
        ;
    if (off == len) {
        free(buf);
        return nn_why(why, whylen, NN_EFORMAT,
                      "empty input (expected an nnpipe model in JSON)");
    }
    if ((off = nn_utf8_bad(text, len)) < len) {
        unsigned char c = (unsigned char)text[off];
        const char *kind = nn_kind_name(nn_file_kind((const uint8_t *)text,
                                                     len));

        nn_json_position(text, off, &line, &col);
        free(buf);
        if (kind && strcmp(kind, "text") != 0)
            return nn_why(why, whylen, NN_EFORMAT, "%s %s file, not an "
                          "nnpipe model", strchr("AEIOU", kind[0]) ? "an"
                          : "a", kind);
        return nn_why(why, whylen, NN_EFORMAT, "not valid JSON: byte 0x%02x "
                      "at line %ld, column %ld is not UTF-8 (binary data?)",
                      c, line, col);
    }
    err = nn_json_parse(&doc, text, len, why, whylen);
    free(buf);      /* the tree holds everything now: lower the peak */
    if (err)
        return err;
    err = read_tree(&r, nn_json_root(doc), out);
    nn_json_free(doc);
    return err;
}
