import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Database } from 'better-sqlite3'
import type { Pipeline } from '@shared/preprocess'
import { contentHash } from '../audio/hash'
import { featureClipsById, type FeatureClip } from '../catalog/feature-sets'
import type { Catalog } from '../catalog/open'
import { EarmarkError } from '../errors'
import { featureRows, SCALAR_FEATURES, summaryNames, type FeatureConfig, type FeatureName } from '../features'
import { cachePath, cacheRoot, decodeFrames, decodeSummary, readCached, type CachedPiece } from './cache'
import { computeClipFeatures, type ClipFeatureResult, type ClipFeatureTask } from './compute'
import { frameKey, summaryKey, waveformKey } from './keys'
import { getFeatureSet, resolveFeatureSetParams, type FeatureSetParams } from './sets'

/**
 * What a matrix holds per row: a summary vector, the frame sequence, a fixed-size image, or the
 * preprocessed samples themselves (for a base model that takes audio).
 */
export type MatrixKind = 'summary' | 'sequence' | 'image' | 'waveform'

/** A clip as a matrix needs it: an id for its rows, its file, and its content (the cache's key). */
export type MatrixClip = Pick<FeatureClip, 'id' | 'path' | 'contentHash'>

/** Rows are pieces of clips: one per clip, or several when the pipeline segments. */
interface Rows {
  /** Rows in all. */
  nRows: number
  /** The clip each row comes from. */
  rowClipIds: Int32Array
  /** Seconds of the original clip where each row's audio starts and ends. */
  rowStarts: Float64Array
  rowEnds: Float64Array
  /** Clips that could not be computed (no rows), with why. */
  failed: { clipId: number; path: string; reason: string }[]
}

/** Clip summary vectors: row r, column j at `data[r * nCols + j]`, float64; columns named `mfcc_3_mean`. */
export interface SummaryMatrix extends Rows {
  kind: 'summary'
  names: string[]
  nCols: number
  data: Float64Array
}

/**
 * Frame sequences of every feature side by side, ragged: row r's frames are `offsets[r]` to
 * `offsets[r + 1]`, frame t's value j at `data[t * nCols + j]` (frame-major); columns named
 * `mfcc_3` (or `rms` for one-value features).
 */
export interface SequenceMatrix extends Rows {
  kind: 'sequence'
  names: string[]
  nCols: number
  offsets: Int32Array
  data: Float32Array
}

/**
 * One feature as a fixed-size image per row (a CNN's input): row r, frame t, value i at
 * `data[(r * nFrames + t) * nValues + i]`. Longer rows are cropped at the end, shorter ones padded
 * with the row's minimum (the log-mel's floor).
 */
export interface ImageMatrix extends Rows {
  kind: 'image'
  feature: FeatureName
  nFrames: number
  nValues: number
  data: Float32Array
}

/**
 * Each row's preprocessed samples, mono at the configuration's rate, cut or zero-padded at the end
 * to `nSamples`: row r's sample i at `data[r * nSamples + i]`.
 */
export interface WaveformMatrix extends Rows {
  kind: 'waveform'
  sampleRate: number
  nSamples: number
  data: Float32Array
}

/** A feature matrix of one of the four kinds. */
export type FeatureMatrix = SummaryMatrix | SequenceMatrix | ImageMatrix | WaveformMatrix

/** The matrix type of each kind. */
export interface MatrixOfKind {
  summary: SummaryMatrix
  sequence: SequenceMatrix
  image: ImageMatrix
  waveform: WaveformMatrix
}

/** How `loadFeatureMatrix` computes what is missing and reports. */
export interface LoadFeatureMatrixOptions {
  /** Computes one clip's missing cache entries (default: in this thread; the studio passes its worker pool). */
  compute?: (task: ClipFeatureTask) => Promise<ClipFeatureResult>
  /** Clips computed at once (default 2). */
  concurrency?: number
  /** Stops computing; the call then rejects with a cancelled error. */
  signal?: AbortSignal
  onProgress?: (done: number, total: number) => void
  /** For 'image': the feature drawn (default 'logmel', which the set must compute). */
  feature?: FeatureName
  /**
   * For 'image': frames per image (default: the longest row's). For 'sequence': every row cut or
   * padded with zero frames to this many, so that rows line up (default: each row as long as it is).
   */
  frames?: number
  /** For 'waveform': samples per row (default: the longest row's). */
  samples?: number
  /** Where the cache is (default: beside the project file). */
  cacheRoot?: string
}

