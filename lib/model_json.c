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

#define MAX_EXACT 9007199254740992.0   /* 2^53: larger integers lose bits */
/* Counts in a long: up to 2^53 on LP64, LONG_MAX where long has 32 bits. */
#if LONG_MAX > 9007199254740992LL
#define MAX_LONG MAX_EXACT
#else
#define MAX_LONG ((double)LONG_MAX)
#endif
/* Doubles from here up round to infinity as floats (2^128 - 2^103). */
#define FLOAT_LIMIT 0x1.ffffffp127

/* "where.key" (or "key" at the top level) into p. */
static const char *join(char *p, size_t n, const char *where, const char *key)
{
    snprintf(p, n, "%s%s%s", where, *where ? "." : "", key);
    return p;
}

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
    char p[96];

    return nn_why(why, whylen, NN_ENUMERIC, "%s: %s cannot be stored in "
                  "JSON", join(p, sizeof p, path, key),
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
    if ((err = put_fields(w, "training.options.augment", &o->augment,
                          aug_floats, N_FIELDS(aug_floats), why, whylen)))
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
    int err, l;

    if (m->nlayers < 1 || m->nlayers > NN_MAX_LAYERS || !m->params)
        return bad_model(why, whylen, "no layers");
    if (!hid || !outact || !cost || !init)
        return bad_model(why, whylen, "unknown activation, cost or init");
    nn_jw_open(w, NULL, 1, 0);
    nn_jw_str(w, "format", NN_FORMAT_NAME);
    put_int(w, "version", NN_FORMAT_VERSION);
    nn_jw_str(w, "tool", "nnpipe " NN_VERSION);
    nn_jw_open(w, "output", 1, 0);
    nn_jw_str(w, "activation", outact);
    nn_jw_str(w, "cost", cost);
    nn_jw_close(w);
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
        int in = m->sizes[l], nout = m->sizes[l + 1];

        nn_jw_open(w, NULL, 1, 0);
        put_int(w, "in", in);
        put_int(w, "out", nout);
        nn_jw_str(w, "activation", l == m->nlayers - 1 ? outact : hid);
        if ((err = put_floats(w, l, "bias", m->params + m->b_off[l], nout,
                              why, whylen))
            || (err = put_floats(w, l, "weights", m->params + m->w_off[l],
                                 (long)in * nout, why, whylen)))
            return err;
        nn_jw_close(w);
    }
    nn_jw_close(w);
    nn_jw_close(w);
    return w->err;
}

static int write_model(const nn_model *m, FILE *fp, char *why, size_t whylen)
{
    nn_jw w;
    int err;

    if (!m || !fp)
        return nn_why(why, whylen, NN_EINVAL, "no model or no stream");
    memset(&w, 0, sizeof w);
    err = put_model(&w, m, why, whylen);
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


/* s for a message into dst (CLIP bytes): at most 40 bytes of it, with
 * control characters as '?'. */
#define CLIP 48
static const char *clip(char *dst, const char *s)
{
    size_t i;

    for (i = 0; i < 40 && s[i]; i++)
        dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (s[i]) {
        memcpy(dst + i, "...", 3);
        i += 3;
    }
    dst[i] = '\0';
    return dst;
}

static const char *kind(const nn_json *v)
{
    switch (v->type) {
    case NN_JSON_NULL: return "null";
    case NN_JSON_TRUE: return "true";
    case NN_JSON_FALSE: return "false";
    case NN_JSON_NUMBER: return "a number";
    case NN_JSON_STRING: return "a string";
    case NN_JSON_ARRAY: case NN_JSON_FLOATS: return "an array";
    case NN_JSON_OBJECT: return "an object";
    }
    return "an unknown value";
}

static int is_array(const nn_json *v)
{
    return v->type == NN_JSON_ARRAY || v->type == NN_JSON_FLOATS;
}

/* Reader state: where messages go. */
struct rd {
    char *why;
    size_t whylen;
};

/* Member key of obj (path `where`): NN_OK with *out, NULL if absent and not
 * required.  A key given twice is an error: readers disagree on which wins. */
static int member(struct rd *r, const nn_json *obj, const char *where,
                  const char *key, int required, const nn_json **out)
{
    const nn_json *c, *found = NULL;
    char p[96];

    for (c = obj->child; c; c = c->next) {
        if (c->key && strcmp(c->key, key) == 0) {
            if (found)
                return nn_why(r->why, r->whylen, NN_EFORMAT,
                              "%s: given twice", join(p, sizeof p, where,
                                                      key));
            found = c;
        }
    }
    if (!found && required) {
        if (*where)
            return nn_why(r->why, r->whylen, NN_EFORMAT,
                          "%s: no \"%s\" field", where, key);
        return nn_why(r->why, r->whylen, NN_EFORMAT, "no \"%s\" field", key);
    }
    *out = found;
    return NN_OK;
}

/* Integer member in lo..hi into *out (untouched when absent). */
static int get_int(struct rd *r, const nn_json *obj, const char *where,
                   const char *key, int required, double lo, double hi,
                   long *out)
{
    const nn_json *v;
    char p[96];
    double d;
    int err;

    if ((err = member(r, obj, where, key, required, &v)) || !v)
        return err;
    join(p, sizeof p, where, key);
    if (v->type != NN_JSON_NUMBER)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected an integer, got %s", p, kind(v));
    d = v->num;
    if (d != floor(d))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected an integer, got %.15g", p, d);
    if (!(d >= lo && d <= hi))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: %.15g is out of range (%.15g to %.15g)", p, d, lo,
                      hi);
    *out = (long)d;
    return NN_OK;
}

