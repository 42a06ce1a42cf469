import { EarmarkError } from '../errors'
import type { FrameMatrix } from './frames'

/** A clip statistic over frames: mean, population standard deviation, extremes, or a percentile `p0`…`p100`. */
export type SummaryStat = 'mean' | 'std' | 'min' | 'max' | `p${number}`

/** Whether a string names a summary statistic (percentiles as whole numbers 0–100, e.g. `p90`). */
export function isSummaryStat(name: string): name is SummaryStat {
  return ['mean', 'std', 'min', 'max'].includes(name) || /^p(100|[1-9]?[0-9])$/.test(name)
}

/**
 * Each statistic of one value's sequence over frames, in float64: `np.mean`, `np.std` (ddof=0),
 * `np.min`, `np.max` and `np.percentile(…, q)` with numpy's default linear interpolation. NaN
 * for every statistic when there are no frames.
 */
export function summarize(values: ArrayLike<number>, stats: readonly SummaryStat[]): Float64Array {
  const n = values.length
  const out = new Float64Array(stats.length)
  if (n === 0) return out.fill(NaN)
  let sum = 0
  for (let i = 0; i < n; i++) sum += values[i] as number
  const mean = sum / n
  let sorted: Float64Array | null = null
  stats.forEach((stat, s) => {
    switch (stat) {
      case 'mean':
        out[s] = mean
        break
      case 'std': {
        // Two-pass: the deviations from the mean, as numpy computes it (no cancellation).
        let squares = 0
        for (let i = 0; i < n; i++) squares += ((values[i] as number) - mean) ** 2
        out[s] = Math.sqrt(squares / n)
        break
      }
      default: {
        sorted ??= Float64Array.from(values as ArrayLike<number>).sort()
        if (stat === 'min') out[s] = sorted[0] as number
        else if (stat === 'max') out[s] = sorted[n - 1] as number
        else out[s] = percentileOfSorted(sorted, percentOf(stat))
      }
    }
  })
  return out
}

/** `np.percentile(sorted, q)` (method 'linear') of values already sorted ascending; q in [0, 100]. */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length
  if (n === 0) return NaN
  const at = (q / 100) * (n - 1)
  const lo = Math.floor(at)
  const hi = Math.min(lo + 1, n - 1)
  const fraction = at - lo
  const a = sorted[lo] as number
  const b = sorted[hi] as number
  // numpy's lerp form, exact at both ends.
  return fraction >= 0.5 ? b - (b - a) * (1 - fraction) : a + (b - a) * fraction
}

/** Statistics of every value of a frame matrix over its frames: `out[i * stats.length + s]`. */
export function summarizeFrames(matrix: FrameMatrix, stats: readonly SummaryStat[]): Float64Array {
  const { data, nFrames, nValues } = matrix
  const out = new Float64Array(nValues * stats.length)
  const column = new Float64Array(nFrames)
  for (let i = 0; i < nValues; i++) {
    for (let t = 0; t < nFrames; t++) column[t] = data[t * nValues + i] as number
    out.set(summarize(column, stats), i * stats.length)
  }
  return out
}

function percentOf(stat: string): number {
  const q = Number(stat.slice(1))
  if (!isSummaryStat(stat) || !(q >= 0 && q <= 100))
    throw new EarmarkError('invalid-input', `unknown statistic ${stat}`)
  return q
}
