import { existsSync } from 'node:fs'
import type { Database } from 'better-sqlite3'
import { computeAugmentedCopies, type AugmentedCopies, type AugmentedCopiesTask } from '../augment/copies'
import type { AugmentDraw, WaveformAugmentation } from '../augment/settings'
import { contentHash } from '../audio/hash'
import { featureClipsById } from '../catalog/feature-sets'
import { cacheRoot } from '../feature-sets/cache'
import type { ClipFeatureResult, ClipFeatureTask } from '../feature-sets/compute'
import {
  loadFileFeatureMatrix,
  matrixOfClips,
  type FeatureMatrix,
  type LoadFeatureMatrixOptions,
  type MatrixKind,
} from '../feature-sets/matrix'
import { assertWholeClips, recipeShape, type Recipe } from '../feature-sets/recipe'
import { EarmarkError } from '../errors'
import { WorkerPool } from '../workers/pool'
import { workerScript, type TasksOf } from '../workers/script'

/*
 * The one door through which runs get features: a recipe (feature set + how the model reads it)
 * over the project's clips, read from the project's feature cache and computed where missing, or
 * over files outside the project, by the same code without the project's cache. Tree training,
 * deep training, sweeps, the map, active learning and `predict` all come through here.
 */

/** A clip that could not be read, with why. */
export interface FailedClip {
  /** Its index in the clips or files asked for. */
  index: number
  path: string
  reason: string
}

/** Summary vectors of some clips, row-major, one row per clip that could be read. */
export interface SummaryMatrix {
  names: string[]
  /** Row r's feature f at `x[r * names.length + f]`. */
  x: Float64Array
  /** Indices (into the clips asked for) of the rows of `x`, in order. */
  rows: number[]
  failed: FailedClip[]
}

/** Deep-model inputs of some clips: one [frames × features] matrix per clip that could be read. */
export interface DeepInputs {
  shape: [frames: number, features: number]
  /** Row r's matrix at `x.subarray(r * frames * features, (r + 1) * frames * features)`, frame-major. */
  x: Float32Array
  /** Indices (into the clips asked for) of the rows of `x`, in order. */
  rows: number[]
  failed: FailedClip[]
}

/** Where the clips come from: the project's (its cache), or files outside it. */
export type FeatureSource =
  { db: Database; projectPath: string; clipIds: readonly number[] } | { files: readonly string[] }

/** How features are loaded. */
export interface LoadFeaturesOptions {
  /**
   * Computes one clip's missing cache entries (the studio passes its worker pool). Default: a
   * pool of `workers` threads of the audio worker, for this call.
   */
  compute?: (task: ClipFeatureTask) => Promise<ClipFeatureResult>
  /** Worker threads when no `compute` is given (default 2; 0 computes in this thread). */
  workers?: number
  signal?: AbortSignal
  onProgress?: (done: number, total: number) => void
}

/** The options of the summary path (the same as every kind's). */
export type LoadSummaryOptions = LoadFeaturesOptions

/** Summary vectors of a recipe whose model reads them (trees, the map). */
export async function loadSummaryFeatures(
  source: FeatureSource,
  recipe: Recipe,
  options: LoadFeaturesOptions = {},
): Promise<SummaryMatrix> {
  const m = await loadRecipeMatrix(source, recipe, 'summary', options)
  if (m.kind !== 'summary') throw new Error('expected summary vectors')
  return { names: m.names, x: m.data, ...rowsOf(source, m) }
}

/** Deep-model inputs of a recipe (log-mel images, MFCC sequences or samples), each of one shape. */
export async function loadDeepInputs(
  source: FeatureSource,
  recipe: Recipe,
  options: LoadFeaturesOptions = {},
): Promise<DeepInputs> {
  const kind = recipe.input.kind
  if (kind === 'summary') throw new Error('a deep model does not read summary vectors')
  const m = await loadRecipeMatrix(source, recipe, kind, options)
  if (m.kind === 'summary') throw new Error('expected frames')
  return { shape: recipeShape(recipe), x: m.data, ...rowsOf(source, m) }
}

async function loadRecipeMatrix(
  source: FeatureSource,
  recipe: Recipe,
  kind: MatrixKind,
  options: LoadFeaturesOptions,
): Promise<FeatureMatrix> {
  assertWholeClips(recipe)
  const { input } = recipe
  const params = { pipeline: recipe.pipeline, config: recipe.config }
  let pool: WorkerPool<TasksOf<'audio-worker'>> | undefined
  let compute = options.compute
  const workers = options.workers ?? 2
  if (!compute && workers > 0) {
    const own = new WorkerPool(workerScript('audio-worker'), { size: workers })
    pool = own
    compute = (task) => own.run('features', task)
  }
  const matrixOptions: LoadFeatureMatrixOptions = {
    ...(compute ? { compute } : {}),
    concurrency: Math.max(2, workers * 2),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(input.kind === 'image' ? { feature: input.feature, frames: input.frames } : {}),
    ...(input.kind === 'sequence' ? { frames: input.frames } : {}),
    ...(input.kind === 'waveform' ? { samples: input.samples } : {}),
  }
  const abort = (): void => void pool?.close()
  options.signal?.addEventListener('abort', abort)
  try {
    if ('files' in source) return await loadFileFeatureMatrix(source.files, params, kind, matrixOptions)
    // A clip whose file has gone is not read from the cache either: what a run uses is there now.
    const clips = featureClipsById(source.db, source.clipIds)
    const gone = clips.filter((c) => !existsSync(c.path))
    const present = gone.length === 0 ? clips : clips.filter((c) => existsSync(c.path))
    const m = await matrixOfClips(present, params, kind, cacheRoot(source.projectPath), matrixOptions)
    if (gone.length > 0) {
      m.failed.push(...gone.map((c) => ({ clipId: c.id, path: c.path, reason: 'the file is missing' })))
    }
    return m
  } finally {
    options.signal?.removeEventListener('abort', abort)
    await pool?.close()
  }
}

