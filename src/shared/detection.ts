/**
 * Sound-event detection as the API carries it: a model slid over recordings gives scored events
 * (detections), people review them, and event metrics score them against labeled regions the way
 * sed_eval does. Class names stand for classes, as in a run's records.
 */

/** How a recording is cut into the windows a model scores. */
export interface WindowSettings {
  /** Window length, seconds. */
  seconds: number
  /** Step between window starts, seconds. */
  hop: number
}

/** Where a run's examples come from: whole clips with their labels, or windows of labeled regions. */
export const trainingSources = ['clips', 'regions'] as const
/** Where a run's examples come from. */
export type TrainingSource = (typeof trainingSources)[number]

/** How a run trained on regions cut its examples, as the run records it. */
export interface RegionWindowing extends WindowSettings {
  /** A window counts for a class when a region covers at least this share of the shorter of the two. */
  minOverlap: number
  /** The background class's name when windows without a region were trained as one (single-label), else null. */
  background: string | null
  /** Windows per split and class at training time. */
  windows: Record<string, Record<string, number>>
}

/** One detected event: a class over a span of one recording, with the model's score. */
export interface Detection {
  id: number
  runId: number
  clipId: number
  label: string
  /** Seconds from the recording's start. */
  start: number
  end: number
  /** The highest window score of the class inside the event, 0-1. */
  score: number
  /** What a person said of it; null while unreviewed. */
  review: DetectionReview | null
  /** The class a relabel gave it. */
  reviewedLabel: string | null
  /** The region an accept or relabel created. */
  regionId: number | null
}

/** What a person said of a detection. */
export const detectionReviews = ['accepted', 'rejected', 'relabeled'] as const
/** What a person said of a detection. */
export type DetectionReview = (typeof detectionReviews)[number]

/** How the review queue orders detections. */
export const reviewOrders = ['score', 'bins'] as const
/** `score`: highest first; `bins`: an even sample across score bins, to set thresholds from. */
export type ReviewOrder = (typeof reviewOrders)[number]

/** A detection in the review queue, with what playing it needs. */
export interface ReviewItem extends Detection {
  path: string
  clipName: string
  clipDuration: number
}

/** A page of the review queue. */
export interface ReviewPage {
  items: ReviewItem[]
  total: number
  reviewed: number
}

/** Per class, from reviewed detections: precision above each score, and the threshold suggested. */
export interface ThresholdSuggestion {
  label: string
  /** The class's detections in the run, reviewed or not. */
  detections: number
  reviewed: number
  /** Reviewed detections a person confirmed (accepted, or relabeled to their own class). */
  accepted: number
  /**
   * Increasing scores, and the precision of the class's detections scoring at least each, as the
   * reviewed ones estimate it: each reviewed detection stands for the unreviewed ones of its score
   * bin (a twentieth of 0-1), so a sample drawn evenly across bins counts as the detections are spread.
   */
  scores: number[]
  precision: number[]
  /** The lowest score whose precision reaches `targetPrecision`; null when none does. */
  threshold: number | null
  targetPrecision: number
}

/** What a detection job answers. */
export interface DetectSummary {
  runId: number
  clips: number
  detections: number
  /** Seconds of audio scanned and seconds taken. */
  audioSeconds: number
  seconds: number
  failed: { clipId: number; path: string; reason: string }[]
}

/** An event as event metrics read it. */
export interface ScoredEvent {
  /** The recording it is in (a clip id or a path). */
  source: string | number
  label: string
  start: number
  end: number
  score?: number
}

/**
 * Counts and scores of one class, or over all classes (micro: pooled counts) or averaged over
 * classes (macro: the mean of the classes' scores, counts summed). A score is null where sed_eval's
 * is NaN: precision without estimated events, recall and error rate without reference events;
 * macro averages skip nulls (numpy.nanmean) and are null only when every class's is.
 */
export interface EventScores {
  precision: number | null
  recall: number | null
  f1: number | null
  /** Per class, (deletions + insertions) / reference; micro, the overall error rate; macro, the mean over classes. */
  errorRate: number | null
  /** Reference events (or active segments), estimated ones, and matched pairs. */
  reference: number
  estimated: number
  truePositives: number
}

/** The overall error rate split as sed_eval splits it: each part is a count over the reference count. */
export interface ErrorRate {
  /** (S + D + I) / N. */
  errorRate: number
  /** S / N, D / N and I / N. */
  substitutions: number
  deletions: number
  insertions: number
  /** S, D, I and N themselves. */
  counts: { substitutions: number; deletions: number; insertions: number; reference: number }
}

/** Event metrics of detections against labeled regions (sed_eval's conventions). */
export interface EventMetricsReport {
  /** Onset collar, seconds; offsets match within max(collar, offsetShare × the reference event's length). */
  collar: number
  offsetShare: number
  /** Recordings (clips) evaluated. */
  clips: number
  /** The clips evaluated, by id, when the recordings are a run's clips. */
  clipIds?: number[]
  /** Event-based, onset and offset. */
  event: {
    perClass: Record<string, EventScores>
    micro: EventScores
    macro: EventScores
    errorRate: ErrorRate
  }
  /** Segment-based on a grid of `length` seconds. */
  segment: {
    length: number
    perClass: Record<string, EventScores>
    micro: EventScores
    macro: EventScores
    errorRate: ErrorRate
  }
  /**
   * Event-based precision and recall per class as the threshold on scores rises (increasing
   * thresholds; each keeps the estimated events scoring at least it). Classes whose estimated
   * events carry no scores, or without reference events, have no curve.
   */
  curves: { label: string; thresholds: number[]; precision: number[]; recall: number[] }[]
}

/**
 * What a saved model says of its outputs, for detection: a softmax (with the background class of a
 * model trained on regions, if any) or one sigmoid per class, the score each class must reach (chosen
 * on validation windows, best F1), and how it cut windows when it trained on regions. A model trained
 * on clips has a softmax, no background, thresholds of 0.5 and no windowing (its windows are its
 * recipe's length, hop a quarter of it).
 */
export interface ModelOutputs {
  output: 'softmax' | 'sigmoid'
  background: string | null
  thresholds: Record<string, number>
  windowing: RegionWindowing | null
}
