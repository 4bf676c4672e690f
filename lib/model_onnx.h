/* model_onnx.h - ONNX models (opset 13), both ways, through the C code
 * protoc-c generates at build time from Debian's onnx.proto (lib/gen/).
 * A dense layer is a Gemm (weights [out, in] with transB = 1, the bias
 * [out]) followed by its activation, Relu, Sigmoid, Tanh, or Softmax over
 * axis 1; the graph's one input is "input" [N, n_in], its output
 * "probabilities" [N, classes]; the class names are the metadata entry
 * "classes" (a JSON array of strings), the cost "nnpipe.cost".
 * Images are channel-last in nnpipe and NCHW in ONNX: before the first
 * conv or maxpool layer the input is reshaped to [N, H, W, C] and
 * transposed to [N, C, H, W]; a conv layer is a Conv (weights [O, C, k, k],
 * pads k/2 for same padding, 0 for valid, strides 1) and the hidden
 * activation; a maxpool layer a MaxPool (2x2, strides 2); before a dense
 * layer the image is transposed back to [N, H, W, C] and flattened, so the
 * dense weights keep nnpipe's order.  The reader takes that operator subset
 * back, from other programs too (then also an NCHW image flattened as it
 * is: the next Gemm's weights are reordered).  model_onnx_write.c writes,
 * model_onnx_read.c reads; this header holds what both must agree on. */
#ifndef MODEL_ONNX_H
#define MODEL_ONNX_H

#include "nn_internal.h"
#include "gen/onnx.pb-c.h"

#define INPUT_NAME "input"
#define OUTPUT_NAME "probabilities"

/* The operator of each activation. */
static const char *const act_op[] = {
    [NN_ACT_SIGMOID] = "Sigmoid", [NN_ACT_RELU] = "Relu",
    [NN_ACT_TANH] = "Tanh", [NN_ACT_SOFTMAX] = "Softmax",
};
#define N_ACTS ((int)(sizeof act_op / sizeof act_op[0]))

#endif
