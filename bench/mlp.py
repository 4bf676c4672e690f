"""mlp.py - train a bench network in PyTorch the way nn-train does, for
bench/bench.sh: same data (MNIST IDX files scaled by 1/255 as idx2vec does),
layers, initialisation, loss, SGD with momentum, batch size and shuffling each
epoch.  Plain tensors and index slicing, no DataLoader.  Prints one line per
epoch, "epoch N SECONDS", then "test_acc FRACTION".  When the first epoch
alone passes --max-seconds, it stops there and prints "partial 1 SECONDS
FRACTION_DONE" instead of the epoch lines.

Run it with Debian's /usr/bin/python3 (python3-torch)."""

import argparse
import gzip
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


def blas_name():
    """The BLAS library torch uses, and OpenBLAS's core type if it is one."""
    import ctypes
    with open("/proc/self/maps") as f:
        libs = sorted({line.split()[-1] for line in f if "blas" in line})
    for lib in libs:
        try:
            core = ctypes.CDLL(lib).openblas_get_corename
            core.restype = ctypes.c_char_p
            return "%s (OpenBLAS core %s)" % (lib, core().decode())
        except (OSError, AttributeError):
            pass
    return ", ".join(libs) or "none found"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", type=int, required=True)
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
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x, y = images(a.files[0]), read_idx(a.files[1]).long()
    tx, ty = images(a.files[2]), read_idx(a.files[3]).long()
    n, k = x.shape[0], int(y.max()) + 1

    # nn-train's initialisation: He N(0, 2/n_in) and zero biases for ReLU;
    # Nielsen's N(0, 1/n_in) weights and N(0, 1) biases for sigmoid.
    sizes = [x.shape[1], a.hidden, k]
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        lin = torch.nn.Linear(n_in, n_out)
        with torch.no_grad():
            if a.act == "relu":
                lin.weight.normal_(0.0, (2.0 / n_in) ** 0.5)
                lin.bias.zero_()
            else:
                lin.weight.normal_(0.0, (1.0 / n_in) ** 0.5)
                lin.bias.normal_(0.0, 1.0)
        layers.append(lin)
    act = torch.relu if a.act == "relu" else torch.sigmoid
    opt = torch.optim.SGD([p for l in layers for p in l.parameters()],
                          lr=a.rate, momentum=a.momentum)

    def forward(v):
        for lin in layers[:-1]:
            v = act(lin(v))
        return layers[-1](v)    # logits; the loss applies the output

    def loss_fn(z, labels):
        # Both reduce to dC/dz = (y - onehot) / batch, as in nn-train.
        if a.output == "softmax":
            return F.cross_entropy(z, labels)
        t = F.one_hot(labels, k).float()
        return F.binary_cross_entropy_with_logits(z, t, reduction="sum") / len(labels)

    spent = 0.0
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
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
        done = min(i + a.batch, n) / n
        if done < 1:
            # Far too slow (a busy machine?): only part of an epoch timed.
            print("partial 1 %.4f %.4f" % (t, done))
            break
        print("epoch %d %.4f" % (epoch, t), flush=True)
        spent += t
        if spent > a.max_seconds:
            break
    with torch.no_grad():
        acc = (forward(tx).argmax(1) == ty).float().mean().item()
    print("test_acc %.4f" % acc)


if __name__ == "__main__":
    main()
