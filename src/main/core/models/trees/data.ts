import { EarmarkError } from '../../errors'

/**
 * Feature values of some rows (clips), row-major: row r's feature f is `x[r * nFeatures + f]`.
 * One flat typed array rather than an array of rows: it is what a feature extractor or a CSV
 * reader fills anyway, it costs one allocation, and it can be shared with worker threads as is.
 */
export interface FeatureMatrix {
  x: Float32Array | Float64Array
  nRows: number
  nFeatures: number
}

/** A feature matrix with the class of each row, as an index into the class names. */
export interface LabelledMatrix extends FeatureMatrix {
  y: Int32Array
}

/** What a tree model trains on: labelled rows, the names of their features and of the classes. */
export interface TrainingSet extends LabelledMatrix {
  featureNames: readonly string[]
  classes: readonly string[]
}

/** A feature matrix from an array of rows, for callers that have them that way (and for tests). */
export function matrixFromRows(rows: readonly (readonly number[])[]): FeatureMatrix {
  const nFeatures = rows[0]?.length ?? 0
  const x = new Float64Array(rows.length * nFeatures)
  rows.forEach((row, r) => {
    if (row.length !== nFeatures) throw invalid(`row ${r} has ${row.length} values; row 0 has ${nFeatures}`)
    x.set(row, r * nFeatures)
  })
  return { x, nRows: rows.length, nFeatures }
}

/** Checks a matrix's shape, and that it has the features a model was trained on. */
export function checkMatrix(matrix: FeatureMatrix, nFeatures = matrix.nFeatures): void {
  const { x, nRows } = matrix
  if (!Number.isInteger(nRows) || nRows < 0 || !Number.isInteger(matrix.nFeatures) || matrix.nFeatures < 1) {
    throw invalid(`a feature matrix needs whole numbers of rows and features (got ${nRows} x ${matrix.nFeatures})`)
  }
  if (matrix.nFeatures !== nFeatures) {
    throw invalid(`the model was trained on ${nFeatures} features; this matrix has ${matrix.nFeatures}`)
  }
  if (x.length !== nRows * nFeatures) {
    throw invalid(`${nRows} rows of ${nFeatures} features need ${nRows * nFeatures} values; x has ${x.length}`)
  }
}

/**
 * Checks a training set and its values: no infinities (as in scikit-learn), and no missing values
 * at all unless the model handles them.
 */
export function checkTrainingSet(data: TrainingSet, model: string, allowMissing: boolean): void {
  checkMatrix(data)
  const { nRows, nFeatures, y, classes } = data
  if (nRows < 1) throw invalid(`${model} needs at least one training row`)
  if (data.featureNames.length !== nFeatures) {
    throw invalid(`${data.featureNames.length} feature names for ${nFeatures} features`)
  }
  if (y.length !== nRows) throw invalid(`${y.length} labels for ${nRows} rows`)
  for (let r = 0; r < nRows; r++) {
    const label = y[r] as number
    if (label < 0 || label >= classes.length) {
      throw invalid(`row ${r}'s class index ${label} is outside the ${classes.length} class names`)
    }
  }
  checkValues(data, data.featureNames, model, allowMissing)
}

/** Rejects infinite values, and missing (NaN) ones unless allowed, naming the first offender. */
export function checkValues(
  matrix: FeatureMatrix,
  featureNames: readonly string[],
  model: string,
  allowMissing: boolean,
): void {
  const { x, nFeatures } = matrix
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number
    if (v - v === 0) continue // finite
    const where = `row ${Math.floor(i / nFeatures)}, feature ${featureNames[i % nFeatures] ?? i % nFeatures}`
    if (Number.isNaN(v)) {
      if (allowMissing) continue
      throw invalid(`${model} does not accept missing values (NaN at ${where}); impute them, or use gradient boosting`)
    }
    throw invalid(`${model} does not accept infinite values (${v} at ${where})`)
  }
}

/** The share of rows whose predicted class is the true one. */
export function accuracy(truth: Int32Array, predicted: Int32Array): number {
  let right = 0
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) right++
  return truth.length === 0 ? 0 : right / truth.length
}

/** The index of the largest of `width` numbers starting at `offset` (the first, on a tie, as numpy's argmax). */
export function argmax(values: Float64Array, offset: number, width: number): number {
  let best = 0
  let bestValue = values[offset] as number
  for (let k = 1; k < width; k++) {
    const v = values[offset + k] as number
    if (v > bestValue) {
      bestValue = v
      best = k
    }
  }
  return best
}

/** The class of each row: the most probable one. */
export function classesFromProba(proba: Float64Array, nRows: number, nClasses: number): Int32Array {
  const predicted = new Int32Array(nRows)
  for (let r = 0; r < nRows; r++) predicted[r] = argmax(proba, r * nClasses, nClasses)
  return predicted
}

function invalid(message: string): EarmarkError {
  return new EarmarkError('invalid-input', message)
}
