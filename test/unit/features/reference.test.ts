import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { extractFeatures, logmelAndMfcc } from '../../../src/main/core/features'
import { maxAbsDiff, readMonoWav } from './helpers'

// Log-mel and MFCC of fsdd-dev files against test/data/reference-features (torchaudio with
// librosa's conventions; parameters in its PARAMS.md), every file within 0.01 dB and 0.01.
const data = join(import.meta.dirname, '..', '..', 'data')
const referenceDir = join(data, 'reference-features')
const datasetDir = join(data, 'fsdd-dev')
const files = readdirSync(referenceDir)
  .filter((f) => f.endsWith('.json'))
  .sort()

interface Reference {
  file: string
  params: {
    sr: number
    n_fft: number
    hop: number
    n_mels: number
    fmin: number
    fmax: number
    n_mfcc: number
    center: boolean
    pad_mode: 'constant' | 'reflect'
  }
  logmel: number[][]
  mfcc: number[][]
}

describe('log-mel and MFCC against the reference features', () => {
  it('has reference files to check', () => {
    expect(files.length).toBe(30)
  })

  it.each(files)('%s: log-mel within 0.01 dB, MFCC within 0.01', async (name) => {
    const ref = JSON.parse(readFileSync(join(referenceDir, name), 'utf8')) as Reference
    const { sampleRate, samples } = await readMonoWav(join(datasetDir, ref.file))
    expect(sampleRate).toBe(ref.params.sr)
    const p = ref.params
    const ours = logmelAndMfcc(samples, sampleRate, {
      nFft: p.n_fft,
      hop: p.hop,
      nMels: p.n_mels,
      fmin: p.fmin,
      fmax: p.fmax,
      nMfcc: p.n_mfcc,
      center: p.center,
      padMode: p.pad_mode,
    })
    expect(ours.sampleRate).toBe(p.sr)
    expect(ours.logmel.length).toBe(ref.logmel.length)
    expect(ours.mfcc.length).toBe(ref.mfcc.length)
    let logmelWorst = 0
    let mfccWorst = 0
    ref.logmel.forEach((row, i) =>
      row.forEach((v, t) => (logmelWorst = Math.max(logmelWorst, Math.abs((ours.logmel[i]?.[t] ?? NaN) - v)))),
    )
    ref.mfcc.forEach((row, i) =>
      row.forEach((v, t) => (mfccWorst = Math.max(mfccWorst, Math.abs((ours.mfcc[i]?.[t] ?? NaN) - v)))),
    )
    expect(ours.logmel[0]?.length).toBe(ref.logmel[0]?.length)
    expect(logmelWorst).toBeLessThan(0.01)
    expect(mfccWorst).toBeLessThan(0.01)

    // The feature-set path computes the very same numbers as the CLI's.
    const set = extractFeatures(samples, sampleRate, {
      sampleRate,
      nFft: p.n_fft,
      hop: p.hop,
      nMels: p.n_mels,
      fmin: p.fmin,
      fmax: p.fmax,
      nMfcc: p.n_mfcc,
      features: ['logmel', 'mfcc'],
    })
    expect(maxAbsDiff(set.matrices.logmel!, ours.logmel)).toBe(0)
    expect(maxAbsDiff(set.matrices.mfcc!, ours.mfcc)).toBe(0)
  })
})
