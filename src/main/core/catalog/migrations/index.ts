import type { Database } from 'better-sqlite3'
import { EarmarkError } from '../../errors'
import { migrateTo0001 } from './0001-initial'
import { migrateTo0002 } from './0002-labeling'
import { migrateTo0003 } from './0003-feature-sets'
import { migrateTo0004 } from './0004-runs'
import { migrateTo0005 } from './0005-sweeps'
import { migrateTo0006 } from './0006-unlabeled-predictions'
import { migrateTo0007 } from './0007-job-keys'
import { migrateTo0008 } from './0008-split-policy'
import { migrateTo0009 } from './0009-run-feature-sets'
import { migrateTo0010 } from './0010-edit-sessions'
import { migrateTo0011 } from './0011-detections'
import { migrateTo0012 } from './0012-embeddings'
import { migrateTo0013 } from './0013-embedding-pipelines'

/** One schema step. Versions start at 1 and rise by one. */
export interface Migration {
  version: number
  name: string
  up: (db: Database) => void
}

/** Every migration, oldest first. Append only: a released step is never edited. */
export const migrations: readonly Migration[] = [
  { version: 1, name: 'initial', up: migrateTo0001 },
  { version: 2, name: 'labeling', up: migrateTo0002 },
  { version: 3, name: 'feature-sets', up: migrateTo0003 },
  { version: 4, name: 'runs', up: migrateTo0004 },
  { version: 5, name: 'sweeps', up: migrateTo0005 },
  { version: 6, name: 'unlabeled-predictions', up: migrateTo0006 },
  { version: 7, name: 'job-keys', up: migrateTo0007 },
  { version: 8, name: 'split-policy', up: migrateTo0008 },
  { version: 9, name: 'run-feature-sets', up: migrateTo0009 },
  { version: 10, name: 'edit-sessions', up: migrateTo0010 },
  { version: 11, name: 'detections', up: migrateTo0011 },
  { version: 12, name: 'embeddings', up: migrateTo0012 },
  { version: 13, name: 'embedding-pipelines', up: migrateTo0013 },
]

/** The schema version this build writes. */
export const LATEST_SCHEMA_VERSION = migrations.length

/** Throws unless versions run 1, 2, 3, … without gaps or repeats. */
export function assertMonotonic(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`)
    }
  })
}

/** The schema version recorded in the file (0 for a new, empty database). */
export const schemaVersion = (db: Database): number => db.pragma('user_version', { simple: true }) as number

/**
 * Brings a catalog to the latest schema: every pending step in one transaction, so a crash
 * leaves either the old schema or the new one. A file from a newer Earmark is refused rather
 * than half-understood. Returns the versions applied.
 */
export function migrate(db: Database, list: readonly Migration[] = migrations): number[] {
  assertMonotonic(list)
  const latest = list.length
  const run = db.transaction(() => {
    const current = schemaVersion(db)
    if (current > latest) {
      throw new EarmarkError(
        'schema-too-new',
        `This project was written by a newer Earmark (schema ${current}; this version knows up to ${latest}). Update Earmark to open it.`,
        { schemaVersion: current, latestKnown: latest },
      )
    }
    const pending = list.slice(current)
    if (pending.length === 0) return []
    if (current === 0) {
      db.exec(`CREATE TABLE schema_version (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at TEXT NOT NULL
      ) STRICT`)
    }
    const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)')
    for (const m of pending) {
      m.up(db)
      record.run(m.version, m.name, new Date().toISOString())
    }
    db.pragma(`user_version = ${latest}`)
    return pending.map((m) => m.version)
  })
  // IMMEDIATE takes the write lock before reading the version, so two processes opening the same
  // new file cannot both migrate it.
  return run.immediate()
}
