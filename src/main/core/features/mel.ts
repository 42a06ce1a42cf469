import { EarmarkError } from '../errors'
import { frameMatrix, type FrameMatrix } from './frames'
import { memoize } from './memo'
import { fftFrequencies } from './stft'

// Slaney's Auditory Toolbox scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above.
const F_SP = 200 / 3
const MIN_LOG_HZ = 1000
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP
const LOG_STEP = Math.log(6.4) / 27

/** `librosa.hz_to_mel(f, htk=htk)`: Slaney's scale by default, HTK's `2595 log10(1 + f/700)` if htk. */
export function hzToMel(hz: number, htk = false): number {
  if (htk) return 2595 * Math.log10(1 + hz / 700)
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP
}

/** `librosa.mel_to_hz(m, htk=htk)`, the inverse of `hzToMel`. */
export function melToHz(mel: number, htk = false): number {
  if (htk) return 700 * (10 ** (mel / 2595) - 1)
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL)) : F_SP * mel
}

/** `librosa.mel_frequencies(n_mels, fmin=fmin, fmax=fmax, htk=htk)`: n_mels frequencies evenly spaced in mels. */
export function melFrequencies(nMels: number, fmin = 0, fmax = 11025, htk = false): Float64Array {
  const lo = hzToMel(fmin, htk)
  const hi = hzToMel(fmax, htk)
  const out = new Float64Array(nMels)
  // numpy.linspace: start + i * step, the last point exactly `stop`.
  const step = nMels > 1 ? (hi - lo) / (nMels - 1) : 0
  for (let i = 0; i < nMels; i++) out[i] = melToHz(i === nMels - 1 && nMels > 1 ? hi : lo + i * step, htk)
  return out
}

/** Parameters of `melFilterbank`, named and defaulted as `librosa.filters.mel`. */
export interface MelOptions {
  /** `sr`: sample rate of the signal, Hz. */
  sr: number
  /** `n_fft`: FFT length the filterbank applies to (it has 1 + n_fft // 2 columns). */
  nFft: number
  /** `n_mels`: number of mel bands. Default 128. */
  nMels?: number
  /** `fmin`: lowest frequency, Hz. Default 0. */
  fmin?: number
  /** `fmax`: highest frequency, Hz; null or absent means `sr / 2`. */
  fmax?: number | null
  /** `htk`: HTK's mel formula instead of Slaney's. Default false. */
  htk?: boolean
  /** `norm`: 'slaney' divides each triangle by its width in Hz (constant energy per band); null leaves peaks at 1. Default 'slaney'. */
  norm?: 'slaney' | null
}

/** A mel filterbank: dense weights in librosa's layout, and each filter's nonzero span for fast application. */
export interface MelFilterbank {
  /** Filter m's weight for FFT bin k at `m * nBins + k` (librosa's `(n_mels, 1 + n_fft // 2)`), float32 as librosa. */
  readonly weights: Float32Array
  /** Number of mel bands. */
  readonly nMels: number
  /** Number of FFT bins, `1 + floor(nFft / 2)`. */
  readonly nBins: number
  /** First bin with a nonzero weight, per filter. */
  readonly start: Int32Array
  /** One past the last bin with a nonzero weight, per filter (`start === end` for an empty filter). */
  readonly end: Int32Array
  /** The nonzero spans' weights one after another, float64: filter m's are at `[offsets[m], offsets[m + 1])`. */
  readonly packed: Float64Array
  /** Where each filter's span starts in `packed` (nMels + 1 entries). */
  readonly offsets: Int32Array
}

/** `librosa.filters.mel(sr=…, n_fft=…, …)`, cached per parameter set. */
export const melFilterbank: (options: MelOptions) => MelFilterbank = memoize(
  (o: MelOptions) => JSON.stringify([o.sr, o.nFft, o.nMels, o.fmin, o.fmax, o.htk, o.norm]),
  buildMelFilterbank,
)

/**
 * librosa's mel filterbank, each FFT bin read at `frequencyOf` its frequency: the identity gives
 * librosa's; a warp of the frequency axis (vocal-tract-length perturbation) moves energy at f into
 * the band of the warped f.
 */
