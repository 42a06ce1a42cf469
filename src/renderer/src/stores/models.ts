import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { JobProgressEvent } from '@shared/contract'
import type { RunDetail, RunInfo, RunModel, RunPrediction, RunSplitEvaluation } from '@shared/evaluation'
import type { SweepInfo } from '@shared/sweeps'
import { api } from '../api'
import { useApiCall } from './api-call'

/** A confusion-matrix cell: the clips of class `true` predicted as `predicted`. */
export interface Cell {
  true: string
  predicted: string
}

/**
 * Training and evaluation: runs of the project, the selected run's metrics on its test split,
 * the clips behind a confusion cell, and sweeps. Every number comes from the catalog.
 */
export const useModelsStore = defineStore('models', () => {
  const runs = shallowRef<RunInfo[]>([])
  const selected = shallowRef<RunDetail | null>(null)
  const evaluation = shallowRef<RunSplitEvaluation | null>(null)
  const cell = ref<Cell | null>(null)
  const cellRows = shallowRef<RunPrediction[]>([])
  const sweeps = shallowRef<Omit<SweepInfo, 'trials' | 'foldClips'>[]>([])
  const sweep = shallowRef<SweepInfo | null>(null)
  const jobId = ref<number | null>(null)
  const progress = shallowRef<JobProgressEvent | null>(null)
  const { error, guarded } = useApiCall()

  const loadRuns = () =>
    guarded(async () => {
      runs.value = await api.invoke('runs:list', {})
      sweeps.value = await api.invoke('sweeps:list', {})
    })

  const selectRun = (id: number) =>
    guarded(async () => {
      selected.value = await api.invoke('runs:get', { id })
      cell.value = null
      cellRows.value = []
      evaluation.value = selected.value.metrics.test ? await api.invoke('runs:metrics', { id, split: 'test' }) : null
    })

  const openCell = (next: Cell) =>
    guarded(async () => {
      if (!selected.value) return
      cell.value = next
      const page = await api.invoke('runs:predictions', {
        id: selected.value.id,
        split: 'test',
        true: next.true,
        predicted: next.predicted,
        limit: 1000,
      })
      cellRows.value = page.rows
    })

  /**
   * Corrects a listed clip's label (a class hotkey in the cell's list): recorded like any label,
   * then the cell shows the new label and the run counts it among labels changed since training.
   */
  const relabel = (clipId: number, classId: number) =>
    guarded(async () => {
      await api.invoke('labels:assign', { clipId, classId })
      runs.value = await api.invoke('runs:list', {})
      if (selected.value) selected.value = await api.invoke('runs:get', { id: selected.value.id })
      if (cell.value) await openCell(cell.value)
    })

  const train = (model: RunModel, params: Record<string, unknown>, seed: number) =>
    guarded(async () => {
      progress.value = null
      const job = await api.invoke('train:start', { model, params, seed })
      jobId.value = job.id
    })

  /** Resumes a cancelled, failed or interrupted deep run from its checkpoint, under the same id. */
  const resume = (runId: number) =>
    guarded(async () => {
      progress.value = null
      const job = await api.invoke('train:resume', { id: runId })
      jobId.value = job.id
      runs.value = await api.invoke('runs:list', {})
    })

  const startSweep = (spec: unknown) =>
    guarded(async () => {
      progress.value = null
      const started = await api.invoke('sweeps:start', { spec: spec as never })
      jobId.value = started.job.id
      sweep.value = await api.invoke('sweeps:get', { id: started.sweepId })
    })

  /** Shows an earlier sweep of the project. */
  const openSweep = (id: number) =>
    guarded(async () => {
      sweep.value = await api.invoke('sweeps:get', { id })
    })

  /** Resumes a sweep that was cancelled or whose process died: finished trials are kept. */
  const resumeSweep = (id: number) =>
    guarded(async () => {
      progress.value = null
      const started = await api.invoke('sweeps:resume', { id })
      jobId.value = started.job.id
      sweep.value = await api.invoke('sweeps:get', { id })
    })

  const refreshSweep = () =>
    guarded(async () => {
      if (sweep.value) sweep.value = await api.invoke('sweeps:get', { id: sweep.value.id })
    })

  api.on('job:progress', (event) => {
    if (event.jobId !== jobId.value) return
    progress.value = event
    void refreshSweep()
  })
  api.on('job:state', (state) => {
    if (state.id !== jobId.value || state.state === 'running' || state.state === 'queued') return
    jobId.value = null
    if (state.state === 'failed') error.value = state.error
    void refreshSweep()
    void loadRuns()
  })

  return {
    runs,
    selected,
    evaluation,
    cell,
    cellRows,
    sweeps,
    sweep,
    jobId,
    progress,
    error,
    loadRuns,
    selectRun,
    openCell,
    relabel,
    train,
    resume,
    startSweep,
    openSweep,
    resumeSweep,
    refreshSweep,
  }
})
