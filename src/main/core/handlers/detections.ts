// Detection: a run's model slid over clips as a job, and the detections it stored.
import { listDetections } from '../catalog/detections'
import { getRun } from '../catalog/runs'
import { detectRunClips } from '../detection/run-clips'
import { runModelPath } from '../runs/predict-unlabeled'
import type { ApiHandlers, ServiceContext } from './context'

/** Detection workers of a job: each loads the model and TensorFlow.js, so two at most. */
const MAX_DETECT_WORKERS = 2

/** Detection: a run's model slid over clips as a job, and the detections it stored. */
export function detectionHandlers({ now, workers, catalog, jobs, starts, sameJob }: ServiceContext) {
  return {
    'detections:start': (input) =>
      starts.start(
        'detections:start',
        'detect',
        input,
        (identity) => {
          const project = catalog()
          const { runId, clipIds, threshold, minGap } = input
          // Refused at once, not as a failed job: a run without a saved model has nothing to slide.
          runModelPath(getRun(project.db, runId))
          return jobs.start(
            'detect',
            { runId, clipIds: clipIds ?? null, threshold: threshold ?? null, minGap: minGap ?? null },
            (context) =>
              detectRunClips(
                project.db,
                runId,
                {
                  ...(clipIds === undefined ? {} : { clipIds }),
                  ...(threshold === undefined ? {} : { threshold }),
                  ...(minGap === undefined ? {} : { minGap }),
                  workers: Math.max(1, Math.min(MAX_DETECT_WORKERS, workers)),
                  now,
                },
                context,
              ),
            identity,
          )
        },
        sameJob,
      ),
    'detections:list': ({ clipId, runId }) => listDetections(catalog().db, clipId, runId),
  } satisfies Partial<ApiHandlers>
}
