import type { WindowSettings } from '@shared/detection'
import { streamMono } from '../audio/stream'
import { EarmarkError } from '../errors'
import { recipeShape } from '../feature-sets/recipe'
import { WorkerPool } from '../workers/pool'
import { workerScript } from '../workers/script'
import { loadDetector, type Detector, type DetectorInfo, type WindowOverride } from './detector'
import { eventsFromScores, type WindowEvent } from './events'
import { windowInputs, windowSummaries } from './window-input'

/*
 * Detection slides a saved model over recordings of any length. A recording is streamed (mono at
 * the model's rate, a chunk at a time), its windows are computed as soon as their samples are in
 * and scored a batch at a time, and only the scores are kept: an hour of audio holds a chunk and a
 * batch of windows' samples, not the hour. Files are read and scored in a worker thread (untrusted
 * audio never reaches the caller's thread, and a decoder that crashes costs one file); `workers: 0`
 * runs in this thread (benchmarks, tests).
 */

/** How window scores become events. */
export interface DetectRules {
  /** One threshold for every class instead of the model's own. */
  threshold?: number
  /** Events of a class at most this far apart merge, seconds (default: the hop). */
  minGap?: number
  /**
   * Events shorter than this are dropped, seconds. Default for a model trained on regions: half the
   * window (a region labels the windows it half covers, so a detected call spans about a window; a
   * window or two at a call's edge scoring for a similar class are what shorter events are); for a
   * model trained on clips, 0 (a clip as long as its window is one window, an event a hop long).
   */
  minDuration?: number
}

/** One recording's detections. */
export interface RecordingDetections {
  events: WindowEvent[]
  /** Seconds of audio scanned. */
  duration: number
  /** Windows scored. */
  windows: number
  /** The file's own sample rate (a Raven table's frequency range). */
  sampleRate: number
  warnings: string[]
}

/**
 * Windows computed and scored together, their samples held until a batch is complete: up to 256,
 * fewer for large inputs, so that a batch's inputs stay near 2 MB whatever the window (128 of the
 * default CNN's, whose frames are then shared but for the batches' edges).
 */
function batchSize(recipe: Detector['recipe']): number {
  if (recipe.input.kind === 'summary') return 256
  const [frames, values] = recipeShape(recipe)
  return Math.max(8, Math.min(256, Math.floor(2 ** 19 / (frames * values))))
}

/** Streams a recording through a loaded detector and turns its window scores into events. */
export async function detectRecording(
  detector: Detector,
  path: string,
  rules: DetectRules = {},
  signal?: AbortSignal,
): Promise<RecordingDetections> {
  const { recipe, window, classes } = detector
  const rate = recipe.config.sampleRate
  const length = Math.max(1, Math.round(window.seconds * rate))
  const hop = Math.max(1, Math.round(window.hop * rate))
  const k = classes.length
  const batch = batchSize(recipe)
  const scores = new GrowingArray(k * 1024)
  // Samples from `bufferStart` (a sample offset in the recording) on; windows before `next` are done.
  let buffer = new Float32Array(Math.max(4 * length, 1 << 16))
  let bufferStart = 0
  let held = 0
  let next = 0
  let windows = 0

  const scoreWindows = async (final: boolean): Promise<void> => {
    const received = bufferStart + held
    for (;;) {
      // Whole batches until the end: a batch shares its windows' frames and is scored in one call.
      const ready = received >= next + length ? Math.floor((received - length - next) / hop) + 1 : 0
      if (!final && ready < batch) return
      const starts: number[] = []
      while (starts.length < batch && (final ? next < received : next + length <= received)) {
        starts.push(next - bufferStart)
        next += hop
      }
      if (starts.length === 0) return
      const samples = buffer.subarray(0, held)
      const x =
        recipe.input.kind === 'summary'
          ? windowSummaries(samples, starts, length, recipe).x
          : windowInputs(samples, starts, length, recipe).x
      scores.push(await detector.score(x, starts.length))
      windows += starts.length
    }
  }
  const take = async (chunk: Float32Array): Promise<void> => {
    // Drop what no window needs any more, then make room for the chunk.
    const drop = Math.min(Math.max(0, next - bufferStart), held)
    if (drop > 0) {
      buffer.copyWithin(0, drop, held)
      held -= drop
      bufferStart += drop
    }
    if (held + chunk.length > buffer.length) {
      const grown = new Float32Array(Math.max(held + chunk.length, 2 * buffer.length))
      grown.set(buffer.subarray(0, held))
      buffer = grown
    }
    buffer.set(chunk, held)
    held += chunk.length
    await scoreWindows(false)
  }
  const streamed = await streamMono(path, { sampleRate: rate, ...(signal ? { signal } : {}) }, take)
  await scoreWindows(true)
  const duration = streamed.frames / rate
  const events = eventsFromScores(
    { classes, scores: scores.view(), seconds: length / rate, hop: hop / rate, duration },
    {
      thresholds: rules.threshold ?? detector.outputs.thresholds,
      defaultThreshold: 0.5,
      background: detector.outputs.background,
      ...(rules.minGap === undefined ? {} : { minGap: rules.minGap }),
      minDuration: rules.minDuration ?? (detector.outputs.windowing ? length / rate / 2 : 0),
    },
  )
  return { events, duration, windows, sampleRate: streamed.info.sampleRate, warnings: streamed.warnings }
}

