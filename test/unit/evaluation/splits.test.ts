import { describe, expect, it } from 'vitest'
import {
  catalogSplit,
  groupHoldOut,
  groupKFold,
  holdOut,
  predefinedFolds,
  stratifiedGroupKFold,
  stratifiedKFold,
  type Fold,
} from '../../../src/main/core/evaluation'

/** Every row is tested exactly once over the folds, and never trained on in the fold that tests it. */
function expectPartition(folds: Fold[], rows: number): void {
  const tested = folds.flatMap((f) => f.test).sort((a, b) => a - b)
  expect(tested).toEqual(Array.from({ length: rows }, (_, i) => i))
  for (const fold of folds) {
    expect(fold.train.length + fold.test.length).toBe(rows)
    const test = new Set(fold.test)
    expect(fold.train.some((r) => test.has(r))).toBe(false)
  }
}

const count = (rows: number[], labels: number[], k: number) => rows.filter((r) => labels[r] === k).length

describe('stratified k-fold', () => {
  // 3 classes of 25, 14 and 7 rows.
  const labels = [...Array<number>(25).fill(0), ...Array<number>(14).fill(1), ...Array<number>(7).fill(2)]

  it('tests each row once and spreads each class evenly', () => {
    const folds = stratifiedKFold(labels, 5, 1)
    expectPartition(folds, labels.length)
    for (const k of [0, 1, 2]) {
      const perFold = folds.map((f) => count(f.test, labels, k))
      expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1)
    }
    const sizes = folds.map((f) => f.test.length)
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
  })

  it('is the same for the same seed and differs for another', () => {
    expect(stratifiedKFold(labels, 3, 7)).toEqual(stratifiedKFold(labels, 3, 7))
    expect(stratifiedKFold(labels, 3, 7)).not.toEqual(stratifiedKFold(labels, 3, 8))
  })

  it('refuses k below 2 or above the number of rows', () => {
    expect(() => stratifiedKFold(labels, 1, 0)).toThrow(/k >= 2/)
    expect(() => stratifiedKFold([0, 1], 3, 0)).toThrow(/at least 3 clips/)
  })
})

describe('group k-fold', () => {
  // 6 speakers with 10, 9, 8, 5, 4, 3 clips, and 2 clips without a group.
  const sizes = [10, 9, 8, 5, 4, 3]
  const groups: (string | null)[] = [...sizes.flatMap((n, s) => Array<string>(n).fill(`speaker${s}`)), null, null]

  it('never puts one group in two folds', () => {
    const folds = groupKFold(groups, 3, 4)
    expectPartition(folds, groups.length)
    const foldOf = new Map<string, number>()
    folds.forEach((fold, f) => {
      for (const row of fold.test) {
        const g = groups[row]
        if (g === null || g === undefined) continue
        expect(foldOf.get(g) ?? f).toBe(f)
        foldOf.set(g, f)
      }
    })
    expect(foldOf.size).toBe(6)
    // Largest first to the smallest fold: 10 | 9 | 8, then 5 → 8's, 4 → 9's, 3 → 10's: 13, 13, 13 (+2 singles).
    expect(folds.map((f) => f.test.length).sort()).toEqual([13, 14, 14])
  })

  it('needs at least k groups', () => {
    expect(() => groupKFold(['a', 'a', 'b', 'b'], 3, 0)).toThrow(/at least 3 groups; there are 2/)
  })
})

describe('predefined folds', () => {
  it('tests each fold in turn and leaves rows without a fold out', () => {
    const folds = predefinedFolds([1, 2, 1, 3, null, 2])
    expect(folds).toEqual([
      { train: [1, 3, 5], test: [0, 2] },
      { train: [0, 2, 3], test: [1, 5] },
      { train: [0, 1, 2, 5], test: [3] },
    ])
    expect(() => predefinedFolds([1, 1, null])).toThrow(/at least 2 folds/)
  })
})

