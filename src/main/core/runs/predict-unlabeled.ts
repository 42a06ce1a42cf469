import type { Database } from 'better-sqlite3'
import type { UnlabeledSummary } from '@shared/active-learning'
import { getRun } from '../catalog/runs'
import {
  replaceUnlabeledPredictions,
  unlabeledClips,
  type StoredUnlabeledPrediction,
} from '../catalog/unlabeled-predictions'
import { EarmarkError } from '../errors'
import { uncertainties } from '../evaluation'
import type { JobContext } from '../jobs/runner'
import type { LoadFeaturesOptions } from './features'
import { predictClipProbabilities } from './predict-clips'

/** A run's saved model; a run without one (running, failed, cancelled) is refused. */
export function runModelPath(run: { id: number; state: string; modelPath: string | null }): string {
  if (run.modelPath === null)
    throw new EarmarkError('conflict', `Run ${run.id} has no saved model (it is ${run.state}).`)
  return run.modelPath
}

/**
 * Predicts every unlabeled clip of the project with a finished run's model and stores the
 * predictions with their margin and entropy, replacing the run's earlier ones (active learning).
 */
export async function predictUnlabeledClips(
  db: Database,
  runId: number,
  context: Pick<JobContext, 'signal' | 'progress' | 'log'>,
  options: { projectPath: string; workers: number; now: () => Date; compute?: LoadFeaturesOptions['compute'] },
): Promise<UnlabeledSummary> {
  const started = performance.now()
  const modelPath = runModelPath(getRun(db, runId))
  const clips = unlabeledClips(db)
  context.progress(0, clips.length, 'predicting unlabeled clips')
  const result = await predictClipProbabilities(
    modelPath,
    { db, projectPath: options.projectPath, clipIds: clips.map((c) => c.id) },
    {
      ...(options.compute ? { compute: options.compute } : {}),
      workers: options.workers,
      signal: context.signal,
      onProgress: (done, total) => context.progress(done, total, 'predicting unlabeled clips'),
    },
  )
  const nClasses = result.labels.length
  const measures = uncertainties({ values: result.proba, nClasses })
  const rows: StoredUnlabeledPrediction[] = result.rows.map((index, r) => {
    const probabilities = Array.from(result.proba.subarray(r * nClasses, (r + 1) * nClasses))
    const best = probabilities.reduce((b, p, k) => (p > (probabilities[b] as number) ? k : b), 0)
    const u = measures[r] as (typeof measures)[number]
    return {
      clipId: (clips[index] as (typeof clips)[number]).id,
      predicted: result.labels[best] as string,
      probabilities,
      margin: u.margin,
      entropy: u.entropy,
    }
  })
  replaceUnlabeledPredictions(db, runId, rows, options.now())
  const failed = result.failed.map((f) => ({
    clipId: (clips[f.index] as (typeof clips)[number]).id,
    path: f.path,
    reason: f.reason,
  }))
  for (const f of failed.slice(0, 20)) context.log('warn', `${f.path}: ${f.reason}`)
  return { runId, predicted: rows.length, failed, seconds: (performance.now() - started) / 1000 }
}
