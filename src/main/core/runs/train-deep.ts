import { existsSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Database } from 'better-sqlite3'
import {
  isDeepRunModel,
  type DeepRunModel,
  type RunSplit,
  type SplitPolicy,
  type TrainSummary,
} from '@shared/evaluation'
import { plural } from '@shared/plural'
import {
  finishRun,
  getRun,
  insertRun,
  insertRunClips,
  putRunEpoch,
  putRunMetrics,
  removeRunClips,
  reopenRun,
  runClipSources,
  setRunEngine,
  setRunPredictions,
  type RunClip,
  type SkippedClips,
  type TrainingClip,
} from '../catalog/runs'
import {
  keepTransferEmbeddings,
  readTransferEmbeddings,
  type TransferExamples,
  type TransferInputs,
} from '../embeddings/transfer-cache'
import { EarmarkError } from '../errors'
import { classificationMetrics, groupHoldOut, holdOut } from '../evaluation'
import {
  assertWholeClips,
  clipFacts,
  inputFor,
  legacyDeepRecipe,
  projectFeatureSet,
  recipeFromRecord,
  recipeHash,
  recipeOf,
  recipeRecord,
  type Recipe,
} from '../feature-sets/recipe'
import type { JobContext } from '../jobs/runner'
import { isAudioGraphFolder, isGraphModelFolder } from '../models/deep/graph-format'
import { classesFromProba } from '../models/trees/data'
import { parseDeepSpec, type DeepModelSpec, type TrainingParams } from '../models/deep/params'
// Not the training index: it loads TensorFlow.js, which only the training worker needs.
import type { EngineInfo } from '../training/engine'
import { DEEP_METADATA_FILE } from '../models/deep/files'
import { arraySource, augments, fitStandardizer, identityStandardizer } from '../training/data'
import { deepFeatureSchema } from '../training/features'
import type { StoredEmbeddings } from '../training/stored-embeddings'
import type { EpochMetrics } from '../training/trainer'
import { startTrainingWorker, TrainingFailedError } from '../training/worker-host'
import { readRecipe, RUN_FILES, runFolder, writeFeaturesFile } from './artifacts'
import { checkWaveformAugmentation, describeDraw } from '../augment/settings'
import {
  checkNormalization,
  isLogmel,
  modelNormalization,
  normalizeInputs,
  type InputNormalization,
} from '../training/normalize'
import { loadAugmentedCopies, loadDeepInputs } from './features'
import { claimRun, releaseRun } from './liveness'
import { labelledSplit, recordStoppedRun, runSplitSummary, type TrainEnvironment } from './train'

/*
 * Deep-model runs in the catalog: the same record as a tree run (clips and labels at
 * training time, metrics per split, per-clip predictions), plus a history row per epoch and a
 * checkpoint in the run's folder, from which a cancelled or interrupted run resumes under the same
 * id. Features are computed on worker threads; TensorFlow.js trains in its own worker thread, so
 * the studio's main thread never waits on it.
 */

/** What `train:start` asks for, for a deep model. */
export interface DeepTrainRequest {
  model: DeepRunModel
  params: Record<string, unknown>
  /** The project's feature set to train from, by name; default: the project's default set for the model's input. */
  set?: string
  /** An input recipe given inline instead of a set (deepFeatureSchema: kind, sampleRate, seconds, …). */
  features?: Record<string, unknown>
  seed: number
  testFraction?: number
  /** Share of each class of the training clips held out for validation when the catalog gives no `val` split (default 0.1). */
  validationFraction?: number
}

/** One clip as a deep run uses it. */
interface PlannedClip extends RunClip {
  path: string
}

/** A checked deep-training request with its clips, ready to run as a job. */
export interface PreparedDeepTraining {
  model: DeepRunModel
  spec: DeepModelSpec
  /** The feature set the run trains from, and how the model reads it. */
  recipe: Recipe
  seed: number
  labels: string[]
  clips: PlannedClip[]
  splitMethod: string
  splitPolicy: SplitPolicy
  skipped: SkippedClips
}

