import type { Database } from 'better-sqlite3'
import type { ClipMap, MapMethod, MapPoint } from '@shared/explorer'
import { plural } from '@shared/plural'
import { mapClips, type MapClip } from '../catalog/feature-sets'
import { getRun } from '../catalog/runs'
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
  const set = defaultFeatureSet(db, 'summary')
  const compute = options.compute ? { compute: options.compute } : {}
  const matrix = await loadSummaryFeatures(source, recipeOf(set.name, set.params, { kind: 'summary' }), {
    ...compute,
    workers: options.workers,
    signal: context.signal,
    onProgress: (done, total) => context.progress(done, total, 'computing features'),
  })
  const data = standardize({ x: matrix.x, nRows: matrix.rows.length, nCols: matrix.names.length })
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
    features: matrix.names.length,
    points,
    failed,
    seconds: (performance.now() - started) / 1000,
  }
}
