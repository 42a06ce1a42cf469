import { EarmarkError } from '../errors'
import type { Probabilities } from './metrics'

/*
 * Likely label errors in the manner of confident learning (Northcutt, Jiang and Chuang 2021;
 * cleanlab's find_label_issues with filter_by='confident_learning'). The probabilities must be
 * out-of-sample (test or out-of-fold predictions): a model is confident about the labels it was
 * fitted to, wrong or not.
 */

/** A clip whose label the model confidently disagrees with. */
export interface LabelIssue {
  /** Row index into the inputs. */
  index: number
  /** The class it is labelled with. */
  given: number
  /** The class the model confidently puts it in. */
  suggested: number
  /** The probability of the given class: the lower, the likelier the label is wrong. */
  selfConfidence: number
  /** The probability of the suggested class. */
  suggestedConfidence: number
}

/**
 * Each class's threshold: the mean probability of that class over the rows labelled with it (its
 * average self-confidence). A class no row carries gets threshold Infinity: nothing is confidently it.
 */
export function perClassThresholds(given: ArrayLike<number>, probabilities: Probabilities): Float64Array {
  const { values, nClasses } = check(given, probabilities)
  const sums = new Float64Array(nClasses)
  const counts = new Int32Array(nClasses)
  for (let r = 0; r < given.length; r++) {
    const k = given[r] as number
    sums[k] = (sums[k] as number) + (values[r * nClasses + k] as number)
    counts[k] = (counts[k] as number) + 1
  }
  return Float64Array.from(sums, (sum, k) => ((counts[k] as number) > 0 ? sum / (counts[k] as number) : Infinity))
}

/**
 * The rows that are confidently of another class than their label: among the classes whose
 * probability reaches that class's threshold, the most probable is not the given one. Rows where
 * no class reaches its threshold, or where the given class is the most probable of those that do,
 * are not issues. Sorted with the least self-confident first, the order cleanlab ranks them in.
 */
export function findLabelIssues(given: ArrayLike<number>, probabilities: Probabilities): LabelIssue[] {
  const { values, nClasses } = check(given, probabilities)
  const thresholds = perClassThresholds(given, probabilities)
  const issues: LabelIssue[] = []
  for (let r = 0; r < given.length; r++) {
    let best = -1
    let bestValue = -Infinity
    for (let k = 0; k < nClasses; k++) {
      const v = values[r * nClasses + k] as number
      // cleanlab allows for rounding with a margin of 1e-6 below the threshold.
      if (v >= (thresholds[k] as number) - 1e-6 && v > bestValue) {
        best = k
        bestValue = v
      }
    }
    const label = given[r] as number
    if (best < 0 || best === label) continue
    issues.push({
      index: r,
      given: label,
      suggested: best,
      selfConfidence: values[r * nClasses + label] as number,
      suggestedConfidence: bestValue,
    })
  }
  return issues.sort((a, b) => a.selfConfidence - b.selfConfidence || a.index - b.index)
}

function check(given: ArrayLike<number>, probabilities: Probabilities): Probabilities {
  const { values, nClasses } = probabilities
  if (values.length !== given.length * nClasses) {
    throw new EarmarkError(
      'invalid-input',
      `${values.length} probabilities for ${given.length} rows of ${nClasses} classes`,
    )
  }
  for (let r = 0; r < given.length; r++) {
    const k = given[r] as number
    if (!Number.isInteger(k) || k < 0 || k >= nClasses) {
      throw new EarmarkError('invalid-input', `row ${r}'s label ${k} is not one of the ${nClasses} classes`)
    }
  }
  return probabilities
}
