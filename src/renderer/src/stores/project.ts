import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { MethodInput } from '@shared/contract'
import type { ProjectSummary } from '@shared/domain'
import { api } from '../api'
import { useApiCall } from './api-call'

/** The open project as the first screen shows it, kept fresh by `project:changed` events. */
export const useProjectStore = defineStore('project', () => {
  const project = shallowRef<ProjectSummary | null>(null)
  const { error, guarded: attempt } = useApiCall()
  const loading = ref(false)
  const isEmpty = computed(() => project.value !== null && project.value.clipCount === 0)

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
