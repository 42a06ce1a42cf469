import { loadPredictableModel } from './artifacts'
import { loadSummaryFeatures, type FeatureSource, type LoadSummaryOptions } from './features'
import { deepModelFolder, predictDeepClips } from './predict-deep'

/** Class probabilities of some clips or audio files under a saved model, whatever kind of model it is. */
export interface ClipProbabilities {
  /** Class names, in the order of each row's probabilities. */
  labels: string[]
  /** Indices (into the clips or files asked for) of the rows of `proba`, in order. */
  rows: number[]
  /** Row r's class k at `proba[r * labels.length + k]`. */
  proba: Float64Array
  /** Clips that could not be read, with why: they get no row, never a guess. */
  failed: { index: number; path: string; reason: string }[]
}

/**
 * The one place that knows how each kind of saved model turns audio into probabilities, so that
 * active learning and the explorer stay model-agnostic. Either kind reads the feature set its run
 * recorded through the one feature door (features.ts): the project's cache for its clips, the
 * same code without it for files. Trees predict here; deep models in the training worker
 * (predict-deep.ts).
 */
export async function predictClipProbabilities(
  modelPath: string,
  source: FeatureSource,
  options: LoadSummaryOptions = {},
): Promise<ClipProbabilities> {
  const deep = deepModelFolder(modelPath)
  if (deep !== null) return predictDeepClips(deep, source, options)
  const { model, recipe } = await loadPredictableModel(modelPath)
  const matrix = await loadSummaryFeatures(source, recipe, options)
  const nRows = matrix.rows.length
  const proba =
    nRows > 0 ? model.predictProba({ x: matrix.x, nRows, nFeatures: matrix.names.length }) : new Float64Array(0)
  return { labels: [...model.classes], rows: matrix.rows, proba, failed: matrix.failed }
}
