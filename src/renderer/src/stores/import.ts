import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { ImportPreview, ImportSummary, LabelSource } from '@shared/domain'
import { resultOf } from '@shared/jobs'
import { api } from '../api'
import { useJobFollower } from '../composables/useJobFollower'
import { newStartKey } from '../lib/start-key'
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
  const summary = shallowRef<ImportSummary | null>(null)
  const { error, busy, guarded } = useApiCall()
  const follower = useJobFollower({
    onEnd: (finished) => {
      summary.value = resultOf(finished, 'import')
      if (finished.state === 'failed') error.value = finished.error
      preview.value = null
    },
  })
  const { job, progress, running } = follower

  const labelsFrom = (): LabelSource =>
    form.value.labelsKind === 'pattern'
      ? { kind: 'pattern', pattern: form.value.pattern }
      : { kind: form.value.labelsKind }

  const makePreview = () =>
    guarded(async () => {
      // A new preview starts a new import: the last one's bar and summary no longer apply.
      if (!running.value) {
        job.value = null
        progress.value = null
      }
      summary.value = null
      preview.value = await api.invoke('import:preview', { source: form.value.source, labelsFrom: labelsFrom() })
    })

  const start = () =>
    guarded(async () => {
      summary.value = null
      const started = await api.invoke('import:start', {
        source: form.value.source,
        labelsFrom: labelsFrom(),
        copy: form.value.copy,
        idempotencyKey: newStartKey(),
      })
      await follower.follow(started)
    })

  const cancel = () => guarded(() => follower.cancel())

  /** Picks up an import the service is running (after a reload, or started elsewhere). */
  const resumeJob = () => guarded(() => follower.adopt((j) => j.kind === 'import'))

  return { form, preview, job, progress, summary, error, busy, running, makePreview, start, cancel, resumeJob }
})
