import { describe, expect, it } from 'vitest'
import {
  fixLength,
  runPipeline,
  seededRandom,
  smooth,
  spectralGate,
  triangle,
  trimSilence,
  type Audio,
  type SpectralGateOptions,
} from '../../../src/main/core/preprocess'
import { EarmarkError } from '../../../src/main/core/errors'

const SR = 16000

/** Gaussian white noise of standard deviation `sigma` (Box–Muller on a seeded generator). */
function whiteNoise(n: number, sigma: number, seed: number): Float32Array {
  const random = seededRandom(seed)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    const u = Math.max(random(), 1e-12)
    out[i] = sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
  }
  return out
}

function sine(n: number, frequency: number, amplitude: number, from = 0, to = n): Float32Array {
  const out = new Float32Array(n)
  for (let i = from; i < to; i++) out[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / SR)
  return out
}

const sum = (a: Float32Array, b: Float32Array) => a.map((v, i) => v + (b[i] as number))
const energy = (x: ArrayLike<number>) => Array.from(x).reduce((acc, v) => acc + v * v, 0)
const snrDb = (clean: Float32Array, estimate: Float32Array) =>
  10 * Math.log10(energy(clean) / energy(estimate.map((v, i) => v - (clean[i] as number))))

const gate = (overrides: Partial<SpectralGateOptions> = {}): SpectralGateOptions => ({
  noise: { from: 'quietest', fraction: 0.2 },
  propDecrease: 1,
  nStdThresh: 1.5,
  // noisereduce's default 500 Hz spreads a pure tone's 3-bin mask over 33 bins (its Hz-to-bins
  // rule counts two bins per sr / n_fft), which costs the tone ~10 dB: a tone wants narrow smoothing.
  freqSmoothHz: 0,
  timeSmoothMs: 50,
  nFft: 1024,
  ...overrides,
})

describe('spectral gating', () => {
  // 3 s of white noise (sigma 0.1) with a 1 kHz tone of the same power from 1.0 to 2.5 s.
  const n = 3 * SR
  const tone = sine(n, 1000, 0.1 * Math.SQRT2, SR, 2.5 * SR)
  const noisy = sum(tone, whiteNoise(n, 0.1, 7))
  const before = snrDb(tone, noisy)

  it('raises the SNR of a tone in white noise by at least 10 dB (noise from the quietest frames)', () => {
    const out = spectralGate({ sampleRate: SR, channels: [noisy] }, gate())
    const after = snrDb(tone, out.channels[0]!)
    expect(out.channels[0]).toHaveLength(n)
    expect(after - before).toBeGreaterThanOrEqual(10)
  })

  it('raises it as much with the noise profile taken from a marked range, and with light frequency smoothing', () => {
    const out = spectralGate(
      { sampleRate: SR, channels: [noisy] },
      gate({ noise: { from: 'range', start: 0, end: 0.9 } }),
    )
    expect(snrDb(tone, out.channels[0]!) - before).toBeGreaterThanOrEqual(10)
    const smoothed = spectralGate({ sampleRate: SR, channels: [noisy] }, gate({ freqSmoothHz: 100 }))
    expect(snrDb(tone, smoothed.channels[0]!) - before).toBeGreaterThanOrEqual(10)
  })

  it('is weaker with a lower propDecrease, and prop 0 gives the input back (perfect reconstruction)', () => {
    const half = spectralGate({ sampleRate: SR, channels: [noisy] }, gate({ propDecrease: 0.5 }))
    const full = spectralGate({ sampleRate: SR, channels: [noisy] }, gate())
    expect(snrDb(tone, half.channels[0]!)).toBeLessThan(snrDb(tone, full.channels[0]!))
    const none = spectralGate({ sampleRate: SR, channels: [noisy] }, gate({ propDecrease: 0 }))
    let worst = 0
    none.channels[0]!.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (noisy[i] as number)))))
    expect(worst).toBeLessThan(1e-5)
  })

  it("smooths the mask with noisereduce's triangles, renormalised at the edges (running sums = direct convolution)", () => {
    const random = seededRandom(5)
    const [nFrames, nBins, nF, nT] = [23, 17, 4, 3]
    const mask = Float32Array.from({ length: nFrames * nBins }, () => (random() < 0.4 ? 1 : 0.25))
    const direct = new Float64Array(mask.length)
    const f = triangle(nF)
    const t = triangle(nT)
    for (let a = 0; a < nFrames; a++) {
      for (let b = 0; b < nBins; b++) {
        let acc = 0
        let weight = 0
        for (let i = -nT; i <= nT; i++) {
          for (let j = -nF; j <= nF; j++) {
            if (a + i < 0 || a + i >= nFrames || b + j < 0 || b + j >= nBins) continue
            const w = t[i + nT]! * f[j + nF]!
            acc += w * mask[(a + i) * nBins + b + j]!
            weight += w
          }
        }
        direct[a * nBins + b] = acc / weight
      }
    }
    smooth(mask, nFrames, nBins, nF, nT)
    mask.forEach((v, i) => expect(v).toBeCloseTo(direct[i]!, 6))
    ;[1 / 9, 2 / 9, 3 / 9, 2 / 9, 1 / 9].forEach((w, i) => expect(triangle(2)[i]).toBeCloseTo(w, 12))
  })

  it('refuses a noise range that holds no frame', () => {
    expect(() =>
      spectralGate({ sampleRate: SR, channels: [noisy] }, gate({ noise: { from: 'range', start: 10, end: 11 } })),
    ).toThrow(EarmarkError)
  })
})

