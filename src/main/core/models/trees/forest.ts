import { availableParallelism } from 'node:os'
import { EarmarkError } from '../../errors'
import { sortColumns, type CartOptions } from './cart'
import {
  accuracy,
  argmax,
  checkMatrix,
  checkTrainingSet,
  checkValues,
  classesFromProba,
  type FeatureMatrix,
  type TrainingSet,
} from './data'
import { growForestShare, type ForestShare, type ForestTask } from './forest-trees'
import type { TreeClassifier } from './model'
import { forestParamsSchema, parseParams, type ForestParams, type ForestParamsInput } from './params'
import { toShared, withTreesPool } from './parallel'
import { leafOf, type Tree } from './tree'

/*
 * Why our own forest: on the fsdd-dev summary features (1,350 rows x 40 features, 10 classes),
 * ml-random-forest 2.1 (the well-kept npm option, on ml-cart) took 25.7 s for 30 trees on one
 * core, so about 260 s for 300, where scikit-learn fits 300 in 0.8 s on two. It also draws its
 * features once per tree rather than at each split, and has no class weights. This one presorts
 * each feature once and grows trees on worker threads: 300 trees on fsdd-dev in 0.68 s on two
 * workers, against scikit-learn's 1.0 s on two threads (bench/results/trees.json).
 */

/** How a forest trains. */
export interface ForestTrainOptions {
  /** Worker threads that grow the trees (default: one per core); 0 grows them on this thread. */
  workers?: number
  /** Called each time a share of the trees is grown. */
  onProgress?: (treesGrown: number, trees: number) => void
  /** Cancels training: the promise rejects with the signal's reason. */
  signal?: AbortSignal
}

/** A trained random forest. */
export class RandomForest implements TreeClassifier {
  readonly kind = 'rf'

  constructor(
    readonly featureNames: readonly string[],
    readonly classes: readonly string[],
    readonly params: ForestParams,
    readonly trees: readonly Tree[],
    /** Mean decrease in Gini impurity per feature, averaged over trees, summing to 1 (as scikit-learn's). */
    readonly importances: Float64Array,
    /** Accuracy of each training row's out-of-bag trees (those whose bootstrap left it out); null if none did. */
    readonly oobScore: number | null,
  ) {}

  /** The mean of the trees' class probabilities, as scikit-learn's predict_proba. */
  predictProba(matrix: FeatureMatrix): Float64Array {
    checkMatrix(matrix, this.featureNames.length)
    checkValues(matrix, this.featureNames, 'A random forest', false)
    const { x, nRows, nFeatures } = matrix
    const nClasses = this.classes.length
    const proba = new Float64Array(nRows * nClasses)
    for (const tree of this.trees) {
      for (let r = 0; r < nRows; r++) {
        const leaf = leafOf(tree, x, r * nFeatures) * nClasses
        for (let k = 0; k < nClasses; k++) {
          proba[r * nClasses + k] = (proba[r * nClasses + k] as number) + (tree.value[leaf + k] as number)
        }
      }
    }
    for (let i = 0; i < proba.length; i++) proba[i] = (proba[i] as number) / this.trees.length
    return proba
  }

  /** The most probable class of each row. */
  predict(matrix: FeatureMatrix): Int32Array {
    return classesFromProba(this.predictProba(matrix), matrix.nRows, this.classes.length)
  }
}

/**
 * Trains a random forest as scikit-learn's RandomForestClassifier does: each tree on a bootstrap
 * sample, Gini splits over `maxFeatures` random features, probabilities averaged over trees.
 * Trees grow on worker threads; the same seed gives the same forest whatever the thread count.
 * Missing (NaN) values are refused: impute them, or use gradient boosting.
 */
export async function trainRandomForest(
  data: TrainingSet,
  params: ForestParamsInput = {},
  options: ForestTrainOptions = {},
): Promise<RandomForest> {
  const p = parseParams(forestParamsSchema, params, 'random forest')
  checkTrainingSet(data, 'A random forest', false)
  const { nRows, nFeatures, y } = data
  const nClasses = data.classes.length
  const cart: CartOptions = {
    nClasses,
    maxDepth: p.maxDepth ?? Infinity,
    minSamplesLeaf: p.minSamplesLeaf,
    maxFeatures: featuresPerSplit(p.maxFeatures, nFeatures),
  }
  const task: Omit<ForestTask, 'first' | 'count'> = {
    x: data.x,
    nRows,
    nFeatures,
    y,
    columns: sortColumns(data.x, nRows, nFeatures),
    classWeights: classWeights(p.classWeight, data),
    options: cart,
    seed: p.seed,
  }
  const workers = Math.min(options.workers ?? availableParallelism(), p.trees)
  // A few shares per worker keep both busy to the end and let progress be reported as they land.
  const shares = splitTrees(p.trees, Math.max(1, workers * 4))
  const grown =
    workers > 0 ? await growOnWorkers(task, shares, workers, options) : await growHere(task, shares, options)

  const trees = grown.flatMap((share) => share.trees)
  const oobProba = new Float64Array(nRows * nClasses)
  const oobVotes = new Int32Array(nRows)
  for (const share of grown) {
    for (let i = 0; i < oobProba.length; i++) oobProba[i] = (oobProba[i] as number) + (share.oobProba[i] as number)
    for (let r = 0; r < nRows; r++) oobVotes[r] = (oobVotes[r] as number) + (share.oobVotes[r] as number)
  }
  return new RandomForest(
    [...data.featureNames],
    [...data.classes],
    p,
    trees,
    meanImportance(
      grown.flatMap((share) => share.importances),
      nFeatures,
    ),
    oobScore(oobProba, oobVotes, y, nClasses),
  )
}

