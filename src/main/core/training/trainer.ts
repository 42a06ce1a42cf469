// The training loop of the deep models: a Keras-like fit with class weights,
// augmentation, a learning-rate schedule, early stopping with the best weights restored, a
// checkpoint after every epoch, and exact resumption. Every random draw (shuffling, dropout,
// augmentation) comes from a stream seeded by (seed, epoch, batch), so a run resumed from the
// checkpoint of epoch k continues bit for bit as the uninterrupted run would have.
import { createHash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import * as tf from '@tensorflow/tfjs'
import { EarmarkError } from '../errors'
import { buildDeepNet, type FrozenBase, type InputShape, type OutputActivation } from '../models/deep/build'
import { useDropoutStream, type DropoutStream } from '../models/deep/layers'
import { mixSeed, Random } from '../models/seeded-random'
import { parseDeepSpec, type DeepModelSpec, type DeepModelSpecInput, type TrainingParams } from '../models/deep/params'
import { readCheckpoint, writeCheckpoint, type StoredTensor } from './checkpoint'
import {
  arraySource,
  augments,
  classWeights,
  fitStandardizer,
  identityStandardizer,
  makeBatch,
  smoothLabels,
  shuffled,
  type DeepDataset,
  type Standardizer,
} from './data'
import { initEngine, type EngineInfo } from './engine'
import { FusedAdam } from './fused-adam'
import { withWeightDecay } from './weight-decay'
import { startBatchStep, type BatchStep, type StepSetup } from './gradient-exchange'
import { lossOf } from './losses'
import { microBatchBounds, microBatchSeed, MICRO_BATCHES, partCount, stateVariables } from './micro-batches'
import { usableEmbeddings, type EmbeddedExamples, type StoredEmbeddings } from './stored-embeddings'

/** Loss and accuracy after one epoch (validation figures are null without validation examples). */
export interface EpochMetrics {
  /** 1-based epoch number. */
  epoch: number
  loss: number
  accuracy: number
  valLoss: number | null
  valAccuracy: number | null
  /** The learning rate the epoch trained with. */
  learningRate: number
  /** Wall-clock seconds of the epoch (training and validation). */
  seconds: number
}

/** Progress within an epoch, every `batchEvery` batches. */
export interface BatchProgress {
  epoch: number
  batch: number
  batches: number
  /** Mean training loss and accuracy of the epoch so far. */
  loss: number
  accuracy: number
}

/** How a training run reports and where it keeps its checkpoint. */
export interface TrainOptions {
  /** Aborting stops the run after the current batch with a TrainingCancelledError; the last checkpoint stays. */
  signal?: AbortSignal
  /** Called after every epoch (after its checkpoint is written). */
  onEpoch?: (metrics: EpochMetrics) => void
  /** Called every `batchEvery` batches. */
  onBatch?: (progress: BatchProgress) => void
  /** Batches between `onBatch` calls (default 10). */
  batchEvery?: number
  /** Called as a frozen base embeds the clips before the first epoch: clips done of total. */
  onEmbedding?: (done: number, total: number) => void
  /** A frozen base's embeddings kept from an earlier run of the same base on the same inputs: not computed again. */
  storedEmbeddings?: StoredEmbeddings
  /** Called once a frozen base has embedded the examples `storedEmbeddings` lacked, with their vectors. */
  onEmbedded?: (embedded: EmbeddedExamples) => void
  /**
   * The caller will predict every example once trained: a frozen base then embeds the test
   * examples too, before the first epoch, and the result carries every example's probabilities
   * from the head on those embeddings, so no example goes through the base twice.
   */
  predictAll?: boolean
  /** Folder of the run's checkpoint; without it nothing is written and nothing resumed. */
  checkpointDir?: string
  /**
   * Carry on from the checkpoint in `checkpointDir` when there is one of the same spec and data
   * (default true; another run's checkpoint is ignored). `strict`: a checkpoint of another spec or
   * data is refused with a CheckpointMismatchError instead (resuming a recorded run).
   */
  resume?: boolean | 'strict'
  /** The clock (injectable for tests). */
  now?: () => number
  /** Stop after this many epochs in this call, as a crash would (tests of resumption). */
  stopAfterEpochs?: number
  /**
   * Threads that compute each step together (default: `defaultTrainingWorkers()`; 1: this thread
   * alone, as sweeps do, each trial on its own core). Every count gives the same weights.
   */
  workers?: number
  /** Called once the training threads have started: the engine, with how many workers train. */
  onEngine?: (engine: EngineInfo) => void
}

/** Steps below which starting a peer (about a second) costs more than it saves. */
const STEPS_WORTH_A_PEER = 60

/**
 * The training threads a run uses by default: one per core, up to the parts of a step; a run too
 * short to repay starting the peers stays on one.
 */
export function defaultTrainingWorkers(steps = Infinity): number {
  if (steps < STEPS_WORTH_A_PEER) return 1
  return Math.max(1, Math.min(availableParallelism(), MICRO_BATCHES))
}

/** A trained model and what it needs to predict: classes, input shape, standardisation. */
export interface TrainedDeepModel {
  model: tf.LayersModel
  spec: DeepModelSpec
  classes: string[]
  inputShape: InputShape
  standardizer: Standardizer
}

/** The outcome of `trainDeep`. */
export interface TrainResult extends TrainedDeepModel {
  history: EpochMetrics[]
  /** Epochs trained (all calls together). */
  epochs: number
  /** The epoch whose weights the model ends with (1-based). */
  bestEpoch: number
  stoppedEarly: boolean
  /** The epoch the run resumed after (0: it started afresh). */
  resumedFrom: number
  engine: EngineInfo
  /**
   * With `predictAll` and a frozen base: every example's probabilities, row-major [examples ×
   * classes], from the head on the embeddings computed (or kept) for training. Absent otherwise:
   * the caller predicts with the model.
   */
  probabilities?: Float32Array
}

/** A training loss this many times chance's (ln k) two epochs running means the run has diverged. */
const DIVERGED_OVER_CHANCE = 5

/** Training stopped because the loss is no longer a number, or has diverged. */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError'
}

