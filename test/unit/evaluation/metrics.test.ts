import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  balancedAccuracy,
  classificationMetrics,
  confusionMatrix,
  findLabelIssues,
  perClassThresholds,
  precisionRecallCurve,
  probabilitiesFromRows,
  rankByUncertainty,
  topKAccuracy,
  uncertainties,
} from '../../../src/main/core/evaluation'
import { mulberry32 } from '../../../src/main/core/models/trees/random'

const FIXTURES = join(import.meta.dirname, 'fixtures')
const SCRIPT = join(FIXTURES, 'sklearn_metrics.py')
/** Cases and scikit-learn 1.2's answers, written by `sklearn_metrics.py --fixture`. */
const FIXTURE = join(FIXTURES, 'sklearn-metrics.json')

/** Debian's python3-sklearn lives under the system Python, which a pyenv shim may hide from PATH. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'
const hasSklearn = spawnSync(PYTHON, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0

interface Case {
  nClasses: number
  truth: number[]
  predicted: number[]
  proba: number[][]
}

interface Scores {
  precision: number
  recall: number
  f1: number
  support: number
}

interface Expected {
  accuracy: number
  balancedAccuracy: number
  perClass: Scores[]
  macro: Scores
  weighted: Scores
  confusion: number[][]
  confusionNormalized: number[][]
  topK: Record<string, number>
  pr: { precision: number[]; recall: number[]; thresholds: number[]; averagePrecision: number | null }[]
}

const close = (actual: number, expected: number, what: string): void => {
  if (Math.abs(actual - expected) > 1e-9) throw new Error(`${what}: ${actual} vs scikit-learn's ${expected}`)
}
const closeAll = (actual: readonly number[], expected: readonly number[], what: string): void => {
  expect(actual.length, `${what}: length`).toBe(expected.length)
  actual.forEach((v, i) => close(v, expected[i] as number, `${what}[${i}]`))
}

/** Checks every metric of a case against scikit-learn's, to 1e-9. */
function agree(c: Case, e: Expected, name: string): void {
  const labels = Array.from({ length: c.nClasses }, (_, k) => `c${k}`)
  const proba = probabilitiesFromRows(c.proba)
  const m = classificationMetrics(labels, c.truth, c.predicted, proba)
  close(m.accuracy, e.accuracy, `${name} accuracy`)
  close(m.balancedAccuracy, e.balancedAccuracy, `${name} balanced accuracy`)
  expect(m.confusion).toEqual(e.confusion)
  m.confusionNormalized.forEach((row, t) => closeAll(row, e.confusionNormalized[t]!, `${name} normalised row ${t}`))
  labels.forEach((label, k) => {
    for (const key of ['precision', 'recall', 'f1', 'support'] as const) {
      close(m.perClass[label]![key], e.perClass[k]![key], `${name} ${label} ${key}`)
    }
  })
  for (const avg of ['macro', 'weighted'] as const) {
    for (const key of ['precision', 'recall', 'f1', 'support'] as const) {
      close(m[avg][key], e[avg][key], `${name} ${avg} ${key}`)
    }
  }
  for (const [k, value] of Object.entries(e.topK)) {
    close(topKAccuracy(c.truth, proba, Number(k)), value, `${name} top-${k}`)
  }
  e.pr.forEach((curve, k) => {
    const ours = precisionRecallCurve(c.truth, proba, k)
    closeAll(ours.thresholds, curve.thresholds, `${name} class ${k} thresholds`)
    closeAll(ours.precision, curve.precision, `${name} class ${k} precision`)
    closeAll(ours.recall, curve.recall, `${name} class ${k} recall`)
    if (curve.averagePrecision !== null) close(ours.averagePrecision, curve.averagePrecision, `${name} class ${k} AP`)
  })
}

