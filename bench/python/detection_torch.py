"""PyTorch's reference figures for bench/detection.bench.ts: Earmark's default CNN scoring the same
windows of a recording.

Usage: detection_torch.py SPEC.json

SPEC.json, written by the TypeScript side:
- "windows": a file of float32 log-mel images (frames x mels each, frame-major), the inputs
  Earmark's detector computed for every window of the recording; "frames", "mels", "classes";
- "mean", "std": the per-mel-band standardiser saved with the model, applied as Earmark applies it;
- "filters", "kernelSize", "denseUnits", "dropout", "bnEpsilon", "bnMomentum", "weights",
  "weightList": the network and its weights (the model Earmark detects with), as
  training_torch.py reads them;
- "batch", "rounds", "threads"; "check": how many windows' probabilities to print, to compare.

Times the eval-mode network over every window in batches of "batch", standardisation and softmax
included, "rounds" times after one warm-up batch. Prints one JSON line.
"""

import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from training_torch import Cnn  # noqa: E402


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    torch.set_num_threads(spec["threads"])
    torch.set_num_interop_threads(1)
    torch.set_flush_denormal(True)
    frames, mels = spec["frames"], spec["mels"]
    x = torch.from_numpy(np.fromfile(spec["windows"], dtype=np.float32).reshape(-1, frames, mels).copy())
    mean = torch.tensor(spec["mean"], dtype=torch.float32)
    std = torch.tensor(spec["std"], dtype=torch.float32)
    model = Cnn(spec)
    model.load_earmark(np.fromfile(spec["weights"], dtype=np.float32), spec["weightList"])
    model.eval()
    batch = spec["batch"]
    n = x.shape[0]

    def score_all():
        out = []
        for start in range(0, n, batch):
            out.append(model((x[start : start + batch] - mean) / std).softmax(1))
        return out

    with torch.no_grad():
        model((x[:batch] - mean) / std)
        rounds = []
        for _ in range(spec["rounds"]):
            start, cpu_start = time.perf_counter(), time.process_time()
            scores = score_all()
            rounds.append((time.perf_counter() - start, time.process_time() - cpu_start))
        check = torch.cat(scores)[: spec["check"]].numpy().tolist()

    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "windows": n,
                "rounds": [n / w for w, _ in rounds],
                "windowsPerSecond": statistics.median(n / w for w, _ in rounds),
                "windowsPerCpuSecond": statistics.median(n / c for _, c in rounds),
                "probabilities": check,
            }
        )
    )


if __name__ == "__main__":
    main()
