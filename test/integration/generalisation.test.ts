// The held-out-group measure on a slice of fsdd-dev (the first 10 takes of each digit and speaker):
// every fold tests one speaker and trains on the others only, its figures come from that
// speaker's clips alone, the mean is the mean of the folds, and a learner that recognises clips
// it has heard scores far lower across speakers than within them, as it must if no fold leaks.
import { beforeAll, describe, expect, it } from 'vitest'
import {
  crossValidateGroups,
  leaveOneGroupOut,
  scoreSplit,
  validationRows,
  type FoldRows,
  type GroupedLabels,
  type Learner,
} from '../../src/main/core/evaluation/held-out-groups'
import { loadSummaryFeatures } from '../../src/main/core/runs'
import { deepLearner, defaultRecipeFor, loadDeepLearnerInputs } from '../../src/main/core/runs/held-out-learners'
import { fsddFiles } from '../helpers/fsdd'

const files = fsddFiles().filter((f) => f.take < 10)
const data: GroupedLabels = {
  labels: Int32Array.from(files, (f) => Number(f.digit)),
  groups: files.map((f) => f.speaker),
  classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
}
const facts = { sampleRate: 8000, seconds: 1 }

/** Summary vectors of the slice, standardised per column, for a nearest-neighbour learner. */
let summary: { x: Float64Array; width: number }
beforeAll(async () => {
  const m = await loadSummaryFeatures({ files: files.map((f) => f.path) }, defaultRecipeFor('rf', facts), {
    workers: 0,
  })
  const width = m.names.length
  const rows = m.x.length / width
  for (let f = 0; f < width; f++) {
    let [sum, sq] = [0, 0]
    for (let r = 0; r < rows; r++) [sum, sq] = [sum + m.x[r * width + f]!, sq + m.x[r * width + f]! ** 2]
    const [mean, std] = [sum / rows, Math.sqrt(Math.max(sq / rows - (sum / rows) ** 2, 0)) || 1]
    for (let r = 0; r < rows; r++) m.x[r * width + f] = (m.x[r * width + f]! - mean) / std
  }
  summary = { x: m.x, width }
})

/**
 * One nearest neighbour over the rows it is given: it recognises a speaker's other takes of a
 * digit well, and other speakers' digits badly, so its figure shows whether folds leak.
 */
const nearestNeighbour: Learner = async ({ train, validation, test }) => {
  const seen = [...train, ...validation]
  const { x, width } = summary
  const distance = (a: number, b: number): number => {
    let d = 0
    for (let f = 0; f < width; f++) d += (x[a * width + f]! - x[b * width + f]!) ** 2
    return d
  }
  return {
    predicted: Int32Array.from(test, (t) => {
      let best = seen[0]!
      for (const s of seen) if (distance(t, s) < distance(t, best)) best = s
      return data.labels[best]!
    }),
  }
}

describe('leave-one-speaker-out on fsdd-dev', () => {
  it('folds test one speaker each, in name order, and train on the others only', () => {
    const folds = leaveOneGroupOut(data.groups)
    expect(folds.map((f) => f.group)).toEqual(['george', 'jackson', 'lucas'])
    for (const fold of folds) {
      expect(new Set(fold.test.map((i) => data.groups[i]))).toEqual(new Set([fold.group]))
      expect(fold.train.some((i) => data.groups[i] === fold.group)).toBe(false)
      expect(fold.train.length + fold.test.length).toBe(files.length)
    }
    const drawn = validationRows(folds[0]!.train, data, 0.1, 1)
    expect(drawn.validation.length).toBe(20)
    expect([...drawn.train, ...drawn.validation].sort((a, b) => a - b)).toEqual(folds[0]!.train)
    expect(() => leaveOneGroupOut(['a', 'a'])).toThrow(/at least 2 groups/)
  })

  it('scores each fold on its held-out speaker alone, and reports the mean of the folds', async () => {
    const seen: { rows: FoldRows; predicted: Int32Array }[] = []
    const recording: Learner = async (rows) => {
      const out = await nearestNeighbour(rows)
      seen.push({ rows, predicted: out.predicted })
      return out
    }
    const cv = await crossValidateGroups(data, recording)
    expect(cv.folds.map((f) => f.tested)).toEqual([['george'], ['jackson'], ['lucas']])
    cv.folds.forEach((fold, k) => {
      const { rows, predicted } = seen[k]!
      const speaker = fold.tested[0]!
      expect(rows.test.every((i) => data.groups[i] === speaker)).toBe(true)
      expect(rows.test.length).toBe(100)
      expect([...rows.train, ...rows.validation].some((i) => data.groups[i] === speaker)).toBe(false)
      expect(fold.trained).not.toContain(speaker)
      const hits = rows.test.filter((i, j) => predicted[j] === data.labels[i]).length
      expect(fold.accuracy).toBeCloseTo(hits / rows.test.length, 12)
    })
    const mean = (cv.folds[0]!.accuracy + cv.folds[1]!.accuracy + cv.folds[2]!.accuracy) / 3
    expect(cv.mean.accuracy).toBeCloseTo(mean, 12)
    expect(cv.mean.macroF1).toBeCloseTo(cv.folds.reduce((s, f) => s + f.macroF1, 0) / 3, 12)

    // Within speakers the same learner does far better: a fold that let its speaker's clips into
    // training would score near this, not near the cross-speaker figure.
    const own = await scoreSplit(data, nearestNeighbour, {
      train: files.flatMap((f, i) => (f.take >= 5 ? [i] : [])),
      test: files.flatMap((f, i) => (f.take < 5 ? [i] : [])),
    })
    expect(own.tested).toEqual(['george', 'jackson', 'lucas'])
    expect(own.accuracy).toBeGreaterThan(cv.mean.accuracy + 0.25)
  })

  it(
    "trains a deep model through Earmark's own path on each fold, with an augmented copy of each training clip",
    { timeout: 120_000 },
    async () => {
      const inputs = await loadDeepLearnerInputs(
        files.map((f) => f.path),
        defaultRecipeFor('cnn', facts),
        { workers: 0 },
      )
      const cv = await crossValidateGroups(
        data,
        deepLearner({ model: 'cnn', params: { epochs: 2, filters: [8, 16], augmentCopies: 1 } }, inputs, data),
      )
      for (const fold of cv.folds) {
        expect(fold.epochs).toBe(2)
        expect(fold.rows).toEqual({ train: 180, validation: 20, test: 100 })
        expect(fold.accuracy).toBeGreaterThanOrEqual(0)
        expect(fold.accuracy).toBeLessThanOrEqual(1)
      }
    },
  )
})
