import type { Database } from 'better-sqlite3'

/** Clip counts for the project summary. */
export interface ClipCounts {
  total: number
  labeled: number
  missing: number
}

/** How many clips the project has, how many carry a label, how many files are missing. */
export function clipCounts(db: Database): ClipCounts {
  return db
    .prepare(
      `SELECT COUNT(*) AS total,
              COALESCE(SUM(EXISTS (SELECT 1 FROM clip_labels l WHERE l.clip_id = c.id)), 0) AS labeled,
              COALESCE(SUM(c.missing), 0) AS missing
       FROM clips c`,
    )
    .get() as ClipCounts
}

/** A clip as import writes it. */
export interface NewClip {
  path: string
  contentHash: string
  duration: number
  sampleRate: number
  channels: number
  size: number
  codec: string
  group?: string | null
  fold?: number | null
  split?: 'train' | 'val' | 'test' | null
}

/** Adds a clip; returns its id. */
export function insertClip(db: Database, clip: NewClip, now = new Date()): number {
  const info = db
    .prepare(
      `INSERT INTO clips (path, content_hash, duration, sample_rate, channels, size, codec, group_name, fold, split, added_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      clip.path,
      clip.contentHash,
      clip.duration,
      clip.sampleRate,
      clip.channels,
      clip.size,
      clip.codec,
      clip.group ?? null,
      clip.fold ?? null,
      clip.split ?? null,
      now.toISOString(),
    )
  return Number(info.lastInsertRowid)
}

/** The file path of a clip, or undefined when the id is unknown. */
export function clipPath(db: Database, id: number): string | undefined {
  return (db.prepare('SELECT path FROM clips WHERE id = ?').get(id) as { path: string } | undefined)?.path
}
