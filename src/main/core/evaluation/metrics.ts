import type { ClassificationMetrics, ClassScores, PrecisionRecallCurve } from '@shared/evaluation'
import { EarmarkError } from '../errors'

/*
 * Classification metrics as scikit-learn computes them, so that numbers in the studio match a
 * notebook's: classes are indices 0..nClasses-1 into the run's class names, every class counts in
 * macro averages even when absent (classification_report with labels=range(nClasses)), and a ratio
 * whose denominator is 0 is 0 (zero_division's default).
 */

/** Class probabilities of some rows, row-major: row r's class k at `values[r * nClasses + k]`. */
export interface Probabilities {
  values: ArrayLike<number>
  nClasses: number
}

/** Probabilities from an array of rows. */
export function probabilitiesFromRows(
  rows: readonly (readonly number[])[],
  nClasses = rows[0]?.length ?? 0,
): Probabilities {
  const values = new Float64Array(rows.length * nClasses)
  rows.forEach((row, r) => {
    if (row.length !== nClasses) throw invalid(`row ${r} has ${row.length} probabilities, not ${nClasses}`)
    values.set(row, r * nClasses)
  })
  return { values, nClasses }
}

/** The confusion matrix: `m[t][p]` counts rows of true class t predicted as p. */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, nClasses: number): number[][] {
  checkLabels(truth, predicted, nClasses)
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0))
  for (let i = 0; i < truth.length; i++) {
    const row = m[truth[i] as number] as number[]
    const p = predicted[i] as number
    row[p] = (row[p] as number) + 1
  }
  return m
}

/** Each row divided by its sum (confusion_matrix(normalize='true')); an empty row stays 0. */
export function normalizeRows(matrix: readonly (readonly number[])[]): number[][] {
  return matrix.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0)
    return row.map((v) => (sum === 0 ? 0 : v / sum))
  })
}

/** The share of rows predicted right (0 for no rows). */
export function accuracy(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  if (truth.length !== predicted.length)
    throw invalid(`${truth.length} true labels for ${predicted.length} predictions`)
  let right = 0
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) right++
  return truth.length === 0 ? 0 : right / truth.length
}

/** The mean recall of the classes that occur in the truth, as scikit-learn's balanced_accuracy_score. */
export function balancedAccuracy(truth: ArrayLike<number>, predicted: ArrayLike<number>, nClasses: number): number {
  const m = confusionMatrix(truth, predicted, nClasses)
  let sum = 0
  let present = 0
  m.forEach((row, k) => {
    const support = row.reduce((a, b) => a + b, 0)
    if (support === 0) return
    sum += (row[k] as number) / support
    present++
  })
  return present === 0 ? 0 : sum / present
}

/**
 * The share of rows whose true class is among the k most probable, as scikit-learn's
 * top_k_accuracy_score on multiclass scores: classes are ranked by a stable sort of the scores,
 * reversed, so of two equal scores the class with the higher index ranks first.
 */
export function topKAccuracy(truth: ArrayLike<number>, probabilities: Probabilities, k: number): number {
  const { values, nClasses } = probabilities
  if (!Number.isInteger(k) || k < 1) throw invalid(`k must be a whole number from 1, not ${k}`)
  if (values.length !== truth.length * nClasses) {
    throw invalid(`${values.length} probabilities for ${truth.length} rows of ${nClasses} classes`)
  }
  if (truth.length === 0) return 0
  let hits = 0
  for (let r = 0; r < truth.length; r++) {
    const t = truth[r] as number
    const mine = values[r * nClasses + t] as number
    // Classes ranked above the true one: higher scores, and equal scores of a higher index.
    let above = 0
    for (let c = 0; c < nClasses; c++) {
      const v = values[r * nClasses + c] as number
      if (v > mine || (v === mine && c > t)) above++
    }
    if (above < k) hits++
  }
  return hits / truth.length
}

/** Precision, recall, F1 and support of each class, in class order. */
export function perClassScores(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  nClasses: number,
): ClassScores[] {
  const m = confusionMatrix(truth, predicted, nClasses)
  return m.map((row, k) => {
    const tp = row[k] as number
    const support = row.reduce((a, b) => a + b, 0)
    const predictedCount = m.reduce((sum, r) => sum + (r[k] as number), 0)
    const precision = ratio(tp, predictedCount)
    const recall = ratio(tp, support)
    // F1 from counts (2tp / (2tp + fp + fn)), as scikit-learn computes it: exact, and 0 when tp is 0.
    const f1 = ratio(2 * tp, predictedCount + support)
    return { precision, recall, f1, support }
  })
}

/** The unweighted (macro) and support-weighted averages of per-class scores; support is the total. */
export function averageScores(scores: readonly ClassScores[]): { macro: ClassScores; weighted: ClassScores } {
  const total = scores.reduce((sum, s) => sum + s.support, 0)
  const mean = (pick: (s: ClassScores) => number, weighted: boolean): number => {
    if (weighted) return total === 0 ? 0 : scores.reduce((sum, s) => sum + pick(s) * s.support, 0) / total
    return scores.length === 0 ? 0 : scores.reduce((sum, s) => sum + pick(s), 0) / scores.length
  }
  const average = (weighted: boolean): ClassScores => ({
    precision: mean((s) => s.precision, weighted),
    recall: mean((s) => s.recall, weighted),
    f1: mean((s) => s.f1, weighted),
    support: total,
  })
  return { macro: average(false), weighted: average(true) }
}

