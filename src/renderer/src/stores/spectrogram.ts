import { errorMessage } from './api-call'
import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { DEFAULT_SPECTROGRAM_SETTINGS, type SpectrogramSettings } from '@shared/spectrogram'
import { api } from '../api'
import { useProjectStore } from './project'

export type { SpectrogramSettings } from '@shared/spectrogram'

/**
 * Spectrogram settings, kept in the open project: read when a project opens, written back on every
 * change, so that the project opens as it was left, whichever browser or window opens it.
 */
export const useSpectrogramStore = defineStore('spectrogram', () => {
  const project = useProjectStore()
  const settings = ref<SpectrogramSettings>({ ...DEFAULT_SPECTROGRAM_SETTINGS })
  const error = ref<string | null>(null)
  /** The settings as the project holds them: a change equal to these is not written again. */
  let stored = JSON.stringify(settings.value)

  const report = (e: unknown) => (error.value = errorMessage(e))

  watch(
    () => project.project?.path,
    async (path) => {
      if (!path) return
      try {
        const saved = await api.invoke('spectrogram:get', {})
        if (project.project?.path !== path) return
        const next = saved ?? { ...DEFAULT_SPECTROGRAM_SETTINGS }
        stored = JSON.stringify(next)
        settings.value = next
        error.value = null
      } catch (e) {
        report(e)
      }
    },
    { immediate: true },
  )

  watch(
    settings,
    (value) => {
      const json = JSON.stringify(value)
      if (json === stored || !project.project) return
      stored = json
      api.invoke('spectrogram:set', { ...value }).then(() => (error.value = null), report)
    },
    { deep: true },
  )

  return { settings, error, reset: () => (settings.value = { ...DEFAULT_SPECTROGRAM_SETTINGS }) }
})
