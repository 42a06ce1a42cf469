import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Database } from 'better-sqlite3'
import type { ModelOutputs } from '@shared/detection'
import {
  isDeepRunModel,
  type ClassificationMetrics,
  type RunModel,
  type RunSplit,
  type TrainSummary,
} from '@shared/evaluation'
import {
  finishRun,
  insertRun,
  insertRunClips,
  putRunEpoch,
  putRunMetrics,
  removeRunClips,
  setRunEngine,
  setRunWindowing,
} from '../catalog/runs'
import type { RecordingWindows, RecordingWindowsTask } from '../detection/recording-windows'
import { classThresholds } from '../detection/window-thresholds'
import { EarmarkError } from '../errors'
import { classificationMetrics } from '../evaluation'
import { recipeHash, recipeRecord, type Recipe } from '../feature-sets/recipe'
import type { FeatureConfigInput } from '../features'
import type { JobContext } from '../jobs/runner'
import { DEEP_METADATA_FILE } from '../models/deep/files'
import { isAudioGraphFolder } from '../models/deep/graph-format'
import { parseDeepSpec, type DeepModelSpec } from '../models/deep/params'
import {
  trainTreeModel,
  treeModelToDocument,
  treeParamsSchemas,
  type TrainingSet,
  type TreeModelKind,
} from '../models/trees'
import { classesFromProba } from '../models/trees/data'
import { impurityImportance } from '../models/trees/importance'
import { parseParams } from '../models/trees/params'
import { checkNormalization, normalizeInputs } from '../training/normalize'
import { startTrainingWorker, TrainingFailedError } from '../training/worker-host'
import { RUN_FILES, runFolder, writeFeaturesFile, writeRunFiles } from './artifacts'
import { claimRun, releaseRun } from './liveness'
import {
  loadRegionInputs,
  planRegionExamples,
  regionWindowing,
  windowRecipe,
  type RegionInputs,
  type RegionPlan,
} from './region-examples'
import { recordStoppedRun, runSplitSummary, treeJobOptions, treeRecipe, type TrainEnvironment } from './train'
import {
  checkFeatureAugmentation,
  describeEngine,
  probabilityRows,
  resolveRecipe,
  type DeepTrainRequest,
} from './train-deep'

/*
 * Runs trained on regions: the examples are windows of the project's recordings, labeled from
 * their regions (region-examples.ts), for every model kind. A softmax model learns the classes and
 * background; a sigmoid model (multi-label projects, overlapping regions of different classes) one
 * output per class by binary cross-entropy. Per-class thresholds are chosen on validation windows
 * (best F1) and saved with the model with its windowing, for detection. The run records its
 * recordings as its clips, and its metrics are over windows.
 */

/** What `train:start` asks for with `from: 'regions'`: a deep request's fields, for any model kind. */
export interface RegionTrainRequest extends Omit<DeepTrainRequest, 'model' | 'features'> {
  model: RunModel
  /** A feature configuration (trees) or input recipe (deep models) given inline instead of a set. */
  features?: Record<string, unknown>
  /** Window length and hop, seconds (defaults from the regions' lengths). */
  window?: number
  hop?: number
  /** The share of the shorter of window and region a region must cover for the window to count. */
  minOverlap?: number
}

/** A checked run on regions, ready to run as a job. */
export interface PreparedRegionTraining {
  model: RunModel
  /** Tree hyperparameters, or the deep model's spec. */
  params: Record<string, unknown>
  spec: DeepModelSpec | null
  recipe: Recipe
  plan: RegionPlan
  seed: number
}

/**
 * Checks a run on regions before any job starts: its hyperparameters, its windows (there must be
 * examples of a class, and of something else), and the recipe over windows.
 */
