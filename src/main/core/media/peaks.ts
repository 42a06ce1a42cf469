import { loadAudio } from '../audio'

/** Peak buckets per second of audio: enough to zoom in on a long recording. */
export const PEAKS_PER_SECOND = 200
/** At least this many buckets, so a short clip draws finely at any width. */
export const MIN_PEAKS = 4000

/**
 * The waveform's outline: the largest absolute sample of each bucket of the mono mix, as
 * wavesurfer draws it. Computed once per file (in a worker) and cached, so the renderer never
 * decodes a long recording to show it.
 */
export async function computePeaks(path: string): Promise<{ peaks: Float32Array; duration: number }> {
  const audio = await loadAudio(path, { mono: true })
  const samples = audio.channels[0] ?? new Float32Array(0)
  const duration = samples.length / audio.sampleRate
  const buckets = Math.max(1, Math.min(samples.length, Math.max(MIN_PEAKS, Math.ceil(duration * PEAKS_PER_SECOND))))
  const peaks = new Float32Array(buckets)
  const size = samples.length / buckets
  for (let b = 0; b < buckets; b++) {
    let max = 0
    const end = Math.min(samples.length, Math.round((b + 1) * size))
    for (let i = Math.round(b * size); i < end; i++) {
      const v = Math.abs(samples[i] as number)
      if (v > max) max = v
    }
    peaks[b] = max
  }
  return { peaks, duration }
}
