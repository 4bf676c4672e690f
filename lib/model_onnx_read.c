/* model_onnx_read.c - an ONNX model as an nn_model: the operator subset of
 * model_onnx.h, from nnpipe and from other programs, every field checked
 * and named in the error. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_onnx.h"

/* The varint at b[*at..n) into *v, *at past it; 0 if the data end in it. */
static int varint(const uint8_t *b, size_t n, size_t *at, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; *at < n && shift < 64; shift += 7) {
        uint8_t c = b[(*at)++];

        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return 1;
    }
    return 0;
}

/* Why the bytes do not parse as protobuf: the first top-level field that
 * runs past the end, or another fault, with its offset. */
static int bad_protobuf(const uint8_t *b, size_t n, char *why, size_t whylen)
{
    size_t at = 0;

    while (at < n) {
        size_t start = at;
        uint64_t key, v;

        if (!varint(b, n, &at, &key))
            goto cut;
        switch (key & 7) {
        case 0:
            if (!varint(b, n, &at, &v))
                goto cut;
            break;
        case 1:
        case 5:
            v = (key & 7) == 1 ? 8 : 4;
            if (v > n - at)
                goto cut;
            at += v;
            break;
        case 2:
            if (!varint(b, n, &at, &v))
                goto cut;
            if (v > n - at)
                return nn_why(why, whylen, NN_EFORMAT, "not a complete ONNX "
                              "model: field %" PRIu64 " at byte %zu holds "
                              "%" PRIu64 " bytes, but only %zu follow "
                              "(truncated file?)", key >> 3, start, v,
                              n - at);
            at += v;
            break;
        default:
            return nn_why(why, whylen, NN_EFORMAT, "not an ONNX model: "
                          "byte %zu is not a protobuf field", start);
        }
    }
    return nn_why(why, whylen, NN_EFORMAT, "not an ONNX model: the "
                  "protobuf data do not describe a ModelProto");
cut:
    return nn_why(why, whylen, NN_EFORMAT, "not a complete ONNX model: the "
                  "data end inside a field (truncated file?)");
}

/* What a node is called in messages: "graph.node[2] (Conv 'conv1')". */
static const char *node_place(char *s, size_t n, int i,
                              const Onnx__NodeProto *nd)
{
    snprintf(s, n, "graph.node[%d] (%s%s%s%s)", i,
             nd->op_type ? nd->op_type : "no operator",
             nd->name && *nd->name ? " '" : "", nd->name ? nd->name : "",
             nd->name && *nd->name ? "'" : "");
    return s;
}

static const Onnx__TensorProto *find_init(const Onnx__GraphProto *g,
                                          const char *name)
{
    for (size_t i = 0; name && i < g->n_initializer; i++)
        if (g->initializer[i]->name && strcmp(g->initializer[i]->name,
                                              name) == 0)
            return g->initializer[i];
    return NULL;
}

/* Initializer t as floats into dst (NULL: only check), its dims being
 * dims[0 .. nd-1] (a bias [1, d] is taken for [d] too). */