/** A run was to resume, but its checkpoint belongs to other hyperparameters, classes, features or clips. */
export class CheckpointMismatchError extends Error {
  override readonly name = 'CheckpointMismatchError'
}

/** Training stopped because it was asked to. */
export class TrainingCancelledError extends Error {
  override readonly name = 'TrainingCancelledError'
}

/** The trainer's part of a checkpoint. */
interface LoopState {
  fingerprint: string
  epoch: number
  history: EpochMetrics[]
  learningRate: number
  best: number | null
  bestEpoch: number
  wait: number
  plateauBest: number | null
  plateauWait: number
  standardizer: Standardizer
}

type Optimizer = tf.Optimizer & { learningRate: number; setLearningRate?: (lr: number) => void }

function makeOptimizer(p: TrainingParams): Optimizer {
  return withWeightDecay(plainOptimizer(p), p.weightDecay)
}

function plainOptimizer(p: TrainingParams): Optimizer {
  switch (p.optimizer) {
    case 'adam':
      return new FusedAdam(p.learningRate, 0.9, 0.999) as unknown as Optimizer
    case 'sgd':
      return tf.train.momentum(p.learningRate, 0.9) as unknown as Optimizer
    case 'rmsprop':
      return tf.train.rmsprop(p.learningRate) as unknown as Optimizer
    default:
      throw new Error(`unknown optimizer: ${String(p.optimizer satisfies never)}`)
  }
}

/**
 * Adam's bias corrections β₁ᵗ and β₂ᵗ, kept as running products updated every step. Adam's
 * setWeights recomputes them as pow(β, t), which differs from the product in the last bits after
 * some steps, so a resumed run would drift from the uninterrupted one: the checkpoint keeps them.
 */
function runningProducts(optimizer: Optimizer): tf.Tensor[] {
  const adam = optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable }
  return adam.accBeta1 && adam.accBeta2 ? [adam.accBeta1, adam.accBeta2] : []
}

function restoreRunningProducts(optimizer: Optimizer, saved: StoredTensor[]): void {
  const live = runningProducts(optimizer) as tf.Variable[]
  if (live.length === 0 || saved.length !== live.length) return
  tf.tidy(() => saved.forEach((t, i) => (live[i] as tf.Variable).assign(tf.tensor(t.values, t.shape, 'float32'))))
}

