/**
 * Training and inference throughput of the default CNN (issue 6) on fsdd-dev log-mels (64 mel
 * bands x 63 frames, batch 32), side by side with the same architecture in PyTorch
 * (bench/python/training_torch.py, Debian's python3-torch) on the same input shape, batch size and
 * thread count, in the same run. Goal: the wasm engine trains at least 0.5x as fast as PyTorch.
 * The cpu backend is reported too, and the native tensorflow backend wherever it loads.
 *
 * Training samples/s is Earmark's own training loop (`trainDeepModel`: batch assembly,
 * standardisation, forward, backward, Adam) over epochs of TRAIN_CLIPS clips after a warm-up
 * epoch; inference clips/s is `predictDeep` over INFER_CLIPS clips. Each figure, on both sides, is
 * the median of ROUNDS timed rounds (PyTorch's after 10 warm-up steps). On a shared machine
 * single rounds swing by 10-20%, and a whole PyTorch run is sometimes three times slower than the
 * next, so PyTorch is measured just before and just after the wasm engine and the wasm ratio is to
 * the faster of the two (the conservative reference). Running PyTorch between wasm rounds instead
 * slowed the wasm rounds after it by up to half.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  arraySource,
  defaultDeepFeatures,
  predictDeep,
  trainDeepModel,
  useEngine,
  type EngineName,
} from '../src/main/core/training'
import { fsddFeatures } from '../test/helpers/fsdd-deep'

const root = join(import.meta.dirname, '..')
const fsdd = join(root, 'test', 'data', 'fsdd-dev')
const BATCH = 32
const TRAIN_CLIPS = 320
const INFER_CLIPS = 640
const ROUNDS = 5
/** The cpu backend is over ten times slower: it measures on fewer clips (throughput is per clip). */
const CLIPS: Record<EngineName, { train: number; infer: number; rounds: number }> = {
  tensorflow: { train: TRAIN_CLIPS, infer: INFER_CLIPS, rounds: ROUNDS },
  wasm: { train: TRAIN_CLIPS, infer: INFER_CLIPS, rounds: ROUNDS },
  cpu: { train: 4 * BATCH, infer: 8 * BATCH, rounds: 3 },
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

interface Throughput {
  trainSamplesPerSecond: number
  inferClipsPerSecond: number
  /** The same per second of the process's CPU time, which other processes on the machine skew far less than wall time. */
  trainSamplesPerCpuSecond: number
  inferClipsPerCpuSecond: number
}

/** Seconds of this process's CPU time so far. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1e6
}

interface Measured extends Throughput {
  threads: number
  /** Per timed round (training epochs, then inference rounds): samples/s and clips/s. */
  trainRounds: number[]
  inferRounds: number[]
}

async function measureEngine(engine: EngineName, d: Awaited<ReturnType<typeof fsddFeatures>>): Promise<Measured> {
  const info = await useEngine(engine)
  if (info.name !== engine) throw new Error(`${engine} did not load`)
  const { train: trainClips, infer: inferClips, rounds } = CLIPS[engine]
  const train = d.train.slice(0, trainClips)
  // CPU time at the end of each epoch: epochs after the first are the measured ones.
  const epochEnds: number[] = []
  const result = await trainDeepModel(
    {
      model: 'cnn',
      params: { epochs: 1 + rounds, batchSize: BATCH, patience: null, restoreBestWeights: false },
    },
    { features: arraySource(d.features, d.shape), labels: d.labels, classes: d.classes, train, validation: [] },
    { onEpoch: () => epochEnds.push(cpuSeconds()) },
  )
  const epochs = result.history.slice(1)
  if (epochs.length !== rounds) throw new Error(`trained ${result.history.length} epochs, not ${1 + rounds}`)
  const per = d.shape[0] * d.shape[1]
  const clips = new Float32Array(inferClips * per)
  for (let i = 0; i < inferClips; i++) {
    const from = d.train[i % d.train.length] as number
    clips.set(d.features.subarray(from * per, (from + 1) * per), i * per)
  }
  await predictDeep(result, clips.subarray(0, BATCH * per), { batchSize: BATCH })
  const infer: { seconds: number; cpu: number }[] = []
  for (let r = 0; r < rounds; r++) {
    const start = performance.now()
    const cpuStart = cpuSeconds()
    await predictDeep(result, clips, { batchSize: BATCH })
    infer.push({ seconds: (performance.now() - start) / 1000, cpu: cpuSeconds() - cpuStart })
  }
  const trainRounds = epochs.map((e) => train.length / e.seconds)
  const inferRounds = infer.map((r) => inferClips / r.seconds)
  return {
    trainRounds,
    inferRounds,
    trainSamplesPerSecond: median(trainRounds),
    inferClipsPerSecond: median(inferRounds),
    trainSamplesPerCpuSecond: median(
      epochs.map((_, i) => train.length / ((epochEnds[i + 1] as number) - (epochEnds[i] as number))),
    ),
    inferClipsPerCpuSecond: median(infer.map((r) => inferClips / r.cpu)),
    threads: info.threads,
  }
}

function torchFigures(
  file: string,
  frames: number,
  mels: number,
  threads: number,
  rounds = ROUNDS,
): (Throughput & { torch: string }) | string {
  const steps = String(TRAIN_CLIPS / BATCH)
  // Debian's interpreter, where python3-torch installs (a pyenv python3 on the PATH lacks it).
  const run = spawnSync(
    '/usr/bin/python3',
    [
      join(import.meta.dirname, 'python', 'training_torch.py'),
      file,
      String(frames),
      String(mels),
      '10',
      String(BATCH),
      steps,
      String(INFER_CLIPS),
      String(threads),
      String(rounds),
    ],
    {
      encoding: 'utf8',
      // Debian's torch does its matrix products in OpenBLAS, whose thread pool ignores
      // torch.set_num_threads and takes every core unless told otherwise.
      env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
    },
  )
  if (run.status !== 0) return (run.stderr.trim().split('\n').pop() ?? 'python3 failed').slice(0, 200)
  return JSON.parse(run.stdout.trim().split('\n').pop() as string) as Throughput & { torch: string }
}

