import { ComplexFft } from '../features/fft'
import { power } from './noise'
import type { Random } from '../models/seeded-random'

/*
 * Reverberation without recorded rooms: a room's late response is well modelled as Gaussian
 * noise whose energy decays exponentially, reaching -60 dB after the reverberation time RT60
 * (Sabine's statistical model; Schroeder's integration measures RT60 back from it).
 */

/**
 * A room impulse response of `rt60` seconds at `sampleRate`: the direct sound (a unit first
 * sample), then decaying Gaussian noise with amplitude envelope 10^(-3 t / rt60), so its energy
 * falls 60 dB in `rt60`; as long as `rt60`.
 */
export function roomImpulseResponse(sampleRate: number, rt60: number, random: Random): Float32Array {
  if (!(rt60 > 0)) throw new RangeError(`a reverberation time must be positive, not ${rt60}`)
  const length = Math.max(2, Math.round(rt60 * sampleRate))
  const decay = (3 * Math.LN10) / (rt60 * sampleRate)
  const h = new Float32Array(length)
  for (let n = 1; n < length; n++) h[n] = 0.3 * random.normal() * Math.exp(-decay * n)
  h[0] = 1
  return h
}

/**
 * The reverberation time a response decays with, by Schroeder's backward integration: the energy
 * decay curve's slope between -5 and -25 dB, extrapolated to -60 dB (T20 × 3), in seconds.
 */
export function measuredRt60(h: Float32Array, sampleRate: number): number {
  const energy = new Float64Array(h.length + 1)
  for (let n = h.length - 1; n >= 0; n--) energy[n] = (energy[n + 1] as number) + (h[n] as number) ** 2
  const total = energy[0] as number
  // Least squares of the curve in dB against time, from -5 dB to -25 dB.
  let sx = 0
  let sy = 0
  let sxx = 0
  let sxy = 0
  let count = 0
  for (let n = 0; n < h.length; n++) {
    const db = 10 * Math.log10((energy[n] as number) / total)
    if (db > -5) continue
    if (db < -25) break
    const t = n / sampleRate
    sx += t
    sy += db
    sxx += t * t
    sxy += t * db
    count++
  }
  const slope = (count * sxy - sx * sy) / (count * sxx - sx * sx)
  return -60 / slope
}

/**
 * The samples played in the room `h` describes: convolved with it (by FFT), cut to their own
 * length, and scaled back to their own power, so reverberation changes the sound, not its level.
 */
export function reverberate(samples: Float32Array, h: Float32Array): Float32Array {
  if (samples.length === 0) return samples.slice()
  const size = 2 ** Math.ceil(Math.log2(samples.length + h.length - 1))
  const fft = new ComplexFft(size)
  const a = new Float64Array(2 * size)
  const b = new Float64Array(2 * size)
  for (let i = 0; i < samples.length; i++) a[2 * i] = samples[i] as number
  for (let i = 0; i < h.length; i++) b[2 * i] = h[i] as number
  fft.forward(a)
  fft.forward(b)
  // The product's conjugate, so that the forward transform gives the inverse (× size).
  for (let k = 0; k < size; k++) {
    const re = (a[2 * k] as number) * (b[2 * k] as number) - (a[2 * k + 1] as number) * (b[2 * k + 1] as number)
    const im = (a[2 * k] as number) * (b[2 * k + 1] as number) + (a[2 * k + 1] as number) * (b[2 * k] as number)
    a[2 * k] = re
    a[2 * k + 1] = -im
  }
  fft.forward(a)
  const out = new Float32Array(samples.length)
  for (let i = 0; i < out.length; i++) out[i] = (a[2 * i] as number) / size
  const before = power(samples)
  const after = power(out)
  if (after > 0) {
    const scale = Math.sqrt(before / after)
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * scale
  }
  return out
}