/** The number of features to try at each split, as scikit-learn reads max_features. */
export function featuresPerSplit(maxFeatures: ForestParams['maxFeatures'], nFeatures: number): number {
  let count: number
  if (maxFeatures === 'sqrt') count = Math.floor(Math.sqrt(nFeatures))
  else if (maxFeatures === 'log2') count = Math.floor(Math.log2(nFeatures))
  else if (maxFeatures <= 1) count = Math.floor(maxFeatures * nFeatures)
  else count = maxFeatures
  return Math.min(nFeatures, Math.max(1, count))
}

/** Each class's weight; 'balanced' gives n / (classes present · rows of the class), as scikit-learn. */
export function classWeights(classWeight: ForestParams['classWeight'], data: TrainingSet): Float64Array {
  const weights = new Float64Array(data.classes.length).fill(1)
  if (classWeight === null) return weights
  if (classWeight === 'balanced') {
    const counts = new Int32Array(data.classes.length)
    for (const label of data.y) counts[label] = (counts[label] as number) + 1
    const present = counts.filter((c) => c > 0).length
    counts.forEach((count, k) => {
      if (count > 0) weights[k] = data.nRows / (present * count)
    })
    return weights
  }
  for (const [name, weight] of Object.entries(classWeight)) {
    const k = data.classes.indexOf(name)
    if (k < 0) throw new EarmarkError('invalid-input', `classWeight names ${name}, which is not one of the classes`)
    weights[k] = weight
  }
  return weights
}

/** Trees 0..trees-1 in `parts` contiguous runs of nearly equal size. */
function splitTrees(trees: number, parts: number): { first: number; count: number }[] {
  const n = Math.min(parts, trees)
  return Array.from({ length: n }, (_, i) => {
    const first = Math.floor((i * trees) / n)
    return { first, count: Math.floor(((i + 1) * trees) / n) - first }
  })
}

async function growOnWorkers(
  task: Omit<ForestTask, 'first' | 'count'>,
  shares: { first: number; count: number }[],
  workers: number,
  options: ForestTrainOptions,
): Promise<ForestShare[]> {
  // Shared memory: every worker reads the one copy of the data.
  const { order, sorted, rank } = task.columns
  const shared = {
    ...task,
    x: toShared(task.x),
    y: toShared(task.y),
    columns: { order: toShared(order), sorted: toShared(sorted), rank: toShared(rank) },
  }
  let grown = 0
  return withTreesPool(workers, options.signal, (pool) =>
    Promise.all(
      shares.map(async (share) => {
        const result = await pool.run('growForestShare', { ...shared, ...share })
        grown += share.count
        options.onProgress?.(grown, totalTrees(shares))
        return result
      }),
    ),
  )
}

async function growHere(
  task: Omit<ForestTask, 'first' | 'count'>,
  shares: { first: number; count: number }[],
  options: ForestTrainOptions,
): Promise<ForestShare[]> {
  const grown: ForestShare[] = []
  let trees = 0
  for (const share of shares) {
    // Let an abort (or anything else waiting) in between shares.
    await new Promise((resolve) => setImmediate(resolve))
    options.signal?.throwIfAborted()
    grown.push(growForestShare({ ...task, ...share }))
    trees += share.count
    options.onProgress?.(trees, totalTrees(shares))
  }
  return grown
}

function totalTrees(shares: { count: number }[]): number {
  return shares.reduce((sum, share) => sum + share.count, 0)
}

/** The trees' importances averaged and normalised, as scikit-learn (a tree that is a single leaf adds nothing). */
function meanImportance(importances: Float64Array[], nFeatures: number): Float64Array {
  const mean = new Float64Array(nFeatures)
  for (const importance of importances) {
    for (let f = 0; f < nFeatures; f++) mean[f] = (mean[f] as number) + (importance[f] as number)
  }
  const sum = mean.reduce((a, b) => a + b, 0)
  if (sum > 0) for (let f = 0; f < nFeatures; f++) mean[f] = (mean[f] as number) / sum
  return mean
}

function oobScore(oobProba: Float64Array, oobVotes: Int32Array, y: Int32Array, nClasses: number): number | null {
  const rows = []
  for (let r = 0; r < y.length; r++) if ((oobVotes[r] as number) > 0) rows.push(r)
  if (rows.length === 0) return null
  const truth = Int32Array.from(rows, (r) => y[r] as number)
  const predicted = Int32Array.from(rows, (r) => argmax(oobProba, r * nClasses, nClasses))
  return accuracy(truth, predicted)
}
