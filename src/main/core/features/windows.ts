import { EarmarkError } from '../errors'

/** Analysis windows by their scipy.signal.get_window names. */
export const WINDOW_NAMES = ['hann', 'hamming', 'rectangular'] as const
/** An analysis window's name, as librosa's `window=` (through scipy.signal.get_window). */
export type WindowName = (typeof WINDOW_NAMES)[number]

/**
 * `scipy.signal.get_window(name, length, fftbins=periodic)`: periodic (the DFT-even form librosa
 * uses for STFT analysis) unless `periodic` is false, in float64.
 */
export function getWindow(name: WindowName, length: number, periodic = true): Float64Array {
  if (!Number.isInteger(length) || length < 1) {
    throw new EarmarkError('invalid-input', `a window needs a whole length of at least 1 (got ${length})`)
  }
  const window = new Float64Array(length)
  // scipy returns ones for length 1 whatever the window.
  if (length === 1 || name === 'rectangular') return window.fill(1)
  // scipy's general_cosine: a0 + a1 cos(x) at x = linspace(-pi, pi, M), where the periodic window
  // is the symmetric one of length + 1 without its last point. Same formula, same roundings.
  const step = (2 * Math.PI) / (periodic ? length : length - 1)
  const [a0, a1] = name === 'hann' ? [0.5, 0.5] : [0.54, 1 - 0.54]
  for (let n = 0; n < length; n++) window[n] = a0 + a1 * Math.cos(-Math.PI + n * step)
  if (!periodic) window[length - 1] = a0 + a1 * Math.cos(Math.PI)
  return window
}

/** `librosa.util.pad_center`: `data` centred in zeros of length `size` (left pad `(size - len) // 2`). */
export function padCenter(data: Float64Array, size: number): Float64Array {
  if (data.length > size) {
    throw new EarmarkError('invalid-input', `cannot centre ${data.length} values in ${size} (win_length > n_fft?)`)
  }
  const out = new Float64Array(size)
  out.set(data, Math.floor((size - data.length) / 2))
  return out
}
