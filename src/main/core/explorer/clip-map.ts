import type { Database } from 'better-sqlite3'
import type { ClipMap, MapMethod, MapPoint } from '@shared/explorer'
import { plural } from '@shared/plural'
import { mapClips, type MapClip } from '../catalog/feature-sets'
import { getSpace, spaceMatrix, type EmbeddingSpace } from '../catalog/embeddings'
import { getRun } from '../catalog/runs'
import { normalizeInPlace } from '../embeddings/windows'
import { EarmarkError } from '../errors'
import type { JobContext } from '../jobs/runner'
import { defaultFeatureSet, recipeOf } from '../feature-sets/recipe'
import { loadSummaryFeatures, type LoadFeaturesOptions } from '../runs/features'
import { predictClipProbabilities } from '../runs/predict-clips'
import { runModelPath } from '../runs/predict-unlabeled'
import { pca2, standardize, umap2 } from './projection'

/** What a map is asked for. */
export interface ClipMapRequest {
  method: MapMethod
  seed: number
  /** Colour by this run's predictions too. */
  runId?: number
  /** Lay out by this stored embedding space instead of summary features. */
  space?: number
}

/**
 * Each clip's point in an embedding space: the mean of its content's stored window vectors, scaled
 * to unit length. Clips whose content has no vectors in the space are listed as failed.
 */
export function clipEmbeddings(
  db: Database,
  space: EmbeddingSpace,
  clips: readonly MapClip[],
): { dims: number; x: Float64Array; rows: number[]; failed: { index: number; path: string; reason: string }[] } {
  const m = spaceMatrix(db, space)
  const byContent = new Map<string, number[]>()
  m.contentHashes.forEach((hash, r) => byContent.set(hash, [...(byContent.get(hash) ?? []), r]))
  const rows: number[] = []
  const failed: { index: number; path: string; reason: string }[] = []
  const vectors: Float32Array[] = []
  clips.forEach((clip, index) => {
    const own = byContent.get(clip.contentHash) ?? []
    const mean = new Float32Array(m.dims)
    for (const r of own)
      for (let j = 0; j < m.dims; j++) mean[j] = (mean[j] as number) + (m.x[r * m.dims + j] as number)
    if (own.length === 0 || !normalizeInPlace(mean)) {
      failed.push({
        index,
        path: clip.path,
        reason: `no embeddings of it in space ${space.id}: embed the project again`,
      })
      return
    }
    rows.push(index)
    vectors.push(mean)
  })
  const x = new Float64Array(rows.length * m.dims)
  vectors.forEach((v, i) => x.set(v, i * m.dims))
  return { dims: m.dims, x, rows, failed }
}

/**
 * A 2-D map of the project's clips: the summary vectors of the project's default set (the one
 * trees train on by default), read from the feature cache, standardised, then projected by PCA or
 * UMAP with a seed. With a run, each point also carries the run's prediction, from the run's own
 * model and feature set.
 */
export async function buildClipMap(
  db: Database,
  request: ClipMapRequest,
  context: Pick<JobContext, 'signal' | 'progress' | 'log'>,
  options: { projectPath: string; workers: number; compute?: LoadFeaturesOptions['compute'] },
): Promise<ClipMap> {
  const started = performance.now()
  const run = request.runId === undefined ? null : getRun(db, request.runId)
  const modelPath = run ? runModelPath(run) : null
  const clips = mapClips(db)
  const source = { db, projectPath: options.projectPath, clipIds: clips.map((c) => c.id) }
  const compute = options.compute ? { compute: options.compute } : {}
  let matrix: {
    x: Float64Array
    rows: number[]
    names: readonly unknown[]
    failed: { index: number; path: string; reason: string }[]
  }
  let data: { x: Float64Array; nRows: number; nCols: number }
  if (request.space !== undefined) {
    // Embeddings are unit vectors already, their dimensions alike: laid out as they are.
    const m = clipEmbeddings(db, getSpace(db, request.space), clips)
    matrix = { ...m, names: Array.from({ length: m.dims }) }
    data = { x: m.x, nRows: m.rows.length, nCols: m.dims }
  } else {
    const set = defaultFeatureSet(db, 'summary')
    matrix = await loadSummaryFeatures(source, recipeOf(set.name, set.params, { kind: 'summary' }), {
      ...compute,
      workers: options.workers,
      signal: context.signal,
      onProgress: (done, total) => context.progress(done, total, 'computing features'),
    })
    data = standardize({ x: matrix.x, nRows: matrix.rows.length, nCols: matrix.names.length })
  }
  if (data.nRows === 0) throw new EarmarkError('invalid-input', 'no clip has features to lay out on a map')
  context.progress(0, null, `projecting ${plural(data.nRows, 'clip')} (${request.method})`)
  const xy =
    request.method === 'pca'
      ? pca2(data)
      : await umap2(data, {
          seed: request.seed,
          signal: context.signal,
          onEpoch: (epoch, total) => context.progress(epoch, total, 'laying out (UMAP)'),
        })
  const predicted = new Map<number, string>()
  if (run && modelPath) {
    context.progress(0, null, `predicting with run ${run.id}`)
    const p = await predictClipProbabilities(modelPath, source, {
      ...compute,
      workers: options.workers,
      signal: context.signal,
    })
    const n = p.labels.length
    p.rows.forEach((index, r) => {
      let best = 0
      for (let k = 1; k < n; k++) if ((p.proba[r * n + k] as number) > (p.proba[r * n + best] as number)) best = k
      predicted.set(index, p.labels[best] as string)
    })
  }
  const points: MapPoint[] = matrix.rows.map((index, r) => {
    const clip = clips[index] as MapClip
    return {
      clipId: clip.id,
      path: clip.path,
      x: xy[r * 2] as number,
      y: xy[r * 2 + 1] as number,
      label: clip.label,
      predicted: predicted.get(index) ?? null,
    }
  })
  const failed = matrix.failed.map((f) => ({ clipId: (clips[f.index] as MapClip).id, path: f.path, reason: f.reason }))
  for (const f of failed.slice(0, 20)) context.log('warn', `${f.path}: ${f.reason}`)
  return {
    method: request.method,
    seed: request.seed,
    runId: run?.id ?? null,
    space: request.space ?? null,
    features: matrix.names.length,
    points,
    failed,
    seconds: (performance.now() - started) / 1000,
  }
}
