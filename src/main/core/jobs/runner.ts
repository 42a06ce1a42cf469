import type { Database } from 'better-sqlite3'
import { hostname } from 'node:os'
import type { ApiEvents } from '@shared/contract'
import type { JobInfo, JobKind } from '@shared/domain'
import {
  createJob,
  endOrphanedJobs,
  finishJob,
  getJob,
  isCancelRequested,
  recordJobProgress,
  startJob,
} from '../catalog/jobs'
import type { TypedEmitter } from '../events'
import { processIsAlive } from '../processes'

/** What a job's work gets: a cancel signal and ways to report. */
export interface JobContext {
  jobId: number
  signal: AbortSignal
  /** Reports progress; cheap to call per unit (events and writes are throttled). */
  progress(done: number, total: number | null, message?: string): void
  log(level: 'info' | 'warn' | 'error', message: string): void
  metrics(step: number, values: Record<string, number>): void
  /** Says which engine a training run trains on, once the worker has chosen it. */
  engine(runId: number, engine: string, description: string): void
}

/** How a start is told apart from others: the client's key for one click, and what it asked for. */
export interface StartIdentity {
  /** Kept with the job in the catalog: a later start with this key gets this job back. */
  idempotencyKey?: string
  /** The method and its input: while the job runs, an identical start gets this job back. */
  fingerprint?: string
}

/** Thrown by work that stopped because it was cancelled, carrying what it had done by then. */
export class JobCancelledError extends Error {
  override readonly name = 'JobCancelledError'
  constructor(readonly partialResult?: unknown) {
    super('cancelled')
  }
}

/** How often progress reaches clients, and the catalog. */
const EMIT_EVERY_MS = 100
const STORE_EVERY_MS = 500

/**
 * Runs long work as jobs recorded in the catalog: each gets an id at once, streams progress, logs
 * and metrics as events, can be cancelled (from this process, or by another one through the
 * catalog's flag), and ends as done, failed or cancelled with its result or error stored.
 */
export class JobRunner {
  private readonly running = new Map<
    number,
    { controller: AbortController; done: Promise<unknown>; fingerprint: string | undefined }
  >()

  /** This process, as the jobs it runs record it: `host:pid`. */
  private readonly owner = `${hostname()}:${process.pid}`

  constructor(
    private readonly db: () => Database,
    private readonly events: TypedEmitter<ApiEvents>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Ends the jobs of this host whose process has died (a crash, a kill), announcing each, so that
   * no page or CLI waits on them; called before jobs are listed.
   */
  endOrphans(): void {
    const db = this.db()
    for (const job of endOrphanedJobs(db, hostname(), processIsAlive, this.now())) this.events.emit('job:state', job)
  }

  /** Starts work as a job and returns the job at once. */
  start<T>(
    kind: JobKind,
    params: unknown,
    work: (context: JobContext) => Promise<T>,
    identity: StartIdentity = {},
  ): JobInfo {
    const db = this.db()
    const job = createJob(db, kind, params, this.now(), { idempotencyKey: identity.idempotencyKey, owner: this.owner })
    const controller = new AbortController()
    const context = this.context(db, job.id, controller)
    this.events.emit('job:state', startJob(db, job.id, this.now()))
    const done = work(context).then(
      (result) => this.finish(db, job.id, 'done', { result }),
      (error: unknown) => {
        if (error instanceof JobCancelledError || controller.signal.aborted) {
          const partial = error instanceof JobCancelledError ? error.partialResult : undefined
          this.finish(db, job.id, 'cancelled', partial === undefined ? {} : { result: partial })
        } else {
          const message = error instanceof Error ? error.message : String(error)
          context.log('error', message)
          this.finish(db, job.id, 'failed', { error: message })
        }
      },
    )
    this.running.set(job.id, { controller, done, fingerprint: identity.fingerprint })
    return getJob(db, job.id)
  }

  /** The job of this process still running for a start with this fingerprint, if any. */
  runningWith(fingerprint: string): number | undefined {
    for (const [id, job] of this.running) if (job.fingerprint === fingerprint) return id
    return undefined
  }

  /** Asks a job of this process to stop; false when it is not running here. */
  cancel(id: number): boolean {
    const job = this.running.get(id)
    job?.controller.abort()
    return job !== undefined
  }

  /** One job as the catalog has it now. */
  job(id: number): JobInfo {
    return getJob(this.db(), id)
  }

  /** Whether a job runs in this process now. */
  isRunning(id: number): boolean {
    return this.running.has(id)
  }

  /** Resolves when a job of this process has ended. */
  async wait(id: number): Promise<JobInfo> {
    await this.running.get(id)?.done
    return getJob(this.db(), id)
  }

  /** Cancels every running job and waits for each to end. */
  async stopAll(): Promise<void> {
    const jobs = [...this.running.values()]
    jobs.forEach((job) => job.controller.abort())
    await Promise.all(jobs.map((job) => job.done))
  }

  private finish(
    db: Database,
    id: number,
    state: 'done' | 'failed' | 'cancelled',
    outcome: { error?: string; result?: unknown },
  ): void {
    this.running.delete(id)
    if (!db.open) return
    this.events.emit('job:state', finishJob(db, id, state, outcome, this.now()))
  }

  private context(db: Database, jobId: number, controller: AbortController): JobContext {
    let lastEmit = 0
    let lastStore = 0
    const window: { at: number; done: number }[] = []
    return {
      jobId,
      signal: controller.signal,
      progress: (done, total, message = '') => {
        const at = Date.now()
        const final = total !== null && done >= total
        if (!final && at - lastEmit < EMIT_EVERY_MS) return
        lastEmit = at
        window.push({ at, done })
        while (window.length > 2 && at - (window[0]?.at ?? at) > 5000) window.shift()
        const first = window[0]
        const rate = first && at > first.at ? ((done - first.done) * 1000) / (at - first.at) : null
        const etaSeconds = rate && total !== null ? Math.max(0, (total - done) / rate) : null
        this.events.emit('job:progress', { jobId, done, total, rate, etaSeconds, message })
        if (final || at - lastStore >= STORE_EVERY_MS) {
          lastStore = at
          if (!db.open) return
          recordJobProgress(db, jobId, done, total, message)
          // Another process (the CLI, another window) may have asked this job to stop.
          if (isCancelRequested(db, jobId)) controller.abort()
        }
      },
      log: (level, message) => this.events.emit('job:log', { jobId, level, message, at: this.now().toISOString() }),
      metrics: (step, values) => this.events.emit('job:metrics', { jobId, step, values }),
      engine: (runId, engine, description) => this.events.emit('job:engine', { jobId, runId, engine, description }),
    }
  }
}
