import type { Database } from 'better-sqlite3'
import type { RegionWindowing, TrainingSource } from '@shared/detection'
import type { Split } from '@shared/domain'
import type {
  ClassificationMetrics,
  RunDetail,
  RunImportances,
  RunInfo,
  RunFeatureSet,
  RunPrediction,
  RunSplit,
  RunState,
  SplitPolicy,
} from '@shared/evaluation'
import { notFound } from '../errors'
import { legacyRecipe, recipeRecord } from '../feature-sets/recipe'

/** A labelled clip a run can train or be evaluated on. */
export interface TrainingClip {
  id: number
  path: string
  split: Split | null
  group: string | null
  fold: number | null
  sampleRate: number
  /** Seconds. */
  duration: number
  /** Its one class's name. */
  label: string
  /** When its labels were last set. */
  labelVersion: string | null
}

/** What training skipped, and why. */
export interface SkippedClips {
  missing: number
  badAudio: number
  /** Clips with more than one class (single-label training cannot use them). */
  multiLabel: number
}

/**
 * The clips a single-label run can use: present, not flagged as bad audio, with exactly one class.
 * Ordered by id, so that the same project gives the same rows.
 */
export function trainingClips(db: Database): { clips: TrainingClip[]; skipped: SkippedClips } {
  const rows = db
    .prepare(
      `SELECT c.id, c.path, c.split, c.group_name, c.fold, c.sample_rate, c.duration, c.missing, c.bad_audio,
              COUNT(l.class_id) AS labels, MIN(k.name) AS label,
              COALESCE(c.labeled_at, MAX(l.updated_at)) AS label_version
       FROM clips c JOIN clip_labels l ON l.clip_id = c.id JOIN classes k ON k.id = l.class_id
       GROUP BY c.id ORDER BY c.id`,
    )
    .all() as {
    id: number
    path: string
    split: Split | null
    group_name: string | null
    fold: number | null
    sample_rate: number
    duration: number
    missing: number
    bad_audio: number
    labels: number
    label: string
    label_version: string | null
  }[]
  const skipped: SkippedClips = { missing: 0, badAudio: 0, multiLabel: 0 }
  const clips: TrainingClip[] = []
  for (const r of rows) {
    if (r.missing === 1) skipped.missing++
    else if (r.bad_audio === 1) skipped.badAudio++
    else if (r.labels > 1) skipped.multiLabel++
    else {
      clips.push({
        id: r.id,
        path: r.path,
        split: r.split,
        group: r.group_name,
        fold: r.fold,
        sampleRate: r.sample_rate,
        duration: r.duration,
        label: r.label,
        labelVersion: r.label_version,
      })
    }
  }
  return { clips, skipped }
}

/** A run as it starts. */
export interface NewRun {
  model: string
  engine: string
  params: Record<string, unknown>
  featureConfig: Record<string, unknown>
  featureHash: string
  seed: number
  labels: readonly string[]
  splitMethod: string
  splitPolicy: SplitPolicy
  jobId: number | null
  /** The feature set it trains from (every run made now has one). */
  featureSet?: RunFeatureSet
}

