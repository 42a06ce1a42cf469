// Training data for the deep models: fixed-shape feature matrices (frames × features, frame-major,
// as core/features computes them), integer labels and a split. Batches are assembled one at a
// time from the source, so the dataset is never held twice.
import { Random } from '../models/seeded-random'
import type { TrainingParams } from '../models/deep/params'
import type { OutputActivation } from '../models/deep/build'

/** Where the examples come from: any store that can copy example `i` into a buffer. */
export interface FeatureSource {
  /** Number of examples. */
  readonly count: number
  /** Frames × features of every example. */
  readonly shape: readonly [frames: number, features: number]
  /** Copies example `i` (frame-major) into `out` at `offset`. */
  read(i: number, out: Float32Array, offset: number): void
}

/** A feature source over one array holding every example, one after another. */
export function arraySource(data: Float32Array, shape: readonly [number, number]): FeatureSource {
  const size = shape[0] * shape[1]
  if (data.length % size !== 0)
    throw new Error(`the features (${data.length} values) are not whole ${shape.join('x')} examples`)
  return {
    count: data.length / size,
    shape,
    read: (i, out, offset) => out.set(data.subarray(i * size, (i + 1) * size), offset),
  }
}

/** Labelled examples and their split. */
export interface DeepDataset {
  /** The examples. */
  features: FeatureSource
  /** Class index of each example (with `targets`: only what stratifies and weights; -1 for none). */
  labels: ArrayLike<number>
  /**
   * Multi-label targets, row-major [examples × classes] of 0 and 1: when given, the model has one
   * sigmoid output per class and learns these by binary cross-entropy (an example of no class
   * is all zeros), instead of a softmax over `labels`. Class weights do not apply: every example
   * weighs 1.
   */
  targets?: ArrayLike<number>
  /** Class names, by index. */
  classes: readonly string[]
  /** Examples to train on (indices into the source). */
  train: readonly number[]
  /** Examples to validate on after each epoch (may be empty: early stopping then follows the training loss). */
  validation: readonly number[]
}

/** Per-feature (per mel band or coefficient) mean and standard deviation of the training examples. */
export interface Standardizer {
  mean: number[]
  std: number[]
}

/**
 * Mean and standard deviation of each feature over every frame of the given examples. Values
 * that are not finite are left out, so one damaged clip spoils only its own batches (whose loss
 * then stops the run with a clear message) rather than the standardisation of every example.
 */
export function fitStandardizer(source: FeatureSource, indices: readonly number[]): Standardizer {
  const [frames, features] = source.shape
  const buffer = new Float32Array(frames * features)
  const sum = new Float64Array(features)
  const sq = new Float64Array(features)
  const count = new Float64Array(features)
  for (const i of indices) {
    source.read(i, buffer, 0)
    for (let o = 0; o < buffer.length; o += features) {
      for (let f = 0; f < features; f++) {
        const v = buffer[o + f] as number
        if (!Number.isFinite(v)) continue
        sum[f] = (sum[f] as number) + v
        sq[f] = (sq[f] as number) + v * v
        count[f] = (count[f] as number) + 1
      }
    }
  }
  const mean = Array.from(sum, (s, f) => s / Math.max(1, count[f] as number))
  const std = Array.from(
    sq,
    (q, f) => Math.sqrt(Math.max(q / Math.max(1, count[f] as number) - (mean[f] as number) ** 2, 0)) || 1,
  )
  return { mean, std }
}

/** The standardiser that leaves inputs as they are (mean 0, deviation 1 for each feature). */
export function identityStandardizer(features: number): Standardizer {
  return { mean: new Array<number>(features).fill(0), std: new Array<number>(features).fill(1) }
}

/** Standardises one example in place. */
export function standardize(data: Float32Array, offset: number, length: number, s: Standardizer): void {
  const features = s.mean.length
  for (let o = offset; o < offset + length; o += features) {
    for (let f = 0; f < features; f++)
      data[o + f] = ((data[o + f] as number) - (s.mean[f] as number)) / (s.std[f] as number)
  }
}

