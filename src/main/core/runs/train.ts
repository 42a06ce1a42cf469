import type { Database } from 'better-sqlite3'
import type {
  FeatureImportanceRow,
  RunImportances,
  RunSplit,
  SplitPolicy,
  SplitSummary,
  TrainSummary,
} from '@shared/evaluation'
import type { AugmentedCopies, AugmentedCopiesTask } from '../augment/copies'
import { listClasses } from '../catalog/classes'
import { labeledRegionCount } from '../catalog/region-training'
import { runSideClips } from '../catalog/clip-splits'
import {
  finishRun,
  insertRun,
  insertRunClips,
  putRunMetrics,
  setRunPredictions,
  trainingClips,
  type SkippedClips,
  type TrainingClip,
} from '../catalog/runs'
import { EarmarkError } from '../errors'
import { catalogSplit, classificationMetrics, findLeakage, type LeakageClip } from '../evaluation'
import type { ClipFeatureResult, ClipFeatureTask } from '../feature-sets/compute'
import {
  assertWholeClips,
  projectFeatureSet,
  recipeHash,
  recipeOf,
  recipeRecord,
  type Recipe,
} from '../feature-sets/recipe'
import { resolveFeatureSetParams } from '../feature-sets/sets'
import type { FeatureConfig, FeatureConfigInput } from '../features'
import type { JobContext } from '../jobs/runner'
import {
  trainTreeModel,
  treeModelToDocument,
  treeParamsSchemas,
  type TrainingSet,
  type TreeModel,
  type TreeModelKind,
  type TreeTrainOptions,
} from '../models/trees'
import { impurityImportance, permutationImportance, type FeatureImportance } from '../models/trees/importance'
import { parseParams } from '../models/trees/params'
import { runFolder, writeRunFiles } from './artifacts'
import { loadSummaryFeatures } from './features'

/** What `train:start` asks for. */
export interface TrainRequest {
  model: TreeModelKind
  /** Hyperparameters by their documented names; the rest take scikit-learn's defaults. */
  params: Record<string, unknown>
  /** The project's feature set to train from, by name; default: the project's default set. */
  set?: string
  /** A feature configuration given inline instead of a set (under an empty pipeline). */
  features?: FeatureConfigInput
  /** Seeds the split of clips without one and, unless params give their own, the model. */
  seed: number
  /**
   * Share drawn to test among clips the catalog gives no split (default 0.2): of each class, or
   * of the clips in whole groups when they carry groups.
   */
  testFraction?: number
}

/** A checked request with the clips it will use, ready to run as a job. */
export interface PreparedTraining {
  request: TrainRequest
  params: Record<string, unknown>
  /** The feature set the run trains from, and its configuration. */
  recipe: Recipe
  config: FeatureConfig
  clips: TrainingClip[]
  labels: string[]
  /** Class index of each clip. */
  y: Int32Array
  split: { train: number[]; val: number[]; test: number[]; policy: SplitPolicy; method: string }
  /** Labelled clips left out: missing files, bad audio, several classes. */
  skipped: SkippedClips
}

/**
 * Checks a training request against the project before any job starts, so that a misspelt
 * hyperparameter or a project without two labelled classes fails at once, as invalid input.
 */
export function prepareTraining(db: Database, request: TrainRequest): PreparedTraining {
  const params = parseParams(
    treeParamsSchemas[request.model],
    { ...request.params, seed: request.params['seed'] ?? request.seed },
    request.model === 'rf' ? 'random forest' : 'gradient boosting',
  ) as Record<string, unknown>
  const { clips, skipped, labels, y, split } = labelledSplit(db, request.seed, request.testFraction ?? 0.2)
  if (split.train.length === 0) throw new EarmarkError('invalid-input', 'no clip is left to train on')
  const recipe = treeRecipe(db, request)
  return { request, params, recipe, config: recipe.config, clips, labels, y, split, skipped }
}

/**
 * The clips a single-label run can use, its classes (in palette order, as the studio lists them),
 * each clip's class index, and its split by the project's split policy (`catalogSplit`: the
 * catalog's split column; where clips have none, whole groups held out when they carry groups,
 * else a seeded stratified draw). Fewer than two classes is an invalid-input error.
 */
export function labelledSplit(
  db: Database,
  seed: number,
  testFraction: number,
): {
  clips: TrainingClip[]
  skipped: SkippedClips
  labels: string[]
  y: Int32Array
  split: ReturnType<typeof catalogSplit>
} {
  const { clips, skipped } = trainingClips(db)
  const present = new Set(clips.map((c) => c.label))
  const labels = listClasses(db)
    .map((c) => c.name)
    .filter((name) => present.has(name))
  if (labels.length < 2) {
    const regions = labeledRegionCount(db)
    throw new EarmarkError(
      'invalid-input',
      `training needs clips of at least two classes; the project has labelled clips of ${labels.length}${regions > 0 ? ` (its ${regions} labeled regions train a model on windows: train from regions)` : ''}`,
    )
  }
  const index = new Map(labels.map((name, k) => [name, k]))
  const y = Int32Array.from(clips, (c) => index.get(c.label) as number)
  const split = catalogSplit(
    clips.map((c) => c.split),
    y,
    seed,
    testFraction,
    clips.map((c) => c.group),
  )
  return { clips, skipped, labels, y, split }
}

