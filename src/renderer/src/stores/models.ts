import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'
import type { TrainingSource } from '@shared/detection'
import type { JobInfo } from '@shared/domain'
import type { RunDetail, RunInfo, RunModel, RunPrediction, RunSplitEvaluation } from '@shared/evaluation'
import { emptyForm, type SweepForm } from '@shared/sweep-form'
import type { SweepInfo } from '@shared/sweeps'
import { api } from '../api'
import { useJobFollower } from '../composables/useJobFollower'
import { newStartKey } from '../lib/start-key'
import { useApiCall } from './api-call'

/** A confusion-matrix cell: the clips of class `true` predicted as `predicted`. */
export interface Cell {
  true: string
  predicted: string
}

/** One point of a live training curve: an epoch (whole steps) or a batch report (fractions). */
export interface LivePoint {
  step: number
  values: Record<string, number>
}

/** What the training form holds; kept here so that leaving the Models tab does not reset it. */
/** Where a run's examples come from, as `train:start` takes it. */
export interface ExampleSettings {
  from?: TrainingSource
  window?: number
  hop?: number
  minOverlap?: number
}

export interface TrainForm {
  model: RunModel
  seed: number
  /** What the user typed per parameter; empty means the model's default. Kept per model while switching. */
  typedByModel: Record<RunModel, Record<string, string>>
  /** The feature set a run trains from, by name; '' is the project's default set for the model. */
  featureSet: string
  /** Examples from whole clips or from windows of labeled regions. */
  source: TrainingSource
  /** Regions: window, hop (seconds) and overlap as typed; empty means the default from the regions. */
  window: string
  hop: string
  minOverlap: string
}

/** What the sweep builder holds; `ready` once it has been set up from the models a sweep can tune. */
export interface SweepBuilderState {
  form: SweepForm
  asJson: boolean
  text: string
  ready: boolean
}

/**
 * Training and evaluation: runs of the project, the selected run's metrics on its test split,
 * the clips behind a confusion cell, and sweeps. Every number comes from the catalog, and every
 * running job from the service: after a reload `resume` picks up the training or sweep the
 * service is running, with its live curve and a working Cancel.
 */
