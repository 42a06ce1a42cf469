import { shuffle, type Random } from './random'

/** The most bins for a feature's non-missing values (scikit-learn's max_bins); missing values get one more. */
export const MAX_BINS = 255

/** Above this many rows, bin edges are learnt from a random subsample of this size, as scikit-learn does. */
const BINNING_SUBSAMPLE = 200_000

/** How each feature's values map to bins, learnt from the training rows. */
export interface BinMapper {
  /**
   * Per feature, increasing bin edges: a value v falls in bin b when edge[b - 1] < v <= edge[b]
   * (so bin 0 holds v <= edge[0], and the last non-missing bin v > the last edge).
   */
  thresholds: Float64Array[]
  /** How many bins a feature's non-missing values use (its edges + 1); its missing-value bin is the next one. */
  nBins: Int32Array
  /** Whether a feature had missing values in training (then splits learn where they go). */
  hasMissing: Uint8Array
}

/**
 * Learns bin edges as scikit-learn's HistGradientBoosting does: with at most `maxBins` distinct
 * values, the midpoints between them; otherwise `maxBins` quantiles (midpoint percentiles).
 */
export function fitBins(
  x: Float32Array | Float64Array,
  nFeatures: number,
  rows: Int32Array,
  random: Random,
  maxBins = MAX_BINS,
): BinMapper {
  let sample = rows
  if (rows.length > BINNING_SUBSAMPLE) {
    const shuffled = Int32Array.from(rows)
    shuffle(shuffled, random)
    sample = shuffled.subarray(0, BINNING_SUBSAMPLE)
  }
  const mapper: BinMapper = {
    thresholds: [],
    nBins: new Int32Array(nFeatures),
    hasMissing: new Uint8Array(nFeatures),
  }
  const column = new Float64Array(sample.length)
  for (let f = 0; f < nFeatures; f++) {
    let count = 0
    for (const row of sample) {
      const v = x[row * nFeatures + f] as number
      if (v === v) column[count++] = v
    }
    if (count < sample.length) mapper.hasMissing[f] = 1
    // Rows outside the subsample may hold the only missing values.
    if (!mapper.hasMissing[f] && sample !== rows) {
      for (const row of rows) if (Number.isNaN(x[row * nFeatures + f])) mapper.hasMissing[f] = 1
    }
    const edges = binEdges(column.subarray(0, count).sort(), maxBins)
    mapper.thresholds.push(edges)
    mapper.nBins[f] = edges.length + 1
  }
  return mapper
}

function binEdges(sorted: Float64Array, maxBins: number): Float64Array {
  const distinct: number[] = []
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i] as number)
  const edges: number[] = []
  if (distinct.length <= maxBins) {
    for (let i = 0; i + 1 < distinct.length; i++)
      edges.push(((distinct[i] as number) + (distinct[i + 1] as number)) * 0.5)
  } else {
    for (let q = 1; q < maxBins; q++) {
      // numpy's percentile(method='midpoint'): halfway between the two order statistics around q/maxBins.
      const at = (q / maxBins) * (sorted.length - 1)
      const edge = ((sorted[Math.floor(at)] as number) + (sorted[Math.ceil(at)] as number)) * 0.5
      // Ties can repeat a quantile; a repeated edge would only leave an empty bin.
      if (edges.length === 0 || edge > (edges[edges.length - 1] as number)) edges.push(edge)
    }
  }
  return Float64Array.from(edges)
}

/** The bin of each row's value of each feature, row-major like `x` (row i's bins from `i * nFeatures`). */
export function binRows(
  mapper: BinMapper,
  x: Float32Array | Float64Array,
  nFeatures: number,
  rows: Int32Array,
): Uint8Array {
  const binned = new Uint8Array(rows.length * nFeatures)
  for (let f = 0; f < nFeatures; f++) {
    const edges = mapper.thresholds[f] as Float64Array
    const missingBin = mapper.nBins[f] as number
    for (let i = 0; i < rows.length; i++) {
      const v = x[(rows[i] as number) * nFeatures + f] as number
      binned[i * nFeatures + f] = v === v ? binOf(edges, v) : missingBin
    }
  }
  return binned
}

/** The number of edges below v: its bin. */
function binOf(edges: Float64Array, v: number): number {
  let lo = 0
  let hi = edges.length
  while (lo < hi) {
    const middle = (lo + hi) >>> 1
    if (v > (edges[middle] as number)) lo = middle + 1
    else hi = middle
  }
  return lo
}

/** A bin mapper in three flat arrays, which can sit in shared memory and cross to a worker cheaply. */
export interface PackedBins {
  /** Every feature's edges, one after another (feature f has nBins[f] - 1 of them). */
  edges: Float64Array
  nBins: Int32Array
  hasMissing: Uint8Array
}

/** Packs a mapper's edges into one array. */
export function packBins(
  mapper: BinMapper,
  copy: <T extends Float64Array | Int32Array | Uint8Array>(a: T) => T,
): PackedBins {
  const edges = new Float64Array(mapper.thresholds.reduce((n, t) => n + t.length, 0))
  let at = 0
  for (const t of mapper.thresholds) {
    edges.set(t, at)
    at += t.length
  }
  return { edges: copy(edges), nBins: copy(mapper.nBins), hasMissing: copy(mapper.hasMissing) }
}

/** The mapper of packed bins (its edges are views, not copies). */
export function unpackBins(packed: PackedBins): BinMapper {
  const thresholds: Float64Array[] = []
  let at = 0
  for (const n of packed.nBins) {
    thresholds.push(packed.edges.subarray(at, at + n - 1))
    at += n - 1
  }
  return { thresholds, nBins: packed.nBins, hasMissing: packed.hasMissing }
}