/**
 * Checks a deep-training request against the project before any job starts: a misspelt
 * hyperparameter, a bad recipe or a project without two labelled classes fails at once.
 */
export async function prepareDeepTraining(db: Database, request: DeepTrainRequest): Promise<PreparedDeepTraining> {
  const spec = parseDeepSpec({
    model: request.model,
    params: { ...request.params, seed: request.params['seed'] ?? request.seed },
  } as Parameters<typeof parseDeepSpec>[0])
  const { clips, skipped, labels, y, split } = labelledSplit(db, request.seed, request.testFraction ?? 0.2)
  let method = split.method
  if (split.val.length === 0) {
    // Early stopping and the best-weights rule need validation clips: hold some training clips out,
    // by whole groups under the group policy, so that early stopping too is judged on unheard
    // groups; but only with enough groups that one is about the share asked, or a few speakers
    // would give a third of the training clips to validation.
    const fraction = request.validationFraction ?? 0.1
    const train = split.train
    const trainLabels = Int32Array.from(train, (i) => y[i] as number)
    const trainGroups = train.map((i) => (clips[i] as TrainingClip).group)
    const byGroup = split.policy === 'group' && new Set(trainGroups).size >= Math.ceil(1 / fraction)
    const drawn = byGroup
      ? groupHoldOut(trainLabels, trainGroups, fraction, request.seed + 1)
      : holdOut(train.length, fraction, request.seed + 1, trainLabels)
    split.val = drawn.test.map((i) => train[i] as number).sort((a, b) => a - b)
    split.train = drawn.train.map((i) => train[i] as number).sort((a, b) => a - b)
    method += byGroup
      ? `; whole groups held out of training for validation, about ${Math.round(fraction * 100)}% of its clips`
      : `; ${Math.round(fraction * 100)}% of each class's training clips held out for validation`
  }
  if (split.train.length === 0) throw new EarmarkError('invalid-input', 'no clip is left to train on')
  const recipe = await resolveRecipe(db, spec, request)
  assertWholeClips(recipe)
  checkInputOptions(spec, recipe)
  if (spec.model === 'transfer') await checkBaseNormalization(spec.params.baseModel, spec.params.normalize)
  const planned = (rows: number[], s: RunSplit): PlannedClip[] =>
    rows.map((i) => {
      const c = clips[i] as TrainingClip
      return { clipId: c.id, path: c.path, split: s, label: c.label, labelVersion: c.labelVersion }
    })
  return {
    model: request.model,
    spec,
    recipe,
    seed: request.seed,
    labels,
    // In clip order, as a resumed run reads them back from run_clips: the same rows, the same checkpoint.
    clips: [...planned(split.train, 'train'), ...planned(split.val, 'val'), ...planned(split.test, 'test')].sort(
      (a, b) => a.clipId - b.clipId,
    ),
    splitMethod: method,
    splitPolicy: split.policy,
    skipped,
  }
}

/**
 * Refuses per-clip normalisation and augmentation the recipe's inputs cannot take: PCEN on
 * anything but log-mel energies, frequency masks on samples, frequency warps on anything but
 * log-mel bands, VTLP (a warp of the mel filters) on samples, copies with nothing to vary.
 */
export function checkInputOptions(spec: DeepModelSpec, recipe: Recipe): void {
  checkNormalization(spec.params.normalize, recipe)
  checkFeatureAugmentation(spec.params, recipe)
  checkWaveformAugmentation(spec.params)
  if (recipe.input.kind === 'waveform' && spec.params.augmentCopies > 0 && spec.params.vtlp > 0) {
    throw new EarmarkError(
      'invalid-input',
      'vtlp warps the mel filters, and a model that takes samples has none: use pitchShift or speed instead',
    )
  }
}

/** Refuses a batch augmentation whose axis the recipe's inputs do not have. */
export function checkFeatureAugmentation(params: TrainingParams, recipe: Recipe): void {
  if (recipe.input.kind === 'waveform' && params.freqMasks > 0) {
    throw new EarmarkError(
      'invalid-input',
      'freqMasks masks frequency bands, and waveform features have none: use timeMasks, timeShift or noise',
    )
  }
  if (params.freqWarp > 0 && !isLogmel(recipe)) {
    throw new EarmarkError(
      'invalid-input',
      'freqWarp stretches mel bands, so only log-mel inputs have them in order (a CNN or CRNN image, or a sequence of logmel alone): use vtlp on augmented copies for these inputs',
    )
  }
}

