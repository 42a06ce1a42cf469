// Review of detections: the queue, and accept, reject or relabel as undoable edits.
import type { ApiHandlers, ServiceContext } from './context'

/** Review of detections: the queue, and accept, reject or relabel as undoable edits. */
export function reviewHandlers(context: ServiceContext) {
  void context
  const todo = (): never => {
    throw new Error('not built yet')
  }
  return {
    'detections:queue': todo,
    'detections:review': todo,
  } satisfies Partial<ApiHandlers>
}
