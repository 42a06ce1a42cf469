import { randomInt, type Random } from './random'
import { TreeBuffer, type Tree } from './tree'

/**
 * Each feature's rows in increasing order of value, sorted once per forest and used by every
 * split of every tree. Feature f's entries are at `f * nRows` to `(f + 1) * nRows - 1`.
 */
export interface SortedColumns {
  /** The row with the k-th smallest value of feature f, at f·nRows + k. */
  order: Int32Array
  /** That value. */
  sorted: Float64Array
  /** Where row r sits in feature f's order, at f·nRows + r. */
  rank: Int32Array
}

/** How a forest's tree grows. */
export interface CartOptions {
  nClasses: number
  /** Deepest level a split may sit at (Infinity: no limit). */
  maxDepth: number
  minSamplesLeaf: number
  /** Features drawn at random, without replacement, for each split. */
  maxFeatures: number
}

/** A grown tree, with its impurity decrease per feature (summing to 1 unless the tree is a leaf). */
export interface GrownCart {
  tree: Tree
  importance: Float64Array
}

/** Values closer than this are never split apart: scikit-learn's FEATURE_THRESHOLD. */
const FEATURE_THRESHOLD = 1e-7

/**
 * A small node sorts its rows by each candidate feature; a large one picks them out in one pass
 * down the presorted column instead, which is quicker once SORT_COST·m·log2(m) exceeds n.
 */
const SORT_COST = 1

/** Sorts every feature's rows by value. */
export function sortColumns(x: Float32Array | Float64Array, nRows: number, nFeatures: number): SortedColumns {
  const columns: SortedColumns = {
    order: new Int32Array(nRows * nFeatures),
    sorted: new Float64Array(nRows * nFeatures),
    rank: new Int32Array(nRows * nFeatures),
  }
  const column = new Float64Array(nRows)
  const order = new Int32Array(nRows)
  for (let f = 0; f < nFeatures; f++) {
    for (let r = 0; r < nRows; r++) {
      column[r] = x[r * nFeatures + f] as number
      order[r] = r
    }
    order.sort((a, b) => (column[a] as number) - (column[b] as number) || a - b)
    const base = f * nRows
    for (let k = 0; k < nRows; k++) {
      const row = order[k] as number
      columns.order[base + k] = row
      columns.sorted[base + k] = column[row] as number
      columns.rank[base + row] = k
    }
  }
  return columns
}

/** What growing one tree reuses from node to node. */
interface Workspace {
  x: Float32Array | Float64Array
  nFeatures: number
  y: Int32Array
  weights: Float64Array
  columns: SortedColumns
  minSamplesLeaf: number
  /** The rows in the bootstrap sample, each once; every node's rows are a contiguous range. */
  samples: Int32Array
  /** A node's rows in increasing order of the feature being tried, and their values. */
  rowsByValue: Int32Array
  values: Float64Array
  keys: Int32Array
  /** `marks[row]` is the node a row was last seen in. */
  marks: Int32Array
  /** Class weights: the node's, and those left of the threshold being tried. */
  total: Float64Array
  left: Float64Array
}

/** The best split found so far at a node. */
interface BestSplit {
  proxy: number
  feature: number
  threshold: number
}

/**
 * Grows one classification tree as scikit-learn's DecisionTreeClassifier does: depth first, at
 * each node the best threshold over `maxFeatures` features drawn at random, judged by the
 * weighted Gini impurity; a node is split even when no split lowers it (so XOR-like data can be
 * learnt), and stops at purity, `maxDepth` or `minSamplesLeaf`. Rows of weight 0 take no part:
 * the bootstrap passes how often it drew each row as its weight.
 */
