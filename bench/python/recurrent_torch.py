"""PyTorch's reference figures for bench/recurrent-training.ts: Earmark's default LSTM and CRNN, trained the same way.

Usage: recurrent_torch.py SPEC.json

SPEC.json, written by the TypeScript side, holds everything the run must share with Earmark's:
- "model": "lstm" or "crnn";
- "data": a file of float32 clips (frames x features each, frame-major), then one int32 label per
  clip; "frames", "features", "classes";
- "mean", "std": the per-feature standardiser Earmark fitted on the training clips;
- "epochs": for each epoch, the order Earmark's trainer visits the clips in (row numbers of the
  data file), cut into batches of "batchSize";
- "units" (per direction), "dropout", "learningRate", "beta1", "beta2", "epsilon" (Adam's), for
  the LSTM "pooling" (what its output layer reads: "last" state, or "max" or "mean" over frames), and
  for the CRNN "filters", "kernelSize", "bnEpsilon", "bnMomentum" (Keras's sense);
- "weights", "weightList": Earmark's initial weights (float32, in its model's order, with names and
  shapes), so both sides start from the same network;
- "threads".

The networks are Earmark's (src/main/core/models/deep/build.ts), whose recurrent layers are
TensorFlow.js's: an LSTM whose gates use Keras's hard sigmoid (clip(0.2x + 0.5, 0, 1)), and a GRU
in Keras's original form (the reset gate applied to the state before its matrix product, hard
sigmoid gates). PyTorch's nn.LSTM / nn.GRU compute logistic gates and, for the GRU, the reset gate
after the product, so they are not the same network. Two PyTorch variants therefore train:
- "same": Earmark's cells written out in PyTorch (the inputs' products for every step in one
  matrix product, then per step the recurrent product and the gates), whose losses follow
  Earmark's epoch by epoch;
- "builtin": nn.LSTM / nn.GRU (PyTorch's own fused cells) from the same weights, a network of the
  same size and cost that a notebook would use; its losses differ slightly (other gates).
The benchmark takes the faster of the two as the reference.

The first epoch warms up and is not counted; each later epoch is one timed round. Every step reads
back its loss and counts its hits, as Earmark's loop does for its epoch metrics. Prints one JSON
line: per variant, samples/s (median of the timed epochs), rounds and per-epoch losses.
"""

import json
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

from ghost_norm import GhostNorm, part_count


def hard_sigmoid(x):
    """Keras's (and TensorFlow.js's) hard sigmoid."""
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


class SameLstm(nn.Module):
    """TensorFlow.js's LSTM (gates i, f, c, o; hard sigmoid), the last step's output or every step's."""

    def __init__(self, inputs, units, backwards=False, sequences=False):
        super().__init__()
        self.kernel = nn.Parameter(torch.zeros(inputs, 4 * units))
        self.recurrent = nn.Parameter(torch.zeros(units, 4 * units))
        self.bias = nn.Parameter(torch.zeros(4 * units))
        self.units, self.backwards, self.sequences = units, backwards, sequences

    def forward(self, x):
        b, t, _ = x.shape
        xw = torch.matmul(x, self.kernel) + self.bias
        h = x.new_zeros(b, self.units)
        c = x.new_zeros(b, self.units)
        steps = range(t - 1, -1, -1) if self.backwards else range(t)
        outputs = []
        for s in steps:
            z = xw[:, s] + h @ self.recurrent
            i, f, g, o = z.chunk(4, 1)
            c = hard_sigmoid(f) * c + hard_sigmoid(i) * torch.tanh(g)
            h = hard_sigmoid(o) * torch.tanh(c)
            if self.sequences:
                outputs.append(h)
        return torch.stack(outputs, 1) if self.sequences else h


class SameGru(nn.Module):
    """TensorFlow.js's GRU (gates z, r, h; reset before the product; hard sigmoid), the last step's output."""

    def __init__(self, inputs, units, backwards=False):
        super().__init__()
        self.kernel = nn.Parameter(torch.zeros(inputs, 3 * units))
        self.recurrent = nn.Parameter(torch.zeros(units, 3 * units))
        self.bias = nn.Parameter(torch.zeros(3 * units))
        self.units, self.backwards = units, backwards

    def forward(self, x):
        b, t, _ = x.shape
        u = self.units
        xw = torch.matmul(x, self.kernel) + self.bias
        gates, candidate = self.recurrent[:, : 2 * u], self.recurrent[:, 2 * u :]
        h = x.new_zeros(b, u)
        steps = range(t - 1, -1, -1) if self.backwards else range(t)
        for s in steps:
            xz, xr, xh = xw[:, s].chunk(3, 1)
            rz, rr = (h @ gates).chunk(2, 1)
            z = hard_sigmoid(xz + rz)
            r = hard_sigmoid(xr + rr)
            hh = torch.tanh(xh + (r * h) @ candidate)
            h = z * h + (1 - z) * hh
        return h


