import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { computeAugmentedCopies, type AugmentedCopiesTask } from '../../../src/main/core/augment/copies'
import {
  checkWaveformAugmentation,
  drawAugmentation,
  RT60_RANGE,
  SNR_SPAN,
  type WaveformAugmentation,
} from '../../../src/main/core/augment/settings'
import { Random } from '../../../src/main/core/models/seeded-random'
import { contentHash } from '../../../src/main/core/audio/hash'
import { loadFileFeatureMatrix } from '../../../src/main/core/feature-sets/matrix'
import { defaultSetParams, inputFor, recipeOf, type Recipe } from '../../../src/main/core/feature-sets/recipe'
import { FSDD } from '../../helpers/fsdd'

const OFF: WaveformAugmentation = {
  augmentCopies: 0,
  pitchShift: 0,
  speed: 0,
  gain: 0,
  noiseSnr: null,
  reverb: 0,
  vtlp: 0,
}
const CLIP = join(FSDD, '3_george_7.wav')
const facts = { sampleRate: 8000, seconds: 1 }

function recipe(purpose: 'image' | 'sequence' | 'waveform'): Recipe {
  const params = defaultSetParams(purpose, facts)
  return recipeOf(null, params, inputFor(purpose, params, facts))
}

async function task(r: Recipe, augmentation: WaveformAugmentation, seed = 0): Promise<AugmentedCopiesTask> {
  if (r.input.kind === 'summary') throw new Error('deep recipes only')
  return {
    path: CLIP,
    contentHash: await contentHash(CLIP),
    pipeline: r.pipeline,
    config: r.config,
    input: r.input,
    augmentation,
    seed,
    clipId: 12,
  }
}

describe('augmentation settings', () => {
  it('draws each setting within its range, the same for the same seed', () => {
    const a = { ...OFF, augmentCopies: 1, pitchShift: 2, speed: 0.1, gain: 6, noiseSnr: 10, reverb: 0.5, vtlp: 0.1 }
    const draws = Array.from({ length: 200 }, (_, i) => drawAugmentation(a, new Random(i)))
    for (const d of draws) {
      expect(Math.abs(d.semitones)).toBeLessThanOrEqual(2)
      expect(Math.abs(d.speed - 1)).toBeLessThanOrEqual(0.1)
      expect(Math.abs(d.gainDb)).toBeLessThanOrEqual(6)
      expect(d.noise?.snrDb).toBeGreaterThanOrEqual(10)
      expect(d.noise?.snrDb).toBeLessThanOrEqual(10 + SNR_SPAN)
      if (d.rt60 !== null) expect(d.rt60).toBeGreaterThanOrEqual(RT60_RANGE[0])
      expect(Math.abs(d.vtlpAlpha - 1)).toBeLessThanOrEqual(0.1)
    }
    const reverberant = draws.filter((d) => d.rt60 !== null).length / draws.length
    expect(reverberant).toBeGreaterThan(0.35)
    expect(reverberant).toBeLessThan(0.65)
    expect(drawAugmentation(a, new Random(5))).toEqual(drawAugmentation(a, new Random(5)))
    // Off settings draw nothing to change.
    expect(drawAugmentation(OFF, new Random(5))).toEqual({
      semitones: 0,
      speed: 1,
      gainDb: 0,
      noise: null,
      rt60: null,
      vtlpAlpha: 1,
    })
  })

  it('refuses copies with nothing to vary', () => {
    expect(() => checkWaveformAugmentation({ ...OFF, augmentCopies: 2 })).toThrow(/no waveform augmentation is set/)
    expect(() => checkWaveformAugmentation({ ...OFF, augmentCopies: 2, gain: 3 })).not.toThrow()
  })
})

describe('augmented copies of a clip', () => {
  it.each(['image', 'sequence', 'waveform'] as const)(
    'an unchanged copy is exactly the clip’s own %s input (the same recipe)',
    async (purpose) => {
      const r = recipe(purpose)
      const own = await loadFileFeatureMatrix([CLIP], r, purpose, {
        ...(r.input.kind === 'image' ? { frames: r.input.frames } : {}),
        ...(r.input.kind === 'sequence' ? { frames: r.input.frames } : {}),
        ...(r.input.kind === 'waveform' ? { samples: r.input.samples } : {}),
      })
      const copy = await computeAugmentedCopies(await task(r, { ...OFF, augmentCopies: 1 }))
      expect(copy.x.length).toBe(own.data.length)
      expect(Array.from(copy.x)).toEqual(Array.from(own.data))
    },
  )

  it('VTLP alone warps the copy’s mel bands: the same frames, energy moved across bands', async () => {
    const r = recipe('image')
    const own = await computeAugmentedCopies(await task(r, { ...OFF, augmentCopies: 1 }))
    const warped = await computeAugmentedCopies(await task(r, { ...OFF, augmentCopies: 1, vtlp: 0.2 }))
    const alpha = warped.draws[0]?.vtlpAlpha ?? 1
    expect(Math.abs(alpha - 1)).toBeGreaterThan(0.01)
    // Per band, the mean over frames: the warped profile is the plain one moved up (α > 1) or down.
    const bands = r.config.nMels
    const profile = (x: Float32Array) =>
      Array.from({ length: bands }, (_, b) => {
        let sum = 0
        for (let t = 0; t < x.length / bands; t++) sum += x[t * bands + b] as number
        return sum
      })
    const centroid = (p: number[]) => {
      const floor = Math.min(...p)
      const w = p.map((v) => v - floor)
      return w.reduce((a, v, b) => a + v * b, 0) / w.reduce((a, v) => a + v, 0)
    }
    const moved = centroid(profile(warped.x)) - centroid(profile(own.x))
    expect(Math.sign(moved)).toBe(Math.sign(alpha - 1))
    expect(Math.abs(moved)).toBeGreaterThan(0.1)
  })

  it('makes each copy from its own draw, the same for the same seed and clip', async () => {
    const r = recipe('image')
    const a = { ...OFF, augmentCopies: 3, pitchShift: 3, speed: 0.1, noiseSnr: 5, vtlp: 0.1 }
    const first = await computeAugmentedCopies(await task(r, a, 4))
    const again = await computeAugmentedCopies(await task(r, a, 4))
    const other = await computeAugmentedCopies(await task(r, a, 5))
    const size = first.x.length / 3
    expect(first.draws).toHaveLength(3)
    expect(Array.from(again.x)).toEqual(Array.from(first.x))
    expect(Array.from(other.x)).not.toEqual(Array.from(first.x))
    expect(Array.from(first.x.subarray(0, size))).not.toEqual(Array.from(first.x.subarray(size, 2 * size)))
    expect(first.x.every(Number.isFinite)).toBe(true)
  })
})