function setLearningRate(optimizer: Optimizer, lr: number): void {
  if (optimizer.setLearningRate) optimizer.setLearningRate(lr)
  optimizer.learningRate = lr
}

/** The learning rate of an epoch (0-based) under the step and cosine schedules; others keep the state's. */
function scheduled(p: TrainingParams, epoch: number, current: number): number {
  switch (p.lrSchedule) {
    case 'constant':
    case 'plateau':
      return current
    case 'step':
      return Math.max(p.minLearningRate, p.learningRate * p.lrFactor ** Math.floor(epoch / p.lrStepEpochs))
    case 'cosine': {
      const t = p.epochs > 1 ? epoch / (p.epochs - 1) : 0
      return p.minLearningRate + 0.5 * (p.learningRate - p.minLearningRate) * (1 + Math.cos(Math.PI * t))
    }
    default:
      throw new Error(`unknown schedule: ${String(p.lrSchedule satisfies never)}`)
  }
}

function stored(weights: tf.Tensor[], names: string[]): StoredTensor[] {
  return weights.map((w, i) => ({
    name: names[i] ?? String(i),
    shape: w.shape,
    dtype: w.dtype === 'int32' ? 'int32' : 'float32',
    values: Float32Array.from(w.dataSync()),
  }))
}

function toTensors(list: StoredTensor[]): tf.Tensor[] {
  return list.map((t) =>
    t.dtype === 'int32'
      ? tf.tensor(Int32Array.from(t.values), t.shape, 'int32')
      : tf.tensor(t.values, t.shape, 'float32'),
  )
}

/**
 * Examples predicted right: the top class of a softmax; for sigmoids, the share of classes on the
 * right side of 0.5 (Keras's binary accuracy), summed over the examples.
 */
function hitsOf(output: OutputActivation, probs: Float32Array, y: Float32Array, k: number): number {
  if (output === 'softmax') return argmaxHits(probs, y, k)
  let right = 0
  for (let i = 0; i < y.length; i++) if ((probs[i] as number) >= 0.5 === (y[i] as number) >= 0.5) right++
  return right / k
}

function argmaxHits(probs: Float32Array | Int32Array | Uint8Array, y: Float32Array, k: number): number {
  let hits = 0
  for (let b = 0; b < y.length / k; b++) {
    let best = 0
    let truth = 0
    for (let i = 1; i < k; i++) {
      if ((probs[b * k + i] as number) > (probs[b * k + best] as number)) best = i
      if ((y[b * k + i] as number) > (y[b * k + truth] as number)) truth = i
    }
    if (best === truth) hits++
  }
  return hits
}

function batches(indices: readonly number[], size: number): number[][] {
  const out: number[][] = []
  for (let i = 0; i < indices.length; i += size) out.push(indices.slice(i, i + size))
  return out
}

const yieldToEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Loss and accuracy of the model (inference mode) on the given examples. */
async function evaluate(
  predict: (x: tf.Tensor) => tf.Tensor,
  data: DeepDataset,
  indices: readonly number[],
  standardizer: Standardizer,
  batchSize: number,
  shape: InputShape,
  output: OutputActivation,
): Promise<{ loss: number; accuracy: number }> {
  const k = data.classes.length
  const lossFn = lossOf(output)
  const ones = new Float32Array(k).fill(1)
  let loss = 0
  let hits = 0
  for (const part of batches(indices, batchSize)) {
    const batch = makeBatch(data, part, standardizer, ones, null, new Random(0))
    const [l, probs] = tf.tidy(() => {
      const x = tf.tensor3d(batch.x, [batch.size, shape[0], shape[1]])
      const p = predict(x)
      const y = tf.tensor2d(batch.y, [batch.size, k])
      return [tf.mul(lossFn(p, y, tf.ones([batch.size])), batch.size), p] as const
    })
    loss += (await l.data())[0] as number
    hits += hitsOf(output, (await probs.data()) as Float32Array, batch.y, k)
    tf.dispose([l, probs])
    await yieldToEvents()
  }
  return { loss: loss / Math.max(1, indices.length), accuracy: hits / Math.max(1, indices.length) }
}

