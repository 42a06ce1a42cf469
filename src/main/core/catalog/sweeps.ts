import type { Database } from 'better-sqlite3'
import type { ParamValue, SweepSpec } from '@shared/sweep-spec'
import type { SweepInfo, SweepState, SweepTrial } from '@shared/sweeps'
import { plural } from '@shared/plural'
import { EarmarkError, notFound } from '../errors'
import { gridPoints } from '../sweeps/grid'
import { orderedDimensions } from '../sweeps/space'

interface TrialRow {
  id: number
  number: number
  rung: number
  params: string
  state: SweepState
  score: number | null
  std: number | null
  folds: string | null
  error: string | null
  seconds: number | null
  attempts: number
}

const toTrial = (row: TrialRow): SweepTrial => ({
  id: row.id,
  number: row.number,
  rung: row.rung,
  params: JSON.parse(row.params) as Record<string, ParamValue>,
  state: row.state,
  score: row.score,
  std: row.std,
  folds: row.folds ? (JSON.parse(row.folds) as number[]) : [],
  error: row.error,
  seconds: row.seconds,
  attempts: row.attempts,
})

const STRATEGY_NAMES: Record<SweepSpec['strategy'], string> = {
  grid: 'grid',
  random: 'random',
  tpe: 'TPE',
  halving: 'successive halving',
}

/**
 * What a sweep without a name of its own is called: what it searches, read from its spec
 * ("cnn · TPE · 20 trials"), so a list of sweeps tells them apart.
 */
export function sweepNameOf(spec: SweepSpec): string {
  const set = spec.set ?? spec.features
  return [spec.model, STRATEGY_NAMES[spec.strategy], plural(plannedTrials(spec), 'trial'), ...(set ? [set] : [])].join(
    ' · ',
  )
}

/** Trials a sweep plans: `trials`, or fewer for a grid with fewer points (a bad space is refused later). */
function plannedTrials(spec: SweepSpec): number {
  if (spec.strategy !== 'grid') return spec.trials
  try {
    return Math.min(spec.trials, gridPoints(orderedDimensions(spec.space), spec.fixed).length)
  } catch {
    return spec.trials
  }
}

export function createSweep(db: Database, spec: SweepSpec, now = new Date()): number {
  const name = spec.name ?? sweepNameOf(spec)
  return Number(
    db
      .prepare("INSERT INTO sweeps (name, spec, state, created_at) VALUES (?, ?, 'queued', ?)")
      .run(name, JSON.stringify(spec), now.toISOString()).lastInsertRowid,
  )
}

export function sweepSpecOf(db: Database, id: number): SweepSpec {
  const row = db.prepare('SELECT spec FROM sweeps WHERE id = ?').get(id) as { spec: string } | undefined
  if (!row) throw notFound(`Sweep ${id}`)
  return JSON.parse(row.spec) as SweepSpec
}

export function listTrials(db: Database, sweepId: number): SweepTrial[] {
  return (
    db.prepare('SELECT * FROM sweep_trials WHERE sweep_id = ? ORDER BY rung, number').all(sweepId) as TrialRow[]
  ).map(toTrial)
}

/** The best finished trial: highest score in the highest rung that has a finished trial. */
function bestTrial(trials: readonly SweepTrial[]): SweepTrial | null {
  const done = trials.filter((t) => t.state === 'done' && t.score !== null)
  const top = Math.max(...done.map((t) => t.rung))
  return (
    done
      .filter((t) => t.rung === top)
      .sort((a, b) => (b.score as number) - (a.score as number) || a.number - b.number)[0] ?? null
  )
}

export function getSweep(db: Database, id: number): SweepInfo {
  const row = db.prepare('SELECT * FROM sweeps WHERE id = ?').get(id) as
    | {
        id: number
        name: string
        spec: string
        state: SweepState
        error: string | null
        job_id: number | null
        fold_clips: string | null
        created_at: string
        finished_at: string | null
      }
    | undefined
  if (!row) throw notFound(`Sweep ${id}`)
  const trials = listTrials(db, id)
  return {
    id: row.id,
    name: row.name,
    spec: JSON.parse(row.spec) as SweepSpec,
    state: row.state,
    error: row.error,
    jobId: row.job_id,
    foldClips: row.fold_clips ? (JSON.parse(row.fold_clips) as number[][]) : [],
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    trials,
    best: bestTrial(trials),
  }
}

export function listSweeps(db: Database): Omit<SweepInfo, 'trials' | 'foldClips'>[] {
  const ids = db.prepare('SELECT id FROM sweeps ORDER BY id DESC').pluck().all() as number[]
  return ids.map((id) => {
    const { trials: _trials, foldClips: _folds, ...rest } = getSweep(db, id)
    return rest
  })
}

export function setSweepState(
  db: Database,
  id: number,
  state: SweepState,
  extra: { error?: string | null; jobId?: number } = {},
): void {
  const finished = state === 'done' || state === 'failed' || state === 'cancelled'
  db.prepare(
    `UPDATE sweeps SET state = ?, error = ?, job_id = COALESCE(?, job_id),
       finished_at = CASE WHEN ? THEN ? ELSE NULL END WHERE id = ?`,
  ).run(state, extra.error ?? null, extra.jobId ?? null, finished ? 1 : 0, new Date().toISOString(), id)
}

