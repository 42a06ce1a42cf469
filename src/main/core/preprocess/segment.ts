import { monoOf, nonSilentFrames, type Audio } from './levels'

/** A span of a clip, in samples: `[start, end)`. */
export interface Span {
  start: number
  end: number
}

/**
 * Fixed windows of `window` samples every `hop` samples. A final partial window is kept (the
 * caller pads it) unless `last` is 'drop'; a clip shorter than one window gives one window.
 */
export function fixedWindows(length: number, window: number, hop: number, last: 'pad' | 'drop'): Span[] {
  const spans: Span[] = []
  let start = 0
  for (; start + window <= length; start += hop) spans.push({ start, end: start + window })
  const coveredTo = spans.length ? (spans[spans.length - 1] as Span).end : 0
  if (last === 'pad' && (coveredTo < length || spans.length === 0) && start < Math.max(length, 1)) {
    spans.push({ start, end: start + window })
  }
  return spans
}

/** Options of `energyEvents`, in samples. */
export interface EventOptions {
  topDb: number
  frameLength: number
  hop: number
  /** Events closer than this are merged. */
  minGap: number
  /** Shorter events are dropped. */
  minDuration: number
  /** Added on both sides of each event (clamped to the clip). */
  padding: number
}

/**
 * Events by energy, as `librosa.effects.split`: runs of RMS frames louder than `topDb` below the
 * loudest frame, from `t * hop` to `(u + 1) * hop` for a run of frames t…u (centred framing),
 * then merged across gaps shorter than `minGap`, filtered by duration and padded.
 */
export function energyEvents(audio: Audio, o: EventOptions): Span[] {
  const mono = monoOf(audio.channels)
  const n = mono.length
  const active = nonSilentFrames(mono, o.frameLength, o.hop, o.topDb)
  const runs: Span[] = []
  for (let t = 0; t < active.length; t++) {
    if (!active[t]) continue
    let u = t
    while (u + 1 < active.length && active[u + 1]) u++
    // librosa.effects.split's sample bounds: frame t to frame u + 1, times the hop.
    runs.push({ start: Math.min(n, t * o.hop), end: Math.min(n, (u + 1) * o.hop) })
    t = u
  }
  const merged: Span[] = []
  for (const run of runs) {
    const previous = merged[merged.length - 1]
    if (previous && run.start - previous.end < o.minGap) previous.end = run.end
    else merged.push({ ...run })
  }
  return merged
    .filter((s) => s.end - s.start >= o.minDuration)
    .map((s) => ({ start: Math.max(0, s.start - o.padding), end: Math.min(n, s.end + o.padding) }))
}

/** The samples of a span of every channel, zero-padded where it runs past the clip. */
export function cut(audio: Audio, span: Span): Audio {
  return {
    ...audio,
    channels: audio.channels.map((c) => {
      if (span.start >= 0 && span.end <= c.length) return c.slice(span.start, span.end)
      const out = new Float32Array(span.end - span.start)
      out.set(c.subarray(Math.max(0, span.start), Math.min(c.length, span.end)), Math.max(0, -span.start))
      return out
    }),
  }
}