describe('trimming', () => {
  // A 0.5 s tone with 0.7 s of silence before and 0.4 s after.
  const start = Math.round(0.7 * SR)
  const end = start + SR / 2
  const padded: Audio = { sampleRate: SR, channels: [sine(end + Math.round(0.4 * SR), 440, 0.5, start, end)] }

  it("finds the tone's edges within one hop (tight edges)", () => {
    for (const [frameLength, hop] of [
      [2048, 512],
      [1024, 256],
      [512, 128],
    ] as const) {
      const trimmed = trimSilence(padded, 60, frameLength, hop, 'tight')
      expect(Math.abs(trimmed.start - start)).toBeLessThanOrEqual(hop)
      expect(Math.abs(trimmed.end - end)).toBeLessThanOrEqual(hop)
      expect(trimmed.audio.channels[0]).toHaveLength(trimmed.end - trimmed.start)
    }
  })

  it("keeps librosa's span by default: the loud frames' centres, frame t at t * hop", () => {
    const { start: s, end: e } = trimSilence(padded, 60, 2048, 512)
    // The first frame whose window [t*hop - 1024, t*hop + 1024) holds the tone, and the frame after the last one.
    expect(s).toBe(Math.ceil((start - 1024 + 1) / 512) * 512)
    expect(e).toBe((Math.floor((end - 1 + 1024) / 512) + 1) * 512)
  })

  it('keeps an all-silent clip whole, as librosa does (every frame is 0 dB below a zero peak)', () => {
    const silent = trimSilence({ sampleRate: SR, channels: [new Float32Array(SR)] })
    expect([silent.start, silent.end]).toEqual([0, SR])
  })
})

describe('segmentation', () => {
  it('finds every click of a click train, each in its own event', async () => {
    const n = 4 * SR
    const clicks = [0.31, 0.62, 1.0, 1.45, 1.7, 2.2, 2.9, 3.5].map((t) => Math.round(t * SR))
    const signal = whiteNoise(n, 0.001, 3)
    for (const c of clicks)
      for (let i = 0; i < 80; i++) signal[c + i] = (signal[c + i] as number) + 0.8 * (1 - i / 80) * (i % 2 ? -1 : 1)
    const { pieces } = await runPipeline({ sampleRate: SR, channels: [signal] }, [
      { step: 'segment', mode: 'events', topDb: 30, frameLength: 512, hop: 128, minGap: 0.05 },
    ])
    expect(pieces).toHaveLength(clicks.length)
    clicks.forEach((c, i) => {
      const piece = pieces[i]!
      expect(piece.start * SR).toBeLessThanOrEqual(c)
      expect(piece.end * SR).toBeGreaterThanOrEqual(c + 80)
      expect(piece.end - piece.start).toBeLessThan(0.1)
    })
  })

  it('cuts fixed windows with a hop, padding the last one', async () => {
    const { pieces } = await runPipeline(
      { sampleRate: SR, channels: [new Float32Array(Math.round(2.7 * SR)).fill(0.1)] },
      [{ step: 'segment', mode: 'fixed', window: 1, hop: 0.5 }],
    )
    expect(pieces.map((p) => p.start)).toEqual([0, 0.5, 1, 1.5, 2])
    expect(pieces.every((p) => p.channels[0]!.length === SR)).toBe(true)
    expect(pieces[4]!.channels[0]![SR - 1]).toBe(0)
    const dropped = await runPipeline({ sampleRate: SR, channels: [new Float32Array(Math.round(2.5 * SR))] }, [
      { step: 'segment', mode: 'fixed', window: 1, last: 'drop' },
    ])
    expect(dropped.pieces.map((p) => p.start)).toEqual([0, 1])
  })
})

