import { Random as SeededRandom } from '../seeded-random'

/** A seeded source of uniform numbers in [0, 1), so that a model trains the same way twice. */
export type Random = () => number

/** mulberry32: a 32-bit generator, tiny and fast, and plenty for sampling rows and features. */
export function mulberry32(seed: number): Random {
  const stream = new SeededRandom(seed)
  return () => stream.next()
}

/**
 * The seed of stream `index` of many drawn from one seed (one stream per tree), so that a result
 * depends on the seed alone and not on how the work was shared out between threads.
 */
export function streamSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** A whole number in [0, n). */
export function randomInt(random: Random, n: number): number {
  return Math.floor(random() * n)
}

/** Shuffles the first `length` entries in place (Fisher-Yates). */
export function shuffle(
  values: { [index: number]: number; length: number },
  random: Random,
  length = values.length,
): void {
  for (let i = length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1)
    const swap = values[i] as number
    values[i] = values[j] as number
    values[j] = swap
  }
}
