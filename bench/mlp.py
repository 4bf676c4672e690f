"""mlp.py - PyTorch, the peer of bench/bench.sh.

mlp.py train: train a bench network in PyTorch the way nn-train does: same
data (MNIST IDX files scaled by 1/255 as idx2vec does), layers,
initialisation, loss, SGD with momentum, batch size and shuffling each
epoch.  Plain tensors and index slicing, no DataLoader.  Prints one line per
epoch, "epoch N SECONDS", then "test_acc FRACTION".  When the first epoch
alone passes --max-seconds, it stops there and prints "partial 1 SECONDS
FRACTION_DONE" instead of the epoch lines.  Then, of the time spent training,
"train_cores CORES" (the process's CPU time over wall time) and
"train_wait FRACTION" (in the median epoch, the largest share of its time
that one of its threads waited, runnable, for a CPU), and the BLAS it ran on and its threads
(blas_info), so that each run vouches for its own figures.

With --net (nn-train's syntax: conv5x5:32,maxpool2,dense:256) instead of
--hidden, the same for a convolutional network (torch.nn.Conv2d on
28x28x1 images, MaxPool2d, then Linear layers).

mlp.py blas: the GFLOP/s of one training step's matrix products in PyTorch
(784-800-10 at batch 128 by default, B3), then blas_info.

Run it with Debian's /usr/bin/python3 (python3-torch)."""

import argparse
import gzip
import statistics
import struct
import sys
import time

import torch
import torch.nn.functional as F