class BuiltinRnn(nn.Module):
    """nn.LSTM / nn.GRU (one direction or both), the last step's output of each direction, or every step's."""

    def __init__(self, cell, inputs, units, bidirectional, sequences=False):
        super().__init__()
        kind = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = kind(inputs, units, batch_first=True, bidirectional=bidirectional)
        self.cell, self.sequences = cell, sequences

    def forward(self, x):
        outputs, state = self.rnn(x)
        if self.sequences:
            return outputs
        h = state[0] if self.cell == "lstm" else state
        return torch.cat(list(h), 1)

    def load_direction(self, direction, kernel, recurrent, bias):
        """Keras weights (kernel [in, g*u], recurrent [u, g*u], bias [g*u]) into one direction."""
        suffix = "_l0" + ("_reverse" if direction else "")
        if self.cell == "gru":
            # Keras's gates z, r, h; PyTorch's r, z, n.
            def order(w):
                z, r, h = np.split(w, 3, axis=-1)
                return np.concatenate([r, z, h], axis=-1)

            kernel, recurrent, bias = order(kernel), order(recurrent), order(bias)
        with torch.no_grad():
            getattr(self.rnn, "weight_ih" + suffix).copy_(torch.from_numpy(np.ascontiguousarray(kernel.T)))
            getattr(self.rnn, "weight_hh" + suffix).copy_(torch.from_numpy(np.ascontiguousarray(recurrent.T)))
            getattr(self.rnn, "bias_ih" + suffix).copy_(torch.from_numpy(bias))
            getattr(self.rnn, "bias_hh" + suffix).zero_()


def recurrent(spec, variant, inputs, bidirectional, sequences=False):
    cell, units = ("lstm" if spec["model"] == "lstm" else "gru"), spec["units"]
    if variant == "builtin":
        return BuiltinRnn(cell, inputs, units, bidirectional, sequences)
    if sequences and (cell != "lstm" or bidirectional):
        raise ValueError("only the one-way LSTM returns every step's output")
    kind = SameLstm if cell == "lstm" else SameGru
    layers = [kind(inputs, units, sequences=sequences) if sequences else kind(inputs, units)]
    layers += [kind(inputs, units, backwards=True)] if bidirectional else []
    return nn.ModuleList(layers)


class Lstm(nn.Module):
    """Earmark's default LSTM: one LSTM over the feature frames, its last output or the max or mean
    of its outputs over the frames ("pooling"), dropout, dense output."""

    def __init__(self, spec, variant):
        super().__init__()
        self.pooling = spec.get("pooling", "last")
        self.rnn = recurrent(spec, variant, spec["features"], False, sequences=self.pooling != "last")
        self.head = nn.Sequential(nn.Dropout(spec["dropout"]), nn.Linear(spec["units"], spec["classes"]))

    def forward(self, x):
        h = self.rnn(x) if isinstance(self.rnn, BuiltinRnn) else self.rnn[0](x)
        if self.pooling == "max":
            h = h.max(1).values
        elif self.pooling == "mean":
            h = h.mean(1)
        return self.head(h)


class Crnn(nn.Module):
    """Earmark's default CRNN: conv / batch norm / pooling / ReLU blocks (time pooled in all but the
    last), the frames' channels-last features into a bidirectional GRU, dropout, dense output."""

    def __init__(self, spec, variant):
        super().__init__()
        eps, momentum = spec["bnEpsilon"], 1 - spec["bnMomentum"]
        layers, channels, t, f = [], 1, spec["frames"], spec["features"]
        parts = part_count(spec["batchSize"])
        self.convs, self.norms = [], []
        last = len(spec["filters"]) - 1
        for block, filters in enumerate(spec["filters"]):
            conv = nn.Conv2d(channels, filters, spec["kernelSize"], padding="same", bias=False)
            norm = nn.BatchNorm2d(filters, eps=eps, momentum=momentum)
            # Each part of a batch normalised on its own, as Earmark's steps do (ghost_norm.py).
            layers += [conv, GhostNorm(norm, parts)]
            self.convs.append(conv)
            self.norms.append(norm)
            pool = (2 if block < last and t >= 2 else 1, 2 if f >= 2 else 1)
            if pool != (1, 1):
                layers.append(nn.MaxPool2d(pool))
                t, f = t // pool[0], f // pool[1]
            layers.append(nn.ReLU())
            channels = filters
        self.blocks = nn.Sequential(*layers)
        self.rnn = recurrent(spec, variant, f * channels, True)
        self.head = nn.Sequential(nn.Dropout(spec["dropout"]), nn.Linear(2 * spec["units"], spec["classes"]))

    def forward(self, x):
        y = self.blocks(x.unsqueeze(1))  # [b, c, t, f]
        b, c, t, f = y.shape
        # Earmark reshapes channels-last [t, f, c] into [t, f * c].
        y = y.permute(0, 2, 3, 1).reshape(b, t, f * c)
        if isinstance(self.rnn, BuiltinRnn):
            h = self.rnn(y)
        else:
            h = torch.cat([direction(y) for direction in self.rnn], 1)
        return self.head(h)


