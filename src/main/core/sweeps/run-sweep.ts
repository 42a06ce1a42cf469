import type { Database } from 'better-sqlite3'
import type { SweepInfo, SweepTrial } from '@shared/sweeps'
import { listClasses } from '../catalog/classes'
import {
  claimTrial,
  finishTrial,
  getSweep,
  listTrials,
  queueTrials,
  recordFolds,
  requeueUnfinished,
  setSweepState,
  sweepSpecOf,
  trialCancelled,
} from '../catalog/sweeps'
import { EarmarkError } from '../errors'
import { JobCancelledError, type JobContext } from '../jobs/runner'
import type { TrainingSet, TreeModelKind } from '../models/trees'
import { projectFeatureSet, recipeOf } from '../feature-sets/recipe'
import { loadDeepInputs, loadSummaryFeatures, type LoadFeaturesOptions } from '../runs/features'
import { deepRecipe } from '../runs/train-deep'
import { normalizeInputs, type InputNormalization } from '../training/normalize'
import { WorkerPool } from '../workers/pool'
import { workerScript, type TasksOf } from '../workers/script'
import { sweepClips, sweepFolds } from './folds'
import { halvingRungs, promote } from './halving'
import { nextTpeConfiguration, plannedConfigurations } from './plan'
import type { Params } from './space'
import type { TrialTask } from './objective'
import type { DeepTrialTask } from './deep-objective'
import { sweepParamSchemas } from './parameters'
import { isDeepRunModel } from '@shared/evaluation'
import { plural } from '@shared/plural'

export interface SweepOptions {
  /** Trials run side by side, each on its own worker thread (default: 2, one per core here). */
  workers?: number
  /** The project file, beside which its feature cache is (default: the catalog's own file). */
  projectPath?: string
  /** Computes one clip's missing features (the studio's worker pool). */
  compute?: LoadFeaturesOptions['compute']
}

/** The models a sweep can tune: those with a parameter schema for the builder and the checks. */
const SWEEP_MODELS: readonly string[] = Object.keys(sweepParamSchemas)

/** How often a running trial's lane checks whether the trial was cancelled on its own. */
const CANCEL_POLL_MS = 250

/**
 * Runs (or resumes) a sweep as a job: features once, then trials on worker threads, each
 * cross-validated. Trials are queued in the catalog before they run and marked when they end, so
 * a sweep whose process died resumes without running a finished trial again. The project's test
 * split, if it has one, is kept out: the sweep tunes on training data only.
 */
