/**
 * Detection speed of the default CNN on fsdd-like audio: a recording of fsdd-dev's spoken digits
 * (8 kHz) one after another with pauses of quiet noise, scanned the way `earmark detect` scans it
 * (streamed from its WAV, 1 s windows every 0.25 s, each window's log-mel computed as a clip's,
 * scored a batch at a time, events made of the scores), on one thread (the wasm engine's one
 * thread in Node). Beside it, in the same run, PyTorch's inference of the same network with the
 * same weights over the same windows (the inputs Earmark computed, written to a file), one thread
 * (bench/python/detection_torch.py, Debian's python3-torch); both sides' probabilities of the
 * first windows are compared, so the two really run one network.
 *
 * Figures: the real-time factor (seconds of audio per second of detection) of the whole scan, and
 * its parts measured apart: reading and resampling the stream, computing the windows' inputs, and
 * scoring them. Ratios: `detection.infer` is Earmark's scoring of the windows over PyTorch's
 * (windows per second); `detection.endToEnd` is Earmark's whole scan (audio read, features,
 * scoring, events) over PyTorch's scoring alone. Medians of ROUNDS rounds; PyTorch runs before and
 * after Earmark and the faster run is the reference.
 * Goals: at least 200x real time on one core, and `detection.infer` at least 1.0.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { decodeAudioBytes } from '../src/main/core/audio'
import { streamMono } from '../src/main/core/audio/stream'
import { detectRecording } from '../src/main/core/detection/detect'
import { loadDetector, SCORE_BATCH } from '../src/main/core/detection/detector'
import { windowStarts } from '../src/main/core/detection/events'
import { windowInputs } from '../src/main/core/detection/window-input'
import { defaultSetParams, inputFor, recipeOf } from '../src/main/core/feature-sets/recipe'
import { buildDeepNet } from '../src/main/core/models/deep/build'
import { parseDeepSpec } from '../src/main/core/models/deep/params'
import { writeFeaturesFile } from '../src/main/core/runs/artifacts'
import { arraySource, fitStandardizer, useEngine } from '../src/main/core/training'
import { saveDeepModel } from '../src/main/core/training/saved'
import { pcm16WavWriter } from '../test/helpers/wav-writer'
import { runPythonReference } from './python-reference'
import { finish, median, ratio } from './report'

const root = join(import.meta.dirname, '..')
const fsdd = join(root, 'test', 'data', 'fsdd-dev')
const ROUNDS = Number(process.env['EARMARK_BENCH_ROUNDS'] ?? 3)
/** Minutes of audio scanned per round. */
const MINUTES = Number(process.env['EARMARK_BENCH_DETECT_MINUTES'] ?? 10)
const RATE = 8000
/** Windows handed to the detector at once, as the scan hands them (it scores them SCORE_BATCH at a time). */
const BATCH = 128
/** Windows whose probabilities both sides print, to check they run one network. */
const CHECK = 64

interface TorchFigures {
  torch: string
  threads: number
  windows: number
  rounds: number[]
  windowsPerSecond: number
  windowsPerCpuSecond: number
  probabilities: number[][]
}

/** Seconds of this process's CPU time so far. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1e6
}

async function timed<T>(run: () => Promise<T>): Promise<{ seconds: number; cpu: number; value: T }> {
  const start = performance.now()
  const cpuStart = cpuSeconds()
  const value = await run()
  return { seconds: (performance.now() - start) / 1000, cpu: cpuSeconds() - cpuStart, value }
}

/**
 * fsdd-like audio: the digits in file order, each followed by 0.2-0.8 s of quiet noise, until
 * `minutes` are filled, written as a 16-bit WAV a digit at a time.
 */
async function writeRecording(path: string, minutes: number): Promise<number> {
  const files = readdirSync(fsdd)
    .filter((f) => f.endsWith('.wav'))
    .sort()
  const total = minutes * 60 * RATE
  const wav = pcm16WavWriter(path, RATE, total)
  let written = 0
  let seed = 5
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  }
  try {
    for (let i = 0; written < total; i++) {
      const digit = (await decodeAudioBytes(readFileSync(join(fsdd, files[i % files.length] as string)))).channels[0]
      const pause = Math.round((0.2 + 0.6 * random()) * RATE)
      const n = Math.min(total - written, (digit?.length ?? 0) + pause)
      const block = new Float64Array(n)
      for (let j = 0; j < n; j++) {
        block[j] = j < (digit?.length ?? 0) ? (digit?.[j] as number) : 0.003 * (2 * random() - 1)
      }
      wav.write(block)
      written += n
    }
  } finally {
    wav.close()
  }
  return written / RATE
}

const runTorch = (specFile: string): TorchFigures | string =>
  runPythonReference<TorchFigures>('detection_torch.py', [specFile], 1)

