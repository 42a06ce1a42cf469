import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { UncertaintyOrder, UnlabeledPrediction } from '@shared/active-learning'
import type { RunInfo } from '@shared/evaluation'
import type { EmbeddingSpaceInfo } from '@shared/embeddings'
import type { ClipMap, MapMethod } from '@shared/explorer'
import { resultOf, type JobDetail } from '@shared/jobs'
import { api } from '../api'
import { useJobFollower } from '../composables/useJobFollower'
import { newStartKey } from '../lib/start-key'
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
  const { error, guarded } = useApiCall()
  const follower = useJobFollower({ onEnd: (job) => finished(job) })
  const { progress } = follower
  /** The prediction or map job running, if one is. */
  const jobId = computed(() => (follower.running.value ? (follower.job.value?.id ?? null) : null))

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
      await follower.follow(
        await api.invoke('runs:predictUnlabeled', { id: runId.value, idempotencyKey: newStartKey() }),
      )
    })

  /** The project's stored embedding spaces, which the map may lay clips out by. */
  const spaces = shallowRef<EmbeddingSpaceInfo[]>([])
  const loadSpaces = () =>
    guarded(async () => {
      spaces.value = await api.invoke('embeddings:spaces', {})
    })

  /** Draws the map as a job: by summary features, or by a stored embedding space (`space`). */
  const computeMap = (method: MapMethod, seed: number, withRun: boolean, space: number | null = null) =>
    guarded(async () => {
      const job = await api.invoke('explorer:map', {
        method,
        seed,
        ...(withRun && runId.value !== null ? { runId: runId.value } : {}),
        ...(space === null ? {} : { space }),
        idempotencyKey: newStartKey(),
      })
      await follower.follow(job)
    })

  /** Gives a clip one class, as its hotkey does anywhere in the studio (recorded, undoable). */
  const assign = (clipId: number, classId: number) => guarded(() => api.invoke('labels:assign', { clipId, classId }))

  const undo = () =>
    guarded(async () => {
      await api.invoke('edits:undo', {})
      await loadUnlabeled()
    })

  async function finished(job: JobDetail): Promise<void> {
    if (job.state === 'failed') error.value = job.error
    if (job.state !== 'done') return
    if (job.kind === 'evaluate') await loadUnlabeled()
    else if (job.kind === 'explore') map.value = resultOf(job, 'explore')
  }

  /** Picks up a prediction or map the service is running (after a reload, or started elsewhere). */
  const resumeJob = () => guarded(() => follower.adopt((j) => j.kind === 'evaluate' || j.kind === 'explore'))

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
    spaces,
    loadSpaces,
    assign,
    undo,
    resumeJob,
  }
})
