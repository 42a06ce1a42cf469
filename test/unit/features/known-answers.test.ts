import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  applyMelFilterbank,
  chromaFilterbank,
  delta,
  extractFeatures,
  fromRows,
  maxOf,
  melFilterbank,
  mfcc,
  padSignal,
  powerToDb,
  rms,
  spectralContrast,
  spectrogram,
  summarize,
  valueOverFrames,
  type FrameMatrix,
} from '../../../src/main/core/features'
import { maxAbsDiff, maxRelDiff } from './helpers'

// librosa 0.10's numerics on a synthetic signal, written by fixtures/make_librosa_fixture.py (see
// there for why it transcribes librosa rather than importing it). Tolerances: float32 storage
// and the fixture's 6 significant digits, far tighter than the 0.01 of the reference test.
interface Case {
  params: {
    sr: number
    n_fft: number
    hop_length: number
    win_length: number
    window: 'hann' | 'hamming'
    center: boolean
    pad_mode: 'constant' | 'reflect'
    n_mels: number
    fmin: number
    fmax: number
    htk: boolean
    norm: 'slaney' | null
    n_mfcc: number
    lifter: number
  }
  [name: string]: unknown
}
const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'librosa-known-answers.json'), 'utf8'),
) as {
  sr: number
  signal: number[]
  reflect_pad_of_first_5: number[]
  cases: Record<'default' | 'variant' | 'uncentred', Case>
}
const y = Float32Array.from(fixture.signal)
const rowsOf = (c: Case, name: string): number[][] => {
  const value = c[name]
  if (!Array.isArray(value)) throw new Error(`the fixture has no ${name}`)
  return value as number[][]
}

/** The pipeline of one fixture case, step by step through the public functions. */
function pipeline(c: Case): { power: FrameMatrix; mel: FrameMatrix; logmel: FrameMatrix; mfcc: FrameMatrix } {
  const p = c.params
  const power = spectrogram(y, {
    nFft: p.n_fft,
    hopLength: p.hop_length,
    winLength: p.win_length,
    window: p.window,
    center: p.center,
    padMode: p.pad_mode,
  })
  const filterbank = melFilterbank({
    sr: p.sr,
    nFft: p.n_fft,
    nMels: p.n_mels,
    fmin: p.fmin,
    fmax: p.fmax,
    htk: p.htk,
    norm: p.norm,
  })
  const mel = applyMelFilterbank(power, filterbank)
  const logmel = powerToDb(mel)
  return { power, mel, logmel, mfcc: mfcc(logmel, { nMfcc: p.n_mfcc, lifter: p.lifter }) }
}

describe.each(['default', 'variant', 'uncentred'] as const)('the %s case', (name) => {
  const c = fixture.cases[name]
  const p = c.params
  const ours = pipeline(c)

  it('has librosa’s mel filterbank', () => {
    if (!('mel_filterbank' in c)) return
    const fb = melFilterbank({
      sr: p.sr,
      nFft: p.n_fft,
      nMels: p.n_mels,
      fmin: p.fmin,
      fmax: p.fmax,
      htk: p.htk,
      norm: p.norm,
    })
    // Our weights are row-major (n_mels, bins): as a frame matrix, one "frame" per filter.
    const dense = { data: fb.weights, nFrames: fb.nMels, nValues: fb.nBins }
    const expected = rowsOf(c, 'mel_filterbank')
    const transposed = expected[0]!.map((_, k) => expected.map((row) => row[k] as number))
    expect(maxRelDiff(dense, transposed, 1e-3)).toBeLessThan(1e-5)
  })

  it('has librosa’s mel spectrogram, log-mel and MFCC', () => {
    const scale = Math.max(...rowsOf(c, 'melspectrogram').flat())
    expect(maxAbsDiff(ours.mel, rowsOf(c, 'melspectrogram')) / scale).toBeLessThan(1e-5)
    expect(maxAbsDiff(ours.logmel, rowsOf(c, 'logmel'))).toBeLessThan(1e-3)
    expect(maxAbsDiff(ours.mfcc, rowsOf(c, 'mfcc'))).toBeLessThan(2e-3)
  })
})

