import { defineStore } from 'pinia'
import { computed, getCurrentScope, onScopeDispose, ref, shallowRef } from 'vue'
import type { JobProgressEvent } from '@shared/contract'
import { isActiveJob, type ListedJob } from '@shared/jobs'
import { api } from '../api'
import { useApiCall } from './api-call'

/** How many recent jobs the activity list keeps. */
const RECENT = 30

/**
 * Every job of the project, running and recent, as the service lists them: the activity list in
 * the header. Loaded from `jobs:list` when the studio opens and on each tab switch, and kept live
 * by the job events, so a job started anywhere (another window, the CLI) shows up too.
 */
export const useJobsStore = defineStore('jobs', () => {
  const jobs = shallowRef<ListedJob[]>([])
  const progress = shallowRef<Record<number, JobProgressEvent>>({})
  const cancelling = ref<number[]>([])
  const { error, guarded } = useApiCall()
  const active = computed(() => jobs.value.filter(isActiveJob))

  const load = () =>
    guarded(async () => {
      jobs.value = await api.invoke('jobs:list', { limit: RECENT })
    })

  const cancel = (id: number) =>
    guarded(async () => {
      cancelling.value = [...cancelling.value, id]
      try {
        await api.invoke('jobs:cancel', { id })
      } finally {
        cancelling.value = cancelling.value.filter((x) => x !== id)
      }
    })

  const stops = [
    api.on('job:state', (state) => {
      const known = jobs.value.some((j) => j.id === state.id)
      // A job this page has not seen (started elsewhere): its parameters come with the list.
      if (!known) return void load()
      jobs.value = jobs.value.map((j) =>
        j.id === state.id ? ({ ...j, ...state, runId: state.runId ?? j.runId } as ListedJob) : j,
      )
    }),
    api.on('job:progress', (event) => {
      progress.value = { ...progress.value, [event.jobId]: event }
    }),
  ]
  if (getCurrentScope()) onScopeDispose(() => stops.forEach((s) => s()))

  return { jobs, active, progress, cancelling, error, load, cancel }
})
