/* model_nielsen.c - the JSON that network2.py of Nielsen's book saves
 * ("Neural Networks and Deep Learning", chapter 3), both ways:
 *   {"sizes": [784, 30, 10],
 *    "weights": [W_1, W_2],   W_l: sizes[l] rows (one a unit) of sizes[l-1]
 *    "biases": [b_1, b_2],    b_l: sizes[l] one-element lists [[b], [b], ...]
 *    "cost": "CrossEntropyCost" or "QuadraticCost"}
 * Every layer is sigmoid, the output's too.  W_l is nnpipe's layout, out x
 * in, so weights map one to one; what network2 cannot express (another
 * activation, a softmax output) is refused with the reason. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"

/* network2's cost classes, by nnpipe's cost codes. */
static const char *const cost_class[] = {
    [NN_COST_CE] = "CrossEntropyCost",
    [NN_COST_QUADRATIC] = "QuadraticCost",
};

/* ------------------------------------------------------------------------ */
/* Writing. */

/* Why network2 cannot hold m, or NULL if it can. */
static const char *not_network2(const nn_model *m, char *buf, size_t len)
{
    for (int l = 0; l < m->nlayers; l++)
        if (nn_model_layer_type(m, l) != NN_LAYER_DENSE) {
            snprintf(buf, len, "network2 has dense layers only, and this "
                     "model's layers[%d] is %s", l,
                     nn_layer_name(nn_model_layer_type(m, l)));
            return buf;
        }
    if (m->nlayers > 1 && m->hidden_act != NN_ACT_SIGMOID)
        snprintf(buf, len, "network2 has sigmoid layers only, and this "
                 "model's hidden layers are %s", nn_act_name(m->hidden_act));
    else if (m->output_act != NN_ACT_SIGMOID)
        snprintf(buf, len, "network2 has sigmoid layers only, and this "
                 "model's output is %s (train with --output sigmoid)",
                 nn_act_name(m->output_act));
    else if (m->cost < 0 || m->cost > NN_COST_QUADRATIC)
        snprintf(buf, len, "unknown cost");
    else
        return NULL;
    return buf;
}

/* The document into w: one line a weight row and a bias. */
static int put_network2(nn_jw *w, const nn_model *m, char *why,
                        size_t whylen)
{
    char s[32];
    long bad;

    nn_jw_open(w, NULL, 1, 0);
    nn_jw_open(w, "sizes", 0, 1);
    for (int l = 0; l <= m->nlayers; l++) {
        snprintf(s, sizeof s, "%d", m->sizes[l]);
        nn_jw_raw(w, NULL, s);
    }
    nn_jw_close(w);
    nn_jw_open(w, "weights", 0, 0);
    for (int l = 0; l < m->nlayers; l++) {
        const float *W = m->params + m->w_off[l];
        int in = m->sizes[l];

        nn_jw_open(w, NULL, 0, 0);
        for (int o = 0; o < m->sizes[l + 1]; o++)
            if ((bad = nn_jw_floats(w, NULL, W + (long)o * in, in)) >= 0)
                return nn_why(why, whylen, NN_ENUMERIC, "layers[%d].weights"
                              "[%ld]: %s cannot be stored in JSON", l,
                              (long)o * in + bad,
                              isnan(W[(long)o * in + bad]) ? "NaN"
                              : "infinity");
        nn_jw_close(w);
    }
    nn_jw_close(w);
    nn_jw_open(w, "biases", 0, 0);
    for (int l = 0; l < m->nlayers; l++) {
        const float *b = m->params + m->b_off[l];

        nn_jw_open(w, NULL, 0, 0);
        for (int o = 0; o < m->sizes[l + 1]; o++)
            if (nn_jw_floats(w, NULL, b + o, 1) >= 0)
                return nn_why(why, whylen, NN_ENUMERIC, "layers[%d].bias"
                              "[%d]: %s cannot be stored in JSON", l, o,
                              isnan(b[o]) ? "NaN" : "infinity");
        nn_jw_close(w);
    }
    nn_jw_close(w);
    nn_jw_str(w, "cost", cost_class[m->cost]);
    nn_jw_close(w);
    return w->err;
}

int nn_network2_write(FILE *fp, const void *arg, char *why, size_t whylen)
{
    const nn_model *m = arg;
    char msg[160];
    nn_jw w;
    int err;

    if (not_network2(m, msg, sizeof msg))
        return nn_why(why, whylen, NN_EINVAL, "%s", msg);
    memset(&w, 0, sizeof w);
    err = put_network2(&w, m, why, whylen);
    if (err == NN_OK)
        err = nn_write_all(fp, w.p, w.len, why, whylen);
    free(w.p);
    if (err == NN_ENOMEM)
        return nn_why(why, whylen, err, "%s", nn_strerror(err));
    return err;
}

/* ------------------------------------------------------------------------ */
/* Reading. */

/* v (named path) is an array of n elements. */
static int get_list(nn_jget *r, const nn_json *v, const char *path, long n)
{
    if (!nn_json_is_array(v))
        return nn_why(r->why, r->whylen, NN_EFORMAT,
                      "%s: expected a list, got %s", path, nn_json_kind(v));
    if (v->n != n)
        return nn_why(r->why, r->whylen, NN_ESHAPE,
                      "%s: %ld value%s, expected %ld", path, v->n,
                      v->n == 1 ? "" : "s", n);
    return NN_OK;
}

