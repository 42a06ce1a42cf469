import type { Database } from 'better-sqlite3'
import type { Region } from '@shared/domain'
import { notFound } from '../errors'

interface RegionRow {
  id: number
  clip_id: number
  class_id: number | null
  start: number
  end: number
  low_freq: number | null
  high_freq: number | null
}

const toRegion = (r: RegionRow): Region => ({
  id: r.id,
  clipId: r.clip_id,
  classId: r.class_id,
  start: r.start,
  end: r.end,
  lowFreq: r.low_freq,
  highFreq: r.high_freq,
})

const COLUMNS = 'id, clip_id, class_id, start, "end", low_freq, high_freq'

/** A clip's regions and boxes, in time order. */
export function listRegions(db: Database, clipId: number): Region[] {
  return (
    db.prepare(`SELECT ${COLUMNS} FROM region_labels WHERE clip_id = ? ORDER BY start, id`).all(clipId) as RegionRow[]
  ).map(toRegion)
}

/** One region, or undefined. */
function findRegion(db: Database, id: number): Region | undefined {
  const row = db.prepare(`SELECT ${COLUMNS} FROM region_labels WHERE id = ?`).get(id) as RegionRow | undefined
  return row && toRegion(row)
}

/** One region, or a not-found error. */
export function getRegion(db: Database, id: number): Region {
  const region = findRegion(db, id)
  if (!region) throw notFound(`Region ${id}`)
  return region
}

/**
 * Writes a region as given (inserting it with its id when absent): the one write behind create,
 * update, and the undo of a delete, which must bring the region back under its old id.
 */
export function putRegion(db: Database, region: Region, author: string, now = new Date()): Region {
  const at = now.toISOString()
  db.prepare(
    `INSERT INTO region_labels (id, clip_id, class_id, start, "end", low_freq, high_freq, author, created_at, updated_at)
     VALUES (@id, @clipId, @classId, @start, @end, @lowFreq, @highFreq, @author, @at, @at)
     ON CONFLICT (id) DO UPDATE SET class_id = excluded.class_id, start = excluded.start, "end" = excluded."end",
       low_freq = excluded.low_freq, high_freq = excluded.high_freq, author = excluded.author, updated_at = excluded.updated_at`,
  ).run({ ...region, author, at })
  return getRegion(db, region.id)
}

/** The id the next new region gets. */
export function nextRegionId(db: Database): number {
  return ((db.prepare('SELECT MAX(id) FROM region_labels').pluck().get() as number | null) ?? 0) + 1
}

/** Deletes a region. */
export function deleteRegion(db: Database, id: number): void {
  db.prepare('DELETE FROM region_labels WHERE id = ?').run(id)
}