export function buildMelFilterbank(options: MelOptions, frequencyOf?: (hz: number) => number): MelFilterbank {
  const { sr, nFft } = options
  const nMels = options.nMels ?? 128
  const fmin = options.fmin ?? 0
  const fmax = options.fmax ?? sr / 2
  const htk = options.htk ?? false
  const norm = options.norm === undefined ? 'slaney' : options.norm
  if (!(sr > 0)) throw invalid(`sr must be > 0 (got ${sr})`)
  if (!Number.isInteger(nFft) || nFft < 1) throw invalid(`n_fft must be a whole number >= 1 (got ${nFft})`)
  if (!Number.isInteger(nMels) || nMels < 1) throw invalid(`n_mels must be a whole number >= 1 (got ${nMels})`)
  if (!(fmin >= 0) || !(fmax > fmin)) throw invalid(`need 0 <= fmin < fmax (got fmin=${fmin}, fmax=${fmax})`)
  const fftFreqs = frequencyOf ? Array.from(fftFrequencies(sr, nFft), frequencyOf) : fftFrequencies(sr, nFft)
  const nBins = fftFreqs.length
  const melF = melFrequencies(nMels + 2, fmin, fmax, htk)
  const weights = new Float32Array(nMels * nBins)
  const start = new Int32Array(nMels)
  const end = new Int32Array(nMels)
  for (let m = 0; m < nMels; m++) {
    const lowerWidth = (melF[m + 1] as number) - (melF[m] as number)
    const upperWidth = (melF[m + 2] as number) - (melF[m + 1] as number)
    const enorm = norm === 'slaney' ? 2 / ((melF[m + 2] as number) - (melF[m] as number)) : 1
    let first = -1
    let last = -1
    for (let k = 0; k < nBins; k++) {
      const f = fftFreqs[k] as number
      const lower = ((f - (melF[m] as number)) * 1) / lowerWidth
      const upper = ((melF[m + 2] as number) - f) / upperWidth
      // librosa stores the triangle in float32, then scales it in place: two roundings, kept here.
      const w = Math.fround(Math.fround(Math.max(0, Math.min(lower, upper))) * enorm)
      weights[m * nBins + k] = w
      if (w !== 0) {
        if (first < 0) first = k
        last = k
      }
    }
    start[m] = first < 0 ? 0 : first
    end[m] = first < 0 ? 0 : last + 1
  }
  const offsets = new Int32Array(nMels + 1)
  for (let m = 0; m < nMels; m++) offsets[m + 1] = (offsets[m] as number) + (end[m] as number) - (start[m] as number)
  const packed = new Float64Array(offsets[nMels] as number)
  for (let m = 0; m < nMels; m++) {
    for (let k = start[m] as number; k < (end[m] as number); k++) {
      packed[(offsets[m] as number) + k - (start[m] as number)] = weights[m * nBins + k] as number
    }
  }
  return { weights, nMels, nBins, start, end, packed, offsets }
}

/**
 * Applies a mel filterbank to a power (or magnitude) spectrogram, frame-major in and out: the
 * product `mel_basis @ S` of `librosa.feature.melspectrogram`, over each filter's nonzero span
 * only, accumulated in float64.
 */
export function applyMelFilterbank(spectrum: FrameMatrix, filterbank: MelFilterbank): FrameMatrix {
  const { nMels, nBins } = filterbank
  if (spectrum.nValues !== nBins) {
    throw invalid(`the spectrogram has ${spectrum.nValues} bins; the filterbank expects ${nBins}`)
  }
  const out = frameMatrix(spectrum.nFrames, nMels)
  for (let t = 0; t < spectrum.nFrames; t++) {
    melFrame(filterbank, spectrum.data.subarray(t * nBins, (t + 1) * nBins), out.data, t * nMels)
  }
  return out
}

/**
 * One frame of `applyMelFilterbank`: `spectrum` (nBins values) into `out[outOffset …]` (nMels
 * values). The spectra are float32 (as librosa stores them), so both callers pass Float32Array
 * and the loop stays monomorphic; a Float64Array is accepted and gives the same sums.
 */
export function melFrame(
  filterbank: MelFilterbank,
  spectrum: Float32Array | Float64Array,
  out: Float32Array,
  outOffset: number,
): void {
  const { nMels, start, packed, offsets } = filterbank
  for (let m = 0; m < nMels; m++) {
    const from = offsets[m] as number
    const to = offsets[m + 1] as number
    const shift = (start[m] as number) - from
    let even = 0
    let odd = 0
    let j = from
    for (; j + 1 < to; j += 2) {
      even += (packed[j] as number) * (spectrum[j + shift] as number)
      odd += (packed[j + 1] as number) * (spectrum[j + 1 + shift] as number)
    }
    if (j < to) even += (packed[j] as number) * (spectrum[j + shift] as number)
    out[outOffset + m] = even + odd
  }
}

function invalid(message: string): EarmarkError {
  return new EarmarkError('invalid-input', message)
}
