import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { JobProgressEvent } from '@shared/contract'
import type { ImportPreview, ImportSummary, JobInfo, LabelSource } from '@shared/domain'
import { api } from '../api'
import { useApiCall } from './api-call'

/** What the import form asks for. */
export interface ImportForm {
  source: string
  labelsKind: LabelSource['kind']
  pattern: string
  copy: boolean
}

/** The import screen: a preview before anything is written, then the job's progress and summary. */
export const useImportStore = defineStore('import', () => {
  const form = ref<ImportForm>({
    source: '',
    labelsKind: 'folder',
    pattern: '(?<label>[^_]+)_(?<group>[^_]+)_(?<take>\\d+)\\.\\w+$',
    copy: false,
  })
  const preview = shallowRef<ImportPreview | null>(null)
  const job = shallowRef<JobInfo | null>(null)
  const progress = shallowRef<JobProgressEvent | null>(null)
  const summary = shallowRef<ImportSummary | null>(null)
  const { error, busy, guarded } = useApiCall()
  const running = computed(() => job.value?.state === 'running' || job.value?.state === 'queued')

  const labelsFrom = (): LabelSource =>
    form.value.labelsKind === 'pattern'
      ? { kind: 'pattern', pattern: form.value.pattern }
      : { kind: form.value.labelsKind }

  const makePreview = () =>
    guarded(async () => {
      summary.value = null
      preview.value = await api.invoke('import:preview', { source: form.value.source, labelsFrom: labelsFrom() })
    })

  const start = () =>
    guarded(async () => {
      progress.value = null
      summary.value = null
      job.value = await api.invoke('import:start', {
        source: form.value.source,
        labelsFrom: labelsFrom(),
        copy: form.value.copy,
      })
    })

  const cancel = () =>
    guarded(async () => {
      if (job.value) await api.invoke('jobs:cancel', { id: job.value.id })
    })

  api.on('job:progress', (event) => {
    if (event.jobId === job.value?.id) progress.value = event
  })
  api.on('job:state', (state) => {
    if (state.id !== job.value?.id) return
    job.value = state
    if (state.state !== 'running' && state.state !== 'queued') {
      void guarded(async () => {
        const finished = await api.invoke('jobs:get', { id: state.id })
        summary.value = finished.result as ImportSummary | null
        if (state.state === 'failed') error.value = state.error
        preview.value = null
      })
    }
  })

  return { form, preview, job, progress, summary, error, busy, running, makePreview, start, cancel }
})