/** Float32 values appended a batch at a time. */
class GrowingArray {
  private data: Float32Array
  private size = 0

  constructor(capacity: number) {
    this.data = new Float32Array(capacity)
  }

  push(values: ArrayLike<number>): void {
    if (this.size + values.length > this.data.length) {
      const grown = new Float32Array(Math.max(this.size + values.length, 2 * this.data.length))
      grown.set(this.data.subarray(0, this.size))
      this.data = grown
    }
    this.data.set(values, this.size)
    this.size += values.length
  }

  view(): Float32Array {
    return this.data.subarray(0, this.size)
  }
}

// --- Files, in a worker ---------------------------------------------------------------------------

/** A file's detection as the worker answers it. */
export interface DetectFileTask {
  modelPath: string
  window: WindowOverride
  path: string
  rules: DetectRules
}

/** One file's outcome: its detections, or why it could not be read. */
export interface FileDetections {
  path: string
  events: WindowEvent[]
  /** Seconds of audio scanned (0 for a file that failed). */
  duration: number
  sampleRate: number | null
  warnings: string[]
  error?: string
}

/** What detecting over files found. */
export interface DetectFilesResult {
  model: DetectorInfo['model']
  modelPath: string
  /** The classes it reports (the model's outputs but the background). */
  classes: string[]
  window: WindowSettings
  files: FileDetections[]
  /** Seconds of audio scanned, and seconds it took. */
  audioSeconds: number
  seconds: number
}

/** How files are detected. */
export interface DetectFilesOptions extends DetectRules {
  /** Window length and hop instead of the model's. */
  window?: WindowOverride
  /** Worker threads (default 1; 0 detects in this thread). */
  workers?: number
  signal?: AbortSignal
  /** After each file, in the order they finish. */
  onFile?: (file: FileDetections, done: number, total: number) => void
}

/**
 * Detects events in audio files with a saved model (a run folder, an export, or its model file).
 * A file that cannot be read gets its error and the others are detected; a path that is no model
 * is an error of the whole call.
 */
