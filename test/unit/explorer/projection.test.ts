import { describe, expect, it } from 'vitest'
import { pca2, standardize, umap2, type Matrix } from '../../../src/main/core/explorer/projection'
import { mulberry32 } from '../../../src/main/core/models/trees/random'

/**
 * Three well-separated clusters of 50 points in 12 dimensions, with columns on very different
 * scales (as hertz next to decibels), so that only standardised data keeps every column's say.
 */
function clusters(): { data: Matrix; labels: number[] } {
  const random = mulberry32(11)
  const nCols = 12
  const centres = [0, 1, 2].map(() => Array.from({ length: nCols }, () => (random() * 2 - 1) * 6))
  const scales = Array.from({ length: nCols }, (_, c) => 10 ** (c % 4))
  const labels: number[] = []
  const x: number[] = []
  centres.forEach((centre, k) => {
    for (let i = 0; i < 50; i++) {
      labels.push(k)
      // Sum of uniforms: a bell-shaped spread of about ±1 around the centre.
      for (let c = 0; c < nCols; c++)
        x.push(((centre[c] as number) + (random() + random() + random() - 1.5)) * scales[c]!)
    }
  })
  return { data: { x: Float64Array.from(x), nRows: labels.length, nCols }, labels }
}

/** Share of points whose nearest other point on the map has the same cluster. */
function neighbourPurity(xy: Float64Array, labels: number[]): number {
  let same = 0
  for (let i = 0; i < labels.length; i++) {
    let best = -1
    let bestDistance = Infinity
    for (let j = 0; j < labels.length; j++) {
      if (j === i) continue
      const d = (xy[2 * i]! - xy[2 * j]!) ** 2 + (xy[2 * i + 1]! - xy[2 * j + 1]!) ** 2
      if (d < bestDistance) {
        bestDistance = d
        best = j
      }
    }
    if (labels[best] === labels[i]) same++
  }
  return same / labels.length
}

describe('clip map projections', { timeout: 60_000 }, () => {
  it('standardises each column to zero mean and unit variance, constant columns to zero', () => {
    const s = standardize({ x: Float64Array.from([1, 5, 3, 5, 5, 5]), nRows: 3, nCols: 2 })
    expect(Array.from(s.x).map((v) => Number(v.toFixed(6)))).toEqual([-1.224745, 0, 0, 0, 1.224745, 0])
  })

  it('PCA keeps three separated clusters apart, with the first component the widest', () => {
    const { data, labels } = clusters()
    const xy = pca2(standardize(data))
    expect(neighbourPurity(xy, labels)).toBeGreaterThan(0.9)
    const variance = (k: number) => {
      let s = 0
      for (let r = 0; r < data.nRows; r++) s += xy[2 * r + k]! ** 2
      return s / data.nRows
    }
    expect(variance(0)).toBeGreaterThanOrEqual(variance(1))
    // Scores of centred data: each component averages zero.
    const mean0 = Array.from({ length: data.nRows }, (_, r) => xy[2 * r]!).reduce((a, b) => a + b, 0) / data.nRows
    expect(Math.abs(mean0)).toBeLessThan(1e-9)
  })

  it('PCA gives the scores on the top eigenvector of the covariance, sign fixed, to 1e-9', () => {
    // Points along (3, 4)/5 with a small spread across it.
    const random = mulberry32(3)
    const rows: number[] = []
    for (let i = 0; i < 200; i++) {
      const t = random() * 20 - 10
      const u = (random() - 0.5) * 0.2
      rows.push(0.6 * t - 0.8 * u, 0.8 * t + 0.6 * u)
    }
    const xy = pca2({ x: Float64Array.from(rows), nRows: 200, nCols: 2 })
    // The 2x2 covariance's eigenvectors in closed form.
    const mean = [0, 1].map((c) => rows.filter((_, i) => i % 2 === c).reduce((a, b) => a + b, 0) / 200)
    let [a, b, d] = [0, 0, 0]
    for (let r = 0; r < 200; r++) {
      const p = rows[2 * r]! - mean[0]!
      const q = rows[2 * r + 1]! - mean[1]!
      a += p * p
      b += p * q
      d += q * q
    }
    const lambda = (a + d) / 2 + Math.sqrt(((a - d) / 2) ** 2 + b * b)
    const norm = Math.hypot(b, lambda - a)
    const v = [b / norm, (lambda - a) / norm]
    if (Math.abs(v[1]!) > Math.abs(v[0]!) ? v[1]! < 0 : v[0]! < 0) v.forEach((_, i) => (v[i] = -v[i]!))
    expect(v[0]).toBeCloseTo(0.6, 2)
    for (let r = 0; r < 200; r++) {
      const expected = (rows[2 * r]! - mean[0]!) * v[0]! + (rows[2 * r + 1]! - mean[1]!) * v[1]!
      expect(Math.abs(xy[2 * r]! - expected)).toBeLessThan(1e-9)
    }
  })

  it('UMAP keeps three separated clusters apart, and the same seed gives the same map', async () => {
    const { data, labels } = clusters()
    const standard = standardize(data)
    const a = await umap2(standard, { seed: 7 })
    expect(neighbourPurity(a, labels)).toBeGreaterThan(0.9)
    const b = await umap2(standard, { seed: 7 })
    expect(Array.from(b)).toEqual(Array.from(a))
    const c = await umap2(standard, { seed: 8 })
    expect(Array.from(c)).not.toEqual(Array.from(a))
  })

  it('UMAP stops when its signal is aborted', async () => {
    const { data } = clusters()
    const controller = new AbortController()
    const run = umap2(standardize(data), {
      seed: 1,
      signal: controller.signal,
      onEpoch: (epoch) => {
        if (epoch === 5) controller.abort()
      },
    })
    await expect(run).rejects.toThrow()
  })
})
