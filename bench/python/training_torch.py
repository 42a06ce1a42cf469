"""PyTorch's reference figures for bench/training.bench.ts: the default Earmark CNN, same input.

Usage: training_torch.py FEATURES.bin FRAMES MELS CLASSES BATCH TRAIN_STEPS INFER_CLIPS THREADS [ROUNDS]
FEATURES.bin holds float32 log-mel images (frames x mels each, frame-major) followed by one int32
label per image. Prints one JSON line: training samples/s and inference clips/s, per second of wall
time and per second of the process's CPU time, each the median of ROUNDS timed rounds (default 1)
of TRAIN_STEPS steps and of INFER_CLIPS clips.
"""

import json
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn


class Cnn(nn.Module):
    """Earmark's default CNN (src/main/core/models/deep/build.ts): 3 blocks of conv 3x3 (no bias) +
    batch norm + 2x2 max pooling + ReLU (pooling first, as Earmark builds it: the same function as
    ReLU first) with 16, 32, 64 filters, max over time, dropout 0.3, dense 64 + ReLU, dropout 0.3,
    dense softmax."""

    def __init__(self, frames, mels, classes):
        super().__init__()
        blocks, channels, t, f = [], 1, frames, mels
        for filters in (16, 32, 64):
            blocks += [
                nn.Conv2d(channels, filters, 3, padding=1, bias=False),
                nn.BatchNorm2d(filters, eps=1e-3, momentum=0.1),
                nn.MaxPool2d(2),
                nn.ReLU(),
            ]
            channels, t, f = filters, t // 2, f // 2
        self.blocks = nn.Sequential(*blocks)
        self.time_pool = nn.MaxPool2d((t, 1))
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(0.3),
            nn.Linear(channels * f, 64),
            nn.ReLU(),
            nn.Dropout(0.3),
            nn.Linear(64, classes),
        )

    def forward(self, x):
        return self.head(self.time_pool(self.blocks(x.unsqueeze(1))))


def main():
    path = sys.argv[1]
    frames, mels, classes, batch, steps, infer_clips, threads = map(int, sys.argv[2:9])
    rounds = int(sys.argv[9]) if len(sys.argv) > 9 else 1
    torch.set_num_threads(threads)
    # Subnormal floats (tiny gradients as training goes on) slow x86 arithmetic down tenfold;
    # flushing them to zero gives PyTorch its best speed.
    torch.set_flush_denormal(True)
    torch.manual_seed(0)
    raw = np.fromfile(path, dtype=np.uint8)
    n = raw.size // (4 * (frames * mels + 1))
    x = torch.from_numpy(raw[: 4 * n * frames * mels].view(np.float32).reshape(n, frames, mels).copy())
    y = torch.from_numpy(raw[4 * n * frames * mels :].view(np.int32).astype(np.int64))
    x = (x - x.mean()) / x.std()
    model = Cnn(frames, mels, classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step(i):
        start = (i * batch) % (n - batch)
        optimizer.zero_grad()
        loss = loss_fn(model(x[start : start + batch]), y[start : start + batch])
        loss.backward()
        optimizer.step()

    def timed(run):
        """(wall seconds, CPU seconds) of run()."""
        start, cpu_start = time.perf_counter(), time.process_time()
        run()
        return time.perf_counter() - start, time.process_time() - cpu_start

    # Warm-up steps before timing: a fresh process's first steps run slower (allocator, caches).
    warmup = 10
    done_steps = [warmup]

    def train_round():
        # Rounds go on through the data, as epochs would.
        for i in range(done_steps[0], done_steps[0] + steps):
            step(i)
        done_steps[0] += steps

    model.train()
    for i in range(warmup):
        step(i)
    train = [timed(train_round) for _ in range(rounds)]

    def infer_round():
        done = 0
        while done < infer_clips:
            part = x[done % (n - batch) : done % (n - batch) + batch]
            model(part).argmax(1)
            done += batch

    model.eval()
    with torch.no_grad():
        model(x[:batch])
        infer = [timed(infer_round) for _ in range(rounds)]
    done = -(-infer_clips // batch) * batch

    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": threads,
                "rounds": rounds,
                "trainSamplesPerSecond": statistics.median(steps * batch / w for w, _ in train),
                "inferClipsPerSecond": statistics.median(done / w for w, _ in infer),
                # Per second of this process's CPU time: what a busy machine skews least.
                "trainSamplesPerCpuSecond": statistics.median(steps * batch / c for _, c in train),
                "inferClipsPerCpuSecond": statistics.median(done / c for _, c in infer),
            }
        )
    )


if __name__ == "__main__":
    main()
