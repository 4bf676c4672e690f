/* model_onnx.c - ONNX models (opset 13), both ways, through the C code
 * protoc-c generates at build time from Debian's onnx.proto (lib/gen/).
 * A dense layer is a Gemm (weights [out, in] with transB = 1, the bias
 * [out]) followed by its activation, Relu, Sigmoid, Tanh, or Softmax over
 * axis 1; the graph's one input is "input" [N, n_in], its output
 * "probabilities" [N, classes]; the class names are the metadata entry
 * "classes" (a JSON array of strings), the cost "nnpipe.cost".  The reader
 * takes that operator subset back, from other programs too. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"
#include "gen/onnx.pb-c.h"

#define OPSET 13
#define IR_VERSION 7            /* the IR of opset 13 (ONNX 1.8) */
#define MAX_NODES (2 * NN_MAX_LAYERS)
#define INPUT_NAME "input"
#define OUTPUT_NAME "probabilities"

static const char *const act_op[] = {
    [NN_ACT_SIGMOID] = "Sigmoid", [NN_ACT_RELU] = "Relu",
    [NN_ACT_TANH] = "Tanh", [NN_ACT_SOFTMAX] = "Softmax",
};
#define N_ACTS ((int)(sizeof act_op / sizeof act_op[0]))

/* ------------------------------------------------------------------------ */
/* Writing.  Every message of the model lives in one struct, pointing at
 * its strings and at the weights as little-endian bytes. */

typedef Onnx__TensorShapeProto__Dimension Dim;

struct io_value {               /* a graph input or output, float [N, n] */
    Onnx__ValueInfoProto info;
    Onnx__TypeProto type;
    Onnx__TypeProto__Tensor tensor;
    Onnx__TensorShapeProto shape;
    Dim dim[2], *dims[2];
};

struct onnx_out {
    Onnx__ModelProto model;
    Onnx__OperatorSetIdProto opset, *opsets[1];
    Onnx__GraphProto graph;
    Onnx__NodeProto node[MAX_NODES], *nodes[MAX_NODES];
    Onnx__AttributeProto attr[MAX_NODES], *attrs[MAX_NODES];
    Onnx__TensorProto tensor[MAX_NODES], *tensors[MAX_NODES];
    int64_t tdims[MAX_NODES][2];
    char names[3 * MAX_NODES][24];      /* tensors' and nodes' names */
    char *node_in[MAX_NODES][3], *node_out[MAX_NODES];
    struct io_value in, out;
    Onnx__ValueInfoProto *ins[1], *outs[1];
    Onnx__StringStringEntryProto meta[2], *metas[2];
    nn_jw classes;
    uint8_t *le;                /* the parameters, little-endian float32 */
    int n_node, n_tensor, n_name;
};

static char *new_name(struct onnx_out *o, const char *fmt, int l)
{
    char *s = o->names[o->n_name++];

    snprintf(s, sizeof o->names[0], fmt, l);
    return s;
}

static void io_value(struct io_value *v, const char *name, int n)
{
    Onnx__ValueInfoProto info = ONNX__VALUE_INFO_PROTO__INIT;
    Onnx__TypeProto type = ONNX__TYPE_PROTO__INIT;
    Onnx__TypeProto__Tensor tensor = ONNX__TYPE_PROTO__TENSOR__INIT;
    Onnx__TensorShapeProto shape = ONNX__TENSOR_SHAPE_PROTO__INIT;
    Dim d = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;

    v->dim[0] = v->dim[1] = d;
    v->dim[0].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
    v->dim[0].dim_param = "N";
    v->dim[1].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    v->dim[1].dim_value = n;
    v->dims[0] = &v->dim[0];
    v->dims[1] = &v->dim[1];
    v->shape = shape;
    v->shape.n_dim = 2;
    v->shape.dim = v->dims;
    v->tensor = tensor;
    v->tensor.has_elem_type = 1;
    v->tensor.elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    v->tensor.shape = &v->shape;
    v->type = type;
    v->type.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    v->type.tensor_type = &v->tensor;
    v->info = info;
    v->info.name = (char *)name;
    v->info.type = &v->type;
}

/* An initializer: n floats of the parameter block from off, dims d0 (and
 * d1 unless 0). */
