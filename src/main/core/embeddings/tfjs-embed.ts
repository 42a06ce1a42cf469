// Embeddings of model inputs by a TensorFlow.js base, run in the training worker (TF.js never runs
// in the studio's main thread): an Earmark deep model's or any LayersModel's penultimate layer, or
// a GraphModel's embedding output. Models are loaded once per worker and kept for later batches.
import * as tf from '@tensorflow/tfjs'
import { embed, embeddingNode, graphInput, loadGraphBase } from '../models/deep/graph-base'
import { loadLayersModelFrom } from '../models/deep/io'
import { standardize, type Standardizer } from '../training/data'
import { initEngine } from '../training/engine'
import { loadDeepModel } from '../training/saved'
import { windowInputs } from '../detection/window-input'
import { recipeShape, type Recipe } from '../feature-sets/recipe'
import { modelNormalization, normalizeInputs, type InputNormalization } from '../training/normalize'
import type { TfjsBaseRef, WindowBatch } from './base-ref'
import { sampleWindows } from './windows'

/** A loaded base: embeddings of `n` inputs laid one after another in `x`. */
interface Extractor {
  run(x: Float32Array, n: number): tf.Tensor
  /** Inputs are standardised as the model was trained (Earmark models), else given as they are. */
  standardizer: Standardizer | null
  /** The per-clip normalisation an Earmark model trained with (none for other models). */
  normalize: InputNormalization
}

const extractors = new Map<string, Promise<Extractor>>()

/** The layer before a LayersModel's last one (its classifier): its output is the embedding. */
function penultimate(model: tf.LayersModel): tf.LayersModel {
  const last = model.layers[model.layers.length - 1]
  if (!last || model.layers.length < 2) {
    throw new Error('the model has no layer before its output, so nothing to read as an embedding')
  }
  const input = last.input
  if (Array.isArray(input)) throw new Error('the model’s last layer takes several inputs: no single embedding')
  return tf.model({ inputs: model.inputs, outputs: input })
}

/** Reshapes a flat batch to a model's input shape, checking each input's size. */
function batchOf(x: Float32Array, n: number, shape: readonly (number | null)[], what: string): tf.Tensor {
  const per = x.length / n
  const known = shape.filter((d): d is number => d !== null && d > 0)
  const fixed = known.reduce((a, b) => a * b, 1)
  const open = shape.length - known.length
  if (open > 1 || (open === 0 && fixed !== per) || (open === 1 && per % fixed !== 0)) {
    throw new Error(`${what} takes inputs of shape [${shape.map((d) => d ?? '?').join(', ')}], not ${per} values`)
  }
  const dims = shape.map((d) => (d === null || d <= 0 ? per / fixed : d))
  return tf.tensor(x, [n, ...dims])
}

async function loadExtractor(base: TfjsBaseRef): Promise<Extractor> {
  await initEngine()
  switch (base.kind) {
    case 'earmark': {
      const model = await loadDeepModel(base.dir)
      const extractor = penultimate(model.model)
      const shape = model.inputShape
      return {
        standardizer: model.standardizer,
        normalize: modelNormalization(model.spec),
        run: (x, n) => extractor.predict(batchOf(x, n, shape, `the model in ${base.dir}`)) as tf.Tensor,
      }
    }
    case 'tfjs-layers': {
      const model = await loadLayersModelFrom(base.dir)
      const extractor = penultimate(model)
      const shape = ((model.inputs[0] as tf.SymbolicTensor).shape as (number | null)[]).slice(1)
      return {
        standardizer: null,
        normalize: 'none',
        run: (x, n) => extractor.predict(batchOf(x, n, shape, `the LayersModel in ${base.dir}`)) as tf.Tensor,
      }
    }
    case 'tfjs-graph': {
      const graph = await loadGraphBase(base.dir)
      const input = graphInput(graph)
      const node = embeddingNode(graph, base.node)
      return {
        standardizer: null,
        normalize: 'none',
        run: (x, n) =>
          embed(
            graph,
            node,
            input.audio
              ? tf.tensor2d(x, [n, x.length / n])
              : batchOf(x, n, input.shape ?? [null], `the GraphModel in ${base.dir}`),
          ),
      }
    }
  }
}

/**
 * Embeddings of `n` inputs: row-major [n × dims]. Throws, naming the base, where its output is
 * not a vector of numbers per input.
 */
export async function embedInputs(
  base: TfjsBaseRef,
  x: Float32Array,
  n: number,
  batchSize = 64,
  /** The recipe the inputs were computed by: an Earmark model trained with per-clip normalisation needs it. */
  recipe: Recipe | null = null,
): Promise<{ vectors: Float32Array; dims: number }> {
  const key = JSON.stringify(base)
  let pending = extractors.get(key)
  if (!pending) {
    pending = loadExtractor(base)
    extractors.set(key, pending)
    pending.catch(() => extractors.delete(key))
  }
  const extractor = await pending
  if (extractor.normalize !== 'none') {
    if (!recipe)
      throw new Error(`the model in ${JSON.stringify(base)} normalises its inputs per clip: its recipe is needed`)
    // Each window is a short clip: normalised per window, as the model's training inputs were.
    x = x.slice()
    normalizeInputs(x, recipeShape(recipe), extractor.normalize, recipe)
  }
  const per = x.length / n
  let dims = -1
  let vectors = new Float32Array(0)
  for (let start = 0; start < n; start += batchSize) {
    const m = Math.min(batchSize, n - start)
    const batch = x.slice(start * per, (start + m) * per)
    if (extractor.standardizer) {
      for (let i = 0; i < m; i++) standardize(batch, i * per, per, extractor.standardizer)
    }
    const y = tf.tidy(() => extractor.run(batch, m))
    try {
      if (y.dtype !== 'float32') throw new Error(`its output is of type ${y.dtype}, not numbers`)
      if (y.shape[0] !== m) {
        throw new Error(`its output has shape [${y.shape.join(', ')}], not one row per input (${m})`)
      }
      const width = y.size / m
      if (dims === -1) {
        dims = width
        vectors = new Float32Array(n * dims)
      }
      vectors.set((await y.data()) as Float32Array, start * dims)
    } finally {
      y.dispose()
    }
  }
  return { vectors, dims: Math.max(dims, 0) }
}

/** Embeddings of a recording's windows: their inputs (the recipe's features, or the samples), then the base. */
export function embedWindows(base: TfjsBaseRef, batch: WindowBatch): Promise<{ vectors: Float32Array; dims: number }> {
  const x = batch.recipe
    ? windowInputs(batch.samples, batch.starts, batch.windowSamples, batch.recipe).x
    : sampleWindows(batch.samples, batch.starts, batch.windowSamples, batch.perWindow)
  return embedInputs(base, x, batch.starts.length, 64, batch.recipe ?? null)
}
