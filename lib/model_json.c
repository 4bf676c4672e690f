/* json.c - model files: nn_model_write builds a cJSON tree and prints it,
 * nn_model_read parses a whole document and checks every field, and
 * nn_model_save writes it through nn_replace_file.  Schema:
 * docs/model-format.md. */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "nn_internal.h"

/* Largest model file nn_model_read accepts (documented; NN_ELIMIT above).
 * cJSON needs about 80 bytes of memory per number on top of the text. */
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

/* ------------------------------------------------------------------------ */
/* Writing: every number is a raw item holding its exact text, and each
 * weight or bias vector one raw item "[...]", so the printer below can keep
 * it on one line while the small fields get one line each. */

struct buf {
    char *p;
    size_t len, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;

        while (b->len + n + 1 > cap)
            cap *= 2;
        if (!(p = realloc(b->p, cap)))
            return NN_ENOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return NN_OK;
}

/* Raw text as member key of obj, or as the next element if obj is an
 * array. */
static int add_raw(cJSON *obj, const char *key, const char *text)
{
    cJSON *item = cJSON_CreateRaw(text);

    if (!item)
        return NN_ENOMEM;
    if (cJSON_IsArray(obj))
        cJSON_AddItemToArray(obj, item);
    else
        cJSON_AddItemToObject(obj, key, item);
    return NN_OK;
}

static int add_str(cJSON *obj, const char *key, const char *s)
{
    return cJSON_AddStringToObject(obj, key, s) ? NN_OK : NN_ENOMEM;
}

static int add_int(cJSON *obj, const char *key, long v)
{
    char s[NN_NUM_CHARS];

    snprintf(s, sizeof s, "%ld", v);
    return add_raw(obj, key, s);
}

/* Up to 2^53 a number; above, a decimal string, since most JSON readers
 * (cJSON included) hold numbers as doubles. */
static int add_u64(cJSON *obj, const char *key, uint64_t v)
{
    char s[NN_NUM_CHARS];

    snprintf(s, sizeof s, "%" PRIu64, v);
    return v <= (uint64_t)1 << 53 ? add_raw(obj, key, s)
                                   : add_str(obj, key, s);
}

static int add_float(cJSON *obj, const char *path, const char *key, float f,
                     char *why, size_t whylen)
{
    char s[NN_NUM_CHARS];

    if (!isfinite(f))
        return nn_why(why, whylen, NN_ENUMERIC,
                      "%s%s%s: %s cannot be stored in JSON", path,
                      *path ? "." : "", key, isnan(f) ? "NaN" : "infinity");
    nn_format_float(s, f, 1);
    return add_raw(obj, key, s);
}

static int add_double(cJSON *obj, const char *path, const char *key,
                      double d, char *why, size_t whylen)
{
    char s[NN_NUM_CHARS];

    if (!isfinite(d))
        return nn_why(why, whylen, NN_ENUMERIC,
                      "%s%s%s: %s cannot be stored in JSON", path,
                      *path ? "." : "", key, isnan(d) ? "NaN" : "infinity");
    nn_format_double(s, d);
    return add_raw(obj, key, s);
}

