import { summaryNames, type FeatureConfig } from '../features'
import { deepFeatureShape, type DeepFeatureConfig } from '../training/features'
import { WorkerPool } from '../workers/pool'
import { workerScript } from '../workers/script'

/** A clip that could not be read, with why. */
export interface FailedClip {
  index: number
  path: string
  reason: string
}

/** The summary-feature matrix of some clips, row-major, one row per clip that could be read. */
export interface SummaryMatrix {
  names: string[]
  /** Row r's feature f at `x[r * names.length + f]`. */
  x: Float64Array
  /** Indices (into the paths asked for) of the rows of `x`, in order. */
  rows: number[]
  /** Clips whose features could not be computed, with why. */
  failed: FailedClip[]
}

/** Deep-model inputs of some clips: one [frames × features] matrix per clip that could be read. */
export interface DeepInputs {
  shape: [frames: number, features: number]
  /** Row r's matrix at `x.subarray(r * frames * features, (r + 1) * frames * features)`, frame-major. */
  x: Float32Array
  /** Indices (into the paths asked for) of the rows of `x`, in order. */
  rows: number[]
  failed: FailedClip[]
}

/** How clip features are loaded. */
export interface LoadFeaturesOptions {
  /** Worker threads (default 2). */
  workers?: number
  signal?: AbortSignal
  onProgress?: (done: number, total: number) => void
}

/** The options of the summary path (the same as every kind's). */
export type LoadSummaryOptions = LoadFeaturesOptions

/**
 * Summary vectors of these files under one feature configuration, computed on worker threads.
 * The one door through which tree training and prediction get features: a cached feature-set
 * store can replace its body without any caller changing.
 */
export async function loadSummaryFeatures(
  paths: readonly string[],
  config: FeatureConfig,
  options: LoadFeaturesOptions = {},
): Promise<SummaryMatrix> {
  const names = summaryNames(config)
  // A plain, cloneable copy: the resolved configuration is frozen, with frozen arrays.
  const plain = JSON.parse(JSON.stringify(config)) as FeatureConfig
  const { values, rows, failed } = await perClip<Float64Array>(
    paths,
    'summary',
    (path) => ({ path, config: plain }),
    options,
  )
  const x = new Float64Array(rows.length * names.length)
  rows.forEach((index, r) => x.set(values[index] as Float64Array, r * names.length))
  return { names, x, rows, failed }
}

/** Deep-model inputs of these files under one recipe (log-mel images or MFCC sequences), on worker threads. */
export async function loadDeepInputs(
  paths: readonly string[],
  recipe: DeepFeatureConfig,
  options: LoadFeaturesOptions = {},
): Promise<DeepInputs> {
  const shape = deepFeatureShape(recipe)
  const per = shape[0] * shape[1]
  const { values, rows, failed } = await perClip<Float32Array>(paths, 'deep', (path) => ({ path, recipe }), options)
  const x = new Float32Array(rows.length * per)
  rows.forEach((index, r) => x.set(values[index] as Float32Array, r * per))
  return { shape, x, rows, failed }
}

/**
 * Runs one summary-worker task per path on a pool of worker threads, so decoding and feature
 * extraction use every core and a damaged file costs only itself.
 */
async function perClip<T>(
  paths: readonly string[],
  task: 'summary' | 'deep',
  input: (path: string) => unknown,
  options: LoadFeaturesOptions,
): Promise<{ values: (T | undefined)[]; rows: number[]; failed: FailedClip[] }> {
  const values: (T | undefined)[] = new Array(paths.length)
  const failed: FailedClip[] = []
  const signal = options.signal
  signal?.throwIfAborted()
  const pool = new WorkerPool(workerScript('summary-worker'), { size: Math.max(1, options.workers ?? 2) })
  const abort = (): void => void pool.close()
  signal?.addEventListener('abort', abort)
  let done = 0
  try {
    await Promise.all(
      paths.map(async (path, index) => {
        try {
          values[index] = await pool.run<T>(task, input(path))
        } catch (error) {
          failed.push({ index, path, reason: error instanceof Error ? error.message : String(error) })
        }
        options.onProgress?.(++done, paths.length)
      }),
    )
  } finally {
    signal?.removeEventListener('abort', abort)
    await pool.close()
  }
  signal?.throwIfAborted()
  failed.sort((a, b) => a.index - b.index)
  const rows = values.flatMap((v, i) => (v ? [i] : []))
  return { values, rows, failed }
}
