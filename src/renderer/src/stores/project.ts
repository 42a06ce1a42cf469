import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { MethodInput } from '@shared/contract'
import type { ProjectSummary } from '@shared/domain'
import { ApiCallError } from '@shared/result'
import { api } from '../api'

/** The open project as the first screen shows it, kept fresh by `project:changed` events. */
export const useProjectStore = defineStore('project', () => {
  const project = shallowRef<ProjectSummary | null>(null)
  const error = ref<string | null>(null)
  const loading = ref(false)
  const isEmpty = computed(() => project.value !== null && project.value.clipCount === 0)

  /** Runs an API call, keeping its error message for the screen instead of throwing. */
  async function attempt<T>(work: () => Promise<T>): Promise<T | undefined> {
    error.value = null
    try {
      return await work()
    } catch (e) {
      error.value = e instanceof ApiCallError ? e.message : String(e)
      return undefined
    }
  }

  async function load() {
    loading.value = true
    const summary = await attempt(() => api.invoke('project:get', {}))
    if (summary) project.value = summary
    loading.value = false
  }

  const stopListening = api.on('project:changed', (summary) => {
    project.value = summary
  })

  return {
    project,
    error,
    loading,
    isEmpty,
    load,
    stopListening,
    open: (path: string) => attempt(() => api.invoke('project:open', { path })),
    create: (path: string, name?: string) =>
      attempt(() => api.invoke('project:create', name ? { path, name } : { path })),
    rename: (name: string) => attempt(() => api.invoke('project:rename', { name })),
    addClass: (input: MethodInput<'classes:add'>) => attempt(() => api.invoke('classes:add', input)),
    updateClass: (input: MethodInput<'classes:update'>) => attempt(() => api.invoke('classes:update', input)),
    removeClass: (id: number) => attempt(() => api.invoke('classes:remove', { id })),
  }
})
