// Small synthetic deep-model datasets: each class lights up its own band of features in the second
// half of the frames, over Gaussian noise, so a small network learns them in a few epochs.
import { Random } from '../../../src/main/core/models/deep/layers'
import type { WorkerDataset } from '../../../src/main/core/training'

/** `perClass` examples of each of `classes` classes, frames × features, every third one held out for validation. */
export function bandsDataset(
  options: { classes?: number; perClass?: number; frames?: number; features?: number; seed?: number } = {},
): WorkerDataset {
  const k = options.classes ?? 3
  const perClass = options.perClass ?? 12
  const frames = options.frames ?? 12
  const width = options.features ?? 8
  const random = new Random(options.seed ?? 7)
  const n = k * perClass
  const features = new Float32Array(n * frames * width)
  const labels = new Int32Array(n)
  const train: number[] = []
  const validation: number[] = []
  for (let i = 0; i < n; i++) {
    const c = i % k
    labels[i] = c
    for (let t = 0; t < frames; t++) {
      for (let f = 0; f < width; f++) {
        const lit = t >= frames / 2 && Math.floor((f * k) / width) === c
        features[(i * frames + t) * width + f] = random.normal() * 0.5 + (lit ? 2 : 0)
      }
    }
    ;(Math.floor(i / k) % 3 === 2 ? validation : train).push(i)
  }
  return {
    features,
    shape: [frames, width],
    labels,
    classes: Array.from({ length: k }, (_, c) => `class ${c}`),
    train,
    validation,
  }
}
