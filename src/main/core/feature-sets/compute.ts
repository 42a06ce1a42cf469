import { access } from 'node:fs/promises'
import type { FeatureImageKind } from '@shared/feature-sets'
import type { Pipeline, PipelineInput } from '@shared/preprocess'
import { loadAudio } from '../audio'
import { resample } from '../audio/resample'
import {
  extractFeatures,
  resolveFeatureConfig,
  summarizeFrames,
  type FeatureConfig,
  type FeatureConfigInput,
  type FeatureName,
} from '../features'
import { MIN_PEAKS, PEAKS_PER_SECOND } from '../media/peaks'
import { monoOf, resolvePipeline, runPipeline, withoutSegmentation, type Piece } from '../preprocess'
import {
  cachePath,
  decodeFrames,
  encodeFrames,
  encodeSummary,
  readCached,
  writeCached,
  type CachedPiece,
} from './cache'
import { frameKey, pipelineKey, summaryKey, waveformKey } from './keys'
import { encodePcm16Wav } from './wav'

/** One clip's share of a feature set's computation: what a worker is asked to do. */
export interface ClipFeatureTask {
  path: string
  contentHash: string
  /** The project's cache folder. */
  cacheRoot: string
  pipeline: PipelineInput | Pipeline
  config: FeatureConfigInput | FeatureConfig
  /** Frames to have in the cache (default: every feature of the configuration). */
  frames?: FeatureName[]
  /** Features whose summary vectors to have in the cache (default: every feature). */
  summaries?: FeatureName[]
  /** Also have the preprocessed samples themselves in the cache (a model that takes audio reads them). */
  waveform?: boolean
}

/** What a clip's computation did. */
export interface ClipFeatureResult {
  /** Whether anything was computed (false: all of it was in the cache). */
  computed: boolean
  /** Pieces (rows) the pipeline made of the clip. */
  pieces: number
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  )

/** A clip preprocessed for features: every piece mixed to mono at the configuration's rate. */
export async function preprocessClip(
  path: string,
  pipeline: Pipeline,
  sampleRate: number,
  key: string,
): Promise<Piece[]> {
  const decoded = await loadAudio(path)
  const { pieces } = await runPipeline({ sampleRate: decoded.sampleRate, channels: decoded.channels }, pipeline, {
    key,
  })
  return Promise.all(
    pieces.map(async (piece) => {
      const mono = monoOf(piece.channels)
      const samples = piece.sampleRate === sampleRate ? mono : await resample(mono, piece.sampleRate, sampleRate)
      return { ...piece, sampleRate, channels: [samples] }
    }),
  )
}

/**
 * Makes sure a clip's frames and summary vectors are in the cache, computing only the missing
 * ones: the clip is decoded and preprocessed once, and only the features whose entries are absent
 * are extracted (a changed statistic recomputes summaries from the cached frames; a changed
 * n_mfcc recomputes MFCCs but not the log-mel or chroma). Runs in a worker; writes the files itself.
 */
export async function computeClipFeatures(task: ClipFeatureTask): Promise<ClipFeatureResult> {
  const pipeline = resolvePipeline(task.pipeline)
  const c = resolveFeatureConfig(task.config)
  const wantFrames = task.frames ?? [...c.features]
  const wantSummaries = task.summaries ?? [...c.features]
  const framesPath = (f: FeatureName) =>
    cachePath(task.cacheRoot, 'features', frameKey(pipeline, c, f), task.contentHash)
  const summaryPath = (f: FeatureName) =>
    cachePath(task.cacheRoot, 'summary', summaryKey(pipeline, c, f), task.contentHash)
  const wavePath = cachePath(task.cacheRoot, 'features', waveformKey(pipeline, c.sampleRate), task.contentHash)

  const frames = new Map<FeatureName, CachedPiece[]>()
  const cachedFrames = async (f: FeatureName): Promise<CachedPiece[] | undefined> => {
    if (frames.has(f)) return frames.get(f)
    const bytes = await readCached(framesPath(f))
    if (!bytes) return undefined
    try {
      const pieces = decodeFrames(bytes)
      frames.set(f, pieces)
      return pieces
    } catch {
      return undefined
    }
  }
  // A cache hit costs a stat per entry: a project computed before is checked in a few seconds.
  const missingSummaries: FeatureName[] = []
  for (const f of wantSummaries) if (!(await exists(summaryPath(f)))) missingSummaries.push(f)
  const toExtract: FeatureName[] = []
  for (const f of new Set([...wantFrames, ...missingSummaries])) {
    if (!(await exists(framesPath(f))) || (missingSummaries.includes(f) && !(await cachedFrames(f)))) toExtract.push(f)
  }

  const wantWave = task.waveform === true && !(await exists(wavePath))

  let pieceCount = [...frames.values()][0]?.length ?? -1
  if (toExtract.length > 0 || wantWave) {
    const pieces = await preprocessClip(task.path, pipeline, c.sampleRate, task.contentHash)
    pieceCount = pieces.length
    if (wantWave) {
      // The samples as one-value frames, so the frames' format (pieces with their times) holds them.
      const samples = pieces.map((p) => {
        const data = p.channels[0] as Float32Array
        return { start: p.start, end: p.end, matrix: { data, nFrames: data.length, nValues: 1 } }
      })
      await writeCached(wavePath, encodeFrames(samples, 1))
    }
    const subset = toExtract.length > 0 ? resolveFeatureConfig({ ...c, features: toExtract }) : undefined
    const extracted = subset
      ? pieces.map((p) => extractFeatures(p.channels[0] as Float32Array, c.sampleRate, subset))
      : []
    for (const f of toExtract) {
      const cached = pieces.map((p, i) => ({
        start: p.start,
        end: p.end,
        matrix: extracted[i]?.matrices[f] ?? { data: new Float32Array(0), nFrames: 0, nValues: 0 },
      }))
      const nValues = cached.find((p) => p.matrix.nValues > 0)?.matrix.nValues ?? 0
      frames.set(f, cached)
      await writeCached(framesPath(f), encodeFrames(cached, nValues))
    }
  }
  for (const f of missingSummaries) {
    const pieces = (await cachedFrames(f)) ?? []
    pieceCount = pieces.length
    const rows = pieces.map((p) => summarizeFrames(p.matrix, c.stats))
    const width = rows[0]?.length ?? 0
    await writeCached(summaryPath(f), encodeSummary(rows, width))
  }
  if (pieceCount < 0) {
    // Both formats keep the number of pieces at byte 4.
    const first = wantSummaries[0] ?? wantFrames[0]
    const bytes = first ? await readCached(wantSummaries[0] ? summaryPath(first) : framesPath(first)) : undefined
    pieceCount = bytes && bytes.byteLength >= 8 ? new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(4, true) : 0
  }
  return { computed: toExtract.length > 0 || missingSummaries.length > 0 || wantWave, pieces: pieceCount }
}