describe('metrics on hand-checked predictions', () => {
  // true 0 0 0 1 1 2, predicted 0 1 0 1 2 2: confusion [[2,1,0],[0,1,1],[0,0,1]].
  const labels = ['dog', 'cat', 'bird']
  const truth = [0, 0, 0, 1, 1, 2]
  const predicted = [0, 1, 0, 1, 2, 2]

  it('counts the confusion matrix and normalises its rows', () => {
    const m = classificationMetrics(labels, truth, predicted)
    expect(m.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ])
    expect(m.confusionNormalized[0]).toEqual([2 / 3, 1 / 3, 0])
    expect(m.confusionNormalized[1]).toEqual([0, 0.5, 0.5])
    expect(m.count).toBe(6)
  })

  it('computes accuracy, balanced accuracy, per-class scores and both averages', () => {
    const m = classificationMetrics(labels, truth, predicted)
    expect(m.accuracy).toBeCloseTo(4 / 6, 12)
    expect(m.balancedAccuracy).toBeCloseTo((2 / 3 + 1 / 2 + 1) / 3, 12)
    expect(m.perClass['dog']).toEqual({ precision: 1, recall: 2 / 3, f1: 0.8, support: 3 })
    expect(m.perClass['cat']).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 })
    expect(m.perClass['bird']!.precision).toBe(0.5)
    expect(m.perClass['bird']!.recall).toBe(1)
    expect(m.perClass['bird']!.f1).toBeCloseTo(2 / 3, 12)
    expect(m.macro.precision).toBeCloseTo(2 / 3, 12)
    expect(m.macro.recall).toBeCloseTo(13 / 18, 12)
    expect(m.macro.f1).toBeCloseTo(59 / 90, 12)
    expect(m.macro.support).toBe(6)
    expect(m.weighted.precision).toBeCloseTo(0.75, 12)
    expect(m.weighted.recall).toBeCloseTo(4 / 6, 12)
    expect(m.weighted.f1).toBeCloseTo(61 / 90, 12)
  })

  it('counts a class nobody has as 0 in macro averages, and leaves it out of balanced accuracy', () => {
    const m = classificationMetrics([...labels, 'frog'], truth, predicted)
    expect(m.perClass['frog']).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 })
    expect(m.macro.f1).toBeCloseTo(59 / 90 / (4 / 3), 12)
    expect(m.balancedAccuracy).toBeCloseTo(13 / 18, 12)
    // Predicted but never true: its recall is undefined and scikit-learn drops it, as here.
    expect(balancedAccuracy([0, 0, 1], [0, 2, 1], 3)).toBeCloseTo((1 / 2 + 1) / 2, 12)
  })

  it('ranks top-k with scikit-learn’s tie rule: of equal scores, the higher class index first', () => {
    const proba = probabilitiesFromRows([
      [0.4, 0.4, 0.2], // true 0, tied with class 1, which ranks first: miss at k=1, hit at k=2
      [0.1, 0.3, 0.6], // true 1: second
      [0.2, 0.2, 0.6], // true 2: first
      [0.5, 0.25, 0.25], // true 1: tied with class 2 for second, class 2 first: third
    ])
    const t = [0, 1, 2, 1]
    expect(topKAccuracy(t, proba, 1)).toBe(1 / 4)
    expect(topKAccuracy(t, proba, 2)).toBe(3 / 4)
    expect(topKAccuracy(t, proba, 3)).toBe(1)
    const m = classificationMetrics(labels, t, [1, 2, 2, 0], proba)
    expect(m.topK).toEqual({ '1': 0.25 })
  })

  it('draws a precision-recall curve over distinct thresholds, ending at precision 1, recall 0', () => {
    // Scores of class 0: 0.9 (is 0), 0.8 (is not), 0.8 (is), 0.3 (is not).
    const proba = probabilitiesFromRows([
      [0.9, 0.1],
      [0.8, 0.2],
      [0.8, 0.2],
      [0.3, 0.7],
    ])
    const curve = precisionRecallCurve([0, 1, 0, 1], proba, 0, 'yes')
    expect(curve.thresholds).toEqual([0.3, 0.8, 0.9])
    expect(curve.precision).toEqual([0.5, 2 / 3, 1, 1])
    expect(curve.recall).toEqual([1, 1, 0.5, 0])
    expect(curve.averagePrecision).toBeCloseTo(0.5 * (2 / 3) + 0.5, 12)
    expect(curve.label).toBe('yes')
  })

  it('refuses labels outside the classes and mismatched lengths', () => {
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/not one of the 3 classes/)
    expect(() => confusionMatrix([0, 1], [0], 3)).toThrow(/2 true labels for 1/)
    expect(() => topKAccuracy([0], { values: [0.5], nClasses: 2 }, 1)).toThrow(/1 probabilities/)
  })
})