static int get_intv(struct rd *r, const nn_json *obj, const char *where,
                    const char *key, int *out)
{
    long v = *out;
    int err = get_int(r, obj, where, key, 0, 0, INT_MAX, &v);

    *out = (int)v;
    return err;
}

/* Unsigned 64-bit member: a number up to 2^53 or a decimal string. */
static int get_u64(struct rd *r, const nn_json *obj, const char *where,
                   const char *key, uint64_t *out)
{
    const nn_json *v;
    char p[96];
    int err;

    if ((err = member(r, obj, where, key, 0, &v)) || !v)
        return err;
    join(p, sizeof p, where, key);
    if (v->type == NN_JSON_NUMBER) {
        double d = v->num;

        if (d != floor(d) || d < 0 || d > MAX_EXACT)
            return nn_why(r->why, r->whylen, NN_EFORMAT,
                          "%s: %.15g is not an integer from 0 to 2^53 "
                          "(write larger values as a string)", p, d);
        *out = (uint64_t)d;
    } else if (v->type == NN_JSON_STRING) {
        const char *s = v->str;
        char *end, c[CLIP];
        unsigned long long u;

        errno = 0;
        u = strtoull(s, &end, 10);
        if (*s < '0' || *s > '9' || *end || errno == ERANGE
            || u > UINT64_MAX)
            return nn_why(r->why, r->whylen, NN_EFORMAT,
                          "%s: \"%s\" is not an integer from 0 to 2^64-1", p,
                          clip(c, s));
        *out = (uint64_t)u;
    } else {
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected an integer, got %s", p, kind(v));
    }
    return NN_OK;
}

/* A number that is a finite float; p[idx] names it (idx < 0: just p). */
static int to_float(struct rd *r, const nn_json *v, const char *p, long idx,
                    float *out)
{
    char at[32] = "";
    double d;

    if (v->type == NN_JSON_NUMBER && fabs(v->num) < FLOAT_LIMIT) {
        *out = (float)v->num;   /* the common case, first */
        return NN_OK;
    }
    if (idx >= 0)
        snprintf(at, sizeof at, "[%ld]", idx);
    if (v->type == NN_JSON_NULL)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s%s: null is not a number (NaN or infinity saved "
                      "by another program?)", p, at);
    if (v->type != NN_JSON_NUMBER)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s%s: expected a number, got %s", p, at, kind(v));
    d = v->num;
    if (!(fabs(d) < FLOAT_LIMIT))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s%s: %.9g is beyond the float range (3.4e+38)", p,
                      at, d);
    *out = (float)d;
    return NN_OK;
}

