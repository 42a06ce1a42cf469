"""PyTorch's reference figures for bench/training.bench.ts: Earmark's default CNN, trained the same way.

Usage: training_torch.py SPEC.json

SPEC.json, written by the TypeScript side, holds everything the run must share with Earmark's:
- "data": a file of float32 log-mel images (frames x mels each, frame-major), then one int32 label
  per image; "frames", "mels", "classes";
- "mean", "std": the per-mel-band standardiser Earmark fitted on the training clips, applied to
  each batch as Earmark's batch assembly applies it;
- "epochs": for each epoch, the order Earmark's trainer visits the clips in (row numbers of the
  data file), cut into batches of "batchSize" as Earmark cuts them (the last one shorter);
- "filters", "kernelSize", "denseUnits", "dropout", "bnEpsilon", "bnMomentum" (Keras's sense:
  the moving averages keep that much of their old value), "learningRate", "beta1", "beta2",
  "epsilon" (Adam's): the network and optimiser settings;
- "weights", "weightList": Earmark's initial weights (float32, in its model's order, with names
  and shapes), so both sides start from the same network;
- "inferClips", "inferBatch", "rounds", "threads".

The network is Earmark's default CNN (src/main/core/models/deep/build.ts): per block a 3x3 'same'
convolution without bias, batch norm, 2x2 max pooling, ReLU (pooling before the ReLU, as Earmark
builds it); then max over time, flatten, batch norm of the pooled features, dropout, dense +
ReLU, dropout, dense. Batch norm in training normalises each part of a batch on its own, as
Earmark's steps do (ghost_norm.py). The loss is cross-entropy on the logits: the same function as Earmark's
softmax followed by the batch mean of -log(p + 1e-7), in PyTorch's usual (and fastest) form.

The first epoch warms up and is not counted; each later epoch is one timed round, as on Earmark's
side. Every step reads back its loss and counts its hits, as Earmark's loop does for its epoch
metrics. Inference times the eval-mode network, standardisation included, on the first
"inferClips" rows in batches of "inferBatch", "rounds" times after one warm-up batch.
Prints one JSON line.
"""

import json
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

from ghost_norm import GhostNorm, part_count


class Cnn(nn.Module):
    def __init__(self, spec):
        super().__init__()
        eps, momentum = spec["bnEpsilon"], 1 - spec["bnMomentum"]
        layers, channels, t, f = [], 1, spec["frames"], spec["mels"]
        parts = part_count(spec["batchSize"])
        self.convs, self.norms = [], []
        for filters in spec["filters"]:
            conv = nn.Conv2d(channels, filters, spec["kernelSize"], padding="same", bias=False)
            norm = nn.BatchNorm2d(filters, eps=eps, momentum=momentum)
            layers += [conv, GhostNorm(norm, parts)]
            self.convs.append(conv)
            self.norms.append(norm)
            pool = (2 if t >= 2 else 1, 2 if f >= 2 else 1)
            if pool != (1, 1):
                layers.append(nn.MaxPool2d(pool))
                t, f = t // pool[0], f // pool[1]
            layers.append(nn.ReLU())
            channels = filters
        self.blocks = nn.Sequential(*layers)
        self.time_pool = nn.MaxPool2d((t, 1))
        self.pooled = (channels, f)
        self.norm = nn.BatchNorm1d(channels * f, eps=eps, momentum=momentum)
        self.norms.append(self.norm)
        self.ghost_norm = GhostNorm(self.norm, parts)
        dense, p = spec["denseUnits"], spec["dropout"]
        self.hidden = nn.Linear(channels * f, dense)
        self.out = nn.Linear(dense, spec["classes"])
        self.head = nn.Sequential(nn.Dropout(p), self.hidden, nn.ReLU(), nn.Dropout(p), self.out)

    def forward(self, x):
        y = self.time_pool(self.blocks(x.unsqueeze(1)))
        return self.head(self.ghost_norm(torch.flatten(y, 1)))

    def load_earmark(self, values, weight_list):
        """Earmark's weights, in its model's order (each named LAYER/WEIGHT): conv kernels
        [kh, kw, ci, co], batch norms' gamma, beta, moving mean and variance, dense kernels
        [in, out] and biases. Layers are matched in the order their first weight appears."""
        convs, norms, denses = list(self.convs), list(self.norms), [self.hidden, self.out]
        layers, offset = {}, 0
        with torch.no_grad():
            for entry in weight_list:
                shape = entry["shape"]
                layer_name, _, weight = entry["name"].rpartition("/")
                size = int(np.prod(shape))
                w = values[offset : offset + size].reshape(shape)
                offset += size
                if layer_name not in layers:
                    pool = convs if len(shape) == 4 else norms if weight == "gamma" else denses
                    layers[layer_name] = pool.pop(0)
                layer = layers[layer_name]
                if isinstance(layer, nn.Conv2d):
                    target, w = layer.weight, w.transpose(3, 2, 0, 1)
                elif isinstance(layer, nn.Linear) and weight == "kernel":
                    if layer is self.hidden:
                        # Earmark flattens [1, f, c] (channels last), this network [c, 1, f].
                        channels, f = self.pooled
                        w = w.reshape(f, channels, -1).transpose(1, 0, 2).reshape(channels * f, -1)
                    target, w = layer.weight, w.T
                elif isinstance(layer, nn.Linear):
                    target = layer.bias
                else:
                    target = {
                        "gamma": layer.weight,
                        "beta": layer.bias,
                        "moving_mean": layer.running_mean,
                        "moving_variance": layer.running_var,
                    }[weight]
                if tuple(target.shape) != w.shape:
                    raise ValueError(f"{entry['name']}: shape {w.shape}, expected {tuple(target.shape)}")
                target.copy_(torch.from_numpy(np.ascontiguousarray(w)))
        if offset != values.size or convs or norms or denses:
            raise ValueError("Earmark's weights do not fit this network")


