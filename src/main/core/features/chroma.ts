import { EarmarkError } from '../errors'
import { frameMatrix, type FrameMatrix } from './frames'
import { memoize } from './memo'

/** The smallest normal float32 (`np.finfo(np.float32).tiny`): librosa leaves vectors with a smaller norm unscaled. */
export const FLOAT32_TINY = 1.1754943508222875e-38

// The filterbank is built in float64, whose tiny is the threshold there.
const FLOAT64_TINY = 2.2250738585072014e-308

/** Parameters of `chromaFilterbank`, named and defaulted as `librosa.filters.chroma`. */
export interface ChromaFilterOptions {
  /** `sr`: sample rate, Hz. */
  sr: number
  /** `n_fft`: FFT length (the filterbank has 1 + n_fft // 2 columns). */
  nFft: number
  /** `n_chroma`: chroma bins per octave. Default 12. */
  nChroma?: number
  /** `tuning`: deviation from A440 in fractions of a chroma bin. Default 0. */
  tuning?: number
  /** `ctroct`: centre, in octaves above A0 (27.5 Hz), of the Gaussian weighting of octaves. Default 5. */
  ctroct?: number
  /** `octwidth`: half-width in octaves of that weighting; null for equal weights. Default 2. */
  octwidth?: number | null
  /** `norm`: each FFT bin's column is scaled to unit p-norm (Infinity for max). Default 2. */
  norm?: number
  /** `base_c`: start the bins at C rather than A. Default true. */
  baseC?: boolean
}

/** `librosa.filters.chroma(…)`: weights `(n_chroma, 1 + n_fft // 2)` row-major, float32 as librosa. */
export const chromaFilterbank: (options: ChromaFilterOptions) => Float32Array = memoize(
  (o: ChromaFilterOptions) =>
    JSON.stringify([o.sr, o.nFft, o.nChroma, o.tuning, o.ctroct, o.octwidth, o.norm, o.baseC]),
  buildChromaFilterbank,
)

function buildChromaFilterbank(options: ChromaFilterOptions): Float32Array {
  const { sr, nFft } = options
  const nChroma = options.nChroma ?? 12
  const tuning = options.tuning ?? 0
  const ctroct = options.ctroct ?? 5
  const octwidth = options.octwidth === undefined ? 2 : options.octwidth
  const norm = options.norm ?? 2
  const baseC = options.baseC ?? true
  if (!(sr > 0)) throw invalid(`sr must be > 0 (got ${sr})`)
  if (!Number.isInteger(nFft) || nFft < 2) throw invalid(`n_fft must be a whole number >= 2 (got ${nFft})`)
  if (!Number.isInteger(nChroma) || nChroma < 1) throw invalid(`n_chroma must be a whole number >= 1 (got ${nChroma})`)
  const a440 = 440 * 2 ** (tuning / nChroma)
  // Bin frequencies in chroma bins above A0, for every FFT bin (DC gets a made-up value 1.5 octaves below bin 1).
  const frqbins = new Float64Array(nFft)
  const step = sr / nFft
  for (let k = 1; k < nFft; k++) frqbins[k] = nChroma * Math.log2((k * step) / (a440 / 16))
  frqbins[0] = (frqbins[1] as number) - 1.5 * nChroma
  const nBins = Math.floor(nFft / 2) + 1
  const half = Math.round(nChroma / 2)
  const wts = new Float64Array(nChroma * nBins)
  const column = new Float64Array(nChroma)
  for (let k = 0; k < nBins; k++) {
    const binWidth = k < nFft - 1 ? Math.max((frqbins[k + 1] as number) - (frqbins[k] as number), 1) : 1
    for (let c = 0; c < nChroma; c++) {
      // Distance from chroma c, wrapped into [-nChroma/2, nChroma/2) as numpy's remainder does.
      const d = pyMod((frqbins[k] as number) - c + half + 10 * nChroma, nChroma) - half
      column[c] = Math.exp(-0.5 * ((2 * d) / binWidth) ** 2)
    }
    const length = pNorm(column, norm)
    const divisor = length < FLOAT64_TINY ? 1 : length
    const octave =
      octwidth === null ? 1 : Math.exp(-0.5 * (((frqbins[k] as number) / nChroma - ctroct) / octwidth) ** 2)
    for (let c = 0; c < nChroma; c++) {
      // base_c rolls the rows by -3 per 12 bins: row r holds chroma (r + 3) mod n.
      const row = baseC ? pyMod(c - 3 * Math.floor(nChroma / 12), nChroma) : c
      wts[row * nBins + k] = ((column[c] as number) / divisor) * octave
    }
  }
  return Float32Array.from(wts)
}

/** Parameters of `chromaStft`, named and defaulted as `librosa.feature.chroma_stft`. */
export interface ChromaOptions {
  /** `n_chroma`: chroma bins. Default 12. */
  nChroma?: number
  /**
   * `tuning`: deviation from A440 in fractions of a chroma bin. Default 0, where librosa's default
   * (None) estimates it from the clip with `estimate_tuning`; pass librosa `tuning=0` to compare.
   */
  tuning?: number
  /** `norm`: each frame is scaled to unit p-norm; Infinity (default) makes its largest bin 1; null leaves it. */
  norm?: number | null
}

/**
 * `librosa.feature.chroma_stft(S=power, sr=sr, tuning=…)`: the chroma filterbank applied to a power
 * spectrogram, then each frame normalised (frames of norm below float32's tiny are left as they are,
 * as librosa does). Frame-major in and out.
 */
export function chromaStft(power: FrameMatrix, sr: number, nFft: number, options: ChromaOptions = {}): FrameMatrix {
  const nChroma = options.nChroma ?? 12
  const norm = options.norm === undefined ? Infinity : options.norm
  const weights = chromaFilterbank({ sr, nFft, nChroma, tuning: options.tuning ?? 0 })
  const nBins = power.nValues
  if (nBins !== Math.floor(nFft / 2) + 1)
    throw invalid(`the spectrogram has ${nBins} bins; n_fft=${nFft} gives ${Math.floor(nFft / 2) + 1}`)
  const out = frameMatrix(power.nFrames, nChroma)
  const frame = new Float64Array(nChroma)
  for (let t = 0; t < power.nFrames; t++) {
    const offset = t * nBins
    for (let c = 0; c < nChroma; c++) {
      let acc = 0
      const row = c * nBins
      for (let k = 0; k < nBins; k++) acc += (weights[row + k] as number) * (power.data[offset + k] as number)
      frame[c] = Math.fround(acc)
    }
    const length = norm === null ? 1 : pNorm(frame, norm)
    const divisor = length < FLOAT32_TINY ? 1 : length
    for (let c = 0; c < nChroma; c++) out.data[t * nChroma + c] = (frame[c] as number) / divisor
  }
  return out
}

/** The p-norm of a vector (Infinity: largest absolute value), as `librosa.util.normalize` measures it. */
function pNorm(values: Float64Array, p: number): number {
  if (p === Infinity) {
    let max = 0
    for (const v of values) max = Math.max(max, Math.abs(v))
    return max
  }
  if (!(p > 0)) throw invalid(`norm must be > 0 or Infinity (got ${p})`)
  let sum = 0
  for (const v of values) sum += Math.abs(v) ** p
  return sum ** (1 / p)
}

/** numpy's `remainder` (Python's `%`): the result has the divisor's sign. */
function pyMod(a: number, n: number): number {
  const m = a % n
  return m !== 0 && m < 0 !== n < 0 ? m + n : m
}

function invalid(message: string): EarmarkError {
  return new EarmarkError('invalid-input', message)
}