/**
 * The feature matrix of some clips under a feature set (by id or name) or under a pipeline and
 * configuration given directly: summary vectors for the traditional models, frame sequences for
 * recurrent ones, or fixed-size images for CNNs. Reads the project's cache and computes only what
 * is missing there, so a second call with the same parameters decodes no audio. Rows follow
 * `clipIds` (a clip segmented into several pieces gives several rows; a clip that fails gives none
 * and is listed in `failed`).
 *
 * @example
 *   const m = await loadFeatureMatrix(catalog, 'mfcc-20', clipIds, 'summary')
 *   // m.data (Float64Array, m.nRows x m.nCols), m.names ('mfcc_0_mean', …), m.rowClipIds
 */
export async function loadFeatureMatrix<K extends MatrixKind>(
  catalog: Catalog,
  set: number | string | { pipeline?: unknown; config?: unknown },
  clipIds: readonly number[],
  kind: K,
  options: LoadFeatureMatrixOptions = {},
): Promise<MatrixOfKind[K]> {
  const params = featureSetParamsOf(catalog.db, set)
  const clips = featureClipsById(catalog.db, clipIds)
  return matrixOfClips(clips, params, kind, options.cacheRoot ?? cacheRoot(catalog.path), options)
}

/** The resolved parameters of a set given by id, by name, or directly. */
export function featureSetParamsOf(
  db: Database,
  set: number | string | { pipeline?: unknown; config?: unknown },
): FeatureSetParams {
  if (typeof set === 'object') return resolveFeatureSetParams(set.pipeline as never, set.config as never)
  const info = getFeatureSet(db, set)
  return resolveFeatureSetParams(info.pipeline, info.config)
}

/**
 * The feature matrix of audio files outside any project under a pipeline and configuration, by
 * the same code as `loadFeatureMatrix` (the same preprocessing, cache entries and readers), so a
 * file is seen exactly as a clip with its content would be. Row clip ids are indices into `paths`.
 * The entries go to `cacheRoot` when given, else to a temporary folder removed afterwards.
 */
export async function loadFileFeatureMatrix<K extends MatrixKind>(
  paths: readonly string[],
  params: FeatureSetParams,
  kind: K,
  options: LoadFeatureMatrixOptions = {},
): Promise<MatrixOfKind[K]> {
  const clips: MatrixClip[] = []
  const unreadable: Rows['failed'] = []
  for (const [id, path] of paths.entries()) {
    try {
      clips.push({ id, path, contentHash: await contentHash(path) })
    } catch (error) {
      unreadable.push({ clipId: id, path, reason: error instanceof Error ? error.message : String(error) })
    }
  }
  const root = options.cacheRoot ?? (await mkdtemp(join(tmpdir(), 'earmark-features-')))
  try {
    const matrix = await matrixOfClips(clips, params, kind, root, options)
    matrix.failed.push(...unreadable)
    matrix.failed.sort((a, b) => a.clipId - b.clipId)
    return matrix
  } finally {
    if (options.cacheRoot === undefined) await rm(root, { recursive: true, force: true })
  }
}

/** The matrix of these clips under resolved parameters, with the cache at `root`. */
export async function matrixOfClips<K extends MatrixKind>(
  clips: readonly MatrixClip[],
  params: FeatureSetParams,
  kind: K,
  root: string,
  options: LoadFeatureMatrixOptions = {},
): Promise<MatrixOfKind[K]> {
  const { pipeline, config } = params
  const imageFeature = options.feature ?? 'logmel'
  if (kind === 'image' && !config.features.includes(imageFeature)) {
    throw new EarmarkError('invalid-input', `this feature set does not compute ${imageFeature}`)
  }
  const frameFeatures: FeatureName[] =
    kind === 'image' ? [imageFeature] : kind === 'sequence' ? [...config.features] : []
  const summaryFeatures: FeatureName[] = kind === 'summary' ? [...config.features] : []
  const failed = await ensureComputed(clips, params, root, frameFeatures, summaryFeatures, {
    ...options,
    waveform: kind === 'waveform',
  })
  const failedIds = new Set(failed.map((f) => f.clipId))
  const ok = clips.filter((c) => !failedIds.has(c.id))
  const read: { [k in MatrixKind]: () => Promise<FeatureMatrix> } = {
    summary: () => readSummaries(ok, params, root, failed),
    sequence: () => readSequences(ok, pipeline, config, root, options.frames, failed),
    image: () => readImages(ok, pipeline, config, root, imageFeature, options.frames, failed),
    waveform: () => readWaveforms(ok, pipeline, config.sampleRate, root, options.samples, failed),
  }
  return (await read[kind]()) as MatrixOfKind[K]
}

