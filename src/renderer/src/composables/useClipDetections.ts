import { computed, onScopeDispose, ref, shallowRef, watch, type Ref } from 'vue'
import type { Detection } from '@shared/detection'
import { api } from '../api'
import { errorMessage } from '../stores/api-call'

/** A clip's detections, the runs that made them, and the run whose detections are shown. */
export interface ClipDetections {
  /** Every run's detections in the clip. */
  all: Ref<Detection[]>
  /** Runs with detections in the clip, newest first. */
  runs: Ref<number[]>
  /** The run shown; the newest by default. */
  runId: Ref<number | null>
  /** The shown run's detections, in time order. */
  shown: Ref<Detection[]>
  error: Ref<string | null>
  reload(): Promise<void>
}

/**
 * The detections of the clip a view shows, read again when the clip changes (a review makes or
 * removes a region, and sends the clip's change). Several runs may have detected in one clip: the
 * newest is shown until the person picks another, and that choice holds from clip to clip.
 */
export function useClipDetections(clipId: () => number): ClipDetections {
  const all = shallowRef<Detection[]>([])
  const chosen = ref<number | null>(null)
  const error = ref<string | null>(null)
  let token = 0

  const runs = computed(() => [...new Set(all.value.map((d) => d.runId))].sort((a, b) => b - a))
  const runId = computed<number | null>({
    get: () => (chosen.value !== null && runs.value.includes(chosen.value) ? chosen.value : (runs.value[0] ?? null)),
    set: (id) => (chosen.value = id),
  })
  const shown = computed(() => all.value.filter((d) => d.runId === runId.value))

  async function reload(): Promise<void> {
    const mine = ++token
    const id = clipId()
    try {
      const found = await api.invoke('detections:list', { clipId: id })
      if (mine !== token) return
      all.value = found
      error.value = null
    } catch (e) {
      if (mine !== token) return
      all.value = []
      error.value = errorMessage(e)
    }
  }

  watch(clipId, () => void reload(), { immediate: true })
  const stop = api.on('clip:changed', (row) => {
    if (row.id === clipId()) void reload()
  })
  onScopeDispose(stop)
  return { all, runs, runId, shown, error, reload }
}
