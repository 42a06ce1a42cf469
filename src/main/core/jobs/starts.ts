import type { Database } from 'better-sqlite3'
import type { MethodName } from '@shared/contract'
import type { JobInfo, JobKind } from '@shared/domain'
import { findJobByKey } from '../catalog/jobs'
import { EarmarkError } from '../errors'
import { stableHash } from '../feature-sets/keys'
import type { JobRunner, StartIdentity } from './runner'

/** What a job-starting method does once it is sure it should start: check, record, start the job. */
export type Begin<R> = (identity: StartIdentity) => R | Promise<R>

/**
 * Makes job starts idempotent, so that a double click, a retried request or two windows asking for
 * the same work make one job:
 *
 * - a start with an idempotency key that a job already carries gets that job back (the key is in
 *   the catalog, so this holds across processes and after the job has ended);
 * - a start identical to one still being prepared (training reads features before its job exists)
 *   or still running in this process gets that start's answer rather than a second job. Identical
 *   means the same method with the same input once defaults are applied, the key left out.
 *
 * Once the first job has ended, an identical start is a new job: training the same settings again
 * is a choice the user can make.
 */
export class JobStarts {
  /** Starts being prepared, by `key:<key>` and by `same:<fingerprint>`. */
  private readonly pending = new Map<string, Promise<unknown>>()

  constructor(
    private readonly db: () => Database,
    private readonly runner: JobRunner,
  ) {}

  /**
   * Starts a job through `begin` unless an earlier start stands for this one; `existing` turns
   * that earlier start's job into the method's answer.
   */
  async start<R, I extends { idempotencyKey?: string | undefined }>(
    method: MethodName,
    kind: JobKind,
    input: I,
    begin: Begin<R>,
    existing: (job: JobInfo) => R,
  ): Promise<R> {
    const { idempotencyKey, ...request } = input
    const fingerprint = `${method}:${stableHash(request)}`
    if (idempotencyKey !== undefined) {
      const sameClick = this.pending.get(`key:${idempotencyKey}`)
      if (sameClick) return (await sameClick) as R
      const prior = findJobByKey(this.db(), idempotencyKey)
      if (prior) {
        if (prior.kind !== kind) {
          throw new EarmarkError(
            'conflict',
            `idempotency key ${idempotencyKey} belongs to job ${prior.id} (${prior.kind}), not to a ${kind} job`,
          )
        }
        return existing(prior)
      }
    }
    const identical = this.pending.get(`same:${fingerprint}`)
    if (identical) return (await identical) as R
    const runningId = this.runner.runningWith(fingerprint)
    if (runningId !== undefined) return existing(this.runner.job(runningId))

    const identity: StartIdentity = { fingerprint, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) }
    const started = Promise.resolve().then(() => begin(identity))
    const slots = [`same:${fingerprint}`, ...(idempotencyKey === undefined ? [] : [`key:${idempotencyKey}`])]
    slots.forEach((slot) => this.pending.set(slot, started))
    try {
      return await started
    } finally {
      slots.forEach((slot) => this.pending.delete(slot))
    }
  }
}
