import { describe, expect, it } from 'vitest'
import { applyGain } from '../../../src/main/core/augment/gain'
import { addNoise, noiseSamples, power } from '../../../src/main/core/augment/noise'
import { pitchShift } from '../../../src/main/core/augment/pitch'
import { Random } from '../../../src/main/core/models/seeded-random'
import { measuredRt60, reverberate, roomImpulseResponse } from '../../../src/main/core/augment/reverb'
import { changeSpeed } from '../../../src/main/core/augment/speed'
import { timeStretch } from '../../../src/main/core/augment/stretch'
import { peakFrequency, rms, tone } from './tones'

const SR = 8000

describe('pitch shift', () => {
  it.each([3, -4, 1.5])('moves a tone by 2^(%d/12) and keeps its length', async (semitones) => {
    const input = tone(440, SR, 1)
    const out = await pitchShift(input, SR, semitones)
    expect(out.length).toBe(input.length)
    const expected = 440 * 2 ** (semitones / 12)
    expect(Math.abs(peakFrequency(out, SR) - expected) / expected).toBeLessThan(0.003)
    // The sound is all there, not faded or cut: the middle keeps the tone's level.
    expect(rms(out.subarray(2000, 6000)) / rms(input.subarray(2000, 6000))).toBeGreaterThan(0.7)
    expect(rms(out.subarray(2000, 6000)) / rms(input.subarray(2000, 6000))).toBeLessThan(1.3)
  })

  it('time stretching alone changes the length by 1 / rate and keeps the pitch', () => {
    const out = timeStretch(tone(440, SR, 1), SR, 0.8)
    expect(out.length).toBe(10000)
    expect(Math.abs(peakFrequency(out, SR) - 440)).toBeLessThan(1.5)
  })
})

describe('speed', () => {
  it.each([1.1, 0.9])('changes the duration by 1/%d and every frequency by the factor', async (factor) => {
    const input = tone(500, SR, 1)
    const out = await changeSpeed(input, SR, factor)
    expect(Math.abs(out.length - input.length / factor)).toBeLessThanOrEqual(1)
    expect(Math.abs(peakFrequency(out, SR) - 500 * factor) / (500 * factor)).toBeLessThan(0.003)
  })
})

describe('gain', () => {
  it.each([6, -9.5, 0.5])('changes the RMS by %d dB', (db) => {
    const input = tone(300, SR, 0.5, 0.1)
    const out = applyGain(input, db)
    expect(20 * Math.log10(rms(out) / rms(input))).toBeCloseTo(db, 6)
  })
})

describe('noise', () => {
  it.each([
    ['white', 0],
    ['pink', 10],
    ['white', 25.5],
    ['pink', -5],
  ] as const)('adds %s noise at %d dB SNR within 0.1 dB', (color, snr) => {
    const input = tone(440, SR, 1, 0.3)
    const out = addNoise(input, snr, color, new Random(7))
    const noise = out.map((v, i) => v - (input[i] as number))
    expect(Math.abs(10 * Math.log10(power(input) / power(noise)) - snr)).toBeLessThan(0.1)
  })

  it('pink noise has more power in its low octaves than white noise, which is flat', () => {
    const bandPower = (x: Float32Array, low: number, high: number): number => {
      // Power in a band by a crude DFT over a few bins: enough to tell a slope from flat.
      let total = 0
      for (let f = low; f < high; f += 25) {
        let re = 0
        let im = 0
        for (let n = 0; n < x.length; n++) {
          re += (x[n] as number) * Math.cos((2 * Math.PI * f * n) / SR)
          im -= (x[n] as number) * Math.sin((2 * Math.PI * f * n) / SR)
        }
        total += re * re + im * im
      }
      return total
    }
    const pink = noiseSamples(4000, 'pink', new Random(1))
    const white = noiseSamples(4000, 'white', new Random(1))
    expect(bandPower(pink, 100, 300) / bandPower(pink, 2000, 2200)).toBeGreaterThan(4)
    const flat = bandPower(white, 100, 300) / bandPower(white, 2000, 2200)
    expect(flat).toBeGreaterThan(0.4)
    expect(flat).toBeLessThan(2.5)
  })

  it('is the same noise for the same seed', () => {
    const input = tone(440, SR, 0.2)
    expect(addNoise(input, 10, 'white', new Random(3))).toEqual(addNoise(input, 10, 'white', new Random(3)))
  })
})

describe('room impulse responses', () => {
  it.each([0.2, 0.45, 0.7])('decays with the asked RT60 (%d s), by Schroeder integration', (rt60) => {
    const h = roomImpulseResponse(16000, rt60, new Random(11))
    expect(Math.abs(measuredRt60(h, 16000) - rt60) / rt60).toBeLessThan(0.1)
  })

  it('reverberation keeps the clip’s length and power and smears an impulse into a tail', () => {
    const click = new Float32Array(8000)
    click[100] = 1
    const h = roomImpulseResponse(SR, 0.3, new Random(2))
    const out = reverberate(click, h)
    expect(out.length).toBe(click.length)
    expect(power(out)).toBeCloseTo(power(click), 9)
    // A tail of energy follows the click, 60 dB down after about 0.3 s.
    expect(rms(out.subarray(200, 600))).toBeGreaterThan(0.001)
    expect(rms(out.subarray(200, 600))).toBeGreaterThan(100 * rms(out.subarray(2700, 3000)))
  })
})
