import type { Database } from 'better-sqlite3'
import type { DetectionReview, ScoredEvent } from '@shared/detection'
import type { RunSplit } from '@shared/evaluation'

/*
 * What event metrics read: the labeled regions of a run's clips on a split (the reference events),
 * the run's stored detections in them (the estimated events), and the run's reviewed detections.
 * A clip counts as annotated for events when it has at least one labeled region: a clip without
 * any says nothing of where its events are, so its detections cannot be scored. Regions without a
 * class are not events of any class and are left out.
 */

/** A run's clip on a split that has labeled regions, with its length. */
export interface AnnotatedClip {
  clipId: number
  /** Seconds. */
  duration: number
}

/** The run's clips on a split that have at least one labeled region, in clip order. */
export function annotatedRunClips(db: Database, runId: number, split: RunSplit): AnnotatedClip[] {
  return db
    .prepare(
      `SELECT c.id AS clipId, c.duration
       FROM run_clips rc JOIN clips c ON c.id = rc.clip_id
       WHERE rc.run_id = ? AND rc.split = ?
         AND EXISTS (SELECT 1 FROM region_labels r WHERE r.clip_id = c.id AND r.class_id IS NOT NULL)
       ORDER BY c.id`,
    )
    .all(runId, split) as AnnotatedClip[]
}

/** How many of a run's clips on a split there are, annotated or not. */
export function runSplitClipCount(db: Database, runId: number, split: RunSplit): number {
  return db.prepare('SELECT COUNT(*) FROM run_clips WHERE run_id = ? AND split = ?').pluck().get(runId, split) as number
}

/** The labeled regions of some clips as events (source: the clip's id; label: the class's name). */
export function regionEvents(db: Database, clipIds: readonly number[]): ScoredEvent[] {
  const query = db.prepare(
    `SELECT r.clip_id AS source, k.name AS label, r.start, r."end" AS "end"
     FROM region_labels r JOIN classes k ON k.id = r.class_id
     WHERE r.clip_id = ? ORDER BY r.start, r.id`,
  )
  return clipIds.flatMap((id) => query.all(id) as ScoredEvent[])
}

/** A run's stored detections in some clips as events, with their scores. */
export function detectionEvents(db: Database, runId: number, clipIds: readonly number[]): ScoredEvent[] {
  const query = db.prepare(
    `SELECT clip_id AS source, label, start, "end", score
     FROM detections WHERE run_id = ? AND clip_id = ? ORDER BY start, id`,
  )
  return clipIds.flatMap((id) => query.all(runId, id) as ScoredEvent[])
}

/** A detection's class, score and review, as thresholds read them. */
export interface DetectionScoreRow {
  label: string
  score: number
  review: DetectionReview | null
  reviewedLabel: string | null
}

/** Every detection of a run, reviewed or not, with its review. */
export function runDetectionScores(db: Database, runId: number): DetectionScoreRow[] {
  return db
    .prepare(
      `SELECT label, score, review, reviewed_label AS reviewedLabel FROM detections WHERE run_id = ? ORDER BY id`,
    )
    .all(runId) as DetectionScoreRow[]
}
