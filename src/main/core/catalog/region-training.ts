import type { Database } from 'better-sqlite3'
import type { Split } from '@shared/domain'
import type { LabeledSpan, Span } from '../detection/region-windows'

/** A recording a run on regions can cut windows from, with its regions and rejected detections. */
export interface RegionClip {
  id: number
  path: string
  split: Split | null
  group: string | null
  fold: number | null
  /** Seconds. */
  duration: number
  /** Regions and boxes by time (a box counts for its span of time); label null for an unlabeled one. */
  regions: LabeledSpan[]
  /** Spans of detections a person rejected, under any run: known background. */
  rejected: Span[]
  /** When its regions last changed (the newest region's update). */
  labelVersion: string | null
}

/** What training on regions left out of the project's recordings. */
export interface SkippedRegionClips {
  missing: number
  badAudio: number
}

/**
 * The recordings with regions or rejected detections that a run on regions can use (present, not
 * flagged as bad audio), by id, with their regions in time order.
 */
export function regionTrainingClips(db: Database): { clips: RegionClip[]; skipped: SkippedRegionClips } {
  const rows = db
    .prepare(
      `SELECT c.id, c.path, c.split, c.group_name, c.fold, c.duration, c.missing, c.bad_audio,
              (SELECT MAX(r.updated_at) FROM region_labels r WHERE r.clip_id = c.id) AS label_version
       FROM clips c
       WHERE EXISTS (SELECT 1 FROM region_labels r WHERE r.clip_id = c.id)
          OR EXISTS (SELECT 1 FROM detections d WHERE d.clip_id = c.id AND d.review = 'rejected')
       ORDER BY c.id`,
    )
    .all() as {
    id: number
    path: string
    split: Split | null
    group_name: string | null
    fold: number | null
    duration: number
    missing: number
    bad_audio: number
    label_version: string | null
  }[]
  const regionsOf = db.prepare(
    `SELECT r.start, r."end", k.name AS label FROM region_labels r LEFT JOIN classes k ON k.id = r.class_id
     WHERE r.clip_id = ? ORDER BY r.start, r.id`,
  )
  const rejectedOf = db.prepare(
    `SELECT start, "end" FROM detections WHERE clip_id = ? AND review = 'rejected' ORDER BY start, id`,
  )
  const skipped: SkippedRegionClips = { missing: 0, badAudio: 0 }
  const clips: RegionClip[] = []
  for (const r of rows) {
    if (r.missing === 1) skipped.missing++
    else if (r.bad_audio === 1) skipped.badAudio++
    else {
      clips.push({
        id: r.id,
        path: r.path,
        split: r.split,
        group: r.group_name,
        fold: r.fold,
        duration: r.duration,
        regions: regionsOf.all(r.id) as LabeledSpan[],
        rejected: rejectedOf.all(r.id) as Span[],
        labelVersion: r.label_version,
      })
    }
  }
  return { clips, skipped }
}

/** How many regions of the project have a class. */
export function labeledRegionCount(db: Database): number {
  return db.prepare('SELECT COUNT(*) FROM region_labels WHERE class_id IS NOT NULL').pluck().get() as number
}
