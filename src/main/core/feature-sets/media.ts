import { FEATURE_IMAGE_KINDS, type FeatureClipView, type FeatureImageKind } from '@shared/feature-sets'
import type { AugmentedCopies, AugmentedCopiesTask } from '../augment/copies'
import { clipDuration, featureClipsById } from '../catalog/feature-sets'
import type { RecordingWindows, RecordingWindowsTask } from '../detection/recording-windows'
import type { Catalog } from '../catalog/open'
import { EarmarkError } from '../errors'
import type { MediaResponse } from '../media/media'
import { cacheRoot, decodeFrames, readCached } from './cache'
import { viewPaths, type ClipFeatureResult, type ClipFeatureTask, type ClipViewFacts } from './compute'
import { frameKey } from './keys'
import { cachePath } from './cache'
import { getFeatureSet, resolveFeatureSetParams } from './sets'

/** The workers a clip view runs on. */
export interface FeatureViewRunners {
  view: (task: ClipFeatureTask) => Promise<ClipViewFacts>
  features: (task: ClipFeatureTask) => Promise<ClipFeatureResult>
  /** The inputs of a recording's windows (training on regions), on the same workers. */
  windows?: (task: RecordingWindowsTask) => Promise<RecordingWindows>
  /** A training clip's augmented copies, on the same workers. */
  copies?: (task: AugmentedCopiesTask) => Promise<AugmentedCopies>
}

function taskFor(catalog: Catalog, clipId: number, setId: number): ClipFeatureTask & { duration: number } {
  const [clip] = featureClipsById(catalog.db, [clipId])
  if (!clip) throw new EarmarkError('not-found', `Clip ${clipId} not found`)
  const info = getFeatureSet(catalog.db, setId)
  const { pipeline, config } = resolveFeatureSetParams(info.pipeline, info.config)
  const duration = clipDuration(catalog.db, clipId)
  return {
    path: clip.path,
    contentHash: clip.contentHash,
    cacheRoot: cacheRoot(catalog.path),
    pipeline: JSON.parse(JSON.stringify(pipeline)) as typeof pipeline,
    config: JSON.parse(JSON.stringify(config)) as typeof config,
    duration,
  }
}

/**
 * One clip under a feature set, for the studio: computes (in a worker, once, then cached) the clip
 * preprocessed without segmentation, its peaks and its log-mel, MFCC and chroma, and answers their
 * shapes; with a segmenting pipeline, also where the pieces fall.
 */
export async function clipFeatureView(
  catalog: Catalog,
  clipId: number,
  setId: number,
  run: FeatureViewRunners,
): Promise<FeatureClipView> {
  const { duration, ...task } = taskFor(catalog, clipId, setId)
  const facts = await run.view(task)
  let pieces: FeatureClipView['pieces'] = []
  const params = resolveFeatureSetParams(task.pipeline, task.config)
  const first = params.config.features[0]
  if (first && params.pipeline.some((s) => s.step === 'segment')) {
    await run.features({ ...task, frames: [first], summaries: [] })
    const bytes = await readCached(
      cachePath(task.cacheRoot, 'features', frameKey(params.pipeline, params.config, first), task.contentHash),
    )
    pieces = bytes ? decodeFrames(bytes).map((p) => ({ start: p.start, end: p.end })) : []
  }
  return { clipId, setId, duration, pieces, ...facts }
}

/**
 * The feature media routes: `features/<clipId>?set=<id>&kind=logmel|mfcc|chroma` (an image, as
 * `decodeFeatureImage` in @shared/feature-sets reads it), `features/<clipId>?set=<id>&kind=peaks`
 * (the preprocessed waveform's peaks, as `peaks/<id>`) and `preprocessed/<clipId>?set=<id>` (the
 * preprocessed audio as a 16-bit WAV, with range requests). Computed on first request, then cached.
 */
export async function resolveFeatureMedia(
  catalog: Catalog,
  route: 'features' | 'preprocessed',
  clipId: number,
  query: URLSearchParams,
  run: FeatureViewRunners,
): Promise<MediaResponse> {
  const setId = Number(query.get('set'))
  if (!Number.isInteger(setId) || setId <= 0) return { kind: 'bad-request', message: 'set=<feature set id> is needed.' }
  const kind = route === 'preprocessed' ? 'wav' : (query.get('kind') ?? '')
  if (kind !== 'wav' && kind !== 'peaks' && !(FEATURE_IMAGE_KINDS as readonly string[]).includes(kind)) {
    return { kind: 'bad-request', message: `kind must be peaks, ${FEATURE_IMAGE_KINDS.join(', ')}.` }
  }
  let task: ClipFeatureTask
  try {
    const { duration: _duration, ...rest } = taskFor(catalog, clipId, setId)
    task = rest
  } catch (error) {
    if (error instanceof EarmarkError && error.code === 'not-found') return { kind: 'not-found' }
    throw error
  }
  const params = resolveFeatureSetParams(task.pipeline, task.config)
  const viewConfig = { ...params.config, features: ['logmel', 'mfcc', 'chroma'] } as typeof params.config
  const paths = viewPaths(task.cacheRoot, params.pipeline, viewConfig, task.contentHash)
  const file = kind === 'wav' ? paths.wav : kind === 'peaks' ? paths.peaks : paths.images[kind as FeatureImageKind]
  let bytes = await readCached(file)
  if (!bytes) {
    await run.view(task)
    bytes = await readCached(file)
    if (!bytes) return { kind: 'not-found' }
  }
  if (kind === 'wav') return { kind: 'file', path: file, contentType: 'audio/wav' }
  if (kind === 'peaks') return { kind: 'bytes', body: bytes, contentType: 'application/octet-stream' }
  return { kind: 'bytes', body: encodeImage(decodeFrames(bytes)[0]?.matrix), contentType: 'application/octet-stream' }
}

/** u32 nFrames, u32 nValues, f32 min, f32 max, then the float32 values (see `decodeFeatureImage`). */
function encodeImage(matrix: { data: Float32Array; nFrames: number; nValues: number } | undefined): Uint8Array {
  const data = matrix?.data ?? new Float32Array(0)
  const out = new Uint8Array(16 + data.byteLength)
  const view = new DataView(out.buffer)
  let min = Infinity
  let max = -Infinity
  for (const v of data) {
    if (v < min) min = v
    if (v > max) max = v
  }
  view.setUint32(0, matrix?.nFrames ?? 0, true)
  view.setUint32(4, matrix?.nValues ?? 0, true)
  view.setFloat32(8, min === Infinity ? 0 : min, true)
  view.setFloat32(12, max === -Infinity ? 0 : max, true)
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 16)
  return out
}
