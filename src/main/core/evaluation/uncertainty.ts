import { missingCaseError } from '@shared/result'
import { EarmarkError } from '../errors'
import type { Probabilities } from './metrics'

/** How unsure a model is of a row: the two measures active learning sorts unlabeled clips by. */
export type UncertaintyMeasure = 'margin' | 'entropy'

/** One row's uncertainty. */
export interface Uncertainty {
  /** Row index into the inputs. */
  index: number
  /** The most probable class minus the second: the smaller, the less sure (1 for a single class). */
  margin: number
  /** Shannon entropy of the probabilities, in nats: the larger, the less sure. */
  entropy: number
}

/** Margin and entropy of each row's probabilities. */
export function uncertainties(probabilities: Probabilities): Uncertainty[] {
  const { values, nClasses } = probabilities
  if (nClasses < 1 || values.length % nClasses !== 0) {
    throw new EarmarkError('invalid-input', `${values.length} probabilities do not make rows of ${nClasses} classes`)
  }
  const rows = values.length / nClasses
  const out: Uncertainty[] = []
  for (let r = 0; r < rows; r++) {
    let first = -Infinity
    let second = -Infinity
    let entropy = 0
    for (let k = 0; k < nClasses; k++) {
      const p = values[r * nClasses + k] as number
      if (p > first) {
        second = first
        first = p
      } else if (p > second) {
        second = p
      }
      if (p > 0) entropy -= p * Math.log(p)
    }
    out.push({ index: r, margin: nClasses === 1 ? 1 : first - second, entropy })
  }
  return out
}

/**
 * Rows ordered most uncertain first: least margin (smallest gap between the two most probable
 * classes) or highest entropy; ties by row order, so the ranking is stable.
 */
export function rankByUncertainty(probabilities: Probabilities, measure: UncertaintyMeasure): Uncertainty[] {
  const all = uncertainties(probabilities)
  switch (measure) {
    case 'margin':
      return all.sort((a, b) => a.margin - b.margin || a.index - b.index)
    case 'entropy':
      return all.sort((a, b) => b.entropy - a.entropy || a.index - b.index)
    default:
      throw missingCaseError(measure)
  }
}