/**
 * A base Earmark model learnt from inputs normalised per clip in its own way: the new head must
 * see the inputs so normalised too, so the run must say the same (there is no silent default).
 */
async function checkBaseNormalization(baseModel: string, normalize: InputNormalization): Promise<void> {
  const metadata = join(baseModel, DEEP_METADATA_FILE)
  if (!existsSync(metadata)) return
  const spec = (JSON.parse(await readFile(metadata, 'utf8')) as { spec?: { params?: object } }).spec
  const base = spec?.params ? modelNormalization({ params: spec.params }) : 'none'
  if (base !== normalize) {
    throw new EarmarkError(
      'invalid-input',
      `the base model at ${baseModel} was trained on inputs with normalize=${base}: train with normalize=${base} too`,
    )
  }
}

/**
 * The run's feature set: a recipe given inline; for transfer learning from an Earmark model, the
 * base model's own set; otherwise the named set, or the project's default set for the model's
 * input (log-mel images for a CNN or CRNN, MFCC sequences for an LSTM, 16 kHz samples for a
 * GraphModel that takes audio).
 */
export async function resolveRecipe(
  db: Database,
  spec: DeepModelSpec,
  request: Pick<DeepTrainRequest, 'set' | 'features'>,
): Promise<Recipe> {
  const given = request.features
  if (given !== undefined && request.set !== undefined) {
    throw new EarmarkError('invalid-input', 'give a feature set or an input recipe, not both')
  }
  if (given !== undefined) {
    const parsed = deepFeatureSchema.safeParse(given)
    if (!parsed.success) {
      throw new EarmarkError(
        'invalid-input',
        `deep-model features: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'features'}: ${i.message}`).join('; ')}`,
      )
    }
    return legacyDeepRecipe(parsed.data)
  }
  if (spec.model === 'transfer') {
    // A hub model that takes audio (YAMNet) says nothing of its features: it takes samples.
    if (await isAudioGraphFolder(spec.params.baseModel)) return deepRecipe(db, 'transfer', request.set)
    const own = await readRecipe(spec.params.baseModel)
    if (own) {
      if (request.set !== undefined) {
        throw new EarmarkError(
          'invalid-input',
          `the base model at ${spec.params.baseModel} reads its own feature set (${own.name ?? own.paramsHash}): train without --set`,
        )
      }
      return own
    }
    const metadata = join(spec.params.baseModel, DEEP_METADATA_FILE)
    const features = existsSync(metadata)
      ? (JSON.parse(await readFile(metadata, 'utf8')) as { features?: unknown }).features
      : undefined
    const parsed = deepFeatureSchema.safeParse(features)
    if (!parsed.success) {
      throw new EarmarkError(
        'invalid-input',
        `the base model at ${spec.params.baseModel} does not say how its inputs were computed: give its feature settings (features: kind, sampleRate, seconds, nFft, hop, nMels)`,
      )
    }
    return legacyDeepRecipe(parsed.data)
  }
  return deepRecipe(db, spec.model, request.set)
}

/**
 * A deep model's recipe from a set of the project (by name, else the project's default set for
 * its input): a CNN or CRNN reads log-mel images, an LSTM sequences of every feature of the set, a
 * transfer run over a base that takes audio the samples; images and sequences span the set's fixed
 * length (its fixLength step) or the clips' typical length.
 */
export function deepRecipe(db: Database, model: DeepRunModel, set: string | undefined): Recipe {
  const purpose = model === 'lstm' ? 'sequence' : model === 'transfer' ? 'waveform' : 'image'
  const { name, params } = projectFeatureSet(db, set, purpose)
  return recipeOf(name, params, inputFor(purpose, params, clipFacts(db)))
}

/** Starts a deep run: records it with its clips, then trains it (see `trainDeepRun`). */
export async function runDeepTraining(
  env: TrainEnvironment,
  prepared: PreparedDeepTraining,
  context: JobContext,
): Promise<TrainSummary> {
  const { db, now } = env
  const runId = insertRun(
    db,
    {
      model: prepared.model,
      engine: 'tfjs',
      params: prepared.spec.params,
      featureConfig: { ...prepared.recipe.config },
      featureHash: recipeHash(prepared.recipe),
      featureSet: recipeRecord(prepared.recipe),
      seed: prepared.seed,
      labels: prepared.labels,
      splitMethod: prepared.splitMethod,
      splitPolicy: prepared.splitPolicy,
      jobId: context.jobId,
    },
    now(),
  )
  // Recorded before any work, so that a run whose process dies can resume with exactly these clips.
  insertRunClips(db, runId, prepared.clips)
  const { missing, badAudio, multiLabel } = prepared.skipped
  if (missing + badAudio + multiLabel > 0) {
    context.log('info', `left out ${missing} missing, ${badAudio} bad-audio and ${multiLabel} multi-label clips`)
  }
  return trainDeepRun(env, runId, { ...prepared, resumed: false }, context)
}

/** Why a run can or cannot be resumed. */
function resumableState(state: string): boolean {
  return state === 'cancelled' || state === 'failed' || state === 'interrupted'
}

/**
 * Resumes a deep run that was cancelled, failed or interrupted, under the same id, with the clips
 * and labels it recorded: training carries on from its last complete epoch. A run whose
 * hyperparameters, classes, features or clips no longer match its checkpoint is refused.
 * `state` is the run's state as the service reads it (`interrupted` when its process died).
 */
export function prepareDeepResume(db: Database, runId: number, state: string): PreparedDeepTraining {
  const run = getRun(db, runId)
  if (!isDeepRunModel(run.model)) {
    throw new EarmarkError('conflict', `Run ${runId} is a ${run.model} run: only deep-model runs resume.`)
  }
  if (run.source === 'regions') {
    throw new EarmarkError(
      'conflict',
      `Run ${runId} trained on windows of regions, which a resume cannot recompute as they were: train a new run instead.`,
    )
  }
  if (!resumableState(state)) {
    throw new EarmarkError('conflict', `Run ${runId} is ${state}: only a cancelled, failed or interrupted run resumes.`)
  }
  const sources = runClipSources(db, runId)
  const lost = sources.filter((c) => c.path === null)
  if (lost.length > 0) {
    throw new EarmarkError(
      'conflict',
      `${lost.length} clips of run ${runId} have left the catalog since it started: train a new run instead`,
    )
  }
  return {
    model: run.model,
    spec: parseDeepSpec({ model: run.model, params: run.params } as Parameters<typeof parseDeepSpec>[0]),
    recipe: recipeFromRecord(run.featureSet),
    seed: run.seed,
    labels: run.labels,
    clips: sources.map((c) => ({ ...c, path: c.path as string })),
    splitMethod: run.splitMethod,
    splitPolicy: run.splitPolicy,
    skipped: { missing: 0, badAudio: 0, multiLabel: 0 },
  }
}

/** Resumes a run prepared by `prepareDeepResume` as the given job. */
export function resumeDeepTraining(
  env: TrainEnvironment,
  runId: number,
  prepared: PreparedDeepTraining,
  context: JobContext,
): Promise<TrainSummary> {
  reopenRun(env.db, runId, context.jobId)
  return trainDeepRun(env, runId, { ...prepared, resumed: true }, context)
}

/** The values of an epoch as the catalog and the live curves keep them. */
function epochValues(m: EpochMetrics): Record<string, number> {
  return {
    loss: m.loss,
    accuracy: m.accuracy,
    ...(m.valLoss === null ? {} : { valLoss: m.valLoss }),
    ...(m.valAccuracy === null ? {} : { valAccuracy: m.valAccuracy }),
    learningRate: m.learningRate,
    seconds: m.seconds,
  }
}

/** One line naming the engine, for logs and the CLI. */
export function describeEngine(engine: EngineInfo): string {
  const extras = [`TensorFlow.js ${engine.version}`]
  if (engine.name === 'wasm') extras.push(engine.simd ? 'SIMD' : 'no SIMD', `${engine.threads} thread(s)`)
  if (engine.workers !== undefined) extras.push(`${engine.workers} worker${engine.workers === 1 ? '' : 's'}`)
  const skipped = Object.keys(engine.skipped)
  if (skipped.length > 0) extras.push(`${skipped.join(', ')} did not load`)
  return `${engine.name} (${extras.join(', ')})`
}

/**
 * Where a transfer run's base is frozen (and no augmentation changes what it sees), its inputs'
 * embeddings are computed once per project, not once per run: the kept ones, and what keys them.
 * The standardisation is the one the trainer fits (on the training clips; none for a GraphModel,
 * which takes its inputs raw), computed here before the inputs go to the worker.
 */
async function frozenBaseCache(
  env: TrainEnvironment,
  plan: PreparedDeepTraining,
  inputs: { x: Float32Array; shape: [number, number] },
  trainRows: readonly number[],
  used: readonly PlannedClip[],
): Promise<{
  inputs: TransferInputs
  examples: TransferExamples
  base: { kind: string; path: string }
  stored: StoredEmbeddings | undefined
} | null> {
  const { spec } = plan
  // Augmented copies are new inputs of no clip content of their own: such runs embed everything.
  if (spec.model !== 'transfer' || spec.params.fineTuneLayers > 0 || augments(spec.params)) return null
  if (spec.params.augmentCopies > 0) return null
  const baseModel = resolve(spec.params.baseModel)
  const raw = await isGraphModelFolder(baseModel)
  const transfer: TransferInputs = {
    baseModel,
    embeddingLayer: spec.params.embeddingLayer,
    recipe: plan.recipe,
    normalize: spec.params.normalize,
    shape: inputs.shape,
    standardizer: raw
      ? identityStandardizer(inputs.shape[1])
      : fitStandardizer(arraySource(inputs.x, inputs.shape), trainRows),
  }
  const examples: TransferExamples = { clipIds: used.map((c) => c.clipId) }
  return {
    inputs: transfer,
    examples,
    base: { kind: 'transfer', path: baseModel },
    stored: readTransferEmbeddings(env.db, transfer, examples),
  }
}

/**
 * Computes the run's inputs, trains in the training worker (checkpoint every epoch, in the run's
 * folder), then evaluates every split and saves the model there. Each epoch is recorded as it
 * ends, so a run that stops keeps its history; a cancelled run keeps its checkpoint to resume from.
 */
async function trainDeepRun(
  env: TrainEnvironment,
  runId: number,
  plan: PreparedDeepTraining & { resumed: boolean },
  context: JobContext,
): Promise<TrainSummary> {
  const started = performance.now()
  const { db, now } = env
  const folder = runFolder(env.projectPath, runId)
  const timings: Record<string, number> = {}
  const lap = (name: string, since: number): number => {
    const at = performance.now()
    timings[name] = (at - since) / 1000
    return at
  }
  await claimRun(folder)
  try {
    let at = performance.now()
    const inputs = await loadDeepInputs(
      { db, projectPath: env.projectPath, clipIds: plan.clips.map((c) => c.clipId) },
      plan.recipe,
      {
        ...(env.compute ? { compute: env.compute } : {}),
        workers: env.workers,
        signal: context.signal,
        onProgress: (done, total) => context.progress(done, total, 'computing features'),
      },
    )
    for (const f of inputs.failed.slice(0, 20)) context.log('warn', `${f.path}: ${f.reason}`)
    if (inputs.failed.length > 20) context.log('warn', `… and ${inputs.failed.length - 20} more clips failed`)
    if (inputs.failed.length > 0 && !plan.resumed) {
      removeRunClips(
        db,
        runId,
        inputs.failed.map((f) => (plan.clips[f.index] as PlannedClip).clipId),
      )
    }
    const used = inputs.rows.map((i) => plan.clips[i] as PlannedClip)
    const classIndex = new Map(plan.labels.map((name, k) => [name, k]))
    const labels = Int32Array.from(used, (c) => classIndex.get(c.label) as number)
    const rowsOf = (s: RunSplit): number[] => used.flatMap((c, r) => (c.split === s ? [r] : []))
    const rows = { train: rowsOf('train'), val: rowsOf('val'), test: rowsOf('test') }
    if (rows.train.length === 0) throw new Error('no training clip could be read')
    at = lap('features', at)

    // Augmented copies of the training clips only (never of validation or test clips), appended
    // after every clip's row: each epoch trains on the clips and all their copies, rather than on
    // one version of each clip drawn per epoch, so that the trainer, its standardiser and its
    // checkpoint see one fixed dataset (a resume rebuilds it exactly), batches stay seeded by
    // (seed, epoch, batch), and every copy computed is trained on every epoch.
    const p = plan.spec.params
    let features = inputs.x
    let trainingRows = rows.train
    let allLabels = labels
    if (p.augmentCopies > 0) {
      const copies = await loadAugmentedCopies(
        { db, projectPath: env.projectPath, clipIds: rows.train.map((r) => (used[r] as PlannedClip).clipId) },
        plan.recipe,
        p,
        p.seed,
        {
          workers: env.workers,
          ...(env.augment ? { compute: env.augment } : {}),
          signal: context.signal,
          onProgress: (done, total) => context.progress(done, total, 'making augmented copies'),
        },
      )
      for (const f of copies.failed.slice(0, 20)) context.log('warn', `augmenting ${f.path}: ${f.reason}`)
      const first = inputs.rows.length
      features = new Float32Array(inputs.x.length + copies.x.length)
      features.set(inputs.x)
      features.set(copies.x, inputs.x.length)
      allLabels = Int32Array.from([...labels, ...copies.of.map((i) => labels[rows.train[i] as number] as number)])
      trainingRows = [...rows.train, ...copies.of.map((_, j) => first + j)]
      context.log(
        'info',
        `made ${plural(copies.of.length, 'augmented copy', 'augmented copies')} of ${plural(rows.train.length, 'training clip')}; the first: ${copies.draws
          .slice(0, 3)
          .map(describeDraw)
          .join('; ')}`,
      )
      at = lap('augment', at)
    }
    normalizeInputs(features, inputs.shape, p.normalize, plan.recipe)

    const epochs = plan.spec.params.epochs
    let engineName = 'tfjs'
    let embedding = false
    const kept = await frozenBaseCache(env, plan, inputs, rows.train, used)
    if (kept?.stored) {
      const found = kept.stored.present.reduce((a, b) => a + b, 0)
      context.log(
        'info',
        `${plural(found, 'clip')}' embeddings by the frozen base kept from an earlier run: not computed again`,
      )
    }
    const handle = startTrainingWorker(
      { model: plan.spec.model, params: plan.spec.params } as Parameters<typeof startTrainingWorker>[0],
      {
        features,
        shape: inputs.shape,
        labels: allLabels,
        classes: plan.labels,
        train: trainingRows,
        validation: rows.val,
      },
      {
        checkpointDir: join(folder, 'checkpoint'),
        modelDir: folder,
        // The model's inputs are said by its feature set, in features.json beside it.
        features: null,
        signal: context.signal,
        predictAll: true,
        strictResume: plan.resumed,
        // The inputs live on in the worker only: the studio does not hold the dataset twice.
        transferFeatures: true,
        // About ten live points per epoch, whatever the data's size.
        batchEvery: Math.max(1, Math.ceil(Math.ceil(trainingRows.length / plan.spec.params.batchSize) / 10)),
        onEngine: (engine) => {
          engineName = engine.name
          setRunEngine(db, runId, engine.name)
          context.log('info', `training on ${describeEngine(engine)}`)
          context.engine(runId, engine.name, describeEngine(engine))
        },
        ...(kept?.stored ? { storedEmbeddings: kept.stored } : {}),
        onEmbedded: (embedded) => {
          if (!kept) return
          const added = keepTransferEmbeddings(db, kept.inputs, kept.examples, embedded, kept.base, now())
          if (added > 0) context.log('info', `kept ${plural(added, 'embedding')} of the frozen base for later runs`)
        },
        onEmbedding: (done, total) => {
          if (!embedding)
            context.log('info', 'the base model is frozen: each clip is embedded once, then the head trains')
          embedding = true
          context.progress(done, total, `embedding ${done} of ${plural(total, 'clip')} with the base model`)
        },
        onBatch: (b) => {
          context.progress((b.epoch - 1) * b.batches + b.batch, epochs * b.batches, `epoch ${b.epoch} of ${epochs}`)
          context.metrics(b.epoch - 1 + b.batch / b.batches, { batchLoss: b.loss, batchAccuracy: b.accuracy })
        },
        onEpoch: (m) => {
          const values = epochValues(m)
          putRunEpoch(db, runId, m.epoch, values, now())
          context.metrics(m.epoch, values)
        },
      },
    )
    const summary = await handle.result
    if (summary.resumedFrom > 0) context.log('info', `resumed after epoch ${summary.resumedFrom}`)
    at = lap('fit', at)

    // Evaluate every split from the worker's predictions; keep per-clip predictions of held-out clips.
    const probabilities = summary.probabilities
    if (!probabilities) throw new Error('the training worker returned no predictions')
    const k = plan.labels.length
    let testMetrics: ReturnType<typeof classificationMetrics> | undefined
    for (const s of ['train', 'val', 'test'] as const) {
      const part = rows[s]
      if (part.length === 0) continue
      const proba = probabilityRows(probabilities, part, k)
      const predicted = classesFromProba(proba, part.length, k)
      const truth = Int32Array.from(part, (r) => labels[r] as number)
      const metrics = classificationMetrics(plan.labels, truth, predicted, { values: proba, nClasses: k })
      putRunMetrics(db, runId, s, metrics)
      if (s === 'test') testMetrics = metrics
      if (s === 'train') continue
      setRunPredictions(
        db,
        runId,
        part.map((r, j) => ({
          clipId: (used[r] as PlannedClip).clipId,
          predicted: plan.labels[predicted[j] as number] as string,
          probabilities: proba.subarray(j * k, (j + 1) * k),
        })),
      )
    }
    at = lap('evaluate', at)
    // labels.json and features.json beside the TensorFlow.js model, as every run folder has them.
    await writeFile(join(folder, RUN_FILES.labels), `${JSON.stringify(plan.labels)}\n`)
    await writeFeaturesFile(folder, plan.recipe, [])
    // The saved model supersedes the checkpoint.
    await rm(join(folder, 'checkpoint'), { recursive: true, force: true })
    lap('save', at)
    timings['total'] = (performance.now() - started) / 1000
    finishRun(db, runId, { state: 'done', modelPath: join(folder, RUN_FILES.model), timings }, now())
    return {
      runId,
      model: plan.model,
      engine: engineName,
      epochs: summary.epochs,
      seconds: timings['total'],
      metrics: { accuracy: testMetrics?.accuracy ?? null, macroF1: testMetrics?.macro.f1 ?? null },
      split: runSplitSummary(db, runId, plan.splitPolicy),
      featureSet: recipeRecord(plan.recipe),
    }
  } catch (error) {
    const failure = error instanceof TrainingFailedError ? error.failure : null
    const cancelled = context.signal.aborted || failure === 'cancelled'
    if (failure === 'out-of-memory' && error instanceof Error && !/smaller batch/.test(error.message)) {
      error.message = `training ran out of memory (try a smaller batch size): ${error.message}`
    }
    timings['total'] = (performance.now() - started) / 1000
    recordStoppedRun(db, runId, error, cancelled, timings, now())
    throw error
  } finally {
    releaseRun(folder)
  }
}

/** The rows `rows` of a row-major [rows × k] matrix of class probabilities, in that order. */
export function probabilityRows(scores: ArrayLike<number>, rows: readonly number[], k: number): Float64Array {
  const out = new Float64Array(rows.length * k)
  rows.forEach((r, j) => {
    for (let c = 0; c < k; c++) out[j * k + c] = scores[r * k + c] as number
  })
  return out
}
