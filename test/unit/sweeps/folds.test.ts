import { describe, expect, it } from 'vitest'
import { sweepSpecSchema } from '../../../src/shared/sweep-spec'
import { sweepFolds } from '../../../src/main/core/sweeps/folds'

const spec = (cv: Record<string, unknown>) =>
  sweepSpecSchema.parse({ model: 'rf', seed: 2, cv, space: { trees: [10] } })

/** 60 rows: 6 speakers of 10, classes alternating. */
const y = Int32Array.from({ length: 60 }, (_, i) => i % 2)
const speakers = Array.from({ length: 60 }, (_, i) => `s${Math.floor(i / 10)}`)

describe('sweep folds', () => {
  it('keep each group in one fold under the default stratified folds when clips carry groups', () => {
    const { folds, method } = sweepFolds(spec({}), y, speakers, [])
    expect(method).toBe('stratified group 3-fold: no group in two folds')
    expect(folds).toHaveLength(3)
    for (const fold of folds) {
      const tested = new Set(fold.test.map((r) => speakers[r]))
      expect(fold.train.some((r) => tested.has(speakers[r] as string))).toBe(false)
    }
  })

  it('use one fold per group with fewer groups than folds, plain stratified folds without groups', () => {
    const two = speakers.map((s) => (s < 's3' ? 'ann' : 'bob'))
    const few = sweepFolds(spec({ folds: 5 }), y, two, [])
    expect(few.folds).toHaveLength(2)
    expect(few.method).toMatch(/one fold per group: only 2 groups for 5 folds/)
    const none = sweepFolds(
      spec({}),
      y,
      speakers.map(() => null),
      [],
    )
    expect(none.method).toBe('stratified 3-fold')
    const one = sweepFolds(
      spec({}),
      y,
      speakers.map(() => 'ann'),
      [],
    )
    expect(one.method).toMatch(/every clip is in one group/)
    expect(one.folds).toHaveLength(3)
  })
})
