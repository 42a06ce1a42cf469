import type { Random } from '../models/seeded-random'

/** White noise (flat spectrum) or pink noise (power falling 3 dB per octave, like much room and street noise). */
export type NoiseColor = 'white' | 'pink'

/** Mean square of the samples (their power). */
export function power(samples: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < samples.length; i++) sum += (samples[i] as number) ** 2
  return samples.length > 0 ? sum / samples.length : 0
}

/** `length` samples of white or pink noise (Paul Kellet's pink filter on white Gaussian noise), drawn from `random`. */
export function noiseSamples(length: number, color: NoiseColor, random: Random): Float32Array {
  const out = new Float32Array(length)
  if (color === 'white') {
    for (let i = 0; i < length; i++) out[i] = random.normal()
    return out
  }
  let b0 = 0
  let b1 = 0
  let b2 = 0
  let b3 = 0
  let b4 = 0
  let b5 = 0
  let b6 = 0
  for (let i = 0; i < length; i++) {
    const w = random.normal()
    b0 = 0.99886 * b0 + w * 0.0555179
    b1 = 0.99332 * b1 + w * 0.0750759
    b2 = 0.969 * b2 + w * 0.153852
    b3 = 0.8665 * b3 + w * 0.3104856
    b4 = 0.55 * b4 + w * 0.5329522
    b5 = -0.7616 * b5 - w * 0.016898
    out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362
    b6 = w * 0.115926
  }
  return out
}

/**
 * The samples with noise added at `snrDb` (10 log10 of the clip's power over the noise's, both
 * over the whole clip): the noise drawn is scaled to exactly that power. A silent clip stays silent.
 */
export function addNoise(samples: Float32Array, snrDb: number, color: NoiseColor, random: Random): Float32Array {
  const signal = power(samples)
  const noise = noiseSamples(samples.length, color, random)
  const drawn = power(noise)
  const out = samples.slice()
  if (signal === 0 || drawn === 0) return out
  const scale = Math.sqrt(signal / (drawn * 10 ** (snrDb / 10)))
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + scale * (noise[i] as number)
  return out
}