/* v[0..n-1] as one raw item "[a,b,...]". */
static int add_floats(cJSON *obj, const char *path, const char *key,
                      const float *v, long n, char *why, size_t whylen)
{
    struct buf b = { NULL, 0, 0 };
    char s[NN_NUM_CHARS];
    long i;
    int err = buf_add(&b, "[", 1);

    for (i = 0; i < n && !err; i++) {
        if (!isfinite(v[i])) {
            err = nn_why(why, whylen, NN_ENUMERIC,
                         "%s.%s[%ld]: %s cannot be stored in JSON", path,
                         key, i, isnan(v[i]) ? "NaN" : "infinity");
            break;
        }
        nn_format_float(s, v[i], 1);
        if (i > 0)
            err = buf_add(&b, ",", 1);
        if (!err)
            err = buf_add(&b, s, strlen(s));
    }
    if (!err)
        err = buf_add(&b, "]", 1);
    if (!err)
        err = add_raw(obj, key, b.p);
    free(b.p);
    return err;
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

/* Members fields[0..n-1] of the struct at base, as numbers into obj. */
static int add_fields(cJSON *obj, const char *where, const void *base,
                      const struct float_field *fields, size_t n,
                      char *why, size_t whylen)
{
    int err = NN_OK;

    for (size_t i = 0; i < n && !err; i++)
        err = add_float(obj, where, fields[i].key,
                        *FIELD((void *)base, &fields[i]), why, whylen);
    return err;
}

/* The training methods of o (optimizer, schedule, regularisation,
 * augmentation) into the object training.options. */
static int add_methods(cJSON *item, const nn_train_opts *o, char *why, size_t whylen)
{
    const char *opt = nn_optimizer_name(o->optimizer);
    const char *sched = nn_schedule_name(o->schedule);
    char kinds[32];
    cJSON *aug;
    int err;

    if (!opt || !sched)
        return bad_model(why, whylen, "unknown optimizer or schedule");
    if (add_str(item, "optimizer", opt) || add_str(item, "schedule", sched)
        || add_int(item, "step_epochs", o->step_epochs)
        || add_int(item, "plateau", o->plateau))
        return NN_ENOMEM;
    if ((err = add_fields(item, "training.options", o, opt_floats,
                          N_FIELDS(opt_floats), why, whylen)))
        return err;
    if (!(aug = cJSON_AddObjectToObject(item, "augment"))
        || add_str(aug, "kinds", nn_augment_name(o->augment.kinds, kinds,
                                                 sizeof kinds)))
        return NN_ENOMEM;
    return add_fields(aug, "training.options.augment", &o->augment,
                      aug_floats, N_FIELDS(aug_floats), why, whylen);
}

/* The whole document as a cJSON tree in *out (caller deletes). */
static int build_tree(const nn_model *m, cJSON **out, char *why,
                      size_t whylen)
{
    const nn_train_info *t = &m->train;
    const nn_train_opts *o = &t->opts;
    const char *hid = nn_act_name(m->hidden_act);
    const char *outact = nn_act_name(m->output_act);
    const char *cost = nn_cost_name(m->cost);
    const char *init = nn_init_name(m->init);
    cJSON *root, *obj, *arr, *item;
    char path[32];
    int err = NN_ENOMEM, l;

    *out = NULL;
    if (m->nlayers < 1 || m->nlayers > NN_MAX_LAYERS || !m->params)
        return bad_model(why, whylen, "no layers");
    if (!hid || !outact || !cost || !init)
        return bad_model(why, whylen, "unknown activation, cost or init");
    if (!(root = cJSON_CreateObject()))
        return NN_ENOMEM;

    if (add_str(root, "format", NN_FORMAT_NAME)
        || add_int(root, "version", NN_FORMAT_VERSION)
        || add_str(root, "tool", "nnpipe " NN_VERSION))
        goto fail;

    if (!(obj = cJSON_AddObjectToObject(root, "output"))
        || add_str(obj, "activation", outact) || add_str(obj, "cost", cost)
        || add_str(root, "init", init) || add_u64(root, "seed", m->seed))
        goto fail;

    if (!(obj = cJSON_AddObjectToObject(root, "input"))
        || add_int(obj, "width", m->input.width)
        || add_int(obj, "height", m->input.height)
        || !(arr = cJSON_AddArrayToObject(obj, "range")))
        goto fail;
    if ((err = add_float(arr, "input", "range", m->input.lo, why,
                         whylen))
        || (err = add_float(arr, "input", "range", m->input.hi, why,
                            whylen)))
        goto fail;
    err = NN_ENOMEM;
    if (add_str(obj, "ink", m->input.ink_high ? "high" : "low"))
        goto fail;

    if (m->class_names) {
        if (!(arr = cJSON_AddArrayToObject(root, "classes")))
            goto fail;
        for (l = 0; l < m->sizes[m->nlayers]; l++) {
            const char *bad = m->class_names[l]
                ? nn_class_name_problem(m->class_names[l]) : "no name";

            if (bad) {
                err = nn_why(why, whylen, NN_EINVAL, "classes[%d]: %s", l,
                             bad);
                goto fail;
            }
            if (!(item = cJSON_CreateString(m->class_names[l])))
                goto fail;
            cJSON_AddItemToArray(arr, item);
        }
    }

    if (!(obj = cJSON_AddObjectToObject(root, "training"))
        || !(item = cJSON_AddObjectToObject(obj, "options"))
        || add_int(item, "epochs", o->epochs)
        || add_int(item, "batch", o->batch))
        goto fail;
    if ((err = add_float(item, "training.options", "rate", o->rate,
                         why, whylen))
        || (err = add_float(item, "training.options", "momentum",
                            o->momentum, why, whylen))
        || (err = add_float(item, "training.options", "lambda", o->lambda, why, whylen)))
        goto fail;
    err = NN_ENOMEM;
    if (add_int(item, "patience", o->patience)
        || add_u64(item, "seed", o->seed))
        goto fail;
    if ((err = add_methods(item, o, why, whylen)))
        goto fail;
    err = NN_ENOMEM;
    if (add_int(obj, "epochs_run", t->epochs_run)
        || add_int(obj, "best_epoch", t->best_epoch))
        goto fail;
    if ((err = add_double(obj, "training", "best_val_acc", t->best_val_acc, why, whylen))
        || (err = add_double(obj, "training", "final_rate", t->final_rate, why, whylen)))
        goto fail;
    err = NN_ENOMEM;
    if (add_int(obj, "n_train", t->n_train) || add_int(obj, "n_val", t->n_val))
        goto fail;

    if (!(arr = cJSON_AddArrayToObject(root, "layers")))
        goto fail;
    for (l = 0; l < m->nlayers; l++) {
        int in = m->sizes[l], nout = m->sizes[l + 1];
        int last = l == m->nlayers - 1;

        snprintf(path, sizeof path, "layers[%d]", l);
        err = NN_ENOMEM;
        if (!(obj = cJSON_CreateObject()))
            goto fail;
        cJSON_AddItemToArray(arr, obj);
        if (add_int(obj, "in", in) || add_int(obj, "out", nout)
            || add_str(obj, "activation", last ? outact : hid))
            goto fail;
        if ((err = add_floats(obj, path, "bias", m->params + m->b_off[l],
                              nout, why, whylen))
            || (err = add_floats(obj, path, "weights",
                                 m->params + m->w_off[l], (long)in * nout, why, whylen)))
            goto fail;
    }
    *out = root;
    return NN_OK;

fail:
    cJSON_Delete(root);
    return err;
}

static void indent(FILE *fp, int depth)
{
    while (depth-- > 0)
        fputs("  ", fp);
}

/* Objects get one member per line; arrays of scalars (and the raw weight
 * vectors) stay on one line.  Keys are this file's own identifiers, so they
 * need no escaping; strings go through cJSON for that. */
static int print_item(FILE *fp, const cJSON *v, int depth)
{
    const cJSON *c;
    int err = NN_OK, flat = 1;

    if (cJSON_IsRaw(v)) {
        fputs(v->valuestring, fp);
    } else if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        int obj = cJSON_IsObject(v);

        for (c = v->child; c; c = c->next)
            if (cJSON_IsObject(c) || cJSON_IsArray(c))
                flat = 0;
        if (obj)
            flat = !v->child;
        fputc(obj ? '{' : '[', fp);
        for (c = v->child; c && !err; c = c->next) {
            if (flat) {
                if (c != v->child)
                    fputs(", ", fp);
            } else {
                fputs(c != v->child ? ",\n" : "\n", fp);
                indent(fp, depth + 1);
            }
            if (obj)
                fprintf(fp, "\"%s\": ", c->string);
            err = print_item(fp, c, depth + 1);
        }
        if (!flat) {
            fputc('\n', fp);
            indent(fp, depth);
        }
        fputc(obj ? '}' : ']', fp);
    } else {
        char *s = cJSON_PrintUnformatted(v);

        if (!s)
            return NN_ENOMEM;
        fputs(s, fp);
        cJSON_free(s);
    }
    return err;
}

