/* model_onnx_write.c - an nn_model as an ONNX model (the mapping is in
 * model_onnx.h): every message in one struct, serialised by protoc-c. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_onnx.h"

#define OPSET 13
#define IR_VERSION 7            /* the IR of opset 13 (ONNX 1.8) */
#define MAX_NODES (2 * NN_MAX_LAYERS + 4)
#define MAX_ATTRS 3              /* a node's: Conv's kernel_shape, pads, strides */

/* Every message of the model lives in one struct, pointing at
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
    Onnx__AttributeProto attr[MAX_NODES][MAX_ATTRS];
    Onnx__AttributeProto *attrs[MAX_NODES][MAX_ATTRS];
    int64_t ints[MAX_NODES][MAX_ATTRS][4];      /* the attributes' lists */
    Onnx__TensorProto tensor[MAX_NODES], *tensors[MAX_NODES];
    int64_t tdims[MAX_NODES][4];
    int64_t image_shape[4];     /* Reshape's: [-1, H, W, C] */
    char names[4 * MAX_NODES][24];      /* tensors' and nodes' names */
    char *node_in[MAX_NODES][3], *node_out[MAX_NODES];
    struct io_value in, out;
    Onnx__ValueInfoProto *ins[1], *outs[1];
    Onnx__StringStringEntryProto meta[3], *metas[3];
    char temperature[NN_NUM_CHARS];
    float scale;                /* 1 / temperature */
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

static void to_le(uint8_t *dst, const float *src, long n)
{
    for (long i = 0; i < n; i++) {
        uint32_t u;

        memcpy(&u, &src[i], 4);
        for (int b = 0; b < 4; b++)
            dst[4 * i + b] = (uint8_t)(u >> (8 * b));
    }
}

/* An initializer of nd dims (1 to 4): the floats of the parameter block
 * from off. */
static char *add_tensor(struct onnx_out *o, const char *name, long off,
                        int nd, const int64_t *dims)
{
    Onnx__TensorProto t = ONNX__TENSOR_PROTO__INIT;
    int i = o->n_tensor++;
    size_t n = 1;

    for (int d = 0; d < nd; d++)
        n *= (size_t)(o->tdims[i][d] = dims[d]);
    t.n_dims = (size_t)nd;
    t.dims = o->tdims[i];
    t.has_data_type = 1;
    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    t.name = (char *)name;
    t.has_raw_data = 1;
    t.raw_data.len = n * 4;
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

/* An attribute of node nd: the integer v[0] (n = 0) or the list v[0 ..
 * n-1] (n 1 to 4). */
static void add_attr(struct onnx_out *o, Onnx__NodeProto *nd,
                     const char *name, const int64_t *v, int n)
{
    Onnx__AttributeProto a = ONNX__ATTRIBUTE_PROTO__INIT;
    long i = nd - o->node;
    size_t j = nd->n_attribute++;

    a.name = (char *)name;
    a.has_type = 1;
    if (n < 0) {                /* one float, in *(const float *)v */
        a.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
        a.has_f = 1;
        a.f = *(const float *)v;
    } else if (n == 0) {
        a.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
        a.has_i = 1;
        a.i = v[0];
    } else {
        a.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
        memcpy(o->ints[i][j], v, (size_t)n * sizeof *v);
        a.n_ints = (size_t)n;
        a.ints = o->ints[i][j];
    }
    o->attr[i][j] = a;
    o->attrs[i][j] = &o->attr[i][j];
    nd->attribute = o->attrs[i];
}

/* A Transpose of the 4-dimensional *x by perm to y; *x becomes y. */
static void put_transpose(struct onnx_out *o, const char *name,
                          const int64_t *perm, char **x, char *y)
{
    add_attr(o, add_node(o, "Transpose", name, x, 1, y), "perm", perm, 4);
    *x = y;
}

/* The calibration, softmax(z / T): *z times 1/T (a Mul by a scalar
 * initializer, which every runtime reads; OpenCV 4.6 ignores Gemm's alpha
 * and beta), T itself in the metadata for nnpipe to read back exactly. */
static void put_scale(struct onnx_out *o, const nn_model *m, int l, char **z)
{
    Onnx__TensorProto t = ONNX__TENSOR_PROTO__INIT;
    int i = o->n_tensor++;
    char *in[2] = { *z, "calibration.scale" };

    o->scale = (float)(1.0 / m->temperature);
    t.n_dims = 0;               /* a scalar */
    t.has_data_type = 1;
    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    t.name = in[1];
    t.n_float_data = 1;
    t.float_data = &o->scale;
    o->tensor[i] = t;
    o->tensors[i] = &o->tensor[i];
    *z = new_name(o, "dense%d.scaled", l);
    add_node(o, "Mul", new_name(o, "dense%d.scale", l), in, 2, *z);
}

/* The flat input *x as the NCHW image of layer size 0. */
static void put_image(struct onnx_out *o, const nn_model *m, char **x)
{
    static const int64_t to_nchw[4] = { 0, 3, 1, 2 };
    Onnx__TensorProto t = ONNX__TENSOR_PROTO__INIT;
    int i = o->n_tensor++;
    char *in[2] = { *x, "image.shape" };

    o->image_shape[0] = -1;
    o->image_shape[1] = m->shape[0].h;
    o->image_shape[2] = m->shape[0].w;
    o->image_shape[3] = m->shape[0].c;
    o->tdims[i][0] = 4;
    t.n_dims = 1;
    t.dims = o->tdims[i];
    t.has_data_type = 1;
    t.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    t.name = in[1];
    t.n_int64_data = 4;
    t.int64_data = o->image_shape;
    o->tensor[i] = t;
    o->tensors[i] = &o->tensor[i];
    add_node(o, "Reshape", "image", in, 2, "image.nhwc");
    *x = "image.nhwc";
    put_transpose(o, "image.to_nchw", to_nchw, x, "image.nchw");
}

/* The NCHW image *x, before dense layer l, as nnpipe's flat vector. */
static void put_flatten(struct onnx_out *o, int l, char **x)
{
    static const int64_t to_nhwc[4] = { 0, 2, 3, 1 };
    static const int64_t axis = 1;
    char *y = new_name(o, "flatten%d", l);

    put_transpose(o, new_name(o, "to_nhwc%d", l), to_nhwc, x,
                  new_name(o, "to_nhwc%d.out", l));
    add_attr(o, add_node(o, "Flatten", y, x, 1, y), "axis", &axis, 0);
    *x = y;
}

/* Conv layer l as a Conv and the hidden activation, its weights in the
 * little-endian block reordered from (o, ky, kx, ci) to [O, C, k, k]. */
static void put_conv(struct onnx_out *o, const nn_model *m, int l, char **x)
{
    int k = m->kernel[l], c = m->shape[l].c, n_o = m->shape[l + 1].c;
    int64_t p = m->pad[l] == NN_PAD_SAME ? k / 2 : 0;
    int64_t wdims[4] = { n_o, c, k, k }, kk[2] = { k, k }, one[2] = { 1, 1 };
    int64_t pads[4] = { p, p, p, p };
    const float *W = m->params + m->w_off[l];
    uint8_t *le = o->le + m->w_off[l] * 4;
    char *in[3], *z, *y;
    Onnx__NodeProto *nd;

    for (int u = 0; u < n_o; u++)
        for (int ci = 0; ci < c; ci++)
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++)
                    to_le(le + 4 * (((long)(u * c + ci) * k + ky) * k + kx),
                          &W[((long)(u * k + ky) * k + kx) * c + ci], 1);
    in[0] = *x;
    in[1] = add_tensor(o, new_name(o, "conv%d.weight", l), m->w_off[l], 4,
                       wdims);
    in[2] = add_tensor(o, new_name(o, "conv%d.bias", l), m->b_off[l], 1,
                       &wdims[0]);
    z = new_name(o, "conv%d.z", l);
    nd = add_node(o, "Conv", new_name(o, "conv%d", l), in, 3, z);
    add_attr(o, nd, "kernel_shape", kk, 2);
    add_attr(o, nd, "pads", pads, 4);
    add_attr(o, nd, "strides", one, 2);
    y = new_name(o, "conv%d.out", l);
    add_node(o, act_op[m->hidden_act], new_name(o, "conv%d.act", l), &z, 1,
             y);
    *x = y;
}