static int get_float(struct rd *r, const nn_json *obj, const char *where,
                     const char *key, float *out)
{
    const nn_json *v;
    char p[96];
    int err;

    if ((err = member(r, obj, where, key, 0, &v)) || !v)
        return err;
    return to_float(r, v, join(p, sizeof p, where, key), -1, out);
}

static int get_double(struct rd *r, const nn_json *obj, const char *where,
                      const char *key, double lo, double hi, double *out)
{
    const nn_json *v;
    char p[96];
    int err;

    if ((err = member(r, obj, where, key, 0, &v)) || !v)
        return err;
    join(p, sizeof p, where, key);
    if (v->type != NN_JSON_NUMBER)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected a number, got %s", p, kind(v));
    if (!(v->num >= lo && v->num <= hi))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: %.15g is out of range (%g to %g)", p,
                      v->num, lo, hi);
    *out = v->num;
    return NN_OK;
}

/* Member of the JSON type type ("a string", "an object"), or NULL when it
 * is absent and not required. */
static int get_typed(struct rd *r, const nn_json *obj, const char *where,
                     const char *key, int required, int type,
                     const char *what, const nn_json **out)
{
    const nn_json *v;
    char p[96];
    int err;

    *out = NULL;
    if ((err = member(r, obj, where, key, required, &v)) || !v)
        return err;
    if (v->type != type)
        return nn_why(r->why, r->whylen, NN_EFORMAT, "%s: expected %s, got %s",
                      join(p, sizeof p, where, key), what, kind(v));
    *out = v;
    return NN_OK;
}

static int get_str(struct rd *r, const nn_json *obj, const char *where,
                   const char *key, int required, const char **out)
{
    const nn_json *v;
    int err = get_typed(r, obj, where, key, required, NN_JSON_STRING,
                        "a string", &v);

    if (v)
        *out = v->str;
    return err;
}

static int get_obj(struct rd *r, const nn_json *obj, const char *where,
                   const char *key, int required, const nn_json **out)
{
    return get_typed(r, obj, where, key, required, NN_JSON_OBJECT,
                     "an object", out);
}

/* Array member with exactly n elements. */
static int get_array(struct rd *r, const nn_json *obj, const char *where,
                     const char *key, long n, const nn_json **out)
{
    const nn_json *v;
    char p[96];
    long got;
    int err;

    if ((err = member(r, obj, where, key, 1, &v)))
        return err;
    join(p, sizeof p, where, key);
    if (!is_array(v))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected an array, got %s", p, kind(v));
    if ((got = v->n) != n)
        return nn_why(r->why, r->whylen, NN_ESHAPE,
                      "%s: %ld value%s, expected %ld", p, got,
                      got == 1 ? "" : "s", n);
    *out = v;
    return NN_OK;
}

/* A layer size: 1..NN_MAX_DIM (NN_ELIMIT above). */
static int get_size(struct rd *r, const nn_json *obj, const char *where,
                    const char *key, int *out)
{
    const nn_json *v;
    char p[96];
    double d;
    int err;

    if ((err = member(r, obj, where, key, 1, &v)))
        return err;
    join(p, sizeof p, where, key);
    if (v->type != NN_JSON_NUMBER)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected an integer, got %s", p, kind(v));
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
static int get_act(struct rd *r, const nn_json *obj, const char *where,
                   int last, int *out)
{
    const char *s = "";
    char c[CLIP];
    int err, a;

    if ((err = get_str(r, obj, where, "activation", 1, &s)))
        return err;
    a = nn_act_parse(s);
    if (a < 0)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s.activation: unknown activation '%s'", where,
                      clip(c, s));
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
static int check_header(struct rd *r, const nn_json *root)
{
    const nn_json *v;
    char c[CLIP];
    int err;

    if (root->type != NN_JSON_OBJECT)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "a JSON document but not an nnpipe model (the top "
                      "level is %s, not an object)", kind(root));
    if ((err = member(r, root, "", "format", 0, &v)))
        return err;
    if (!v)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "a JSON document but not an nnpipe model "
                      "(no \"format\" field)");
    if (v->type != NN_JSON_STRING)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "not an nnpipe model: format is %s, not \"%s\"",
                      kind(v), NN_FORMAT_NAME);
    if (strcmp(v->str, NN_FORMAT_NAME) != 0)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "not an nnpipe model: format is '%s'",
                      clip(c, v->str));
    if ((err = member(r, root, "", "version", 1, &v)))
        return err;
    if (v->type != NN_JSON_NUMBER)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "version: expected a positive integer, got %s",
                      kind(v));
    if (v->num != floor(v->num) || v->num < 1)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "version: expected a positive integer, got %.15g",
                      v->num);
    if (v->num > NN_FORMAT_VERSION)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "model format version %.15g is newer than this nnpipe "
                      "supports (%d)", v->num, NN_FORMAT_VERSION);
    return NN_OK;
}

