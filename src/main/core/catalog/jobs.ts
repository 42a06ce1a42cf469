import type { Database } from 'better-sqlite3'
import type { JobInfo, JobKind, JobState } from '@shared/domain'
import { notFound } from '../errors'

interface JobRow {
  id: number
  kind: JobKind
  state: JobState
  done: number
  total: number | null
  message: string
  error: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
}

const toJobInfo = (r: JobRow): JobInfo => ({
  id: r.id,
  kind: r.kind,
  state: r.state,
  done: r.done,
  total: r.total,
  message: r.message,
  error: r.error,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
})

const COLUMNS = 'id, kind, state, done, total, message, error, created_at, started_at, finished_at'

/** Queues a job and returns it. */
export function createJob(db: Database, kind: JobKind, params: unknown, now = new Date()): JobInfo {
  const info = db
    .prepare("INSERT INTO jobs (kind, state, params, created_at) VALUES (?, 'queued', ?, ?)")
    .run(kind, JSON.stringify(params ?? {}), now.toISOString())
  return getJob(db, Number(info.lastInsertRowid))
}

/** One job by id. */
export function getJob(db: Database, id: number): JobInfo {
  const row = db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE id = ?`).get(id) as JobRow | undefined
  if (!row) throw notFound(`Job ${id}`)
  return toJobInfo(row)
}

/** A job's stored parameters, as given when it was created. */
export function getJobParams(db: Database, id: number): unknown {
  const row = db.prepare('SELECT params FROM jobs WHERE id = ?').get(id) as { params: string } | undefined
  if (!row) throw notFound(`Job ${id}`)
  return JSON.parse(row.params)
}

/** Recent jobs, newest first. */
export function listJobs(db: Database, limit = 50): JobInfo[] {
  return (db.prepare(`SELECT ${COLUMNS} FROM jobs ORDER BY id DESC LIMIT ?`).all(limit) as JobRow[]).map(toJobInfo)
}

/** Marks a queued job as running. */
export function startJob(db: Database, id: number, now = new Date()): JobInfo {
  db.prepare("UPDATE jobs SET state = 'running', started_at = ? WHERE id = ?").run(now.toISOString(), id)
  return getJob(db, id)
}

/** Records progress of a running job. */
export function recordJobProgress(db: Database, id: number, done: number, total: number | null, message: string): void {
  db.prepare('UPDATE jobs SET done = ?, total = ?, message = ? WHERE id = ?').run(done, total, message, id)
}

/** Ends a job in a final state, with an error or a JSON result. */
export function finishJob(
  db: Database,
  id: number,
  state: Extract<JobState, 'done' | 'failed' | 'cancelled'>,
  outcome: { error?: string; result?: unknown } = {},
  now = new Date(),
): JobInfo {
  db.prepare('UPDATE jobs SET state = ?, error = ?, result = ?, finished_at = ? WHERE id = ?').run(
    state,
    outcome.error ?? null,
    outcome.result === undefined ? null : JSON.stringify(outcome.result),
    now.toISOString(),
    id,
  )
  return getJob(db, id)
}

/**
 * Asks a job to stop. A queued job is cancelled at once; a running one is flagged, and the
 * process running it (perhaps another one) stops at its next check.
 */
export function requestJobCancel(db: Database, id: number, now = new Date()): JobInfo {
  const job = getJob(db, id)
  if (job.state === 'queued') return finishJob(db, id, 'cancelled', {}, now)
  if (job.state === 'running') db.prepare('UPDATE jobs SET cancel_requested = 1 WHERE id = ?').run(id)
  return getJob(db, id)
}

/** Whether someone asked this job to stop. */
export function isCancelRequested(db: Database, id: number): boolean {
  const row = db.prepare('SELECT cancel_requested FROM jobs WHERE id = ?').get(id) as
    { cancel_requested: number } | undefined
  return row?.cancel_requested === 1
}

/** A finished job's stored result, or null. */
export function getJobResult(db: Database, id: number): unknown {
  const row = db.prepare('SELECT result FROM jobs WHERE id = ?').get(id) as { result: string | null } | undefined
  if (!row) throw notFound(`Job ${id}`)
  return row.result === null ? null : JSON.parse(row.result)
}
