// Builds the deep models on [frames × features] inputs. Every layer's initial weights come
// from the run's seed, so the same seed builds the same network.
import { resolve } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { BatchNorm, PlainConv2D, SeededDropout } from './layers'
import { mixSeed } from '../seeded-random'
import { FusedGru, FusedLstm } from './recurrent-layers'
import { embed, embeddingNode, GraphEmbedding, graphInput, loadGraphBase } from './graph-base'
import { isGraphModelFolder } from './graph-format'
import { loadLayersModelFrom } from './io'
import type { CnnParams, CrnnParams, DeepModelSpec, RnnParams, TransferParams } from './params'

/** A network ready to train: the whole model (to save and predict with) and its training forward pass. */
export interface DeepNet {
  /** The model, input [batch, frames, features] → class probabilities. */
  model: tf.LayersModel
  /** The forward pass in training mode (a transfer base runs in inference mode, as Keras advises for fine-tuning). */
  forward(x: tf.Tensor): tf.Tensor
  /** The variables the optimiser updates. */
  trainable(): tf.Variable[]
  /** The inputs go in as they are, not standardised (a GraphModel base expects its own input scale). */
  rawInputs?: boolean
  /**
   * Where all but the head is frozen (a transfer base not fine-tuned): the embedding of a batch,
   * in inference mode, and the head on embeddings. The trainer then embeds each example once
   * rather than every epoch.
   */
  frozen?: FrozenBase
}

/** A frozen base and the head on its embeddings. */
export interface FrozenBase {
  /** Embeddings [batch, ...embeddingShape] of inputs [batch, frames, features]. */
  embed(x: tf.Tensor): tf.Tensor
  embeddingShape: number[]
  head(embedding: tf.Tensor, training: boolean): tf.Tensor
}

/** Input shape of every deep model: frames × features per frame. */
export type InputShape = readonly [frames: number, features: number]

class Seeds {
  private n = 0
  constructor(private readonly seed: number) {}
  /** A fresh seed for the next layer. */
  next(): number {
    return mixSeed(this.seed, ++this.n) % 2147483647
  }
  glorot(): ReturnType<typeof tf.initializers.zeros> {
    return tf.initializers.glorotUniform({ seed: this.next() })
  }
  orthogonal(): ReturnType<typeof tf.initializers.zeros> {
    return tf.initializers.orthogonal({ seed: this.next(), gain: 1 })
  }
}

/**
 * conv + batch norm (+ max pooling where the axis is long enough) + ReLU, `blocks` times. The
 * pooling runs before the ReLU: max and ReLU commute, outputs and gradients are the same, and
 * the ReLU and its gradient then see a quarter of the values.
 */
function convBlocks(
  x: tf.SymbolicTensor,
  filters: readonly number[],
  kernelSize: number,
  seeds: Seeds,
  poolTime: (block: number) => boolean,
): tf.SymbolicTensor {
  let y = x
  filters.forEach((f, block) => {
    y = new PlainConv2D({
      filters: f,
      kernelSize,
      padding: 'same',
      useBias: false,
      kernelInitializer: seeds.glorot(),
    }).apply(y) as tf.SymbolicTensor
    y = new BatchNorm({ momentum: 0.9 }).apply(y) as tf.SymbolicTensor
    const [, t, fr] = y.shape as [null, number, number, number]
    const pool: [number, number] = [poolTime(block) && t >= 2 ? 2 : 1, fr >= 2 ? 2 : 1]
    if (pool[0] > 1 || pool[1] > 1) y = tf.layers.maxPooling2d({ poolSize: pool }).apply(y) as tf.SymbolicTensor
    y = tf.layers.activation({ activation: 'relu' }).apply(y) as tf.SymbolicTensor
  })
  return y
}

function dense(
  x: tf.SymbolicTensor,
  units: number,
  activation: 'relu' | OutputActivation,
  seeds: Seeds,
): tf.SymbolicTensor {
  return tf.layers.dense({ units, activation, kernelInitializer: seeds.glorot() }).apply(x) as tf.SymbolicTensor
}

function dropout(x: tf.SymbolicTensor, rate: number): tf.SymbolicTensor {
  return rate > 0 ? (new SeededDropout({ rate }).apply(x) as tf.SymbolicTensor) : x
}

function plainNet(model: tf.LayersModel): DeepNet {
  return {
    model,
    forward: (x) => model.apply(x, { training: true }) as tf.Tensor,
    trainable: () => model.trainableWeights.map((w) => w.read() as tf.Variable),
  }
}