static int write_model(const nn_model *m, FILE *fp, char *why, size_t whylen)
{
    cJSON *root;
    int err;

    if (!m || !fp)
        return nn_why(why, whylen, NN_EINVAL, "no model or no stream");
    if ((err = build_tree(m, &root, why, whylen)))
        return err;
    err = print_item(fp, root, 0);
    cJSON_Delete(root);
    if (err)
        return nn_why(why, whylen, err, "%s", nn_strerror(err));
    fputc('\n', fp);
    if (fflush(fp) != 0 || ferror(fp))
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

static const char *kind(const cJSON *v)
{
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsTrue(v))
        return "true";
    if (cJSON_IsFalse(v))
        return "false";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    return "an unknown value";
}

/* Reader state: where messages go. */
/* ------------------------------------------------------------------------ */
/* Weight arrays, fast.  A model file is almost all numbers in the weights
 * and bias arrays, and parsing each as a cJSON node (strtod, a malloc and a
 * free) takes most of the time of a one-record nn-predict.  So before cJSON
 * sees the document, each such array that holds plain numbers only is
 * parsed here into floats and replaced in the buffer by a short marker
 * string, "\x01" and its index, padded with spaces; get_array() then takes
 * the floats for the marker.  Anything unexpected in an array (null, a
 * string, a number beyond float range, bad syntax) leaves it to cJSON and
 * its detailed messages.  A document that holds the marker's byte 0x01
 * anywhere, raw or as the escape \u0001, is left alone, so that no string
 * of the file can pass for a marker.  The values
 * are those of strtod() rounded to float, as through cJSON. */