/** The k of the top-k accuracies reported: 1, 3 and 5, where below the number of classes (and 1 always). */
export function reportedTopK(nClasses: number): number[] {
  return [1, 3, 5].filter((k) => k === 1 || k < nClasses)
}

/**
 * Every metric of one split's predictions. Without probabilities, top-k holds top-1 only (the
 * accuracy). The predicted class is given, not derived, so that a model's own tie-breaking stands.
 */
export function classificationMetrics(
  labels: readonly string[],
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  probabilities?: Probabilities,
): ClassificationMetrics {
  const nClasses = labels.length
  const confusion = confusionMatrix(truth, predicted, nClasses)
  const scores = perClassScores(truth, predicted, nClasses)
  const { macro, weighted } = averageScores(scores)
  const acc = accuracy(truth, predicted)
  const topK: Record<string, number> = { '1': acc }
  if (probabilities) {
    if (probabilities.nClasses !== nClasses)
      throw invalid(`${probabilities.nClasses} probabilities per row for ${nClasses} classes`)
    for (const k of reportedTopK(nClasses)) topK[String(k)] = topKAccuracy(truth, probabilities, k)
  }
  return {
    labels: [...labels],
    count: truth.length,
    accuracy: acc,
    balancedAccuracy: balancedAccuracy(truth, predicted, nClasses),
    topK,
    macro,
    weighted,
    perClass: Object.fromEntries(labels.map((label, k) => [label, scores[k] as ClassScores])),
    confusion,
    confusionNormalized: normalizeRows(confusion),
  }
}

/**
 * Precision and recall of "is class k" at every distinct predicted probability of k, as
 * scikit-learn's precision_recall_curve (thresholds increasing, recall decreasing, a final point
 * of precision 1 at recall 0), and the average precision, as average_precision_score. With no row
 * of class k, recall is 1 everywhere (and scikit-learn warns).
 */
export function precisionRecallCurve(
  truth: ArrayLike<number>,
  probabilities: Probabilities,
  k: number,
  label = String(k),
): PrecisionRecallCurve {
  const { values, nClasses } = probabilities
  if (values.length !== truth.length * nClasses) {
    throw invalid(`${values.length} probabilities for ${truth.length} rows of ${nClasses} classes`)
  }
  const n = truth.length
  const score = (r: number): number => values[r * nClasses + k] as number
  // Scores in decreasing order; ties keep no particular order, since a threshold takes them all.
  const order = Array.from({ length: n }, (_, r) => r).sort((a, b) => score(b) - score(a))
  const tps: number[] = []
  const fps: number[] = []
  const thresholds: number[] = []
  let tp = 0
  for (let i = 0; i < n; i++) {
    const r = order[i] as number
    if (truth[r] === k) tp++
    const next = order[i + 1]
    if (next === undefined || score(next) !== score(r)) {
      tps.push(tp)
      fps.push(i + 1 - tp)
      thresholds.push(score(r))
    }
  }
  const positives = tp
  const precision = tps.map((t, i) => ratio(t, t + (fps[i] as number)))
  const recall = tps.map((t) => (positives === 0 ? 1 : t / positives))
  precision.reverse()
  recall.reverse()
  thresholds.reverse()
  precision.push(1)
  recall.push(0)
  let ap = 0
  for (let i = 0; i + 1 < recall.length; i++)
    ap += ((recall[i] as number) - (recall[i + 1] as number)) * (precision[i] as number)
  return { label, precision, recall, thresholds, averagePrecision: ap }
}

/** One precision-recall curve per class. */
export function precisionRecallCurves(
  labels: readonly string[],
  truth: ArrayLike<number>,
  probabilities: Probabilities,
): PrecisionRecallCurve[] {
  return labels.map((label, k) => precisionRecallCurve(truth, probabilities, k, label))
}

/** n / d, or 0 when d is 0 (scikit-learn's zero_division default, without its warning). */
function ratio(n: number, d: number): number {
  return d === 0 ? 0 : n / d
}

function checkLabels(truth: ArrayLike<number>, predicted: ArrayLike<number>, nClasses: number): void {
  if (truth.length !== predicted.length)
    throw invalid(`${truth.length} true labels for ${predicted.length} predictions`)
  for (const [name, list] of [
    ['true', truth],
    ['predicted', predicted],
  ] as const) {
    for (let i = 0; i < list.length; i++) {
      const v = list[i] as number
      if (!Number.isInteger(v) || v < 0 || v >= nClasses) {
        throw invalid(`${name} class ${v} of row ${i} is not one of the ${nClasses} classes`)
      }
    }
  }
}

function invalid(message: string): EarmarkError {
  return new EarmarkError('invalid-input', message)
}
