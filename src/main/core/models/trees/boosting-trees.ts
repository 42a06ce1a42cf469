import { unpackBins, type PackedBins } from './binning'
import { TreeGrower, type GrowerOptions } from './grower'
import type { Tree } from './tree'

/** Some of one boosting iteration's trees to grow, one per gradient array. */
export interface BoostingTask {
  /** Names the model in training, so that a worker builds its grower once per model. */
  model: string
  /** The binned training rows, row-major. */
  binned: Uint8Array
  nRows: number
  bins: PackedBins
  options: GrowerOptions
  gradients: Float64Array[]
  hessians: Float64Array[]
}

/** The trees grown, and for each what it adds to each training row's raw score and its split gains per feature. */
export interface BoostingTrees {
  trees: Tree[]
  updates: Float64Array[]
  gains: Float64Array[]
}

let cached: { model: string; grower: TreeGrower } | undefined

/** Grows a task's trees on a worker thread, keeping the grower (and its buffers) for the model's next iteration. */
export function growBoostingTrees(task: BoostingTask): BoostingTrees {
  if (cached?.model !== task.model) {
    cached = { model: task.model, grower: new TreeGrower(task.binned, task.nRows, unpackBins(task.bins), task.options) }
  }
  return growTrees(cached.grower, task.gradients, task.hessians, task.bins.nBins.length)
}

/** Grows one tree per gradient array. */
export function growTrees(
  grower: TreeGrower,
  gradients: Float64Array[],
  hessians: Float64Array[],
  nFeatures: number,
): BoostingTrees {
  const result: BoostingTrees = { trees: [], updates: [], gains: [] }
  gradients.forEach((g, k) => {
    const gains = new Float64Array(nFeatures)
    const { tree, leaves } = grower.grow(g, hessians[k] as Float64Array, gains)
    // Each training row's leaf is known from the grower's partition: no need to walk the tree.
    const update = new Float64Array(g.length)
    for (const leaf of leaves) {
      for (let i = leaf.start; i < leaf.end; i++) update[grower.rows[i] as number] = leaf.value
    }
    result.trees.push(tree)
    result.updates.push(update)
    result.gains.push(gains)
  })
  return result
}
