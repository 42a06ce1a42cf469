import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { FeatureComputeSummary, FeatureSetInfo } from '@shared/feature-sets'
import { resultOf } from '@shared/jobs'
import type { PreprocessStepInput } from '@shared/preprocess'
import { api } from '../api'
import { useJobFollower } from '../composables/useJobFollower'
import { newStartKey } from '../lib/start-key'
import { useApiCall } from './api-call'

/** What the feature-set form edits: a name, the steps in order, and the configuration fields. */
export interface FeatureSetForm {
  name: string
  pipeline: PreprocessStepInput[]
  config: Record<string, unknown>
}

/** The configuration a new set starts from: librosa's defaults at 22.05 kHz, log-mel and MFCC. */
export const DEFAULT_CONFIG: Record<string, unknown> = {
  sampleRate: 22050,
  nFft: 2048,
  hop: 512,
  nMels: 128,
  nMfcc: 20,
  fmin: 0,
  fmax: null,
  features: ['logmel', 'mfcc'],
  stats: ['mean', 'std', 'min', 'max'],
}

/** Feature sets: the list, the one chosen, the form, and computing a set for the project. */
export const useFeatureSetsStore = defineStore('featureSets', () => {
  const sets = shallowRef<FeatureSetInfo[]>([])
  const selectedId = ref<number | null>(null)
  const form = ref<FeatureSetForm>({ name: '', pipeline: [], config: { ...DEFAULT_CONFIG } })
  const editing = ref<'new' | number>('new')
  const summary = shallowRef<FeatureComputeSummary | null>(null)
  const { error, busy, guarded } = useApiCall()
  const selected = computed(() => sets.value.find((s) => s.id === selectedId.value) ?? null)
  const follower = useJobFollower({
    onEnd: (finished) => {
      summary.value = resultOf(finished, 'features')
      if (finished.state === 'failed') error.value = finished.error
    },
  })
  const { job, progress, running } = follower

  const load = () =>
    guarded(async () => {
      sets.value = await api.invoke('featureSets:list', {})
      if (!sets.value.some((s) => s.id === selectedId.value)) selectedId.value = sets.value[0]?.id ?? null
    })

  function startNew() {
    editing.value = 'new'
    form.value = { name: '', pipeline: [], config: { ...DEFAULT_CONFIG } }
  }

  function edit(set: FeatureSetInfo) {
    editing.value = set.id
    form.value = {
      name: set.name,
      pipeline: JSON.parse(JSON.stringify(set.pipeline)) as PreprocessStepInput[],
      config: { ...set.config },
    }
  }

  const save = () =>
    guarded(async () => {
      const input = { name: form.value.name, pipeline: form.value.pipeline as never, config: form.value.config }
      const saved =
        editing.value === 'new'
          ? await api.invoke('featureSets:create', input)
          : await api.invoke('featureSets:update', { id: editing.value, ...input })
      editing.value = saved.id
      sets.value = await api.invoke('featureSets:list', {})
      selectedId.value = saved.id
    })

  const remove = (id: number) =>
    guarded(async () => {
      await api.invoke('featureSets:remove', { id })
      if (editing.value === id) startNew()
      sets.value = await api.invoke('featureSets:list', {})
      if (selectedId.value === id) selectedId.value = sets.value[0]?.id ?? null
    })

  const compute = () =>
    guarded(async () => {
      if (selectedId.value === null) return
      summary.value = null
      const started = await api.invoke('featureSets:compute', { id: selectedId.value, idempotencyKey: newStartKey() })
      await follower.follow(started)
    })

  const cancel = () => guarded(() => follower.cancel())

  /** Picks up a computation the service is running (after a reload, or started elsewhere). */
  const resumeJob = () => guarded(() => follower.adopt((j) => j.kind === 'features'))

  return {
    sets,
    selectedId,
    selected,
    form,
    editing,
    job,
    progress,
    summary,
    error,
    busy,
    running,
    load,
    startNew,
    edit,
    save,
    remove,
    compute,
    cancel,
    resumeJob,
  }
})
