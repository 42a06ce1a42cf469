// A trained deep model as a folder: the TensorFlow.js LayersModel (model.json + weights.bin, which
// any TensorFlow.js or Keras-converter tool loads) and earmark-model.json with what predicting
// needs besides (classes, input shape, standardisation, feature recipe, spec, engine). A model
// transferred from a GraphModel keeps that graph in base/ (its layer is Earmark's own).
import { existsSync } from 'node:fs'
import { cp, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { graphEmbeddingOf, withGraphIn, withRelativeGraph } from '../models/deep/graph-base'
import { folderLoader, folderSaver, loadLayersModelFrom, writeFileAtomic } from '../models/deep/io'
import type { InputShape } from '../models/deep/build'
import type { DeepModelSpec } from '../models/deep/params'
import type { FeatureSource, Standardizer } from './data'
import { arraySource, standardize } from './data'
import { initEngine } from './engine'
import { CLIPS_WORTH_A_PEER, CLIPS_WORTH_STARTING_A_PEER, hasPeer, predictOnPeer } from './inference-peers'
import { defaultTrainingWorkers } from './trainer'
import type { DeepFeatureConfig } from './features'
import { DEEP_METADATA_FILE, GRAPH_BASE_DIR } from '../models/deep/files'
import type { TrainedDeepModel } from './trainer'

export { DEEP_METADATA_FILE } from '../models/deep/files'
/** Its format tag. */
const DEEP_MODEL_FORMAT = 'earmark-deep-model'

/** What earmark-model.json holds. */
export interface DeepModelMetadata {
  format: typeof DEEP_MODEL_FORMAT
  version: 1
  spec: DeepModelSpec
  classes: string[]
  inputShape: InputShape
  standardizer: Standardizer
  /** How clips become inputs, when the caller said (exported runs always do). */
  features: DeepFeatureConfig | null
  /** The engine it trained on. */
  engine: string | null
}

/** A saved model loaded back, ready to predict. */
export interface LoadedDeepModel extends TrainedDeepModel {
  features: DeepFeatureConfig | null
}

/** Saves a trained model into `dir` (created if needed). */
export async function saveDeepModel(
  trained: TrainedDeepModel,
  dir: string,
  extra: { features?: DeepFeatureConfig | null; engine?: string | null } = {},
): Promise<void> {
  const graph = graphEmbeddingOf(trained.model)
  if (graph) {
    // The GraphModel the embedding runs goes with the model (a folder of a few files).
    await cp(graph.graph, join(dir, GRAPH_BASE_DIR), { recursive: true })
    await trained.model.save(withRelativeGraph(folderSaver(dir)))
  } else {
    await trained.model.save(folderSaver(dir))
  }
  const metadata: DeepModelMetadata = {
    format: DEEP_MODEL_FORMAT,
    version: 1,
    spec: trained.spec,
    classes: trained.classes,
    inputShape: trained.inputShape,
    standardizer: trained.standardizer,
    features: extra.features ?? null,
    engine: extra.engine ?? null,
  }
  await writeFileAtomic(join(dir, DEEP_METADATA_FILE), JSON.stringify(metadata, null, 2))
}

/** Loads a model saved by `saveDeepModel`. */
export async function loadDeepModel(dir: string): Promise<LoadedDeepModel> {
  await initEngine()
  const metadata = JSON.parse(await readFile(join(dir, DEEP_METADATA_FILE), 'utf8')) as DeepModelMetadata
  if (metadata.format !== DEEP_MODEL_FORMAT) throw new Error(`${dir} does not hold an Earmark deep model`)
  const model = existsSync(join(dir, GRAPH_BASE_DIR))
    ? await tf.loadLayersModel(await withGraphIn(dir, folderLoader(dir)))
    : await loadLayersModelFrom(dir)
  return {
    model,
    spec: metadata.spec,
    classes: metadata.classes,
    inputShape: metadata.inputShape,
    standardizer: metadata.standardizer,
    features: metadata.features,
  }
}

/** Class probabilities of each example, and the most probable class. */
export interface DeepPredictions {
  /** Row-major [examples × classes]. */
  probabilities: Float32Array
  /** Index of the most probable class of each example. */
  predicted: Int32Array
  classes: string[]
  /** Threads that predicted (2: a peer predicted part of the clips). */
  workers?: number
}

/** Predicts every example of `features` (raw, unstandardised inputs of the model's shape), a batch at a time. */
export async function predictDeep(
  trained: TrainedDeepModel,
  features: FeatureSource | Float32Array,
  options: {
    batchSize?: number
    /**
     * Threads that predict: the calling thread and a peer holding a copy of the model, half of
     * the clips each. Default: every core for calls large enough to repay the peer (see
     * inference-peers.ts), else 1.
     */
    workers?: number
  } = {},
): Promise<DeepPredictions> {
  const engine = await initEngine()
  const source = features instanceof Float32Array ? arraySource(features, trained.inputShape) : features
  const [frames, width] = trained.inputShape
  if (source.shape[0] !== frames || source.shape[1] !== width) {
    throw new Error(`the model takes ${frames}x${width} inputs, not ${source.shape.join('x')}`)
  }
  const k = trained.classes.length
  const per = frames * width
  const batchSize = options.batchSize ?? 64
  const probabilities = new Float32Array(source.count * k)
  const worthIt = source.count >= (hasPeer(trained.model) ? CLIPS_WORTH_A_PEER : CLIPS_WORTH_STARTING_A_PEER)
  const workers = options.workers ?? (worthIt ? defaultTrainingWorkers() : 1)
  // A model with a graph base (kept outside the LayersModel) predicts on this thread alone.
  // A peer builds the network from its spec: a transfer model's base stays with this thread.
  const shared = workers > 1 && trained.spec.model !== 'transfer' && !hasGraphBase(trained.model)
  const mine = shared ? Math.ceil(source.count / 2) : source.count
  let theirs: Promise<Float32Array | null> = Promise.resolve(null)
  if (shared && mine < source.count) {
    const x = new Float32Array((source.count - mine) * per)
    for (let i = mine; i < source.count; i++) {
      source.read(i, x, (i - mine) * per)
      standardize(x, (i - mine) * per, per, trained.standardizer)
    }
    // Should the peer fail, this thread predicts its clips as well.
    theirs = predictOnPeer(trained, engine.name, x, [source.count - mine, frames, width], batchSize).catch(() => null)
  }
  for (let start = 0; start < mine; start += batchSize) {
    const n = Math.min(batchSize, mine - start)
    const x = new Float32Array(n * per)
    for (let i = 0; i < n; i++) {
      source.read(start + i, x, i * per)
      standardize(x, i * per, per, trained.standardizer)
    }
    const probs = tf.tidy(() => trained.model.predict(tf.tensor3d(x, [n, frames, width])) as tf.Tensor)
    probabilities.set((await probs.data()) as Float32Array, start * k)
    probs.dispose()
  }
  const peer = await theirs
  if (peer) probabilities.set(peer, mine * k)
  else if (mine < source.count) {
    const rest = await predictDeep(trained, sliceOf(source, mine), { batchSize, workers: 1 })
    probabilities.set(rest.probabilities, mine * k)
  }
  const predicted = new Int32Array(source.count)
  for (let i = 0; i < source.count; i++) {
    let best = 0
    for (let j = 1; j < k; j++)
      if ((probabilities[i * k + j] as number) > (probabilities[i * k + best] as number)) best = j
    predicted[i] = best
  }
  return { probabilities, predicted, classes: trained.classes, workers: peer ? 2 : 1 }
}

/** Examples `from` on of a source. */
function sliceOf(source: FeatureSource, from: number): FeatureSource {
  return {
    count: source.count - from,
    shape: source.shape,
    read: (i, out, offset) => source.read(from + i, out, offset),
  }
}

/** Whether a model holds a layer over a GraphModel base, which a peer cannot rebuild from the artifacts. */
function hasGraphBase(model: tf.LayersModel): boolean {
  return model.layers.some((layer) => layer.getClassName().toLowerCase().includes('graph'))
}
