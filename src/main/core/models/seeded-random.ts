// Seeded random streams for everything that must come out the same twice: the trainer's shuffles,
// dropout masks and augmentation, the trees' samples, augmented copies' settings. Plain code
// without TensorFlow.js, so that the audio workers that make augmented copies share the trainer's
// generator without loading it.

/** A seeded stream of uniform numbers in [0, 1) (mulberry32). */
export class Random {
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
  /** A whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
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

/** Mixes numbers into one 32-bit seed (a stream per epoch and batch, per clip and copy, …). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0
  }
  return h >>> 0
}
