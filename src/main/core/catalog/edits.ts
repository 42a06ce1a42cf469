import { randomUUID } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import type { EditInfo, Region } from '@shared/domain'
import type { ClipSplitState } from '@shared/splits'
import { putClipSplits } from './clip-splits'
import { putReviewState, type DetectionReviewState } from './detection-reviews'
import { setLabelState, type ClipLabelState } from './labels'
import { deleteRegion, putRegion } from './regions'

/** A labeling action as the log keeps it: the state before and after. */
export type Edit =
  | { kind: 'clip'; clipId: number; before: ClipLabelState; after: ClipLabelState; description: string }
  | { kind: 'region'; clipId: number; before: Region | null; after: Region | null; description: string }
  /** Splits, groups and folds of many clips set at once (`clipId`: the first), undone at once. */
  | { kind: 'split'; clipId: number; before: ClipSplitState[]; after: ClipSplitState[]; description: string }
  /** A detection's review and the region it made, replaced together. */
  | {
      kind: 'detection'
      clipId: number
      before: DetectionReviewState
      after: DetectionReviewState
      description: string
    }

interface EditRow {
  id: number
  kind: Edit['kind']
  clip_id: number
  before: string
  after: string
}

/**
 * This process's edits: undo and redo reach only what this process recorded. Several processes
 * may have a project open at once (the desktop studio, `earmark serve`, a command), each with its
 * own history, as two editor windows on one file each undo their own typing.
 */
const PROCESS_SESSION = randomUUID()

/**
 * Records an action that has just been applied. Anything this process undid before it can no
 * longer be redone (as in every editor), so those entries go.
 */
export function recordEdit(db: Database, edit: Edit, author: string, now = new Date()): void {
  db.prepare('DELETE FROM edits WHERE undone = 1 AND session = ?').run(PROCESS_SESSION)
  db.prepare('INSERT INTO edits (kind, clip_id, before, after, author, at, session) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    edit.kind,
    edit.clipId,
    JSON.stringify({ state: edit.before, description: edit.description }),
    JSON.stringify({ state: edit.after, description: edit.description }),
    author,
    now.toISOString(),
    PROCESS_SESSION,
  )
}

/** Undoes this process's latest action still done; returns it, or null when there is nothing to undo. */
export function undoEdit(db: Database, author: string, now = new Date()): EditInfo | null {
  const row = db
    .prepare(
      'SELECT id, kind, clip_id, before, after FROM edits WHERE undone = 0 AND session = ? ORDER BY id DESC LIMIT 1',
    )
    .get(PROCESS_SESSION) as EditRow | undefined
  if (!row) return null
  const { state, description } = JSON.parse(row.before) as { state: unknown; description: string }
  applyState(db, row, state, JSON.parse(row.after).state, author, now)
  db.prepare('UPDATE edits SET undone = 1 WHERE id = ?').run(row.id)
  return { id: row.id, kind: row.kind, clipId: row.clip_id, description: `Undid: ${description}` }
}

/** Redoes this process's earliest undone action; returns it, or null when there is nothing to redo. */
export function redoEdit(db: Database, author: string, now = new Date()): EditInfo | null {
  const row = db
    .prepare(
      'SELECT id, kind, clip_id, before, after FROM edits WHERE undone = 1 AND session = ? ORDER BY id ASC LIMIT 1',
    )
    .get(PROCESS_SESSION) as EditRow | undefined
  if (!row) return null
  const { state, description } = JSON.parse(row.after) as { state: unknown; description: string }
  applyState(db, row, state, JSON.parse(row.before).state, author, now)
  db.prepare('UPDATE edits SET undone = 0 WHERE id = ?').run(row.id)
  return { id: row.id, kind: row.kind, clipId: row.clip_id, description: `Redid: ${description}` }
}

/** Puts a clip's labels, one region, a detection's review, or clips' splits into a recorded state. */
function applyState(db: Database, row: EditRow, state: unknown, other: unknown, author: string, now: Date): void {
  if (row.kind === 'detection') {
    putReviewState(db, state as DetectionReviewState, other as DetectionReviewState, author, now)
  } else if (row.kind === 'split') {
    putClipSplits(db, state as ClipSplitState[])
  } else if (row.kind === 'clip') {
    setLabelState(db, row.clip_id, state as ClipLabelState, author, now)
  } else if (state === null) {
    // The region did not exist in this state: it is the one the other state describes.
    deleteRegion(db, (other as Region).id)
  } else {
    putRegion(db, state as Region, author, now)
  }
}

/** Whether undo and redo have anything to do in this process. */
export function editAvailability(db: Database): { canUndo: boolean; canRedo: boolean } {
  const row = db
    .prepare('SELECT SUM(undone = 0) AS done, SUM(undone = 1) AS undone FROM edits WHERE session = ?')
    .get(PROCESS_SESSION) as {
    done: number | null
    undone: number | null
  }
  return { canUndo: (row.done ?? 0) > 0, canRedo: (row.undone ?? 0) > 0 }
}