if (!existsSync(fsdd)) {
  console.log(`skipped: ${fsdd} is absent`)
  process.exit(0)
}
const dir = mkdtempSync(join(tmpdir(), 'earmark-training-bench-'))
try {
  const d = await fsddFeatures(defaultDeepFeatures('cnn'))
  const [frames, mels] = d.shape
  console.log(
    `fsdd-dev log-mels: ${d.train.length} train clips of ${frames} frames x ${mels} mel bands; batch ${BATCH}`,
  )
  // The same clips for PyTorch: float32 images, then int32 labels.
  const per = frames * mels
  const images = new Float32Array(d.train.length * per)
  const labels = new Int32Array(d.train.length)
  d.train.forEach((i, j) => {
    images.set(d.features.subarray(i * per, (i + 1) * per), j * per)
    labels[j] = d.labels[i] as number
  })
  const file = join(dir, 'logmels.bin')
  writeFileSync(file, Buffer.concat([Buffer.from(images.buffer), Buffer.from(labels.buffer)]))

  // PyTorch first, at the wasm engine's thread count (1 where Node has no wasm threads), then at 2.
  const threads = 1
  const torch = torchFigures(file, frames, mels, threads)
  const torch2 = torchFigures(file, frames, mels, 2)
  const fmt = (v: number): string => v.toFixed(1).padStart(8)
  if (typeof torch === 'string') {
    console.log(`PyTorch    not measured (${torch}); install Debian's python3-torch for the side-by-side figures`)
  } else {
    console.log(
      `PyTorch ${torch.torch} (1 thread)  train ${fmt(torch.trainSamplesPerSecond)} samples/s   infer ${fmt(torch.inferClipsPerSecond)} clips/s`,
    )
  }
  if (typeof torch2 !== 'string') {
    console.log(
      `PyTorch ${torch2.torch} (2 threads) train ${fmt(torch2.trainSamplesPerSecond)} samples/s   infer ${fmt(torch2.inferClipsPerSecond)} clips/s`,
    )
  }
  // Other processes on the machine skew both sides, PyTorch's multi-threaded figures most.
  const load = (): string =>
    loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')
  console.log(`load average ${load()} on ${cpus().length} cores`)
  let wasmRatio: number | null = null
  // EARMARK_BENCH_ENGINES=wasm,cpu measures only those (the cpu backend takes minutes).
  const engines = (process.env['EARMARK_BENCH_ENGINES'] ?? 'tensorflow,wasm,cpu').split(',') as EngineName[]
  for (const engine of engines) {
    let f: Measured
    try {
      f = await measureEngine(engine, d)
    } catch (error) {
      console.log(
        `${engine.padEnd(10)} not measured: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`,
      )
      continue
    }
    const list = (values: number[]): string => values.map((v) => v.toFixed(0)).join(' ')
    console.log(
      `${engine.padEnd(10)} (${f.threads} thread${f.threads === 1 ? '' : 's'}) train ${fmt(f.trainSamplesPerSecond)} samples/s   infer ${fmt(f.inferClipsPerSecond)} clips/s   (rounds: train ${list(f.trainRounds)}; infer ${list(f.inferRounds)})`,
    )
    let reference = f.threads === 2 ? torch2 : torch
    // PyTorch again right after the wasm engine: the reference is the faster of before and after.
    if (engine === 'wasm' && typeof torch !== 'string' && f.threads === 1) {
      const after = torchFigures(file, frames, mels, threads)
      if (typeof after !== 'string') {
        console.log(
          `PyTorch ${after.torch} (1 thread, again) train ${fmt(after.trainSamplesPerSecond)} samples/s   infer ${fmt(after.inferClipsPerSecond)} clips/s`,
        )
        reference = {
          torch: torch.torch,
          trainSamplesPerSecond: Math.max(torch.trainSamplesPerSecond, after.trainSamplesPerSecond),
          inferClipsPerSecond: Math.max(torch.inferClipsPerSecond, after.inferClipsPerSecond),
          trainSamplesPerCpuSecond: Math.max(torch.trainSamplesPerCpuSecond, after.trainSamplesPerCpuSecond),
          inferClipsPerCpuSecond: Math.max(torch.inferClipsPerCpuSecond, after.inferClipsPerCpuSecond),
        }
      }
    }
    if (typeof reference === 'string') continue
    const ratio = f.trainSamplesPerSecond / reference.trainSamplesPerSecond
    if (engine === 'wasm') wasmRatio = ratio
    console.log(
      `${''.padEnd(10)} = ${ratio.toFixed(2)}x / ${(f.inferClipsPerSecond / reference.inferClipsPerSecond).toFixed(2)}x PyTorch at ${f.threads} thread${f.threads === 1 ? '' : 's'} (train / infer); per CPU-second ${(f.trainSamplesPerCpuSecond / reference.trainSamplesPerCpuSecond).toFixed(2)}x / ${(f.inferClipsPerCpuSecond / reference.inferClipsPerCpuSecond).toFixed(2)}x`,
    )
  }
  console.log(`load average ${load()} after the engines`)
  if (wasmRatio !== null) {
    console.log(
      `goal: wasm training >= 0.5x PyTorch at the same thread count: ${wasmRatio.toFixed(2)}x, ${wasmRatio >= 0.5 ? 'met' : 'NOT met'}`,
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
