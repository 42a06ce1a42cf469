import { describe, expect, it } from 'vitest'
import {
  deepFeatures,
  deepFeatureSchema,
  deepFeatureShape,
  defaultDeepFeatures,
  waveformFeatures,
} from '../../../src/main/core/training'

describe('deep-model input recipes', () => {
  it('a waveform recipe gives the samples themselves, cut or zero-padded, as [samples × 1]', () => {
    const recipe = waveformFeatures(0.5)
    expect(recipe).toMatchObject({ kind: 'waveform', sampleRate: 16000, seconds: 0.5 })
    expect(deepFeatureShape(recipe)).toEqual([8000, 1])
    const short = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i / 10))
    const padded = deepFeatures(short, recipe)
    expect(padded.length).toBe(8000)
    expect(Array.from(padded.subarray(0, 5000))).toEqual(Array.from(short))
    expect(padded.subarray(5000).every((v) => v === 0)).toBe(true)
    const long = Float32Array.from({ length: 12000 }, (_, i) => i / 12000)
    expect(Array.from(deepFeatures(long, recipe))).toEqual(Array.from(long.subarray(0, 8000)))
  })

  it('spectral settings left out take librosa’s defaults; the models’ own recipes keep their shapes', () => {
    expect(deepFeatureSchema.parse({ kind: 'logmel', sampleRate: 22050, seconds: 1 })).toMatchObject({
      nFft: 2048,
      hop: 512,
      nMels: 128,
    })
    expect(deepFeatureShape(defaultDeepFeatures('cnn'))).toEqual([63, 64])
    expect(deepFeatureShape(defaultDeepFeatures('lstm'))).toEqual([32, 40])
    expect(() => deepFeatureSchema.parse({ kind: 'chroma', sampleRate: 8000, seconds: 1 })).toThrow(/kind/)
  })
})
