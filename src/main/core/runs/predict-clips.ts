import { loadPredictableModel } from './artifacts'
import { loadSummaryFeatures, type LoadSummaryOptions } from './features'
import { deepModelFolder, predictDeepClips } from './predict-deep'

/** Class probabilities of some audio files under a saved model, whatever kind of model it is. */
export interface ClipProbabilities {
  /** Class names, in the order of each row's probabilities. */
  labels: string[]
  /** Indices (into the paths asked for) of the rows of `proba`, in order. */
  rows: number[]
  /** Row r's class k at `proba[r * labels.length + k]`. */
  proba: Float64Array
  /** Files that could not be read, with why: they get no row, never a guess. */
  failed: { index: number; path: string; reason: string }[]
}

/**
 * The one place that knows how each kind of saved model turns audio files into probabilities, so
 * that active learning and the explorer stay model-agnostic. Tree models read the summary features
 * their features.json describes, computed on worker threads; deep models their own input recipe,
 * and infer in the training worker (predict-deep.ts).
 */
export async function predictClipProbabilities(
  modelPath: string,
  paths: readonly string[],
  options: LoadSummaryOptions = {},
): Promise<ClipProbabilities> {
  const deep = deepModelFolder(modelPath)
  if (deep !== null) return predictDeepClips(deep, paths, options)
  const { model, config } = await loadPredictableModel(modelPath)
  const matrix = await loadSummaryFeatures(paths, config, options)
  const nRows = matrix.rows.length
  const proba =
    nRows > 0 ? model.predictProba({ x: matrix.x, nRows, nFeatures: matrix.names.length }) : new Float64Array(0)
  return { labels: [...model.classes], rows: matrix.rows, proba, failed: matrix.failed }
}