/** The image kinds a clip view draws, as features. */
export const VIEW_FEATURES: readonly FeatureImageKind[] = ['logmel', 'mfcc', 'chroma']

/** Where a clip view's files are. */
export function viewPaths(
  root: string,
  pipeline: Pipeline,
  config: FeatureConfig,
  contentHash: string,
): { wav: string; peaks: string; images: Record<FeatureImageKind, string> } {
  const display = withoutSegmentation(pipeline)
  const key = pipelineKey(display, config.sampleRate)
  const image = (f: FeatureImageKind) => cachePath(root, 'features', frameKey(display, config, f), contentHash)
  return {
    wav: cachePath(root, 'preprocessed', key, contentHash),
    peaks: cachePath(root, 'peaks-preprocessed', key, contentHash),
    images: { logmel: image('logmel'), mfcc: image('mfcc'), chroma: image('chroma') },
  }
}

/** What a clip view holds, besides its files. */
export interface ClipViewFacts {
  sampleRate: number
  preprocessedDuration: number
  hopSeconds: number
  images: Record<FeatureImageKind, { nFrames: number; nValues: number; min: number; max: number }>
}

/**
 * What the studio shows of a clip under a set: the clip preprocessed without its segmentation
 * (mono at the set's rate) as a 16-bit WAV to play and its peaks to draw, and its log-mel, MFCC and
 * chroma frames, all cached. Runs in a worker.
 */
export async function computeClipView(task: ClipFeatureTask): Promise<ClipViewFacts> {
  const pipeline = resolvePipeline(task.pipeline)
  const c = resolveFeatureConfig({ ...resolveFeatureConfig(task.config), features: [...VIEW_FEATURES] })
  const display = withoutSegmentation(pipeline)
  const paths = viewPaths(task.cacheRoot, pipeline, c, task.contentHash)
  const peaks = await readCached(paths.peaks)
  const wav = await readCached(paths.wav)
  if (!peaks || !wav) {
    const [piece] = await preprocessClip(task.path, display, c.sampleRate, task.contentHash)
    const samples = piece?.channels[0] ?? new Float32Array(0)
    await writeCached(paths.wav, encodePcm16Wav(samples, c.sampleRate))
    await writeCached(paths.peaks, encodePeaks(samples, c.sampleRate))
  }
  await computeClipFeatures({ ...task, pipeline: display, config: c, frames: [...VIEW_FEATURES], summaries: [] })
  const images = {} as ClipViewFacts['images']
  for (const kind of VIEW_FEATURES) {
    const bytes = await readCached(paths.images[kind])
    const piece = bytes ? decodeFrames(bytes)[0] : undefined
    let min = Infinity
    let max = -Infinity
    for (const v of piece?.matrix.data ?? []) {
      if (v < min) min = v
      if (v > max) max = v
    }
    images[kind] = {
      nFrames: piece?.matrix.nFrames ?? 0,
      nValues: piece?.matrix.nValues ?? 0,
      min: min === Infinity ? 0 : min,
      max: max === -Infinity ? 0 : max,
    }
  }
  const written = (await readCached(paths.peaks)) ?? new Uint8Array(8)
  const header = new DataView(written.buffer, written.byteOffset, written.byteLength)
  return {
    sampleRate: c.sampleRate,
    preprocessedDuration: header.byteLength >= 8 ? header.getFloat64(0, true) : 0,
    hopSeconds: c.hop / c.sampleRate,
    images,
  }
}

/** Peaks as media.ts caches them: f64 duration, then float32 bucket maxima of |sample|. */
function encodePeaks(samples: Float32Array, sampleRate: number): Uint8Array {
  const duration = samples.length / sampleRate
  const buckets = Math.max(1, Math.min(samples.length, Math.max(MIN_PEAKS, Math.ceil(duration * PEAKS_PER_SECOND))))
  const peaks = new Float32Array(buckets)
  const size = samples.length / buckets
  for (let b = 0; b < buckets; b++) {
    let max = 0
    const end = Math.min(samples.length, Math.round((b + 1) * size))
    for (let i = Math.round(b * size); i < end; i++) max = Math.max(max, Math.abs(samples[i] as number))
    peaks[b] = max
  }
  const body = new Uint8Array(8 + peaks.byteLength)
  new DataView(body.buffer).setFloat64(0, duration, true)
  body.set(new Uint8Array(peaks.buffer), 8)
  return body
}
