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
}

/** Predicts every example of `features` (raw, unstandardised inputs of the model's shape), a batch at a time. */
export async function predictDeep(
  trained: TrainedDeepModel,
  features: FeatureSource | Float32Array,
  options: { batchSize?: number } = {},
): Promise<DeepPredictions> {
  await initEngine()
  const source = features instanceof Float32Array ? arraySource(features, trained.inputShape) : features
  const [frames, width] = trained.inputShape
  if (source.shape[0] !== frames || source.shape[1] !== width) {
    throw new Error(`the model takes ${frames}x${width} inputs, not ${source.shape.join('x')}`)
  }
  const k = trained.classes.length
  const per = frames * width
  const batchSize = options.batchSize ?? 64
  const probabilities = new Float32Array(source.count * k)
  for (let start = 0; start < source.count; start += batchSize) {
    const n = Math.min(batchSize, source.count - start)
    const x = new Float32Array(n * per)
    for (let i = 0; i < n; i++) {
      source.read(start + i, x, i * per)
      standardize(x, i * per, per, trained.standardizer)
    }
    const probs = tf.tidy(() => trained.model.predict(tf.tensor3d(x, [n, frames, width])) as tf.Tensor)
    probabilities.set((await probs.data()) as Float32Array, start * k)
    probs.dispose()
  }
  const predicted = new Int32Array(source.count)
  for (let i = 0; i < source.count; i++) {
    let best = 0
    for (let j = 1; j < k; j++)
      if ((probabilities[i * k + j] as number) > (probabilities[i * k + best] as number)) best = j
    predicted[i] = best
  }
  return { probabilities, predicted, classes: trained.classes }
}
