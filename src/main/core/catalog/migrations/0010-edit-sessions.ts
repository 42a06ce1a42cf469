import type { Database } from 'better-sqlite3'

/**
 * Which studio process recorded each edit, so that undo in one window never takes back what
 * another process (a second studio, `earmark serve` beside the desktop app) did. Edits from
 * before this step belong to no process and are no longer undone.
 */
export function migrateTo0010(db: Database): void {
  db.exec(`
    ALTER TABLE edits ADD COLUMN session TEXT NOT NULL DEFAULT '';
    CREATE INDEX edits_session ON edits (session, undone, id);
  `)
}