/* The n numbers of array a (named p) as finite floats into dst. */
static int read_floats(struct rd *r, const nn_json *a, const char *p,
                       float *dst)
{
    const nn_json *c;
    long i;
    int err;

    if (a->type == NN_JSON_FLOATS) {
        memcpy(dst, a->v, (size_t)a->n * sizeof *dst);
        return NN_OK;
    }
    for (c = a->child, i = 0; c; c = c->next, i++)
        if ((err = to_float(r, c, p, i, dst + i)))
            return err;
    return NN_OK;
}

/* Weights and biases of layer l into m->params. */
static int read_params(struct rd *r, nn_model *m, int l, const nn_json *w,
                       const nn_json *b)
{
    char p[32];
    int err;

    snprintf(p, sizeof p, "layers[%d].weights", l);
    if ((err = read_floats(r, w, p, m->params + m->w_off[l])))
        return err;
    snprintf(p, sizeof p, "layers[%d].bias", l);
    return read_floats(r, b, p, m->params + m->b_off[l]);
}

static int read_input(struct rd *r, nn_model *m, const nn_json *root)
{
    const nn_json *in, *range;
    nn_input_desc d;
    const char *ink = NULL;
    long w, h;
    int err;

    if ((err = get_obj(r, root, "", "input", 0, &in)) || !in)
        return err;
    nn_model_input(m, &d);
    w = d.width;
    h = d.height;
    if ((err = get_int(r, in, "input", "width", 0, 0, NN_MAX_DIM, &w))
        || (err = get_int(r, in, "input", "height", 0, 0, NN_MAX_DIM, &h)))
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
    if ((err = member(r, in, "input", "range", 0, &range)))
        return err;
    if (range) {
        float lohi[2];

        if ((err = get_array(r, in, "input", "range", 2, &range))
            || (err = read_floats(r, range, "input.range", lohi)))
            return err;
        d.lo = lohi[0];
        d.hi = lohi[1];
        if (!(d.lo < d.hi))
            return nn_why(r->why, r->whylen, NN_EFORMAT,
                          "input.range: [%g, %g] is empty (need lo < hi)",
                          (double)d.lo, (double)d.hi);
    }
    if ((err = get_str(r, in, "input", "ink", 0, &ink)))
        return err;
    if (ink) {
        if (strcmp(ink, "high") != 0 && strcmp(ink, "low") != 0) {
            char c[CLIP];

            return nn_why(r->why, r->whylen, NN_EFORMAT,
                          "input.ink: '%s', expected 'high' or 'low'",
                          clip(c, ink));
        }
        d.ink_high = ink[0] == 'h';
    }
    nn_model_set_input(m, &d);
    return NN_OK;
}