enum { BULK_MAX = 4 * NN_MAX_LAYERS, MARK = '\x01' };

struct bulk {
    int n;
    float *v[BULK_MAX];
    long len[BULK_MAX];
};

static void bulk_free(struct bulk *bk)
{
    for (int i = 0; i < bk->n; i++)
        free(bk->v[i]);
}

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* The array of numbers at doc[*at] ('[') into a new bulk entry, and the
 * marker in its place.  0, or -1 to leave the array to cJSON. */
static int lift_array(char *doc, const char *end, size_t at, struct bulk *bk)
{
    const char *p = skip_space(doc + at + 1, end);
    float *v = NULL;
    long n = 0, cap = 0;

    if (bk->n == BULK_MAX)
        return -1;
    for (;;) {
        double d;
        if (nn_scan_json(p, end, &d, &p) != 0 || !(fabs(d) < FLOAT_LIMIT))
            goto fail;
        if (n == cap) {
            float *nv = realloc(v, (cap = cap ? 2 * cap : 1024) * sizeof *v);
            if (!nv)
                goto fail;
            v = nv;
        }
        v[n++] = (float)d;
        p = skip_space(p, end);
        if (p < end && *p == ',') {
            p = skip_space(p + 1, end);
            continue;
        }
        if (p < end && *p == ']')
            break;
        goto fail;
    }
    /* Blank '[' .. ']' but for its newlines, so that line numbers in
     * messages stay true, and put the marker in the first place free of
     * them. */
    size_t span = (size_t)(p - (doc + at)) + 1, o = 0, run = 0;
    char mark[16];
    size_t k = (size_t)snprintf(mark, sizeof mark, "\"%c%d\"", MARK, bk->n);
    for (o = 0; o < span && run < k; o++)
        run = doc[at + o] == '\n' ? 0 : run + 1;
    if (run < k)
        goto fail;
    for (size_t j = 0; j < span; j++)
        if (doc[at + j] != '\n')
            doc[at + j] = ' ';
    memcpy(doc + at + o - k, mark, k);
    bk->v[bk->n] = v;
    bk->len[bk->n] = n;
    bk->n++;
    return 0;
fail:
    free(v);
    return -1;
}

/* Find the arrays of keys "weights" and "bias" in doc[0..len) and lift
 * those that hold numbers only.  A plain scan that knows JSON strings, so
 * that text inside them is never taken for a key. */
/* Whether doc[0..len) holds the marker byte, raw or escaped. */
static int has_mark(const char *doc, size_t len)
{
    if (memchr(doc, MARK, len))
        return 1;
    for (const char *p = doc; (p = memchr(p, '\\', len - (p - doc))); p++)
        if (len - (p - doc) >= 6 && memcmp(p + 1, "u0001", 5) == 0)
            return 1;
    return 0;
}

static void lift_arrays(char *doc, size_t len, struct bulk *bk)
{
    const char *end = doc + len;
    size_t i = 0;

    bk->n = 0;
    if (has_mark(doc, len))
        return;
    while (i < len) {
        if (doc[i] != '"') {
            i++;
            continue;
        }
        size_t s = ++i;
        while (i < len && doc[i] != '"')
            i += doc[i] == '\\' ? 2 : 1;
        if (i >= len)
            return;
        size_t klen = i - s;
        int key = (klen == 7 && memcmp(doc + s, "weights", 7) == 0) ||
                  (klen == 4 && memcmp(doc + s, "bias", 4) == 0);
        i++;
        if (!key)
            continue;
        const char *p = skip_space(doc + i, end);
        if (p >= end || *p != ':')
            continue;
        p = skip_space(p + 1, end);
        if (p < end && *p == '[')
            lift_array(doc, end, (size_t)(p - doc), bk);
        i = (size_t)(p - doc);
    }
}

struct rd {
    char *why;
    size_t whylen;
    struct bulk *bulk;      /* lifted arrays, may be NULL */
};

/* An array read by get_array: a cJSON array, or lifted floats. */
struct arr {
    const cJSON *json;
    const float *v;
    long n;
};

/* "where.key" (or "key" at the top level) into p. */
static const char *join(char *p, size_t n, const char *where, const char *key)
{
    snprintf(p, n, "%s%s%s", where, *where ? "." : "", key);
    return p;
}

/* Member key of obj (path `where`): NN_OK with *out, NULL if absent and not
 * required.  A key given twice is an error: readers disagree on which wins. */
