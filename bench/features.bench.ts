/**
 * Log-mel + MFCC of all of fsdd-dev, side by side with torchaudio on the same machine in the same
 * run, with the reference parameters of test/data/reference-features/PARAMS.md. Goal: at least
 * 1.0x torchaudio's throughput on one thread (`oneThread`) and on every core (`allThreads`).
 *
 * Fair play: both sides decode every file into memory first and time only the feature
 * computation, one file at a time, returning log-mel and MFCC, each thread or process on one
 * thread. One thread: Earmark on this thread, torchaudio in one process with
 * torch.set_num_threads(1). All threads: one Earmark worker_thread per core, worker w taking
 * every N-th file from the w-th, and as many torchaudio processes, each on one thread, taking the
 * same shares (bench/python/features_torchaudio.py); a round ends when every share is done. Each
 * side does an untimed pass first; then rounds alternate between the sides in two blocks, since
 * the machine's cores are shared, and the figures are medians.
 *
 * Then measures the FFT choice recorded in src/main/core/features/fft.ts, fft.js against ours
 * (TypeScript, and the WebAssembly SIMD kernel the STFT uses for power-of-two frames), each in a
 * fresh worker: under tsx, merely loading fft.js slows the same thread's later feature
 * code by ~35% (not so in a bundle or in plain Node), so the two must not share an isolate, and
 * fft.js is never loaded in the thread that times the feature computation.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMainThread, parentPort, Worker } from 'node:worker_threads'
import { decodeAudio } from '../src/main/core/audio'
import { planRealFft } from '../src/main/core/features/fft'
import { planLogmelMfcc, type LogmelMfccSettings } from '../src/main/core/features/logmel'
import { wasmFramePower } from '../src/main/core/features/wasm-power'
import { typescriptWorker } from '../src/main/core/workers/script'
import { finish, median, ratio } from './report'

/** PARAMS.md's parameters. */
const SETTINGS: LogmelMfccSettings = {
  stft: { nFft: 256, hopLength: 128, window: 'hann', center: true, padMode: 'constant' },
  mel: { sr: 8000, nFft: 256, nMels: 64, fmin: 0, fmax: 4000, htk: false, norm: 'slaney' },
  topDb: 80,
  nMfcc: 20,
  lifter: 0,
}
const ROUNDS_PER_BLOCK = Number(process.env['EARMARK_BENCH_ROUNDS'] ?? 3)
const BLOCKS = 2

/** What the main thread asks a worker: take these clips, time one pass over them, or time an FFT. */
type WorkerRequest = { kind: 'clips'; clips: Float32Array[] } | { kind: 'go' } | { kind: 'fft'; impl: FftImpl }
/** A worker's answer: clips warmed up on, pass done, or µs per frame by FFT size. */
type WorkerReply = { kind: 'ready' } | { kind: 'done' } | { kind: 'fft'; micros: Record<number, number> }
type FftImpl = 'fft.js' | 'earmark' | 'earmark-wasm'
/** The two comparisons: one thread each, and every core (threads for Earmark, processes for torchaudio). */
type Way = 'one' | 'all'
const FFT_SIZES = [256, 512, 2048]

if (isMainThread) await main()
else runWorker()