/** Probabilities of examples by a view's inference pass, row-major [indices × classes]. */
async function predictRows(view: StepView, indices: readonly number[], batchSize: number): Promise<Float32Array> {
  const k = view.data.classes.length
  const ones = new Float32Array(k).fill(1)
  const out = new Float32Array(indices.length * k)
  let row = 0
  for (const part of batches(indices, batchSize)) {
    const batch = makeBatch(view.data, part, view.standardizer, ones, null, new Random(0))
    const probs = tf.tidy(() => view.predict(tf.tensor3d(batch.x, [batch.size, view.shape[0], view.shape[1]])))
    out.set((await probs.data()) as Float32Array, row * k)
    probs.dispose()
    row += part.length
    await yieldToEvents()
  }
  return out
}

/** What a training step sees: the examples, how they are scaled, and the network on them. */
interface StepView {
  data: DeepDataset
  shape: InputShape
  standardizer: Standardizer
  /** The forward pass in training mode. */
  forward(x: tf.Tensor): tf.Tensor
  /** The forward pass in inference mode. */
  predict(x: tf.Tensor): tf.Tensor
}

/**
 * Each training and validation example through a frozen base, once (inference mode, so the same
 * embedding every epoch): the head then trains on these as its examples, [1 × embedding size]
 * each, not standardised again. Examples whose embeddings an earlier run of the same base on the
 * same inputs kept (`storedEmbeddings`) are read rather than embedded; `onEmbedded` receives the
 * ones embedded here, for the caller to keep.
 */
async function embeddedView(
  frozen: FrozenBase,
  data: DeepDataset,
  standardizer: Standardizer,
  batchSize: number,
  shape: InputShape,
  options: Pick<TrainOptions, 'signal' | 'onEmbedding' | 'storedEmbeddings' | 'onEmbedded' | 'predictAll'>,
): Promise<StepView> {
  const size = frozen.embeddingShape.reduce((a, b) => a * b, 1)
  const embeddings = new Float32Array(data.features.count * size)
  const ones = new Float32Array(data.classes.length).fill(1)
  const clips = options.predictAll
    ? Array.from({ length: data.features.count }, (_, i) => i)
    : [...data.train, ...data.validation]
  const stored = usableEmbeddings(options.storedEmbeddings, size, standardizer, data.features.count)
  const toEmbed = stored ? clips.filter((i) => stored.present[i] !== 1) : clips
  if (stored) {
    for (const i of clips) {
      if (stored.present[i] === 1) embeddings.set(stored.vectors.subarray(i * size, (i + 1) * size), i * size)
    }
  }
  let done = clips.length - toEmbed.length
  for (const part of batches(toEmbed, batchSize)) {
    if (options.signal?.aborted) {
      throw new TrainingCancelledError('training was cancelled while the base embedded the clips')
    }
    const batch = makeBatch(data, part, standardizer, ones, null, new Random(0))
    const e = tf.tidy(() => frozen.embed(tf.tensor3d(batch.x, [batch.size, shape[0], shape[1]])))
    const values = (await e.data()) as Float32Array
    e.dispose()
    part.forEach((index, b) => embeddings.set(values.subarray(b * size, (b + 1) * size), index * size))
    done += part.length
    options.onEmbedding?.(done, clips.length)
    await yieldToEvents()
  }
  if (toEmbed.length > 0 && options.onEmbedded) {
    const vectors = new Float32Array(toEmbed.length * size)
    toEmbed.forEach((index, r) => vectors.set(embeddings.subarray(index * size, (index + 1) * size), r * size))
    options.onEmbedded({ dims: size, rows: toEmbed, vectors, standardizer })
  }
  const unflatten = (x: tf.Tensor): tf.Tensor => tf.reshape(x, [x.shape[0] as number, ...frozen.embeddingShape])
  return {
    data: { ...data, features: arraySource(embeddings, [1, size]) },
    shape: [1, size],
    standardizer: identityStandardizer(size),
    forward: (x) => frozen.head(unflatten(x), true),
    predict: (x) => frozen.head(unflatten(x), false),
  }
}

/** A short, stable name of a fingerprint for messages. */
const shortHash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 12)