def timed(run):
    """(wall seconds, CPU seconds, result) of run()."""
    start, cpu_start = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - start, time.process_time() - cpu_start, result


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    # The thread count this run is measured at: an optional second argument (the bench runs
    # PyTorch at one thread and at every core's), else the spec's.
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else spec["threads"]
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    # Subnormal floats (tiny gradients as training goes on) slow x86 arithmetic down tenfold;
    # flushing them to zero gives PyTorch its best speed.
    torch.set_flush_denormal(True)
    torch.manual_seed(0)
    frames, mels = spec["frames"], spec["mels"]
    raw = np.fromfile(spec["data"], dtype=np.uint8)
    n = raw.size // (4 * (frames * mels + 1))
    x = torch.from_numpy(raw[: 4 * n * frames * mels].view(np.float32).reshape(n, frames, mels).copy())
    y = torch.from_numpy(raw[4 * n * frames * mels :].view(np.int32).astype(np.int64))
    mean = torch.tensor(spec["mean"], dtype=torch.float32)
    std = torch.tensor(spec["std"], dtype=torch.float32)

    model = Cnn(spec)
    model.load_earmark(np.fromfile(spec["weights"], dtype=np.float32), spec["weightList"])
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
        seconds, cpu, (loss, accuracy) = timed(lambda: epoch(order))
        epochs.append({"samples": len(order), "seconds": seconds, "cpuSeconds": cpu, "loss": loss, "accuracy": accuracy})
    measured = epochs[1:]

    infer_rows = torch.arange(spec["inferClips"]) % n
    infer_batch = spec["inferBatch"]

    def infer_round():
        for start in range(0, len(infer_rows), infer_batch):
            rows = infer_rows[start : start + infer_batch]
            model((x[rows] - mean) / std).softmax(1).argmax(1)

    model.eval()
    with torch.no_grad():
        model((x[infer_rows[:infer_batch]] - mean) / std)
        infer = [timed(infer_round) for _ in range(spec["rounds"])]
    clips = len(infer_rows)

    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "epochs": epochs,
                "trainRounds": [e["samples"] / e["seconds"] for e in measured],
                "inferRounds": [clips / w for w, _, _ in infer],
                "trainSamplesPerSecond": statistics.median(e["samples"] / e["seconds"] for e in measured),
                "inferClipsPerSecond": statistics.median(clips / w for w, _, _ in infer),
                # Per second of this process's CPU time: what a busy machine skews least.
                "trainSamplesPerCpuSecond": statistics.median(e["samples"] / e["cpuSeconds"] for e in measured),
                "inferClipsPerCpuSecond": statistics.median(clips / c for _, c, _ in infer),
            }
        )
    )


if __name__ == "__main__":
    main()
