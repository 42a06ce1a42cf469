// One optimiser step as a fixed number of micro-batches, whichever thread computes each of them.
//
// Why a fixed count: batch normalisation normalises by the statistics of the examples it sees at
// once, so half a batch on each core would not give the full batch's gradient. Rather than
// exchange statistics inside every batch-norm layer (twice per layer and step, forward and
// backward), a step is defined as MICRO_BATCHES consecutive parts of the batch, each normalised
// on its own ("ghost" batch norm), their gradients summed. One worker computes the parts one
// after another, two workers one part each: the same arithmetic in the same order, so a seeded
// run ends with the same weights on any worker count. The moving statistics after a step are the
// mean of what each part's forward pass left, each part starting from the step's statistics.
import * as tf from '@tensorflow/tfjs'
import type { DropoutStream } from '../models/deep/layers'
import { mixSeed, Random } from '../models/seeded-random'

/** Parts of a batch of the usual sizes; at most this many workers share a step. */
export const MICRO_BATCHES = 2

/**
 * The smallest part batch norm normalises on its own: smaller batches stay whole (one part, one
 * worker), as the statistics of a handful of examples would make training noisier.
 */
export const MIN_PART = 16

/** Parts of each step of a run of batches of `batchSize` (a run's constant, whatever its worker count). */
export function partCount(batchSize: number): number {
  return batchSize >= MICRO_BATCHES * MIN_PART ? MICRO_BATCHES : 1
}

/** [start, end) of each non-empty part of a batch of `size` examples, cut as evenly as the count allows. */
export function microBatchBounds(size: number, count: number): [number, number][] {
  const bounds: [number, number][] = []
  for (let m = 0; m < count; m++) {
    const start = Math.floor((m * size) / count)
    const end = Math.floor(((m + 1) * size) / count)
    if (end > start) bounds.push([start, end])
  }
  return bounds
}

/**
 * The dropout stream of part `m` of batch `batch` of `epoch`: the same whichever worker draws it.
 * The first part keeps the whole batch's seed of before, so that runs of one part a step (small
 * batches) train, and resume from their checkpoints, exactly as they did.
 */
export function microBatchSeed(seed: number, epoch: number, batch: number, m: number): number {
  return m === 0 ? mixSeed(seed, epoch, batch, 2) : mixSeed(seed, epoch, batch, 2, m)
}

/** A network as the step sees it: what trains, what batch norm keeps, and the training forward pass. */
export interface StepNet {
  forward(x: tf.Tensor): tf.Tensor
  /** Trainable variables, in the optimiser's order. */
  trainable: tf.Variable[]
  /** Non-trainable state the forward pass updates (batch norm's moving statistics). */
  state: tf.Variable[]
  dropout: DropoutStream
  /** [frames, features] of one example. */
  shape: readonly [number, number]
  classes: number
  loss(probs: tf.Tensor, y: tf.Tensor, w: tf.Tensor): tf.Scalar
}

/** Where one part's results go (views of shared memory on the parallel path). */
export interface PartOutput {
  /** Every trainable variable's gradient, one after another. */
  grads: Float32Array
  /** The state variables after the part's forward pass, one after another. */
  state: Float32Array
  /** [part size × classes] output probabilities. */
  probs: Float32Array
}

/** Total elements of a list of variables. */
export const sizeOf = (variables: readonly tf.Variable[]): number => variables.reduce((n, v) => n + v.size, 0)

/** Copies variables' values one after another into `out`. */
export function readInto(variables: readonly tf.Variable[], out: Float32Array): void {
  let offset = 0
  for (const v of variables) {
    out.set(v.dataSync() as Float32Array, offset)
    offset += v.size
  }
}

/** Sets variables from values one after another. */
export function assignFrom(variables: readonly tf.Variable[], values: Float32Array): void {
  let offset = 0
  tf.tidy(() => {
    for (const v of variables) {
      v.assign(tf.tensor(values.subarray(offset, offset + v.size), v.shape, 'float32'))
      offset += v.size
    }
  })
}

/**
 * The gradient of one part of a batch: its share (size / batch size) of the batch's mean loss, so
 * the parts' gradients sum to the batch's. Returns that share of the loss.
 */
export function computePart(
  net: StepNet,
  x: Float32Array,
  y: Float32Array,
  w: Float32Array,
  batchSize: number,
  dropoutSeed: number,
  out: PartOutput,
): number {
  const n = w.length
  net.dropout.current = new Random(dropoutSeed)
  const [frames, features] = net.shape
  let probs: tf.Tensor | null = null
  const { value, grads } = tf.variableGrads(() => {
    const out = net.forward(tf.tensor3d(x, [n, frames, features]))
    probs = tf.keep(out)
    const loss = net.loss(out, tf.tensor2d(y, [n, net.classes]), tf.tensor1d(w))
    return tf.mul(loss, n / batchSize) as tf.Scalar
  }, net.trainable)
  let offset = 0
  for (const v of net.trainable) {
    const g = grads[v.name]
    if (g) out.grads.set(g.dataSync() as Float32Array, offset)
    else out.grads.fill(0, offset, offset + v.size)
    offset += v.size
  }
  readInto(net.state, out.state)
  const kept = probs as tf.Tensor | null
  if (kept) out.probs.set(kept.dataSync() as Float32Array)
  const loss = value.dataSync()[0] as number
  tf.dispose([value, ...Object.values(grads), ...(kept ? [kept] : [])])
  return loss
}

/** Applies the parts' summed gradient; the state becomes the mean of what the parts left. */
export function applyParts(
  net: StepNet,
  optimizer: tf.Optimizer,
  parts: readonly PartOutput[],
  sum: Float32Array,
  state: Float32Array,
): void {
  const first = parts[0]
  if (!first) return
  // Summed in part order, as every worker count does, so the result is the same bit for bit.
  sum.set(first.grads)
  for (let p = 1; p < parts.length; p++) {
    const g = (parts[p] as PartOutput).grads
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (g[i] as number)
  }
  if (state.length > 0) {
    state.set(first.state)
    for (let p = 1; p < parts.length; p++) {
      const s = (parts[p] as PartOutput).state
      for (let i = 0; i < state.length; i++) state[i] = (state[i] as number) + (s[i] as number)
    }
    for (let i = 0; i < state.length; i++) state[i] = (state[i] as number) / parts.length
    assignFrom(net.state, state)
  }
  const named: tf.NamedTensorMap = {}
  let offset = 0
  for (const v of net.trainable) {
    named[v.name] = tf.tensor(sum.subarray(offset, offset + v.size), v.shape, 'float32')
    offset += v.size
  }
  optimizer.applyGradients(named)
  tf.dispose(Object.values(named))
}

/** The state a training forward pass updates: every batch-norm layer's moving statistics. */
export function stateVariables(model: tf.LayersModel): tf.Variable[] {
  return model.nonTrainableWeights
    .filter((w) => /moving_(mean|variance)$/.test(w.originalName))
    .map((w) => w.read() as tf.Variable)
}
