/**
 * Training throughput of the default LSTM (MFCC + delta sequences, 32 frames x 40 features) and the
 * default CRNN (log-mels, 63 frames x 64 bands; conv blocks into a bidirectional GRU) on fsdd-dev's
 * training split, side by side in the same run with the same networks trained the same way in
 * PyTorch (bench/python/recurrent_torch.py): the same layers from the same initial weights, the
 * same clips in the same order and batches, the standardiser Earmark fits, Adam with the same
 * settings, one thread on both sides (Earmark's trainer runs a recurrent network on one core).
 *
 * Training samples/s is Earmark's own loop (`trainDeepModel`), each epoch after a warm-up one
 * timed round, the median of them. PyTorch trains two variants (the cells Earmark computes written
 * out, and its fused nn.LSTM / nn.GRU of the same size) just before and just after Earmark; the
 * reference is the fastest of those four runs, conservative for Earmark. The per-epoch losses of
 * Earmark and of PyTorch's same-cell variant are reported: from the same start on the same
 * batches they follow each other (their dropout masks differ).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import {
  arraySource,
  defaultDeepFeatures,
  fitStandardizer,
  parseDeepSpec,
  trainDeepModel,
  useEngine,
  type DeepModelSpecInput,
  type FeatureSource,
} from '../src/main/core/training'
import { shuffled } from '../src/main/core/training/data'
import { mixSeed, Random } from '../src/main/core/models/seeded-random'
import { fsddFeatures } from '../test/helpers/fsdd-deep'
import { initialWeights } from './initial-weights'
import { runPythonReference } from './python-reference'
import { median, ratio } from './report'

const BATCH = 32
/** Timed epochs per side (after one warm-up); EARMARK_BENCH_RNN_ROUNDS=1 for a quick check. */
const ROUNDS = Number(process.env['EARMARK_BENCH_RNN_ROUNDS'] ?? process.env['EARMARK_BENCH_ROUNDS'] ?? 3)
/** A quick check trains on fewer clips (EARMARK_BENCH_TRAIN_CLIPS=256); the figures are for all of them. */
const LIMIT = Number(process.env['EARMARK_BENCH_TRAIN_CLIPS'] ?? Infinity)
/** Threads on each side: Earmark's trainer on one core (one worker), PyTorch on one thread. */
const THREADS = 1

type RecurrentKind = 'lstm' | 'crnn'

interface TorchVariant {
  trainSamplesPerSecond: number
  trainRounds: number[]
  epochLoss: number[]
}

interface TorchRun {
  torch: string
  threads: number
  same: TorchVariant
  builtin: TorchVariant
}

/**
 * Dropout off (EARMARK_BENCH_DROPOUT=0) checks that both sides train the same network the same way:
 * without random masks their losses agree epoch by epoch.
 */
const DROPOUT = process.env['EARMARK_BENCH_DROPOUT']

/**
 * The spec both sides train: the kind's defaults, a fixed number of epochs, and no augmentation
 * (the PyTorch side has none; the LSTM's default masks, time shift and mixup are turned off, and
 * augmented copies are made by runs, not by the trainer this times).
 */
const specOf = (model: RecurrentKind, epochs: number): DeepModelSpecInput => ({
  model,
  params: {
    epochs,
    batchSize: BATCH,
    patience: null,
    restoreBestWeights: false,
    timeShift: 0,
    timeMasks: 0,
    freqMasks: 0,
    mixup: 0,
    ...(DROPOUT === undefined ? {} : { dropout: Number(DROPOUT) }),
  },
})

/** What the Python side needs to build the same network as Earmark's defaults. */
function networkSettings(model: RecurrentKind): Record<string, unknown> {
  const parsed = parseDeepSpec(specOf(model, 1))
  if (parsed.model === 'lstm') {
    const p = parsed.params
    if (p.cell !== 'lstm' || p.layers !== 1 || p.bidirectional || p.denseUnits !== 0 || p.optimizer !== 'adam') {
      throw new Error('the default LSTM changed: update bench/python/recurrent_torch.py to match')
    }
    return { units: p.lstmUnits, pooling: p.pooling, dropout: p.dropout, learningRate: p.learningRate, seed: p.seed }
  }
  if (parsed.model !== 'crnn') throw new Error(`unexpected model ${parsed.model}`)
  const p = parsed.params
  if (p.cell !== 'gru' || p.optimizer !== 'adam') {
    throw new Error('the default CRNN changed: update bench/python/recurrent_torch.py to match')
  }
  return {
    units: p.lstmUnits,
    dropout: p.dropout,
    learningRate: p.learningRate,
    seed: p.seed,
    filters: p.filters,
    kernelSize: p.kernelSize,
    // Earmark's BatchNorm layer: Keras's epsilon and the momentum build.ts gives it.
    bnEpsilon: 1e-3,
    bnMomentum: 0.9,
  }
}

