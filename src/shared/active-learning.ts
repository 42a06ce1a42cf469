/**
 * Active learning: a run's predictions of the project's unlabeled clips, most uncertain
 * first, so that the next hand labels are the most useful ones.
 */

/** How unlabeled clips are ordered: least margin between the two likeliest classes, or highest entropy. */
export const uncertaintyOrders = ['margin', 'entropy'] as const
/** An order of `runs:unlabeled`. */
export type UncertaintyOrder = (typeof uncertaintyOrders)[number]

/** One unlabeled clip as a run predicts it. */
export interface UnlabeledPrediction {
  clipId: number
  path: string
  /** The most probable class. */
  predicted: string
  /** The most probable classes, most probable first (at most 5). */
  top: { label: string; probability: number }[]
  /** Most probable minus second most probable. */
  margin: number
  /** Shannon entropy of the probabilities, in nats. */
  entropy: number
}

/** A page of a run's stored predictions of clips that are still unlabeled. */
export interface UnlabeledPage {
  rows: UnlabeledPrediction[]
  /** Clips still unlabeled that the run predicted. */
  total: number
  /** When the run last predicted the unlabeled clips (null: never). */
  predictedAt: string | null
}

/** What a `runs:predictUnlabeled` job answers. */
export interface UnlabeledSummary {
  runId: number
  /** Clips predicted and stored. */
  predicted: number
  /** Clips that could not be read, with why. */
  failed: { clipId: number; path: string; reason: string }[]
  seconds: number
}
