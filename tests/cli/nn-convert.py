# nn-convert.py - the checks of tests/cli/nn-convert.sh and onnx-opencv.sh
# that need other people's code: Debian's python3-onnx (the checker, and
# graphs nnpipe does not write), python3-opencv (cv2.dnn runs an export),
# numpy (network2.py's own forward pass).  Test code only: nnpipe itself
# has no Python.
#   check ONNX...                 onnx.checker.check_model(full_check=True)
#   network2 OUT SEED SIZES COST  a network2.py save() of random weights
#   ragged OUT                    the same with one weight row cut short
#   unsupported OUT               an ONNX graph with a LeakyRelu
#   mixed OUT                     one with Relu and Tanh hidden layers
#   foreign OUT VECS              one laid out as other programs do (see
#                                 foreign()); prints numpy's outputs
#   forward2 NET2 VECS            network2.py's feedforward: class, outputs
#   opencv ONNX VECS PROBS        cv2.dnn vs nn-predict --probs: classes,
#                                 largest difference
import json
import sys

import numpy as np


def vectors(path):
    """The records of a text vector stream, as a (n, dim) float64 array."""
    rows = []
    with open(path) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            rows.append([float(v) for v in line.split('\t')[1].split()])
    return np.array(rows)


def network2_save(path, sizes, weights, biases, cost, ragged=False):
    """What network2.py's Network.save writes (Nielsen's code); ragged cuts
    the last value of weights[0][3]."""
    data = {"sizes": sizes,
            "weights": [w.tolist() for w in weights],
            "biases": [b.tolist() for b in biases],
            "cost": cost}
    if ragged:
        data["weights"][0][3].pop()
    with open(path, "w") as f:
        json.dump(data, f)


def random_network2(seed, sizes):
    """network2.py's default_weight_initializer."""
    rng = np.random.default_rng(seed)
    biases = [rng.standard_normal((y, 1)) for y in sizes[1:]]
    weights = [rng.standard_normal((y, x)) / np.sqrt(x)
               for x, y in zip(sizes[:-1], sizes[1:])]
    return weights, biases


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward2(net2, vecs):
    """network2.py's load and feedforward, on each record (a column)."""
    with open(net2) as f:
        data = json.load(f)
    sizes = data["sizes"]
    weights = [np.array(w) for w in data["weights"]]
    biases = [np.array(b) for b in data["biases"]]
    for l, (w, b) in enumerate(zip(weights, biases)):
        assert w.shape == (sizes[l + 1], sizes[l]), "weights shape"
        assert b.shape == (sizes[l + 1], 1), "biases shape"
    assert data["cost"] in ("CrossEntropyCost", "QuadraticCost")
    for x in vectors(vecs):
        a = x.reshape(-1, 1)
        for w, b in zip(weights, biases):
            a = sigmoid(np.dot(w, a) + b)
        a = a.ravel()
        print(str(int(np.argmax(a))) + "\t"
              + "\t".join("%.9g" % v for v in a))


def unsupported(path):
    from onnx import TensorProto, helper
    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 4], [0.5] * 8)
    b = helper.make_tensor("b", TensorProto.FLOAT, [2], [0.0] * 2)
    g = helper.make_graph(
        [helper.make_node("Gemm", ["input", "w", "b"], ["z"], name="fc1",
                          transB=1),
         helper.make_node("LeakyRelu", ["z"], ["probabilities"],
                          name="act1")],
        "other", [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                ["N", 4])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT,
                                       ["N", 2])], [w, b])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    import onnx
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)


def graph(nodes, inits, n_in, n_out):
    """A checked opset-13 model of nodes from 'input' to 'probabilities'."""
    import onnx
    from onnx import TensorProto, helper
    g = helper.make_graph(
        nodes, "other",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                       ["N", n_in])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT,
                                       ["N", n_out])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.checker.check_model(m, full_check=True)
    return m


