/**
 * Training and inference throughput of the default CNN on fsdd-dev log-mels (its training split,
 * takes 5-49: 1,350 clips of 63 frames x 64 mel bands, batch 32), side by side in the same run
 * with the same network trained the same way in PyTorch (bench/python/training_torch.py, Debian's
 * python3-torch): the same layers (conv / batch norm / pooling / ReLU blocks, max over time, batch
 * norm of the pooled features, dropout, dense head) from the same initial weights, the same clips
 * in the same order and batches (the trainer's shuffle, checked against the clips it reads), the
 * standardiser Earmark fits, Adam with the same learning rate, betas and epsilon. Each side's
 * per-epoch training loss is reported too: with the same start and data they follow each other
 * (their dropout masks differ, and Earmark normalises each half batch on its own, see
 * micro-batches.ts; without dropout they stay close, see DROPOUT).
 *
 * Each side at its best on this machine: Earmark trains with every core (one training worker per
 * core, `defaultTrainingWorkers()`), PyTorch runs at 1 thread and at every core's count, before and
 * after Earmark, and the fastest of those runs is the reference. Ratios: `train` (training
 * samples/s) and `infer` (inference clips/s), Earmark / that reference. Goals: train >= 1.2,
 * infer >= 1.5. Earmark on one worker is kept as figures (wasmOneWorker…).
 *
 * Training samples/s is Earmark's own training loop (`trainDeepModel`: batch assembly,
 * standardisation, forward, backward, Adam, the epoch's loss and accuracy), each epoch after a
 * warm-up epoch one timed round; PyTorch's loop does the same work (its batches standardised as
 * they are drawn, loss read back and hits counted every step). Inference clips/s is `predictDeep`
 * (standardisation included) over INFER_CLIPS clips, against PyTorch's eval-mode network on the
 * same clips. Figures are medians of ROUNDS rounds. Single rounds on a shared machine swing by
 * 10-20%, so PyTorch runs just before and just after the wasm engine and the reference is the
 * faster of the two (conservative for Earmark). The cpu backend is measured on fewer clips
 * (throughput is per clip); the native tensorflow backend wherever it loads.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { availableParallelism } from 'node:os'
import {
  arraySource,
  defaultDeepFeatures,
  fitStandardizer,
  parseDeepSpec,
  predictDeep,
  trainDeepModel,
  useEngine,
  type DeepModelSpecInput,
  type EngineName,
  type FeatureSource,
  type Standardizer,
} from '../src/main/core/training'
import { shuffled } from '../src/main/core/training/data'
import { defaultTrainingWorkers } from '../src/main/core/training/trainer'
import { mixSeed, Random } from '../src/main/core/models/seeded-random'
import { fsddFeatures } from '../test/helpers/fsdd-deep'
import { runPythonReference } from './python-reference'
import { recurrentTraining } from './recurrent-training'
import { initialWeights } from './initial-weights'
import { finish, median, ratio } from './report'

const root = join(import.meta.dirname, '..')
const fsdd = join(root, 'test', 'data', 'fsdd-dev')
const BATCH = 32
const INFER_CLIPS = 640
const ROUNDS = Number(process.env['EARMARK_BENCH_ROUNDS'] ?? 5)
/** A quick check of the harness trains on fewer clips (EARMARK_BENCH_TRAIN_CLIPS=256); the figures are for all of them. */
const LIMIT = Number(process.env['EARMARK_BENCH_TRAIN_CLIPS'] ?? Infinity)
/** Training clips per epoch on each engine (all of the split: null); the cpu backend is over ten times slower. */
const CLIPS: Record<EngineName, { train: number | null; infer: number; rounds: number }> = {
  tensorflow: { train: null, infer: INFER_CLIPS, rounds: ROUNDS },
  wasm: { train: null, infer: INFER_CLIPS, rounds: ROUNDS },
  cpu: { train: 4 * BATCH, infer: 8 * BATCH, rounds: Math.min(ROUNDS, 3) },
}

/**
 * Dropout off (EARMARK_BENCH_DROPOUT=0) checks that both sides train the same network the same
 * way: without random masks, their training losses agree epoch by epoch to about three decimals.
 */