/** The class weights a run trains with: 1 each, balanced (n / (k · n_c)), or per class name. */
export function classWeights(
  setting: TrainingParams['classWeight'],
  labels: ArrayLike<number>,
  train: readonly number[],
  classes: readonly string[],
): Float32Array {
  const weights = new Float32Array(classes.length).fill(1)
  if (setting === null) return weights
  if (setting === 'balanced') {
    const counts = new Float64Array(classes.length)
    for (const i of train) counts[labels[i] as number] = (counts[labels[i] as number] as number) + 1
    const present = counts.filter((c) => c > 0).length
    counts.forEach((c, k) => (weights[k] = c > 0 ? train.length / (present * c) : 0))
    return weights
  }
  for (const [name, w] of Object.entries(setting)) {
    const k = classes.indexOf(name)
    if (k < 0) throw new Error(`classWeight names an unknown class: ${name}`)
    weights[k] = w
  }
  return weights
}

/** A batch ready for the model: standardised (and augmented) inputs and one-hot (or mixed) targets. */
export interface Batch {
  x: Float32Array
  y: Float32Array
  /** Loss weight of each example. */
  weights: Float32Array
  size: number
}

/** Augmentation settings (the hyperparameters of the same names). */
export type Augmentation = Pick<
  TrainingParams,
  'timeShift' | 'freqWarp' | 'noise' | 'timeMasks' | 'timeMaskWidth' | 'freqMasks' | 'freqMaskWidth' | 'mixup'
>

/** Whether any augmentation is on. */
export function augments(a: Augmentation): boolean {
  return a.timeShift > 0 || a.freqWarp > 0 || a.noise > 0 || a.timeMasks > 0 || a.freqMasks > 0 || a.mixup > 0
}

/**
 * Builds one batch of the given examples. With `augment` (training batches only) each example is
 * shifted in time before standardisation (filling with its quietest value per feature), then
 * noise and SpecAugment masks (to 0, the standardised mean) apply, then mixup blends each example
 * with another of the batch. All randomness comes from `random`.
 */
export function makeBatch(
  data: DeepDataset,
  indices: readonly number[],
  standardizer: Standardizer,
  weightsByClass: Float32Array,
  augment: Augmentation | null,
  random: Random,
): Batch {
  const [frames, features] = data.features.shape
  const size = indices.length
  const per = frames * features
  const k = data.classes.length
  const x = new Float32Array(size * per)
  const y = new Float32Array(size * k)
  const weights = new Float32Array(size)
  indices.forEach((index, b) => {
    data.features.read(index, x, b * per)
    if (data.targets) {
      for (let c = 0; c < k; c++) y[b * k + c] = data.targets[index * k + c] as number
      weights[b] = 1
    } else {
      const label = data.labels[index] as number
      y[b * k + label] = 1
      weights[b] = weightsByClass[label] as number
    }
    if (augment && augment.timeShift > 0) shiftInTime(x, b * per, frames, features, augment.timeShift, random)
    if (augment && augment.freqWarp > 0) warpFeatures(x, b * per, frames, features, augment.freqWarp, random)
    standardize(x, b * per, per, standardizer)
    if (augment) {
      if (augment.noise > 0)
        for (let i = b * per; i < (b + 1) * per; i++) x[i] = (x[i] as number) + augment.noise * random.normal()
      for (let m = 0; m < augment.timeMasks; m++) {
        const width = random.int(Math.min(augment.timeMaskWidth, frames) + 1)
        const start = random.int(frames - width + 1)
        x.fill(0, b * per + start * features, b * per + (start + width) * features)
      }
      for (let m = 0; m < augment.freqMasks; m++) {
        const width = random.int(Math.min(augment.freqMaskWidth, features) + 1)
        const start = random.int(features - width + 1)
        for (let t = 0; t < frames; t++)
          x.fill(0, b * per + t * features + start, b * per + t * features + start + width)
      }
    }
  })
  if (augment && augment.mixup > 0 && size > 1) mixup(x, y, weights, size, per, k, augment.mixup, random)
  return { x, y, weights, size }
}

