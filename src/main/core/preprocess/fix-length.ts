import type { Audio } from './levels'

/** A small, fast deterministic generator (mulberry32): the same seed gives the same offsets everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A 32-bit seed from a seed and a string (the clip's content hash), so each clip gets its own offset. */
export function mixSeed(seed: number, key: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0
  return h
}

/**
 * Pads with zeros or crops to exactly `length` samples. `start` keeps the beginning (and pads at
 * the end, as librosa.util.fix_length), `center` keeps the middle (padding both sides, the extra
 * sample after), `random` picks the offset with `random()`. Returns the offset of the original's
 * first sample in the result (negative when cropped).
 */
export function fixLength(
  audio: Audio,
  length: number,
  mode: 'start' | 'center' | 'random',
  random: () => number = Math.random,
): { audio: Audio; offset: number } {
  const n = audio.channels[0]?.length ?? 0
  const slack = Math.abs(length - n)
  const shift =
    mode === 'start'
      ? 0
      : mode === 'center'
        ? Math.floor(slack / 2)
        : Math.min(slack, Math.floor(random() * (slack + 1)))
  const offset = length >= n ? shift : -shift
  const channels = audio.channels.map((c) => {
    if (length >= n) {
      const out = new Float32Array(length)
      out.set(c, shift)
      return out
    }
    return c.slice(shift, shift + length)
  })
  return { audio: { ...audio, channels }, offset }
}