describe('the default case, every feature', () => {
  const c = fixture.cases.default
  const p = c.params
  const { power, mel, mfcc: coefficients } = pipeline(c)
  const features = extractFeatures(y, fixture.sr, {
    sampleRate: fixture.sr,
    nFft: p.n_fft,
    hop: p.hop_length,
    nMels: p.n_mels,
    fmax: p.fmax,
    nMfcc: p.n_mfcc,
    contrastBands: 4,
    features: [
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
    ],
  })
  const m = features.matrices

  it('has librosa’s STFT magnitudes', () => {
    const expected = rowsOf(c, 'magnitude_first_8_frames')
    const magnitude = spectrogram(y, { nFft: p.n_fft, hopLength: p.hop_length, power: 1 })
    const first8 = { data: magnitude.data.subarray(0, 8 * magnitude.nValues), nFrames: 8, nValues: magnitude.nValues }
    expect(maxAbsDiff(first8, expected) / Math.max(...expected.flat())).toBeLessThan(1e-5)
    expect(power.nFrames).toBe(m.logmel!.nFrames)
  })

  it('computes the same log-mel and MFCC through extractFeatures', () => {
    expect(maxAbsDiff(m.logmel!, rowsOf(c, 'logmel'))).toBeLessThan(1e-3)
    expect(maxAbsDiff(m.mfcc!, rowsOf(c, 'mfcc'))).toBeLessThan(2e-3)
  })

  it('has librosa’s deltas (Savitzky-Golay, interp edges)', () => {
    expect(maxAbsDiff(m.mfcc_delta!, rowsOf(c, 'mfcc_delta'))).toBeLessThan(2e-3)
    expect(maxAbsDiff(m.mfcc_delta2!, rowsOf(c, 'mfcc_delta2'))).toBeLessThan(2e-3)
    expect(maxAbsDiff(delta(coefficients, { width: 5, order: 3 }), rowsOf(c, 'delta_width5_order3'))).toBeLessThan(5e-3)
  })

  it('has librosa’s chroma filterbank and chroma_stft (tuning 0)', () => {
    const fb = chromaFilterbank({ sr: p.sr, nFft: p.n_fft })
    const expected = rowsOf(c, 'chroma_filterbank')
    const transposed = expected[0]!.map((_, k) => expected.map((row) => row[k] as number))
    expect(maxRelDiff({ data: fb, nFrames: 12, nValues: expected[0]!.length }, transposed, 1e-6)).toBeLessThan(1e-5)
    expect(maxAbsDiff(m.chroma!, rowsOf(c, 'chroma'))).toBeLessThan(1e-5)
  })

  it('has librosa’s spectral centroid, bandwidth, roll-off and flatness', () => {
    expect(maxRelDiff(m.spectral_centroid!, rowsOf(c, 'spectral_centroid'), 1)).toBeLessThan(1e-5)
    expect(maxRelDiff(m.spectral_bandwidth!, rowsOf(c, 'spectral_bandwidth'), 1)).toBeLessThan(1e-5)
    expect(maxAbsDiff(m.spectral_rolloff!, rowsOf(c, 'spectral_rolloff'))).toBe(0)
    expect(maxRelDiff(m.spectral_flatness!, rowsOf(c, 'spectral_flatness'), 1e-6)).toBeLessThan(1e-4)
  })

  it('has librosa’s spectral contrast, in dB and linear', () => {
    expect(maxAbsDiff(m.spectral_contrast!, rowsOf(c, 'spectral_contrast'))).toBeLessThan(1e-3)
    const magnitude = spectrogram(y, { nFft: p.n_fft, hopLength: p.hop_length, power: 1 })
    const linear = spectralContrast(magnitude, p.sr, p.n_fft, { nBands: 4, linear: true })
    expect(maxRelDiff(linear, rowsOf(c, 'spectral_contrast_linear'), 1e-3)).toBeLessThan(1e-5)
  })

  it('has librosa’s zero-crossing rate and RMS', () => {
    expect(maxAbsDiff(m.zcr!, rowsOf(c, 'zcr'))).toBeLessThan(1e-6)
    expect(maxRelDiff(m.rms!, rowsOf(c, 'rms'), 1e-6)).toBeLessThan(1e-5)
    const reflected = rms(y, { frameLength: p.n_fft, hopLength: p.hop_length, padMode: 'reflect' })
    expect(maxRelDiff(reflected, rowsOf(c, 'rms_reflect'), 1e-6)).toBeLessThan(1e-5)
  })

  it('has librosa’s power_to_db with ref=np.max and no top_db', () => {
    const db = powerToDb(mel, { ref: maxOf, topDb: null })
    const first8 = fromRows(Array.from({ length: 8 }, (_, i) => valueOverFrames(db, i)))
    expect(maxAbsDiff(first8, rowsOf(c, 'power_to_db_ref_max_top_db_none'))).toBeLessThan(1e-3)
  })

  it('has numpy’s statistics of an MFCC row', () => {
    const expected = c['stats_of_mfcc_1'] as Record<'mean' | 'std' | 'min' | 'max' | 'p10' | 'p50' | 'p90', number>
    const stats = ['mean', 'std', 'min', 'max', 'p10', 'p50', 'p90'] as const
    const ours = summarize(valueOverFrames(coefficients, 1), stats)
    stats.forEach((s, i) => expect(Math.abs((ours[i] as number) - expected[s])).toBeLessThan(2e-3))
  })
})

it('pads by reflection as numpy does, also beyond the signal’s length', () => {
  const first5 = y.subarray(0, 5)
  expect(Array.from(padSignal(first5, 7, 9, 'reflect'))).toEqual(fixture.reflect_pad_of_first_5)
})