export function growCart(
  x: Float32Array | Float64Array,
  nFeatures: number,
  y: Int32Array,
  weights: Float64Array,
  columns: SortedColumns,
  options: CartOptions,
  random: Random,
): GrownCart {
  const nRows = y.length
  const nClasses = options.nClasses
  const samples = weightedRows(weights)
  const ws: Workspace = {
    x,
    nFeatures,
    y,
    weights,
    columns,
    minSamplesLeaf: options.minSamplesLeaf,
    samples,
    rowsByValue: new Int32Array(samples.length),
    values: new Float64Array(samples.length),
    keys: new Int32Array(samples.length),
    marks: new Int32Array(nRows).fill(-1),
    total: new Float64Array(nClasses),
    left: new Float64Array(nClasses),
  }
  const features = Int32Array.from({ length: nFeatures }, (_, f) => f)
  const proba = new Float64Array(nClasses)
  const buffer = new TreeBuffer(nClasses)
  const nodeWeight: number[] = []
  const nodeImpurity: number[] = []
  const splits: { node: number; feature: number; left: number; right: number }[] = []
  const best: BestSplit = { proxy: -Infinity, feature: -1, threshold: 0 }

  const stack = [{ node: buffer.addLeaf(proba), start: 0, end: samples.length, depth: 0 }]
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const { node, start, end, depth } = frame
    const count = end - start
    const { weight, sumSquares, classesPresent } = classWeightsOf(ws, start, end)
    for (let k = 0; k < nClasses; k++) proba[k] = weight > 0 ? (ws.total[k] as number) / weight : 1 / nClasses
    buffer.setValue(node, proba)
    nodeWeight[node] = weight
    nodeImpurity[node] = weight > 0 ? 1 - sumSquares / (weight * weight) : 0
    if (depth >= options.maxDepth || count < 2 || count < 2 * options.minSamplesLeaf || classesPresent <= 1) continue

    // Draw features until maxFeatures non-constant ones were tried (or none are left).
    const useScan = SORT_COST * count * Math.log2(count) > nRows
    if (useScan) for (let i = start; i < end; i++) ws.marks[samples[i] as number] = node
    best.proxy = -Infinity
    best.feature = -1
    let tried = 0
    for (let j = 0; j < nFeatures && tried < options.maxFeatures; j++) {
      const pick = j + randomInt(random, nFeatures - j)
      const f = features[pick] as number
      features[pick] = features[j] as number
      features[j] = f
      if (useScan) pickSorted(ws, f, count, node)
      else sortRows(ws, f, start, count)
      if ((ws.values[count - 1] as number) <= (ws.values[0] as number) + FEATURE_THRESHOLD) continue
      tried++
      scanThresholds(ws, f, count, weight, sumSquares, best)
    }
    if (best.feature < 0) continue

    const middle = partitionRows(ws, start, end, best.feature, best.threshold)
    const leftNode = buffer.addLeaf(proba)
    const rightNode = buffer.addLeaf(proba)
    buffer.split(node, best.feature, best.threshold, false, leftNode, rightNode)
    splits.push({ node, feature: best.feature, left: leftNode, right: rightNode })
    stack.push({ node: rightNode, start: middle, end, depth: depth + 1 })
    stack.push({ node: leftNode, start, end: middle, depth: depth + 1 })
  }

  // Mean decrease in impurity, normalised to sum to 1 as scikit-learn's feature_importances_.
  const importance = new Float64Array(nFeatures)
  let sum = 0
  for (const s of splits) {
    const decrease =
      (nodeWeight[s.node] as number) * (nodeImpurity[s.node] as number) -
      (nodeWeight[s.left] as number) * (nodeImpurity[s.left] as number) -
      (nodeWeight[s.right] as number) * (nodeImpurity[s.right] as number)
    importance[s.feature] = (importance[s.feature] as number) + decrease
    sum += decrease
  }
  if (sum > 0) for (let f = 0; f < nFeatures; f++) importance[f] = (importance[f] as number) / sum
  return { tree: buffer.finish(), importance }
}