static int read_classes(struct rd *r, nn_model *m, const nn_json *root)
{
    const nn_json *arr, *c;
    const char **names;
    int n = m->sizes[m->nlayers], i, err;

    if ((err = member(r, root, "", "classes", 0, &arr)) || !arr)
        return err;
    if ((err = get_array(r, root, "", "classes", n, &arr)))
        return err;
    if (arr->type == NN_JSON_FLOATS)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "classes[0]: expected a string, got a number");
    for (c = arr->child, i = 0; c; c = c->next, i++) {
        const char *bad;

        if (c->type != NN_JSON_STRING)
            return nn_why(r->why, r->whylen, NN_EFORMAT,
                          "classes[%d]: expected a string, got %s", i,
                          kind(c));
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

/* A name member read with parse (returning -1 for unknown names) into
 * *out; untouched when absent. */
static int get_name(struct rd *r, const nn_json *obj, const char *where,
                    const char *key, int (*parse)(const char *), int *out)
{
    const char *s = NULL;
    char p[96], c[CLIP];
    int err, v;

    if ((err = get_str(r, obj, where, key, 0, &s)) || !s)
        return err;
    if ((v = parse(s)) < 0)
        return nn_why(r->why, r->whylen, NN_EFORMAT, "%s: unknown value "
                      "\"%s\"", join(p, sizeof p, where, key), clip(c, s));
    *out = v;
    return NN_OK;
}

/* Members fields[0..n-1] of the struct at base from obj; each absent one
 * takes its value in the struct at dflt. */
static int read_fields(struct rd *r, const nn_json *obj, const char *where,
                       void *base, const void *dflt,
                       const struct float_field *fields, size_t n)
{
    int err = NN_OK;

    for (size_t i = 0; i < n && !err; i++) {
        *FIELD(base, &fields[i]) = *FIELD((void *)dflt, &fields[i]);
        err = get_float(r, obj, where, fields[i].key, FIELD(base, &fields[i]));
    }
    return err;
}

/* The members add_methods writes; those absent (models of nnpipe before
 * they existed) keep nn_train_opts_default's values. */
static int read_methods(struct rd *r, const nn_json *o, nn_train_opts *op)
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
    if ((err = get_name(r, o, where, "optimizer", nn_optimizer_parse,
                        &op->optimizer))
        || (err = get_name(r, o, where, "schedule", nn_schedule_parse,
                           &op->schedule))
        || (err = get_intv(r, o, where, "step_epochs", &op->step_epochs))
        || (err = get_intv(r, o, where, "plateau", &op->plateau))
        || (err = read_fields(r, o, where, op, &d, opt_floats,
                              N_FIELDS(opt_floats)))
        || (err = get_obj(r, o, where, "augment", 0, &aug)))
        return err;
    where = "training.options.augment";
    if (!aug)
        return NN_OK;
    if ((err = get_name(r, aug, where, "kinds", nn_augment_parse,
                        &op->augment.kinds)))
        return err;
    return read_fields(r, aug, where, &op->augment, &d.augment, aug_floats,
                       N_FIELDS(aug_floats));
}

static int read_training(struct rd *r, nn_model *m, const nn_json *root)
{
    const nn_json *t, *o;
    nn_train_info *ti = &m->train;
    nn_train_opts *op = &ti->opts;
    long v;
    int err;

    if ((err = get_obj(r, root, "", "training", 0, &t)) || !t)
        return err;
    if ((err = get_obj(r, t, "training", "options", 0, &o)))
        return err;
    if (o && ((err = get_intv(r, o, "training.options", "epochs",
                              &op->epochs))
              || (err = get_intv(r, o, "training.options", "batch",
                                 &op->batch))
              || (err = get_float(r, o, "training.options", "rate",
                                  &op->rate))
              || (err = get_float(r, o, "training.options", "momentum",
                                  &op->momentum))
              || (err = get_float(r, o, "training.options", "lambda",
                                  &op->lambda))
              || (err = get_intv(r, o, "training.options", "patience",
                                 &op->patience))
              || (err = get_u64(r, o, "training.options", "seed", &op->seed))
              || (err = read_methods(r, o, op))))
        return err;
    if ((err = get_intv(r, t, "training", "epochs_run", &ti->epochs_run))
        || (err = get_intv(r, t, "training", "best_epoch", &ti->best_epoch))
        || (err = get_double(r, t, "training", "best_val_acc", -1, 1,
                             &ti->best_val_acc))
        || (err = get_double(r, t, "training", "final_rate", 0, 1e30,
                             &ti->final_rate)))
        return err;
    v = ti->n_train;
    if ((err = get_int(r, t, "training", "n_train", 0, 0, MAX_LONG, &v)))
        return err;
    ti->n_train = v;
    v = ti->n_val;
    if ((err = get_int(r, t, "training", "n_val", 0, 0, MAX_LONG, &v)))
        return err;
    ti->n_val = v;
    return NN_OK;
}