async function main(): Promise<void> {
  const root = join(import.meta.dirname, '..')
  const fsdd = join(root, 'test', 'data', 'fsdd-dev')
  if (!existsSync(fsdd)) {
    console.log(`skipped: ${fsdd} is absent`)
    return
  }

  const names = readdirSync(fsdd)
    .filter((f) => f.endsWith('.wav'))
    .sort()
  const clips = await Promise.all(
    names.map(async (name) => {
      const audio = await decodeAudio(join(fsdd, name))
      return { sampleRate: audio.sampleRate, samples: audio.channels[0] ?? new Float32Array(0) }
    }),
  )
  if (clips.some((c) => c.sampleRate !== 8000)) throw new Error('expected every fsdd-dev file at 8000 Hz')
  const audioSeconds = clips.reduce((sum, c) => sum + c.samples.length, 0) / 8000
  const samples = clips.map((c) => c.samples)
  console.log(`fsdd-dev: ${clips.length} files, ${audioSeconds.toFixed(1)} s of audio, decoded before timing`)

  const plan = planLogmelMfcc(SETTINGS)
  const onePass = (): void => {
    for (const y of samples) plan.compute(y)
  }
  onePass()
  const cores = availableParallelism()
  const shares = Array.from({ length: cores }, (_, w) => samples.filter((_, i) => i % cores === w))
  const pool = await startPool(shares)

  const earmark: Record<Way, number[]> = { one: [], all: [] }
  const torch: Record<Way, number[]> = { one: [], all: [] }
  // CPU seconds of the one-thread rounds: on a loaded machine the wall clock measures the load.
  const earmarkCpu: number[] = []
  const torchCpu: number[] = []
  let torchVersion = ''
  let torchMissing = ''
  for (let block = 0; block < BLOCKS; block++) {
    for (let r = 0; r < ROUNDS_PER_BLOCK; r++) {
      const start = performance.now()
      const cpu = process.cpuUsage()
      onePass()
      earmark.one.push((performance.now() - start) / 1000)
      const used = process.cpuUsage(cpu)
      earmarkCpu.push((used.user + used.system) / 1e6)
      earmark.all.push(await pool.round())
    }
    const reference = runTorchaudio(fsdd, ROUNDS_PER_BLOCK, cores)
    if ('error' in reference) torchMissing = reference.error
    else {
      torch.one.push(...reference.seconds.one)
      torchCpu.push(...reference.seconds.oneCpu)
      torch.all.push(...reference.seconds.all)
      torchVersion = `torch ${reference.torch}, torchaudio ${reference.torchaudio}`
    }
  }
  await pool.close()

  const rate = (seconds: number): string =>
    `${(clips.length / seconds).toFixed(0).padStart(6)} files/s  ${(audioSeconds / seconds).toFixed(0).padStart(7)} audio-s/s`
  console.log(`\nlog-mel + MFCC of fsdd-dev, median of ${BLOCKS * ROUNDS_PER_BLOCK} rounds (computation only):`)
  const ways: Record<Way, string> = {
    one: 'one thread each',
    all: `every core: Earmark ${cores} worker threads, torchaudio ${cores} processes x 1 thread`,
  }
  const figures: Record<string, unknown> = { files: clips.length, audioSeconds, cores }
  const ratios: Record<string, number | null> = {}
  for (const way of ['one', 'all'] as const) {
    const ours = median(earmark[way])
    const line = `  ${ways[way]}:\n    Earmark    ${rate(ours)}`
    const name = way === 'one' ? 'OneThread' : 'AllThreads'
    const key = way === 'one' ? 'oneThread' : 'allThreads'
    figures[`earmark${name}FilesPerSecond`] = clips.length / ours
    figures[`earmark${name}AudioSecondsPerSecond`] = audioSeconds / ours
    if (torch[way].length === 0) {
      console.log(`${line}\n    torchaudio not run (${torchMissing})`)
      ratios[key] = null
      continue
    }
    const theirs = median(torch[way])
    figures[`torchaudio${name}FilesPerSecond`] = clips.length / theirs
    figures[`torchaudio${name}AudioSecondsPerSecond`] = audioSeconds / theirs
    ratios[key] = ratio(clips.length / ours, clips.length / theirs)
    console.log(`${line}\n    torchaudio ${rate(theirs)}   ratio ${(theirs / ours).toFixed(2)}x`)
  }
  if (torchVersion) console.log(`  (${torchVersion}; goal: ratio >= 1.0x both ways)`)
  if (torchCpu.length > 0) {
    // A secondary figure, not a ratio key: CPU time shows the code's speed when the wall clock
    // mostly shows what else the machine was running.
    const ours = median(earmarkCpu)
    const theirs = median(torchCpu)
    figures['earmarkOneThreadCpuSecondsPerPass'] = ours
    figures['torchaudioOneThreadCpuSecondsPerPass'] = theirs
    console.log(
      `  one thread by CPU time: Earmark ${ours.toFixed(3)} s, torchaudio ${theirs.toFixed(3)} s a pass (${(theirs / ours).toFixed(2)}x)`,
    )
  }

  console.log(
    '\nFFT per STFT frame (Hann-windowed frame in, power spectrum out), µs, median of 5, each in its own worker:',
  )
  const fftJs = await fftTimings('fft.js')
  const own = await fftTimings('earmark')
  const wasm = await fftTimings('earmark-wasm')
  for (const n of FFT_SIZES) {
    console.log(
      `  n=${String(n).padEnd(5)} fft.js ${(fftJs[n] ?? NaN).toFixed(2)} µs   Earmark ${(own[n] ?? NaN).toFixed(2)} µs   Earmark wasm ${(wasm[n] ?? NaN).toFixed(2)} µs`,
    )
    figures[`fft${n}EarmarkMicrosecondsPerFrame`] = own[n]
    figures[`fft${n}EarmarkWasmMicrosecondsPerFrame`] = wasm[n]
    figures[`fft${n}FftJsMicrosecondsPerFrame`] = fftJs[n]
  }
  await finish('features', {
    machine: {
      engine: `Earmark's log-mel + MFCC (TypeScript) on Node ${process.version}`,
      reference: torchVersion ? `${torchVersion} (Debian), MelSpectrogram + AmplitudeToDB + DCT` : null,
      parallelism: `oneThread: one thread each; allThreads: Earmark ${cores} worker threads, torchaudio ${cores} processes of 1 thread, worker w taking every ${cores}-th file from the w-th`,
    },
    figures,
    ratios,
  })
}

