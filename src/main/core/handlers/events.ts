// Event metrics of a run's detections, and thresholds from reviewed detections.
import { getRun } from '../catalog/runs'
import {
  annotatedRunClips,
  detectionEvents,
  regionEvents,
  runDetectionScores,
  runSplitClipCount,
} from '../catalog/event-reference'
import { EarmarkError } from '../errors'
import { eventMetrics, suggestThresholds } from '../evaluation'
import type { ApiHandlers, ServiceContext } from './context'

/** Event metrics of a run's detections, and thresholds from reviewed detections. */
export function eventHandlers({ catalog }: Pick<ServiceContext, 'catalog'>) {
  return {
    'runs:events': ({ id, split, collar, segment }) => {
      const { db } = catalog()
      getRun(db, id)
      // The reference is the labeled regions of the run's clips on the split; a clip without any is
      // not annotated for events, so its detections are not scored.
      const clips = annotatedRunClips(db, id, split)
      if (clips.length === 0) {
        const all = runSplitClipCount(db, id, split)
        throw new EarmarkError(
          'invalid-input',
          all === 0
            ? `Run ${id} has no clips on its ${split} split`
            : `None of run ${id}'s ${all} ${split} clips has labeled regions: label the events in some to score its detections`,
        )
      }
      const clipIds = clips.map((c) => c.clipId)
      const report = eventMetrics(regionEvents(db, clipIds), detectionEvents(db, id, clipIds), {
        collar,
        segment,
        durations: new Map(clips.map((c) => [c.clipId, c.duration])),
      })
      return { ...report, clipIds }
    },
    'detections:thresholds': ({ runId, targetPrecision }) => {
      const { db } = catalog()
      getRun(db, runId)
      return suggestThresholds(runDetectionScores(db, runId), targetPrecision)
    },
  } satisfies Partial<ApiHandlers>
}