/** What identifies a run, so a checkpoint is never resumed into a different one. */
function fingerprint(spec: DeepModelSpec, data: DeepDataset): string {
  let h = mixSeed(data.train.length, data.validation.length)
  const k = data.classes.length
  for (const i of data.train) {
    h = mixSeed(h, i, data.labels[i] as number)
    if (data.targets) for (let c = 0; c < k; c++) h = mixSeed(h, data.targets[i * k + c] as number)
  }
  for (const i of data.validation) h = mixSeed(h, i)
  // Written only for sigmoid outputs, so that checkpoints of softmax runs made before stay valid.
  const output = outputOf(data) === 'sigmoid' ? { output: 'sigmoid' } : {}
  return JSON.stringify({ spec, shape: data.features.shape, classes: data.classes, data: h, ...output })
}

/** The outputs a dataset trains: sigmoids when it has multi-label targets, else a softmax. */
function outputOf(data: DeepDataset): OutputActivation {
  return data.targets ? 'sigmoid' : 'softmax'
}

/** What every stage of a run shares: the spec, the network, its optimiser, and how it reports. */
interface Run {
  spec: DeepModelSpec
  p: TrainingParams
  data: DeepDataset
  shape: InputShape
  /** Classes. */
  k: number
  /** The outputs' activation, and so the loss. */
  output: OutputActivation
  net: Awaited<ReturnType<typeof buildDeepNet>>
  /** The stream this network's dropout masks come from, reseeded by (seed, epoch, batch, part). */
  dropout: DropoutStream
  optimizer: Optimizer
  /** Takes each optimiser step, on this thread or with peers. */
  step: BatchStep | null
  variables: tf.Variable[]
  weightNames: string[]
  weightsByClass: Float32Array
  augmentation: TrainingParams | null
  options: TrainOptions
}

/**
 * Trains a deep model. With `checkpointDir`, writes a checkpoint after every epoch and, when one is
 * already there for the same spec and data, resumes from it. Throws NonFiniteLossError when the
 * loss becomes NaN or infinite, TrainingCancelledError when `signal` aborts.
 *
 * The stages, each below: resume (or start afresh), one epoch of batches, validation, the
 * divergence check, early stopping and the learning-rate schedule, the checkpoint, and at the end
 * the best weights.
 */
export async function trainDeep(
  specInput: DeepModelSpecInput,
  data: DeepDataset,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const spec = parseDeepSpec(specInput)
  const p = spec.params
  if (options.workers !== undefined && !(Number.isInteger(options.workers) && options.workers >= 1)) {
    throw new EarmarkError('invalid-input', `workers must be a whole number of at least 1, not ${options.workers}`)
  }
  const engine = await initEngine()
  const shape = data.features.shape as InputShape
  const k = data.classes.length
  const output = outputOf(data)
  assertLabelled(data, k)
  const net = await buildDeepNet(spec, shape, k, output)
  const dropout: DropoutStream = { current: new Random(0) }
  useDropoutStream(net.model, dropout)
  const run: Run = {
    spec,
    p,
    data,
    shape,
    k,
    output,
    net,
    dropout,
    optimizer: makeOptimizer(p),
    step: null,
    variables: net.trainable(),
    weightNames: net.model.weights.map((w) => w.originalName),
    weightsByClass: classWeights(p.classWeight, data.labels, data.train, data.classes),
    augmentation: augments(p) ? p : null,
    options,
  }

  const print = fingerprint(spec, data)
  const resumed = await resume(run, print)
  const resumedFrom = resumed?.state.epoch ?? 0
  const state = resumed?.state ?? freshState(run, print)
  const bestWeights = resumed?.bestWeights ?? null
  const view = await stepViewOf(run, state.standardizer)
  const stepsLeft = (p.epochs - state.epoch) * Math.ceil(data.train.length / p.batchSize)
  const setup: StepSetup = {
    net: {
      forward: view.forward,
      trainable: run.variables,
      state: stateVariables(net.model),
      dropout,
      shape: view.shape,
      classes: k,
      loss: lossOf(output),
    },
    weights: net.model.weights.map((w) => w.read() as tf.Variable),
    optimizer: run.optimizer,
    batchSize: p.batchSize,
    spec,
    output,
    engine: engine.name,
  }
  // Peers rebuild the network from the spec: a frozen base's embeddings (and a base read from
  // disk) stay with the thread that made them.
  const workers = net.frozen || spec.model === 'transfer' ? 1 : (options.workers ?? defaultTrainingWorkers(stepsLeft))
  // Peers that cannot start (no worker script in a partial build, too little memory) leave the
  // run on this thread, which reaches the same weights, only later.
  run.step = await startBatchStep(setup, workers).catch(() => startBatchStep(setup, 1))
  try {
    const training = { ...engine, workers: run.step.workers }
    options.onEngine?.(training)
    const result = await trainLoop(run, view, state, resumedFrom, bestWeights, training)
    if (!options.predictAll || view.data === data) return result
    const all = Array.from({ length: data.features.count }, (_, i) => i)
    return { ...result, probabilities: await predictRows(view, all, p.batchSize) }
  } finally {
    await run.step.close()
    run.step = null
  }
}

