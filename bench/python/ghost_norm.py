"""Batch norm over fixed parts of a batch, as Earmark trains (src/main/core/training/micro-batches.ts).

Earmark cuts each step's batch into a fixed number of parts (2 for batches of 32 or more, else 1),
normalises each part by its own statistics and sums the parts' gradients, so that one core or two
compute the same step. The references do the same so that both sides train the same network the
same way: each part is normalised on its own within one forward pass, the loss stays the batch
mean (the parts' losses weighted by their share, as Earmark weights them), and the moving
statistics move by the mean of the parts' statistics.
"""

import torch
import torch.nn.functional as F
from torch import nn

MICRO_BATCHES = 2
MIN_PART = 16


def part_count(batch_size):
    """Parts of each step of a run of batches of batch_size: a run's constant, as in Earmark."""
    return MICRO_BATCHES if batch_size >= MICRO_BATCHES * MIN_PART else 1


class GhostNorm(nn.Module):
    """Wraps a BatchNorm1d/2d: in training, each of `parts` consecutive parts of the batch is
    normalised by its own statistics; in evaluation, the wrapped layer's moving statistics."""

    def __init__(self, norm, parts):
        super().__init__()
        self.norm = norm
        self.parts = parts

    def forward(self, x):
        if not self.training or self.parts == 1:
            return self.norm(x)
        n = x.shape[0]
        bounds = [(m * n) // self.parts for m in range(self.parts + 1)]
        pieces = [x[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]
        norm = self.norm
        out = [F.batch_norm(p, None, None, norm.weight, norm.bias, True, 0.0, norm.eps) for p in pieces]
        with torch.no_grad():
            dims = [0] + list(range(2, x.dim()))
            mean = torch.stack([p.mean(dims) for p in pieces]).mean(0)
            var = torch.stack([p.var(dims, unbiased=True) for p in pieces]).mean(0)
            norm.running_mean.mul_(1 - norm.momentum).add_(mean * norm.momentum)
            norm.running_var.mul_(1 - norm.momentum).add_(var * norm.momentum)
        return torch.cat(out)
