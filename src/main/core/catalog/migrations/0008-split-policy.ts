import type { Database } from 'better-sqlite3'

/**
 * A run keeps the policy its split followed (`column`, `group` or `random`) beside the split's
 * description, so that a report, the CLI and the studio can say how far its test score can be
 * trusted without parsing words. Runs recorded before could only follow the column or a
 * stratified draw, which their description says.
 */
export function migrateTo0008(db: Database): void {
  db.exec(`
    ALTER TABLE runs ADD COLUMN split_policy TEXT NOT NULL DEFAULT 'column'
      CHECK (split_policy IN ('column', 'group', 'random'));
    UPDATE runs SET split_policy = 'random' WHERE split_method LIKE '%stratified draw%';
  `)
}