export async function prepareRegionTraining(
  db: Database,
  request: RegionTrainRequest,
): Promise<PreparedRegionTraining> {
  const plan = planRegionExamples(db, {
    seed: request.seed,
    testFraction: request.testFraction ?? 0.2,
    ...(request.validationFraction === undefined ? {} : { validationFraction: request.validationFraction }),
    ...(request.window === undefined ? {} : { window: request.window }),
    ...(request.hop === undefined ? {} : { hop: request.hop }),
    ...(request.minOverlap === undefined ? {} : { minOverlap: request.minOverlap }),
  })
  const seed = request.params['seed'] ?? request.seed
  if (!isDeepRunModel(request.model)) {
    const model = request.model as TreeModelKind
    if (plan.output === 'sigmoid') {
      throw new EarmarkError(
        'invalid-input',
        'regions of different classes overlap (or the project is multi-label), so a window can hold several classes: train a deep model (cnn, crnn, lstm, transfer), whose sigmoid outputs learn each class on its own',
      )
    }
    const params = parseParams(
      treeParamsSchemas[model],
      { ...request.params, seed },
      model === 'rf' ? 'random forest' : 'gradient boosting',
    ) as Record<string, unknown>
    const base = treeRecipe(db, {
      ...(request.set === undefined ? {} : { set: request.set }),
      ...(request.features === undefined ? {} : { features: request.features as FeatureConfigInput }),
    })
    return { model, params, spec: null, recipe: windowRecipe(base, plan.rule.seconds), plan, seed: request.seed }
  }
  const spec = parseDeepSpec({
    model: request.model,
    // Copies are made of whole clips, not of windows (below): a region run's default is none, so
    // that the clip models' default of two copies does not refuse every region run.
    params: { augmentCopies: 0, ...request.params, seed },
  } as Parameters<typeof parseDeepSpec>[0])
  const base = await resolveRecipe(db, spec, {
    ...(request.set === undefined ? {} : { set: request.set }),
    ...(request.features === undefined ? {} : { features: request.features }),
  })
  // A base Earmark model fixes its input's frames: windows are cut or padded to them.
  const fixedInput = spec.model === 'transfer' && !(await isAudioGraphFolder(spec.params.baseModel))
  const recipe = windowRecipe(base, plan.rule.seconds, fixedInput)
  if (plan.output === 'sigmoid' && spec.params.classWeight !== null) {
    throw new EarmarkError(
      'invalid-input',
      'classWeight weighs the classes of a softmax; these windows train one sigmoid per class (the project is multi-label, or regions of different classes overlap): leave classWeight out',
    )
  }
  checkFeatureAugmentation(spec.params, recipe)
  checkNormalization(spec.params.normalize, recipe)
  if (spec.params.augmentCopies > 0) {
    // Copies would have to be cut into the same windows as their recording: not made for windows yet.
    throw new EarmarkError(
      'invalid-input',
      'augmented copies (augmentCopies) are made of whole clips; training on windows of regions does not make them yet: set augmentCopies to 0 (timeShift, masks and mixup apply)',
    )
  }
  return { model: request.model, params: spec.params, spec, recipe, plan, seed: request.seed }
}

/** The window examples of a run as both kinds of model read them. */
interface WindowData {
  /** Row indices of the windows of each split. */
  rows: Record<RunSplit, number[]>
  /** Class index of each window (softmax: background's index for background; sigmoid: its first class, or -1). */
  y: Int32Array
  /** Sigmoid: [windows × classes] of 0 and 1. */
  targets: Uint8Array | null
}

function windowData(plan: RegionPlan, inputs: RegionInputs): WindowData {
  const index = new Map(plan.outputs.map((name, k) => [name, k]))
  const none = plan.background === null ? -1 : (index.get(plan.background) as number)
  const k = plan.outputs.length
  const y = Int32Array.from(inputs.windows, (w) =>
    w.labels.length === 0 ? none : (index.get(w.labels[0] as string) as number),
  )
  let targets: Uint8Array | null = null
  if (plan.output === 'sigmoid') {
    const t = new Uint8Array(inputs.windows.length * k)
    inputs.windows.forEach((w, i) => {
      for (const label of w.labels) t[i * k + (index.get(label) as number)] = 1
    })
    targets = t
  }
  const rows: Record<RunSplit, number[]> = { train: [], val: [], test: [], oof: [] }
  inputs.windows.forEach((w, i) => rows[plan.recordings[w.recording]?.split ?? 'train'].push(i))
  return { rows, y, targets }
}

/**
 * Window-level metrics of one split from the model's scores. Softmax: the top output, background
 * included, as for clips. Sigmoid: the class scoring highest among those at or above their
 * thresholds, else background, against each window's most covered class (or background).
 */