/* "sizes": 2 to NN_MAX_LAYERS + 1 integers, each 1 to NN_MAX_DIM. */
static int get_sizes(nn_jget *r, const nn_json *root, int *sizes, int *n)
{
    const nn_json *v;
    int err;

    if ((err = nn_json_member(r, root, "", "sizes", 1, &v)))
        return err;
    if (!nn_json_is_array(v) || (v->n > 0 && v->type != NN_JSON_FLOATS))
        return nn_why(r->why, r->whylen, NN_EFORMAT, "sizes: expected a "
                      "list of numbers, got %s", nn_json_kind(v));
    if (v->n < 2 || v->n > NN_MAX_LAYERS + 1)
        return nn_why(r->why, r->whylen, v->n < 2 ? NN_EFORMAT : NN_ELIMIT,
                      "sizes: %ld layers, expected 2 to %d", v->n,
                      NN_MAX_LAYERS + 1);
    for (long i = 0; i < v->n; i++) {
        float s = v->v[i];

        if (s != floorf(s) || s < 1 || s > NN_MAX_DIM)
            return nn_why(r->why, r->whylen, NN_EFORMAT, "sizes[%ld]: %g is "
                          "not a layer size (an integer, 1 to %d)", i,
                          (double)s, NN_MAX_DIM);
        sizes[i] = (int)s;
    }
    if (sizes[v->n - 1] > NN_MAX_CLASSES)
        return nn_why(r->why, r->whylen, NN_ELIMIT, "sizes[%ld]: %d classes, "
                      "more than the limit (%d)", v->n - 1, sizes[v->n - 1],
                      NN_MAX_CLASSES);
    *n = (int)v->n;
    return NN_OK;
}

/* "cost": one of network2's cost classes. */
static int get_cost(nn_jget *r, const nn_json *root, int *cost)
{
    const char *s = "";
    char c[NN_JSON_CLIP];
    int err;

    if ((err = nn_json_str(r, root, "", "cost", 1, &s)))
        return err;
    for (int i = 0; i <= NN_COST_QUADRATIC; i++)
        if (strcmp(s, cost_class[i]) == 0) {
            *cost = i;
            return NN_OK;
        }
    return nn_why(r->why, r->whylen, NN_EFORMAT, "cost: '%s', expected "
                  "CrossEntropyCost or QuadraticCost", nn_json_clip(c, s));
}

/* Layer l's weights and biases from the lists W and B into m. */
static int get_layer(nn_jget *r, nn_model *m, int l, const nn_json *W,
                     const nn_json *B)
{
    char p[NN_JSON_PATH];
    const nn_json *row;
    int in = m->sizes[l], nout = m->sizes[l + 1], o, err;

    snprintf(p, sizeof p, "weights[%d]", l);
    if ((err = get_list(r, W, p, nout)))
        return err;
    for (row = W->child, o = 0; row; row = row->next, o++) {
        snprintf(p, sizeof p, "weights[%d][%d]", l, o);
        if ((err = get_list(r, row, p, in))
            || (err = nn_json_floats(r, row, p,
                                     m->params + m->w_off[l] + (long)o * in)))
            return err;
    }
    snprintf(p, sizeof p, "biases[%d]", l);
    if ((err = get_list(r, B, p, nout)))
        return err;
    if (B->type == NN_JSON_FLOATS)
        return nn_why(r->why, r->whylen, NN_EFORMAT, "biases[%d][0]: "
                      "expected a one-element list [b], got a number", l);
    for (row = B->child, o = 0; row; row = row->next, o++) {
        snprintf(p, sizeof p, "biases[%d][%d]", l, o);
        if ((err = get_list(r, row, p, 1))
            || (err = nn_json_floats(r, row, p, m->params + m->b_off[l] + o)))
            return err;
    }
    return NN_OK;
}

int nn_network2_read(nn_model **out, const nn_json *root, char *why,
                     size_t whylen)
{
    nn_jget r = { why, whylen };
    const nn_json *W, *B, *w, *b;
    int sizes[NN_MAX_LAYERS + 1], n = 0, cost = NN_COST_CE, err, l;
    nn_arch a = { 0 };
    nn_model *m = NULL;

    *out = NULL;
    if ((err = get_sizes(&r, root, sizes, &n))
        || (err = get_cost(&r, root, &cost))
        || (err = nn_json_array(&r, root, "", "weights", n - 1, &W))
        || (err = nn_json_array(&r, root, "", "biases", n - 1, &B)))
        return err;
    if (W->type == NN_JSON_FLOATS || B->type == NN_JSON_FLOATS)
        return nn_why(why, whylen, NN_EFORMAT, "%s[0]: expected a list, "
                      "got a number", W->type == NN_JSON_FLOATS ? "weights"
                      : "biases");
    a.nlayers = n;
    a.sizes = sizes;
    a.hidden_act = NN_ACT_SIGMOID;
    a.output_act = NN_ACT_SIGMOID;
    a.cost = cost;
    a.init = NN_INIT_DEFAULT;
    if ((err = nn_model_blank(&m, &a, 0, why, whylen)))
        return err;
    for (l = 0, w = W->child, b = B->child; l < n - 1;
         l++, w = w->next, b = b->next)
        if ((err = get_layer(&r, m, l, w, b))) {
            nn_model_free(m);
            return err;
        }
    *out = m;
    return NN_OK;
}