export function recordFolds(db: Database, id: number, foldClips: number[][]): void {
  db.prepare('UPDATE sweeps SET fold_clips = ? WHERE id = ?').run(JSON.stringify(foldClips), id)
}

/** Queues trials that are not queued yet (by rung and number), so a resumed sweep adds nothing twice. */
export function queueTrials(
  db: Database,
  sweepId: number,
  trials: readonly { number: number; rung?: number; params: Record<string, ParamValue> }[],
): void {
  const insert = db.prepare(
    "INSERT OR IGNORE INTO sweep_trials (sweep_id, number, rung, params, state) VALUES (?, ?, ?, ?, 'queued')",
  )
  db.transaction(() => {
    for (const t of trials) insert.run(sweepId, t.number, t.rung ?? 0, JSON.stringify(t.params))
  }).immediate()
}

/** The error a trial cancelled on its own carries; trials cancelled with their sweep carry none. */
const TRIAL_CANCELLED_BY_USER = 'cancelled by the user'

/**
 * Trials left running by a process that died, or stopped with their cancelled sweep, go back to
 * the queue: they never finished, so running them again does not run any finished trial twice.
 * A trial cancelled on its own stays cancelled.
 */
export function requeueUnfinished(db: Database, sweepId: number): number {
  return db
    .prepare(
      `UPDATE sweep_trials SET state = 'queued', started_at = NULL
       WHERE sweep_id = ? AND (state = 'running' OR (state = 'cancelled' AND error IS NULL))`,
    )
    .run(sweepId).changes
}

/**
 * Cancels one queued or running trial of a sweep; the sweep goes on. A queued trial is never
 * claimed; a running one is stopped by its sweep's runner, which watches for this state (from
 * any process sharing the catalog).
 */
export function cancelTrial(db: Database, sweepId: number, trialId: number): SweepTrial {
  const row = db
    .prepare(
      `UPDATE sweep_trials SET state = 'cancelled', error = ?, finished_at = ?
       WHERE id = ? AND sweep_id = ? AND state IN ('queued', 'running') RETURNING *`,
    )
    .get(TRIAL_CANCELLED_BY_USER, new Date().toISOString(), trialId, sweepId) as TrialRow | undefined
  if (row) return toTrial(row)
  const existing = db
    .prepare('SELECT state FROM sweep_trials WHERE id = ? AND sweep_id = ?')
    .pluck()
    .get(trialId, sweepId)
  if (existing === undefined) throw notFound(`Trial ${trialId} of sweep ${sweepId}`)
  throw new EarmarkError(
    'invalid-input',
    `trial ${trialId} is ${String(existing)}: only queued or running trials can be cancelled`,
  )
}

/** Whether a trial has been cancelled on its own (its runner polls this while the trial runs). */
export function trialCancelled(db: Database, trialId: number): boolean {
  return db.prepare("SELECT 1 FROM sweep_trials WHERE id = ? AND state = 'cancelled'").pluck().get(trialId) === 1
}

/** Takes the next queued trial of a rung and marks it running, in one statement. */
export function claimTrial(db: Database, sweepId: number, rung: number): SweepTrial | null {
  const row = db
    .prepare(
      `UPDATE sweep_trials SET state = 'running', attempts = attempts + 1, started_at = ?
       WHERE id = (SELECT id FROM sweep_trials WHERE sweep_id = ? AND rung = ? AND state = 'queued' ORDER BY number LIMIT 1)
       RETURNING *`,
    )
    .get(new Date().toISOString(), sweepId, rung) as TrialRow | undefined
  return row ? toTrial(row) : null
}

/** Records how a running trial ended; a trial cancelled meanwhile stays cancelled (its result is dropped). */
export function finishTrial(
  db: Database,
  trialId: number,
  result: { folds: number[]; seconds: number } | { error: string; seconds: number } | { cancelled: true },
): void {
  const now = new Date().toISOString()
  if ('cancelled' in result) {
    db.prepare("UPDATE sweep_trials SET state = 'cancelled', finished_at = ? WHERE id = ? AND state = 'running'").run(
      now,
      trialId,
    )
  } else if ('error' in result) {
    db.prepare(
      "UPDATE sweep_trials SET state = 'failed', error = ?, seconds = ?, finished_at = ? WHERE id = ? AND state = 'running'",
    ).run(result.error, result.seconds, now, trialId)
  } else {
    const n = result.folds.length
    const mean = result.folds.reduce((a, b) => a + b, 0) / n
    // Population standard deviation over folds, as scikit-learn's cv_results_ std_test_score.
    const std = Math.sqrt(result.folds.reduce((a, b) => a + (b - mean) ** 2, 0) / n)
    db.prepare(
      `UPDATE sweep_trials SET state = 'done', score = ?, std = ?, folds = ?, seconds = ?, finished_at = ?
       WHERE id = ? AND state = 'running'`,
    ).run(mean, std, JSON.stringify(result.folds), result.seconds, now, trialId)
  }
}
