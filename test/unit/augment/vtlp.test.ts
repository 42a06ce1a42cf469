import { describe, expect, it } from 'vitest'
import { VTLP_BOUNDARY, vtlpWarp, warpedMelFilterbank } from '../../../src/main/core/augment/vtlp'
import { extractFeatures, melFilterbank, melFrequencies, resolveFeatureConfig } from '../../../src/main/core/features'
import { tone } from './tones'

const SR = 16000
const config = resolveFeatureConfig({ sampleRate: SR, nFft: 1024, hop: 256, nMels: 64, features: ['logmel'] })
const mel = { sr: SR, nFft: 1024, nMels: 64, fmin: 0, fmax: null, htk: false, norm: 'slaney' as const }

/** The mel band where a tone's energy is largest, averaged over frames. */
function loudestBand(samples: Float32Array, alpha: number | null): number {
  const options = alpha === null ? {} : { melFilterbank: warpedMelFilterbank(mel, alpha) }
  const m = extractFeatures(samples, SR, config, options).matrices.logmel
  if (!m) throw new Error('no log-mel')
  const mean = new Float64Array(m.nValues)
  for (let t = 0; t < m.nFrames; t++) {
    for (let b = 0; b < m.nValues; b++) mean[b] = (mean[b] as number) + (m.data[t * m.nValues + b] as number)
  }
  return mean.indexOf(Math.max(...mean))
}

describe('vocal-tract-length perturbation', () => {
  it('warps frequencies by α below the boundary and meets the Nyquist frequency at the top', () => {
    const nyquist = SR / 2
    for (const alpha of [0.9, 1.1]) {
      expect(vtlpWarp(1000, alpha, nyquist)).toBeCloseTo(1000 * alpha, 9)
      expect(vtlpWarp(nyquist, alpha, nyquist)).toBeCloseTo(nyquist, 9)
      // Continuous at the knee, and increasing.
      const knee = (VTLP_BOUNDARY * nyquist * Math.min(alpha, 1)) / alpha
      expect(vtlpWarp(knee + 1e-6, alpha, nyquist)).toBeCloseTo(vtlpWarp(knee, alpha, nyquist), 4)
      expect(vtlpWarp(knee + 100, alpha, nyquist)).toBeGreaterThan(vtlpWarp(knee, alpha, nyquist))
    }
  })

  it('with α = 1 the filterbank is librosa’s', () => {
    const plain = melFilterbank(mel)
    const same = warpedMelFilterbank(mel, 1)
    expect(Array.from(same.weights)).toEqual(Array.from(plain.weights))
    expect(Array.from(same.packed)).toEqual(Array.from(plain.packed))
  })

  it.each([1.15, 0.85])('moves a tone into the mel band of α × its frequency (α = %d)', (alpha) => {
    const hz = 1500
    const centres = melFrequencies(64 + 2, 0, SR / 2).subarray(1, 65)
    const expected = loudestBand(tone(hz * alpha, SR, 0.5), null)
    // The warped tone's band is the plain tone's at α f, whose centre is near α f, not near f.
    expect(loudestBand(tone(hz, SR, 0.5), alpha)).toBe(expected)
    expect(Math.abs((centres[expected] as number) - hz * alpha)).toBeLessThan(
      Math.abs((centres[expected] as number) - hz),
    )
    expect(loudestBand(tone(hz, SR, 0.5), null)).not.toBe(expected)
  })
})
