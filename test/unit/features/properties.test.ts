import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  dctFrames,
  dctMatrix,
  delta,
  fromRows,
  planDct,
  planRealFft,
  rms,
  rmsFromSpectrogram,
  spectrogram,
  stft,
  valueOverFrames,
} from '../../../src/main/core/features'

/** The DFT by its definition, in float64. */
function naiveDft(x: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = x.length
  const bins = Math.floor(n / 2) + 1
  const re = new Float64Array(bins)
  const im = new Float64Array(bins)
  for (let k = 0; k < bins; k++) {
    for (let j = 0; j < n; j++) {
      const angle = (-2 * Math.PI * ((k * j) % n)) / n
      re[k] = (re[k] as number) + (x[j] as number) * Math.cos(angle)
      im[k] = (im[k] as number) + (x[j] as number) * Math.sin(angle)
    }
  }
  return { re, im }
}

const samples = (min: number, max: number) =>
  fc
    .array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: min, maxLength: max })
    .map((a) => Float32Array.from(a))

describe('FFT', () => {
  it('is the DFT, for every length (powers of two and Bluestein alike)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer(), (n, seed) => {
        let state = seed >>> 0
        const x = Float64Array.from({ length: n }, () => {
          state = (state * 1664525 + 1013904223) >>> 0
          return state / 2 ** 32 - 0.5
        })
        const fft = planRealFft(n)
        const re = new Float64Array(fft.nBins)
        const im = new Float64Array(fft.nBins)
        fft.forward(x, re, im)
        const expected = naiveDft(x)
        const scale = 1 + x.reduce((s, v) => s + Math.abs(v), 0)
        for (let k = 0; k < fft.nBins; k++) {
          expect(Math.abs((re[k] as number) - (expected.re[k] as number))).toBeLessThan(1e-12 * scale)
          expect(Math.abs((im[k] as number) - (expected.im[k] as number))).toBeLessThan(1e-12 * scale)
        }
        // The fused windowed power spectrum agrees with the spectrum.
        const window = Float64Array.from({ length: n }, (_, i) => 0.5 + 0.25 * Math.sin(i))
        const power = new Float64Array(fft.nBins)
        fft.power(x, 0, window, power)
        fft.forward(
          x.map((v, i) => v * (window[i] as number)),
          re,
          im,
        )
        for (let k = 0; k < fft.nBins; k++) {
          const p = (re[k] as number) ** 2 + (im[k] as number) ** 2
          expect(Math.abs((power[k] as number) - p)).toBeLessThan(1e-12 * scale * scale)
        }
      }),
      { numRuns: 150 },
    )
  })
})

describe('STFT', () => {
  const options = fc.record({
    nFft: fc.integer({ min: 2, max: 300 }),
    hopLength: fc.integer({ min: 1, max: 200 }),
    center: fc.boolean(),
    padMode: fc.constantFrom('constant' as const, 'reflect' as const),
    window: fc.constantFrom('hann' as const, 'hamming' as const, 'rectangular' as const),
  })

  it('of silence is silence, in librosa’s number of frames', () => {
    fc.assert(
      fc.property(options, fc.integer({ min: 1, max: 2000 }), (o, length) => {
        fc.pre(o.center || length >= o.nFft)
        const out = stft(new Float32Array(length), o)
        const padded = o.center ? length + 2 * Math.floor(o.nFft / 2) : length
        expect(out.nFrames).toBe(1 + Math.floor((padded - o.nFft) / o.hopLength))
        expect(out.nBins).toBe(Math.floor(o.nFft / 2) + 1)
        expect(out.re.every((v) => v === 0) && out.im.every((v) => v === 0)).toBe(true)
      }),
      { numRuns: 100 },
    )
  })

  it('keeps each frame’s energy (Parseval): RMS from the spectrum equals RMS of the samples', () => {
    fc.assert(
      fc.property(
        samples(64, 1500),
        fc.integer({ min: 2, max: 64 }),
        fc.integer({ min: 1, max: 64 }),
        (y, nFft, hop) => {
          const magnitude = spectrogram(y, { nFft, hopLength: hop, window: 'rectangular', center: false, power: 1 })
          const fromSpectrum = rmsFromSpectrogram(magnitude, nFft)
          const fromSamples = rms(y, { frameLength: nFft, hopLength: hop, center: false })
          expect(fromSpectrum.nFrames).toBe(fromSamples.nFrames)
          fromSamples.data.forEach((v, t) => expect(Math.abs((fromSpectrum.data[t] as number) - v)).toBeLessThan(1e-5))
        },
      ),
      { numRuns: 100 },
    )
  })
})

describe('DCT', () => {
  it('is the orthonormal DCT-II by its matrix, by either route (folded matrix or FFT)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(7, 16, 31, 32, 40, 64, 128),
        fc.integer({ min: 1, max: 128 }),
        fc.integer(),
        (nIn, want, seed) => {
          const nOut = Math.min(want, nIn)
          let state = seed >>> 0
          const input = Float32Array.from({ length: 3 * nIn }, () => {
            state = (state * 1664525 + 1013904223) >>> 0
            return (state / 2 ** 32 - 0.5) * 100
          })
          const out = new Float32Array(3 * nOut)
          dctFrames(input, out, 3, planDct({ nOut, nIn }))
          const basis = dctMatrix({ nOut, nIn })
          for (let t = 0; t < 3; t++) {
            for (let k = 0; k < nOut; k++) {
              let expected = 0
              for (let n = 0; n < nIn; n++) expected += (basis[k * nIn + n] as number) * (input[t * nIn + n] as number)
              expect(Math.abs((out[t * nOut + k] as number) - expected)).toBeLessThan(1e-4)
            }
          }
        },
      ),
      { numRuns: 60 },
    )
  })
})

describe('delta', () => {
  it('of any straight line is its slope, at every frame', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.constantFrom(3, 5, 7, 9, 11),
        fc.integer({ min: 11, max: 60 }),
        (slope, offset, width, frames) => {
          const line = fromRows([Array.from({ length: frames }, (_, t) => Math.fround(offset + slope * t))])
          for (const v of valueOverFrames(delta(line, { width }), 0))
            expect(Math.abs(v - slope)).toBeLessThan(1e-3 * (1 + Math.abs(slope) + Math.abs(offset)))
        },
      ),
    )
  })
})
