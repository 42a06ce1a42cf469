import { growCart, type CartOptions, type SortedColumns } from './cart'
import { mulberry32, randomInt, streamSeed } from './random'
import { leafOf, type Tree } from './tree'

/** A share of a forest's trees to grow: the data, how to grow them, and which trees they are. */
export interface ForestTask {
  x: Float32Array | Float64Array
  nRows: number
  nFeatures: number
  y: Int32Array
  /** Each feature's rows sorted by value, computed once for all the shares. */
  columns: SortedColumns
  /** The weight of each class's rows. */
  classWeights: Float64Array
  options: CartOptions
  seed: number
  /** This share is trees `first` to `first + count - 1` of the forest. */
  first: number
  count: number
}

/** A grown share: its trees, their importances, and their votes on the rows they did not see. */
export interface ForestShare {
  trees: Tree[]
  /** Each tree's impurity importance per feature. */
  importances: Float64Array[]
  /** Summed class probabilities from the trees that left each row out of their bootstrap (row-major). */
  oobProba: Float64Array
  /** How many trees left each row out. */
  oobVotes: Int32Array
}

/**
 * Grows trees `first` to `first + count - 1`, each on its own bootstrap sample. Tree t draws
 * from a generator seeded by (seed, t) alone, so a forest is the same on one thread or many.
 */
export function growForestShare(task: ForestTask): ForestShare {
  const { x, nRows, nFeatures, y, columns, classWeights, options } = task
  const nClasses = options.nClasses
  const share: ForestShare = {
    trees: [],
    importances: [],
    oobProba: new Float64Array(nRows * nClasses),
    oobVotes: new Int32Array(nRows),
  }
  const drawn = new Int32Array(nRows)
  const weights = new Float64Array(nRows)
  for (let t = task.first; t < task.first + task.count; t++) {
    const random = mulberry32(streamSeed(task.seed, t))
    drawn.fill(0)
    for (let i = 0; i < nRows; i++) {
      const row = randomInt(random, nRows)
      drawn[row] = (drawn[row] as number) + 1
    }
    for (let r = 0; r < nRows; r++) weights[r] = (drawn[r] as number) * (classWeights[y[r] as number] as number)
    const { tree, importance } = growCart(x, nFeatures, y, weights, columns, options, random)
    share.trees.push(tree)
    share.importances.push(importance)
    for (let r = 0; r < nRows; r++) {
      if (drawn[r] !== 0) continue
      const leaf = leafOf(tree, x, r * nFeatures)
      const { oobProba, oobVotes } = share
      for (let k = 0; k < nClasses; k++) {
        oobProba[r * nClasses + k] =
          (oobProba[r * nClasses + k] as number) + (tree.value[leaf * nClasses + k] as number)
      }
      oobVotes[r] = (oobVotes[r] as number) + 1
    }
  }
  return share
}
