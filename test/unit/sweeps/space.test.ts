import { describe, expect, it } from 'vitest'
import { sweepSpecSchema, type SweepSpecInput } from '../../../src/shared/sweep-spec'
import { mulberry32 } from '../../../src/main/core/models/trees/random'
import {
  gridPoints,
  halvingRungs,
  nextTpeConfiguration,
  orderedDimensions,
  plannedConfigurations,
  promote,
  proposeTpe,
  sampleParams,
  type Observation,
} from '../../../src/main/core/sweeps'

const spec = (input: Omit<SweepSpecInput, 'model'> & { model?: SweepSpecInput['model'] }) =>
  sweepSpecSchema.parse({ model: 'rf', ...input })

describe('sweep spec', () => {
  it('accepts the documented example and fills in the defaults', () => {
    const parsed = spec({
      strategy: 'random',
      trials: 20,
      seed: 1,
      cv: { kind: 'stratified', folds: 3 },
      metric: 'accuracy',
      space: { trees: [20, 100], maxDepth: { int: [2, 32] }, learningRate: { logUniform: [0.001, 0.3] } },
    })
    expect(parsed.cv).toEqual({ kind: 'stratified', folds: 3, testFraction: 0.2 })
    expect(spec({ space: {} })).toMatchObject({ strategy: 'random', trials: 20, metric: 'accuracy', fixed: {} })
  })

  it.each([
    [{ space: { maxDepth: { int: [9, 2] } } }, /low <= high/],
    [{ space: { units: { int: [8, 64], when: { cell: 'lstm' } } } }, /depends on "cell"/],
    [{ strategy: 'halving' as const, space: {} }, /needs \{"halving"/],
    [{ space: { trees: { range: [1, 2] } } }, /Invalid input/],
  ])('refuses %j with a reason', (input, reason) => {
    const result = sweepSpecSchema.safeParse({ model: 'rf', ...input })
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((i) => i.message).join('; ')).toMatch(reason)
  })
})

describe('grid', () => {
  it('expands every combination, the last dimension fastest, and caps at trials', () => {
    const s = spec({ strategy: 'grid', space: { trees: [20, 100], maxDepth: [4, 8, null] } })
    const points = plannedConfigurations(s)
    expect(points).toEqual([
      { trees: 20, maxDepth: 4 },
      { trees: 20, maxDepth: 8 },
      { trees: 20, maxDepth: null },
      { trees: 100, maxDepth: 4 },
      { trees: 100, maxDepth: 8 },
      { trees: 100, maxDepth: null },
    ])
    expect(plannedConfigurations({ ...s, trials: 4 })).toHaveLength(4)
  })

  it('expands a conditional dimension only where it applies, and int ranges by step', () => {
    const dims = orderedDimensions({
      units: { int: [32, 64], step: 32, when: { cell: ['lstm', 'gru'] } },
      cell: ['lstm', 'gru', 'none'],
    })
    expect(gridPoints(dims, { epochs: 5 })).toEqual([
      { epochs: 5, cell: 'lstm', units: 32 },
      { epochs: 5, cell: 'lstm', units: 64 },
      { epochs: 5, cell: 'gru', units: 32 },
      { epochs: 5, cell: 'gru', units: 64 },
      { epochs: 5, cell: 'none' },
    ])
  })

  it('refuses a continuous range and a dependency cycle', () => {
    expect(() => gridPoints(orderedDimensions({ lr: { float: [0, 1] } }), {})).toThrow(/continuous range/)
    expect(() =>
      orderedDimensions({ a: { choices: [1], when: { b: 1 } }, b: { choices: [1], when: { a: 1 } } }),
    ).toThrow(/cycle: a → b → a/)
  })
})

describe('random search', () => {
  it('is reproducible by seed, stays in range, and samples log-uniform ranges evenly in log', () => {
    const s = spec({
      trials: 400,
      seed: 7,
      space: { maxDepth: { int: [2, 32] }, learningRate: { logUniform: [0.001, 0.1] }, f: { float: [-1, 1] } },
    })
    const a = plannedConfigurations(s)
    expect(plannedConfigurations(s)).toEqual(a)
    expect(plannedConfigurations({ ...s, seed: 8 })).not.toEqual(a)
    for (const p of a) {
      expect(Number.isInteger(p['maxDepth'])).toBe(true)
      expect(p['maxDepth']).toBeGreaterThanOrEqual(2)
      expect(p['maxDepth']).toBeLessThanOrEqual(32)
      expect(p['learningRate']).toBeGreaterThanOrEqual(0.001)
      expect(p['learningRate']).toBeLessThanOrEqual(0.1)
    }
    // Half the draws below the geometric mean 0.01, not below the arithmetic 0.05.
    const below = a.filter((p) => (p['learningRate'] as number) < 0.01).length / a.length
    expect(below).toBeGreaterThan(0.42)
    expect(below).toBeLessThan(0.58)
    const depths = new Set(a.map((p) => p['maxDepth']))
    expect(depths.has(2) && depths.has(32)).toBe(true)
  })

  it('avoids repeating a configuration while unseen ones remain', () => {
    const points = plannedConfigurations(spec({ trials: 6, space: { trees: [10, 20, 30], d: [1, 2] } }))
    expect(new Set(points.map((p) => JSON.stringify(p))).size).toBe(6)
  })
})

