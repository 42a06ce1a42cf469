// Review of detections: the queue, and accept, reject or relabel as undoable edits.
import { reviewQueue } from '../catalog/detection-reviews'
import { getRun } from '../catalog/runs'
import { reviewDetection } from '../review'
import type { ApiHandlers, ServiceContext } from './context'

/** Review of detections: the queue, and accept, reject or relabel as undoable edits. */
export function reviewHandlers({ catalog, stamp, labelsChanged }: ServiceContext) {
  return {
    'detections:queue': (request) => {
      // A run that does not exist is an error, not an empty queue.
      getRun(catalog().db, request.runId)
      return reviewQueue(catalog().db, request)
    },
    'detections:review': ({ id, review, label }) => {
      const detection = reviewDetection(catalog().db, id, review, label, stamp())
      // The clip's regions changed: its views redraw, and the class counts follow.
      labelsChanged(detection.clipId)
      return detection
    },
  } satisfies Partial<ApiHandlers>
}
