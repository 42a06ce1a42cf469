import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { UncertaintyOrder, UnlabeledPrediction } from '@shared/active-learning'
import type { JobProgressEvent } from '@shared/contract'
import type { JobInfo } from '@shared/domain'
import type { RunInfo } from '@shared/evaluation'
import type { ClipMap, MapMethod } from '@shared/explorer'
import { api } from '../api'
import { useApiCall } from './api-call'

/** How many of the most uncertain clips the list shows at once. */
const PAGE = 200

/**
 * The Explore screen: a chosen run's predictions of unlabeled clips, most uncertain first (active
 * learning), and the 2-D map of clips by their features. Both are computed as jobs in the main
 * process; this store starts them and reads their results.
 */
export const useExploreStore = defineStore('explore', () => {
  const runs = shallowRef<RunInfo[]>([])
  const runId = ref<number | null>(null)
  const order = ref<UncertaintyOrder>('margin')
  const unlabeled = shallowRef<UnlabeledPrediction[]>([])
  const unlabeledTotal = ref(0)
  const predictedAt = ref<string | null>(null)
  const map = shallowRef<ClipMap | null>(null)
  const jobId = ref<number | null>(null)
  const jobKind = ref<'predict' | 'map' | null>(null)
  const progress = shallowRef<JobProgressEvent | null>(null)
  const { error, guarded } = useApiCall()

  const loadRuns = () =>
    guarded(async () => {
      runs.value = (await api.invoke('runs:list', {})).filter((r) => r.state === 'done' && r.modelPath !== null)
      if (runId.value === null || !runs.value.some((r) => r.id === runId.value)) runId.value = runs.value[0]?.id ?? null
      await loadUnlabeled()
    })

  const loadUnlabeled = () =>
    guarded(async () => {
      if (runId.value === null) {
        unlabeled.value = []
        unlabeledTotal.value = 0
        predictedAt.value = null
        return
      }
      const page = await api.invoke('runs:unlabeled', { id: runId.value, order: order.value, limit: PAGE })
      unlabeled.value = page.rows
      unlabeledTotal.value = page.total
      predictedAt.value = page.predictedAt
    })

  const predictUnlabeled = () =>
    guarded(async () => {
      if (runId.value === null) return
      progress.value = null
      jobKind.value = 'predict'
      await follow((await api.invoke('runs:predictUnlabeled', { id: runId.value })).id)
    })

  const computeMap = (method: MapMethod, seed: number, withRun: boolean) =>
    guarded(async () => {
      progress.value = null
      jobKind.value = 'map'
      const job = await api.invoke('explorer:map', {
        method,
        seed,
        ...(withRun && runId.value !== null ? { runId: runId.value } : {}),
      })
      await follow(job.id)
    })

  /** Gives a clip one class, as its hotkey does anywhere in the studio (recorded, undoable). */
  const assign = (clipId: number, classId: number) => guarded(() => api.invoke('labels:assign', { clipId, classId }))

  const undo = () =>
    guarded(async () => {
      await api.invoke('edits:undo', {})
      await loadUnlabeled()
    })

  api.on('job:progress', (event) => {
    if (event.jobId === jobId.value) progress.value = event
  })
  /** Watches a job; a short one may have ended before its id came back, so ask once as well. */
  async function follow(id: number) {
    jobId.value = id
    finished(await api.invoke('jobs:get', { id }))
  }

  function finished(state: JobInfo) {
    if (state.id !== jobId.value || state.state === 'running' || state.state === 'queued') return
    const kind = jobKind.value
    jobId.value = null
    jobKind.value = null
    if (state.state === 'failed') {
      error.value = state.error
      return
    }
    if (state.state !== 'done') return
    if (kind === 'predict') void loadUnlabeled()
    else if (kind === 'map')
      void guarded(async () => {
        map.value = (await api.invoke('jobs:get', { id: state.id })).result as ClipMap
      })
  }
  api.on('job:state', finished)

  return {
    runs,
    runId,
    order,
    unlabeled,
    unlabeledTotal,
    predictedAt,
    map,
    jobId,
    progress,
    error,
    loadRuns,
    loadUnlabeled,
    predictUnlabeled,
    computeMap,
    assign,
    undo,
  }
})
