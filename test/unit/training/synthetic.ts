// Small synthetic deep-model datasets: each class lights up its own band of features in the second
// half of the frames, over Gaussian noise, so a small network learns them in a few epochs.
import { Random } from '../../../src/main/core/models/seeded-random'
import type * as tf from '@tensorflow/tfjs'
import { arraySource, type DeepDataset, type WorkerDataset } from '../../../src/main/core/training'

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

/**
 * Clips of `samples` samples ([samples × 1]), each a tone of its class's frequency (class c:
 * (c + 1)·`cycles` cycles per `frame` samples) at a random phase and level over noise; every
 * third one held out for validation.
 */
export function tonesDataset(
  options: {
    classes?: number
    perClass?: number
    samples?: number
    frame?: number
    cycles?: number
    seed?: number
  } = {},
): WorkerDataset {
  const k = options.classes ?? 3
  const perClass = options.perClass ?? 9
  const samples = options.samples ?? 1024
  const frame = options.frame ?? 64
  const cycles = options.cycles ?? 4
  const random = new Random(options.seed ?? 3)
  const n = k * perClass
  const features = new Float32Array(n * samples)
  const labels = new Int32Array(n)
  const train: number[] = []
  const validation: number[] = []
  for (let i = 0; i < n; i++) {
    const c = i % k
    labels[i] = c
    const step = (2 * Math.PI * (c + 1) * cycles) / frame
    const phase = 2 * Math.PI * random.next()
    const level = 0.1 + 0.4 * random.next()
    for (let t = 0; t < samples; t++)
      features[i * samples + t] = level * Math.sin(step * t + phase) + 0.05 * random.normal()
    ;(Math.floor(i / k) % 3 === 2 ? validation : train).push(i)
  }
  return {
    features,
    shape: [samples, 1],
    labels,
    classes: Array.from({ length: k }, (_, c) => `tone ${c}`),
    train,
    validation,
  }
}

/** A worker dataset as the trainer reads it in this thread. */
export function dataset(d: WorkerDataset): DeepDataset {
  return {
    features: arraySource(d.features, d.shape),
    labels: d.labels,
    classes: d.classes,
    train: d.train,
    validation: d.validation,
  }
}

/** A model's weights as plain numbers, to compare runs. */
export const weightsOf = (model: tf.LayersModel): number[][] => model.getWeights().map((w) => Array.from(w.dataSync()))

/** A run's history without its clock, to compare runs. */
export const withoutTimes = <T extends { seconds: number }>(history: T[]) => history.map((h) => ({ ...h, seconds: 0 }))