function windowMetrics(
  plan: RegionPlan,
  scores: ArrayLike<number>,
  part: readonly number[],
  y: Int32Array,
  thresholds: Record<string, number>,
): ClassificationMetrics {
  const k = plan.outputs.length
  if (plan.output === 'softmax') {
    const proba = probabilityRows(scores, part, k)
    const predicted = classesFromProba(proba, part.length, k)
    const truth = Int32Array.from(part, (r) => y[r] as number)
    return classificationMetrics(plan.outputs, truth, predicted, { values: proba, nClasses: k })
  }
  const labels = [...plan.outputs, 'background']
  const predicted = Int32Array.from(part, (r) => {
    let best = k
    for (let c = 0; c < k; c++) {
      const p = scores[r * k + c] as number
      if (p >= (thresholds[plan.outputs[c] as string] ?? 0.5) && (best === k || p > (scores[r * k + best] as number))) {
        best = c
      }
    }
    return best
  })
  const truth = Int32Array.from(part, (r) => ((y[r] as number) < 0 ? k : (y[r] as number)))
  return classificationMetrics(labels, truth, predicted)
}

/** The classes each window of some rows counts for. */
const truthOf = (inputs: RegionInputs, part: readonly number[]): string[][] =>
  part.map((r) => inputs.windows[r]?.labels ?? [])

/**
 * Trains a run on regions as a job: records it with its recordings, computes the windows' inputs
 * on the audio workers, fits (trees here on worker threads; deep models in the training worker),
 * chooses thresholds on validation windows, stores window-level metrics and saves the model with
 * what detection needs. A failure or cancel marks the run so.
 */