static char *add_tensor(struct onnx_out *o, const char *name, long off,
                        long d0, long d1)
{
    Onnx__TensorProto t = ONNX__TENSOR_PROTO__INIT;
    int i = o->n_tensor++;

    o->tdims[i][0] = d0;
    o->tdims[i][1] = d1;
    t.n_dims = d1 ? 2 : 1;
    t.dims = o->tdims[i];
    t.has_data_type = 1;
    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    t.name = (char *)name;
    t.has_raw_data = 1;
    t.raw_data.len = (size_t)(d0 * (d1 ? d1 : 1)) * 4;
    t.raw_data.data = o->le + off * 4;
    o->tensor[i] = t;
    o->tensors[i] = &o->tensor[i];
    return t.name;
}

/* A node op_type from the tensors in[0..n_in-1] to out. */
static Onnx__NodeProto *add_node(struct onnx_out *o, const char *op,
                                 const char *name, char **in, int n_in,
                                 char *out)
{
    Onnx__NodeProto nd = ONNX__NODE_PROTO__INIT;
    int i = o->n_node++;

    memcpy(o->node_in[i], in, (size_t)n_in * sizeof *in);
    o->node_out[i] = out;
    nd.n_input = (size_t)n_in;
    nd.input = o->node_in[i];
    nd.n_output = 1;
    nd.output = &o->node_out[i];
    nd.name = (char *)name;
    nd.op_type = (char *)op;
    o->node[i] = nd;
    o->nodes[i] = &o->node[i];
    return &o->node[i];
}

/* An integer attribute of node nd (one a node at most). */
static void set_int_attr(struct onnx_out *o, Onnx__NodeProto *nd,
                         const char *name, int64_t v)
{
    Onnx__AttributeProto a = ONNX__ATTRIBUTE_PROTO__INIT;
    long i = nd - o->node;

    a.name = (char *)name;
    a.has_type = 1;
    a.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    a.has_i = 1;
    a.i = v;
    o->attr[i] = a;
    o->attrs[i] = &o->attr[i];
    nd->n_attribute = 1;
    nd->attribute = &o->attrs[i];
}

/* Weight layer l of m as a Gemm and its activation, from the tensor *x;
 * *x becomes the layer's output. */
static void put_dense(struct onnx_out *o, const nn_model *m, int l, char **x)
{
    int last = l == m->nlayers - 1;
    int act = last ? m->output_act : m->hidden_act;
    char *in[3], *z, *y;
    Onnx__NodeProto *nd;

    in[0] = *x;
    in[1] = add_tensor(o, new_name(o, "dense%d.weight", l), m->w_off[l],
                       m->sizes[l + 1], m->sizes[l]);
    in[2] = add_tensor(o, new_name(o, "dense%d.bias", l), m->b_off[l],
                       m->sizes[l + 1], 0);
    z = new_name(o, "dense%d.z", l);
    nd = add_node(o, "Gemm", new_name(o, "dense%d", l), in, 3, z);
    set_int_attr(o, nd, "transB", 1);
    y = last ? OUTPUT_NAME : new_name(o, "dense%d.out", l);
    nd = add_node(o, act_op[act], act_op[act], &z, 1, y);
    if (act == NN_ACT_SOFTMAX)
        set_int_attr(o, nd, "axis", 1);
    *x = y;
}

static int put_layers(struct onnx_out *o, const nn_model *m, char *why,
                      size_t whylen)
{
    char *x = INPUT_NAME;

    for (int l = 0; l < m->nlayers; l++) {
        switch (nn_model_layer_type(m, l)) {     /* one case a type */
        case NN_LAYER_DENSE:
            put_dense(o, m, l, &x);
            break;
        default:
            return nn_why(why, whylen, NN_EINVAL, "layers[%d]: a %s layer, "
                          "which the ONNX writer does not write yet", l,
                          nn_layer_name(nn_model_layer_type(m, l)));
        }
    }
    return NN_OK;
}

/* The metadata: class names (when m has them) and the cost. */
static int put_meta(struct onnx_out *o, const nn_model *m)
{
    Onnx__StringStringEntryProto e = ONNX__STRING_STRING_ENTRY_PROTO__INIT;
    int n = 0;

    if (m->class_names) {
        nn_jw_open(&o->classes, NULL, 0, 1);
        for (int i = 0; i < m->sizes[m->nlayers]; i++)
            nn_jw_str(&o->classes, NULL, m->class_names[i]);
        nn_jw_close(&o->classes);
        if (o->classes.err)
            return o->classes.err;
        o->classes.p[o->classes.len - 1] = '\0';     /* the newline */
        o->meta[n] = e;
        o->meta[n].key = "classes";
        o->meta[n++].value = o->classes.p;
    }
    o->meta[n] = e;
    o->meta[n].key = "nnpipe.cost";
    o->meta[n++].value = (char *)nn_cost_name(m->cost);
    for (int i = 0; i < n; i++)
        o->metas[i] = &o->meta[i];
    o->model.n_metadata_props = (size_t)n;
    o->model.metadata_props = o->metas;
    return NN_OK;
}

