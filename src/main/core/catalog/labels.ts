import type { Database } from 'better-sqlite3'

/** Gives a clip a class (idempotent), recording who and when. */
export function addClipLabel(db: Database, clipId: number, classId: number, author: string, now = new Date()): void {
  const at = now.toISOString()
  db.prepare(
    `INSERT INTO clip_labels (clip_id, class_id, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (clip_id, class_id) DO UPDATE SET author = excluded.author, updated_at = excluded.updated_at`,
  ).run(clipId, classId, author, at, at)
}

/** Takes a class off a clip; returns whether it had it. */
export function removeClipLabel(db: Database, clipId: number, classId: number): boolean {
  return db.prepare('DELETE FROM clip_labels WHERE clip_id = ? AND class_id = ?').run(clipId, classId).changes > 0
}

/** The class ids a clip carries. */
export function clipLabelIds(db: Database, clipId: number): number[] {
  return (
    db.prepare('SELECT class_id FROM clip_labels WHERE clip_id = ? ORDER BY class_id').all(clipId) as {
      class_id: number
    }[]
  ).map((r) => r.class_id)
}
