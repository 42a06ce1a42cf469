import { classesFromProba } from '../models/trees/data'
import { loadPredictableModel } from './artifacts'
import { loadSummaryFeatures } from './features'

/** A file's prediction by a saved model. */
export interface FilePrediction {
  path: string
  /** The most probable class; null when the file could not be read. */
  predicted: string | null
  /** Each class's probability, by name, in the model's class order. */
  probabilities: Record<string, number>
  /** Why the file could not be read. */
  error?: string
}

/** What `earmark predict` prints with --json. */
export interface PredictResult {
  model: string
  modelPath: string
  labels: string[]
  predictions: FilePrediction[]
}

/**
 * Predicts audio files with a saved model (a run folder, an export, or a model.json with its
 * features.json): their summary features under the model's own feature configuration, then the
 * model's probabilities. A file that cannot be read gets an error, not a guess.
 */
export async function predictFiles(
  modelPath: string,
  files: readonly string[],
  options: { workers?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<PredictResult> {
  const { model, config, modelPath: resolved } = await loadPredictableModel(modelPath)
  const matrix = await loadSummaryFeatures(files, config, options)
  const labels = [...model.classes]
  const nRows = matrix.rows.length
  const proba =
    nRows > 0 ? model.predictProba({ x: matrix.x, nRows, nFeatures: matrix.names.length }) : new Float64Array(0)
  const predicted = classesFromProba(proba, nRows, labels.length)
  const predictions: FilePrediction[] = files.map((path) => ({ path, predicted: null, probabilities: {} }))
  matrix.rows.forEach((index, r) => {
    const p = predictions[index] as FilePrediction
    p.predicted = labels[predicted[r] as number] as string
    p.probabilities = Object.fromEntries(labels.map((label, k) => [label, proba[r * labels.length + k] as number]))
  })
  for (const f of matrix.failed) (predictions[f.index] as FilePrediction).error = f.reason
  return { model: model.kind, modelPath: resolved, labels, predictions }
}