/** A worker started from this file's sources through the project's TypeScript worker loader. */
function startWorker(): Worker {
  const script = typescriptWorker(fileURLToPath(import.meta.url))
  return new Worker(script.path, { workerData: script.workerData })
}

function nextReply(worker: Worker): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
}

/** A worker per share of the clips; `round` times one pass of them all, wall clock. */
async function startPool(shares: Float32Array[][]): Promise<{ round(): Promise<number>; close(): Promise<void> }> {
  const workers = shares.map(startWorker)
  const ready = workers.map(nextReply)
  workers.forEach((worker, i) => worker.postMessage({ kind: 'clips', clips: shares[i] ?? [] } satisfies WorkerRequest))
  await Promise.all(ready)
  return {
    async round() {
      const start = performance.now()
      const done = workers.map(nextReply)
      for (const worker of workers) worker.postMessage({ kind: 'go' } satisfies WorkerRequest)
      await Promise.all(done)
      return (performance.now() - start) / 1000
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()))
    },
  }
}

/** One FFT implementation's timings, measured in a fresh worker. */
async function fftTimings(impl: FftImpl): Promise<Record<number, number>> {
  const worker = startWorker()
  const reply = nextReply(worker)
  worker.postMessage({ kind: 'fft', impl } satisfies WorkerRequest)
  const answer = await reply
  await worker.terminate()
  if (answer.kind !== 'fft') throw new Error(`unexpected worker reply ${answer.kind}`)
  return answer.micros
}

/** A worker: holds clips and times passes over them, or times an FFT implementation. */
function runWorker(): void {
  const port = parentPort
  if (!port) throw new Error('runWorker needs a parent port')
  const plan = planLogmelMfcc(SETTINGS)
  let clips: Float32Array[] = []
  port.on('message', async (request: WorkerRequest) => {
    switch (request.kind) {
      case 'clips':
        clips = request.clips
        for (const y of clips) plan.compute(y)
        port.postMessage({ kind: 'ready' } satisfies WorkerReply)
        break
      case 'go':
        for (const y of clips) plan.compute(y)
        port.postMessage({ kind: 'done' } satisfies WorkerReply)
        break
      case 'fft':
        port.postMessage({ kind: 'fft', micros: await timeFft(request.impl) } satisfies WorkerReply)
        break
      default:
        throw new Error(`unknown request ${JSON.stringify(request satisfies never)}`)
    }
  })
}

interface TorchFigures {
  seconds: Record<Way | 'oneCpu', number[]>
  torch: string
  torchaudio: string
}

function runTorchaudio(folder: string, rounds: number, processes: number): TorchFigures | { error: string } {
  const script = join(import.meta.dirname, 'python', 'features_torchaudio.py')
  // One thread per process: OpenMP and OpenBLAS would otherwise start a thread per core.
  const run = spawnSync('/usr/bin/python3', [script, folder, String(rounds), String(processes)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
  })
  if (run.error) return { error: run.error.message }
  if (run.status !== 0) {
    const reason = run.stderr.trim().split('\n').pop() ?? `exit ${run.status}`
    return { error: `${reason}; apt-get install -y python3-torchaudio` }
  }
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as TorchFigures
}

/**
 * µs per STFT frame with one FFT implementation: a Hann-windowed frame in, its power spectrum out
 * (what the feature code needs), median of 5 runs after a warm-up run, for each size.
 */
async function timeFft(impl: FftImpl): Promise<Record<number, number>> {
  const micros: Record<number, number> = {}
  for (const n of FFT_SIZES) {
    const signal = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.1) + 0.3 * Math.cos(i * 1.7))
    const window = Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n))
    const power = new Float64Array(n / 2 + 1)
    let frameFft: () => void
    if (impl === 'fft.js') {
      const { default: FFT } = await import('fft.js')
      const fft = new FFT(n)
      const frame = new Float64Array(n)
      const out = fft.createComplexArray() as number[]
      frameFft = () => {
        for (let i = 0; i < n; i++) frame[i] = (signal[i] as number) * (window[i] as number)
        fft.realTransform(out, frame)
        for (let k = 0; k <= n / 2; k++) power[k] = (out[2 * k] as number) ** 2 + (out[2 * k + 1] as number) ** 2
      }
    } else if (impl === 'earmark-wasm') {
      const kernel = wasmFramePower(window, n)
      if (!kernel) throw new Error('no WebAssembly SIMD in this runtime')
      kernel.reserve(n).set(signal)
      frameFft = () => kernel.power(0, power)
    } else {
      const fft = planRealFft(n)
      frameFft = () => fft.power(signal, 0, window, power)
    }
    const reps = Math.round(4e6 / n)
    const runs: number[] = []
    for (let r = 0; r < 6; r++) {
      const start = performance.now()
      for (let i = 0; i < reps; i++) frameFft()
      if (r > 0) runs.push(((performance.now() - start) * 1000) / reps)
    }
    micros[n] = median(runs)
  }
  return micros
}
