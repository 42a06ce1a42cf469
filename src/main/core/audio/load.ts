import { decodeAudio } from './decode'
import { toMono } from './mix'
import { resample, type ResampleQuality } from './resample'
import type { DecodedAudio } from './types'

export interface LoadOptions {
  /** Target rate in Hz; omitted keeps the file's rate (librosa's `sr=None`). */
  sampleRate?: number
  /** Mix down to one channel (librosa's default). */
  mono?: boolean
  quality?: ResampleQuality
}

/** Decode, then optionally mix down and resample: the audio every feature and model starts from. */
export async function loadAudio(path: string, options: LoadOptions = {}): Promise<DecodedAudio> {
  const decoded = await decodeAudio(path)
  let channels = options.mono ? [toMono(decoded.channels)] : decoded.channels
  let { sampleRate } = decoded
  if (options.sampleRate && options.sampleRate !== sampleRate) {
    const target = options.sampleRate
    channels = await Promise.all(channels.map((c) => resample(c, sampleRate, target, options.quality)))
    sampleRate = target
  }
  return { ...decoded, sampleRate, channels }
}
