/**
 * A trained decision tree as flat arrays, one entry per node, node 0 the root: compact, quick to
 * walk, and cheap to pass between threads. Forests and boosting share it.
 */
export interface Tree {
  /** The feature a split node tests; -1 at a leaf. */
  feature: Int32Array
  /** A row whose value is <= the threshold goes left. */
  threshold: Float64Array
  /** Child node indices; -1 at a leaf. */
  left: Int32Array
  right: Int32Array
  /** Where a missing (NaN) value goes: 1 left, 0 right. */
  missingLeft: Uint8Array
  /** `width` numbers per node: class probabilities (forest) or a raw score (boosting). */
  value: Float64Array
  /** How many numbers each node's value holds. */
  width: number
}

/** The leaf a row ends in; the row is `nFeatures` values of `x` from `offset`. */
export function leafOf(tree: Tree, x: Float32Array | Float64Array, offset: number): number {
  const { feature, threshold, left, right, missingLeft } = tree
  let node = 0
  while ((left[node] as number) >= 0) {
    const v = x[offset + (feature[node] as number)] as number
    // NaN compares false, so it would go right; it goes where training sent missing values instead.
    node =
      v <= (threshold[node] as number) || (v !== v && missingLeft[node] === 1)
        ? (left[node] as number)
        : (right[node] as number)
  }
  return node
}

/** Grows a tree node by node, then hands it over as flat arrays. */
export class TreeBuffer {
  private readonly feature: number[] = []
  private readonly threshold: number[] = []
  private readonly left: number[] = []
  private readonly right: number[] = []
  private readonly missingLeft: number[] = []
  private readonly value: number[] = []

  constructor(private readonly width: number) {}

  /** Adds a leaf whose value is `width` numbers of `values` from `offset`; returns its index. */
  addLeaf(values: ArrayLike<number>, offset = 0): number {
    const id = this.feature.length
    this.feature.push(-1)
    this.threshold.push(0)
    this.left.push(-1)
    this.right.push(-1)
    this.missingLeft.push(0)
    for (let k = 0; k < this.width; k++) this.value.push(values[offset + k] as number)
    return id
  }

  /** Turns a leaf into a split node (its value stays, for readers who want it). */
  split(node: number, feature: number, threshold: number, missingLeft: boolean, left: number, right: number): void {
    this.feature[node] = feature
    this.threshold[node] = threshold
    this.missingLeft[node] = missingLeft ? 1 : 0
    this.left[node] = left
    this.right[node] = right
  }

  /** Sets a node's value. */
  setValue(node: number, values: ArrayLike<number>): void {
    for (let k = 0; k < this.width; k++) this.value[node * this.width + k] = values[k] as number
  }

  /** The finished tree. */
  finish(): Tree {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      missingLeft: Uint8Array.from(this.missingLeft),
      value: Float64Array.from(this.value),
      width: this.width,
    }
  }
}
