import { EarmarkError } from '../errors'
import { frameMatrix, type FrameMatrix } from './frames'

/** Parameters of `delta`, named and defaulted as `librosa.feature.delta` (mode='interp', the only mode here). */
export interface DeltaOptions {
  /** `width`: frames in the Savitzky-Golay window, odd, >= 3 and <= the number of frames. Default 9. */
  width?: number
  /** `order`: the derivative's order (1: delta, 2: delta-delta), also the fitted polynomial's degree. Default 1. */
  order?: number
}

/**
 * `librosa.feature.delta(data, width=…, order=…, mode='interp')`: the local derivative of each
 * value over frames, i.e. `scipy.signal.savgol_filter(data, width, polyorder=order, deriv=order,
 * mode='interp', axis=-1)`. Inside the clip each output is a least-squares polynomial fit over the
 * `width` frames centred on it; in the first and last `width // 2` frames it is the derivative of
 * the fit over the first or last `width` frames ('interp'), as scipy does.
 */
export function delta(data: FrameMatrix, options: DeltaOptions = {}): FrameMatrix {
  const width = options.width ?? 9
  const order = options.order ?? 1
  const { nFrames, nValues } = data
  if (!Number.isInteger(width) || width < 3 || width % 2 !== 1) {
    throw invalid(`width must be an odd whole number >= 3 (got ${width})`)
  }
  if (!Number.isInteger(order) || order < 1) throw invalid(`order must be a whole number >= 1 (got ${order})`)
  if (width > nFrames) {
    throw invalid(
      `when mode='interp', width=${width} cannot exceed the number of frames (${nFrames}); pad the clip or use a smaller width`,
    )
  }
  const half = (width - 1) / 2
  const out = frameMatrix(nFrames, nValues)
  const x = data.data
  const y = out.data
  const centre = savgolWeights(width, order, order, 0)
  for (let t = half; t < nFrames - half; t++) {
    for (let i = 0; i < nValues; i++) {
      let acc = 0
      for (let j = 0; j < width; j++) acc += (centre[j] as number) * (x[(t - half + j) * nValues + i] as number)
      y[t * nValues + i] = acc
    }
  }
  for (let e = 0; e < half; e++) {
    // Frame e is fitted over frames [0, width); frame nFrames - 1 - e over the last `width` frames.
    const left = savgolWeights(width, order, order, e - half)
    const right = savgolWeights(width, order, order, half - e)
    const tail = nFrames - width
    for (let i = 0; i < nValues; i++) {
      let accLeft = 0
      let accRight = 0
      for (let j = 0; j < width; j++) {
        accLeft += (left[j] as number) * (x[j * nValues + i] as number)
        accRight += (right[j] as number) * (x[(tail + j) * nValues + i] as number)
      }
      y[e * nValues + i] = accLeft
      y[(nFrames - 1 - e) * nValues + i] = accRight
    }
  }
  return out
}

/**
 * Weights w such that `sum_j w[j] x[j]` is the `deriv`-th derivative, at offset `at` from the
 * window's centre, of the degree-`polyorder` least-squares polynomial through x[0..width)
 * (sample spacing 1). At `at = 0` these are scipy's `savgol_coeffs(width, polyorder, deriv, use='dot')`.
 */
export function savgolWeights(width: number, polyorder: number, deriv: number, at: number): Float64Array {
  const half = (width - 1) / 2
  const size = polyorder + 1
  // Normal equations (V^T V) y = c, with V[j][m] = (j - half)^m and c[m] = d^deriv/dt^deriv t^m at t = at.
  const gram = new Float64Array(size * size)
  for (let m = 0; m < size; m++) {
    for (let n = 0; n < size; n++) {
      let s = 0
      for (let j = 0; j < width; j++) s += (j - half) ** (m + n)
      gram[m * size + n] = s
    }
  }
  const c = new Float64Array(size)
  for (let m = deriv; m < size; m++) {
    let falling = 1
    for (let f = 0; f < deriv; f++) falling *= m - f
    c[m] = falling * at ** (m - deriv)
  }
  const y = solve(gram, c, size)
  const weights = new Float64Array(width)
  for (let j = 0; j < width; j++) {
    let w = 0
    for (let m = 0; m < size; m++) w += (y[m] as number) * (j - half) ** m
    weights[j] = w
  }
  return weights
}

/** Gaussian elimination with partial pivoting on a small dense system. */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a)
  const x = Float64Array.from(b)
  for (let col = 0; col < n; col++) {
    let pivot = col
    for (let r = col + 1; r < n; r++)
      if (Math.abs(m[r * n + col] as number) > Math.abs(m[pivot * n + col] as number)) pivot = r
    if (pivot !== col) {
      for (let k = 0; k < n; k++) {
        const tmp = m[col * n + k] as number
        m[col * n + k] = m[pivot * n + k] as number
        m[pivot * n + k] = tmp
      }
      const tmp = x[col] as number
      x[col] = x[pivot] as number
      x[pivot] = tmp
    }
    const p = m[col * n + col] as number
    for (let r = col + 1; r < n; r++) {
      const f = (m[r * n + col] as number) / p
      if (f === 0) continue
      for (let k = col; k < n; k++) m[r * n + k] = (m[r * n + k] as number) - f * (m[col * n + k] as number)
      x[r] = (x[r] as number) - f * (x[col] as number)
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r] as number
    for (let k = r + 1; k < n; k++) s -= (m[r * n + k] as number) * (x[k] as number)
    x[r] = s / (m[r * n + r] as number)
  }
  return x
}

function invalid(message: string): EarmarkError {
  return new EarmarkError('invalid-input', message)
}
