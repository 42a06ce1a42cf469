import { describe, expect, it } from 'vitest'
import {
  extractFeatures,
  logmelAndMfcc,
  resolveFeatureConfig,
  summarize,
  summaryNames,
  summaryVector,
  valueOverFrames,
  type FeatureName,
} from '../../../src/main/core/features'
import { EarmarkError } from '../../../src/main/core/errors'
import { sine } from './helpers'

describe('feature configuration', () => {
  it('fills in librosa’s defaults, including those that follow other fields', () => {
    const c = resolveFeatureConfig()
    expect(c).toMatchObject({ sampleRate: 22050, nFft: 2048, hop: 512, winLength: 2048, window: 'hann', center: true })
    expect(c).toMatchObject({
      padMode: 'constant',
      nMels: 128,
      fmin: 0,
      fmax: 11025,
      htk: false,
      melNorm: 'slaney',
      topDb: 80,
    })
    expect(c).toMatchObject({ nMfcc: 20, lifter: 0, deltaWidth: 9, nChroma: 12, tuning: 0, rollPercent: 0.85 })
    expect(c.features).toEqual(['logmel', 'mfcc'])
    expect(c.stats).toEqual(['mean', 'std', 'min', 'max'])
    expect(resolveFeatureConfig({ winLength: 1000 }).hop).toBe(250)
    expect(resolveFeatureConfig({ sampleRate: 8000 }).fmax).toBe(4000)
  })

  it('passes a resolved configuration through unchanged, and freezes it', () => {
    const c = resolveFeatureConfig({ nFft: 512 })
    expect(resolveFeatureConfig(c)).toBe(c)
    expect(Object.isFrozen(c) && Object.isFrozen(c.features)).toBe(true)
  })

  it('names what is wrong', () => {
    const bad = (input: unknown, pattern: RegExp) => {
      let error: unknown
      try {
        resolveFeatureConfig(input as never)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(EarmarkError)
      expect((error as EarmarkError).code).toBe('invalid-input')
      expect((error as EarmarkError).message).toMatch(pattern)
    }
    bad({ nfft: 512 }, /nfft/)
    bad({ nFft: 256, winLength: 512 }, /winLength/)
    bad({ stats: ['mean', 'p101'] }, /statistic/)
    bad({ features: ['mfcc', 'mfcc'] }, /twice/)
    bad({ features: ['loudness'] }, /features/)
    bad({ deltaWidth: 4 }, /odd/)
    bad({ sampleRate: 8000, fmin: 5000 }, /fmax/)
  })
})

describe('extractFeatures and summaryVector', () => {
  const sr = 8000
  const y = Float32Array.from(sine(440, sr, 6000, 0.5), (v, i) => v + 0.05 * Math.sin(i * 1.3))
  const all: FeatureName[] = [
    'logmel',
    'mfcc',
    'mfcc_delta',
    'mfcc_delta2',
    'chroma',
    'spectral_centroid',
    'spectral_bandwidth',
    'spectral_rolloff',
    'spectral_flatness',
    'spectral_contrast',
    'zcr',
    'rms',
  ]
  const config = resolveFeatureConfig({
    sampleRate: sr,
    nFft: 512,
    hop: 128,
    nMels: 40,
    nMfcc: 13,
    contrastBands: 4,
    features: all,
    stats: ['mean', 'std', 'min', 'max', 'p10', 'p90'],
  })

  it('computes every feature on the same frames', () => {
    const features = extractFeatures(y, sr, config)
    expect(features.nFrames).toBe(1 + Math.floor(y.length / 128))
    for (const name of all) {
      const m = features.matrices[name]!
      expect(m.nFrames, name).toBe(features.nFrames)
      expect(m.data.every(Number.isFinite), name).toBe(true)
    }
    expect(features.matrices.logmel!.nValues).toBe(40)
    expect(features.matrices.mfcc_delta2!.nValues).toBe(13)
    expect(features.matrices.chroma!.nValues).toBe(12)
    expect(features.matrices.spectral_contrast!.nValues).toBe(5)
  })

  it('names summary columns stably and fills them in that order', () => {
    const names = summaryNames(config)
    expect(names.slice(0, 7)).toEqual([
      'logmel_0_mean',
      'logmel_0_std',
      'logmel_0_min',
      'logmel_0_max',
      'logmel_0_p10',
      'logmel_0_p90',
      'logmel_1_mean',
    ])
    expect(names).toContain('mfcc_3_mean')
    expect(names).toContain('logmel_12_std')
    expect(names).toContain('spectral_centroid_p90')
    expect(names).toContain('spectral_contrast_4_max')
    expect(names.at(-1)).toBe('rms_p90')
    expect(names.length).toBe((40 + 13 * 3 + 12 + 5 + 6) * 6)
    const features = extractFeatures(y, sr, config)
    const { names: vectorNames, values } = summaryVector(features, config)
    expect(vectorNames).toEqual(names)
    expect(values.length).toBe(names.length)
    const at = names.indexOf('mfcc_3_mean')
    expect(values[at]).toBeCloseTo(summarize(valueOverFrames(features.matrices.mfcc!, 3), ['mean'])[0] as number, 12)
    const centroid = summarize(features.matrices.spectral_centroid!.data, ['p90'])[0] as number
    expect(values[names.indexOf('spectral_centroid_p90')]).toBe(centroid)
  })

  it('refuses samples at another rate, and librosa’s impossible settings', () => {
    expect(() => extractFeatures(y, 16000, config)).toThrow(/resample/)
    expect(() => extractFeatures(y, sr, { sampleRate: sr, features: ['spectral_contrast'] })).toThrow(/Nyquist/)
    expect(() => extractFeatures(new Float32Array(100), sr, { sampleRate: sr, nFft: 512, center: false })).toThrow(
      /too short/,
    )
  })

  it('gives the CLI’s JSON in librosa’s layout', () => {
    const json = logmelAndMfcc(y, sr, { nFft: 256, hop: 128, nMels: 64, fmax: 4000, nMfcc: 20 })
    expect(json.sampleRate).toBe(sr)
    expect(json.logmel.length).toBe(64)
    expect(json.mfcc.length).toBe(20)
    expect(json.logmel[0]!.length).toBe(1 + Math.floor(y.length / 128))
    expect(JSON.parse(JSON.stringify(json))).toEqual(json)
  })
})
