import { EarmarkError } from '../errors'
import { FLOAT32_TINY } from './chroma'
import { frameMatrix, type FrameMatrix } from './frames'
import { fftFrequencies } from './stft'

/*
 * Spectral shape features, each as `librosa.feature.spectral_*(S=magnitude, sr=sr, n_fft=n_fft)`:
 * the input is a magnitude spectrogram (|stft|, frame-major), the output one value per frame
 * (contrast: one per band). Sums run in float64, like librosa's, whose normalised spectra are float64.
 */

/** `librosa.feature.spectral_centroid`: the magnitude-weighted mean frequency of each frame, Hz (0 for a silent frame). */
export function spectralCentroid(magnitude: FrameMatrix, sr: number, nFft: number): FrameMatrix {
  const freq = frequencies(magnitude, sr, nFft)
  const { data, nFrames, nValues } = magnitude
  const out = frameMatrix(nFrames, 1)
  for (let t = 0; t < nFrames; t++) {
    const offset = t * nValues
    const total = columnSum(data, offset, nValues)
    let acc = 0
    for (let k = 0; k < nValues; k++) acc += (freq[k] as number) * (data[offset + k] as number)
    // util.normalize(norm=1) leaves a column whose sum is below tiny as it is.
    out.data[t] = acc / (total < FLOAT32_TINY ? 1 : total)
  }
  return out
}

/** Parameters of `spectralBandwidth`, named and defaulted as librosa's. */
export interface BandwidthOptions {
  /** `p`: order of the deviation from the centroid. Default 2. */
  p?: number
  /** `norm`: normalise each frame's magnitudes to sum 1 first. Default true. */
  norm?: boolean
  /** `centroid`: precomputed centroids (one per frame); computed if absent. */
  centroid?: FrameMatrix
}

/** `librosa.feature.spectral_bandwidth`: `(sum_k S[k] |f_k - centroid|^p)^(1/p)` per frame, Hz. */
export function spectralBandwidth(
  magnitude: FrameMatrix,
  sr: number,
  nFft: number,
  options: BandwidthOptions = {},
): FrameMatrix {
  const p = options.p ?? 2
  const norm = options.norm ?? true
  if (!(p > 0)) throw invalid(`p must be > 0 (got ${p})`)
  const centroid = options.centroid ?? spectralCentroid(magnitude, sr, nFft)
  const freq = frequencies(magnitude, sr, nFft)
  const { data, nFrames, nValues } = magnitude
  const out = frameMatrix(nFrames, 1)
  for (let t = 0; t < nFrames; t++) {
    const offset = t * nValues
    const total = norm ? columnSum(data, offset, nValues) : 1
    const scale = total < FLOAT32_TINY ? 1 : 1 / total
    const c = centroid.data[t] as number
    let acc = 0
    for (let k = 0; k < nValues; k++) {
      const deviation = Math.abs((freq[k] as number) - c)
      acc += (data[offset + k] as number) * scale * (p === 2 ? deviation * deviation : deviation ** p)
    }
    out.data[t] = acc ** (1 / p)
  }
  return out
}

/**
 * `librosa.feature.spectral_rolloff(roll_percent=…)`: the lowest bin frequency at which the
 * cumulative magnitude reaches `rollPercent` of the frame's total, Hz. The running sum is float32,
 * as librosa's `np.cumsum` of a float32 spectrogram, so the same bin wins on a tie.
 */
export function spectralRolloff(magnitude: FrameMatrix, sr: number, nFft: number, rollPercent = 0.85): FrameMatrix {
  if (!(rollPercent > 0 && rollPercent < 1)) throw invalid(`roll_percent must lie in (0, 1) (got ${rollPercent})`)
  const freq = frequencies(magnitude, sr, nFft)
  const { data, nFrames, nValues } = magnitude
  const out = frameMatrix(nFrames, 1)
  const cumulative = new Float32Array(nValues)
  for (let t = 0; t < nFrames; t++) {
    const offset = t * nValues
    let running = 0
    for (let k = 0; k < nValues; k++) {
      running = Math.fround(running + (data[offset + k] as number))
      cumulative[k] = running
    }
    const threshold = Math.fround(rollPercent * running)
    let k = 0
    while (k < nValues - 1 && (cumulative[k] as number) < threshold) k++
    out.data[t] = freq[k] as number
  }
  return out
}

/** Parameters of `spectralFlatness`, named and defaulted as librosa's. */
export interface FlatnessOptions {
  /** `amin`: floor on `S ** power` before the logarithm. Default 1e-10. */
  amin?: number
  /** `power`: exponent applied to the magnitudes (2: power spectrum). Default 2. */
  power?: number
}

/** `librosa.feature.spectral_flatness`: geometric over arithmetic mean of `max(amin, S ** power)`, per frame, in [0, 1]. */
export function spectralFlatness(magnitude: FrameMatrix, options: FlatnessOptions = {}): FrameMatrix {
  const amin = options.amin ?? 1e-10
  const power = options.power ?? 2
  if (!(amin > 0)) throw invalid(`amin must be strictly positive (got ${amin})`)
  const { data, nFrames, nValues } = magnitude
  const out = frameMatrix(nFrames, 1)
  for (let t = 0; t < nFrames; t++) {
    const offset = t * nValues
    let logSum = 0
    let sum = 0
    for (let k = 0; k < nValues; k++) {
      const m = data[offset + k] as number
      const v = Math.max(amin, power === 2 ? m * m : m ** power)
      logSum += Math.log(v)
      sum += v
    }
    out.data[t] = Math.exp(logSum / nValues) / (sum / nValues)
  }
  return out
}

