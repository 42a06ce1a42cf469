import { accuracy, checkMatrix, type LabelledMatrix } from './data'
import type { TreeClassifier } from './model'
import { mulberry32, shuffle, streamSeed } from './random'

/** How much a model relies on one feature. */
export interface FeatureImportance {
  /** The feature's name, e.g. `mfcc_3_mean`. */
  feature: string
  /** Its column in the feature matrix. */
  index: number
  importance: number
  /** Standard deviation over the permutation repeats (0 for impurity importance). */
  std: number
}

/** How permutation importance is measured. */
export interface PermutationOptions {
  /** Shuffles of each feature (default 5, as scikit-learn). */
  repeats?: number
  seed?: number
  /** The score whose drop is measured (default: accuracy). */
  score?: (truth: Int32Array, predicted: Int32Array) => number
}

/**
 * The model's impurity-based importances, most important first: for a forest the mean decrease
 * in Gini impurity (scikit-learn's feature_importances_), for boosting the total split gain
 * (LightGBM's 'gain'), each normalised to sum to 1. Computed on the training data, so they can
 * flatter features with many distinct values; permutation importance on held-out rows cannot.
 */
export function impurityImportance(model: TreeClassifier): FeatureImportance[] {
  return ranked(
    model.featureNames.map((feature, index) => ({ feature, index, importance: model.importances[index] ?? 0, std: 0 })),
  )
}

/**
 * Permutation importance, as scikit-learn's permutation_importance: how much the score drops
 * when one feature's values are shuffled across rows, breaking its link with the class; the
 * mean (and standard deviation) over `repeats` shuffles, most important first.
 */
export function permutationImportance(
  model: TreeClassifier,
  data: LabelledMatrix,
  options: PermutationOptions = {},
): FeatureImportance[] {
  checkMatrix(data, model.featureNames.length)
  const { nRows, nFeatures, y } = data
  const repeats = options.repeats ?? 5
  const score = options.score ?? accuracy
  const baseline = score(y, model.predict(data))
  const x = Float64Array.from(data.x)
  const shuffled = { x, nRows, nFeatures }
  const column = new Float64Array(nRows)
  const order = new Int32Array(nRows)
  const result: FeatureImportance[] = []
  for (let f = 0; f < nFeatures; f++) {
    // One generator per feature: a feature's result does not depend on the others.
    const random = mulberry32(streamSeed(options.seed ?? 0, f))
    for (let r = 0; r < nRows; r++) column[r] = x[r * nFeatures + f] as number
    const drops: number[] = []
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (let r = 0; r < nRows; r++) order[r] = r
      shuffle(order, random)
      for (let r = 0; r < nRows; r++) x[r * nFeatures + f] = column[order[r] as number] as number
      drops.push(baseline - score(y, model.predict(shuffled)))
    }
    for (let r = 0; r < nRows; r++) x[r * nFeatures + f] = column[r] as number
    const mean = drops.reduce((a, b) => a + b, 0) / repeats
    const std = Math.sqrt(drops.reduce((a, b) => a + (b - mean) ** 2, 0) / repeats)
    result.push({ feature: model.featureNames[f] ?? String(f), index: f, importance: mean, std })
  }
  return ranked(result)
}

function ranked(importances: FeatureImportance[]): FeatureImportance[] {
  return importances.sort((a, b) => b.importance - a.importance || a.index - b.index)
}
