import { describe, expect, it } from 'vitest'
import {
  chromaStft,
  delta,
  fftFrequencies,
  fromRows,
  getWindow,
  hzToMel,
  melFrequencies,
  melToHz,
  mfcc,
  powerToDb,
  rms,
  spectralBandwidth,
  spectralCentroid,
  spectralFlatness,
  spectralRolloff,
  spectrogram,
  summarize,
  valueOverFrames,
  zeroCrossingRate,
} from '../../../src/main/core/features'
import { sine } from './helpers'

// Answers known without librosa: properties of pure tones, ramps and square waves.
const sr = 16000

describe('spectral shape of a pure tone', () => {
  // 1 kHz sits exactly on bin 64 of a 1024-point FFT at 16 kHz, so a Hann window leaks into bins
  // 63 and 65 only, symmetrically: the centroid is the tone's frequency.
  const magnitude = spectrogram(sine(1000, sr, 8000, 0.5), { nFft: 1024, hopLength: 256, center: false, power: 1 })

  it('has its centroid at the tone', () => {
    for (const c of spectralCentroid(magnitude, sr, 1024).data) expect(c).toBeCloseTo(1000, 2)
  })

  it('has the bandwidth of the Hann main lobe', () => {
    // Weights 1/4, 1/2, 1/4 of the magnitude on bins 63..65: sqrt(2 * 1/4 * 15.625^2) Hz.
    const expected = Math.sqrt(0.5) * (sr / 1024)
    // The float32 input's rounding noise, far from the centroid, weighs in a little.
    for (const b of spectralBandwidth(magnitude, sr, 1024).data) expect(Math.abs(b - expected)).toBeLessThan(0.05)
  })

  it('rolls off within the lobe', () => {
    // 85% of the magnitude is reached at bin 65 (25% + 50% < 85% <= 100%).
    for (const r of spectralRolloff(magnitude, sr, 1024).data) expect(r).toBeCloseTo(65 * (sr / 1024), 6)
  })

  it('is far from flat, where white noise is near 1', () => {
    for (const f of spectralFlatness(magnitude).data) expect(f).toBeLessThan(1e-3)
    let seed = 1
    const noise = Float32Array.from({ length: 16384 }, () => {
      // A small LCG: tests stay deterministic.
      seed = (seed * 1103515245 + 12345) >>> 0
      return seed / 2 ** 32 - 0.5
    })
    const noiseMagnitude = spectrogram(noise, {
      nFft: 1024,
      hopLength: 512,
      window: 'rectangular',
      center: false,
      power: 1,
    })
    const mean = summarize(spectralFlatness(noiseMagnitude).data, ['mean'])[0] as number
    // The flatness of a periodogram of white noise: exp(-gamma) = 0.56 for exponential power values.
    expect(mean).toBeGreaterThan(0.45)
    expect(mean).toBeLessThan(0.65)
  })
})

describe('RMS and zero-crossing rate', () => {
  it('gives A / sqrt(2) for a sine of amplitude A', () => {
    // 500 Hz at 16 kHz: 32 samples per period, so a 2048-sample frame holds whole periods.
    const values = rms(sine(500, sr, 16000, 0.8), { frameLength: 2048, hopLength: 512, center: false }).data
    for (const v of values) expect(v).toBeCloseTo(0.8 / Math.SQRT2, 6)
  })

  it('counts the sign changes of a square wave', () => {
    // Period 16 samples, frames starting on a period: 2 changes per period, 128 in a frame, less
    // the one at the frame's first position, which is never compared (librosa's pad=False).
    const square = Float32Array.from({ length: 8192 }, (_, n) => (n % 16 < 8 ? 0.5 : -0.5))
    const values = zeroCrossingRate(square, { frameLength: 1024, hopLength: 256, center: false }).data
    for (const v of values) expect(v).toBe(127 / 1024)
    // Digital silence crosses nothing; values within the threshold count as zero (positive).
    const quiet = Float32Array.from({ length: 4096 }, (_, n) => (n % 2 ? 1e-11 : -1e-11))
    for (const v of zeroCrossingRate(quiet, { frameLength: 1024, hopLength: 512 }).data) expect(v).toBe(0)
  })
})

describe('chroma', () => {
  it('peaks at A for an A440 tone and at C for a C5 tone', () => {
    for (const [frequency, expected] of [
      [440, 9],
      [523.2511306011972, 0],
    ] as const) {
      const power = spectrogram(sine(frequency, 22050, 22050, 0.5), { nFft: 4096, hopLength: 1024 })
      const chroma = chromaStft(power, 22050, 4096)
      for (let t = 2; t < chroma.nFrames - 2; t++) {
        const frame = Array.from(chroma.data.subarray(t * 12, t * 12 + 12))
        expect(frame.indexOf(Math.max(...frame))).toBe(expected)
        // Normalised to a maximum of 1 (norm=inf).
        expect(Math.max(...frame)).toBeCloseTo(1, 6)
      }
    }
  })
})