static void to_le(uint8_t *dst, const float *src, long n)
{
    for (long i = 0; i < n; i++) {
        uint32_t u;

        memcpy(&u, &src[i], 4);
        for (int b = 0; b < 4; b++)
            dst[4 * i + b] = (uint8_t)(u >> (8 * b));
    }
}

int nn_onnx_write(FILE *fp, const void *arg, char *why, size_t whylen)
{
    const nn_model *m = arg;
    Onnx__ModelProto model = ONNX__MODEL_PROTO__INIT;
    Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
    Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT;
    struct onnx_out *o = calloc(1, sizeof *o);
    uint8_t *buf = NULL;
    size_t len;
    int err = NN_ENOMEM;

    if (!o || !(o->le = malloc((size_t)m->n_params * 4)))
        goto done;
    to_le(o->le, m->params, m->n_params);
    o->model = model;
    o->graph = graph;
    o->opset = opset;
    o->opset.domain = "";
    o->opset.has_version = 1;
    o->opset.version = OPSET;
    o->opsets[0] = &o->opset;
    io_value(&o->in, INPUT_NAME, m->sizes[0]);
    io_value(&o->out, OUTPUT_NAME, m->sizes[m->nlayers]);
    o->ins[0] = &o->in.info;
    o->outs[0] = &o->out.info;
    if ((err = put_layers(o, m, why, whylen)) || (err = put_meta(o, m)))
        goto done;
    o->graph.name = "nnpipe";
    o->graph.n_node = (size_t)o->n_node;
    o->graph.node = o->nodes;
    o->graph.n_initializer = (size_t)o->n_tensor;
    o->graph.initializer = o->tensors;
    o->graph.n_input = 1;
    o->graph.input = o->ins;
    o->graph.n_output = 1;
    o->graph.output = o->outs;
    o->model.has_ir_version = 1;
    o->model.ir_version = IR_VERSION;
    o->model.n_opset_import = 1;
    o->model.opset_import = o->opsets;
    o->model.producer_name = "nnpipe";
    o->model.producer_version = NN_VERSION;
    o->model.graph = &o->graph;
    len = onnx__model_proto__get_packed_size(&o->model);
    err = NN_ENOMEM;
    if (!(buf = malloc(len ? len : 1)))
        goto done;
    onnx__model_proto__pack(&o->model, buf);
    err = nn_write_all(fp, buf, len, why, whylen);
done:
    if (err == NN_ENOMEM)
        nn_why(why, whylen, err, "%s", nn_strerror(err));
    free(buf);
    if (o) {
        free(o->classes.p);
        free(o->le);
    }
    free(o);
    return err;
}

/* ------------------------------------------------------------------------ */
/* Reading. */

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

/* Initializer t as n floats into dst (NULL: only check), its dims being
 * d0 x d1 (d1 = 0: [d0]; a bias [1, d0] is taken too). */