/**
 * The recipe of a tree run: summary vectors of the named set, of a configuration given inline
 * (empty pipeline), or of the project's default set. A set that segments clips is refused.
 */
export function treeRecipe(db: Database, request: Pick<TrainRequest, 'set' | 'features'>): Recipe {
  if (request.set !== undefined && request.features !== undefined) {
    throw new EarmarkError('invalid-input', 'give a feature set or a feature configuration, not both')
  }
  const set = request.features
    ? { name: null, params: resolveFeatureSetParams([], request.features) }
    : projectFeatureSet(db, request.set, 'summary')
  const recipe = recipeOf(set.name, set.params, { kind: 'summary' })
  assertWholeClips(recipe)
  return recipe
}

/** Where a run runs, and how. */
export interface TrainEnvironment {
  db: Database
  projectPath: string
  /** Worker threads for features and training. */
  workers: number
  /** Computes one clip's missing features (the studio's worker pool); default: a pool of `workers` threads. */
  compute?: (task: ClipFeatureTask) => Promise<ClipFeatureResult>
  /** Makes one training clip's augmented copies (the studio's worker pool); default: a pool of `workers` threads. */
  augment?: (task: AugmentedCopiesTask) => Promise<AugmentedCopies>
  now: () => Date
}

/**
 * Trains a tree model as a job: records the run, computes the clips' summary features, fits on
 * the training split, evaluates on validation and test, saves the model beside the project and
 * stores metrics and per-clip predictions. A failure or cancel marks the run so.
 */
export async function runTraining(
  env: TrainEnvironment,
  prepared: PreparedTraining,
  context: JobContext,
): Promise<TrainSummary> {
  const started = performance.now()
  const { db, now } = env
  const { request, params, recipe, clips, labels, y, split } = prepared
  const runId = insertRun(
    db,
    {
      model: request.model,
      engine: 'js',
      params,
      featureConfig: { ...recipe.config },
      featureHash: recipeHash(recipe),
      featureSet: recipeRecord(recipe),
      seed: request.seed,
      labels,
      splitMethod: split.method,
      splitPolicy: split.policy,
      jobId: context.jobId,
    },
    now(),
  )
  const timings: Record<string, number> = {}
  const lap = (name: string, since: number): number => {
    const at = performance.now()
    timings[name] = (at - since) / 1000
    return at
  }
  const { missing, badAudio, multiLabel } = prepared.skipped
  if (missing + badAudio + multiLabel > 0) {
    context.log(
      'info',
      `left out ${missing} missing, ${badAudio} bad-audio and ${multiLabel} multi-label clips of ${clips.length + missing + badAudio + multiLabel} labelled`,
    )
  }
  try {
    // Features of every clip the run uses.
    let at = performance.now()
    const source = { db, projectPath: env.projectPath, clipIds: clips.map((c) => c.id) }
    const matrix = await loadSummaryFeatures(source, recipe, {
      ...(env.compute ? { compute: env.compute } : {}),
      workers: env.workers,
      signal: context.signal,
      onProgress: (done, total) => context.progress(done, total, 'computing features'),
    })
    for (const f of matrix.failed.slice(0, 20)) context.log('warn', `${f.path}: ${f.reason}`)
    if (matrix.failed.length > 20) context.log('warn', `… and ${matrix.failed.length - 20} more clips failed`)
    const rowOf = new Map(matrix.rows.map((index, r) => [index, r]))
    const keep = (indices: number[]): number[] => indices.filter((i) => rowOf.has(i))
    const parts: Record<'train' | 'val' | 'test', number[]> = {
      train: keep(split.train),
      val: keep(split.val),
      test: keep(split.test),
    }
    if (parts.train.length === 0) throw new Error('no training clip could be read')
    insertRunClips(
      db,
      runId,
      (['train', 'val', 'test'] as const).flatMap((s) =>
        parts[s].map((i) => {
          const clip = clips[i] as TrainingClip
          return { clipId: clip.id, split: s, label: clip.label, labelVersion: clip.labelVersion }
        }),
      ),
    )
    const subset = (indices: number[]): TrainingSet => {
      const width = matrix.names.length
      const x = new Float64Array(indices.length * width)
      indices.forEach((i, r) => {
        const row = rowOf.get(i) as number
        x.set(matrix.x.subarray(row * width, (row + 1) * width), r * width)
      })
      return {
        x,
        nRows: indices.length,
        nFeatures: width,
        y: Int32Array.from(indices, (i) => y[i] as number),
        featureNames: matrix.names,
        classes: labels,
      }
    }
    at = lap('features', at)

    // Fit.
    const model = await trainTreeModel(request.model, subset(parts.train), params, treeJobOptions(env, context))
    at = lap('fit', at)

    // Evaluate, and keep every evaluated clip's prediction.
    let testMetrics: ReturnType<typeof classificationMetrics> | undefined
    for (const s of ['train', 'val', 'test'] as const) {
      if (parts[s].length === 0) continue
      const data = subset(parts[s])
      const metrics = evaluate(model, data, labels)
      putRunMetrics(db, runId, s as RunSplit, metrics.metrics)
      if (s === 'test') testMetrics = metrics.metrics
      if (s === 'train') continue
      setRunPredictions(
        db,
        runId,
        parts[s].map((i, r) => ({
          clipId: (clips[i] as TrainingClip).id,
          predicted: labels[metrics.predicted[r] as number] as string,
          probabilities: metrics.proba.subarray(r * labels.length, (r + 1) * labels.length),
        })),
      )
    }
    // Importances: impurity from training; permutation on held-out clips, where it is unbiased.
    const heldOut = parts.test.length > 0 ? parts.test : parts.val
    const row = (f: FeatureImportance): FeatureImportanceRow => ({
      feature: f.feature,
      importance: f.importance,
      std: f.std,
    })
    const importances: RunImportances = {
      impurity: impurityImportance(model).map(row),
      permutation:
        heldOut.length > 0
          ? permutationImportance(model, subset(heldOut), { repeats: 5, seed: request.seed }).map(row)
          : [],
    }
    at = lap('evaluate', at)

    const modelPath = await writeRunFiles(
      runFolder(env.projectPath, runId),
      model,
      JSON.stringify(treeModelToDocument(model)),
      recipe,
    )
    lap('save', at)
    timings['total'] = (performance.now() - started) / 1000
    finishRun(db, runId, { state: 'done', modelPath, featureNames: model.featureNames, timings, importances }, now())
    return {
      runId,
      model: request.model,
      engine: 'js',
      epochs: null,
      seconds: timings['total'],
      metrics: { accuracy: testMetrics?.accuracy ?? null, macroF1: testMetrics?.macro.f1 ?? null },
      split: runSplitSummary(db, runId, split.policy),
      featureSet: recipeRecord(recipe),
    }
  } catch (error) {
    timings['total'] = (performance.now() - started) / 1000
    recordStoppedRun(db, runId, error, context.signal.aborted, timings, now())
    throw error
  }
}