/** The CNN: conv blocks, a head keeping frequency (max over time, or flatten), dense layers. */
function buildCnn(input: InputShape, classes: number, p: CnnParams, output: OutputActivation): DeepNet {
  const seeds = new Seeds(p.seed)
  const x = tf.input({ shape: [...input] })
  let y = tf.layers.reshape({ targetShape: [input[0], input[1], 1] }).apply(x) as tf.SymbolicTensor
  y = convBlocks(y, p.filters, p.kernelSize, seeds, () => true)
  if (p.head === 'timePool') {
    const t = (y.shape as number[])[1] as number
    y = tf.layers.maxPooling2d({ poolSize: [t, 1] }).apply(y) as tf.SymbolicTensor
  }
  y = tf.layers.flatten().apply(y) as tf.SymbolicTensor
  // The pooled features are all positive (maxima of ReLUs); normalising them keeps the dense
  // layers' initial outputs small, without which the first epochs' loss stays far above ln(k).
  y = new BatchNorm({ momentum: 0.9 }).apply(y) as tf.SymbolicTensor
  if (p.denseUnits > 0) y = dense(dropout(y, p.dropout), p.denseUnits, 'relu', seeds)
  y = dense(dropout(y, p.dropout), classes, output, seeds)
  return plainNet(tf.model({ inputs: x, outputs: y, name: 'cnn' }))
}

/** The CRNN: conv blocks (pooling time in all but the last), then a bidirectional GRU or LSTM over time. */
function buildCrnn(input: InputShape, classes: number, p: CrnnParams, output: OutputActivation): DeepNet {
  const seeds = new Seeds(p.seed)
  const x = tf.input({ shape: [...input] })
  let y = tf.layers.reshape({ targetShape: [input[0], input[1], 1] }).apply(x) as tf.SymbolicTensor
  y = convBlocks(y, p.filters, p.kernelSize, seeds, (block) => block < p.filters.length - 1)
  const [, t, f, c] = y.shape as [null, number, number, number]
  y = tf.layers.reshape({ targetShape: [t, f * c] }).apply(y) as tf.SymbolicTensor
  y = recurrent(p.cell, p.lstmUnits, false, true, seeds).apply(y) as tf.SymbolicTensor
  y = dense(dropout(y, p.dropout), classes, output, seeds)
  return plainNet(tf.model({ inputs: x, outputs: y, name: 'crnn' }))
}

function recurrent(
  cell: 'lstm' | 'gru',
  units: number,
  returnSequences: boolean,
  bidirectional: boolean,
  seeds: Seeds,
): tf.layers.Layer {
  const make = (): tf.layers.RNN => {
    const args = {
      units,
      returnSequences,
      kernelInitializer: seeds.glorot(),
      recurrentInitializer: seeds.orthogonal(),
    }
    return cell === 'lstm' ? new FusedLstm(args) : new FusedGru(args)
  }
  return bidirectional ? tf.layers.bidirectional({ layer: make(), mergeMode: 'concat' }) : make()
}

/** The LSTM / GRU on feature sequences (MFCC + deltas). */
function buildRnn(input: InputShape, classes: number, p: RnnParams, output: OutputActivation): DeepNet {
  const seeds = new Seeds(p.seed)
  const x = tf.input({ shape: [...input] })
  let y: tf.SymbolicTensor = x
  const sequences = p.pooling !== 'last'
  for (let i = 0; i < p.layers; i++) {
    y = recurrent(p.cell, p.lstmUnits, sequences || i < p.layers - 1, p.bidirectional, seeds).apply(
      y,
    ) as tf.SymbolicTensor
  }
  if (p.pooling === 'mean') y = tf.layers.globalAveragePooling1d().apply(y) as tf.SymbolicTensor
  if (p.pooling === 'max') y = tf.layers.globalMaxPooling1d().apply(y) as tf.SymbolicTensor
  if (p.denseUnits > 0) y = dense(dropout(y, p.dropout), p.denseUnits, 'relu', seeds)
  y = dense(dropout(y, p.dropout), classes, output, seeds)
  return plainNet(tf.model({ inputs: x, outputs: y, name: p.cell }))
}

/**
 * Transfer learning: the base model (loaded from `p.baseModel`) up to its embedding, frozen but for
 * its top `fineTuneLayers` layers with weights, then a new head for `classes` classes.
 */
async function buildTransfer(
  input: InputShape,
  classes: number,
  p: TransferParams,
  output: OutputActivation,
): Promise<DeepNet> {
  if (await isGraphModelFolder(p.baseModel)) return buildGraphTransfer(input, classes, p, output)
  const seeds = new Seeds(p.seed)
  const base = await loadLayersModelFrom(p.baseModel)
  const baseInput = base.inputs[0] as tf.SymbolicTensor
  requireInputShape((baseInput.shape as (number | null)[]).slice(1), input)
  let embedding: tf.SymbolicTensor
  if (p.embeddingLayer !== null) {
    embedding = base.getLayer(p.embeddingLayer).output as tf.SymbolicTensor
  } else {
    const last = base.layers[base.layers.length - 1] as tf.layers.Layer
    embedding = last.input as tf.SymbolicTensor
  }
  const extractor = tf.model({ inputs: baseInput, outputs: embedding })
  for (const layer of extractor.layers) layer.trainable = false
  let tuned = 0
  for (const layer of [...extractor.layers].reverse()) {
    if (tuned >= p.fineTuneLayers) break
    if (layer.weights.length === 0) continue
    layer.trainable = true
    tuned++
  }
  const embeddingShape = (embedding.shape as number[]).slice(1)
  const head = transferHead(embeddingShape, classes, p, seeds, output)
  const model = tf.model({
    inputs: baseInput,
    outputs: head.apply(extractor.apply(baseInput)) as tf.SymbolicTensor,
    name: 'transfer',
  })
  return {
    model,
    forward: (x) => head.apply(extractor.apply(x, { training: false }), { training: true }) as tf.Tensor,
    trainable: () => [...extractor.trainableWeights, ...head.trainableWeights].map((w) => w.read() as tf.Variable),
    ...(tuned === 0
      ? {
          frozen: {
            embed: (x: tf.Tensor) => extractor.apply(x, { training: false }) as tf.Tensor,
            embeddingShape,
            head: (e: tf.Tensor, training: boolean) => head.apply(e, { training }) as tf.Tensor,
          },
        }
      : {}),
  }
}