/** The epochs of a run, from its state (fresh or resumed) to the end or early stopping. */
async function trainLoop(
  run: Run,
  view: StepView,
  state: LoopState,
  resumedFrom: number,
  resumedBest: StoredTensor[] | null,
  engine: EngineInfo,
): Promise<TrainResult> {
  const { spec, p, data, net, output, k, shape, options } = run
  const now = options.now ?? (() => performance.now())
  let bestWeights = resumedBest
  const monitorAccuracy = p.monitor === 'val_accuracy' && data.validation.length > 0
  let stoppedEarly = p.patience !== null && state.wait >= p.patience
  let epochsThisCall = 0

  while (!stoppedEarly && state.epoch < p.epochs) {
    if (options.stopAfterEpochs !== undefined && epochsThisCall >= options.stopAfterEpochs) break
    const epoch = state.epoch
    const started = now()
    const lr = scheduled(p, epoch, state.learningRate)
    setLearningRate(run.optimizer, lr)
    const trained = await trainEpoch(run, view, epoch, lr)
    const val =
      data.validation.length > 0
        ? await evaluate(view.predict, view.data, data.validation, view.standardizer, p.batchSize, view.shape, output)
        : null
    const metrics: EpochMetrics = {
      epoch: epoch + 1,
      loss: trained.loss,
      accuracy: trained.accuracy,
      valLoss: val?.loss ?? null,
      valAccuracy: val?.accuracy ?? null,
      learningRate: lr,
      seconds: (now() - started) / 1000,
    }
    // Sigmoids guess at 0.5 each: chance is ln 2 per class, as for two classes.
    assertNotDiverged(state.history.at(-1), metrics, output === 'sigmoid' ? 2 : k)
    // Early stopping and best weights follow the monitored figure (lower is better; accuracy negated).
    const monitored = monitorAccuracy ? -(val?.accuracy ?? 0) : (val?.loss ?? metrics.loss)
    if (trackBest(state, monitored, epoch + 1) && p.restoreBestWeights) {
      bestWeights = stored(net.model.getWeights(), run.weightNames)
    }
    if (p.lrSchedule === 'plateau') stepPlateau(state, p, val?.loss ?? metrics.loss)
    state.history.push(metrics)
    state.epoch = epoch + 1
    epochsThisCall++
    stoppedEarly = p.patience !== null && state.wait >= p.patience
    if (options.checkpointDir) await saveCheckpoint(run, options.checkpointDir, state, bestWeights)
    options.onEpoch?.(metrics)
  }

  const finished = stoppedEarly || state.epoch >= p.epochs
  if (finished && p.restoreBestWeights && bestWeights) {
    const tensors = toTensors(bestWeights)
    net.model.setWeights(tensors)
    tf.dispose(tensors)
  }
  run.optimizer.dispose()
  return {
    model: net.model,
    spec,
    classes: [...data.classes],
    inputShape: shape,
    standardizer: state.standardizer,
    history: state.history,
    epochs: state.epoch,
    bestEpoch: finished && p.restoreBestWeights ? state.bestEpoch : state.epoch,
    stoppedEarly,
    resumedFrom,
    engine,
  }
}