export const useModelsStore = defineStore('models', () => {
  const runs = shallowRef<RunInfo[]>([])
  const selected = shallowRef<RunDetail | null>(null)
  /** The run the Runs view shows (set at once; `selected` follows when it has loaded). */
  const openRunId = ref<number | null>(null)
  const evaluation = shallowRef<RunSplitEvaluation | null>(null)
  const cell = ref<Cell | null>(null)
  const cellRows = shallowRef<RunPrediction[]>([])
  const sweeps = shallowRef<Omit<SweepInfo, 'trials' | 'foldClips'>[]>([])
  const sweep = shallowRef<SweepInfo | null>(null)
  /** Two runs ticked for comparison, in the order ticked. */
  const comparing = ref<number[]>([])
  /** Which start is on its way to the service: its button shows it and cannot fire again. */
  const starting = ref<'train' | 'sweep' | 'resume' | null>(null)
  const { error, guarded } = useApiCall()

  const trainForm = reactive<TrainForm>({
    model: 'rf',
    seed: 0,
    typedByModel: { rf: {}, gbdt: {}, cnn: {}, crnn: {}, lstm: {}, transfer: {} },
    featureSet: '',
    source: 'clips',
    window: '',
    hop: '',
    minOverlap: '',
  })
  const sweepBuilder = reactive<SweepBuilderState>({ form: emptyForm('rf'), asJson: false, text: '', ready: false })

  /** The training job followed live: its run, its points so far and the engine it trains on. */
  const live = reactive<{
    runId: number | null
    model: string | null
    points: LivePoint[]
    engine: string | null
    /** Epochs the run is asked for (deep models), for the curve's axis. */
    epochs: number | null
  }>({ runId: null, model: null, points: [], engine: null, epochs: null })

  const loadRuns = () =>
    guarded(async () => {
      runs.value = await api.invoke('runs:list', {})
      sweeps.value = await api.invoke('sweeps:list', {})
    })

  const training = useJobFollower({
    onMetrics: (event) => {
      live.points = [...live.points, { step: event.step, values: event.values }]
    },
    onEngine: (event) => {
      live.engine = event.description
    },
    onEnd: async (job) => {
      if (job.state === 'failed') error.value = job.error
      await loadRuns()
    },
  })

  const sweeping = useJobFollower({
    onProgress: () => void refreshSweep(),
    onEnd: async (job) => {
      if (job.state === 'failed') error.value = job.error
      await refreshSweep()
      await loadRuns()
    },
  })

  /** The selected run's job while it trains: the detail (epochs, curve) follows it until it ends. */
  const selectedJob = useJobFollower({
    onMetrics: (event) => {
      if (Number.isInteger(event.step)) void refreshSelected()
    },
    onEnd: () => refreshSelected(),
  })

  /** The job that keeps the training and sweep buttons busy, if one runs. */
  const jobId = computed(() =>
    training.running.value
      ? (training.job.value?.id ?? null)
      : sweeping.running.value
        ? (sweeping.job.value?.id ?? null)
        : null,
  )
  const progress = computed(() =>
    training.running.value ? training.progress.value : sweeping.running.value ? sweeping.progress.value : null,
  )

  async function loadSelected(id: number): Promise<void> {
    const detail = await api.invoke('runs:get', { id })
    if (openRunId.value !== id) return
    selected.value = detail
    evaluation.value = detail.metrics.test ? await api.invoke('runs:metrics', { id, split: 'test' }) : null
  }

  const refreshSelected = () =>
    guarded(async () => {
      if (openRunId.value !== null) await loadSelected(openRunId.value)
    })

  const selectRun = (id: number) =>
    guarded(async () => {
      openRunId.value = id
      cell.value = null
      cellRows.value = []
      selectedJob.stop()
      await loadSelected(id)
      const run = selected.value
      if (run?.id === id && run.state === 'running' && run.jobId !== null) {
        await selectedJob.follow(await api.invoke('jobs:get', { id: run.jobId }))
      }
    })

  const closeRun = () => {
    openRunId.value = null
    selected.value = null
    evaluation.value = null
    selectedJob.stop()
  }

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

  /** Follows a training job live, starting its curve from the epochs its run has recorded. */
  async function followTraining(job: JobInfo): Promise<void> {
    clearLive()
    live.runId = job.runId
    if (job.runId !== null) {
      const run = await api.invoke('runs:get', { id: job.runId })
      live.model = run.model
      live.points = run.history.map((h) => ({ step: h.epoch, values: h.values }))
      live.epochs = typeof run.params['epochs'] === 'number' ? run.params['epochs'] : null
      // `tfjs` is what a deep run records until its worker has chosen a backend.
      if (run.engine !== 'tfjs') live.engine = run.engine
    }
    await training.follow(job)
    await loadRuns()
  }

  /** Runs one start at a time, each with its own idempotency key, showing it as pending meanwhile. */
  async function startOnce(what: 'train' | 'sweep' | 'resume', work: (key: string) => Promise<void>): Promise<void> {
    if (starting.value !== null) return
    starting.value = what
    try {
      await guarded(() => work(newStartKey()))
    } finally {
      starting.value = null
    }
  }

  /** Trains a run; `set` names the project's feature set (left out: the project's default set). */
  /** A new start's curve begins empty rather than showing the last run's until its job is known. */
  const clearLive = () => Object.assign(live, { runId: null, model: null, engine: null, points: [], epochs: null })

  const train = (
    model: RunModel,
    params: Record<string, unknown>,
    seed: number,
    set?: string,
    examples: ExampleSettings = {},
  ) =>
    startOnce('train', async (idempotencyKey) => {
      clearLive()
      const from = set === undefined ? {} : { set }
      await followTraining(
        await api.invoke('train:start', { model, params, seed, idempotencyKey, ...from, ...examples }),
      )
    })

  /** Resumes a cancelled, failed or interrupted deep run from its checkpoint, under the same id. */
  const resume = (runId: number) =>
    startOnce('resume', async (idempotencyKey) => {
      clearLive()
      await followTraining(await api.invoke('train:resume', { id: runId, idempotencyKey }))
    })

  const startSweep = (spec: unknown) =>
    startOnce('sweep', async (idempotencyKey) => {
      // The builder checked the spec against the same schema; the service checks it again.
      const started = await api.invoke('sweeps:start', { spec: spec as never, idempotencyKey })
      sweep.value = await api.invoke('sweeps:get', { id: started.sweepId })
      await sweeping.follow(started.job)
      await loadRuns()
    })

  /** Shows an earlier sweep of the project. */
  const openSweep = (id: number) =>
    guarded(async () => {
      sweep.value = await api.invoke('sweeps:get', { id })
    })

  /** Resumes a sweep that was cancelled or whose process died: finished trials are kept. */
  const resumeSweep = (id: number) =>
    startOnce('sweep', async (idempotencyKey) => {
      const started = await api.invoke('sweeps:resume', { id, idempotencyKey })
      sweep.value = await api.invoke('sweeps:get', { id })
      await sweeping.follow(started.job)
    })

  const refreshSweep = () =>
    guarded(async () => {
      if (sweep.value) sweep.value = await api.invoke('sweeps:get', { id: sweep.value.id })
    })

  /**
   * Rebuilds the screen from the service: the runs and sweeps, and the training and sweep jobs
   * running now (after a reload, or started elsewhere), followed live.
   */
  const resumeJobs = () =>
    guarded(async () => {
      await loadRuns()
      const active = await api.invoke('jobs:list', { active: true, limit: 100 })
      const trainingJob = active.find((j) => j.kind === 'train')
      if (trainingJob && trainingJob.id !== training.job.value?.id) await followTraining(trainingJob)
      const sweepJob = active.find((j) => j.kind === 'sweep')
      if (sweepJob && sweepJob.id !== sweeping.job.value?.id) {
        if (sweepJob.sweepId !== null) await openSweep(sweepJob.sweepId)
        await sweeping.follow(sweepJob)
      }
    })

  const cancelTraining = () => guarded(() => training.cancel())
  const cancelSweep = () => guarded(() => sweeping.cancel())

  return {
    runs,
    selected,
    openRunId,
    evaluation,
    cell,
    cellRows,
    sweeps,
    sweep,
    comparing,
    starting,
    trainForm,
    sweepBuilder,
    live,
    trainingJob: training.job,
    trainingProgress: training.progress,
    sweepJob: sweeping.job,
    jobId,
    progress,
    error,
    loadRuns,
    selectRun,
    closeRun,
    refreshSelected,
    openCell,
    relabel,
    train,
    resume,
    startSweep,
    openSweep,
    resumeSweep,
    refreshSweep,
    resumeJobs,
    cancelTraining,
    cancelSweep,
  }
})
