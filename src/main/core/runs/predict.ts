import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { classesFromProba } from '../models/trees/data'
import { DEEP_METADATA_FILE } from '../models/deep/files'
import { loadPredictableModel, RUN_FILES } from './artifacts'
import { deepModelFolder, predictDeepClips } from './predict-deep'
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
 * features.json): the feature set the run recorded (its preprocessing, then summary vectors for
 * trees, log-mel, MFCC or samples for deep models) computed by the same code as for the project's
 * clips, then the model's probabilities. A file that cannot be read gets an error, not a guess.
 */
export async function predictFiles(
  modelPath: string,
  files: readonly string[],
  options: { workers?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<PredictResult> {
  const deep = deepModelFolder(modelPath)
  if (deep !== null) {
    const { labels, rows, proba, failed } = await predictDeepClips(deep, { files }, options)
    const metadata = JSON.parse(readFileSync(join(deep, DEEP_METADATA_FILE), 'utf8')) as { spec: { model: string } }
    return {
      model: metadata.spec.model,
      modelPath: join(deep, RUN_FILES.model),
      labels,
      predictions: filePredictions(files, labels, rows, proba, failed),
    }
  }
  const { model, recipe, modelPath: resolved } = await loadPredictableModel(modelPath)
  const matrix = await loadSummaryFeatures({ files }, recipe, options)
  const labels = [...model.classes]
  const nRows = matrix.rows.length
  const proba =
    nRows > 0 ? model.predictProba({ x: matrix.x, nRows, nFeatures: matrix.names.length }) : new Float64Array(0)
  return {
    model: model.kind,
    modelPath: resolved,
    labels,
    predictions: filePredictions(files, labels, matrix.rows, proba, matrix.failed),
  }
}

/** Each file's prediction from the rows of probabilities that could be computed; the rest get their error. */
function filePredictions(
  files: readonly string[],
  labels: string[],
  rows: readonly number[],
  proba: Float64Array,
  failed: readonly { index: number; reason: string }[],
): FilePrediction[] {
  const predicted = classesFromProba(proba, rows.length, labels.length)
  const predictions: FilePrediction[] = files.map((path) => ({ path, predicted: null, probabilities: {} }))
  rows.forEach((index, r) => {
    const p = predictions[index] as FilePrediction
    p.predicted = labels[predicted[r] as number] as string
    p.probabilities = Object.fromEntries(labels.map((label, k) => [label, proba[r * labels.length + k] as number]))
  })
  for (const f of failed) (predictions[f.index] as FilePrediction).error = f.reason
  return predictions
}