static int member(struct rd *r, const cJSON *obj, const char *where,
                  const char *key, int required, const cJSON **out)
{
    const cJSON *c, *found = NULL;
    char p[96];

    for (c = obj->child; c; c = c->next) {
        if (c->string && strcmp(c->string, key) == 0) {
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
static int get_int(struct rd *r, const cJSON *obj, const char *where,
                   const char *key, int required, double lo, double hi,
                   long *out)
{
    const cJSON *v;
    char p[96];
    double d;
    int err;

    if ((err = member(r, obj, where, key, required, &v)) || !v)
        return err;
    join(p, sizeof p, where, key);
    if (!cJSON_IsNumber(v))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected an integer, got %s", p, kind(v));
    d = v->valuedouble;
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

static int get_intv(struct rd *r, const cJSON *obj, const char *where,
                    const char *key, int *out)
{
    long v = *out;
    int err = get_int(r, obj, where, key, 0, 0, INT_MAX, &v);

    *out = (int)v;
    return err;
}

/* Unsigned 64-bit member: a number up to 2^53 or a decimal string. */
static int get_u64(struct rd *r, const cJSON *obj, const char *where,
                   const char *key, uint64_t *out)
{
    const cJSON *v;
    char p[96];
    int err;

    if ((err = member(r, obj, where, key, 0, &v)) || !v)
        return err;
    join(p, sizeof p, where, key);
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;

        if (d != floor(d) || d < 0 || d > MAX_EXACT)
            return nn_why(r->why, r->whylen, NN_EFORMAT,
                          "%s: %.15g is not an integer from 0 to 2^53 "
                          "(write larger values as a string)", p, d);
        *out = (uint64_t)d;
    } else if (cJSON_IsString(v)) {
        const char *s = v->valuestring;
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
static int to_float(struct rd *r, const cJSON *v, const char *p, long idx,
                    float *out)
{
    char at[32] = "";
    double d;

    if (cJSON_IsNumber(v) && fabs(v->valuedouble) < FLOAT_LIMIT) {
        *out = (float)v->valuedouble;   /* the common case, first */
        return NN_OK;
    }
    if (idx >= 0)
        snprintf(at, sizeof at, "[%ld]", idx);
    if (cJSON_IsNull(v))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s%s: null is not a number (NaN or infinity saved "
                      "by another program?)", p, at);
    if (!cJSON_IsNumber(v))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s%s: expected a number, got %s", p, at, kind(v));
    d = v->valuedouble;
    if (!(fabs(d) < FLOAT_LIMIT))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s%s: %.9g is beyond the float range (3.4e+38)", p,
                      at, d);
    *out = (float)d;
    return NN_OK;
}

static int get_float(struct rd *r, const cJSON *obj, const char *where,
                     const char *key, float *out)
{
    const cJSON *v;
    char p[96];
    int err;

    if ((err = member(r, obj, where, key, 0, &v)) || !v)
        return err;
    return to_float(r, v, join(p, sizeof p, where, key), -1, out);
}

static int get_double(struct rd *r, const cJSON *obj, const char *where,
                      const char *key, double lo, double hi, double *out)
{
    const cJSON *v;
    char p[96];
    int err;

    if ((err = member(r, obj, where, key, 0, &v)) || !v)
        return err;
    join(p, sizeof p, where, key);
    if (!cJSON_IsNumber(v))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected a number, got %s", p, kind(v));
    if (!(v->valuedouble >= lo && v->valuedouble <= hi))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: %.15g is out of range (%g to %g)", p,
                      v->valuedouble, lo, hi);
    *out = v->valuedouble;
    return NN_OK;
}

/* Member of the JSON type that `is` tests ("a string", "an object"), or
 * NULL when it is absent and not required. */
static int get_typed(struct rd *r, const cJSON *obj, const char *where,
                     const char *key, int required,
                     cJSON_bool (*is)(const cJSON *), const char *what,
                     const cJSON **out)
{
    const cJSON *v;
    char p[96];
    int err;

    *out = NULL;
    if ((err = member(r, obj, where, key, required, &v)) || !v)
        return err;
    if (!is(v))
        return nn_why(r->why, r->whylen, NN_EFORMAT, "%s: expected %s, got %s",
                      join(p, sizeof p, where, key), what, kind(v));
    *out = v;
    return NN_OK;
}

static int get_str(struct rd *r, const cJSON *obj, const char *where,
                   const char *key, int required, const char **out)
{
    const cJSON *v;
    int err = get_typed(r, obj, where, key, required, cJSON_IsString,
                        "a string", &v);

    if (v)
        *out = v->valuestring;
    return err;
}

static int get_obj(struct rd *r, const cJSON *obj, const char *where,
                   const char *key, int required, const cJSON **out)
{
    return get_typed(r, obj, where, key, required, cJSON_IsObject,
                     "an object", out);
}

/* Array member with exactly n elements. */
static int get_array(struct rd *r, const cJSON *obj, const char *where,
                     const char *key, long n, const cJSON **out)
{
    const cJSON *v;
    char p[96];
    long got;
    int err;

    if ((err = member(r, obj, where, key, 1, &v)))
        return err;
    join(p, sizeof p, where, key);
    if (!cJSON_IsArray(v))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected an array, got %s", p, kind(v));
    if ((got = cJSON_GetArraySize(v)) != n)
        return nn_why(r->why, r->whylen, NN_ESHAPE,
                      "%s: %ld value%s, expected %ld", p, got,
                      got == 1 ? "" : "s", n);
    *out = v;
    return NN_OK;
}

/* A weights or bias array: lifted floats (see lift_arrays), or else a
 * cJSON array as get_array takes it. */
static int get_floats(struct rd *r, const cJSON *obj, const char *where,
                      const char *key, long n, struct arr *out)
{
    const cJSON *v;
    char p[96];
    int k, err;

    out->json = NULL;
    out->v = NULL;
    out->n = n;
    if ((err = member(r, obj, where, key, 1, &v)))
        return err;
    if (!(r->bulk && cJSON_IsString(v) && v->valuestring[0] == MARK &&
          (k = atoi(v->valuestring + 1)) >= 0 && k < r->bulk->n))
        return get_array(r, obj, where, key, n, &out->json);
    out->v = r->bulk->v[k];
    if (r->bulk->len[k] != n)
        return nn_why(r->why, r->whylen, NN_ESHAPE,
                      "%s: %ld value%s, expected %ld",
                      join(p, sizeof p, where, key), r->bulk->len[k],
                      r->bulk->len[k] == 1 ? "" : "s", n);
    return NN_OK;
}

/* A layer size: 1..NN_MAX_DIM (NN_ELIMIT above). */
static int get_size(struct rd *r, const cJSON *obj, const char *where,
                    const char *key, int *out)
{
    const cJSON *v;
    char p[96];
    double d;
    int err;

    if ((err = member(r, obj, where, key, 1, &v)))
        return err;
    join(p, sizeof p, where, key);
    if (!cJSON_IsNumber(v))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected an integer, got %s", p, kind(v));
    d = v->valuedouble;
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
static int get_act(struct rd *r, const cJSON *obj, const char *where,
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
static int check_header(struct rd *r, const cJSON *root)
{
    const cJSON *v;
    char c[CLIP];
    int err;

    if (!cJSON_IsObject(root))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "a JSON document but not an nnpipe model (the top "
                      "level is %s, not an object)", kind(root));
    if ((err = member(r, root, "", "format", 0, &v)))
        return err;
    if (!v)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "a JSON document but not an nnpipe model "
                      "(no \"format\" field)");
    if (!cJSON_IsString(v))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "not an nnpipe model: format is %s, not \"%s\"",
                      kind(v), NN_FORMAT_NAME);
    if (strcmp(v->valuestring, NN_FORMAT_NAME) != 0)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "not an nnpipe model: format is '%s'",
                      clip(c, v->valuestring));
    if ((err = member(r, root, "", "version", 1, &v)))
        return err;
    if (!cJSON_IsNumber(v))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "version: expected a positive integer, got %s",
                      kind(v));
    if (v->valuedouble != floor(v->valuedouble) || v->valuedouble < 1)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "version: expected a positive integer, got %.15g",
                      v->valuedouble);
    if (v->valuedouble > NN_FORMAT_VERSION)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "model format version %.15g is newer than this nnpipe "
                      "supports (%d)", v->valuedouble, NN_FORMAT_VERSION);
    return NN_OK;
}