/** Computes the missing cache entries of these clips; returns the clips that failed. */
export async function ensureComputed<C extends MatrixClip>(
  clips: readonly C[],
  params: FeatureSetParams,
  root: string,
  frames: FeatureName[],
  summaries: FeatureName[],
  options: Pick<LoadFeatureMatrixOptions, 'compute' | 'concurrency' | 'signal' | 'onProgress'> & {
    /** Have the preprocessed samples cached too. */
    waveform?: boolean
  },
  onClip?: (clip: C, result: ClipFeatureResult | Error) => void,
): Promise<Rows['failed']> {
  const compute = options.compute ?? computeClipFeatures
  const failed: Rows['failed'] = []
  const plain = JSON.parse(JSON.stringify({ pipeline: params.pipeline, config: params.config })) as {
    pipeline: Pipeline
    config: FeatureConfig
  }
  let next = 0
  let done = 0
  const worker = async (): Promise<void> => {
    for (;;) {
      if (options.signal?.aborted) return
      const clip = clips[next++]
      if (!clip) return
      try {
        const result = await compute({
          path: clip.path,
          contentHash: clip.contentHash,
          cacheRoot: root,
          ...plain,
          frames,
          summaries,
          ...(options.waveform ? { waveform: true } : {}),
        })
        onClip?.(clip, result)
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error)
        failed.push({ clipId: clip.id, path: clip.path, reason })
        onClip?.(clip, error instanceof Error ? error : new Error(reason))
      }
      options.onProgress?.(++done, clips.length)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker))
  if (options.signal?.aborted) throw new EarmarkError('cancelled', 'computing features was cancelled')
  return failed
}

async function readSummaries(
  clips: readonly MatrixClip[],
  { pipeline, config }: FeatureSetParams,
  root: string,
  failed: Rows['failed'],
): Promise<SummaryMatrix> {
  const names = summaryNames(config)
  const nCols = names.length
  const perClip: { clip: MatrixClip; rows: number; parts: Float64Array[] }[] = []
  for (const clip of clips) {
    const parts: Float64Array[] = []
    let rows = -1
    for (const f of config.features) {
      const bytes = await readCached(cachePath(root, 'summary', summaryKey(pipeline, config, f), clip.contentHash))
      if (!bytes) throw new EarmarkError('internal', `the summary of ${f} for ${clip.path} is missing from the cache`)
      const s = decodeSummary(bytes)
      rows = s.rows
      parts.push(s.values)
    }
    perClip.push({ clip, rows: Math.max(0, rows), parts })
  }
  const nRows = perClip.reduce((n, c) => n + c.rows, 0)
  const data = new Float64Array(nRows * nCols)
  const rows = rowArrays(nRows)
  let r = 0
  for (const { clip, rows: count, parts } of perClip) {
    const pieces = await piecesOf(clip, pipeline, config, config.features[0] as FeatureName, root)
    for (let p = 0; p < count; p++, r++) {
      let col = 0
      for (const part of parts) {
        const width = part.length / count
        data.set(part.subarray(p * width, (p + 1) * width), r * nCols + col)
        col += width
      }
      setRow(rows, r, clip.id, pieces[p])
    }
  }
  return { kind: 'summary', names, nCols, data, failed, ...rows }
}

async function readSequences(
  clips: readonly MatrixClip[],
  pipeline: Pipeline,
  config: FeatureConfig,
  root: string,
  frames: number | undefined,
  failed: Rows['failed'],
): Promise<SequenceMatrix> {
  const names = config.features.flatMap((f) =>
    SCALAR_FEATURES.has(f) ? [f] : Array.from({ length: featureRows(f, config) }, (_, i) => `${f}_${i}`),
  )
  const nCols = names.length
  const perClip: { clip: MatrixClip; features: CachedPiece[][] }[] = []
  for (const clip of clips) {
    const features: CachedPiece[][] = []
    for (const f of config.features) features.push(await framesOf(clip, pipeline, config, f, root))
    perClip.push({ clip, features })
  }
  const nRows = perClip.reduce((n, c) => n + (c.features[0]?.length ?? 0), 0)
  const rows = rowArrays(nRows)
  const offsets = new Int32Array(nRows + 1)
  let r = 0
  let totalFrames = 0
  // Every row `frames` long when asked (cut at the end, or padded with zero frames: the data is zero-filled).
  const lengthOf = (piece: CachedPiece): number => frames ?? piece.matrix.nFrames
  for (const { features } of perClip) {
    for (const piece of features[0] ?? []) {
      totalFrames += lengthOf(piece)
      offsets[++r] = totalFrames
    }
  }
  const data = new Float32Array(totalFrames * nCols)
  r = 0
  for (const { clip, features } of perClip) {
    const first = features[0] ?? []
    first.forEach((piece, p) => {
      const base = offsets[r] as number
      let col = 0
      for (const feature of features) {
        const m = (feature[p] as CachedPiece).matrix
        const kept = Math.min(m.nFrames, lengthOf(piece))
        for (let t = 0; t < kept; t++) {
          data.set(m.data.subarray(t * m.nValues, (t + 1) * m.nValues), (base + t) * nCols + col)
        }
        col += m.nValues
      }
      setRow(rows, r, clip.id, piece)
      r++
    })
  }
  return { kind: 'sequence', names, nCols, offsets, data, failed, ...rows }
}

