import type { FeatureMatrix } from './data'

/** The tree models, by the names the CLI (`--model rf|gbdt`) and sweep specs use. */
export type TreeModelKind = 'rf' | 'gbdt'

/** What every trained tree model offers. */
export interface TreeClassifier {
  readonly kind: TreeModelKind
  readonly featureNames: readonly string[]
  readonly classes: readonly string[]
  /** Impurity-based importance of each feature, in feature order, summing to 1 (all 0 if no tree split). */
  readonly importances: Float64Array
  /** Class probabilities, row-major: row r's class k at `r * classes.length + k`. */
  predictProba(matrix: FeatureMatrix): Float64Array
  /** The most probable class of each row. */
  predict(matrix: FeatureMatrix): Int32Array
}