/* Weights and biases of layer l into m->params. */
static int read_floats(struct rd *r, const struct arr *a, const char *p,
                       float *dst)
{
    const cJSON *c;
    long i;
    int err;

    if (a->v) {
        memcpy(dst, a->v, a->n * sizeof *dst);
        return NN_OK;
    }
    for (c = a->json->child, i = 0; c; c = c->next, i++)
        if ((err = to_float(r, c, p, i, dst + i)))
            return err;
    return NN_OK;
}

static int read_params(struct rd *r, nn_model *m, int l, const struct arr *w,
                       const struct arr *b)
{
    char p[32];
    int err;

    snprintf(p, sizeof p, "layers[%d].weights", l);
    if ((err = read_floats(r, w, p, m->params + m->w_off[l])))
        return err;
    snprintf(p, sizeof p, "layers[%d].bias", l);
    return read_floats(r, b, p, m->params + m->b_off[l]);
}

static int read_input(struct rd *r, nn_model *m, const cJSON *root)
{
    const cJSON *in, *range;
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
        if ((err = get_array(r, in, "input", "range", 2, &range))
            || (err = to_float(r, range->child, "input.range", 0, &d.lo))
            || (err = to_float(r, range->child->next, "input.range", 1,
                               &d.hi)))
            return err;
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

static int read_classes(struct rd *r, nn_model *m, const cJSON *root)
{
    const cJSON *arr, *c;
    const char **names;
    int n = m->sizes[m->nlayers], i, err;

    if ((err = member(r, root, "", "classes", 0, &arr)) || !arr)
        return err;
    if ((err = get_array(r, root, "", "classes", n, &arr)))
        return err;
    for (c = arr->child, i = 0; c; c = c->next, i++) {
        const char *bad;

        if (!cJSON_IsString(c))
            return nn_why(r->why, r->whylen, NN_EFORMAT,
                          "classes[%d]: expected a string, got %s", i,
                          kind(c));
        if ((bad = nn_class_name_problem(c->valuestring)))
            return nn_why(r->why, r->whylen, NN_EFORMAT, "classes[%d]: %s",
                          i, bad);
    }
    if (!(names = malloc((size_t)n * sizeof *names)))
        return nn_why(r->why, r->whylen, NN_ENOMEM, "%s",
                      nn_strerror(NN_ENOMEM));
    for (c = arr->child, i = 0; c; c = c->next, i++)
        names[i] = c->valuestring;
    err = nn_model_set_class_names(m, n, names);
    free(names);
    if (err)
        return nn_why(r->why, r->whylen, err, "classes: %s",
                      nn_strerror(err));
    return NN_OK;
}

/* A name member read with parse (returning -1 for unknown names) into
 * *out; untouched when absent. */
static int get_name(struct rd *r, const cJSON *obj, const char *where,
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
static int read_fields(struct rd *r, const cJSON *obj, const char *where,
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
static int read_methods(struct rd *r, const cJSON *o, nn_train_opts *op)
{
    const char *where = "training.options";
    const cJSON *aug;
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

static int read_training(struct rd *r, nn_model *m, const cJSON *root)
{
    const cJSON *t, *o;
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
static int from_tree(struct rd *r, const cJSON *root, nn_model **out)
{
    const cJSON *layers, *L;
    struct arr w[NN_MAX_LAYERS], b[NN_MAX_LAYERS];
    const cJSON *output;
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
    if (!cJSON_IsArray(layers))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "layers: expected an array, got %s", kind(layers));
    nl = cJSON_GetArraySize(layers);
    if (nl < 1)
        return nn_why(r->why, r->whylen, NN_EFORMAT, "layers: empty");
    if (nl > NN_MAX_LAYERS)
        return nn_why(r->why, r->whylen, NN_ELIMIT,
                      "layers: %ld layers, more than the limit (%d)", nl,
                      NN_MAX_LAYERS);
    for (L = layers->child, l = 0; L; L = L->next, l++) {
        int in, nout;

        snprintf(where, sizeof where, "layers[%d]", l);
        if (!cJSON_IsObject(L))
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
            || (err = get_floats(r, L, where, "weights", (long)in * nout,
                                &w[l]))
            || (err = get_floats(r, L, where, "bias", nout, &b[l])))
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
        if ((err = read_params(r, m, l, &w[l], &b[l])))
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

/* Line and column (1-based) of byte off in buf. */
static void position(const char *buf, size_t off, long *line, long *col)
{
    size_t i, start = 0;

    *line = 1;
    for (i = 0; i < off; i++)
        if (buf[i] == '\n') {
            ++*line;
            start = i + 1;
        }
    *col = (long)(off - start) + 1;
}

/* Offset of the first byte of buf that is not well-formed UTF-8 (RFC 3629:
 * no overlong forms, surrogates or code points above U+10FFFF), or len.  A
 * sequence cut off by the end of buf passes: that is a truncated file, which
 * the parser reports. */
static size_t utf8_bad(const char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *)buf;
    size_t i = 0, k, n;
    unsigned long c;

    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if (s[i] >= 0xc2 && s[i] <= 0xdf)
            n = 1, c = s[i] & 0x1f;
        else if (s[i] >= 0xe0 && s[i] <= 0xef)
            n = 2, c = s[i] & 0x0f;
        else if (s[i] >= 0xf0 && s[i] <= 0xf4)
            n = 3, c = s[i] & 0x07;
        else
            return i;
        for (k = 1; k <= n; k++) {
            if (i + k == len)
                return len;
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
            c = c << 6 | (s[i + k] & 0x3f);
        }
        if ((n == 2 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
            (n == 3 && (c < 0x10000 || c > 0x10ffff)))
            return i;
        i += n + 1;
    }
    return len;
}

/* Does buf end inside a string, array or object (a cut-off document), with
 * the brackets so far matched?  *str is where an unterminated string
 * begins, or len. */
static int unclosed(const char *buf, size_t len, size_t *str)
{
    char open[CJSON_NESTING_LIMIT];
    size_t i, start = len, depth = 0;
    int in = 0;

    for (i = 0; i < len; i++) {
        char ch = buf[i];

        if (in) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in = 0;
        } else if (ch == '"') {
            in = 1;
            start = i;
        } else if (ch == '[' || ch == '{') {
            if (depth == sizeof open)
                return 0;   /* too deep for cJSON anyway */
            open[depth++] = ch;
        } else if (ch == ']' || ch == '}') {
            if (depth == 0 || open[--depth] != (ch == ']' ? '[' : '{'))
                return 0;
        }
    }
    *str = in ? start : len;
    return in || depth > 0;
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

int nn_model_read(nn_model **out, FILE *fp, char *why, size_t whylen)
{
    struct rd r;
    struct bulk bk;
    char *buf = NULL, *doc;
    const char *end = NULL;
    cJSON *root;
    size_t len = 0, off;
    long line, col;
    int err;

    r.why = why;
    r.whylen = whylen;
    r.bulk = NULL;
    if (why && whylen)
        why[0] = '\0';
    if (!out || !fp)
        return nn_why(why, whylen, NN_EINVAL, "no model or no stream");
    *out = NULL;
    if ((err = nn_read_all(fp, NN_MODEL_MAX_BYTES, "model file", &buf, &len,
                           why, whylen)))
        return err;
    doc = buf;
    if (len >= 3 && memcmp(doc, "\xef\xbb\xbf", 3) == 0) {
        doc += 3;   /* a UTF-8 byte order mark, as some editors write */
        len -= 3;
    }
    for (off = 0; off < len && is_space(doc[off]); off++)
        ;
    if (off == len) {
        free(buf);
        return nn_why(why, whylen, NN_EFORMAT,
                      "empty input (expected an nnpipe model in JSON)");
    }
    if ((off = utf8_bad(doc, len)) < len) {
        unsigned char c = (unsigned char)doc[off];
        const char *kind = nn_kind_name(nn_file_kind((const uint8_t *)doc,
                                                     len));

        position(doc, off, &line, &col);
        free(buf);
        if (kind && strcmp(kind, "text") != 0)
            return nn_why(why, whylen, NN_EFORMAT, "%s %s file, not an "
                          "nnpipe model", strchr("AEIOU", kind[0]) ? "an"
                          : "a", kind);
        return nn_why(why, whylen, NN_EFORMAT, "not valid JSON: byte 0x%02x "
                      "at line %ld, column %ld is not UTF-8 (binary data?)",
                      c, line, col);
    }
    lift_arrays(doc, len, &bk);
    r.bulk = bk.n ? &bk : NULL;     /* none: no string is taken for a marker */
    root = cJSON_ParseWithLengthOpts(doc, len, &end, 0);
    if (root) {
        for (off = (size_t)(end - doc); off < len && is_space(doc[off]);
             off++)
            ;
        if (off < len) {
            position(doc, off, &line, &col);
            cJSON_Delete(root);
            bulk_free(&bk);
            free(buf);
            return nn_why(why, whylen, NN_EFORMAT,
                          "not valid JSON: unexpected text after the end of "
                          "the document at line %ld, column %ld", line, col);
        }
    } else {
        size_t str = len;
        int cut;

        /* cJSON points at the value it could not parse: at the last byte
         * for a cut-off number or array, at or just after the opening
         * quote of a cut-off string. */
        off = end && end >= doc && end <= doc + len
            ? (size_t)(end - doc) : 0;
        cut = unclosed(doc, len, &str)
            && (off + 1 >= len || off == str || off == str + 1);
        position(doc, cut ? len : off, &line, &col);
        bulk_free(&bk);
        free(buf);
        if (cut)
            return nn_why(why, whylen, NN_EFORMAT,
                          "not valid JSON: unexpected end of input at line "
                          "%ld, column %ld (truncated file?)", line, col);
        return nn_why(why, whylen, NN_EFORMAT,
                      "not valid JSON: syntax error at line %ld, column %ld",
                      line, col);
    }
    free(buf);   /* the tree holds everything now: lower the peak */
    err = from_tree(&r, root, out);
    cJSON_Delete(root);
    bulk_free(&bk);
    return err;
}