static void put_maxpool(struct onnx_out *o, int l, char **x)
{
    static const int64_t two[2] = { 2, 2 };
    char *y = new_name(o, "maxpool%d", l);
    Onnx__NodeProto *nd = add_node(o, "MaxPool", y, x, 1, y);

    add_attr(o, nd, "kernel_shape", two, 2);
    add_attr(o, nd, "strides", two, 2);
    *x = y;
}

/* Weight layer l of m as a Gemm and its activation, from the tensor *x;
 * *x becomes the layer's output. */
static void put_dense(struct onnx_out *o, const nn_model *m, int l, char **x)
{
    int last = l == m->nlayers - 1;
    int act = last ? m->output_act : m->hidden_act;
    int64_t dims[2] = { m->sizes[l + 1], m->sizes[l] }, one = 1;
    char *in[3], *z, *y;
    Onnx__NodeProto *nd;

    in[0] = *x;
    in[1] = add_tensor(o, new_name(o, "dense%d.weight", l), m->w_off[l], 2,
                       dims);
    in[2] = add_tensor(o, new_name(o, "dense%d.bias", l), m->b_off[l], 1,
                       dims);
    z = new_name(o, "dense%d.z", l);
    nd = add_node(o, "Gemm", new_name(o, "dense%d", l), in, 3, z);
    add_attr(o, nd, "transB", &one, 0);
    if (last && act == NN_ACT_SOFTMAX && m->temperature != 1.0f)
        put_scale(o, m, l, &z);
    y = last ? OUTPUT_NAME : new_name(o, "dense%d.out", l);
    nd = add_node(o, act_op[act], new_name(o, "dense%d.act", l), &z, 1,
                  y);
    if (act == NN_ACT_SOFTMAX)
        add_attr(o, nd, "axis", &one, 0);
    *x = y;
}

static int put_layers(struct onnx_out *o, const nn_model *m, char *why,
                      size_t whylen)
{
    char *x = INPUT_NAME;
    int image = 0;              /* x is an NCHW image */

    for (int l = 0; l < m->nlayers; l++) {
        int type = nn_model_layer_type(m, l);

        if (type != NN_LAYER_DENSE && !image)
            put_image(o, m, &x);
        else if (type == NN_LAYER_DENSE && image)
            put_flatten(o, l, &x);
        image = type != NN_LAYER_DENSE;
        switch (type) {     /* one case a type */
        case NN_LAYER_DENSE:
            put_dense(o, m, l, &x);
            break;
        case NN_LAYER_CONV:
            put_conv(o, m, l, &x);
            break;
        case NN_LAYER_MAXPOOL:
            put_maxpool(o, l, &x);
            break;
        default:
            return nn_why(why, whylen, NN_EINVAL, "layers[%d]: a %s layer, "
                          "which the ONNX writer does not write", l,
                          nn_layer_name(type));
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
    if (m->temperature != 1.0f && m->output_act == NN_ACT_SOFTMAX) {
        nn_format_float(o->temperature, m->temperature, 1);
        o->meta[n] = e;
        o->meta[n].key = "nnpipe.temperature";
        o->meta[n++].value = o->temperature;
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