export async function runRegionTraining(
  env: TrainEnvironment & { windows?: (task: RecordingWindowsTask) => Promise<RecordingWindows> },
  prepared: PreparedRegionTraining,
  context: JobContext,
): Promise<TrainSummary> {
  const started = performance.now()
  const { db, now } = env
  const { plan, recipe } = prepared
  const deep = prepared.spec !== null
  const runId = insertRun(
    db,
    {
      model: prepared.model,
      engine: deep ? 'tfjs' : 'js',
      params: prepared.params,
      featureConfig: { ...recipe.config },
      featureHash: recipeHash(recipe),
      featureSet: recipeRecord(recipe),
      seed: prepared.seed,
      labels: plan.outputs,
      splitMethod: plan.splitMethod,
      splitPolicy: plan.splitPolicy,
      jobId: context.jobId,
    },
    now(),
  )
  const windowing = regionWindowing(plan)
  setRunWindowing(db, runId, windowing)
  insertRunClips(
    db,
    runId,
    plan.recordings.map((r) => ({
      clipId: r.clip.id,
      split: r.split,
      label: r.label,
      labelVersion: r.clip.labelVersion,
    })),
  )
  const { missing, badAudio } = plan.skipped
  if (missing + badAudio > 0) context.log('info', `left out ${missing} missing and ${badAudio} bad-audio recordings`)
  context.log(
    'info',
    `windows of ${windowing.seconds} s, hop ${windowing.hop} s, from ${plan.recordings.length} recordings; ${plan.output} outputs${plan.background ? ` with "${plan.background}"` : ''}`,
  )
  const timings: Record<string, number> = {}
  const lap = (name: string, since: number): number => {
    const at = performance.now()
    timings[name] = (at - since) / 1000
    return at
  }
  const folder = runFolder(env.projectPath, runId)
  // Readers take a running run without a live owner for an interrupted one.
  await claimRun(folder)
  try {
    let at = performance.now()
    const inputs = await loadRegionInputs(plan, recipe, {
      ...(env.windows ? { compute: env.windows } : {}),
      workers: env.workers,
      signal: context.signal,
      onProgress: (done, total) => context.progress(done, total, 'computing window features'),
    })
    for (const f of inputs.failed.slice(0, 20)) context.log('warn', `${f.path}: ${f.reason}`)
    if (inputs.failed.length > 0) {
      removeRunClips(
        db,
        runId,
        inputs.failed.map((f) => (plan.recordings[f.recording] as RegionPlan['recordings'][number]).clip.id),
      )
    }
    const data = windowData(plan, inputs)
    if (data.rows.train.length === 0) {
      const first = inputs.failed[0]
      throw new Error(`no training recording could be read${first ? ` (${first.path}: ${first.reason})` : ''}`)
    }
    at = lap('features', at)

    const fitted = deep
      ? await fitDeep(env, runId, folder, prepared, inputs, data, context)
      : await fitTrees(env, folder, prepared, inputs, data, context)
    at = lap('fit', at)

    // Thresholds on validation windows (training windows when no recording is held out).
    const tuning = data.rows.val.length > 0 ? data.rows.val : data.rows.train
    if (data.rows.val.length === 0)
      context.log('info', 'no validation recording: thresholds are chosen on training windows')
    const k = plan.outputs.length
    const tuneScores = new Float64Array(tuning.length * k)
    tuning.forEach((r, j) => {
      for (let c = 0; c < k; c++) tuneScores[j * k + c] = fitted.scores[r * k + c] as number
    })
    const thresholds = classThresholds(
      plan.outputs,
      tuneScores,
      truthOf(inputs, tuning),
      plan.background === null ? [] : [plan.background],
    )
    let testMetrics: ClassificationMetrics | undefined
    for (const s of ['train', 'val', 'test'] as const) {
      const part = data.rows[s]
      if (part.length === 0) continue
      const metrics = windowMetrics(plan, fitted.scores, part, data.y, thresholds)
      putRunMetrics(db, runId, s, metrics)
      if (s === 'test') testMetrics = metrics
    }
    at = lap('evaluate', at)

    const outputs: ModelOutputs = { output: plan.output, background: plan.background, thresholds, windowing }
    const modelPath = await fitted.save(outputs)
    lap('save', at)
    timings['total'] = (performance.now() - started) / 1000
    finishRun(
      db,
      runId,
      {
        state: 'done',
        modelPath,
        ...(fitted.featureNames ? { featureNames: fitted.featureNames } : {}),
        ...(fitted.importances ? { importances: { impurity: fitted.importances, permutation: [] } } : {}),
        timings,
      },
      now(),
    )
    return {
      runId,
      model: prepared.model,
      engine: fitted.engine,
      epochs: fitted.epochs,
      seconds: timings['total'],
      metrics: { accuracy: testMetrics?.accuracy ?? null, macroF1: testMetrics?.macro.f1 ?? null },
      split: runSplitSummary(db, runId, plan.splitPolicy),
      featureSet: recipeRecord(recipe),
      windowing,
    }
  } catch (error) {
    const failure = error instanceof TrainingFailedError ? error.failure : null
    timings['total'] = (performance.now() - started) / 1000
    recordStoppedRun(db, runId, error, context.signal.aborted || failure === 'cancelled', timings, now())
    throw error
  } finally {
    releaseRun(folder)
  }
}

/** A fitted model: every window's scores [windows × outputs], and how to save it with its outputs. */
interface Fitted {
  scores: ArrayLike<number>
  engine: string
  epochs: number | null
  featureNames?: string[]
  importances?: { feature: string; importance: number; std: number }[]
  save(outputs: ModelOutputs): Promise<string>
}

/** Trees on the windows' summary vectors. */
async function fitTrees(
  env: TrainEnvironment,
  folder: string,
  prepared: PreparedRegionTraining,
  inputs: RegionInputs,
  data: WindowData,
  context: JobContext,
): Promise<Fitted> {
  const summary = inputs.summary
  if (!summary) throw new Error('the windows have no summary vectors')
  const width = summary.names.length
  const subset = (rows: readonly number[]): TrainingSet => {
    const x = new Float64Array(rows.length * width)
    rows.forEach((i, r) => x.set(summary.x.subarray(i * width, (i + 1) * width), r * width))
    return {
      x,
      nRows: rows.length,
      nFeatures: width,
      y: Int32Array.from(rows, (i) => data.y[i] as number),
      featureNames: summary.names,
      classes: prepared.plan.outputs,
    }
  }
  const model = await trainTreeModel(
    prepared.model as TreeModelKind,
    subset(data.rows.train),
    prepared.params,
    treeJobOptions(env, context),
  )
  const all = Array.from({ length: inputs.windows.length }, (_, i) => i)
  return {
    scores: model.predictProba(subset(all)),
    engine: 'js',
    epochs: null,
    featureNames: [...model.featureNames],
    importances: impurityImportance(model).map((f) => ({ feature: f.feature, importance: f.importance, std: f.std })),
    save: async (outputs) => {
      const modelPath = await writeRunFiles(folder, model, JSON.stringify(treeModelToDocument(model)), prepared.recipe)
      await writeFeaturesFile(folder, prepared.recipe, model.featureNames, outputs)
      return modelPath
    },
  }
}