describe('TPE', () => {
  const objective = (p: Record<string, unknown>): number =>
    -(((p['x'] as number) - 0.3) ** 2) - ((p['lr'] as number) > 0.01 ? 0.05 : 0) + (p['kind'] === 'b' ? 0.1 : 0)
  const space = {
    x: { float: [0, 1] as [number, number] },
    lr: { logUniform: [1e-4, 1] as [number, number] },
    kind: ['a', 'b', 'c'],
  }

  function search(strategy: 'tpe' | 'random', seed: number, trials: number): Observation[] {
    const s = spec({ strategy, trials, seed, space })
    if (strategy === 'random') return plannedConfigurations(s).map((params) => ({ params, score: objective(params) }))
    const history: Observation[] = []
    for (let i = 0; i < trials; i++) {
      const params = nextTpeConfiguration(s, i, history)
      history.push({ params, score: objective(params) })
    }
    return history
  }

  it('finds better configurations than random search with the same budget, on most seeds', () => {
    let wins = 0
    let tpeTotal = 0
    let randomTotal = 0
    for (let seed = 0; seed < 10; seed++) {
      const best = (h: Observation[]) => Math.max(...h.map((o) => o.score))
      const t = best(search('tpe', seed, 40))
      const r = best(search('random', seed, 40))
      tpeTotal += t
      randomTotal += r
      if (t >= r) wins++
    }
    expect(wins).toBeGreaterThanOrEqual(7)
    expect(tpeTotal).toBeGreaterThan(randomTotal)
  })

  it('concentrates late proposals on the good region and the good choice', () => {
    const late = search('tpe', 3, 60).slice(30)
    const near = late.filter((o) => Math.abs((o.params['x'] as number) - 0.3) < 0.15).length
    expect(near / late.length).toBeGreaterThan(0.5)
    expect(late.filter((o) => o.params['kind'] === 'b').length / late.length).toBeGreaterThan(0.5)
  })

  it('tells list values apart by their contents (a CNN’s filters)', () => {
    const lists = spec({
      model: 'cnn',
      strategy: 'tpe',
      trials: 40,
      seed: 5,
      space: { filters: [[8], [8, 16], [16, 32]] },
    })
    const history: Observation[] = []
    for (let i = 0; i < 40; i++) {
      const params = nextTpeConfiguration(lists, i, history)
      history.push({ params, score: JSON.stringify(params['filters']) === '[8,16]' ? 1 : 0 })
    }
    const late = history.slice(20)
    expect(late.filter((o) => JSON.stringify(o.params['filters']) === '[8,16]').length / late.length).toBeGreaterThan(
      0.5,
    )
    // A grid takes each list as one value.
    expect(gridPoints(orderedDimensions(lists.space), {}).map((p) => p['filters'])).toEqual([[8], [8, 16], [16, 32]])
  })

  it('is random until the start-up trials have finished, and only proposes active dimensions', () => {
    const dims = orderedDimensions({ cell: ['lstm', 'none'], units: { int: [8, 64], when: { cell: 'lstm' } } })
    const random = mulberry32(1)
    const history = Array.from({ length: 12 }, () => {
      const params = sampleParams(dims, {}, random)
      return { params, score: params['cell'] === 'lstm' ? (params['units'] as number) : 0 }
    })
    for (let i = 0; i < 20; i++) {
      const p = proposeTpe(dims, {}, history, mulberry32(100 + i), { startup: 10 })
      expect('units' in p).toBe(p['cell'] === 'lstm')
    }
  })
})

describe('successive halving', () => {
  it('keeps the best third with three times the budget at each rung', () => {
    expect(halvingRungs(27, 1, 27, 3)).toEqual([
      { configurations: 27, budget: 1 },
      { configurations: 9, budget: 3 },
      { configurations: 3, budget: 9 },
      { configurations: 1, budget: 27 },
    ])
    expect(halvingRungs(10, 2, 10, 3)).toEqual([
      { configurations: 10, budget: 2 },
      { configurations: 3, budget: 6 },
      { configurations: 1, budget: 10 },
    ])
    expect(promote([0.5, NaN, 0.9, 0.7], 2)).toEqual([2, 3])
  })
})