describe('likely label errors (confident learning)', () => {
  it('uses the mean self-confidence of each class as its threshold', () => {
    const proba = probabilitiesFromRows([
      [0.9, 0.1],
      [0.7, 0.3],
      [0.2, 0.8],
      [0.4, 0.6],
    ])
    expect(Array.from(perClassThresholds([0, 0, 1, 1], proba))).toEqual([0.8, 0.7])
  })

  it('flags clips confidently predicted as another class, least self-confident first', () => {
    // Class 0 threshold (0.9+0.8+0.1+0.3)/4 = 0.525; class 1 threshold (0.9+0.8+0.6)/3 ≈ 0.767.
    const given = [0, 0, 0, 0, 1, 1, 1]
    const proba = probabilitiesFromRows([
      [0.9, 0.1],
      [0.8, 0.2],
      [0.1, 0.9], // labelled 0, confidently 1: an issue
      [0.3, 0.7], // labelled 0, 1 at 0.7 is below class 1's threshold: not confident, not an issue
      [0.1, 0.9],
      [0.2, 0.8],
      [0.4, 0.6], // labelled 1, class 0 at 0.4 is below its threshold: not an issue
    ])
    const issues = findLabelIssues(given, proba)
    expect(issues).toEqual([{ index: 2, given: 0, suggested: 1, selfConfidence: 0.1, suggestedConfidence: 0.9 }])
  })

  it('finds flipped labels on noisy synthetic predictions', () => {
    // 300 clips of 3 classes, a model right with probability ~0.8; 15 labels flipped after the fact.
    const random = mulberry32(11)
    const n = 300
    const truth = Array.from({ length: n }, (_, i) => i % 3)
    const flipped = new Set(Array.from({ length: 15 }, (_, i) => i * 20 + 1))
    // The model is sure of the true class of most clips (0.7-0.9), surer still of the flipped ones
    // (0.95), and unsure (0.45) of every tenth clip, which must not be flagged either way.
    const rows = truth.map((t, i) => {
      const sure = flipped.has(i) ? 0.95 : i % 10 === 5 ? 0.45 : 0.7 + 0.2 * random()
      const rest = (1 - sure) / 2
      return [0, 1, 2].map((k) => (k === t ? sure : rest))
    })
    const given = truth.map((t, i) => (flipped.has(i) ? (t + 1) % 3 : t))
    const issues = findLabelIssues(given, probabilitiesFromRows(rows))
    expect(new Set(issues.map((i) => i.index))).toEqual(flipped)
    for (const issue of issues) expect(issue.suggested).toBe(truth[issue.index])
  })
})

describe('uncertainty ranking', () => {
  const proba = probabilitiesFromRows([
    [0.9, 0.05, 0.05], // sure
    [0.5, 0.45, 0.05], // torn between two: least margin
    [0.34, 0.33, 0.33], // torn between three: highest entropy
    [0.6, 0.3, 0.1],
  ])

  it('computes margin and entropy', () => {
    const [sure] = uncertainties(proba)
    expect(sure!.margin).toBeCloseTo(0.85, 12)
    expect(sure!.entropy).toBeCloseTo(-(0.9 * Math.log(0.9) + 2 * 0.05 * Math.log(0.05)), 12)
  })

  it('ranks by least margin and by entropy', () => {
    expect(rankByUncertainty(proba, 'margin').map((u) => u.index)).toEqual([2, 1, 3, 0])
    expect(rankByUncertainty(proba, 'entropy').map((u) => u.index)).toEqual([2, 3, 1, 0])
  })
})

describe('agreement with scikit-learn', () => {
  it('matches the committed fixture of scikit-learn 1.2 outputs to 1e-9', () => {
    const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { case: Case; expected: Expected }[]
    expect(fixture.length).toBeGreaterThanOrEqual(5)
    fixture.forEach(({ case: c, expected }, i) => agree(c, expected, `fixture case ${i}`))
  })

  it.skipIf(!hasSklearn)(
    'matches scikit-learn run now on freshly generated predictions',
    () => {
      const cases = generateCases(20260, 12)
      const run = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(cases), encoding: 'utf8' })
      if (run.status !== 0) throw new Error(`scikit-learn failed: ${run.stderr}`)
      const expected = JSON.parse(run.stdout) as Expected[]
      expect(expected).toHaveLength(cases.length)
      cases.forEach((c, i) => agree(c, expected[i]!, `generated case ${i}`))
      // Python and scikit-learn start slowly on two shared cores.
    },
    120_000,
  )
})

/** Seeded random cases: 2 to 12 classes, skewed class frequencies, some classes never true or never predicted, tied scores. */
function generateCases(seed: number, count: number): Case[] {
  const random = mulberry32(seed)
  return Array.from({ length: count }, (_, i) => {
    const nClasses = 2 + Math.floor(random() * 11)
    const rows = 5 + Math.floor(random() * 200)
    const weights = Array.from({ length: nClasses }, (_, k) => (k === nClasses - 1 && i % 3 === 0 ? 0 : 0.2 + random()))
    const total = weights.reduce((a, b) => a + b, 0)
    const draw = (): number => {
      let u = random() * total
      for (let k = 0; k < nClasses; k++) if ((u -= weights[k]!) < 0) return k
      return 0
    }
    const truth = Array.from({ length: rows }, draw)
    const decimals = i % 2 === 0 ? 1 : 6
    const proba = truth.map((t) => {
      const raw = Array.from({ length: nClasses }, (_, k) => Math.exp(2 * random() + (k === t ? 1.5 * random() : 0)))
      const sum = raw.reduce((a, b) => a + b, 0)
      return raw.map((v) => Math.round((v / sum) * 10 ** decimals) / 10 ** decimals)
    })
    // Predicted: mostly the most probable class, sometimes another, so precision and recall differ.
    const predicted = proba.map((row) => {
      if (random() < 0.15) return Math.floor(random() * nClasses)
      let best = 0
      for (let k = 1; k < nClasses; k++) if (row[k]! > row[best]!) best = k
      return best
    })
    return { nClasses, truth, predicted, proba }
  })
}