if (!existsSync(fsdd)) {
  console.log(`skipped: ${fsdd} is absent`)
  process.exit(0)
}
const dir = mkdtempSync(join(tmpdir(), 'earmark-detection-bench-'))
try {
  const engine = await useEngine('wasm')
  if (engine.name !== 'wasm') throw new Error('the wasm engine did not load')
  const wav = join(dir, 'digits.wav')
  const audioSeconds = await writeRecording(wav, MINUTES)

  // The default image set for 8 kHz clips of about a second, and the default CNN (its initial
  // weights: speed does not depend on training) with the standardiser fitted on the windows.
  const facts = { sampleRate: RATE, seconds: 1 }
  const params = defaultSetParams('image', facts)
  const recipe = recipeOf('default-image', params, inputFor('image', params, facts))
  const decoded = (await decodeAudioBytes(readFileSync(wav))).channels[0] as Float32Array
  const length = RATE
  // A quarter of the window, in whole log-mel frames: the hop the detector takes (checked below).
  const hop = Math.round(RATE / 4 / params.config.hop) * params.config.hop
  const starts = windowStarts(decoded.length, hop)
  const inputs = windowInputs(decoded, starts, length, recipe)
  const classes = Array.from({ length: 10 }, (_, i) => String(i))
  const spec = parseDeepSpec({ model: 'cnn' })
  if (spec.model !== 'cnn') throw new Error('expected the cnn spec')
  const net = await buildDeepNet(spec, inputs.shape, classes.length)
  const standardizer = fitStandardizer(
    arraySource(inputs.x, inputs.shape),
    starts.map((_, i) => i),
  )
  const modelDir = join(dir, 'model')
  await saveDeepModel({ model: net.model, spec, classes, inputShape: inputs.shape, standardizer }, modelDir, {
    engine: 'wasm',
  })
  await writeFeaturesFile(modelDir, recipe, [])
  const detector = await loadDetector(modelDir)
  if (Math.round(detector.window.hop * RATE) !== hop || detector.window.seconds !== 1) {
    throw new Error(
      `the detector takes windows of ${detector.window.seconds} s every ${detector.window.hop} s: update this benchmark`,
    )
  }
  const [frames, mels] = inputs.shape
  console.log(
    `${(audioSeconds / 60).toFixed(0)} min of fsdd-dev digits at 8 kHz: ${starts.length} windows of ${detector.window.seconds} s every ${detector.window.hop} s, ` +
      `${frames} frames x ${mels} mel bands; default CNN (filters ${spec.params.filters.join(', ')}); batches of ${SCORE_BATCH}`,
  )

  // PyTorch's side: the same windows, weights and standardiser.
  const windowsFile = join(dir, 'windows.bin')
  writeFileSync(windowsFile, Buffer.from(inputs.x.buffer, inputs.x.byteOffset, inputs.x.byteLength))
  const weights = net.model.weights
  const arrays = weights.map((w) => w.read().dataSync() as Float32Array)
  const values = new Float32Array(arrays.reduce((n, a) => n + a.length, 0))
  arrays.reduce((at, a) => (values.set(a, at), at + a.length), 0)
  const weightsFile = join(dir, 'weights.bin')
  writeFileSync(weightsFile, Buffer.from(values.buffer))
  const specFile = join(dir, 'spec.json')
  writeFileSync(
    specFile,
    JSON.stringify({
      windows: windowsFile,
      frames,
      mels,
      classes: classes.length,
      mean: standardizer.mean,
      std: standardizer.std,
      filters: spec.params.filters,
      kernelSize: spec.params.kernelSize,
      denseUnits: spec.params.denseUnits,
      dropout: spec.params.dropout,
      bnEpsilon: 1e-3,
      bnMomentum: 0.9,
      weights: weightsFile,
      weightList: weights.map((w) => ({ name: w.originalName, shape: w.shape })),
      // PyTorch scores as many windows per call as the detector does.
      batch: SCORE_BATCH,
      rounds: ROUNDS,
      threads: 1,
      check: CHECK,
    }),
  )
  const load = (): string =>
    loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')
  console.log(`load average ${load()}`)
  const before = runTorch(specFile)

  // Earmark's side, whole and in parts.
  const whole: { seconds: number; cpu: number }[] = []
  const streamed: number[] = []
  const features: number[] = []
  const scoring: { seconds: number; cpu: number }[] = []
  let earmarkCheck: number[] = []
  await detectRecording(detector, wav)
  for (let r = 0; r < ROUNDS; r++) {
    whole.push(await timed(() => detectRecording(detector, wav)))
    streamed.push((await timed(() => streamMono(wav, { sampleRate: RATE }, () => undefined))).seconds)
    features.push(
      (
        await timed(() => {
          for (let b = 0; b < starts.length; b += BATCH)
            windowInputs(decoded, starts.slice(b, b + BATCH), length, recipe)
          return Promise.resolve()
        })
      ).seconds,
    )
    const per = frames * mels
    const scored = await timed(async () => {
      const out: ArrayLike<number>[] = []
      for (let b = 0; b < starts.length; b += BATCH) {
        const n = Math.min(BATCH, starts.length - b)
        out.push(await detector.score(inputs.x.slice(b * per, (b + n) * per), n))
      }
      return out
    })
    scoring.push(scored)
    earmarkCheck = Array.from(scored.value[0] as ArrayLike<number>).slice(0, CHECK * classes.length)
  }
  const after = runTorch(specFile)
  const torchRuns = [before, after].filter((t): t is TorchFigures => typeof t !== 'string')
  for (const t of [before, after]) {
    if (typeof t === 'string')
      console.log(`PyTorch not measured (${t}); install Debian's python3-torch for the side-by-side figures`)
  }

  const n = starts.length
  const rtf = median(whole.map((w) => audioSeconds / w.seconds))
  const rtfCpu = median(whole.map((w) => audioSeconds / w.cpu))
  const windowsPerSecond = median(scoring.map((s) => n / s.seconds))
  const wholeWindowsPerSecond = median(whole.map((w) => n / w.seconds))
  const torchWindows = torchRuns.length > 0 ? Math.max(...torchRuns.map((t) => t.windowsPerSecond)) : null
  let worst = torchRuns.length > 0 ? 0 : NaN
  for (const t of torchRuns) {
    t.probabilities.flat().forEach((p, i) => (worst = Math.max(worst, Math.abs(p - (earmarkCheck[i] as number)))))
  }
  const part = (seconds: number[]): string =>
    `${median(seconds).toFixed(2)} s (${(audioSeconds / median(seconds)).toFixed(0)}x real time)`
  console.log(`Earmark (tfjs ${tf.version.tfjs} wasm, ${engine.threads} thread):`)
  console.log(`  whole scan      ${part(whole.map((w) => w.seconds))}; per CPU-second ${rtfCpu.toFixed(0)}x`)
  console.log(`  read stream     ${part(streamed)}`)
  console.log(`  window inputs   ${part(features)}`)
  console.log(`  scoring         ${part(scoring.map((s) => s.seconds))}: ${windowsPerSecond.toFixed(0)} windows/s`)
  for (const t of torchRuns) {
    console.log(
      `PyTorch ${t.torch} (${t.threads} thread): scoring ${t.windowsPerSecond.toFixed(0)} windows/s (rounds ${t.rounds.map((v) => v.toFixed(0)).join(' ')})`,
    )
  }
  if (torchRuns.length > 0)
    console.log(
      `largest difference of the two sides' probabilities (first ${CHECK} windows): ${worst.toExponential(2)}`,
    )
  console.log(`load average ${load()} at the end`)
  const ratios = {
    'detection.infer': ratio(windowsPerSecond, torchWindows),
    'detection.endToEnd': ratio(wholeWindowsPerSecond, torchWindows),
  }
  const x = (v: number | null): string => (v === null ? '-' : `${v.toFixed(2)}x`)
  console.log(
    `real time factor ${rtf.toFixed(0)}x (goal 200x); scoring ${x(ratios['detection.infer'])} PyTorch (goal 1.0x); whole scan ${x(ratios['detection.endToEnd'])} PyTorch's scoring alone`,
  )
  await finish('detection', {
    machine: {
      engine: `tfjs ${tf.version.tfjs} wasm (SIMD, Earmark's kernels), ${engine.threads} thread`,
      reference: torchRuns[0] ? `PyTorch ${torchRuns[0].torch} (Debian python3-torch), 1 thread` : null,
      parallelism:
        'both sides on 1 thread, one after the other; PyTorch before and after Earmark, the faster run the reference',
    },
    figures: {
      audioSeconds,
      windows: n,
      windowSeconds: detector.window.seconds,
      hopSeconds: detector.window.hop,
      realTimeFactor: rtf,
      realTimeFactorPerCpuSecond: rtfCpu,
      wholeScanSeconds: median(whole.map((w) => w.seconds)),
      readStreamSeconds: median(streamed),
      windowInputsSeconds: median(features),
      scoringSeconds: median(scoring.map((s) => s.seconds)),
      scoringWindowsPerSecond: windowsPerSecond,
      torchWindowsPerSecond: torchWindows,
      torchRoundsWindowsPerSecond: torchRuns.flatMap((t) => t.rounds),
      largestProbabilityDifference: torchRuns.length > 0 ? worst : null,
    },
    ratios,
  })
} finally {
  rmSync(dir, { recursive: true, force: true })
}