async function readImages(
  clips: readonly MatrixClip[],
  pipeline: Pipeline,
  config: FeatureConfig,
  root: string,
  feature: FeatureName,
  frames: number | undefined,
  failed: Rows['failed'],
): Promise<ImageMatrix> {
  const perClip: { clip: MatrixClip; pieces: CachedPiece[] }[] = []
  for (const clip of clips) perClip.push({ clip, pieces: await framesOf(clip, pipeline, config, feature, root) })
  const all = perClip.flatMap((c) => c.pieces)
  const nValues = featureRows(feature, config)
  const nFrames = frames ?? all.reduce((n, p) => Math.max(n, p.matrix.nFrames), 0)
  const data = new Float32Array(all.length * nFrames * nValues)
  const rows = rowArrays(all.length)
  let r = 0
  for (const { clip, pieces } of perClip) {
    for (const piece of pieces) {
      const m = piece.matrix
      const kept = Math.min(nFrames, m.nFrames)
      const base = r * nFrames * nValues
      data.set(m.data.subarray(0, kept * nValues), base)
      if (kept < nFrames) {
        let floor = Infinity
        for (const v of m.data) if (v < floor) floor = v
        data.fill(floor === Infinity ? 0 : floor, base + kept * nValues, base + nFrames * nValues)
      }
      setRow(rows, r, clip.id, piece)
      r++
    }
  }
  return { kind: 'image', feature, nFrames, nValues, data, failed, ...rows }
}

async function readWaveforms(
  clips: readonly MatrixClip[],
  pipeline: Pipeline,
  sampleRate: number,
  root: string,
  samples: number | undefined,
  failed: Rows['failed'],
): Promise<WaveformMatrix> {
  const key = waveformKey(pipeline, sampleRate)
  const perClip: { clip: MatrixClip; pieces: CachedPiece[] }[] = []
  for (const clip of clips) {
    const bytes = await readCached(cachePath(root, 'features', key, clip.contentHash))
    if (!bytes) throw new EarmarkError('internal', `the samples of ${clip.path} are missing from the cache`)
    perClip.push({ clip, pieces: decodeFrames(bytes) })
  }
  const all = perClip.flatMap((c) => c.pieces)
  const nSamples = samples ?? all.reduce((n, p) => Math.max(n, p.matrix.nFrames), 0)
  const data = new Float32Array(all.length * nSamples)
  const rows = rowArrays(all.length)
  let r = 0
  for (const { clip, pieces } of perClip) {
    for (const piece of pieces) {
      data.set(piece.matrix.data.subarray(0, Math.min(nSamples, piece.matrix.nFrames)), r * nSamples)
      setRow(rows, r, clip.id, piece)
      r++
    }
  }
  return { kind: 'waveform', sampleRate, nSamples, data, failed, ...rows }
}

async function framesOf(
  clip: MatrixClip,
  pipeline: Pipeline,
  config: FeatureConfig,
  feature: FeatureName,
  root: string,
): Promise<CachedPiece[]> {
  const bytes = await readCached(cachePath(root, 'features', frameKey(pipeline, config, feature), clip.contentHash))
  if (!bytes) throw new EarmarkError('internal', `the ${feature} frames of ${clip.path} are missing from the cache`)
  return decodeFrames(bytes)
}

/** The pieces' times, from the first feature's frames when cached (summaries alone do not keep them). */
async function piecesOf(
  clip: MatrixClip,
  pipeline: Pipeline,
  config: FeatureConfig,
  feature: FeatureName,
  root: string,
): Promise<(CachedPiece | undefined)[]> {
  const bytes = await readCached(cachePath(root, 'features', frameKey(pipeline, config, feature), clip.contentHash))
  return bytes ? decodeFrames(bytes) : []
}

function rowArrays(n: number): Omit<Rows, 'failed'> {
  return {
    nRows: n,
    rowClipIds: new Int32Array(n),
    rowStarts: new Float64Array(n).fill(NaN),
    rowEnds: new Float64Array(n).fill(NaN),
  }
}

function setRow(rows: Omit<Rows, 'failed'>, r: number, clipId: number, piece: CachedPiece | undefined): void {
  rows.rowClipIds[r] = clipId
  if (piece) {
    rows.rowStarts[r] = piece.start
    rows.rowEnds[r] = piece.end
  }
}
