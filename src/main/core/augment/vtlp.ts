import { melFrequencies, type MelFilterbank, type MelOptions } from '../features/mel'
import { fftFrequencies } from '../features/stft'

/*
 * Vocal-tract-length perturbation (Jaitly & Hinton, 2013): a longer or shorter vocal tract scales
 * a voice's formants, which a warp of the spectrum's frequency axis by a factor α imitates. The
 * warp is piecewise linear so that it stays inside [0, Nyquist]: f → α f up to a boundary
 * F_hi · min(α, 1) / α, then the straight line to the Nyquist frequency. Jaitly and Hinton place
 * F_hi at 4.8 kHz of 8 kHz (0.6 of Nyquist); Earmark keeps that share at every sample rate.
 */

/** The boundary of the linear part, as a share of the Nyquist frequency. */
export const VTLP_BOUNDARY = 0.6

/** Where frequency `hz` goes under the warp α (Nyquist `nyquist`). */
export function vtlpWarp(hz: number, alpha: number, nyquist: number): number {
  const fHi = VTLP_BOUNDARY * nyquist
  const knee = (fHi * Math.min(alpha, 1)) / alpha
  if (hz <= knee) return hz * alpha
  const top = fHi * Math.min(alpha, 1)
  return nyquist - ((nyquist - top) / (nyquist - knee)) * (nyquist - hz)
}

/**
 * librosa's mel filterbank (Slaney scale and norm, or HTK, as `options` say) read through the warp:
 * filter m's weight on FFT bin k is its triangle at the warped frequency of bin k, so energy at f
 * lands in the band of α f, as if the spectrum had been warped before the filters.
 */
export function warpedMelFilterbank(options: MelOptions, alpha: number): MelFilterbank {
  const { sr, nFft } = options
  const nMels = options.nMels ?? 128
  const fmin = options.fmin ?? 0
  const fmax = options.fmax ?? sr / 2
  const htk = options.htk ?? false
  const norm = options.norm === undefined ? 'slaney' : options.norm
  const nyquist = sr / 2
  const freqs = Array.from(fftFrequencies(sr, nFft), (f) => vtlpWarp(f, alpha, nyquist))
  const nBins = freqs.length
  const melF = melFrequencies(nMels + 2, fmin, fmax, htk)
  const weights = new Float32Array(nMels * nBins)
  const start = new Int32Array(nMels)
  const end = new Int32Array(nMels)
  for (let m = 0; m < nMels; m++) {
    const lo = melF[m] as number
    const mid = melF[m + 1] as number
    const hi = melF[m + 2] as number
    const enorm = norm === 'slaney' ? 2 / (hi - lo) : 1
    let first = -1
    let last = -1
    for (let k = 0; k < nBins; k++) {
      const f = freqs[k] as number
      // Rounded twice as librosa's float32 triangle then its scaling are (mel.ts does the same).
      const w = Math.fround(Math.fround(Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid)))) * enorm)
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