describe('pad or crop, normalise, mono, resample', () => {
  const ramp = Float32Array.from({ length: 10 }, (_, i) => i + 1)
  const audio: Audio = { sampleRate: 10, channels: [ramp] }

  it('crops and pads from the start, the centre, or a seeded random offset', () => {
    expect(Array.from(fixLength(audio, 4, 'start').audio.channels[0]!)).toEqual([1, 2, 3, 4])
    expect(Array.from(fixLength(audio, 4, 'center').audio.channels[0]!)).toEqual([4, 5, 6, 7])
    expect(Array.from(fixLength(audio, 13, 'center').audio.channels[0]!)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0,
    ])
    expect(Array.from(fixLength(audio, 12, 'start').audio.channels[0]!.slice(9))).toEqual([10, 0, 0])
    const a = fixLength(audio, 4, 'random', seededRandom(42))
    const b = fixLength(audio, 4, 'random', seededRandom(42))
    expect(Array.from(a.audio.channels[0]!)).toEqual(Array.from(b.audio.channels[0]!))
    expect(a.offset).toBeLessThanOrEqual(0)
    expect(a.offset).toBeGreaterThanOrEqual(-6)
  })

  it('tracks where each piece came from through trim, crop and segmentation', async () => {
    const n = 3 * SR
    const { pieces } = await runPipeline({ sampleRate: SR, channels: [sine(n, 440, 0.5, SR, 2 * SR)] }, [
      { step: 'trim', topDb: 40, frameLength: 512, hop: 128, edges: 'tight' },
      { step: 'fixLength', seconds: 0.5, mode: 'center' },
    ])
    expect(pieces).toHaveLength(1)
    expect(pieces[0]!.start).toBeCloseTo(1.25, 2)
    expect(pieces[0]!.end).toBeCloseTo(1.75, 2)
  })

  it('normalises peak to 0 dBFS or RMS to a target, mixes to mono and resamples', async () => {
    const left = sine(SR, 440, 0.25)
    const right = sine(SR, 440, 0.05)
    const { pieces } = await runPipeline({ sampleRate: SR, channels: [left, right] }, [
      { step: 'normalize', mode: 'peak' },
      { step: 'mono' },
      { step: 'resample', sampleRate: 8000 },
    ])
    expect(pieces[0]!.channels).toHaveLength(1)
    expect(pieces[0]!.sampleRate).toBe(8000)
    expect(pieces[0]!.channels[0]).toHaveLength(8000)
    const peak = Math.max(...pieces[0]!.channels[0]!.map(Math.abs))
    expect(peak).toBeGreaterThan(0.55)
    expect(peak).toBeLessThan(0.65)
    const rms = await runPipeline({ sampleRate: SR, channels: [left] }, [
      { step: 'normalize', mode: 'rms', targetDb: -20 },
    ])
    const level = Math.sqrt(energy(rms.pieces[0]!.channels[0]!) / SR)
    expect(20 * Math.log10(level)).toBeCloseTo(-20, 6)
  })

  it('rejects an invalid pipeline with invalid-input naming the field', async () => {
    await expect(runPipeline(audio, [{ step: 'denoise', nFft: 1000 }])).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringMatching(/nFft/),
    })
  })
})
