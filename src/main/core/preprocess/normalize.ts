import type { Audio } from './levels'

/** Peak or RMS normalisation: one gain for every channel, so their balance is kept. */
export function normalize(audio: Audio, mode: 'peak' | 'rms', targetDb?: number): Audio {
  const target = 10 ** ((targetDb ?? (mode === 'peak' ? 0 : -20)) / 20)
  let level = 0
  if (mode === 'peak') {
    for (const channel of audio.channels) for (const v of channel) level = Math.max(level, Math.abs(v))
  } else {
    let sum = 0
    let n = 0
    for (const channel of audio.channels) {
      for (const v of channel) sum += v * v
      n += channel.length
    }
    level = n > 0 ? Math.sqrt(sum / n) : 0
  }
  // Silence stays silence, as librosa.util.normalize leaves an all-zero signal alone.
  if (!(level > 0)) return audio
  const gain = target / level
  return { ...audio, channels: audio.channels.map((c) => c.map((v) => v * gain)) }
}
