import { buildMelFilterbank, type MelFilterbank, type MelOptions } from '../features/mel'

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
  return buildMelFilterbank(options, (hz) => vtlpWarp(hz, alpha, options.sr / 2))
}
