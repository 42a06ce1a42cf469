import { basename } from 'node:path'
import type { Database } from 'better-sqlite3'

/** Clip counts for the project summary. */
export interface ClipCounts {
  total: number
  labeled: number
  missing: number
}

/** How many clips the project has, how many carry a label, how many files are missing. */
export function clipCounts(db: Database): ClipCounts {
  // Runs after every label (the first screen's counts): three index scans rather than a lookup
  // per clip, ~4x faster on 100,000 clips. Every clip_labels row has its clip (foreign key, cascade).
  return db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM clips) AS total,
              (SELECT COUNT(DISTINCT clip_id) FROM clip_labels) AS labeled,
              (SELECT COUNT(*) FROM clips WHERE missing = 1) AS missing`,
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
      `INSERT INTO clips (path, name, content_hash, duration, sample_rate, channels, size, codec, group_name, fold, split, added_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      clip.path,
      fileName(clip.path),
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

/** Which of these paths are already clips of the project. */
export function knownPaths(db: Database, paths: readonly string[]): Set<string> {
  const known = new Set<string>()
  const lookup = db.prepare('SELECT 1 FROM clips WHERE path = ?').pluck()
  for (const path of paths) if (lookup.get(path) !== undefined) known.add(path)
  return known
}

/** Clips with this content hash, with whether their file is flagged missing. */
export function clipsByHash(db: Database, hash: string): { id: number; path: string; missing: boolean }[] {
  return (
    db.prepare('SELECT id, path, missing FROM clips WHERE content_hash = ?').all(hash) as {
      id: number
      path: string
      missing: number
    }[]
  ).map((r) => ({ id: r.id, path: r.path, missing: r.missing === 1 }))
}

/** Points a clip at the new place of its file, and clears its missing flag. */
export function relocateClip(db: Database, id: number, path: string): void {
  db.prepare('UPDATE clips SET path = ?, name = ?, missing = 0 WHERE id = ?').run(path, fileName(path), id)
}

/**
 * The last part of a path, by this platform's separators: a backslash is one on Windows, but on
 * Linux and macOS it is an ordinary character of a name (`back\slash.wav`).
 */
const fileName = (path: string): string => basename(path)

/** Flags or clears a clip's missing flag. */
export function setClipMissing(db: Database, id: number, missing: boolean): void {
  db.prepare('UPDATE clips SET missing = ? WHERE id = ?').run(missing ? 1 : 0, id)
}

/** Every clip's id and path, for a re-scan. */
export function allClipPaths(db: Database): { id: number; path: string; missing: boolean }[] {
  return (
    db.prepare('SELECT id, path, missing FROM clips ORDER BY id').all() as {
      id: number
      path: string
      missing: number
    }[]
  ).map((r) => ({ id: r.id, path: r.path, missing: r.missing === 1 }))
}

/** What serving or checking a clip's file needs: where it is, what it is, how long. */
export interface ClipFileFacts {
  id: number
  path: string
  name: string
  contentHash: string
  codec: string | null
  duration: number
  sampleRate: number
  group: string | null
  split: string | null
}

const FILE_FACTS = `SELECT id, path, name, content_hash AS contentHash, codec, duration, sample_rate AS sampleRate,
  group_name AS "group", split FROM clips`

/** One clip's file facts, or undefined when the id is unknown. */
export function clipFileFacts(db: Database, id: number): ClipFileFacts | undefined {
  return db.prepare(`${FILE_FACTS} WHERE id = ?`).get(id) as ClipFileFacts | undefined
}

/** Every clip's file facts, in path order. */
export function allClipFileFacts(db: Database): ClipFileFacts[] {
  return db.prepare(`${FILE_FACTS} ORDER BY path`).all() as ClipFileFacts[]
}
