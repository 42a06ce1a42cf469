import { monoOf, nonSilentFrames, type Audio } from './levels'

/**
 * `librosa.effects.trim(y, top_db, frame_length, hop_length)`: the span from the first to the
 * last non-silent frame (frame t starts at sample t * hop; the end is clamped to the clip). An
 * all-zero clip is kept whole, as librosa keeps it (every frame is 0 dB below a zero peak). Returns the trimmed audio and the
 * `[start, end)` sample indices of the kept span.
 *
 * librosa's span keeps up to frameLength / 2 of silence on each side (frame t, centred on t * hop,
 * turns loud as soon as its window touches the sound). `edges: 'tight'` uses what the frames say
 * instead: the sound starts after the last quiet frame's window and ends before the next quiet
 * frame's, so each cut lies within one hop of the sound's edge.
 */
export function trimSilence(
  audio: Audio,
  topDb = 60,
  frameLength = 2048,
  hop = 512,
  edges: 'librosa' | 'tight' = 'librosa',
): { audio: Audio; start: number; end: number } {
  const mono = monoOf(audio.channels)
  const active = nonSilentFrames(mono, frameLength, hop, topDb)
  const first = active.indexOf(1)
  const last = active.lastIndexOf(1)
  const half = Math.floor(frameLength / 2)
  const [from, to] =
    edges === 'librosa' ? [first * hop, (last + 1) * hop] : [(first - 1) * hop + half, (last + 1) * hop - half]
  const start = first < 0 ? 0 : Math.max(0, Math.min(mono.length, from))
  const end = first < 0 ? 0 : Math.max(start, Math.min(mono.length, to))
  return { audio: { ...audio, channels: audio.channels.map((c) => c.slice(start, end)) }, start, end }
}
