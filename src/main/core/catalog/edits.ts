import type { Database } from 'better-sqlite3'
import type { EditInfo, Region } from '@shared/domain'
import { setLabelState, type ClipLabelState } from './labels'
import { deleteRegion, putRegion } from './regions'

/** A labeling action as the log keeps it: the state before and after. */
export type Edit =
  | { kind: 'clip'; clipId: number; before: ClipLabelState; after: ClipLabelState; description: string }
  | { kind: 'region'; clipId: number; before: Region | null; after: Region | null; description: string }

interface EditRow {
  id: number
  kind: 'clip' | 'region'
  clip_id: number
  before: string
  after: string
}

/**
 * Records an action that has just been applied. Anything undone before it can no longer be
 * redone (as in every editor), so those entries go.
 */
export function recordEdit(db: Database, edit: Edit, author: string, now = new Date()): void {
  db.prepare('DELETE FROM edits WHERE undone = 1').run()
  db.prepare('INSERT INTO edits (kind, clip_id, before, after, author, at) VALUES (?, ?, ?, ?, ?, ?)').run(
    edit.kind,
    edit.clipId,
    JSON.stringify({ state: edit.before, description: edit.description }),
    JSON.stringify({ state: edit.after, description: edit.description }),
    author,
    now.toISOString(),
  )
}

/** Undoes the latest action still done; returns it, or null when there is nothing to undo. */
export function undoEdit(db: Database, author: string, now = new Date()): EditInfo | null {
  const row = db
    .prepare('SELECT id, kind, clip_id, before, after FROM edits WHERE undone = 0 ORDER BY id DESC LIMIT 1')
    .get() as EditRow | undefined
  if (!row) return null
  const { state, description } = JSON.parse(row.before) as { state: unknown; description: string }
  applyState(db, row, state, JSON.parse(row.after).state, author, now)
  db.prepare('UPDATE edits SET undone = 1 WHERE id = ?').run(row.id)
  return { id: row.id, kind: row.kind, clipId: row.clip_id, description: `Undid: ${description}` }
}

/** Redoes the earliest undone action; returns it, or null when there is nothing to redo. */
export function redoEdit(db: Database, author: string, now = new Date()): EditInfo | null {
  const row = db
    .prepare('SELECT id, kind, clip_id, before, after FROM edits WHERE undone = 1 ORDER BY id ASC LIMIT 1')
    .get() as EditRow | undefined
  if (!row) return null
  const { state, description } = JSON.parse(row.after) as { state: unknown; description: string }
  applyState(db, row, state, JSON.parse(row.before).state, author, now)
  db.prepare('UPDATE edits SET undone = 0 WHERE id = ?').run(row.id)
  return { id: row.id, kind: row.kind, clipId: row.clip_id, description: `Redid: ${description}` }
}

/** Puts a clip's labels, or one region, into a recorded state. */
function applyState(db: Database, row: EditRow, state: unknown, other: unknown, author: string, now: Date): void {
  if (row.kind === 'clip') {
    setLabelState(db, row.clip_id, state as ClipLabelState, author, now)
  } else if (state === null) {
    // The region did not exist in this state: it is the one the other state describes.
    deleteRegion(db, (other as Region).id)
  } else {
    putRegion(db, state as Region, author, now)
  }
}

/** Whether undo and redo have anything to do. */
export function editAvailability(db: Database): { canUndo: boolean; canRedo: boolean } {
  const row = db.prepare('SELECT SUM(undone = 0) AS done, SUM(undone = 1) AS undone FROM edits').get() as {
    done: number | null
    undone: number | null
  }
  return { canUndo: (row.done ?? 0) > 0, canRedo: (row.undone ?? 0) > 0 }
}