function shiftInTime(
  x: Float32Array,
  offset: number,
  frames: number,
  features: number,
  fraction: number,
  random: Random,
): void {
  const most = Math.floor(frames * fraction)
  const shift = random.int(2 * most + 1) - most
  if (shift === 0) return
  const example = x.slice(offset, offset + frames * features)
  const floor = new Float32Array(features).fill(Infinity)
  for (let o = 0; o < example.length; o += features) {
    for (let f = 0; f < features; f++) floor[f] = Math.min(floor[f] as number, example[o + f] as number)
  }
  for (let t = 0; t < frames; t++) {
    const from = t - shift
    const dst = offset + t * features
    if (from < 0 || from >= frames) x.set(floor, dst)
    else x.set(example.subarray(from * features, (from + 1) * features), dst)
  }
}

/**
 * Stretches one example's feature axis by a factor drawn within 1 ± `most`: band f takes the value
 * at f / factor of the original, interpolated linearly, and bands past the top take the top band.
 * On log-mel frames this moves formants up or down as a shorter or longer vocal tract would (VTLP
 * on the features, drawn afresh for every batch, where each waveform copy's is drawn once); on
 * features that are not bands in frequency order it has no such meaning, and runs refuse it there.
 */
function warpFeatures(
  x: Float32Array,
  offset: number,
  frames: number,
  features: number,
  most: number,
  random: Random,
): void {
  const factor = random.uniform(1 - most, 1 + most)
  // Where each band reads from is the same in every frame: found once per example.
  const below = new Int32Array(features)
  const weight = new Float64Array(features)
  for (let f = 0; f < features; f++) {
    const at = Math.min(f / factor, features - 1)
    below[f] = Math.floor(at)
    weight[f] = at - (below[f] as number)
  }
  const frame = new Float32Array(features)
  for (let t = 0; t < frames; t++) {
    const o = offset + t * features
    frame.set(x.subarray(o, o + features))
    for (let f = 0; f < features; f++) {
      const from = below[f] as number
      const w = weight[f] as number
      x[o + f] = (frame[from] as number) * (1 - w) + (frame[Math.min(from + 1, features - 1)] as number) * w
    }
  }
}

/**
 * Label smoothing, Keras's way, on a batch's targets in place: a softmax's targets move ε of their
 * mass to the uniform 1/k, a sigmoid's towards ½ (Keras's binary_crossentropy). Which class is the
 * target does not change.
 */
export function smoothLabels(y: Float32Array, k: number, epsilon: number, output: OutputActivation): void {
  const floor = output === 'softmax' ? epsilon / k : epsilon / 2
  for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) * (1 - epsilon) + floor
}

/** A Gamma(α, 1) number (Marsaglia and Tsang; α < 1 through the boost α + 1). */
function gamma(alpha: number, random: Random): number {
  if (alpha < 1) return gamma(alpha + 1, random) * Math.pow(1 - random.next(), 1 / alpha)
  const d = alpha - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    let z: number
    let v: number
    do {
      z = random.normal()
      v = 1 + c * z
    } while (v <= 0)
    v = v * v * v
    const u = 1 - random.next()
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v
  }
}

function mixup(
  x: Float32Array,
  y: Float32Array,
  weights: Float32Array,
  size: number,
  per: number,
  k: number,
  alpha: number,
  random: Random,
): void {
  const order = Array.from({ length: size }, (_, i) => i)
  for (let i = size - 1; i > 0; i--) {
    const j = random.int(i + 1)
    ;[order[i], order[j]] = [order[j] as number, order[i] as number]
  }
  const x0 = x.slice()
  const y0 = y.slice()
  const w0 = weights.slice()
  for (let b = 0; b < size; b++) {
    const a = gamma(alpha, random)
    const lambda = a / (a + gamma(alpha, random))
    const o = order[b] as number
    for (let i = 0; i < per; i++)
      x[b * per + i] = lambda * (x0[b * per + i] as number) + (1 - lambda) * (x0[o * per + i] as number)
    for (let i = 0; i < k; i++)
      y[b * k + i] = lambda * (y0[b * k + i] as number) + (1 - lambda) * (y0[o * k + i] as number)
    weights[b] = lambda * (w0[b] as number) + (1 - lambda) * (w0[o] as number)
  }
}

/** A seeded Fisher–Yates shuffle of the indices. */
export function shuffled(indices: readonly number[], random: Random): number[] {
  const out = indices.slice()
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(i + 1)
    ;[out[i], out[j]] = [out[j] as number, out[i] as number]
  }
  return out
}