/**
 * A run's split in brief, from the clips it recorded: counts per side, the groups on both sides
 * of training (with validation) and test, and the clips whose audio is on both sides.
 */
export function runSplitSummary(db: Database, runId: number, policy: SplitPolicy): SplitSummary {
  const rows: LeakageClip[] = runSideClips(db, runId)
  const leakage = findLeakage(rows)
  const count = (side: LeakageClip['side']) => rows.filter((r) => r.side === side).length
  return {
    policy,
    train: count('train'),
    val: count('val'),
    test: count('test'),
    leakedGroups: leakage.groups.map((g) => g.group).sort(),
    sharedContent: leakage.duplicates.reduce((n, d) => n + d.trainClipIds.length + d.testClipIds.length, 0),
  }
}

/**
 * A tree model's training as its job shows it: trees grown, or boosting rounds with their
 * losses as the run's curve; cancelling the job stops it.
 */
export function treeJobOptions(env: Pick<TrainEnvironment, 'workers'>, context: JobContext): TreeTrainOptions {
  return {
    workers: env.workers,
    signal: context.signal,
    onProgress: (grown, trees) => context.progress(grown, trees, 'growing trees'),
    onIteration: (p) => {
      context.progress(p.iteration, p.maxIter, 'boosting')
      context.metrics(p.iteration, {
        trainLoss: p.trainLoss,
        ...(p.validationLoss === null ? {} : { validationLoss: p.validationLoss }),
      })
    },
  }
}

/** Ends a run that stopped: cancelled (its work kept for a resume), or failed with the error's message. */
export function recordStoppedRun(
  db: Database,
  runId: number,
  error: unknown,
  cancelled: boolean,
  timings: Record<string, number>,
  at: Date,
): void {
  if (!db.open) return
  finishRun(
    db,
    runId,
    {
      state: cancelled ? 'cancelled' : 'failed',
      ...(cancelled ? {} : { error: error instanceof Error ? error.message : String(error) }),
      timings,
    },
    at,
  )
}

/** A model's predictions and metrics on labelled rows. */
function evaluate(
  model: TreeModel,
  data: TrainingSet,
  labels: readonly string[],
): { proba: Float64Array; predicted: Int32Array; metrics: ReturnType<typeof classificationMetrics> } {
  const proba = model.predictProba(data)
  const predicted = model.predict(data)
  const metrics = classificationMetrics(labels, data.y, predicted, { values: proba, nClasses: labels.length })
  return { proba, predicted, metrics }
}
