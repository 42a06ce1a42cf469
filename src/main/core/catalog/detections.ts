import type { Database } from 'better-sqlite3'
import type { Detection, DetectionReview } from '@shared/detection'
import { EarmarkError, notFound } from '../errors'

/*
 * A run's detections per clip. A new scan of a clip by a run replaces the run's unreviewed
 * detections there; reviewed ones stay (a person's accept or reject is their work, and a
 * rejected span is background for training on regions), and a new detection of a class over a
 * span already reviewed for that class is not stored again. Reviews are written by
 * detection-reviews.ts.
 */

/** A detection to store: a class over a span of the clip, with its score. */
export interface NewDetection {
  label: string
  start: number
  end: number
  score: number
}

/** A row of the detections table, as the catalog's queries read it. */
export interface DetectionRow {
  id: number
  run_id: number
  clip_id: number
  label: string
  start: number
  end: number
  score: number
  review: DetectionReview | null
  reviewed_label: string | null
  region_id: number | null
}

const COLUMNS = `id, run_id, clip_id, label, start, "end", score, review, reviewed_label, region_id`

/** A detections row as the API gives it. */
export const toDetection = (r: DetectionRow): Detection => ({
  id: r.id,
  runId: r.run_id,
  clipId: r.clip_id,
  label: r.label,
  start: r.start,
  end: r.end,
  score: r.score,
  review: r.review,
  reviewedLabel: r.reviewed_label,
  regionId: r.region_id,
})

/**
 * Replaces a run's unreviewed detections in a clip with these, in one transaction; returns how
 * many were stored (those over a span already reviewed for their class are left out).
 */
export function replaceDetections(
  db: Database,
  runId: number,
  clipId: number,
  detections: readonly NewDetection[],
  now: Date,
): number {
  for (const d of detections) {
    if (!(Number.isFinite(d.start) && Number.isFinite(d.end) && d.end > d.start && d.start >= 0)) {
      throw new EarmarkError('invalid-input', `a detection must end after it starts, not ${d.start}-${d.end} s`)
    }
    if (!(d.score >= 0 && d.score <= 1)) throw new EarmarkError('invalid-input', `a score must be 0-1, not ${d.score}`)
  }
  const detectedAt = now.toISOString()
  return db.transaction(() => {
    db.prepare('DELETE FROM detections WHERE run_id = ? AND clip_id = ? AND review IS NULL').run(runId, clipId)
    const reviewed = db
      .prepare(
        `SELECT COALESCE(reviewed_label, label) AS label, start, "end" FROM detections
          WHERE run_id = ? AND clip_id = ? AND review IS NOT NULL`,
      )
      .all(runId, clipId) as { label: string; start: number; end: number }[]
    const insert = db.prepare(
      `INSERT INTO detections (run_id, clip_id, label, start, "end", score, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    let stored = 0
    for (const d of detections) {
      const seen = reviewed.some((r) => r.label === d.label && r.start < d.end && d.start < r.end)
      if (seen) continue
      insert.run(runId, clipId, d.label, d.start, d.end, d.score, detectedAt)
      stored++
    }
    return stored
  })()
}

/** A clip's detections (of one run, or of every run), in time order. */
export function listDetections(db: Database, clipId: number, runId?: number): Detection[] {
  const rows =
    runId === undefined
      ? db.prepare(`SELECT ${COLUMNS} FROM detections WHERE clip_id = ? ORDER BY start, "end", run_id, id`).all(clipId)
      : db
          .prepare(`SELECT ${COLUMNS} FROM detections WHERE clip_id = ? AND run_id = ? ORDER BY start, "end", id`)
          .all(clipId, runId)
  return (rows as DetectionRow[]).map(toDetection)
}

/** One detection by id. */
export function getDetection(db: Database, id: number): Detection {
  const row = db.prepare(`SELECT ${COLUMNS} FROM detections WHERE id = ?`).get(id) as DetectionRow | undefined
  if (!row) throw notFound(`Detection ${id}`)
  return toDetection(row)
}

/** A run's detections in some clips (every clip when none are given), in clip and time order. */
export function runDetections(db: Database, runId: number, clipIds?: readonly number[]): Detection[] {
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM detections WHERE run_id = ? ORDER BY clip_id, start, "end", id`)
    .all(runId) as DetectionRow[]
  const wanted = clipIds ? new Set(clipIds) : null
  return rows.filter((r) => !wanted || wanted.has(r.clip_id)).map(toDetection)
}

/** A clip a run can scan: its id and file. */
export interface DetectableClip {
  id: number
  path: string
}

/**
 * The clips a run scans: the ones asked for (each must exist), or by default every present clip
 * the run did not train or validate on (its test clips and every clip it never saw).
 */
export function detectableClips(db: Database, runId: number, clipIds?: readonly number[]): DetectableClip[] {
  if (clipIds) {
    const get = db.prepare('SELECT id, path FROM clips WHERE id = ?')
    return clipIds.map((id) => {
      const clip = get.get(id) as DetectableClip | undefined
      if (!clip) throw notFound(`Clip ${id}`)
      return clip
    })
  }
  return db
    .prepare(
      `SELECT id, path FROM clips c
        WHERE c.missing = 0
          AND NOT EXISTS (SELECT 1 FROM run_clips rc
                           WHERE rc.run_id = ? AND rc.clip_id = c.id AND rc.split IN ('train', 'val', 'oof'))
        ORDER BY c.id`,
    )
    .all(runId) as DetectableClip[]
}
