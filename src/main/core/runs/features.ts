import { summaryNames, type FeatureConfig } from '../features'
import { WorkerPool } from '../workers/pool'
import { workerScript } from '../workers/script'

/** The summary-feature matrix of some clips, row-major, one row per clip that could be read. */
export interface SummaryMatrix {
  names: string[]
  /** Row r's feature f at `x[r * names.length + f]`. */
  x: Float64Array
  /** Indices (into the paths asked for) of the rows of `x`, in order. */
  rows: number[]
  /** Clips whose features could not be computed, with why. */
  failed: { index: number; path: string; reason: string }[]
}

/** How summary features are loaded. */
export interface LoadSummaryOptions {
  /** Worker threads (default 2). */
  workers?: number
  signal?: AbortSignal
  onProgress?: (done: number, total: number) => void
}

/**
 * Summary vectors of these files under one feature configuration, computed on worker threads.
 * The one door through which training and prediction get features: a cached feature-set store
 * can replace its body without any caller changing.
 */
export async function loadSummaryFeatures(
  paths: readonly string[],
  config: FeatureConfig,
  options: LoadSummaryOptions = {},
): Promise<SummaryMatrix> {
  const names = summaryNames(config)
  const width = names.length
  const values: (Float64Array | undefined)[] = new Array(paths.length)
  const failed: SummaryMatrix['failed'] = []
  const signal = options.signal
  signal?.throwIfAborted()
  const pool = new WorkerPool(workerScript('summary-worker'), { size: Math.max(1, options.workers ?? 2) })
  const abort = (): void => void pool.close()
  signal?.addEventListener('abort', abort)
  let done = 0
  try {
    // A plain, cloneable copy: the resolved configuration is frozen, with frozen arrays.
    const plain = JSON.parse(JSON.stringify(config)) as FeatureConfig
    await Promise.all(
      paths.map(async (path, index) => {
        try {
          values[index] = await pool.run<Float64Array>('summary', { path, config: plain })
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
  const rows = values.flatMap((v, i) => (v ? [i] : []))
  const x = new Float64Array(rows.length * width)
  rows.forEach((index, r) => x.set(values[index] as Float64Array, r * width))
  failed.sort((a, b) => a.index - b.index)
  return { names, x, rows, failed }
}
