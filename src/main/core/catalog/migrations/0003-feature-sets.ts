import type { Database } from 'better-sqlite3'

/**
 * Feature sets: a named preprocessing pipeline and feature configuration, both stored
 * complete (defaults filled in) as JSON, with a stable hash of the two. Computed features live in
 * the project's cache folder, keyed by clip content and parameter hashes, not here.
 */
export function migrateTo0003(db: Database): void {
  db.exec(`
    CREATE TABLE feature_sets (
      id          INTEGER PRIMARY KEY,
      name        TEXT NOT NULL COLLATE NOCASE UNIQUE,
      pipeline    TEXT NOT NULL DEFAULT '[]',
      config      TEXT NOT NULL,
      params_hash TEXT NOT NULL,
      created_at  TEXT NOT NULL,
      updated_at  TEXT NOT NULL
    ) STRICT;
  `)
}