describe('delta', () => {
  it('is the slope of a linear ramp, edges included', () => {
    const ramp = fromRows([
      Array.from({ length: 20 }, (_, t) => 3 * t - 7),
      Array.from({ length: 20 }, (_, t) => -0.5 * t),
    ])
    const d = delta(ramp)
    for (const v of valueOverFrames(d, 0)) expect(v).toBeCloseTo(3, 9)
    for (const v of valueOverFrames(d, 1)) expect(v).toBeCloseTo(-0.5, 9)
    // The second derivative of a parabola 2t^2 is 4 everywhere, the first derivative of a ramp zero.
    const parabola = fromRows([Array.from({ length: 15 }, (_, t) => 2 * t * t)])
    for (const v of delta(parabola, { order: 2 }).data) expect(v).toBeCloseTo(4, 6)
    for (const v of delta(ramp, { order: 2 }).data) expect(v).toBeCloseTo(0, 9)
  })

  it('refuses a window wider than the clip, as librosa does', () => {
    expect(() => delta(fromRows([[1, 2, 3, 4]]))).toThrow(/width=9 cannot exceed/)
    expect(() => delta(fromRows([[1, 2, 3, 4]]), { width: 4 })).toThrow(/odd/)
  })
})

describe('scales, windows and dB', () => {
  it('maps Hz to mels as librosa does', () => {
    expect(hzToMel(1000)).toBeCloseTo(15, 12)
    expect(hzToMel(200)).toBeCloseTo(3, 12)
    expect(hzToMel(6400)).toBeCloseTo(42, 10)
    expect(hzToMel(1000, true)).toBeCloseTo(999.9855371396094, 9)
    for (const hz of [0, 100, 999, 1000, 1001, 8000, 22050]) {
      expect(melToHz(hzToMel(hz))).toBeCloseTo(hz, 8)
      expect(melToHz(hzToMel(hz, true), true)).toBeCloseTo(hz, 8)
    }
    const f = melFrequencies(5, 0, 8000)
    expect(f[0]).toBe(0)
    expect(f[4]).toBeCloseTo(8000, 9)
    expect(Array.from(fftFrequencies(8000, 8))).toEqual([0, 1000, 2000, 3000, 4000])
  })

  it('makes periodic windows as scipy.signal.get_window', () => {
    const hann = getWindow('hann', 4)
    expect(Array.from(hann)).toEqual([0, 0.5, 1, 0.5])
    const hamming = getWindow('hamming', 4)
    expect(hamming[0]).toBeCloseTo(0.08, 15)
    expect(hamming[2]).toBeCloseTo(1, 15)
    expect(Array.from(getWindow('hann', 5, false))).toEqual([0, 0.5, 1, 0.5, 0])
    expect(Array.from(getWindow('rectangular', 3))).toEqual([1, 1, 1])
  })

  it('converts power to dB with amin, ref and top_db', () => {
    const db = powerToDb(fromRows([[1, 10, 100, 0, 1e-20]]))
    // 100 -> 20 dB; the floor is 20 - 80 = -60 dB, which also catches 0 and 1e-20 (amin gives -100).
    expect(Array.from(db.data)).toEqual([0, 10, 20, -60, -60])
    const raw = powerToDb(fromRows([[1, 10, 0]]), { ref: 10, topDb: null })
    expect(Array.from(raw.data)).toEqual([-10, 0, -110])
  })

  it('keeps at most n_mels MFCCs, liftered by librosa’s formula', () => {
    const logmel = fromRows(Array.from({ length: 8 }, (_, i) => [i, -i]))
    expect(mfcc(logmel, { nMfcc: 20 }).nValues).toBe(8)
    const plain = mfcc(logmel, { nMfcc: 4 })
    const liftered = mfcc(logmel, { nMfcc: 4, lifter: 6 })
    for (let k = 0; k < 4; k++) {
      const scale = 1 + 3 * Math.sin((Math.PI * (k + 1)) / 6)
      expect(liftered.data[k]).toBeCloseTo((plain.data[k] as number) * scale, 4)
    }
  })
})

describe('summary statistics', () => {
  it('matches numpy’s mean, population std, extremes and linear percentiles', () => {
    const values = [4, 1, 3, 2, 10]
    const [mean, std, min, max, p0, p25, p50, p90, p100] = summarize(values, [
      'mean',
      'std',
      'min',
      'max',
      'p0',
      'p25',
      'p50',
      'p90',
      'p100',
    ])
    expect(mean).toBe(4)
    expect(std).toBeCloseTo(Math.sqrt(10), 12)
    expect([min, max, p0, p25, p50, p100]).toEqual([1, 10, 1, 2, 3, 10])
    // np.percentile([1, 2, 3, 4, 10], 90): index 3.6, 4 + 0.6 * 6.
    expect(p90).toBeCloseTo(7.6, 12)
    expect(Array.from(summarize([], ['mean', 'p50']))).toEqual([NaN, NaN])
  })
})
