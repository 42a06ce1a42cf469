// Event metrics of a run's detections, and thresholds from reviewed detections.
import type { ApiHandlers, ServiceContext } from './context'

/** Event metrics of a run's detections, and thresholds from reviewed detections. */
export function eventHandlers(context: ServiceContext) {
  void context
  const todo = (): never => {
    throw new Error('not built yet')
  }
  return {
    'runs:events': todo,
    'detections:thresholds': todo,
  } satisfies Partial<ApiHandlers>
}