export async function runSweep(
  db: Database,
  sweepId: number,
  context: JobContext,
  options: SweepOptions = {},
): Promise<SweepInfo> {
  const spec = sweepSpecOf(db, sweepId)
  if (!SWEEP_MODELS.includes(spec.model)) {
    throw new EarmarkError(
      'invalid-input',
      `sweeps of ${spec.model} models are not available; sweep ${SWEEP_MODELS.join(', ')}`,
    )
  }
  setSweepState(db, sweepId, 'running', { jobId: context.jobId })
  const started = Date.now()
  // The training side of the split "train the best configuration" will use: never its test clips.
  const clips = sweepClips(db, spec.seed)
  const present = new Set(clips.map((c) => c.label))
  const classes = listClasses(db)
    .map((c) => c.name)
    .filter((n) => present.has(n))
  if (classes.length < 2)
    throw new EarmarkError('invalid-input', 'a sweep needs labelled clips of at least two classes')
  const index = new Map(classes.map((n, k) => [n, k]))

  context.progress(0, null, 'computing features')
  // Every trial trains on one feature set, read from the project's cache (computed where missing).
  const setName = spec.set ?? spec.features
  const source = { db, projectPath: options.projectPath ?? db.name, clipIds: clips.map((c) => c.id) }
  const featureOptions = {
    ...(options.compute ? { compute: options.compute } : {}),
    workers: options.workers ?? 2,
    signal: context.signal,
    onProgress: (done: number, total: number) =>
      context.progress(done, total, `features: ${done} of ${plural(total, 'clip')}`),
  }
  // Deep models read log-mel or MFCC inputs; trees, summary vectors. Either way computed once.
  let used: typeof clips
  let y: Int32Array
  let taskOf: (params: Params) => { name: 'trial'; input: TrialTask } | { name: 'deepTrial'; input: DeepTrialTask }
  if (isDeepRunModel(spec.model)) {
    const model = spec.model as DeepTrialTask['model']
    const recipe = deepRecipe(db, model, setName)
    const inputs = await loadDeepInputs(source, recipe, featureOptions)
    for (const f of inputs.failed) context.log('warn', `${f.path}: ${f.reason} (left out of the sweep)`)
    used = inputs.rows.map((r) => clips[r] as (typeof clips)[number])
    y = Int32Array.from(used, (c) => index.get(c.label) as number)
    const labels = y
    // Per-clip normalisation is part of a configuration's inputs; augmented copies are made only by runs.
    const normalized = new Map<string, Float32Array>()
    const featuresFor = (params: Params): Float32Array => {
      if (typeof params['augmentCopies'] === 'number' && params['augmentCopies'] > 0) {
        throw new EarmarkError('invalid-input', 'a sweep does not make augmented copies: leave augmentCopies out')
      }
      const setting = (params['normalize'] ?? 'none') as InputNormalization
      if (setting === 'none') return inputs.x
      let x = normalized.get(setting)
      if (!x) {
        x = inputs.x.slice()
        normalizeInputs(x, inputs.shape, setting, recipe)
        normalized.set(setting, x)
      }
      return x
    }
    taskOf = (params) => ({
      name: 'deepTrial',
      input: {
        model,
        features: featuresFor(params),
        shape: inputs.shape,
        labels,
        classes,
        folds,
        params,
        metric: spec.metric,
      },
    })
  } else {
    const set = projectFeatureSet(db, setName, 'summary')
    const recipe = recipeOf(set.name, set.params, { kind: 'summary' })
    const matrix = await loadSummaryFeatures(source, recipe, featureOptions)
    for (const f of matrix.failed) context.log('warn', `${f.path}: ${f.reason} (left out of the sweep)`)
    used = matrix.rows.map((r) => clips[r] as (typeof clips)[number])
    y = Int32Array.from(used, (c) => index.get(c.label) as number)
    const data: TrainingSet = {
      x: matrix.x,
      y,
      nRows: used.length,
      nFeatures: matrix.names.length,
      featureNames: matrix.names,
      classes,
    }
    taskOf = (params) => ({
      name: 'trial',
      input: { data, folds, model: spec.model as TreeModelKind, params, metric: spec.metric },
    })
  }
  const { folds, method: foldMethod } = sweepFolds(
    spec,
    y,
    used.map((c) => c.group),
    used.map((c) => c.fold),
  )
  context.log('info', `cross-validation: ${foldMethod}, on ${used.length} clips`)

  recordFolds(
    db,
    sweepId,
    folds.map((f) => f.test.map((r) => (used[r] as (typeof used)[number]).id)),
  )

  const lanes = Math.max(1, options.workers ?? 2)
  // One single-worker pool per lane: cancelling one trial stops its worker and no other trial's.
  const newPool = (): WorkerPool<TasksOf<'sweep-worker'>> =>
    new WorkerPool(workerScript('sweep-worker'), { size: 1, taskTimeoutMs: 6 * 60 * 60_000 })
  const pools = Array.from({ length: lanes }, newPool)
  const abort = (): void => {
    for (const pool of pools) void pool.close()
  }
  context.signal.addEventListener('abort', abort)
  requeueUnfinished(db, sweepId)
  const outOfTime = (): boolean =>
    spec.timeBudgetSeconds !== undefined && (Date.now() - started) / 1000 > spec.timeBudgetSeconds

  const runOne = async (trial: SweepTrial, lane: number): Promise<void> => {
    const begun = Date.now()
    const params: Params = { seed: spec.seed, ...trial.params }
    const task = taskOf(params)
    const pool = pools[lane] as WorkerPool<TasksOf<'sweep-worker'>>
    // A trial is cancelled on its own through the catalog (by this process or another): watch for it.
    let cancelledAlone = false
    const watch = setInterval(() => {
      if (!trialCancelled(db, trial.id)) return
      cancelledAlone = true
      clearInterval(watch)
      void pool.close()
    }, CANCEL_POLL_MS)
    try {
      const scores = await (task.name === 'trial' ? pool.run('trial', task.input) : pool.run('deepTrial', task.input))
      finishTrial(db, trial.id, { folds: scores, seconds: (Date.now() - begun) / 1000 })
    } catch (error) {
      if (cancelledAlone) {
        pools[lane] = newPool()
        context.log('info', `trial ${trial.number} cancelled`)
        return
      }
      if (context.signal.aborted) {
        finishTrial(db, trial.id, { cancelled: true })
        return
      }
      const message = error instanceof Error ? error.message : String(error)
      finishTrial(db, trial.id, { error: message, seconds: (Date.now() - begun) / 1000 })
      context.log('warn', `trial ${trial.number}: ${message}`)
    } finally {
      clearInterval(watch)
    }
  }

  const ended = (): number =>
    listTrials(db, sweepId).filter((t) => t.state === 'done' || t.state === 'failed' || t.state === 'cancelled').length

  /** Runs the queued trials of a rung, `workers` at a time; `refill` may queue more as they end. */
  const drain = async (rung: number, total: number, refill?: () => void): Promise<void> => {
    const running = Array.from({ length: lanes }, async (_, lane) => {
      for (;;) {
        if (context.signal.aborted || outOfTime()) return
        refill?.()
        const trial = claimTrial(db, sweepId, rung)
        if (!trial) return
        context.progress(ended(), total, `trial ${trial.number} running`)
        await runOne(trial, lane)
        const done = ended()
        const best = getSweep(db, sweepId).best
        context.progress(done, total, best ? `best ${spec.metric} ${best.score?.toFixed(4)}` : plural(done, 'trial'))
      }
    })
    await Promise.all(running)
  }

  try {
    if (spec.strategy === 'grid' || spec.strategy === 'random') {
      const planned = plannedConfigurations(spec)
      queueTrials(
        db,
        sweepId,
        planned.map((params, number) => ({ number, params })),
      )
      await drain(0, planned.length)
    } else if (spec.strategy === 'tpe') {
      const refill = (): void => {
        const trials = listTrials(db, sweepId)
        if (trials.length >= spec.trials) return
        if (trials.some((t) => t.state === 'queued')) return
        const history = trials
          .filter((t) => t.state === 'done' && t.score !== null)
          .map((t) => ({ params: t.params, score: t.score as number }))
        const params = nextTpeConfiguration(spec, trials.length, history)
        queueTrials(db, sweepId, [{ number: trials.length, params }])
      }
      await drain(0, spec.trials, refill)
    } else {
      const { halving } = spec
      if (!halving) throw new EarmarkError('invalid-input', 'the halving strategy needs {"halving": {...}}')
      const rungs = halvingRungs(spec.trials, halving.minBudget, halving.maxBudget, halving.eta)
      const first = plannedConfigurations({ ...spec, strategy: 'random' })
      const total = rungs.reduce((a, r) => a + r.configurations, 0)
      queueTrials(
        db,
        sweepId,
        first.map((params, number) => ({
          number,
          params: { ...params, [halving.parameter]: rungs[0]?.budget ?? halving.minBudget },
        })),
      )
      for (let r = 0; r < rungs.length; r++) {
        await drain(r, total)
        const next = rungs[r + 1]
        if (!next || context.signal.aborted || outOfTime()) break
        const here = listTrials(db, sweepId).filter((t) => t.rung === r)
        const keep = promote(
          here.map((t) => (t.state === 'done' ? (t.score as number) : NaN)),
          next.configurations,
        )
        queueTrials(
          db,
          sweepId,
          keep.flatMap((i) => {
            const trial = here[i]
            return trial
              ? [{ number: trial.number, rung: r + 1, params: { ...trial.params, [halving.parameter]: next.budget } }]
              : []
          }),
        )
      }
    }
  } finally {
    context.signal.removeEventListener('abort', abort)
    await Promise.all(pools.map((pool) => pool.close()))
  }
  if (context.signal.aborted) {
    setSweepState(db, sweepId, 'cancelled')
    throw new JobCancelledError(getSweep(db, sweepId))
  }
  setSweepState(db, sweepId, 'done')
  if (outOfTime()) context.log('info', `time budget of ${spec.timeBudgetSeconds} s reached; queued trials left`)
  return getSweep(db, sweepId)
}
