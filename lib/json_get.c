/* json_get.c - the members of a parsed JSON document (lib/json.c), checked
 * and converted: each getter names the member by its path in why
 * ("training.options.rate: expected a number, got a string").  A member
 * given twice is an error (JSON readers disagree on which one wins); an
 * absent one leaves *out as it was, or is an error when required. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

/* "where.key" (or "key" at the top level) into p. */
const char *nn_json_join(char *p, size_t n, const char *where, const char *key)
{
    snprintf(p, n, "%s%s%s", where, *where ? "." : "", key);
    return p;
}

/* s for a message into dst (NN_JSON_CLIP bytes): at most 40 bytes of it, with
 * control characters as '?'. */
const char *nn_json_clip(char *dst, const char *s)
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

const char *nn_json_kind(const nn_json *v)
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

int nn_json_is_array(const nn_json *v)
{
    return v->type == NN_JSON_ARRAY || v->type == NN_JSON_FLOATS;
}

/* Member key of obj (path `where`): NN_OK with *out, NULL if absent and not
 * required.  A key given twice is an error: readers disagree on which wins. */
int nn_json_member(nn_jget *r, const nn_json *obj, const char *where,
                   const char *key, int required, const nn_json **out)
{
    const nn_json *c, *found = NULL;
    char p[NN_JSON_PATH];

    for (c = obj->child; c; c = c->next) {
        if (c->key && strcmp(c->key, key) == 0) {
            if (found)
                return nn_why(r->why, r->whylen, NN_EFORMAT,
                              "%s: given twice", nn_json_join(p, sizeof p, where,
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

int nn_json_lookup(nn_jget *r, const nn_json *obj, const char *where,
                   const char *key, int required, const nn_json **out,
                   char *path)
{
    nn_json_join(path, NN_JSON_PATH, where, key);
    return nn_json_member(r, obj, where, key, required, out);
}

/* Integer member in lo..hi into *out (untouched when absent). */
int nn_json_int(nn_jget *r, const nn_json *obj, const char *where,
                const char *key, int required, double lo, double hi,
                long *out)
{
    const nn_json *v;
    char p[NN_JSON_PATH];
    double d;
    int err;

    if ((err = nn_json_lookup(r, obj, where, key, required, &v, p)) || !v)
        return err;
    if (v->type != NN_JSON_NUMBER)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected an integer, got %s", p, nn_json_kind(v));
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

int nn_json_count(nn_jget *r, const nn_json *obj, const char *where,
                  const char *key, int *out)
{
    long v = *out;
    int err = nn_json_int(r, obj, where, key, 0, 0, INT_MAX, &v);

    *out = (int)v;
    return err;
}

/* Unsigned 64-bit member: a number up to 2^53 or a decimal string. */
int nn_json_u64(nn_jget *r, const nn_json *obj, const char *where,
                const char *key, uint64_t *out)
{
    const nn_json *v;
    char p[NN_JSON_PATH];
    int err;

    if ((err = nn_json_lookup(r, obj, where, key, 0, &v, p)) || !v)
        return err;
    if (v->type == NN_JSON_NUMBER) {
        double d = v->num;

        if (d != floor(d) || d < 0 || d > NN_JSON_MAX_EXACT)
            return nn_why(r->why, r->whylen, NN_EFORMAT,
                          "%s: %.15g is not an integer from 0 to 2^53 "
                          "(write larger values as a string)", p, d);
        *out = (uint64_t)d;
    } else if (v->type == NN_JSON_STRING) {
        const char *s = v->str;
        char *end, c[NN_JSON_CLIP];
        unsigned long long u;

        errno = 0;
        u = strtoull(s, &end, 10);
        if (*s < '0' || *s > '9' || *end || errno == ERANGE
            || u > UINT64_MAX)
            return nn_why(r->why, r->whylen, NN_EFORMAT,
                          "%s: \"%s\" is not an integer from 0 to 2^64-1", p,
                          nn_json_clip(c, s));
        *out = (uint64_t)u;
    } else {
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected an integer, got %s", p, nn_json_kind(v));
    }
    return NN_OK;
}

/* A number that is a finite float; p[idx] names it (idx < 0: just p). */
int nn_json_to_float(nn_jget *r, const nn_json *v, const char *p, long idx,
                     float *out)
{
    char at[32] = "";
    double d;

    if (v->type == NN_JSON_NUMBER && fabs(v->num) < NN_FLOAT_LIMIT) {
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
                      "%s%s: expected a number, got %s", p, at, nn_json_kind(v));
    d = v->num;
    if (!(fabs(d) < NN_FLOAT_LIMIT))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s%s: %.9g is beyond the float range (3.4e+38)", p,
                      at, d);
    *out = (float)d;
    return NN_OK;
}

int nn_json_float(nn_jget *r, const nn_json *obj, const char *where,
                  const char *key, float *out)
{
    const nn_json *v;
    char p[NN_JSON_PATH];
    int err;

    if ((err = nn_json_lookup(r, obj, where, key, 0, &v, p)) || !v)
        return err;
    return nn_json_to_float(r, v, p, -1, out);
}

int nn_json_double(nn_jget *r, const nn_json *obj, const char *where,
                   const char *key, double lo, double hi, double *out)
{
    const nn_json *v;
    char p[NN_JSON_PATH];
    int err;

    if ((err = nn_json_lookup(r, obj, where, key, 0, &v, p)) || !v)
        return err;
    if (v->type != NN_JSON_NUMBER)
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected a number, got %s", p, nn_json_kind(v));
    if (!(v->num >= lo && v->num <= hi))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: %.15g is out of range (%g to %g)", p,
                      v->num, lo, hi);
    *out = v->num;
    return NN_OK;
}

/* Member of the JSON type type ("a string", "an object"), or NULL when it
 * is absent and not required. */
static int get_typed(nn_jget *r, const nn_json *obj, const char *where,
                     const char *key, int required, int type,
                     const char *what, const nn_json **out)
{
    const nn_json *v;
    char p[NN_JSON_PATH];
    int err;

    *out = NULL;
    if ((err = nn_json_member(r, obj, where, key, required, &v)) || !v)
        return err;
    if (v->type != type)
        return nn_why(r->why, r->whylen, NN_EFORMAT, "%s: expected %s, got %s",
                      nn_json_join(p, sizeof p, where, key), what, nn_json_kind(v));
    *out = v;
    return NN_OK;
}

int nn_json_str(nn_jget *r, const nn_json *obj, const char *where,
                const char *key, int required, const char **out)
{
    const nn_json *v;
    int err = get_typed(r, obj, where, key, required, NN_JSON_STRING,
                        "a string", &v);

    if (v)
        *out = v->str;
    return err;
}

int nn_json_object(nn_jget *r, const nn_json *obj, const char *where,
                   const char *key, int required, const nn_json **out)
{
    return get_typed(r, obj, where, key, required, NN_JSON_OBJECT,
                     "an object", out);
}

/* Array member with exactly n elements. */
int nn_json_array(nn_jget *r, const nn_json *obj, const char *where,
                  const char *key, long n, const nn_json **out)
{
    const nn_json *v;
    char p[NN_JSON_PATH];
    long got;
    int err;

    if ((err = nn_json_lookup(r, obj, where, key, 1, &v, p)))
        return err;
    if (!nn_json_is_array(v))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected an array, got %s", p, nn_json_kind(v));
    if ((got = v->n) != n)
        return nn_why(r->why, r->whylen, NN_ESHAPE,
                      "%s: %ld value%s, expected %ld", p, got,
                      got == 1 ? "" : "s", n);
    *out = v;
    return NN_OK;
}

/* The n numbers of array a (named p) as finite floats into dst. */
int nn_json_floats(nn_jget *r, const nn_json *a, const char *p,
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
        if ((err = nn_json_to_float(r, c, p, i, dst + i)))
            return err;
    return NN_OK;
}

/* A name member read with parse (returning -1 for unknown names) into
 * *out; untouched when absent. */
int nn_json_name(nn_jget *r, const nn_json *obj, const char *where,
                 const char *key, int (*parse)(const char *), int *out)
{
    const char *s = NULL;
    char p[96], c[NN_JSON_CLIP];
    int err, v;

    if ((err = nn_json_str(r, obj, where, key, 0, &s)) || !s)
        return err;
    if ((v = parse(s)) < 0)
        return nn_why(r->why, r->whylen, NN_EFORMAT, "%s: unknown value "
                      "\"%s\"", nn_json_join(p, sizeof p, where, key), nn_json_clip(c, s));
    *out = v;
    return NN_OK;
}