/** One kind measured on both sides: figures keyed by the kind, and Earmark's ratio. */
async function measureKind(
  model: RecurrentKind,
  dir: string,
  log: (line: string) => void,
): Promise<{ figures: Record<string, unknown>; ratio: number | null }> {
  const all = await fsddFeatures(defaultDeepFeatures(model))
  const d = { ...all, train: all.train.slice(0, LIMIT) }
  const [frames, features] = d.shape
  const epochs = 1 + ROUNDS
  const settings = networkSettings(model)
  const seed = settings['seed'] as number
  const standardizer = fitStandardizer(arraySource(d.features, d.shape), d.train)
  const per = frames * features
  const clips = new Float32Array(d.train.length * per)
  const labels = new Int32Array(d.train.length)
  const rowOf = new Map<number, number>()
  d.train.forEach((i, row) => {
    clips.set(d.features.subarray(i * per, (i + 1) * per), row * per)
    labels[row] = d.labels[i] as number
    rowOf.set(i, row)
  })
  const dataFile = join(dir, `${model}.bin`)
  writeFileSync(dataFile, Buffer.concat([Buffer.from(clips.buffer), Buffer.from(labels.buffer)]))
  const engine = await useEngine('wasm')
  if (engine.name !== 'wasm') throw new Error('the wasm engine did not load')
  const initial = await initialWeights(specOf(model, epochs), d.shape, d.classes.length)
  const weightsFile = join(dir, `${model}-weights.bin`)
  writeFileSync(weightsFile, Buffer.from(initial.values.buffer))
  // The trainer's seeded shuffle, epoch by epoch (as bench/training.bench.ts checks it for the CNN).
  const orders = Array.from({ length: epochs }, (_, epoch) => shuffled(d.train, new Random(mixSeed(seed, epoch, 1))))
  const specFile = join(dir, `${model}.json`)
  writeFileSync(
    specFile,
    JSON.stringify({
      ...settings,
      model,
      data: dataFile,
      frames,
      features,
      classes: d.classes.length,
      mean: standardizer.mean,
      std: standardizer.std,
      epochs: orders.map((order) => order.map((i) => rowOf.get(i))),
      batchSize: BATCH,
      // FusedAdam's: tfjs's Adam with β 0.9 / 0.999 and the float32 backend's epsilon.
      beta1: 0.9,
      beta2: 0.999,
      epsilon: tf.backend().epsilon(),
      weights: weightsFile,
      weightList: initial.list,
      threads: THREADS,
    }),
  )
  const load = (): string =>
    loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')
  const torch = (): TorchRun | string => runPythonReference<TorchRun>('recurrent_torch.py', [specFile], THREADS)
  const rounds = (values: number[]): string => values.map((v) => v.toFixed(0)).join(' ')
  const losses = (values: number[]): string => values.map((v) => v.toFixed(3)).join(' ')
  const showTorch = (label: string, run: TorchRun): void => {
    for (const variant of ['same', 'builtin'] as const) {
      const f = run[variant]
      log(
        `  PyTorch ${run.torch} ${variant.padEnd(7)} ${label.padEnd(6)} ${f.trainSamplesPerSecond.toFixed(1).padStart(8)} samples/s (rounds ${rounds(f.trainRounds)})`,
      )
    }
  }
  log(
    `${model}: ${d.train.length} train clips of ${frames} frames x ${features} features; batch ${BATCH}; ${epochs} epochs (the first a warm-up); load ${load()}`,
  )
  const before = torch()
  if (typeof before === 'string') log(`  PyTorch not measured: ${before}`)
  else showTorch('before', before)
  // Which clips the trainer reads, in order (its standardiser's pass, then the batches).
  const reads: number[] = []
  const source = arraySource(d.features, d.shape)
  const recorded: FeatureSource = {
    count: source.count,
    shape: source.shape,
    read(i, out, offset) {
      reads.push(i)
      source.read(i, out, offset)
    },
  }
  const result = await trainDeepModel(
    specOf(model, epochs),
    { features: recorded, labels: d.labels, classes: d.classes, train: d.train, validation: [] },
    // One core against PyTorch's one thread: the same thread budget on both sides.
    { workers: THREADS },
  )
  // What PyTorch is given must be what the trainer did: its clips in its order, its standardiser.
  const visited = reads.slice(d.train.length)
  const expected = orders.flat()
  if (visited.length !== expected.length || visited.some((v, i) => v !== expected[i])) {
    throw new Error('the trainer visited the clips in another order than this benchmark gives PyTorch')
  }
  const same = (a: readonly number[], b: readonly number[]): boolean => a.every((v, i) => v === b[i])
  if (!same(result.standardizer.mean, standardizer.mean) || !same(result.standardizer.std, standardizer.std)) {
    throw new Error('the trainer fitted another standardiser than the one this benchmark gives PyTorch')
  }
  const earmarkRounds = result.history.slice(1).map((e) => d.train.length / e.seconds)
  const earmarkLoss = result.history.map((e) => e.loss)
  result.model.dispose()
  const earmark = median(earmarkRounds)
  log(
    `  Earmark wasm (${engine.threads} thread${engine.threads === 1 ? '' : 's'})     ${earmark.toFixed(1).padStart(8)} samples/s (rounds ${rounds(earmarkRounds)})`,
  )
  const after = typeof before === 'string' ? before : torch()
  if (typeof after !== 'string') showTorch('after', after)
  const runs = [before, after].filter((r): r is TorchRun => typeof r !== 'string')
  const reference = runs.length
    ? Math.max(...runs.flatMap((r) => [r.same.trainSamplesPerSecond, r.builtin.trainSamplesPerSecond]))
    : null
  const r = ratio(earmark, reference)
  if (runs[0]) {
    log(`  training loss by epoch: PyTorch (same cells) ${losses(runs[0].same.epochLoss)}`)
    log(`                          Earmark              ${losses(earmarkLoss)}`)
  }
  log(`  = ${r === null ? '-' : `${r.toFixed(2)}x`} the fastest PyTorch run at ${THREADS} thread; load ${load()}`)
  const figures: Record<string, unknown> = {
    [`${model}TrainClips`]: d.train.length,
    [`${model}TrainSamplesPerSecond`]: earmark,
    [`${model}TrainRoundsSamplesPerSecond`]: earmarkRounds,
    [`${model}EpochLoss`]: earmarkLoss,
    [`${model}TorchReferenceSamplesPerSecond`]: reference,
  }
  runs.forEach((run, i) => {
    const which = i === 0 ? 'Before' : 'After'
    Object.assign(figures, {
      [`${model}Torch${which}SameCellsSamplesPerSecond`]: run.same.trainSamplesPerSecond,
      [`${model}Torch${which}BuiltinSamplesPerSecond`]: run.builtin.trainSamplesPerSecond,
      [`${model}Torch${which}SameCellsEpochLoss`]: run.same.epochLoss,
    })
  })
  return { figures, ratio: r }
}