const DROPOUT = process.env['EARMARK_BENCH_DROPOUT']
/** The spec every engine trains: the default CNN, a fixed number of epochs, nothing else changed. */
const spec = (epochs: number): DeepModelSpecInput => ({
  model: 'cnn',
  params: {
    epochs,
    batchSize: BATCH,
    patience: null,
    restoreBestWeights: false,
    // The PyTorch side has no augmentation: the default CNN's is turned off on both.
    timeShift: 0,
    timeMasks: 0,
    freqMasks: 0,
    mixup: 0,
    ...(DROPOUT === undefined ? {} : { dropout: Number(DROPOUT) }),
  },
})
const params = parseDeepSpec(spec(1 + ROUNDS))
if (params.model !== 'cnn') throw new Error('expected the cnn spec')
const cnn = params.params
if (cnn.head !== 'timePool' || cnn.optimizer !== 'adam' || cnn.lrSchedule !== 'constant') {
  throw new Error(
    `the default CNN changed (head ${cnn.head}, optimizer ${cnn.optimizer}, schedule ${cnn.lrSchedule}): update bench/python/training_torch.py to match`,
  )
}

interface Throughput {
  trainSamplesPerSecond: number
  inferClipsPerSecond: number
  /** The same per second of the process's CPU time, which other processes on the machine skew far less than wall time. */
  trainSamplesPerCpuSecond: number
  inferClipsPerCpuSecond: number
}

interface Measured extends Throughput {
  threads: number
  /** Training workers (one thread each). */
  workers: number
  /** Per timed round (training epochs, then inference rounds): samples/s and clips/s. */
  trainRounds: number[]
  inferRounds: number[]
  /** Training loss of every epoch, the warm-up first. */
  epochLoss: number[]
}

interface TorchFigures extends Throughput {
  torch: string
  threads: number
  trainRounds: number[]
  inferRounds: number[]
  epochs: { loss: number; accuracy: number }[]
}

/** Seconds of this process's CPU time so far. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1e6
}

/** The order the trainer visits the training clips in, epoch by epoch (its seeded shuffle). */
function epochOrders(train: readonly number[], epochs: number): number[][] {
  return Array.from({ length: epochs }, (_, epoch) => shuffled(train, new Random(mixSeed(cnn.seed, epoch, 1))))
}

/** A feature source that records which clips are read, in order (the standardiser's pass, then the batches). */
function recording(source: FeatureSource): { source: FeatureSource; reads: number[] } {
  const reads: number[] = []
  return {
    reads,
    source: {
      count: source.count,
      shape: source.shape,
      read(i, out, offset) {
        reads.push(i)
        source.read(i, out, offset)
      },
    },
  }
}

const sameList = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i])

