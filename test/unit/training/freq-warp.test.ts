import { describe, expect, it } from 'vitest'
import { arraySource, identityStandardizer, makeBatch, type Augmentation } from '../../../src/main/core/training/data'
import { Random } from '../../../src/main/core/models/seeded-random'

const FRAMES = 4
const BANDS = 64
const PEAK = 30

/** Examples whose every frame is one bright band (value 1 at `PEAK`, 0 elsewhere), like a formant. */
function formant(count: number): ReturnType<typeof arraySource> {
  const x = new Float32Array(count * FRAMES * BANDS)
  for (let e = 0; e < count; e++) for (let t = 0; t < FRAMES; t++) x[(e * FRAMES + t) * BANDS + PEAK] = 1
  return arraySource(x, [FRAMES, BANDS])
}

const NONE: Augmentation = {
  timeShift: 0,
  freqWarp: 0,
  noise: 0,
  timeMasks: 0,
  timeMaskWidth: 1,
  freqMasks: 0,
  freqMaskWidth: 1,
  mixup: 0,
}

/** The centre of mass of each example's first frame, in bands. */
function centres(x: Float32Array, count: number): number[] {
  return Array.from({ length: count }, (_, e) => {
    let sum = 0
    let mass = 0
    for (let f = 0; f < BANDS; f++) {
      const v = x[e * FRAMES * BANDS + f] as number
      sum += v * f
      mass += v
    }
    return sum / mass
  })
}

function batch(augment: Augmentation, count: number, seed = 1): Float32Array {
  const data = { features: formant(count), labels: new Int32Array(count), classes: ['a'], train: [], validation: [] }
  const indices = Array.from({ length: count }, (_, i) => i)
  return makeBatch(data, indices, identityStandardizer(BANDS), new Float32Array([1]), augment, new Random(seed)).x
}

describe('frequency warping of training batches', () => {
  it('moves a band to its position times a factor within 1 ± freqWarp, differently for each example', () => {
    const count = 200
    const warped = centres(batch({ ...NONE, freqWarp: 0.2 }, count), count)
    const factors = warped.map((c) => c / PEAK)
    expect(Math.min(...factors)).toBeGreaterThanOrEqual(0.8 - 1e-6)
    expect(Math.max(...factors)).toBeLessThanOrEqual(1.2 + 1e-6)
    // Drawn uniformly: both ends of the range are reached and squeezing is as common as stretching.
    expect(Math.min(...factors)).toBeLessThan(0.83)
    expect(Math.max(...factors)).toBeGreaterThan(1.17)
    const stretched = factors.filter((f) => f > 1).length
    expect(stretched).toBeGreaterThan(count * 0.4)
    expect(stretched).toBeLessThan(count * 0.6)
  })

  it('moves a band whole, the same in every frame (interpolation spreads it over at most three bands)', () => {
    const x = batch({ ...NONE, freqWarp: 0.1 }, 20)
    for (let e = 0; e < 20; e++) {
      const frame = x.subarray(e * FRAMES * BANDS, e * FRAMES * BANDS + BANDS)
      const lit = Array.from(frame).filter((v) => v > 0).length
      expect(lit).toBeGreaterThanOrEqual(1)
      expect(lit).toBeLessThanOrEqual(3)
      // Every frame of an example moves by the same factor.
      for (let t = 1; t < FRAMES; t++)
        expect(Array.from(x.subarray((e * FRAMES + t) * BANDS, (e * FRAMES + t + 1) * BANDS))).toEqual(
          Array.from(frame),
        )
    }
  })

  it('leaves examples as they are when off', () => {
    const x = batch(NONE, 5)
    expect(centres(x, 5)).toEqual([PEAK, PEAK, PEAK, PEAK, PEAK])
  })
})
