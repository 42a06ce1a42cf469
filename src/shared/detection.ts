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
  reviewed: number
  accepted: number
  /** Increasing scores, and the precision of the reviewed detections scoring at least each. */
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

/** Event-based counts and scores of one class, or over all (micro) or averaged over classes (macro). */
export interface EventScores {
  precision: number
  recall: number
  f1: number
  /** Reference events, estimated events, and matched pairs. */
  reference: number
  estimated: number
  truePositives: number
}

/** The error rate split as sed_eval splits it. */
export interface ErrorRate {
  errorRate: number
  substitutions: number
  deletions: number
  insertions: number
}

/** Event metrics of detections against labeled regions (sed_eval's conventions). */
export interface EventMetricsReport {
  /** Onset collar, seconds; offsets match within max(collar, half the reference event's length). */
  collar: number
  /** Event-based, onset and offset. */
  event: {
    perClass: Record<string, EventScores>
    micro: EventScores
    macro: EventScores
    errorRate: ErrorRate
  }
  /** Segment-based on a grid of `segment` seconds. */
  segment: {
    length: number
    perClass: Record<string, EventScores>
    micro: EventScores
    macro: EventScores
    errorRate: ErrorRate
  }
  /** Event-based precision and recall per class as the threshold on scores rises. */
  curves: { label: string; thresholds: number[]; precision: number[]; recall: number[] }[]
}