async function measureEngine(
  engine: EngineName,
  d: Awaited<ReturnType<typeof fsddFeatures>>,
  standardizer: Standardizer,
  workers: number,
): Promise<Measured> {
  const info = await useEngine(engine)
  if (info.name !== engine) throw new Error(`${engine} did not load`)
  const { train: trainClips, infer: inferClips, rounds } = CLIPS[engine]
  const train = trainClips === null ? d.train : d.train.slice(0, trainClips)
  const epochs = 1 + rounds
  const seen = recording(arraySource(d.features, d.shape))
  // CPU time at the end of each epoch: epochs after the first are the measured ones.
  const epochEnds: number[] = []
  const startCpu = cpuSeconds()
  const result = await trainDeepModel(
    spec(epochs),
    { features: seen.source, labels: d.labels, classes: d.classes, train, validation: [] },
    { workers, onEpoch: () => epochEnds.push(cpuSeconds()) },
  )
  if (result.history.length !== epochs) throw new Error(`trained ${result.history.length} epochs, not ${epochs}`)
  // What PyTorch is given must be what the trainer did: its clips in its order, its standardiser.
  if (!sameList(seen.reads.slice(train.length), epochOrders(train, epochs).flat())) {
    throw new Error(
      'the trainer visited the clips in another order than this benchmark gives PyTorch: update epochOrders',
    )
  }
  if (
    trainClips === null &&
    (!sameList(result.standardizer.mean, standardizer.mean) || !sameList(result.standardizer.std, standardizer.std))
  ) {
    throw new Error('the trainer fitted another standardiser than the one this benchmark gives PyTorch')
  }
  const timedEpochs = result.history.slice(1)
  const per = d.shape[0] * d.shape[1]
  const clips = new Float32Array(inferClips * per)
  for (let i = 0; i < inferClips; i++) {
    const from = d.train[i % d.train.length] as number
    clips.set(d.features.subarray(from * per, (from + 1) * per), i * per)
  }
  // A warm-up round (on two workers it also starts the peer that keeps a copy of the model).
  await predictDeep(result, clips, { batchSize: BATCH, workers })
  const infer: { seconds: number; cpu: number }[] = []
  for (let r = 0; r < rounds; r++) {
    const start = performance.now()
    const cpuStart = cpuSeconds()
    await predictDeep(result, clips, { batchSize: BATCH, workers })
    infer.push({ seconds: (performance.now() - start) / 1000, cpu: cpuSeconds() - cpuStart })
  }
  result.model.dispose()
  const trainRounds = timedEpochs.map((e) => train.length / e.seconds)
  const inferRounds = infer.map((r) => inferClips / r.seconds)
  const epochCpu = epochEnds.map((end, i) => end - (i === 0 ? startCpu : (epochEnds[i - 1] as number))).slice(1)
  return {
    trainRounds,
    inferRounds,
    trainSamplesPerSecond: median(trainRounds),
    inferClipsPerSecond: median(inferRounds),
    trainSamplesPerCpuSecond: median(epochCpu.map((c) => train.length / c)),
    inferClipsPerCpuSecond: median(infer.map((r) => inferClips / r.cpu)),
    threads: info.threads,
    workers: result.engine.workers ?? 1,
    epochLoss: result.history.map((e) => e.loss),
  }
}

const runTorch = (specFile: string, threads: number): TorchFigures | string =>
  runPythonReference<TorchFigures>('training_torch.py', [specFile, String(threads)], threads)