static int get_floats(const Onnx__TensorProto *t, int nd, const long *dims,
                      float *dst, const char *place, char *why,
                      size_t whylen)
{
    long n = 1;
    int shape_ok = t->n_dims == (size_t)nd;

    for (int d = 0; d < nd; d++) {
        n *= dims[d];
        shape_ok = shape_ok && t->dims[d] == dims[d];
    }
    if (nd == 1 && t->n_dims == 2 && t->dims[0] == 1 && t->dims[1] == dims[0])
        shape_ok = 1;

    if (t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
        return nn_why(why, whylen, NN_EFORMAT, "%s: tensor '%s' has data "
                      "type %d, not float (1)", place, t->name, t->data_type);
    if (t->has_data_location
        && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return nn_why(why, whylen, NN_EFORMAT, "%s: tensor '%s' is kept in "
                      "an external file (not supported)", place, t->name);
    if (!shape_ok) {
        char want[64] = "[";

        for (int d = 0; d < nd; d++)
            snprintf(want + strlen(want), sizeof want - strlen(want),
                     "%ld%s", dims[d], d < nd - 1 ? ", " : "]");
        return nn_why(why, whylen, NN_ESHAPE, "%s: tensor '%s' has %zu "
                      "dimension%s, expected %s", place, t->name, t->n_dims,
                      t->n_dims == 1 ? "" : "s", want);
    }
    if (t->has_raw_data ? t->raw_data.len != (size_t)n * 4
        : t->n_float_data != (size_t)n)
        return nn_why(why, whylen, NN_ESHAPE, "%s: tensor '%s' holds %zu "
                      "values, expected %ld", place, t->name,
                      t->has_raw_data ? t->raw_data.len / 4 : t->n_float_data,
                      n);
    for (long i = 0; dst && i < n; i++) {
        if (t->has_raw_data) {
            const uint8_t *p = t->raw_data.data + 4 * i;
            uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8
                         | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
            memcpy(&dst[i], &u, 4);
        } else {
            dst[i] = t->float_data[i];
        }
        if (!isfinite(dst[i]))
            return nn_why(why, whylen, NN_EFORMAT, "%s: tensor '%s' value "
                          "%ld is not finite", place, t->name, i);
    }
    return NN_OK;
}

/* Node nd's attribute name, or NULL. */
static const Onnx__AttributeProto *attr(const Onnx__NodeProto *nd,
                                        const char *name)
{
    for (size_t i = 0; i < nd->n_attribute; i++)
        if (nd->attribute[i]->name && strcmp(nd->attribute[i]->name,
                                             name) == 0)
            return nd->attribute[i];
    return NULL;
}

/* Every attribute of nd (a Gemm or an activation) is one this reader
 * knows, with a value it handles: Gemm's alpha and beta above 0 (the
 * weights and bias scaled by them), transA 0;
 * Softmax's axis 1 (or -1: the last of two). */
static int check_attrs(const Onnx__NodeProto *nd, const char *place,
                       char *why, size_t whylen)
{
    int softmax = strcmp(nd->op_type, "Softmax") == 0;

    for (size_t i = 0; i < nd->n_attribute; i++) {
        const Onnx__AttributeProto *a = nd->attribute[i];
        const char *k = a->name ? a->name : "";
        int ok;

        if (softmax && strcmp(k, "axis") == 0)
            ok = a->has_i && (a->i == 1 || a->i == -1);
        else if (!softmax && (strcmp(k, "alpha") == 0
                              || strcmp(k, "beta") == 0))
            ok = a->has_f && isfinite(a->f) && a->f > 0;
        else if (!softmax && strcmp(k, "transA") == 0)
            ok = !a->has_i || a->i == 0;
        else if (!softmax && strcmp(k, "transB") == 0)
            ok = 1;
        else
            return nn_why(why, whylen, NN_EFORMAT, "%s: attribute '%s' is "
                          "not supported", place, k);
        if (!ok)
            return nn_why(why, whylen, NN_EFORMAT, "%s: attribute %s has a "
                          "value this reader does not support", place, k);
    }
    return NN_OK;
}

/* The graph's one input that is not an initializer: its name and width. */
static int get_input(const Onnx__GraphProto *g, const char **name, int *n,
                     char *why, size_t whylen)
{
    const Onnx__ValueInfoProto *v = NULL;
    const Onnx__TypeProto__Tensor *t;

    for (size_t i = 0; i < g->n_input; i++)
        if (!find_init(g, g->input[i]->name)) {
            if (v)
                return nn_why(why, whylen, NN_EFORMAT, "graph.input: more "
                              "than one input ('%s', '%s')", v->name,
                              g->input[i]->name);
            v = g->input[i];
        }
    if (!v || !v->name)
        return nn_why(why, whylen, NN_EFORMAT, "graph.input: no input");
    t = v->type && v->type->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
        ? v->type->tensor_type : NULL;
    if (!t || t->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
        return nn_why(why, whylen, NN_EFORMAT, "graph.input '%s': not a "
                      "float tensor", v->name);
    if (t->shape && t->shape->n_dim != 2)
        return nn_why(why, whylen, NN_ESHAPE, "graph.input '%s': %zu "
                      "dimensions, expected 2 ([N, values])", v->name,
                      t->shape->n_dim);
    *n = 0;         /* not given: the first Gemm's weights say */
    if (t->shape && t->shape->dim[1]->value_case
        == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
        int64_t d = t->shape->dim[1]->dim_value;

        if (d < 1 || d > NN_MAX_DIM)
            return nn_why(why, whylen, NN_ESHAPE, "graph.input '%s': "
                          "%" PRId64 " values, expected 1 to %d", v->name,
                          d, NN_MAX_DIM);
        *n = (int)d;
    }
    *name = v->name;
    return NN_OK;
}

/* The class names of the metadata entry "classes", for n classes, into m. */
static int get_classes(nn_model *m, const char *text, char *why,
                       size_t whylen)
{
    int n = m->sizes[m->nlayers], err, i = 0;
    nn_json_doc *doc;
    const nn_json *a, *c;
    const char **names = NULL;
    char msg[200] = "";

    if ((err = nn_json_parse(&doc, text, strlen(text), msg, sizeof msg)))
        return nn_why(why, whylen, err, "metadata_props 'classes': %s", msg);
    a = nn_json_root(doc);
    err = NN_EFORMAT;
    if (a->type != NN_JSON_ARRAY || a->n != n) {
        nn_why(why, whylen, err, "metadata_props 'classes': expected a "
               "JSON array of %d names", n);
        goto done;
    }
    if (!(names = malloc((size_t)n * sizeof *names))) {
        err = nn_why(why, whylen, NN_ENOMEM, "%s", nn_strerror(NN_ENOMEM));
        goto done;
    }
    for (c = a->child; c; c = c->next, i++) {
        const char *bad = c->type == NN_JSON_STRING
                          ? nn_class_name_problem(c->str) : "not a string";

        if (bad) {
            nn_why(why, whylen, err, "metadata_props 'classes'[%d]: %s", i,
                   bad);
            goto done;
        }
        names[i] = c->str;
    }
    if ((err = nn_model_set_class_names(m, n, names)))
        nn_why(why, whylen, err, "metadata_props 'classes': %s",
               nn_strerror(err));
done:
    free(names);
    nn_json_free(doc);
    return err;
}

/* The value of the metadata entry key, or NULL. */
static const char *meta_value(const Onnx__ModelProto *mp, const char *key)
{
    for (size_t i = 0; i < mp->n_metadata_props; i++) {
        const Onnx__StringStringEntryProto *e = mp->metadata_props[i];

        if (e->key && e->value && strcmp(e->key, key) == 0)
            return e->value;
    }
    return NULL;
}

/* A layer as the graph gives it. */
struct layer {
    int type;                   /* NN_LAYER_* */
    const Onnx__TensorProto *W, *b;
    int trans_b, in, out, act, node;    /* act -1: none (maxpool) */
    float alpha, beta;          /* Gemm's: W and b scaled by them */
    float mul;                  /* a Mul by a scalar before the activation */
    int kernel, pad;            /* conv */
    nn_shape chw;               /* dense after an NCHW image flattened as
                                   it is (c 0: not) */
};

/* Where the walk from the input is: tensor x holds width values (0: not
 * known yet), or an image of shape img. */
enum { FLAT, RESHAPED, NCHW, NHWC };
struct walk {
    const char *x;
    int width, state, chw;      /* chw: FLAT from an NCHW image */
    int64_t dims[3];            /* RESHAPED: the last three of the shape */
    nn_shape img, in_img;       /* the image; the input's (w 0: none) */
};

/* Node nd's integer list attribute name into v[0 .. n-1]: 0, or 1 if nd
 * has none (v unchanged), -1 if it is not a list of n integers. */
static int get_ints(const Onnx__NodeProto *nd, const char *name,
                    int64_t *v, size_t n)
{
    const Onnx__AttributeProto *a = attr(nd, name);

    if (!a)
        return 1;
    if (a->n_ints != n)
        return -1;
    memcpy(v, a->ints, n * sizeof *v);
    return 0;
}

/* Every attribute of nd is one of known[] (NULL-terminated). */
static int only_attrs(const Onnx__NodeProto *nd, const char *const *known,
                      const char *place, char *why, size_t whylen)
{
    for (size_t i = 0; i < nd->n_attribute; i++) {
        const char *k = nd->attribute[i]->name ? nd->attribute[i]->name : "";
        int j = 0;

        while (known[j] && strcmp(known[j], k))
            j++;
        if (!known[j])
            return nn_why(why, whylen, NN_EFORMAT, "%s: attribute '%s' is "
                          "not supported", place, k);
    }
    return NN_OK;
}

/* Whether all n values of v are x. */
static int all_are(const int64_t *v, int n, int64_t x)
{
    for (int i = 0; i < n; i++)
        if (v[i] != x)
            return 0;
    return 1;
}

/* Conv's or MaxPool's kernel side k (1..99 odd for a Conv, 2 for a
 * MaxPool), pads (into *pad: NN_PAD_SAME or _VALID) and strides. */
static int get_window(const Onnx__NodeProto *nd, int k, int pool, int *pad,
                      const char *place, char *why, size_t whylen)
{
    static const char *const known[] = { "kernel_shape", "pads", "strides",
        "dilations", "group", "auto_pad", "ceil_mode", "storage_order", NULL };
    const Onnx__AttributeProto *ap = attr(nd, "auto_pad"), *a;
    int64_t ks[2] = { k, k }, pads[4] = { 0, 0, 0, 0 }, st[2] = { 1, 1 };
    int64_t dil[2] = { 1, 1 }, step = pool ? 2 : 1;
    int err, bad;

    if ((err = only_attrs(nd, known, place, why, whylen)))
        return err;
    bad = get_ints(nd, "kernel_shape", ks, 2) < 0 || !all_are(ks, 2, k)
          || get_ints(nd, "pads", pads, 4) < 0
          || get_ints(nd, "strides", st, 2) < 0 || !all_are(st, 2, step)
          || get_ints(nd, "dilations", dil, 2) < 0 || !all_are(dil, 2, 1);
    if ((a = attr(nd, "group")) && a->i != 1)
        bad = 1;
    if ((a = attr(nd, "ceil_mode")) && a->i != 0)
        bad = 1;
    *pad = NN_PAD_VALID;
    if (ap && ap->has_s && ap->s.len == 10
        && (memcmp(ap->s.data, "SAME_UPPER", 10) == 0
            || memcmp(ap->s.data, "SAME_LOWER", 10) == 0) && !pool)
        *pad = NN_PAD_SAME;
    else if (ap && ap->has_s && !(ap->s.len == 5
                                  && memcmp(ap->s.data, "VALID", 5) == 0)
             && !(ap->s.len == 6 && memcmp(ap->s.data, "NOTSET", 6) == 0))
        bad = 1;
    if (all_are(pads, 4, k / 2) && !pool)       /* k 1: the same */
        *pad = NN_PAD_SAME;
    else if (!all_are(pads, 4, 0))
        bad = 1;
    if (bad)
        return nn_why(why, whylen, NN_EFORMAT, "%s: nnpipe reads %s "
                      "(strides %d, pads 0%s, no dilation or groups)", place,
                      pool ? "2x2 max-pooling" : "square odd kernels",
                      (int)step, pool ? "" : " or k/2");
    return NN_OK;
}

/* A Mul of *x by a float scalar initializer, at node *i: into *scale; *i
 * and *x move past it.  0 if node *i is not such a Mul. */
static int get_mul(const Onnx__GraphProto *g, size_t *i, const char **x,
                   float *scale)
{
    const Onnx__NodeProto *nd = g->node[*i];
    const Onnx__TensorProto *t;
    long one = 1;
    char why[8];

    if (!nd->op_type || strcmp(nd->op_type, "Mul") != 0 || nd->n_input != 2
        || nd->n_output != 1 || strcmp(nd->input[0], *x) != 0
        || !(t = find_init(g, nd->input[1])) || t->n_dims > 1
        || (t->n_dims == 1 && t->dims[0] != 1)
        || get_floats(t, (int)t->n_dims, &one, scale, "", why, sizeof why)
        || !isfinite(*scale) || !(*scale > 0))
        return 0;
    *x = nd->output[0];
    ++*i;
    return 1;
}

/* The activation node after node *i, whose output is *x, with a Mul by a
 * scalar before it (into *scale, else 1): into *act; *i and *x move past
 * it. */
static int get_act(const Onnx__GraphProto *g, size_t *i, const char **x,
                   int *act, float *scale, char *why, size_t whylen)
{
    const Onnx__NodeProto *nd;
    const char *op;
    char place[160];
    int a;

    node_place(place, sizeof place, (int)*i, g->node[*i]);
    if (++*i == g->n_node)
        return nn_why(why, whylen, NN_EFORMAT, "%s: no activation "
                      "follows (every nnpipe layer has one)", place);
    *scale = 1.0f;
    if (get_mul(g, i, x, scale) && *i == g->n_node)
        return nn_why(why, whylen, NN_EFORMAT, "%s: no activation "
                      "follows (every nnpipe layer has one)", place);
    nd = g->node[*i];
    op = nd->op_type ? nd->op_type : "";
    node_place(place, sizeof place, (int)*i, nd);
    for (a = 0; a < N_ACTS && strcmp(op, act_op[a]); a++)
        ;
    if (a == N_ACTS)
        return nn_why(why, whylen, NN_EFORMAT, "%s: operator %s is not "
                      "supported here (after a %s nnpipe reads Relu, "
                      "Sigmoid, Tanh or Softmax)", place, *op ? op : "''",
                      g->node[*i - 1]->op_type);
    if (nd->n_input != 1 || nd->n_output != 1
        || strcmp(nd->input[0], *x) != 0)
        return nn_why(why, whylen, NN_EFORMAT, "%s: expected one input, "
                      "'%s', and one output", place, *x);
    *act = a;
    *x = nd->output[0];
    return check_attrs(nd, place, why, whylen);
}

/* Gemm node nd, from the flat tensor of the walk, as layer *L. */
static int get_gemm(const Onnx__GraphProto *g, const Onnx__NodeProto *nd,
                    struct walk *s, struct layer *L, const char *place,
                    char *why, size_t whylen)
{
    const Onnx__AttributeProto *tb;
    long dims[2];
    int err;

    if (s->state != FLAT)
        return nn_why(why, whylen, NN_EFORMAT, "%s: '%s' is an image; "
                      "nnpipe reads a Flatten (axis 1) before a Gemm", place,
                      s->x);
    if (nd->n_input < 2 || nd->n_input > 3)
        return nn_why(why, whylen, NN_EFORMAT, "%s: expected the inputs "
                      "'%s', weights and bias, and one output", place, s->x);
    if ((err = check_attrs(nd, place, why, whylen)))
        return err;
    tb = attr(nd, "transB");
    L->alpha = attr(nd, "alpha") ? attr(nd, "alpha")->f : 1.0f;
    L->beta = attr(nd, "beta") ? attr(nd, "beta")->f : 1.0f;
    L->type = NN_LAYER_DENSE;
    L->trans_b = tb && tb->has_i && tb->i;
    L->W = find_init(g, nd->input[1]);
    L->b = nd->n_input == 3 && *nd->input[2] ? find_init(g, nd->input[2])
           : NULL;
    if (!L->W || (nd->n_input == 3 && *nd->input[2] && !L->b))
        return nn_why(why, whylen, NN_EFORMAT, "%s: the weights and bias "
                      "must be initializers", place);
    if (L->W->n_dims != 2 || L->W->dims[0] < 1 || L->W->dims[1] < 1
        || L->W->dims[0] > NN_MAX_DIM || L->W->dims[1] > NN_MAX_DIM)
        return nn_why(why, whylen, NN_ESHAPE, "%s: weights '%s' are not "
                      "a matrix of 1 to %d rows and columns", place,
                      L->W->name, NN_MAX_DIM);
    L->in = (int)L->W->dims[L->trans_b];
    L->out = (int)L->W->dims[!L->trans_b];
    if (s->width && L->in != s->width)
        return nn_why(why, whylen, NN_ESHAPE, "%s: weights for %d "
                      "inputs, but '%s' has %d values", place, L->in,
                      s->x, s->width);
    if (s->chw)
        L->chw = s->img;
    dims[0] = L->W->dims[0];
    dims[1] = L->W->dims[1];
    if ((err = get_floats(L->W, 2, dims, NULL, place, why, whylen))
        || (L->b && (dims[0] = L->out,
                     err = get_floats(L->b, 1, dims, NULL, place, why,
                                      whylen))))
        return err;
    s->width = L->out;
    s->chw = 0;
    return NN_OK;
}

/* The NCHW image of the walk: a RESHAPED input read as [N, C, H, W]. */
static int as_nchw(struct walk *s, const char *place, char *why,
                   size_t whylen)
{
    if (s->state == RESHAPED) {
        if (s->dims[0] != 1)
            return nn_why(why, whylen, NN_EFORMAT, "%s: the input as an "
                          "[N, C, H, W] image of %d channels; nnpipe's "
                          "inputs are channel-last (Reshape to [N, H, W, C] "
                          "and Transpose, or one channel)", place,
                          (int)s->dims[0]);
        s->img.c = 1;
        s->img.h = (int)s->dims[1];
        s->img.w = (int)s->dims[2];
        s->in_img = s->img;
        s->state = NCHW;
    }
    if (s->state != NCHW)
        return nn_why(why, whylen, NN_EFORMAT, "%s: '%s' is not an [N, C, "
                      "H, W] image", place, s->x);
    return NN_OK;
}

/* Conv node nd as layer *L (its activation not yet). */
static int get_conv(const Onnx__GraphProto *g, const Onnx__NodeProto *nd,
                    struct walk *s, struct layer *L, const char *place,
                    char *why, size_t whylen)
{
    const Onnx__TensorProto *W;
    long dims[4];
    int err, k;

    if ((err = as_nchw(s, place, why, whylen)))
        return err;
    if (nd->n_input < 2 || nd->n_input > 3
        || !(W = find_init(g, nd->input[1]))
        || (nd->n_input == 3 && *nd->input[2]
            && !(L->b = find_init(g, nd->input[2]))))
        return nn_why(why, whylen, NN_EFORMAT, "%s: expected the inputs "
                      "'%s', weights and bias (initializers)", place, s->x);
    if (W->n_dims != 4 || W->dims[0] < 1 || W->dims[0] > NN_MAX_DIM
        || W->dims[1] != s->img.c || W->dims[2] != W->dims[3]
        || W->dims[2] < 1 || W->dims[2] > 99 || W->dims[2] % 2 == 0)
        return nn_why(why, whylen, NN_ESHAPE, "%s: weights '%s' are not [O, "
                      "%d, k, k] with k odd, 1 to 99", place, W->name,
                      s->img.c);
    k = (int)W->dims[2];
    if ((err = get_window(nd, k, 0, &L->pad, place, why, whylen)))
        return err;
    L->type = NN_LAYER_CONV;
    L->W = W;
    L->kernel = k;
    L->out = (int)W->dims[0];
    for (int d = 0; d < 4; d++)
        dims[d] = W->dims[d];
    if ((err = get_floats(W, 4, dims, NULL, place, why, whylen))
        || (L->b && (err = get_floats(L->b, 1, dims, NULL, place, why,
                                      whylen))))
        return err;
    if (L->pad == NN_PAD_VALID) {
        s->img.h -= k - 1;
        s->img.w -= k - 1;
    }
    s->img.c = L->out;
    if (s->img.h < 1 || s->img.w < 1)
        return nn_why(why, whylen, NN_ESHAPE, "%s: a %dx%d kernel does not "
                      "fit the image", place, k, k);
    return NN_OK;
}

/* Reshape, Transpose or Flatten node nd: how the walk's tensor is seen. */
static int get_view(const Onnx__GraphProto *g, const Onnx__NodeProto *nd,
                    struct walk *s, int first, const char *place, char *why,
                    size_t whylen)
{
    static const char *const known[] = { "perm", "axis", NULL };
    const char *op = nd->op_type;
    int64_t v[4];
    int err;

    if ((err = only_attrs(nd, known, place, why, whylen)))
        return err;
    if (strcmp(op, "Reshape") == 0) {
        const Onnx__TensorProto *t = nd->n_input == 2
                                     ? find_init(g, nd->input[1]) : NULL;
        int ok = first && t && t->data_type
                 == ONNX__TENSOR_PROTO__DATA_TYPE__INT64 && t->n_dims == 1
                 && t->dims[0] == 4;

        for (int d = 0; ok && d < 4; d++) {
            if (t->n_int64_data == 4)
                v[d] = t->int64_data[d];
            else if (t->has_raw_data && t->raw_data.len == 32) {
                uint64_t u = 0;

                for (int b = 7; b >= 0; b--)
                    u = u << 8 | t->raw_data.data[8 * d + b];
                v[d] = (int64_t)u;
            }
            else
                ok = 0;
            ok = ok && (d == 0 ? v[0] <= 0 || v[0] == 1
                        : v[d] >= 1 && v[d] <= NN_MAX_DIM);
        }
        if (ok && (v[1] * v[2] * v[3] > NN_MAX_DIM
                   || (s->width && v[1] * v[2] * v[3] != s->width)))
            ok = 0;
        if (!ok)
            return nn_why(why, whylen, NN_EFORMAT, "%s: nnpipe reads a "
                          "Reshape of the input only, to the 4 dimensions "
                          "of an image given as an int64 initializer",
                          place);
        memcpy(s->dims, v + 1, sizeof s->dims);
        s->width = (int)(v[1] * v[2] * v[3]);
        s->state = RESHAPED;
    } else if (strcmp(op, "Transpose") == 0) {
        if (get_ints(nd, "perm", v, 4) == 0 && s->state == RESHAPED
            && v[0] == 0 && v[1] == 3 && v[2] == 1 && v[3] == 2) {
            s->img.h = (int)s->dims[0];
            s->img.w = (int)s->dims[1];
            s->img.c = (int)s->dims[2];
            s->in_img = s->img;
            s->state = NCHW;
        } else if (get_ints(nd, "perm", v, 4) == 0 && s->state == NCHW
                   && v[0] == 0 && v[1] == 2 && v[2] == 3 && v[3] == 1) {
            s->state = NHWC;
        } else {
            return nn_why(why, whylen, NN_EFORMAT, "%s: nnpipe reads a "
                          "Transpose from [N, H, W, C] to [N, C, H, W] after "
                          "the input's Reshape, or back before a Flatten",
                          place);
        }
    } else {                    /* Flatten */
        const Onnx__AttributeProto *a = attr(nd, "axis");

        if ((s->state != NCHW && s->state != NHWC) || (a && a->i != 1))
            return nn_why(why, whylen, NN_EFORMAT, "%s: nnpipe reads a "
                          "Flatten (axis 1) of an image only", place);
        s->chw = s->state == NCHW;
        s->width = s->img.w * s->img.h * s->img.c;
        s->state = FLAT;
    }
    return NN_OK;
}

/* Walk the nodes from the input: [Reshape, Transpose,] Conv, activation,
 * MaxPool, ..., [Transpose,] Flatten, Gemm, activation, ... */
static int get_chain(const Onnx__GraphProto *g, const char *x, int n_in,
                     struct layer *L, int *nl, nn_shape *in_img, char *why,
                     size_t whylen)
{
    char place[160];
    struct walk s = { 0 };
    int l = 0, err;

    s.x = x;
    s.width = n_in;
    for (size_t i = 0; i < g->n_node; i++) {
        const Onnx__NodeProto *nd = g->node[i];
        const char *op = nd->op_type ? nd->op_type : "";
        int weights = strcmp(op, "Gemm") == 0 || strcmp(op, "Conv") == 0;

        node_place(place, sizeof place, (int)i, nd);
        if (nd->domain && *nd->domain && strcmp(nd->domain, "ai.onnx"))
            return nn_why(why, whylen, NN_EFORMAT, "%s: operator domain "
                          "'%s' is not supported", place, nd->domain);
        if (nd->n_input < 1 || nd->n_output != 1
            || strcmp(nd->input[0], s.x) != 0)
            return nn_why(why, whylen, NN_EFORMAT, "%s: expected the input "
                          "'%s' and one output", place, s.x);
        if ((weights || strcmp(op, "MaxPool") == 0) && l == NN_MAX_LAYERS)
            return nn_why(why, whylen, NN_ELIMIT, "%s: more than %d layers",
                          place, NN_MAX_LAYERS);
        if (strcmp(op, "Reshape") == 0 || strcmp(op, "Transpose") == 0
            || strcmp(op, "Flatten") == 0) {
            if ((err = get_view(g, nd, &s, i == 0, place, why, whylen)))
                return err;
            s.x = nd->output[0];
            continue;
        }
        memset(&L[l], 0, sizeof L[l]);
        L[l].node = (int)i;
        L[l].act = -1;
        L[l].in = s.width;
        if (strcmp(op, "Gemm") == 0) {
            err = get_gemm(g, nd, &s, &L[l], place, why, whylen);
        } else if (strcmp(op, "Conv") == 0) {
            err = get_conv(g, nd, &s, &L[l], place, why, whylen);
        } else if (strcmp(op, "MaxPool") == 0) {
            err = as_nchw(&s, place, why, whylen);
            if (!err && nd->n_input != 1)
                err = nn_why(why, whylen, NN_EFORMAT, "%s: expected one "
                             "input and one output", place);
            if (!err && !(err = get_window(nd, 2, 1, &L[l].pad, place, why,
                                           whylen))) {
                L[l].type = NN_LAYER_MAXPOOL;
                s.img.h /= 2;
                s.img.w /= 2;
                if (s.img.h < 1 || s.img.w < 1)
                    err = nn_why(why, whylen, NN_ESHAPE, "%s: the image is "
                                 "smaller than 2x2", place);
            }
        } else {
            err = nn_why(why, whylen, NN_EFORMAT, "%s: operator %s is not "
                         "supported here (nnpipe reads Gemm and Conv, each "
                         "followed by Relu, Sigmoid, Tanh or Softmax, "
                         "MaxPool, and Reshape, Transpose and Flatten "
                         "between images and vectors)", place,
                         *op ? op : "''");
        }
        if (err)
            return err;
        s.x = nd->output[0];
        if (weights && (err = get_act(g, &i, &s.x, &L[l].act, &L[l].mul,
                                      why, whylen)))
            return err;
        if (s.state != FLAT) {
            long n = (long)s.img.w * s.img.h * s.img.c;

            if (n > NN_MAX_DIM)
                return nn_why(why, whylen, NN_ELIMIT, "%s: an image of "
                              "%ld values, more than %d", place, n,
                              NN_MAX_DIM);
            s.width = (int)n;
        }
        l++;
    }
    if (l == 0)
        return nn_why(why, whylen, NN_EFORMAT, "graph: no layers");
    if (L[l - 1].type != NN_LAYER_DENSE)
        return nn_why(why, whylen, NN_EFORMAT, "graph: the last layer is "
                      "not a Gemm (nnpipe's output layer is dense)");
    if (g->n_output != 1 || !g->output[0]->name
        || strcmp(g->output[0]->name, s.x) != 0)
        return nn_why(why, whylen, NN_EFORMAT, "graph.output: expected one "
                      "output, '%s', the last activation's", s.x);
    *nl = l;
    *in_img = s.in_img;
    return NN_OK;
}

/* Dense weights W (out x in, in nnpipe's order but for the columns of an
 * image flattened NCHW, (ci, y, x)) to nnpipe's channel-last (y, x, ci);
 * conv weights [O, C, k, k] to nnpipe's (o, ky, kx, ci).  t: room for n
 * floats. */
static void reorder(float *W, float *t, int n_o, nn_shape s)
{
    long n = (long)s.h * s.w * s.c;

    for (long o = 0; o < n_o; o++) {
        for (int ci = 0; ci < s.c; ci++)
            for (int y = 0; y < s.h; y++)
                for (int x = 0; x < s.w; x++)
                    t[o * n + ((long)y * s.w + x) * s.c + ci] =
                        W[o * n + ((long)ci * s.h + y) * s.w + x];
    }
    memcpy(W, t, (size_t)(n_o * n) * sizeof *t);
}

/* The weights and bias of layer l, checked by get_chain, into m. */
static int get_params(nn_model *m, int l, const struct layer *L,
                      const char *place, char *why, size_t whylen)
{
    float *W = m->params + m->w_off[l], *t;
    long dims[4], n;
    int in = L->in, o_n = L->out, err;
    nn_shape k = { L->kernel, L->kernel, m->shape[l].c };

    for (int d = 0; d < (int)L->W->n_dims; d++)
        dims[d] = L->W->dims[d];
    if ((err = get_floats(L->W, (int)L->W->n_dims, dims, W, place, why,
                          whylen)))
        return err;
    dims[0] = o_n;
    if (L->b && (err = get_floats(L->b, 1, dims, m->params + m->b_off[l],
                                  place, why, whylen)))
        return err;
    n = L->type == NN_LAYER_CONV ? (long)o_n * k.w * k.h * k.c
        : (long)in * o_n;
    if (!(t = malloc((size_t)n * sizeof *t)))
        return nn_why(why, whylen, NN_ENOMEM, "%s", nn_strerror(NN_ENOMEM));
    if (L->type == NN_LAYER_DENSE && !L->trans_b) {   /* [in, out] */
        for (long i = 0; i < in; i++)
            for (long o = 0; o < o_n; o++)
                t[o * in + i] = W[i * o_n + o];
        memcpy(W, t, (size_t)n * sizeof *t);
    }
    if (L->type == NN_LAYER_DENSE && L->chw.c)
        reorder(W, t, o_n, L->chw);
    if (L->type == NN_LAYER_CONV)
        reorder(W, t, o_n, k);
    free(t);
    return NN_OK;
}

/* Layer l's scales: Gemm's alpha and beta scale its weights and bias; a
 * Mul by s before the output's Softmax is a temperature 1/s (the
 * metadata's T when s is nnpipe's 1/T), elsewhere a scale of both. */
static int get_scale(nn_model *m, int l, const struct layer *L,
                     const char *t, char *why, size_t whylen)
{
    float *W = m->params + m->w_off[l], *b = m->params + m->b_off[l];
    float wa = L->alpha, ba = L->beta, T;
    int fan_in, units = nn_model_layer_units(m, l, &fan_in);

    if (L->type == NN_LAYER_MAXPOOL)
        return NN_OK;
    if (L->type == NN_LAYER_CONV)
        wa = ba = 1.0f;
    if (L->mul != 1.0f && l == m->nlayers - 1
        && m->output_act == NN_ACT_SOFTMAX) {
        m->temperature = 1.0f / L->mul;
        if (t) {
            if (nn_scan_float(t, t + strlen(t), &T) != NN_NUM_OK || !(T > 0))
                return nn_why(why, whylen, NN_EFORMAT, "metadata_props "
                              "'nnpipe.temperature': '%.40s' is not a "
                              "temperature above 0", t);
            if (L->mul == (float)(1.0 / T))
                m->temperature = T;
        }
    } else {
        wa *= L->mul;
        ba *= L->mul;
    }
    if (wa != 1.0f)
        for (long i = 0; i < (long)units * fan_in; i++)
            W[i] *= wa;
    if (ba != 1.0f)
        for (int o = 0; o < units; o++)
            b[o] *= ba;
    return NN_OK;
}

/* The model the checked chain L[0..nl-1] describes, its input the image
 * in_img (w 0: none). */
static int make_model(nn_model **out, const Onnx__ModelProto *mp,
                      const struct layer *L, int nl, nn_shape in_img,
                      char *why, size_t whylen)
{
    const Onnx__GraphProto *g = mp->graph;
    int sizes[NN_MAX_LAYERS + 1], err, l, hidden = -1, images = 0;
    const char *classes = meta_value(mp, "classes");
    const char *cost = meta_value(mp, "nnpipe.cost");
    char place[160];
    nn_model *m;
    nn_arch a = { 0 };
    nn_layer_spec spec[NN_MAX_LAYERS];

    a.cost = cost ? nn_cost_parse(cost) : NN_COST_CE;
    if (a.cost < 0)
        return nn_why(why, whylen, NN_EFORMAT, "metadata_props "
                      "'nnpipe.cost': unknown cost '%.40s'", cost);
    for (l = 0; l < nl; l++) {
        int ok;

        if (l < nl - 1 && L[l].act >= 0 && hidden < 0)
            hidden = L[l].act;
        ok = l == nl - 1 ? nn_act_output(L[l].act)
             : L[l].act < 0 || (nn_act_hidden(L[l].act)
                                && L[l].act == hidden);
        if (!ok)
            return nn_why(why, whylen, NN_EFORMAT, "%s: %s %s", node_place(
                          place, sizeof place, L[l].node + 1,
                          g->node[L[l].node + 1]), l == nl - 1
                          ? "the output must be Softmax or Sigmoid"
                          : "hidden layers must be Relu, Sigmoid or Tanh",
                          l < nl - 1 && nn_act_hidden(L[l].act)
                          ? "(and all the same)" : "");
        spec[l].type = L[l].type;
        spec[l].size = L[l].out;
        spec[l].kernel = L[l].kernel;
        spec[l].pad = L[l].pad;
        images += L[l].type != NN_LAYER_DENSE;
        sizes[l] = L[l].in;
        sizes[l + 1] = L[l].out;
    }
    if (sizes[nl] > NN_MAX_CLASSES)
        return nn_why(why, whylen, NN_ELIMIT, "graph.output: %d classes, "
                      "more than the limit (%d)", sizes[nl], NN_MAX_CLASSES);
    a.nlayers = nl + 1;
    a.sizes = sizes;
    a.hidden = images ? spec : NULL;
    a.width = in_img.w;
    a.height = in_img.h;
    a.hidden_act = hidden >= 0 ? hidden : NN_ACT_SIGMOID;
    a.output_act = L[nl - 1].act;
    a.init = NN_INIT_DEFAULT;
    if ((err = nn_model_blank(&m, &a, 0, why, whylen)))
        return err == NN_EINVAL ? NN_EFORMAT : err;
    for (l = 0; l < nl; l++) {
        node_place(place, sizeof place, L[l].node, g->node[L[l].node]);
        if (L[l].type != NN_LAYER_MAXPOOL
            && (err = get_params(m, l, &L[l], place, why, whylen)))
            goto fail;
    }
    for (l = 0; l < nl; l++)
        if ((err = get_scale(m, l, &L[l], meta_value(mp, "nnpipe.temperature"),
                             why, whylen)))
            goto fail;
    if (classes && (err = get_classes(m, classes, why, whylen)))
        goto fail;
    *out = m;
    return NN_OK;
fail:
    nn_model_free(m);
    return err;
}

int nn_onnx_read(nn_model **out, const uint8_t *buf, size_t len, char *why,
                 size_t whylen)
{
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, len, buf);
    struct layer L[NN_MAX_LAYERS];
    nn_shape in_img = { 0, 0, 0 };
    const char *x = NULL;
    int64_t opset = -1;
    int n_in = 0, nl = 0, err;

    *out = NULL;
    if (!mp)
        return bad_protobuf(buf, len, why, whylen);
    for (size_t i = 0; i < mp->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *s = mp->opset_import[i];

        if (!s->domain || !*s->domain || strcmp(s->domain, "ai.onnx") == 0)
            opset = s->version;
    }
    /* Protobuf has no end mark: a file cut between two fields parses.
     * nnpipe writes "nnpipe.cost" last, so that such a cut shows. */
    if (mp->producer_name && strcmp(mp->producer_name, "nnpipe") == 0
        && !meta_value(mp, "nnpipe.cost"))
        err = nn_why(why, whylen, NN_EFORMAT, "not a complete ONNX model: "
                     "no metadata 'nnpipe.cost', which nnpipe writes last "
                     "(truncated file?)");
    else if (!mp->graph)
        err = nn_why(why, whylen, NN_EFORMAT, "not an ONNX model, or a cut "
                     "one: no graph");
    else if (opset < 7)
        err = nn_why(why, whylen, NN_EFORMAT, "opset_import: %s (this "
                     "reader takes opset 7 and later)", opset < 0
                     ? "no ai.onnx operator set" : "an operator set before 7");
    else if (!(err = get_input(mp->graph, &x, &n_in, why, whylen))
             && !(err = get_chain(mp->graph, x, n_in, L, &nl, &in_img,
                                   why, whylen)))
        err = make_model(out, mp, L, nl, in_img, why, whylen);
    onnx__model_proto__free_unpacked(mp, NULL);
    return err;
}
