// A few-shot head: one logistic (sigmoid) output per class on stored embeddings, as Perch's agile
// modeling trains it. Labeled windows are positives of their classes and negatives of the others;
// unlabeled windows are weak negatives of every class, at a low weight, since most windows of a
// recording are none of what is being looked for. Plain TypeScript rather than TensorFlow.js: the
// model is one matrix, a few dozen passes of mini-batch Adam over a few thousand rows of a few
// hundred values take about a second in a loop, and it runs where the vectors already are, with
// no worker to start or tensors to copy.

import { mulberry32 } from '../models/trees/random'

/** Training examples: row-major vectors, each with its classes (empty: unlabeled). */
export interface HeadData {
  dims: number
  x: Float32Array
  /** Class indices of each row; an empty list marks an unlabeled row (a weak negative). */
  labels: readonly (readonly number[])[]
  classes: readonly string[]
  /**
   * Rows of no class that a person marked as none of the classes (background): negatives of
   * every class at full weight, not weak ones.
   */
  background?: readonly boolean[]
}

/** How a head trains. */
export interface HeadOptions {
  /** Weight of an unlabeled row's loss (a labeled row's is 1). */
  weakNegativeWeight?: number
  /** Passes over the rows (default: 40, or more for few rows, so that it takes at least 400 steps). */
  epochs?: number
  learningRate?: number
  /** L2 penalty on the weights. */
  l2?: number
  /** Rows per step. */
  batchSize?: number
  /** Seed of the order rows are visited in (the same seed, the same head). */
  seed?: number
}

/** A trained head: weights [classes × dims] row-major, and biases. */
export interface LinearHead {
  classes: string[]
  dims: number
  weights: Float32Array
  bias: Float32Array
  /** Final training loss, and the seconds training took. */
  loss: number
  seconds: number
}

/** Fewest optimiser steps a head takes unless told its epochs. */
const MIN_STEPS = 400

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)))

/**
 * Trains the head by mini-batch Adam on weighted binary cross-entropy. Positives of a class are
 * weighted up to balance its negatives, so a class with six examples is not drowned by the rest.
 */
export function trainLinearHead(data: HeadData, options: HeadOptions = {}): LinearHead {
  const began = performance.now()
  const { dims, x, labels } = data
  const k = data.classes.length
  const n = labels.length
  const weak = options.weakNegativeWeight ?? 0.05
  const batchSize = options.batchSize ?? 64
  // At least a few hundred steps: a few dozen labeled windows fill one batch per pass, and forty
  // steps leave such a head far from converged.
  const epochs = options.epochs ?? Math.max(40, Math.ceil(MIN_STEPS / Math.max(1, Math.ceil(n / batchSize))))
  const lr = options.learningRate ?? 0.01
  const l2 = options.l2 ?? 1e-4
  // Per class: positives weigh (labeled negatives) / (positives), so both sides count equally.
  const positives = new Float64Array(k)
  const marked = (i: number): boolean => (labels[i] as readonly number[]).length > 0 || data.background?.[i] === true
  let labeled = 0
  for (const [i, l] of labels.entries()) {
    if (marked(i)) labeled++
    for (const c of l) positives[c] = (positives[c] as number) + 1
  }
  const posWeight = Float64Array.from(positives, (p) => (p > 0 ? Math.max(1, (labeled - p) / p) : 1))
  const target = new Uint8Array(n * k)
  labels.forEach((l, i) => l.forEach((c) => (target[i * k + c] = 1)))

  const w = new Float32Array(k * dims)
  const b = new Float32Array(k)
  const gw = new Float32Array(k * dims)
  const gb = new Float32Array(k)
  const mw = new Float32Array(k * dims)
  const vw = new Float32Array(k * dims)
  const mb = new Float32Array(k)
  const vb = new Float32Array(k)
  const beta1 = 0.9
  const beta2 = 0.999
  const rowWeight = labels.map((_, i) => (marked(i) ? 1 : weak))
  const meanWeight = rowWeight.reduce((a, r) => a + r, 0) / Math.max(1, n)
  const random = mulberry32(options.seed ?? 1)
  const order = Array.from({ length: n }, (_, i) => i)
  let step = 0
  let loss = 0
  // Mini-batches: each pass costs rows × classes × dims twice (scores, then gradients), and a few
  // dozen passes of small steps converge where full-batch steps would need hundreds of passes.
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const r = Math.floor(random() * (i + 1))
      ;[order[i], order[r]] = [order[r] as number, order[i] as number]
    }
    loss = 0
    for (let from = 0; from < n; from += batchSize) {
      const to = Math.min(n, from + batchSize)
      gw.fill(0)
      gb.fill(0)
      const scale = 1 / ((to - from) * meanWeight)
      for (let q = from; q < to; q++) {
        const i = order[q] as number
        const o = i * dims
        for (let c = 0; c < k; c++) {
          const wo = c * dims
          let z = b[c] as number
          for (let j = 0; j < dims; j++) z += (w[wo + j] as number) * (x[o + j] as number)
          const y = target[i * k + c] as number
          const p = sigmoid(z)
          const weight = (rowWeight[i] as number) * (y === 1 ? (posWeight[c] as number) : 1) * scale
          loss -=
            (weight * (y === 1 ? Math.log(Math.max(p, 1e-12)) : Math.log(Math.max(1 - p, 1e-12)))) / (n / (to - from))
          const g = weight * (p - y)
          if (g === 0) continue
          gb[c] = (gb[c] as number) + g
          for (let j = 0; j < dims; j++) gw[wo + j] = (gw[wo + j] as number) + g * (x[o + j] as number)
        }
      }
      step++
      const c1 = 1 - beta1 ** step
      const c2 = 1 - beta2 ** step
      for (let j = 0; j < w.length; j++) {
        const g = (gw[j] as number) + l2 * (w[j] as number)
        mw[j] = beta1 * (mw[j] as number) + (1 - beta1) * g
        vw[j] = beta2 * (vw[j] as number) + (1 - beta2) * g * g
        w[j] = (w[j] as number) - (lr * ((mw[j] as number) / c1)) / (Math.sqrt((vw[j] as number) / c2) + 1e-8)
      }
      for (let c = 0; c < k; c++) {
        const g = gb[c] as number
        mb[c] = beta1 * (mb[c] as number) + (1 - beta1) * g
        vb[c] = beta2 * (vb[c] as number) + (1 - beta2) * g * g
        b[c] = (b[c] as number) - (lr * ((mb[c] as number) / c1)) / (Math.sqrt((vb[c] as number) / c2) + 1e-8)
      }
    }
  }
  return { classes: [...data.classes], dims, weights: w, bias: b, loss, seconds: (performance.now() - began) / 1000 }
}

/** Each row's score per class (sigmoid outputs), row-major [rows × classes]. */
export function headScores(head: LinearHead, x: Float32Array): Float32Array {
  const k = head.classes.length
  const n = x.length / head.dims
  const out = new Float32Array(n * k)
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let z = head.bias[c] as number
      const wo = c * head.dims
      const o = i * head.dims
      for (let j = 0; j < head.dims; j++) z += (head.weights[wo + j] as number) * (x[o + j] as number)
      out[i * k + c] = sigmoid(z)
    }
  }
  return out
}
