import { UMAP } from 'umap-js'
import { EarmarkError } from '../errors'
import { mulberry32 } from '../models/trees/random'

/** A row-major matrix: row r's column c at `x[r * nCols + c]`. */
export interface Matrix {
  x: Float64Array
  nRows: number
  nCols: number
}

/**
 * Each column to zero mean and unit variance (population standard deviation, as scikit-learn's
 * StandardScaler); a constant column becomes all zeros. Without this, features measured in hertz
 * would drown those measured in decibels.
 */
export function standardize({ x, nRows, nCols }: Matrix): Matrix {
  const out = new Float64Array(x.length)
  for (let c = 0; c < nCols; c++) {
    let mean = 0
    for (let r = 0; r < nRows; r++) mean += x[r * nCols + c] as number
    mean /= Math.max(1, nRows)
    let variance = 0
    for (let r = 0; r < nRows; r++) variance += ((x[r * nCols + c] as number) - mean) ** 2
    const std = Math.sqrt(variance / Math.max(1, nRows))
    const scale = std > 0 ? 1 / std : 0
    for (let r = 0; r < nRows; r++) out[r * nCols + c] = ((x[r * nCols + c] as number) - mean) * scale
  }
  return { x: out, nRows, nCols }
}

/**
 * The first two principal components' scores of centred data. Power iteration with deflation on
 * the covariance matrix (nCols², ~100² for summary features): two eigenvectors are all a map
 * needs. Each component's sign is fixed so that its largest loading is positive, so that the same
 * data always gives the same picture.
 */
export function pca2(data: Matrix): Float64Array {
  const { x, nRows, nCols } = data
  const means = new Float64Array(nCols)
  for (let r = 0; r < nRows; r++)
    for (let c = 0; c < nCols; c++) means[c] = (means[c] as number) + (x[r * nCols + c] as number) / nRows
  const cov = new Float64Array(nCols * nCols)
  for (let r = 0; r < nRows; r++) {
    for (let i = 0; i < nCols; i++) {
      const a = (x[r * nCols + i] as number) - (means[i] as number)
      if (a === 0) continue
      for (let j = i; j < nCols; j++)
        cov[i * nCols + j] = (cov[i * nCols + j] as number) + a * ((x[r * nCols + j] as number) - (means[j] as number))
    }
  }
  for (let i = 0; i < nCols; i++) for (let j = 0; j < i; j++) cov[i * nCols + j] = cov[j * nCols + i] as number
  const components = [topEigenvector(cov, nCols)]
  const first = components[0] as Float64Array
  const lambda = rayleigh(cov, first, nCols)
  for (let i = 0; i < nCols; i++)
    for (let j = 0; j < nCols; j++)
      cov[i * nCols + j] = (cov[i * nCols + j] as number) - lambda * (first[i] as number) * (first[j] as number)
  components.push(topEigenvector(cov, nCols))
  const scores = new Float64Array(nRows * 2)
  components.forEach((v, k) => {
    for (let r = 0; r < nRows; r++) {
      let s = 0
      for (let c = 0; c < nCols; c++) s += ((x[r * nCols + c] as number) - (means[c] as number)) * (v[c] as number)
      scores[r * 2 + k] = s
    }
  })
  return scores
}

function topEigenvector(m: Float64Array, n: number): Float64Array {
  // A fixed, non-symmetric start (never orthogonal to the answer in practice) keeps it deterministic.
  let v = Float64Array.from({ length: n }, (_, i) => 1 + i / n)
  normalize(v)
  for (let iteration = 0; iteration < 1000; iteration++) {
    const next = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      let s = 0
      for (let j = 0; j < n; j++) s += (m[i * n + j] as number) * (v[j] as number)
      next[i] = s
    }
    if (normalize(next) === 0) return next
    let change = 0
    for (let i = 0; i < n; i++) change = Math.max(change, Math.abs((next[i] as number) - (v[i] as number)))
    v = next
    if (change < 1e-10) break
  }
  let largest = 0
  for (let i = 1; i < n; i++) if (Math.abs(v[i] as number) > Math.abs(v[largest] as number)) largest = i
  if ((v[largest] as number) < 0) for (let i = 0; i < n; i++) v[i] = -(v[i] as number)
  return v
}

function normalize(v: Float64Array): number {
  let norm = 0
  for (const value of v) norm += value * value
  norm = Math.sqrt(norm)
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / norm
  return norm
}

function rayleigh(m: Float64Array, v: Float64Array, n: number): number {
  let s = 0
  for (let i = 0; i < n; i++) {
    let row = 0
    for (let j = 0; j < n; j++) row += (m[i * n + j] as number) * (v[j] as number)
    s += (v[i] as number) * row
  }
  return s
}

/** How UMAP runs. */
export interface UmapOptions {
  seed: number
  /** Neighbours each point's graph keeps (default 15, fewer for tiny sets). */
  nNeighbors?: number
  signal?: AbortSignal
  onEpoch?: (epoch: number, total: number) => void
}

/**
 * UMAP (umap-js, McInnes et al.) to two dimensions, seeded, so the same clips and seed give the same
 * map. Runs its epochs asynchronously, yielding to the event loop between them, so the main
 * process keeps answering while a large map is laid out.
 */
export async function umap2(data: Matrix, options: UmapOptions): Promise<Float64Array> {
  const { x, nRows, nCols } = data
  if (nRows < 3) throw new EarmarkError('invalid-input', `UMAP needs at least 3 clips; there are ${nRows}`)
  const nNeighbors = Math.min(options.nNeighbors ?? 15, nRows - 1)
  const umap = new UMAP({ nComponents: 2, nNeighbors, minDist: 0.1, random: mulberry32(options.seed) })
  const rows = Array.from({ length: nRows }, (_, r) => Array.from(x.subarray(r * nCols, (r + 1) * nCols)))
  const total = umap.initializeFit(rows)
  for (let epoch = 0; epoch < total; epoch++) {
    options.signal?.throwIfAborted()
    umap.step()
    options.onEpoch?.(epoch + 1, total)
    // Yield now and then: an epoch of a few thousand points takes a few milliseconds.
    if (epoch % 10 === 9) await new Promise((resolve) => setImmediate(resolve))
  }
  const embedding = umap.getEmbedding()
  const out = new Float64Array(nRows * 2)
  embedding.forEach((point, r) => {
    out[r * 2] = point[0] as number
    out[r * 2 + 1] = point[1] as number
  })
  return out
}
