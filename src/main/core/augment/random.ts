/**
 * A seeded stream of numbers for waveform augmentation (mulberry32, the generator the trainer's
 * `Random` uses). Its own copy because the trainer's lives beside the network layers, which load
 * TensorFlow.js, and augmented copies are computed on the audio workers, which must not.
 */
export class AugmentRandom {
  private state: number
  constructor(seed: number) {
    this.state = seed >>> 0
  }
  /** The next number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  /** A number drawn uniformly in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next()
  }
  /** A standard normal number (Box–Muller). */
  normal(): number {
    const u = 1 - this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next())
  }
}

/** Mixes numbers into one 32-bit seed (a stream per run seed, clip and copy). */
export function mixAugmentSeed(...parts: number[]): number {
  let h = 0x811c9dc5
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0
  }
  return h >>> 0
}