/* The model described by root, checked field by field. */
static int from_tree(struct rd *r, const nn_json *root, nn_model **out)
{
    const nn_json *layers, *L;
    const nn_json *w[NN_MAX_LAYERS], *b[NN_MAX_LAYERS];
    const nn_json *output;
    const char *s = "";
    int sizes[NN_MAX_LAYERS + 1], acts[NN_MAX_LAYERS];
    char where[32], c[CLIP], msg[200];
    nn_arch arch;
    nn_model *m = NULL;
    uint64_t seed = 0;
    long nl;
    int err, l, out_act, cost, init = NN_INIT_DEFAULT;

    if ((err = check_header(r, root)))
        return err;
    if ((err = get_str(r, root, "", "tool", 0, &s)))
        return err;

    /* Shapes first, so nothing is allocated for a malformed model. */
    if ((err = member(r, root, "", "layers", 1, &layers)))
        return err;
    if (!is_array(layers))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "layers: expected an array, got %s", kind(layers));
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
                          "%s: expected an object, got %s", where, kind(L));
        if ((err = get_size(r, L, where, "in", &in))
            || (err = get_size(r, L, where, "out", &nout)))
            return err;
        if (l > 0 && in != sizes[l])
            return nn_why(r->why, r->whylen, NN_ESHAPE,
                          "%s.in: %d, but layers[%d].out is %d", where, in,
                          l - 1, sizes[l]);
        sizes[l] = in;
        sizes[l + 1] = nout;
        if ((err = get_act(r, L, where, l == nl - 1, &acts[l]))
            || (err = get_array(r, L, where, "weights", (long)in * nout,
                                &w[l]))
            || (err = get_array(r, L, where, "bias", nout, &b[l])))
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

    if ((err = get_obj(r, root, "", "output", 1, &output))
        || (err = get_str(r, output, "output", "activation", 1, &s)))
        return err;
    if ((out_act = nn_act_parse(s)) < 0)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "output.activation: unknown activation '%s'",
                      clip(c, s));
    if (out_act != acts[nl - 1])
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "output.activation: '%s', but layers[%ld].activation "
                      "is '%s'", clip(c, s), nl - 1,
                      nn_act_name(acts[nl - 1]));
    if ((err = get_str(r, output, "output", "cost", 1, &s)))
        return err;
    if ((cost = nn_cost_parse(s)) < 0)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "output.cost: unknown cost '%s' (ce or quadratic)",
                      clip(c, s));
    if (out_act == NN_ACT_SOFTMAX && cost != NN_COST_CE)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "output: softmax needs cost 'ce', not '%s'",
                      nn_cost_name(cost));

    s = NULL;
    if ((err = get_str(r, root, "", "init", 0, &s)))
        return err;
    if (s && (init = nn_init_parse(s)) < 0)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "init: unknown initialisation '%s'",
                      clip(c, s));
    if ((err = get_u64(r, root, "", "seed", &seed)))
        return err;

    /* nn_model_blank gives the defaults of the optional sections. */
    arch.nlayers = (int)nl + 1;
    arch.sizes = sizes;
    arch.hidden_act = nl > 1 ? acts[0] : NN_ACT_SIGMOID;
    arch.output_act = out_act;
    arch.cost = cost;
    arch.init = init;
    msg[0] = '\0';
    if ((err = nn_model_blank(&m, &arch, seed, msg, sizeof msg)))
        return nn_why(r->why, r->whylen, err == NN_EINVAL ? NN_EFORMAT : err,
                      "%s", msg[0] ? msg : nn_strerror(err));
    for (l = 0; l < nl; l++)
        if ((err = read_params(r, m, l, w[l], b[l])))
            goto fail;
    if ((err = read_input(r, m, root)) || (err = read_classes(r, m, root))
        || (err = read_training(r, m, root)))
        goto fail;
    *out = m;
    return NN_OK;

fail:
    nn_model_free(m);
    return err;
}

int nn_model_read(nn_model **out, FILE *fp, char *why, size_t whylen)
{
    struct rd r = { why, whylen };
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
    err = from_tree(&r, nn_json_root(doc), out);
    nn_json_free(doc);
    return err;
}
