/*
 * Per-class thresholds of a model trained on regions, chosen on its validation windows: for each
 * class, the score cut that gives the best F1 of "score ≥ threshold" against the windows that
 * count for the class. Detection then reports a class where a window's score reaches its threshold.
 */

/** The threshold of a class without positive validation windows, or without validation at all. */
export const DEFAULT_THRESHOLD = 0.5

/**
 * The best-F1 threshold of one class from its windows' scores and whether each counts for it. The
 * threshold sits halfway between the lowest score kept and the highest score left out, so that
 * a window scoring a little under a kept one is not lost to a cut at its exact score; on a tie of F1
 * the higher cut wins (fewer false alarms). 0.5 when no window counts for the class.
 */
export function bestF1Threshold(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const n = scores.length
  let positives = 0
  for (let i = 0; i < n; i++) if (positive[i]) positives++
  if (positives === 0) return DEFAULT_THRESHOLD
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number))
  let hits = 0
  let bestF1 = -1
  let best = DEFAULT_THRESHOLD
  for (let r = 0; r < n; r++) {
    const i = order[r] as number
    if (positive[i]) hits++
    const score = scores[i] as number
    const next = r + 1 < n ? (scores[order[r + 1] as number] as number) : null
    // Only cut between different scores: windows of one score are all kept or all left out.
    if (next !== null && next === score) continue
    const f1 = (2 * hits) / (r + 1 + positives)
    if (f1 > bestF1) {
      bestF1 = f1
      best = next === null ? score / 2 : (score + next) / 2
    }
  }
  return best
}

/**
 * Thresholds of every class from validation scores: `scores` row-major [windows × outputs] in the
 * order of `outputs`, `truth` the classes each window counts for. Classes listed in `skip` (the
 * background class of a softmax model) get none.
 */
export function classThresholds(
  outputs: readonly string[],
  scores: ArrayLike<number>,
  truth: readonly (readonly string[])[],
  skip: readonly string[] = [],
): Record<string, number> {
  const k = outputs.length
  const thresholds: Record<string, number> = {}
  outputs.forEach((label, c) => {
    if (skip.includes(label)) return
    const column = Float64Array.from(truth, (_, i) => scores[i * k + c] as number)
    thresholds[label] = bestF1Threshold(
      column,
      truth.map((labels) => labels.includes(label)),
    )
  })
  return thresholds
}
