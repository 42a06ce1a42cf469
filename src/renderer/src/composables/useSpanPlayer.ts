import { ref, shallowRef, type Ref } from 'vue'
import { mediaUrl } from '../api/media'

/**
 * Plays spans of clips through one `<audio>` element: from a span's start to its end, with the
 * playhead to draw meanwhile. Wire the element's `timeupdate` to `onTime`. Playing another span,
 * or stopping, while a clip's audio is still loading cancels the earlier span, so moving quickly
 * through a list plays only where the person stopped.
 *
 * `T` is what a span belongs to (a search result, a detection), kept in `playing` so that a list
 * can show which of its items is sounding.
 */
export function useSpanPlayer<T>(audio: Ref<HTMLAudioElement | null>) {
  const playing = shallowRef<T | null>(null)
  const playhead = ref<number | null>(null)
  let stopAt = 0
  let token = 0

  /** Plays `clipId`'s audio from `span.start` to `span.end`, for `item`. */
  async function play(item: T, clipId: number, span: { start: number; end: number }): Promise<void> {
    const element = audio.value
    if (!element) return
    const mine = ++token
    playing.value = item
    const src = mediaUrl('clip', clipId)
    if (!element.src.endsWith(src)) {
      element.src = src
      await new Promise<void>((resolve) => element.addEventListener('loadedmetadata', () => resolve(), { once: true }))
      if (mine !== token) return
    }
    stopAt = span.end
    element.currentTime = span.start
    // A browser may refuse to play before the page has had a key or click; the view stays usable.
    await element.play().catch(() => undefined)
  }

  function stop(): void {
    token++
    audio.value?.pause()
    playing.value = null
    playhead.value = null
  }

  function onTime(): void {
    const element = audio.value
    if (!element || element.paused) return
    if (element.currentTime >= stopAt) {
      stop()
      return
    }
    playhead.value = element.currentTime
  }

  return { playing, playhead, play, stop, onTime }
}

/** A span widened by `context` seconds on either side, within its clip: what is played and shown around it. */
export function spanWithContext(
  span: { start: number; end: number; clipDuration: number },
  context: number,
): { start: number; end: number } {
  return { start: Math.max(0, span.start - context), end: Math.min(span.clipDuration, span.end + context) }
}