if (!existsSync(fsdd)) {
  console.log(`skipped: ${fsdd} is absent`)
  process.exit(0)
}
const dir = mkdtempSync(join(tmpdir(), 'earmark-training-bench-'))
try {
  const all = await fsddFeatures(defaultDeepFeatures('cnn'))
  const d = { ...all, train: all.train.slice(0, LIMIT) }
  const [frames, mels] = d.shape
  const epochs = 1 + ROUNDS
  console.log(
    `fsdd-dev log-mels: ${d.train.length} train clips of ${frames} frames x ${mels} mel bands; batch ${BATCH}; ` +
      `${epochs} epochs (the first a warm-up); learning rate ${cnn.learningRate}`,
  )
  const standardizer = fitStandardizer(arraySource(d.features, d.shape), d.train)
  // PyTorch's data file: the training clips as rows (float32 images, then int32 labels).
  const per = frames * mels
  const images = new Float32Array(d.train.length * per)
  const labels = new Int32Array(d.train.length)
  const rowOf = new Map<number, number>()
  d.train.forEach((i, row) => {
    images.set(d.features.subarray(i * per, (i + 1) * per), row * per)
    labels[row] = d.labels[i] as number
    rowOf.set(i, row)
  })
  const dataFile = join(dir, 'logmels.bin')
  writeFileSync(dataFile, Buffer.concat([Buffer.from(images.buffer), Buffer.from(labels.buffer)]))
  const wasm = await useEngine('wasm')
  const threads = wasm.name === 'wasm' ? wasm.threads : 1
  const initial = await initialWeights(spec(1), d.shape, d.classes.length)
  const weightsFile = join(dir, 'weights.bin')
  writeFileSync(weightsFile, Buffer.from(initial.values.buffer))
  const specFile = join(dir, 'spec.json')
  writeFileSync(
    specFile,
    JSON.stringify({
      data: dataFile,
      frames,
      mels,
      classes: d.classes.length,
      mean: standardizer.mean,
      std: standardizer.std,
      epochs: epochOrders(d.train, epochs).map((order) => order.map((i) => rowOf.get(i))),
      batchSize: BATCH,
      filters: cnn.filters,
      kernelSize: cnn.kernelSize,
      denseUnits: cnn.denseUnits,
      dropout: cnn.dropout,
      // Earmark's BatchNorm layer: Keras's epsilon and the momentum build.ts gives it.
      bnEpsilon: 1e-3,
      bnMomentum: 0.9,
      learningRate: cnn.learningRate,
      // FusedAdam's: tfjs's Adam with β 0.9 / 0.999 and the float32 backend's epsilon.
      beta1: 0.9,
      beta2: 0.999,
      epsilon: tf.backend().epsilon(),
      weights: weightsFile,
      weightList: initial.list,
      inferClips: INFER_CLIPS,
      inferBatch: BATCH,
      rounds: ROUNDS,
      threads,
    }),
  )

  const fmt = (v: number): string => v.toFixed(1).padStart(8)
  const list = (values: number[]): string => values.map((v) => v.toFixed(0)).join(' ')
  const show = (label: string, f: TorchFigures): void =>
    console.log(
      `${label.padEnd(28)} train ${fmt(f.trainSamplesPerSecond)} samples/s   infer ${fmt(f.inferClipsPerSecond)} clips/s   (rounds: train ${list(f.trainRounds)}; infer ${list(f.inferRounds)})`,
    )
  const load = (): string =>
    loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')
  console.log(`load average ${load()}`)
  // PyTorch at one thread and at every core's count: its best is the reference.
  const torchThreads = [...new Set([1, availableParallelism()])]
  const torchRuns = (when: string): TorchFigures[] =>
    torchThreads.flatMap((n) => {
      const f = runTorch(specFile, n)
      if (typeof f === 'string') {
        console.log(`PyTorch    not measured (${f}); install Debian's python3-torch for the side-by-side figures`)
        return []
      }
      show(`PyTorch ${f.torch} (${f.threads} thread${f.threads === 1 ? '' : 's'}${when})`, f)
      return [{ ...f, threads: n }]
    })
  const before = torchRuns('')

  const workers = defaultTrainingWorkers()
  const figures: Record<string, unknown> = {
    trainClips: d.train.length,
    batchSize: BATCH,
    epochsTimed: ROUNDS,
    inferClips: INFER_CLIPS,
    threads,
    workers,
  }
  const ratios: Record<string, number | null> = {}
  let after: TorchFigures[] = []
  let engineLine = ''
  const best = (key: keyof Throughput): number | null => {
    const all = [...before, ...after]
    return all.length ? Math.max(...all.map((r) => r[key])) : null
  }
  const x = (v: number | null): string => (v === null ? '-' : `${v.toFixed(2)}x`)
  const describe = (f: Measured): string =>
    `${f.workers} worker${f.workers === 1 ? '' : 's'} of ${f.threads} thread${f.threads === 1 ? '' : 's'}`
  // EARMARK_BENCH_ENGINES=wasm measures only those (the cpu backend takes a minute).
  const engines = (process.env['EARMARK_BENCH_ENGINES'] ?? 'tensorflow,wasm,cpu').split(',') as EngineName[]
  for (const engine of engines) {
    // The wasm engine with every core, then on one worker (a figure: what a sweep's trial gets).
    const counts = engine === 'wasm' && workers > 1 ? [workers, 1] : [workers]
    for (const count of counts) {
      const prefix = count === workers ? engine : `${engine}OneWorker`
      let f: Measured
      try {
        f = await measureEngine(engine, d, standardizer, count)
      } catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''
        console.log(`${engine.padEnd(10)} not measured: ${reason}`)
        figures[`${prefix}NotMeasured`] = reason.slice(0, 120)
        continue
      }
      console.log(
        `${`${engine} (${describe(f)})`.padEnd(28)} train ${fmt(f.trainSamplesPerSecond)} samples/s   infer ${fmt(f.inferClipsPerSecond)} clips/s   (rounds: train ${list(f.trainRounds)}; infer ${list(f.inferRounds)})`,
      )
      if (engine === 'wasm' && count === workers) {
        engineLine = `tfjs ${tf.version.tfjs} wasm (SIMD, Earmark's kernels), ${describe(f)}`
      }
      // PyTorch again right after the wasm engine: the reference is the fastest of all its runs.
      if (engine === 'wasm' && count === counts.at(-1) && before.length > 0) after = torchRuns(', again')
      Object.assign(figures, {
        [`${prefix}TrainSamplesPerSecond`]: f.trainSamplesPerSecond,
        [`${prefix}InferClipsPerSecond`]: f.inferClipsPerSecond,
        [`${prefix}TrainSamplesPerCpuSecond`]: f.trainSamplesPerCpuSecond,
        [`${prefix}InferClipsPerCpuSecond`]: f.inferClipsPerCpuSecond,
        [`${prefix}TrainRoundsSamplesPerSecond`]: f.trainRounds,
        [`${prefix}EpochLoss`]: f.epochLoss,
      })
      if (engine === 'tensorflow') continue
      const r = {
        train: ratio(f.trainSamplesPerSecond, best('trainSamplesPerSecond')),
        infer: ratio(f.inferClipsPerSecond, best('inferClipsPerSecond')),
      }
      figures[`${prefix}TrainRatio`] = r.train
      figures[`${prefix}InferRatio`] = r.infer
      if (prefix === 'wasm') Object.assign(ratios, r)
      console.log(`${''.padEnd(28)} = ${x(r.train)} / ${x(r.infer)} PyTorch at its best (train / infer, so far)`)
    }
  }
  console.log(`load average ${load()} after the engines`)
  // Ratios against every PyTorch run, the later ones included.
  for (const prefix of ['wasm', 'wasmOneWorker', 'cpu']) {
    const train = figures[`${prefix}TrainSamplesPerSecond`]
    const infer = figures[`${prefix}InferClipsPerSecond`]
    if (typeof train !== 'number' || typeof infer !== 'number') continue
    const r = { train: ratio(train, best('trainSamplesPerSecond')), infer: ratio(infer, best('inferClipsPerSecond')) }
    figures[`${prefix}TrainRatio`] = r.train
    figures[`${prefix}InferRatio`] = r.infer
    if (prefix === 'wasm') Object.assign(ratios, r)
  }
  const runs = [...before, ...after]
  runs.forEach((r, i) => {
    const which = `torch${i < before.length ? 'Before' : 'After'}${r.threads}Thread${r.threads === 1 ? '' : 's'}`
    Object.assign(figures, {
      [`${which}TrainSamplesPerSecond`]: r.trainSamplesPerSecond,
      [`${which}InferClipsPerSecond`]: r.inferClipsPerSecond,
      [`${which}TrainSamplesPerCpuSecond`]: r.trainSamplesPerCpuSecond,
      [`${which}InferClipsPerCpuSecond`]: r.inferClipsPerCpuSecond,
      [`${which}TrainRoundsSamplesPerSecond`]: r.trainRounds,
      [`${which}EpochLoss`]: r.epochs.map((e) => e.loss),
    })
  })
  if (runs[0]) {
    const losses = (xs: number[]): string => xs.map((v) => v.toFixed(3)).join(' ')
    console.log(`training loss by epoch: PyTorch ${losses(runs[0].epochs.map((e) => e.loss))}`)
    const wasmLoss = figures['wasmEpochLoss'] as number[] | undefined
    if (wasmLoss) console.log(`                        wasm    ${losses(wasmLoss)}`)
  }
  for (const [key, goal] of [
    ['train', 1.2],
    ['infer', 1.5],
  ] as const) {
    const value = ratios[key]
    if (value === undefined || value === null) continue
    console.log(
      `goal: ${key} >= ${goal}x PyTorch at its best: ${value.toFixed(2)}x, ${value >= goal ? 'met' : 'NOT met'}`,
    )
  }
  // The default LSTM and CRNN against the same networks in PyTorch, one thread each (recurrent-training.ts).
  const recurrent = await recurrentTraining()
  Object.assign(figures, recurrent.figures)
  Object.assign(ratios, recurrent.ratios)
  await finish('training', {
    machine: {
      engine: engineLine || 'wasm not measured',
      reference: runs[0]
        ? `PyTorch ${runs[0].torch} (Debian python3-torch), ${torchThreads.join(' and ')} thread(s)`
        : null,
      parallelism: `Earmark on ${workers} training worker(s), one thread each; PyTorch at ${torchThreads.join(' and ')} thread(s), before and after Earmark, its fastest run the reference`,
    },
    figures,
    ratios,
  })
} finally {
  rmSync(dir, { recursive: true, force: true })
}