/** Every training and validation example has a class (or, multi-label, a row of targets). */
function assertLabelled(data: DeepDataset, k: number): void {
  if (data.train.length === 0) throw new Error('no training examples')
  if (data.targets) {
    if (data.targets.length !== data.features.count * k) {
      throw new Error(`${data.targets.length} targets for ${data.features.count} examples of ${k} classes`)
    }
    return
  }
  for (const i of [...data.train, ...data.validation]) {
    const label = data.labels[i]
    if (label === undefined || label < 0 || label >= k || !Number.isInteger(label)) {
      throw new Error(`example ${i} has no valid label (${String(label)})`)
    }
  }
}

/**
 * Resume: the run's checkpoint, when there is one for the same spec and data, restored into the
 * network and the optimiser (its bias-correction products included). Another run's checkpoint is
 * ignored, or refused when resuming must be strict.
 */
async function resume(
  run: Run,
  print: string,
): Promise<{ state: LoopState; bestWeights: StoredTensor[] | null } | null> {
  const { checkpointDir, resume: mode } = run.options
  if (!checkpointDir || mode === false) return null
  const checkpoint = await readCheckpoint<LoopState>(checkpointDir)
  if (!checkpoint) return null
  if (checkpoint.state.fingerprint !== print) {
    if (mode !== 'strict') return null
    throw new CheckpointMismatchError(
      `the checkpoint belongs to config ${shortHash(checkpoint.state.fingerprint)}, not to this one (${shortHash(print)}): hyperparameters, classes, features or clips changed since; train a new run instead`,
    )
  }
  const modelWeights = toTensors(checkpoint.tensors['model'] ?? [])
  run.net.model.setWeights(modelWeights)
  tf.dispose(modelWeights)
  const slots = checkpoint.tensors['optimizer'] ?? []
  if (slots.length > 0) {
    const tensors = toTensors(slots)
    await run.optimizer.setWeights(slots.map((s, i) => ({ name: s.name, tensor: tensors[i] as tf.Tensor })))
    tf.dispose(tensors)
  }
  restoreRunningProducts(run.optimizer, checkpoint.tensors['runningProducts'] ?? [])
  return { state: checkpoint.state, bestWeights: checkpoint.tensors['best'] ?? null }
}

/** A run starting afresh: epoch 0, the standardiser fitted on the training examples. */
function freshState(run: Run, print: string): LoopState {
  const { p, data, net, shape } = run
  return {
    fingerprint: print,
    epoch: 0,
    history: [],
    learningRate: p.learningRate,
    best: null,
    bestEpoch: 0,
    wait: 0,
    plateauBest: null,
    plateauWait: 0,
    standardizer: net.rawInputs ? identityStandardizer(shape[1]) : fitStandardizer(data.features, data.train),
  }
}

/** What the steps train on: the examples themselves, or a frozen base's embeddings of them. */
async function stepViewOf(run: Run, standardizer: Standardizer): Promise<StepView> {
  const { net, data, p, shape, augmentation, options } = run
  // Input augmentation changes what the base sees each epoch; without it a frozen base is run once.
  if (net.frozen && augmentation === null) {
    return embeddedView(net.frozen, data, standardizer, p.batchSize, shape, options)
  }
  return {
    data,
    shape,
    standardizer,
    forward: (x) => net.forward(x),
    predict: (x) => net.model.apply(x, { training: false }) as tf.Tensor,
  }
}

/**
 * One epoch: the training examples shuffled by (seed, epoch), one optimiser step per batch, each
 * batch's dropout and augmentation seeded by (seed, epoch, batch). Returns the epoch's mean
 * training loss and accuracy.
 */
