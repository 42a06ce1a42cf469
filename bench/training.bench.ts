/**
 * Training and inference throughput of the default CNN (issue 6) on fsdd-dev log-mels (64 mel
 * bands x 63 frames, batch 32), side by side with the same architecture in PyTorch
 * (bench/python/training_torch.py, Debian's python3-torch) on the same input shape, batch size and
 * thread count, in the same run. Goal: the wasm engine trains at least 0.5x as fast as PyTorch.
 * The cpu backend is reported too, and the native tensorflow backend wherever it loads.
 *
 * Training samples/s is Earmark's own training loop (`trainDeepModel`: batch assembly,
 * standardisation, forward, backward, Adam) over one epoch of TRAIN_CLIPS clips after a warm-up
 * epoch; inference clips/s is `predictDeep` over INFER_CLIPS clips.
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
const fsdd = join(root, '..', 'shared', 'datasets', 'fsdd-dev')
const BATCH = 32
const TRAIN_CLIPS = 320
const INFER_CLIPS = 640
/** The cpu backend is an order of magnitude slower: it measures on fewer clips (throughput is per clip). */
const CLIPS: Record<EngineName, { train: number; infer: number }> = {
  tensorflow: { train: TRAIN_CLIPS, infer: INFER_CLIPS },
  wasm: { train: TRAIN_CLIPS, infer: INFER_CLIPS },
  cpu: { train: 2 * BATCH, infer: 4 * BATCH },
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

async function measureEngine(
  engine: EngineName,
  d: Awaited<ReturnType<typeof fsddFeatures>>,
): Promise<Throughput & { threads: number }> {
  const info = await useEngine(engine)
  if (info.name !== engine) throw new Error(`${engine} did not load`)
  const { train: trainClips, infer: inferClips } = CLIPS[engine]
  const train = d.train.slice(0, trainClips)
  // CPU time at the end of each epoch: the second epoch's share is the measured one.
  const epochEnds: number[] = []
  const result = await trainDeepModel(
    { model: 'cnn', params: { epochs: 2, batchSize: BATCH, patience: null, restoreBestWeights: false } },
    { features: arraySource(d.features, d.shape), labels: d.labels, classes: d.classes, train, validation: [] },
    { onEpoch: () => epochEnds.push(cpuSeconds()) },
  )
  const epoch = result.history[1]
  if (!epoch) throw new Error('no second epoch')
  const per = d.shape[0] * d.shape[1]
  const clips = new Float32Array(inferClips * per)
  for (let i = 0; i < inferClips; i++) {
    const from = d.train[i % d.train.length] as number
    clips.set(d.features.subarray(from * per, (from + 1) * per), i * per)
  }
  await predictDeep(result, clips.subarray(0, BATCH * per), { batchSize: BATCH })
  const start = performance.now()
  const cpuStart = cpuSeconds()
  await predictDeep(result, clips, { batchSize: BATCH })
  const inferSeconds = (performance.now() - start) / 1000
  const inferCpu = cpuSeconds() - cpuStart
  return {
    trainSamplesPerSecond: train.length / epoch.seconds,
    inferClipsPerSecond: inferClips / inferSeconds,
    trainSamplesPerCpuSecond: train.length / ((epochEnds[1] as number) - (epochEnds[0] as number)),
    inferClipsPerCpuSecond: inferClips / inferCpu,
    threads: info.threads,
  }
}

function torchFigures(
  file: string,
  frames: number,
  mels: number,
  threads: number,
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
    ],
    { encoding: 'utf8' },
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
    let f: Throughput & { threads: number }
    try {
      f = await measureEngine(engine, d)
    } catch (error) {
      console.log(
        `${engine.padEnd(10)} not measured: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`,
      )
      continue
    }
    let line = `${engine.padEnd(10)} (${f.threads} thread${f.threads === 1 ? '' : 's'}) train ${fmt(f.trainSamplesPerSecond)} samples/s   infer ${fmt(f.inferClipsPerSecond)} clips/s`
    const reference = f.threads === 2 ? torch2 : torch
    if (typeof reference !== 'string') {
      const ratio = f.trainSamplesPerSecond / reference.trainSamplesPerSecond
      if (engine === 'wasm') wasmRatio = ratio
      line += `   = ${ratio.toFixed(2)}x / ${(f.inferClipsPerSecond / reference.inferClipsPerSecond).toFixed(2)}x PyTorch at ${f.threads} thread${f.threads === 1 ? '' : 's'}`
    }
    console.log(line)
    if (f.threads === 1 && typeof torch !== 'string') {
      const train = f.trainSamplesPerCpuSecond / torch.trainSamplesPerCpuSecond
      const infer = f.inferClipsPerCpuSecond / torch.inferClipsPerCpuSecond
      console.log(
        `${''.padEnd(10)} per CPU-second: train ${fmt(f.trainSamplesPerCpuSecond)} vs ${fmt(torch.trainSamplesPerCpuSecond)}, infer ${fmt(f.inferClipsPerCpuSecond)} vs ${fmt(torch.inferClipsPerCpuSecond)}   = ${train.toFixed(2)}x / ${infer.toFixed(2)}x PyTorch`,
      )
    }
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