describe('hold-out and the catalog split', () => {
  it('holds out the same share of each class', () => {
    const labels = [...Array<number>(50).fill(0), ...Array<number>(30).fill(1)]
    const fold = holdOut(labels.length, 0.2, 3, labels)
    expect(count(fold.test, labels, 0)).toBe(10)
    expect(count(fold.test, labels, 1)).toBe(6)
    expect(fold.train).toHaveLength(64)
    expect(holdOut(labels.length, 0.2, 3, labels)).toEqual(fold)
  })

  it('keeps the split column where clips have one and draws the rest', () => {
    const splits = ['test', 'train', 'train', null, null, null, null, null, null, null, null, null, 'val'] as const
    const labels = [0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    const s = catalogSplit(splits, labels, 5, 0.2)
    expect(s.val).toEqual([12])
    expect(s.test).toContain(0)
    expect(s.train).toEqual(expect.arrayContaining([1, 2]))
    // Unassigned: five of class 0 and four of class 1, one of each drawn to test.
    expect(s.test).toHaveLength(3)
    expect(s.train.length + s.test.length + s.val.length).toBe(13)
    expect(s.method).toMatch(
      /catalog split column for 4 clips; a stratified draw of 20% to test \(seed 5\) for the other 9/,
    )
    expect(catalogSplit(['train', 'test'], [0, 1], 0).method).toBe('the catalog split column')
  })
})

/** Every group's rows all on one side of a fold. */
function expectGroupsWhole(fold: Fold, groups: readonly (string | null)[]): void {
  const testGroups = new Set<string | null>(fold.test.map((r) => groups[r] ?? null).filter((g) => g !== null))
  expect(fold.train.filter((r) => testGroups.has(groups[r] ?? null))).toEqual([])
}

describe('group hold-out', () => {
  // 20 speakers of 10 clips each, 5 of each of two classes, plus 3 clips without a group.
  const groups: (string | null)[] = []
  const labels: number[] = []
  for (let g = 0; g < 20; g++) {
    for (let i = 0; i < 10; i++) {
      groups.push(`speaker${g}`)
      labels.push(i % 2)
    }
  }
  groups.push(null, null, null)
  labels.push(0, 1, 0)

  it('never puts a group on both sides, and tests about the asked share', () => {
    for (const seed of [0, 1, 2, 3]) {
      const fold = groupHoldOut(labels, groups, 0.2, seed)
      expectGroupsWhole(fold, groups)
      expect(fold.train.length + fold.test.length).toBe(labels.length)
      expect(fold.test.length).toBeGreaterThanOrEqual(35)
      expect(fold.test.length).toBeLessThanOrEqual(47)
    }
  })

  it('is reproducible from its seed, and another seed holds out other groups', () => {
    const a = groupHoldOut(labels, groups, 0.2, 7)
    expect(groupHoldOut(labels, groups, 0.2, 7)).toEqual(a)
    expect(groupHoldOut(labels, groups, 0.2, 8).test).not.toEqual(a.test)
  })

  it('balances classes as far as the groups allow', () => {
    // Ten one-class groups of class 0 and ten of class 1: the test side takes some of each.
    const g = Array.from({ length: 200 }, (_, i) => `g${Math.floor(i / 10)}`)
    const y = Array.from({ length: 200 }, (_, i) => (Math.floor(i / 10) < 10 ? 0 : 1))
    for (const seed of [0, 5, 9]) {
      const fold = groupHoldOut(y, g, 0.2, seed)
      expectGroupsWhole(fold, g)
      expect(count(fold.test, y, 0)).toBe(20)
      expect(count(fold.test, y, 1)).toBe(20)
    }
  })

  it('tests one group when every group alone is more than the share, and refuses a single group', () => {
    // fsdd-like: three speakers of equal size, 20% asked: one speaker is held out.
    const g = Array.from({ length: 30 }, (_, i) => ['george', 'jackson', 'lucas'][i % 3] as string)
    const y = Array.from({ length: 30 }, (_, i) => Math.floor(i / 3) % 2)
    const fold = groupHoldOut(y, g, 0.2, 1)
    expect(new Set(fold.test.map((r) => g[r])).size).toBe(1)
    expect(fold.test).toHaveLength(10)
    // Two halves and 20% asked: still one group tested, one trained on.
    const halves = groupHoldOut([0, 1, 0, 1], ['a', 'a', 'b', 'b'], 0.2, 0)
    expect(halves.test).toHaveLength(2)
    expect(() => groupHoldOut([0, 1], ['a', 'a'], 0.2, 0)).toThrow(/at least 2 groups; there is 1/)
    expect(() => groupHoldOut([0, 1], ['a', 'b'], 1, 0)).toThrow(/between 0 and 1/)
  })
})

describe('stratified group k-fold', () => {
  it('keeps groups whole, tests every row once and spreads classes', () => {
    const g = Array.from({ length: 120 }, (_, i) => `g${Math.floor(i / 6)}`)
    // Groups lean to a class: group n has 5 of class n % 3 and 1 of class (n + 1) % 3.
    const y = Array.from({ length: 120 }, (_, i) => {
      const n = Math.floor(i / 6)
      return i % 6 === 5 ? (n + 1) % 3 : n % 3
    })
    const folds = stratifiedGroupKFold(y, g, 4, 2)
    expectPartition(folds, y.length)
    for (const fold of folds) {
      expectGroupsWhole(fold, g)
      for (const k of [0, 1, 2]) {
        const share = count(fold.test, y, k) / y.filter((v) => v === k).length
        expect(share).toBeGreaterThan(0.15)
        expect(share).toBeLessThan(0.35)
      }
    }
    expect(stratifiedGroupKFold(y, g, 4, 2)).toEqual(folds)
    expect(() => stratifiedGroupKFold([0, 1, 0], ['a', 'a', 'b'], 3, 0)).toThrow(/at least 3 groups; there are 2/)
  })
})

describe('the run split policy', () => {
  const speakers = ['george', 'jackson', 'lucas', 'nicolas', 'theo']
  const groups = Array.from({ length: 50 }, (_, i) => speakers[i % 5] as string)
  const labels = Array.from({ length: 50 }, (_, i) => Math.floor(i / 5) % 2)
  const none = groups.map(() => null)

  it('holds out whole groups when clips carry groups and no split', () => {
    const s = catalogSplit(none, labels, 3, 0.2, groups)
    expect(s.policy).toBe('group')
    expectGroupsWhole(s, groups)
    expect(s.test).toHaveLength(10)
    expect(s.method).toMatch(/whole groups held out to test, about 20%.*\(seed 3\): 1 of 5 groups in test/)
  })

  it('draws at random without groups, and says why when there is only one group', () => {
    expect(catalogSplit(none, labels, 3, 0.2).policy).toBe('random')
    const one = catalogSplit(
      none,
      labels,
      3,
      0.2,
      groups.map(() => 'george'),
    )
    expect(one.policy).toBe('random')
    expect(one.test).toHaveLength(10)
    expect(one.method).toMatch(/every clip is in one group \(george\), so no group can be held out/)
  })

  it('keeps the column, and puts undrawn clips of a group on the side its other clips are on', () => {
    // George's first clip is in test through the column; his other clips follow it there.
    const splits = groups.map((g, i) => (g === 'george' && i === 0 ? 'test' : g === 'jackson' ? 'train' : null))
    const s = catalogSplit(splits, labels, 3, 0.2, groups)
    const georgeRows = groups.flatMap((g, i) => (g === 'george' ? [i] : []))
    expect(s.test).toEqual(expect.arrayContaining(georgeRows))
    expectGroupsWhole(s, groups)
    expect(s.policy).toBe('group')
    expect(s.method).toMatch(/^the catalog split column for 11 clips; 9 clips join their group's side of the column; /)
    const all = catalogSplit(
      groups.map(() => 'train' as const),
      labels,
      3,
      0.2,
      groups,
    )
    expect(all.policy).toBe('column')
    expect(all.method).toBe('the catalog split column')
  })
})
