import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { DetectionReview, ReviewItem, ReviewOrder, ThresholdSuggestion } from '@shared/detection'
import { api } from '../api'
import { errorMessage, useApiCall } from './api-call'

/** The most detections the queue shows at once. */
const QUEUE_LIMIT = 1000

/**
 * The review queue of a run's detections: its order (by score, or sampled across score bins to set
 * thresholds from), the item under review, and the threshold suggestions the reviews so far give.
 * Each review is one undoable edit in the service; undo here undoes the latest edit of this studio
 * (as Ctrl+Z does everywhere) and, when it was a review, goes back to that detection.
 */
export const useReviewStore = defineStore('review', () => {
  /** The run whose detections are under review; null while the view is closed. */
  const runId = ref<number | null>(null)
  const order = ref<ReviewOrder>('score')
  /** A class name, or '' for every class. */
  const label = ref('')
  const hideReviewed = ref(false)
  const perBin = ref(20)
  const bins = ref(5)
  const minScore = ref(0.05)
  const seed = ref(0)
  const targetPrecision = ref(0.9)

  const items = ref<ReviewItem[]>([])
  const total = ref(0)
  const reviewedCount = ref(0)
  const index = ref(0)
  const thresholds = shallowRef<ThresholdSuggestion[] | null>(null)
  const thresholdsError = ref<string | null>(null)
  const status = ref('')
  const loading = ref(false)
  const { error, guarded } = useApiCall()
  /** Detections reviewed in this view, latest last: an undo of a review goes back to it. */
  const reviewedHere: number[] = []

  const current = computed<ReviewItem | null>(() => items.value[index.value] ?? null)
  /** Classes the queue has detections of, for the class filter. */
  const labels = ref<string[]>([])

  async function loadThresholds(): Promise<void> {
    if (runId.value === null) return
    try {
      thresholds.value = await api.invoke('detections:thresholds', {
        runId: runId.value,
        targetPrecision: targetPrecision.value,
      })
      thresholdsError.value = null
    } catch (e) {
      thresholds.value = null
      thresholdsError.value = errorMessage(e)
    }
  }

  /** Reads the queue again, keeping the detection under review selected when it is still listed. */
  const load = () =>
    guarded(async () => {
      const id = runId.value
      if (id === null) return
      loading.value = true
      try {
        const keep = current.value?.id
        const page = await api.invoke('detections:queue', {
          runId: id,
          order: order.value,
          perBin: perBin.value,
          bins: bins.value,
          minScore: minScore.value,
          unreviewed: hideReviewed.value,
          seed: seed.value,
          limit: QUEUE_LIMIT,
          ...(label.value ? { label: label.value } : {}),
        })
        if (runId.value !== id) return
        items.value = page.items
        total.value = page.total
        reviewedCount.value = page.reviewed
        const at = keep === undefined ? -1 : page.items.findIndex((d) => d.id === keep)
        index.value = at >= 0 ? at : Math.min(index.value, Math.max(0, page.items.length - 1))
        if (!label.value) labels.value = [...new Set(page.items.map((d) => d.label))].sort()
      } finally {
        loading.value = false
      }
      await loadThresholds()
    })

  /** Opens the queue of a run (from its first item). */
  async function open(id: number): Promise<void> {
    if (runId.value !== id) {
      runId.value = id
      items.value = []
      index.value = 0
      label.value = ''
      labels.value = []
      thresholds.value = null
      reviewedHere.length = 0
    }
    await load()
  }

  function close(): void {
    runId.value = null
  }

  function select(at: number): void {
    if (items.value.length === 0) return
    index.value = Math.min(items.value.length - 1, Math.max(0, at))
  }

  /** Accepts, rejects or relabels the detection under review, then moves to the next one. */
  const review = (kind: DetectionReview, relabel?: string) =>
    guarded(async () => {
      const item = current.value
      if (!item) return
      const done = await api.invoke('detections:review', {
        id: item.id,
        review: kind,
        ...(kind === 'relabeled' ? { label: relabel } : {}),
      })
      const at = items.value.findIndex((d) => d.id === item.id)
      const wasReviewed = item.review !== null
      if (at >= 0) items.value[at] = { ...item, ...done }
      if (!wasReviewed) reviewedCount.value++
      reviewedHere.push(item.id)
      status.value =
        done.review === 'accepted'
          ? `Accepted ${item.label} at ${item.start.toFixed(2)} s`
          : done.review === 'rejected'
            ? `Rejected ${item.label} at ${item.start.toFixed(2)} s`
            : `Relabeled ${item.label} as ${done.reviewedLabel ?? '?'}`
      if (index.value === at) select(at + 1)
      await loadThresholds()
    })

  /** Undoes the latest edit; a review undone is selected again. */
  const undo = () =>
    guarded(async () => {
      const result = await api.invoke('edits:undo', {})
      status.value = result.edit ? result.edit.description : 'Nothing to undo'
      const back = result.edit?.kind === 'detection' ? reviewedHere.pop() : undefined
      await load()
      if (back !== undefined) {
        const at = items.value.findIndex((d) => d.id === back)
        if (at >= 0) select(at)
      }
    })

  return {
    runId,
    order,
    label,
    labels,
    hideReviewed,
    perBin,
    bins,
    minScore,
    seed,
    targetPrecision,
    items,
    total,
    reviewedCount,
    index,
    current,
    thresholds,
    thresholdsError,
    status,
    loading,
    error,
    open,
    close,
    load,
    loadThresholds,
    select,
    review,
    undo,
  }
})
