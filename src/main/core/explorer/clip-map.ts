import type { Database } from 'better-sqlite3'
import type { ClipMap, MapMethod, MapPoint } from '@shared/explorer'
import { getRun } from '../catalog/runs'
import type { JobContext } from '../jobs/runner'
import { loadSummaryFeatures } from '../runs/features'
import { predictClipProbabilities } from '../runs/predict-clips'
import { runModelPath } from '../runs/predict-unlabeled'
import { defaultSummaryConfig } from '../runs/summary'
import { pca2, standardize, umap2 } from './projection'

/** What a map is asked for. */
export interface ClipMapRequest {
  method: MapMethod
  seed: number
  /** Colour by this run's predictions too. */
  runId?: number
}

interface MapClip {
  id: number
  path: string
  label: string | null
}

/** Every clip whose audio can be read, with its class names now, in clip order. */
function mapClips(db: Database): MapClip[] {
  return db
    .prepare(
      `SELECT c.id, c.path,
              (SELECT GROUP_CONCAT(name, ' + ') FROM
                 (SELECT k.name FROM clip_labels l JOIN classes k ON k.id = l.class_id
                  WHERE l.clip_id = c.id ORDER BY k.position)) AS label
       FROM clips c WHERE c.missing = 0 AND c.bad_audio = 0 ORDER BY c.id`,
    )
    .all() as MapClip[]
}

/** The sample rate most clips have (the highest on a tie), as training picks its default features. */
function commonSampleRate(db: Database): number {
  const rate = db
    .prepare(
      `SELECT sample_rate FROM clips WHERE missing = 0 AND bad_audio = 0
       GROUP BY sample_rate ORDER BY COUNT(*) DESC, sample_rate DESC LIMIT 1`,
    )
    .pluck()
    .get() as number | undefined
  return rate ?? 22050
}

/**
 * A 2-D map of the project's clips: the default summary features that trees train on (computed
 * on worker threads), standardised, then projected by PCA or UMAP with a seed. With a run, each
 * point also carries the run's prediction, from the run's own model and features.
 */
export async function buildClipMap(
  db: Database,
  request: ClipMapRequest,
  context: Pick<JobContext, 'signal' | 'progress' | 'log'>,
  options: { workers: number },
): Promise<ClipMap> {
  const started = performance.now()
  const run = request.runId === undefined ? null : getRun(db, request.runId)
  const modelPath = run ? runModelPath(run) : null
  const clips = mapClips(db)
  const paths = clips.map((c) => c.path)
  const config = defaultSummaryConfig(commonSampleRate(db))
  const matrix = await loadSummaryFeatures(paths, config, {
    workers: options.workers,
    signal: context.signal,
    onProgress: (done, total) => context.progress(done, total, 'computing features'),
  })
  const data = standardize({ x: matrix.x, nRows: matrix.rows.length, nCols: matrix.names.length })
  context.progress(0, null, `projecting ${data.nRows} clips (${request.method})`)
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
    const p = await predictClipProbabilities(modelPath, paths, { workers: options.workers, signal: context.signal })
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