def load_earmark(model, values, weight_list):
    """Earmark's weights in its model's order (each named LAYER/WEIGHT): conv kernels, batch norms'
    four vectors, recurrent layers' kernel / recurrent_kernel / bias (forward direction first),
    the dense kernel and bias."""
    convs = list(getattr(model, "convs", []))
    norms = list(getattr(model, "norms", []))
    recurrents = [] if isinstance(model.rnn, BuiltinRnn) else list(model.rnn)
    directions, norm_of, offset, dense = {}, {}, 0, model.head[1]
    with torch.no_grad():
        for entry in weight_list:
            shape = entry["shape"]
            layer_name, _, weight = entry["name"].rpartition("/")
            size = int(np.prod(shape))
            w = values[offset : offset + size].reshape(shape)
            offset += size
            if weight in ("kernel", "recurrent_kernel", "bias") and ("lstm" in layer_name or "gru" in layer_name):
                directions.setdefault(layer_name, {})[weight] = w
                continue
            if len(shape) == 4:
                target, w = convs.pop(0).weight, w.transpose(3, 2, 0, 1)
            elif weight in ("gamma", "beta", "moving_mean", "moving_variance"):
                # Layers in the order their first weight appears (trainable weights come first).
                if layer_name not in norm_of:
                    norm_of[layer_name] = norms.pop(0)
                norm = norm_of[layer_name]
                target = {
                    "gamma": norm.weight,
                    "beta": norm.bias,
                    "moving_mean": norm.running_mean,
                    "moving_variance": norm.running_var,
                }[weight]
            elif weight == "kernel":
                target, w = dense.weight, w.T
            else:
                target = dense.bias
            if tuple(target.shape) != w.shape:
                raise ValueError(f"{entry['name']}: shape {w.shape}, expected {tuple(target.shape)}")
            target.copy_(torch.from_numpy(np.ascontiguousarray(w)))
        if offset != values.size or convs or norms:
            raise ValueError("Earmark's weights do not fit this network")
        # Directions in the model's order: the forward layer's weights come first.
        for d, weights in enumerate(directions.values()):
            if isinstance(model.rnn, BuiltinRnn):
                model.rnn.load_direction(d, weights["kernel"], weights["recurrent_kernel"], weights["bias"])
            else:
                layer = recurrents[d]
                layer.kernel.copy_(torch.from_numpy(weights["kernel"]))
                layer.recurrent.copy_(torch.from_numpy(weights["recurrent_kernel"]))
                layer.bias.copy_(torch.from_numpy(weights["bias"]))


def train(spec, variant, x, y, mean, std):
    torch.manual_seed(0)
    model = (Lstm if spec["model"] == "lstm" else Crnn)(spec, variant)
    load_earmark(model, np.fromfile(spec["weights"], dtype=np.float32), spec["weightList"])
    optimizer = torch.optim.Adam(
        model.parameters(), lr=spec["learningRate"], betas=(spec["beta1"], spec["beta2"]), eps=spec["epsilon"]
    )
    loss_fn = nn.CrossEntropyLoss()
    batch = spec["batchSize"]

    def epoch(order):
        loss_sum, hits = 0.0, 0
        for start in range(0, len(order), batch):
            rows = torch.tensor(order[start : start + batch])
            xb, yb = (x[rows] - mean) / std, y[rows]
            optimizer.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(rows)
            hits += (logits.argmax(1) == yb).sum().item()
        return loss_sum / len(order), hits / len(order)

    model.train()
    epochs = []
    for order in spec["epochs"]:
        start = time.perf_counter()
        loss, accuracy = epoch(order)
        epochs.append({"samples": len(order), "seconds": time.perf_counter() - start, "loss": loss, "accuracy": accuracy})
    rounds = [e["samples"] / e["seconds"] for e in epochs[1:]]
    return {
        "trainSamplesPerSecond": statistics.median(rounds),
        "trainRounds": rounds,
        "epochLoss": [e["loss"] for e in epochs],
    }


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    torch.set_num_threads(spec["threads"])
    torch.set_num_interop_threads(1)
    # Subnormal floats slow x86 arithmetic down tenfold; flushing them gives PyTorch its best speed.
    torch.set_flush_denormal(True)
    frames, features = spec["frames"], spec["features"]
    raw = np.fromfile(spec["data"], dtype=np.uint8)
    n = raw.size // (4 * (frames * features + 1))
    x = torch.from_numpy(raw[: 4 * n * frames * features].view(np.float32).reshape(n, frames, features).copy())
    y = torch.from_numpy(raw[4 * n * frames * features :].view(np.int32).astype(np.int64))
    mean = torch.tensor(spec["mean"], dtype=torch.float32)
    std = torch.tensor(spec["std"], dtype=torch.float32)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    for variant in ("same", "builtin"):
        result[variant] = train(spec, variant, x, y, mean, std)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
