import type { Database } from 'better-sqlite3'
import type { DetectSummary } from '@shared/detection'
import { detectableClips, replaceDetections } from '../catalog/detections'
import { getRun } from '../catalog/runs'
import type { JobContext } from '../jobs/runner'
import { runModelPath } from '../runs/predict-unlabeled'
import { detectFiles } from './detect'

/** How a run's clips are scanned. */
export interface DetectRunClipsOptions {
  /** The clips to scan (default: every present clip the run did not train or validate on). */
  clipIds?: readonly number[]
  /** One threshold for every class instead of the model's own. */
  threshold?: number
  /** Events of a class at most this far apart merge, seconds (default: the hop). */
  minGap?: number
  /** Detection worker threads (default 1). */
  workers?: number
  now: () => Date
}

const quiet: Pick<JobContext, 'signal' | 'progress' | 'log'> = {
  signal: new AbortController().signal,
  progress: () => undefined,
  log: () => undefined,
}

/**
 * Slides a finished run's model over clips of the project and stores what it finds, clip by clip
 * as each is done (replacing the run's earlier unreviewed detections in it). A clip that cannot be
 * read is listed as failed and the others are scanned.
 */
export async function detectRunClips(
  db: Database,
  runId: number,
  options: DetectRunClipsOptions,
  context: Pick<JobContext, 'signal' | 'progress' | 'log'> = quiet,
): Promise<DetectSummary> {
  const started = performance.now()
  const modelPath = runModelPath(getRun(db, runId))
  const clips = detectableClips(db, runId, options.clipIds)
  const byPath = new Map(clips.map((c) => [c.path, c]))
  const failed: DetectSummary['failed'] = []
  let detections = 0
  context.progress(0, clips.length, 'detecting')
  const result = await detectFiles(
    modelPath,
    clips.map((c) => c.path),
    {
      ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
      ...(options.minGap === undefined ? {} : { minGap: options.minGap }),
      workers: options.workers ?? 1,
      signal: context.signal,
      onFile: (file, done, total) => {
        const clip = byPath.get(file.path)
        if (clip && file.error === undefined) {
          detections += replaceDetections(db, runId, clip.id, file.events, options.now())
        } else if (clip) {
          failed.push({ clipId: clip.id, path: clip.path, reason: file.error ?? 'unreadable' })
          if (failed.length <= 20) context.log('warn', `${clip.path}: ${file.error ?? 'unreadable'}`)
        }
        context.progress(done, total, 'detecting')
      },
    },
  )
  return {
    runId,
    clips: clips.length - failed.length,
    detections,
    audioSeconds: result.audioSeconds,
    seconds: (performance.now() - started) / 1000,
    failed,
  }
}
