/*
 * Per-class thresholds from reviewed detections. A reviewed detection is correct when a person
 * accepted it or relabeled it to its own class, and wrong when they rejected it or relabeled it to
 * another class. Precision at a score s is that of the class's detections scoring at least s.
 *
 * Reviews are a sample: the review queue may take them evenly across score bins, which gives the
 * few high-scoring detections as many reviews as the many low-scoring ones. So each reviewed
 * detection is weighted by how many detections of its class it stands for in its score bin (all of
 * them / the reviewed ones); when every detection is reviewed the weights are 1 and the precision
 * is the plain share of correct ones.
 */
import type { DetectionReview, ThresholdSuggestion } from '@shared/detection'
import { EarmarkError } from '../errors'

/** Score bins the weighting uses: a twentieth of 0-1 each. */
export const thresholdBins = 20

/** A detection as thresholds read it: its class, score, and what a person said of it (if anything). */
export interface ReviewedScore {
  label: string
  score: number
  review: DetectionReview | null
  reviewedLabel: string | null
}

/** Whether a reviewed detection was right about its class. */
export function confirmed(d: ReviewedScore): boolean {
  return d.review === 'accepted' || (d.review === 'relabeled' && d.reviewedLabel === d.label)
}

/**
 * Per class (sorted by name), the precision at each reviewed score and the lowest score whose
 * precision reaches `targetPrecision`. `detections` are all of a run's detections, reviewed or not.
 */
export function suggestThresholds(detections: readonly ReviewedScore[], targetPrecision = 0.9): ThresholdSuggestion[] {
  if (!(targetPrecision > 0 && targetPrecision <= 1))
    throw new EarmarkError('invalid-input', `the target precision must be in (0, 1], not ${targetPrecision}`)
  detections.forEach((d, n) => {
    if (!Number.isFinite(d.score))
      throw new EarmarkError('invalid-input', `detection ${n + 1} (${d.label}) has score ${d.score}`)
  })
  const labels = [...new Set(detections.map((d) => d.label))].sort()
  return labels.map((label) =>
    classThreshold(
      label,
      detections.filter((d) => d.label === label),
      targetPrecision,
    ),
  )
}

function classThreshold(
  label: string,
  detections: readonly ReviewedScore[],
  targetPrecision: number,
): ThresholdSuggestion {
  const bin = (score: number): number => Math.min(thresholdBins - 1, Math.max(0, Math.floor(score * thresholdBins)))
  const all = new Array<number>(thresholdBins).fill(0)
  const sampled = new Array<number>(thresholdBins).fill(0)
  for (const d of detections) {
    const b = bin(d.score)
    all[b] = (all[b] as number) + 1
    if (d.review !== null) sampled[b] = (sampled[b] as number) + 1
  }
  const reviewed = detections.filter((d) => d.review !== null).sort((a, b) => b.score - a.score)
  // Walk down the scores, accumulating weighted correct and weighted reviewed detections; ties
  // share one point, since a threshold keeps them all.
  const scores: number[] = []
  const precision: number[] = []
  let correctWeight = 0
  let totalWeight = 0
  reviewed.forEach((d, n) => {
    const b = bin(d.score)
    const weight = (all[b] as number) / (sampled[b] as number)
    totalWeight += weight
    if (confirmed(d)) correctWeight += weight
    const next = reviewed[n + 1]
    if (next === undefined || next.score !== d.score) {
      scores.push(d.score)
      precision.push(correctWeight / totalWeight)
    }
  })
  scores.reverse()
  precision.reverse()
  // Weighted sums are not exact: a precision a rounding error short of the target reaches it.
  const reaching = precision.findIndex((p) => p >= targetPrecision - 1e-12)
  return {
    label,
    detections: detections.length,
    reviewed: reviewed.length,
    accepted: reviewed.filter(confirmed).length,
    scores,
    precision,
    threshold: reaching === -1 ? null : (scores[reaching] as number),
    targetPrecision,
  }
}