static int get_floats(const Onnx__TensorProto *t, long d0, long d1,
                      float *dst, const char *place, char *why,
                      size_t whylen)
{
    long n = d0 * (d1 ? d1 : 1);
    int shape_ok = d1 ? t->n_dims == 2 && t->dims[0] == d0 && t->dims[1] == d1
        : (t->n_dims == 1 && t->dims[0] == d0)
          || (t->n_dims == 2 && t->dims[0] == 1 && t->dims[1] == d0);

    if (t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
        return nn_why(why, whylen, NN_EFORMAT, "%s: tensor '%s' has data "
                      "type %d, not float (1)", place, t->name, t->data_type);
    if (t->has_data_location
        && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return nn_why(why, whylen, NN_EFORMAT, "%s: tensor '%s' is kept in "
                      "an external file (not supported)", place, t->name);
    if (!shape_ok) {
        char want[64];

        if (d1)
            snprintf(want, sizeof want, "[%ld, %ld]", d0, d1);
        else
            snprintf(want, sizeof want, "[%ld]", d0);
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
 * knows, with a value it handles: Gemm's alpha and beta 1, transA 0;
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
            ok = a->has_f && a->f == 1.0f;
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
struct gemm {
    const Onnx__TensorProto *W, *b;
    int trans_b, in, out, act, node;
};

/* Walk the nodes from the input: Gemm, activation, Gemm, ... */
static int get_chain(const Onnx__GraphProto *g, const char *x, int n_in,
                     struct gemm *L, int *nl, char *why, size_t whylen)
{
    char place[160];
    int width = n_in, l = 0;
    size_t i = 0;

    while (i < g->n_node) {
        const Onnx__NodeProto *nd = g->node[i];
        const Onnx__AttributeProto *tb;
        const char *op = nd->op_type ? nd->op_type : "";
        int err, a;

        node_place(place, sizeof place, (int)i, nd);
        if (nd->domain && *nd->domain && strcmp(nd->domain, "ai.onnx"))
            return nn_why(why, whylen, NN_EFORMAT, "%s: operator domain "
                          "'%s' is not supported", place, nd->domain);
        if (strcmp(op, "Gemm") != 0)
            return nn_why(why, whylen, NN_EFORMAT, "%s: operator %s is not "
                          "supported here (nnpipe reads Gemm, each followed "
                          "by Relu, Sigmoid, Tanh or Softmax)", place,
                          *op ? op : "''");
        if (l == NN_MAX_LAYERS)
            return nn_why(why, whylen, NN_ELIMIT, "%s: more than %d layers",
                          place, NN_MAX_LAYERS);
        if (nd->n_input < 2 || nd->n_input > 3 || nd->n_output != 1
            || strcmp(nd->input[0], x) != 0)
            return nn_why(why, whylen, NN_EFORMAT, "%s: expected the inputs "
                          "'%s', weights and bias, and one output", place, x);
        if ((err = check_attrs(nd, place, why, whylen)))
            return err;
        tb = attr(nd, "transB");
        L[l].trans_b = tb && tb->has_i && tb->i;
        L[l].W = find_init(g, nd->input[1]);
        L[l].b = nd->n_input == 3 && *nd->input[2]
                 ? find_init(g, nd->input[2]) : NULL;
        if (!L[l].W || (nd->n_input == 3 && *nd->input[2] && !L[l].b))
            return nn_why(why, whylen, NN_EFORMAT, "%s: the weights and bias "
                          "must be initializers", place);
        if (L[l].W->n_dims != 2 || L[l].W->dims[0] < 1 || L[l].W->dims[1] < 1
            || L[l].W->dims[0] > NN_MAX_DIM || L[l].W->dims[1] > NN_MAX_DIM)
            return nn_why(why, whylen, NN_ESHAPE, "%s: weights '%s' are not "
                          "a matrix of 1 to %d rows and columns", place,
                          L[l].W->name, NN_MAX_DIM);
        L[l].in = (int)L[l].W->dims[L[l].trans_b];
        L[l].out = (int)L[l].W->dims[!L[l].trans_b];
        if (width && L[l].in != width)
            return nn_why(why, whylen, NN_ESHAPE, "%s: weights for %d "
                          "inputs, but '%s' has %d values", place, L[l].in,
                          x, width);
        if ((err = get_floats(L[l].W, L[l].W->dims[0], L[l].W->dims[1],
                              NULL, place, why, whylen))
            || (L[l].b && (err = get_floats(L[l].b, L[l].out, 0, NULL, place,
                                            why, whylen))))
            return err;
        L[l].node = (int)i;
        x = nd->output[0];
        if (++i == g->n_node)
            return nn_why(why, whylen, NN_EFORMAT, "%s: no activation "
                          "follows (every nnpipe layer has one)", place);
        nd = g->node[i];
        op = nd->op_type ? nd->op_type : "";
        node_place(place, sizeof place, (int)i, nd);
        for (a = 0; a < N_ACTS && strcmp(op, act_op[a]); a++)
            ;
        if (a == N_ACTS)
            return nn_why(why, whylen, NN_EFORMAT, "%s: operator %s is not "
                          "supported here (after a Gemm nnpipe reads Relu, "
                          "Sigmoid, Tanh or Softmax)", place,
                          *op ? op : "''");
        if (nd->n_input != 1 || nd->n_output != 1
            || strcmp(nd->input[0], x) != 0)
            return nn_why(why, whylen, NN_EFORMAT, "%s: expected one input, "
                          "'%s', and one output", place, x);
        if ((err = check_attrs(nd, place, why, whylen)))
            return err;
        L[l].act = a;
        x = nd->output[0];
        width = L[l++].out;
        i++;
    }
    if (l == 0)
        return nn_why(why, whylen, NN_EFORMAT, "graph: no layers");
    if (g->n_output != 1 || !g->output[0]->name
        || strcmp(g->output[0]->name, x) != 0)
        return nn_why(why, whylen, NN_EFORMAT, "graph.output: expected one "
                      "output, '%s', the last activation's", x);
    *nl = l;
    return NN_OK;
}

/* The model the checked chain L[0..nl-1] describes. */
static int make_model(nn_model **out, const Onnx__ModelProto *mp,
                      const struct gemm *L, int nl, char *why, size_t whylen)
{
    const Onnx__GraphProto *g = mp->graph;
    int sizes[NN_MAX_LAYERS + 1], err, l;
    const char *classes = meta_value(mp, "classes");
    const char *cost = meta_value(mp, "nnpipe.cost");
    char place[160];
    nn_model *m;
    nn_arch a = { 0 };

    a.cost = cost ? nn_cost_parse(cost) : NN_COST_CE;
    if (a.cost < 0)
        return nn_why(why, whylen, NN_EFORMAT, "metadata_props "
                      "'nnpipe.cost': unknown cost '%.40s'", cost);
    for (l = 0; l < nl; l++) {
        int ok = l == nl - 1 ? nn_act_output(L[l].act)
                 : nn_act_hidden(L[l].act) && L[l].act == L[0].act;

        if (!ok)
            return nn_why(why, whylen, NN_EFORMAT, "%s: %s %s", node_place(
                          place, sizeof place, L[l].node + 1,
                          g->node[L[l].node + 1]), l == nl - 1
                          ? "the output must be Softmax or Sigmoid"
                          : "hidden layers must be Relu, Sigmoid or Tanh",
                          l < nl - 1 && nn_act_hidden(L[l].act)
                          ? "(and all the same)" : "");
        sizes[l] = L[l].in;
        sizes[l + 1] = L[l].out;
    }
    if (sizes[nl] > NN_MAX_CLASSES)
        return nn_why(why, whylen, NN_ELIMIT, "graph.output: %d classes, "
                      "more than the limit (%d)", sizes[nl], NN_MAX_CLASSES);
    a.nlayers = nl + 1;
    a.sizes = sizes;
    a.hidden_act = nl > 1 ? L[0].act : NN_ACT_SIGMOID;
    a.output_act = L[nl - 1].act;
    a.init = NN_INIT_DEFAULT;
    if ((err = nn_model_blank(&m, &a, 0, why, whylen)))
        return err == NN_EINVAL ? NN_EFORMAT : err;
    for (l = 0; l < nl; l++) {
        float *W = m->params + m->w_off[l];
        int in = L[l].in, o_n = L[l].out;

        node_place(place, sizeof place, L[l].node, g->node[L[l].node]);
        if ((err = get_floats(L[l].W, L[l].W->dims[0], L[l].W->dims[1], W,
                              place, why, whylen))
            || (L[l].b && (err = get_floats(L[l].b, o_n, 0,
                                            m->params + m->b_off[l], place,
                                            why, whylen))))
            goto fail;
        if (!L[l].trans_b) {            /* [in, out]: to nnpipe's [out, in] */
            float *t = malloc((size_t)in * o_n * sizeof *t);

            if (!t) {
                err = nn_why(why, whylen, NN_ENOMEM, "%s",
                             nn_strerror(NN_ENOMEM));
                goto fail;
            }
            for (long i = 0; i < in; i++)
                for (long o = 0; o < o_n; o++)
                    t[o * in + i] = W[i * o_n + o];
            memcpy(W, t, (size_t)in * o_n * sizeof *t);
            free(t);
        }
    }
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
    struct gemm L[NN_MAX_LAYERS];
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
             && !(err = get_chain(mp->graph, x, n_in, L, &nl, why, whylen)))
        err = make_model(out, mp, L, nl, why, whylen);
    onnx__model_proto__free_unpacked(mp, NULL);
    return err;
}
