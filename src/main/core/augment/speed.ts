import { resample } from '../audio/resample'

/**
 * The samples played `factor` times as fast (1.1: 10% faster), as a tape or a faster talker would
 * be: read as if recorded at `factor × sampleRate` and resampled back to `sampleRate` with
 * libsamplerate (its fastest sinc converter: still band-limited, and several times quicker than
 * the medium one, which matters when every training clip gets copies), so the duration divides by the factor and every frequency multiplies by it.
 */
export async function changeSpeed(samples: Float32Array, sampleRate: number, factor: number): Promise<Float32Array> {
  if (!(factor > 0)) throw new RangeError(`a speed factor must be positive, not ${factor}`)
  if (factor === 1 || samples.length === 0) return samples.slice()
  return resample(samples, sampleRate * factor, sampleRate, 'fast')
}