/** A deep model on the windows' inputs, in the training worker. */
async function fitDeep(
  env: TrainEnvironment,
  runId: number,
  folder: string,
  prepared: PreparedRegionTraining,
  inputs: RegionInputs,
  data: WindowData,
  context: JobContext,
): Promise<Fitted> {
  const frames = inputs.frames
  const spec = prepared.spec as DeepModelSpec
  if (!frames) throw new Error('the windows have no model inputs')
  const { db, now } = env
  const epochs = spec.params.epochs
  let engineName = 'tfjs'
  // Each window is a short clip: normalised per window, as detection normalises the windows it scores.
  normalizeInputs(frames.x, frames.shape, spec.params.normalize, prepared.recipe)
  const handle = startTrainingWorker(
    { model: spec.model, params: spec.params } as Parameters<typeof startTrainingWorker>[0],
    {
      features: frames.x,
      shape: frames.shape,
      labels: data.y,
      ...(data.targets ? { targets: data.targets } : {}),
      classes: prepared.plan.outputs,
      train: data.rows.train,
      validation: data.rows.val,
    },
    {
      checkpointDir: join(folder, 'checkpoint'),
      modelDir: folder,
      features: null,
      signal: context.signal,
      predictAll: true,
      transferFeatures: true,
      batchEvery: Math.max(1, Math.ceil(Math.ceil(data.rows.train.length / spec.params.batchSize) / 10)),
      onEngine: (engine) => {
        engineName = engine.name
        setRunEngine(db, runId, engine.name)
        context.log('info', `training on ${describeEngine(engine)}`)
        context.engine(runId, engine.name, describeEngine(engine))
      },
      onEmbedding: (done, total) =>
        context.progress(done, total, `embedding ${done} of ${total} windows with the base model`),
      onBatch: (b) => {
        context.progress((b.epoch - 1) * b.batches + b.batch, epochs * b.batches, `epoch ${b.epoch} of ${epochs}`)
        context.metrics(b.epoch - 1 + b.batch / b.batches, { batchLoss: b.loss, batchAccuracy: b.accuracy })
      },
      onEpoch: (m) => {
        const values = {
          loss: m.loss,
          accuracy: m.accuracy,
          ...(m.valLoss === null ? {} : { valLoss: m.valLoss }),
          ...(m.valAccuracy === null ? {} : { valAccuracy: m.valAccuracy }),
          learningRate: m.learningRate,
          seconds: m.seconds,
        }
        putRunEpoch(db, runId, m.epoch, values, now())
        context.metrics(m.epoch, values)
      },
    },
  )
  const summary = await handle.result
  if (!summary.probabilities) throw new Error('the training worker returned no predictions')
  return {
    scores: summary.probabilities,
    engine: engineName,
    epochs: summary.epochs,
    save: async (outputs) => {
      await writeFile(join(folder, RUN_FILES.labels), `${JSON.stringify(prepared.plan.outputs)}\n`)
      await writeFeaturesFile(folder, prepared.recipe, [], outputs)
      // The model's own metadata says its outputs too, beside its classes.
      const metadataPath = join(folder, DEEP_METADATA_FILE)
      const metadata = JSON.parse(await readFile(metadataPath, 'utf8')) as Record<string, unknown>
      await writeFile(metadataPath, JSON.stringify({ ...metadata, ...outputs }, null, 2))
      await rm(join(folder, 'checkpoint'), { recursive: true, force: true })
      return join(folder, RUN_FILES.model)
    },
  }
}