/** Row indices into the clips asked for, and the failures, from a matrix's clip ids. */
function rowsOf(source: FeatureSource, m: FeatureMatrix): { rows: number[]; failed: FailedClip[] } {
  const indexOf =
    'files' in source
      ? (id: number) => id
      : (
          (map) => (id: number) =>
            map.get(id) as number
        )(positions(source.clipIds))
  return {
    rows: Array.from(m.rowClipIds, indexOf),
    failed: m.failed.map((f) => ({ index: indexOf(f.clipId), path: f.path, reason: f.reason })),
  }
}

function positions(ids: readonly number[]): Map<number, number> {
  return new Map(ids.map((id, i) => [id, i]))
}

/** Augmented copies of some clips: `copies` inputs per clip that could be read, in the recipe's shape. */
export interface AugmentedInputs {
  shape: [frames: number, features: number]
  /** Copy j's input at `x.subarray(j * frames * features, (j + 1) * frames * features)`. */
  x: Float32Array
  /** The clip (index into the clips asked for) each copy was made from: copies go where their clip goes. */
  of: number[]
  /** What each copy drew (semitones, speed, noise …), for the run's log. */
  draws: AugmentDraw[]
  failed: FailedClip[]
}

/**
 * Augmented copies of clips (only ever a run's training clips), made on the audio workers from
 * their files through the recipe (augment/copies.ts): each copy's settings are drawn from
 * (`seed`, the clip's id, the copy's number), so a run and its resume make the same copies.
 */
export async function loadAugmentedCopies(
  source: FeatureSource,
  recipe: Recipe,
  augmentation: WaveformAugmentation,
  seed: number,
  options: Omit<LoadFeaturesOptions, 'compute'> & {
    /** Makes one clip's copies (the studio's audio workers); default: a pool of `workers` threads, for this call. */
    compute?: (task: AugmentedCopiesTask) => Promise<AugmentedCopies>
  } = {},
): Promise<AugmentedInputs> {
  assertWholeClips(recipe)
  const { input } = recipe
  if (input.kind === 'summary') throw new EarmarkError('internal', 'summary vectors have no augmented copies')
  const shape = recipeShape(recipe)
  const size = shape[0] * shape[1]
  const clips =
    'files' in source
      ? source.files.map((path, id) => ({ id, path, contentHash: null as string | null }))
      : featureClipsById(source.db, source.clipIds).map((c) => ({ id: c.id, path: c.path, contentHash: c.contentHash }))
  const workers = options.workers ?? 2
  // A pool of its own only when the caller has none: every pool costs its threads' heaps.
  const pool =
    !options.compute && workers > 0 ? new WorkerPool(workerScript('audio-worker'), { size: workers }) : undefined
  const compute = (task: AugmentedCopiesTask): Promise<AugmentedCopies> =>
    options.compute ? options.compute(task) : pool ? pool.run('augmentedCopies', task) : computeAugmentedCopies(task)
  const plain = JSON.parse(JSON.stringify({ pipeline: recipe.pipeline, config: recipe.config, input })) as Pick<
    AugmentedCopiesTask,
    'pipeline' | 'config' | 'input'
  >
  const results: ({ x: Float32Array; draws: AugmentDraw[] } | null)[] = new Array<null>(clips.length).fill(null)
  const failed: FailedClip[] = []
  const abort = (): void => void pool?.close()
  options.signal?.addEventListener('abort', abort)
  let next = 0
  let done = 0
  const lane = async (): Promise<void> => {
    for (;;) {
      if (options.signal?.aborted) return
      const index = next++
      const clip = clips[index]
      if (!clip) return
      try {
        const hash = clip.contentHash ?? (await contentHash(clip.path))
        results[index] = await compute({
          path: clip.path,
          contentHash: hash,
          ...plain,
          augmentation: { ...augmentation },
          seed,
          clipId: clip.id,
        })
      } catch (error) {
        failed.push({ index, path: clip.path, reason: error instanceof Error ? error.message : String(error) })
      }
      options.onProgress?.(++done, clips.length)
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.max(2, workers * 2) }, lane))
  } finally {
    options.signal?.removeEventListener('abort', abort)
    await pool?.close()
  }
  if (options.signal?.aborted) throw new EarmarkError('cancelled', 'making augmented copies was cancelled')
  const count = results.reduce((n, r) => n + (r ? r.x.length / size : 0), 0)
  const x = new Float32Array(count * size)
  const of: number[] = []
  const draws: AugmentDraw[] = []
  results.forEach((r, index) => {
    if (!r) return
    x.set(r.x, of.length * size)
    for (const d of r.draws) {
      of.push(index)
      draws.push(d)
    }
  })
  return { shape, x, of, draws, failed: failed.sort((a, b) => a.index - b.index) }
}
