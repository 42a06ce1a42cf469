import type { DetectionReview } from '../../src/shared/detection'
import type { Catalog } from '../../src/main/core/catalog/open'
import { finishRun, insertRun } from '../../src/main/core/catalog/runs'

type Db = Catalog['db']

/**
 * A run of a detection model over these classes, stored as a training run would store it; the
 * model, its features and its split do not matter to tests of what a run detected. `done` marks
 * it finished, as the studio lists only finished runs to detect with.
 */
export function insertDetectionRun(db: Db, labels: readonly string[], options: { done?: boolean } = {}): number {
  const runId = insertRun(db, {
    model: 'cnn',
    engine: 'test',
    params: {},
    featureConfig: {},
    featureHash: 'h',
    seed: 0,
    labels: [...labels],
    splitMethod: 'random',
    splitPolicy: 'random',
    jobId: null,
  })
  if (options.done) finishRun(db, runId, { state: 'done' })
  return runId
}

/** A detection as a test stores it: a class over a span of a clip, and the review it already has, if any. */
export interface StoredDetection {
  clipId: number
  label: string
  start: number
  end: number
  score: number
  review?: DetectionReview
  reviewedLabel?: string
}

/**
 * Stores a run's detections exactly as given, returning their ids in order. Unlike
 * replaceDetections it keeps every row (overlapping, or already reviewed), so a test can set up
 * any state of review directly.
 */
export function insertDetections(
  db: Db,
  runId: number,
  detections: readonly StoredDetection[],
  now = new Date(),
): number[] {
  const insert = db.prepare(
    `INSERT INTO detections (run_id, clip_id, label, start, "end", score, review, reviewed_label, detected_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  return detections.map((d) =>
    Number(
      insert.run(
        runId,
        d.clipId,
        d.label,
        d.start,
        d.end,
        d.score,
        d.review ?? null,
        d.reviewedLabel ?? null,
        now.toISOString(),
      ).lastInsertRowid,
    ),
  )
}
