/**
 * Embeddings: a base model's vector for each window of each clip, stored once in the project, then
 * searched by example and used to train small heads without running the base again.
 */

/** A base and window setting whose vectors the project stores. */
export interface EmbeddingSpaceInfo {
  id: number
  /** 'earmark' (a deep run or export), 'tfjs-layers', 'tfjs-graph' or 'onnx'. */
  baseKind: string
  /** Where the base was read from when the space was made. */
  basePath: string
  sampleRate: number
  /** Window length and hop, seconds. */
  window: number
  hop: number
  dims: number
  /** Vectors stored. */
  count: number
}

/** What an embed job did (the job's result; `earmark embed --json` ends with it). */
export interface EmbedSummary {
  space: EmbeddingSpaceInfo
  /** Vectors the space holds for the present clips' recordings (computed here or earlier; a recording present twice counts once). */
  embeddings: number
  dims: number
  /** Windows computed by this job; recordings whose content was already embedded are reused. */
  computed: number
  reusedClips: number
  clips: number
  /** Clips whose audio could not be read, with why. */
  failed: { clipId: number; path: string; reason: string }[]
  seconds: number
}

/** One search result: a window of a clip, its cosine similarity to the query, and the clip's label. */
export interface SearchResult {
  clipId: number
  path: string
  /** The clip's length, seconds (a result spanning all of it stands for the whole clip). */
  clipDuration: number
  start: number
  end: number
  /** Cosine similarity, 1 for the same direction. */
  score: number
  /** The clip's classes joined by `;`, or null when unlabeled. */
  label: string | null
  /** Classes of labeled regions over the window (covering half of it, or of the region) joined by `;`, or null. */
  spanLabel: string | null
  /** The window is marked as none of the project's classes (background for heads). */
  negative: boolean
}

/** How a search was answered. */
export const searchMethods = ['index', 'exact'] as const
/** `index`: the kept vector index; `exact`: every stored vector compared (the reference). */
export type SearchMethod = (typeof searchMethods)[number]

/** What `embeddings:search` answers (`earmark search --json` prints it). */
export interface SearchAnswer {
  space: EmbeddingSpaceInfo
  results: SearchResult[]
  method: SearchMethod
  seconds: number
}

/** A window marked (or unmarked) as none of the classes, as `embeddings:negative` answers. */
export interface NegativeMark {
  clipId: number
  start: number
  end: number
  negative: boolean
}

/** What a few-shot head on stored embeddings did (`earmark head --json` prints it). */
export interface HeadAnswer {
  space: EmbeddingSpaceInfo
  classes: string[]
  /**
   * Windows trained on as labeled (labeled clips outside the test split, windows under labeled
   * regions, windows marked as none of the classes), and unlabeled ones used as weak negatives.
   */
  trainRows: number
  weakNegatives: number
  /** Labeled test-split clips, and the share the head classified right (null without any). */
  testClips: number
  testAccuracy: number | null
  /** Seconds the head took to train on the stored vectors. */
  trainSeconds: number
  /**
   * Unlabeled windows the head is least sure of (margin sampling: 0 when some class's score is
   * exactly 0.5), smallest margin first.
   */
  next: {
    clipId: number
    path: string
    clipDuration: number
    start: number
    end: number
    predicted: string
    margin: number
  }[]
}