/** Parameters of `spectralContrast`, named and defaulted as librosa's. */
export interface ContrastOptions {
  /** `fmin`: upper edge of the first band, Hz; band b > 0 spans [fmin 2^(b-1), fmin 2^b]. Default 200. */
  fmin?: number
  /** `n_bands`: number of octave bands above the first (the output has n_bands + 1 rows). Default 6. */
  nBands?: number
  /** `quantile`: fraction of each band's bins averaged for its peak and its valley. Default 0.02. */
  quantile?: number
  /** `linear`: peak minus valley in magnitude; false (default) takes the difference in dB. */
  linear?: boolean
}

/**
 * `librosa.feature.spectral_contrast`: per octave band and frame, the mean of the top quantile of
 * magnitudes (peak) against the mean of the bottom quantile (valley), as `power_to_db(peak) -
 * power_to_db(valley)` (librosa applies power_to_db, with its top_db=80 floor over the whole clip,
 * to these magnitudes) or `peak - valley` if linear. Band edges follow librosa exactly, including
 * that each band above the first also takes the bin just below it and the last runs to Nyquist.
 */
export function spectralContrast(
  magnitude: FrameMatrix,
  sr: number,
  nFft: number,
  options: ContrastOptions = {},
): FrameMatrix {
  const fmin = options.fmin ?? 200
  const nBands = options.nBands ?? 6
  const quantile = options.quantile ?? 0.02
  const linear = options.linear ?? false
  if (!Number.isInteger(nBands) || nBands < 1) throw invalid(`n_bands must be a positive whole number (got ${nBands})`)
  if (!(quantile > 0 && quantile < 1)) throw invalid(`quantile must lie in (0, 1) (got ${quantile})`)
  if (!(fmin > 0)) throw invalid(`fmin must be a positive number (got ${fmin})`)
  const freq = frequencies(magnitude, sr, nFft)
  const octa = [0]
  for (let b = 0; b <= nBands; b++) octa.push(fmin * 2 ** b)
  if (octa.slice(0, -1).some((f) => f >= 0.5 * sr)) {
    throw invalid(`frequency band exceeds Nyquist (${0.5 * sr} Hz); reduce fmin (${fmin}) or n_bands (${nBands})`)
  }
  const bands = contrastBands(freq, octa, nBands, quantile)
  const { data, nFrames, nValues } = magnitude
  const rows = nBands + 1
  const peak = new Float64Array(nFrames * rows)
  const valley = new Float64Array(nFrames * rows)
  const sorted = new Float64Array(nValues)
  for (let t = 0; t < nFrames; t++) {
    const offset = t * nValues
    bands.forEach(({ start, stop, count }, b) => {
      const length = stop - start
      const band = sorted.subarray(0, length)
      for (let k = 0; k < length; k++) band[k] = data[offset + start + k] as number
      band.sort()
      let low = 0
      let high = 0
      for (let i = 0; i < count; i++) {
        low += band[i] as number
        high += band[length - 1 - i] as number
      }
      // numpy takes these means in the spectrogram's float32.
      valley[t * rows + b] = Math.fround(low / count)
      peak[t * rows + b] = Math.fround(high / count)
    })
  }
  const out = frameMatrix(nFrames, rows)
  if (linear) {
    for (let i = 0; i < out.data.length; i++) out.data[i] = (peak[i] as number) - (valley[i] as number)
  } else {
    const peakDb = toDb(peak)
    const valleyDb = toDb(valley)
    for (let i = 0; i < out.data.length; i++) out.data[i] = (peakDb[i] as number) - (valleyDb[i] as number)
  }
  return out
}

/** Which bins each contrast band covers and how many of them make its quantile. */
function contrastBands(
  freq: Float64Array,
  octa: number[],
  nBands: number,
  quantile: number,
): { start: number; stop: number; count: number }[] {
  const bands: { start: number; stop: number; count: number }[] = []
  for (let b = 0; b <= nBands; b++) {
    const low = octa[b] as number
    const high = octa[b + 1] as number
    let first = -1
    let last = -1
    freq.forEach((f, k) => {
      if (f >= low && f <= high) {
        if (first < 0) first = k
        last = k
      }
    })
    if (first < 0) throw invalid(`no FFT bin between ${low} and ${high} Hz; use a larger n_fft or a higher fmin`)
    let start = first
    let stop = last + 1
    if (b > 0 && first > 0) start = first - 1
    if (b === nBands) stop = freq.length
    // librosa counts the selected bins before dropping the top one of every band but the last.
    const selected = stop - start
    if (b < nBands) stop -= 1
    const count = Math.max(1, roundHalfEven(quantile * selected))
    bands.push({ start, stop, count })
  }
  return bands
}

/** `power_to_db` with librosa's defaults (ref 1, amin 1e-10, top_db 80 over the whole array), in float64. */
function toDb(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length)
  let max = -Infinity
  values.forEach((v, i) => {
    out[i] = 10 * Math.log10(Math.max(1e-10, v))
    max = Math.max(max, out[i] as number)
  })
  return out.map((v) => Math.max(v, max - 80))
}

/** numpy's `rint`: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x)
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r
}

function frequencies(magnitude: FrameMatrix, sr: number, nFft: number): Float64Array {
  const freq = fftFrequencies(sr, nFft)
  if (freq.length !== magnitude.nValues) {
    throw invalid(`the spectrogram has ${magnitude.nValues} bins; n_fft=${nFft} gives ${freq.length}`)
  }
  return freq
}

function columnSum(data: Float32Array, offset: number, n: number): number {
  let sum = 0
  for (let k = 0; k < n; k++) sum += Math.abs(data[offset + k] as number)
  return sum
}

function invalid(message: string): EarmarkError {
  return new EarmarkError('invalid-input', message)
}
