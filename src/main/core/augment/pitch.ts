import { resample } from '../audio/resample'
import { timeStretch } from './stretch'

/**
 * The samples with every frequency multiplied by 2^(semitones / 12) and the same length, as
 * librosa.effects.pitch_shift makes them: stretched in time by the ratio (phase vocoder, pitch
 * kept), then resampled by it with libsamplerate (its fastest sinc) (which brings the length back and moves the
 * pitch), then cut or zero-padded to the exact length.
 */
export async function pitchShift(samples: Float32Array, sampleRate: number, semitones: number): Promise<Float32Array> {
  if (semitones === 0 || samples.length === 0) return samples.slice()
  const rate = 2 ** (-semitones / 12)
  const stretched = timeStretch(samples, sampleRate, rate)
  const shifted = await resample(stretched, sampleRate / rate, sampleRate, 'fast')
  const out = new Float32Array(samples.length)
  out.set(shifted.subarray(0, Math.min(shifted.length, out.length)))
  return out
}
