import { describe, expect, it } from 'vitest'
import type { DetectionReview } from '../../../src/shared/detection'
import { suggestThresholds, type ReviewedScore } from '../../../src/main/core/evaluation'

const d = (label: string, score: number, review: DetectionReview | null = null, reviewedLabel: string | null = null) =>
  ({ label, score, review, reviewedLabel }) satisfies ReviewedScore

describe('thresholds from reviewed detections', () => {
  it('gives the precision above each reviewed score and the lowest score reaching the target', () => {
    // All reviewed, so every weight is 1. From the top: 0.95 ok (1/1), 0.9 ok (2/2), 0.8 rejected
    // (2/3), 0.7 relabeled to its own class, ok (3/4), 0.6 relabeled to cat, wrong (3/5), 0.5 ok (4/6).
    const dog = [
      d('dog', 0.95, 'accepted'),
      d('dog', 0.9, 'accepted'),
      d('dog', 0.8, 'rejected'),
      d('dog', 0.7, 'relabeled', 'dog'),
      d('dog', 0.6, 'relabeled', 'cat'),
      d('dog', 0.5, 'accepted'),
    ]
    const [s] = suggestThresholds(dog, 0.9)
    expect(s).toMatchObject({ label: 'dog', detections: 6, reviewed: 6, accepted: 4, targetPrecision: 0.9 })
    expect(s?.scores).toEqual([0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
    const expected = [4 / 6, 3 / 5, 3 / 4, 2 / 3, 1, 1]
    s?.precision.forEach((p, i) => expect(p).toBeCloseTo(expected[i] as number, 12))
    expect(s?.threshold).toBe(0.9)
    // 0.7 is the lowest score with precision >= 0.7 (3/4); for 0.6, 0.5 already has 4/6.
    expect(suggestThresholds(dog, 0.7)[0]?.threshold).toBe(0.7)
    expect(suggestThresholds(dog, 0.6)[0]?.threshold).toBe(0.5)
    // Nothing reaches precision 1 below 0.9, and 0.9 does: a target of 1 gives 0.9.
    expect(suggestThresholds(dog, 1)[0]?.threshold).toBe(0.9)
  })

  it('weights reviews by how many detections of their score bin they stand for', () => {
    // bird: two detections at the top (0.96, 0.95), both reviewed and accepted (weight 1 each);
    // ten in the 0.10-0.15 bin, of which two reviewed: 0.12 accepted, 0.11 rejected (weight 10/2 = 5).
    // From the top: 0.96: 1/1; 0.95: 2/2; 0.12: (2 + 5)/(2 + 5) = 1; 0.11: (2 + 5)/(2 + 5 + 5) = 7/12,
    // the population's estimate: 2 right up high, half of 10 right down low.
    // Unweighted, 0.11 would have 3/4 = 0.75 and pass a 0.7 target; weighted, 7/12 does not.
    const bird = [
      d('bird', 0.96, 'accepted'),
      d('bird', 0.95, 'accepted'),
      d('bird', 0.12, 'accepted'),
      d('bird', 0.11, 'rejected'),
      ...[0.1025, 0.105, 0.115, 0.125, 0.13, 0.135, 0.14, 0.145].map((s) => d('bird', s)),
    ]
    const [s] = suggestThresholds(bird, 0.7)
    expect(s).toMatchObject({ detections: 12, reviewed: 4, accepted: 3 })
    expect(s?.scores).toEqual([0.11, 0.12, 0.95, 0.96])
    expect(s?.precision[0]).toBeCloseTo(7 / 12, 12)
    expect(s?.precision.slice(1)).toEqual([1, 1, 1])
    expect(s?.threshold).toBe(0.12)
  })

  it('answers every class, sorted, including one without reviews', () => {
    const out = suggestThresholds([d('owl', 0.4), d('cat', 0.8, 'rejected')], 0.9)
    expect(out.map((s) => s.label)).toEqual(['cat', 'owl'])
    expect(out[0]).toMatchObject({ reviewed: 1, accepted: 0, scores: [0.8], precision: [0], threshold: null })
    expect(out[1]).toMatchObject({ detections: 1, reviewed: 0, scores: [], precision: [], threshold: null })
  })

  it('refuses a target outside (0, 1] and a score that is not a number', () => {
    expect(() => suggestThresholds([], 0)).toThrow(/target precision must be in \(0, 1\], not 0/)
    expect(() => suggestThresholds([], 1.5)).toThrow(/not 1.5/)
    expect(() => suggestThresholds([d('dog', Number.NaN)])).toThrow(/detection 1 \(dog\) has score NaN/)
  })
})