/** Sums a node's class weights into `ws.total`. */
function classWeightsOf(
  ws: Workspace,
  start: number,
  end: number,
): { weight: number; sumSquares: number; classesPresent: number } {
  const { total, samples, weights, y } = ws
  total.fill(0)
  let weight = 0
  for (let i = start; i < end; i++) {
    const row = samples[i] as number
    const w = weights[row] as number
    const k = y[row] as number
    total[k] = (total[k] as number) + w
    weight += w
  }
  let sumSquares = 0
  let classesPresent = 0
  for (let k = 0; k < total.length; k++) {
    const c = total[k] as number
    sumSquares += c * c
    if (c > 0) classesPresent++
  }
  return { weight, sumSquares, classesPresent }
}

/** A large node's rows in order of feature f: one pass down the presorted column, keeping the node's. */
function pickSorted(ws: Workspace, f: number, count: number, node: number): void {
  const { order, sorted } = ws.columns
  const { marks, rowsByValue, values } = ws
  for (let k = f * marks.length, i = 0; i < count; k++) {
    const row = order[k] as number
    if (marks[row] !== node) continue
    rowsByValue[i] = row
    values[i++] = sorted[k] as number
  }
}

/** A small node's rows in order of feature f: their ranks in the column, sorted. */
function sortRows(ws: Workspace, f: number, start: number, count: number): void {
  const { order, sorted, rank } = ws.columns
  const { keys, samples, rowsByValue, values } = ws
  const base = f * ws.marks.length
  for (let i = 0; i < count; i++) keys[i] = rank[base + (samples[start + i] as number)] as number
  const nodeKeys = keys.subarray(0, count).sort()
  for (let i = 0; i < count; i++) {
    const k = base + (nodeKeys[i] as number)
    rowsByValue[i] = order[k] as number
    values[i] = sorted[k] as number
  }
}

/**
 * Tries every threshold between distinct values of feature f, moving rows left one at a time
 * and keeping Σ(class weight)² of each side up to date: the weighted Gini impurity of the two
 * sides is lowest where Σ²left/wLeft + Σ²right/wRight is highest.
 */
function scanThresholds(
  ws: Workspace,
  f: number,
  count: number,
  weight: number,
  sumSquares: number,
  best: BestSplit,
): void {
  const { left, total, rowsByValue, values, y, weights, minSamplesLeaf } = ws
  left.fill(0)
  let weightLeft = 0
  let squaresLeft = 0
  let squaresRight = sumSquares
  for (let i = 0; i < count - 1; i++) {
    const row = rowsByValue[i] as number
    const k = y[row] as number
    const w = weights[row] as number
    const before = left[k] as number
    squaresLeft += w * (2 * before + w)
    squaresRight += w * (w - 2 * ((total[k] as number) - before))
    left[k] = before + w
    weightLeft += w
    if (i + 1 < minSamplesLeaf) continue
    if (count - i - 1 < minSamplesLeaf) break
    const here = values[i] as number
    const next = values[i + 1] as number
    if (next <= here + FEATURE_THRESHOLD) continue
    const proxy = squaresLeft / weightLeft + squaresRight / (weight - weightLeft)
    if (proxy > best.proxy) {
      best.proxy = proxy
      best.feature = f
      const middle = here / 2 + next / 2
      best.threshold = middle >= next || !Number.isFinite(middle) ? here : middle
    }
  }
}

/** Moves a node's rows with value <= threshold to the front of its range; returns where the others start. */
function partitionRows(ws: Workspace, start: number, end: number, feature: number, threshold: number): number {
  const { samples, x, nFeatures } = ws
  let i = start
  for (let j = end - 1; i <= j;) {
    const row = samples[i] as number
    if ((x[row * nFeatures + feature] as number) <= threshold) i++
    else {
      samples[i] = samples[j] as number
      samples[j--] = row
    }
  }
  return i
}

function weightedRows(weights: Float64Array): Int32Array {
  let count = 0
  for (let r = 0; r < weights.length; r++) if ((weights[r] as number) > 0) count++
  const rows = new Int32Array(count)
  for (let r = 0, i = 0; r < weights.length; r++) if ((weights[r] as number) > 0) rows[i++] = r
  return rows
}
