// The audio worker's task for embeddings: a recording decoded and resampled to mono at a base's rate.
import { loadAudio } from '../audio'

/** A file's mono samples at a rate (runs in the audio worker). */
export async function decodeMonoSamples({
  path,
  sampleRate,
}: {
  path: string
  sampleRate: number
}): Promise<Float32Array> {
  const audio = await loadAudio(path, { sampleRate, mono: true })
  return audio.channels[0] as Float32Array
}
