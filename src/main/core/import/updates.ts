import type { Database } from 'better-sqlite3'
import type { ImportRow, Split } from '@shared/domain'
import { ensureClass } from '../catalog/classes'
import { clipSplitFactsAt, patchClipSplit, type ClipSplitFacts } from '../catalog/clip-splits'
import { getLabelState, setLabelState } from '../catalog/labels'
import type { ImportPlan } from './plan'

/*
 * A manifest imported again: its rows for files the project already has (same path) say what those
 * clips' label, group, split and fold are now, e.g. a split column added to balance speakers. The
 * import applies them instead of skipping the files. Folder and file-name imports carry no such
 * statement (a folder's name is not a correction of a label made in the studio), so only
 * manifests update.
 */

/** What re-importing a manifest changes of one clip already in the project. */
export interface ClipUpdate {
  clipId: number
  path: string
  /** The manifest's class for the clip, when the clip's labels are not exactly that class. */
  label?: string
  group?: string
  split?: Split
  fold?: number
}

/** Manifest layouts: the only imports whose rows update clips already in the project. */
const MANIFEST_LAYOUTS: readonly string[] = ['csv', 'esc50', 'urbansound8k']

/**
 * The clips a plan's rows would change, matched by path. A value the manifest gives replaces the
 * clip's; a value it leaves empty keeps the clip's (an empty cell is no statement).
 */
export function plannedUpdates(db: Database, plan: ImportPlan): ClipUpdate[] {
  if (!MANIFEST_LAYOUTS.includes(plan.layout)) return []
  const lookup = clipSplitFactsAt(db)
  const updates: ClipUpdate[] = []
  for (const row of plan.rows) {
    const clip = lookup(row.path)
    if (!clip) continue
    const update = changesOf(clip, row)
    if (update) updates.push({ clipId: clip.id, path: row.path, ...update })
  }
  return updates
}

function changesOf(clip: ClipSplitFacts, row: ImportRow): Omit<ClipUpdate, 'clipId' | 'path'> | null {
  const update: Omit<ClipUpdate, 'clipId' | 'path'> = {}
  if (row.label !== null && clip.label !== row.label) update.label = row.label
  if (row.group !== null && clip.group !== row.group) update.group = row.group
  if (row.split !== null && clip.split !== row.split) update.split = row.split
  if (row.fold !== null && clip.fold !== row.fold) update.fold = row.fold
  return Object.keys(update).length > 0 ? update : null
}

/**
 * Applies planned updates in one write transaction. A new label replaces the clip's classes and
 * keeps its flags and note. Returns how many clips changed.
 */
export function applyUpdates(db: Database, updates: readonly ClipUpdate[], author: string, now: Date): number {
  if (updates.length === 0) return 0
  db.transaction(() => {
    for (const u of updates) {
      patchClipSplit(db, u.clipId, { split: u.split, group: u.group, fold: u.fold })
      if (u.label !== undefined) {
        const state = getLabelState(db, u.clipId)
        setLabelState(db, u.clipId, { ...state, classIds: [ensureClass(db, u.label, now)] }, author, now)
      }
    }
  }).immediate()
  return updates.length
}
