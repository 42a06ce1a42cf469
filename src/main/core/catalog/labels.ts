import type { Database } from 'better-sqlite3'
import { notFound } from '../errors'

/** Gives a clip a class (idempotent), recording who and when. */
export function addClipLabel(db: Database, clipId: number, classId: number, author: string, now = new Date()): void {
  const at = now.toISOString()
  db.prepare(
    `INSERT INTO clip_labels (clip_id, class_id, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (clip_id, class_id) DO UPDATE SET author = excluded.author, updated_at = excluded.updated_at`,
  ).run(clipId, classId, author, at, at)
}

/** Takes a class off a clip; returns whether it had it. */
function removeClipLabel(db: Database, clipId: number, classId: number): boolean {
  return db.prepare('DELETE FROM clip_labels WHERE clip_id = ? AND class_id = ?').run(clipId, classId).changes > 0
}

/** The class ids a clip carries. */
export function clipLabelIds(db: Database, clipId: number): number[] {
  return db
    .prepare('SELECT class_id FROM clip_labels WHERE clip_id = ? ORDER BY class_id')
    .pluck()
    .all(clipId) as number[]
}

/** Everything a person sets on a whole clip: its classes, flags and note. */
export interface ClipLabelState {
  classIds: number[]
  unsure: boolean
  badAudio: boolean
  note: string
}

/** A clip's label state. */
export function getLabelState(db: Database, clipId: number): ClipLabelState {
  const row = db.prepare('SELECT unsure, bad_audio, note FROM clips WHERE id = ?').get(clipId) as
    { unsure: number; bad_audio: number; note: string } | undefined
  if (!row) throw notFound(`Clip ${clipId}`)
  return { classIds: clipLabelIds(db, clipId), unsure: row.unsure === 1, badAudio: row.bad_audio === 1, note: row.note }
}

/**
 * Makes a clip's labels, flags and note exactly as given. Labels kept from before keep their
 * original author and time; only what changes is stamped with this author and time.
 */
export function setLabelState(
  db: Database,
  clipId: number,
  state: ClipLabelState,
  author: string,
  now = new Date(),
): void {
  const current = new Set(clipLabelIds(db, clipId))
  const wanted = new Set(state.classIds)
  for (const id of current) if (!wanted.has(id)) removeClipLabel(db, clipId, id)
  for (const id of wanted) if (!current.has(id)) addClipLabel(db, clipId, id, author, now)
  db.prepare('UPDATE clips SET unsure = ?, bad_audio = ?, note = ?, labeled_at = ? WHERE id = ?').run(
    state.unsure ? 1 : 0,
    state.badAudio ? 1 : 0,
    state.note,
    now.toISOString(),
    clipId,
  )
}