/** A transfer model's new head: flatten (where the embedding has axes), dense layers, the outputs. */
function transferHead(
  embeddingShape: number[],
  classes: number,
  p: TransferParams,
  seeds: Seeds,
  output: OutputActivation,
): tf.LayersModel {
  const input = tf.input({ shape: embeddingShape })
  let y: tf.SymbolicTensor = input
  if (embeddingShape.length > 1) y = tf.layers.flatten().apply(y) as tf.SymbolicTensor
  if (p.denseUnits > 0) y = dense(dropout(y, p.dropout), p.denseUnits, 'relu', seeds)
  y = dense(dropout(y, p.dropout), classes, output, seeds)
  return tf.model({ inputs: input, outputs: y, name: 'head' })
}

function requireInputShape(expected: (number | null)[] | null, input: InputShape): void {
  if (expected === null || (expected.length === 2 && expected[0] === input[0] && expected[1] === input[1])) return
  throw new Error(
    `the base model takes inputs of shape [${expected.join(', ')}], but the features are [${input.join(', ')}]: use the base model’s feature settings`,
  )
}

/**
 * Transfer learning from a GraphModel: the graph, frozen (its weights are constants), gives the
 * embedding at `embeddingLayer` (a node name; by default the output named like an embedding, or
 * the first), and a new head learns the classes.
 */
async function buildGraphTransfer(
  input: InputShape,
  classes: number,
  p: TransferParams,
  output: OutputActivation,
): Promise<DeepNet> {
  if (p.fineTuneLayers > 0) {
    throw new Error(
      'a GraphModel base cannot be fine-tuned (its weights are constants of the graph): use fineTuneLayers 0, or a LayersModel base',
    )
  }
  const seeds = new Seeds(p.seed)
  const folder = resolve(p.baseModel)
  const graph = await loadGraphBase(folder)
  const takes = graphInput(graph)
  if (takes.audio && input[1] !== 1) {
    throw new Error(
      `the base GraphModel takes audio samples (its input is [samples]), but the features are [${input.join(', ')}]: use waveform features (kind: waveform, at the sample rate it was trained on, 16000 for YAMNet)`,
    )
  }
  if (!takes.audio) requireInputShape(takes.shape, input)
  const node = embeddingNode(graph, p.embeddingLayer)
  let embeddingShape: number[]
  try {
    embeddingShape = tf.tidy(() => embed(graph, node, tf.zeros([1, ...input])).shape.slice(1))
  } catch (error) {
    throw new Error(
      `the base GraphModel has no output ${node} for inputs of shape [${input.join(', ')}]: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    )
  }
  const x = tf.input({ shape: [...input] })
  const embedding = new GraphEmbedding({ graph: folder, node, embeddingShape }).apply(x) as tf.SymbolicTensor
  const head = transferHead(embeddingShape, classes, p, seeds, output)
  const model = tf.model({ inputs: x, outputs: head.apply(embedding) as tf.SymbolicTensor, name: 'transfer' })
  return {
    ...plainNet(model),
    // A graph from a hub expects its inputs as it was trained on them (a waveform in [-1, 1]).
    rawInputs: true,
    frozen: {
      embed: (t) => embed(graph, node, t),
      embeddingShape,
      head: (e, training) => head.apply(e, { training }) as tf.Tensor,
    },
  }
}

/**
 * The activation of a network's outputs: a softmax over classes that exclude each other, or one
 * sigmoid per class where an example may hold several (multi-label; overlapping regions).
 */
export type OutputActivation = 'softmax' | 'sigmoid'

/** Builds the network a spec describes for inputs of `input` shape and `classes` classes. */
export async function buildDeepNet(
  spec: DeepModelSpec,
  input: InputShape,
  classes: number,
  output: OutputActivation = 'softmax',
): Promise<DeepNet> {
  switch (spec.model) {
    case 'cnn':
      return buildCnn(input, classes, spec.params, output)
    case 'crnn':
      return buildCrnn(input, classes, spec.params, output)
    case 'lstm':
      return buildRnn(input, classes, spec.params, output)
    case 'transfer':
      return buildTransfer(input, classes, spec.params, output)
    default:
      throw missingCase(spec)
  }
}

function missingCase(x: never): Error {
  return new Error(`unhandled deep model: ${JSON.stringify(x)}`)
}