def read_idx(path):
    """An IDX file (gzipped or not) as a uint8 tensor of its shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, kind, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 0x08:
        sys.exit("mlp.py: %s: not an IDX file of unsigned bytes" % path)
    shape = struct.unpack(">%dI" % ndim, data[4:4 + 4 * ndim])
    t = torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8)
    return t.reshape(shape)


def images(path):
    x = read_idx(path)
    return x.reshape(x.shape[0], -1).float() / 255.0


def sgemm_library():
    """The file of the sgemm_ that torch's products call, found as the
    loader found it for libtorch_cpu: first in the global scope (the
    program, what it links, LD_PRELOAD), then in libtorch_cpu and what it
    links, in order; dladdr names the file that holds it.  Another BLAS
    mapped into the process, e.g. an OpenBLAS loaded by liblapack.so.3,
    does not count.  "-" if there is no sgemm_."""
    import ctypes

    class DlInfo(ctypes.Structure):
        _fields_ = [("fname", ctypes.c_char_p), ("fbase", ctypes.c_void_p),
                    ("sname", ctypes.c_char_p), ("saddr", ctypes.c_void_p)]

    with open("/proc/self/maps") as f:
        torch_libs = [line.split()[5] for line in f
                      if len(line.split()) == 6 and "libtorch_cpu" in line]
    scopes = [None] + torch_libs[:1]
    for scope in scopes:
        try:
            sgemm = ctypes.CDLL(scope).sgemm_
            break
        except (OSError, AttributeError):
            pass
    else:
        return "-"
    info = DlInfo()
    if not ctypes.CDLL(None).dladdr(ctypes.cast(sgemm, ctypes.c_void_p),
                                    ctypes.byref(info)):
        return "-"
    return info.fname.decode()


def blas_info(threads):
    """What this process computes its products with, as "key value" lines:
    torch's version, CPU capability and threads, the BLAS library file
    torch's sgemm_ comes from, OpenBLAS's core type, build and threads when
    that library is (or links) OpenBLAS ("-" otherwise), and the process's
    threads now."""
    import ctypes
    import os
    cap = [line.split(":", 1)[1].strip()
           for line in torch.__config__.show().splitlines()
           if "CPU capability usage" in line]
    blas = sgemm_library()
    if blas != "-":
        blas = os.path.realpath(blas)
    info = [("torch", torch.__version__),
            ("torch_capability", cap[0] if cap else "-"),
            ("torch_threads", torch.get_num_threads()),
            ("torch_interop_threads", torch.get_num_interop_threads()),
            ("torch_threads_asked", threads),
            ("blas_file", blas)]
    core = config = nthreads = "-"
    try:
        ob = ctypes.CDLL(blas)      # dlsym: the library, then what it links
        ob.openblas_get_corename.restype = ctypes.c_char_p
        ob.openblas_get_config.restype = ctypes.c_char_p
        core = ob.openblas_get_corename().decode()
        config = ob.openblas_get_config().decode()
        nthreads = ob.openblas_get_num_threads()
    except (OSError, AttributeError):
        pass
    info += [("openblas_core", core), ("openblas_config", config),
             ("openblas_threads", nthreads),
             ("os_threads", len(os.listdir("/proc/self/task")))]
    return "\n".join("%s %s" % kv for kv in info)


def run_delays():
    """Nanoseconds each thread of this process has waited, runnable, for a
    CPU (the second field of /proc/self/task/*/schedstat), by thread id;
    empty where the kernel keeps no such count (then no run looks starved)."""
    import os
    delays = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open("/proc/self/task/%s/schedstat" % tid) as f:
                delays[tid] = int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return delays


def best_seconds(f, rounds=3, min_seconds=0.05):
    """Seconds per call of f: the best of rounds timings, each repeating the
    call for at least min_seconds (as bench/gemm times nn_sgemm)."""
    f()     # warm up
    best = float("inf")
    for _ in range(rounds):
        reps, t0 = 0, time.perf_counter()
        while True:
            f()
            reps += 1
            t = time.perf_counter() - t0
            if t >= min_seconds:
                break
        best = min(best, t / reps)
    return best


def products(sizes, batch):
    """GFLOP/s of the matrix products of one training step of a network of
    these layer sizes at this batch, made as torch.nn.Linear and autograd
    make them: per layer the forward pass addmm(b, x, W.t()), the weight
    gradient g.t() @ x and, past the first layer, the input gradient g @ W.
    Lines "product NAME M N K GFLOPS", then "product step - - - GFLOPS"."""
    torch.manual_seed(1)
    lines, flop, seconds = [], 0.0, 0.0
    for l, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), 1):
        x, w = torch.randn(batch, n_in), torch.randn(n_out, n_in)
        b, g = torch.randn(n_out), torch.randn(batch, n_out)
        todo = [("fwd", (batch, n_out, n_in), lambda: torch.addmm(b, x, w.t())),
                ("dW", (n_out, n_in, batch), lambda: g.t().mm(x))]
        if l > 1:
            todo.append(("dx", (batch, n_in, n_out), lambda: g.mm(w)))
        for name, (m, n, k), f in todo:
            s = best_seconds(f)
            lines.append("product %s%d %d %d %d %.1f"
                         % (name, l, m, n, k, 2.0 * m * n * k / s / 1e9))
            flop += 2.0 * m * n * k
            seconds += s
    lines.append("product step - - - %.1f" % (flop / seconds / 1e9))
    return "\n".join(lines)


def blas_main(argv):
    ap = argparse.ArgumentParser(prog="mlp.py blas")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--hidden", type=int, default=800)
    ap.add_argument("--batch", type=int, default=128)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    print(products([784, a.hidden, 10], a.batch))
    print(blas_info(a.threads))


def net_layers(spec, side, k, init):
    """The layers of nn-train's --net list (dense:N, convKxK:C[:same|:valid],
    maxpool2) over side x side images of one channel, then the output
    layer of k classes."""
    layers, c, h, flat = [], 1, side, None
    for tok in spec.split(","):
        if tok == "maxpool2":
            layers.append(torch.nn.MaxPool2d(2))
            h //= 2
        elif tok.startswith("dense:"):
            n_in = flat if flat is not None else c * h * h
            n = int(tok[6:])
            layers.append(init(torch.nn.Linear(n_in, n), n_in))
            flat = n
        else:
            kk, rest = tok[4:].split("x", 1)
            parts = rest.split(":")
            ks, ch = int(kk), int(parts[1])
            same = len(parts) < 3 or parts[2] == "same"
            layers.append(init(torch.nn.Conv2d(c, ch, ks,
                                               padding=ks // 2 if same else 0),
                               c * ks * ks))
            c, h = ch, h if same else h - ks + 1
    n_in = flat if flat is not None else c * h * h
    layers.append(init(torch.nn.Linear(n_in, k), n_in))
    return layers


def train_main(argv):
    ap = argparse.ArgumentParser(prog="mlp.py train")
    ap.add_argument("--hidden", type=int)
    ap.add_argument("--net", help="nn-train's --net list instead of --hidden")
    ap.add_argument("--act", choices=["relu", "sigmoid"], required=True)
    ap.add_argument("--output", choices=["softmax", "sigmoid"], required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--epochs", type=int, required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--momentum", type=float, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-seconds", type=float, default=float("inf"),
                    help="stop after the epoch that passes this much time, "
                    "or within the first epoch")
    ap.add_argument("files", nargs=4,
                    help="train images, train labels, test images, test labels")
    a = ap.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x, y = images(a.files[0]), read_idx(a.files[1]).long()
    tx, ty = images(a.files[2]), read_idx(a.files[3]).long()
    n, k = x.shape[0], int(y.max()) + 1

    # nn-train's initialisation: He N(0, 2/n_in) and zero biases for ReLU;
    # Nielsen's N(0, 1/n_in) weights and N(0, 1) biases for sigmoid.  A
    # filter's n_in is its kernel over the input channels.
    def init(layer, n_in):
        with torch.no_grad():
            if a.act == "relu":
                layer.weight.normal_(0.0, (2.0 / n_in) ** 0.5)
                layer.bias.zero_()
            else:
                layer.weight.normal_(0.0, (1.0 / n_in) ** 0.5)
                layer.bias.normal_(0.0, 1.0)
        return layer

    act = torch.relu if a.act == "relu" else torch.sigmoid
    if a.net:
        side = int(round(x.shape[1] ** 0.5))
        x, tx = x.reshape(-1, 1, side, side), tx.reshape(-1, 1, side, side)
        layers = net_layers(a.net, side, k, init)
    else:
        sizes = [x.shape[1], a.hidden, k]
        layers = [init(torch.nn.Linear(n_in, n_out), n_in)
                  for n_in, n_out in zip(sizes, sizes[1:])]
    opt = torch.optim.SGD([p for l in layers for p in l.parameters()],
                          lr=a.rate, momentum=a.momentum)

    def forward(v):
        # Activations after dense and conv layers (max-pooling commutes
        # with them); the image flattened before the first dense layer.
        for layer in layers[:-1]:
            if isinstance(layer, torch.nn.MaxPool2d):
                v = layer(v)
                continue
            if isinstance(layer, torch.nn.Linear):
                v = v.flatten(1)
            v = act(layer(v))
        return layers[-1](v.flatten(1))    # logits; the loss applies the output

    def loss_fn(z, labels):
        # Both reduce to dC/dz = (y - onehot) / batch, as in nn-train.
        if a.output == "softmax":
            return F.cross_entropy(z, labels)
        t = F.one_hot(labels, k).float()
        return F.binary_cross_entropy_with_logits(z, t, reduction="sum") / len(labels)

    spent = 0.0
    wall0, cpu0, waits = time.perf_counter(), time.process_time(), []
    for epoch in range(1, a.epochs + 1):
        t0, wait0 = time.perf_counter(), run_delays()
        order = torch.randperm(n)
        for i in range(0, n, a.batch):
            idx = order[i:i + a.batch]
            opt.zero_grad()
            loss = loss_fn(forward(x[idx]), y[idx])
            loss.backward()
            opt.step()
            if epoch == 1 and time.perf_counter() - t0 > a.max_seconds:
                break
        t = time.perf_counter() - t0
        wait = run_delays()
        waits.append(max((wait[k] - wait0.get(k, 0) for k in wait), default=0)
                     / 1e9 / t)
        done = min(i + a.batch, n) / n
        if done < 1:
            # Far too slow (a busy machine?): only part of an epoch timed.
            print("partial 1 %.4f %.4f" % (t, done))
            break
        print("epoch %d %.4f" % (epoch, t), flush=True)
        spent += t
        if spent > a.max_seconds:
            break
    # The cores the training kept busy, and in the median epoch the largest
    # share of its time that one thread waited for a CPU other work held.
    print("train_cores %.2f" % ((time.process_time() - cpu0)
                                / (time.perf_counter() - wall0)))
    print("train_wait %.3f" % statistics.median(waits))
    with torch.no_grad():
        acc = (forward(tx).argmax(1) == ty).float().mean().item()
    print("test_acc %.4f" % acc)
    print(blas_info(a.threads))


def main():
    modes = {"train": train_main, "blas": blas_main}
    if len(sys.argv) < 2 or sys.argv[1] not in modes:
        sys.exit("usage: mlp.py train OPTIONS FILES | mlp.py blas OPTIONS")
    modes[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