export async function detectFiles(
  modelPath: string,
  files: readonly string[],
  options: DetectFilesOptions = {},
): Promise<DetectFilesResult> {
  const began = performance.now()
  if (options.threshold !== undefined && !(options.threshold >= 0 && options.threshold <= 1)) {
    throw new EarmarkError('invalid-input', `the threshold must be between 0 and 1, not ${options.threshold}`)
  }
  if (options.minGap !== undefined && !(options.minGap >= 0)) {
    throw new EarmarkError('invalid-input', `the minimum gap must be 0 s or more, not ${options.minGap}`)
  }
  if (options.minDuration !== undefined && !(options.minDuration >= 0)) {
    throw new EarmarkError('invalid-input', `the minimum duration must be 0 s or more, not ${options.minDuration}`)
  }
  const window = options.window ?? {}
  const rules: DetectRules = {
    ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
    ...(options.minGap === undefined ? {} : { minGap: options.minGap }),
    ...(options.minDuration === undefined ? {} : { minDuration: options.minDuration }),
  }
  const runner = await detectionRunner(modelPath, window, options.workers ?? 1, options.signal)
  try {
    const results: FileDetections[] = new Array<FileDetections>(files.length)
    let done = 0
    let index = 0
    const worker = async (): Promise<void> => {
      while (index < files.length) {
        if (options.signal?.aborted) return
        const i = index++
        const path = files[i] as string
        let result: FileDetections
        try {
          const found = await runner.detect({ modelPath, window, path, rules })
          result = {
            path,
            events: found.events,
            duration: found.duration,
            sampleRate: found.sampleRate,
            warnings: found.warnings,
          }
        } catch (error) {
          if (options.signal?.aborted) return
          result = { path, events: [], duration: 0, sampleRate: null, warnings: [], error: reasonOf(error) }
        }
        results[i] = result
        options.onFile?.(result, ++done, files.length)
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, Math.min(runner.parallel, files.length)) }, worker))
    if (options.signal?.aborted) throw new EarmarkError('cancelled', 'detection was cancelled')
    const { info } = runner
    return {
      model: info.model,
      modelPath: info.modelPath,
      classes: info.classes.filter((c) => c !== info.outputs.background),
      window: info.window,
      files: results,
      audioSeconds: results.reduce((s, r) => s + r.duration, 0),
      seconds: (performance.now() - began) / 1000,
    }
  } finally {
    await runner.close()
  }
}

/** Detects files one at a time per thread, in workers or in this thread. */
interface DetectionRunner {
  info: DetectorInfo
  parallel: number
  detect(task: DetectFileTask): Promise<RecordingDetections>
  close(): Promise<void>
}

async function detectionRunner(
  modelPath: string,
  window: WindowOverride,
  workers: number,
  signal: AbortSignal | undefined,
): Promise<DetectionRunner> {
  if (workers <= 0) {
    const detector = await loadDetector(modelPath, window)
    return {
      info: detectorInfo(detector),
      parallel: 1,
      detect: (task) => detectRecording(detector, task.path, task.rules, signal),
      close: () => Promise.resolve(),
    }
  }
  // A stalled decoder is stopped after two minutes without progress; loading TensorFlow counts.
  const pool = new WorkerPool(workerScript('detect-worker'), { size: workers, taskTimeoutMs: 120_000, maxHeapMb: 2048 })
  const stop = (): void => void pool.close()
  signal?.addEventListener('abort', stop, { once: true })
  try {
    const info = await pool.run('describe', { modelPath, window }).catch((error: unknown) => {
      throw asModelError(error)
    })
    return {
      info,
      parallel: workers,
      detect: (task) => pool.run('detect', task),
      close: async () => {
        signal?.removeEventListener('abort', stop)
        await pool.close()
      },
    }
  } catch (error) {
    signal?.removeEventListener('abort', stop)
    await pool.close()
    throw error
  }
}

/** A detector's description, without its model. */
export function detectorInfo(detector: Detector): DetectorInfo {
  const { kind, model, modelPath, classes, outputs, recipe, window } = detector
  return { kind, model, modelPath, classes, outputs, recipe, window }
}

/** A worker's one-line error about the model, as the error it was before it crossed threads. */
function asModelError(error: unknown): EarmarkError {
  if (error instanceof EarmarkError) return error
  const message = reasonOf(error)
  const code = /^no model at /.test(message) ? 'not-found' : 'invalid-input'
  return new EarmarkError(code, message)
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
