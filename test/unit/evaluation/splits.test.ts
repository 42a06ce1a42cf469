import { describe, expect, it } from 'vitest'
import {
  catalogSplit,
  groupKFold,
  holdOut,
  predefinedFolds,
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
