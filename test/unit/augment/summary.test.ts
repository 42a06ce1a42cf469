import { describe, expect, it } from 'vitest'
import { cnnParamsSchema, transferParamsSchema } from '../../../src/main/core/models/deep/params'
import {
  AUGMENTATION_PARAMS,
  augmentationSummary,
  NORMALISATION_PARAMS,
  normalisationSummary,
} from '../../../src/shared/input-options'

describe('how a run’s input options read', () => {
  it('groups only hyperparameters the deep models have', () => {
    const names = Object.keys(cnnParamsSchema.shape)
    for (const p of [...AUGMENTATION_PARAMS, ...NORMALISATION_PARAMS]) expect(names).toContain(p)
  })

  it('says none for the defaults, and names each augmentation that is on', () => {
    // Transfer learning's defaults augment nothing (the CNN, CRNN and LSTM's augment by default).
    const defaults = transferParamsSchema.parse({ baseModel: 'base' })
    expect(augmentationSummary(defaults)).toEqual([])
    expect(normalisationSummary(defaults)).toBe('none')
    // A run stored before the options existed reads the same.
    expect(normalisationSummary({ epochs: 3 })).toBe('none')
    const on = transferParamsSchema.parse({
      baseModel: 'base',
      normalize: 'pcen',
      augmentCopies: 2,
      pitchShift: 2,
      speed: 0.1,
      gain: 6,
      noiseSnr: 10,
      reverb: 0.25,
      vtlp: 0.1,
      timeShift: 0.1,
      freqWarp: 0.15,
      mixup: 0.2,
    })
    expect(augmentationSummary(on)).toEqual([
      '2 copies of each training clip (pitch ±2 semitones, speed ±10%, gain ±6 dB, noise at 10–30 dB SNR, room reverb in 25% of copies, VTLP ±10%)',
      'time shift ±10%',
      'frequency warp ±15%',
      'mixup α 0.2',
    ])
    expect(normalisationSummary(on)).toMatch(/^PCEN/)
  })
})