/**
 * Measures the default LSTM and CRNN against PyTorch (on the wasm engine, which it leaves loaded):
 * figures for the bench's JSON line and the `lstm` / `crnn` ratios.
 */
export async function recurrentTraining(
  log: (line: string) => void = console.log,
): Promise<{ figures: Record<string, unknown>; ratios: { lstm: number | null; crnn: number | null } }> {
  const dir = mkdtempSync(join(tmpdir(), 'earmark-recurrent-bench-'))
  try {
    // EARMARK_BENCH_RNN_KINDS=lstm measures only those (a quick look at one network).
    const kinds = (process.env['EARMARK_BENCH_RNN_KINDS'] ?? 'lstm,crnn').split(',')
    const skipped = { figures: {}, ratio: null }
    const lstm = kinds.includes('lstm') ? await measureKind('lstm', dir, log) : skipped
    const crnn = kinds.includes('crnn') ? await measureKind('crnn', dir, log) : skipped
    return {
      figures: { recurrentThreads: THREADS, recurrentEpochsTimed: ROUNDS, ...lstm.figures, ...crnn.figures },
      ratios: { lstm: lstm.ratio, crnn: crnn.ratio },
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

// Run on its own (`npx tsx bench/recurrent-training.ts`) for a quick look without the CNN part.
if (process.argv[1] === import.meta.filename) {
  const { figures, ratios } = await recurrentTraining()
  console.log(JSON.stringify({ figures, ratios }))
}
