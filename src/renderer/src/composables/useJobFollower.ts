import { computed, getCurrentScope, onScopeDispose, ref, shallowRef } from 'vue'
import type { JobEngineEvent, JobMetricsEvent, JobProgressEvent } from '@shared/contract'
import type { JobInfo } from '@shared/domain'
import { isActiveJob, type JobDetail, type ListedJob } from '@shared/jobs'
import { api } from '../api'
import { errorMessage } from '../stores/api-call'

/** What a follower is told about the job it follows. */
export interface JobFollowerHooks {
  onProgress?(event: JobProgressEvent): void
  onMetrics?(event: JobMetricsEvent): void
  onEngine?(event: JobEngineEvent): void
  /** The job ended (done, failed or cancelled), with its parameters and result. */
  onEnd?(job: JobDetail): void | Promise<void>
}

/**
 * Follows one job of the service at a time: its state, its latest progress, and hooks for its
 * metrics, engine and end. It listens to the job's events only while it follows one, and stops on
 * `stop()`, when the job ends, or when the store or component that made it goes away.
 *
 * The job table is the truth: `adopt` picks up a job that is already running (after a reload, or
 * one started in another window or by the CLI) from `jobs:list`, so a page rebuilt from nothing
 * shows the same live job as the page that started it.
 */
export function useJobFollower(hooks: JobFollowerHooks = {}) {
  const job = shallowRef<JobInfo | null>(null)
  const progress = shallowRef<JobProgressEvent | null>(null)
  const running = computed(() => job.value !== null && isActiveJob(job.value))
  /** Why reading the job's end (or a hook on it) failed, for the screen. */
  const error = ref<string | null>(null)
  let stops: (() => void)[] = []
  let ended = new Set<number>()

  function stop(): void {
    stops.forEach((s) => s())
    stops = []
  }

  async function end(id: number): Promise<void> {
    if (ended.has(id) || job.value?.id !== id) return
    ended.add(id)
    stop()
    try {
      const detail = await api.invoke('jobs:get', { id })
      if (job.value?.id !== id) return
      job.value = detail
      await hooks.onEnd?.(detail)
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  /** Follows a job (the one a start returned, or one found running), leaving any other. */
  async function follow(started: JobInfo): Promise<void> {
    stop()
    ended = new Set()
    error.value = null
    const id = started.id
    job.value = started
    progress.value = started.total === null && started.done === 0 ? null : progressOf(started)
    stops = [
      api.on('job:progress', (event) => {
        if (event.jobId !== id) return
        progress.value = event
        hooks.onProgress?.(event)
      }),
      api.on('job:metrics', (event) => {
        if (event.jobId === id) hooks.onMetrics?.(event)
      }),
      api.on('job:engine', (event) => {
        if (event.jobId === id) hooks.onEngine?.(event)
      }),
      api.on('job:state', (state) => {
        if (state.id !== id) return
        job.value = state
        if (!isActiveJob(state)) void end(id)
      }),
    ]
    // A short job may have ended before its id came back: ask once as well.
    const now = await api.invoke('jobs:get', { id })
    if (job.value?.id !== id || ended.has(id)) return
    if (isActiveJob(now)) job.value = now
    else await end(id)
  }

  /** Follows the newest queued or running job that matches, if there is one; answers it. */
  async function adopt(match: (listed: ListedJob) => boolean): Promise<ListedJob | null> {
    const active = await api.invoke('jobs:list', { active: true, limit: 100 })
    const found = active.find(match) ?? null
    if (found && found.id !== job.value?.id) await follow(found)
    return found
  }

  /** Asks the followed job to stop; its end arrives as an event. */
  async function cancel(): Promise<void> {
    if (job.value && isActiveJob(job.value)) await api.invoke('jobs:cancel', { id: job.value.id })
  }

  if (getCurrentScope()) onScopeDispose(stop)
  return { job, progress, running, error, follow, adopt, cancel, stop }
}

/** The progress a job's row records, for a job picked up between two progress events. */
function progressOf(job: JobInfo): JobProgressEvent {
  return { jobId: job.id, done: job.done, total: job.total, rate: null, etaSeconds: null, message: job.message }
}