def foreign(path, vecs):
    """An ONNX model as other programs write it: the first Gemm's weights
    [in, out] (transB 0) in float_data, the second's bias [1, out], Softmax
    over axis -1; prints numpy's forward pass over vecs."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(5)
    w0 = rng.standard_normal((784, 6)).astype(np.float32) / 28
    b0 = rng.standard_normal(6).astype(np.float32)
    w1 = rng.standard_normal((10, 6)).astype(np.float32)
    b1 = rng.standard_normal((1, 10)).astype(np.float32)
    inits = [helper.make_tensor("w0", TensorProto.FLOAT, [784, 6],
                                w0.ravel().tolist()),
             numpy_helper.from_array(b0, "b0"),
             numpy_helper.from_array(w1, "w1"),
             numpy_helper.from_array(b1, "b1")]
    nodes = [helper.make_node("Gemm", ["input", "w0", "b0"], ["h"]),
             helper.make_node("Tanh", ["h"], ["t"]),
             helper.make_node("Gemm", ["t", "w1", "b1"], ["z"], transB=1),
             helper.make_node("Softmax", ["z"], ["probabilities"], axis=-1)]
    onnx.save(graph(nodes, inits, 784, 10), path)
    x = vectors(vecs).astype(np.float32)
    z = np.tanh(x @ w0 + b0) @ w1.T + b1
    y = np.exp(z - z.max(axis=1, keepdims=True))
    y /= y.sum(axis=1, keepdims=True)
    for row in y:
        print(str(int(np.argmax(row))) + "\t"
              + "\t".join("%.9g" % v for v in row))


def mixed(path):
    """Hidden layers of two activations: nnpipe's layers share one."""
    from onnx import TensorProto, helper
    inits = [helper.make_tensor(n, TensorProto.FLOAT, d, [0.5] * (d[0] * d[1]))
             for n, d in (("w0", [3, 4]), ("w1", [3, 3]), ("w2", [2, 3]))]
    nodes = []
    x = "input"
    for l, act in enumerate(("Relu", "Tanh", "Softmax")):
        nodes.append(helper.make_node("Gemm", [x, "w%d" % l], ["z%d" % l],
                                      transB=1))
        x = "probabilities" if l == 2 else "a%d" % l
        nodes.append(helper.make_node(act, ["z%d" % l], [x],
                                      name="act%d" % l))
    import onnx
    onnx.save(graph(nodes, inits, 4, 2), path)


def cnn_foreign(path, pool=2):
    """A CNN as other programs write it: the input reshaped to [N, 1, 28,
    28] (the shape int64 raw data), Conv 3x3 of 5 channels with pads 1,
    Relu, MaxPool, Conv 3x3 of 4 channels without pads, Relu, MaxPool
    (pool x pool), and the NCHW image flattened as it is into Gemm and
    Softmax: nnpipe reorders that Gemm's weights to channel-last."""
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(7)
    w0 = rng.standard_normal((5, 1, 3, 3)).astype(np.float32) / 3
    w1 = rng.standard_normal((4, 5, 3, 3)).astype(np.float32) / 6
    w2 = rng.standard_normal((10, 4 * 6 * 6)).astype(np.float32) / 6
    inits = [numpy_helper.from_array(np.array([-1, 1, 28, 28], np.int64),
                                     "shape"),
             numpy_helper.from_array(w0, "w0"),
             numpy_helper.from_array(rng.standard_normal(5).astype(np.float32),
                                     "b0"),
             numpy_helper.from_array(w1, "w1"),
             numpy_helper.from_array(rng.standard_normal(4).astype(np.float32),
                                     "b1"),
             numpy_helper.from_array(w2, "w2"),
             numpy_helper.from_array(rng.standard_normal(10).astype(np.float32),
                                     "b2")]
    n = helper.make_node
    nodes = [n("Reshape", ["input", "shape"], ["im"]),
             n("Conv", ["im", "w0", "b0"], ["c0"], kernel_shape=[3, 3],
               pads=[1, 1, 1, 1]),
             n("Relu", ["c0"], ["r0"]),
             n("MaxPool", ["r0"], ["p0"], kernel_shape=[2, 2], strides=[2, 2]),
             n("Conv", ["p0", "w1", "b1"], ["c1"], kernel_shape=[3, 3]),
             n("Relu", ["c1"], ["r1"]),
             n("MaxPool", ["r1"], ["p1"], kernel_shape=[pool, pool],
               strides=[2, 2], name="pool1"),
             n("Flatten", ["p1"], ["f"]),
             n("Gemm", ["f", "w2", "b2"], ["z"], transB=1),
             n("Softmax", ["z"], ["probabilities"], axis=1)]
    import onnx
    onnx.save(graph(nodes, inits, 784, 10), path)


def opencv(model, vecs, probs):
    import cv2
    x = vectors(vecs).astype(np.float32)
    net = cv2.dnn.readNetFromONNX(model)
    net.setInput(x)
    y = net.forward()
    ours = np.array([[float(v) for v in line.split('\t')[1:1 + y.shape[1]]]
                     for line in open(probs)])
    classes = [line.split('\t')[0] for line in open(probs)]
    same = sum(1 for i in range(len(x))
               if str(int(np.argmax(y[i]))) == classes[i])
    print(len(x), same, "%.3g" % np.abs(y - ours).max())


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "check":
        import onnx
        for path in args:
            onnx.checker.check_model(onnx.load(path), full_check=True)
    elif cmd in ("network2", "ragged"):
        sizes = [int(s) for s in args[2].split(",")]
        weights, biases = random_network2(int(args[1]), sizes)
        network2_save(args[0], sizes, weights, biases, args[3],
                      cmd == "ragged")
    elif cmd == "unsupported":
        unsupported(args[0])
    elif cmd == "foreign":
        foreign(args[0], args[1])
    elif cmd == "cnn-foreign":
        cnn_foreign(args[0], int(args[1]) if args[1:] else 2)
    elif cmd == "mixed":
        mixed(args[0])
    elif cmd == "forward2":
        forward2(args[0], args[1])
    elif cmd == "opencv":
        opencv(args[0], args[1], args[2])
    else:
        sys.exit("unknown command " + cmd)


main()