/** Records a run in the running state; returns its id. */
export function insertRun(db: Database, run: NewRun, now = new Date()): number {
  const info = db
    .prepare(
      `INSERT INTO runs (model, engine, state, params, feature_config, feature_hash, seed, labels, split_method, split_policy, job_id, created_at)
       VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      run.model,
      run.engine,
      JSON.stringify(run.params),
      JSON.stringify(run.featureConfig),
      run.featureHash,
      run.seed,
      JSON.stringify(run.labels),
      run.splitMethod,
      run.splitPolicy,
      run.jobId,
      now.toISOString(),
    )
  const id = Number(info.lastInsertRowid)
  if (run.featureSet) db.prepare('UPDATE runs SET feature_set = ? WHERE id = ?').run(JSON.stringify(run.featureSet), id)
  return id
}

/** A clip of a run: the split it is in, its label and label version at training time. */
export interface RunClip {
  clipId: number
  split: RunSplit
  label: string
  labelVersion: string | null
}

/** Records the clips a run uses. */
export function insertRunClips(db: Database, runId: number, clips: readonly RunClip[]): void {
  const insert = db.prepare(
    'INSERT INTO run_clips (run_id, clip_id, split, label, label_version) VALUES (?, ?, ?, ?, ?)',
  )
  db.transaction(() => {
    for (const c of clips) insert.run(runId, c.clipId, c.split, c.label, c.labelVersion)
  }).immediate()
}

/** Records a run's prediction for some of its clips: the class name and every class's probability. */
export function setRunPredictions(
  db: Database,
  runId: number,
  predictions: readonly { clipId: number; predicted: string; probabilities: ArrayLike<number> }[],
): void {
  const update = db.prepare('UPDATE run_clips SET predicted = ?, probabilities = ? WHERE run_id = ? AND clip_id = ?')
  db.transaction(() => {
    for (const p of predictions) {
      update.run(p.predicted, JSON.stringify(Array.from(p.probabilities)), runId, p.clipId)
    }
  }).immediate()
}

/** Stores a run's metrics on one split (replacing earlier ones). */
export function putRunMetrics(db: Database, runId: number, split: RunSplit, metrics: ClassificationMetrics): void {
  db.prepare(
    `INSERT INTO run_metrics (run_id, split, metrics) VALUES (?, ?, ?)
     ON CONFLICT (run_id, split) DO UPDATE SET metrics = excluded.metrics`,
  ).run(runId, split, JSON.stringify(metrics))
}

/** Appends (or replaces) one epoch's values. */
export function putRunEpoch(
  db: Database,
  runId: number,
  epoch: number,
  values: Record<string, number>,
  now = new Date(),
): void {
  db.prepare(
    `INSERT INTO run_epochs (run_id, epoch, "values", at) VALUES (?, ?, ?, ?)
     ON CONFLICT (run_id, epoch) DO UPDATE SET "values" = excluded."values", at = excluded.at`,
  ).run(runId, epoch, JSON.stringify(values), now.toISOString())
}

/** How a run ended. */
export interface RunOutcome {
  state: Exclude<RunState, 'running'>
  error?: string
  modelPath?: string
  featureNames?: readonly string[]
  timings?: Record<string, number>
  importances?: RunImportances
}

/** Ends a run. */
export function finishRun(db: Database, runId: number, outcome: RunOutcome, now = new Date()): void {
  db.prepare(
    `UPDATE runs SET state = ?, error = ?, model_path = COALESCE(?, model_path),
            feature_names = COALESCE(?, feature_names), timings = COALESCE(?, timings),
            importances = COALESCE(?, importances), finished_at = ?
     WHERE id = ?`,
  ).run(
    outcome.state,
    outcome.error ?? null,
    outcome.modelPath ?? null,
    outcome.featureNames ? JSON.stringify(outcome.featureNames) : null,
    outcome.timings ? JSON.stringify(outcome.timings) : null,
    outcome.importances ? JSON.stringify(outcome.importances) : null,
    now.toISOString(),
    runId,
  )
}

interface RunRow {
  id: number
  model: string
  engine: string
  state: RunState
  params: string
  feature_config: string
  feature_hash: string
  feature_names: string
  importances: string
  seed: number
  labels: string
  split_method: string
  feature_set: string | null
  split_policy: SplitPolicy
  model_path: string | null
  error: string | null
  job_id: number | null
  timings: string
  created_at: string
  finished_at: string | null
  source: TrainingSource
  windowing: string | null
}

/**
 * A clip's label now, as run_clips.label records it: its one class's name; null without a class,
 * several names joined with '+' for several (never equal to a recorded label).
 */
const CURRENT_LABEL = `(SELECT GROUP_CONCAT(k.name, '+') FROM clip_labels l JOIN classes k ON k.id = l.class_id
                        WHERE l.clip_id = rc.clip_id)`

function toRunInfo(db: Database, r: RunRow): RunInfo {
  const counts = db.prepare('SELECT split, COUNT(*) AS n FROM run_clips WHERE run_id = ? GROUP BY split').all(r.id) as {
    split: RunSplit
    n: number
  }[]
  const test = db.prepare("SELECT metrics FROM run_metrics WHERE run_id = ? AND split = 'test'").pluck().get(r.id) as
    string | undefined
  const testMetrics = test === undefined ? undefined : (JSON.parse(test) as ClassificationMetrics)
  return {
    id: r.id,
    model: r.model,
    engine: r.engine,
    state: r.state,
    params: JSON.parse(r.params) as Record<string, unknown>,
    featureConfig: JSON.parse(r.feature_config) as Record<string, unknown>,
    featureHash: r.feature_hash,
    seed: r.seed,
    labels: JSON.parse(r.labels) as string[],
    clipCounts: Object.fromEntries(counts.map((c) => [c.split, c.n])),
    splitMethod: r.split_method,
    splitPolicy: r.split_policy,
    accuracy: testMetrics?.accuracy ?? null,
    macroF1: testMetrics?.macro.f1 ?? null,
    modelPath: r.model_path,
    error: r.error,
    jobId: r.job_id,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    timings: JSON.parse(r.timings) as Record<string, number>,
    outdatedLabels: outdatedLabelCount(db, r.id),
    source: r.source,
  }
}

/**
 * How many of a run's clips carry another label now than when it trained (or none, or were
 * removed). A run on regions learned from regions, not clip labels: none of its clips counts.
 */
function outdatedLabelCount(db: Database, runId: number): number {
  return db
    .prepare(
      `SELECT COUNT(*) FROM run_clips rc JOIN runs r ON r.id = rc.run_id
       WHERE rc.run_id = ? AND r.source = 'clips' AND ${CURRENT_LABEL} IS NOT rc.label`,
    )
    .pluck()
    .get(runId) as number
}

/** Every run, newest first. */
export function listRuns(db: Database): RunInfo[] {
  return (db.prepare('SELECT * FROM runs ORDER BY id DESC').all() as RunRow[]).map((r) => toRunInfo(db, r))
}

/** One run with its metrics, history and feature names. */
export function getRun(db: Database, id: number): RunDetail {
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined
  if (!row) throw notFound(`Run ${id}`)
  const metrics = db.prepare('SELECT split, metrics FROM run_metrics WHERE run_id = ?').all(id) as {
    split: RunSplit
    metrics: string
  }[]
  const epochs = db.prepare('SELECT epoch, "values" FROM run_epochs WHERE run_id = ? ORDER BY epoch').all(id) as {
    epoch: number
    values: string
  }[]
  return {
    ...toRunInfo(db, row),
    metrics: Object.fromEntries(metrics.map((m) => [m.split, JSON.parse(m.metrics) as ClassificationMetrics])),
    history: epochs.map((e) => ({ epoch: e.epoch, values: JSON.parse(e.values) as Record<string, number> })),
    featureNames: JSON.parse(row.feature_names) as string[],
    importances: JSON.parse(row.importances) as RunImportances,
    featureSet: runFeatureSet(row),
    windowing: row.windowing === null ? null : (JSON.parse(row.windowing) as RegionWindowing),
  }
}

/** Records that a run trains on windows of regions, and how it cuts them. */
export function setRunWindowing(db: Database, runId: number, windowing: RegionWindowing): void {
  db.prepare("UPDATE runs SET source = 'regions', windowing = ? WHERE id = ?").run(JSON.stringify(windowing), runId)
}

/** A run's recorded feature set; a run recorded before runs kept one reads as its configuration under an empty pipeline. */
function runFeatureSet(row: Pick<RunRow, 'feature_set' | 'feature_config'>): RunFeatureSet {
  if (row.feature_set !== null) return JSON.parse(row.feature_set) as RunFeatureSet
  const config = JSON.parse(row.feature_config) as Record<string, unknown>
  try {
    return recipeRecord(legacyRecipe(config))
  } catch {
    // A configuration this Earmark no longer accepts still shows as recorded.
    return { name: null, paramsHash: '', pipeline: [], config, input: { kind: 'summary' } }
  }
}

/** Deletes a run and everything recorded with it; returns its model path (for the caller to remove). */
export function deleteRun(db: Database, id: number): { modelPath: string | null } {
  const row = db.prepare('SELECT model_path FROM runs WHERE id = ?').get(id) as
    { model_path: string | null } | undefined
  if (!row) throw notFound(`Run ${id}`)
  db.prepare('DELETE FROM runs WHERE id = ?').run(id)
  return { modelPath: row.model_path }
}

/** Which of a run's predictions to list. */
export interface PredictionQuery {
  split: RunSplit
  /** Only clips of this true class (name). */
  trueLabel?: string
  /** Only clips predicted as this class (name). */
  predicted?: string
  /** Only clips predicted wrong. */
  errorsOnly?: boolean
  offset: number
  limit: number
}

/** A page of a run's per-clip predictions on one split (a confusion cell, with both labels given). */
export function runPredictions(
  db: Database,
  runId: number,
  q: PredictionQuery,
): { rows: RunPrediction[]; total: number } {
  const labels = runLabels(db, runId)
  const where = ['rc.run_id = ?', 'rc.split = ?', 'rc.predicted IS NOT NULL']
  const params: unknown[] = [runId, q.split]
  if (q.trueLabel !== undefined) {
    where.push('rc.label = ?')
    params.push(q.trueLabel)
  }
  if (q.predicted !== undefined) {
    where.push('rc.predicted = ?')
    params.push(q.predicted)
  }
  if (q.errorsOnly) where.push('rc.predicted IS NOT rc.label')
  const clause = where.join(' AND ')
  const total = db
    .prepare(`SELECT COUNT(*) FROM run_clips rc WHERE ${clause}`)
    .pluck()
    .get(...params) as number
  const rows = db
    .prepare(
      `SELECT rc.clip_id, COALESCE(c.path, '') AS path, rc.split, rc.label, rc.predicted, rc.probabilities,
              ${CURRENT_LABEL} AS current
       FROM run_clips rc LEFT JOIN clips c ON c.id = rc.clip_id
       WHERE ${clause} ORDER BY rc.clip_id LIMIT ? OFFSET ?`,
    )
    .all(...params, q.limit, q.offset) as {
    clip_id: number
    path: string
    split: RunSplit
    label: string
    predicted: string
    probabilities: string
    current: string | null
  }[]
  return {
    total,
    rows: rows.map((r) => {
      const probabilities = JSON.parse(r.probabilities) as number[]
      const top = probabilities
        .map((probability, k) => ({ label: labels[k] ?? String(k), probability }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, 5)
      return {
        clipId: r.clip_id,
        path: r.path,
        split: r.split,
        true: r.label,
        predicted: r.predicted,
        top,
        probabilities,
        currentLabel: r.current === r.label ? null : r.current,
      }
    }),
  }
}

/** A run's class names, in its matrix order. */
export function runLabels(db: Database, runId: number): string[] {
  const labels = db.prepare('SELECT labels FROM runs WHERE id = ?').pluck().get(runId) as string | undefined
  if (labels === undefined) throw notFound(`Run ${runId}`)
  return JSON.parse(labels) as string[]
}

/** Every evaluated clip of a split, in clip order: for metrics, curves and label-error searches. */
export function runSplitPredictions(
  db: Database,
  runId: number,
  split: RunSplit,
): { clipId: number; label: string; predicted: string; probabilities: number[] }[] {
  return (
    db
      .prepare(
        `SELECT clip_id, label, predicted, probabilities FROM run_clips
         WHERE run_id = ? AND split = ? AND predicted IS NOT NULL ORDER BY clip_id`,
      )
      .all(runId, split) as { clip_id: number; label: string; predicted: string; probabilities: string }[]
  ).map((r) => ({
    clipId: r.clip_id,
    label: r.label,
    predicted: r.predicted,
    probabilities: JSON.parse(r.probabilities) as number[],
  }))
}

/** Records the engine a run trains on, once its worker has chosen one. */
export function setRunEngine(db: Database, runId: number, engine: string): void {
  db.prepare('UPDATE runs SET engine = ? WHERE id = ?').run(engine, runId)
}

/** Puts a stopped run back in the running state under a new job (resuming it; the run keeps its id). */
export function reopenRun(db: Database, runId: number, jobId: number): void {
  db.prepare("UPDATE runs SET state = 'running', error = NULL, finished_at = NULL, job_id = ? WHERE id = ?").run(
    jobId,
    runId,
  )
}

/** A run's clip with where its audio is now (null when the clip has left the catalog). */
export interface RunClipSource extends RunClip {
  path: string | null
}

/** The clips a run recorded, in clip order, with their current paths. */
export function runClipSources(db: Database, runId: number): RunClipSource[] {
  const rows = db
    .prepare(
      `SELECT rc.clip_id, rc.split, rc.label, rc.label_version, c.path
       FROM run_clips rc LEFT JOIN clips c ON c.id = rc.clip_id
       WHERE rc.run_id = ? ORDER BY rc.clip_id`,
    )
    .all(runId) as {
    clip_id: number
    split: RunSplit
    label: string
    label_version: string | null
    path: string | null
  }[]
  return rows.map((r) => ({
    clipId: r.clip_id,
    split: r.split,
    label: r.label,
    labelVersion: r.label_version,
    path: r.path,
  }))
}

/** Forgets some clips of a run (clips it planned to use but could not read). */
export function removeRunClips(db: Database, runId: number, clipIds: readonly number[]): void {
  const remove = db.prepare('DELETE FROM run_clips WHERE run_id = ? AND clip_id = ?')
  db.transaction(() => {
    for (const id of clipIds) remove.run(runId, id)
  }).immediate()
}
