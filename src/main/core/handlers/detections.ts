// Detection: a run's model slid over clips as a job, and the detections it stored.
import type { ApiHandlers, ServiceContext } from './context'

/** Detection: a run's model slid over clips as a job, and the detections it stored. */
export function detectionHandlers(context: ServiceContext) {
  void context
  const todo = (): never => {
    throw new Error('not built yet')
  }
  return {
    'detections:start': todo,
    'detections:list': todo,
  } satisfies Partial<ApiHandlers>
}
