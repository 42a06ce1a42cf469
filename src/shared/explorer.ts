/**
 * The feature and embedding explorer: a 2-D map of the project's clips by their summary
 * features, to see which classes the features keep apart and which clips sit among another class.
 */

/** How the features are brought down to two dimensions. */
export const mapMethods = ['umap', 'pca'] as const
/** A projection method. */
export type MapMethod = (typeof mapMethods)[number]

/** One clip on the map. */
export interface MapPoint {
  clipId: number
  path: string
  x: number
  y: number
  /** The clip's class now (null: unlabeled; several classes are joined with " + "). */
  label: string | null
  /** The chosen run's most probable class for it (null without a run, or when it could not predict). */
  predicted: string | null
}

/** What a `explorer:map` job answers. */
export interface ClipMap {
  method: MapMethod
  seed: number
  /** The run whose features (and predictions) the map uses; null: the default summary features. */
  runId: number | null
  /** The embedding space the clips were laid out by; null: the default summary features. */
  space: number | null
  /** Feature columns (or embedding dimensions) the map was computed from. */
  features: number
  points: MapPoint[]
  /** Clips whose features could not be computed, with why. */
  failed: { clipId: number; path: string; reason: string }[]
  seconds: number
}