async function trainEpoch(
  run: Run,
  view: StepView,
  epoch: number,
  lr: number,
): Promise<{ loss: number; accuracy: number }> {
  const { p, k, options } = run
  const step = run.step
  if (!step) throw new Error('the training step is not started')
  const order = shuffled(run.data.train, new Random(mixSeed(p.seed, epoch, 1)))
  const parts = batches(order, p.batchSize)
  let lossSum = 0
  let hits = 0
  let seen = 0
  for (let b = 0; b < parts.length; b++) {
    if (options.signal?.aborted) throw new TrainingCancelledError(`training was cancelled during epoch ${epoch + 1}`)
    const part = parts[b] as number[]
    const batch = makeBatch(
      view.data,
      part,
      view.standardizer,
      run.weightsByClass,
      run.augmentation,
      new Random(mixSeed(p.seed, epoch, b, 3)),
    )
    if (p.labelSmoothing > 0) smoothLabels(batch.y, k, p.labelSmoothing, run.output)
    const seeds = microBatchBounds(batch.size, partCount(p.batchSize)).map((_, m) =>
      microBatchSeed(p.seed, epoch, b, m),
    )
    const { loss: value, probs: probValues } = await step.run(batch, seeds)
    if (!Number.isFinite(value) || probValues.some((v) => !Number.isFinite(v))) {
      throw new NonFiniteLossError(
        `the training loss became ${value} at epoch ${epoch + 1}, batch ${b + 1}: lower the learning rate (now ${lr}) or check the features for NaN or infinite values`,
      )
    }
    lossSum += value * batch.size
    hits += hitsOf(run.output, probValues, batch.y, k)
    seen += batch.size
    const every = options.batchEvery ?? 10
    if (options.onBatch && ((b + 1) % every === 0 || b === parts.length - 1)) {
      options.onBatch({
        epoch: epoch + 1,
        batch: b + 1,
        batches: parts.length,
        loss: lossSum / seen,
        accuracy: hits / seen,
      })
    }
    await yieldToEvents()
  }
  return { loss: lossSum / seen, accuracy: hits / seen }
}

/**
 * A loss that stays far above chance (ln k, what uniform guessing scores) has diverged, even while
 * finite: batch norm and a stable softmax keep an exploding network's loss at about -ln(ε) × the
 * error rate instead of NaN. Thrown before this epoch's checkpoint, so the last good one stays.
 */
function assertNotDiverged(previous: EpochMetrics | undefined, metrics: EpochMetrics, k: number): void {
  const ceiling = DIVERGED_OVER_CHANCE * Math.log(k)
  if (previous && previous.loss > ceiling && metrics.loss > ceiling) {
    throw new NonFiniteLossError(
      `the training loss diverged at epoch ${metrics.epoch}: ${metrics.loss.toFixed(2)} after ${previous.loss.toFixed(2)}, where guessing uniformly scores ${Math.log(k).toFixed(2)}; lower the learning rate (now ${metrics.learningRate})`,
    )
  }
}

/** Early stopping: records a better monitored figure (lower is better); returns whether it was one. */
function trackBest(state: LoopState, monitored: number, epoch: number): boolean {
  if (state.best === null || monitored < state.best) {
    state.best = monitored
    state.bestEpoch = epoch
    state.wait = 0
    return true
  }
  state.wait++
  return false
}

/** The plateau schedule: the learning rate falls by `lrFactor` after `lrPatience` epochs without progress. */
function stepPlateau(state: LoopState, p: TrainingParams, figure: number): void {
  if (state.plateauBest === null || figure < state.plateauBest) {
    state.plateauBest = figure
    state.plateauWait = 0
  } else if (++state.plateauWait >= p.lrPatience) {
    state.learningRate = Math.max(p.minLearningRate, state.learningRate * p.lrFactor)
    state.plateauWait = 0
  }
}

/** The checkpoint after an epoch: the loop's state, the weights, the optimiser's slots, the best weights. */
async function saveCheckpoint(
  run: Run,
  dir: string,
  state: LoopState,
  bestWeights: StoredTensor[] | null,
): Promise<void> {
  const optimizerWeights = await run.optimizer.getWeights()
  await writeCheckpoint<LoopState>(dir, {
    state,
    tensors: {
      model: stored(run.net.model.getWeights(), run.weightNames),
      optimizer: stored(
        optimizerWeights.map((w) => w.tensor),
        optimizerWeights.map((w) => w.name),
      ),
      ...(bestWeights ? { best: bestWeights } : {}),
      runningProducts: stored(runningProducts(run.optimizer), ['accBeta1', 'accBeta2']),
    },
  })
  // getWeights hands out the optimiser's own slot variables, and a fresh iteration count.
  tf.dispose(optimizerWeights.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor))
}
