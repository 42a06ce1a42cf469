import { describe, expect, it } from 'vitest'
import { defaultSetParams, inputFor, recipeOf } from '../../../src/main/core/feature-sets/recipe'
import {
  checkNormalization,
  modelNormalization,
  normalizeInputs,
  pcenSmoothing,
  PCEN,
} from '../../../src/main/core/training/normalize'

const facts = { sampleRate: 8000, seconds: 1 }
const image = (() => {
  const params = defaultSetParams('image', facts)
  return recipeOf(null, params, inputFor('image', params, facts))
})()
const sequence = (() => {
  const params = defaultSetParams('sequence', facts)
  return recipeOf(null, params, inputFor('sequence', params, facts))
})()

/** Two examples of 6 frames × 3 features with different levels per feature. */
function examples(): Float32Array {
  return Float32Array.from({ length: 2 * 6 * 3 }, (_, i) => {
    const e = Math.floor(i / 18)
    const t = Math.floor((i % 18) / 3)
    const f = i % 3
    return 10 * f + (e + 1) * Math.sin(t + f) + 5 * e
  })
}

function stats(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  return { mean, std: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) }
}

describe('per-clip input normalisation', () => {
  it('cmvn brings each feature of each example to mean 0 and deviation 1 over its frames', () => {
    const x = examples()
    normalizeInputs(x, [6, 3], 'cmvn', image)
    for (let e = 0; e < 2; e++) {
      for (let f = 0; f < 3; f++) {
        const s = stats(Array.from({ length: 6 }, (_, t) => x[e * 18 + t * 3 + f] as number))
        expect(s.mean).toBeCloseTo(0, 5)
        expect(s.std).toBeCloseTo(1, 5)
      }
    }
  })

  it('clip brings each example as a whole to mean 0 and deviation 1, keeping the features’ differences', () => {
    const x = examples()
    normalizeInputs(x, [6, 3], 'clip', image)
    for (let e = 0; e < 2; e++) {
      const s = stats(Array.from(x.subarray(e * 18, (e + 1) * 18)))
      expect(s.mean).toBeCloseTo(0, 5)
      expect(s.std).toBeCloseTo(1, 5)
      // Feature 2 (level 20) stays above feature 0 (level 0).
      expect(x[e * 18 + 2] as number).toBeGreaterThan(x[e * 18] as number)
    }
  })

  it('none leaves the inputs as they are; a model saved before the setting reads none', () => {
    const x = examples()
    normalizeInputs(x, [6, 3], 'none', image)
    expect(Array.from(x)).toEqual(Array.from(examples()))
    expect(modelNormalization({ params: {} })).toBe('none')
    expect(modelNormalization({ params: { normalize: 'cmvn' } })).toBe('cmvn')
  })

  it('pcen is librosa.pcen of the mel energies the dB values stand for', () => {
    const b = pcenSmoothing(image.config.sampleRate, image.config.hop)
    // librosa: t = 0.4 s in frames (8000 / 128 frames a second), b = (sqrt(1 + 4 t²) - 1) / (2 t²).
    const t = (0.4 * 8000) / 128
    expect(b).toBeCloseTo((Math.sqrt(1 + 4 * t * t) - 1) / (2 * t * t), 12)
    // Constant energy E: the smoother sits at E, so pcen = (E / (eps + E)^gain + bias)^power - bias^power.
    const frames = 5
    const db = [-20, 0, 10]
    const x = Float32Array.from({ length: frames * 3 }, (_, i) => db[i % 3] as number)
    normalizeInputs(x, [frames, 3], 'pcen', image)
    const { gain, bias, power, eps } = PCEN
    db.forEach((d, f) => {
      const e = 10 ** (d / 10)
      const expected = (e / (eps + e) ** gain + bias) ** power - bias ** power
      for (let t = 0; t < frames; t++) expect(x[t * 3 + f] as number).toBeCloseTo(expected, 5)
    })
    // A step up in energy: the smoother lags, so the first frame after it is the largest.
    const step = Float32Array.from({ length: 20 }, (_, i) => (i < 10 ? -30 : 0))
    normalizeInputs(step, [20, 1], 'pcen', image)
    const m = 10 ** -3 // the smoother at the step: the quiet level
    const first = 1 * b + (1 - b) * m
    expect(step[10] as number).toBeCloseTo((1 / (eps + first) ** gain + bias) ** power - bias ** power, 4)
    expect(step[10] as number).toBeGreaterThan(step[19] as number)
  })

  it('refuses pcen on inputs that are not log-mel energies', () => {
    expect(() => checkNormalization('pcen', sequence)).toThrow(/only on log-mel inputs/)
    expect(() => normalizeInputs(new Float32Array(4), [2, 2], 'pcen', sequence)).toThrow(/only on log-mel/)
    expect(() => checkNormalization('cmvn', sequence)).not.toThrow()
    expect(() => checkNormalization('pcen', image)).not.toThrow()
  })
})
