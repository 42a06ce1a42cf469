import type { FeatureComputeSummary } from '@shared/feature-sets'
import { featureClips } from '../catalog/feature-sets'
import type { Catalog } from '../catalog/open'
import { JobCancelledError, type JobContext } from '../jobs/runner'
import { cacheRoot } from './cache'
import type { ClipFeatureResult, ClipFeatureTask } from './compute'
import { ensureComputed } from './matrix'
import { getFeatureSet, resolveFeatureSetParams } from './sets'

/** What computing a set needs from its host. */
export interface ComputeFeatureSetOptions {
  /** Computes one clip (in a worker, in the studio). */
  compute: (task: ClipFeatureTask) => Promise<ClipFeatureResult>
  /** Clips in flight at once: enough to keep every worker busy. */
  concurrency: number
}

/**
 * Computes a feature set for every clip of the project whose file is present: frames and summary
 * vectors of every feature, into the cache, skipping what is there. Progress per clip; cancelling
 * stops dispatching clips and ends with what was done (cached entries stay valid).
 */
export async function computeFeatureSet(
  catalog: Catalog,
  setId: number,
  options: ComputeFeatureSetOptions,
  context: JobContext,
): Promise<FeatureComputeSummary> {
  const started = Date.now()
  const info = getFeatureSet(catalog.db, setId)
  const params = resolveFeatureSetParams(info.pipeline, info.config)
  const clips = featureClips(catalog.db)
  const summary: FeatureComputeSummary = { setId, computed: 0, cached: 0, rows: 0, failed: [], seconds: 0 }
  context.progress(0, clips.length, info.name)
  try {
    await ensureComputed(
      clips,
      params,
      cacheRoot(catalog.path),
      [...params.config.features],
      [...params.config.features],
      {
        compute: options.compute,
        concurrency: options.concurrency,
        signal: context.signal,
        onProgress: (done, total) => context.progress(done, total, info.name),
      },
      (clip, result) => {
        if (result instanceof Error) {
          summary.failed.push({ path: clip.path, reason: result.message })
          context.log('warn', `${clip.path}: ${result.message}`)
          return
        }
        if (result.computed) summary.computed++
        else summary.cached++
        summary.rows += result.pieces
      },
    )
  } catch (error) {
    summary.seconds = (Date.now() - started) / 1000
    if (context.signal.aborted) throw new JobCancelledError(summary)
    throw error
  }
  summary.seconds = (Date.now() - started) / 1000
  return summary
}
