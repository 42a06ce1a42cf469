import { EarmarkError } from '../errors'

/** How a signal is extended past its ends, as `numpy.pad`'s `mode`. */
export type PadMode = 'constant' | 'reflect' | 'edge'

/**
 * `numpy.pad(y, (before, after), mode)` into a new float64 array (or the start of `into`): zeros (`constant`), mirror
 * images without repeating the edge sample (`reflect`, repeated as numpy does when the pad is
 * longer than the signal), or copies of the edge sample (`edge`).
 */
export function padSignal(
  y: ArrayLike<number>,
  before: number,
  after: number,
  mode: PadMode,
  into?: Float64Array,
): Float64Array {
  const n = y.length
  const out = into ?? new Float64Array(before + n + after)
  // A typed array converts natively (several times faster than an element loop); clips are Float32Array.
  if (y instanceof Float32Array || y instanceof Float64Array) out.set(y, before)
  else for (let i = 0; i < n; i++) out[before + i] = y[i] as number
  if (mode === 'constant') {
    // A reused buffer may hold an earlier clip's samples where the zeros go.
    if (into) {
      out.fill(0, 0, before)
      out.fill(0, before + n, before + n + after)
    }
    return out
  }
  if (before + after === 0) return out
  if (n === 0) throw new EarmarkError('invalid-input', `cannot ${mode}-pad an empty signal`)
  for (let i = 0; i < before; i++) out[i] = y[sourceIndex(i - before, n, mode)] as number
  for (let i = 0; i < after; i++) out[before + n + i] = y[sourceIndex(n + i, n, mode)] as number
  return out
}

/** Which sample of a length-`n` signal appears at index `i` (possibly outside [0, n)) after padding. */
export function sourceIndex(i: number, n: number, mode: Exclude<PadMode, 'constant'>): number {
  if (i >= 0 && i < n) return i
  if (mode === 'edge' || n === 1) return i < 0 ? 0 : n - 1
  // Reflection about both ends is periodic with period 2(n - 1).
  const period = 2 * (n - 1)
  const k = ((i % period) + period) % period
  return k < n ? k : period - k
}
