import type { Database } from 'better-sqlite3'

/**
 * Jobs the service can answer for. Idempotent starts: a start may carry a key the client made for
 * one click, and a second start with the same key returns the job the first one made. The key is
 * kept with the job, in the catalog, so that it holds across processes and restarts; unique, so two
 * writers cannot both record it. The owner (`host:pid` of the process running the job) tells a job
 * whose process died, and that will never end by itself, from one another process is running.
 */
export function migrateTo0007(db: Database): void {
  db.exec(`
    ALTER TABLE jobs ADD COLUMN owner TEXT;
    ALTER TABLE jobs ADD COLUMN idempotency_key TEXT;
    CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
  `)
}
