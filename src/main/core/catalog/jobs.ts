import type { Database } from 'better-sqlite3'
import type { JobInfo, JobKind, JobState } from '@shared/domain'
import type { JobDetail, JobParamsByKind, ListedJob } from '@shared/jobs'
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
  run_id: number | null
  sweep_id: number | null
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
  runId: r.run_id,
  sweepId: r.sweep_id,
})

// A training job's run is the one that names the job (a resumed run names its latest job), else
// the run a resumption was asked for; a sweep job's sweep is in its parameters.
const COLUMNS = `id, kind, state, done, total, message, error, created_at, started_at, finished_at,
  CASE WHEN kind = 'train' THEN COALESCE(
    (SELECT r.id FROM runs r WHERE r.job_id = jobs.id ORDER BY r.id DESC LIMIT 1),
    json_extract(params, '$.resumeRun')) END AS run_id,
  CASE WHEN kind = 'sweep' THEN json_extract(params, '$.sweepId') END AS sweep_id`

/**
 * Queues a job and returns it. An idempotency key, when given, is kept with it (and unique); the
 * owner is the process that runs it, as `host:pid`.
 */
export function createJob(
  db: Database,
  kind: JobKind,
  params: unknown,
  now = new Date(),
  options: { idempotencyKey?: string | undefined; owner?: string } = {},
): JobInfo {
  const info = db
    .prepare(
      "INSERT INTO jobs (kind, state, params, created_at, idempotency_key, owner) VALUES (?, 'queued', ?, ?, ?, ?)",
    )
    .run(kind, JSON.stringify(params ?? {}), now.toISOString(), options.idempotencyKey ?? null, options.owner ?? null)
  return getJob(db, Number(info.lastInsertRowid))
}

/** Why a job whose process died is ended by whoever finds it. */
const ORPHANED_JOB_ERROR = 'interrupted: the process running it ended'

/**
 * Ends the queued and running jobs of this host whose process is gone: they would read as running
 * forever, with a Cancel nobody hears. Jobs of other hosts (a shared folder) and of live processes
 * are left alone. Returns the jobs ended.
 */
export function endOrphanedJobs(
  db: Database,
  host: string,
  isAlive: (pid: number) => boolean,
  now = new Date(),
): JobInfo[] {
  const rows = db
    .prepare("SELECT id, owner FROM jobs WHERE state IN ('queued', 'running') AND owner IS NOT NULL")
    .all() as { id: number; owner: string }[]
  return rows
    .filter((r) => r.owner.startsWith(`${host}:`) && !isAlive(Number(r.owner.slice(host.length + 1))))
    .map((r) => finishJob(db, r.id, 'failed', { error: ORPHANED_JOB_ERROR }, now))
}

/** The job a start with this idempotency key made, if any. */
export function findJobByKey(db: Database, idempotencyKey: string): JobInfo | undefined {
  const row = db.prepare(`SELECT ${COLUMNS} FROM jobs WHERE idempotency_key = ?`).get(idempotencyKey) as
    JobRow | undefined
  return row && toJobInfo(row)
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

/** Recent jobs, newest first, with their parameters; `active` keeps the queued and running ones only. */
export function listJobs(db: Database, limit = 50, active = false): ListedJob[] {
  const where = active ? "WHERE state IN ('queued', 'running')" : ''
  const rows = db
    .prepare(`SELECT ${COLUMNS}, params FROM jobs ${where} ORDER BY id DESC LIMIT ?`)
    .all(limit) as (JobRow & { params: string })[]
  return rows.map((r) => withParams(toJobInfo(r), r.params))
}

/** One job with its parameters and stored result (null until it has one). */
export function getJobDetail(db: Database, id: number): JobDetail {
  const job = withParams(getJob(db, id), JSON.stringify(getJobParams(db, id)))
  // The catalog holds what the job's own code stored for its kind.
  return { ...job, result: getJobResult(db, id) } as JobDetail
}

// The catalog holds what the job's start recorded for its kind.
const withParams = (job: JobInfo, params: string): ListedJob =>
  ({ ...job, params: JSON.parse(params) as JobParamsByKind[JobKind] }) as ListedJob

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
