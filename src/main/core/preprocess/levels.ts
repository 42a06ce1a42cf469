import { toMono } from '../audio/mix'
import { rms } from '../features/temporal'

/** Multichannel audio at one rate: the unit every preprocessing step takes and returns. */
export interface Audio {
  /** Hz. */
  sampleRate: number
  /** One array per channel, all the same length. */
  channels: Float32Array[]
}

/** Samples per channel. */
export const lengthOf = (audio: Audio): number => audio.channels[0]?.length ?? 0

/** The mean of the channels without copying a mono signal (librosa's `to_mono`). */
export const monoOf = toMono

/**
 * Which RMS frames are louder than `topDb` below the loudest, as librosa's
 * `_signal_to_frame_nonsilent`: the RMS of centred, zero-padded frames of the mono mix, squared,
 * in dB relative to its maximum (`power_to_db(mse, ref=np.max, top_db=None)`, amin 1e-10).
 */
export function nonSilentFrames(mono: Float32Array, frameLength: number, hop: number, topDb: number): Uint8Array {
  if (mono.length === 0) return new Uint8Array(0)
  const frames = rms(mono, { frameLength, hopLength: hop, center: true, padMode: 'constant' }).data
  let ref = 0
  const mse = new Float64Array(frames.length)
  for (let t = 0; t < frames.length; t++) {
    mse[t] = (frames[t] as number) ** 2
    if ((mse[t] as number) > ref) ref = mse[t] as number
  }
  const amin = 1e-10
  const refDb = 10 * Math.log10(Math.max(amin, ref))
  const out = new Uint8Array(frames.length)
  for (let t = 0; t < frames.length; t++) {
    out[t] = 10 * Math.log10(Math.max(amin, mse[t] as number)) - refDb > -topDb ? 1 : 0
  }
  return out
}
