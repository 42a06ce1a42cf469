/*
 * How the studio groups and reads back a deep run's input options: the per-clip normalisation
 * and the augmentations (waveform copies of training clips, then changes to each batch's features).
 * The options themselves, their defaults and one-line explanations are the model's
 * hyperparameters (core/models/deep/params.ts); this is only which belong together, and how a run's
 * stored values read as a sentence.
 */

/** The normalisation group of the training form. */
export const NORMALISATION_PARAMS: readonly string[] = ['normalize']

/** Augmentations of the waveform: copies of each training clip, each with its own random settings. */
export const WAVEFORM_AUGMENTATION_PARAMS: readonly string[] = [
  'augmentCopies',
  'pitchShift',
  'speed',
  'gain',
  'noiseSnr',
  'reverb',
  'vtlp',
]

/** Augmentations of each training batch's features. */
export const FEATURE_AUGMENTATION_PARAMS: readonly string[] = [
  'timeShift',
  'freqWarp',
  'noise',
  'timeMasks',
  'timeMaskWidth',
  'freqMasks',
  'freqMaskWidth',
  'mixup',
]

/** The augmentation group of the training form, waveform first. */
export const AUGMENTATION_PARAMS: readonly string[] = [...WAVEFORM_AUGMENTATION_PARAMS, ...FEATURE_AUGMENTATION_PARAMS]

/** What each normalisation does, in a few words. */
const NORMALISATIONS: Record<string, string> = {
  none: 'none',
  cmvn: 'cmvn (each band’s mean and variance per clip)',
  clip: 'per-clip standardisation',
  pcen: 'PCEN (per-channel energy normalisation)',
}

const num = (params: Record<string, unknown>, name: string): number => {
  const v = params[name]
  return typeof v === 'number' ? v : 0
}
/** A number as a person reads it: 0.1, 2, 12.5. */
const short = (v: number): string => String(Number(v.toFixed(3)))

/** A run's per-clip normalisation as a person reads it ('none' for runs from before it existed). */
export function normalisationSummary(params: Record<string, unknown>): string {
  const value = typeof params['normalize'] === 'string' ? params['normalize'] : 'none'
  return NORMALISATIONS[value] ?? value
}

/**
 * A run's augmentations, one phrase each, as its stored hyperparameters say (empty: none):
 * waveform copies with what varies in them, then the feature-level ones.
 */
export function augmentationSummary(params: Record<string, unknown>): string[] {
  const out: string[] = []
  const copies = num(params, 'augmentCopies')
  if (copies > 0) {
    const varied: string[] = []
    const semitones = num(params, 'pitchShift')
    if (semitones > 0) varied.push(`pitch ±${short(semitones)} ${semitones === 1 ? 'semitone' : 'semitones'}`)
    if (num(params, 'speed') > 0) varied.push(`speed ±${short(100 * num(params, 'speed'))}%`)
    if (num(params, 'gain') > 0) varied.push(`gain ±${short(num(params, 'gain'))} dB`)
    if (typeof params['noiseSnr'] === 'number') {
      varied.push(`noise at ${short(params['noiseSnr'])}–${short(params['noiseSnr'] + 20)} dB SNR`)
    }
    if (num(params, 'reverb') > 0) varied.push(`room reverb in ${short(100 * num(params, 'reverb'))}% of copies`)
    if (num(params, 'vtlp') > 0) varied.push(`VTLP ±${short(100 * num(params, 'vtlp'))}%`)
    out.push(`${copies} ${copies === 1 ? 'copy' : 'copies'} of each training clip (${varied.join(', ')})`)
  }
  if (num(params, 'timeShift') > 0) out.push(`time shift ±${short(100 * num(params, 'timeShift'))}%`)
  if (num(params, 'freqWarp') > 0) out.push(`frequency warp ±${short(100 * num(params, 'freqWarp'))}%`)
  if (num(params, 'noise') > 0) out.push(`feature noise σ ${short(num(params, 'noise'))}`)
  if (num(params, 'timeMasks') > 0) out.push(`${short(num(params, 'timeMasks'))} time masks`)
  if (num(params, 'freqMasks') > 0) out.push(`${short(num(params, 'freqMasks'))} frequency masks`)
  if (num(params, 'mixup') > 0) out.push(`mixup α ${short(num(params, 'mixup'))}`)
  return out
}
