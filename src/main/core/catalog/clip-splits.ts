import type { Database } from 'better-sqlite3'
import type { Split } from '@shared/domain'
import type { ClipSplitState } from '@shared/splits'

/*
 * The clips' split, group and fold columns, which every run's split policy reads first, as split
 * editing, manifest re-imports and leakage checks read and write them.
 */

/** A clip's split, group and fold, with its class names (joined by '+', null without a class). */
export interface ClipSplitFacts extends ClipSplitState {
  label: string | null
}

const LABELS = `(SELECT GROUP_CONCAT(name, '+') FROM (SELECT k.name FROM clip_labels l JOIN classes k ON k.id = l.class_id
                 WHERE l.clip_id = c.id ORDER BY k.name))`

/** Every clip's split, group, fold and classes, in id order. */
export function clipSplitFacts(db: Database): ClipSplitFacts[] {
  return db
    .prepare(`SELECT c.id, c.split, c.group_name AS "group", c.fold, ${LABELS} AS label FROM clips c ORDER BY c.id`)
    .all() as ClipSplitFacts[]
}

/** The clip at a path, with its split, group, fold and classes; undefined when the project lacks it. */
export function clipSplitFactsAt(db: Database): (path: string) => ClipSplitFacts | undefined {
  const lookup = db.prepare(
    `SELECT c.id, c.split, c.group_name AS "group", c.fold, ${LABELS} AS label FROM clips c WHERE c.path = ?`,
  )
  return (path) => lookup.get(path) as ClipSplitFacts | undefined
}

/** A reader of one clip's split, group and fold (undefined: no such clip). */
export function clipSplitReader(db: Database): (id: number) => ClipSplitState | undefined {
  const read = db.prepare('SELECT id, split, group_name AS "group", fold FROM clips WHERE id = ?')
  return (id) => read.get(id) as ClipSplitState | undefined
}

/** Puts clips' split, group and fold into the given states. */
export function putClipSplits(db: Database, states: readonly ClipSplitState[]): void {
  const write = db.prepare('UPDATE clips SET split = ?, group_name = ?, fold = ? WHERE id = ?')
  for (const s of states) write.run(s.split, s.group, s.fold, s.id)
}

/** Sets the fields given (undefined keeps the clip's) of one clip. */
export function patchClipSplit(
  db: Database,
  clipId: number,
  fields: { split?: Split | undefined; group?: string | undefined; fold?: number | undefined },
): void {
  db.prepare(
    'UPDATE clips SET group_name = COALESCE(?, group_name), split = COALESCE(?, split), fold = COALESCE(?, fold) WHERE id = ?',
  ).run(fields.group ?? null, fields.split ?? null, fields.fold ?? null, clipId)
}

/** One clip of a run's training, validation or test side, as leakage reads it. */
export interface RunSideClip {
  id: number
  side: 'train' | 'val' | 'test'
  group: string | null
  contentHash: string
  label: string
}

/** The clips a run recorded on its train, val and test sides, with their group and audio now (removed clips left out). */
export function runSideClips(db: Database, runId: number): RunSideClip[] {
  return db
    .prepare(
      `SELECT rc.clip_id AS id, rc.split AS side, c.group_name AS "group", c.content_hash AS contentHash, rc.label
       FROM run_clips rc JOIN clips c ON c.id = rc.clip_id
       WHERE rc.run_id = ? AND rc.split IN ('train', 'val', 'test')`,
    )
    .all(runId) as RunSideClip[]
}

/** Every clip's group and content hash, by id. */
export function clipGroupsAndHashes(
  db: Database,
): Map<number, { id: number; group: string | null; contentHash: string }> {
  const rows = db.prepare('SELECT id, group_name AS "group", content_hash AS contentHash FROM clips').all() as {
    id: number
    group: string | null
    contentHash: string
  }[]
  return new Map(rows.map((r) => [r.id, r]))
}

/** Whether a run exists. */
export function runExists(db: Database, runId: number): boolean {
  return db.prepare('SELECT 1 FROM runs WHERE id = ?').get(runId) !== undefined
}
