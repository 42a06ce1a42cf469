import { describe, expect, it } from 'vitest'
import { sweepSpecSchema, type SweepSpecInput } from '../../../src/shared/sweep-spec'
import { createSweep, getSweep, sweepNameOf } from '../../../src/main/core/catalog/sweeps'
import { seededCatalog } from '../../helpers/catalog'

const spec = (input: Partial<SweepSpecInput>) =>
  sweepSpecSchema.parse({ model: 'rf', space: { trees: [1, 2] }, ...input })

describe('a sweep without a name of its own', () => {
  it('is named from what it searches: model, strategy and trials', () => {
    expect(sweepNameOf(spec({ model: 'cnn', strategy: 'tpe', trials: 20 }))).toBe('cnn · TPE · 20 trials')
    expect(sweepNameOf(spec({ strategy: 'grid', trials: 1 }))).toBe('rf · grid · 1 trial')
    // A grid runs its points, when fewer than the most trials allowed.
    expect(sweepNameOf(spec({ strategy: 'grid', space: { trees: [1, 2, 3], maxDepth: [4, 8] } }))).toBe(
      'rf · grid · 6 trials',
    )
    expect(sweepNameOf(spec({}))).toBe('rf · random · 20 trials')
    expect(
      sweepNameOf(
        spec({ model: 'gbdt', strategy: 'halving', halving: { minBudget: 10, maxBudget: 90 }, set: 'log-mel 64' }),
      ),
    ).toBe('gbdt · successive halving · 20 trials · log-mel 64')
  })

  it('is stored under that name, and a name given in the spec wins', () => {
    const { db } = seededCatalog(['a', 'b'], 0)
    expect(getSweep(db, createSweep(db, spec({ model: 'cnn', strategy: 'tpe', trials: 12 }))).name).toBe(
      'cnn · TPE · 12 trials',
    )
    expect(getSweep(db, createSweep(db, spec({ name: 'wide trees' }))).name).toBe('wide trees')
  })
})
